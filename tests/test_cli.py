"""The command line: ingest, export (long/wide, csv/xlsx), status, catalogue check; Dutch errors, no tracebacks."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from tests.conftest import ROOT
from wijkkompas.cli import main


def run(*args: str, env_dir=None):
    cmd = [sys.executable, "-m", "wijkkompas", *(["--data-dir", str(env_dir)] if env_dir else []), *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_ingest_then_status(tmp_path, tiny_source):
    r = run("ingest", "--source", str(tiny_source), "--gemeente", "GM0999", env_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "2023 (85618NED)" in r.stdout and "2024 (85984NED)" in r.stdout
    s = run("status", env_dir=tmp_path)
    assert "GM0999" in s.stdout and "Teststad" in s.stdout and "Kaartgrenzen buurt: 2023, 2024" in s.stdout


def test_ingest_bad_folder_is_a_dutch_error_without_traceback(tmp_path):
    r = run("ingest", "--source", str(tmp_path / "bestaat-niet"), "--gemeente", "GM0164", env_dir=tmp_path)
    assert r.returncode == 1
    assert "bestaat niet" in r.stderr and "Traceback" not in r.stderr


def test_ingest_only_selected_years(tmp_path, tiny_source):
    assert (
        main(
            [
                "--data-dir",
                str(tmp_path),
                "ingest",
                "--source",
                str(tiny_source),
                "--gemeente",
                "GM0999",
                "--years",
                "2024",
            ]
        )
        == 0
    )
    from wijkkompas.store import Store

    assert Store(tmp_path).years() == [2024]


def test_export_wide_has_dutch_labels_and_one_row_per_region(tiny_store_dir, tmp_path):
    out = tmp_path / "w.xlsx"
    code = main(
        [
            "--data-dir",
            str(tiny_store_dir),
            "export",
            "--gemeente",
            "GM0999",
            "--year",
            "2024",
            "--level",
            "buurt",
            "--shape",
            "wide",
            "--format",
            "xlsx",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    wide = pd.read_excel(out)
    assert len(wide) == 5 and wide["region_code"].is_unique
    assert "Inwoners (aantal)" in wide.columns
    row = wide.set_index("region_code").loc["BU09990101"]
    assert row["Inwoners (aantal)"] == 1260


def test_export_nothing_loaded_says_what_to_do(tmp_path, capsys):
    assert (
        main(["--data-dir", str(tmp_path), "export", "--gemeente", "GM0164", "--year", "2024", "--level", "wijk"]) == 1
    )
    assert "status" in capsys.readouterr().err


def test_catalogue_check_on_the_fixture_metadata(tiny_source, capsys):
    assert main(["catalogue", "check", "--source", str(tiny_source)]) == 0
    out = capsys.readouterr().out
    assert "== 2023 (85618NED), volgens metadata (DataProperties)" in out
    assert "CBS-kolommen zonder indicator" not in out.split("== 2024")[1] or "MateVanStedelijkheid" not in out


def test_catalogue_check_matches_at_least_60_on_real_2024_metadata(shared_data, capsys):
    assert main(["catalogue", "check", "--source", str(shared_data / "kwb" / "2024")]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "gevonden:" in line)
    assert int(line.split("gevonden:")[1].split()[0]) >= 60
