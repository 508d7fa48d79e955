"""Wijkprofiel page pieces: the wijk/buurt choice (kept in the URL), the sections, the downloads.

The profile itself is built by `wijkkompas.profile` and rendered by `wijkkompas.export`; this module
only chooses, caches and lays out. The key-figure table on screen is the same HTML as in the export.
"""

from __future__ import annotations

import functools

import streamlit as st

from wijkkompas.export.charts import trend_chart
from wijkkompas.export.html import buurt_table, figure_rows, stylesheet, trend_legend
from wijkkompas.formatting import esc, md_escape
from wijkkompas.profile import CODE, Profile, build_profile, gemeente_of, version_label, wijken_of
from wijkkompas.store import Store
from wijkkompas.ui import context, selection
from wijkkompas.ui.guard import UserMessage
from wijkkompas.ui.navigation import ROOT, page_url

KEY_GEMEENTE, KEY_WIJK, KEY_BUURT = "wp_gemeente", "wp_wijk", "wp_buurt"
KEY_URL = "wp_url_seen"
WHOLE_WIJK = "__wijk__"


# --------------------------------------------------------------------------- choosing


def _url_regio() -> str:
    raw = st.query_params.get_all("regio")
    return str(raw[0]).strip().upper() if raw else ""


def choose_region() -> str:
    """Gemeente → wijk → (optional) buurt pickers, seeded from `?regio=` when the URL changes.

    Returns the chosen code. A code in the URL that does not exist gives a Dutch warning and the
    pickers start at the first wijk, so the page still works.
    """
    store = context.get_store()
    if store.is_empty():
        raise UserMessage("Er zijn nog geen gegevens geladen. Ga naar Start en laad eerst gegevens.")
    names = selection.gemeente_names()
    loaded = list(names)
    chosen = [g for g in selection.chosen_gemeenten() if g in loaded] or loaded[:1]
    url = _url_regio()
    if url and st.session_state.get(KEY_URL) != url:  # a (new) link: seed the pickers from it
        st.session_state[KEY_URL] = url
        _seed_from_url(url, loaded, names)
    gemeenten = list(chosen)
    seeded = st.session_state.get(KEY_GEMEENTE)
    if seeded in loaded and seeded not in gemeenten:  # a link to a wijk of a gemeente not chosen on the left
        gemeenten.append(seeded)
    cols = st.columns([1, 2, 2]) if len(gemeenten) > 1 else st.columns([2, 2])
    i = 0
    if len(gemeenten) > 1:
        _keep(KEY_GEMEENTE, gemeenten)
        gm = cols[0].selectbox("Gemeente", gemeenten, key=KEY_GEMEENTE, format_func=lambda c: names.get(c, c))
        i = 1
    else:
        gm = gemeenten[0]
        st.session_state[KEY_GEMEENTE] = gm
    regions = context.regions([gm])
    wijken = wijken_of(regions, gm)
    if wijken.empty:
        raise UserMessage(f"Voor {names.get(gm, gm)} zijn geen wijken geladen. Laad de gemeente opnieuw in via Start.")
    wijk_names = dict(zip(wijken["region_code"], wijken["region_name"], strict=True))
    _keep(KEY_WIJK, list(wijk_names))
    wijk = cols[i].selectbox("Wijk", list(wijk_names), key=KEY_WIJK, format_func=lambda c: f"{wijk_names[c]} ({c})")
    buurten = regions[(regions["level"] == "buurt") & (regions["wijk_code"] == wijk)]
    buurten = buurten.sort_values("year").drop_duplicates("region_code", keep="last").sort_values("region_code")
    buurt_names = {WHOLE_WIJK: "Hele wijk", **dict(zip(buurten["region_code"], buurten["region_name"], strict=True))}
    _keep(KEY_BUURT, list(buurt_names))
    buurt = cols[i + 1].selectbox(
        "Buurt (optioneel)",
        list(buurt_names),
        key=KEY_BUURT,
        format_func=lambda c: buurt_names[c] if c == WHOLE_WIJK else f"{buurt_names[c]} ({c})",
        help="Kies een buurt voor het profiel van alleen die buurt.",
    )
    code = wijk if buurt == WHOLE_WIJK else buurt
    selection.sync_query(regio=code)
    st.session_state[KEY_URL] = code
    return code


def _keep(key: str, options: list) -> None:
    if st.session_state.get(key) not in options:
        st.session_state[key] = options[0]


