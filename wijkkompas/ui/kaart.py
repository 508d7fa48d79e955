"""Kaart page pieces: the pickers, the cached map build, the table beside it, selection, downloads.

The page answers "waar in onze gemeente speelt dit thema?": one indicator, one level, one year,
coloured per buurt or wijk, with the same figures as a table (the text alternative) and every gap
named — suppressed values, regions without a shape, shapes without a figure, older map borders.

The scores (leefbaarheid, veerkracht: total and each theme) are offered in the same picker as
pseudo-indicators `score.<score>` / `score.<score>.<theme>`, so the map, table, downloads and URL
treat them like any figure. Their arithmetic and breakdown come from `wijkkompas.ui.scores` (the
shipped definitions), never from here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from wijkkompas.catalogue.catalogue import THEMES, Indicator
from wijkkompas.classify import K_DEFAULT, K_MAX, K_MIN, METHOD_LABELS, METHODS
from wijkkompas.exporting import to_csv_bytes, to_xlsx_bytes
from wijkkompas.formatting import esc
from wijkkompas.mapdata import (
    PLURAL,
    ChoroplethModel,
    build_choropleth,
    join_values,
    map_year_caption,
    map_years_by_preference,
    nearest_year,
    rank_within,
)
from wijkkompas.scores import BAND_ORDER, TOTAL, default_definitions
from wijkkompas.store import Store
from wijkkompas.ui import context, selection
from wijkkompas.ui import scores as score_ui
from wijkkompas.ui.guard import UserMessage
from wijkkompas.ui.maps import missing_regions_text, render_legend
from wijkkompas.ui.navigation import ROOT, page_url

LEVELS = {"buurt": "Buurten", "wijk": "Wijken"}
PREFERRED = ("aandeel_65plus", "inwoners")
K_NIVEAU, K_INDICATOR, K_JAAR = "kaart_niveau", "kaart_indicator", "kaart_jaar"
K_METHODE, K_KLASSEN, K_ACHTERGROND = "kaart_classificatie", "kaart_klassen", "kaart_achtergrond"
K_REGIO, K_MAP, K_TABEL = "kaart_regio", "kaart_map", "kaart_tabel"
K_REMEMBER, K_TABLE_CODES, K_LAST_SIDEBAR_YEAR = "_kaart_state", "_kaart_table_codes", "_kaart_sidebar_year"
MAP_HEIGHT = 560
SCORE_PREFIX = "score."
SCORE_THEME_LABEL = "Scores"


@dataclass
class KaartState:
    gemeenten: list[str]
    level: str
    indicator: Indicator
    year: int
    method: str
    k: int
    basemap: bool
    asked_year: int | None = None  # the sidebar year, when it has no data for this indicator


@dataclass
class KaartResult:
    model: ChoroplethModel | None
    table: pd.DataFrame  # every region with a row in the data, plus shapes without one
    value_without_shape: pd.DataFrame
    shape_without_value: pd.DataFrame
    map_years: dict[str, int]  # gemeente → geometry year used
    no_geometry: list[str]  # gemeenten without any shapes at this level
    source_tables: list[str]
    computed: bool = False  # some values were computed from buurten
    notes: list[str] = field(default_factory=list)
    score: score_ui.Page | None = None  # when a score is mapped: its computation, for notices and breakdown


# --------------------------------------------------------------------------- state in session + URL


def _remembered() -> dict:
    return st.session_state.setdefault(K_REMEMBER, {})


def _initial(key: str, url_name: str, valid: Sequence, default, cast=str):
    """Value for a widget key before it is drawn: kept state, else the URL (first visit), else default."""
    if key in st.session_state and st.session_state[key] in valid:
        return st.session_state[key]
    remembered = _remembered().get(key)
    if remembered in valid:
        return remembered
    raw = st.query_params.get(url_name)
    for part in str(raw or "").split(","):  # another page may have left a list (trends: indicator=a,b)
        try:
            value = cast(part.strip())
        except (TypeError, ValueError):
            continue
        if value in valid:
            return value
    return default


def _set(key: str, value) -> None:
    st.session_state[key] = value
    _remembered()[key] = value


# --------------------------------------------------------------------------- what data there is


@st.cache_data(show_spinner=False, max_entries=32)
def _availability(data_dir: str, ver: str, gemeenten: tuple, level: str) -> pd.DataFrame:
    """Per indicator and year: how many regions have a row, and how many a figure.

    A year in which CBS published the column but kept every value secret is still offered: the
    honest answer there is a grey map that says so, not a missing choice.
    """
    v = Store(data_dir).load_values(list(gemeenten), None, [level])
    if v.empty:
        return pd.DataFrame(
            {
                "indicator": pd.Series(dtype="string"),
                "year": pd.Series(dtype="int64"),
                "n": pd.Series(dtype="int64"),
                "n_values": pd.Series(dtype="int64"),
            }
        )
    return v.groupby(["indicator", "year"], as_index=False).agg(n=("region_code", "size"), n_values=("value", "count"))


def availability(gemeenten: Sequence[str], level: str) -> pd.DataFrame:
    store = context.get_store()
    return _availability(str(store.data_dir), store.version(), tuple(sorted(gemeenten)), level)


def indicator_options(avail: pd.DataFrame, catalogue) -> list[str]:
    """Indicators with data, grouped by theme (catalogue theme order), then by label."""
    order = {t: i for i, t in enumerate(THEMES)}
    ids = []
    for ident in dict.fromkeys(avail["indicator"].tolist()):
        ind = catalogue.get(ident)
        if ind is not None:
            ids.append(ind)
    ids.sort(key=lambda i: (order.get(i.theme, len(order)), i.origin != "catalogue", i.label.lower()))
    return [i.id for i in ids]


@lru_cache(maxsize=1)
def score_indicators() -> dict[str, Indicator]:
    """Every shipped score (total and each theme) as an Indicator, so the picker, legend, table,
    downloads and URL handle a score exactly like a CBS figure. Theme "scores" groups them."""
    out: dict[str, Indicator] = {}
    scale = " 100 = het gemiddelde van de vergelijkingsgroep, 10 punten = één standaardafwijking."
    for sid, d in default_definitions().items():
        out[f"{SCORE_PREFIX}{sid}"] = Indicator(
            id=f"{SCORE_PREFIX}{sid}",
            label=f"{d.label}: totaalscore",
            unit="",
            theme="scores",
            better="higher_is_better",
            definition=f"{d.description} {d.higher_means}{scale}",
            decimals=1,
            source="Wijkkompas, bewerking van CBS Kerncijfers wijken en buurten",
            caveat=d.caveat,
        )
        for t in d.themes:
            ident = f"{SCORE_PREFIX}{sid}.{t.id}"
            out[ident] = Indicator(
                id=ident,
                label=f"{d.label}: thema {t.label[:1].lower()}{t.label[1:]}",
                unit="",
                theme="scores",
                better="higher_is_better",
                definition=f"{t.description}{scale}",
                decimals=1,
                source="Wijkkompas, bewerking van CBS Kerncijfers wijken en buurten",
                caveat=d.caveat,
            )
    return out


def is_score(ident: str) -> bool:
    return ident.startswith(SCORE_PREFIX)


def score_parts(ident: str) -> tuple[str, str]:
    """'score.veerkracht.zorg' → ('veerkracht', 'zorg'); 'score.veerkracht' → ('veerkracht', TOTAL)."""
    sid, _, view = ident[len(SCORE_PREFIX) :].partition(".")
    return sid, view or TOTAL


def lookup(ident: str) -> Indicator | None:
    return score_indicators().get(ident) or context.catalogue().get(ident)


def _known(ident: str) -> Indicator:
    """lookup() for an id from the picker's own options, which all resolve: indicator_options keeps only
    catalogue indicators and the rest are score_indicators()."""
    ind = lookup(ident)
    assert ind is not None, ident
    return ind


def indicator_text(ind: Indicator) -> str:
    if is_score(ind.id):
        return f"{SCORE_THEME_LABEL} · {ind.label}"

    unit = "" if not ind.unit else f" ({ind.unit})"
    return f"{ind.theme_label} · {ind.label}{unit}"


def _sync_sidebar_year() -> None:
    """The page's year picker also moves the shared year (sidebar and URL)."""
    year = st.session_state.get(K_JAAR)
    _remembered()[K_JAAR] = year
    if year is not None:
        st.session_state[selection.KEY_JAAR] = year
        st.session_state[K_LAST_SIDEBAR_YEAR] = year


