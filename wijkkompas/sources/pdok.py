"""Live geometries: the CBS wijk- en buurtkaart per year, from PDOK's OGC API Features.

Why: the map needs the outlines of the buurten, wijken and gemeente for the year shown (codes
and boundaries change every year). PDOK publishes each year as its own API,
``https://api.pdok.nl/cbs/wijken-en-buurten-<year>/ogc/v1/collections/{buurten|wijken|gemeenten}/items``,
in GeoJSON, filterable on ``gemeentecode`` and pageable through ``links`` with ``rel="next"``.

This source only downloads: one FeatureCollection per gemeente and level, written atomically to
``dest/pdok/<year>/<level>_<GM>.geojson`` in RD New (EPSG:28992, asked for with ``crs=``). The
features' properties are kept exactly as PDOK gives them (buurtcode, buurtnaam, wijkcode,
gemeentecode, gemeentenaam, water, jaar, and the statistics). Because the GeoJSON standard only
knows WGS84, the file carries the legacy ``"crs"`` member so GDAL reads the RD coordinates right.
Reprojecting and simplifying happen later, at ingest (see geo.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests

from wijkkompas.sources.cbs_odata import normalise_gemeenten
from wijkkompas.sources.errors import SourceError
from wijkkompas.sources.http import get_json, write_json_atomic

BASE_URL = "https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1"
RD_NEW = "http://www.opengis.net/def/crs/EPSG/0/28992"
LEGACY_CRS = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}
PAGE_LIMIT = 1000
MAX_PAGES = 1000
# Level (as the store names it) → PDOK collection. Plural names are accepted as input too.
COLLECTIONS = {"buurt": "buurten", "wijk": "wijken", "gemeente": "gemeenten"}
_ALIASES = {**{level: level for level in COLLECTIONS}, **{c: lvl for lvl, c in COLLECTIONS.items()}}
# Oldest and newest year a wijk- en buurtkaart can exist for; PDOK itself decides what is there.
MIN_YEAR, MAX_YEAR = 2000, 2100


def normalise_level(level: str) -> str:
    """'buurt' / 'buurten' → 'buurt' (the store's word); a Dutch error for anything else."""
    key = str(level).strip().lower()
    if key not in _ALIASES:
        raise SourceError(f"'{level}' is geen bekend niveau voor de kaart. Kies buurt, wijk of gemeente.")
    return _ALIASES[key]


def check_year(year: Any) -> int:
    """The year as an int; a Dutch error when it is not a plausible year."""
    try:
        value = int(str(year).strip())
    except ValueError:
        value = -1
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise SourceError(
            f"'{year}' is geen geldig jaar voor de wijk- en buurtkaart. Geef een jaartal, bijvoorbeeld 2024."
        )
    return value


def geojson_path(dest: Path, year: int, level: str, gemeente: str) -> Path:
    """Where `fetch` writes (and the FolderSource finds) one gemeente's layer for one year."""
    return Path(dest) / "pdok" / str(year) / f"{normalise_level(level)}_{gemeente}.geojson"


def _next_link(body: dict[str, Any]) -> str | None:
    for link in body.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            return str(link["href"])
    return None


def _first_xy(geometry: Any) -> tuple[float, float] | None:
    """The first coordinate pair of a GeoJSON geometry (any nesting depth), or None."""
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    while isinstance(coords, list) and coords and isinstance(coords[0], list):
        coords = coords[0]
    if isinstance(coords, list) and len(coords) >= 2 and all(isinstance(c, (int, float)) for c in coords[:2]):
        return float(coords[0]), float(coords[1])
    return None


def looks_like_rd(features: list[dict[str, Any]]) -> bool:
    """True when the first coordinate lies in the RD New range of the Netherlands (not degrees).

    Why: a server that ignores `crs=` answers in WGS84; writing those numbers into a file that
    says EPSG:28992 would silently put the map in the sea off Africa.
    """
    for feature in features:
        xy = _first_xy(feature.get("geometry"))
        if xy is not None:
            x, y = xy
            return -10_000 <= x <= 310_000 and 280_000 <= y <= 640_000
    return True


class PdokSource:
    """Download CBS wijk- en buurtkaart layers from PDOK for a few gemeenten."""

    def __init__(
        self,
        *,
        base_url: str = BASE_URL,
        session: requests.Session | None = None,
        timeout: tuple[float, float] | float = (5, 60),
        retries: int = 3,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        page_limit: int = PAGE_LIMIT,
    ) -> None:
        self.base_url = base_url
        self.session = session
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.page_limit = page_limit

    def items_url(self, year: int, level: str) -> str:
        collection = COLLECTIONS[normalise_level(level)]
        return f"{self.base_url.format(year=year).rstrip('/')}/collections/{collection}/items"

    def _get(self, url: str, params: dict[str, Any] | None, year: int) -> Any:
        return get_json(
            url,
            params,
            session=self.session,
            timeout=self.timeout,
            retries=self.retries,
            backoff=self.backoff,
            what="PDOK",
            not_found=(
                f"PDOK heeft geen wijk- en buurtkaart voor {year} (foutcode 404 bij {url}). Kies "
                "een ander jaar, of laad de kaart van CBS (GeoPackage) uit een map. Wijkkompas "
                "werkt verder met de kaarten die al geladen zijn."
            ),
            sleep=self.sleep,
        )

    def features(self, year: int, level: str, gemeente: str) -> list[dict[str, Any]]:
        """All features of one gemeente at one level, following `rel="next"` links."""
        url: str | None = self.items_url(year, level)
        params: dict[str, Any] | None = {
            "f": "json",
            "limit": self.page_limit,
            "crs": RD_NEW,
            "gemeentecode": gemeente,
        }
        features: list[dict[str, Any]] = []
        seen: set[str] = set()
        while url and len(seen) < MAX_PAGES:
            body = self._get(url, params, year)
            if not isinstance(body, dict) or not isinstance(body.get("features"), list):
                raise SourceError(
                    f"PDOK gaf een onverwacht antwoord op {url}: de lijst 'features' ontbreekt. "
                    "Probeer het later opnieuw; Wijkkompas werkt verder met de kaarten die al "
                    "geladen zijn."
                )
            features.extend(body["features"])
            seen.add(url)
            link = _next_link(body)
            url, params = (link, None) if link and link not in seen else (None, None)
            if url and "crs" not in parse_qs(urlparse(url).query):
                params = {"crs": RD_NEW}  # every page must come in RD, not only the first
        # The server filters on gemeentecode; check anyway, a file must hold one gemeente only.
        return [
            f
            for f in features
            if isinstance(f, dict) and str((f.get("properties") or {}).get("gemeentecode", "")).strip() == gemeente
        ]

    def fetch(self, year: int, level: str, gemeenten: Iterable[str], dest: Path) -> list[Path]:
        """Write `dest/pdok/<year>/<level>_<GM>.geojson` per gemeente and return the paths.

        Everything is downloaded before anything is written; a gemeente without features (a
        wrong code, or a gemeente that did not exist that year) is a Dutch error and then no
        file is written, so the folder never mixes a new download with a failed one.
        """
        year = check_year(year)
        level = normalise_level(level)
        codes = normalise_gemeenten(gemeenten)
        collections: dict[str, dict[str, Any]] = {}
        for code in codes:
            features = self.features(year, level, code)
            if not features:
                raise SourceError(
                    f"PDOK heeft voor {year} geen {COLLECTIONS[level]} van gemeente {code}. "
                    "Controleer de gemeentecode; na een gemeentelijke herindeling heeft een "
                    "gemeente soms een nieuwe code."
                )
            if not looks_like_rd(features):
                raise SourceError(
                    f"PDOK gaf de {COLLECTIONS[level]} van {code} ({year}) niet in RD-coördinaten "
                    "(EPSG:28992) terug. Probeer het later opnieuw; Wijkkompas werkt verder met de "
                    "kaarten die al geladen zijn."
                )
            collections[code] = {
                "type": "FeatureCollection",
                "name": f"{level}_{code}",
                "crs": LEGACY_CRS,
                "source": {"url": self.items_url(year, level), "crs": RD_NEW, "year": year},
                "features": features,
            }
        return [write_json_atomic(geojson_path(dest, year, level, code), fc) for code, fc in collections.items()]
