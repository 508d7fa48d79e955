"""Trends page pieces: region and indicator pickers kept in the URL, the line chart with breaks, the table.

The region picker and the URL handling are shared with Vergelijken (`wijkkompas.ui.compare`): both
pages take `?regio=BU…,WK…&indicator=…` so the map and the profile can link straight to them.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd
import streamlit as st

from wijkkompas import trends
from wijkkompas.a11y import accessible_spec
from wijkkompas.catalogue.catalogue import Catalogue, Indicator
from wijkkompas.errors import SourceError
from wijkkompas.exporting import to_csv_bytes, to_xlsx_bytes
from wijkkompas.formatting import format_value, md_escape, nl_number, source_label
from wijkkompas.ui import context, selection
from wijkkompas.ui.navigation import ROOT

MAX_REGIONS = 6
MAX_INDICATORS = 4
DEFAULT_INDICATORS = ("aandeel_65plus", "inwoners")
# Okabe–Ito: distinguishable with every common colour-vision deficiency; shapes repeat the cue.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
SHAPES = ["circle", "square", "triangle-up", "diamond", "triangle-down", "cross"]
DUTCH_LOCALE = {
    "number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["€ ", ""]},
}
KEY_REGIO, KEY_INDICATOR, KEY_INDEX = "tr_regio", "tr_indicator", "tr_indexjaar"
CHART_CONFIG = alt.Config(
    locale=DUTCH_LOCALE,
    axis=alt.AxisConfig(labelFontSize=13, titleFontSize=13),
    legend=alt.LegendConfig(labelFontSize=13, symbolSize=120),
)


# =========================================================================== URL state


def query_values(name: str) -> list[str]:
    """All values of a query parameter, as `a,b` or `?x=a&x=b` (page_url writes the second form)."""
    out: list[str] = []
    for item in st.query_params.get_all(name):
        out += [p.strip() for p in str(item).split(",") if p.strip()]
    return out


_URL_KEYS = "__wk_url_keys"


def _url_now(names: Sequence[str]) -> tuple:
    return tuple((n, tuple(query_values(n))) for n in names)


def url_changed(key: str, names: Sequence[str]) -> bool:
    """True on the first run of a page and whenever the URL was changed from outside (a link, a paste).

    Widgets own their state between reruns; the URL only *seeds* it. Without this check a link from
    the map to a page already open in this session would be ignored (its widgets keep their values).
    """
    registry = st.session_state.setdefault(_URL_KEYS, {})
    registry[key] = tuple(names)
    return key not in st.session_state or st.session_state.get(f"{key}__url") != _url_now(names)


def remember_url(*keys: str) -> None:
    """After `sync_query`: remember what the URL now says, so our own rewrite is not read as a new link."""
    registry = st.session_state.get(_URL_KEYS, {})
    for key in keys:
        if key in registry:
            st.session_state[f"{key}__url"] = _url_now(registry[key])


# =========================================================================== regions


@st.cache_resource(show_spinner=False, max_entries=4)
def _catalog(data_dir: str, ver: str) -> pd.DataFrame:
    """Shared and read-only (cache_resource): a national catalog is ~20 000 rows, not worth copying per rerun."""
    from wijkkompas.store import Store

    store = Store(data_dir)
    names = dict(zip(store.gemeenten()["gemeente_code"], store.gemeenten()["gemeente_name"], strict=True))
    return trends.region_catalog(store.regions(), names)


def region_catalog() -> pd.DataFrame:
    store = context.get_store()
    return _catalog(str(store.data_dir), store.version())


def region_picker(
    key: str,
    *,
    label: str,
    default: Sequence[str],
    url_names: Sequence[str] = ("regio",),
    help: str | None = None,
) -> list[str]:
    """A multiselect of buurten, wijken, gemeenten (and Nederland), at most six, filled from `?regio=`.

    Offered: every region of the gemeenten chosen in the sidebar, every loaded gemeente, Nederland, and
    whatever is already chosen (a peer from another gemeente stays). A code in the URL that is not
    loaded, or a seventh region, gives a Dutch message; the rest of the page keeps working.
    """
    catalog = region_catalog()
    labels = dict(zip(catalog["region_code"], catalog["label"], strict=True))
    if url_changed(key, url_names):
        requested = query_values("regio")
        if requested:
            res = trends.resolve_codes(requested, labels, MAX_REGIONS)
            for msg in res.messages(MAX_REGIONS):
                st.warning(msg)
            st.session_state[key] = list(res.codes)
        elif key not in st.session_state:
            st.session_state[key] = [c for c in default if c in labels][:MAX_REGIONS]
    current = [c for c in st.session_state.get(key, []) if c in labels][:MAX_REGIONS]
    st.session_state[key] = current
    chosen_gm = set(selection.chosen_gemeenten())
    offer = catalog["gemeente_code"].isin(chosen_gm) | catalog["level"].isin(["gemeente", "nederland"])
    options = list(dict.fromkeys([*catalog.loc[offer, "region_code"], *current]))
    return st.multiselect(
        label,
        options,
        key=key,
        format_func=lambda c: labels.get(c, c),
        max_selections=MAX_REGIONS,
        placeholder="Kies buurten, wijken of gemeenten",
        help=help,
    )


def default_regions(limit: int = 3) -> list[str]:
    """The first chosen gemeente and its first wijken: something sensible to look at before choosing."""
    catalog = region_catalog()
    gms = selection.chosen_gemeenten()
    if not gms or catalog.empty:
        return []
    gm = gms[0]
    latest = int(catalog["last_year"].max())
    wijken = catalog[(catalog["gemeente_code"] == gm) & (catalog["level"] == "wijk") & (catalog["last_year"] == latest)]
    # Prefer wijken that exist in every loaded year, so the first view shows a line and not a break.
    wijken = wijken.assign(n=wijken["years"].map(len)).sort_values(
        ["n", "region_code"], ascending=[False, True], kind="stable"
    )
    return [gm, *wijken["region_code"].head(limit - 1)]


def gemeenten_of(codes: Sequence[str]) -> list[str]:
    catalog = region_catalog().set_index("region_code")
    gm = catalog.reindex(list(codes))["gemeente_code"].dropna().unique().tolist()
    return sorted(set(gm) | set(selection.chosen_gemeenten()))


# =========================================================================== indicators


def indicator_label(catalogue: Catalogue, ident: str) -> str:
    ind = catalogue.get(ident)
    if ind is None:
        return ident
    unit = "" if ind.unit in ("aantal", "code", "") else f" ({ind.unit})"
    return f"{ind.label}{unit}"


def available_indicators(values: pd.DataFrame, catalogue: Catalogue) -> list[str]:
    """Indicators with at least one known value, catalogue ones first (in catalogue order)."""
    have = set(values.loc[values["value"].notna(), "indicator"].unique())
    ordered = [i for i in catalogue.all() if i in have]
    return ordered + sorted(have - set(ordered))


@st.cache_resource(show_spinner=False, max_entries=16)
def _known_pairs(data_dir: str, ver: str, gemeenten: tuple) -> pd.DataFrame:
    """(region_code, indicator) with a known value, for the pickers: read once per store version."""
    from wijkkompas.store import Store

    v = Store(data_dir).load_values(list(gemeenten), include_nederland=True)
    return v.loc[v["value"].notna(), ["region_code", "indicator", "value"]].drop_duplicates(
        ["region_code", "indicator"]
    )


def indicator_options(codes: Sequence[str], catalogue: Catalogue, *, only_these: bool = False) -> list[str]:
    """Indicators with figures in the gemeenten of `codes` (or, with only_these, for `codes` themselves)."""
    store = context.get_store()
    pairs = _known_pairs(str(store.data_dir), store.version(), tuple(gemeenten_of(codes)))
    if only_these:
        pairs = pairs[pairs["region_code"].isin(list(codes))]
    return available_indicators(pairs, catalogue)


def indicator_picker(
    key: str,
    *,
    options: Sequence[str],
    catalogue: Catalogue,
    max_n: int = MAX_INDICATORS,
    url_name: str = "indicator",
    default: Sequence[str] = DEFAULT_INDICATORS,
    multi: bool = True,
) -> list[str]:
    known = set(catalogue.all())
    if url_changed(key, (url_name,)):
        requested = query_values(url_name)
        if requested:
            good = [i for i in dict.fromkeys(requested) if i in known]
            bad = [i for i in dict.fromkeys(requested) if i not in known]
            if bad:
                st.warning(
                    f"Dit cijfer uit de link is niet bekend: {', '.join(bad)}. Kies hieronder een cijfer uit de lijst."
                )
            if len(good) > max_n:
                st.warning(f"De link vraagt om {len(good)} cijfers; er worden er {max_n} getoond.")
            st.session_state[key] = good[:max_n] if multi else (good[0] if good else None)
        elif key not in st.session_state:
            first = [i for i in default if i in options][:1] or list(options[:1])
            st.session_state[key] = first if multi else (first[0] if first else None)
    if multi:
        current = [i for i in st.session_state.get(key) or [] if i in known][:max_n]
        st.session_state[key] = current
        opts = list(dict.fromkeys([*options, *current]))
        return st.multiselect(
            "Cijfers",
            opts,
            key=key,
            format_func=lambda i: indicator_label(catalogue, i),
            max_selections=max_n,
            placeholder="Kies een of meer cijfers",
        )
    single = st.session_state.get(key)
    opts = list(dict.fromkeys([*options, *([single] if single in known else [])]))
    if single not in opts:
        st.session_state[key] = opts[0] if opts else None
    return [st.selectbox("Cijfer", opts, key=key, format_func=lambda i: indicator_label(catalogue, i))] if opts else []


def index_year_picker(years: Sequence[int]) -> int | None:
    """'Echte waarden' or 'Index: 2023 = 100'; an unknown year in the URL gives a message and no index."""
    options: list[int] = [0, *years]
    if url_changed(KEY_INDEX, ("indexjaar",)):
        raw = query_values("indexjaar")
        value = 0
        if raw:
            try:
                value = trends.check_index_year(raw[0], years) or 0
            except SourceError as exc:
                st.warning(str(exc) + " De echte waarden worden getoond.")
        st.session_state[KEY_INDEX] = value
    if st.session_state.get(KEY_INDEX) not in options:
        st.session_state[KEY_INDEX] = 0
    chosen = st.selectbox(
        "Weergave",
        options,
        key=KEY_INDEX,
        format_func=lambda y: "Echte waarden" if not y else f"Index: {y} = 100",
        help="Met een index ziet u hoe snel gebieden van verschillende grootte veranderen: elk gebied begint in het gekozen jaar op 100.",
        disabled=len(years) < 2,
    )
    return chosen or None


# =========================================================================== data


@st.cache_resource(show_spinner=False, max_entries=32)
def _trend_values(data_dir: str, ver: str, gemeenten: tuple, indicators: tuple) -> pd.DataFrame:
    """Shared, read-only: only the chosen indicators, every year and level, with Nederland."""
    from wijkkompas.store import Store

    return Store(data_dir).load_values(list(gemeenten), None, None, indicators=list(indicators), include_nederland=True)


@st.cache_resource(show_spinner=False, max_entries=16)
def _trend_regions(data_dir: str, ver: str, gemeenten: tuple) -> pd.DataFrame:
    from wijkkompas.store import Store

    store = Store(data_dir)
    regions = store.regions(gemeenten=list(gemeenten))
    everything = store.regions()
    return pd.concat([regions, everything[everything["level"] == "nederland"]], ignore_index=True)


def load_trend_values(codes: Sequence[str], indicators: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every year and level of `indicators` for the gemeenten of the chosen regions (+ Nederland), and their regions.

    Cached as shared objects (not copied per rerun): a large gemeente over thirteen years is a few
    hundred thousand rows, and copying them would cost more than drawing the chart. Never mutated.
    """
    store = context.get_store()
    gms = tuple(gemeenten_of(codes))
    key = (str(store.data_dir), store.version())
    return _trend_values(*key, gms, tuple(sorted(set(indicators)))), _trend_regions(*key, gms)


