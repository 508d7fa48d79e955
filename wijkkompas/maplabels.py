"""Name labels on a map that never overlap: placed by priority at the map's opening zoom, the rest dropped.

deck.gl draws every label it is given, on top of each other where names crowd (its collision
extension is not available through Streamlit's JSON map). So the server decides: each label gets a
box in screen pixels at the zoom the map opens with (text width from the character count, the
outline around it), labels are taken in priority order (the largest area first: it has the most
room and is the most useful landmark) and a label whose box touches one already placed, or sticks
out of the map, is dropped. A dropped name is still in the tooltip and in the table.

The zoom fixes the scale, so the result holds for every canvas size; only labels near the edge of
a narrower map can be cut off, never overlap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

FONT_PX = 13  # the TextLayer's getSize
CHAR_EM = 0.56  # average advance of Source Sans 3 semibold (600), a little generous
OUTLINE_PX = 3  # the white halo around each label
GAP_PX = 2  # free space between two labels


def project(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """Web Mercator pixel position (512-px world at zoom 0, as deck.gl's MapView)."""
    scale = 512.0 * 2.0**zoom
    lat = max(min(lat, 85.0), -85.0)
    x = (lon + 180.0) / 360.0 * scale
    y = (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2 * scale
    return x, y


def label_box(label: dict, zoom: float, font_px: float = FONT_PX) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) in pixels of a centred one-line label {"p": [lon, lat], "t": text}."""
    x, y = project(float(label["p"][0]), float(label["p"][1]), zoom)
    half_w = len(str(label["t"])) * CHAR_EM * font_px / 2 + OUTLINE_PX
    half_h = font_px * 0.62 + OUTLINE_PX
    return x - half_w, y - half_h, x + half_w, y + half_h


def _touch(a: Sequence[float], b: Sequence[float], gap: float) -> bool:
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


def place_labels(
    labels: Sequence[dict], view: dict, *, width_px: int | None = None, height_px: int | None = None
) -> list[dict]:
    """The labels that fit, in the given (priority) order; overlapping or outside ones are dropped.

    `view`: the map's initial view (longitude, latitude, zoom). With `width_px`/`height_px` a label
    must lie inside a map of that size around the view's centre.
    """
    zoom = float(view.get("zoom", 10))
    cx, cy = project(float(view.get("longitude", 0)), float(view.get("latitude", 0)), zoom)
    placed: list[dict] = []
    boxes: list[tuple[float, float, float, float]] = []
    for label in labels:
        box = label_box(label, zoom)
        if (
            width_px
            and height_px
            and (
                box[0] < cx - width_px / 2
                or box[2] > cx + width_px / 2
                or box[1] < cy - height_px / 2
                or box[3] > cy + height_px / 2
            )
        ):
            continue
        if any(_touch(box, other, GAP_PX) for other in boxes):
            continue
        placed.append(label)
        boxes.append(box)
    return placed


def overlaps(labels: Sequence[dict], zoom: float) -> list[tuple[str, str]]:
    """Pairs of labels whose boxes overlap at this zoom (for tests and checks)."""
    boxes = [(str(lab["t"]), label_box(lab, zoom)) for lab in labels]
    return [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if _touch(a[1], b[1], 0.0)]
