"""Newer data on this computer is never overwritten without asking: what a pack would replace."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from wijkkompas.errors import SourceError
from wijkkompas.pack.build import _read_doc
from wijkkompas.pack.format import REGISTRY, _when, nl_time
from wijkkompas.pack.read import Pack
from wijkkompas.store import (
    Store,
    StoreCorrupt,
)


@dataclass(frozen=True)
class Conflict:
    """Something on this computer that is newer than (or cannot be compared with) the pack's version."""

    kind: str  # cijfers | eigen | score | presentatie
    key: str
    text: str


def _log_times(log: Iterable[Mapping], gemeente: str, year: int) -> datetime | None:
    times = [
        _when(e.get("loaded_at"))
        for e in log
        if isinstance(e, Mapping)
        and e.get("year") == year
        and (e.get("gemeenten") is None or gemeente in (e.get("gemeenten") or []))
    ]
    known = [t for t in times if t is not None]
    return max(known) if known else None


def _toml_saved(data: bytes) -> datetime | None:
    try:
        payload = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    stack = [payload]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("saved"), str):
                return _when(item["saved"])
            stack.extend(item.values())
    return None


def _json_field(data: bytes, name: str) -> datetime | None:
    try:
        payload = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return _when(payload.get(name)) if isinstance(payload, dict) else None


def _newer_here(local: datetime | None, packed: datetime | None) -> bool:
    """Ask when this computer's (different) copy is newer, as old (times are in seconds), or of unknown age."""
    return local is None or packed is None or local >= packed


def find_conflicts(pack: Pack, data_dir: Path | str | Store) -> list[Conflict]:
    """What installing `pack` would overwrite that is newer here (or of unknown age)."""
    store = data_dir if isinstance(data_dir, Store) else Store(data_dir)
    out: list[Conflict] = []
    try:
        snap = store.snapshot()
        here = snap.regions(gemeenten=list(pack.gemeenten)) if not snap.is_empty() else None
    except StoreCorrupt as exc:
        raise SourceError(
            f"De opslag op deze computer is beschadigd ({exc.path.name}: {exc.reason}). Open eerst de app (die herstelt de "
            "opslag) en installeer het pakket daarna opnieuw."
        ) from exc
    log_here = snap.ingest_log()
    log_pack = pack.manifest.get("log") or []
    if here is not None and not here.empty:
        present = here[here["level"] == "gemeente"][["region_code", "year"]].drop_duplicates()
        present_set = {(str(g), int(y)) for g, y in zip(present["region_code"], present["year"], strict=True)}
        for g in pack.gemeenten:
            for y in pack.years:
                if (g, y) not in present_set:
                    continue
                t_here, t_pack = _log_times(log_here, g, y), _log_times(log_pack, g, y)
                if t_here is not None and t_pack is not None and t_here == t_pack:
                    continue
                if _newer_here(t_here, t_pack):
                    name = pack.names.get(g, g)
                    out.append(
                        Conflict(
                            "cijfers",
                            f"{g}/{y}",
                            f"Cijfers van {name} ({g}) over {y}: op deze computer geladen op "
                            f"{nl_time(t_here.isoformat()) if t_here else 'onbekend'}, in het pakket van "
                            f"{nl_time(t_pack.isoformat()) if t_pack else 'onbekend'}.",
                        )
                    )
    if "eigen/uploads.json" in pack.files:
        payload = _read_doc(snap, REGISTRY)
        local_ups = payload.get("uploads", {}) if isinstance(payload, dict) else {}
        for uid, up in json.loads(pack.files["eigen/uploads.json"])["uploads"].items():
            mine = local_ups.get(uid)
            if not isinstance(mine, dict) or mine.get("sha256") == up.get("sha256"):
                continue
            if _newer_here(_when(mine.get("uploaded")), _when(up.get("uploaded"))):
                out.append(
                    Conflict(
                        "eigen",
                        uid,
                        f"Eigen gegevens '{mine.get('file_name', uid)}': op deze computer van "
                        f"{nl_time(mine.get('uploaded'))}, in het pakket van {nl_time(up.get('uploaded'))}.",
                    )
                )
    for path, data in sorted(pack.files.items()):
        if not (path.startswith(("scores/", "presentaties/")) and snap.has(path)):
            continue
        mine = snap.read_bytes(path)
        if mine == data:
            continue
        if path.startswith("scores/"):
            t_here, t_pack, kind, word = _toml_saved(mine), _toml_saved(data), "score", "Bewaarde score"
        else:
            t_here, t_pack, kind, word = (
                _json_field(mine, "changed"),
                _json_field(data, "changed"),
                "presentatie",
                "Presentatie",
            )
        if _newer_here(t_here, t_pack):
            out.append(
                Conflict(
                    kind,
                    path,
                    f"{word} '{PurePosixPath(path).stem}': op deze computer gewijzigd op "
                    f"{nl_time(t_here.isoformat()) if t_here else 'onbekend'}, in het pakket op "
                    f"{nl_time(t_pack.isoformat()) if t_pack else 'onbekend'}.",
                )
            )
    return out


# =========================================================================== installing