# =========================================================================== chart


CHART_COLUMNS = [
    "laag",
    "region_code",
    "gebied",
    "year",
    "y",
    "edge",
    "lijn",
    "tekst",
    "toelichting",
    "bron",
    "onderbreking",
]


def chart_data(
    series: trends.TrendSeries, names: dict[str, str], ind: Indicator | None, index_year: int | None
) -> pd.DataFrame:
    """One frame for every layer of a trend chart: points, line pieces and break markers (column `laag`).

    Line pieces are drawn pair by pair, so a piece that spans years without figures (2017 → 2024)
    can be dashed, while consecutive years are solid. One frame (not one per layer) keeps Altair from
    hashing and copying data per layer, which costs more than drawing.
    """
    pts = series.points
    if index_year is not None:
        pts = trends.rebase(pts, index_year)
        pts = pts.assign(y=pts["index"])
    else:
        pts = pts.assign(y=pts["value"])
    pts = pts.reset_index(drop=True)
    pts["gebied"] = pts["region_code"].map(names).fillna(pts["region_name"])
    ok = pts["drawn"].astype(bool) & pts["y"].notna()
    pts["tekst"] = [
        (nl_number(y, 1) if index_year is not None else format_value(v, ind)) if keep else ""
        for y, v, keep in zip(pts["y"], pts["value"], ok, strict=True)
    ]
    pts["toelichting"] = pts["note"].fillna("").astype(str)
    pts["bron"] = (pts["source_table"].map(source_label) + " (" + pts["source_key"].fillna("").astype(str) + ")").where(
        pts["source_table"].notna(), ""
    )
    shown = pts[ok]
    this = shown[shown["gap_before"].notna()]
    prev = pts.loc[this.index - 1]
    keep = prev["y"].notna().to_numpy()
    this, prev = this[keep], prev[keep]
    kind = ["tussenliggende jaren ontbreken" if g > 1 else "opeenvolgende jaren" for g in this["gap_before"]]
    cols = ["region_code", "gebied", "year", "y"]
    ids = [f"e{i}" for i in range(len(this))]
    edges = pd.concat(
        [prev[cols].assign(edge=ids, lijn=kind), this[cols].assign(edge=ids, lijn=kind)], ignore_index=True
    )
    b = series.breaks
    if index_year is not None and not b.empty:
        b = b.drop(columns="value").merge(
            pts[["region_code", "year", "y"]].rename(columns={"y": "value"}), on=["region_code", "year"], how="left"
        )
    marks = b[b["value"].notna()].assign(gebied=lambda d: d["region_code"].map(names).fillna(d["region_name"]))
    marks = marks.rename(columns={"value": "y", "text": "onderbreking"})[
        ["region_code", "gebied", "year", "y", "onderbreking"]
    ]
    parts = [
        shown[["region_code", "gebied", "year", "y", "tekst", "toelichting", "bron"]].assign(laag="punt"),
        edges.assign(laag="lijn"),
        marks.assign(laag="breuk"),
    ]
    data = (
        pd.concat([p for p in parts if not p.empty], ignore_index=True)
        if any(not p.empty for p in parts)
        else pd.DataFrame()
    )
    data = data.reindex(columns=CHART_COLUMNS)
    text = ["edge", "lijn", "tekst", "toelichting", "bron", "onderbreking", "gebied", "region_code"]
    data[text] = data[text].astype(object).fillna("")
    if not data.empty:
        data["year"] = data["year"].astype(int)
    return data


