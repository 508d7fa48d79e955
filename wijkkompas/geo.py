"""Geometry: read wire files, make them map-ready once at ingest, never in a page.

Reprojection and simplification of a national buurt layer cost seconds (DESIGN.md §2.5), so they
happen here, once, and the store keeps a simplified WGS84 copy that pages only read.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wijkkompas.errors import SourceError

RD_NEW = "EPSG:28992"
WGS84 = "EPSG:4326"
CODE_FIELDS = ("statcode", "buurtcode", "wijkcode", "gemeentecode", "code", "region_code")
NAME_FIELDS = ("statnaam", "buurtnaam", "wijknaam", "gemeentenaam", "naam", "name", "region_name")
# Coverage simplification tolerance (metres, sqrt of removed triangle area) per level.
TOLERANCE = {"buurt": 50.0, "wijk": 100.0, "gemeente": 100.0, "nederland": 250.0}
LEVELS = ("buurt", "wijk", "gemeente")


def _topology_objects(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8") as fh:
            head = fh.read(2_000_000)
        if '"Topology"' not in head[:200] and '"type":"Topology"' not in head.replace(" ", ""):
            return []
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SourceError(f"Het kaartbestand {path} is geen geldige TopoJSON ({exc}).", path=str(path)) from exc
    objects = payload.get("objects") if isinstance(payload, dict) else None
    if payload.get("type") == "Topology" and not objects:
        raise SourceError(
            f"Het TopoJSON-bestand {path} bevat geen kaartlagen ('objects' is leeg). Gebruik een ander bestand.",
            path=str(path),
        )
    return list(objects or [])


def read_geometry_file(path: Path) -> gpd.GeoDataFrame | None:
    """A GeoJSON/TopoJSON file → `region_code`, `region_name`, polygon `geometry` in the file's CRS.

    Returns None for point layers (label files), which carry no shapes to colour.
    """
    path = Path(path)
    if path.stat().st_size == 0:
        raise SourceError(f"Het kaartbestand {path} is leeg.", path=str(path))
    objects = _topology_objects(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if objects:
                frame = gpd.read_file(f"TopoJSON:{path}", layer=objects[0])
            else:
                frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own DataSourceError family
        raise SourceError(
            f"Het kaartbestand {path} kan niet worden gelezen ({type(exc).__name__}: {exc}). "
            "Is het bestand compleet? Download het opnieuw.",
            path=str(path),
        ) from exc
    if frame.empty:
        raise SourceError(f"Het kaartbestand {path} bevat geen vormen.", path=str(path))
    kinds = set(frame.geom_type.dropna().unique())
    if kinds and kinds <= {"Point", "MultiPoint"}:
        return None
    code_col = next((c for c in CODE_FIELDS if c in frame.columns), None)
    if code_col is None:
        raise SourceError(
            f"In het kaartbestand {path} ontbreekt een kolom met regiocodes "
            f"({', '.join(CODE_FIELDS[:4])}). Gebruik de CBS wijk- en buurtkaart.",
            path=str(path),
        )
    name_col = next((c for c in NAME_FIELDS if c in frame.columns), None)
    if frame.crs is None:
        # TopoJSON from CBS's own conversion is WGS84; coordinates in metres mean RD New.
        x = frame.total_bounds
        frame = frame.set_crs(WGS84 if abs(x[0]) <= 180 and abs(x[2]) <= 180 else RD_NEW)
    out = gpd.GeoDataFrame(
        {
            "region_code": frame[code_col].astype("string").str.strip(),
            "region_name": frame[name_col].astype("string").str.strip() if name_col else pd.NA,
        },
        geometry=frame.geometry.to_numpy(),
        crs=frame.crs,
    )
    water = _water_column(frame)
    if water is not None:
        # The wijk- en buurtkaart has land and water parts under one code (WATER/water = "JA" for
        # water); a map of a coastal gemeente must show its land, not its sea.
        out = out[~frame[water].astype("string").str.strip().str.upper().eq("JA").fillna(False).to_numpy()]
    out = out[
        ~out.geometry.isna()
        & ~out.geometry.is_empty
        & out["region_code"].str.match(r"^(GM|WK|BU)\d{4,8}$").fillna(False)
    ]
    return dissolve_per_code(out.reset_index(drop=True))


def _water_column(frame: pd.DataFrame) -> str | None:
    return next((c for c in frame.columns if str(c).lower() == "water"), None)


def dissolve_per_code(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One shape per region code: parts that share a code (several land polygons) are united.

    Why: further on one row per code is kept; without this the first part would silently stand for
    the whole region.
    """
    if not frame["region_code"].duplicated().any():
        return frame
    names = frame.groupby("region_code", sort=False)["region_name"].first()
    geoms = frame.groupby("region_code", sort=False).geometry.apply(lambda g: shapely.union_all(g.to_numpy()))
    return gpd.GeoDataFrame(
        {"region_code": geoms.index.astype("string"), "region_name": names.reindex(geoms.index).to_numpy()},
        geometry=list(geoms.to_numpy()),
        crs=frame.crs,
    ).reset_index(drop=True)


def _round(geoms: np.ndarray, decimals: int = 5) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


def prepare_for_map(frame: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """Valid, simplified (edge-matched) WGS84 polygons rounded to 5 decimals (≈1 m).

    Simplify in RD New so the tolerance is in metres; coverage simplification keeps neighbouring
    buurten edge-matched (plain simplify leaves gaps), with a fallback for broken coverages.
    """
    if frame.empty:
        return frame.to_crs(WGS84) if frame.crs else frame
    rd = frame.to_crs(RD_NEW)
    geoms = shapely.make_valid(rd.geometry.to_numpy())
    geoms = np.array([_polygonal(g) for g in geoms], dtype=object)
    tol = TOLERANCE.get(level, 50.0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            simplified = gpd.GeoSeries(geoms, crs=RD_NEW).simplify_coverage(tol).to_numpy()
        if not shapely.is_valid(simplified).all() or shapely.is_empty(simplified).any():
            raise ValueError("coverage simplification produced invalid shapes")
    except Exception:
        simplified = shapely.simplify(geoms, tol / 5, preserve_topology=True)
    out = gpd.GeoDataFrame(rd.drop(columns="geometry"), geometry=simplified, crs=RD_NEW).to_crs(WGS84)
    out["geometry"] = _round(out.geometry.to_numpy())
    out["geometry"] = [_polygonal(g) for g in shapely.make_valid(out.geometry.to_numpy())]
    out = out[~out.geometry.is_empty]
    return out.reset_index(drop=True)


def _polygonal(geom):
    """make_valid may return a GeometryCollection with lines; keep only the areas."""
    if geom is None or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(parts)


def split_levels(frame: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    prefix = frame["region_code"].str[:2]
    out = {}
    for level, p in (("buurt", "BU"), ("wijk", "WK"), ("gemeente", "GM")):
        part = frame[prefix == p]
        if not part.empty:
            out[level] = part.reset_index(drop=True)
    return out


def gemeente_code_of(codes: pd.Series) -> pd.Series:
    return "GM" + codes.str[2:6]
