"""Small trend charts (Vega-Lite, as altair writes them) for the profile, and their SVG for print (vl-convert).

The same chart object is shown on the page and written into the HTML/PDF, so screen and paper agree.
Colours are fixed per role (the region dark blue, the gemeente orange, Nederland grey: distinguishable
with the common forms of colour blindness) and the legend is drawn once above the charts, not per chart.
"""

from __future__ import annotations

import base64
import functools
import textwrap

from wijkkompas.formatting import format_value
from wijkkompas.profile import Trend

ROLE_COLOURS = {"regio": "#1f4e79", "gemeente": "#d95f02", "nederland": "#7f7f7f"}
ROLES = list(ROLE_COLOURS)
BREAK_COLOUR = "#b2182b"
FONT = "DejaVu Sans"
VL_VERSION = None  # the vl-convert default


def _dutch_axis(decimals: int) -> str:
    """Vega label expression: 1,234.5 → 1.234,5 (works in the browser and in vl-convert alike)."""
    fmt = f",.{max(min(decimals, 1), 0)}~f"
    return (
        f"replace(replace(replace(format(datum.value, '{fmt}'), regexp(',', 'g'), ' '), "
        "regexp('\\\\.', 'g'), ','), regexp(' ', 'g'), '.')"
    )


ROLE_WORDS = {"regio": "", "gemeente": "gemeente ", "nederland": ""}


def trend_description(trend: Trend) -> str:
    """The text alternative of a trend chart: per line its first and last value, and the breaks.

    Screen readers get what a sighted reader takes from the chart at a glance (WCAG 1.1.1); the exact
    figures per year are in the tooltip and, for the region, in the key-figure table.
    """
    ind = trend.indicator
    parts = []
    pts = trend.points.dropna(subset=["value"])
    for (role, name), grp in pts.groupby(["role", "series"], sort=False):
        grp = grp.sort_values("year")
        first, last = grp.iloc[0], grp.iloc[-1]
        who = f"{ROLE_WORDS.get(str(role), '')}{name}"
        if len(grp) == 1:
            parts.append(f"{who}: {format_value(float(first['value']), ind)} in {int(first['year'])}")
        else:
            parts.append(
                f"{who}: van {format_value(float(first['value']), ind)} in {int(first['year'])} "
                f"naar {format_value(float(last['value']), ind)} in {int(last['year'])}"
            )
    text = f"Lijngrafiek {ind.label}. " + ("; ".join(parts) if parts else "geen cijfers") + "."
    if trend.breaks:
        text += " Breuk in de reeks: " + "; ".join(f"{y}: {r}" for y, r in trend.breaks) + "."
    return text