def chart_layer(laag: str) -> alt.Chart:
    return alt.Chart().transform_filter(alt.datum.laag == laag)


def trend_chart(
    series: trends.TrendSeries,
    names: dict[str, str],
    ind: Indicator | None,
    *,
    index_year: int | None = None,
    years: Sequence[int] | None = None,
    height: int = 300,
) -> alt.LayerChart:
    data = chart_data(series, names, ind, index_year)
    order = list(dict.fromkeys(names.values()))
    color = alt.Color(
        "gebied:N",
        title=None,
        scale=alt.Scale(domain=order, range=PALETTE[: len(order)] or PALETTE),
        legend=alt.Legend(orient="bottom", columns=3, labelLimit=260),
    )
    shape = alt.Shape("gebied:N", scale=alt.Scale(domain=order, range=SHAPES[: len(order)] or SHAPES), legend=None)
    yrs = sorted(years or series.years)
    x_dom = [yrs[0] - 0.5, yrs[-1] + 0.5] if len(yrs) > 1 else [yrs[0] - 1, yrs[0] + 1]
    x = alt.X(
        "year:Q",
        title=None,
        scale=alt.Scale(domain=x_dom, nice=False, zero=False),
        axis=alt.Axis(values=yrs, format="d", labelFlush=False, grid=False),
    )
    unit = "" if ind is None else ind.unit
    y_title = f"index ({index_year} = 100)" if index_year else (unit if unit not in ("", "code") else "")
    y = alt.Y(
        "y:Q",
        title=y_title,
        scale=alt.Scale(zero=index_year is None, nice=True, padding=12 if index_year else 0),
        axis=alt.Axis(format=",~r" if not index_year else ",.0f"),
    )
    tooltip = [
        alt.Tooltip("gebied:N", title="Gebied"),
        alt.Tooltip("year:Q", title="Jaar", format="d"),
        alt.Tooltip("tekst:N", title="Index" if index_year else "Waarde"),
        alt.Tooltip("toelichting:N", title="Let op"),
        alt.Tooltip("bron:N", title="Bron"),
    ]
    dash = alt.StrokeDash(
        "lijn:N",
        title=None,
        legend=None,
        scale=alt.Scale(domain=["opeenvolgende jaren", "tussenliggende jaren ontbreken"], range=[[1, 0], [6, 4]]),
    )
    layers = []
    if index_year:
        layers.append(alt.Chart().mark_rule(color="#888", strokeDash=[2, 2]).encode(y=alt.datum(100)))
    layers += [
        chart_layer("lijn").mark_line(strokeWidth=3).encode(x=x, y=y, color=color, detail="edge:N", strokeDash=dash),
        chart_layer("punt")
        .mark_point(filled=True, size=120, opacity=1)
        .encode(x=x, y=y, color=color, shape=shape, tooltip=tooltip),
        chart_layer("breuk")
        .mark_point(shape="diamond", filled=False, size=420, strokeWidth=2, color="#222")
        .encode(
            x=x,
            y=y,
            tooltip=[alt.Tooltip("gebied:N", title="Gebied"), alt.Tooltip("onderbreking:N", title="Onderbreking")],
        ),
    ]
    # One constructor call instead of .properties().configure…() chains: each of those deep-copies the chart.
    return alt.LayerChart(layer=layers, data=data, height=height, config=CHART_CONFIG)


