"""Wijkprofiel: everything about one wijk (or buurt) for the wijkgesprek, also as PDF and HTML.

Reachable by link: ?gemeente=GM0164&regio=WK016401 (or a buurt code).
"""

import streamlit as st

from wijkkompas.ui import profiel
from wijkkompas.ui.guard import page_guard

st.title("Wijkprofiel")
st.write(
    "Alles over één wijk of buurt op een rij, vergeleken met de gemeente en Nederland. Ook als PDF voor het wijkgesprek."
)

with page_guard("het wijkprofiel"):
    code = profiel.choose_region()
    profile = profiel.load(code)
    profiel.header(profile)
    profiel.downloads(profile)
    profiel.standout(profile)
    profiel.figures(profile)
    profiel.notes(profile)
    profiel.scores(profile)
    profiel.trends(profile)
    profiel.buurten(profile)
    profiel.sources(profile)
