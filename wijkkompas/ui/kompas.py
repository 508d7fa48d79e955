"""Kompas page pieces: choices (all in the URL), the matrix, a cell's evidence, signalen, downloads.

The arithmetic lives in `wijkkompas.kompas`; this module turns choices into a cached `KompasView` and a view into
screens. Every choice is a query parameter, so a link reproduces the view, the open cell and a signal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from wijkkompas.exporting import to_csv_bytes
from wijkkompas.formatting import esc, missing_text, nl_number, source_label
from wijkkompas.kompas import REFERENCES, compute_kompas, default_definition
from wijkkompas.kompas.compute import MIN_PEERS
from wijkkompas.kompas.model import BAND_SHORT, NO_PEERS, TOO_SMALL, TREND_TEXT, KompasView
from wijkkompas.kompas.signalen import signal_frame, signalen_report
from wijkkompas.ui import context, selection
from wijkkompas.ui.guard import UserMessage
from wijkkompas.ui.navigation import page_url

LEVELS = {"wijk": "Wijken", "buurt": "Buurten"}
SORT_URGENT = "urgent"
VIEWS = {"kompas": "Kompas", "signalen": "Signalen"}
# Colour is never the only carrier: every cell also says its band in words.
BAND_STYLE = {
    "urgent": "background-color:#b2182b;color:#ffffff;font-weight:600",
    "aandacht": "background-color:#f4a582;color:#1a1a1a",
    "rond het gemiddelde": "background-color:#f7f7f7;color:#1a1a1a",
    "gunstig": "background-color:#92c5de;color:#1a1a1a",
    "": "background-color:#e8e8e8;color:#555555;font-style:italic",
}
REFERENCE_LABELS = {"gemeente": "Eigen gemeente", "selectie": "Gekozen gemeenten samen", "nederland": "Nederland"}


@dataclass
class Choices:
    gemeenten: list[str]
    year: int
    level: str
    reference: str
    sort: str
    only_urgent: bool
    search: str
    region: str
    theme: str
    weergave: str
    van: int | None = None
    tot: int | None = None


def _q(name: str) -> str:
    value = st.query_params.get(name)
    return value.strip() if isinstance(value, str) else ""


def _seed(key: str, value) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def choices() -> Choices:
    """The page's choices, seeded once from the URL (a shared link), then from the widgets."""
    gemeenten, year = selection.chosen_or_url()
    d = default_definition()
    _seed("kp_weergave", _q("weergave") if _q("weergave") in VIEWS else "kompas")
    _seed("kp_level", _q("niveau") if _q("niveau") in LEVELS else "wijk")
    _seed("kp_ref", _q("referentie") if _q("referentie") in REFERENCES else d.reference)
    _seed("kp_urgent", _q("alleen_urgent") == "1")
    _seed("kp_search", _q("zoek"))
    weergave = st.segmented_control(
        "Weergave",
        list(VIEWS),
        key="kp_weergave",
        format_func=VIEWS.__getitem__,
        help="Het kompas per jaar, of de signalen van verslechtering tussen twee jaren.",
    )
    weergave = weergave or "kompas"
    c1, c2, c3 = st.columns(3)
    level = c1.radio("Niveau", list(LEVELS), key="kp_level", format_func=LEVELS.__getitem__, horizontal=True)
    reference = c2.selectbox(
        "Vergelijken met",
        list(REFERENCES),
        key="kp_ref",
        format_func=REFERENCE_LABELS.__getitem__,
        help="De referentie: het gemiddelde waartegen elk gebied wordt afgezet.",
    )
    van = tot = None
    sort = SORT_URGENT
    if weergave == "signalen":
        years = context.get_store().years()
        if len(years) < 2:
            raise UserMessage("Voor signalen zijn cijfers van minstens twee jaren nodig. Laad een jaar meer (Start).")
        qv, qt = _q("van"), _q("tot")
        _seed("kp_van", int(qv) if qv.isdigit() and int(qv) in years else years[0])
        _seed("kp_tot", int(qt) if qt.isdigit() and int(qt) in years else years[-1])
        a, b = c3.columns(2)
        van = a.selectbox("Van", years, key="kp_van")
        tot = b.selectbox("Tot", years, key="kp_tot")
    else:
        d_themes = [t.id for t in d.themes]
        wanted = _q("sorteer")
        _seed("kp_sort", wanted if wanted in [SORT_URGENT, *d_themes] else SORT_URGENT)
        labels = {SORT_URGENT: "Aantal urgente thema's", **{t.id: f"Thema: {t.label}" for t in d.themes}}
        sort = c3.selectbox("Sorteer op", [SORT_URGENT, *d_themes], key="kp_sort", format_func=labels.__getitem__)
    f1, f2 = st.columns([1, 2])
    only_urgent = weergave == "kompas" and f1.toggle("Alleen met een urgent thema", key="kp_urgent")
    search = f2.text_input("Zoek een gebied", key="kp_search", placeholder="naam of code")
    return Choices(
        gemeenten,
        year,
        level,
        reference,
        sort,
        only_urgent,
        search.strip(),
        _q("regio").upper(),
        _q("thema"),
        weergave,
        van,
        tot,
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def _view(key: tuple, _values: pd.DataFrame, _regions: pd.DataFrame, _catalogue) -> KompasView:
    _dir, _ver, gemeenten, year, level, reference = key
    return compute_kompas(_values, _regions, _catalogue, list(gemeenten), year, level, reference=reference)


def view_for(gemeenten: list[str], year: int, level: str, reference: str) -> KompasView:
    store = context.get_store()
    years = [y for y in store.years() if y <= year]
    values = context.values(gemeenten, years, [level, "gemeente"], nederland=True)
    if not ((values["year"] == year) & (values["level"] == level)).any():
        raise UserMessage(
            f"Voor {year} zijn er geen cijfers op {level}niveau voor de gekozen gemeente(n). Kies een ander jaar of niveau."
        )
    key = (str(store.data_dir), store.version(), tuple(sorted(gemeenten)), int(year), level, reference)
    return _view(key, values, context.regions(gemeenten), context.catalogue())


# --------------------------------------------------------------------------- the matrix


def summary(view: KompasView) -> None:
    ref = REFERENCES[view.reference]
    prev = (
        f" De pijl vergelijkt met {view.previous_year}."
        if view.previous_year
        else " Er is geen eerder jaar geladen, dus geen pijl."
    )
    st.caption(
        f"{len(view.regions)} {LEVELS[view.level].lower()} in {view.year}, vergeleken met {ref}.{prev} "
        "Tussen haakjes: hoeveel cijfers het oordeel dragen (van de cijfers die dit jaar bestaan)."
    )
    if (view.reason == NO_PEERS).any():
        per = view.regions.groupby("gemeente_code")["region_code"].count()
        few = [selection.gemeente_names().get(g, g) for g, n in per.items() if n < MIN_PEERS]
        if few and view.reference == "gemeente":
            st.info(
                f"{', '.join(esc(x) for x in few)}: minder dan {MIN_PEERS} {LEVELS[view.level].lower()}, dus niets om mee "
                "te vergelijken binnen de gemeente. Kies Buurten, of bij 'Vergelijken met' de gekozen gemeenten samen.",
                icon=":material/info:",
            )
    thin = view.theme_summary()
    empty = thin[thin["with_band"] == 0]
    if len(empty):
        names = ", ".join(esc(x) for x in empty["label"])
        st.info(
            f"**Onvoldoende gegevens** voor {len(empty)} van de {len(thin)} thema's in {view.year}: {names}. "
            "Daar geeft het kompas geen oordeel; laad meer gegevens (Start) of voeg eigen cijfers toe.",
            icon=":material/data_alert:",
        )


def matrix_frame(view: KompasView, c: Choices) -> pd.DataFrame:
    """The matrix as shown: one text per cell ('urgent ↓ (3/4)'), the codes hidden for selection, sorted, filtered."""
    reg = view.regions
    names = selection.gemeente_names()
    out = pd.DataFrame({"Code": reg["region_code"].to_numpy(), "Gebied": reg["region_name"].to_numpy()})
    if len(view.gemeenten) > 1:
        out["Gemeente"] = reg["gemeente_code"].map(lambda g: names.get(g, g)).to_numpy()
    out["Urgent"] = view.urgent_count()
    for t, theme in enumerate(view.themes):
        texts = []
        for r in range(len(reg)):
            band = view.band[r, t]
            count = f"{view.n_used[r, t]}/{view.n_available[t]}"
            if band:
                arrow = {"beter": " ↑", "slechter": " ↓", "gelijk": " →", "breuk": " ⇆"}.get(view.trend[r, t], "")
                texts.append(f"{BAND_SHORT[band]}{arrow} ({count})")
            else:
                word = {TOO_SMALL: "te klein", NO_PEERS: "geen vergelijking"}.get(view.reason[r, t], "onvoldoende")
                texts.append(f"{word} ({count})")
        out[theme.short] = texts
    out["Profiel"] = [
        page_url("wijkprofiel", gemeente=g, regio=code)
        for code, g in zip(reg["region_code"], reg["gemeente_code"], strict=True)
    ]
    out["_order"] = np.arange(len(out))
    if c.sort == SORT_URGENT:
        worst = np.nan_to_num(
            np.nanmin(np.where(np.isnan(view.deviation), np.inf, view.deviation), axis=1), posinf=np.inf
        )
        out["_k"] = -view.urgent_count() + 0.0
        out["_k2"] = worst
        out = out.sort_values(["_k", "_k2", "Gebied"], na_position="last", kind="stable")
    else:
        out["_k"] = view.deviation[:, view.theme_ids.index(c.sort)]
        out = out.sort_values(["_k", "Gebied"], na_position="last", kind="stable")
    if c.only_urgent:
        out = out[out["Urgent"] > 0]
    if c.search:
        s = c.search.casefold()
        out = out[
            out["Gebied"].astype(str).str.casefold().str.contains(s, regex=False)
            | out["Code"].astype(str).str.casefold().str.contains(s, regex=False)
        ]
    return out.drop(columns=[k for k in ("_k", "_k2") if k in out.columns]).reset_index(drop=True)


def _styled(frame: pd.DataFrame, view: KompasView):
    shorts = [t.short for t in view.themes]
    order = frame["_order"].to_numpy()
    shown = frame.drop(columns=["_order"])

    def style(col: pd.Series) -> list[str]:
        if col.name not in shorts:
            return [""] * len(col)
        t = shorts.index(col.name)
        return [BAND_STYLE.get(str(view.band[r, t]), "") for r in order]

    return shown.style.apply(style, axis=0)


def matrix(view: KompasView, c: Choices) -> tuple[str | None, str | None]:
    """The matrix; a click on a theme cell returns (region, theme), a click on a name returns (region, None)."""
    frame = matrix_frame(view, c)
    if frame.empty:
        st.warning(
            "Geen gebieden die aan het filter voldoen. Zet 'Alleen met een urgent thema' uit of wis de zoekterm."
        )
        return None, None
    st.markdown(f"**Kompas {view.year}** · {len(frame)} {LEVELS[view.level].lower()}")
    shorts = {t.short: t for t in view.themes}
    config = {
        "Profiel": st.column_config.LinkColumn("Profiel", display_text="open", help="Open het wijkprofiel"),
        "Urgent": st.column_config.NumberColumn("Urgent", help="Aantal urgente thema's", format="%d", width="small"),
        **{s: st.column_config.TextColumn(s, help=f"{t.label}: {t.description}") for s, t in shorts.items()},
    }
    event = st.dataframe(
        _styled(frame, view),
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(frame), 560),
        on_select="rerun",
        selection_mode="single-cell",
        key=f"kp_matrix_{view.level}_{view.year}",
        column_order=[x for x in frame.columns if x not in ("Code", "_order")],
        column_config=config,
    )
    st.caption(legend_text(view) + " Klik op een cel voor de cijfers erachter; 'open' opent het wijkprofiel.")
    cells = getattr(getattr(event, "selection", None), "cells", []) or []
    if cells:
        row, col = cells[0]
        code = str(frame.iloc[int(row)]["Code"])
        theme = shorts.get(col)
        return code, (theme.id if theme else None)
    return None, None


