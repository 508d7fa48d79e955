"""Everything a choropleth needs except Streamlit: join, rank, colours, legend, compact deck spec.

Pure functions over (Geo)DataFrames, so the Kaart page, the Scores page and the benchmarks build
exactly the same map, and tests can check it without a browser.

Why the spec is built here as a JSON *string* and not by pydeck: pydeck serialises with
`indent=2`, ~100 bytes per vertex, and re-serialises on every rerun (DESIGN.md §2.5). Here the
geometry is encoded once (`geometry_json`, cacheable per geometry), each indicator only adds
small per-feature properties, and the result is compact JSON (~20 bytes per vertex).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wijkkompas.classify import METHOD_LABELS, MISSING, Classification, bound_labels, classify, classify_categories
from wijkkompas.formatting import format_with_unit, missing_text
from wijkkompas.maplabels import place_labels

# --------------------------------------------------------------------------- colours
# ColorBrewer (Cynthia Brewer, colorbrewer2.org), the schemes marked colour-blind safe.
_BREWER = {
    "YlOrRd": {
        3: ["#ffeda0", "#feb24c", "#f03b20"],
        4: ["#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"],
        5: ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
        6: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"],
        7: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"],
    },
    "Blues": {
        3: ["#deebf7", "#9ecae1", "#3182bd"],
        4: ["#eff3ff", "#bdd7e7", "#6baed6", "#2171b5"],
        5: ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"],
        6: ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"],
        7: ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"],
    },
    "RdBu": {
        3: ["#ef8a62", "#f7f7f7", "#67a9cf"],
        4: ["#ca0020", "#f4a582", "#92c5de", "#0571b0"],
        5: ["#ca0020", "#f4a582", "#f7f7f7", "#92c5de", "#0571b0"],
        6: ["#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#67a9cf", "#2166ac"],
        7: ["#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac"],
    },
    "PuOr": {
        3: ["#f1a340", "#f7f7f7", "#998ec3"],
        4: ["#e66101", "#fdb863", "#b2abd2", "#5e3c99"],
        5: ["#e66101", "#fdb863", "#f7f7f7", "#b2abd2", "#5e3c99"],
        6: ["#b35806", "#f1a340", "#fee0b6", "#d8daeb", "#998ec3", "#542788"],
        7: ["#b35806", "#f1a340", "#fee0b6", "#f7f7f7", "#d8daeb", "#998ec3", "#542788"],
    },
}
MISSING_COLOR = "#d0d0d0"  # light grey; "geheim" is hatched on top
HATCH_COLOR = [110, 110, 110, 255]
SECRET = "geheim"
NO_ROW = "niet gepubliceerd"  # a shape for which the data has no row at all
BETTER_WORDS = {
    "higher_is_better": "hoger is beter",
    "lower_is_better": "lager is beter",
    "neutral": "hoger of lager is niet beter of slechter",
}
PLURAL = {"buurt": "buurten", "wijk": "wijken", "gemeente": "gemeenten"}
MAX_LABELS = 80  # more name labels than this only clutter the map
WIJK_PREFIX = r"^(?:Wijk|Wijk\s*\d+)\s*\d*[\s:.-]+(?=\D)"  # "Wijk 07 Woolde" → "Woolde" on the map
# pydeck's "default style" sentinel; Streamlit's frontend then draws no basemap at all (offline-safe).
# (A style *object* would be nicer, but Streamlit 1.67 calls mapStyle.includes() and needs a string.)
NO_BASEMAP_STYLE = "__MAP_STYLE__"
LIGHT_BASEMAP = "https://basemaps.cartocdn.com/gl/positron-gl-style/style.json"  # no token needed


def palette(k: int, better: str = "neutral", diverging: bool = False) -> list[str]:
    """`k` colours from light to dark (sequential) or low to high (diverging), worse = darker/warmer.

    Sequential: lower_is_better → YlOrRd (high = dark red); higher_is_better → YlOrRd reversed
    (low = dark red); neutral → Blues (no judgement). Diverging (z-bands): RdBu with the worse side
    red, or PuOr when neither side is worse.
    """
    if k <= 0:
        return []
    if diverging:
        scheme = "PuOr" if better == "neutral" else "RdBu"
    else:
        scheme = "Blues" if better == "neutral" else "YlOrRd"
    if k == 1:
        colors = [_BREWER[scheme][3][1]]
    elif k == 2:
        c3 = _BREWER[scheme][3]
        colors = [c3[0], c3[2]]
    else:
        colors = list(_BREWER[scheme][min(k, 7)])
    if diverging:
        # RdBu runs red → blue (low → high). Red must sit on the worse side.
        if scheme == "RdBu" and better == "lower_is_better":
            colors = colors[::-1]
    elif better == "higher_is_better":
        colors = colors[::-1]
    return colors


def hex_to_rgba(color: str, alpha: int = 255) -> list[int]:
    c = color.lstrip("#")
    return [int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), alpha]


# --------------------------------------------------------------------------- formatting


def unit_suffix(unit: str) -> str:
    return "" if not unit or unit in ("aantal", "code") else f" ({unit})"


# --------------------------------------------------------------------------- years and joins


def map_years_by_preference(data_year: int, available: Sequence[int]) -> list[int]:
    """THE rule for which map goes with figures of `data_year`, as an order of preference.

    The map of the data year itself; else the closest loaded map year; on a tie the older one (the
    borders already in force, rather than ones drawn later). Every page, export and slide uses this
    rule (through `nearest_year`, or this order where a gemeente missing from the first map falls back
    to the next), so Kaart, Scores, the PDF and the presentation draw one wijk with one set of borders.
    """
    return sorted({int(y) for y in available}, key=lambda y: (abs(y - int(data_year)), y))


def nearest_year(target: int, available: Sequence[int]) -> int | None:
    """The loaded geometry year for figures of `target` (see `map_years_by_preference`)."""
    order = map_years_by_preference(target, available)
    return order[0] if order else None


def map_year_caption(map_years: Iterable[int], data_year: int | None = None) -> str:
    """'Kaartgrenzen 2024.' printed beside every map; says so when the figures are of another year."""
    years = sorted({int(y) for y in map_years})
    if not years:
        return ""
    text = f"Kaartgrenzen {', '.join(map(str, years))}"
    if data_year is not None and years != [int(data_year)]:
        return f"{text}, cijfers van {data_year}: de indeling kan intussen veranderd zijn."
    return f"{text}."


def is_missing(values: pd.Series | np.ndarray, status: pd.Series | np.ndarray) -> np.ndarray:
    """No figure: NaN, or anything CBS marked secret (a secret value never gets a data colour)."""
    v = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype="float64")
    s = pd.Series(status).astype("string").fillna("")
    return np.isnan(v) | (s == SECRET).to_numpy()


@dataclass
class JoinResult:
    frame: gpd.GeoDataFrame  # one row per shape, with value/status (NO_ROW when the data lacks it)
    value_without_shape: pd.DataFrame  # rows in the data that the map has no shape for
    shape_without_value: pd.DataFrame  # shapes for which the data has no row


VALUE_FIELDS = ["region_name", "gemeente_code", "value", "status", "source_table", "source_key"]


def join_values(geometry: gpd.GeoDataFrame, values: pd.DataFrame) -> JoinResult:
    """Left-join one indicator's values (one year, one level) onto the shapes, by region code.

    Names come from the data (the year shown) when it has the region, else from the map. Plain
    pandas on the attributes, geometry re-attached at the end (GeoDataFrame merges are slow).
    """
    geo = pd.DataFrame(
        {
            "region_code": geometry["region_code"].astype("string").to_numpy(),
            "geo_name": geometry["region_name"].astype("string").to_numpy(),
            "geo_gemeente": geometry["gemeente_code"].astype("string").to_numpy(),
        }
    )
    vals = pd.DataFrame({c: values[c] if c in values.columns else pd.NA for c in ["region_code", *VALUE_FIELDS]})
    vals["region_code"] = vals["region_code"].astype("string")
    vals = vals.drop_duplicates("region_code", keep="last").set_index("region_code")
    codes = geo["region_code"]
    in_data = codes.isin(vals.index).to_numpy()
    looked = vals.reindex(codes)
    frame = pd.DataFrame(
        {
            "region_code": codes.to_numpy(),
            "region_name": looked["region_name"]
            .astype("string")
            .fillna(geo["geo_name"].set_axis(looked.index))
            .to_numpy(),
            "gemeente_code": looked["gemeente_code"]
            .astype("string")
            .fillna(geo["geo_gemeente"].set_axis(looked.index))
            .to_numpy(),
            "value": pd.to_numeric(looked["value"], errors="coerce").astype("float64").to_numpy(),
            "status": looked["status"].astype("string").where(in_data, NO_ROW).fillna("ok").to_numpy(),
            "source_table": looked["source_table"].astype("string").to_numpy(),
            "source_key": looked["source_key"].astype("string").to_numpy(),
        }
    )
    frame = gpd.GeoDataFrame(frame, geometry=geometry.geometry.to_numpy(), crs=geometry.crs)
    no_shape = vals[~vals.index.isin(codes)].reset_index()
    no_shape = no_shape[["region_code", "region_name", "gemeente_code", "value", "status"]]
    no_value = pd.DataFrame(frame.loc[~in_data, ["region_code", "region_name", "gemeente_code"]]).reset_index(drop=True)
    return JoinResult(frame, no_shape.reset_index(drop=True), no_value)


def rank_within(frame: pd.DataFrame, missing: np.ndarray | None = None) -> tuple[pd.Series, pd.Series]:
    """Place within the own gemeente, 1 = highest value, and how many regions were ranked."""
    value = pd.Series(frame["value"].to_numpy(dtype="float64"), index=frame.index)
    if missing is not None:
        value = value.mask(pd.Series(missing, index=frame.index))
    groups = frame["gemeente_code"].astype("string").fillna("")
    rank = value.groupby(groups).rank(method="min", ascending=False).astype("Int64")
    n = value.notna().groupby(groups).transform("sum").astype("int64")
    return rank, n


# --------------------------------------------------------------------------- legend


@dataclass(frozen=True)
class LegendEntry:
    color: str
    label: str
    count: int
    kind: str = "class"  # class | missing
    hatched: bool = False


@dataclass(frozen=True)
class Legend:
    title: str
    entries: tuple[LegendEntry, ...]
    notes: tuple[str, ...] = ()

    @property
    def classes(self) -> tuple[LegendEntry, ...]:
        return tuple(e for e in self.entries if e.kind == "class")

    @property
    def missing(self) -> tuple[LegendEntry, ...]:
        return tuple(e for e in self.entries if e.kind == "missing")


def missing_label(status: str) -> str:
    if status == NO_ROW:
        return "geen cijfer (niet gepubliceerd)"
    return missing_text(status)


def build_legend(
    cls: Classification,
    colors: Sequence[str],
    statuses: pd.Series,
    missing: np.ndarray,
    *,
    title: str,
    decimals: int,
    better: str,
    level: str = "buurt",
) -> Legend:
    labels = bound_labels(cls, decimals)
    entries = [LegendEntry(colors[i], labels[i], cls.counts[i]) for i in range(cls.k)]
    miss = pd.Series(statuses.to_numpy(), dtype="string").fillna("")[missing]
    miss = miss.where(miss != "ok", NO_ROW)
    order = {SECRET: 0, NO_ROW: 2}
    for status, count in sorted(miss.value_counts().items(), key=lambda kv: (order.get(kv[0], 1), kv[0])):
        entries.append(LegendEntry(MISSING_COLOR, missing_label(str(status)), int(count), "missing", status == SECRET))
    notes = [f"Indeling: {METHOD_LABELS[cls.method].lower()}."] if cls.method in METHOD_LABELS else []
    if cls.method == "z_bands":
        notes.append(
            f"Vergeleken met het gemiddelde van de {PLURAL.get(level, 'gebieden')} in de eigen gemeente, "
            "in standaardafwijkingen (de gewone spreiding rond dat gemiddelde)."
        )
    if better in ("higher_is_better", "lower_is_better"):
        worse = "Roder" if cls.diverging else "Donkerder"
        notes.append(f"{worse} = ongunstiger ({BETTER_WORDS[better]}).")
    notes.extend(cls.notes)
    return Legend(title, tuple(entries), tuple(notes))


# --------------------------------------------------------------------------- geometry encoding


def geometry_json(geoms: np.ndarray | gpd.GeoSeries, decimals: int | None = None) -> np.ndarray:
    """GeoJSON geometry strings, vectorised in GEOS. Cache the result per geometry: it is the
    expensive, indicator-independent part of a map.

    Store geometry is already rounded to 5 decimals (≈1 m). For a large extent (a province or the
    whole country) 4 decimals (≈10 m, far below a pixel there) saves ~10% of the bytes.
    """
    arr = np.asarray(getattr(geoms, "values", geoms), dtype=object)
    if arr.size == 0:
        return np.array([], dtype=object)
    if decimals is None:
        xmin, ymin, xmax, ymax = shapely.total_bounds(arr)
        decimals = 4 if max(xmax - xmin, ymax - ymin) > 1.0 else 5
    if decimals < 5:
        arr = shapely.transform(arr, lambda xy: np.round(xy, decimals))
    return shapely.to_geojson(arr)


def _feature_collection(geometry_strings: Iterable[str], properties: Iterable[str]) -> str:
    # Iterable, not Sequence: callers pass the object ndarrays of geometry_json() as well as lists.
    parts = [
        f'{{"type":"Feature","geometry":{g},"properties":{p}}}'
        for g, p in zip(geometry_strings, properties, strict=True)
    ]
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


def _properties_json(frame: pd.DataFrame) -> list[str]:
    if frame.empty:
        return []
    return frame.to_json(orient="records", lines=True, force_ascii=False).rstrip("\n").split("\n")


def _layer_json(layer_type: str, data_json: str, **props: object) -> str:
    head = json.dumps({"@@type": layer_type, **props}, separators=(",", ":"), ensure_ascii=False)
    return head[:-1] + ',"data":' + data_json + "}"


def _compact(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def view_state(bounds: Sequence[float], width_px: int = 520, height_px: int = 540) -> dict:
    """Centre and zoom that fit `bounds` (lon/lat) into a map of about this size.

    The map's real width depends on the screen; 520 px is the map column on a laptop (1440 px)
    with the sidebar open, so the whole area is visible there and on anything wider.
    """
    xmin, ymin, xmax, ymax = (float(b) for b in bounds)
    if not all(map(math.isfinite, (xmin, ymin, xmax, ymax))):
        return {"longitude": 5.3, "latitude": 52.2, "zoom": 6.5}

    def merc_y(lat: float) -> float:
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    dx = max(xmax - xmin, 1e-4) / 360.0
    dy = max(merc_y(ymax) - merc_y(ymin), 1e-6) / (2 * math.pi)
    zoom = min(math.log2(width_px / 512.0 / dx), math.log2(height_px / 512.0 / dy)) - 0.15
    lat_c = math.degrees(math.atan(math.sinh((merc_y(ymin) + merc_y(ymax)) / 2)))
    return {
        "longitude": round((xmin + xmax) / 2, 5),
        "latitude": round(lat_c, 5),
        "zoom": round(max(min(zoom, 16), 4), 2),
    }


def label_points(frame: gpd.GeoDataFrame, name_col: str = "region_name") -> list[dict]:
    """One label per region at a point inside it (not the centroid: that can fall outside), largest region first."""
    if frame is None or frame.empty or len(frame) > MAX_LABELS:
        return []
    geoms = frame.geometry.to_numpy()
    pts = shapely.point_on_surface(geoms)
    xy = shapely.get_coordinates(pts)
    names = frame[name_col].astype("string").fillna("").str.replace(WIJK_PREFIX, "", regex=True).str.strip().to_numpy()
    order = np.argsort(-shapely.area(geoms), kind="stable")  # largest first: the priority of maplabels.place_labels
    return [
        {"p": [round(float(xy[i][0]), 5), round(float(xy[i][1]), 5)], "t": str(names[i])} for i in order if names[i]
    ]


def hatch_lines(geoms: np.ndarray, spacing: float) -> np.ndarray:
    """Diagonal lines clipped to each polygon: the map's "hatched" for CBS-secret values."""
    arr = np.asarray(geoms, dtype=object)
    arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))] if arr.size else arr
    if arr.size == 0 or spacing <= 0:
        return np.array([], dtype=object)
    b = shapely.bounds(arr)
    heights = b[:, 3] - b[:, 1]
    counts = np.ceil((b[:, 2] - b[:, 0] + heights) / spacing).astype(int) + 1
    owner = np.repeat(np.arange(arr.size), counts)
    step = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    x0 = b[owner, 0] - heights[owner] + step * spacing
    coords = np.stack(
        [np.stack([x0, b[owner, 1]], axis=1), np.stack([x0 + heights[owner], b[owner, 3]], axis=1)], axis=1
    )
    lines = shapely.multilinestrings(shapely.linestrings(coords), indices=owner)
    clipped = shapely.intersection(lines, arr)
    parts, index = shapely.get_parts(clipped, return_index=True)
    keep = shapely.get_type_id(parts) == 1  # LineStrings only (a corner touch yields points)
    if not keep.any():
        return np.array([], dtype=object)
    _owners, dense = np.unique(index[keep], return_inverse=True)  # shapely wants indices 0..n-1 without gaps
    return shapely.multilinestrings(parts[keep], indices=dense)


