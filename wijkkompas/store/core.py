"""The store: immutable, content-addressed files and one manifest that is the single commit point.

Layout under the data directory (see docs/architecture.md):

    store/manifest.json            the current version: logical name → file, sha256, size (+ summary)
    store/versions/<version>.json  every recent version, immutable (readers in flight reopen theirs)
    store/values/2024-<sha12>.parquet, store/regions-<sha12>.parquet, geo/2024/buurt-<sha12>.parquet,
    eigen/uploads-<sha12>.json, scores/<name>-<sha12>.toml, presentaties/<name>-<sha12>.json, …
    store/.lock                    one writer at a time (filelock: POSIX and Windows)

A write is a transaction: new files are written (and fsynced) under new names, then the version file,
then `manifest.json` is atomically replaced. Until that last rename, every reader sees the previous
version; after it, the next request sees the new one. Old files are removed only when no recent
version names them and they have been unreferenced for longer than a grace period, so a reader that
resolved an older version a moment ago can still finish.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from wijkkompas import STORE_VERSION
from wijkkompas.access import can_write, require_write
from wijkkompas.errors import SourceError, StoreCorrupt
from wijkkompas.store.backend import backend_for, is_url, local_cache_dir
from wijkkompas.store.files import (
    atomic_write_bytes,
    is_object_name,
    json_bytes,
    object_name,
    sha256,
)
from wijkkompas.store.snapshot import (
    CBS_COLUMNS,
    EIGEN_PREFIX,
    INGEST_LOG,
    REGIONS,
    VALUES_PREFIX,
    Snapshot,
    geometry_name,
    source_name,
    values_name,
)
from wijkkompas.store.tables import (
    REGION_SCHEMA,
    SORT_KEYS,
    VALUE_SCHEMA_STORED,
    parquet_bytes,
    sort_dictionary_table,
    to_arrow,
    values_summary,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
MANIFEST_FORMAT = 2
MANIFEST = "store/manifest.json"
VERSIONS = "store/versions"
DEFAULT_GRACE_SECONDS = 15 * 60
# Folders whose files the manifest manages (and garbage collection may clean); raw/ and beschadigd/ never.
MANAGED_ROOTS = ("store", "geo", "eigen", "scores", "presentaties", "notities")
# Documents an older (format 1) data folder kept outside its manifest; adopted once on upgrade.
LEGACY_DOCUMENTS = (CBS_COLUMNS, INGEST_LOG, "eigen/uploads.json")
LEGACY_DOCUMENT_GLOBS = ("scores/*.toml", "presentaties/*.json")


def default_data_dir() -> Path | str:
    """`WIJKKOMPAS_DATA_DIR`: a folder, or an `s3://bucket/prefix` URL; default `data/` in the repository."""
    env = os.environ.get("WIJKKOMPAS_DATA_DIR")
    if env and is_url(env):
        return env
    return Path(env or REPO_ROOT / "data")


def grace_seconds() -> float:
    try:
        return float(os.environ.get("WIJKKOMPAS_STORE_GRACE_SECONDS", DEFAULT_GRACE_SECONDS))
    except ValueError:
        return DEFAULT_GRACE_SECONDS


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _parse_time(text: object) -> float:
    try:
        return datetime.fromisoformat(str(text)).timestamp()
    except ValueError:
        return 0.0


def _empty_manifest() -> dict:
    return {"format": MANIFEST_FORMAT, "store_version": STORE_VERSION, "seq": 0, "version": "leeg", "files": {}}


# A request (one page run, one CLI command) pins the version it started with; every read in that
# request, including cached functions, uses it. Per thread/context: Streamlit sessions run in threads.
_PINS: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("wijkkompas_store_pins", default=None)
# Transactions are per thread and per data folder: a write inside a write joins the outer one.
_ACTIVE = threading.local()
# Versions reopened by cached page functions, shared by every session of this process.
_VERSIONS: OrderedDict[tuple[str, str], dict] = OrderedDict()
_VERSIONS_MAX = 16
_VERSIONS_GUARD = threading.Lock()


class StoreWriteError(SourceError):
    """Writing to the data folder failed (disk full, no permission, …); nothing was changed."""

    @classmethod
    def of(cls, exc: OSError) -> StoreWriteError:
        where = f" ({exc.filename})" if exc.filename else ""
        if exc.errno == errno.ENOSPC:
            what = f"De schijf met de gegevensmap is vol{where}. Maak ruimte vrij en probeer het opnieuw."
        elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            what = f"Wijkkompas mag niet schrijven in de gegevensmap{where}. Vraag de beheerder om schrijfrechten."
        else:
            what = f"Schrijven in de gegevensmap lukte niet ({exc.strerror or exc}){where}. Probeer het opnieuw."
        return cls(f"Opslaan is mislukt. Er is niets veranderd. {what}")


class Transaction:
    """The changes of one write, committed as one new version (or not at all)."""

    def __init__(self, store: Store, base: dict) -> None:
        self.store = store
        self.base = base
        self.files: dict[str, dict] = {k: dict(v) for k, v in base.get("files", {}).items()}
        self.damaged: dict[str, dict] = dict(base.get("damaged") or {})
        self.writes = 0  # part of version() inside the transaction, so caches see each write
        self.created: list[str] = []  # files this transaction wrote, removed again if it is abandoned

    def view(self) -> Snapshot:
        """What this transaction has made so far, readable like any snapshot."""
        return Snapshot(self.store.backend, {**self.base, "files": self.files, "damaged": self.damaged})

    def put(self, logical: str, data: bytes, *, summary: dict | None = None) -> None:
        """Write `data` as the new content of `logical` (visible to others only after commit)."""
        digest = sha256(data)
        obj = object_name(logical, digest)
        backend = self.store.backend
        existed = backend.exists(obj)
        if not (existed and backend.size(obj) == len(data) and backend.sha256(obj) == digest):
            backend.write(obj, data)
            if not existed:
                self.created.append(obj)
        entry = {"object": obj, "sha256": digest, "bytes": len(data), "written": _now()}
        if summary is not None:
            entry["summary"] = summary
        self.files[logical] = entry
        self.damaged.pop(logical, None)
        self.writes += 1

    def put_json(self, logical: str, payload: object) -> None:
        self.put(logical, json_bytes(payload))

    def remove(self, logical: str) -> None:
        self.files.pop(logical, None)
        self.writes += 1

    def mark_damaged(self, logical: str, info: dict) -> None:
        self.files.pop(logical, None)
        self.damaged[logical] = info
        self.writes += 1

    def discard(self) -> None:
        """An abandoned write leaves no trace: remove the new files no committed version names."""
        named = {e.get("object", k) for k, e in self.base.get("files", {}).items()}
        for obj in self.created:
            if obj not in named:
                with contextlib.suppress(OSError):
                    self.store.backend.delete(obj)

    @property
    def changed(self) -> bool:
        return self.files != self.base.get("files", {}) or self.damaged != (self.base.get("damaged") or {})

    def commit(self) -> dict:
        if not self.changed:
            return self.base
        seq = int(self.base.get("seq") or 0) + 1
        files = dict(sorted(self.files.items()))
        digest = sha256(json.dumps(files, sort_keys=True, default=str).encode("utf-8"))[:10]
        manifest = {
            "format": MANIFEST_FORMAT,
            "store_version": STORE_VERSION,
            "seq": seq,
            "version": f"{seq:08d}-{digest}",
            "previous": self.base.get("version"),
            "changed": _now(),
            "files": files,
        }
        if self.damaged:
            manifest["damaged"] = dict(sorted(self.damaged.items()))
        data = json_bytes(manifest)
        backend = self.store.backend
        version_file = f"{VERSIONS}/{manifest['version']}.json"
        backend.write(version_file, data)
        try:
            backend.write(MANIFEST, data)  # the commit point
        except BaseException:
            with contextlib.suppress(OSError):
                backend.delete(version_file)
            raise
        return manifest


class Store:
    """The figures, regions, maps and saved documents under `data_dir`; see the module docstring."""

    def __init__(self, data_dir: Path | str | None = None, *, raw_root: Path | str | None = None) -> None:
        self.backend = backend_for(data_dir if data_dir else default_data_dir())
        self.data_dir = self.backend.location  # a Path, or the s3:// URL of a bucket
        local = local_cache_dir(str(self.backend.location)) if self.backend.remote else self.data_dir
        self.root = Path(local) / "store"
        self.geo_root = Path(local) / "geo"
        self.raw_root = Path(raw_root) if raw_root else Path(local) / "raw"
        self.manifest_path = self.backend.display(MANIFEST)
        self.versions_root = self.backend.display(VERSIONS)

    def __repr__(self) -> str:
        return f"Store({str(self.data_dir)!r})"

    def raw_file(self, rel: str) -> Path:
        """A kept input (`raw/...`, relative to the data dir, as the registry and the log record it), on disk.

        For a store in a bucket this is the local copy; `write_raw`/`read_raw`/`local_raw` keep it in step.
        """
        parts = PurePosixPath(str(rel).replace("\\", "/")).parts
        if parts and parts[0] == "raw":
            return self.raw_root.joinpath(*parts[1:])
        return Path(self.root.parent).joinpath(*parts)

    def write_raw(self, rel: str, data: bytes) -> None:
        """Keep an input file (an upload, a pack, a copy of a loaded folder) next to the store."""
        require_write()
        atomic_write_bytes(self.raw_file(rel), data)
        if self.backend.remote:
            self.backend.write(rel, data)

    def read_raw(self, rel: str) -> bytes | None:
        """A kept input's bytes; for a bucket store the bucket is the truth (the local copy is a cache)."""
        if self.backend.remote:
            try:
                data = self.backend.read_bytes(rel)
            except (FileNotFoundError, OSError):
                return None
            atomic_write_bytes(self.raw_file(rel), data)
            return data
        path = self.raw_file(rel)
        return path.read_bytes() if path.is_file() else None

    def raw_exists(self, rel: str) -> bool:
        return self.backend.exists(rel) if self.backend.remote else self.raw_file(rel).is_file()

    def delete_raw(self, rel: str) -> None:
        require_write()
        path = self.raw_file(rel)
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
            path.parent.rmdir()
        if self.backend.remote:
            self.backend.delete(rel)

    def local_raw(self, rel: str) -> Path | None:
        """A kept input (a file or a folder of files) as a local path, fetched from the bucket if needed."""
        path = self.raw_file(rel)
        if self.backend.remote:
            entries = self.backend.list(rel) or (
                [(rel, self.backend.size(rel), 0.0)] if self.backend.exists(rel) else []
            )
            for key, size, _mtime in entries:
                target = self.raw_file(key)
                if not (target.is_file() and target.stat().st_size == size):
                    atomic_write_bytes(target, self.backend.read_bytes(key))
            if not entries:
                return None
        return path if path.exists() else None

    # ------------------------------------------------------------------ names (logical, as in the manifest)

    values_name = staticmethod(values_name)
    source_name = staticmethod(source_name)
    geometry_name = staticmethod(geometry_name)
    regions_name = REGIONS

    # ------------------------------------------------------------------ versions

    def _key(self) -> str:
        return self.backend.key

    def _active(self) -> Transaction | None:
        return getattr(_ACTIVE, "tx", {}).get(self._key())

    def _read_manifest_file(self) -> dict | None:
        """The current manifest, or None when there is none yet. Falls back to the newest version file
        when `manifest.json` itself is damaged (it is a copy of that file)."""
        for attempt in range(5):
            try:
                data = json.loads(self.backend.read_bytes(MANIFEST).decode("utf-8"))
                if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
                    raise ValueError("geen lijst met bestanden")
                return data
            except FileNotFoundError:
                return None
            except PermissionError:  # Windows: being replaced right now
                time.sleep(0.02 * (attempt + 1))
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                fallback = self._newest_version_file()
                if fallback is not None:
                    return fallback
                raise StoreCorrupt(self.manifest_path, f"manifest kan niet worden gelezen ({exc})") from exc
        raise StoreCorrupt(self.manifest_path, "manifest is bezet en kan niet worden gelezen")

    def version_files(self) -> list[str]:
        """Keys of the kept version files, oldest first."""
        return [k for k, _s, _m in self.backend.list(VERSIONS) if k.endswith(".json")]

    def read_version_file(self, key: str) -> dict | None:
        try:
            data = json.loads(self.backend.read_bytes(key).decode("utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return None
        return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else None

    def _newest_version_file(self) -> dict | None:
        for key in reversed(self.version_files()):
            with contextlib.suppress(OSError, ValueError, UnicodeDecodeError):
                data = json.loads(self.backend.read_bytes(key).decode("utf-8"))
                if isinstance(data, dict) and isinstance(data.get("files"), dict):
                    return data
        return None

    def _current_manifest(self) -> dict:
        data = self._read_manifest_file()
        if data is None:
            if self._has_legacy_documents():
                return self._upgrade({"files": {}})
            return _empty_manifest()
        if int(data.get("format") or 1) < MANIFEST_FORMAT:
            return self._upgrade(data)
        return data

    def snapshot(self) -> Snapshot:
        """The version to read now: the running transaction's view inside a write, else the current one."""
        tx = self._active()
        if tx is not None:
            return tx.view()
        pinned = (_PINS.get() or {}).get(self._key())
        if pinned is not None:
            return self.at(pinned)
        return self.current()

    def current(self) -> Snapshot:
        """The newest committed version, ignoring any pin."""
        manifest = self._current_manifest()
        self._remember(manifest)
        return Snapshot(self.backend, manifest)

    def pin(self) -> Snapshot:
        """Resolve the manifest once for this request; later reads in the same thread/context use it."""
        snap = self.current()
        self._set_pin(snap.version)
        return snap

    def unpin(self) -> None:
        pins = dict(_PINS.get() or {})
        if pins.pop(self._key(), None) is not None:
            _PINS.set(pins)

    def _set_pin(self, version: str) -> None:
        pins = dict(_PINS.get() or {})
        pins[self._key()] = version
        _PINS.set(pins)

    def at(self, version: str) -> Snapshot:
        """Reopen a version by its id (cached page functions get the id as their cache key).

        Falls back to the current version when the old one has been cleaned up meanwhile.
        """
        key = (self._key(), version)
        path = f"{VERSIONS}/{version}.json"
        with _VERSIONS_GUARD:
            manifest = _VERSIONS.get(key)
            if manifest is not None:
                _VERSIONS.move_to_end(key)
        if manifest is not None and manifest.get("upgraded_from") is None and not self.backend.exists(path):
            with _VERSIONS_GUARD:
                _VERSIONS.pop(key, None)  # cleaned up meanwhile: its files may be gone too
            return self.current()
        if manifest is None:
            manifest = self.read_version_file(path)
            if manifest is None:
                return self.current()
            self._remember(manifest)
        return Snapshot(self.backend, manifest)

    def _remember(self, manifest: dict) -> None:
        key = (self._key(), str(manifest.get("version")))
        with _VERSIONS_GUARD:
            _VERSIONS[key] = manifest
            _VERSIONS.move_to_end(key)
            while len(_VERSIONS) > _VERSIONS_MAX:
                _VERSIONS.popitem(last=False)

    def version(self) -> str:
        """Changes whenever anything in the store changes: the key for every cache above the store."""
        tx = self._active()
        if tx is not None:
            return f"{tx.base.get('version')}+{tx.writes}"
        pinned = (_PINS.get() or {}).get(self._key())
        if pinned is not None:
            return pinned
        return str(self._current_manifest().get("version") or "leeg")

    def manifest(self) -> dict:
        return self.snapshot().manifest

    # ------------------------------------------------------------------ writing

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Everything written inside becomes one new version, or nothing does.

        Takes the write lock, reads the newest manifest *under* the lock (so a second writer builds on
        the first one's result and nothing is lost), commits on success, then cleans up old files.
        """
        active = self._active()
        if active is not None:
            yield active
            return
        require_write()  # the one place every write passes: a viewer's request is refused here
        with self.backend.lock():
            base = self._current_manifest()
            tx = Transaction(self, base)
            registry = _ACTIVE.__dict__.setdefault("tx", {})
            registry[self._key()] = tx
            try:
                yield tx
                manifest = tx.commit()
            except OSError as exc:
                tx.discard()
                raise StoreWriteError.of(exc) from exc
            except BaseException:
                tx.discard()
                raise
            finally:
                registry.pop(self._key(), None)
            if manifest is not base:
                self._remember(manifest)
                if self._key() in (_PINS.get() or {}):
                    self._set_pin(str(manifest["version"]))  # the writer's own request sees what it wrote
                with contextlib.suppress(OSError):
                    self.collect_garbage(manifest)

    def write_document(self, logical: str, data: bytes) -> None:
        with self.transaction() as tx:
            tx.put(logical, data)

    def delete_document(self, logical: str) -> None:
        with self.transaction() as tx:
            tx.remove(logical)

    def replace(
        self,
        values: pd.DataFrame,
        regions: pd.DataFrame,
        *,
        source_tables: Sequence[str],
        gemeenten: Sequence[str] | None,
    ) -> None:
        """Swap in new figures for (years × gemeenten × source tables); everything else stays."""
        with self.transaction() as tx:
            view = tx.view()
            new = to_arrow(values, VALUE_SCHEMA_STORED)
            nl_in_new = pc.any(pc.equal(new["level"], "nederland")).as_py() or False
            targets: dict[str, list] = {}
            for year in sorted(set(new["year"].to_pylist())):
                for table_id in source_tables:
                    targets.setdefault(source_name(int(year), table_id), []).append(year)
            for logical, path_years in targets.items():
                part = new.filter(pc.is_in(new["year"], value_set=pa.array(path_years, pa.int16())))
                if logical != values_name(path_years[0]):
                    own = [
                        t for t in source_tables if source_name(0, t).rsplit("/", 1)[-1] == logical.rsplit("/", 1)[-1]
                    ]
                else:
                    own = [t for t in source_tables if not t.startswith("eigen:")]
                part = part.filter(pc.is_in(part["source_table"], value_set=pa.array(own)))
                if view.has(logical):
                    old = view.read_table(logical)
                    keep = pc.invert(pc.is_in(old["source_table"], value_set=pa.array(list(source_tables))))
                    if gemeenten is not None:
                        scope = pc.fill_null(pc.is_in(old["gemeente_code"], value_set=pa.array(list(gemeenten))), False)
                        if nl_in_new:
                            scope = pc.or_(scope, pc.equal(old["level"], "nederland"))
                        keep = pc.or_(keep, pc.invert(scope))
                    part = pa.concat_tables([old.filter(keep).cast(VALUE_SCHEMA_STORED), part]).unify_dictionaries()
                part = sort_dictionary_table(part.combine_chunks(), SORT_KEYS)
                tx.put(logical, parquet_bytes(part), summary=values_summary(part))
            if not regions.empty:
                old_regions = view.regions() if view.has(REGIONS) else None
                if old_regions is not None and not old_regions.empty:
                    key = ["year", "region_code"]
                    new_keys = pd.MultiIndex.from_frame(regions[key].astype({"year": "int64", "region_code": "string"}))
                    old_keys = pd.MultiIndex.from_frame(
                        old_regions[key].astype({"year": "int64", "region_code": "string"})
                    )
                    regions = pd.concat([old_regions[~old_keys.isin(new_keys)], regions], ignore_index=True)
                table = to_arrow(regions, REGION_SCHEMA).sort_by(
                    [
                        ("year", "ascending"),
                        ("gemeente_code", "ascending"),
                        ("level", "ascending"),
                        ("region_code", "ascending"),
                    ]
                )
                tx.put(REGIONS, parquet_bytes(table))

    def replace_geometry(self, year: int, level: str, frame: gpd.GeoDataFrame, gemeenten: Sequence[str] | None) -> None:
        with self.transaction() as tx:
            view = tx.view()
            logical = geometry_name(year, level)
            old = view.geometry(year, level) if view.has(logical) else None
            if old is not None and not old.empty:
                keep = ~old["region_code"].isin(frame["region_code"])
                if gemeenten is not None:
                    keep &= ~old["gemeente_code"].isin(list(gemeenten))
                else:
                    keep[:] = False
                frame = pd.concat([old[keep], frame], ignore_index=True)
            frame = gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326").sort_values(
                ["gemeente_code", "region_code"]
            )
            tx.put(logical, geometry_bytes(frame))

    def append_log(self, entries: Sequence[dict]) -> None:
        with self.transaction() as tx:
            tx.put_json(INGEST_LOG, tx.view().ingest_log() + list(entries))

    def remove_years(self, years: Sequence[int]) -> None:
        with self.transaction() as tx:
            view = tx.view()
            for y in years:
                for logical in view.year_files(y):
                    tx.remove(logical)

    def delete_source(self, source_table: str, years: Sequence[int] | None = None) -> int:
        """Remove every row of one source from `years` (default: all); returns the number of rows removed.

        Why: an upload can be deleted, or replaced by one with other years, and `replace` only touches
        the years it is given. Filtering keeps the file's order (no re-sort); a year file left without
        rows is dropped, so the year disappears too.
        """
        removed = 0
        with self.transaction() as tx:
            view = tx.view()
            wanted = None if years is None else {int(y) for y in years}
            for year in view.source_years(source_table):
                if wanted is not None and year not in wanted:
                    continue
                logical = source_name(year, source_table)
                old = view.read_table(logical)
                hit = pc.fill_null(pc.is_in(old["source_table"], value_set=pa.array([source_table])), False)
                n = int(pc.sum(hit).as_py() or 0)
                removed += n
                if n == old.num_rows:
                    tx.remove(logical)
                else:
                    rest = old.filter(pc.invert(hit)).cast(VALUE_SCHEMA_STORED).combine_chunks()
                    tx.put(logical, parquet_bytes(rest), summary=values_summary(rest))
        return removed

    # ------------------------------------------------------------------ reading (one fresh snapshot per call)

    def is_empty(self) -> bool:
        try:
            return self.snapshot().is_empty()
        except StoreCorrupt:
            return False

    def years(self) -> list[int]:
        return self.snapshot().years()

    def geometry_years(self, level: str | None = None) -> list[int]:
        return self.snapshot().geometry_years(level)

    def year_files(self, year: int) -> list[str]:
        return self.snapshot().year_files(year)

    def ingest_log(self) -> list[dict]:
        try:
            return self.snapshot().ingest_log()
        except StoreCorrupt:
            return []

    def load_values(self, *args, **kwargs) -> pd.DataFrame:
        return self.snapshot().load_values(*args, **kwargs)

    def indicator_values(self, indicator: str, years: Sequence[int] | None = None) -> pd.DataFrame:
        return self.snapshot().indicator_values(indicator, years)

    def source_years(self, source_table: str) -> list[int]:
        return self.snapshot().source_years(source_table)

    def regions(self, years: int | Sequence[int] | None = None, gemeenten: Sequence[str] | None = None) -> pd.DataFrame:
        return self.snapshot().regions(years, gemeenten)

    def gemeenten(self) -> pd.DataFrame:
        return self.snapshot().gemeenten()

    def geometry(self, year: int, level: str, gemeenten: Sequence[str] | None = None) -> gpd.GeoDataFrame:
        return self.snapshot().geometry(year, level, gemeenten)

    def verify(self) -> list[StoreCorrupt]:
        return self.snapshot().verify()

    def path_of(self, logical: str) -> Path:
        """The file on disk that holds `logical` now (for tests and operators)."""
        return self.snapshot().path(logical)

    # ------------------------------------------------------------------ upgrade from format 1

    def _has_legacy_documents(self) -> bool:
        if self.backend.remote or not isinstance(self.data_dir, Path):
            return False
        return any((self.data_dir / d).is_file() for d in LEGACY_DOCUMENTS) or any(
            any(self.data_dir.glob(g)) for g in LEGACY_DOCUMENT_GLOBS
        )

    def _upgrade(self, old: dict) -> dict:
        """Adopt a format-1 data folder: files keep their names (they become this version's objects)
        and the documents it kept beside the manifest are listed in it. Runs once, under the lock;
        on a read-only folder the upgraded manifest is used in memory only."""
        if self.backend.remote or not can_write():  # a viewer never writes, not even this
            return self._upgraded(old)
        try:
            with self.backend.lock():
                current = self._read_manifest_file()
                if current is not None and int(current.get("format") or 1) >= MANIFEST_FORMAT:
                    return current
                manifest = self._upgraded(current or old)
                data = json_bytes(manifest)
                self.backend.write(f"{VERSIONS}/{manifest['version']}.json", data)
                self.backend.write(MANIFEST, data)
                return manifest
        except OSError:
            return self._upgraded(old)

    def _upgraded(self, old: dict) -> dict:
        files: dict[str, dict] = {}
        for rel, entry in (old.get("files") or {}).items():
            if not isinstance(entry, dict) or "sha256" not in entry or "bytes" not in entry:
                continue
            files[rel] = {
                "object": rel,
                "sha256": entry["sha256"],
                "bytes": int(entry["bytes"]),
                "written": entry.get("written"),
            }
        # Format 1 kept documents beside the manifest on disk; a bucket (data_dir is its URL) has none there.
        folder = self.data_dir if isinstance(self.data_dir, Path) else None
        docs = [d for d in LEGACY_DOCUMENTS if folder is not None and (folder / d).is_file()]
        for pattern in LEGACY_DOCUMENT_GLOBS:
            docs += [str(p.relative_to(folder).as_posix()) for p in sorted(folder.glob(pattern))] if folder else []
        for rel in docs:
            if rel in files or folder is None:
                continue
            data = (folder / rel).read_bytes()
            files[rel] = {"object": rel, "sha256": sha256(data), "bytes": len(data), "written": _now()}
        snap = Snapshot(self.backend, {"files": files})
        for rel in list(files):
            if rel.startswith((VALUES_PREFIX, EIGEN_PREFIX)):
                with contextlib.suppress(StoreCorrupt):
                    files[rel]["summary"] = values_summary(snap.read_table(rel, columns=["gemeente_code", "indicator"]))
        digest = sha256(json.dumps(files, sort_keys=True, default=str).encode("utf-8"))[:10]
        return {
            "format": MANIFEST_FORMAT,
            "store_version": STORE_VERSION,
            "seq": 1,
            "version": f"00000001-{digest}",
            "changed": _now(),
            "files": files,
            "upgraded_from": 1,
        }

    # ------------------------------------------------------------------ cleaning up

    def collect_garbage(self, current: dict | None = None, *, grace: float | None = None) -> list[Path]:
        """Remove files no recent version names. Call with the write lock held (a commit does).

        A version stays while it was current less than `grace` seconds ago (readers may still be on
        it); a file goes once no kept version names it. Only files the store itself made are ever
        deleted: objects of dropped versions, and content-addressed orphans of aborted writes.
        """
        grace = grace_seconds() if grace is None else grace
        current = current or self._current_manifest()
        now = time.time()
        versions: list[tuple[str, dict]] = []
        for key in self.version_files():
            manifest = self.read_version_file(key)
            if manifest is not None:
                versions.append((key, manifest))
        keep: list[dict] = [current]
        dropped: list[tuple[str, dict]] = []
        for i, (key, manifest) in enumerate(versions):
            if manifest.get("version") == current.get("version"):
                continue
            later = versions[i + 1][1] if i + 1 < len(versions) else current
            superseded = _parse_time(later.get("changed"))
            (keep.append(manifest) if now - superseded < grace else dropped.append((key, manifest)))
        referenced = {e.get("object", k) for m in keep for k, e in m.get("files", {}).items()}
        candidates = {e.get("object", k) for _, m in dropped for k, e in m.get("files", {}).items()} - referenced
        for root in MANAGED_ROOTS:
            for key, _size, mtime in self.backend.list(root):
                name = key.rsplit("/", 1)[-1]
                unreferenced = is_object_name(name) and key not in referenced and not key.startswith(f"{VERSIONS}/")
                if unreferenced and now - mtime >= grace:
                    candidates.add(key)
        removed = []
        for key in sorted(candidates):
            with contextlib.suppress(OSError):  # Windows: a file still mapped by a reader stays until next time
                if self.backend.exists(key):
                    self.backend.delete(key)
                    removed.append(self.backend.display(key))
        for key, _ in dropped:
            with contextlib.suppress(OSError):
                self.backend.delete(key)
        return removed


def geometry_bytes(frame: gpd.GeoDataFrame) -> bytes:
    """GeoParquet (geoarrow encoding) as the store keeps it."""
    sink = pa.BufferOutputStream()
    frame.to_parquet(sink, geometry_encoding="geoarrow", compression="zstd", index=False, write_covering_bbox=False)
    return sink.getvalue().to_pybytes()
