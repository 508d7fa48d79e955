"""Live CBS source, OData v4 (datasets.cbs.nl), and a pure converter to the v3 shapes.

Why: CBS is moving StatLine to OData v4 (`https://datasets.cbs.nl/odata/v1/CBS/<TABLE>/`), and a
future KWB year may only appear there (today every KWB year, 2025 included, is also on v3, which the
online fetch asks first; see ../shared/research/live-path-audit.md). v4 is *long*: one `Observations` row per
region x measure (`Id, Measure, ValueAttribute, Value, StringValue, WijkenEnBuurten`; codes padded to
10 characters, Nederland ``NL00``), with the measures described in `MeasureCodes` (ids such as
``T001036``, ``M000352``, ``3000`` or ``1014800_1`` instead of v3 keys such as
``AantalInwoners_5``), grouped in `MeasureGroups`, the regions in `WijkenEnBuurtenCodes` and the
table itself in `Properties`.

`CbsODataV4Source.fetch` only downloads those five lists (each the `value` rows, filtered
server-side to the gemeenten asked for) into `dest/<TABLE_ID>/v4/`. `v4_to_v3` turns them into
exactly the shapes of the v3 files (TypedDataSet rows, DataProperties, TableInfos) so the rest of
Wijkkompas — the catalogue that matches key *stems* such as ``AantalInwoners`` — needs no second
code path. The stem is synthesised from the Title the way CBS builds v3 keys (`stem_from_title`).
A missing value keeps *why* it is missing (`ValueAttribute`) in a per-row `_status` dict.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import requests

from wijkkompas.errors import SourceError
from wijkkompas.sources.cbs_odata import (
    NEDERLAND_PREFIX,
    REGION_KEYS,
    check_table_id,
    normalise_gemeenten,
    region_filter,
    region_prefixes,
)
from wijkkompas.sources.http import get_json, write_json_atomic
from wijkkompas.sources.odata4_shapes import (  # the pure converter; re-exported for callers of this module
    BASE_URL,
    MAX_PAGES,
    STATUS_FIELD,
    STATUS_LABELS,
    _clean_row,
    stem_from_title,
    v4_to_v3,
)

__all__ = ["BASE_URL", "MAX_PAGES", "STATUS_FIELD", "STATUS_LABELS", "CbsODataV4Source", "stem_from_title", "v4_to_v3"]


class CbsODataV4Source:
    """Download a KWB table from datasets.cbs.nl (OData v4) for a few gemeenten.

    The five files it writes are the raw `value` lists; `v4_to_v3` makes v3 shapes of them.
    """

    def __init__(
        self,
        *,
        base_url: str = BASE_URL,
        session: requests.Session | None = None,
        timeout: tuple[float, float] | float = (5, 60),
        retries: int = 3,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep

    def _get(self, url: str, params: dict[str, Any] | None, table_id: str) -> Any:
        return get_json(
            url,
            params,
            session=self.session,
            timeout=self.timeout,
            retries=self.retries,
            backoff=self.backoff,
            what="CBS",
            not_found=(
                f"CBS kent tabel {table_id} niet op datasets.cbs.nl (OData v4, foutcode 404 bij "
                f"{url}). Controleer de tabelcode; oudere tabellen staan alleen op opendata.cbs.nl "
                "(OData v3). Wijkkompas werkt verder met de gegevens die al geladen zijn."
            ),
            sleep=self.sleep,
        )

    def _get_all(self, url: str, params: dict[str, Any] | None, table_id: str) -> list[dict[str, Any]]:
        """All `value` rows of an entity set, following `@odata.nextLink` page by page."""
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        next_url: str | None = url
        pages = 0
        while next_url:
            body = self._get(next_url, params, table_id)
            if not isinstance(body, dict) or not isinstance(body.get("value"), list):
                raise SourceError(
                    f"CBS gaf een onverwacht antwoord op {next_url}: de lijst 'value' ontbreekt. "
                    "Probeer het later opnieuw; Wijkkompas werkt verder met de gegevens die al "
                    "geladen zijn."
                )
            rows.extend(body["value"])
            seen.add(next_url)
            link = body.get("@odata.nextLink")
            pages += 1
            if not link or link in seen or pages >= MAX_PAGES:
                break
            next_url, params = str(link), None  # the link already carries the query
        return rows

    def region_key(self, table_id: str) -> str:
        """Which region dimension the table has, from its service document (…Codes entity sets)."""
        table_id = check_table_id(table_id)
        body = self._get(f"{self.base_url}/{table_id}", None, table_id)
        names = {
            str(item.get("name") or item.get("url"))
            for item in (body.get("value", []) if isinstance(body, dict) else [])
            if isinstance(item, dict)
        }
        for key in REGION_KEYS:
            if f"{key}Codes" in names:
                return key
        raise SourceError(
            f"CBS-tabel {table_id} heeft geen dimensie voor wijken en buurten (WijkenEnBuurten of "
            "RegioS) op datasets.cbs.nl. Kies een tabel van Kerncijfers wijken en buurten."
        )

    def download(self, table_id: str, gemeenten: Iterable[str], *, region_key: str | None = None) -> dict[str, Any]:
        """The five v4 lists for `gemeenten` (plus Nederland), in memory, keyed by file name."""
        table_id = check_table_id(table_id)
        codes = normalise_gemeenten(gemeenten)
        key = region_key or self.region_key(table_id)
        root = f"{self.base_url}/{table_id}"
        properties = self._get(f"{root}/Properties", None, table_id)
        if isinstance(properties, dict) and isinstance(properties.get("value"), list):
            properties = properties["value"]
        elif isinstance(properties, dict):
            properties = [_clean_row(properties)]
        else:
            properties = []
        id_filter = " or ".join(f"startswith(Identifier,'{p}')" for p in region_prefixes(codes))
        return {
            "Properties": properties,
            "MeasureGroups": self._get_all(f"{root}/MeasureGroups", None, table_id),
            "MeasureCodes": self._get_all(f"{root}/MeasureCodes", None, table_id),
            f"{key}Codes": self._get_all(f"{root}/{key}Codes", {"$filter": id_filter}, table_id),
            "Observations": self._get_all(f"{root}/Observations", {"$filter": region_filter(key, codes)}, table_id),
        }

    def fetch(
        self,
        table_id: str,
        gemeenten: list[str],
        dest: Path,
        *,
        region_key: str | None = None,
    ) -> list[Path]:
        """Download into `dest/<TABLE_ID>/v4/<Name>.json` and return the paths written.

        Each file is the list of `value` rows (Properties: a one-element list). Written
        atomically, Observations last, so a crash never leaves a new-looking but partial set.
        """
        table_id = check_table_id(table_id)
        data = self.download(table_id, gemeenten, region_key=region_key)
        folder = Path(dest) / table_id / "v4"
        names = [name for name in data if name != "Observations"] + ["Observations"]
        return [write_json_atomic(folder / f"{name}.json", data[name]) for name in names]


__all__ = [
    "BASE_URL",
    "NEDERLAND_PREFIX",
    "STATUS_FIELD",
    "STATUS_LABELS",
    "CbsODataV4Source",
    "stem_from_title",
    "v4_to_v3",
]
