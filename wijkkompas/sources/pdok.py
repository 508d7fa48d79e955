"""Live geometries: the CBS wijk- en buurtkaart per year, from PDOK's OGC API Features.

Why: the map needs the outlines of the buurten, wijken and gemeente for the year shown (codes
and boundaries change every year). PDOK has two APIs for them, and which one works depends on the
year (see ../shared/research/live-path-audit.md, P3 and P4):

* ``https://api.pdok.nl/cbs/wijken-en-buurten-<year>/ogc/v1`` — the detailed wijk- en buurtkaart,
  one API per year, **from 2022 on only** (older years answer 404). Collections ``buurten``,
  ``wijken``, ``gemeenten``; features carry ``buurtcode``/``wijkcode``/``gemeentecode`` and
  ``water`` (``"JA"`` for water parts, ``"NEE"`` for land).
* ``https://api.pdok.nl/cbs/gebiedsindelingen/ogc/v1`` — CBS's generalised area divisions, one
  API for all years (``jaarcode=<year>``), collections ``buurt_gegeneraliseerd``,
  ``wijk_gegeneraliseerd``, ``gemeente_gegeneraliseerd`` with ``statcode``/``statnaam`` (and
  ``gm_code`` for wijken and buurten). Used for the years before 2022 and when a year's own API
  is missing.

PDOK's server (gokoala) answers **400 to a query parameter that is not configured as a filter**
for that collection, so a filter such as ``gemeentecode=GM0164`` is only sent when the
collection's ``/queryables`` lists it. Otherwise Wijkkompas asks for the gemeente's bounding box
and keeps the gemeente's own features locally. A gemeente without a map for a year is a clear
Dutch message (``MapUnavailable``), never an "internal error".

This source only downloads: one FeatureCollection per gemeente and level, written atomically to
``dest/pdok/<year>/<level>_<GM>.geojson`` in RD New (EPSG:28992, asked for with ``crs=``). The
features' properties are kept exactly as PDOK gives them (water parts included: the ingest drops
them, see geo.read_geometry_file). Because the GeoJSON standard only knows WGS84, the file carries
the legacy ``"crs"`` member so GDAL reads the RD coordinates right.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests

from wijkkompas.errors import NotAvailable, SourceError
from wijkkompas.sources.cbs_odata import normalise_gemeenten
from wijkkompas.sources.http import get_json, write_json_atomic

BASE_URL = "https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1"
GEBIEDSINDELINGEN_URL = "https://api.pdok.nl/cbs/gebiedsindelingen/ogc/v1"
# The first year with its own wijken-en-buurten OGC API (audit P4: 2022, 2023, 2024, … exist).
FIRST_OGC_YEAR = 2022
RD_NEW = "http://www.opengis.net/def/crs/EPSG/0/28992"
LEGACY_CRS = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}
PAGE_LIMIT = 1000
MAX_PAGES = 1000
# Level (as the store names it) → PDOK collection. Plural names are accepted as input too.
COLLECTIONS = {"buurt": "buurten", "wijk": "wijken", "gemeente": "gemeenten"}
GENERALISED = {"buurt": "buurt_gegeneraliseerd", "wijk": "wijk_gegeneraliseerd", "gemeente": "gemeente_gegeneraliseerd"}
_ALIASES = {**{level: level for level in COLLECTIONS}, **{c: lvl for lvl, c in COLLECTIONS.items()}}
# Oldest and newest year a wijk- en buurtkaart can exist for; PDOK itself decides what is there.
MIN_YEAR, MAX_YEAR = 2000, 2100
# Metres added around a gemeente's bounding box, so no buurt on the edge is cut off.
BBOX_MARGIN = 500.0


class MapUnavailable(NotAvailable):
    """PDOK has no map for this year (or this gemeente in this year): a fact to report, not a fault."""


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


def _all_xy(geometry: Any) -> Iterable[tuple[float, float]]:
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    stack = [coords]
    while stack:
        item = stack.pop()
        if isinstance(item, list) and len(item) >= 2 and all(isinstance(c, (int, float)) for c in item[:2]):
            yield float(item[0]), float(item[1])
        elif isinstance(item, list):
            stack.extend(item)


def feature_bbox(features: list[dict[str, Any]], margin: float = 0.0) -> tuple[float, float, float, float] | None:
    """(minx, miny, maxx, maxy) over all features' coordinates, widened by `margin`; None without any."""
    xs: list[float] = []
    ys: list[float] = []
    for feature in features:
        for x, y in _all_xy(feature.get("geometry")):
            xs.append(x)
            ys.append(y)
    if not xs:
        return None
    return min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin


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


