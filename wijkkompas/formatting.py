"""Numbers and words the Dutch way (`12.345`, `3,7%`), for screens, tables and exports."""

from __future__ import annotations

import html
import math
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from wijkkompas.catalogue.catalogue import Indicator

MISSING_TEXT = {
    "geheim": "onbekend (geheim bij CBS)",
    "niet gepubliceerd": "niet gepubliceerd",
    "niet te berekenen": "niet te berekenen",
    "": "geen cijfer",
}


AMSTERDAM = ZoneInfo("Europe/Amsterdam")
EURO_UNITS = {"euro": 1, "x 1 000 euro": 1000, "x 1000 euro": 1000}


def nl_number(value: float | int | None, decimals: int = 0) -> str:
    """1234.5 → '1.234,5'. None/NaN → '–' (callers that know why say so with `missing_text`)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{max(decimals, 0)}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_value(value: float | None, indicator: Indicator | None, *, with_unit: bool = True) -> str:
    decimals = indicator.decimals if indicator else 1
    if not with_unit or indicator is None:
        return nl_number(value, decimals)
    return format_with_unit(value, indicator.unit, decimals)


def format_with_unit(value: float | None, unit: str | None, decimals: int) -> str:
    """A value with its unit, for callers with or without a catalogue Indicator (maps, scores, uploads)."""
    text = nl_number(value, decimals)
    if value is None or text == "–" or not unit or unit in ("aantal", "code"):
        return text
    if unit in EURO_UNITS:  # "274 x 1 000 euro" is CBS's table header, not how anyone says a price
        factor = EURO_UNITS[unit]
        return "€ " + nl_number(value * factor, max(decimals - len(str(factor)) + 1, 0))
    return f"{text}%" if unit == "%" else f"{text} {unit}"


def nl_int(n: int) -> str:
    return nl_number(int(n), 0)


def signed(value: float | None, decimals: int = 1) -> str:
    """+2,3 / −1,4 / 0,0 — with a real minus sign, as in print; '–' when there is no number."""
    if value is None or not math.isfinite(value):
        return "–"
    text = nl_number(abs(value), decimals)
    if text == nl_number(0, decimals):
        return text
    return ("+" if value > 0 else "−") + text


def weight_text(w: float) -> str:
    """0.5 → '0,5', 1.0 → '1', 0.25 → '0,25': a weight as people write it."""
    text = nl_number(w, 2)
    return text.rstrip("0").rstrip(",") if "," in text else text


def nl_datetime(value: object) -> str:
    """An ISO time (or datetime) as '04-12-2026 21:30' in Dutch time, whatever the server's clock zone is."""
    if isinstance(value, datetime):
        dt = value
    else:
        if not value:
            return "onbekend"
        try:
            dt = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")


def missing_text(status: str | None) -> str:
    return MISSING_TEXT.get(status or "", status or "geen cijfer")


def source_label(table: object) -> str:
    """'CBS 85984NED' for a CBS table id; a named source as it is ('Leefbaarometer 3.0', 'CBS wijk- en buurtkaart')."""
    t = "" if table is None else str(table)
    return t if not t or " " in t else f"CBS {t}"


def esc(text: object) -> str:
    """Every name from data that reaches HTML goes through here."""
    return html.escape("" if text is None else str(text), quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~:=^&\"'])")


def md_escape(text: object) -> str:
    """Text from data or a person inside Markdown, every character literal: no HTML, links, emphasis,
    LaTeX or Streamlit directives such as `:red[...]` (each punctuation mark gets a backslash)."""
    return _MD_SPECIAL.sub(r"\\\1", "" if text is None else str(text))
