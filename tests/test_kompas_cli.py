"""`kompas` and `signalen` on the command line, and the A4-landscape PDF for the raad."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from wijkkompas.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_kompas_csv_one_row_per_region(tiny_store_dir, tmp_path, capsys):
    out = tmp_path / "kompas.csv"
    assert (
        main(
            [
                "--data-dir",
                str(tiny_store_dir),
                "kompas",
                "--gemeente",
                "GM0999",
                "--year",
                "2024",
                "--level",
                "buurt",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    frame = pd.read_csv(out)
    assert len(frame) == 5 and frame["region_code"].is_unique
    assert {"fysiek_band", "fysiek_trend", "veerkracht_band", "inkomen_band"} <= set(frame.columns)
    assert set(frame["fysiek_band"]) <= {"urgent", "aandacht", "rond het gemiddelde", "gunstig", "onvoldoende gegevens"}
    assert frame.loc[frame["region_code"] == "BU09990203", "fysiek_trend"].item() == "breuk"
    assert "onvoldoende gegevens" in capsys.readouterr().out


def test_kompas_xlsx_and_bad_input(tiny_store_dir, tmp_path, capsys):
    out = tmp_path / "kompas.xlsx"
    assert (
        main(["--data-dir", str(tiny_store_dir), "kompas", "--gemeente", "GM0999", "--year", "2024", "--out", str(out)])
        == 0
    )
    assert len(pd.read_excel(out)) == 2
    assert (
        main(["--data-dir", str(tiny_store_dir), "kompas", "--gemeente", "GM0999", "--year", "2001", "--out", str(out)])
        == 1
    )
    assert "geen cijfers van 2001" in capsys.readouterr().err
    assert (
        main(
            [
                "--data-dir",
                str(tiny_store_dir),
                "kompas",
                "--gemeente",
                "GM0999",
                "--year",
                "2024",
                "--out",
                str(tmp_path / "x.doc"),
            ]
        )
        == 1
    )


def test_kompas_pdf_one_landscape_page(tiny_store_dir, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    out = tmp_path / "kompas.pdf"
    assert (
        main(
            [
                "--data-dir",
                str(tiny_store_dir),
                "kompas",
                "--gemeente",
                "GM0999",
                "--year",
                "2024",
                "--level",
                "buurt",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    reader = pypdf.PdfReader(str(out))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    text = reader.pages[0].extract_text()
    assert "Kompas Teststad" in text and "Bronnen" in text and "urgent" in text
    assert "<b>Bloemwijk</b>" in text  # escaped, printed as text


def test_kompas_html_escapes(tiny_store):
    from wijkkompas.export.kompas import kompas_html
    from wijkkompas.kompas import kompas_from_store

    tiny_store.pin()
    html = kompas_html(kompas_from_store(tiny_store, ["GM0999"], 2024, "buurt"), {"GM0999": "Test<stad>"})
    assert "&lt;b&gt;Bloemwijk&lt;/b&gt;" in html and "Test&lt;stad&gt;" in html and "<b>Bloemwijk" not in html


def test_signalen_cli(tiny_store_dir, tmp_path):
    out = tmp_path / "signalen.csv"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "wijkkompas",
            "--data-dir",
            str(tiny_store_dir),
            "signalen",
            "--gemeente",
            "GM0999",
            "--van",
            "2023",
            "--tot",
            "2024",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "signalen tussen 2023 en 2024" in proc.stdout
    frame = pd.read_csv(out)
    assert {"region_code", "indicator", "value_van", "value_tot", "usual_change", "source_tot"} <= set(frame.columns)
    # reproducible: the same call gives the same evidence
    again = subprocess.run(proc.args, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.stdout == proc.stdout


def test_signalen_twente(twente_store_dir, capsys):
    assert (
        main(
            ["--data-dir", str(twente_store_dir), "signalen", "--gemeente", "GM0164", "--van", "2017", "--tot", "2024"]
        )
        == 0
    )
    assert "signalen tussen 2017 en 2024" in capsys.readouterr().out


def test_kompas_slide(tiny_store):
    from wijkkompas.presentation.model import Presentation, from_json_bytes, make_slide, to_json_bytes
    from wijkkompas.presentation.slides import render_slides

    slide = make_slide("kompas", "Kompas Teststad", gemeenten=["GM0999"], jaar=2024, niveau="buurt")
    pres = from_json_bytes(to_json_bytes(Presentation("Raad", (slide,))))
    assert pres.slides[0] == slide and slide.summary({"GM0999": "Teststad"}).startswith("kompas per buurt")
    tiny_store.pin()
    drawn = render_slides(tiny_store, pres)[0]
    assert not drawn.notice, drawn.notice
    assert "Stationsbuurt" in drawn.body and "urgent" in drawn.body
    assert "&lt;b&gt;Bloemwijk&lt;/b&gt;" in drawn.body and "<b>Bloemwijk" not in drawn.body
    assert "85984NED" in drawn.source or "CBS" in drawn.source
    # wijk level of Teststad: two wijken have no spread, so the slide says why instead of showing empty cells
    thin = make_slide("kompas", "Kompas wijken", gemeenten=["GM0999"], jaar=2024, niveau="wijk")
    out = render_slides(tiny_store, Presentation("Raad", (thin,)))[0]
    assert "te weinig cijfers" in out.notice
