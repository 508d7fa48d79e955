"""Accessibility helpers that are pure functions (no Streamlit): text alternatives for charts and
the colour arithmetic the palettes and styles are checked with.

Why a module of its own: WCAG 2.1 AA (EN 301 549) applies to every page and every export, and the
same rules (a chart has one text alternative, its marks are not read out one by one, text reaches
4.5:1) are needed by the screen charts, the profile export and the presentation.
"""

from __future__ import annotations

import copy


def accessible_spec(spec: dict, description: str) -> dict:
    """A Vega-Lite spec with one text alternative and its marks hidden from screen readers.

    Vega gives every mark group `role="graphics-symbol"`; an empty or unlabelled group is an
    'svg-img-alt' violation and a line of 30 points would be read out point by point. The chart's
    `description` becomes the `aria-label` of the whole SVG, and the table or text beside each chart
    carries the figures. Axes and legends are hidden from screen readers as well: Vega's own descriptions
    of them are English and the description says what they would. The input is not changed.
    """
    out = copy.copy(spec)
    out["description"] = description
    config = dict(out.get("config") or {})
    config["aria"] = False  # axes and legends too: Vega describes them in English ("X-axis for a linear scale …")
    config["mark"] = {**(config.get("mark") or {}), "aria": False}
    for mark in ("line", "point", "rule", "bar", "area", "text", "tick", "rect", "circle", "square", "trail"):
        if mark in config:  # a per-mark config would override the general one
            config[mark] = {**config[mark], "aria": False}
    out["config"] = config
    return out


# --------------------------------------------------------------------------- contrast (WCAG 2.1)


def _channel(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_color: str) -> float:
    """WCAG relative luminance of '#rrggbb'."""
    h = hex_color.lstrip("#")
    if len(h) == 3:
        h = "".join(ch * 2 for ch in h)
    r, g, b = (int(h[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 … 21); text needs 4.5, large text and graphics 3."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
