"""Notes travel with the profile: PDF/HTML (escaped), the data pack (newest `updated` wins), a slide."""

from __future__ import annotations

import io
import json
import re

from pypdf import PdfReader

from wijkkompas.export import export_profile
from wijkkompas.notes import get_note, list_notes, make_note, save_note
from wijkkompas.notes.store_ops import logical_name, note_bytes

HOSTILE = '<script>alert(1)</script> & =HYPERLINK("http://x") :red[rood]'


def add(store, text=HOSTILE, code="WK099902", name="Noord & Oost", when="2025-03-12", **kw):
    return save_note(
        store,
        make_note(
            code,
            name,
            when,
            text,
            kw.pop("source", "bewonersavond"),
            kw.pop("role", "wijkmanager"),
            kw.pop("theme", "Veiligheid"),
        ),
    )


def test_html_export_holds_the_note_escaped_in_its_own_section(tiny_store):
    add(tiny_store, text=HOSTILE + "\ntweede regel")
    add(tiny_store, text="Andere wijk", code="WK099901", name="Centrum")
    _, data = export_profile(tiny_store, "WK099902", fmt="html")
    html = data.decode("utf-8")
    assert "<h2>Verhalen bij de cijfers</h2>" in html
    assert "<script>alert" not in html
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; =HYPERLINK(&#34;http://x&#34;) :red[rood]<br>tweede regel" in html
    )
    assert "12-03-2025 · Bewonersavond · opgeschreven door: wijkmanager · thema Veiligheid" in html
    assert "Andere wijk" not in html  # only this wijk's notes
    # never inside the table of figures
    table = re.search(r'<table class="figures">.*?</table>', html, re.S).group(0)
    assert "alert" not in table and "HYPERLINK" not in table


def test_no_notes_no_section(tiny_store):
    _, data = export_profile(tiny_store, "WK099902", fmt="html")
    assert "Verhalen bij de cijfers" not in data.decode("utf-8")


def test_pdf_export_holds_the_note(tiny_store):
    add(tiny_store, text="Bewoners willen meer groen op het plein.")
    _, data = export_profile(tiny_store, "WK099902", fmt="pdf")
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    assert "Verhalen bij de cijfers" in text
    assert "Bewoners willen meer groen op het plein." in text
    assert "12-03-2025 · Bewonersavond" in text


# --------------------------------------------------------------------------- the data pack


def _packed_note(data: bytes, note_id: str) -> dict:
    import zipfile

    return json.loads(zipfile.ZipFile(io.BytesIO(data)).read(logical_name(note_id)))


def test_notes_travel_in_the_pack_and_install_on_another_laptop(tiny_store, tmp_path):
    from tests.test_pack import add_other_gemeente
    from wijkkompas.pack import build_pack, import_pack, read_pack
    from wijkkompas.store import Store

    add_other_gemeente(tiny_store)
    mine = add(tiny_store)
    other = add(tiny_store, text="Over een andere gemeente", code="WK099801", name="Elders")
    data, summary = build_pack(tiny_store.data_dir, ["GM0999"])
    assert summary.notities == 1 and "Notities bij wijken en buurten: 1" in summary.lines()
    assert _packed_note(data, mine.id)["text"] == HOSTILE
    pack = read_pack(data)
    assert logical_name(other.id) not in pack.files  # only the pack's gemeenten
    assert "1 notitie(s)" in " ".join(pack.lines())

    laptop = Store(tmp_path / "laptop")
    assert import_pack(data, laptop).installed
    assert list_notes(laptop, "WK099902").notes == (mine,)


def test_on_install_the_newest_updated_note_wins_without_asking(tiny_store, tmp_path):
    from wijkkompas.pack import build_pack, import_pack
    from wijkkompas.store import Store

    first = add(tiny_store, text="Versie van kantoor")
    data_old, _ = build_pack(tiny_store.data_dir, ["GM0999"])
    laptop = Store(tmp_path / "laptop")
    assert import_pack(data_old, laptop).installed

    # changed on the laptop afterwards: an older pack does not undo it
    newer_here = save_note(laptop, first.edited(text="Aangepast op de laptop"))
    result = import_pack(data_old, laptop, overwrite=True)
    assert result.installed and not [c for c in result.conflicts if "otitie" in c.text]
    assert get_note(laptop, first.id).text == "Aangepast op de laptop"

    # changed at the office later still: the newer pack wins
    import time

    time.sleep(1.1)  # `updated` has one-second resolution
    office = save_note(tiny_store, first.edited(text="Nog later op kantoor"))
    assert office.updated > newer_here.updated
    data_new, _ = build_pack(tiny_store.data_dir, ["GM0999"])
    assert import_pack(data_new, laptop, overwrite=True).installed
    assert get_note(laptop, first.id).text == "Nog later op kantoor"


