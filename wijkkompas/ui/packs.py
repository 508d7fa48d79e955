"""Data packs on the Start page: install a pack on a laptop without internet, or make one at the office.

`pack_upload()` checks the whole pack before anything is written (checksums, names, versions) and
asks before replacing data that is newer on this computer. `pack_download()` makes a pack of the
chosen gemeenten. Both call the same pure functions as `python -m wijkkompas pack`.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from wijkkompas.errors import SourceError
from wijkkompas.pack import build_pack, import_pack, read_pack
from wijkkompas.ui import context, selection

KEY_UPLOAD = "pk_upload"
KEY_CONFIRM = "pk_confirm"
KEY_DONE = "pk_done"


@st.cache_data(show_spinner=False, max_entries=2)
def _read(data: bytes, name: str):
    """Checked once per uploaded file (a rerun does not re-verify every checksum)."""
    return read_pack(data, label=f"'{name}'")


def pack_upload() -> None:
    """Upload and install a data pack (for the Start page)."""
    done = st.session_state.pop(KEY_DONE, None)
    if done:
        st.success("Het gegevenspakket is geïnstalleerd.\n\n" + "\n".join(f"- {line}" for line in done))
    upload = st.file_uploader(
        "Gegevenspakket installeren",
        type=["zip", "wkpakket"],
        key=f"{KEY_UPLOAD}_{st.session_state.get(KEY_UPLOAD, 0)}",
        help="Een pakket gemaakt met 'Gegevenspakket maken' of 'python -m wijkkompas pack export'. Er is geen internet voor nodig.",
    )
    if upload is None:
        return
    data = upload.getvalue()
    try:
        pack = _read(data, upload.name)
    except SourceError as exc:
        st.error(str(exc))
        return
    st.info("\n\n".join(pack.lines()))
    store = context.get_store()
    try:
        from wijkkompas.pack import find_conflicts

        conflicts = find_conflicts(pack, store)
    except SourceError as exc:
        st.error(str(exc))
        return
    overwrite = False
    if conflicts:
        st.warning(
            "Op deze computer staan nieuwere gegevens dan in het pakket (of gegevens waarvan de leeftijd onbekend is):\n\n"
            + "\n".join(f"- {c.text}" for c in conflicts)
        )
        overwrite = st.checkbox("Ja, vervang ze door de gegevens uit het pakket", key=KEY_CONFIRM)
    if st.button(
        "Pakket installeren",
        type="primary",
        key="pk_install",
        disabled=bool(conflicts) and not overwrite,
        icon=":material/download:",
    ):
        try:
            result = import_pack(pack, store, overwrite=overwrite)
        except SourceError as exc:
            st.error(str(exc))
            return
        if not result.installed:
            st.warning("\n".join(result.lines()))
            return
        context.clear_caches()
        st.session_state[KEY_DONE] = result.lines()
        st.session_state[KEY_UPLOAD] = st.session_state.get(KEY_UPLOAD, 0) + 1  # a fresh, empty upload field
        st.rerun()


def pack_download() -> None:
    """Make a data pack of one or more loaded gemeenten, to carry to a laptop without internet."""
    names = selection.gemeente_names()
    if not names:
        st.caption("Er zijn nog geen gegevens geladen; een pakket maken kan daarna.")
        return
    chosen = st.multiselect(
        "Gemeenten in het pakket",
        list(names),
        default=[g for g in selection.chosen_gemeenten() if g in names] or list(names)[:1],
        format_func=lambda g: f"{names.get(g, g)} ({g})",
        key="pk_gemeenten",
    )
    if st.button("Gegevenspakket maken", key="pk_make", disabled=not chosen, icon=":material/inventory_2:"):
        try:
            data, summary = build_pack(context.get_store().data_dir, chosen)
        except SourceError as exc:
            st.error(str(exc))
            return
        st.session_state["pk_made"] = (data, "\n".join(f"- {line}" for line in summary.lines()), "-".join(chosen))
    made = st.session_state.get("pk_made")
    if made:
        data, lines, codes = made
        st.success("Het pakket is klaar:\n\n" + lines)
        st.download_button(
            "Pakket downloaden",
            data,
            file_name=f"wijkkompas-pakket-{codes}-{date.today():%Y%m%d}.zip",
            mime="application/zip",
            key="pk_download",
            on_click="ignore",
        )
