"""The app's own CSS on top of Streamlit's theme: muted text that still reaches WCAG 2.1 AA.

Streamlit draws captions, help texts and placeholders in the text colour at 60 % opacity
(#828180 on white: 3.9:1, below the 4.5:1 that WCAG 1.4.3 asks). The theme has no option for that
colour, so one small stylesheet sets it to MUTED (6.3:1 on white, 5.5:1 on the grey sidebar).
Streamlit's file uploader has fixed English texts ("Upload", "200MB per file • CSV, …") and no option to
change them; CSS replaces what is shown (display:none takes the English out of the accessibility tree
too, and Chromium reads generated content as the button's name). The accepted types are in each
uploader's own label. Injected once per page run from app.py; st.html with only a <style> takes no room on the page.
"""

from __future__ import annotations

import streamlit as st

MUTED = "#575a66"
UPLOAD_MB = 200  # Streamlit's server.maxUploadSize (the default; no uploader here sets its own)

CSS = f"""<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stFileUploaderDropzoneInstructions"] small,
[data-testid="stMarkdownContainer"] small,
[data-testid="stWidgetLabel"][disabled] p {{ color: {MUTED} !important; opacity: 1 !important; }}
input::placeholder, textarea::placeholder {{ color: {MUTED} !important; opacity: 1 !important; }}
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p,
[data-testid="stFileUploaderDropzoneInstructions"] > div > span {{ display: none; }}
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"]::after {{
  content: "Bestand kiezen"; }}
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {{
  content: "of sleep het hierheen · hoogstens {UPLOAD_MB} MB"; color: {MUTED}; font-size: 0.875rem; }}
</style>"""


def inject() -> None:
    """Add the stylesheet to this page run (call once, before the page draws)."""
    st.html(CSS)