def trend_chart(trend: Trend, years: list[int] | None = None, *, width: int = 150, height: int = 90) -> dict:
    """A small line chart as a Vega-Lite spec: region, gemeente and Nederland; a red dashed rule at a break.

    Lines are split into segments at every break, so a line never suggests a figure for a year in which
    the region had no figure or another code. Written as the plain Vega-Lite dict that altair would
    produce: building it through altair's schema objects costs ~0.1 s per chart, too slow for a page
    with a dozen charts and a batch of forty PDFs. Show it with `st.vega_lite_chart` or
    `alt.LayerChart.from_dict`.
    """
    ind = trend.indicator
    pts = trend.points
    shown_years = sorted(set(years or []) | {int(y) for y in pts["year"]} | {y for y, _ in trend.breaks})
    pad = max(0.5, (max(shown_years) - min(shown_years)) * 0.12)  # room between the y axis and the first point
    data = [
        {
            "jaar": int(y),
            "value": float(v),
            "role": r,
            "series": str(name),
            "line": f"{r}-{int(seg)}",
            "label": format_value(float(v), ind),
        }
        for y, v, r, name, seg in zip(
            pts["year"], pts["value"], pts["role"], pts["series"], pts["segment"], strict=True
        )
    ]
    x = {
        "field": "jaar",
        "type": "quantitative",
        "title": None,
        "scale": {"domain": [min(shown_years) - pad, max(shown_years) + pad], "nice": False, "zero": False},
        "axis": {
            "values": shown_years,
            "format": "d",
            "labelAngle": 0,
            "grid": False,
            "labelFontSize": 9,
            "ticks": False,
        },
    }
    y = {
        "field": "value",
        "type": "quantitative",
        "title": None,
        "scale": {"zero": False, "nice": True},
        "axis": {"labelExpr": _dutch_axis(ind.decimals), "tickCount": 3, "labelFontSize": 9, "gridColor": "#e6e6e6"},
    }
    colour = {
        "field": "role",
        "type": "nominal",
        "legend": None,
        "scale": {"domain": ROLES, "range": [ROLE_COLOURS[r] for r in ROLES]},
    }
    dash = {
        "field": "role",
        "type": "nominal",
        "legend": None,
        "scale": {"domain": ROLES, "range": [[1, 0], [1, 0], [4, 3]]},
    }
    tooltip = [
        {"field": "series", "type": "nominal", "title": "Gebied"},
        {"field": "jaar", "type": "quantitative", "title": "Jaar", "format": "d"},
        {"field": "label", "type": "nominal", "title": ind.label},
    ]
    layers = [
        {
            "data": {"values": data},
            "mark": {"type": "line", "strokeWidth": 2},
            "encoding": {
                "x": x,
                "y": y,
                "color": colour,
                "detail": {"field": "line", "type": "nominal"},
                "strokeDash": dash,
            },
        },
        {
            "data": {"values": data},
            "mark": {"type": "point", "filled": True, "size": 28, "opacity": 1},
            "encoding": {"x": x, "y": y, "color": colour, "tooltip": tooltip},
        },
    ]
    if trend.breaks:
        br = [{"jaar": int(yr), "reden": r} for yr, r in trend.breaks]
        layers.append(
            {
                "data": {"values": br},
                "mark": {"type": "rule", "color": BREAK_COLOUR, "strokeDash": [3, 2], "strokeWidth": 1.2},
                "encoding": {
                    "x": {"field": "jaar", "type": "quantitative"},
                    "tooltip": [
                        {"field": "jaar", "type": "quantitative", "title": "Breuk in", "format": "d"},
                        {"field": "reden", "type": "nominal", "title": "Waarom"},
                    ],
                },
            }
        )
        layers.append(
            {
                "data": {"values": br},
                "mark": {
                    "type": "text",
                    "text": "breuk",
                    "color": BREAK_COLOUR,
                    "fontSize": 8,
                    "dy": -4,
                    "baseline": "bottom",
                    "align": "center",
                },
                "encoding": {"x": {"field": "jaar", "type": "quantitative"}, "y": {"value": 0}},
            }
        )
    unit = "" if ind.unit in ("aantal", "code") else ind.unit
    lines = textwrap.wrap(ind.label, 28)[:2]
    # Always three lines of heading (title + unit), so the plots of a row line up.
    subtitle = [unit or " "] + ([" "] if len(lines) == 1 else [])
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": width,
        "height": height,
        "title": {
            "text": lines,
            "subtitle": subtitle,
            "fontSize": 10,
            "subtitleFontSize": 9,
            "anchor": "start",
            "font": FONT,
            "subtitleFont": FONT,
            "subtitleColor": "#555",
        },
        "layer": layers,
        # One text alternative for the chart (the SVG's aria-label); marks are not read out one by one.
        "description": trend_description(trend),
        "config": {
            "view": {"strokeWidth": 0},
            "axis": {"labelFont": FONT, "domainColor": "#999", "tickColor": "#999"},
            "mark": {"aria": False},
            "aria": False,  # axes and legends: Vega describes them in English; the description covers them
        },
    }


@functools.lru_cache(maxsize=1)
def _converter():
    import vl_convert as vlc

    return vlc


def chart_svg(spec: dict) -> str:
    """Vector SVG of a chart, rendered without a browser (vl-convert bundles Vega and a JS engine)."""
    return _converter().vegalite_to_svg(spec)  # Dutch numbers come from the label expressions


def svg_data_uri(svg: str) -> str:
    """An <img src> for an SVG: self-contained, and its ids cannot clash with another chart's."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
