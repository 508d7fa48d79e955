"""Police-registered crime (table 47018NED) online, through the same OData v3 loader as the KWB tables.

Why its own small class: 47018NED is not on opendata.cbs.nl but on CBS's police catalogue
(``dataderden.cbs.nl``), and it is one table over all years (dimension ``Perioden``, e.g.
``2024JJ00``) and all crime types (``SoortMisdrijf``). Per year Wijkkompas asks for the gemeenten's
rows of that one period — every crime type, so the FolderSource can take the ``0.0.0`` total and add
up the main groups (catalogue/tables.toml) — and writes them to ``dest/47018NED/<year>/`` in
cbsodata's layout. Which dimension holds the region and which the period is read from the table's
own DataProperties, as for every other table.
"""

from __future__ import annotations

from pathlib import Path

from wijkkompas.catalogue.catalogue import load_catalogue
from wijkkompas.errors import NotAvailable, SourceError
from wijkkompas.sources.cbs_odata import DATA_SET, CbsODataSource, detect_period_key, detect_region_key
from wijkkompas.sources.http import write_json_atomic


class PoliceSource:
    """Download one year of 47018NED for a few gemeenten from dataderden.cbs.nl."""

    def __init__(self, v3: CbsODataSource | None = None) -> None:
        catalogue = load_catalogue()
        self.table_id = catalogue.crime_table
        self.v3 = v3 or CbsODataSource(catalog_url=catalogue.crime_catalog)

    def fetch(self, year: int, gemeenten: list[str], dest: Path) -> list[Path]:
        """Write `dest/47018NED/<year>/{DataProperties,…,TypedDataSet}.json`; TypedDataSet last."""
        props = self.v3.data_properties(self.table_id)
        region_key = detect_region_key(props)
        period_key = detect_period_key(props)
        if region_key is None or period_key is None:
            raise SourceError(
                f"De politietabel {self.table_id} heeft niet de verwachte indeling (regio en perioden). "
                "Wijkkompas kan deze tabel niet ophalen; meld het aan de beheerder."
            )
        data = self.v3.download(
            self.table_id, gemeenten, region_key=region_key, extra_filter=f"{period_key} eq '{int(year)}JJ00'"
        )
        if not data.get(DATA_SET):
            raise NotAvailable(
                f"De politie heeft de geregistreerde misdrijven over {year} (nog) niet per buurt gepubliceerd "
                f"(tabel {self.table_id})."
            )
        folder = Path(dest) / self.table_id / str(int(year))
        names = [n for n in data if n != DATA_SET] + [DATA_SET]
        return [write_json_atomic(folder / f"{n}.json", data[n], indent=2, ensure_ascii=True) for n in names]
