"""Scores page pieces: choices, weight sliders, ranking, breakdown, method, stability, save/reset.

The arithmetic lives in `wijkkompas.scores`; this module only turns widgets into a definition and a
result into screens. Normalising (the slow part) is cached per data version and definition *structure*;
a slider only changes weights, so a move re-runs just the weighting (well under a millisecond).
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from wijkkompas.a11y import accessible_spec
from wijkkompas.access import can_write
from wijkkompas.catalogue.catalogue import Catalogue
from wijkkompas.errors import SourceError
from wijkkompas.exporting import to_csv_bytes
from wijkkompas.formatting import format_value, missing_text, nl_number, signed, weight_text
from wijkkompas.methodology import method_markdown, score_indicator_table
from wijkkompas.scores import (
    BAND_ORDER,
    INSUFFICIENT,
    TOTAL,
    Prepared,
    ScoreDefinition,
    ScoreResult,
    band,
    combine,
    default_definitions,
    prepare,
    rounded_contributions,
)
from wijkkompas.scores.definitions import DIRECTIONS, METHOD_SHORT, REFERENCES, validate
from wijkkompas.scores.saved import SavedDefinitions, list_saved, save_definition
from wijkkompas.scores.stability import stability
from wijkkompas.ui import context, selection
from wijkkompas.ui import leefbaarometer as lbm_ui
from wijkkompas.ui.guard import UserMessage

LEVELS = {"buurt": "Buurten", "wijk": "Wijken"}
WEIGHT_STEPS = [0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0]
# Okabe-Ito: distinguishable with the common forms of colour blindness.
THEME_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
BAND_COLOURS = {
    "ver onder gemiddeld": "#b35806",
    "onder gemiddeld": "#f1a340",
    "rond gemiddeld": "#d8daeb",
    "boven gemiddeld": "#998ec3",
    "ver boven gemiddeld": "#542788",
}
DEFAULT_DEF = ""  # the picker value for the shipped definition


# --------------------------------------------------------------------------- small helpers


def _label(catalogue: Catalogue, indicator_id: str, per: int = 0) -> str:
    ind = catalogue.get(indicator_id)
    label = ind.label if ind else indicator_id
    return f"{label} (per {nl_number(per)} inwoners)" if per else label


def _known(catalogue: Catalogue) -> set[str]:
    return set(catalogue.all())


def _q(name: str, allowed, default):
    value = st.query_params.get(name)
    value = value.lower() if isinstance(value, str) else None
    return value if value in allowed else default


def _key_tw(score: str, theme: str) -> str:
    return f"sc_tw_{score}_{theme}"


def _key_iw(score: str, theme: str, ind: str) -> str:
    return f"sc_iw_{score}_{theme}_{ind}"


# --------------------------------------------------------------------------- state


@dataclass
class Page:
    """Everything the page sections need, gathered once per run."""

    score_id: str
    level: str
    year: int
    gemeenten: list[str]
    base: ScoreDefinition  # shipped or saved definition (what 'reset' and the sliders start from)
    definition: ScoreDefinition  # with the sliders' weights, method and reference
    prepared: Prepared
    result: ScoreResult
    catalogue: Catalogue
    view: str = TOTAL
    saved_key: str = DEFAULT_DEF

    @property
    def unit(self) -> str:
        return "buurt" if self.level == "buurt" else "wijk"

    @property
    def units(self) -> str:
        return "buurten" if self.level == "buurt" else "wijken"

    def view_label(self, view: str | None = None) -> str:
        view = view or self.view
        return "Totaalscore" if view == TOTAL else f"Thema {self.definition.theme(view).label.lower()}"


def saved_definitions(catalogue: Catalogue) -> SavedDefinitions:
    return list_saved(context.get_store().data_dir, known=_known(catalogue))


def _apply(score_id: str, d: ScoreDefinition) -> None:
    """Put a definition's weights and settings into the widgets' state (load, reset)."""
    for t in d.themes:
        st.session_state[_key_tw(score_id, t.id)] = float(t.weight)
        for i in t.indicators:
            st.session_state[_key_iw(score_id, t.id, i.id)] = float(i.weight)
    st.session_state[f"sc_method_{score_id}"] = d.method
    st.session_state[f"sc_ref_{score_id}"] = d.reference


def _base_for(score_id: str, key: str, saved: SavedDefinitions) -> ScoreDefinition:
    if key and key in saved.definitions and saved.definitions[key].id == score_id:
        return saved.definitions[key]
    return default_definitions()[score_id]


def choose_score() -> tuple[str, str, object, object]:
    """Score and level (top row); returns the two columns the view and definition pickers go in."""
    defs = default_definitions()
    c1, c2, c3, c4 = st.columns([3, 2, 3, 3])
    if "sc_score" not in st.session_state:
        st.session_state["sc_score"] = _q("score", defs, next(iter(defs)))
    if "sc_niveau" not in st.session_state:
        st.session_state["sc_niveau"] = _q("niveau", LEVELS, "buurt")
    with c1:
        score_id = st.radio("Score", list(defs), key="sc_score", format_func=lambda s: defs[s].label, horizontal=True)
    with c2:
        level = st.radio("Niveau", list(LEVELS), key="sc_niveau", format_func=LEVELS.get, horizontal=True)
    return score_id, level, c3, c4


def choose_definition(column, score_id: str, catalogue: Catalogue) -> tuple[str, ScoreDefinition, SavedDefinitions]:
    saved = saved_definitions(catalogue)
    mine = saved.for_score(score_id)
    key = f"sc_def_{score_id}"
    options = [DEFAULT_DEF, *mine]
    pending = st.session_state.pop("sc_pending_def", None)
    if pending and pending[0] == score_id and pending[1] in mine:
        st.session_state[key] = pending[1]
        _apply(score_id, mine[pending[1]])
    if key not in st.session_state or st.session_state[key] not in options:
        wanted = _q("definitie", mine, DEFAULT_DEF) if key not in st.session_state else DEFAULT_DEF
        st.session_state[key] = wanted
        base = _base_for(score_id, wanted, saved)
        _apply(score_id, base)
        # A shared link may carry its own method and reference: those win over the definition's defaults.
        st.session_state[f"sc_method_{score_id}"] = _q("methode", METHOD_SHORT, base.method)
        st.session_state[f"sc_ref_{score_id}"] = _q("vergelijk", REFERENCES, base.reference)

    def on_change() -> None:
        _apply(score_id, _base_for(score_id, st.session_state[key], list_saved(context.get_store().data_dir)))

    with column:
        chosen = st.selectbox(
            "Gewichten",
            options,
            key=key,
            format_func=lambda k: "Standaard (Wijkkompas)" if k == DEFAULT_DEF else f"Opgeslagen: {mine[k].name}",
            on_change=on_change,
            help="Kies de standaardgewichten of een eerder opgeslagen aangepaste versie.",
        )
    for problem in saved.problems:
        st.warning(f"Een opgeslagen score kon niet worden gelezen: {problem}")
    return chosen, _base_for(score_id, chosen, saved), saved


def _weight_widget(label: str, key: str, help_text: str, disabled: bool = False) -> float:
    current = float(st.session_state.get(key, 1.0))
    options = sorted(set(WEIGHT_STEPS) | {current})
    return float(
        st.select_slider(label, options=options, key=key, format_func=weight_text, help=help_text, disabled=disabled)
    )


def weights_panel(
    score_id: str, base: ScoreDefinition, catalogue: Catalogue, has_data: dict[str, bool]
) -> ScoreDefinition:
    """Sliders per theme and indicator, plus method and reference; returns the adjusted definition."""
    for t in base.themes:  # first visit of this score: start from its definition
        st.session_state.setdefault(_key_tw(score_id, t.id), float(t.weight))
        for i in t.indicators:
            st.session_state.setdefault(_key_iw(score_id, t.id, i.id), float(i.weight))
    st.session_state.setdefault(f"sc_method_{score_id}", _q("methode", METHOD_SHORT, base.method))
    st.session_state.setdefault(f"sc_ref_{score_id}", _q("vergelijk", REFERENCES, base.reference))
    with st.expander("Gewichten en rekenmethode aanpassen", icon=":material/tune:"):
        st.caption(
            "Schuif om een thema of cijfer zwaarder (hoger getal) of lichter te laten wegen; 0 = telt niet mee. "
            "Alleen de verhouding telt. De kaart en de tabel rekenen direct opnieuw."
        )
        m1, m2 = st.columns(2)
        method = m1.radio(
            "Rekenmethode",
            list(METHOD_SHORT),
            key=f"sc_method_{score_id}",
            format_func=METHOD_SHORT.get,
            horizontal=True,
            help="z-score: hoe ver van het gemiddelde, in standaarddeviaties. Rangpercentiel: alleen de volgorde telt (minder gevoelig voor uitschieters).",
        )
        reference = m2.radio(
            "100 = het gemiddelde van",
            list(REFERENCES),
            key=f"sc_ref_{score_id}",
            format_func=lambda r: {
                "gemeente": "de eigen gemeente",
                "selectie": "de gekozen gemeenten",
                "alles": "alle geladen gemeenten",
            }[r],
            horizontal=True,
        )
        cols = st.columns(len(base.themes))
        theme_weights: dict[str, float] = {}
        ind_weights: dict[tuple[str, str], float] = {}
        for col, t in zip(cols, base.themes, strict=True):
            with col:
                st.markdown(f"**{t.short_label}**", help=t.description)
                theme_weights[t.id] = _weight_widget(
                    "Gewicht van het thema",
                    _key_tw(score_id, t.id),
                    f"{t.label}: hoe zwaar dit thema telt in de totaalscore.",
                )
                for i in t.indicators:
                    label = _label(catalogue, i.id, i.per_inwoners)
                    if not has_data.get(i.id, False):
                        label += " · geen cijfers"
                    ind_weights[(t.id, i.id)] = _weight_widget(
                        label, _key_iw(score_id, t.id, i.id), f"{DIRECTIONS[i.direction].capitalize()}. {i.why}"
                    )
    adjusted = base.with_weights(theme_weights, ind_weights)
    adjusted = replace_settings(adjusted, method, reference)
    try:
        validate(adjusted)
    except SourceError as exc:
        st.button("Terug naar de standaardgewichten", on_click=reset, args=(score_id,), key=f"sc_reset_top_{score_id}")
        raise UserMessage(f"Met deze gewichten valt er niets te berekenen. {exc}") from exc
    return adjusted


def reset(score_id: str) -> None:
    """Back to the shipped definition (a callback: runs before the widgets of the next run exist)."""
    st.session_state[f"sc_def_{score_id}"] = DEFAULT_DEF
    _apply(score_id, default_definitions()[score_id])


def replace_settings(d: ScoreDefinition, method: str, reference: str) -> ScoreDefinition:
    from dataclasses import replace

    return replace(d, method=method, reference=reference)


def save_panel(page: Page, saved: SavedDefinitions) -> None:
    """Save under a name (atomic, in the data directory) or go back to the standard weights."""
    if not can_write():
        return  # a viewer may try weights on screen; keeping them is for beheer
    changed = not page.definition.same_weights(page.base) or (page.definition.method, page.definition.reference) != (
        page.base.method,
        page.base.reference,
    )
    flash = st.session_state.pop("sc_flash", None)
    with st.expander("Aangepaste gewichten bewaren", icon=":material/save:", expanded=bool(flash)):
        if flash:
            st.success(flash)
        if changed:
            st.caption("U heeft gewichten of de rekenmethode aangepast. Die zijn nog niet bewaard.")
        with st.form(f"sc_save_{page.score_id}", border=False):
            name = st.text_input(
                "Naam", value=page.base.name, max_chars=60, placeholder="Bijvoorbeeld: Leefbaarheid zonder afstanden"
            )
            overwrite = st.checkbox("Overschrijven als deze naam al bestaat")
            go = st.form_submit_button("Bewaren", type="primary")
        if go:
            try:
                path = save_definition(
                    context.get_store().data_dir,
                    page.definition,
                    name,
                    overwrite=overwrite,
                    known=_known(page.catalogue),
                )
            except SourceError as exc:
                st.error(str(exc))
            else:
                # Select the saved version in 'Gewichten' on the next run (that widget is already drawn in this one).
                st.session_state["sc_pending_def"] = (page.score_id, path.stem)
                st.session_state["sc_flash"] = (
                    f"Bewaard als '{' '.join(name.split())}' ({path.name}). U vindt hem bij 'Gewichten'."
                )
                st.rerun()

        st.button(
            "Terug naar de standaardgewichten", on_click=reset, args=(page.score_id,), key=f"sc_reset_{page.score_id}"
        )
        st.caption(
            "Bewaarde versies staan als TOML-bestand in de gegevensopslag (map scores) en gaan mee in een gegevenspakket."
        )


# --------------------------------------------------------------------------- computing


@st.cache_resource(show_spinner=False, max_entries=24)
def _prepared(key: tuple, _values: pd.DataFrame, _definition: ScoreDefinition) -> Prepared:
    _data_dir, _ver, _pool, year, level, method, reference, _structure = key
    return prepare(_values, _definition, year=year, level=level, method=method, reference=reference)


def _structure(d: ScoreDefinition) -> tuple:
    return (d.id, d.min_inwoners, tuple((t, i.id, i.direction, i.per_inwoners) for t, i in d.columns()))


def load(score_id: str, level: str, catalogue: Catalogue) -> tuple[list[str], int, pd.DataFrame]:
    gemeenten, year = selection.chosen_or_url()
    return gemeenten, year, context.values(gemeenten, [year], [level])


def compute_page(
    score_id: str,
    level: str,
    gemeenten: list[str],
    year: int,
    base: ScoreDefinition,
    definition: ScoreDefinition,
    catalogue: Catalogue,
    saved_key: str,
) -> Page:
    pool = gemeenten
    if definition.reference == "alles":
        loaded = context.gemeenten()
        pool = sorted(set(loaded["gemeente_code"]) if not loaded.empty else set(gemeenten))
    values = context.values(pool, [year], [level])
    store = context.get_store()
    key = (
        str(store.data_dir),
        store.version(),
        tuple(sorted(pool)),
        year,
        level,
        definition.method,
        definition.reference,
        _structure(definition),
    )
    prepared = _prepared(key, values, definition)
    if prepared.n_regions == 0:
        raise UserMessage(
            f"Voor {year} zijn er geen cijfers op {level}niveau voor de gekozen gemeente(n). Kies een ander jaar of niveau."
        )
    result = combine(prepared, definition)
    return Page(score_id, level, year, gemeenten, base, definition, prepared, result, catalogue, saved_key=saved_key)


def has_data(values: pd.DataFrame, definition: ScoreDefinition) -> dict[str, bool]:
    ids = set(definition.indicator_ids())
    present = values.loc[values["indicator"].isin(ids) & values["value"].notna(), "indicator"].unique()
    return {i: i in set(present) for i in ids}


def choose_view(column, page: Page) -> str:
    """Totaal or one theme. Starts on the total when any region has one, else on the first theme with data."""
    d = page.definition
    views = [TOTAL, *[t.id for t in d.themes]]
    key = f"sc_view_{page.score_id}"
    if key not in st.session_state or st.session_state[key] not in views:
        wanted = _q("bekijk", views, None)
        if wanted is None:
            wanted = TOTAL
            if np.isnan(page.result.total).all():
                with_data = [t for j, t in enumerate(d.themes) if page.result.theme_ok[:, j].any()]
                wanted = with_data[0].id if with_data else TOTAL
        st.session_state[key] = wanted

    def fmt(v: str) -> str:
        if v == TOTAL:
            return "Totaalscore"
        j = page.result.theme_ids.index(v)
        suffix = "" if page.result.theme_ok[:, j].any() else " (onvoldoende gegevens)"
        return f"Thema: {d.theme(v).label}{suffix}"

    with column:
        return st.selectbox("Bekijk", views, key=key, format_func=fmt)


# --------------------------------------------------------------------------- sections


def banner(page: Page) -> None:
    d = page.definition
    st.caption(d.description + " " + d.higher_means)
    if d.proxy:
        st.info(f"**Let op:** {d.caveat}", icon=":material/info:")


def coverage(page: Page) -> bool:
    """Say plainly which themes have too little data; returns False when the chosen view has no scores at all."""
    cov = page.result.theme_coverage()
    lacking = cov[cov["status"] == INSUFFICIENT]
    if not lacking.empty:
        lines = []
        for row in lacking.itertuples():
            present = [_label(page.catalogue, i) for i in row.present]
            absent = [_label(page.catalogue, i) for i in row.absent]
            have = f" Wel: {', '.join(present)}." if present else ""
            lines.append(
                f"- **{row.label}**: {INSUFFICIENT}. Geen cijfers in {page.year} voor: {', '.join(absent)}.{have}"
            )
        st.warning(
            f"Niet elk thema kan worden berekend met de cijfers van {page.year}:\n\n"
            + "\n".join(lines)
            + ("\n\nDaardoor is er ook geen totaalscore." if np.isnan(page.result.total).all() else "")
            + "\n\nEen thema telt alleen als minstens de helft van zijn gewicht cijfers heeft. Laad meer gegevens "
            "(Start), voeg eigen cijfers toe, of kies een ander jaar.",
            icon=":material/data_alert:",
        )
    idx = page.result.index_of(page.view)
    shown = page.prepared.regions["gemeente_code"].isin(page.gemeenten).to_numpy()
    if np.isnan(idx[shown]).all():
        if page.view == TOTAL:
            ok = [t.short_label for j, t in enumerate(page.definition.themes) if page.result.theme_ok[:, j].any()]
            need = f"{page.definition.min_share:.0%}"
            st.warning(
                f"Er is geen totaalscore {page.definition.label.lower()} voor {page.year}: de thema's met genoeg cijfers "
                f"({', '.join(ok) or 'geen'}) hebben samen minder dan {need} van het gewicht. Bekijk een thema apart "
                "(keuze 'Bekijk'), of zet de lege thema's op 0 bij 'Gewichten en rekenmethode aanpassen'.",
                icon=":material/block:",
            )
        else:
            st.warning(
                f"Er zijn te weinig cijfers voor {page.view_label().lower()} in {page.year}.", icon=":material/block:"
            )
        if page.score_id == lbm_ui.SCORE_ID:
            lbm_ui.overview(page.prepared.regions, page.gemeenten, page.year, page.level)
        return False
    return True


def ranking_frame(page: Page) -> pd.DataFrame:
    """The ranking as shown: Dutch numbers as text, plus the codes (hidden) for selection."""
    t = page.result.table(page.view, gemeenten=page.gemeenten)
    t = t.sort_values(["rank", "region_name"], na_position="last").reset_index(drop=True)
    names = selection.gemeente_names()
    out = pd.DataFrame(
        {
            "Plaats": t["rank"].astype("Int64"),
            page.unit.capitalize(): t["region_name"],
            "Code": t["region_code"],
        }
    )
    if len(page.gemeenten) > 1:
        out["Gemeente"] = t["gemeente_code"].map(lambda c: names.get(c, c))
    out["Score"] = [nl_number(x, 1) for x in t["score"]]
    out["Klasse"] = np.where(t["score"].notna(), t["band"], t["reason"])
    if page.view == TOTAL:
        for th in page.definition.themes:
            vals = t[f"thema_{th.id}"]
            if vals.notna().any():
                out[th.short_label] = [nl_number(x, 1) for x in vals]
    if page.score_id == lbm_ui.SCORE_ID and page.view == TOTAL:
        beside = lbm_ui.rank_column(list(t["region_code"]), page.gemeenten, page.year, page.level)
        if beside is not None:
            out[lbm_ui.RANK_COLUMN] = beside
    if (t["missing"] != "").any():
        out["Ontbreekt"] = t["missing"]
    return out


def ranking(page: Page) -> str | None:
    """The ranking table; clicking a row opens its breakdown. Returns the clicked region code (if any)."""
    frame = ranking_frame(page)
    st.markdown(f"**Ranglijst: {page.view_label().lower()}** · {len(frame)} {page.units}")
    event = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(frame), 460),
        on_select="rerun",
        selection_mode="single-row",
        key=f"sc_table_{page.score_id}_{page.view}_{page.level}",
        column_order=[c for c in frame.columns if c != "Code"],
        column_config={
            "Plaats": st.column_config.NumberColumn(format="%d", width="small"),
            "Ontbreekt": st.column_config.TextColumn(width="medium"),
            lbm_ui.RANK_COLUMN: st.column_config.TextColumn(
                help="De Leefbaarometer van het Rijk: afwijking van het landelijk gemiddelde (boven 0 = "
                "leefbaarder). Een eigen model, los van deze score."
            ),
        },
    )
    st.caption("Klik op een rij om te zien hoe de score is opgebouwd. " + source_line(page))
    rows = getattr(getattr(event, "selection", None), "rows", []) or []
    if rows:
        return str(frame.iloc[rows[0]]["Code"])
    return None


def source_line(page: Page) -> str:
    tables = sorted(
        {
            str(x)
            for x in context.values(page.gemeenten, [page.year], [page.level])["source_table"].dropna().unique()
            if str(x)
        }
    )
    table_text = (
        ", ".join(tables)
        if tables
        else page.catalogue.kwb_years.get(page.year, None) and page.catalogue.kwb_years[page.year].id
    )
    return f"Bron: CBS, Kerncijfers wijken en buurten {page.year} ({table_text}); score: bewerking Wijkkompas."


def tooltip_lines(page: Page) -> dict[str, str]:
    """Per region a short 'what pulls it up / down' line for the map tooltip."""
    strongest = page.result.strongest(page.view, n=1)
    codes = page.prepared.regions["region_code"].to_numpy()
    out = {}
    for code, (ups, downs) in zip(codes, strongest, strict=True):
        parts = [f"omhoog: {_label(page.catalogue, i)} ({signed(v)})" for i, v in ups]
        parts += [f"omlaag: {_label(page.catalogue, i)} ({signed(v)})" for i, v in downs]
        out[str(code)] = " · ".join(parts)
    return out


def map_available() -> bool:
    """True once the Kaart page's map helper exists (built separately); until then the page shows the ranking only."""
    if importlib.util.find_spec("wijkkompas.ui.maps") is None:
        return False
    from wijkkompas.ui import maps

    return hasattr(maps, "render_choropleth")


