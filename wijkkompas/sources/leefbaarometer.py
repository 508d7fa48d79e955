"""Leefbaarometer 3.0 (the Rijk's leefbaarheid instrument): its scores per buurt, wijk and gemeente.

Two ways in, one shape out (a `MappedTable` per measurement year, see sources/mapped.py):

* the **open-data download** of an edition (``open-data-leefbaarometer-meting-2024.zip``), whose CSVs
  ``Leefbaarometer-scores buurten 2002-2024.csv`` (and ``wijken``, ``gemeenten``) hold one row per
  area and measurement year: ``bu_code``/``wk_code``/``gm_code``, ``jaar``, ``lbm`` (the score),
  ``afw`` (its deviation from the national mean) and the five dimensions ``won``, ``fys``, ``vrz``,
  ``soc``, ``onv`` — which add up to ``afw``;
* the **WFS** (``https://geo.leefbaarometer.nl/lbm3/ows``, layers such as ``lbm3:buurtscore24``),
  whose GeoJSON features carry ``id`` (the CBS code), ``name``, ``year``, ``kscore`` (class 1–9) and
  the same deviation scores. `LeefbaarometerSource` downloads it per gemeente into
  ``dest/leefbaarometer/<year>/<level>_<GM>.geojson``; the FolderSource reads both forms.

Which column is which catalogue indicator is data: catalogue/tables.toml, [leefbaarometer.columns].
"""

from __future__ import annotations

import re
import time
import tomllib
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import requests

from wijkkompas.errors import NotAvailable, SourceError
from wijkkompas.sources.http import USER_AGENT, classify_request_error, get_json, with_retries, write_json_atomic
from wijkkompas.sources.mapped import MappedTable, long_from_wide

SOURCE = "Leefbaarometer 3.0"
TABLES_TOML = Path(__file__).resolve().parents[1] / "catalogue" / "tables.toml"
CODE_COLUMNS = ("bu_code", "wk_code", "gm_code")
LEVEL_PREFIX = {"buurt": "BU", "wijk": "WK", "gemeente": "GM"}
PAGE_SIZE = 1000
MAX_PAGES = 200
# The published legend of the 1–9 classes (note: "zwak" (4) ranks above "onvoldoende" (3)).
CLASS_LABELS = {
    1: "zeer onvoldoende",
    2: "ruim onvoldoende",
    3: "onvoldoende",
    4: "zwak",
    5: "voldoende",
    6: "ruim voldoende",
    7: "goed",
    8: "zeer goed",
    9: "uitstekend",
}
_CODE = re.compile(r"^(GM\d{4}|WK\d{6}|BU\d{8})$")


@dataclass(frozen=True)
class LbmConfig:
    years: tuple[int, ...]
    wfs: str
    wfs_layer: str
    wfs_years: tuple[int, ...]
    download: str
    edition: int
    columns: dict[str, str]  # source column -> indicator id
    title: str
    publisher: str
    licence: str
    url: str


@lru_cache(maxsize=1)
def config() -> LbmConfig:
    raw = tomllib.loads(TABLES_TOML.read_text(encoding="utf-8"))["leefbaarometer"]
    return LbmConfig(
        years=tuple(int(y) for y in raw["years"]),
        wfs=str(raw["wfs"]),
        wfs_layer=str(raw["wfs_layer"]),
        wfs_years=tuple(int(y) for y in raw.get("wfs_years", ())),
        download=str(raw["download"]),
        edition=int(raw["edition"]),
        columns={str(k): str(v) for k, v in raw["columns"].items()},
        title=str(raw.get("title", SOURCE)),
        publisher=str(raw.get("publisher", "")),
        licence=str(raw.get("licence", "")),
        url=str(raw.get("url", "")),
    )


def class_label(value: float | None) -> str:
    try:
        return CLASS_LABELS[int(value)]  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError):
        return ""


def nearest_measurement(year: int, max_back: int = 2) -> int | None:
    """The latest measurement year at or before `year`, within `max_back` years (the instrument is biennial)."""
    earlier = [y for y in config().years if y <= year and year - y <= max_back]
    return max(earlier) if earlier else None


# --------------------------------------------------------------------------- reading files


def _columns_map(columns: Iterable[str]) -> dict[str, tuple[str, float]]:
    wanted = config().columns
    return {c: (wanted[c.lower()], 1.0) for c in columns if c.lower() in wanted}


def looks_like_lbm_csv(header: list[str]) -> bool:
    lower = {h.strip().strip('"').lower() for h in header}
    return bool(lower & set(CODE_COLUMNS)) and "afw" in lower and "jaar" in lower


def looks_like_lbm_geojson(head: str) -> bool:
    return '"FeatureCollection"' in head and '"afw"' in head and ('"kscore"' in head or '"scale"' in head)


