"""The two ways to get data from the Start page: online from CBS/PDOK, or from a folder of files."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from wijkkompas.errors import SourceError
from wijkkompas.ingest import IngestReport, ingest
from wijkkompas.ui import context


def _progress_bar(label: str):
    bar = st.progress(0.0, text=label)

    def update(message: str, fraction: float) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=message)

    return update


def _show_report(report: IngestReport) -> None:
    if report.loaded or report.geometry:
        st.success(
            "Gegevens geladen:\n\n"
            + "\n".join(f"- {line}" for line in report.lines() if not line.startswith(("Let op", "Overgeslagen")))
        )
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


PART_LABELS = {
    "kwb": "Kerncijfers wijken en buurten (CBS)",
    "crime": "Geregistreerde misdrijven (politie)",
    "lbm": "Leefbaarometer (Rijk)",
    "maps": "Kaarten (PDOK)",
}
RETRY_KEY = "online_fetch_retry"


def _fetch(store, gemeenten, years, progress, **kwargs):
    """The online fetch (a seam for tests, which give it sources that answer from fixtures)."""
    from wijkkompas.fetch import fetch_online

    return fetch_online(store, gemeenten, years, progress=progress, **kwargs)


def _one_bar(label: str):
    """One progress bar for download and ingest: downloading is the first 85 %, processing the rest."""
    bar = st.progress(0.0, text=label)

    def scaled(lo: float, hi: float):
        def update(message: str, fraction: float) -> None:
            bar.progress(min(max(lo + (hi - lo) * fraction, 0.0), 1.0), text=message)

        return update

    return scaled(0.0, 0.85), scaled(0.85, 1.0)


def _show_fetch(report) -> None:
    """What was fetched, reused, not available or failed, per year, in plain Dutch."""
    lines = report.lines()
    done = [line for line in lines if line[:4].isdigit()]
    notes = [line for line in lines if not line[:4].isdigit() and not line.startswith("Mislukt")]
    failed = [line for line in lines if line.startswith("Mislukt")]
    if done:
        st.success("Opgehaald:\n\n" + "\n".join(f"- {line}" for line in done))
    for line in notes:
        st.info(line)
    if failed:
        st.warning(
            "Niet gelukt (de rest is wel opgehaald):\n\n"
            + "\n".join(f"- {line.removeprefix('Mislukt — ')}" for line in failed)
        )
    with st.expander("Per jaar en onderdeel"):
        st.dataframe(report.rows(), hide_index=True, width="stretch")
    st.caption(
        f"De gedownloade bestanden staan in {report.raw}. Wat er al is, wordt de volgende keer niet opnieuw "
        "gedownload; een onderbroken ophaalactie gaat verder waar hij was."
    )


def _run(gm: list[str], years: list[int], parts: list[str], *, only=None, refresh: bool = False) -> None:
    store = context.get_store()
    fetch_bar, ingest_bar = _one_bar("Ophalen …")
    try:
        report = _fetch(store, gm, years, fetch_bar, parts=parts, only=only, refresh=refresh)
    except SourceError as exc:
        st.session_state.pop(RETRY_KEY, None)
        st.error(str(exc))
        return
    failed = [t.key for t in report.failed]
    if failed:
        st.session_state[RETRY_KEY] = {"gemeenten": gm, "years": years, "parts": parts, "only": failed}
    else:
        st.session_state.pop(RETRY_KEY, None)
    _show_fetch(report)
    try:
        loaded = ingest(report.raw, store, gm, years, progress=ingest_bar)
    except SourceError as exc:
        st.error(str(exc))
        return
    context.clear_caches()
    _show_report(loaded)


def online_form() -> None:
    catalogue = context.catalogue()
    years = sorted(catalogue.kwb_years)
    with st.form("online"):
        codes = st.text_input(
            "Gemeentecode(s)",
            value="GM0164",
            help="GM met vier cijfers, gescheiden door komma's. Hengelo = GM0164, Enschede = GM0153, Almelo = GM0141.",
        )
        chosen = st.multiselect("Jaren", years, default=years[-2:-1] or years[-1:])
        parts = st.multiselect(
            "Wat ophalen",
            list(PART_LABELS),
            default=list(PART_LABELS),
            format_func=PART_LABELS.__getitem__,
            key="online_parts",
        )
        refresh = st.checkbox(
            "Alles opnieuw downloaden",
            value=False,
            help="Standaard gebruikt Wijkkompas bestanden die al zijn gedownload opnieuw.",
        )
        go = st.form_submit_button("Ophalen bij CBS en PDOK", type="primary")
    if go:
        if not parts:
            st.warning("Kies bij 'Wat ophalen' minstens één onderdeel.")
            return
        _run(_gemeente_codes(codes), list(chosen), list(parts), refresh=refresh)
    retry = st.session_state.get(RETRY_KEY)
    if retry:
        n = len(retry["only"])
        label = f"Opnieuw proberen wat niet lukte ({n} {'onderdeel' if n == 1 else 'onderdelen'})"
        slot = st.empty()
        if slot.button(label, key="online_retry", help="Alleen wat mislukte wordt opnieuw gedownload."):
            slot.empty()  # the button goes; what the retry did comes in its place
            _run(retry["gemeenten"], retry["years"], retry["parts"], only=retry["only"])


def folder_form(default: str = "") -> None:
    with st.form("folder"):
        folder = st.text_input(
            "Map met CBS-bestanden",
            value=default,
            key="folder_path",
            help="Een map met KWB-tabellen (CSV of OData-JSON) en kaartbestanden (GeoJSON/TopoJSON).",
        )
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