def choose() -> KaartState:
    """The pickers. Raises UserMessage when there is nothing to map."""
    gemeenten = selection.chosen_gemeenten()
    if not gemeenten:
        raise UserMessage("Kies links een gemeente. Nog geen gegevens geladen? Ga naar Start.")
    catalogue = context.catalogue()
    sidebar_year = selection.chosen_year()

    top = st.columns([1.3, 4.2, 1.2])
    level = _initial(K_NIVEAU, "niveau", list(LEVELS), "buurt")
    _set(K_NIVEAU, level)
    with top[0]:
        level = st.segmented_control(
            "Niveau", list(LEVELS), key=K_NIVEAU, format_func=lambda lv: LEVELS[lv], required=True
        )
    assert level is not None  # required=True and the key holds a valid level (_set above): never deselected
    _remembered()[K_NIVEAU] = level
    avail = availability(gemeenten, level)
    options = indicator_options(avail, catalogue)
    if not options:
        raise UserMessage(
            f"Voor de gekozen gemeente(n) zijn geen cijfers per {level} geladen. Kies een ander niveau, "
            "of laad gegevens op de pagina Start."
        )
    options += list(score_indicators())  # the scores: last group, always offered (a notice says when data lacks)
    asked_ids = [a.strip() for a in (st.query_params.get("indicator") or "").split(",") if a.strip()]
    asked = ", ".join(asked_ids) if asked_ids and not any(a in options for a in asked_ids) else None
    asked = re.sub(r"[^\w.,\- ]", "", asked)[:60] if asked else None  # URL text: no markdown links, no markup
    default = next((p for p in PREFERRED if p in options), options[0])
    ident = _initial(K_INDICATOR, "indicator", options, default)
    if asked and K_INDICATOR not in _remembered():
        st.warning(
            f"Het cijfer '{asked}' is er niet per {level} voor deze gemeente(n). U ziet nu "
            f"'{_known(ident).label}'. Kies hieronder een ander cijfer."
        )
    _set(K_INDICATOR, ident)
    with top[1]:
        ident = st.selectbox(
            "Cijfer",
            options,
            key=K_INDICATOR,
            format_func=lambda i: indicator_text(_known(i)),
            help="Typ om te zoeken. Alleen cijfers die voor deze gemeente(n) en dit niveau bestaan. "
            "Onderaan: de scores leefbaarheid en veerkracht.",
        )
    _remembered()[K_INDICATOR] = ident
    indicator = _known(ident)
    score = is_score(ident)

    rows = avail if score else avail[avail["indicator"] == ident]  # a score: every year with figures
    years = sorted(int(y) for y in rows["year"].unique())
    previous_sidebar = st.session_state.get(K_LAST_SIDEBAR_YEAR)
    st.session_state[K_LAST_SIDEBAR_YEAR] = sidebar_year
    current = st.session_state.get(K_JAAR, _remembered().get(K_JAAR))
    if sidebar_year in years and (sidebar_year != previous_sidebar or current not in years):
        year = sidebar_year  # the shared year moved (or this page is new): follow it
    elif current in years:
        year = current
    else:
        nearest = nearest_year(sidebar_year or years[-1], years)
        assert nearest is not None  # years is not empty: ident is one of avail's indicators, or a score
        year = nearest
    _set(K_JAAR, year)
    with top[2]:
        year = st.selectbox(
            "Jaar", years, key=K_JAAR, on_change=_sync_sidebar_year, help="Alleen jaren met dit cijfer."
        )
    asked_year = sidebar_year if sidebar_year is not None and sidebar_year not in years else None

    row = st.columns([3, 2.2, 2])
    method = _initial(K_METHODE, "classificatie", list(METHODS), "quantiles")
    _set(K_METHODE, method)
    fixed = "Een score heeft vaste klassen: van 'ver onder' tot 'ver boven gemiddeld'." if score else None
    with row[0]:
        method = st.selectbox(
            "Indeling in klassen",
            list(METHODS),
            key=K_METHODE,
            format_func=lambda m: METHOD_LABELS[m],  # every METHODS entry has a label
            disabled=score,
            help=fixed,
        )
    k_options = list(range(K_MIN, K_MAX + 1))
    k = _initial(K_KLASSEN, "klassen", k_options, K_DEFAULT, cast=int)
    _set(K_KLASSEN, k)
    with row[1]:
        k = st.select_slider("Aantal klassen", k_options, key=K_KLASSEN, disabled=score, help=fixed)
    st.session_state.setdefault(K_ACHTERGROND, _remembered().get(K_ACHTERGROND, False))
    with row[2]:
        st.write("")
        basemap = st.toggle(
            "Achtergrondkaart",
            key=K_ACHTERGROND,
            help="Straten en plaatsnamen onder de kaart. Werkt alleen met internet.",
        )
    for key, value in ((K_METHODE, method), (K_KLASSEN, k), (K_ACHTERGROND, basemap)):
        _remembered()[key] = value
    return KaartState(list(gemeenten), level, indicator, int(year), method, int(k), bool(basemap), asked_year)