def _prop(feature: dict[str, Any], *names: str) -> str:
    props = feature.get("properties") or {}
    for name in names:
        value = props.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def belongs_to(feature: dict[str, Any], gemeente: str) -> bool:
    """Whether a feature (of either API) lies in `gemeente` (GM code), by its own codes."""
    code = _prop(feature, "gemeentecode", "gm_code")
    if code:
        return code.upper() == gemeente
    stat = _prop(feature, "statcode", "buurtcode", "wijkcode").upper()
    return stat[:2] in ("GM", "WK", "BU") and stat[2:6] == gemeente[2:6]


class PdokSource:
    """Download CBS wijk- en buurtkaart layers from PDOK for a few gemeenten."""

    def __init__(
        self,
        *,
        base_url: str = BASE_URL,
        gebiedsindelingen_url: str = GEBIEDSINDELINGEN_URL,
        first_ogc_year: int = FIRST_OGC_YEAR,
        session: requests.Session | None = None,
        timeout: tuple[float, float] | float = (5, 60),
        retries: int = 3,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        page_limit: int = PAGE_LIMIT,
    ) -> None:
        self.base_url = base_url
        self.gebiedsindelingen_url = gebiedsindelingen_url.rstrip("/")
        self.first_ogc_year = first_ogc_year
        self.session = session
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.page_limit = page_limit
        self._queryables: dict[str, set[str] | None] = {}
        self._outlines: dict[int, list[dict[str, Any]]] = {}

    # -- urls ----------------------------------------------------------------------------------
    def items_url(self, year: int, level: str) -> str:
        collection = COLLECTIONS[normalise_level(level)]
        return f"{self.base_url.format(year=year).rstrip('/')}/collections/{collection}/items"

    def generalised_url(self, level: str) -> str:
        return f"{self.gebiedsindelingen_url}/collections/{GENERALISED[normalise_level(level)]}/items"

    # -- network -------------------------------------------------------------------------------
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

    def queryables(self, items_url: str, year: int) -> set[str] | None:
        """The property filters a collection accepts (its `/queryables`), or None when PDOK does not say.

        gokoala lists every configured property filter under `properties`; a parameter that is not
        listed is refused with a 400, which is why it is asked before anything is filtered.
        """
        url = items_url.rsplit("/items", 1)[0] + "/queryables"
        if url in self._queryables:
            return self._queryables[url]
        try:
            body = self._get(url, {"f": "json"}, year)
        except SourceError as exc:
            if exc.status not in (400, 404, 406):
                raise
            body = None
        props = body.get("properties") if isinstance(body, dict) else None
        found = {str(k) for k in props} if isinstance(props, dict) else None
        self._queryables[url] = found
        return found

    def _pages(self, url: str, params: dict[str, Any], year: int) -> list[dict[str, Any]]:
        """All features behind `url`, following `rel="next"` links (every page asked for in RD)."""
        features: list[dict[str, Any]] = []
        seen: set[str] = set()
        next_url: str | None = url
        query: dict[str, Any] | None = params
        while next_url and len(seen) < MAX_PAGES:
            body = self._get(next_url, query, year)
            if not isinstance(body, dict) or not isinstance(body.get("features"), list):
                raise SourceError(
                    f"PDOK gaf een onverwacht antwoord op {next_url}: de lijst 'features' ontbreekt. "
                    "Probeer het later opnieuw; Wijkkompas werkt verder met de kaarten die al "
                    "geladen zijn."
                )
            features.extend(f for f in body["features"] if isinstance(f, dict))
            seen.add(next_url)
            link = _next_link(body)
            next_url, query = (link, None) if link and link not in seen else (None, None)
            if next_url and "crs" not in parse_qs(urlparse(next_url).query):
                query = {"crs": RD_NEW}  # every page must come in RD, not only the first
        return features

    def _base_params(self) -> dict[str, Any]:
        return {"f": "json", "limit": self.page_limit, "crs": RD_NEW}

    # -- the gemeente's extent, for a bbox query -----------------------------------------------
    def _year_outlines(self, year: int) -> list[dict[str, Any]]:
        """All generalised gemeente outlines of one year (one page: about 350 small shapes)."""
        if year not in self._outlines:
            params = self._base_params()
            q = self.queryables(self.generalised_url("gemeente"), year)
            if q is None or "jaarcode" in q:
                params["jaarcode"] = year
            features = self._pages(self.generalised_url("gemeente"), params, year)
            self._outlines[year] = [f for f in features if _prop(f, "jaarcode") in ("", str(year))]
        return self._outlines[year]

    def gemeente_bbox(self, year: int, gemeente: str) -> tuple[float, float, float, float]:
        """The RD bounding box of `gemeente` (with a margin), from the generalised outlines of that year."""
        for y in (year, year - 1, year + 1):
            try:
                outlines = self._year_outlines(y)
            except SourceError:
                continue
            mine = [f for f in outlines if _prop(f, "statcode").upper() == gemeente]
            box = feature_bbox(mine, BBOX_MARGIN)
            if box is not None and looks_like_rd(mine):
                return box
        raise MapUnavailable(
            f"PDOK kent de omtrek van gemeente {gemeente} niet voor {year}; daarom kan de kaart niet per "
            "gemeente worden opgehaald. Controleer de gemeentecode, of laad de wijk- en buurtkaart van CBS "
            "uit een map."
        )

    # -- the two APIs --------------------------------------------------------------------------
    def _filtered(self, url: str, year: int, gemeente: str, filters: dict[str, Any], extra: dict[str, Any]) -> list:
        """Features of `gemeente`: by property filter when the collection accepts it, else by bbox."""
        params = {**self._base_params(), **extra}
        q = self.queryables(url, year)
        usable = {k: v for k, v in filters.items() if q is None or k in q}
        if usable:
            try:
                return self._pages(url, {**params, **usable}, year)
            except SourceError as exc:
                if exc.status != 400 or q is not None:
                    raise
                # PDOK did not say what it accepts and refused the filter (gokoala: unknown parameter).
        minx, miny, maxx, maxy = self.gemeente_bbox(year, gemeente)
        params["bbox"] = f"{minx:.0f},{miny:.0f},{maxx:.0f},{maxy:.0f}"
        params["bbox-crs"] = RD_NEW
        return self._pages(url, params, year)

    def features(self, year: int, level: str, gemeente: str) -> list[dict[str, Any]]:
        """All features of one gemeente at one level from the year's own wijken-en-buurten API."""
        url = self.items_url(year, level)
        features = self._filtered(url, year, gemeente, {"gemeentecode": gemeente}, {})
        # Whatever the server filtered on, a file must hold this gemeente only.
        return [f for f in features if belongs_to(f, gemeente)]

    def generalised_features(self, year: int, level: str, gemeente: str) -> list[dict[str, Any]]:
        """One gemeente's generalised outlines for `year` from PDOK's gebiedsindelingen API."""
        level = normalise_level(level)
        url = self.generalised_url(level)
        q = self.queryables(url, year)
        if q is not None and "jaarcode" not in q:
            raise MapUnavailable(
                f"PDOK's gebiedsindelingen kunnen niet per jaar worden gevraagd; geen kaart voor {year}."
            )
        wanted = {"statcode": gemeente} if level == "gemeente" else {"gm_code": gemeente}
        features = self._filtered(url, year, gemeente, wanted, {"jaarcode": year})
        return [f for f in features if belongs_to(f, gemeente) and _prop(f, "jaarcode") in ("", str(year))]

    # -- public --------------------------------------------------------------------------------
    def fetch(self, year: int, level: str, gemeenten: Iterable[str], dest: Path) -> list[Path]:
        """Write `dest/pdok/<year>/<level>_<GM>.geojson` per gemeente and return the paths.

        Years from 2022 come from the year's own (detailed) API, older years — and a year whose own
        API is missing — from the generalised gebiedsindelingen. Everything is downloaded before
        anything is written; a gemeente without features is a `MapUnavailable` and then no file is
        written, so the folder never mixes a new download with a failed one.
        """
        year = check_year(year)
        level = normalise_level(level)
        codes = normalise_gemeenten(gemeenten)
        collections: dict[str, dict[str, Any]] = {}
        for code in codes:
            features, source = self._features_any(year, level, code)
            if not features:
                raise MapUnavailable(
                    f"PDOK heeft voor {year} geen kaart van de {COLLECTIONS[level]} van gemeente {code}. "
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
                "source": {"url": source, "crs": RD_NEW, "year": year},
                "features": features,
            }
        return [write_json_atomic(geojson_path(dest, year, level, code), fc) for code, fc in collections.items()]

    def _features_any(self, year: int, level: str, code: str) -> tuple[list[dict[str, Any]], str]:
        if year >= self.first_ogc_year:
            try:
                return self.features(year, level, code), self.items_url(year, level)
            except SourceError as exc:
                if exc.status != 404:
                    raise
        try:
            return self.generalised_features(year, level, code), self.generalised_url(level)
        except SourceError as exc:
            if exc.status == 404 or isinstance(exc, MapUnavailable):
                raise MapUnavailable(
                    f"PDOK heeft geen kaart van de {COLLECTIONS[level]} voor {year}. Wijkkompas gebruikt op de "
                    "kaart dan de grenzen van het dichtstbijzijnde jaar dat er wel is.",
                    status=exc.status,
                ) from exc
            raise
