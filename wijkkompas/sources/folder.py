"""FolderSource: the CBS/PDOK wire files, read from a folder on disk.

Every other source ends here: the live CBS and PDOK sources only *download* their wire files into
`data/raw/`, and this module parses them. So there is one parser per wire format, and the same code
reads a fresh download, `../shared/data`, a data pack or a user's own CBS downloads.

Recognised (by name and content, anywhere below the folder):
- cbsodata download folders `<TABLE>/{DataProperties,TableInfos,TypedDataSet,WijkenEnBuurten}.json`
- the same files with the table id as prefix (`85984NED_DataProperties.json`)
- OData v4 folders `<TABLE>/v4/{Observations,MeasureCodes,...}.json`
- KWB rows as CSV with CBS keys (`WijkenEnBuurten,AantalInwoners_5,...`; `.` or empty = unknown)
- KWB rows as JSON `{code: {Key: value}}`
- CBS region name lists (`Identifier,Title`)
- police crime 47018NED (rows with `SoortMisdrijf`; per year the total category and the main groups)
- geometries as GeoJSON or TopoJSON (codes in `statcode`, `buurtcode`, `wijkcode` or `gemeentecode`)
- the CBS wijk- en buurtkaart: `.dbf`, `.shp`, `.gpkg`, its `.zip`, or its table as CSV (`WK_CODE`,
  `AANT_INW`, …): figures under map-style names and the polygons (sources/wijkbuurtkaart.py)
- Leefbaarometer 3.0 scores: the open-data CSVs (`bu_code, jaar, lbm, afw, …`) and WFS answers
  (sources/leefbaarometer.py)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from wijkkompas.catalogue.catalogue import KeyInfo, key_stem, keyinfos_from_properties
from wijkkompas.errors import SourceError
from wijkkompas.sources.mapped import MappedTable

TABLE_ID = re.compile(r"(?<![0-9])(\d{5}[A-Z]{3}|\d{5})(?![0-9])")
YEAR = re.compile(r"(?<![0-9A-Za-z])(19[89]\d|20[0-4]\d)(?![0-9])")
CBS_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*_\d+$")
REGION_CODE = re.compile(r"^(NL\d{2}|GM\d{4}|WK\d{6}|BU\d{8})$")
REGION_COLUMNS = ("WijkenEnBuurten", "RegioS", "Codering", "Identifier", "statcode")
# Columns that identify or describe a region (text or code), never a measurement.
DESCRIPTIVE_STEMS = {
    "ID",
    "WijkenEnBuurten",
    "RegioS",
    "Gemeentenaam",
    "SoortRegio",
    "Codering",
    "IndelingswijzigingGemeenteWijkBuurt",
    "MeestVoorkomendePostcode",
    "Dekkingspercentage",
    "Perioden",
    "SoortMisdrijf",
}
MISSING_TOKENS = {"", ".", "x", "-", "?", "nan", "None", "null"}
LEVEL_BY_PREFIX = {"NL": "nederland", "GM": "gemeente", "WK": "wijk", "BU": "buurt"}
# The online fetch's record of what it downloaded (wijkkompas/fetch.py); not a data file.
DOWNLOAD_LOG = "downloads.json"
SUFFIXES = {".json", ".csv", ".geojson", ".topojson", ".dbf", ".shp", ".gpkg", ".zip"}


def normalise_table_id(raw: str) -> str:
    raw = raw.upper()
    return raw if raw.endswith("NED") or not raw.isdigit() else raw + "NED"


def level_of(codes: pd.Series) -> pd.Series:
    return codes.str[:2].map(LEVEL_BY_PREFIX)


@dataclass
class RawTable:
    """One CBS table's rows for one year, as wide as CBS publishes it (one column per key)."""

    table_id: str
    rows: pd.DataFrame  # index-free; column `region_code` + one float column per CBS key
    keys: list[KeyInfo] = field(default_factory=list)  # metadata per key (from DataProperties), may be empty
    info: dict = field(default_factory=dict)  # TableInfos
    names: dict[str, str] = field(default_factory=dict)  # region code -> name
    status: pd.DataFrame | None = None  # optional per-cell status (v4 ValueAttribute), same shape as rows
    present: pd.DataFrame | None = None  # which cells the source actually had (vs. columns another file lacked)
    files: list[Path] = field(default_factory=list)
    year: int | None = None
    notes: list[str] = field(default_factory=list)  # Dutch remarks for the ingest report


