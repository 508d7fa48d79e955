"""Wijkkompas: the entry point. Navigation and the shared gemeente/year choice; no logic."""

import streamlit as st

from wijkkompas.ui.context import begin_request
from wijkkompas.ui.guard import page_guard
from wijkkompas.ui.navigation import pages
from wijkkompas.ui.selection import sidebar

st.set_page_config(page_title="Wijkkompas", page_icon="🧭", layout="wide")
page = st.navigation(pages())
with page_guard("de keuze van gemeente en jaar"):
    begin_request()
    sidebar()
page.run()
