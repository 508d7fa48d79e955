"""Notes in the store: one small JSON document per note (`notities/<id>.json`), named by the manifest
like every other saved document, so a save or a delete is one store version or nothing.

Why one document per note (not one list): two people adding notes about different wijken change
different documents, a data pack carries exactly the notes of its gemeenten, and a damaged file
costs one note, not all of them (the repair brings it back from an earlier version).

Writes go through `Store.transaction()`, which refuses them for a viewer (`wijkkompas.access`).
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from wijkkompas.errors import SourceError, StoreCorrupt
from wijkkompas.notes.model import NOTE_ID, Note, note_from_json, stamped
from wijkkompas.store import Snapshot, Store
from wijkkompas.store.files import json_bytes

FOLDER = "notities"
CSV_COLUMNS = [
    "datum",
    "wijk_of_buurt",
    "code",
    "gemeente",
    "thema",
    "bron",
    "rol",
    "notitie",
    "aangemaakt",
    "gewijzigd",
    "id",
]
# Cells a spreadsheet would run as a formula: '=HYPERLINK(...)' typed in a note stays text in Excel.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Parsed notes per file content (the file name carries its sha256, so an entry is never stale).
_PARSED: OrderedDict[str, Note] = OrderedDict()
_PARSED_MAX = 20_000
_PARSED_GUARD = threading.Lock()


def logical_name(note_id: str) -> str:
    if not NOTE_ID.match(str(note_id or "")):
        raise SourceError(f"'{str(note_id)[:20]}' is geen geldig nummer van een notitie.")
    return f"{FOLDER}/{note_id}.json"


def _store(where: Path | str | Store) -> Store:
    return where if isinstance(where, Store) else Store(where)


def _snapshot(where: Path | str | Store | Snapshot) -> Snapshot:
    return where if isinstance(where, Snapshot) else _store(where).snapshot()


def note_bytes(note: Note) -> bytes:
    return json_bytes(note.to_json())


def _read(snap: Snapshot, logical: str) -> Note:
    digest = str(snap.files[logical].get("sha256") or "")
    with _PARSED_GUARD:
        hit = _PARSED.get(digest)
    if hit is not None:
        return hit
    data = snap.read_bytes(logical)
    try:
        payload = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SourceError(f"{PurePosixPath(logical).name} is geen geldige notitie ({exc}).") from exc
    note = note_from_json(payload, where=f"Notitie {PurePosixPath(logical).name}")
    with _PARSED_GUARD:
        _PARSED[digest] = note
        while len(_PARSED) > _PARSED_MAX:
            _PARSED.popitem(last=False)
    return note


@dataclass(frozen=True)
class NoteList:
    """The notes found (newest date first) and a Dutch line per stored note that cannot be read."""

    notes: tuple[Note, ...] = ()
    problems: tuple[str, ...] = field(default=())

    def __iter__(self):
        return iter(self.notes)

    def __len__(self) -> int:
        return len(self.notes)


def sort_key(note: Note) -> tuple:
    """Newest date first; on the same day the most recently written first (use with reverse=True)."""
    return (note.date, note.created, note.id)


def list_notes(
    where: Path | str | Store | Snapshot,
    region_code: str | Sequence[str] | None = None,
    *,
    theme: str | None = None,
    gemeenten: Iterable[str] | None = None,
) -> NoteList:
    """Notes of one region (or several, or all), optionally of one theme or gemeenten. Never raises
    for a bad stored note: it becomes a problem line and the others are listed."""
    snap = _snapshot(where)
    codes = None if region_code is None else {region_code} if isinstance(region_code, str) else set(region_code)
    gms = None if gemeenten is None else set(gemeenten)
    out: list[Note] = []
    problems: list[str] = []
    for logical in snap.names(f"{FOLDER}/"):
        if not logical.endswith(".json"):
            continue
        try:
            note = _read(snap, logical)
        except SourceError as exc:
            problems.append(f"{exc} De notitie is niet gewijzigd.")
            continue
        except StoreCorrupt as exc:
            problems.append(f"Notitie {PurePosixPath(logical).name} kan niet worden gelezen ({exc.reason}).")
            continue
        if codes is not None and note.region_code not in codes:
            continue
        if gms is not None and note.gemeente_code not in gms:
            continue
        if theme is not None and note.theme.casefold() != theme.casefold():
            continue
        out.append(note)
    out.sort(key=sort_key, reverse=True)
    return NoteList(tuple(out), tuple(problems))


def count_notes(
    where: Path | str | Store | Snapshot, *, gemeenten: Iterable[str] | None = None
) -> dict[tuple[str, str], int]:
    """(region code, theme in lower case; '' without theme) → number of notes: a badge per kompas cell
    without drawing every note. Unreadable notes are not counted (the panel names them)."""
    out: dict[tuple[str, str], int] = {}
    for n in list_notes(where, gemeenten=gemeenten).notes:
        key = (n.region_code, n.theme.casefold())
        out[key] = out.get(key, 0) + 1
    return out


def get_note(where: Path | str | Store | Snapshot, note_id: str) -> Note | None:
    snap = _snapshot(where)
    logical = logical_name(note_id)
    if not snap.has(logical):
        return None
    return _read(snap, logical)


def save_note(where: Path | str | Store, note: Note, *, expected_updated: str | None = None) -> Note:
    """Add a note, or replace the stored one with the same id; one store version. Returns it as stored.

    `expected_updated` (the `updated` of the note the person started editing) refuses the save when
    somebody else changed the note meanwhile, instead of silently throwing their change away.
    """
    logical = logical_name(note.id)
    with _store(where).transaction() as tx:
        view = tx.view()
        created = None
        if view.has(logical):
            try:
                current = _read(view, logical)
            except (SourceError, StoreCorrupt):
                current = None
            if current is not None:
                if expected_updated is not None and current.updated != expected_updated:
                    raise SourceError(
                        "Iemand anders heeft deze notitie intussen gewijzigd. Er is niets opgeslagen; "
                        "open de notitie opnieuw en pas haar dan aan."
                    )
                created = current.created
        elif expected_updated:
            raise SourceError("Deze notitie is intussen verwijderd. Er is niets opgeslagen.")
        saved = stamped(note, created=created)
        data = note_bytes(saved)
        note_from_json(json.loads(data), where="De notitie")  # a file that would not load again is never written
        tx.put(logical, data)
    return saved


def delete_note(where: Path | str | Store, note_id: str) -> None:
    logical = logical_name(note_id)
    with _store(where).transaction() as tx:
        if not tx.view().has(logical):
            raise SourceError("Deze notitie bestaat niet (meer); er is niets verwijderd.")
        tx.remove(logical)


def defuse(value: object) -> str:
    """A cell a spreadsheet shows as text: a leading apostrophe before = + - @ (no formula runs)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def note_row(note: Note) -> dict[str, str]:
    return {
        "datum": note.date.isoformat(),
        "wijk_of_buurt": note.region_name,
        "code": note.region_code,
        "gemeente": note.gemeente_code,
        "thema": note.theme,
        "bron": note.source_label,
        "rol": note.author_role,
        "notitie": note.text,
        "aangemaakt": note.created,
        "gewijzigd": note.updated,
        "id": note.id,
    }


def notes_csv(notes: Iterable[Note]) -> bytes:
    """CSV for Excel (UTF-8 with BOM, ';' as in Dutch Excel); every cell defused against formulas."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    for note in notes:
        row = note_row(note)
        writer.writerow([defuse(row[c]) for c in CSV_COLUMNS])
    return buf.getvalue().encode("utf-8-sig")