@dataclass
class RawGeometry:
    year: int
    path: Path
    frame: Any  # GeoDataFrame with region_code, region_name, geometry (its own CRS)


@dataclass
class FolderContents:
    tables: dict[str, RawTable] = field(default_factory=dict)
    geometries: list[RawGeometry] = field(default_factory=list)
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # table id -> names
    problems: list[str] = field(default_factory=list)  # Dutch, one per file that could not be read
    skipped: list[str] = field(default_factory=list)  # Dutch, files recognised but deliberately not used
    mapped: list[MappedTable] = field(default_factory=list)  # wijk- en buurtkaart, Leefbaarometer


# --------------------------------------------------------------------------- small readers


def _read_json(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"Het bestand {path} kan niet worden gelezen ({exc}).", path=str(path)) from exc
    if not text.strip():
        raise SourceError(
            f"Het bestand {path} is leeg. Download het opnieuw of verwijder het uit de map.", path=str(path)
        )
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise SourceError(
            f"Het bestand {path} is geen geldige JSON (afgebroken download?) — fout op regel {getattr(exc, 'lineno', '?')}. "
            "Download het opnieuw.",
            path=str(path),
        ) from exc


def _rows_of(payload: object, path: Path) -> list[dict]:
    """OData JSON as cbsodata writes it (a list) or as the server sends it (`{"value": [...]}`)."""
    if isinstance(payload, dict) and isinstance(payload.get("value"), list):
        payload = payload["value"]
    if not isinstance(payload, list) or not all(isinstance(r, dict) for r in payload):
        raise SourceError(
            f"Het bestand {path} heeft niet de vorm van een CBS OData-tabel (een lijst met rijen).", path=str(path)
        )
    return payload


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells to floats; CBS's missing markers ('.', '', 'x') become NaN, never 0."""
    out = {}
    for col in frame.columns:
        s = frame[col]
        if not pd.api.types.is_numeric_dtype(s):
            s = s.astype("string").str.strip()
            s = s.mask(s.isin(MISSING_TOKENS))
            s = pd.to_numeric(s, errors="coerce")
        out[col] = s.astype("float64")
    return pd.DataFrame(out, index=frame.index)


def _region_column(columns: Iterable[str]) -> str | None:
    cols = list(columns)
    for wanted in REGION_COLUMNS:
        for c in cols:
            if key_stem(c) == wanted:
                return c
    return None


def _wide_from_records(
    records: pd.DataFrame, path: Path, table_id: str, presence: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, dict[str, str], pd.DataFrame]:
    """Wire rows → `region_code` + numeric key columns, the gemeente names, and which cells the file had."""
    region_col = _region_column(records.columns)
    if region_col is None:
        raise SourceError(
            f"In {path} ontbreekt de kolom met regiocodes (WijkenEnBuurten of RegioS). "
            "Is dit wel een CBS-tabel met wijken en buurten?",
            path=str(path),
        )
    codes = records[region_col].astype("string").str.strip()
    keep = codes.str.match(REGION_CODE.pattern).fillna(False)
    records, codes = records[keep.to_numpy()], codes[keep]
    names: dict[str, str] = {}
    gm_col = next((c for c in records.columns if key_stem(c) == "Gemeentenaam"), None)
    if gm_col is not None:
        municipal = codes.str.startswith(("GM", "WK", "BU")).to_numpy()
        gm = pd.DataFrame({"code": "GM" + codes.str[2:6], "name": records[gm_col].astype("string").str.strip()})[
            municipal
        ]
        gm = gm.dropna().drop_duplicates("code")
        names.update(dict(zip(gm["code"], gm["name"], strict=True)))
    value_cols = [
        c for c in records.columns if c != region_col and CBS_KEY.match(c) and key_stem(c) not in DESCRIPTIVE_STEMS
    ]
    wide = _numeric(records[value_cols])
    wide.insert(0, "region_code", codes.to_numpy())
    if presence is None:
        present = pd.DataFrame(True, index=wide.index, columns=wide.columns)
    else:
        present = presence.reindex(index=wide.index, columns=wide.columns).notna()
        present["region_code"] = True
    return wide.reset_index(drop=True), names, present.reset_index(drop=True)