def test_a_pack_with_a_bad_or_foreign_note_is_refused(tiny_store, tmp_path):
    import hashlib

    import pytest

    from tests.test_pack import manifest_of, rezip
    from wijkkompas.errors import SourceError
    from wijkkompas.pack import read_pack

    n = add(tiny_store)
    data, _ = build_pack_for(tiny_store)

    def with_note(payload: dict) -> bytes:
        raw = json.dumps(payload).encode()
        manifest = manifest_of(data)
        for e in manifest["files"]:
            if e["path"] == logical_name(n.id):
                e.update(sha256=hashlib.sha256(raw).hexdigest(), bytes=len(raw))
        return rezip(data, manifest=manifest, replace={logical_name(n.id): raw})

    good = _packed_note(data, n.id)
    with pytest.raises(SourceError, match="niet bij de gemeenten"):
        read_pack(with_note({**good, "region_code": "WK016401"}))
    with pytest.raises(SourceError, match="te lang"):
        read_pack(with_note({**good, "text": "x" * 1001}))
    with pytest.raises(SourceError, match="niet in een gegevenspakket hoort"):
        raw = note_bytes(n)
        manifest = manifest_of(data)
        manifest["files"].append(
            {"path": "notities/NIET-HEX.json", "sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}
        )
        read_pack(rezip(data, manifest=manifest, add={"notities/NIET-HEX.json": raw}))


def build_pack_for(store):
    from wijkkompas.pack import build_pack

    return build_pack(store.data_dir, ["GM0999"])


# --------------------------------------------------------------------------- the presentation slide


def test_a_notes_slide_renders_the_newest_notes_escaped(tiny_store):
    from wijkkompas.presentation import Presentation, from_json_bytes, make_slide, to_json_bytes
    from wijkkompas.presentation.deck import deck_html
    from wijkkompas.presentation.slides import render_slides

    add(tiny_store, when="2025-01-01", text="Oudste notitie")
    for i, when in enumerate(("2025-02-01", "2025-03-01")):
        add(tiny_store, when=when, text=f"Nieuwer {i}", source="wijkschouw", theme="")
    add(tiny_store, when="2025-04-01", text=HOSTILE + " " + "heel lang " * 40)
    slide = make_slide("notities", "Wat mensen zeggen", regios=["WK099902"])
    pres = Presentation("Verhalen", (slide,))
    again = from_json_bytes(to_json_bytes(pres))
    assert again.slides[0] == slide and again.slides[0].to_json()["params"] == {"regio": "WK099902"}
    (content,) = render_slides(tiny_store, pres)
    assert not content.notice, content.notice
    body = content.body
    assert "<script>" not in body and "&lt;script&gt;" in body and ":red[rood]" in body
    assert "Nieuwer 1" in body and "Nieuwer 0" in body and "Oudste notitie" not in body  # newest three
    assert body.index("&lt;script&gt;") < body.index("Nieuwer 1") < body.index("Nieuwer 0")
    assert "01-04-2025 · Bewonersavond · wijkmanager · Veiligheid" in body and " …" in body
    assert any("3 nieuwste van 4" in n for n in content.notes) and any("ingekort" in n for n in content.notes)
    assert "Geen cijfers" in content.source
    html = deck_html([content], title="Verhalen", deck_id="verhalen")
    assert "<script>alert" not in html and 'class="quotes"' in html


def test_a_notes_slide_without_notes_is_a_notice_and_a_bad_region_is_refused(tiny_store):
    import pytest

    from wijkkompas.errors import SourceError
    from wijkkompas.presentation import Presentation, make_slide
    from wijkkompas.presentation.slides import render_slides

    (content,) = render_slides(tiny_store, Presentation("x", (make_slide("notities", "Leeg", regios=["WK099901"]),)))
    assert content.notice and "geen notities" in content.notice
    with pytest.raises(SourceError, match="één wijk of buurt"):
        make_slide("notities", "Te veel", regios=["WK099901", "WK099902"])
    with pytest.raises(SourceError, match="één wijk of buurt"):
        make_slide("notities", "Gemeente", regios=["GM0999"])
