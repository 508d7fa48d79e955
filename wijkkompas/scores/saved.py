"""A user's own score definitions, saved under the data directory (`<data>/scores/<name>.toml`).

Saving is atomic (temp file + rename), so a crash never leaves half a file. Reading never deletes or
rewrites anything: a damaged or outdated file is reported in plain Dutch and left where it is, the
other saved definitions and the shipped defaults keep working, and a save never overwrites a file
it cannot read (that file might be the only copy of somebody's work).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from wijkkompas.errors import SourceError, StoreCorrupt
from wijkkompas.scores.definitions import ScoreDefinition, parse_definitions, to_toml, validate
from wijkkompas.store import Snapshot, Store

MAX_NAME = 60


FOLDER = "scores"


def saved_dir(data_dir: Path | str) -> Path:
    """The folder the saved definitions live in (their files carry a content hash in the name)."""
    return Path(data_dir) / FOLDER


def _snapshot(where: Path | str | Store | Snapshot) -> Snapshot:
    if isinstance(where, Snapshot):
        return where
    return (where if isinstance(where, Store) else Store(where)).snapshot()


def slug(name: str) -> str:
    """'Mijn leefbaarheid (2024)!' → 'mijn-leefbaarheid-2024': a safe, predictable file name."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:MAX_NAME].strip("-")


def clean_name(name: str) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise SourceError("Geef de aangepaste score een naam, bijvoorbeeld 'Leefbaarheid zonder afstanden'.")
    if len(name) > MAX_NAME:
        raise SourceError(f"De naam is te lang ({len(name)} tekens). Gebruik hoogstens {MAX_NAME} tekens.")
    if not slug(name):
        raise SourceError("Gebruik in de naam minstens één letter of cijfer.")
    return name


@dataclass(frozen=True)
class SavedDefinitions:
    """What is on disk: readable definitions (by file stem) and a Dutch line per file that is not."""

    definitions: dict[str, ScoreDefinition] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def for_score(self, score_id: str) -> dict[str, ScoreDefinition]:
        return {k: d for k, d in self.definitions.items() if d.id == score_id}


def list_saved(data_dir: Path | str | Store | Snapshot, known: Iterable[str] | None = None) -> SavedDefinitions:
    """Read every saved definition; bad ones become a problem line, never an exception."""
    snap = _snapshot(data_dir)
    known_set = set(known) if known is not None else None
    out: dict[str, ScoreDefinition] = {}
    problems: list[str] = []
    for logical in snap.names(f"{FOLDER}/"):
        name = PurePosixPath(logical)
        if name.suffix != ".toml":
            continue
        try:
            text = snap.read_bytes(logical).decode("utf-8")
            defs = parse_definitions(text, source=name.name, known=known_set)
            if len(defs) != 1:
                raise SourceError(f"{name.name}: er staan {len(defs)} scores in; een opgeslagen bestand bevat er één.")
            d = next(iter(defs.values()))
            if not d.name:
                d = d.with_settings(name=name.stem)
            out[name.stem] = d
        except SourceError as exc:
            problems.append(f"{exc} Het bestand is niet gewijzigd.")
        except StoreCorrupt as exc:
            problems.append(f"{name.name} kan niet worden gelezen ({exc.reason}). Het bestand is niet gewijzigd.")
        except UnicodeDecodeError as exc:
            problems.append(f"{name.name} kan niet worden gelezen ({exc}). Het bestand is niet gewijzigd.")
    return SavedDefinitions(out, problems)


def save_definition(
    data_dir: Path | str | Store,
    definition: ScoreDefinition,
    name: str,
    *,
    overwrite: bool = False,
    known: Iterable[str] | None = None,
) -> PurePosixPath:
    """Write `definition` under `name`; refuses (Dutch SourceError) rather than lose anything already saved.

    Returns the name it is saved under in the store (`scores/<slug>.toml`).
    """
    name = clean_name(name)
    definition = definition.with_settings(name=name)
    validate(definition, known)
    store = data_dir if isinstance(data_dir, Store) else Store(data_dir)
    path = PurePosixPath(f"{FOLDER}/{slug(name)}.toml")
    with store.transaction() as tx:
        view = tx.view()
        if view.has(str(path)):
            _refuse_overwrite(view, path, overwrite)
        text = to_toml(definition, saved=datetime.now(UTC).isoformat(timespec="seconds"))
        # Read back what we are about to write: a file that would not load again is never written.
        parse_definitions(text, source=path.name)
        tx.put(str(path), text.encode("utf-8"))
    return path


def delete_definition(data_dir: Path | str | Store, stem: str) -> None:
    store = data_dir if isinstance(data_dir, Store) else Store(data_dir)
    logical = f"{FOLDER}/{slug(stem)}.toml"
    with store.transaction() as tx:
        if not tx.view().has(logical):
            raise SourceError(f"Er is geen bewaarde score '{stem}' om te verwijderen.")
        tx.remove(logical)


def _refuse_overwrite(view: Snapshot, path: PurePosixPath, overwrite: bool) -> None:
    try:
        existing = parse_definitions(view.read_bytes(str(path)).decode("utf-8"), source=path.name)
    except (SourceError, StoreCorrupt, UnicodeDecodeError) as exc:
        raise SourceError(
            f"Er staat al een bestand {path.name} dat niet te lezen is ({exc}). Wijkkompas overschrijft het "
            "niet; kies een andere naam, of herstel of verwijder dat bestand eerst."
        ) from exc
    if not overwrite:
        other = next(iter(existing.values()))
        raise SourceError(
            f"Er is al een opgeslagen score met de naam '{other.name or path.stem}'. Kies een andere naam, "
            "of kies 'Overschrijven' om hem te vervangen."
        )