def score_map(page: Page) -> str | None:
    """The score on the map (the Kaart page's choropleth), coloured by band. Returns the clicked region."""
    if not map_available():
        return None
    from wijkkompas.ui import maps

    shapes, map_years = _shapes(page.level, page.gemeenten, page.year)
    if shapes.empty:
        st.info(f"Er zijn geen kaartgrenzen voor {page.units} geladen; de ranglijst staat hiernaast.")
        return None
    t = page.result.table(page.view, gemeenten=page.gemeenten)
    frame = shapes[["region_code", "geometry"]].merge(
        t[["region_code", "region_name", "gemeente_code", "score", "band", "reason"]], on="region_code", how="left"
    )
    frame["region_name"] = frame["region_name"].fillna(shapes["region_name"])
    frame["gemeente_code"] = frame["gemeente_code"].fillna(shapes["gemeente_code"])
    in_data = frame["reason"].notna().to_numpy()
    frame["status"] = np.where(
        frame["score"].notna(), "ok", np.where(in_data, frame["reason"].fillna(""), "niet gepubliceerd")
    )
    frame["band"] = frame["band"].where(frame["score"].notna(), None)
    geo = frame.rename(columns={"score": "value"})
    outlines = gm_outline = None
    if page.level == "buurt":
        outlines, _ = _shapes("wijk", page.gemeenten, page.year)
    gm_outline, _ = _shapes("gemeente", page.gemeenten, page.year)
    tips = tooltip_lines(page)
    try:
        clicked = _draw(maps, page, geo, tips, outlines, gm_outline)
    except TypeError:
        # The map helper cannot (yet) colour by our own classes when some shapes have no score; draw the
        # scored ones and say so, rather than no map at all.
        geo = geo[geo["value"].notna()].reset_index(drop=True)
        clicked = _draw(maps, page, geo, tips, outlines, gm_outline)
        st.caption(f"{page.units.capitalize()} zonder score staan niet op deze kaart; ze staan wel in de ranglijst.")
    years = sorted(set(map_years.values()))
    if years and years != [page.year]:
        missing = int((~in_data).sum())
        extra = f" {missing} vormen op de kaart hebben geen {page.unit} met die code in {page.year}." if missing else ""
        st.caption(
            f"Kaartgrenzen van {', '.join(map(str, years))}, cijfers van {page.year}: buurtcodes kunnen intussen "
            f"veranderd zijn.{extra} De ranglijst bevat alle {page.units}."
        )
    elif years:
        from wijkkompas.mapdata import map_year_caption

        st.caption(map_year_caption(years, page.year))
    return clicked


