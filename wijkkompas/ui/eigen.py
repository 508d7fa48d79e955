"""Eigen gegevens page pieces: upload, column choice, the Dutch report, fixing rows, metadata, the list.

Every step reruns the pure checks in `wijkkompas.userdata` (cached per file and choice), so what the
page shows is exactly what would be stored. Text from the file (names, headers) is escaped before it
reaches Markdown; tables show it as plain cells.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from wijkkompas.access import can_write
from wijkkompas.catalogue.catalogue import BETTER_VALUES, THEMES
from wijkkompas.errors import SourceError
from wijkkompas.formatting import md_escape
from wijkkompas.sources.user_file import UserTable, max_bytes
from wijkkompas.store import Store
from wijkkompas.ui import context, selection
from wijkkompas.ui.navigation import ROOT
from wijkkompas.userdata import (
    AGGREGATE_LABELS,
    BETTER_LABELS,
    SKIP,
    Analysis,
    Columns,
    IndicatorMeta,
    check_table,
    delete_upload,
    detect_columns,
    import_analysis,
    list_uploads,
    read_file,
)
from wijkkompas.userdata.analysis import code_from_label, preview, region_options
from wijkkompas.userdata.metadata import AGGREGATES
from wijkkompas.userdata.persist import raw_bytes
from wijkkompas.userdata.report import nl_int
from wijkkompas.userdata.service import inhabitants, options_of
from wijkkompas.userdata.template import template_csv

K = "eigen_"  # prefix of every session-state key of this page
NO_YEAR_COLUMN = "(geen: één jaar voor alle rijen)"
NOT_SAVED = "— niet opslaan —"
EDITOR_KEY = K + "koppelen"  # + a hash of the rows shown


@dataclass
class Upload:
    name: str
    data: bytes
    sha: str


# --------------------------------------------------------------------------- cached steps


@st.cache_data(show_spinner=False, max_entries=8)
def _read(sha: str, name: str, sheet: str | None, _data: bytes) -> UserTable:
    return read_file(_data, name, sheet)


@st.cache_data(show_spinner="Bestand controleren …", max_entries=16)
def _analyse(
    sha: str,
    sheet: str | None,
    columns: tuple,
    year: int | None,
    scope: tuple,
    overrides: tuple,
    threshold: int,
    version: str,
    data_dir: str,
    _table: UserTable,
    _data: bytes,
) -> Analysis:
    region, values, year_col, gemeente, name = columns
    cols = Columns(region=region, values=list(values), year=year_col, gemeente=gemeente, name=name)
    return check_table(
        _table,
        Store(data_dir),
        columns=cols,
        year=year,
        scope=list(scope),
        overrides=dict(overrides),
        privacy_threshold=threshold,
        data=_data,
    )


# --------------------------------------------------------------------------- intro


def explain_format(gemeenten: list[str], year: int | None) -> None:
    with st.expander("Hoe ziet een goed bestand eruit?"):
        st.markdown(
            "- Eén rij per **buurt** of **wijk**, met in een kolom de CBS-code (`BU01640101`, `WK016401`) of de naam.\n"
            "- Eén kolom per cijfer, met een kolomkop, bijvoorbeeld `meldingen openbare ruimte` of `huurachterstand (%)`.\n"
            "- Eventueel een kolom `jaar`. Anders kiest u het jaar hieronder.\n"
            "- CSV uit Excel (met `;` en decimale komma) of een Excel-werkmap (.xlsx). Titels boven de tabel, een "
            "totaalrij en lege regels mogen blijven staan.\n"
            "- Onbekende of afgeschermde cijfers mogen als `n.b.`, `-`, `<5` of `geheim` in het bestand staan: "
            "Wijkkompas bewaart ze als *onbekend*, met de reden, nooit als 0."
        )
        st.dataframe(
            pd.DataFrame(
                {
                    "buurtcode": ["BU01640100", "1640101", "BU01640102"],
                    "buurtnaam": ["Hengelose Es-Noord", "Tichelwerk", "…"],
                    "meldingen openbare ruimte": ["87", "<5", "1.234"],
                    "huurachterstand (%)": ["4,5", "n.b.", "3,1"],
                }
            ),
            hide_index=True,
        )
        if gemeenten:
            names = selection.gemeente_names()
            data = template_csv(context.regions(gemeenten), gemeenten, year)
            st.download_button(
                f"Sjabloon met alle buurten van {', '.join(names.get(g, g) for g in gemeenten)} (CSV)",
                data=data,
                file_name=f"sjabloon_buurten_{'_'.join(gemeenten)}.csv",
                mime="text/csv",
                icon=":material/download:",
            )


# --------------------------------------------------------------------------- file and choices


def _reset_file_state() -> None:
    for key in list(st.session_state.keys()):
        if (
            str(key).startswith(K)
            and key not in (K + "done", K + "uploader_n", K + "sha")
            and not str(key).startswith(K + "bestand_")
        ):
            del st.session_state[key]


def file_input() -> Upload | None:
    n = st.session_state.setdefault(K + "uploader_n", 0)
    up = st.file_uploader(
        "Kies een bestand (CSV of Excel)",
        type=["csv", "txt", "tsv", "xlsx", "xls"],
        key=f"{K}bestand_{n}",
        help=f"Hoogstens {int(max_bytes() / 1024 / 1024)} MB. Het bestand wordt eerst gecontroleerd; er wordt pas iets opgeslagen als u op 'Opslaan' klikt.",
    )
    if up is None:
        return None
    data = up.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    if st.session_state.get(K + "sha") != sha:
        _reset_file_state()
        st.session_state[K + "sha"] = sha
    return Upload(up.name, data, sha)


def read_table(upload: Upload) -> UserTable:
    """Read the file; with several sheets, let the user pick one."""
    table = _read(upload.sha, upload.name, st.session_state.get(K + "sheet"), upload.data)
    if len(table.sheets) > 1:
        st.selectbox(
            "Tabblad",
            table.sheets,
            index=table.sheets.index(table.sheet) if table.sheet in table.sheets else 0,
            key=K + "sheet",
            help="De werkmap heeft meer tabbladen. Kies het tabblad met de cijfers per buurt of wijk.",
        )
        if st.session_state.get(K + "sheet") not in (None, table.sheet):
            table = _read(upload.sha, upload.name, st.session_state[K + "sheet"], upload.data)
    return table


def _columns_from_state(table: UserTable, detected: Columns) -> Columns:
    region = st.session_state.get(K + "region_col", detected.region)
    if region not in table.columns:
        region = detected.region
    year_col = st.session_state.get(K + "year_col", detected.year or NO_YEAR_COLUMN)
    year_col = (
        None if year_col in (None, NO_YEAR_COLUMN) or year_col not in table.columns or year_col == region else year_col
    )
    values = st.session_state.get(K + "value_cols", detected.values)
    values = [v for v in values if v in table.columns and v not in (region, year_col)]
    return Columns(
        region=region,
        values=values,
        year=year_col,
        gemeente=detected.gemeente if detected.gemeente not in (region, year_col, *values) else None,
        name=detected.name if detected.name not in (region, year_col, *values) else None,
    )


def analyse(upload: Upload, table: UserTable, *, with_overrides: bool = True) -> tuple[Analysis, Analysis, Columns]:
    """(analysis with the user's fixes, analysis without them, detected columns)."""
    store = context.get_store()
    detected = _detect(upload.sha, table)
    cols = _columns_from_state(table, detected)
    key = (cols.region, tuple(cols.values), cols.year, cols.gemeente, cols.name)
    year = st.session_state.get(K + "year")
    scope = tuple(selection.chosen_gemeenten())
    threshold = int(st.session_state.get(K + "threshold", 50))
    version, data_dir = store.version(), str(store.data_dir)

    def run(overrides: tuple) -> Analysis:
        # a closure rather than **dict(...): mypy then checks every argument against _analyse's signature
        return _analyse(
            upload.sha,
            sheet=table.sheet,
            columns=key,
            year=year,
            scope=scope,
            overrides=overrides,
            threshold=threshold,
            version=version,
            data_dir=data_dir,
            _table=table,
            _data=upload.data,
        )

    base = run(())
    overrides = current_overrides(base)
    if not overrides or not with_overrides:
        return base, base, detected
    fixed = run(tuple(sorted(overrides.items())))
    return fixed, base, detected


def _detect(sha: str, table: UserTable) -> Columns:
    cache = st.session_state.setdefault(K + "detected", {})
    if (sha, table.sheet) not in cache:
        cache[(sha, table.sheet)] = detect_columns(table)
    return cache[(sha, table.sheet)]


def choose_columns(table: UserTable, analysis: Analysis, detected: Columns) -> None:
    """Column roles, year and privacy threshold; changes rerun the check."""
    cols = analysis.columns
    with st.expander("Kolommen, jaar en privacy", expanded=not cols.values):
        c1, c2 = st.columns(2)
        c1.selectbox(
            "Kolom met de buurt of wijk (code of naam)",
            table.columns,
            index=table.columns.index(cols.region),
            key=K + "region_col",
        )
        options = [c for c in table.columns if c != cols.region]
        c2.multiselect(
            "Kolommen met cijfers",
            options,
            default=[c for c in cols.values if c in options],
            key=K + "value_cols",
            help="Elke gekozen kolom wordt een eigen cijfer in Wijkkompas.",
        )
        year_options = [NO_YEAR_COLUMN, *[c for c in table.columns if c != cols.region]]
        c1.selectbox(
            "Kolom met het jaar",
            year_options,
            index=year_options.index(cols.year) if cols.year in year_options else 0,
            key=K + "year_col",
        )
        if cols.year is None:
            c2.number_input(
                "Jaar van de cijfers",
                min_value=1990,
                max_value=2100,
                step=1,
                value=int(analysis.year or 2024),
                key=K + "year",
            )
        c1.number_input(
            "Klein gebied: minder dan … inwoners",
            min_value=0,
            max_value=10_000,
            step=10,
            value=analysis.privacy_threshold,
            key=K + "threshold",
            help="Cijfers over zo weinig mensen kunnen herleidbaar zijn. U kiest bij Opslaan of u ze verbergt.",
        )


# --------------------------------------------------------------------------- the report


def show_report(analysis: Analysis) -> None:
    r = analysis.report
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Rijen gelezen", nl_int(r.n_rows))
    c2.metric("Gekoppeld", nl_int(r.n_matched))
    c3.metric("Nog niet gekoppeld", nl_int(r.n_problem_rows))
    c4.metric("Jaar", ", ".join(map(str, r.years)) or "–")
    for e in r.errors:
        st.error(md_escape(e), icon=":material/error:")
    if r.blocking:
        st.warning(
            f"{nl_int(r.n_problem_rows)} rijen kunnen nog niet aan een buurt of wijk worden gekoppeld. Kies hieronder per rij "
            "het goede gebied of 'niet opslaan'. U kunt ook alleen de rijen opslaan die kloppen.",
            icon=":material/rule:",
        )
    for w in r.warnings:
        st.warning(md_escape(w))
    if not r.errors and not r.blocking and r.n_matched:
        st.success(
            f"Alle {nl_int(r.n_matched)} rijen zijn gekoppeld. Controleer hieronder de gegevens over het cijfer en sla op."
        )
    with st.expander("Zo is het bestand gelezen"):
        st.markdown("\n".join(f"- {md_escape(line)}" for line in [*r.columns, *r.reading, *r.info]))
    with st.expander("Voorbeeld: de eerste rijen zoals ze worden opgeslagen"):
        st.dataframe(
            preview(analysis), hide_index=True, column_config={"Jaar": st.column_config.NumberColumn(format="%d")}
        )


def current_overrides(base: Analysis) -> dict[int, str]:
    """The user's fixes by file row: kept in session state, updated from the editor shown last run.

    The editor is keyed by the rows it shows; when that set changes (a fix creates a duplicate, say),
    a fresh editor starts, prefilled from these fixes, so no choice is lost or moved to another row.
    """
    out: dict[int, str] = dict(st.session_state.get(K + "overrides", {}))
    shown: tuple[int, ...] = st.session_state.get(K + "editor_rows", ())
    state = st.session_state.get(_editor_key(shown)) or {}
    for pos, change in (state.get("edited_rows") or {}).items():
        pos = int(pos)
        if pos >= len(shown) or "Koppelen aan" not in change:
            continue
        row, choice = shown[pos], change["Koppelen aan"]
        if choice in (None, ""):
            out.pop(row, None)
        elif choice == NOT_SAVED:
            out[row] = SKIP
        elif code_from_label(choice):
            out[row] = code_from_label(choice)  # type: ignore[assignment]
    st.session_state[K + "overrides"] = out
    return out


def _editor_key(rows: tuple[int, ...]) -> str:
    return f"{EDITOR_KEY}_{hashlib.sha1(repr(rows).encode()).hexdigest()[:10]}"


def fix_mappings(base: Analysis, analysis: Analysis) -> None:
    """The rows to fix: every row that had a problem as read, or has one after the fixes so far."""
    before = base.problem_rows().set_index("rij")
    now = analysis.problem_rows().set_index("rij")
    overrides: dict[int, str] = st.session_state.get(K + "overrides", {})
    texts = dict(zip(analysis.rows["row"].tolist(), analysis.rows["text"].astype(str).tolist(), strict=True))
    rows = tuple(sorted(set(before.index) | set(now.index) | {r for r in overrides if r in texts}))
    if not rows:
        return
    names = analysis.names
    st.subheader("Rijen die nog niet kloppen" if len(now) else "Rijen die u heeft gekoppeld")
    st.caption(
        "Kies bij 'Koppelen aan' het goede gebied, of 'niet opslaan'. 'Bedoelt u' is het gebied dat er het meest op lijkt."
    )
    open_with = [r for r in rows if r in now.index and now.loc[r, "suggestie"] and r not in overrides]
    if open_with:

        def accept_all() -> None:
            fixes = dict(st.session_state.get(K + "overrides", {}))
            fixes.update({r: str(now.loc[r, "suggestie"]) for r in open_with})
            st.session_state[K + "overrides"] = fixes

        label = (
            "De suggestie overnemen" if len(open_with) == 1 else f"Alle {nl_int(len(open_with))} suggesties overnemen"
        )
        st.button(label, on_click=accept_all, icon=":material/done_all:")

    def status(r: int) -> str:
        if r in now.index:
            return str(now.loc[r, "probleem"])
        return "wordt niet opgeslagen" if overrides.get(r) == SKIP else "gekoppeld"

    def source(r: int, column: str) -> str:
        for table in (now, before):
            if r in table.index:
                return str(table.loc[r, column])
        return texts.get(r, "") if column == "in het bestand" else ""

    def chosen(r: int) -> str | None:
        if r not in overrides:
            return None
        return NOT_SAVED if overrides[r] == SKIP else f"{names.get(overrides[r], '')} ({overrides[r]})"

    frame = pd.DataFrame(
        {
            "Rij": list(rows),
            "In het bestand": [source(r, "in het bestand") for r in rows],
            "Probleem": [status(r) for r in rows],
            "Bedoelt u": [source(r, "bedoelt u") for r in rows],
            "Koppelen aan": [chosen(r) for r in rows],
        }
    )
    options = [NOT_SAVED, *region_options(analysis, selection.chosen_gemeenten())]
    options += [c for c in frame["Koppelen aan"].dropna() if c not in options]
    st.session_state[K + "editor_rows"] = rows
    st.data_editor(
        frame,
        key=_editor_key(rows),
        hide_index=True,
        placeholder="kies …",
        disabled=["Rij", "In het bestand", "Probleem", "Bedoelt u"],
        column_config={
            "Rij": st.column_config.NumberColumn(format="%d", width="small"),
            "In het bestand": st.column_config.TextColumn(width="medium"),
            "Probleem": st.column_config.TextColumn(width="large"),
            "Bedoelt u": st.column_config.TextColumn(width="medium"),
            "Koppelen aan": st.column_config.SelectboxColumn(options=options, width="medium", help="Typ om te zoeken."),
        },
    )


# --------------------------------------------------------------------------- metadata and import


def _meta_fields(meta: IndicatorMeta, prefix: str) -> IndicatorMeta:
    label = st.text_input("Naam van het cijfer", value=meta.label, max_chars=120, key=prefix + "label")
    c1, c2 = st.columns(2)
    unit = c1.text_input(
        "Eenheid", value=meta.unit, key=prefix + "unit", help="Bijvoorbeeld aantal, %, per 1.000 inwoners, euro."
    )
    themes = list(THEMES)
    theme = c2.selectbox(
        "Thema",
        themes,
        index=themes.index(meta.theme) if meta.theme in themes else themes.index("eigen"),
        format_func=lambda t: THEMES[t],  # options are THEMES' own keys
        key=prefix + "theme",
    )
    better = c1.radio(
        "Wat is gunstig?",
        list(BETTER_VALUES),
        index=list(BETTER_VALUES).index(meta.better),
        format_func=BETTER_LABELS.get,
        key=prefix + "better",
    )
    aggregate = c2.radio(
        "Wijk- en gemeentecijfers uit de buurten",
        list(AGGREGATES),
        index=list(AGGREGATES).index(meta.aggregate),
        format_func=AGGREGATE_LABELS.get,
        key=prefix + "aggregate",
        help="Alleen als alle buurten van een wijk een cijfer hebben. Anders blijft het wijkcijfer onbekend.",
    )
    source = c1.text_input("Bron (organisatie)", value=meta.source, key=prefix + "source")
    decimals = c2.number_input("Decimalen", min_value=0, max_value=4, value=int(meta.decimals), key=prefix + "decimals")
    definition = st.text_area(
        "Wat betekent het cijfer?",
        value=meta.definition,
        key=prefix + "definition",
        height=68,
        placeholder="Bijvoorbeeld: het aantal meldingen over de openbare ruimte in 2024, per buurt.",
    )
    return IndicatorMeta(
        column=meta.column,
        label=label.strip(),
        unit=unit.strip(),
        theme=theme,
        better=better,
        source=source.strip(),
        year=meta.year,
        definition=definition.strip(),
        aggregate=aggregate,
        decimals=int(decimals),
    )


def import_form(upload: Upload, analysis: Analysis) -> None:
    r = analysis.report
    st.subheader("Gegevens over het cijfer en opslaan")
    if not r.can_import(partial=True):
        st.info("Er is nog niets om op te slaan. Lees de meldingen hierboven: die zeggen wat er mis is.")
        return
    store = context.get_store()
    uploads = list_uploads(store)
    same = next((u for u in uploads if u.sha256 == upload.sha and u.sheet == analysis.table.sheet), None)
    prefix = f"{K}meta_{upload.sha[:8]}_"
    with st.form(K + "opslaan"):
        metas = {}
        items = list(analysis.metas.items())
        tabs = (
            st.tabs([f"Cijfer {i + 1}: {m.label[:40]}" for i, (_c, m) in enumerate(items)])
            if len(items) > 1
            else [st.container()]
        )
        for i, (tab, (col, meta)) in enumerate(zip(tabs, items, strict=True)):
            with tab:
                st.caption(f"Uit kolom '{md_escape(col)}'.")
                metas[col] = _meta_fields(meta, f"{prefix}{i}_")
        hide = True
        if not analysis.privacy.empty:
            hide = st.checkbox(
                f"Verberg de cijfers van de {nl_int(len(analysis.privacy))} gebieden met minder dan "
                f"{nl_int(analysis.privacy_threshold)} inwoners op kaarten en in downloads",
                value=True,
                key=prefix + "hide",
            )
        ids = [None, *[u.id for u in uploads]]
        by_id = {u.id: u for u in uploads}
        replace = st.selectbox(
            "Nieuw bestand, of een nieuwe versie van een eerder bestand?",
            ids,
            index=ids.index(same.id) if same else 0,
            format_func=lambda i: (
                "Nieuw bestand" if i is None else f"Vervangt '{by_id[i].file_name}' ({by_id[i].uploaded[:10]})"
            ),
            key=prefix + "replace",
        )
        partial = False
        if r.blocking:
            partial = st.checkbox(
                f"Alleen de {nl_int(r.n_matched)} rijen opslaan die kloppen ({nl_int(r.n_problem_rows)} rijen overslaan)",
                key=prefix + "partial",
            )
        go = st.form_submit_button("Opslaan in Wijkkompas", type="primary", icon=":material/save:")
    if not go:
        return
    if r.blocking and not partial:
        st.error(
            "Niets opgeslagen: er zijn nog rijen die niet kloppen. Verbeter ze hierboven, of vink aan dat u alleen de goede rijen wilt opslaan."
        )
        return
    overrides = st.session_state.get(K + "overrides", {})
    try:
        saved = import_analysis(
            store,
            analysis,
            upload.data,
            metas,
            partial=partial,
            hide_small=hide,
            replace=replace,
            inwoners=inhabitants(store),
            options=options_of(analysis, overrides, st.session_state.get(K + "year")),
        )
    except SourceError as exc:
        st.error(str(exc))
        return
    context.clear_caches()
    st.session_state[K + "done"] = {
        "file": saved.file_name,
        "rows": saved.imported_rows,
        "years": saved.years,
        "indicators": [(m.id, m.label) for m in saved.indicators],
    }
    _reset_file_state()
    st.session_state.pop(K + "sha", None)
    st.session_state[K + "uploader_n"] = st.session_state.get(K + "uploader_n", 0) + 1
    st.rerun()


def show_done() -> None:
    done = st.session_state.get(K + "done")
    if not done:
        return
    labels = ", ".join(f"'{md_escape(label)}'" for _i, label in done["indicators"])
    st.success(
        f"Opgeslagen: {labels} uit '{md_escape(done['file'])}', {nl_int(done['rows'])} rijen, jaar {', '.join(map(str, done['years']))}. "
        "U vindt de cijfers nu op de kaart, in de wijkprofielen, bij trends, vergelijken en scores.",
        icon=":material/check_circle:",
    )
    if (ROOT / "pages/kaart.py").exists() and done["indicators"]:
        st.page_link(
            str(ROOT / "pages/kaart.py"),
            label="Bekijk op de kaart",
            icon=":material/map:",
            query_params={"indicator": done["indicators"][0][0], "jaar": str(done["years"][-1])},
        )


# --------------------------------------------------------------------------- list, delete


def uploads_list() -> None:
    store = context.get_store()
    uploads = list_uploads(store)
    st.header("Ingelezen bestanden")
    if not uploads:
        st.caption("Er zijn nog geen eigen gegevens ingelezen.")
        return
    st.caption(
        "Een nieuwe versie van een bestand? Lees het hierboven in en kies bij Opslaan welk bestand het vervangt."
    )
    for up in uploads:
        with st.container(border=True):
            left, right = st.columns([5, 1])
            left.markdown(
                f"**{md_escape(up.file_name)}**"
                + (f" — tabblad {md_escape(up.sheet)}" if up.sheet else "")
                + f" · ingelezen {up.uploaded[8:10]}-{up.uploaded[5:7]}-{up.uploaded[:4]} · jaar {', '.join(map(str, up.years))}"
                + f" · {nl_int(up.regions)} gebieden"
            )
            left.caption(
                "Cijfers: " + "; ".join(f"{md_escape(m.label)} ({m.unit or 'geen eenheid'})" for m in up.indicators)
            )
            notes = []
            if up.partial:
                notes.append(f"gedeeltelijk opgeslagen: {nl_int(up.imported_rows)} van {nl_int(up.rows)} rijen")
            if up.privacy.get("flagged"):
                how = "verborgen" if up.privacy.get("hide") else "zichtbaar"
                notes.append(
                    f"{up.privacy['flagged']} kleine gebieden (< {up.privacy.get('threshold')} inwoners) {how}"
                )
            if notes:
                left.caption("; ".join(notes).capitalize())
            data = raw_bytes(store, up)
            if data is not None:
                right.download_button(
                    "Origineel", data=data, file_name=up.file_name, key=f"{K}dl_{up.id}", icon=":material/download:"
                )
            if can_write() and right.button("Verwijderen", key=f"{K}del_{up.id}", icon=":material/delete:"):
                st.session_state[K + "confirm"] = up.id
            if st.session_state.get(K + "confirm") == up.id:
                st.warning(
                    f"'{md_escape(up.file_name)}' en de cijfers eruit verwijderen? De CBS-cijfers en andere bestanden blijven staan."
                )
                yes, no = st.columns(2)
                if yes.button("Ja, verwijderen", key=f"{K}yes_{up.id}", type="primary"):
                    try:
                        delete_upload(store, up.id)
                    except SourceError as exc:
                        st.error(str(exc))
                        return
                    st.session_state.pop(K + "confirm", None)
                    st.session_state.pop(K + "done", None)
                    context.clear_caches()
                    st.rerun()
                if no.button("Nee", key=f"{K}no_{up.id}"):
                    st.session_state.pop(K + "confirm", None)
                    st.rerun()