def _seed_from_url(code: str, loaded: list[str], names: dict[str, str]) -> None:
    if not CODE.match(code) or code.startswith("GM"):
        st.warning(
            f"De link bevat '{code}'. Dat is geen code van een wijk (zoals WK016401) of buurt (zoals BU01640101). "
            "Kies hieronder een wijk."
        )
        return
    gm = gemeente_of(code)
    if gm not in loaded:
        st.warning(
            f"De link wijst naar {code} in gemeente {gm}, maar die gemeente is niet geladen. "
            "Laad haar via Start, of kies hieronder een wijk."
        )
        return
    regions = context.regions([gm])
    rows = regions[regions["region_code"] == code]
    if rows.empty:
        st.warning(
            f"{code} bestaat niet in de geladen gegevens van {names.get(gm, gm)}. Misschien is de code "
            "veranderd of zit er een tikfout in de link. Kies hieronder een wijk."
        )
        return
    st.session_state[KEY_GEMEENTE] = gm
    if code.startswith("WK"):
        st.session_state[KEY_WIJK] = code
        st.session_state[KEY_BUURT] = WHOLE_WIJK
    else:
        row = rows.sort_values("year").iloc[-1]
        st.session_state[KEY_WIJK] = str(row["wijk_code"]) if row["wijk_code"] is not None else "WK" + code[2:8]
        st.session_state[KEY_BUURT] = code


# --------------------------------------------------------------------------- building (cached)


@st.cache_resource(show_spinner=False, max_entries=64)
def _profile(data_dir: str, ver: str, code: str, year: int | None) -> Profile:
    gm = gemeente_of(code)
    return build_profile(
        context.values([gm], nederland=True),
        context.regions([gm]),
        context.catalogue(),
        code,
        year,
        store_version=version_label(Store(data_dir)),
    )


def load(code: str) -> Profile:
    store = context.get_store()
    return _profile(str(store.data_dir), store.version(), code, selection.chosen_year())


@st.cache_resource(show_spinner=False, max_entries=64)
def _map_svg(data_dir: str, ver: str, code: str, year: int | None) -> tuple[str | None, int | None]:
    from wijkkompas.export.maps import pick_geometry_year, region_map_svg

    prof = _profile(data_dir, ver, code, year)
    store = Store(data_dir)
    gm = [prof.header.gemeente_code]
    yb = pick_geometry_year(store.geometry_years("buurt"), prof.header.year)
    yw = pick_geometry_year(store.geometry_years("wijk"), prof.header.year)
    if yb is None and yw is None:
        return None, None
    first = yb or yw
    assert first is not None  # a geometry year is a calendar year, never 0; both None returned above
    empty = context.geometry(first, "buurt", ["GM9999"])
    buurten = context.geometry(yb, "buurt", gm) if yb else empty
    wijken = context.geometry(yw, "wijk", gm) if yw else empty
    return region_map_svg(prof.header, buurten, wijken), first


# --------------------------------------------------------------------------- sections


def header(p: Profile) -> None:
    h = p.header
    st.header(h.name)
    where = f" · in {h.wijk_name} ({h.wijk_code})" if h.wijk_name else ""
    st.caption(
        f"{h.level.capitalize()}code {h.code}{where} · gemeente {h.gemeente_name} ({h.gemeente_code}) · cijfers over {h.year}"
    )
    from wijkkompas.export.html import facts

    boxes = "".join(
        f"<div><dt>{esc(f['label'])}</dt><dd>{esc(f['value'])}"
        + (f" <small>{esc(f['small'])}</small>" if f["small"] else "")
        + "</dd></div>"
        for f in facts(p)
    )
    st.html(f'<style>{stylesheet()}</style><div class="wk-profile wk-screen"><dl class="facts">{boxes}</dl></div>')
    for note in p.notes:
        st.info(note)


def standout(p: Profile) -> None:
    st.markdown("### Wat valt op")
    if p.standout:
        st.markdown("\n".join(f"- **{md_escape(s.label)}**: {md_escape(s.body)}" for s in p.standout))
    for note in p.standout_notes:
        st.caption(note)
    st.caption(
        "Deze zinnen zijn met vaste regels uit de cijfers berekend: de grootste verschillen met de gemeente en de "
        "grootste veranderingen sinds het eerste jaar met dezelfde code."
    )


