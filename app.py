"""Wijkkompas: the entry point. Navigation and the shared gemeente/year choice; no logic."""

import streamlit as st

from wijkkompas.ui.navigation import pages
from wijkkompas.ui.selection import sidebar

st.set_page_config(page_title="Wijkkompas", page_icon="🧭", layout="wide")
page = st.navigation(pages())
sidebar()
page.run()
