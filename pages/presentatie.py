"""Presentatie: compose a sequence of slides for the politieke markt, and present it full screen.

`?presentatie=<naam>&modus=presenteren` shows only the slides (no sidebar, no widgets); the arrow
keys, space or a clicker move between them without the server, so it also works offline.
"""

import streamlit as st

from wijkkompas.ui import presentatie as ui
from wijkkompas.ui.guard import page_guard

if ui.present_mode():
    with page_guard("de presentatie"):
        ui.present()
else:
    st.title("Presentatie")
    st.write(
        "Stel een reeks dia's samen voor bijvoorbeeld de politieke markt: kaarten, wijkprofielen, vergelijkingen en "
        "trends, elk met een titel en één zin. Presenteren gebeurt schermvullend, met grote letters, en werkt ook "
        "zonder internet."
    )
    with page_guard("de presentatie"):
        ui.open_from_url()
        ui.show_messages()
        ui.open_panel()
        pres = ui.draft()

        st.header("Dia's")
        ui.slide_list(pres)

        st.header("Dia toevoegen")
        ui.add_slide_form()

        if pres.slides:
            st.header("Voorbeeld")
            ui.preview(pres)

        st.header("Opslaan en presenteren")
        ui.save_panel(pres)
        ui.sync_url()