# --------------------------------------------------------------------------- building (cached)


def _shapes(level: str, gemeenten: Sequence[str], data_year: int) -> tuple[gpd.GeoDataFrame, dict[str, int]]:
    """Shapes per gemeente from the loaded geometry year nearest to the data year."""
    years = context.geometry_years(level)
    remaining = list(gemeenten)
    parts, used = [], {}
    for y in map_years_by_preference(data_year, years):
        if not remaining:
            break
        g = context.geometry(y, level, remaining)  # cached per process: reading costs ~100 ms
        if g.empty:
            continue
        found = sorted(set(g["gemeente_code"].astype("string")))
        parts.append(g)
        used.update({gm: y for gm in found})
        remaining = [gm for gm in remaining if gm not in found]
    if not parts:
        return gpd.GeoDataFrame(
            {"region_code": [], "region_name": [], "gemeente_code": []}, geometry=[], crs="EPSG:4326"
        ), used
    frame = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326"), used


@st.cache_resource(show_spinner=False, max_entries=24)
def _build(
    data_dir: str,
    ver: str,
    gemeenten: tuple,
    year: int,
    level: str,
    ident: str,
    method: str,
    k: int,
    basemap: bool,
    names: tuple,
) -> KaartResult:
    store = Store(data_dir)
    ind = _known(ident)  # ident is KaartState.indicator.id, resolved by choose()
    page = None
    if is_score(ident):
        page = _score_page(list(gemeenten), year, level, ident)
        regional = _score_rows(page, ident)
        # 100 is by definition the average of the own gemeente's regions (the reference group).
        gemeente_values = {gm: 100.0 for gm in gemeenten} if page.definition.reference == "gemeente" else {}
    else:
        values = store.load_values(list(gemeenten), [year], [level, "gemeente"], [ident])
        regional = values[values["level"] == level].reset_index(drop=True)
        gm_rows = values[values["level"] == "gemeente"]
        gemeente_values = dict(zip(gm_rows["region_code"], gm_rows["value"], strict=True))
    gemeente_names = dict(names)
    shapes, map_years = _shapes(level, gemeenten, year)
    no_geometry = [gm for gm in gemeenten if gm not in map_years]

    # Rank over every region with a figure (also those the map has no shape for).
    from wijkkompas.mapdata import is_missing

    miss = is_missing(regional["value"], regional["status"])
    rank, rank_n = rank_within(regional, miss)
    regional = regional.assign(rank=rank, rank_of=rank_n)
    sources = sorted({str(s) for s in regional["source_table"].dropna() if str(s)})
    computed = bool((regional["status"] == "berekend uit buurten").any())

    model = None
    joined = join_values(shapes, regional)
    if not shapes.empty:
        extra_cols = [c for c in ("band", "opbouw", "klik") if c in regional.columns]  # score tooltip lines
        frame = joined.frame.merge(
            regional[["region_code", "rank", "rank_of", *extra_cols]], on="region_code", how="left"
        )
        frame["rank_of"] = (
            frame["rank_of"]
            .fillna(frame["gemeente_code"].map(regional.groupby("gemeente_code")["rank_of"].max()))
            .fillna(0)
        )
        frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=shapes.crs)
        outlines = None
        if level == "buurt":
            outlines, _ = _shapes("wijk", list(map_years), year)
        gm_outline, _ = _shapes("gemeente", list(map_years), year)
        # Names on the map: the wijken of one gemeente; with several gemeenten their names would
        # pile up, so then the gemeenten are named instead.
        if len(map_years) > 1 and not gm_outline.empty:
            labels = gm_outline.assign(
                region_name=gm_outline["gemeente_code"].map(gemeente_names).fillna(gm_outline["region_name"])
            )
        else:
            labels = outlines if outlines is not None and not outlines.empty else shapes
        from wijkkompas.ui.maps import cached_geometry_json

        score_args: dict = {}
        if level == "buurt" and outlines is not None and not outlines.empty:
            # Not every wijk name fits on the map (wijkkompas.maplabels): the tooltip names the wijk of each buurt.
            wijk_names = dict(zip(outlines["region_code"], outlines["region_name"].astype("string"), strict=True))
            frame["_wijk"] = ("WK" + frame["region_code"].astype("string").str[2:8]).map(wijk_names).fillna("–")
            score_args["tooltip_extra"] = {"Wijk": "_wijk"}
        if page is not None:
            score_args = dict(
                categories=BAND_ORDER,
                category_column="band",
                tooltip_extra={
                    **score_args.get("tooltip_extra", {}),
                    "Klasse": "band",
                    "Wat telt het zwaarst": "opbouw",
                    "Opbouw": "klik",
                },
            )
        model = build_choropleth(
            frame,
            value_label=ind.label,
            unit=ind.unit,
            better=ind.better,
            decimals=ind.decimals,
            method=method,
            k=k,
            level=level,
            outlines=outlines,
            gemeente_outline=gm_outline,
            labels=labels,
            gemeente_values=gemeente_values,
            gemeente_names=gemeente_names,
            basemap=basemap,
            geometry_strings=cached_geometry_json(frame.geometry),
            outline_strings=cached_geometry_json(outlines.geometry)
            if outlines is not None and not outlines.empty
            else None,
            gemeente_outline_strings=cached_geometry_json(gm_outline.geometry) if not gm_outline.empty else None,
            **score_args,
        )
    table = _table(model, joined.value_without_shape, regional, gemeente_names, ind)
    notes = list(model.legend.notes) if model else []
    return KaartResult(
        model,
        table,
        joined.value_without_shape,
        joined.shape_without_value,
        map_years,
        no_geometry,
        sources,
        computed,
        notes,
        page,
    )


