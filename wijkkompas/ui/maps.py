"""The choropleth on screen: a cached, compactly serialised deck.gl map plus an HTML legend.

Why not plain `st.pydeck_chart(pdk.Deck(...))`: pydeck pretty-prints its JSON (≈100 bytes per
vertex) and Streamlit calls `to_json()` on every rerun; a national map then costs ~10 s per rerun
and can exceed Streamlit's 200 MB message limit (DESIGN.md §2.5). Here the spec is built once by
`wijkkompas.mapdata` as compact JSON (≈20 bytes per vertex), cached with `st.cache_resource`, and
handed to Streamlit through a Deck whose `to_json()` just returns that string.

Public entry point for other pages: `render_choropleth(geo_values, value_label=…, key=…)`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
import streamlit as st

from wijkkompas.formatting import esc, nl_number
from wijkkompas.mapdata import NO_ROW, ChoroplethModel, Legend, build_choropleth, geometry_json


class CompactDeck(pdk.Deck):
    """A Deck that hands Streamlit a ready compact JSON spec instead of serialising itself."""

    def __init__(self, spec_json: str, tooltip: dict) -> None:
        super().__init__(layers=[], map_style=None, tooltip=tooltip)
        self._spec_json = spec_json

    def to_json(self) -> str:  # called by st.pydeck_chart on every rerun: must be free
        return self._spec_json


# --------------------------------------------------------------------------- caches


def geometry_fingerprint(geoms: np.ndarray | gpd.GeoSeries) -> str:
    """Cheap identity of a set of shapes (per-shape bounds and vertex counts), ~1 ms for 15k."""
    arr = np.asarray(getattr(geoms, "values", geoms), dtype=object)
    h = hashlib.blake2b(digest_size=16)
    if arr.size:
        h.update(np.ascontiguousarray(shapely.bounds(arr)).tobytes())
        h.update(np.ascontiguousarray(shapely.get_num_coordinates(arr)).tobytes())
    h.update(str(arr.size).encode())
    return h.hexdigest()


@st.cache_resource(show_spinner=False, max_entries=24)
def _geometry_json(fingerprint: str, _geoms) -> np.ndarray:
    return geometry_json(_geoms)


def cached_geometry_json(geoms) -> np.ndarray:
    """GeoJSON strings for these shapes, encoded once per process (read-only, shared by sessions)."""
    return _geometry_json(geometry_fingerprint(geoms), geoms)


@st.cache_resource(show_spinner=False, max_entries=16)
def _model(fingerprint: str, _geo_values: gpd.GeoDataFrame, _kwargs: dict) -> ChoroplethModel:
    return build_choropleth(_geo_values, **_kwargs)


def _frame_fingerprint(frame: pd.DataFrame, columns: Sequence[str], extra: object) -> str:
    h = hashlib.blake2b(digest_size=16)
    cols = [c for c in columns if c in frame.columns]
    if cols and len(frame):
        h.update(
            pd.util.hash_pandas_object(pd.DataFrame(frame[cols]).astype("string"), index=False).to_numpy().tobytes()
        )
    h.update(repr(extra).encode())
    return h.hexdigest()


# --------------------------------------------------------------------------- drawing


def show_model(
    model: ChoroplethModel,
    *,
    key: str,
    selected: str | None = None,
    height: int = 560,
    legend: bool = True,
    alt: str | None = None,
) -> str | None:
    """Draw a built map (and its legend); return the region code the user clicked, if any."""
    deck = CompactDeck(model.spec(selected), model.tooltip)
    event = st.pydeck_chart(
        deck,
        height=height,
        key=key,
        on_select="rerun",
        selection_mode="single-object",
        alt=alt or f"Kaart: {model.legend.title}, in klassen gekleurd (legenda onder de kaart).",
    )
    if legend:
        render_legend(model.legend)
    return clicked_code(event)


def clicked_code(event) -> str | None:
    """The region code of the clicked shape, from Streamlit's pydeck selection state."""
    try:
        objects = (event or {}).get("selection", {}).get("objects", {}) or {}
    except AttributeError:
        return None
    for obj in objects.get("gebieden", []) or []:
        props = obj.get("properties") if isinstance(obj, dict) else None
        code = (props or {}).get("c") if isinstance(props, dict) else None
        if code:
            return str(code)
    return None


def legend_html(legend: Legend) -> str:
    """The legend as accessible HTML: swatch, bounds, count; missing values hatched/grey and named.

    Every string that comes from data or a caller is escaped.
    """
    rows = []
    for e in legend.entries:
        swatch_style = f"background:{esc(e.color)};"
        if e.hatched:
            swatch_style += "background-image:repeating-linear-gradient(45deg,#6e6e6e 0 1px,transparent 1px 5px);"
        count = f"{nl_number(e.count)} {'gebied' if e.count == 1 else 'gebieden'}"
        rows.append(
            f'<li class="wk-legend-{"missing" if e.kind == "missing" else "class"}">'
            f'<span class="wk-swatch" style="{swatch_style}" aria-hidden="true"></span>'
            f'<span class="wk-label">{esc(e.label)}</span><span class="wk-count">{esc(count)}</span></li>'
        )
    notes = "".join(f"<p>{esc(n)}</p>" for n in legend.notes)
    return (
        "<style>.wk-legend{font-size:.9rem;margin:.25rem 0 .5rem 0}"
        ".wk-legend h2{font-size:.95rem;margin:0 0 .35rem 0;padding:0;font-weight:600;line-height:1.4}"
        ".wk-legend ul{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:.2rem 1.1rem}"
        ".wk-legend li{display:flex;align-items:center;gap:.4rem;margin:0}"
        ".wk-swatch{display:inline-block;width:1.5rem;height:1rem;border:1px solid #777;flex:none}"
        ".wk-count{color:#555;font-size:.82rem}.wk-legend p{color:#555;font-size:.82rem;margin:.3rem 0 0 0}</style>"
        f'<div class="wk-legend" role="group" aria-label="Legenda"><h2>{esc(legend.title)}</h2>'
        f"<ul>{''.join(rows)}</ul>{notes}</div>"
    )