def _crime_group_keyinfos(columns: Iterable[str], known: set[str]) -> list[KeyInfo]:
    """Metadata for the police main-group columns Wijkkompas adds, so the table's DataProperties accept them."""
    from wijkkompas.catalogue.catalogue import load_catalogue

    groups = load_catalogue().crime_groups
    return [
        KeyInfo(c, title=groups[key_stem(c)].title, unit="aantal", decimals=0)
        for c in columns
        if key_stem(c) in groups and c not in known
    ]


def _presence(rows: list[dict], records: pd.DataFrame) -> pd.DataFrame | None:
    """Which keys each JSON row really had: a missing key is 'not published', a null is 'geheim'.

    CBS's own TypedDataSet rows all have every key, so the common case costs one pass over the lengths.
    """
    if len({len(r) for r in rows}) <= 1:
        return None
    return pd.DataFrame([dict.fromkeys(r, True) for r in rows], index=records.index)


def _looks_truncated(path: Path) -> bool:
    """A CSV cut off mid-download ends without a newline and with fewer fields than its header."""
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        if size == 0:
            return False
        fh.seek(max(0, size - 4096))
        tail = fh.read()
        fh.seek(0)
        header = fh.readline()
    if tail.endswith(b"\n"):
        return False
    last = tail.rsplit(b"\n", 1)[-1]
    return last.count(b",") < header.count(b",")


# --------------------------------------------------------------------------- the source