def legend_text(view: KompasView) -> str:
    b = view.definition.bands
    return (
        f"Klassen: **urgent** (afwijking ≤ {nl_number(b.urgent, 1)}), **aandacht** (≤ {nl_number(b.aandacht, 1)}), "
        f"**rond het gemiddelde**, **gunstig** (≥ {nl_number(b.gunstig, 1)}), in standaarddeviaties; "
        "↑ beter, ↓ slechter, → gelijk, ⇆ breuk in de reeks (andere indeling)."
    )


def pick_cell(view: KompasView, c: Choices, clicked: tuple[str | None, str | None]) -> tuple[str | None, str | None]:
    """The open cell: a click wins, then the URL (a shared link), then the pickers below the matrix."""
    codes = list(view.regions["region_code"])
    names = dict(zip(view.regions["region_code"], view.regions["region_name"], strict=True))
    theme_ids = list(view.theme_ids)
    region, theme = clicked
    # A grid selection stays selected on every rerun: apply it only when it changes, so the pickers still work.
    if region and region in codes and st.session_state.get("kp_last_click") != clicked:
        st.session_state["kp_last_click"] = clicked
        st.session_state["kp_cell_region"] = region
        if theme:
            st.session_state["kp_cell_theme"] = theme
    _seed("kp_cell_region", c.region if c.region in codes else "")
    _seed("kp_cell_theme", c.theme if c.theme in theme_ids else theme_ids[0])
    if st.session_state["kp_cell_region"] not in ["", *codes]:
        st.session_state["kp_cell_region"] = ""
    a, b = st.columns(2)
    region = a.selectbox(
        "Gebied",
        ["", *codes],
        key="kp_cell_region",
        format_func=lambda x: "Kies een gebied" if not x else f"{names.get(x, x)} ({x})",
    )
    theme = b.selectbox("Thema", theme_ids, key="kp_cell_theme", format_func=lambda t: view.theme(t).label)
    return (region or None), theme