def _score_page(gemeenten: list[str], year: int, level: str, ident: str) -> score_ui.Page:
    """The shipped score computed exactly as the Scores page does (same cache), for one view."""
    sid, view = score_parts(ident)
    d = default_definitions()[sid]
    page = score_ui.compute_page(sid, level, gemeenten, year, d, d, context.catalogue(), score_ui.DEFAULT_DEF)
    page.view = view
    return page


def _score_rows(page: score_ui.Page, ident: str) -> pd.DataFrame:
    """The score per region in the store's long format, so the map/table code treats it like a figure.

    No score means NaN with the reason as status ("onvoldoende gegevens", "te weinig inwoners"):
    never 0, and the legend and table name the reason.
    """
    t = page.result.table(page.view, gemeenten=page.gemeenten)
    tips = score_ui.tooltip_lines(page)
    has = t["score"].notna()
    used = context.values(page.gemeenten, [page.year], [page.level])["source_table"].dropna().astype(str)
    tables = ", ".join(sorted({s for s in used if s}))
    return pd.DataFrame(
        {
            "year": page.year,
            "region_code": t["region_code"].astype("string"),
            "region_name": t["region_name"].astype("string"),
            "level": page.level,
            "gemeente_code": t["gemeente_code"].astype("string"),
            "indicator": ident,
            "value": t["score"].astype("float64"),
            "status": pd.Series(np.where(has, "ok", t["reason"]), dtype="string"),
            "source_table": tables,
            "source_key": ident,
            "band": pd.Series(t["band"], dtype="string").where(has, pd.NA),
            "opbouw": [tips.get(str(c), "") or "–" for c in t["region_code"]],
            "klik": np.where(has, "klik op het gebied", "–"),
        }
    )