# --------------------------------------------------------------------------- the model


@dataclass
class ChoroplethModel:
    """A built map: the compact deck spec in parts (so a highlight is cheap), legend and table."""

    head: str  # '{"initialViewState":…,"layers":['
    layers: list[str]
    tail: str  # '],"mapProvider":…}'
    tooltip: dict
    legend: Legend
    table: pd.DataFrame
    classification: Classification
    view: dict
    highlight_geometry: dict[str, str] = field(default_factory=dict)  # code → GeoJSON geometry string

    def spec(self, selected: str | None = None) -> str:
        layers = list(self.layers)
        geom = self.highlight_geometry.get(selected or "")
        if geom:
            fc = _feature_collection([geom], ["{}"])
            layers.insert(
                len(layers) - (1 if self.layers and '"TextLayer"' in self.layers[-1] else 0),
                _layer_json(
                    "GeoJsonLayer",
                    fc,
                    id="selectie",
                    stroked=True,
                    filled=False,
                    pickable=False,
                    getLineColor=[0, 0, 0, 255],
                    lineWidthUnits="pixels",
                    getLineWidth=4,
                    lineWidthMinPixels=4,
                ),
            )
        return self.head + ",".join(layers) + self.tail

    @property
    def n_bytes(self) -> int:
        return len(self.spec().encode("utf-8"))


