"""Eigen gegevens: the gemeente's and partners' own figures, checked in Dutch, then used like CBS figures."""

import streamlit as st

from wijkkompas.ui import access, context, selection
from wijkkompas.ui import eigen as ui
from wijkkompas.ui.guard import UserMessage, page_guard

st.title("Eigen gegevens")
st.write(
    "Voeg cijfers van de gemeente of van partners toe, zoals meldingen openbare ruimte, Wmo, jeugdhulp of "
    "huurachterstanden. Wijkkompas controleert het bestand eerst en zegt wat er niet klopt; pas als u op "
    "'Opslaan' klikt, worden de cijfers bewaard. Daarna staan ze overal in Wijkkompas, net als de CBS-cijfers."
)

with page_guard("de pagina Eigen gegevens"):
    ui.show_done()
    if context.get_store().is_empty():
        raise UserMessage(
            "Er zijn nog geen CBS-gegevens geladen, dus er zijn nog geen buurten en wijken om uw cijfers aan te koppelen. "
            "Ga naar Start en laad eerst gegevens."
        )
    ui.explain_format(selection.chosen_gemeenten(), selection.chosen_year())
    upload = ui.file_input() if access.beheer_only("eigen cijfers toevoegen") else None
    if upload is not None:
        table = ui.read_table(upload)
        analysis, base, detected = ui.analyse(upload, table)
        ui.choose_columns(table, analysis, detected)
        st.header("Controle")
        ui.show_report(analysis)
        ui.fix_mappings(base, analysis)
        ui.import_form(upload, analysis)

with page_guard("de lijst met ingelezen bestanden"):
    if not context.get_store().is_empty():
        ui.uploads_list()
