"""The page list: one place, so app.py stays a few lines and a new page is one row here."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[2]
# (file, title, icon, url path). A page appears once its file exists.
PAGES = [
    ("pages/start.py", "Start", ":material/home:", "start"),
    ("pages/kompas.py", "Kompas", ":material/explore:", "kompas"),
    ("pages/kaart.py", "Kaart", ":material/map:", "kaart"),
    ("pages/wijkprofiel.py", "Wijkprofiel", ":material/description:", "wijkprofiel"),
    ("pages/trends.py", "Trends", ":material/show_chart:", "trends"),
    ("pages/vergelijken.py", "Vergelijken", ":material/compare_arrows:", "vergelijken"),
    ("pages/scores.py", "Scores", ":material/leaderboard:", "scores"),
    ("pages/eigen_gegevens.py", "Eigen gegevens", ":material/upload_file:", "eigen-gegevens"),
    ("pages/presentatie.py", "Presentatie", ":material/slideshow:", "presentatie"),
    ("pages/over.py", "Over de gegevens", ":material/info:", "over"),
]


def pages() -> list:
    out = []
    for i, (path, title, icon, url) in enumerate(PAGES):
        if (ROOT / path).exists():
            out.append(st.Page(str(ROOT / path), title=title, icon=icon, url_path=url, default=(i == 0)))
    return out


def page_url(url_path: str, **params) -> str:
    """A relative link to another page with its state in the query string (for tables and HTML)."""
    from urllib.parse import urlencode

    query = urlencode({k: v for k, v in params.items() if v not in (None, "", [])}, doseq=True)
    return f"/{url_path}" + (f"?{query}" if query else "")