def read_lbm_csv(path: Path) -> list[MappedTable]:
    """One MappedTable per measurement year in a Leefbaarometer scores CSV."""
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        head = fh.readline()
    sep = ";" if head.count(";") > head.count(",") else ","
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep, encoding="utf-8-sig")
    lower = {c.lower(): c for c in frame.columns}
    code_col = next(lower[c] for c in CODE_COLUMNS if c in lower)
    name_col = next((lower[c] for c in ("bu_naam", "wk_naam", "gm_naam") if c in lower), None)
    years = pd.to_numeric(frame[lower["jaar"]].str.strip(), errors="coerce")
    codes = frame[code_col].astype("string").str.strip().str.upper()
    keep = codes.str.match(_CODE.pattern).fillna(False) & years.notna()
    mapped = _columns_map(frame.columns)
    if not mapped:
        raise SourceError(
            f"In {path} staan geen Leefbaarometer-scores (kolommen afw, won, fys, vrz, soc, onv).", path=str(path)
        )
    out = []
    for year in sorted(years[keep].unique()):
        sel = (keep & (years == year)).to_numpy()
        rows = long_from_wide(frame[sel], codes[sel], mapped, {})
        names = dict(zip(codes[sel], frame.loc[sel, name_col].str.strip(), strict=True)) if name_col else {}
        out.append(MappedTable(SOURCE, int(year), rows, names, [path]))
    return out


def read_lbm_geojson(path: Path, year_hint: int | None = None) -> list[MappedTable]:
    """A WFS answer (GeoJSON FeatureCollection) → one MappedTable per `year` property."""
    try:
        payload = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise SourceError(
            f"Het Leefbaarometer-bestand {path} is geen geldige JSON. Download het opnieuw.", path=str(path)
        ) from exc
    props = [f.get("properties") or {} for f in payload.get("features", []) if isinstance(f, dict)]
    if not props:
        return []
    frame = pd.DataFrame(props)
    lower = {c.lower(): c for c in frame.columns}
    code_col = lower.get("id") or next((lower[c] for c in CODE_COLUMNS if c in lower), None)
    if code_col is None:
        raise SourceError(f"In {path} ontbreekt de kolom met regiocodes (id).", path=str(path))
    codes = frame[code_col].astype("string").str.strip().str.upper()
    years = (
        pd.to_numeric(frame[lower["year"]], errors="coerce")
        if "year" in lower
        else pd.Series(year_hint, index=frame.index)
    )
    keep = codes.str.match(_CODE.pattern).fillna(False) & years.notna()
    mapped = _columns_map(frame.columns)
    out = []
    for year in sorted(years[keep].unique()):
        sel = (keep & (years == year)).to_numpy()
        rows = long_from_wide(frame[sel], codes[sel], mapped, {})
        names = (
            dict(zip(codes[sel], frame.loc[sel, lower["name"]].astype("string").str.strip(), strict=True))
            if "name" in lower
            else {}
        )
        out.append(MappedTable(SOURCE, int(year), rows, names, [path]))
    return out


# --------------------------------------------------------------------------- network


def fes_like(prefix: str) -> str:
    """An OGC FES 2.0 filter: `id` starts with `prefix` (GeoServer understands it; PDOK-style cql is ignored)."""
    return (
        '<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0">'
        '<fes:PropertyIsLike wildCard="*" singleChar="." escapeChar="!">'
        f"<fes:ValueReference>id</fes:ValueReference><fes:Literal>{prefix}*</fes:Literal>"
        "</fes:PropertyIsLike></fes:Filter>"
    )


def lbm_path(dest: Path, year: int, level: str, gemeente: str) -> Path:
    return Path(dest) / "leefbaarometer" / str(year) / f"{level}_{gemeente}.geojson"