def _table(
    model: ChoroplethModel | None, no_shape: pd.DataFrame, regional: pd.DataFrame, names: dict, ind: Indicator
) -> pd.DataFrame:
    """One row per region: those on the map (with class) and those with a figure but no shape."""
    from wijkkompas.mapdata import format_with_unit, missing_label

    cols = [
        "region_code",
        "region_name",
        "gemeente_code",
        "gemeente_name",
        "value",
        "status",
        "value_text",
        "class",
        "class_label",
        "rank",
        "rank_of",
        "color",
        "source_table",
        "source_key",
        "on_map",
    ]
    parts = []
    if model is not None:
        t = model.table.copy()
        t["on_map"] = True
        parts.append(t)
    extra = regional[regional["region_code"].isin(no_shape["region_code"])] if model is not None else regional
    if not extra.empty:
        miss = extra["value"].isna() | (extra["status"] == "geheim")
        e = pd.DataFrame(
            {
                "region_code": extra["region_code"].astype("string"),
                "region_name": extra["region_name"].astype("string"),
                "gemeente_code": extra["gemeente_code"].astype("string"),
                "gemeente_name": extra["gemeente_code"].map(lambda c: names.get(c, c)).astype("string"),
                "value": extra["value"].where(~miss),
                "status": extra["status"].astype("string"),
                "value_text": [
                    missing_label(s) if m else format_with_unit(v, ind.unit, ind.decimals)
                    for v, s, m in zip(extra["value"], extra["status"], miss, strict=True)
                ],
                "class": pd.array([pd.NA] * len(extra), dtype="Int64"),
                "class_label": "niet op de kaart" if model is not None else "geen kaart",
                "rank": extra["rank"].to_numpy(),
                "rank_of": extra["rank_of"].to_numpy(),
                "color": "",
                "source_table": extra["source_table"].astype("string"),
                "source_key": extra["source_key"].astype("string"),
                "on_map": False,
            }
        )
        parts.append(e)
    if not parts:
        return pd.DataFrame(columns=cols)
    table = pd.concat(parts, ignore_index=True)
    for c in cols:
        if c not in table.columns:
            table[c] = pd.NA
    table["rank"] = pd.array(table["rank"], dtype="Int64")
    return table.sort_values(["gemeente_name", "rank", "region_name"], na_position="last").reset_index(drop=True)[cols]