def chart_spec(chart: alt.TopLevelMixin) -> dict:
    """The Vega-Lite dict Streamlit would make, without a second schema validation.

    `st.altair_chart` validates the whole spec against the JSON schema on every rerun, which costs
    more than building the chart (≈ 200 ms for the small multiples). Our charts are validated once in
    the tests (tests/test_page_*: `chart.to_dict()`), so the page skips it.
    """
    spec = chart.to_dict(validate=False)
    view = spec.get("config", {}).get("view", {})
    for k in ("continuousWidth", "continuousHeight"):  # Altair's default theme; Streamlit sizes the chart itself
        view.pop(k, None)
    return spec


def chart_alt_text(series: trends.TrendSeries, names: dict[str, str], ind: Indicator | None) -> str:
    """A text alternative for screen readers: first and last known value per region."""
    parts = []
    p = series.points[series.points["drawn"].astype(bool)]
    for code, grp in p.groupby("region_code", sort=False):
        grp = grp.sort_values("year")
        first, last = grp.iloc[0], grp.iloc[-1]
        if len(grp) == 1:
            parts.append(f"{names.get(code, code)}: {format_value(first['value'], ind)} in {int(first['year'])}")
        else:
            parts.append(
                f"{names.get(code, code)}: van {format_value(first['value'], ind)} in {int(first['year'])} "
                f"naar {format_value(last['value'], ind)} in {int(last['year'])}"
            )
    label = ind.label if ind else "cijfer"
    return f"Lijngrafiek {label}. " + "; ".join(parts)