def _draw(maps, page: Page, geo: pd.DataFrame, tips: dict[str, str], outlines, gm_outline) -> str | None:
    return maps.render_choropleth(
        gpd_frame(geo),
        value_label=f"{page.definition.label}: {page.view_label().lower()}",
        unit="",
        better="higher_is_better",
        decimals=1,
        method="quantiles",
        k=5,
        key=f"sc_map_{page.score_id}_{page.view}_{page.level}",
        tooltip_extra={"Wat telt het zwaarst": {c: tips.get(c, "") for c in geo["region_code"]}},
        categories=BAND_ORDER,
        category_column="band",
        level=page.level,
        selected=st.session_state.get("sc_region"),
        outlines=outlines if outlines is not None and not outlines.empty else None,
        gemeente_outline=gm_outline if not gm_outline.empty else None,
        labels=outlines if outlines is not None and not outlines.empty else None,
        height=460,
        alt=f"Kaart: {page.definition.label}, {page.view_label().lower()}, per {page.unit}, in klassen gekleurd. "
        f"De ranglijst hiernaast geeft dezelfde scores per {page.unit}.",
    )


def gpd_frame(frame: pd.DataFrame):
    import geopandas as gpd

    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def _shapes(level: str, gemeenten: list[str], data_year: int):
    """Shapes per gemeente from the map years in the one order of `mapdata.map_years_by_preference`."""
    import geopandas as gpd

    from wijkkompas.mapdata import map_years_by_preference

    years = context.geometry_years(level)
    remaining, parts, used = list(gemeenten), [], {}
    for y in map_years_by_preference(data_year, years):
        if not remaining:
            break
        g = context.geometry(y, level, remaining)
        if g.empty:
            continue
        found = sorted(set(g["gemeente_code"].astype(str)))
        parts.append(g)
        used.update({gm: y for gm in found})
        remaining = [gm for gm in remaining if gm not in found]
    if not parts:
        return gpd.GeoDataFrame(
            {"region_code": [], "region_name": [], "gemeente_code": []}, geometry=[], crs="EPSG:4326"
        ), used
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs="EPSG:4326"), used


