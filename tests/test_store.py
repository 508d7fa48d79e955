"""The store: immutable files + one manifest, snapshot reads, transactions, damage found and healed (never wiped)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT
from tests.fixtures import messy_files as mf
from wijkkompas.errors import SourceError
from wijkkompas.exporting import export_table
from wijkkompas.ingest import ingest
from wijkkompas.pack import build_pack, import_pack
from wijkkompas.repair import heal
from wijkkompas.store import Store, StoreCorrupt, atomic_write_bytes
from wijkkompas.store import snapshot as snapshot_mod
from wijkkompas.store.files import is_object_name, object_name
from wijkkompas.userdata import import_file
from wijkkompas.userdata.persist import delete_upload

V2024 = "store/values/2024.parquet"
KEY = ["year", "region_code", "indicator"]


def files_of(store: Store) -> dict[str, bytes]:
    """Every file under the data dir (lock files aside) with its bytes."""
    return {
        p.relative_to(store.data_dir).as_posix(): p.read_bytes()
        for p in sorted(store.data_dir.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def sorted_values(store_or_snap) -> pd.DataFrame:
    return store_or_snap.load_values().sort_values(KEY).reset_index(drop=True)


# --------------------------------------------------------------------------- files and commits


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


def test_data_files_are_content_addressed_and_the_manifest_names_them(tiny_store):
    snap = tiny_store.snapshot()
    entry = snap.files[V2024]
    assert entry["object"] == object_name(V2024, entry["sha256"]) and is_object_name(Path(entry["object"]).name)
    assert snap.path(V2024).name.startswith("2024-")
    # Every document a reader depends on is named by the manifest, so the version says when anything changed.
    assert {"store/regions.parquet", "store/cbs_columns.json", "store/ingest_log.json"} <= set(snap.files)
    version = tiny_store.version()
    tiny_store.write_document("scores/x.toml", b'[scores.x]\nlabel = "x"\n')
    assert tiny_store.version() != version


def test_a_failed_ingest_leaves_every_file_as_it_was_and_says_so_in_dutch(tiny_store, tiny_source, monkeypatch):
    import wijkkompas.store.backend as core

    before = files_of(tiny_store)
    calls = {"n": 0}
    real = core.atomic_write_bytes

    def fail_on_second(path, data):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device", str(path))
        return real(path, data)

    monkeypatch.setattr(core, "atomic_write_bytes", fail_on_second)
    with pytest.raises(SourceError, match="De schijf met de gegevensmap is vol") as err:
        ingest(tiny_source, tiny_store, ["GM0999"])
    assert "Er is niets veranderd" in str(err.value)
    monkeypatch.undo()
    assert files_of(tiny_store) == before  # not even orphan files are left behind


def test_truncated_zero_length_and_foreign_files_are_detected_not_shown(tiny_store):
    path = tiny_store.path_of(V2024)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(StoreCorrupt) as err:
        tiny_store.load_values(years=2024)
    assert "grootte" in err.value.reason and err.value.logical == V2024
    path.write_bytes(b"")
    with pytest.raises(StoreCorrupt):
        tiny_store.load_values(years=2024)
    # A foreign file of exactly the right size: only the checksum can tell.
    path.write_bytes(b"x" * len(data))
    assert [p.logical for p in tiny_store.verify()] == [V2024]


def test_a_manifest_naming_a_missing_file_is_reported(tiny_store):
    tiny_store.path_of(V2024).unlink()
    problems = tiny_store.verify()
    assert [(p.logical, p.reason) for p in problems] == [(V2024, "ontbreekt")]


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


@pytest.mark.parametrize("small_files_cached", [True, False])
def test_large_and_small_file_reads_give_the_same_rows(tiny_store, monkeypatch, small_files_cached):
    expected = tiny_store.load_values(["GM0999"], 2024, ["buurt", "wijk"], include_nederland=True)
    if not small_files_cached:
        monkeypatch.setattr(snapshot_mod, "SMALL_FILE_BYTES", 0)  # force the row-group path
    got = tiny_store.load_values(["GM0999"], 2024, ["buurt", "wijk"], include_nederland=True)
    pd.testing.assert_frame_equal(expected.sort_values(KEY, ignore_index=True), got.sort_values(KEY, ignore_index=True))


def test_missing_value_is_never_zero(tiny_store):
    v = tiny_store.load_values(["GM0999"], 2023)
    secret = v[v["status"] == "geheim"]
    assert len(secret) > 0
    assert secret["value"].isna().all()


# --------------------------------------------------------------------------- snapshots and cleaning up


def test_a_pinned_snapshot_keeps_reading_its_version_while_a_writer_commits(tiny_store):
    old = tiny_store.snapshot()
    old_values = sorted_values(old)
    old_file = old.path(V2024)
    tiny_store.remove_years([2024])
    assert 2024 not in tiny_store.years() and 2024 in old.years()
    assert old_file.exists()  # within the grace period the old version's files stay
    pd.testing.assert_frame_equal(sorted_values(old), old_values)
    # Reopened by its id (what cached page functions do) it is the same version.
    pd.testing.assert_frame_equal(sorted_values(tiny_store.at(old.version)), old_values)


def test_garbage_collection_removes_only_unreferenced_store_files_after_the_grace_period(tiny_store, tmp_path):
    old_file = tiny_store.path_of(V2024)
    keep_raw = tiny_store.raw_root / "mijn-download.csv"
    keep_raw.parent.mkdir(parents=True, exist_ok=True)
    keep_raw.write_text("x")
    tiny_store.remove_years([2024])
    with tiny_store.transaction():
        pass  # an empty transaction commits nothing
    removed = tiny_store.collect_garbage(grace=0)
    assert old_file in removed and not old_file.exists()
    assert keep_raw.exists()  # raw inputs are never cleaned up
    assert tiny_store.verify() == [] and 2023 in tiny_store.years()
    assert len(list(tiny_store.versions_root.glob("*.json"))) == 1  # only the current version is kept


def test_an_old_snapshot_whose_files_were_cleaned_up_reopens_as_the_current_one(tiny_store):
    old = tiny_store.snapshot().version
    tiny_store.remove_years([2024])
    tiny_store.collect_garbage(grace=0)
    assert tiny_store.at(old).version == tiny_store.version()


# --------------------------------------------------------------------------- many readers, a writer, many processes


def _read_loop(store: Store, n: int, errors: list) -> None:
    for _ in range(n):
        try:
            store.snapshot().read_table(V2024, filters=[("level", "in", ["wijk"])], columns=["region_code", "value"])
        except Exception as exc:  # any failure counts, not only StoreCorrupt
            errors.append(exc)


@pytest.mark.parametrize(
    ("threads", "reads", "small_files_cached"),
    [pytest.param(3, 10_000, True, marks=pytest.mark.slow), (4, 1_000, False)],
)
def test_reader_threads_never_fail(tiny_store, monkeypatch, threads, reads, small_files_cached):
    if not small_files_cached:
        monkeypatch.setattr(snapshot_mod, "SMALL_FILE_BYTES", 0)  # every read opens and decodes Parquet
    errors: list = []
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda _: _read_loop(tiny_store, reads, errors), range(threads)))
    assert errors == []


def test_readers_racing_a_writer_see_only_committed_versions(tiny_store):
    name, data = mf.dutch_excel_csv()
    _a, up = import_file(tiny_store, data, name)

    def state(snap) -> tuple:
        v = snap.load_values(years=2024)
        eigen = v[v["source_table"].str.startswith("eigen:")]
        return (len(v), round(float(eigen["value"].sum()), 6))

    with_upload = state(tiny_store.snapshot())
    delete_upload(tiny_store, up.id)
    without = state(tiny_store.snapshot())
    assert with_upload != without
    allowed = {with_upload, without}
    stop = threading.Event()
    seen: list = []
    errors: list = []

    def reader():
        while not stop.is_set():
            try:
                seen.append(state(tiny_store.snapshot()))
            except Exception as exc:
                errors.append(exc)

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for t in readers:
        t.start()
    for _ in range(6):
        _a, again = import_file(tiny_store, data, name)
        delete_upload(tiny_store, again.id)
    stop.set()
    for t in readers:
        t.join()
    assert errors == []
    assert len(seen) > 20 and set(seen) <= allowed, set(seen) - allowed
    assert with_upload in set(seen) or without in set(seen)


def _run_py(code: str, data_dir: Path, **kw) -> subprocess.Popen:
    env = {**os.environ, "WIJKKOMPAS_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env, **kw)


def test_two_processes_ingesting_at_once_both_complete_and_nothing_is_lost(tiny_source, tmp_path, tiny_store_dir):
    data_dir = tmp_path / "data"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "wijkkompas",
                "--data-dir",
                str(data_dir),
                "ingest",
                "--source",
                str(tiny_source),
                "--gemeente",
                "GM0999",
                "--years",
                year,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for year in ("2023", "2024")
    ]
    for p in procs:
        _out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    store = Store(data_dir)
    assert store.years() == [2023, 2024] and store.verify() == []
    pd.testing.assert_frame_equal(sorted_values(store), sorted_values(Store(tiny_store_dir)))
    assert sorted(e["year"] for e in store.ingest_log()) == [2023, 2024]


def test_a_writer_killed_mid_write_leaves_the_store_as_it_was(tiny_store):
    before_manifest = tiny_store.manifest_path.read_bytes()
    before = sorted_values(tiny_store)
    proc = _run_py(
        """
        import sys, time
        from wijkkompas.store import Store
        store = Store()
        with store.transaction() as tx:
            tx.put("store/values/2024.parquet", b"half of a new year file")
            tx.put("store/regions.parquet", b"x" * 1000)
            print("writing", flush=True)
            time.sleep(60)
        """,
        tiny_store.data_dir,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "writing"
    proc.kill()  # SIGKILL: no cleanup code runs
    proc.wait(timeout=10)
    assert tiny_store.manifest_path.read_bytes() == before_manifest
    pd.testing.assert_frame_equal(sorted_values(tiny_store), before)
    assert tiny_store.verify() == []
    # The dead writer's lock is gone with it: the next writer goes ahead.
    tiny_store.remove_years([2023])
    assert tiny_store.years() == [2024]


def test_a_waiting_writer_says_so(tiny_store):
    from wijkkompas.store import wait_notifier

    holder = _run_py(
        """
        import time
        from wijkkompas.store import Store
        with Store().transaction():
            print("locked", flush=True)
            time.sleep(3)
        """,
        tiny_store.data_dir,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    told: list[str] = []
    token = wait_notifier.set(told.append)
    try:
        started = time.monotonic()
        tiny_store.write_document("scores/na.toml", b'[scores.na]\nlabel = "na"\n')
    finally:
        wait_notifier.reset(token)
    holder.wait(timeout=10)
    assert time.monotonic() - started > 1 and told and "wacht" in told[0]
    assert tiny_store.snapshot().has("scores/na.toml")


@pytest.mark.slow
def test_the_package_and_every_page_module_import_without_fcntl(tmp_path):
    """Municipal laptops run Windows: nothing POSIX-only may be imported by the package."""
    proc = _run_py(
        """
        import sys
        sys.modules["fcntl"] = None  # as on Windows: `import fcntl` raises ImportError
        import importlib, pkgutil, warnings, wijkkompas
        warnings.simplefilter("ignore")  # filelock says it falls back to a soft lock here (Windows uses msvcrt)
        for m in pkgutil.walk_packages(wijkkompas.__path__, "wijkkompas."):
            if not m.name.endswith("__main__"):
                importlib.import_module(m.name)
        from wijkkompas.store import Store
        s = Store()
        s.write_document("scores/w.toml", b"x")
        assert s.snapshot().read_bytes("scores/w.toml") == b"x"
        from streamlit.testing.v1 import AppTest
        from wijkkompas.ui.navigation import PAGES
        for path, *_ in PAGES:
            at = AppTest.from_file("app.py", default_timeout=60)
            at.run()
            at.switch_page(path)
            at.run()
            assert not at.exception and not at.error, (path, at.exception, at.error)
        print("ok")
        """,
        tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and out.strip() == "ok", err


# --------------------------------------------------------------------------- heal, never wipe


def test_a_read_error_on_an_intact_store_is_not_damage(tiny_store):
    before = files_of(tiny_store)
    snap = tiny_store.snapshot()
    report = heal(tiny_store, StoreCorrupt(snap.path(V2024), "tijdelijk niet leesbaar", logical=V2024))
    assert report.stale and report.healthy and not report.damaged
    assert files_of(tiny_store) == before


def test_a_damaged_year_is_rebuilt_from_the_kept_copy_even_after_the_folder_is_gone(tiny_source, tmp_path):
    source = tmp_path / "usb-stick"
    shutil.copytree(tiny_source, source)
    store = Store(tmp_path / "data")
    ingest(source, store, ["GM0999"])
    assert all(e["source"].startswith("raw/bronnen/") for e in store.ingest_log())
    shutil.rmtree(source)  # the stick is back in the drawer
    expected = sorted_values(store)
    path = store.path_of(V2024)
    path.write_bytes(b"not parquet at all")
    report = heal(store)
    assert report.damaged == [V2024] and report.restored == [V2024] and not report.lost, report.lines()
    pd.testing.assert_frame_equal(sorted_values(store), expected)
    assert store.verify() == [] and len(store.ingest_log()) == 2  # repairing does not duplicate the log
    quarantined = list((store.data_dir / "beschadigd").rglob("*.parquet"))
    assert [q.read_bytes() for q in quarantined] == [b"not parquet at all"]  # only the damaged file, kept


def test_a_pack_installed_laptop_heals_from_the_kept_pack_and_exports_the_same(tiny_store, tmp_path):
    data, _ = build_pack(tiny_store.data_dir, ["GM0999"])
    laptop = Store(tmp_path / "laptop")
    assert import_pack(data, laptop).installed
    before = export_table(laptop, ["GM0999"], 2024, "buurt", shape="wide")
    path = laptop.path_of(V2024)
    path.write_bytes(path.read_bytes()[:100])  # truncated
    report = heal(laptop)
    assert report.restored == [V2024] and not report.lost, report.lines()
    assert not laptop.is_empty()
    pd.testing.assert_frame_equal(export_table(laptop, ["GM0999"], 2024, "buurt", shape="wide"), before)


def test_what_cannot_be_rebuilt_is_named_and_the_rest_keeps_working(tiny_store):
    for entry in tiny_store.ingest_log():
        shutil.rmtree(tiny_store.raw_file(entry["source"]), ignore_errors=True)  # every source gone
    intact_2023 = tiny_store.load_values(years=2023)
    tiny_store.path_of(V2024).write_bytes(b"kapot")
    report = heal(tiny_store)
    assert report.lost == [V2024] and any("is er niet meer" in p for p in report.problems)
    assert tiny_store.years() == [2023]
    pd.testing.assert_frame_equal(tiny_store.load_values(years=2023), intact_2023)
    damaged = tiny_store.snapshot().damaged()
    assert V2024 in damaged and "Lees de gegevens opnieuw in" in damaged[V2024]["advice"]
    # Reading the intact rest raises nothing; a second repair has nothing to do.
    assert heal(tiny_store).healthy


def test_a_damaged_saved_document_comes_back_from_its_last_intact_version(tiny_store):
    tiny_store.write_document("scores/eerste.toml", b"versie 1")
    tiny_store.write_document("scores/eerste.toml", b"versie 2")
    tiny_store.path_of("scores/eerste.toml").write_bytes(b"xxxxxxxx")  # same size, other bytes
    report = heal(tiny_store)
    assert report.restored == ["scores/eerste.toml"]
    assert tiny_store.snapshot().read_bytes("scores/eerste.toml") == b"versie 1"


def test_two_sessions_never_repair_at_the_same_time(tiny_store):
    tiny_store.path_of(V2024).write_bytes(b"kapot")
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda _: heal(tiny_store), range(2)))
    assert sorted(bool(r.damaged) for r in reports) == [False, True]  # one repaired, the other found it fine
    assert tiny_store.verify() == []


def test_an_unreadable_manifest_falls_back_to_its_version_copy_and_is_rewritten(tiny_store):
    expected = sorted_values(tiny_store)
    tiny_store.manifest_path.write_bytes(b"{ kapot")
    pd.testing.assert_frame_equal(sorted_values(tiny_store), expected)
    heal(tiny_store)
    assert json.loads(tiny_store.manifest_path.read_text())["files"]


def test_a_format_1_data_folder_is_adopted_without_losing_anything(tiny_store, tmp_path):
    """An older Wijkkompas kept data files under their plain names and documents beside the manifest."""
    old = tmp_path / "oud"
    (old / "store" / "values").mkdir(parents=True)
    files = {}
    snap = tiny_store.snapshot()
    for logical in [V2024, "store/regions.parquet"]:
        data = snap.path(logical).read_bytes()
        (old / logical).write_bytes(data)
        files[logical] = {"sha256": snap.files[logical]["sha256"], "bytes": len(data), "written": "2026-01-01"}
    (old / "store" / "manifest.json").write_text(json.dumps({"store_version": 2, "files": files}))
    (old / "scores").mkdir()
    (old / "scores" / "mijn.toml").write_text("[scores.x]\n")
    legacy = Store(old)
    got = legacy.load_values(years=2024).sort_values(KEY, ignore_index=True)
    pd.testing.assert_frame_equal(got, tiny_store.load_values(years=2024).sort_values(KEY, ignore_index=True))
    assert legacy.snapshot().read_bytes("scores/mijn.toml") == b"[scores.x]\n"
    assert json.loads((old / "store" / "manifest.json").read_text())["format"] == 2
