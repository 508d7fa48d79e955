"""Numbers and words the Dutch way (`12.345`, `3,7%`), for screens, tables and exports."""

from __future__ import annotations

import html
import math
import re

from wijkkompas.catalogue.catalogue import Indicator

MISSING_TEXT = {
    "geheim": "onbekend (geheim bij CBS)",
    "niet gepubliceerd": "niet gepubliceerd",
    "niet te berekenen": "niet te berekenen",
    "": "geen cijfer",
}


EURO_UNITS = {"euro": 1, "x 1 000 euro": 1000, "x 1000 euro": 1000}


def nl_number(value: float | int | None, decimals: int = 0) -> str:
    """1234.5 → '1.234,5'. None/NaN → '–' (callers that know why say so with `missing_text`)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{max(decimals, 0)}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_value(value: float | None, indicator: Indicator | None, *, with_unit: bool = True) -> str:
    decimals = indicator.decimals if indicator else 1
    text = nl_number(value, decimals)
    if (
        value is None
        or text == "–"
        or not with_unit
        or indicator is None
        or not indicator.unit
        or indicator.unit == "aantal"
    ):
        return text
    unit = indicator.unit
    if unit in EURO_UNITS:  # "274 x 1 000 euro" is CBS's table header, not how anyone says a price
        factor = EURO_UNITS[unit]
        return "€ " + nl_number(value * factor, max(decimals - len(str(factor)) + 1, 0))
    return f"{text}%" if unit == "%" else f"{text} {unit}"


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