def choose_region(page: Page, clicks: dict[str, str | None]) -> str | None:
    """The region whose breakdown is shown: picked in the list, or clicked on the map or in the ranking."""
    t = page.result.table(page.view, gemeenten=page.gemeenten).sort_values(["rank", "region_name"], na_position="last")
    codes = list(t["region_code"])
    if not codes:
        return None
    names = dict(zip(t["region_code"], t["region_name"], strict=True))
    key = "sc_region"
    for source, code in clicks.items():  # only a *new* click moves the choice (old selections persist per widget)
        last = f"sc_last_click_{source}"
        if code != st.session_state.get(last):
            st.session_state[last] = code
            if code in codes:
                st.session_state[key] = code
    if st.session_state.get(key) not in codes:
        q = st.query_params.get("gebied")
        st.session_state[key] = q.upper() if isinstance(q, str) and q.upper() in codes else codes[0]
    return st.selectbox(
        f"Uitpluizen: kies een {page.unit}", codes, key=key, format_func=lambda c: f"{names.get(c, c)} ({c})"
    )


def breakdown_frame(page: Page, region: str) -> tuple[pd.DataFrame, float, np.ndarray, list[str]]:
    """The table behind one score: Dutch text, rounded so the shown contributions add up to the shown score."""
    b = page.result.breakdown(region, page.view)
    row = int(np.nonzero(page.prepared.regions["region_code"].to_numpy() == region)[0][0])
    score = float(page.result.index_of(page.view)[row])
    counting = b["counts"].to_numpy() & np.isfinite(b["contribution"].to_numpy())
    rounded = np.full(len(b), np.nan)
    if np.isfinite(score) and counting.any():
        rounded[counting] = rounded_contributions(b.loc[counting, "contribution"].to_numpy(), score, 1)
    per = {i.id: i.per_inwoners for _t, i in page.definition.columns()}
    labels = [_label(page.catalogue, i, per[i]) for i in b["indicator"]]
    values = []
    for iid, v, status in zip(b["indicator"], b["value"], b["status"], strict=True):
        if not np.isfinite(v):
            values.append(f"geen cijfer in {page.year}" if status == "niet in de gegevens" else missing_text(status))
        elif per[iid]:
            values.append(nl_number(v, 1) + f" per {nl_number(per[iid])} inw.")
        else:
            values.append(format_value(v, page.catalogue.get(iid)))
    out = pd.DataFrame(
        {
            "Thema": [page.definition.theme(t).short_label for t in b["theme"]],
            "Cijfer": labels,
            "Waarde": values,
            "Richting": [DIRECTIONS[d] for d in b["direction"]],
            "Genormaliseerd": [signed(z, 2) for z in b["normalised"]],
            "Gewicht": [
                nl_number(w * 100, 1) + "%" if c else "telt niet mee"
                for w, c in zip(b["weight"], counting, strict=True)
            ],
            "Bijdrage": [signed(c, 1) if np.isfinite(c) else "–" for c in rounded],
        }
    )
    theme_order = {t.id: n for n, t in enumerate(page.definition.themes)}
    order = sorted(range(len(out)), key=lambda r: (not counting[r], theme_order[b["theme"].iloc[r]], r))
    out = out.iloc[order].reset_index(drop=True)
    rounded, themes = rounded[order], [b["theme"].iloc[r] for r in order]
    if np.isfinite(score):
        total = {c: "" for c in out.columns}
        total.update(
            {
                "Thema": "Totaal",
                "Cijfer": "score − 100",
                "Gewicht": "100%",
                "Bijdrage": signed(round(score, 1) - 100, 1),
            }
        )
        at = int(counting.sum())  # right under the rows that count, above those that do not
        out = pd.concat([out.iloc[:at], pd.DataFrame([total]), out.iloc[at:]], ignore_index=True)
        rounded = np.insert(rounded, at, np.nan)
        themes.insert(at, "")
    return out, score, rounded, themes


