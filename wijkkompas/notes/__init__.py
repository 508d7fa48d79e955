"""Notes ("Tellen én vertellen"): what people said about a wijk or buurt, next to the figures but
never mixed with them. Pure: no Streamlit (the page part is `wijkkompas.ui.notes`)."""

from wijkkompas.notes.model import MAX_TEXT, SOURCES, Note, make_note, note_from_json, parse_date, theme_options
from wijkkompas.notes.store_ops import (
    FOLDER,
    NoteList,
    count_notes,
    defuse,
    delete_note,
    get_note,
    list_notes,
    notes_csv,
    save_note,
)

__all__ = [
    "FOLDER",
    "MAX_TEXT",
    "SOURCES",
    "Note",
    "NoteList",
    "count_notes",
    "defuse",
    "delete_note",
    "get_note",
    "list_notes",
    "make_note",
    "note_from_json",
    "notes_csv",
    "parse_date",
    "save_note",
    "theme_options",
]