class LeefbaarometerSource:
    """Download Leefbaarometer scores for a few gemeenten (WFS), or an edition's open-data download."""

    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] | float = (5, 120),
        retries: int = 3,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.session = session
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.page_size = page_size

    def layer(self, year: int, level: str) -> str:
        return config().wfs_layer.format(level=level, yy=f"{year % 100:02d}", year=year)

    def _features(self, year: int, level: str, gemeente: str) -> list[dict[str, Any]]:
        cfg = config()
        prefix = f"{LEVEL_PREFIX[level]}{gemeente[2:6]}"
        features: list[dict[str, Any]] = []
        for page in range(MAX_PAGES):
            params = {
                "service": "WFS",
                "version": "2.0.0",
                "request": "GetFeature",
                "typeNames": self.layer(year, level),
                "outputFormat": "application/json",
                "srsName": "EPSG:28992",
                "count": self.page_size,
                "startIndex": page * self.page_size,
                "filter": fes_like(prefix),
            }
            body = get_json(
                cfg.wfs,
                params,
                session=self.session,
                timeout=self.timeout,
                retries=self.retries,
                backoff=self.backoff,
                what="de Leefbaarometer",
                not_found=f"De Leefbaarometer heeft geen laag {self.layer(year, level)} (foutcode 404).",
                sleep=self.sleep,
            )
            if not isinstance(body, dict) or not isinstance(body.get("features"), list):
                raise SourceError(
                    f"De Leefbaarometer gaf een onverwacht antwoord voor {self.layer(year, level)}: de lijst "
                    "'features' ontbreekt. Probeer het later opnieuw."
                )
            batch = body["features"]
            features += batch
            if len(batch) < self.page_size:
                break
        # The server filtered on id; a file must hold this gemeente only, whatever it did.
        return [
            f for f in features if str((f.get("properties") or {}).get("id", "")).strip().upper().startswith(prefix)
        ]

    def fetch(self, year: int, level: str, gemeenten: Iterable[str], dest: Path) -> list[Path]:
        """Write the WFS answer per gemeente to ``dest/leefbaarometer/<year>/<level>_<GM>.geojson``."""
        from wijkkompas.sources.cbs_odata import normalise_gemeenten

        cfg = config()
        if year not in cfg.years:
            shown = ", ".join(str(y) for y in cfg.years)
            raise NotAvailable(f"De Leefbaarometer meet niet in {year} (meetjaren: {shown}).")
        if year not in cfg.wfs_years:
            raise NotAvailable(
                f"De Leefbaarometer-meting {year} staat niet per gemeente in de WFS; Wijkkompas haalt dan de "
                "open-datadownload op (alle jaren in één bestand)."
            )
        written = {}
        for code in normalise_gemeenten(gemeenten):
            features = self._features(year, level, code)
            if not features:
                raise NotAvailable(f"De Leefbaarometer {year} heeft geen scores voor de {level}en van {code}.")
            written[code] = {
                "type": "FeatureCollection",
                "source": {"layer": self.layer(year, level), "year": year},
                "features": features,
            }
        return [write_json_atomic(lbm_path(dest, year, level, code), fc) for code, fc in written.items()]

    def fetch_download(self, dest: Path) -> list[Path]:
        """The edition's open-data zip: the buurt/wijk/gemeente score CSVs, extracted into ``dest/leefbaarometer/``.

        Resumable: the zip is kept (``.zip``), a half download (``.zip.part``) is continued with a
        Range request when the server allows it, and CSVs already extracted are not extracted again.
        """
        cfg = config()
        folder = Path(dest) / "leefbaarometer" / f"download-{cfg.edition}"
        folder.mkdir(parents=True, exist_ok=True)
        url = cfg.download.format(edition=cfg.edition)
        target = folder / Path(url).name
        if not target.exists():
            self._download_file(url, target)
        out = []
        try:
            with zipfile.ZipFile(target) as zf:
                for member in zf.namelist():
                    name = Path(member).name
                    low = name.lower()
                    if not (
                        low.endswith(".csv")
                        and "scores" in low
                        and any(w in low for w in ("buurt", "wijk", "gemeente"))
                    ):
                        continue
                    out_path = folder / name
                    if not out_path.exists():
                        tmp = out_path.with_suffix(".csv.tmp")
                        tmp.write_bytes(zf.read(member))
                        tmp.replace(out_path)
                    out.append(out_path)
        except zipfile.BadZipFile as exc:
            target.unlink(missing_ok=True)
            raise SourceError(
                f"Het Leefbaarometer-bestand {url} is beschadigd aangekomen. Probeer het opnieuw; het wordt dan opnieuw gedownload."
            ) from exc
        if not out:
            raise SourceError(f"In {url} staan geen scores per buurt, wijk of gemeente.")
        return out

    def _download_file(self, url: str, target: Path) -> None:
        getter = self.session if self.session is not None else requests
        part = target.with_name(target.name + ".part")

        def attempt() -> None:
            have = part.stat().st_size if part.exists() else 0
            headers = {"User-Agent": USER_AGENT}
            if have:
                headers["Range"] = f"bytes={have}-"
            with getter.get(url, headers=headers, timeout=self.timeout, stream=True) as response:
                if response.status_code == 416:  # already complete
                    return
                response.raise_for_status()
                mode = "ab" if have and response.status_code == 206 else "wb"
                with part.open(mode) as fh:
                    for chunk in response.iter_content(1 << 20):
                        fh.write(chunk)

        with_retries(
            attempt,
            classify=lambda exc: classify_request_error(exc, what="de Leefbaarometer", url=url),
            retries=self.retries,
            backoff=self.backoff,
            sleep=self.sleep,
        )
        part.replace(target)
