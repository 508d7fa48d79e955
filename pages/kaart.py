"""Kaart: any indicator per buurt or wijk, any year — where in the gemeente does a theme play?

Shareable: ?gemeente=GM0164&jaar=2024&niveau=buurt&indicator=aandeel_65plus&classificatie=quantiles&klassen=5
A score is one more choice in the picker: indicator=score.veerkracht (total) or score.veerkracht.zorg (a theme).
"""

import streamlit as st

from wijkkompas.ui import kaart
from wijkkompas.ui.guard import page_guard

st.title("Kaart")
st.write("Waar in de gemeente speelt een thema? Kies een cijfer: de kaart kleurt elke buurt of wijk.")

with page_guard("de kaart"):
    state = kaart.choose()
    result = kaart.build(state)
    kaart.notices(state, result)
    left, right = st.columns([11, 9], gap="medium")
    with right:
        kaart.table(state, result)
        region = kaart.choose_region(state, result)
    with left:
        kaart.draw(state, result)
        kaart.gaps(state, result)
    kaart.score_breakdown(state, result, region)
    kaart.downloads(state, result)
    kaart.source(state, result)
    kaart.sync(state, region)