def figures(p: Profile) -> None:
    st.markdown(f"### Kerncijfers {p.header.year}")
    st.html(figures_html(p))
    if p.not_loaded:
        st.caption("Niet in de geladen gegevens: " + ", ".join(i.label for i in p.not_loaded) + ".")
    from wijkkompas.profile import source_line

    st.caption(source_line(p.figure_sources()))


def figures_html(p: Profile) -> str:
    """The key-figure table as on paper (same CSS), for st.html. Every data string is escaped."""
    h = p.header
    head = [esc(h.name)] + (["Wijk"] if p.has_wijk_column else []) + [esc(h.gemeente_name), "Verschil met gemeente"]
    head += ["Nederland"] if p.has_nederland else []
    ncols = len(head) + 1
    rows = []
    for theme, items in figure_rows(p):
        rows.append(f'<tr class="theme"><td colspan="{ncols}">{esc(theme)}</td></tr>')
        for r in items:
            cells = [f"<td>{esc(r['label'])}</td>"]
            extra = f'<br><span class="unit">{esc(r["earlier"])}</span>' if r["earlier"] else ""
            cells.append(
                f'<td class="{r["region_class"]}">{esc(r["region"])}{"*" if r["computed"] else ""}{extra}</td>'
            )
            if p.has_wijk_column:
                cells.append(f'<td class="{r["wijk_class"]}">{esc(r["wijk"])}</td>')
            cells.append(f'<td class="{r["gemeente_class"]}">{esc(r["gemeente"])}</td>')
            if r["judgement"]:
                cells.append(
                    f'<td><span class="diff {r["judgement"]}">{esc(r["difference"])} <small>{esc(r["judgement_word"])}</small></span></td>'
                )
            else:
                cells.append(f"<td>{esc(r['difference'])}</td>")
            if p.has_nederland:
                cells.append(f'<td class="{r["nl_class"]}">{esc(r["nederland"])}</td>')
            rows.append("<tr>" + "".join(cells) + "</tr>")
    legend = (
        f'<p class="note">Verschil = {esc(h.level)} min gemeente. <span class="diff gunstiger">blauw</span> = gunstiger, '
        '<span class="diff ongunstiger">oranje</span> = ongunstiger, <span class="diff hoger">grijs</span> = hoger of lager '
        "zonder oordeel. Aantallen (zoals inwoners) worden niet vergeleken."
        + (
            " * = door Wijkkompas opgeteld uit de buurtcijfers van CBS."
            if any(k.region.computed for k in p.figures)
            else ""
        )
        + "</p>"
    )
    return (
        f'<style>{stylesheet()}</style><div class="wk-profile"><table class="figures"><thead><tr><th>Cijfer</th>'
        + "".join(f"<th>{c}</th>" for c in head)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        + legend
        + "</div>"
    )


def notes(p: Profile) -> None:
    """What people said about this wijk or buurt, below the figures and apart from them."""
    from wijkkompas.ui.notes import notes_panel

    notes_panel(p.header.code, p.header.name)


def trends(p: Profile) -> None:
    st.markdown("### Ontwikkeling")
    if p.trends:
        legend = " · ".join(
            f'<span style="color:{x["colour"]}; font-weight:bold">{"- -" if x["dashed"] else "—"}</span> {esc(x["label"])}'
            for x in trend_legend(p)
        )
        if any(t.breaks for t in p.trends):
            legend += ' · <span style="color:#b2182b; font-weight:bold">┆</span> breuk in de reeks'
        st.html(f'<div style="font-size:0.85rem">{legend}</div>')
        cols = st.columns(3)
        for i, t in enumerate(p.trends):
            with cols[i % 3]:
                spec = trend_chart(t, width=260, height=140)
                st.vega_lite_chart(spec, width="content", height=220, theme=None)  # named by its description
        breaks = sorted({(y, r) for t in p.trends for y, r in t.breaks})
        if breaks:
            st.caption("Breuk in de reeks: " + "; ".join(f"{y}: {r}" for y, r in breaks) + ".")
    if p.trend_note:
        st.caption(p.trend_note)
    from wijkkompas.profile import source_line

    if p.trends:
        st.caption(source_line({x for t in p.trends for x in t.source_tables}))


