"""Start: what is loaded, where to go, how to get (more) data."""

import streamlit as st

from wijkkompas.ui import access, loading, packs, start
from wijkkompas.ui.guard import page_guard

st.title("Wijkkompas")
st.write("Alles wat bekend is over de buurten en wijken van uw gemeente, op één plek.")

with page_guard("de startpagina"):
    status = start.current_status()
    if status.empty:
        st.info(
            "Er zijn nog geen gegevens geladen. Kies hieronder hoe u ze wilt ophalen: online bij CBS en PDOK "
            "(internet nodig), of uit een map met bestanden die u eerder heeft gedownload."
        )
    else:
        start.render_status(status)
        st.caption("Kies links de gemeente(n) en het jaar; alle pagina's gebruiken die keuze.")
        start.render_shortcuts()

    with st.expander("Gegevens laden", expanded=status.empty):
        if access.beheer_only("gegevens laden"):
            online, folder, pack = st.tabs(
                ["Online ophalen bij CBS en PDOK", "Uit een map met bestanden", "Gegevenspakket (zonder internet)"]
            )
            with online:
                loading.online_form()
            with folder:
                loading.folder_form()
            with pack:
                packs.pack_upload()
    if not status.empty:
        with st.expander("Gegevenspakket maken (om zonder internet te werken)"):
            packs.pack_download()
        with st.expander("Opgeslagen bestanden controleren"):
            start.render_check()