class FolderSource:
    """Reads every recognised wire file below `root`. Never raises for one bad file: it reports it."""

    def __init__(self, root: Path | str, table_years: dict[str, int] | None = None) -> None:
        self.root = Path(root)
        self.table_years = {k.upper(): v for k, v in (table_years or {}).items()}

    def files(self) -> Iterator[Path]:
        if not self.root.exists():
            raise SourceError(
                f"De map {self.root} bestaat niet. Kies een bestaande map met CBS-bestanden "
                "(bijvoorbeeld ../shared/data) of haal de gegevens online op.",
                path=str(self.root),
            )
        if self.root.is_file():
            yield self.root
            return
        for p in sorted(self.root.rglob("*")):
            if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith("."):
                yield p

    def _table_id(self, path: Path) -> str | None:
        rel = path.relative_to(self.root) if path != self.root and self.root in path.parents else Path(path.name)
        for part in reversed(rel.parts):
            m = TABLE_ID.search(part.upper())
            if m:
                return normalise_table_id(m.group(1))
        return None

    def _year_hint(self, path: Path) -> int | None:
        rel = path.relative_to(self.root) if self.root in path.parents else Path(path.name)
        for part in reversed(rel.parts):
            m = YEAR.search(part)
            if m:
                return int(m.group(1))
        return None

    def read(self, *, want_geometry: bool = True) -> FolderContents:
        out = FolderContents()
        rows_by_table: dict[str, list[pd.DataFrame]] = {}
        present_by_table: dict[str, list[pd.DataFrame]] = {}
        status_by_table: dict[str, list[pd.DataFrame]] = {}
        props: dict[str, list[KeyInfo]] = {}
        infos: dict[str, dict] = {}
        files_by_table: dict[str, list[Path]] = {}
        # A multi-year table (police 47018NED) is split per year: key "47018NED:2024" → table, year.
        table_of: dict[str, str] = {}
        year_of: dict[str, int] = {}
        for path in self.files():
            try:
                kind = self._classify(path)
                if kind is None:
                    continue
                if kind == "kaart":
                    from wijkkompas.sources.wijkbuurtkaart import read_kaart

                    tables, geometries, notes = read_kaart(path)
                    out.mapped += tables
                    out.skipped += notes
                    if want_geometry:
                        out.geometries += [RawGeometry(year, path, frame) for year, frame in geometries]
                    continue
                if kind == "lbm_csv":
                    from wijkkompas.sources.leefbaarometer import read_lbm_csv

                    out.mapped += read_lbm_csv(path)
                    continue
                if kind == "lbm_geojson":
                    from wijkkompas.sources.leefbaarometer import read_lbm_geojson

                    out.mapped += read_lbm_geojson(path, self._year_hint(path))
                    continue
                if kind == "geometry":
                    if want_geometry:
                        geo = self._read_geometry(path)
                        if geo is not None:
                            out.geometries.append(geo)
                    continue
                if kind == "v4":
                    self._read_v4_folder(path.parent, rows_by_table, status_by_table, props, infos, out)
                    for table_id, frames in rows_by_table.items():  # v4 cells are all present (null = a status)
                        have = present_by_table.setdefault(table_id, [])
                        have += [pd.DataFrame(True, index=f.index, columns=f.columns) for f in frames[len(have) :]]
                    continue
                table = self._table_id(path)
                if table is None:
                    out.skipped.append(f"{path}: geen CBS-tabelnummer in de naam of map gevonden; overgeslagen.")
                    continue
                files_by_table.setdefault(table, []).append(path)
                if kind == "properties":
                    props[table] = keyinfos_from_properties(_rows_of(_read_json(path), path))
                elif kind == "tableinfos":
                    rows = _rows_of(_read_json(path), path)
                    infos[table] = rows[0] if rows else {}
                elif kind == "dimension":
                    rows = _rows_of(_read_json(path), path)
                    names = {str(r.get("Key", "")).strip(): str(r.get("Title", "")).strip() for r in rows}
                    out.names.setdefault(table, {}).update({k: v for k, v in names.items() if k})
                elif kind == "names_csv":
                    df = pd.read_csv(path, dtype=str, keep_default_na=False)
                    out.names.setdefault(table, {}).update(
                        dict(zip(df["Identifier"].str.strip(), df["Title"].str.strip(), strict=True))
                    )
                elif kind in ("rows_json", "rows_csv", "rows_dict"):
                    if kind == "rows_csv" and _looks_truncated(path):
                        out.problems.append(
                            f"Het bestand {path} lijkt afgebroken (de laatste regel is onvolledig); die regel is "
                            "overgeslagen. Download het bestand opnieuw voor de volledige cijfers."
                        )
                    for key, year, frame, names, present in self._read_rows(path, kind, table):
                        rows_by_table.setdefault(key, []).append(frame)
                        present_by_table.setdefault(key, []).append(present)
                        out.names.setdefault(table, {}).update(names)
                        table_of[key] = table
                        if year is not None:
                            year_of[key] = year
            except SourceError as exc:
                out.problems.append(str(exc))
            except (ValueError, KeyError, OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
                out.problems.append(
                    f"Het bestand {path} kan niet worden gelezen: {exc}. Controleer of het compleet is."
                )
        for key, frames in rows_by_table.items():
            table = table_of.get(key, key)
            wide = pd.concat(frames, ignore_index=True, sort=False)
            # A cell is "present" when its file had that column for that region (null there = geheim);
            # a column that only another file has is simply not published for this region.
            present = (
                pd.concat(present_by_table[key], ignore_index=True, sort=False).fillna(False).astype(bool)
                if key in present_by_table
                else pd.DataFrame(True, index=wide.index, columns=wide.columns)
            )
            present["region_code"] = wide["region_code"]
            # The same figures may sit in a national file and in an extract of it: keep one row per region.
            wide = wide.groupby("region_code", sort=False, as_index=False).first()
            present = present.groupby("region_code", sort=False, as_index=False).max()
            present = present.set_index("region_code").reindex(wide["region_code"]).reset_index()
            status = None
            if status_by_table.get(table):
                status = (
                    pd.concat(status_by_table[table], ignore_index=True).groupby("region_code", as_index=False).first()
                )
            keys = props.get(table, [])
            if keys and key in year_of:  # police main groups are Wijkkompas sums: give them metadata too
                keys = keys + _crime_group_keyinfos(wide.columns, {k.key for k in keys})
            out.tables[key] = RawTable(
                table_id=table,
                rows=wide,
                keys=keys,
                info=infos.get(table, {}),
                names=out.names.get(table, {}),
                status=status,
                files=files_by_table.get(table, []),
                year=year_of.get(key, self.table_years.get(table)),
                present=present[wide.columns],
            )
        for table in props.keys() - set(table_of.values()) - rows_by_table.keys():
            out.skipped.append(f"Voor tabel {table} is wel metadata maar geen cijfers gevonden.")
        return out

    # ------------------------------------------------------------------ classification

    def _classify(self, path: Path) -> str | None:
        name = path.name
        lower = name.lower()
        if path.parent.name == "v4":
            return "v4" if lower == "measurecodes.json" else None
        if lower.endswith(("dataproperties.json",)):
            return "properties"
        if lower.endswith("tableinfos.json"):
            return "tableinfos"
        if lower.endswith(("categorygroups.json", "soortmisdrijf.json", "perioden.json")) or lower in (
            "manifest.json",
            DOWNLOAD_LOG,
        ):
            return None
        if lower.endswith(("wijkenenbuurten.json", "regios.json")):
            return "dimension"
        if lower.endswith("typeddataset.json") or lower.endswith("untypeddataset.json"):
            return "rows_json"
        if path.suffix.lower() in {".dbf", ".shp", ".gpkg", ".zip"}:
            return "kaart"
        if path.suffix.lower() in {".geojson", ".topojson", ".json"}:
            with path.open("rb") as fh:
                head = fh.read(8192).decode("utf-8", errors="replace")
            from wijkkompas.sources.leefbaarometer import looks_like_lbm_geojson

            if looks_like_lbm_geojson(head):
                return "lbm_geojson"
        if path.suffix.lower() in {".geojson", ".topojson"}:
            return "geometry"
        if path.suffix.lower() == ".csv":
            header = path.open(encoding="utf-8-sig", errors="replace").readline().strip()
            sep = ";" if header.count(";") > header.count(",") else ","
            cols = [c.strip().strip('"') for c in header.split(sep)]
            from wijkkompas.sources.leefbaarometer import looks_like_lbm_csv
            from wijkkompas.sources.wijkbuurtkaart import looks_like_kaart_csv

            if looks_like_lbm_csv(cols):
                return "lbm_csv"
            if looks_like_kaart_csv(cols):
                return "kaart"
            if cols[:2] == ["Identifier", "Title"]:
                return "names_csv"
            if _region_column(cols):
                return "rows_csv"
            return None
        if path.suffix.lower() == ".json":
            with path.open("rb") as fh:
                head = fh.read(4096).decode("utf-8", errors="replace")
            if '"Topology"' in head or '"FeatureCollection"' in head:
                return "geometry"
            if head.lstrip().startswith("{") and re.search(r'"(GM|WK|BU|NL)\d{2,8}"\s*:\s*\{', head):
                return "rows_dict"
            if head.lstrip().startswith("[") or '"value"' in head:
                return "rows_json"
        return None

    # ------------------------------------------------------------------ readers

    def _read_rows(
        self, path: Path, kind: str, table: str
    ) -> list[tuple[str, int | None, pd.DataFrame, dict[str, str], pd.DataFrame]]:
        """(table key, year, wide rows, names, presence) per table slice in the file: one, or one per year (police)."""
        presence = None
        if kind == "rows_csv":
            records = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            if records.empty:
                raise SourceError(f"Het bestand {path} bevat geen rijen.", path=str(path))
        elif kind == "rows_dict":
            payload = _read_json(path)
            if not isinstance(payload, dict):
                raise SourceError(f"Het bestand {path} heeft een onbekende vorm.", path=str(path))
            records = pd.DataFrame.from_dict(payload, orient="index")
            presence = _presence(list(payload.values()), records)
            records.insert(0, "WijkenEnBuurten", records.index.astype(str))
        else:
            rows = _rows_of(_read_json(path), path)
            records = pd.DataFrame(rows)
            if records.empty:
                raise SourceError(f"Het bestand {path} bevat geen rijen.", path=str(path))
            presence = _presence(rows, records)
        if "SoortMisdrijf" in records.columns:
            out = []
            for year, part in self._crime_by_year(records, path):
                frame, names, present = _wide_from_records(part, path, table, None)
                out.append((f"{table}:{year}" if year else table, year, frame, names, present))
            return out
        if self._is_summed_crime(table, records):
            raise SourceError(
                f"{path} is een politiebestand ({table}) zonder kolom SoortMisdrijf: de maker heeft alle soorten "
                "misdrijven bij elkaar opgeteld, ook het totaal, dus de aantallen zijn ongeveer dubbel. "
                "Dit bestand wordt niet ingelezen; haal de misdrijven per buurt opnieuw op bij CBS.",
                path=str(path),
            )
        frame, names, present = _wide_from_records(records, path, table, presence)
        return [(table, None, frame, names, present)]

    @staticmethod
    def _is_summed_crime(table: str, records: pd.DataFrame) -> bool:
        return table == "47018NED" and "SoortMisdrijf" not in records.columns

    def _crime_by_year(self, records: pd.DataFrame, path: Path) -> list[tuple[int | None, pd.DataFrame]]:
        """47018NED has one row per region × crime type × period: per year, the total and the main groups.

        The total is the "0.0.0 Totaal misdrijven" row (never a sum of the types, which would count
        everything twice). The main groups (catalogue/tables.toml, [crime.groups]) are sums of the
        police's own categories; a group is only a number when every category in it has a value for
        that region, otherwise it stays unknown (a sum over some of its parts would look right and be wrong).
        """
        from wijkkompas.catalogue.catalogue import load_catalogue

        catalogue = load_catalogue()
        kind = records["SoortMisdrijf"].astype("string").str.strip()
        code = kind.str.extract(r"^(\d+(?:\.\d+)+)", expand=False)
        lowered = kind.str.lower()
        is_total = (code == catalogue.crime_total_category) | lowered.isin(["totaal misdrijven", "misdrijven, totaal"])
        if not is_total.fillna(False).any():
            raise SourceError(
                f"In {path} staat geen rij 'Totaal misdrijven' (SoortMisdrijf {catalogue.crime_total_category}).",
                path=str(path),
            )
        if "Perioden" in records.columns:
            years = records["Perioden"].astype("string").str.strip().str[:4]
            years = pd.to_numeric(years, errors="coerce")
        else:
            years = pd.Series(pd.NA, index=records.index, dtype="Float64")
        region_col = _region_column(records.columns)
        measure = next((c for c in records.columns if key_stem(c) == "GeregistreerdeMisdrijven"), None)
        out = []
        for year in sorted(years.dropna().unique()) or [None]:
            in_year = (years == year).fillna(False) if year is not None else pd.Series(True, index=records.index)
            total = records[(is_total.fillna(False) & in_year).to_numpy()].drop(columns=["SoortMisdrijf"])
            if total.empty:
                continue
            if measure is not None and region_col is not None and catalogue.crime_groups:
                total = self._add_crime_groups(
                    records[in_year.to_numpy()], code[in_year], total, region_col, measure, catalogue
                )
            out.append((int(year) if year is not None else None, total))
        if not out:
            raise SourceError(f"In {path} staat geen rij 'Totaal misdrijven' (SoortMisdrijf 0.0.0).", path=str(path))
        return out

    @staticmethod
    def _add_crime_groups(rows, code, total, region_col, measure, catalogue) -> pd.DataFrame:
        regions = rows[region_col].astype("string").str.strip()
        values = pd.to_numeric(
            rows[measure].astype("string").str.strip().mask(lambda s: s.isin(MISSING_TOKENS)), errors="coerce"
        )
        cube = pd.DataFrame({"region": regions.to_numpy(), "code": code.to_numpy(), "value": values.to_numpy()})
        total = total.copy()
        total_regions = total[region_col].astype("string").str.strip()
        for key, group in catalogue.crime_groups.items():
            part = cube[cube["code"].isin(group.codes)]
            if part.empty:
                continue
            # Every category of the group must be there with a value, or the group is unknown.
            n_known = part.groupby("region")["value"].count()
            sums = part.groupby("region")["value"].sum(min_count=1)
            complete = sums.where(n_known == len(group.codes))
            total[f"{key}_1"] = total_regions.map(complete).to_numpy()
        return total

    def _read_v4_folder(self, folder: Path, rows_by_table, status_by_table, props, infos, out: FolderContents) -> None:
        from wijkkompas.sources.odata4_shapes import v4_to_v3  # pure: reading a folder needs no network client

        table = self._table_id(folder.parent) or self._table_id(folder)
        if table is None:
            out.skipped.append(f"{folder}: OData v4-map zonder tabelnummer; overgeslagen.")
            return

        def load(name: str, required: bool = True) -> list[dict]:
            p = folder / f"{name}.json"
            if not p.exists():
                if required:
                    raise SourceError(f"In {folder} ontbreekt {name}.json (OData v4). Download de tabel opnieuw.")
                return []
            return _rows_of(_read_json(p), p)

        region_rows = load("WijkenEnBuurtenCodes", required=False) or load("RegioSCodes", required=False)
        rows, properties, table_infos = v4_to_v3(
            load("Observations"),
            load("MeasureCodes"),
            region_rows,
            measure_groups=load("MeasureGroups", required=False) or None,
            properties=next(iter(load("Properties", required=False)), None),
        )
        records = pd.DataFrame(rows)
        status = None
        if "_status" in records.columns:
            st = pd.DataFrame(list(records.pop("_status").map(lambda d: d or {})))
            if not st.empty:
                st.insert(0, "region_code", records["WijkenEnBuurten"].astype(str).str.strip().to_numpy())
                status = st
        region_col = _region_column(records.columns) or "WijkenEnBuurten"
        codes = records[region_col].astype("string").str.strip()
        # v4 measure codes say nothing; the converter's synthesised stem and data type tell text from numbers.
        textual = {
            str(p.get("Key"))
            for p in properties
            if p.get("Type") == "Topic"
            and (
                key_stem(str(p.get("Stem") or p.get("Key"))) in DESCRIPTIVE_STEMS
                or str(p.get("Datatype") or p.get("DataType") or "").lower() == "string"
            )
        }
        value_cols = [
            c
            for c in records.columns
            if c not in (region_col, "ID") and c not in textual and key_stem(c) not in DESCRIPTIVE_STEMS
        ]
        wide = _numeric(records[value_cols])
        wide.insert(0, "region_code", codes.to_numpy())
        rows_by_table.setdefault(table, []).append(wide)
        if status is not None:
            status_by_table.setdefault(table, []).append(status)
        props[table] = keyinfos_from_properties(properties)
        infos[table] = table_infos[0] if table_infos else {}
        out.names.setdefault(table, {}).update(
            {str(r.get("Identifier", "")).strip(): str(r.get("Title", "")).strip() for r in region_rows}
        )

    def _read_geometry(self, path: Path) -> RawGeometry | None:
        from wijkkompas.geo import read_geometry_file

        year = self._year_hint(path)
        if year is None:
            raise SourceError(
                f"Van {path} is het jaar van de kaartgrenzen niet bekend. Zet het jaar in de bestandsnaam "
                "of in de mapnaam (bijvoorbeeld geo/2024/buurten.geojson).",
                path=str(path),
            )
        frame = read_geometry_file(path)
        if frame is None:
            return None
        return RawGeometry(year=year, path=path, frame=frame)