def contribution_chart(
    page: Page, table: pd.DataFrame, score: float, rounded: np.ndarray, theme_ids: list[str]
) -> dict:
    """One stacked bar: the parts that pull the score up (right of 0) and down (left), and the net result.

    A plain Vega-Lite spec (not Altair): Altair validates its schema on every build, which cost ~100 ms
    per slider move; the dict is ready in well under a millisecond.
    """
    order = {t.id: n for n, t in enumerate(page.definition.themes)}
    rows = []
    for r, tid in enumerate(theme_ids):
        if not tid or not np.isfinite(rounded[r]) or rounded[r] == 0:
            continue
        rows.append(
            {
                "Cijfer": str(table["Cijfer"].iloc[r]),
                "Thema": str(table["Thema"].iloc[r]),
                "Bijdrage": float(rounded[r]),
                "BijdrageTekst": str(table["Bijdrage"].iloc[r]),
                "Waarde": str(table["Waarde"].iloc[r]),
                "volgorde": order[tid] * 100 + r,
            }
        )
    themes = [t.short_label for t in page.definition.themes]
    x_title = "Bijdrage aan de score (punten boven of onder 100)"
    dutch = "replace(datum.label, '.', ',')"
    return {
        "height": 120,
        "layer": [
            {
                "data": {"values": rows},
                "mark": {"type": "bar", "stroke": "white", "strokeWidth": 1.5, "height": 34},
                "encoding": {
                    "x": {
                        "field": "Bijdrage",
                        "type": "quantitative",
                        "aggregate": "sum",
                        "stack": "zero",
                        "title": x_title,
                        "axis": {"labelExpr": dutch},
                    },
                    "color": {
                        "field": "Thema",
                        "type": "nominal",
                        "scale": {"domain": themes, "range": THEME_COLOURS[: len(themes)]},
                        "legend": {"orient": "top", "title": None, "direction": "horizontal"},
                    },
                    "order": {"field": "volgorde", "type": "quantitative"},
                    "detail": {"field": "Cijfer", "type": "nominal"},
                    "tooltip": [
                        {"field": "Cijfer", "type": "nominal"},
                        {"field": "Thema", "type": "nominal"},
                        {"field": "Waarde", "type": "nominal"},
                        {"field": "BijdrageTekst", "type": "nominal", "title": "Bijdrage"},
                    ],
                },
            },
            {
                "data": {"values": [{"x": 0}]},
                "mark": {"type": "rule", "color": "#555", "strokeDash": [3, 3]},
                "encoding": {"x": {"field": "x", "type": "quantitative"}},
            },
            {
                "data": {"values": [{"x": score - 100}]},
                "mark": {"type": "tick", "color": "black", "thickness": 3, "size": 48},
                "encoding": {"x": {"field": "x", "type": "quantitative"}},
            },
        ],
    }


