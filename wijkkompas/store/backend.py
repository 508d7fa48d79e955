"""Where the store's files live: a folder on disk, or an S3-compatible bucket (MinIO, Ceph, any cloud).

The store only needs a few operations on files named by a relative key (`store/values/2024-<sha12>.parquet`):
read, write a whole file atomically, size, delete, list, open for Parquet, and one writer lock. Both
places give the guarantees the design rests on: a file appears completely or not at all (a temp file +
rename on disk; a single PUT — also multipart — on S3), and data files are never rewritten under the
same name (content-addressed), so only the manifest object is ever replaced.

A bucket is named as `s3://bucket/prefix`; the endpoint and credentials come from the usual AWS
variables (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`) or from the
query string (`s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=eu-west-1`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pyarrow as pa
import pyarrow.parquet as pq

from wijkkompas.errors import SourceError
from wijkkompas.store.files import atomic_write_bytes, file_sha256, fsync_dir
from wijkkompas.store.lock import (
    FIRST_WAIT_SECONDS,
    MAX_WAIT_SECONDS,
    WAIT_MESSAGE,
    StoreBusy,
    wait_notifier,
    write_lock,
)

LOCK_KEY = "store/.lock"


def is_url(location: object) -> bool:
    return str(location).startswith("s3://")


class LocalBackend:
    """A data folder on this computer (or a network share)."""

    remote = False

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.location = self.root

    @property
    def key(self) -> str:
        return str(self.root.resolve())

    def local_path(self, rel: str) -> Path:
        return self.root / rel

    def display(self, rel: str) -> Path:
        return self.root / rel

    def size(self, rel: str) -> int:
        return (self.root / rel).stat().st_size

    def exists(self, rel: str) -> bool:
        return (self.root / rel).is_file()

    def read_bytes(self, rel: str) -> bytes:
        return (self.root / rel).read_bytes()

    def sha256(self, rel: str) -> str:
        return file_sha256(self.root / rel)

    def write(self, rel: str, data: bytes) -> None:
        atomic_write_bytes(self.root / rel, data)

    def delete(self, rel: str) -> None:
        path = self.root / rel
        path.unlink(missing_ok=True)
        folder = path.parent
        while folder != self.root and self.root in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent

    def move_aside(self, rel: str, target: str) -> None:
        dest = self.root / target
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.move(str(self.root / rel), dest)
        except OSError:  # Windows: still mapped by a reader; copy, and let the repair overwrite it
            shutil.copy2(self.root / rel, dest)

    def list(self, prefix: str) -> list[tuple[str, int, float]]:
        """(key, size, mtime) of every file below `prefix` (a folder key such as `store/versions`)."""
        folder = self.root / prefix
        if not folder.is_dir():
            return []
        out = []
        for path in folder.rglob("*"):
            with contextlib.suppress(OSError):
                if path.is_file():
                    st = path.stat()
                    out.append((path.relative_to(self.root).as_posix(), st.st_size, st.st_mtime))
        return sorted(out)

    def parquet_metadata(self, rel: str) -> pq.FileMetaData:
        return pq.read_metadata(self.root / rel)

    def parquet_file(self, rel: str, metadata: pq.FileMetaData | None = None) -> pq.ParquetFile:
        return pq.ParquetFile(self.root / rel, metadata=metadata, memory_map=True)

    def read_parquet(self, rel: str) -> pa.Table:
        return pq.read_table(self.root / rel, memory_map=True)

    def read_geoparquet(self, rel: str, filters):
        import geopandas as gpd

        return gpd.read_parquet(self.root / rel, filters=filters)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        with write_lock(self.root / LOCK_KEY):
            yield

    def sync(self) -> None:
        fsync_dir(self.root)


class S3Backend:
    """A prefix in an S3-compatible bucket, read and written through pyarrow's filesystem layer.

    The writer lock is a lease object written with a conditional PUT (`If-None-Match: *`), so two
    writers on different machines exclude each other; a lease of a writer that died expires.
    """

    remote = True

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        if not parsed.netloc:
            raise SourceError(
                f"'{url}' is geen geldige opslaglocatie. Gebruik s3://emmer/map, bijvoorbeeld s3://wijkkompas/data."
            )
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/")
        self.endpoint = query.get("endpoint") or os.environ.get("AWS_ENDPOINT_URL") or None
        self.region = (
            query.get("region") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        )
        self.location = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        self._fs = None
        self._client = None
        self._local = threading.RLock()
        self._owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        # How long a writer's lease lasts: a writer that dies holds the store at most this long.
        self.lease_seconds = float(os.environ.get("WIJKKOMPAS_S3_LEASE_SECONDS", 600))

    @property
    def key(self) -> str:
        return self.location

    # ------------------------------------------------------------------ clients

    @property
    def fs(self):
        if self._fs is None:
            from pyarrow import fs as pafs

            kw = {"region": self.region}
            if self.endpoint:
                u = urlparse(self.endpoint)
                kw |= {"endpoint_override": u.netloc or u.path, "scheme": u.scheme or "https"}
            if os.environ.get("AWS_ACCESS_KEY_ID"):
                kw |= {
                    "access_key": os.environ["AWS_ACCESS_KEY_ID"],
                    "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
                }
            self._fs = pafs.S3FileSystem(**kw)
        return self._fs

    @property
    def client(self):
        if self._client is None:
            import boto3

            self._client = boto3.client("s3", endpoint_url=self.endpoint, region_name=self.region)
        return self._client

    def _path(self, rel: str) -> str:
        return f"{self.bucket}/{self.prefix}/{rel}" if self.prefix else f"{self.bucket}/{rel}"

    def _object_key(self, rel: str) -> str:
        return f"{self.prefix}/{rel}" if self.prefix else rel

    # ------------------------------------------------------------------ files

    def local_path(self, rel: str) -> None:
        return None

    def display(self, rel: str) -> Path:
        return Path(self._path(rel))

    def _info(self, rel: str):
        from pyarrow import fs as pafs

        info = self.fs.get_file_info(self._path(rel))
        if info.type != pafs.FileType.File:
            raise FileNotFoundError(self._path(rel))
        return info

    def size(self, rel: str) -> int:
        return int(self._info(rel).size)

    def exists(self, rel: str) -> bool:
        try:
            self._info(rel)
            return True
        except FileNotFoundError:
            return False

    def read_bytes(self, rel: str) -> bytes:
        try:
            with self.fs.open_input_stream(self._path(rel)) as fh:
                return fh.read()
        except (OSError, pa.ArrowException) as exc:
            if not self.exists(rel):
                raise FileNotFoundError(self._path(rel)) from exc
            raise

    def sha256(self, rel: str) -> str:
        h = hashlib.sha256()
        with self.fs.open_input_stream(self._path(rel)) as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
        return h.hexdigest()

    def write(self, rel: str, data: bytes) -> None:
        with self.fs.open_output_stream(self._path(rel)) as out:  # the object appears on close, whole
            out.write(data)

    def delete(self, rel: str) -> None:
        with contextlib.suppress(FileNotFoundError, OSError):
            self.fs.delete_file(self._path(rel))

    def move_aside(self, rel: str, target: str) -> None:
        self.fs.copy_file(self._path(rel), self._path(target))
        self.delete(rel)

    def list(self, prefix: str) -> list[tuple[str, int, float]]:
        from pyarrow import fs as pafs

        selector = pafs.FileSelector(self._path(prefix.rstrip("/")), recursive=True, allow_not_found=True)
        base = self._path("")
        out = []
        for info in self.fs.get_file_info(selector):
            if info.type == pafs.FileType.File:
                mtime = info.mtime.timestamp() if info.mtime else time.time()
                out.append((info.path[len(base) :], int(info.size), mtime))
        return sorted(out)

    def parquet_metadata(self, rel: str) -> pq.FileMetaData:
        with self.fs.open_input_file(self._path(rel)) as fh:
            return pq.read_metadata(fh)

    def parquet_file(self, rel: str, metadata: pq.FileMetaData | None = None) -> pq.ParquetFile:
        return pq.ParquetFile(self.fs.open_input_file(self._path(rel)), metadata=metadata)

    def read_parquet(self, rel: str) -> pa.Table:
        return pq.read_table(self._path(rel), filesystem=self.fs)

    def read_geoparquet(self, rel: str, filters):
        import geopandas as gpd

        return gpd.read_parquet(self._path(rel), filters=filters, filesystem=self.fs)

    def sync(self) -> None:
        return None

    # ------------------------------------------------------------------ the writer lease

    def _try_lease(self) -> bool:
        from botocore.exceptions import ClientError

        body = json.dumps({"owner": self._owner, "expires": time.time() + self.lease_seconds}).encode()
        key = self._object_key(LOCK_KEY)
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=body, IfNoneMatch="*")
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise
        try:  # taken: by a writer that died? Then its lease has expired and we take it over.
            current = self.client.get_object(Bucket=self.bucket, Key=key)
            lease = json.loads(current["Body"].read() or b"{}")
            if float(lease.get("expires", 0)) < time.time():
                self.client.put_object(Bucket=self.bucket, Key=key, Body=body, IfMatch=current["ETag"])
                return True
        except ClientError:
            pass
        return False

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        with self._local:
            deadline = time.monotonic() + MAX_WAIT_SECONDS
            told = False
            started = time.monotonic()
            while not self._try_lease():
                if not told and time.monotonic() - started >= FIRST_WAIT_SECONDS:
                    notify = wait_notifier.get()
                    if notify is not None:
                        notify(WAIT_MESSAGE)
                    told = True
                if time.monotonic() > deadline:
                    raise StoreBusy(
                        f"De opslag {self.location} is al {int(MAX_WAIT_SECONDS // 60)} minuten bezet door een andere "
                        "schrijver. Wacht tot die klaar is en probeer het opnieuw."
                    )
                time.sleep(0.2)
            try:
                yield
            finally:
                with contextlib.suppress(Exception):
                    self.client.delete_object(Bucket=self.bucket, Key=self._object_key(LOCK_KEY))


def backend_for(location: Path | str) -> LocalBackend | S3Backend:
    return S3Backend(str(location)) if is_url(location) else LocalBackend(Path(location))


def local_cache_dir(location: str) -> Path:
    """A local folder for downloads and unpacked raw files of a remote store."""
    digest = hashlib.sha256(location.encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"wijkkompas-{digest}"
