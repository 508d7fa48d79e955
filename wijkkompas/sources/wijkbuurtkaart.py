"""The CBS wijk- en buurtkaart as a source: geometry and KWB figures under map-style names, from a folder.

Why: many municipal analysts have exactly this file (the "WijkBuurtkaart_2017_v3.zip" of CBS:
shapefiles with their dBASE tables until 2022, a GeoPackage since, and the same table as CSV). It
carries the outlines *and* the key figures per gemeente, wijk and buurt. The FolderSource hands every
`.dbf`, `.shp`, `.gpkg`, `.zip` and wijk- en buurtkaart CSV to `read_kaart`, which returns

* a `MappedTable` per year with the mapped columns as catalogue indicators (mapping in
  catalogue/wijkbuurtkaart.toml; sentinels such as -99999999 become "geheim", never a number);
* the polygons (when the file has them), land only: the kaart has a water part (``WATER = "JA"``)
  next to the land part of a gemeente, under the same code (and ``"B"`` for Belgian territory).

Water rows are dropped from the figures too: they are not places where people live and carry only
sentinels.
"""

from __future__ import annotations

import csv
import re
import tomllib
import warnings
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd

from wijkkompas.errors import SourceError
from wijkkompas.sources.mapped import MappedTable, long_from_wide

SOURCE = "CBS wijk- en buurtkaart"
MAPPING_TOML = Path(__file__).resolve().parents[1] / "catalogue" / "wijkbuurtkaart.toml"
SUFFIXES = {".dbf", ".shp", ".gpkg", ".zip"}
# Code and name columns per level, short (dBASE) and long (GeoPackage/PDOK) spelling.
CODE_COLUMNS = {
    "buurt": ("bu_code", "buurtcode"),
    "wijk": ("wk_code", "wijkcode"),
    "gemeente": ("gm_code", "gemeentecode"),
}
NAME_COLUMNS = {
    "buurt": ("bu_naam", "buurtnaam"),
    "wijk": ("wk_naam", "wijknaam"),
    "gemeente": ("gm_naam", "gemeentenaam"),
}
PREFIX = {"buurt": "BU", "wijk": "WK", "gemeente": "GM"}
CODE_RE = re.compile(r"^(GM\d{4}|WK\d{6}|BU\d{8})$")
YEAR_RE = re.compile(r"(?<![0-9])(20[0-4]\d|19[89]\d)(?![0-9])")
# Columns that describe a region and are never a figure.
DESCRIPTIVE = {
    "bu_code",
    "bu_naam",
    "wk_code",
    "wk_naam",
    "gm_code",
    "gm_naam",
    "water",
    "ind_wbi",
    "postcode",
    "dek_perc",
    "shape_leng",
    "shape_area",
    "objectid",
    "fid",
    "jrstatcode",
    "jaar",
    "buurtcode",
    "buurtnaam",
    "wijkcode",
    "wijknaam",
    "gemeentecode",
    "gemeentenaam",
    "meest_voorkomende_postcode",
    "dekkingspercentage",
    "indelingswijziging_wijken_en_buurten",
    "id",
    "geometry",
}


@dataclass(frozen=True)
class KaartMapping:
    columns: dict[str, tuple[str, float, tuple[int, int] | None]]  # lower-case name -> (indicator, factor, years)
    sentinels: dict[float, str]

    def for_year(self, available: list[str], year: int) -> dict[str, tuple[str, float]]:
        """The file's own column names that map to an indicator in `year` (case-insensitive)."""
        out: dict[str, tuple[str, float]] = {}
        for col in available:
            spec = self.columns.get(col.lower())
            if spec is None:
                continue
            indicator, factor, years = spec
            if years is not None and not years[0] <= year <= years[1]:
                continue
            out[col] = (indicator, factor)
        return out


