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


SCALE_STEPS_M = (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000)


def scale_bar_length(width_m: float) -> int:
    """A round scale-bar length of at most a quarter of the map width (metres)."""
    fitting = [m for m in SCALE_STEPS_M if m <= width_m / 4]
    return fitting[-1] if fitting else SCALE_STEPS_M[0]


def scale_label(metres: int) -> str:
    return (
        f"{metres // 1000} km"
        if metres >= 1000 and metres % 1000 == 0
        else (f"{metres / 1000:.1f} km".replace(".", ",") if metres >= 1000 else f"{metres} m")
    )


def _frame_north_and_scale(ax, x0: float, x1: float, y0: float, y1: float) -> None:
    """A thin frame (the map is north-up), a north arrow top right and a scale bar bottom left.

    The map is in degrees with the aspect corrected for the latitude, so one degree of longitude is
    111.32 km × cos(latitude) wide: exact enough for a bar at the scale of a wijk.
    """
    import matplotlib.patheffects as pe

    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")  # geopandas names the CRS axes ("Geodetic longitude [degree]")
    ax.set_ylabel("")
    halo = [pe.withStroke(linewidth=2.4, foreground="white")]
    for spine in ax.spines.values():
        spine.set_edgecolor("#555555")
        spine.set_linewidth(0.6)
    lat = (y0 + y1) / 2
    m_per_deg = 111_320 * math.cos(math.radians(lat))
    length = scale_bar_length((x1 - x0) * m_per_deg)
    deg = length / m_per_deg
    bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.05
    tick = (y1 - y0) * 0.012
    ax.plot([bx, bx + deg], [by, by], color="#111", linewidth=1.6, solid_capstyle="butt", path_effects=halo)
    for x in (bx, bx + deg):
        ax.plot([x, x], [by - tick, by + tick], color="#111", linewidth=1, path_effects=halo)
    ax.text(
        bx + deg / 2,
        by + tick * 1.6,
        scale_label(length),
        ha="center",
        va="bottom",
        fontsize=6,
        color="#111",
        path_effects=halo,
        gid=f"schaalbalk-{length}m",
    )
    nx, ny = x1 - (x1 - x0) * 0.06, y1 - (y1 - y0) * 0.14
    ax.annotate(
        "N",
        xy=(nx, y1 - (y1 - y0) * 0.03),
        xytext=(nx, ny),
        ha="center",
        va="top",
        fontsize=7,
        fontweight="bold",
        color="#111",
        arrowprops={"arrowstyle": "-|>", "color": "#111", "lw": 1},
        path_effects=halo,
        gid="noordpijl",
    )


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
                ax.annotate(
                    label,
                    (p.x, p.y),
                    ha="center",
                    va="center",
                    fontsize=5.5 if small else 6.5,
                    color="#111",
                    path_effects=[pe.withStroke(linewidth=2.2, foreground="white")],
                )
        if not wijk.empty:
            wijk.boundary.plot(ax=ax, color=WIJK_EDGE, linewidth=1.8)
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
        _frame_north_and_scale(ax, minx - pad, maxx + pad, miny - pad, maxy + pad)
        fig.subplots_adjust(0, 0, 1, 1)
        buf = io.StringIO()
        fig.savefig(
            buf,
            format="svg",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
            bbox_inches="tight",
            pad_inches=0.02,
        )
    svg = buf.getvalue()
    # Only the <svg> element: no XML prolog, DOCTYPE or metadata (they carry URLs of w3.org/purl.org).
    svg = svg[svg.find("<svg") :]
    return re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
