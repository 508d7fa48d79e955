"""The store: atomic writes, scoped replacement, corruption detected and rebuilt, never shown."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from wijkkompas.ingest import ingest, rebuild
from wijkkompas.store import Store, StoreCorrupt, atomic_write_bytes


def _snapshot(store: Store) -> dict[str, bytes]:
    return {str(p.relative_to(store.data_dir)): p.read_bytes() for p in store.data_dir.rglob("*.parquet")} | {
        "manifest": store.manifest_path.read_bytes()
    }


def test_atomic_write_leaves_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "x.bin"
    atomic_write_bytes(target, b"old")

    def boom(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"new content")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.bin"]  # no temp file left behind


def test_ingest_failing_half_way_keeps_the_store_exactly(tiny_store, tiny_source, monkeypatch):
    before = _snapshot(tiny_store)
    before_values = tiny_store.load_values()
    calls = {"n": 0}
    real = atomic_write_bytes

    def fail_on_second(path, data):
        calls["n"] += 1
        if calls["n"] == 2:  # the first year's values file is written, then the regions file fails
            raise OSError("schijf vol")
        return real(path, data)

    monkeypatch.setattr("wijkkompas.store.atomic_write_bytes", fail_on_second)
    with pytest.raises(OSError):
        ingest(tiny_source, tiny_store, ["GM0999"])
    monkeypatch.undo()
    # The manifest was never switched, so readers see the previous store: same values, same manifest.
    assert tiny_store.manifest_path.read_bytes() == before["manifest"]
    after = tiny_store.load_values()
    pd.testing.assert_frame_equal(before_values, after)


def test_truncated_file_is_detected_not_shown(tiny_store):
    path = tiny_store.values_path(2024)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(StoreCorrupt) as err:
        tiny_store.load_values(years=2024)
    assert "grootte" in err.value.reason


def test_damaged_file_with_same_size_is_found_by_verify(tiny_store):
    path = tiny_store.values_path(2023)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    problems = tiny_store.verify()
    assert [p.path for p in problems] == [path]


def test_rebuild_restores_the_same_figures_from_the_raw_files(tiny_store):
    expected = tiny_store.load_values().sort_values(["year", "region_code", "indicator"]).reset_index(drop=True)
    path = tiny_store.values_path(2024)
    path.write_bytes(b"not parquet at all")
    report = rebuild(tiny_store)
    assert not report.problems, report.problems
    got = tiny_store.load_values().sort_values(["year", "region_code", "indicator"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(expected, got)
    assert len(tiny_store.ingest_log()) == 2  # rebuilding does not duplicate the log


def test_replace_for_one_gemeente_keeps_the_others(tiny_store):
    before = tiny_store.load_values(years=2024)
    other = before[before["level"] != "nederland"].copy()
    other["gemeente_code"] = "GM0998"
    other["region_code"] = other["region_code"].str.replace("0999", "0998")
    tiny_store.replace(other, tiny_store.regions(2024).iloc[0:0], source_tables=["85984NED"], gemeenten=["GM0998"])
    after = tiny_store.load_values(years=2024)
    assert set(after["gemeente_code"].dropna()) == {"GM0999", "GM0998"}
    kept = after[after["gemeente_code"].eq("GM0999") | after["level"].eq("nederland")]
    key = ["region_code", "indicator"]
    pd.testing.assert_frame_equal(
        before.sort_values(key).reset_index(drop=True), kept.sort_values(key).reset_index(drop=True)
    )


def test_load_one_gemeente_filters_while_reading(tiny_store):
    v = tiny_store.load_values(["GM0999"], 2024, ["wijk"])
    assert set(v["level"]) == {"wijk"} and set(v["year"]) == {2024}
    nl = tiny_store.load_values(["GM0999"], 2024, ["wijk"], include_nederland=True)
    assert "nederland" in set(nl["level"])


def test_missing_value_is_never_zero(tiny_store):
    v = tiny_store.load_values(["GM0999"], 2023)
    secret = v[v["status"] == "geheim"]
    assert len(secret) > 0
    assert secret["value"].isna().all()
