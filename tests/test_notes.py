"""Notes (Tellen én vertellen): checks, escaping, the store round trip, atomic writes, viewer refused, CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest

from wijkkompas.access import Role, WriteRefused, acting_as
from wijkkompas.errors import SourceError
from wijkkompas.notes import count_notes, delete_note, get_note, list_notes, make_note, notes_csv, save_note
from wijkkompas.notes.model import MAX_TEXT, note_from_json
from wijkkompas.notes.store_ops import defuse, logical_name


def note(text="Op de bewonersavond zeiden mensen dat de straatverlichting vaak kapot is.", **kw):
    args = {
        "region_code": "WK099901",
        "region_name": "Centrum",
        "date": "2025-03-12",
        "text": text,
        "source": "bewonersavond",
        "author_role": "wijkmanager",
        "theme": "Veiligheid",
    }
    args.update(kw)
    return make_note(**args)


# --------------------------------------------------------------------------- the model


def test_a_valid_note_keeps_what_was_written():
    n = note(text="  Eerste regel\r\n\r\n\r\n\r\nTweede   regel  ", date="12-03-2025")
    assert n.text == "Eerste regel\n\nTweede regel"
    assert n.date == date(2025, 3, 12) and n.region_code == "WK099901" and n.gemeente_code == "GM0999"
    assert n.byline() == "12-03-2025 · Bewonersavond · opgeschreven door: wijkmanager · thema Veiligheid"
    assert len(n.id) == 16 and n.id != note().id


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": ""}, "De notitie is leeg"),
        ({"text": "   \n\t "}, "De notitie is leeg"),
        ({"text": "x" * (MAX_TEXT + 1)}, f"te lang \\({MAX_TEXT + 1} tekens\\)"),
        ({"date": "31-02-2025"}, "geen datum"),
        ({"date": "gisteren"}, "geen datum"),
        ({"date": None}, "Vul de datum in"),
        ({"date": date.today() + timedelta(days=1)}, "in de toekomst"),
        ({"date": "1850-01-01"}, "te vroeg"),
        ({"source": "twitter"}, "Kies waar het vandaan komt"),
        ({"author_role": "  "}, "Vul de rol"),
        ({"author_role": "r" * 61}, "te lang"),
        ({"theme": "t" * 61}, "Het thema is te lang"),
        ({"region_code": "GM0999"}, "geen code van een wijk"),
        ({"region_code": "<script>"}, "geen code van een wijk"),
    ],
)
def test_bad_input_is_refused_in_dutch(changes, message):
    with pytest.raises(SourceError, match=message):
        note(**changes)


def test_exactly_the_limit_is_fine():
    assert len(note(text="x" * MAX_TEXT).text) == MAX_TEXT


def test_hostile_text_is_kept_as_typed_and_escaped_for_html_and_markdown():
    hostile = '<script>alert("x")</script> =HYPERLINK("http://evil","klik") :red[rood] [link](http://x) **vet** &amp;'
    n = note(text=hostile)
    assert n.text == hostile  # stored as typed: plain text
    html = n.html_text()
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;amp;" in html
    md = n.markdown_quote()
    assert md.startswith("> ")
    for raw in (":red[", "[link](", "**vet**", "<script>"):
        assert raw not in md
    assert "\\:red\\[rood\\]" in md and "\\<script\\>" in md
    # control characters and bidi overrides never survive (they hide text)
    assert note(text="a\x00b\u202ec").text == "abc"


def test_multiline_markdown_keeps_line_breaks():
    md = note(text="een\ntwee\n\ndrie").markdown_quote()
    assert md.split("\n") == ["> een  ", "> twee", "> ", "> drie"]


def test_json_round_trip_and_a_bad_document_is_refused():
    n = note()
    assert note_from_json(json.loads(json.dumps(n.to_json()))) == n
    with pytest.raises(SourceError, match="geen notitie"):
        note_from_json({"text": "x"})
    bad = {**n.to_json(), "text": ""}
    with pytest.raises(SourceError, match="leeg"):
        note_from_json(bad)
    with pytest.raises(SourceError, match="nieuwere versie"):
        note_from_json({**n.to_json(), "version": 99})


# --------------------------------------------------------------------------- the store


def test_save_list_edit_delete_round_trip(tiny_store):
    version = tiny_store.version()
    a = save_note(tiny_store, note(date="2025-01-10"))
    b = save_note(tiny_store, note(date="2025-03-01", text="Tweede", source="wijkschouw", theme=""))
    other = save_note(tiny_store, note(region_code="BU09990101", region_name="Oude kern"))
    assert tiny_store.version() != version
    assert a.created and a.updated and a.created == a.updated
    listed = list_notes(tiny_store, "WK099901")
    assert [n.id for n in listed] == [b.id, a.id]  # newest date first
    assert not listed.problems
    assert [n.id for n in list_notes(tiny_store, "BU09990101")] == [other.id]
    assert [n.id for n in list_notes(tiny_store, "WK099901", theme="veiligheid")] == [a.id]
    assert len(list_notes(tiny_store)) == 3 and len(list_notes(tiny_store, gemeenten=["GM0164"])) == 0
    assert count_notes(tiny_store) == {
        ("WK099901", "veiligheid"): 1,
        ("WK099901", ""): 1,
        ("BU09990101", "veiligheid"): 1,
    }
    # stored through the manifest, one document per note, under its content-addressed file
    snap = tiny_store.snapshot()
    assert snap.has(logical_name(a.id)) and tiny_store.path_of(logical_name(a.id)).is_file()

    changed = save_note(tiny_store, a.edited(text="Aangepast", theme="Wonen"), expected_updated=a.updated)
    assert changed.id == a.id and changed.created == a.created and changed.text == "Aangepast"
    assert get_note(tiny_store, a.id).theme == "Wonen"
    with pytest.raises(SourceError, match="intussen gewijzigd"):
        save_note(tiny_store, a.edited(text="Oud"), expected_updated="2000-01-01T00:00:00+00:00")
    assert get_note(tiny_store, a.id).text == "Aangepast"

    delete_note(tiny_store, a.id)
    assert get_note(tiny_store, a.id) is None
    assert [n.id for n in list_notes(tiny_store, "WK099901")] == [b.id]
    with pytest.raises(SourceError, match="bestaat niet"):
        delete_note(tiny_store, a.id)
    with pytest.raises(SourceError, match="intussen verwijderd"):
        save_note(tiny_store, a, expected_updated=a.updated)


def test_a_failed_transaction_leaves_no_note(tiny_store):
    before = tiny_store.version()
    files_before = set(tiny_store.snapshot().files)
    n = note()
    with pytest.raises(RuntimeError), tiny_store.transaction() as tx:
        save_note(tiny_store, n)  # joins the outer transaction …
        assert tx.view().has(logical_name(n.id)) and any((tiny_store.data_dir / "notities").glob("*.json"))
        raise RuntimeError("stroom weg")  # … which is abandoned
    assert tiny_store.version() == before and set(tiny_store.snapshot().files) == files_before
    assert get_note(tiny_store, n.id) is None
    assert list((tiny_store.data_dir / "notities").glob("*")) == []  # the written file was removed again


def test_a_viewer_cannot_write_notes_and_nothing_changes(tiny_store):
    kept = save_note(tiny_store, note())
    before = tiny_store.version()
    with acting_as(Role.VIEWER):
        with pytest.raises(WriteRefused, match="Alleen beheerders"):
            save_note(tiny_store, note(text="Van een kijker"))
        with pytest.raises(WriteRefused):
            save_note(tiny_store, kept.edited(text="Gewijzigd door een kijker"))
        with pytest.raises(WriteRefused):
            delete_note(tiny_store, kept.id)
        assert [n.id for n in list_notes(tiny_store, "WK099901")] == [kept.id]  # reading is fine
    assert tiny_store.version() == before and get_note(tiny_store, kept.id) == kept


def test_a_damaged_note_is_reported_and_the_others_still_list(tiny_store):
    good = save_note(tiny_store, note(text="Goed"))
    bad = save_note(tiny_store, note(text="Wordt beschadigd"))
    path = tiny_store.path_of(logical_name(bad.id))
    path.write_bytes(b'{"format": "kapot"')
    listed = list_notes(tiny_store, "WK099901")
    assert [n.id for n in listed] == [good.id]
    assert len(listed.problems) == 1 and "kan niet worden gelezen" in listed.problems[0]


# --------------------------------------------------------------------------- CSV


def test_csv_defuses_formulas_and_opens_in_excel():
    notes = [
        note(text='=HYPERLINK("http://evil","klik")', author_role="@beheer", theme="+31"),
        note(text="-2 lantaarnpalen kapot; dat klopt", date="2025-01-01"),
        note(text="Gewone tekst, met komma; en puntkomma\nen een regel"),
    ]
    data = notes_csv(notes)
    assert data.startswith("\ufeff".encode())  # BOM: Excel reads the accents
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0]["notitie"] == '\'=HYPERLINK("http://evil","klik")'
    assert rows[0]["rol"] == "'@beheer" and rows[0]["thema"] == "'+31"
    assert rows[1]["notitie"].startswith("'-2")
    assert rows[2]["notitie"] == "Gewone tekst, met komma; en puntkomma\nen een regel"
    assert rows[2]["datum"] == "2025-03-12" and rows[2]["bron"] == "Bewonersavond"
    for row in rows:
        assert not any(v.startswith(("=", "+", "-", "@")) for v in row.values())
    assert defuse("\t=1") == "'\t=1" and defuse("gewoon") == "gewoon"


def test_a_damaged_note_is_restored_from_its_last_intact_version(tiny_store):
    from wijkkompas.repair import heal

    first = save_note(tiny_store, note(text="Eerste versie"))
    second = save_note(tiny_store, first.edited(text="Tweede versie"))
    tiny_store.path_of(logical_name(first.id)).write_bytes(b"kapot")
    report = heal(tiny_store)
    assert logical_name(first.id) in report.restored
    assert any("Notitie" in line and "teruggezet" in line for line in report.problems)
    restored = get_note(tiny_store, first.id)
    assert second.text == "Tweede versie"  # the damaged file held the second version …
    assert restored is not None and restored.text == "Eerste versie"  # … the last intact one comes back


# --------------------------------------------------------------------------- a store in a bucket (replicas)

from tests.test_store_s3 import bucket_store, s3_server  # noqa: E402, F401  (fixtures: moto's S3 on loopback)


def test_notes_in_a_bucket_store_are_seen_whole_by_another_replica(bucket_store):  # noqa: F811
    from wijkkompas.store import Store

    saved = save_note(bucket_store, note())
    replica = Store(str(bucket_store.data_dir))
    assert [n.id for n in list_notes(replica, "WK099901")] == [saved.id]
    delete_note(replica, saved.id)
    assert get_note(bucket_store, saved.id) is None


def test_a_kompas_theme_id_is_stored_as_its_label(monkeypatch):
    from wijkkompas.notes import model

    assert model.theme_label("  Veiligheid ") == "Veiligheid" and model.theme_label(None) == ""
    monkeypatch.setattr(model, "kompas_themes", lambda: {"fysiek": "Fysieke woonomgeving"})
    assert model.theme_label("fysiek") == "Fysieke woonomgeving"
    assert model.theme_options()[0] == "Fysieke woonomgeving"
