"""A static map of a wijk and its buurten, drawn on the server (matplotlib via geopandas) as SVG.

pydeck maps live in the browser and cannot go into a PDF; a printed profile needs an image that
needs no internet and no basemap: the buurten outlined and named, the wijk's border, the
neighbouring wijken in grey for orientation.
"""

from __future__ import annotations

import io
import math
import re
import textwrap

import geopandas as gpd

from wijkkompas.profile import Header

WIJK_EDGE = "#1f4e79"
BUURT_FILL = "#deebf7"
CHOSEN_FILL = "#fdae6b"
CONTEXT_FILL = "#f2f2f2"


def pick_geometry_year(years: list[int], data_year: int) -> int | None:
    """The map year for the data year: the one rule of `mapdata.map_years_by_preference` (kept as a name
    for the callers here; a rule of its own drew other borders than Kaart and the presentation)."""
    from wijkkompas.mapdata import nearest_year

    return nearest_year(data_year, years)


def _wijk_of(code: str) -> str:
    return "WK" + code[2:8]


def region_map_svg(
    header: Header, buurten: gpd.GeoDataFrame, wijken: gpd.GeoDataFrame, *, size_cm: float = 8.5
) -> str | None:
    """SVG text of the map, or None when the wijk has no shape in the loaded map year."""
    # The object API, not pyplot: pyplot keeps global state, and Streamlit draws maps for several
    # sessions (and download threads) at once.
    import matplotlib.patheffects as pe
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    wijk_code = header.wijk_code or header.code
    wijk = wijken[wijken["region_code"] == wijk_code] if not wijken.empty else wijken
    own = buurten[buurten["region_code"].map(_wijk_of) == wijk_code] if not buurten.empty else buurten
    if wijk.empty and own.empty:
        return None
    shape = wijk if not wijk.empty else own
    minx, miny, maxx, maxy = shape.total_bounds
    pad = max(maxx - minx, maxy - miny) * 0.08
    aspect = 1 / max(0.2, math.cos(math.radians((miny + maxy) / 2)))  # degrees → roughly true shape

    with rc_context({"svg.fonttype": "none", "font.family": "DejaVu Sans", "svg.hashsalt": "wijkkompas"}):
        fig = Figure(figsize=(size_cm / 2.54, size_cm / 2.54))
        ax = fig.subplots()
        ax.set_aspect(aspect)
        if not wijken.empty:
            ctx = wijken.cx[minx - pad : maxx + pad, miny - pad : maxy + pad]
            if not ctx.empty:
                ctx.plot(ax=ax, facecolor=CONTEXT_FILL, edgecolor="#bdbdbd", linewidth=0.6)
        if not own.empty:
            chosen = own["region_code"] == header.code
            if (~chosen).any():
                own[~chosen].plot(ax=ax, facecolor=BUURT_FILL, edgecolor="#6b8fb3", linewidth=0.7)
            if chosen.any():
                own[chosen].plot(ax=ax, facecolor=CHOSEN_FILL, edgecolor="#a63603", linewidth=1.2)
            small = len(own) > 8
            for geom, name in zip(own.geometry, own["region_name"], strict=True):
                if geom is None or geom.is_empty:
                    continue
                p = geom.representative_point()
                label = "\n".join(textwrap.wrap(str(name), 14)[:3])
                ax.annotate(label, (p.x, p.y), ha="center", va="center", fontsize=5.5 if small else 6.5, color="#111",
                            path_effects=[pe.withStroke(linewidth=2.2, foreground="white")])  # fmt: skip
        if not wijk.empty:
            wijk.boundary.plot(ax=ax, color=WIJK_EDGE, linewidth=1.8)
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
        ax.set_axis_off()
        fig.subplots_adjust(0, 0, 1, 1)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
                    bbox_inches="tight", pad_inches=0.02)  # fmt: skip
    svg = buf.getvalue()
    # Only the <svg> element: no XML prolog, DOCTYPE or metadata (they carry URLs of w3.org/purl.org).
    svg = svg[svg.find("<svg") :]
    return re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
