"""The app's own CSS on top of Streamlit's theme: muted text that still reaches WCAG 2.1 AA.

Streamlit draws captions, help texts and placeholders in the text colour at 60 % opacity
(#828180 on white: 3.9:1, below the 4.5:1 that WCAG 1.4.3 asks). The theme has no option for that
colour, so one small stylesheet sets it to MUTED (6.3:1 on white, 5.5:1 on the grey sidebar).
Injected once per page run from app.py; st.html with only a <style> takes no room on the page.
"""

from __future__ import annotations

import streamlit as st

MUTED = "#575a66"

CSS = f"""<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stFileUploaderDropzoneInstructions"] small,
[data-testid="stMarkdownContainer"] small,
[data-testid="stWidgetLabel"][disabled] p {{ color: {MUTED} !important; opacity: 1 !important; }}
input::placeholder, textarea::placeholder {{ color: {MUTED} !important; opacity: 1 !important; }}
</style>"""


def inject() -> None:
    """Add the stylesheet to this page run (call once, before the page draws)."""
    st.html(CSS)
