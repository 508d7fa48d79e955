"""Kompas: which wijken or buurten need attention on which theme, and is it getting better or worse.
Also the signalen (rookmelder) between two years. All logic lives in wijkkompas.kompas and wijkkompas.ui.kompas."""

import streamlit as st

from wijkkompas.ui import kompas as ui
from wijkkompas.ui.guard import page_guard

st.title("Kompas")
st.write(
    "Per wijk of buurt en per thema in één oogopslag: urgent, aandacht, rond het gemiddelde of gunstig, en of het "
    "beter of slechter gaat. Klik op een cel voor de cijfers erachter."
)

with page_guard("het kompas"):
    choices = ui.choices()
    region = theme = None
    if choices.weergave == "signalen":
        ui.signalen_section(choices)
    else:
        view = ui.view_for(choices.gemeenten, choices.year, choices.level, choices.reference)
        ui.summary(view)
        clicked = ui.matrix(view, choices)
        st.header("De cijfers achter een cel")
        region, theme = ui.pick_cell(view, choices, clicked)
        if region:
            ui.cell_detail(view, region, theme)
        ui.downloads(view)
    ui.sync_url(choices, region, theme)