def breakdown(page: Page, region: str) -> None:
    regions = page.prepared.regions.set_index("region_code")
    name = regions.loc[region, "region_name"]
    table, score, rounded, theme_ids = breakdown_frame(page, region)
    row = int(np.nonzero(page.prepared.regions["region_code"].to_numpy() == region)[0][0])
    if not np.isfinite(score):
        reason = page.result.reason(page.view)[row]
        st.markdown(f"### {name}: {reason}")
        if reason == INSUFFICIENT:
            st.write(
                f"Voor {name} heeft minder dan de helft van het gewicht cijfers. Hieronder staat wat er wel en niet is."
            )
        else:
            st.write(f"{name} heeft minder dan {page.definition.min_inwoners} inwoners; daar zegt een score weinig.")
    else:
        st.markdown(f"### {name}: {nl_number(score, 1)} · {band(score)}")
        alt_text = f"Staafdiagram: bijdrage van elk cijfer aan de score van {name}; de tabel hieronder geeft dezelfde bijdragen."
        st.vega_lite_chart(  # the description is the chart's accessible name
            accessible_spec(contribution_chart(page, table, score, rounded, theme_ids), alt_text), width="stretch"
        )
        st.caption(
            f"De bijdragen tellen op tot score − 100 = {signed(score - 100, 1)} (de zwarte streep). Rechts van de "
            "stippellijn trekt een cijfer de score omhoog, links omlaag. Wijs een stuk aan voor het cijfer erachter."
        )
    if page.view == TOTAL:
        parts = []
        for j, t in enumerate(page.definition.themes):
            v = page.result.theme_index[row, j]
            parts.append(f"{t.short_label} {nl_number(v, 1)}" if np.isfinite(v) else f"{t.short_label}: {INSUFFICIENT}")
        st.caption("Thema's: " + " · ".join(parts))
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=38 + 35 * len(table),
        column_config={
            "Thema": st.column_config.TextColumn(width="small"),
            "Cijfer": st.column_config.TextColumn(width="large"),
            "Genormaliseerd": st.column_config.TextColumn(
                "z", width="small", help="Genormaliseerde waarde: afstand tot het gemiddelde, hoger = beter."
            ),
            "Gewicht": st.column_config.TextColumn(width="small", help="Het deel van de score dat dit cijfer bepaalt."),
            "Bijdrage": st.column_config.TextColumn(
                width="small", help="10 × gewicht × genormaliseerde waarde, in punten."
            ),
        },
    )
    missing = page.result.missing_text(page.view)[row]
    if missing and np.isfinite(score):
        st.caption(
            f"Ontbreekt voor {name}: {missing}. Deze cijfers tellen niet mee; de andere wegen naar verhouding zwaarder."
        )
    if page.score_id == lbm_ui.SCORE_ID:
        lbm_ui.beside(region, name, page.gemeenten, page.year, page.level)