TOOLTIP_STYLE = {
    "backgroundColor": "#ffffff",
    "color": "#1f1f1f",
    "fontSize": "14px",
    "lineHeight": "1.35",
    "border": "1px solid #b8b8b8",
    "borderRadius": "4px",
    "padding": "8px 10px",
    "maxWidth": "270px",
    "whiteSpace": "normal",
    "overflowWrap": "anywhere",
    "boxShadow": "0 2px 6px rgba(0,0,0,.15)",
}


def _template_text(text: str) -> str:
    """Static text in the tooltip template: HTML-escaped, and no braces (they are placeholders)."""
    from wijkkompas.formatting import esc

    return esc(str(text).replace("{", "(").replace("}", ")"))


def build_choropleth(
    geo_values: gpd.GeoDataFrame,
    *,
    value_label: str,
    unit: str = "",
    better: str = "neutral",
    decimals: int = 1,
    method: str = "quantiles",
    k: int = 5,
    level: str = "buurt",
    outlines: gpd.GeoDataFrame | None = None,
    gemeente_outline: gpd.GeoDataFrame | None = None,
    labels: gpd.GeoDataFrame | None = None,
    gemeente_values: Mapping[str, float] | None = None,
    gemeente_names: Mapping[str, str] | None = None,
    tooltip_extra: Mapping[str, str] | None = None,
    basemap: bool = False,
    categories: Sequence[str] | None = None,
    category_column: str | None = None,
    geometry_strings: np.ndarray | None = None,
    outline_strings: np.ndarray | None = None,
    gemeente_outline_strings: np.ndarray | None = None,
) -> ChoroplethModel:
    """Classify, colour and encode one map.

    `geo_values`: one row per shape with region_code, region_name, gemeente_code, value, status,
    geometry (WGS84). `tooltip_extra`: {Dutch label: column name} for extra tooltip lines; the
    column's values are shown as text. `*_strings`: pre-encoded geometry (see `geometry_json`).
    """
    frame = geo_values.reset_index(drop=True)
    n = len(frame)
    status = (
        frame["status"].astype("string").fillna("ok")
        if "status" in frame.columns
        else pd.Series(["ok"] * n, dtype="string")
    )
    missing = is_missing(frame["value"], status)
    values = np.where(missing, np.nan, pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype="float64"))
    groups = frame["gemeente_code"].astype("string").fillna("").to_numpy(dtype=object)
    if categories and category_column and category_column in frame.columns:
        labels_col = frame[category_column].astype("string").where(~pd.Series(missing), pd.NA)
        cls = classify_categories(labels_col.tolist(), categories)
    else:
        cls = classify(values, method, k, groups=groups)
    colors = palette(cls.k, better, cls.diverging)
    if "rank" in frame.columns and "rank_of" in frame.columns:  # ranked by the caller over more regions
        rank = pd.Series(pd.array(frame["rank"], dtype="Int64")).mask(pd.Series(missing))
        rank_n = pd.to_numeric(frame["rank_of"], errors="coerce").fillna(0).astype("int64")
    else:
        rank, rank_n = rank_within(frame, missing)
    names = gemeente_names or {}
    gm_values = gemeente_values or {}

    rgba = [hex_to_rgba(c)[:3] for c in colors]
    miss_rgba = hex_to_rgba(MISSING_COLOR)[:3]
    cls_idx = cls.classes
    class_labels = bound_labels(cls, decimals)
    fill = [rgba[c] if c != MISSING else miss_rgba for c in cls_idx.tolist()]

    gm_code = frame["gemeente_code"].astype("string").fillna("")
    gm_name = gm_code.map(lambda c: names.get(c, c)).astype("string")
    value_text = [
        missing_label(s) if m else format_with_unit(v, unit, decimals)
        for v, s, m in zip(values.tolist(), status.tolist(), missing.tolist(), strict=True)
    ]
    plural = PLURAL.get(level, "gebieden")
    rank_text = [
        f"{int(r)} van {int(t)}" if not pd.isna(r) else "–" for r, t in zip(rank.tolist(), rank_n.tolist(), strict=True)
    ]
    gv_by_code = {
        c: format_with_unit(v, unit, decimals) if v is not None and not pd.isna(v) else "geen cijfer"
        for c, v in gm_values.items()
    }
    gv_text = gm_code.map(lambda c: gv_by_code.get(c, "geen cijfer")).tolist()

    props = pd.DataFrame(
        {
            "n": frame["region_name"].astype("string").fillna(frame["region_code"].astype("string")),
            "c": frame["region_code"].astype("string"),
            "g": gm_name,
            "v": value_text,
            "r": rank_text,
            "gv": gv_text,
            "f": fill,
        }
    )
    extra = dict(tooltip_extra or {})
    for i, (_label, column) in enumerate(extra.items()):
        col = frame[column] if column in frame.columns else pd.Series([""] * n)
        props[f"x{i}"] = col.astype("string").fillna("–").to_numpy()

    geoms = frame.geometry.to_numpy()
    if geometry_strings is None or len(geometry_strings) != n:
        geometry_strings = geometry_json(geoms)
    bounds = shapely.total_bounds(geoms) if n else [math.nan] * 4
    extent = max(bounds[2] - bounds[0], bounds[3] - bounds[1]) if n else 0.0

    layers = [
        _layer_json(
            "GeoJsonLayer",
            _feature_collection(geometry_strings, _properties_json(props)),
            id="gebieden",
            pickable=True,
            stroked=True,
            filled=True,
            autoHighlight=True,
            opacity=0.82 if basemap else 1.0,
            highlightColor=[0, 0, 0, 60],
            getFillColor="@@=properties.f",
            getLineColor=[110, 110, 110, 170],
            lineWidthUnits="pixels",
            getLineWidth=0.7,
            lineWidthMinPixels=0.5,
        )
    ]
    secret = missing & (status == SECRET).to_numpy()
    if secret.any() and extent > 0:
        hatch = hatch_lines(geoms[secret], spacing=extent / 140)
        if hatch.size:
            layers.append(
                _layer_json(
                    "GeoJsonLayer",
                    _feature_collection(geometry_json(hatch, 5), ["{}"] * hatch.size),
                    id="geheim",
                    pickable=False,
                    stroked=True,
                    filled=False,
                    getLineColor=HATCH_COLOR,
                    lineWidthUnits="pixels",
                    getLineWidth=1,
                    lineWidthMinPixels=1,
                )
            )
    layers += _outline_layer(outlines, outline_strings, "wijkgrenzen", [70, 70, 70, 255], 1.6, 1.2)
    layers += _outline_layer(gemeente_outline, gemeente_outline_strings, "gemeentegrens", [25, 25, 25, 255], 2.6, 2)
    view = view_state(bounds)
    # Names that would overlap at the opening zoom are dropped (the tooltip and the table still name them).
    label_data = place_labels(label_points(labels), view) if labels is not None else []
    if label_data:
        layers.append(
            _layer_json(
                "TextLayer",
                _compact(label_data),
                id="namen",
                pickable=False,
                getPosition="@@=p",
                getText="@@=t",
                getSize=13,
                sizeUnits="pixels",
                getColor=[25, 25, 25, 255],
                fontFamily="'Source Sans Pro', 'Source Sans 3', Helvetica, Arial, sans-serif",
                fontWeight=600,
                characterSet="auto",
                fontSettings={"sdf": True},
                outlineWidth=3,
                outlineColor=[255, 255, 255, 235],
                getTextAnchor="middle",
                getAlignmentBaseline="center",
            )
        )

    head = '{"initialViewState":' + _compact(view) + ',"layers":['
    deck_props: dict = {"mapStyle": NO_BASEMAP_STYLE}
    if basemap:
        deck_props = {"mapProvider": "carto", "mapStyle": LIGHT_BASEMAP}
    tail = "]," + _compact({**deck_props, "views": [{"@@type": "MapView", "controller": True}]})[1:]

    lines = [
        '<div style="font-weight:700;font-size:15px">{n}</div>',
        '<div style="color:#555">{c} · gemeente {g}</div>',
        f"<div>{_template_text(value_label)}: <b>{{v}}</b></div>",
        f'<div style="color:#444">Plaats in de gemeente: {{r}} {plural} (1 = hoogste)</div>',
        '<div style="color:#444">Gemeente als geheel: {gv}</div>',
    ]
    lines += [f"<div>{_template_text(label)}: {{x{i}}}</div>" for i, label in enumerate(extra)]
    tooltip = {"html": "".join(lines), "style": TOOLTIP_STYLE}

    legend = build_legend(
        cls,
        colors,
        status,
        missing,
        title=value_label + unit_suffix(unit),
        decimals=decimals,
        better=better,
        level=level,
    )
    table = pd.DataFrame(
        {
            "region_code": frame["region_code"].astype("string"),
            "region_name": frame["region_name"].astype("string"),
            "gemeente_code": gm_code,
            "gemeente_name": gm_name,
            "value": values,
            "status": status.where(~pd.Series(missing) | (status != "ok"), NO_ROW),
            "value_text": value_text,
            "class": pd.array([c + 1 if c != MISSING else pd.NA for c in cls_idx.tolist()], dtype="Int64"),
            "class_label": [
                class_labels[c] if c != MISSING else missing_label(s)
                for c, s in zip(cls_idx.tolist(), status.tolist(), strict=True)
            ],
            "rank": rank.to_numpy(),
            "rank_of": rank_n.to_numpy(),
            "color": [colors[c] if c != MISSING else MISSING_COLOR for c in cls_idx.tolist()],
        }
    )
    if cls.z is not None:
        table["z"] = cls.z
    for col in ("source_table", "source_key"):
        if col in frame.columns:
            table[col] = frame[col].astype("string").to_numpy()
    highlight = dict(zip(props["c"].tolist(), list(geometry_strings), strict=True))
    return ChoroplethModel(head, layers, tail, tooltip, legend, table, cls, view, highlight)


def _outline_layer(frame, strings, layer_id: str, color: list[int], width: float, min_px: float) -> list[str]:
    """A border-only layer (wijk or gemeente outlines) drawn over the choropleth; none when there is nothing."""
    if frame is None or frame.empty:
        return []
    if strings is None or len(strings) != len(frame):
        strings = geometry_json(frame.geometry)
    return [
        _layer_json(
            "GeoJsonLayer",
            _feature_collection(strings, ["{}"] * len(strings)),
            id=layer_id,
            pickable=False,
            stroked=True,
            filled=False,
            getLineColor=color,
            lineWidthUnits="pixels",
            getLineWidth=width,
            lineWidthMinPixels=min_px,
        )
    ]
