"""Live CBS source, OData v3 (opendata.cbs.nl), via the `cbsodata` package.

Why it looks like this: Wijkkompas keeps every raw download (`data/raw/…`) so each figure can be
traced to the CBS table and key it came from, and a separate FolderSource parses those files. This
source therefore only *downloads*: it writes exactly the files `cbsodata.download_data(dir=…)`
would write — `<dest>/<TABLE_ID>/{TableInfos,DataProperties,TypedDataSet,CategoryGroups,
WijkenEnBuurten,…}.json` — but

* filtered **server-side** to the gemeenten asked for (an OData `$filter` with `startswith` on
  the region dimension, so the 10-character padding of KWB keys such as ``"GM0164    "`` does
  not matter) plus the Nederland row, instead of the ~17 000 rows of the whole country;
* with timeouts, retries with backoff and a Dutch `SourceError` when CBS cannot be reached;
* written atomically, data file last, so a download that stops halfway never looks complete.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import cbsodata

from wijkkompas.errors import SourceError
from wijkkompas.sources.http import (
    classify_request_error,
    with_retries,
    write_json_atomic,
)

CATALOG = "opendata.cbs.nl"
# The region dimensions Wijkkompas knows. Which one a table has is read from its DataProperties
# (never from a list per year): 2014 and 2015 were long assumed to be RegioS and are WijkenEnBuurten.
REGION_KEYS = ("WijkenEnBuurten", "RegioS")
# Code prefixes below a gemeente: the gemeente itself, its wijken and its buurten.
LEVEL_PREFIXES = ("GM", "WK", "BU")
# Nederland is NL00 in KWB v3 (NL01 in some tables); "NL" catches both.
NEDERLAND_PREFIX = "NL"
DATA_SET = "TypedDataSet"

_GEMEENTE_RE = re.compile(r"^GM\d{4}$")
_TABLE_RE = re.compile(r"^\d{5}[A-Za-z]{3}$")


def normalise_gemeenten(gemeenten: Iterable[str]) -> list[str]:
    """Upper-cased, stripped, de-duplicated gemeente codes; a Dutch error for anything else.

    Why strict: the codes end up inside an OData filter; a typo would silently return nothing,
    and a quote would break the query.
    """
    if isinstance(gemeenten, str):
        gemeenten = [gemeenten]
    codes: list[str] = []
    for raw in gemeenten:
        code = str(raw).strip().upper()
        if not _GEMEENTE_RE.match(code):
            raise SourceError(
                f"'{raw}' is geen geldige gemeentecode. Een gemeentecode is 'GM' gevolgd door vier "
                "cijfers, bijvoorbeeld GM0164 voor Hengelo."
            )
        if code not in codes:
            codes.append(code)
    if not codes:
        raise SourceError(
            "Er is geen gemeente gekozen. Kies minstens één gemeente (bijvoorbeeld GM0164 voor "
            "Hengelo) voordat u gegevens ophaalt."
        )
    return codes


def check_table_id(table_id: str) -> str:
    """The table id, stripped; a Dutch error when it does not look like a CBS table id."""
    tid = str(table_id).strip()
    if not _TABLE_RE.match(tid):
        raise SourceError(
            f"'{table_id}' is geen geldige CBS-tabelcode. Een tabelcode bestaat uit vijf cijfers "
            "en drie letters, bijvoorbeeld 85984NED (Kerncijfers wijken en buurten 2024)."
        )
    return tid


def region_prefixes(gemeenten: Iterable[str]) -> list[str]:
    """The code prefixes that select the gemeenten, their wijken and buurten, plus Nederland."""
    prefixes = [f"{level}{code[2:]}" for code in gemeenten for level in LEVEL_PREFIXES]
    return [*prefixes, NEDERLAND_PREFIX]


def region_filter(region_key: str, gemeenten: Iterable[str]) -> str:
    """OData `$filter` selecting the gemeenten's GM/WK/BU rows and the Nederland row.

    `startswith` rather than `eq`: KWB v3 keys are right-padded to 10 characters ("GM0164    ")
    and prefixes also catch every wijk and buurt without listing them.
    """
    return " or ".join(f"startswith({region_key},'{p}')" for p in region_prefixes(gemeenten))


def detect_region_key(data_properties: list[dict[str, Any]]) -> str | None:
    """Which dimension holds the region code: WijkenEnBuurten, RegioS, or None if neither.

    Read from DataProperties: the `GeoDetail` entry (newer tables) or a `Dimension`/`GeoDimension`
    entry (older ones) whose Key is one of the known region keys.
    """
    for entry in data_properties:
        if entry.get("Key") in REGION_KEYS and entry.get("Type") in (
            "GeoDetail",
            "GeoDimension",
            "Dimension",
        ):
            return str(entry["Key"])
    for entry in data_properties:
        if entry.get("Type") in ("GeoDetail", "GeoDimension") and entry.get("Key"):
            return str(entry["Key"])
    return None


def detect_period_key(data_properties: list[dict[str, Any]]) -> str | None:
    """The key of the table's `TimeDimension` (e.g. Perioden in 47018NED), or None for a table without one."""
    for entry in data_properties:
        if entry.get("Type") == "TimeDimension" and entry.get("Key"):
            return str(entry["Key"])
    return None


def _code_matches(code: Any, prefixes: list[str]) -> bool:
    return isinstance(code, str) and code.strip().startswith(tuple(prefixes))