def method_panel(page: Page) -> None:
    with st.expander("Methode: zo wordt de score berekend", icon=":material/functions:"):
        # On this page the method is a section of its own (h2), not under a "Hoe de scores werken" as on Over.
        st.markdown(re.sub(r"(?m)^### ", "## ", method_markdown(page.definition, level=page.level)))
        table = score_indicator_table(page.definition, page.catalogue, formatted=True)
        st.dataframe(table, hide_index=True, width="stretch")
        st.caption(
            "'Aandeel in totaal' geldt als alle cijfers er zijn; ontbreekt er een, dan wegen de andere naar verhouding "
            "zwaarder (zie de tabel per " + page.unit + "). " + source_line(page)
        )


def stability_panel(page: Page) -> None:
    with st.expander("Hoe stevig is deze volgorde?", icon=":material/balance:"):
        s = stability(page.prepared, page.definition, page.view, 0.10, gemeenten=page.gemeenten)
        if s.regions == 0 or s.variants == 0:
            st.write("Er zijn geen scores om te vergelijken.")
            return
        st.write(
            f"We hebben elk gewicht één voor één 10% hoger en 10% lager gezet ({s.variants} varianten). "
            f"Dan wisselen **{s.changed_band} van de {s.regions} {page.units}** van klasse; de grootste verschuiving "
            f"in de ranglijst is **{s.max_rank_shift} {'plaats' if s.max_rank_shift == 1 else 'plaatsen'}**."
        )
        if s.changed_band == 0:
            st.write("De klassen hangen dus niet af van kleine keuzes in de gewichten.")
        else:
            names = page.prepared.regions.set_index("region_code")["region_name"]
            st.write("Van klasse wisselen: " + ", ".join(str(names[c]) for c in s.changed_regions) + ".")
        pw = s.per_weight.copy()
        pw["Gewicht van"] = [
            f"thema {page.definition.theme(t).short_label}" if k == "thema" else _label(page.catalogue, i)
            for k, t, i in zip(pw["kind"], pw["theme"], pw["indicator"], strict=True)
        ]
        st.dataframe(
            pw.rename(
                columns={
                    "changed_band": f"{page.units} die van klasse wisselen",
                    "max_rank_shift": "grootste verschuiving (plaatsen)",
                }
            )[["Gewicht van", f"{page.units} die van klasse wisselen", "grootste verschuiving (plaatsen)"]],
            hide_index=True,
            width="stretch",
        )


