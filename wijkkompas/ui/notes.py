"""The notes panel ("Verhalen bij de cijfers"): the notes of one wijk or buurt, and for beheer a way
to add, change and delete them. Used on the Wijkprofiel page and in a kompas cell.

Why it looks like this: a note is what someone said, not a figure. Every note is shown as a quote
with its date, source and the role of who wrote it down, in its own box, never inside a table of
figures. Text is escaped (`Note.html_text`, through `formatting.esc`): a note containing
`:red[...]`, a link or HTML shows those characters as typed.

Hiding the write widgets from a viewer is a courtesy; the refusal is in `Store.transaction`.
"""

from __future__ import annotations

import re
from datetime import date

import streamlit as st

from wijkkompas.access import can_write
from wijkkompas.errors import SourceError
from wijkkompas.notes import model
from wijkkompas.notes.store_ops import NoteList, delete_note, list_notes, notes_csv, save_note
from wijkkompas.store import Store
from wijkkompas.ui import context
from wijkkompas.ui.access import beheer_only

NO_THEME = "(geen thema)"
EXPLAIN = (
    "Wat bewoners, partners en medewerkers zeiden of zagen. Dit zijn geen cijfers: elke notitie is wat "
    "iemand zei, met de datum en waar het gezegd is."
)


def _key(region_code: str, theme: str | None, key: str | None) -> str:
    raw = key or (f"{region_code}_{theme}" if theme else region_code)
    return "nt_" + re.sub(r"[^A-Za-z0-9_]", "_", raw)


def _say(k: str, kind: str, text: str) -> None:
    st.session_state[f"{k}_msg"] = (kind, text)


def _show_message(k: str) -> None:
    msg = st.session_state.pop(f"{k}_msg", None)
    if msg:
        kind, text = msg
        {"success": st.success, "warning": st.warning}.get(kind, st.error)(text)


def _theme_choices(theme: str | None, extra: str = "") -> list[str]:
    options = [NO_THEME, *model.theme_options()]
    for t in (theme, extra):
        if t and t not in options:
            options.insert(1, t)
    return options


def _fields(k: str, prefix: str, theme_options: list[str]) -> None:
    """Widgets of the add/edit form; values live in session state under `<k>_<prefix>_<field>`."""
    c1, c2, c3 = st.columns([1, 1, 1])
    c1.date_input(
        "Datum",
        key=f"{k}_{prefix}_date",
        max_value=date.today(),
        min_value=model.EARLIEST,
        format="DD-MM-YYYY",
        help="Wanneer is dit gezegd of gezien?",
    )
    c2.selectbox(
        "Waar gezegd of gezien", list(model.SOURCES), key=f"{k}_{prefix}_source", format_func=model.SOURCES.__getitem__
    )
    c3.text_input(
        "Rol van wie het opschrijft",
        key=f"{k}_{prefix}_role",
        max_chars=model.MAX_ROLE,
        placeholder="bijvoorbeeld wijkmanager",
        help="Uw rol, geen naam: bijvoorbeeld wijkmanager of opbouwwerker.",
    )
    st.selectbox(
        "Thema (optioneel)",
        theme_options,
        key=f"{k}_{prefix}_theme",
        accept_new_options=True,
        help="Kies een thema of typ een eigen thema.",
    )
    st.text_area(
        "Wat is er gezegd of gezien?",
        key=f"{k}_{prefix}_text",
        max_chars=model.MAX_TEXT,
        height=110,
        placeholder="Schrijf op wat iemand zei, zo letterlijk mogelijk. Geen namen van bewoners.",
    )


def _from_fields(
    k: str, prefix: str, region_code: str, region_name: str, note_id: str | None = None, created: str = ""
) -> model.Note:
    s = st.session_state
    theme = s.get(f"{k}_{prefix}_theme") or ""
    return model.make_note(
        region_code,
        region_name,
        s.get(f"{k}_{prefix}_date"),
        s.get(f"{k}_{prefix}_text") or "",
        s.get(f"{k}_{prefix}_source") or "",
        s.get(f"{k}_{prefix}_role") or "",
        "" if theme == NO_THEME else theme,
        note_id=note_id,
        created=created,
    )


def _reset_add(k: str, theme: str | None) -> None:
    s = st.session_state
    s[f"{k}_add_date"] = date.today()
    s[f"{k}_add_source"] = "bewonersavond"
    s[f"{k}_add_theme"] = theme or NO_THEME
    s[f"{k}_add_text"] = ""
    s.setdefault(f"{k}_add_role", "")


def _add(k: str, store: Store, region_code: str, region_name: str, theme: str | None) -> None:
    try:
        note = _from_fields(k, "add", region_code, region_name)
        save_note(store, note)
    except SourceError as exc:
        _say(k, "warning", f"De notitie is niet opgeslagen. {exc}")
        return
    _reset_add(k, theme)
    _say(k, "success", "De notitie is opgeslagen.")


def _start_edit(k: str, note: model.Note) -> None:
    s = st.session_state
    s[f"{k}_editing"] = (note.id, note.updated)
    s.pop(f"{k}_deleting", None)
    s[f"{k}_edit_date"] = note.date
    s[f"{k}_edit_source"] = note.source
    s[f"{k}_edit_role"] = note.author_role
    s[f"{k}_edit_theme"] = note.theme or NO_THEME
    s[f"{k}_edit_text"] = note.text


