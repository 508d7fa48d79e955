"""The two ways to get data from the Start page: online from CBS/PDOK, or from a folder of files."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from wijkkompas.ingest import IngestReport, ingest
from wijkkompas.sources.errors import SourceError
from wijkkompas.ui import context


def _progress_bar(label: str):
    bar = st.progress(0.0, text=label)

    def update(message: str, fraction: float) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=message)

    return update


def _show_report(report: IngestReport) -> None:
    if report.loaded or report.geometry:
        st.success("Gegevens geladen:\n\n" + "\n".join(f"- {line}" for line in report.lines() if not line.startswith(("Let op", "Overgeslagen"))))
    for problem in report.problems:
        st.warning(problem)
    if report.skipped:
        with st.expander(f"{len(report.skipped)} bestanden of kolommen overgeslagen"):
            for s in report.skipped:
                st.write(f"- {s}")
    if not report.ok:
        st.error("Er is niets geladen. Lees de meldingen hierboven: die zeggen wat er mis is en wat u kunt doen.")


def _gemeente_codes(text: str) -> list[str]:
    return [c.strip().upper() for c in text.replace(";", ",").replace(" ", ",").split(",") if c.strip()]


def online_form() -> None:
    catalogue = context.catalogue()
    years = sorted(catalogue.kwb_years)
    with st.form("online"):
        codes = st.text_input(
            "Gemeentecode(s)", value="GM0164", help="GM met vier cijfers, gescheiden door komma's. Hengelo = GM0164, Enschede = GM0153, Almelo = GM0141."
        )
        chosen = st.multiselect("Jaren", years, default=years[-2:-1] or years[-1:])
        go = st.form_submit_button("Ophalen bij CBS en PDOK", type="primary")
    if go:
        store = context.get_store()
        try:
            from wijkkompas.fetch import fetch_online

            gm = _gemeente_codes(codes)
            raw = fetch_online(store, gm, chosen, progress=_progress_bar("Ophalen …"))
            report = ingest(raw, store, gm, chosen, progress=_progress_bar("Verwerken …"))
        except SourceError as exc:
            st.error(str(exc))
            return
        context.clear_caches()
        _show_report(report)


def folder_form(default: str = "") -> None:
    with st.form("folder"):
        folder = st.text_input("Map met CBS-bestanden", value=default, key="folder_path", help="Een map met KWB-tabellen (CSV of OData-JSON) en kaartbestanden (GeoJSON/TopoJSON).")
        codes = st.text_input("Gemeentecode(s)", value="GM0164, GM0153, GM0141", key="folder_codes")
        go = st.form_submit_button("Inlezen", type="primary")
    if go:
        store = context.get_store()
        path = Path(folder.strip()).expanduser()
        try:
            report = ingest(path, store, _gemeente_codes(codes), progress=_progress_bar("Inlezen …"))
        except SourceError as exc:
            st.error(str(exc))
            return
        context.clear_caches()
        _show_report(report)
