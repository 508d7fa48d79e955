"""The store in an S3-compatible bucket (a real S3 API on loopback: moto's server), as replicas share it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT
from wijkkompas.ingest import ingest
from wijkkompas.pack import build_pack, import_pack
from wijkkompas.repair import heal
from wijkkompas.store import Store

KEY = ["year", "region_code", "indicator"]
BUCKET = "wijkkompas"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on a free loopback port; the AWS variables point boto3 and pyarrow at it."""
    server = Path(sys.executable).with_name("moto_server")
    if not server.exists():
        pytest.skip("moto_server ontbreekt (make test installeert moto[server])")
    port = _port()
    proc = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    env = {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    import boto3

    client = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"])
    deadline = time.time() + 30
    while True:
        try:
            client.create_bucket(Bucket=BUCKET)
            break
        except Exception:
            if time.time() > deadline:
                proc.kill()
                raise
            time.sleep(0.2)
    yield {"client": client, "env": env}
    proc.terminate()
    proc.wait(timeout=10)
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture
def bucket_store(s3_server, request) -> Store:
    return Store(f"s3://{BUCKET}/{request.node.name.replace('[', '_').replace(']', '')}")


def sorted_values(store: Store) -> pd.DataFrame:
    return store.load_values().sort_values(KEY).reset_index(drop=True)


def test_a_bucket_store_holds_the_same_figures_as_a_folder(bucket_store, tiny_source, tiny_store_dir):
    report = ingest(tiny_source, bucket_store, ["GM0999"])
    assert report.loaded and not report.problems
    pd.testing.assert_frame_equal(sorted_values(bucket_store), sorted_values(Store(tiny_store_dir)))
    assert bucket_store.verify() == []
    assert len(bucket_store.geometry(2024, "buurt")) == len(Store(tiny_store_dir).geometry(2024, "buurt"))
    # The loaded folder is kept in the bucket, so any replica can repair from it.
    sources = {e["source"] for e in bucket_store.ingest_log()}
    assert all(bucket_store.backend.exists(f"{s}/.compleet") for s in sources)


def test_a_second_replica_sees_each_commit_whole(bucket_store, tiny_source):
    ingest(tiny_source, bucket_store, ["GM0999"])
    replica = Store(str(bucket_store.data_dir))  # another process's view of the same bucket
    pinned = replica.pin()
    bucket_store.remove_years([2023])
    assert 2023 in pinned.years() and len(pinned.load_values(years=2023)) > 0  # its version stays readable
    replica.unpin()
    assert replica.years() == [2024]


def _writer(code: str, location: str, env: dict, **kw) -> subprocess.Popen:
    full = {**os.environ, **env, "PYTHONPATH": str(ROOT), "WIJKKOMPAS_DATA_DIR": location}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=full, **kw)


def test_a_writer_that_dies_between_files_leaves_the_bucket_as_it_was(bucket_store, tiny_source, s3_server):
    ingest(tiny_source, bucket_store, ["GM0999"])
    before = sorted_values(bucket_store)
    version = bucket_store.version()
    proc = _writer(
        """
        import time
        from wijkkompas.store import Store
        with Store().transaction() as tx:
            tx.put("store/values/2024.parquet", b"the first of two new files")
            print("between files", flush=True)
            time.sleep(60)
            tx.put("store/regions.parquet", b"never written")
        """,
        str(bucket_store.data_dir),
        {"WIJKKOMPAS_S3_LEASE_SECONDS": "2"},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "between files"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert bucket_store.version() == version
    pd.testing.assert_frame_equal(sorted_values(bucket_store), before)
    assert bucket_store.verify() == []
    # Its lease expires, and the next writer goes ahead (after waiting for it, which it says).
    started = time.monotonic()
    bucket_store.remove_years([2023])
    assert time.monotonic() - started >= 1.0 and bucket_store.years() == [2024]


def test_a_damaged_object_heals_from_the_copy_kept_in_the_bucket(bucket_store, tiny_source, s3_server):
    ingest(tiny_source, bucket_store, ["GM0999"])
    expected = sorted_values(bucket_store)
    snap = bucket_store.snapshot()
    key = bucket_store.backend._object_key(snap.object("store/values/2024.parquet"))
    s3_server["client"].put_object(Bucket=BUCKET, Key=key, Body=b"kapot")
    report = heal(bucket_store)
    assert report.restored == ["store/values/2024.parquet"] and not report.lost, report.lines()
    pd.testing.assert_frame_equal(sorted_values(bucket_store), expected)


def test_a_pack_installs_into_a_bucket_and_is_kept_there(bucket_store, tiny_store_dir):
    data, _ = build_pack(tiny_store_dir, ["GM0999"])
    assert import_pack(data, bucket_store).installed
    kept = [e["source"] for e in bucket_store.ingest_log() if e.get("kind") == "pack"]
    assert kept and bucket_store.backend.read_bytes(kept[0]) == data
    pd.testing.assert_frame_equal(
        bucket_store.load_values(["GM0999"]).sort_values(KEY, ignore_index=True),
        Store(tiny_store_dir).load_values(["GM0999"]).sort_values(KEY, ignore_index=True),
    )


def test_a_format_1_manifest_in_a_bucket_is_upgraded_in_memory(bucket_store):
    """Format 1 kept documents beside the manifest on disk; a bucket has no such folder. Reading an old
    manifest there used to fail with a TypeError (`str / str`) before any page could say a word."""
    bucket_store.backend.write("store/manifest.json", b'{"files": {}}')  # format 1: no "format" key
    replica = Store(str(bucket_store.data_dir))
    assert replica.years() == []
    assert replica.snapshot().version.startswith("00000001-")


@pytest.mark.parametrize(
    "page",
    [
        "pages/start.py",
        "pages/kompas.py",
        "pages/kaart.py",
        "pages/wijkprofiel.py",
        "pages/scores.py",
        "pages/vergelijken.py",
        "pages/trends.py",
        "pages/eigen_gegevens.py",
        "pages/presentatie.py",
        "pages/over.py",
    ],
)
def test_every_page_runs_clean_on_a_bucket_store(bucket_store, tiny_source, app_test, page):
    """A replica serves every page from a bucket: no page may assume the store is a folder on disk."""
    from tests.apptest_helpers import assert_clean

    ingest(tiny_source, bucket_store, ["GM0999"])
    at = app_test(bucket_store.data_dir, page=page, query={"gemeente": "GM0999"})
    assert_clean(at)