class CbsODataSource:
    """Download a KWB table (or any CBS v3 table with a region dimension) for a few gemeenten.

    `timeout` goes to `requests` (connect, read) through cbsodata's `**kwargs`; `retries`,
    `backoff` and `sleep` control the retry loop (`sleep` is injectable so tests do not wait).
    """

    def __init__(
        self,
        *,
        catalog_url: str = CATALOG,
        timeout: tuple[float, float] | float = (5, 60),
        retries: int = 3,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.catalog_url = catalog_url
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep

    # -- network -------------------------------------------------------------------------------
    def _table_url(self, table_id: str) -> str:
        return f"https://{self.catalog_url}/ODataFeed/odata/{table_id}/"

    def _call(self, table_id: str, func: Callable[[], Any]) -> Any:
        """Run one cbsodata call with the shared retry loop and Dutch error translation."""
        url = self._table_url(table_id)
        not_found = (
            f"CBS kent tabel {table_id} niet (foutcode 404 bij {self.catalog_url}). Controleer de "
            "tabelcode; misschien is de tabel vervangen of alleen nog via datasets.cbs.nl (OData "
            "v4) te krijgen. Wijkkompas werkt verder met de gegevens die al geladen zijn."
        )
        return with_retries(
            func,
            classify=lambda exc: classify_request_error(exc, what="CBS", url=url, not_found=not_found),
            retries=self.retries,
            backoff=self.backoff,
            sleep=self.sleep,
        )

    def data_properties(self, table_id: str) -> list[dict[str, Any]]:
        """The table's DataProperties (one small request): which dimensions it has, and its topics."""
        table_id = check_table_id(table_id)
        return self._call(
            table_id,
            lambda: cbsodata.get_meta(table_id, "DataProperties", catalog_url=self.catalog_url, timeout=self.timeout),
        )

    def region_key(self, table_id: str) -> str:
        """Ask CBS (DataProperties) which dimension holds the region code of `table_id`."""
        table_id = check_table_id(table_id)
        props = self.data_properties(table_id)
        key = detect_region_key(props)
        if key is None:
            raise SourceError(
                f"CBS-tabel {table_id} heeft geen dimensie voor wijken en buurten (WijkenEnBuurten "
                "of RegioS). Kies een tabel van Kerncijfers wijken en buurten."
            )
        return key

    def download(
        self,
        table_id: str,
        gemeenten: list[str],
        *,
        region_key: str | None = None,
        extra_filter: str | None = None,
    ) -> dict[str, list[dict[str, Any]]]:
        """All metadata tables plus the filtered TypedDataSet, in memory, as cbsodata returns them.

        `extra_filter` is AND-ed to the region filter (the police table uses it to ask for one year:
        ``Perioden eq '2024JJ00'``).
        """
        table_id = check_table_id(table_id)
        codes = normalise_gemeenten(gemeenten)
        key = region_key or self.region_key(table_id)
        filters = region_filter(key, codes)
        if extra_filter:
            filters = f"({filters}) and ({extra_filter})"

        def fetch(typed: bool) -> dict[str, list[dict[str, Any]]]:
            return cbsodata.download_data(
                table_id,
                dir=None,
                # cbsodata 1.3.5 *removes* the set named by `typed` from the list it downloads:
                # typed=False is what yields TypedDataSet (as `download_data(id)` always did).
                typed=typed,
                filters=filters,
                catalog_url=self.catalog_url,
                timeout=self.timeout,
            )

        data = self._call(table_id, lambda: fetch(False))
        if DATA_SET not in data and "UntypedDataSet" in data:
            # A later cbsodata fixed the flag's meaning; ask once more the other way round.
            data = self._call(table_id, lambda: fetch(True))
        if DATA_SET not in data:
            raise SourceError(
                f"CBS gaf voor tabel {table_id} geen gegevens ({DATA_SET} ontbreekt). Probeer het "
                "later opnieuw; Wijkkompas werkt verder met de gegevens die al geladen zijn."
            )
        data.pop("UntypedDataSet", None)
        # The region dimension list is national (~17 000 names); keep only the asked-for codes,
        # consistent with the server-side filter on the data set.
        if isinstance(data.get(key), list):
            prefixes = region_prefixes(codes)
            data[key] = [row for row in data[key] if _code_matches(row.get("Key"), prefixes)]
        return data

    # -- public --------------------------------------------------------------------------------
    def fetch(
        self,
        table_id: str,
        gemeenten: list[str],
        dest: Path,
        *,
        region_key: str | None = None,
        extra_filter: str | None = None,
        subfolder: str | None = None,
    ) -> list[Path]:
        """Download `table_id` for `gemeenten` into `dest/<TABLE_ID>/` and return the files written.

        The layout is cbsodata's (`<name>.json`, indent 2, ASCII-escaped). Metadata files are
        written first and `TypedDataSet.json` last, each atomically, so a crash leaves either the
        previous complete download or a folder without a new data file. Without `region_key` the
        table's own DataProperties say which dimension holds the region (the only reliable way:
        see ../shared/research/live-path-audit.md, P1). `subfolder` puts one slice of a
        multi-year table in its own folder (`47018NED/2024/`).
        """
        table_id = check_table_id(table_id)
        data = self.download(table_id, gemeenten, region_key=region_key, extra_filter=extra_filter)
        folder = Path(dest) / table_id
        if subfolder:
            folder = folder / subfolder
        names = [name for name in data if name != DATA_SET] + [DATA_SET]
        return [write_json_atomic(folder / f"{name}.json", data[name], indent=2, ensure_ascii=True) for name in names]