@lru_cache(maxsize=1)
def load_mapping() -> KaartMapping:
    """catalogue/wijkbuurtkaart.toml, validated against the indicator catalogue."""
    from wijkkompas.catalogue.catalogue import CatalogueError, load_catalogue

    raw = tomllib.loads(MAPPING_TOML.read_text(encoding="utf-8"))
    known = load_catalogue().indicators
    columns = {}
    for name, spec in raw.get("columns", {}).items():
        indicator = str(spec.get("indicator", ""))
        if indicator not in known:
            raise CatalogueError(
                f"wijkbuurtkaart.toml: kolom {name} verwijst naar indicator '{indicator}', die niet in de catalogus staat."
            )
        years = spec.get("years")
        columns[name.lower()] = (
            indicator,
            float(spec.get("factor", 1.0)),
            (int(years[0]), int(years[1])) if years else None,
        )
    sentinels = {float(k): str(v) for k, v in raw.get("sentinels", {}).items()}
    return KaartMapping(columns, sentinels)


def _find(columns: list[str], candidates: tuple[str, ...]) -> str | None:
    lower = {c.lower(): c for c in columns}
    return next((lower[c] for c in candidates if c in lower), None)


def level_of_columns(columns: list[str]) -> str | None:
    """buurt, wijk or gemeente, from the most detailed code column present; None when it is no kaart table."""
    for level in ("buurt", "wijk", "gemeente"):
        if _find(columns, CODE_COLUMNS[level]):
            return level
    return None


def looks_like_kaart_csv(header: list[str]) -> bool:
    """A CSV of the kaart's table: a short code column (BU_CODE/WK_CODE/GM_CODE) and a mapped column."""
    lower = {h.strip().strip('"').lower() for h in header}
    has_code = bool(lower & {"bu_code", "wk_code", "gm_code"})
    return has_code and bool(lower & set(load_mapping().columns))


def year_of(path: Path, layer: str = "") -> int | None:
    for part in [layer, *reversed(path.parts)]:
        m = YEAR_RE.search(part)
        if m:
            return int(m.group(1))
    return None


def _read_csv(path: Path) -> pd.DataFrame:
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        head = fh.readline()
    delimiter = ";" if head.count(";") > head.count(",") else ","
    return pd.read_csv(
        path, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=delimiter, quoting=csv.QUOTE_MINIMAL
    )


def _layers(path: Path) -> list[tuple[str, str | None]]:
    """(datasource, layer) pairs to read: the file itself, every layer of a GeoPackage, the tables in a zip."""
    import pyogrio

    suffix = path.suffix.lower()
    if suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.namelist() if m.lower().endswith((".gpkg", ".shp"))]
            if not any(m.lower().endswith(".shp") for m in members):
                members += [m for m in zf.namelist() if m.lower().endswith(".dbf")]
        out: list[tuple[str, str | None]] = []
        for member in members:
            source = f"/vsizip/{path}/{member}"
            if member.lower().endswith(".gpkg"):
                out += [(source, str(name)) for name, _ in pyogrio.list_layers(source)]
            else:
                out.append((source, None))
        return out
    if suffix == ".gpkg":
        return [(str(path), str(name)) for name, _ in pyogrio.list_layers(path)]
    return [(str(path), None)]


def read_kaart(path: Path) -> tuple[list[MappedTable], list[tuple[int, gpd.GeoDataFrame]], list[str]]:
    """Figures (per year), land polygons (per year) and Dutch notes from one kaart file.

    Raises SourceError (Dutch) when the file cannot be read or has no year.
    """
    import pyogrio

    path = Path(path)
    tables: list[MappedTable] = []
    geometries: list[tuple[int, gpd.GeoDataFrame]] = []
    notes: list[str] = []
    sources: list[tuple[str, str | None]]
    if path.suffix.lower() == ".dbf" and path.with_suffix(".shp").exists():
        return [], [], []  # the shapefile next to it is read instead (same table, with the shapes)
    try:
        if path.suffix.lower() == ".csv":
            sources = [("csv", None)]
        else:
            sources = _layers(path)
    except (OSError, zipfile.BadZipFile, pyogrio.errors.DataSourceError) as exc:
        raise SourceError(
            f"Het bestand {path} kan niet worden gelezen als wijk- en buurtkaart ({exc}). Is het compleet? "
            "Download het opnieuw bij CBS.",
            path=str(path),
        ) from exc
    for source, layer in sources:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if source == "csv":
                    frame = _read_csv(path)
                else:
                    frame = pyogrio.read_dataframe(
                        source, layer=layer, read_geometry=not source.lower().endswith(".dbf")
                    )
        except Exception as exc:  # pyogrio raises its own error family
            raise SourceError(
                f"De wijk- en buurtkaart {path}{f' (laag {layer})' if layer else ''} kan niet worden gelezen "
                f"({type(exc).__name__}: {exc}). Is het bestand compleet? Download het opnieuw.",
                path=str(path),
            ) from exc
        level = level_of_columns(list(frame.columns))
        if level is None:
            continue
        year = year_of(path, layer or "")
        if year is None:
            raise SourceError(
                f"Van de wijk- en buurtkaart {path} is het jaar niet bekend. Zet het jaar in de bestands- of "
                "mapnaam, zoals CBS dat doet (bijvoorbeeld wijk_2017.dbf of WijkBuurtkaart_2017_v3).",
                path=str(path),
            )
        table, geo, note = _one_layer(frame, level, year, path)
        if table is not None:
            tables.append(table)
        if geo is not None:
            geometries.append((year, geo))
        notes += note
    return tables, geometries, notes


