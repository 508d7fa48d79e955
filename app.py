"""Wijkkompas: the entry point. Navigation and the shared gemeente/year choice; no logic."""

import streamlit as st

from wijkkompas import oplog
from wijkkompas.ui import access, styles
from wijkkompas.ui.context import begin_request
from wijkkompas.ui.guard import page_guard, page_run
from wijkkompas.ui.navigation import pages
from wijkkompas.ui.selection import sidebar

st.set_page_config(page_title="Wijkkompas", page_icon="🧭", layout="wide")
oplog.configure()
styles.inject()  # muted text at WCAG AA contrast (ui/styles.py)
page = st.navigation(pages())
with page_run(page.title):
    with page_guard("de keuze van gemeente en jaar"):
        access.begin()
        begin_request()
        sidebar()
        access.sidebar_badge()
    page.run()