def buurten(p: Profile) -> None:
    h = p.header
    st.markdown(
        "### " + ("Buurten in deze wijk" if h.level == "wijk" else f"Buurten in {h.wijk_name or 'dezelfde wijk'}")
    )
    store = context.get_store()
    svg, map_year = _map_svg(str(store.data_dir), store.version(), h.code, selection.chosen_year())
    left, right = st.columns([1, 2])
    with left:
        if svg:
            from wijkkompas.export.html import map_alt_text

            st.image(svg, width=340, alt=map_alt_text(h))
            note = f"Kaartgrenzen {map_year}" + (
                f"; cijfers over {h.year}: de indeling kan veranderd zijn." if map_year != h.year else "."
            )
            st.caption(note)
        else:
            st.caption("Geen kaartgrenzen van deze wijk geladen.")
    with right:
        cols, rows = buurt_table(p)
        if not rows:
            st.caption(f"Geen buurten met cijfers over {h.year}.")
            return
        table = {"Buurt": [r["name"] + (" ◀" if r["chosen"] else "") for r in rows], "Code": [r["code"] for r in rows]}
        for j, c in enumerate(cols):
            table[c] = [r["cells"][j]["text"] for r in rows]
        table["Profiel"] = [page_url("wijkprofiel", gemeente=h.gemeente_code, regio=r["code"]) for r in rows]
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_config={"Profiel": st.column_config.LinkColumn("Profiel", display_text="open")},
        )
        from wijkkompas.profile import source_line

        st.caption(
            source_line({(f.year, f.source_table) for b in p.buurten for f in b.figures.values() if f.source_table})
        )


# --------------------------------------------------------------------------- export


@functools.lru_cache(maxsize=16)
def _export_bytes(data_dir: str, ver: str, code: str, year: int | None, fmt: str) -> bytes:
    """Built on click (download callable, own thread): no Streamlit calls in here."""
    from wijkkompas.export import export_profile

    _, data = export_profile(Store(data_dir), code, year, fmt, strict_year=False)
    return data


def downloads(p: Profile) -> None:
    store = context.get_store()
    args = (str(store.data_dir), store.version(), p.header.code, p.header.year)
    stem = file_stem(p)
    c1, c2, _ = st.columns([1, 1, 2])
    c1.download_button(
        "Download PDF",
        data=lambda: _export_bytes(*args, "pdf"),
        file_name=f"{stem}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
        help="A4, 2 tot 4 pagina's, om te printen.",
    )
    c2.download_button(
        "Download HTML",
        data=lambda: _export_bytes(*args, "html"),
        file_name=f"{stem}.html",
        mime="text/html",
        icon=":material/code:",
        on_click="ignore",
        help="Eén bestand dat ook zonder internet opent.",
    )


def file_stem(p: Profile) -> str:
    from wijkkompas.export.names import profile_file_stem

    return profile_file_stem(p.header.code, p.header.name, p.header.year)


@st.cache_resource(show_spinner=False, max_entries=64)
def _scores(data_dir: str, ver: str, code: str, year: int | None) -> tuple[dict, ...]:
    from wijkkompas.export.scoreblocks import lbm_values, score_blocks_from_values

    p = _profile(data_dir, ver, code, year)
    h = p.header
    values = context.values([h.gemeente_code], [h.year], [h.level])
    return score_blocks_from_values(values, p, context.catalogue(), lbm_values(context.get_store(), p))


def scores(p: Profile) -> None:
    """The region's scores with their parts; absent (no heading) when no score can be computed at all."""
    store = context.get_store()
    blocks = _scores(str(store.data_dir), store.version(), p.header.code, selection.chosen_year())
    if not blocks:
        return
    st.markdown("### Scores")
    for b in blocks:
        st.markdown(f"**{md_escape(b['title'])}: {md_escape(b['value'])}**")
        if b.get("explain"):
            st.caption(b["explain"])
        if b["rows"]:
            st.dataframe(
                {c: [row[i] for row in b["rows"]] for i, c in enumerate(b["columns"])}, hide_index=True, width="stretch"
            )
    if (ROOT / "pages" / "scores.py").exists():
        st.page_link(
            str(ROOT / "pages" / "scores.py"),
            label="Uitleg en kaart van de scores (pagina Scores)",
            icon=":material/leaderboard:",
            query_params={
                "gemeente": p.header.gemeente_code,
                "jaar": str(p.header.year),
                "niveau": p.header.level,
                "gebied": p.header.code,
            },
        )


def sources(p: Profile) -> None:
    from wijkkompas.profile import source_line

    st.caption(
        f"{source_line(p.source_tables)} Licentie CC BY 4.0. Gegevensversie {p.store_version}. "
        "Onbekend (geheim bij CBS) betekent: CBS maakt het cijfer niet bekend omdat het over te weinig mensen gaat; het is niet nul."
    )
