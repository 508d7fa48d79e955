"""Profile export: the PDF's text holds the wijk and its figures; the HTML is self-contained and escaped."""

from __future__ import annotations

import base64
import io
import re

import pytest
from pypdf import PdfReader

from wijkkompas.cli import main
from wijkkompas.export import export_profile
from wijkkompas.formatting import nl_number
from wijkkompas.store import Store

EXTERNAL = re.compile(
    r"""(?:src|href|xlink:href)\s*=\s*["']?\s*(?:https?:|ftp:|//|file:)|url\(\s*["']?\s*(?:https?:|//)|@import""", re.I
)


@pytest.fixture(scope="module")
def store(tiny_store_dir) -> Store:
    return Store(tiny_store_dir)


@pytest.fixture(scope="module")
def pdf(store):
    profile, data = export_profile(store, "WK099902", fmt="pdf")
    return profile, data


def pdf_text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def test_pdf_holds_the_wijk_name_and_the_stores_key_figures(pdf, store):
    profile, data = pdf
    assert data.startswith(b"%PDF")
    text, pages = pdf_text(data)
    flat = " ".join(text.split())
    assert 2 <= pages <= 4
    assert "Noord & Oost" in flat and "WK099902" in flat
    values = store.load_values(["GM0999"], 2024)
    wijk = values[values["region_code"] == "WK099902"].set_index("indicator")
    checked = 0
    for kf in profile.figures:
        if kf.region.known:
            value = float(wijk.loc[kf.indicator.id, "value"])
            expected = nl_number(value, kf.indicator.decimals) + ("%" if kf.indicator.unit == "%" else "")
            assert expected in flat, f"{kf.indicator.id}: {expected} niet in de PDF"
            checked += 1
    assert checked >= 8
    assert "Bron: CBS, Kerncijfers wijken en buurten" in flat and "(85984NED)" in flat
    assert profile.generated.strftime("%d-%m-%Y") in flat and profile.store_version.split()[0] in flat


def test_pdf_explains_a_suppressed_value(pdf):
    text, _ = pdf_text(pdf[1])
    assert "onbekend (geheim bij CBS)" in " ".join(text.split())  # the gemeente's bijstand


def _without_data_uris(html: str) -> tuple[str, list[str]]:
    uris = re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)
    return re.sub(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+", "data:", html), [
        base64.b64decode(u).decode() for u in uris
    ]


def test_html_is_self_contained_and_escapes_names(store):
    _, data = export_profile(store, "BU09990203", fmt="html")
    html = data.decode("utf-8")
    text, svgs = _without_data_uris(html)
    assert "<b>Bloemwijk</b>" not in html and "&lt;b&gt;Bloemwijk&lt;/b&gt;" in html
    assert "Noord &amp; Oost" in html and "'t Hofje" not in text.replace("&#39;t Hofje", "")
    assert not EXTERNAL.search(text), EXTERNAL.search(text)
    assert "http" not in text  # not even a namespace: the page itself names no address at all
    assert svgs, "charts and map are embedded"
    for svg in svgs:
        assert not EXTERNAL.search(svg)
        assert "<b>Bloemwijk</b>" not in svg
    assert "<script" not in html.lower()


def test_cli_writes_one_profile_and_refuses_a_wrong_year(tiny_store_dir, tmp_path, capsys):
    out = tmp_path / "wijk.html"
    assert main(["--data-dir", str(tiny_store_dir), "profile", "--regio", "WK099901", "--out", str(out)]) == 0
    assert "Centrum" in out.read_text(encoding="utf-8")
    assert (
        main(["--data-dir", str(tiny_store_dir), "profile", "--regio", "WK099901", "--year", "2019", "--out", str(out)])
        == 1
    )
    assert "geen cijfers over 2019" in capsys.readouterr().err


def test_cli_batch_writes_one_file_per_wijk(tiny_store_dir, tmp_path, capsys):
    out = tmp_path / "profielen"
    code = main(
        [
            "--data-dir",
            str(tiny_store_dir),
            "profile",
            "--gemeente",
            "GM0999",
            "--all",
            "--format",
            "html",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["wijkprofiel_WK099901_Centrum_2024.html", "wijkprofiel_WK099902_Noord-Oost_2024.html"]
    assert "2 wijkprofielen" in capsys.readouterr().out


def test_cli_unknown_gemeente_is_a_dutch_message(tiny_store_dir, tmp_path, capsys):
    code = main(
        ["--data-dir", str(tiny_store_dir), "profile", "--gemeente", "GM0123", "--all", "--out", str(tmp_path / "x")]
    )
    assert code == 1 and "GM0123 is niet geladen" in capsys.readouterr().err


def test_scores_section_shows_parts_that_add_up(store):
    from wijkkompas.export.scoreblocks import score_blocks
    from wijkkompas.profile import load_profile

    profile = load_profile(store, "BU09990101")
    blocks = {b["title"]: b for b in score_blocks(store, profile)}
    assert blocks, "the shipped score definitions give a section"
    scored = [b for b in blocks.values() if b["rows"]]
    unscored = [b for b in blocks.values() if not b["rows"]]
    assert scored and all("onvoldoende gegevens" in b["value"] for b in unscored)
    for b in scored:
        total = float(b["value"].replace(".", "").replace(",", "."))
        parts = [float(r[-1].replace("−", "-").replace("+", "").replace(",", ".")) for r in b["rows"]]
        assert round(sum(parts), 1) == round(total - 100, 1)  # the parts explain the score exactly
        assert b["columns"][-1] == "Bijdrage" and "100 = gemiddelde van de buurten van Teststad" in b["explain"]