# =========================================================================== page sections


def render_indicator(
    series: trends.TrendSeries,
    ident: str,
    names: dict[str, str],
    catalogue: Catalogue,
    *,
    index_year: int | None,
    loaded_years: Sequence[int],
    latest: int | None,
    spec: dict | None = None,
) -> None:
    ind = catalogue.get(ident)
    st.header(indicator_label(catalogue, ident))
    last_loaded = max(loaded_years) if loaded_years else None
    if latest is None:
        st.badge("Geen cijfers voor deze gebieden", icon=":material/block:", color="gray")
    elif last_loaded is not None and latest < last_loaded:
        st.badge(
            f"Laatste jaar met cijfers: {latest}",
            icon=":material/schedule:",
            color="orange",
            help=f"Voor {last_loaded} zijn er (nog) geen cijfers. CBS publiceert sommige cijfers, zoals inkomen, later.",
        )
    else:
        st.badge(f"Laatste jaar met cijfers: {latest}", icon=":material/event_available:", color="blue")
    if ind is not None and ind.definition:
        st.caption(ind.definition)

    drawn = series.points[series.points["drawn"].astype(bool)]
    if drawn.empty:
        st.warning(
            f"Voor de gekozen gebieden zijn er geen cijfers over '{ind.label if ind else ident}'. "
            "Kies een ander cijfer of andere gebieden."
        )
        _notes(series, names, None)
        return
    years_with = sorted(drawn["year"].unique().tolist())
    if len(years_with) == 1:
        st.info(
            f"Er is maar één jaar met cijfers ({years_with[0]}). Een ontwikkeling is pas te zien vanaf twee jaren; "
            "hieronder staan de cijfers van dat ene jaar."
        )
    elif len(years_with) == 2 and years_with[1] - years_with[0] > 1:
        st.caption(
            f"Er zijn cijfers voor twee jaren: {years_with[0]} en {years_with[1]}. De stippellijn verbindt alleen die twee; "
            "wat er in de jaren daartussen gebeurde, is niet bekend."
        )
    elif (drawn["gap_before"] > 1).any():
        st.caption("Een stippellijn loopt over jaren zonder cijfers: wat er in die jaren gebeurde, is niet bekend.")
    if index_year is None and ind is not None and ind.unit == "aantal":
        levels = series.points.dropna(subset=["level"])["level"].unique()
        if len(levels) > 1:
            st.caption(
                "Tip: deze gebieden verschillen veel in grootte. Kies bij Weergave een index om hun groei te vergelijken."
            )
    if spec is None:
        spec = chart_spec(trend_chart(series, names, ind, index_year=index_year, years=series.years))
    # The description is the chart's accessible name (st.vega_lite_chart's alt would only repeat it).
    st.vega_lite_chart(spec=accessible_spec(spec, chart_alt_text(series, names, ind)), width="stretch")
    sources = trends.source_years(series.points)
    src = "; ".join(f"{t} ({y})" for y, t in sources)
    st.caption(f"Bron: CBS, Kerncijfers wijken en buurten — {src}. Wijs een punt aan voor de waarde en de bron.")
    _notes(series, names, index_year)