def build(state: KaartState) -> KaartResult:
    store = context.get_store()
    names = tuple(sorted(selection.gemeente_names().items()))
    method, k = ("categories", 5) if is_score(state.indicator.id) else (state.method, state.k)  # fixed bands
    return _build(
        str(store.data_dir),
        store.version(),
        tuple(sorted(state.gemeenten)),
        state.year,
        state.level,
        state.indicator.id,
        method,
        k,
        state.basemap,
        names,
    )


# --------------------------------------------------------------------------- showing


def _gm_list(codes: Sequence[str]) -> str:
    names = selection.gemeente_names()
    items = [names.get(c, c) for c in codes]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " en " + items[-1]


def notices(state: KaartState, result: KaartResult) -> None:
    """Above the map: year mismatches and gemeenten without a map, in plain words."""
    ind, plural = state.indicator, PLURAL[state.level]
    if state.asked_year is not None:
        st.info(
            f"Voor '{ind.label}' zijn er geen cijfers per {state.level} over {state.asked_year}. "
            f"U ziet {state.year}, het dichtstbijzijnde jaar met cijfers."
        )
    if result.no_geometry:
        st.warning(
            f"Voor {_gm_list(result.no_geometry)} is geen kaart van de {plural} geladen. "
            "De cijfers staan wel in de tabel. Laad kaartgrenzen via de pagina Start."
        )
    other = sorted({y for y in result.map_years.values() if y != state.year})
    if other:
        st.info(
            f"Kaartgrenzen {', '.join(map(str, other))}, cijfers {state.year}. Er is geen kaart van {state.year} geladen; "
            f"daarom zijn de cijfers op de dichtstbijzijnde kaart gezet. {plural.capitalize()} die sindsdien zijn "
            "veranderd, staan onder de kaart."
        )
    if result.score is not None:
        # The Scores page's own notice: which themes lack which figures, or why there is no score at all.
        if not score_ui.coverage(result.score) and result.score.view == TOTAL:
            st.info(
                "Op deze kaart: kies bij 'Cijfer' één thema van deze score. 'Bekijk' en 'Gewichten' staan op "
                "de pagina Scores.",
                icon=":material/lightbulb:",
            )
        if result.score.definition.proxy:
            st.info(f"**Let op:** {result.score.definition.caveat}", icon=":material/info:")
    elif result.table["value"].notna().sum() == 0 and not result.table.empty:
        st.warning(f"Geen enkele {state.level} heeft een cijfer voor '{ind.label}' in {state.year}.")


def _map_key() -> str:
    """The map's widget key. It changes when a region is chosen elsewhere (table, select box), so
    Streamlit forgets an older map click instead of keeping that shape highlighted."""
    return f"{K_MAP}_{st.session_state.get('_kaart_map_gen', 0)}"


def _forget_map_click() -> None:
    st.session_state["_kaart_map_gen"] = st.session_state.get("_kaart_map_gen", 0) + 1


def _on_map_select() -> None:
    from wijkkompas.ui.maps import clicked_code

    code = clicked_code(st.session_state.get(_map_key()))
    if code:
        st.session_state[K_REGIO] = code


def _on_table_select() -> None:
    state = st.session_state.get(K_TABEL)
    codes = st.session_state.get(K_TABLE_CODES) or []
    try:
        rows = state.selection.rows if state is not None else []
    except AttributeError:
        rows = (state or {}).get("selection", {}).get("rows", [])
    if rows and 0 <= rows[0] < len(codes):
        st.session_state[K_REGIO] = codes[rows[0]]
        _forget_map_click()


def draw(state: KaartState, result: KaartResult) -> None:
    if result.model is None:
        st.info("Er is geen kaart voor deze keuze; de tabel hiernaast heeft alle cijfers.")
        return
    selected = st.session_state.get(K_REGIO)
    deck_key = _map_key()
    from wijkkompas.ui.maps import CompactDeck

    deck = CompactDeck(result.model.spec(selected), result.model.tooltip)
    st.pydeck_chart(
        deck,
        height=MAP_HEIGHT,
        key=deck_key,
        on_select=_on_map_select,
        selection_mode="single-object",
        alt=f"Kaart: {state.indicator.label} per {state.level}, {state.year}, in klassen gekleurd (legenda onder de "
        f"kaart). De tabel hiernaast geeft dezelfde cijfers per {state.level}; kies daar of met 'Kies een "
        f"{state.level}' een gebied.",
    )
    render_legend(result.model.legend)


def _text_color(hex_color: str) -> str:
    """Black or white text, whichever contrasts more with the class colour (WCAG luminance)."""
    if not isinstance(hex_color, str) or len(hex_color) != 7:
        return "#1f1f1f"
    rgb = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "#1f1f1f" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


