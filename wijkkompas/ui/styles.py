"""The app's own CSS on top of Streamlit's theme, and Dutch for Streamlit's fixed English texts.

Streamlit draws captions, help texts and placeholders in the text colour at 60 % opacity
(#828180 on white: 3.9:1, below the 4.5:1 that WCAG 1.4.3 asks). The theme has no option for that
colour, so one small stylesheet sets it to MUTED (6.9:1 on white, 6.1:1 on the grey sidebar). The
label of a widget that is switched off (#acabaa, 2.3:1) gets it too: the control looks off, but its
name stays readable.

Streamlit's file uploader and help icons have fixed English texts ("Upload", "200MB per file • CSV",
"Help for …") and no option to change them. A few lines of script replace those texts in the page
itself (a MutationObserver, so widgets drawn later are translated too): the visible text and what a
screen reader announces stay the same words, which CSS `content` could not do (WCAG 2.5.3). The script
is static, contains no data and only rewrites these known strings.

Injected once per page run from app.py; st.html with only <style>/<script> takes no room on the page.
"""

from __future__ import annotations

import streamlit as st

MUTED = "#575a66"

CSS = f"""<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stFileUploaderDropzoneInstructions"] span,
[data-testid="stMarkdownContainer"] small,
[data-testid="stWidgetLabel"][disabled] p {{ color: {MUTED} !important; opacity: 1 !important; }}
[data-testid="stSidebarUserContent"] [data-testid="stElementContainer"]:has(> [data-testid="stHtml"] > script:only-child) {{
  display: none; }}
input::placeholder, textarea::placeholder {{ color: {MUTED} !important; opacity: 1 !important; }}
</style>"""

# Exact English strings of Streamlit 1.67 → Dutch. Patterns keep the variable part (size, file types, label).
DUTCH_JS = r"""<script>
(() => {
  const doc = window.parent && window.parent.document ? window.parent.document : document;
  if (doc.__wkDutch) return; doc.__wkDutch = true;
  const texts = {"Upload": "Bestand kiezen", "Drag and drop file here": "Sleep een bestand hierheen",
                 "Drag and drop a file here": "Sleep een bestand hierheen", "Drag and drop files here": "Sleep bestanden hierheen"};
  const fix = () => {
    doc.querySelectorAll('[data-testid="stFileUploaderDropzone"] p, [data-testid="stFileUploaderDropzone"] span').forEach(el => {
      if (el.children.length) return;
      const t = el.textContent;
      if (texts[t]) el.textContent = texts[t];
      const m = /^(\d+)\s*MB per file(.*)$/.exec(t);
      if (m) el.textContent = `Hoogstens ${m[1]} MB per bestand${m[2]}`;
    });
    doc.querySelectorAll('[data-testid="stFileUploaderDropzoneInput"][aria-label="file upload"]').forEach(
      el => el.setAttribute("aria-label", "Bestand kiezen"));
    doc.querySelectorAll('button[aria-label^="Help for "]').forEach(
      el => el.setAttribute("aria-label", "Uitleg bij " + el.getAttribute("aria-label").slice(9)));
  };
  let queued = false;
  new MutationObserver(() => { if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; fix(); }); } })
    .observe(doc.body, {childList: true, subtree: true, characterData: true});
  fix();
})();
</script>"""


def inject() -> None:
    """Add the stylesheet and the Dutch texts to this page run (call once, before the page draws)."""
    st.html(CSS)  # style only: Streamlit puts it out of the layout
    # The script needs an element of its own; in the sidebar it is out of the way of the page's content
    # (and of tests that wait for the first element of the main area).
    st.sidebar.html(DUTCH_JS, unsafe_allow_javascript=True)
