"""Notes on the Wijkprofiel page (AppTest): add → listed → edit → delete; a viewer sees, cannot write."""

from __future__ import annotations

from datetime import date

from tests.apptest_helpers import assert_clean
from wijkkompas.notes import list_notes, make_note, save_note

PAGE = "pages/wijkprofiel.py"
K = "nt_WK099901_"


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def quotes(at) -> str:
    return "\n".join(el.proto.body for el in at.get("html") if 'class="wk-note"' in el.proto.body)


def captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def test_add_list_edit_delete_on_the_wijkprofiel(app_test, tiny_store):
    at = app_test(tiny_store.data_dir, page=PAGE, query={"gemeente": "GM0999", "regio": "WK099901"})
    assert_clean(at)
    assert "#### Verhalen bij de cijfers" in markdown(at)
    assert "Er zijn nog geen notities bij Centrum." in captions(at)

    # add
    at.text_area(key=K + "add_text").input('Bewoners: "de speeltuin is \'s avonds onveilig". :red[let op] <b>x</b>')
    at.text_input(key=K + "add_role").input("wijkmanager")
    at.selectbox(key=K + "add_source").select("wijkschouw")
    at.selectbox(key=K + "add_theme").select("Veiligheid")
    at.date_input(key=K + "add_date").set_value(date(2025, 3, 12))
    next(b for b in at.button if b.label == "Notitie opslaan").click()
    at.run()
    assert_clean(at)
    assert any("De notitie is opgeslagen." in s.value for s in at.success)
    stored = list_notes(tiny_store, "WK099901").notes
    assert len(stored) == 1 and stored[0].source == "wijkschouw" and stored[0].theme == "Veiligheid"
    assert "12-03-2025 · Wijkschouw · opgeschreven door: wijkmanager · thema Veiligheid" in captions(at)
    quote = quotes(at)
    assert ":red[let op] &lt;b&gt;x&lt;/b&gt;" in quote and "<b>" not in quote  # shown as typed, never as markup
    assert "&quot;de speeltuin is &#x27;s avonds onveilig&quot;" in quote
    assert at.text_area(key=K + "add_text").value == ""  # the form is empty again for the next note
    assert [b.label for b in at.get("download_button")][-1] == "Download notities (CSV)"

    # edit
    nid = stored[0].id
    at.button(key=f"{K}edit_{nid}").click().run()
    assert_clean(at)
    assert at.text_area(key=K + "edit_text").value == stored[0].text
    at.text_area(key=K + "edit_text").input("De speeltuin krijgt nieuwe lampen, zei de corporatie.")
    at.selectbox(key=K + "edit_source").select("partner")
    next(b for b in at.button if b.label == "Wijziging opslaan").click()
    at.run()
    assert_clean(at)
    assert any("De notitie is gewijzigd." in s.value for s in at.success)
    changed = list_notes(tiny_store, "WK099901").notes
    assert len(changed) == 1 and changed[0].id == nid and changed[0].source == "partner"
    assert "nieuwe lampen" in changed[0].text and changed[0].created == stored[0].created
    assert "12-03-2025 · Partner · opgeschreven door: wijkmanager" in captions(at)

    # delete, with confirmation (first "Nee" keeps it)
    at.button(key=f"{K}del_{nid}").click().run()
    assert any("Weet u zeker" in w.value for w in at.warning)
    at.button(key=f"{K}del_no_{nid}").click().run()
    assert len(list_notes(tiny_store, "WK099901")) == 1
    at.button(key=f"{K}del_{nid}").click().run()
    at.button(key=f"{K}del_yes_{nid}").click().run()
    assert_clean(at)
    assert any("De notitie is verwijderd." in s.value for s in at.success)
    assert len(list_notes(tiny_store, "WK099901")) == 0
    assert "Er zijn nog geen notities bij Centrum." in captions(at)


def test_an_empty_note_gives_a_dutch_message_and_saves_nothing(app_test, tiny_store):
    at = app_test(tiny_store.data_dir, page=PAGE, query={"regio": "WK099901"})
    at.text_input(key=K + "add_role").input("wijkmanager")
    next(b for b in at.button if b.label == "Notitie opslaan").click()
    at.run()
    assert_clean(at)
    assert any("De notitie is leeg" in w.value for w in at.warning)
    assert len(list_notes(tiny_store)) == 0


def test_a_viewer_sees_the_notes_but_no_write_widgets(app_test, tiny_store, monkeypatch):
    save_note(
        tiny_store, make_note("WK099901", "Centrum", "2025-02-01", "Het is hier gezellig.", "partner", "wijkteam")
    )
    monkeypatch.setenv("WIJKKOMPAS_ROLE", "viewer")
    at = app_test(tiny_store.data_dir, page=PAGE, query={"regio": "WK099901"})
    assert_clean(at)
    assert "Het is hier gezellig.</blockquote>" in quotes(at)
    labels = [b.label for b in at.button]
    assert not {"Wijzigen", "Verwijderen", "Notitie opslaan"} & set(labels)
    assert not [t for t in at.text_area if t.key and t.key.startswith("nt_")]
    assert any("Alleen beheerders kunnen notities toevoegen" in i.value for i in at.info)
    assert "Download notities (CSV)" in [b.label for b in at.get("download_button")]


def test_a_notes_slide_can_be_added_on_the_presentatie_page(app_test, tiny_store):
    save_note(
        tiny_store, make_note("WK099902", "Noord & Oost", "2025-02-01", "Te weinig bankjes.", "partner", "wijkteam")
    )
    at = app_test(tiny_store.data_dir, page="pages/presentatie.py", query={"gemeente": "GM0999"})
    assert_clean(at)
    at.session_state["pr_kind"] = "notities"
    at.run()
    at.selectbox(key="pr_n_regio").set_value("WK099902").run()
    at.button(key="pr_add").click().run()
    assert_clean(at)
    lines = [m.value for m in at.markdown if m.value.startswith("**1. ")]
    assert lines and lines[0].startswith("**1. Verhalen**"), lines
    assert any("Dia 'Wat mensen zeggen over Noord & Oost' toegevoegd." in s.value for s in at.success)


def test_a_theme_panel_lists_only_that_theme_and_adds_with_it(use_data_dir, tiny_store):
    """What a kompas cell does: the notes of one wijk and one theme; a new note gets that theme."""
    save_note(
        tiny_store, make_note("WK099901", "Centrum", "2025-02-01", "Over wonen.", "partner", "corporatie", "Wonen")
    )
    save_note(tiny_store, make_note("WK099901", "Centrum", "2025-02-02", "Over iets anders.", "overig", "wijkteam"))
    script = (
        "from wijkkompas.ui.notes import notes_panel\n"
        "notes_panel('WK099901', 'Centrum', 'Wonen', heading='Notities bij dit thema', key='cel')\n"
    )
    from streamlit.testing.v1 import AppTest

    use_data_dir(tiny_store.data_dir)
    at = AppTest.from_string(script, default_timeout=30).run()
    assert_clean(at)
    assert "Over wonen." in quotes(at) and "Over iets anders." not in quotes(at)
    assert at.selectbox(key="nt_cel_add_theme").value == "Wonen"
    at.text_area(key="nt_cel_add_text").input("Lange wachtlijst voor een huurwoning.")
    at.text_input(key="nt_cel_add_role").input("wijkmanager")
    next(b for b in at.button if b.label == "Notitie opslaan").click()
    at.run()
    assert_clean(at)
    themes = sorted(n.theme for n in list_notes(tiny_store, "WK099901"))
    assert themes == ["", "Wonen", "Wonen"]