def table(state: KaartState, result: KaartResult) -> None:
    """The text alternative of the map: every region, its value, class (in the map colour) and place."""
    t = result.table
    multi = t["gemeente_code"].nunique() > 1
    show = pd.DataFrame(
        {
            "Plaats": t["rank"],
            "Gebied": t["region_name"],
            "Waarde": t["value_text"],
            "Klasse": t["class_label"],
            **({"Gemeente": t["gemeente_name"]} if multi else {}),
            "Code": t["region_code"],
        }
    )
    colors = t["color"].fillna("").tolist()
    hatched = (t["status"] == "geheim").tolist()

    def paint(col: pd.Series) -> list[str]:
        out = []
        for c, h in zip(colors, hatched, strict=True):
            if not c:
                out.append("")
                continue
            css = f"background-color: {c}; color: {_text_color(c)}"
            out.append(css + ("; font-style: italic" if h else ""))
        return out

    styled = show.style.apply(paint, subset=["Klasse"]).format(na_rep="", subset=["Plaats"])
    st.session_state[K_TABLE_CODES] = t["region_code"].tolist()
    st.dataframe(
        styled,
        hide_index=True,
        height=min(MAP_HEIGHT, 35 * (len(show) + 1) + 3),
        key=K_TABEL,
        placeholder="–",
        on_select=_on_table_select,
        selection_mode="single-row",
        column_config={
            "Plaats": st.column_config.NumberColumn(
                "Plaats",
                help="Plaats binnen de eigen gemeente; 1 = hoogste waarde. Klik hier om op waarde te sorteren.",
                format="%d",
                width=56,
            ),
            "Gebied": st.column_config.TextColumn(width=140),
            "Waarde": st.column_config.TextColumn(help=f"{state.indicator.label}, {state.year}", width=90),
            "Klasse": st.column_config.TextColumn(
                help="De klasse op de kaart, in de kleur van de kaart.", width=92 if result.score is None else 135
            ),  # score bands are long
            "Gemeente": st.column_config.TextColumn(width=90),
            "Code": st.column_config.TextColumn(width=95),
        },
    )
    st.caption("Klik op een rij of op de kaart om een gebied te kiezen. Klik op een kolomkop om te sorteren.")


def choose_region(state: KaartState, result: KaartResult) -> str | None:
    """The selected region: one select box that the map click and the table click also set."""
    t = result.table
    codes = t["region_code"].tolist()
    names = dict(zip(t["region_code"], t["region_name"].fillna(""), strict=True))
    current = st.session_state.get(K_REGIO)
    if current not in codes:
        url = st.query_params.get("regio")
        current = url if url in codes and not _remembered().get("_regio_seen") else None
        st.session_state[K_REGIO] = current
    _remembered()["_regio_seen"] = True
    code = st.selectbox(
        f"Kies een {state.level}",
        codes,
        key=K_REGIO,
        index=None,
        placeholder=f"Zoek een {state.level} op naam of code",
        on_change=_forget_map_click,
        format_func=lambda c: f"{names.get(c, c)} ({c})",
    )
    if code:
        row = t[t["region_code"] == code].iloc[0]
        rank = (
            ""
            if pd.isna(row["rank"])
            else f" · plaats {int(row['rank'])} van {int(row['rank_of'])} in {row['gemeente_name']}"
        )
        band = f" ({row['class_label']})" if result.score is not None and pd.notna(row["value"]) else ""
        st.markdown(f"**{esc(row['region_name'])}** ({esc(code)}): {esc(row['value_text'])}{esc(band)}{esc(rank)}")
        if result.score is not None:
            _score_link(state, result.score, code, str(row["gemeente_code"]))
        params = {"gemeente": str(row["gemeente_code"]), "regio": code}
        if (ROOT / "pages" / "wijkprofiel.py").exists():
            st.page_link(
                str(ROOT / "pages" / "wijkprofiel.py"),
                label=f"Open het profiel van {row['region_name']}",
                icon=":material/description:",
                query_params=params,
            )
        else:
            st.markdown(f"[Open het profiel van {esc(row['region_name'])}]({page_url('wijkprofiel', **params)})")
    return code


def _score_link(state: KaartState, page: score_ui.Page, code: str, gemeente: str) -> None:
    """'Opbouw van de score': the Scores page on this score, view, level and region (the names it reads)."""
    params = {
        "gemeente": gemeente,
        "jaar": state.year,
        "score": page.score_id,
        "niveau": state.level,
        "bekijk": page.view,
        "gebied": code,
    }
    if (ROOT / "pages" / "scores.py").exists():
        st.page_link(
            str(ROOT / "pages" / "scores.py"),
            label="Opbouw van de score",
            icon=":material/stacked_bar_chart:",
            query_params={k: str(v) for k, v in params.items()},
        )
    else:
        st.markdown(f"[Opbouw van de score]({page_url('scores', **params)})")