def _fmt(view: KompasView, indicator: str, value: float) -> str:
    from wijkkompas.formatting import format_value

    cat = context.catalogue()
    return format_value(value, cat.get(indicator)) if value == value else "–"


def evidence_frame(view: KompasView, region: str, theme: str) -> pd.DataFrame:
    rows = []
    kinds = {
        "gemeente": "gemeente",
        "gemiddelde": "gemiddelde van de gemeente",
        "selectie": "gekozen gemeenten",
        "nederland": "Nederland",
        "": "",
    }
    for e in view.evidence(region, theme):
        per = e.per_inwoners
        rows.append(
            {
                "Cijfer": e.label,
                "Waarde": _fmt(view, e.indicator, e.value) if not per else nl_number(e.value, 1),
                "Referentie": (_fmt(view, e.indicator, e.reference) if not per else nl_number(e.reference, 1))
                + (f" ({kinds.get(e.reference_kind, e.reference_kind)})" if e.reference_kind else ""),
                "Afwijking (sd)": nl_number(e.z, 2) if e.counts else "–",
                "Richting": "hoger is beter" if e.direction == "higher_is_better" else "lager is beter",
                "Telt mee": "ja" if e.counts else missing_text(e.status),
                f"In {view.previous_year}" if view.previous_year else "Eerder": (
                    _fmt(view, e.indicator, e.previous) if not per else nl_number(e.previous, 1)
                ),
                "Bron": " · ".join(x for x in (source_label(e.source_table), e.source_key) if x),
            }
        )
    return pd.DataFrame.from_records(rows)


