"""Vergelijken page pieces: the side-by-side table, small multiples and vergelijkbare gebieden.

The region picker and URL handling come from `wijkkompas.ui.trends`, so `?regio=…` means the same
on both pages.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd
import streamlit as st

from wijkkompas import compare, trends
from wijkkompas.a11y import accessible_spec
from wijkkompas.catalogue.catalogue import Catalogue
from wijkkompas.errors import SourceError
from wijkkompas.exporting import to_csv_bytes, to_xlsx_bytes
from wijkkompas.formatting import esc, md_escape
from wijkkompas.ui import context
from wijkkompas.ui import trends as ut

KEY_REGIO, KEY_INDICATOR, KEY_PEER, KEY_OTHER_GM, KEY_EXTRA = (
    "vg_regio",
    "vg_indicator",
    "vg_lijkt_op",
    "vg_ander",
    "vg_extra",
)
COLOURS = {"beter": "#1f5f99", "slechter": "#a34a00"}  # blue / dark orange: colour-blind safe, AA contrast on white
ARROWS = {"beter": "▲", "slechter": "▼"}


# =========================================================================== side by side


def comparison_values(codes: Sequence[str], year: int) -> pd.DataFrame:
    """One year, every level, for the gemeenten of the chosen regions and Nederland (the references)."""
    return context.values(ut.gemeenten_of(codes), [year], None, nederland=True)


def _arrow(diff: float) -> str:
    if pd.isna(diff) or diff == 0:
        return "="
    return "▲" if diff > 0 else "▼"


def comparison_html(table: pd.DataFrame, codes: Sequence[str], catalog: pd.DataFrame, year: int) -> str:
    """A theme-grouped table with in-cell bars; every name from the data is escaped."""
    info = catalog.set_index("region_code")
    names = trends.display_names(catalog, codes)
    gm_names = dict(
        zip(
            catalog.loc[catalog["level"] == "gemeente", "region_code"],
            catalog.loc[catalog["level"] == "gemeente", "region_name"],
            strict=True,
        )
    )
    head = ["<th scope='col' class='wkc-ind'>Cijfer</th>"]
    for code in codes:
        lvl = info["level"].get(code, "")
        sub = trends.LEVEL_WORDS.get(lvl, lvl)
        gm = info["gemeente_code"].get(code)
        if lvl in ("wijk", "buurt") and isinstance(gm, str):
            sub += f" in {gm_names.get(gm, gm)}"
        head.append(
            f"<th scope='col'>{esc(names.get(code, code))}<div class='wkc-sub'>{esc(sub)} · {esc(code)}</div></th>"
        )
    head.append("<th scope='col' class='wkc-ref'>Ter vergelijking</th>")
    rows = []
    ncols = len(codes) + 2
    # Plain dicts, not per-row pandas lookups: this loop builds every cell of the table on each rerun.
    records: dict[str, dict[str, dict]] = {}
    for r in table.to_dict("records"):
        records.setdefault(r["indicator"], {})[r["region_code"]] = r
    theme = None
    for by_code in records.values():
        first = next(iter(by_code.values()))
        if first["theme_label"] != theme:
            theme = first["theme_label"]
            rows.append((theme, f"<tr class='wkc-theme'><th colspan='{ncols}' scope='rowgroup'>{esc(theme)}</th></tr>"))
        unit = "" if first["unit"] in ("aantal", "code", "") else f"<div class='wkc-sub'>{esc(first['unit'])}</div>"
        cells = [f"<th scope='row' class='wkc-ind'>{esc(first['label'])}{unit}</th>"]
        for code in codes:
            r = by_code.get(code)
            if r is None:
                cells.append("<td class='wkc-missing'>geen cijfer</td>")
                continue
            if pd.isna(r["value"]):
                cells.append(f"<td class='wkc-missing'>{esc(r['value_text'])}</td>")
                continue
            bar = 0 if pd.isna(r["bar"]) else round(float(r["bar"]) * 100, 1)
            judgement = str(r["judgement"])
            diff = ""
            if r["diff_text"]:
                colour = COLOURS.get(judgement, "#555")
                title = f"Verschil met {r['reference_name']} ({r['reference_text']})"
                diff = (
                    f"<div class='wkc-diff' style='color:{colour}' title='{esc(title)}'>"
                    f"{_arrow(r['diff'])} {esc(r['diff_text'])} · {esc(judgement)}</div>"
                )
            cells.append(
                f"<td><div class='wkc-val'>{esc(r['value_text'])}</div>"
                f"<div class='wkc-bar' role='presentation'><span style='width:{bar}%'></span></div>{diff}</td>"
            )
        refs = dict.fromkeys(
            (r["reference_name"], r["reference_text"]) for r in by_code.values() if r["reference_text"]
        )
        ref_html = "<br>".join(f"{esc(n)}: {esc(t)}" for n, t in refs) or "–"
        cells.append(f"<td class='wkc-ref'>{ref_html}</td>")
        rows.append((theme, "<tr>" + "".join(cells) + "</tr>"))
    body = "".join(r for _, r in rows)
    return (
        _CSS
        + f"<div class='wkc-wrap'><table class='wkc'><caption>Cijfers {year}, naast elkaar</caption>"
        + f"<thead><tr>{''.join(head)}</tr></thead><tbody>{body}</tbody></table></div>"
    )


_CSS = """<style>
.wkc-wrap{overflow-x:auto}
table.wkc{border-collapse:collapse;width:100%;font-size:0.9rem;line-height:1.3}
table.wkc caption{text-align:left;font-weight:600;padding:0 0 .4rem 0;color:#31333f}
table.wkc th,table.wkc td{padding:.35rem .5rem;border-bottom:1px solid #e6e6e6;vertical-align:top;text-align:left}
table.wkc thead th{border-bottom:2px solid #999;font-weight:600;min-width:8.5rem}
table.wkc th.wkc-ind{font-weight:500;min-width:12rem;max-width:18rem}
table.wkc tr.wkc-theme th{background:#f0f2f6;font-weight:700;padding-top:.5rem}
.wkc-sub{font-size:.75rem;color:#5a5a5a;font-weight:400}
.wkc-val{font-weight:600;font-variant-numeric:tabular-nums}
.wkc-bar{height:6px;background:#ececec;border-radius:3px;margin:.2rem 0;max-width:10rem}
.wkc-bar span{display:block;height:6px;background:#6b8fb3;border-radius:3px}
.wkc-diff{font-size:.78rem;font-variant-numeric:tabular-nums}
td.wkc-missing{color:#5a5a5a;font-style:italic;font-size:.85rem}
td.wkc-ref{font-size:.8rem;color:#444;min-width:9rem}
table.wkc-peers th[scope=row]{font-weight:600;min-width:11rem}
table.wkc-peers td.wkc-rank{color:#5a5a5a;width:1.5rem}
table.wkc-peers td{min-width:6rem}
</style>"""


def render_comparison(codes: Sequence[str], year: int, catalogue: Catalogue, *, include_extra: bool) -> pd.DataFrame:
    values = comparison_values(codes, year)
    catalog = ut.region_catalog()
    table = compare.comparison_table(values, codes, catalogue, include_extra=include_extra)
    shown = (
        table.groupby("indicator")["value"].transform(lambda s: s.notna().any())
        if not table.empty
        else pd.Series(dtype=bool)
    )
    absent = [c for c in codes if c not in set(values["region_code"])]
    if absent:
        names = trends.display_names(catalog, absent)
        st.warning(
            f"Voor {md_escape(', '.join(names.values()))} zijn er geen cijfers in {year}: het gebied bestond toen niet met deze code, "
            "of de gegevens zijn niet geladen. Kies links een ander jaar."
        )
    if table.empty or not shown.any():
        st.info(f"Er zijn geen cijfers voor deze gebieden in {year}. Kies links een ander jaar.")
        return table
    table = table[shown.to_numpy()]
    st.html(comparison_html(table, codes, catalog, year))
    st.caption(
        "▲▼ verschil met de gemeente; bij aantallen met de gemiddelde buurt of wijk van de gemeente, bij een gemeente met Nederland. "
        "Blauw = beter, oranje = slechter; grijs = hoger of lager is niet goed of slecht, of het verschil is kleiner dan 10% (rond gemiddeld). "
        f"Het balkje vergelijkt de gebieden per regel. Bron: CBS, Kerncijfers wijken en buurten {year}."
    )
    return table


def download_frame(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Thema": table["theme_label"],
            "Cijfer": table["label"],
            "Eenheid": table["unit"],
            "Gebied": table["region_name"],
            "Code": table["region_code"],
            "Waarde": table["value"],
            "Toelichting": [t if pd.isna(v) else "" for t, v in zip(table["value_text"], table["value"], strict=True)],
            "Vergeleken met": table["reference_name"],
            "Waarde ter vergelijking": table["reference_value"],
            "Verschil": table["diff"],
            "Oordeel": table["judgement"],
            "CBS-tabel": table["source_table"],
            "CBS-kolom": table["source_key"],
        }
    )


def render_downloads(table: pd.DataFrame, year: int) -> None:
    if table.empty:
        return
    frame = download_frame(table)
    c1, c2, _ = st.columns([1, 1, 3])
    c1.download_button(
        "Download CSV",
        lambda: to_csv_bytes(frame),
        file_name=f"wijkkompas_vergelijken_{year}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )
    c2.download_button(
        "Download Excel",
        lambda: to_xlsx_bytes(frame, "Vergelijken"),
        file_name=f"wijkkompas_vergelijken_{year}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        on_click="ignore",
    )


# =========================================================================== small multiples


def _reference_code(code: str, catalog: pd.DataFrame) -> str | None:
    info = catalog.set_index("region_code")
    lvl = info["level"].get(code)
    if lvl in ("wijk", "buurt"):
        return info["gemeente_code"].get(code)
    if lvl == "gemeente":
        nl = catalog.loc[catalog["level"] == "nederland", "region_code"]
        return nl.iloc[0] if len(nl) else None
    return None


def small_multiples_chart(
    codes: Sequence[str], ident: str, catalogue: Catalogue
) -> tuple[alt.FacetChart | None, trends.TrendSeries]:
    """One small chart per region, same scale, with its gemeente (or Nederland) as a dashed grey line."""
    catalog = ut.region_catalog()
    ind = catalogue.get(ident)
    values, regions = ut.load_trend_values(codes, [ident])
    refs = {} if compare.is_count(ind) else {c: r for c in codes if (r := _reference_code(c, catalog))}
    all_codes = list(dict.fromkeys([*codes, *refs.values()]))
    series = trends.build_series(values, regions, all_codes, [ident])
    names = trends.display_names(catalog, all_codes)
    data = ut.chart_data(series, names, ind, None)
    if data.empty or not ((data["laag"] == "punt") & data["region_code"].isin(list(codes))).any():
        return None, series
    panel = trends.display_names(catalog, codes)
    own = data[data["region_code"].isin(list(codes))].assign(paneel=lambda d: d["region_code"].map(panel))
    ref_rows = [
        data[(data["region_code"] == ref) & data["laag"].isin(["punt", "lijn"])].assign(
            paneel=panel[code], laag=lambda d: "ref" + d["laag"], edge=lambda d: d["edge"] + "r"
        )
        for code, ref in refs.items()
    ]
    data = pd.concat([own, *ref_rows], ignore_index=True)
    yrs = list(series.years)
    x_dom = [yrs[0] - 0.5, yrs[-1] + 0.5] if len(yrs) > 1 else [yrs[0] - 1, yrs[0] + 1]
    x = alt.X(
        "year:Q",
        title=None,
        scale=alt.Scale(domain=x_dom, nice=False, zero=False),
        axis=alt.Axis(values=yrs, format="d", grid=False),
    )
    unit = ind.unit if ind and ind.unit not in ("code",) else ""
    y = alt.Y("y:Q", title=unit, scale=alt.Scale(zero=True), axis=alt.Axis(format=",~r"))
    dash = alt.StrokeDash(
        "lijn:N",
        legend=None,
        scale=alt.Scale(domain=["opeenvolgende jaren", "tussenliggende jaren ontbreken"], range=[[1, 0], [6, 4]]),
    )
    tip = [
        alt.Tooltip("gebied:N", title="Gebied"),
        alt.Tooltip("year:Q", title="Jaar", format="d"),
        alt.Tooltip("tekst:N", title="Waarde"),
        alt.Tooltip("bron:N", title="Bron"),
    ]
    layers = [
        ut.chart_layer("reflijn")
        .mark_line(color="#8c8c8c", strokeWidth=1.5, strokeDash=[3, 3])
        .encode(x=x, y=y, detail="edge:N"),
        ut.chart_layer("refpunt").mark_point(color="#8c8c8c", size=30, filled=True).encode(x=x, y=y, tooltip=tip),
        ut.chart_layer("lijn")
        .mark_line(color=ut.PALETTE[0], strokeWidth=2.5)
        .encode(x=x, y=y, detail="edge:N", strokeDash=dash),
        ut.chart_layer("punt")
        .mark_point(color=ut.PALETTE[0], size=70, filled=True, opacity=1)
        .encode(x=x, y=y, tooltip=tip),
        ut.chart_layer("breuk")
        .mark_point(shape="diamond", filled=False, size=320, strokeWidth=2, color="#222")
        .encode(x=x, y=y, tooltip=[alt.Tooltip("onderbreking:N", title="Onderbreking")]),
    ]
    order = [panel[c] for c in codes]
    chart = (
        alt.layer(*layers, data=data)
        .properties(width=200, height=150)
        .facet(
            facet=alt.Facet(
                "paneel:N",
                sort=order,
                title=None,
                header=alt.Header(labelFontSize=13, labelFontWeight="bold", labelLimit=220),
            ),
            columns=3,
        )
        .configure(locale=ut.DUTCH_LOCALE)
    )
    return chart, series


def _series_of(series: trends.TrendSeries, code: str) -> trends.TrendSeries:
    p = series.points[series.points["region_code"] == code].reset_index(drop=True)
    b = series.breaks[series.breaks["region_code"] == code].reset_index(drop=True)
    return trends.TrendSeries(p, b, series.years)


@st.cache_data(show_spinner=False, max_entries=32)
def _small_multiples(data_dir: str, ver: str, codes: tuple, ident: str) -> tuple[dict | None, trends.TrendSeries]:
    """The facet spec and its series, cached per store version: reruns that keep the choice cost nothing."""
    chart, series = small_multiples_chart(codes, ident, context.catalogue())
    return (None if chart is None else ut.chart_spec(chart)), series


def render_small_multiples(codes: Sequence[str], ident: str, catalogue: Catalogue) -> None:
    store = context.get_store()
    spec, series = _small_multiples(str(store.data_dir), store.version(), tuple(codes), ident)
    ind = catalogue.get(ident)
    if spec is None:
        st.info(f"Voor deze gebieden zijn er geen cijfers over '{ind.label if ind else ident}'. Kies een ander cijfer.")
        return
    years = series.drawn_years()
    if len(years) == 1:
        st.info(f"Voor dit cijfer is er maar één jaar met cijfers ({years[0]}); een ontwikkeling is nog niet te zien.")
    label = ind.label if ind else ident
    alt_text = f"Kleine grafieken van {label} per gebied, met dezelfde schaal. De cijfers van het gekozen jaar staan in de tabel hierboven."
    st.vega_lite_chart(spec=accessible_spec(spec, alt_text), width="content")  # the description is its name
    drawn = set(series.points.loc[series.points["drawn"].astype(bool), "region_code"])
    refs = {_reference_code(c, ut.region_catalog()) for c in codes} - {None}
    ref_note = (
        " Grijze stippellijn: de gemeente (bij een gemeente: Nederland)."
        if refs & drawn and not compare.is_count(ind)
        else ""
    )
    empty = [c for c in codes if c not in drawn]
    if empty:
        names = trends.display_names(ut.region_catalog(), empty)
        ref_note += f" Zonder cijfers, dus zonder grafiek: {md_escape(', '.join(names.values()))}."
    src = "; ".join(f"{t} ({y})" for y, t in trends.source_years(series.points))
    st.caption(f"Alle grafieken hebben dezelfde schaal.{ref_note} Bron: CBS, Kerncijfers wijken en buurten — {src}.")
    own = series.breaks[series.breaks["region_code"].isin(list(codes))]
    for text in dict.fromkeys(own["text"]):
        st.caption(f"◇ Onderbroken lijn — {md_escape(text)}")


# =========================================================================== peers


@st.cache_resource(show_spinner=False, max_entries=8)
def _matrix(data_dir: str, ver: str, year: int, level: str, config: compare.PeerConfig) -> compare.FeatureMatrix:
    from wijkkompas.store import Store

    values = Store(data_dir).load_values(None, [year], [level], indicators=[*config.features, "inwoners"])
    return compare.feature_matrix(values, config, year=year, level=level)


def peer_matrix(year: int, level: str, config: compare.PeerConfig) -> compare.FeatureMatrix:
    store = context.get_store()
    return _matrix(str(store.data_dir), store.version(), int(year), level, config)


def peer_year(code: str, year: int) -> int | None:
    """The chosen year, or the latest year in which the region exists (a recoded buurt's last year)."""
    info = ut.region_catalog().set_index("region_code")
    if code not in info.index:
        return None
    years = info.at[code, "years"]
    if year in years:
        return year
    earlier = [y for y in years if y <= year]
    return max(earlier) if earlier else max(years)


def _set_regions(target: str, peers: list[str]) -> None:
    st.session_state[KEY_REGIO] = [target, *peers][: ut.MAX_REGIONS]


def render_peers(codes: Sequence[str], year: int, catalogue: Catalogue) -> None:
    catalog = ut.region_catalog()
    info = catalog.set_index("region_code")
    candidates = [c for c in codes if info["level"].get(c) in ("buurt", "wijk", "gemeente")]
    if not candidates:
        st.info("Kies hierboven een buurt, wijk of gemeente om vergelijkbare gebieden te zoeken.")
        return
    labels = dict(zip(catalog["region_code"], catalog["label"], strict=True))
    url = ut.query_values("lijkt_op")
    if ut.url_changed(KEY_PEER, ("lijkt_op",)) and url and url[0].upper() in candidates:
        st.session_state[KEY_PEER] = url[0].upper()
    if st.session_state.get(KEY_PEER) not in candidates:
        st.session_state[KEY_PEER] = candidates[0]
    c1, c2 = st.columns([3, 2])
    target = c1.selectbox(
        "Zoek gebieden die lijken op", candidates, key=KEY_PEER, format_func=lambda c: labels.get(c, c)
    )
    other = c2.toggle("Alleen in andere gemeenten", key=KEY_OTHER_GM, help="Handig om te leren van wijken elders.")
    config = compare.load_peer_config(catalogue)
    level = str(info.at[target, "level"])
    use_year = peer_year(target, year)
    if use_year is None:
        st.info("Voor dit gebied zijn geen cijfers geladen.")
        return
    matrix = peer_matrix(use_year, level, config)
    try:
        result = compare.find_peers(
            matrix, target, k=config.k, min_features=config.min_features, catalogue=catalogue, exclude_gemeente=other
        )
    except SourceError as exc:
        st.info(str(exc))
        return
    name = trends.display_names(catalog, [target])[target]
    level_word = trends.LEVEL_WORDS.get(level, level)
    if use_year != year:
        st.caption(f"{md_escape(name)} bestaat niet in {year}; gezocht met de cijfers van {use_year}.")
    if result.table.empty:
        st.info(f"Er zijn geen andere {level_word}en met genoeg cijfers in {use_year} om mee te vergelijken.")
        return
    st.html(peers_html(result, catalog))
    used = ", ".join(compare.short_label(catalogue.get(f), f) for f in result.features_used)
    st.caption(
        f"Gezocht onder de {result.candidates} andere {level_word}en in alle geladen gemeenten ({use_year}), op {len(result.features_used)} kenmerken: {used}. "
        "Elk kenmerk telt even zwaar (omgerekend naar standaardafwijkingen). De lijst met kenmerken staat in catalogue/peers.toml."
    )
    peers = result.table["region_code"].tolist()[: ut.MAX_REGIONS - 1]
    st.button(
        f"Zet {md_escape(name)} naast deze {len(peers)} gebieden",
        on_click=_set_regions,
        args=(target, peers),
        icon=":material/compare_arrows:",
        help="Vervangt de gekozen gebieden bovenaan door dit gebied en de vergelijkbare gebieden.",
    )


def peers_html(result: compare.PeerResult, catalog: pd.DataFrame) -> str:
    """Peers as a small table with a similarity bar; the reason wraps instead of being cut off."""
    info = catalog.set_index("region_code")
    gm_names = dict(
        zip(
            catalog.loc[catalog["level"] == "gemeente", "region_code"],
            catalog.loc[catalog["level"] == "gemeente", "region_name"],
            strict=True,
        )
    )
    rows = []
    for r in result.table.itertuples(index=False):
        lvl = trends.LEVEL_WORDS.get(str(info["level"].get(r.region_code, "")), "")
        gm = gm_names.get(r.gemeente_code, r.gemeente_code) if isinstance(r.gemeente_code, str) else ""
        where = f"{lvl} in {gm}" if gm and lvl in ("buurt", "wijk") else lvl
        pct = round(r.similarity * 100)
        rows.append(
            f"<tr><td class='wkc-rank'>{r.rank}</td>"
            f"<th scope='row'>{esc(r.region_name)}<div class='wkc-sub'>{esc(where)} · {esc(r.region_code)}</div></th>"
            f"<td><div class='wkc-val'>{pct}%</div><div class='wkc-bar' role='presentation'><span style='width:{pct}%'></span></div></td>"
            f"<td>{esc(r.reason)}</td></tr>"
        )
    return (
        _CSS
        + "<div class='wkc-wrap'><table class='wkc wkc-peers'><thead><tr><th scope='col'>#</th><th scope='col'>Gebied</th>"
        + "<th scope='col' title='100% = op alle kenmerken gelijk'>Gelijkenis</th><th scope='col'>Waarom</th></tr></thead>"
        + f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def peer_url_state() -> str | None:
    return st.session_state.get(KEY_PEER)


def default_indicator(codes: Sequence[str], catalogue: Catalogue) -> list[str]:
    """Options for the small multiples: indicators with figures for the chosen regions."""
    return ut.indicator_options(codes, catalogue, only_these=True)