def _notes(series: trends.TrendSeries, names: dict[str, str], index_year: int | None) -> None:
    lines = []
    p = series.points
    gaps = p[p["exists"].astype(bool) & ~p["drawn"].astype(bool)]
    for (code, note), grp in gaps.groupby(["region_code", "note"], sort=False):
        yrs = sorted(int(y) for y in grp["year"])
        when = str(yrs[0]) if len(yrs) == 1 else ", ".join(map(str, yrs[:-1])) + " en " + str(yrs[-1])
        lines.append(f"Geen cijfer voor {names.get(code, code)} in {when}: {note}.")
    never = [names.get(c, c) for c, grp in p.groupby("region_code", sort=False) if not grp["exists"].any()]
    if never:
        lines.append(f"Geen gegevens voor: {', '.join(never)}.")
    if index_year is not None:
        reb = trends.rebase(p, index_year)
        no_index = reb[reb["drawn"].astype(bool) & reb["index"].isna()]
        for code, grp in no_index.groupby("region_code", sort=False):
            lines.append(f"Geen index voor {names.get(code, code)}: {grp['index_note'].iloc[0]}.")
    computed = p[p["note"] == "berekend uit buurten"]
    if not computed.empty:
        who = ", ".join(
            dict.fromkeys(
                f"{names.get(c, c)} ({int(y)})" for c, y in zip(computed["region_code"], computed["year"], strict=True)
            )
        )
        lines.append(f"Berekend uit de buurten (CBS gaf geen eigen cijfer): {who}.")
    for line in lines:
        st.caption(md_escape(line))


def render_breaks(series: trends.TrendSeries) -> None:
    """Code changes belong to a region, not to one indicator: say them once, above the charts."""
    if series.breaks.empty:
        return
    texts = list(dict.fromkeys(series.breaks["text"]))
    st.info(
        "**Onderbroken lijnen** (◇ in de grafiek): een gebied kreeg een andere code of indeling, dus de cijfers "
        "zijn niet zomaar door te trekken.\n\n" + "\n".join(f"- {md_escape(t)}" for t in texts),
        icon=":material/link_off:",
    )