def cell_detail(view: KompasView, region: str, theme: str) -> None:
    cell = view.cell(region, theme)
    t = view.theme(theme)
    g = str(view.regions["gemeente_code"].iloc[view.row_of(region)])
    st.subheader(f"{cell.region_name} · {t.label}")
    y0 = view.previous_year or ""
    trend = TREND_TEXT.get(cell.trend, "").format(y0=y0, y1=view.year)
    if cell.band:
        st.markdown(
            f"**{cell.band.capitalize()}** (afwijking {nl_number(cell.deviation, 2)} sd ten opzichte van "
            f"{REFERENCES[view.reference]}); {trend}. Gedragen door {cell.n_used} van de {cell.n_available} cijfers "
            f"die in {view.year} bestaan ({cell.n_defined} in het thema)."
        )
    elif cell.reason == NO_PEERS:
        st.markdown(
            f"**Geen vergelijking mogelijk**: er zijn cijfers, maar minder dan {MIN_PEERS} gebieden (of geen "
            "verschillen) om ze mee te vergelijken."
        )
    else:
        need = max(min(view.definition.min_indicators, cell.n_defined), 1)
        st.markdown(
            f"**{cell.reason.capitalize()}**: {cell.n_used} van de {cell.n_available} cijfers met een waarde "
            f"({cell.n_defined} in het thema); voor een oordeel zijn er minstens {need} nodig, en de helft van wat er is."
            if cell.reason != "te weinig inwoners"
            else f"**Te weinig inwoners** (minder dan {view.definition.min_inwoners}): de cijfers staan hieronder, "
            "maar het kompas geeft geen oordeel."
        )
    if t.indicators:
        st.dataframe(evidence_frame(view, region, theme), hide_index=True, width="stretch")
    else:
        st.info(
            "Dit thema heeft nog geen cijfers. Cijfers met een richting (hoger of lager is beter) en dit thema "
            "komen hier vanzelf bij, ook eigen gegevens.",
            icon=":material/info:",
        )
    st.caption(f"{t.description} Herkomst van de cijfers in dit thema: {t.origin}.")
    from wijkkompas.ui.navigation import ROOT

    st.page_link(
        str(ROOT / "pages" / "wijkprofiel.py"),
        label=f"Wijkprofiel van {cell.region_name} openen",
        icon=":material/description:",
        query_params={"gemeente": g, "regio": region},
    )
    notes_hook(region, cell.region_name, theme)


