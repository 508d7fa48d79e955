"""File names of exports, one rule for the page's download and the CLI's batch, so a regisseur who
downloads a profile and a colleague who runs the batch get the same name for the same wijk."""

from __future__ import annotations

import re
import unicodedata


def file_slug(text: str) -> str:
    """'Wijk 01 Hengelose Es' → 'Wijk-01-Hengelose-Es': safe in file names on every system."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")[:60] or "gebied"


def profile_file_stem(code: str, name: str, year: int | None) -> str:
    return f"wijkprofiel_{code}_{file_slug(name)}_{year}"
