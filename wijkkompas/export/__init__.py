"""Export of a wijkprofiel as self-contained HTML or as an A4 PDF (WeasyPrint).

`render_assets` draws the server-side images (trend charts as SVG via vl-convert, the map via
matplotlib); `profile_html` / `profile_pdf` put them into one document. `export_profile` does all of it
from a store, for the page's download buttons and for `python -m wijkkompas profile`.
"""

from __future__ import annotations

import logging

from wijkkompas.export.html import Rendered, render_html
from wijkkompas.profile import Profile, load_profile

log = logging.getLogger("wijkkompas")
FORMATS = ("pdf", "html")


def render_assets(
    profile: Profile, buurten_geo=None, wijken_geo=None, map_year: int | None = None, scores=(), notes=()
) -> Rendered:
    from wijkkompas.export.charts import chart_svg, trend_chart, trend_description

    charts = tuple((t.indicator.label, chart_svg(trend_chart(t))) for t in profile.trends)
    chart_alts = tuple(trend_description(t) for t in profile.trends)
    map_svg = None
    if buurten_geo is not None or wijken_geo is not None:
        import geopandas as gpd

        from wijkkompas.export.maps import region_map_svg

        empty = gpd.GeoDataFrame({"region_code": [], "region_name": []}, geometry=[], crs="EPSG:4326")
        map_svg = region_map_svg(
            profile.header,
            buurten_geo if buurten_geo is not None else empty,
            wijken_geo if wijken_geo is not None else empty,
        )
    return Rendered(
        charts=charts,
        map_svg=map_svg,
        map_year=map_year if map_svg else None,
        scores=tuple(scores),
        chart_alts=chart_alts,
        notes=tuple(notes),
    )


def profile_html(profile: Profile, rendered: Rendered | None = None) -> str:
    return render_html(profile, rendered)


def profile_pdf(profile: Profile, rendered: Rendered | None = None) -> bytes:
    from wijkkompas.export.pdf import html_to_pdf

    return html_to_pdf(render_html(profile, rendered))


def store_assets(store, profile: Profile, scores=()) -> Rendered:
    """Charts plus the map from the store's geometry nearest to the profile's year, and the region's notes."""
    from wijkkompas.export.maps import pick_geometry_year
    from wijkkompas.notes import list_notes

    gm = [profile.header.gemeente_code]
    year_b = pick_geometry_year(store.geometry_years("buurt"), profile.header.year)
    year_w = pick_geometry_year(store.geometry_years("wijk"), profile.header.year)
    map_year = year_b or year_w
    buurten = store.geometry(year_b, "buurt", gm) if year_b else None
    wijken = store.geometry(year_w, "wijk", gm) if year_w else None
    notes = list_notes(store, profile.header.code).notes
    return render_assets(profile, buurten, wijken, map_year, scores=scores, notes=notes)


def export_profile(
    store, code: str, year: int | None = None, fmt: str = "pdf", *, strict_year: bool = True, scores=None
) -> tuple[Profile, bytes]:
    """(profile, file bytes) for one wijk or buurt. Raises SourceError (Dutch) for bad codes or years."""
    profile = load_profile(store, code, year, strict_year=strict_year)
    if scores is None:
        from wijkkompas.export.scoreblocks import score_blocks

        scores = score_blocks(store, profile)
    rendered = store_assets(store, profile, scores=scores)
    if fmt == "html":
        return profile, profile_html(profile, rendered).encode("utf-8")
    return profile, profile_pdf(profile, rendered)
