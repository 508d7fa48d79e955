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
from pathlib import Path

from wijkkompas.scores.definitions import ScoreDefinition, parse_definitions, to_toml, validate
from wijkkompas.sources.errors import SourceError

MAX_NAME = 60


def saved_dir(data_dir: Path | str) -> Path:
    return Path(data_dir) / "scores"


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


def list_saved(data_dir: Path | str, known: Iterable[str] | None = None) -> SavedDefinitions:
    """Read every saved definition; bad ones become a problem line, never an exception."""
    folder = saved_dir(data_dir)
    if not folder.is_dir():
        return SavedDefinitions()
    known_set = set(known) if known is not None else None
    out: dict[str, ScoreDefinition] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            text = path.read_text(encoding="utf-8")
            defs = parse_definitions(text, source=path.name, known=known_set)
            if len(defs) != 1:
                raise SourceError(f"{path.name}: er staan {len(defs)} scores in; een opgeslagen bestand bevat er één.")
            d = next(iter(defs.values()))
            if not d.name:
                d = d.with_settings(name=path.stem)
            out[path.stem] = d
        except SourceError as exc:
            problems.append(f"{exc} Het bestand staat in {folder} en is niet gewijzigd.")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path.name} kan niet worden gelezen ({exc}). Het bestand is niet gewijzigd.")
    return SavedDefinitions(out, problems)


def save_definition(
    data_dir: Path | str,
    definition: ScoreDefinition,
    name: str,
    *,
    overwrite: bool = False,
    known: Iterable[str] | None = None,
) -> Path:
    """Write `definition` under `name`; refuses (Dutch SourceError) rather than lose anything already saved."""
    from wijkkompas.store import atomic_write_text

    name = clean_name(name)
    definition = definition.with_settings(name=name)
    validate(definition, known)
    path = saved_dir(data_dir) / f"{slug(name)}.toml"
    if path.exists():
        try:
            existing = parse_definitions(path.read_text(encoding="utf-8"), source=path.name)
        except (SourceError, OSError, UnicodeDecodeError) as exc:
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
    text = to_toml(definition, saved=datetime.now(UTC).isoformat(timespec="seconds"))
    # Read back what we are about to write: a file that would not load again is never written.
    parse_definitions(text, source=path.name)
    atomic_write_text(path, text)
    return path