def _save_edit(k: str, store: Store, note: model.Note) -> None:
    _, expected = st.session_state.get(f"{k}_editing") or (note.id, note.updated)
    try:
        changed = _from_fields(k, "edit", note.region_code, note.region_name, note.id, note.created)
        save_note(store, changed, expected_updated=expected)
    except SourceError as exc:
        _say(k, "warning", f"De wijziging is niet opgeslagen. {exc}")
        return
    st.session_state.pop(f"{k}_editing", None)
    _say(k, "success", "De notitie is gewijzigd.")


def _cancel(k: str) -> None:
    st.session_state.pop(f"{k}_editing", None)
    st.session_state.pop(f"{k}_deleting", None)


def _ask_delete(k: str, note_id: str) -> None:
    st.session_state.pop(f"{k}_editing", None)
    st.session_state[f"{k}_deleting"] = note_id


def _delete(k: str, store: Store, note_id: str) -> None:
    st.session_state.pop(f"{k}_deleting", None)
    try:
        delete_note(store, note_id)
    except SourceError as exc:
        _say(k, "warning", str(exc))
        return
    _say(k, "success", "De notitie is verwijderd.")


# Dark text on white (not Streamlit's faded block quote, which is below WCAG AA contrast).
_QUOTE_STYLE = (
    "margin:0;padding:2px 0 2px 12px;border-left:4px solid #6b6b6b;color:#1a1a1a;font-style:italic;"
    "line-height:1.45;overflow-wrap:anywhere"
)


def quote_html(note: model.Note) -> str:
    """The note as a quotation: escaped text (`Note.html_text`), line breaks kept; nothing in it is markup."""
    return f'<blockquote class="wk-note" style="{_QUOTE_STYLE}">{note.html_text()}</blockquote>'


def _note_box(k: str, store: Store, note: model.Note, editable: bool, theme_options: list[str]) -> None:
    with st.container(border=True):
        st.caption(note.byline())
        st.html(quote_html(note))
        if not editable:
            return
        editing = (st.session_state.get(f"{k}_editing") or ("",))[0] == note.id
        deleting = st.session_state.get(f"{k}_deleting") == note.id
        if editing:
            with st.form(f"{k}_form_edit_{note.id}", border=False):
                _fields(k, "edit", _theme_choices(None, note.theme))
                row = st.container(horizontal=True)
                row.form_submit_button(
                    "Wijziging opslaan",
                    type="primary",
                    on_click=_save_edit,
                    args=(k, store, note),
                    icon=":material/save:",
                )
                row.form_submit_button("Annuleren", on_click=_cancel, args=(k,))
        elif deleting:
            st.warning("Weet u zeker dat u deze notitie wilt verwijderen? Dat kan niet ongedaan worden gemaakt.")
            row = st.container(horizontal=True)
            row.button(
                "Ja, verwijderen",
                key=f"{k}_del_yes_{note.id}",
                type="primary",
                on_click=_delete,
                args=(k, store, note.id),
                icon=":material/delete:",
            )
            row.button("Nee, bewaren", key=f"{k}_del_no_{note.id}", on_click=_cancel, args=(k,))
        else:
            row = st.container(horizontal=True)
            row.button(
                "Wijzigen", key=f"{k}_edit_{note.id}", on_click=_start_edit, args=(k, note), icon=":material/edit:"
            )
            row.button(
                "Verwijderen",
                key=f"{k}_del_{note.id}",
                on_click=_ask_delete,
                args=(k, note.id),
                icon=":material/delete:",
            )


def notes_panel(
    region_code: str,
    region_name: str,
    theme: str | None = None,
    *,
    store: Store | None = None,
    heading: str = "Verhalen bij de cijfers",
    allow_edit: bool = True,
    key: str | None = None,
) -> NoteList:
    """The notes of one wijk or buurt (of one theme, for a kompas cell), newest first; for beheer with
    add, edit and delete (with confirmation), for everyone a CSV download. Returns the listed notes.

    `theme` is a theme's words ('Veiligheid') or a kompas theme id ('fysiek', stored as its label);
    `key` separates several panels on one page (default: region and theme)."""
    store = store or context.get_store()
    k = _key(region_code, theme, key)
    theme = model.theme_label(theme) or None  # a kompas cell may pass its theme id
    if heading:
        st.markdown(f"#### {heading}")
    st.caption(EXPLAIN)
    _show_message(k)
    found: NoteList = list_notes(store, region_code, theme=theme)
    for problem in found.problems:
        st.warning(problem)
    editable = allow_edit and can_write()
    options = _theme_choices(theme)
    if not found.notes:
        st.caption(f"Er zijn nog geen notities bij {region_name}" + (f" over {theme}." if theme else "."))
    for note in found.notes:
        _note_box(k, store, note, editable, options)
    if found.notes:
        stem = re.sub(r"[^A-Za-z0-9_-]", "_", f"notities_{region_code}" + (f"_{theme}" if theme else ""))
        st.download_button(
            "Download notities (CSV)",
            data=notes_csv(found.notes),
            file_name=f"{stem}.csv",
            mime="text/csv",
            key=f"{k}_csv",
            icon=":material/download:",
            on_click="ignore",
            help="Alle notities hierboven, te openen in Excel. Tekst die op een formule lijkt blijft tekst.",
        )
    if not allow_edit:
        return found
    if not beheer_only("notities toevoegen, wijzigen of verwijderen"):
        return found
    if f"{k}_add_text" not in st.session_state:
        _reset_add(k, theme)
    with (
        st.expander("Notitie toevoegen", icon=":material/add_comment:", expanded=not found.notes),
        st.form(f"{k}_form_add", border=False),
    ):
        _fields(k, "add", options)
        st.form_submit_button(
            "Notitie opslaan",
            type="primary",
            on_click=_add,
            args=(k, store, region_code, region_name, theme),
            icon=":material/save:",
        )
    return found