def table_frame(
    series: trends.TrendSeries, names: dict[str, str], catalogue: Catalogue, index_year: int | None
) -> pd.DataFrame:
    """The table behind the charts, with the source of every figure (also the download)."""
    p = series.points
    if index_year is not None:
        p = trends.rebase(p, index_year)
    out = pd.DataFrame(
        {
            "Gebied": p["region_code"].map(names).fillna(p["region_name"]),
            "Code": p["region_code"],
            "Soort gebied": p["level"].map(trends.LEVEL_WORDS).fillna(""),
            "Cijfer": [indicator_label(catalogue, i) for i in p["indicator"]],
            "Jaar": p["year"].astype(int),
            "Waarde": p["value"],
        }
    )
    if index_year is not None:
        out[f"Index ({index_year} = 100)"] = p["index"].round(1)
    out["Toelichting"] = [
        n if n else ("" if d else "geen cijfer")
        for n, d in zip(p["note"].fillna(""), p["drawn"].astype(bool), strict=True)
    ]
    out["CBS-tabel"] = p["source_table"].fillna("")
    out["CBS-kolom"] = p["source_key"].fillna("")
    return out


def render_table(frame: pd.DataFrame, catalogue: Catalogue) -> None:
    shown = frame.copy()
    shown["Waarde"] = [nl_number(v, 2).rstrip("0").rstrip(",") if pd.notna(v) else "–" for v in frame["Waarde"]]
    idx_cols = [c for c in shown.columns if c.startswith("Index")]
    for c in idx_cols:
        shown[c] = [nl_number(v, 1) if pd.notna(v) else "–" for v in frame[c]]
    st.dataframe(
        shown, hide_index=True, width="stretch", column_config={"Jaar": st.column_config.NumberColumn(format="%d")}
    )
    c1, c2, _ = st.columns([1, 1, 3])
    # Deferred (a callable): the file is only made when somebody clicks, not on every rerun.
    c1.download_button(
        "Download CSV",
        lambda: to_csv_bytes(frame),
        file_name="wijkkompas_trends.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )
    c2.download_button(
        "Download Excel",
        lambda: to_xlsx_bytes(frame, "Trends"),
        file_name="wijkkompas_trends.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        on_click="ignore",
    )


@st.cache_data(show_spinner=False, max_entries=64)
def _trend_bundle(data_dir: str, ver: str, codes: tuple, indicators: tuple, index_year: int | None):
    """Series, names, latest years and chart specs for one choice, cached per store version.

    A rerun that does not change the choice (opening the table, a download, the sidebar) then costs
    a cache lookup instead of building the series and the Vega-Lite specs again.
    """
    values, regions = load_trend_values(codes, indicators)
    catalogue = context.catalogue()
    series = trends.build_series(values, regions, codes, indicators)
    names = trends.display_names(region_catalog(), codes)
    latest = trends.latest_years(values, indicators, codes)
    specs = {}
    for ident in indicators:
        part = series.for_indicator(ident)
        if part.points["drawn"].astype(bool).any():
            chart = trend_chart(part, names, catalogue.get(ident), index_year=index_year, years=part.years)
            specs[ident] = chart_spec(chart)
    return series, names, latest, specs


def render_trends(
    codes: Sequence[str],
    indicators: Sequence[str],
    catalogue: Catalogue,
    *,
    index_year: int | None,
    loaded_years: Sequence[int],
) -> None:
    """One chart per indicator (with its badge, notes and source), then the table behind them all."""
    store = context.get_store()
    series, names, latest, specs = _trend_bundle(
        str(store.data_dir), store.version(), tuple(codes), tuple(indicators), index_year
    )
    render_breaks(series)
    for ident in indicators:
        render_indicator(
            series.for_indicator(ident),
            ident,
            names,
            catalogue,
            index_year=index_year,
            loaded_years=loaded_years,
            latest=latest.get(ident),
            spec=specs.get(ident),
        )
    with st.expander("De cijfers achter de grafieken, met bron"):
        render_table(table_frame(series, names, catalogue, index_year), catalogue)


def link_to(page_file: str, label: str, icon: str, **params: object) -> None:
    """A link to another page with its state in the query string; nothing when that page is not built yet."""
    if not (ROOT / page_file).exists():
        return
    clean = {
        k: (",".join(map(str, v)) if isinstance(v, list | tuple) else str(v))
        for k, v in params.items()
        if v not in (None, "", [], ())
    }
    gms = selection.chosen_gemeenten()
    if gms:
        clean.setdefault("gemeente", ",".join(gms))
    if selection.chosen_year():
        clean.setdefault("jaar", str(selection.chosen_year()))
    st.page_link(str(ROOT / page_file), label=label, icon=icon, query_params=clean)
