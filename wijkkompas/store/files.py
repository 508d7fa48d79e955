"""Atomic writes and content-addressed names: the two file habits the whole store rests on.

A reader must never see half a file. Every file is written to a temp file in the same folder,
fsynced, then renamed over its name (`os.replace` is atomic on POSIX and on Windows/NTFS), and the
folder is fsynced so the rename survives a power cut. Data files are additionally *immutable*: their
name carries a prefix of their sha256, so a file that is being read is never replaced underneath a
reader — a new version is a new file, and only the manifest (one small JSON) is ever replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path, PurePosixPath

HASH_CHARS = 12


def fsync_dir(folder: Path) -> None:
    """Make a rename durable; a no-op where folders cannot be opened (Windows)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _replace(src: str, dst: Path) -> None:
    """`os.replace`, retried briefly: on Windows a target that a reader has open cannot be replaced."""
    for attempt in range(20):
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if attempt == 19:
                raise
            time.sleep(0.05 * (attempt + 1))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write all of `data` or nothing: readers see the old file or the new one, never a mix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError, PermissionError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def json_bytes(payload: object) -> bytes:
    return json.dumps(payload, ensure_ascii=False, indent=1, default=str).encode("utf-8")


def atomic_write_json(path: Path, payload: object) -> None:
    atomic_write_bytes(path, json_bytes(payload))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def object_name(logical: str, digest: str) -> str:
    """`store/values/2024.parquet` + sha → `store/values/2024-<sha12>.parquet` (same folder, same suffix).

    Why readable names instead of a git-like object folder: an operator who opens the data folder
    (or restores a backup) still sees which year or upload a file holds.
    """
    p = PurePosixPath(logical)
    suffix = "".join(p.suffixes[-1:])
    stem = p.name[: len(p.name) - len(suffix)] if suffix else p.name
    return str(p.with_name(f"{stem}-{digest[:HASH_CHARS]}{suffix}"))


def is_object_name(name: str) -> bool:
    """True for names `object_name` makes (`…-<12 hex>.<suffix>`): the only files garbage collection may delete."""
    stem = name.rsplit(".", 1)[0]
    tail = stem.rsplit("-", 1)[-1]
    return "-" in stem and len(tail) == HASH_CHARS and all(c in "0123456789abcdef" for c in tail)