def _one_layer(frame: pd.DataFrame, level: str, year: int, path: Path):
    columns = [c for c in frame.columns if c != "geometry"]
    code_col = _find(columns, CODE_COLUMNS[level])
    name_col = _find(columns, NAME_COLUMNS[level])
    water_col = _find(columns, ("water",))
    codes = frame[code_col].astype("string").str.strip().str.upper()
    # Some kaart tables write gemeente codes as the bare number ("0164"); CBS codes carry a prefix.
    bare = codes.str.fullmatch(r"\d+").fillna(False)
    width = {"buurt": 8, "wijk": 6, "gemeente": 4}[level]
    codes = codes.where(~bare, PREFIX[level] + codes.str.zfill(width))
    keep = codes.str.match(CODE_RE.pattern).fillna(False)
    if water_col is not None:
        # "JA" = water, "B" = Belgian territory around Baarle (CBS toelichting 2021): neither is a place to report on.
        keep &= ~frame[water_col].astype("string").str.strip().str.upper().isin(["JA", "B"]).fillna(False)
    frame = frame[keep.to_numpy()].reset_index(drop=True)
    codes = codes[keep].reset_index(drop=True)
    mapping = load_mapping()
    mapped = mapping.for_year(columns, year)
    notes = []
    unmapped = [c for c in columns if c not in mapped and c.lower() not in DESCRIPTIVE]
    if unmapped:
        notes.append(
            f"Wijk- en buurtkaart {year}: kolommen {', '.join(unmapped[:12])}{' …' if len(unmapped) > 12 else ''} uit de wijk- en "
            "buurtkaart zijn niet aan een indicator gekoppeld (zie catalogue/wijkbuurtkaart.toml)."
        )
    table = None
    if mapped:
        rows = long_from_wide(frame, codes, mapped, mapping.sentinels)
        names = {}
        if name_col is not None:
            named = pd.DataFrame({"c": codes, "n": frame[name_col].astype("string").str.strip()}).dropna()
            names = dict(zip(named["c"], named["n"], strict=True))
        if level != "gemeente":
            gm_name_col = _find(columns, NAME_COLUMNS["gemeente"])
            if gm_name_col is not None:
                gm = pd.DataFrame({"c": "GM" + codes.str[2:6], "n": frame[gm_name_col].astype("string").str.strip()})
                names.update(
                    {c: n for c, n in gm.dropna().drop_duplicates("c").itertuples(index=False) if c not in names}
                )
        table = MappedTable(SOURCE, year, rows, names, [path], notes)
    geo = None
    if isinstance(frame, gpd.GeoDataFrame) and "geometry" in frame and frame.geometry.notna().any():
        from wijkkompas.geo import dissolve_per_code

        crs = frame.crs or "EPSG:28992"
        geo = gpd.GeoDataFrame(
            {
                "region_code": codes,
                "region_name": frame[name_col].astype("string").str.strip() if name_col else pd.NA,
            },
            geometry=frame.geometry.to_numpy(),
            crs=crs,
        )
        geo = dissolve_per_code(geo[geo.geometry.notna() & ~geo.geometry.is_empty].reset_index(drop=True))
    return table, geo, ([] if table is not None else notes)