def score_breakdown(state: KaartState, result: KaartResult, region: str | None) -> None:
    """Under the map, for a chosen region: the Scores page's own breakdown (bar + table) in an expander."""
    page = result.score
    if page is None or not region or region not in set(page.prepared.regions["region_code"]):
        return
    name = page.prepared.regions.set_index("region_code").loc[region, "region_name"]
    with st.expander(f"Opbouw van de score van {name}", icon=":material/stacked_bar_chart:"):
        score_ui.breakdown(page, region)


def gaps(state: KaartState, result: KaartResult) -> None:
    """Under the map: regions with a value but no shape, and shapes without a value."""
    plural = PLURAL[state.level]
    if not result.value_without_shape.empty and result.model is not None:
        n = len(result.value_without_shape)
        with st.expander(f"{n} {state.level if n == 1 else plural} met een cijfer maar zonder vorm op de kaart"):
            st.write(
                "Deze gebieden staan niet op de kaart (de kaartgrenzen zijn van een ander jaar, of de code is "
                "veranderd). Hun cijfers staan wel in de tabel: "
                + missing_regions_text(result.value_without_shape, 40)
                + "."
            )
    if not result.shape_without_value.empty:
        n = len(result.shape_without_value)
        with st.expander(f"{n} {state.level if n == 1 else plural} op de kaart zonder cijfer"):
            st.write(
                f"Voor deze vormen heeft {state.year} geen cijfer (niet gepubliceerd, of de code bestaat in "
                "dat jaar niet meer). Ze zijn lichtgrijs: " + missing_regions_text(result.shape_without_value, 40) + "."
            )


def export_frame(state: KaartState, result: KaartResult) -> pd.DataFrame:
    """Exactly what the table shows, plus the numbers and where they come from."""
    t = result.table
    ind = state.indicator
    map_year = t["gemeente_code"].map(result.map_years).astype("Int64")
    return pd.DataFrame(
        {
            "gebied": t["region_name"],
            "code": t["region_code"],
            "gemeente": t["gemeente_name"],
            "gemeentecode": t["gemeente_code"],
            "niveau": state.level,
            "jaar": state.year,
            "indicator": ind.id,
            "cijfer": ind.label,
            "eenheid": ind.unit,
            "waarde": t["value"],
            "waarde_tekst": t["value_text"],
            "status": t["status"],
            "klasse": t["class"],
            "klasse_grenzen": t["class_label"],
            "plaats": t["rank"],
            "van": pd.to_numeric(t["rank_of"], errors="coerce").astype("Int64"),
            "op_kaart": t["on_map"].astype(bool),
            "kaartjaar": map_year.where(t["on_map"].astype(bool)),
            "indeling": METHOD_LABELS.get(state.method, state.method),
            "source_table": t["source_table"],
            "source_key": t["source_key"],
        }
    )


def downloads(state: KaartState, result: KaartResult) -> None:
    """CSV and Excel of exactly the table, made only when clicked (Excel costs ~0.1 s per table)."""
    frame = export_frame(state, result)
    stem = f"wijkkompas_kaart_{state.indicator.id}_{state.level}_{state.year}".replace(".", "_")
    c1, c2, _ = st.columns([1, 1, 3])
    c1.download_button(
        "Download CSV",
        lambda: to_csv_bytes(frame),
        f"{stem}.csv",
        "text/csv",
        icon=":material/download:",
        on_click="ignore",
    )
    c2.download_button(
        "Download Excel",
        lambda: to_xlsx_bytes(frame, "Kaart"),
        f"{stem}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        on_click="ignore",
    )


def source(state: KaartState, result: KaartResult) -> None:
    ind = state.indicator
    if result.score is not None:
        st.caption(f"**{esc(ind.label)}**: {esc(ind.definition)}")
        st.caption(esc(score_ui.source_line(result.score)) + " Gewichten en methode: zie de pagina Scores.")
        if result.map_years:
            st.caption(map_year_caption(result.map_years.values(), state.year))
        return
    tables = ", ".join(result.source_tables) or "onbekend"
    years = sorted(set(result.map_years.values()))
    borders = f"; kaartgrenzen CBS/Kadaster {', '.join(map(str, years))}" if years else ""
    computed = " Wijkcijfers die CBS niet publiceert zijn berekend uit de buurten." if result.computed else ""
    if ind.definition:
        st.caption(f"**{esc(ind.label)}**: {esc(ind.definition)}")
    st.caption(f"Bron: {esc(ind.source or 'CBS')}, tabel {esc(tables)} ({state.year}){borders}. CC BY 4.0.{computed}")


def sync(state: KaartState, region: str | None) -> None:
    selection.sync_query(
        niveau=state.level, indicator=state.indicator.id, classificatie=state.method, klassen=state.k, regio=region
    )
