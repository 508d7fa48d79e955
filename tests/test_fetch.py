"""Online fetch: one run over tables, years and maps; a Dutch summary; retry of what failed; resumable."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.fixtures.tiny import write_tiny_source
from wijkkompas.errors import NotAvailable, SourceError
from wijkkompas.fetch import FAILED, FETCHED, REUSED, UNAVAILABLE, fetch_online, plan
from wijkkompas.ingest import ingest
from wijkkompas.store import Store

DOWN = "Geen verbinding met CBS (opendata.cbs.nl). Controleer de internetverbinding of probeer het later opnieuw."


class Down:
    def __init__(self):
        self.calls = 0

    def fetch(self, *args, **kwargs):
        self.calls += 1
        raise SourceError(DOWN)

    fetch_download = fetch


class Absent:
    """A source that has nothing for the year (not measured, not published)."""

    def fetch(self, *args, **kwargs):
        raise NotAvailable("niet gepubliceerd voor dit jaar")

    fetch_download = fetch


class FromFixture:
    """Stands in for CbsODataSource/PdokSource: 'downloads' by copying the Teststad wire files."""

    def __init__(self, tmp_path):
        self.src = write_tiny_source(tmp_path / "remote")
        self.calls = []

    def fetch(self, *args, **kwargs):
        self.calls.append(args[:-2])
        dest = args[-1]  # every source takes the destination folder last
        for item in self.src.iterdir():
            target = dest / item.name
            if not target.exists():
                shutil.copytree(item, target)
        return [dest / item.name for item in self.src.iterdir()]


class FailsOnce(FromFixture):
    """Fails the first time it is asked for `fail_on` (a lost connection), then works."""

    def __init__(self, tmp_path, fail_on):
        super().__init__(tmp_path)
        self.fail_on = fail_on
        self.failed = False

    def fetch(self, *args, **kwargs):
        if args[1] == self.fail_on and not self.failed:
            self.failed = True
            raise SourceError("Geen verbinding met PDOK (api.pdok.nl).")
        return super().fetch(*args, **kwargs)


def test_cbs_down_everywhere_raises_the_dutch_message(tmp_path):
    down = Down()
    with pytest.raises(SourceError, match="Geen verbinding met CBS"):
        fetch_online(
            Store(tmp_path / "d"), ["GM0999"], [2024], v3=down, v4=down, pdok=down, police=down, leefbaarometer=down
        )


def test_download_lands_in_raw_and_ingests(tmp_path):
    store = Store(tmp_path / "d")
    fake = FromFixture(tmp_path)
    report = fetch_online(store, ["GM0999"], [2024], v3=fake, v4=Down(), pdok=fake, parts=("kwb", "maps"))
    assert report.raw == store.raw_root and (report.raw / "85984NED" / "TypedDataSet.json").exists()
    assert [r.state for r in report.results] == [FETCHED] * 4
    loaded = ingest(report.raw, store, ["GM0999"], [2024])
    assert [x["year"] for x in loaded.loaded] == [2024]


def test_maps_down_still_loads_figures_and_the_summary_says_what_failed(tmp_path):
    store = Store(tmp_path / "d")
    fake = FromFixture(tmp_path)
    report = fetch_online(store, ["GM0999"], [2024], v3=fake, v4=Down(), pdok=Down(), parts=("kwb", "maps"))
    assert (report.raw / "85984NED").exists()
    assert [t.key for t in report.failed] == ["map:2024:buurt", "map:2024:wijk", "map:2024:gemeente"]
    lines = report.lines()
    assert lines[0] == "2024: kerncijfers (85984NED) (opgehaald)."
    assert lines[-1] == f"Mislukt — 2024 kaart buurten, 2024 kaart wijken en 2024 kaart gemeente: {DOWN}"


def test_a_second_run_reuses_what_is_there_and_retries_only_what_failed(tmp_path):
    """A connection lost at the wijk map: the rerun downloads only that, the rest comes from raw/."""
    store = Store(tmp_path / "d")
    cbs = FromFixture(tmp_path)
    maps = FailsOnce(tmp_path, fail_on="wijk")
    first = fetch_online(store, ["GM0999"], [2024], v3=cbs, v4=Down(), pdok=maps, parts=("kwb", "maps"))
    assert [t.key for t in first.failed] == ["map:2024:wijk"]
    log = json.loads((store.raw_root / "downloads.json").read_text())
    assert set(log) == {"kwb:2024", "map:2024:buurt", "map:2024:gemeente"}
    assert log["kwb:2024"]["gemeenten"] == ["GM0999"]

    retry = fetch_online(
        store,
        ["GM0999"],
        [2024],
        v3=cbs,
        v4=Down(),
        pdok=maps,
        parts=("kwb", "maps"),
        only=[t.key for t in first.failed],
    )
    assert [(r.task.key, r.state) for r in retry.results] == [("map:2024:wijk", FETCHED)]
    assert len(cbs.calls) == 1  # the table was not asked for again

    again = fetch_online(store, ["GM0999"], [2024], v3=cbs, v4=Down(), pdok=maps, parts=("kwb", "maps"))
    assert {r.state for r in again.results} == {REUSED}
    assert len(cbs.calls) == 1 and len(maps.calls) == 3


def test_more_gemeenten_than_before_downloads_again(tmp_path):
    store = Store(tmp_path / "d")
    cbs = FromFixture(tmp_path)
    fetch_online(store, ["GM0999"], [2024], v3=cbs, v4=Down(), parts=("kwb",))
    report = fetch_online(store, ["GM0999", "GM0164"], [2024], v3=cbs, v4=Down(), parts=("kwb",))
    assert [r.state for r in report.results] == [FETCHED]
    assert len(cbs.calls) == 2


def test_a_removed_raw_file_is_downloaded_again(tmp_path):
    store = Store(tmp_path / "d")
    cbs = FromFixture(tmp_path)
    fetch_online(store, ["GM0999"], [2024], v3=cbs, v4=Down(), parts=("kwb",))
    shutil.rmtree(store.raw_root / "85984NED")
    report = fetch_online(store, ["GM0999"], [2024], v3=cbs, v4=Down(), parts=("kwb",))
    assert [r.state for r in report.results] == [FETCHED]


def test_v3_failure_falls_back_to_v4_and_reports_v3_when_both_fail(tmp_path):
    store = Store(tmp_path / "d")
    v4 = FromFixture(tmp_path)
    ok = fetch_online(store, ["GM0999"], [2024], v3=Down(), v4=v4, parts=("kwb",))
    assert [r.state for r in ok.results] == [FETCHED] and len(v4.calls) == 1
    with pytest.raises(SourceError, match=r"opendata\.cbs\.nl"):
        fetch_online(Store(tmp_path / "e"), ["GM0999"], [2024], v3=Down(), v4=Down(), parts=("kwb",))


def test_years_without_a_map_or_a_measurement_are_said_once_and_are_no_failure(tmp_path):
    store = Store(tmp_path / "d")
    cbs = FromFixture(tmp_path)
    report = fetch_online(
        store,
        ["GM0999"],
        [2012, 2013, 2024],
        v3=cbs,
        v4=Down(),
        pdok=Absent(),
        leefbaarometer=Absent(),
        parts=("kwb", "maps", "lbm"),
    )
    assert report.failed == []
    lines = report.lines()
    assert sum("Geen kaart beschikbaar bij PDOK voor 2012, 2013 en 2024" in line for line in lines) == 1
    assert any(line.startswith("Geen Leefbaarometer voor 2013") for line in lines)
    lbm_2013 = next(r for r in report.results if r.task.key == "lbm:2013")
    assert lbm_2013.state == UNAVAILABLE and "om de twee jaar" in lbm_2013.message


def test_plan_covers_tables_police_leefbaarometer_and_maps():
    tasks, known = plan(["GM0164"], [2023, 2024])
    keys = [t.key for t in tasks]
    assert keys[:2] == ["kwb:2023", "crime:2023"]
    assert "lbm:2024:buurt" in keys and "map:2023:gemeente" in keys
    assert [r.task.key for r in known] == ["lbm:2023"]  # 2023 is no measurement year
    old, _ = plan(["GM0164"], [2016, 2018])
    assert [t.key for t in old if t.kind == "lbm-download"] == ["lbm-download:2024"]  # one download for both years


def test_no_gemeente_chosen(tmp_path):
    with pytest.raises(SourceError, match="minstens één gemeente"):
        fetch_online(Store(tmp_path / "d"), [], [2024])


def test_failed_tasks_are_not_counted_as_done(tmp_path):
    store = Store(tmp_path / "d")
    cbs = FromFixture(tmp_path)
    report = fetch_online(store, ["GM0999"], [2024], v3=cbs, v4=Down(), pdok=Down(), parts=("kwb", "maps"))
    assert {r.state for r in report.results if r.task.kind == "map"} == {FAILED}
    assert "map:2024:buurt" not in json.loads((store.raw_root / "downloads.json").read_text())


class Offline:
    """No connection at all: every call raises the 'Geen verbinding' error of the http layer."""

    def __init__(self):
        self.calls = 0

    def fetch(self, *args, **kwargs):
        self.calls += 1
        raise SourceError("Geen verbinding met PDOK (api.pdok.nl).", unreachable=True)


def test_an_unreachable_service_is_asked_once_per_run_not_per_task(tmp_path):
    """Offline laptop: one wait through the retries per service, not one per year and map level."""
    store = Store(tmp_path / "d")
    pdok = Offline()
    report = fetch_online(
        store, ["GM0999"], [2023, 2024], v3=FromFixture(tmp_path), v4=Down(), pdok=pdok, parts=("kwb", "maps")
    )
    assert pdok.calls == 1
    maps = [r for r in report.results if r.task.kind == "map"]
    assert len(maps) == 6 and {r.state for r in maps} == {FAILED}
    assert {r.message for r in maps} == {"Geen verbinding met PDOK (api.pdok.nl)."}