def render_legend(legend: Legend) -> None:
    st.html(legend_html(legend))


# --------------------------------------------------------------------------- the reusable API


def _normalise(geo_values: gpd.GeoDataFrame, tooltip_extra: Mapping | None) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    """Fill in what callers may leave out (gemeente_code, status) and turn per-region tooltip
    mappings into columns, so `build_choropleth` sees one shape of input."""
    frame = geo_values.reset_index(drop=True).copy()
    if "region_name" not in frame.columns:
        frame["region_name"] = frame["region_code"]
    if "gemeente_code" not in frame.columns:
        frame["gemeente_code"] = "GM" + frame["region_code"].astype("string").str[2:6]
    if "status" not in frame.columns:
        frame["status"] = np.where(pd.to_numeric(frame["value"], errors="coerce").notna(), "ok", "")
    codes = frame["region_code"].astype("string")
    extra: dict[str, str] = {}
    given = tooltip_extra or {}
    for i, (label, spec) in enumerate(given.items()):
        if isinstance(spec, Mapping):  # {label: {region_code: text}}
            col = f"_x{i}"
            frame[col] = codes.map(lambda c, s=spec: s.get(c, "")).astype("string")
            extra[str(label)] = col
        elif isinstance(spec, str) and spec in frame.columns:  # {label: column}
            extra[str(label)] = spec
        elif str(label) in set(codes.tolist()):  # {region_code: text}: one line without a label
            col = "_xregion"
            if col not in frame.columns:
                lines = {str(k): str(v) for k, v in given.items()}
                frame[col] = codes.map(lambda c, s=lines: s.get(c, "")).astype("string")
                extra["Toelichting"] = col
        # anything else is ignored: a tooltip line is never worth a crash
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=geo_values.crs), extra


def render_choropleth(
    geo_values: gpd.GeoDataFrame,
    *,
    value_label: str,
    unit: str = "",
    better: str = "neutral",
    decimals: int = 1,
    method: str = "quantiles",
    k: int = 5,
    key: str,
    tooltip_extra: Mapping | None = None,
    categories: Sequence[str] | None = None,
    category_column: str | None = None,
    level: str = "buurt",
    selected: str | None = None,
    gemeente_values: Mapping[str, float] | None = None,
    gemeente_names: Mapping[str, str] | None = None,
    outlines: gpd.GeoDataFrame | None = None,
    gemeente_outline: gpd.GeoDataFrame | None = None,
    labels: gpd.GeoDataFrame | None = None,
    basemap: bool = False,
    height: int = 520,
    legend: bool = True,
    alt: str | None = None,
) -> str | None:
    """Draw a choropleth of any value per region; returns the clicked region code (or None).

    `geo_values`: GeoDataFrame (WGS84) with region_code, value and geometry; region_name,
    gemeente_code (default: from the code) and status (default: "ok", or "" = "geen cijfer" when
    the value is NaN) are optional. method: quantiles | natural_breaks | equal_interval | z_bands,
    or pass `categories` (ordered labels, low → high) with `category_column` (the label per
    region) to colour by classes you computed yourself. `tooltip_extra`: {label: column name} or
    {label: {region_code: text}} for extra tooltip lines; {region_code: text} is one unlabeled line.
    Cached: the same inputs build the map once per process. `alt`: the map's text alternative (what it
    shows and where the same figures are as text); by default the legend title.
    """
    frame, extra = _normalise(geo_values, tooltip_extra)
    kwargs = dict(
        value_label=value_label,
        unit=unit,
        better=better,
        decimals=int(decimals),
        method=method,
        k=int(k),
        level=level,
        outlines=outlines,
        gemeente_outline=gemeente_outline,
        labels=labels,
        gemeente_values=dict(gemeente_values or {}),
        gemeente_names=dict(gemeente_names or {}),
        tooltip_extra=extra,
        basemap=bool(basemap),
        categories=list(categories) if categories else None,
        category_column=category_column,
    )
    columns = ["region_code", "region_name", "gemeente_code", "value", "status", *extra.values()]
    if category_column:
        columns.append(category_column)
    shapes = [geometry_fingerprint(frame.geometry)]
    for extra_geo in (outlines, gemeente_outline, labels):
        shapes.append(
            geometry_fingerprint(extra_geo.geometry) if extra_geo is not None and not extra_geo.empty else "-"
        )
    plain = {k: v for k, v in kwargs.items() if k not in ("outlines", "gemeente_outline", "labels")}
    fp = _frame_fingerprint(frame, columns, (plain, shapes))
    kwargs["geometry_strings"] = cached_geometry_json(frame.geometry)
    model = _model(fp, frame, kwargs)
    return show_model(model, key=key, selected=selected, height=height, legend=legend, alt=alt)


def missing_regions_text(codes_names: pd.DataFrame, limit: int = 12) -> str:
    """'Naam (code), …' for the lists under the map; names escaped for HTML use by the caller."""
    items = [
        f"{n} ({c})" for c, n in zip(codes_names["region_code"], codes_names["region_name"].fillna(""), strict=True)
    ]
    more = len(items) - limit
    return ", ".join(items[:limit]) + (f" en nog {more}" if more > 0 else "")


__all__ = [
    "NO_ROW",
    "CompactDeck",
    "cached_geometry_json",
    "clicked_code",
    "legend_html",
    "missing_regions_text",
    "render_choropleth",
    "render_legend",
    "show_model",
]
