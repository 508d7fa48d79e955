"""Online fetch: downloads go to data/raw and are ingested like any folder; CBS down gives a Dutch message."""

from __future__ import annotations

import shutil

import pytest

from tests.fixtures.tiny import write_tiny_source
from wijkkompas.fetch import fetch_online
from wijkkompas.ingest import ingest
from wijkkompas.sources.errors import SourceError
from wijkkompas.store import Store

DOWN = "Geen verbinding met CBS (opendata.cbs.nl). Controleer de internetverbinding of probeer het later opnieuw."


class Down:
    def fetch(self, *args, **kwargs):
        raise SourceError(DOWN)


class FromFixture:
    """Stands in for CbsODataSource/PdokSource: 'downloads' by copying the Teststad wire files."""

    def __init__(self, tmp_path):
        self.src = write_tiny_source(tmp_path / "remote")

    def fetch(self, *args, **kwargs):
        dest = args[-1]  # every source takes the destination folder last
        for item in self.src.iterdir():
            target = dest / item.name
            if not target.exists():
                shutil.copytree(item, target)
        return [dest]


def test_cbs_down_everywhere_raises_the_dutch_message(tmp_path):
    with pytest.raises(SourceError, match="Geen verbinding met CBS"):
        fetch_online(Store(tmp_path / "d"), ["GM0999"], [2024], v3=Down(), v4=Down(), pdok=Down())


def test_download_lands_in_raw_and_ingests(tmp_path):
    store = Store(tmp_path / "d")
    fake = FromFixture(tmp_path)
    raw = fetch_online(store, ["GM0999"], [2024], v3=fake, v4=Down(), pdok=fake)
    assert raw == store.raw_root and (raw / "85984NED" / "TypedDataSet.json").exists()
    report = ingest(raw, store, ["GM0999"], [2024])
    assert [x["year"] for x in report.loaded] == [2024]


def test_maps_down_still_loads_figures(tmp_path):
    store = Store(tmp_path / "d")
    fake = FromFixture(tmp_path)
    raw = fetch_online(store, ["GM0999"], [2024], v3=fake, v4=Down(), pdok=Down())
    assert (raw / "85984NED").exists()


def test_no_gemeente_chosen(tmp_path):
    with pytest.raises(SourceError, match="minstens één gemeente"):
        fetch_online(Store(tmp_path / "d"), [], [2024])