def notes_hook(region_code: str, region_name: str, theme_id: str) -> None:
    """Where an opened kompas cell shows the notes of that wijk and theme (issue 17, part 3).

    The notes engineer provides `wijkkompas.ui.notes.notes_panel`; while that module is absent this shows nothing,
    so the kompas works on its own and the lead only has to check the call below when merging.
    """
    try:
        from wijkkompas.ui.notes import notes_panel
    except ImportError:
        return
    notes_panel(region_code, region_name, theme_id, heading="Notities bij dit thema")


def downloads(view: KompasView) -> None:
    from wijkkompas.exporting import to_xlsx_bytes

    frame = view.frame()
    base = f"kompas_{'_'.join(view.gemeenten)}_{view.year}_{view.level}"
    a, b, c = st.columns(3)
    a.download_button("Download CSV", to_csv_bytes(frame), f"{base}.csv", "text/csv")
    b.download_button(
        "Download Excel",
        to_xlsx_bytes(frame, "Kompas"),
        f"{base}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    with c:
        if st.button("Maak PDF voor de raad (A4)", key="kp_pdf"):
            from wijkkompas.export.kompas import kompas_pdf

            names = selection.gemeente_names()
            st.download_button("Download PDF", kompas_pdf(view, names), f"{base}.pdf", "application/pdf")


# --------------------------------------------------------------------------- signalen


def signalen_section(c: Choices) -> None:
    if c.van is None or c.tot is None or c.van >= c.tot:
        st.warning("Kies bij 'Van' een eerder jaar dan bij 'Tot'.")
        return
    store = context.get_store()
    span = [y for y in store.years() if c.van <= y <= c.tot]
    values = context.values(c.gemeenten, span, [c.level, "gemeente"], nederland=True)
    found, covered, uncovered = signalen_report(
        values,
        context.regions(c.gemeenten),
        context.catalogue(),
        c.gemeenten,
        c.van,
        c.tot,
        [c.level],
        reference=c.reference,
    )
    rules = default_definition().signalen
    st.caption(
        f"Een signaal: minstens {rules.min_worse} cijfers van één thema zijn tussen {c.van} en {c.tot} elk meer "
        f"verslechterd dan gebruikelijk (meer dan {nl_number(rules.factor, 1)} × de middelste verandering van dat "
        "cijfer in de gekozen gemeenten), of een thema is in de klasse 'urgent' gekomen. Gebieden met een andere "
        "indeling tussen de jaren worden niet vergeleken."
    )
    if c.search:
        needle = c.search.casefold()
        found = [x for x in found if needle in x.region_name.casefold() or needle in x.region_code.casefold()]
    if uncovered:
        st.info(
            f"**Niet te vergelijken** tussen {c.van} en {c.tot} (geen cijfers in beide jaren): "
            f"{', '.join(esc(x) for x in uncovered)}. Daar zegt 'geen signaal' dus niets.",
            icon=":material/data_alert:",
        )
    if not found:
        if covered:
            st.success(
                f"Geen signalen tussen {c.van} en {c.tot} voor de gekozen {LEVELS[c.level].lower()} op: "
                f"{', '.join(esc(x) for x in covered)}."
            )
        else:
            st.warning(
                f"Tussen {c.van} en {c.tot} is op geen enkel thema iets te vergelijken: er zijn geen cijfers "
                "die in beide jaren bekend zijn."
            )
        return
    st.markdown(f"**{len(found)} signalen** tussen {c.van} en {c.tot}")
    names = selection.gemeente_names()
    for s in found:
        open_it = s.region_code == c.region and s.theme == c.theme
        with st.expander(
            f"{s.region_name} ({names.get(s.gemeente_code, s.gemeente_code)}) · {s.summary}", expanded=open_it
        ):
            rows = [
                {
                    "Cijfer": e.label,
                    f"{s.van}": nl_number(e.before, 1),
                    f"{s.tot}": nl_number(e.after, 1),
                    "Verandering": nl_number(e.change, 1),
                    "Gebruikelijk": nl_number(e.usual, 1),
                    "Richting": "hoger is beter" if e.direction == "higher_is_better" else "lager is beter",
                    "Telt als slechter": "ja" if e.worse else "",
                    "Bron": " → ".join(dict.fromkeys(source_label(x) for x in (e.source_before, e.source_after) if x)),
                }
                for e in s.evidence
                if e.before == e.before or e.after == e.after
            ]
            st.dataframe(pd.DataFrame.from_records(rows), hide_index=True, width="stretch")
            link = page_url(
                "kompas",
                gemeente=",".join(c.gemeenten),
                jaar=c.year,
                weergave="signalen",
                van=s.van,
                tot=s.tot,
                niveau=s.level,
                referentie=c.reference,
                regio=s.region_code,
                thema=s.theme,
            )
            st.markdown(
                f"[Link naar dit signaal]({link}) · "
                f"[Wijkprofiel]({page_url('wijkprofiel', gemeente=s.gemeente_code, regio=s.region_code)})"
            )
    st.download_button(
        "Signalen downloaden (CSV)",
        to_csv_bytes(signal_frame(found)),
        f"signalen_{'_'.join(c.gemeenten)}_{c.van}_{c.tot}.csv",
        "text/csv",
    )


def sync_url(c: Choices, region: str | None, theme: str | None) -> None:
    extra: dict[str, object] = {
        "weergave": c.weergave if c.weergave != "kompas" else None,
        "niveau": c.level,
        "referentie": c.reference,
        "zoek": c.search or None,
        "alleen_urgent": "1" if c.only_urgent else None,
    }
    if c.weergave == "signalen":
        extra.update(van=c.van, tot=c.tot, regio=c.region or None, thema=c.theme or None)
    else:
        extra.update(sorteer=c.sort if c.sort != SORT_URGENT else None, regio=region, thema=theme if region else None)
    selection.sync_query(**extra)