def download(page: Page) -> None:
    long = page.result.long(page.view)
    long = long[long["region_code"].isin(set(page.result.table(page.view, gemeenten=page.gemeenten)["region_code"]))]
    st.download_button(
        "Alle bijdragen downloaden (CSV)",
        data=to_csv_bytes(long),
        file_name=f"{page.score_id}_{page.level}_{page.year}.csv",
        mime="text/csv",
        icon=":material/download:",
        help="Per gebied en cijfer: waarde, genormaliseerde waarde, gewicht en bijdrage. Zo kunt u de som narekenen.",
    )


def sync_url(page: Page, region: str | None) -> None:
    if not selection.chosen_gemeenten():  # the sidebar did not run: keep the choice that came from the URL
        st.session_state.setdefault("wk_gemeenten", page.gemeenten)
        st.session_state.setdefault("wk_jaar", page.year)
    selection.sync_query(
        score=page.score_id,
        niveau=page.level,
        bekijk=page.view,
        methode=page.definition.method,
        vergelijk=page.definition.reference,
        definitie=page.saved_key or None,
        gebied=region,
    )


# --------------------------------------------------------------------------- for other pages


def region_scores(region_code: str, gemeenten: list[str], year: int, level: str) -> None:
    """Compact scores of one region with their breakdown one click away (for the Wijkprofiel page)."""
    catalogue = context.catalogue()
    values = context.values(gemeenten, [year], [level])
    store = context.get_store()
    for score_id, d in default_definitions().items():
        key = (
            str(store.data_dir),
            store.version(),
            tuple(sorted(gemeenten)),
            year,
            level,
            d.method,
            d.reference,
            _structure(d),
        )
        prepared = _prepared(key, values, d)
        if region_code not in set(prepared.regions["region_code"]):
            continue
        page = Page(score_id, level, year, gemeenten, d, d, prepared, combine(prepared, d), catalogue)
        row = int(np.nonzero(prepared.regions["region_code"].to_numpy() == region_code)[0][0])
        total = page.result.total[row]
        head = (
            f"{d.label}: {nl_number(total, 1)} ({band(total)})"
            if np.isfinite(total)
            else f"{d.label}: {page.result.reason()[row]}"
        )
        with st.expander(head):
            if d.proxy:
                st.caption("Benadering (proxy): " + d.caveat)
            breakdown(page, region_code)
