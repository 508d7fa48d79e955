"""Reading hand-made files: every case of the messy corpus gives a table or a clear Dutch refusal."""

from __future__ import annotations

import math

import pytest

from tests.fixtures import messy_files as mf
from wijkkompas.errors import SourceError
from wijkkompas.sources.user_file import STATUS_FORMULA, UserFileSource
from wijkkompas.userdata import check_file, detect_columns, read_file
from wijkkompas.userdata.analysis import parse_value_column


def _value(analysis, code: str, column: str) -> tuple[float, str]:
    rows = analysis.rows
    i = rows.index[(rows["region_code"] == code) & rows["keep"]][0]
    v = analysis.values[column].loc[i]
    return float(v["value"]), str(v["status"])


def test_corpus_is_written_by_the_tests(tmp_path):
    paths = mf.write_corpus(tmp_path)
    assert len(paths) == len(mf.CORPUS)
    assert all(p.exists() for p in paths.values())


def test_dutch_excel_csv_is_read_as_excel_wrote_it(tiny_store):
    name, data = mf.dutch_excel_csv()
    table = read_file(data, name)
    assert table.delimiter == ";"
    assert table.encoding == "Windows-1252"
    assert table.columns == ["Buurtcode", "Buurtnaam", "Meldingen", "Huurachterstand (%)"]
    assert table.n_rows == 5  # titles, empty lines, Totaal and the footnote are gone
    assert [d[2] for d in table.dropped] == ["totaalrij", "tekst onder de tabel"]
    assert any("boven de tabel" in n for n in table.notes)
    a = check_file(data, name, tiny_store)
    assert a.report.n_matched == 5 and not a.report.blocking
    assert a.year == 2024  # from the file name
    assert _value(a, "BU09990101", "Meldingen") == (1234.0, "ok")  # 1.234 = thousands dot; 9990101 = BU09990101
    assert _value(a, "BU09990101", "Huurachterstand (%)") == (4.5, "ok")
    assert _value(a, "BU09990203", "Huurachterstand (%)") == (12.25, "ok")
    # Missing markers stay missing with their reason, never 0.
    for code, col, why in [
        ("BU09990102", "Huurachterstand (%)", "onbekend bij de bron"),
        ("BU09990103", "Meldingen", "minder dan 5 (afgeschermd door de bron)"),
        ("BU09990201", "Huurachterstand (%)", "geen cijfer (-)"),
        ("BU09990203", "Meldingen", "geheim bij de bron"),
    ]:
        value, status = _value(a, code, col)
        assert math.isnan(value) and status == why
    # Accents, 'bu 0999…' with a space, and a row with only a name were all matched.
    assert set(a.rows.loc[a.rows["keep"], "region_code"]) == {
        "BU09990101",
        "BU09990102",
        "BU09990103",
        "BU09990201",
        "BU09990203",
    }
    assert a.metas["Huurachterstand (%)"].unit == "%"


def test_utf8_bom_with_commas_and_decimal_points(tiny_store):
    name, data = mf.utf8_bom_comma_csv()
    a = check_file(data, name, tiny_store)
    assert a.table.delimiter == "," and a.table.encoding == "UTF-8 (met BOM)"
    assert a.table.columns[2] == "Wmo-cliënten"
    assert _value(a, "WK099901", "score tevredenheid") == (7.4, "ok")
    assert _value(a, "WK099901", "Wmo-cliënten") == (1250.0, "ok")
    assert a.metas["score tevredenheid"].better == "higher_is_better"


def test_utf16_tab_text_and_sep_line(tiny_store):
    name, data = mf.utf16_tab_txt()
    a = check_file(data, name, tiny_store)
    assert a.table.delimiter == "\t" and a.report.n_matched == 2
    name, data = mf.sep_line_csv()
    b = check_file(data, name, tiny_store)
    assert b.table.columns == ["code", "waarde"]
    assert _value(b, "BU09990102", "waarde") == (2.5, "ok")


def test_names_with_other_spelling_and_suggestions(tiny_store):
    name, data = mf.names_only_csv()
    a = check_file(data, name, tiny_store)
    kept = dict(zip(a.rows.loc[a.rows["keep"], "text"], a.rows.loc[a.rows["keep"], "region_code"], strict=True))
    assert kept == {"OUDE  MARKT": "BU09990101", "Het Hofje": "BU09990103", "noorderpark": "BU09990201"}
    problems = a.report.problems.set_index("in het bestand")
    assert "Stationsbuurt" in problems.loc["Stationsbuur", "bedoelt u"]
    assert problems.loc["Stationsbuur", "suggestie"] == "BU09990102"
    assert "<script>alert('x')</script>" in problems.index  # kept as plain text in the report
    line = next(x for x in a.report.problem_lines() if "Stationsbuur'" in x)
    assert "bedoelt u 'Stationsbuurt' (BU09990102)?" in line


def test_year_column_matches_each_year_with_its_own_codes(tiny_store):
    name, data = mf.years_in_rows_csv()
    a = check_file(data, name, tiny_store)
    assert a.columns.year == "jaar"
    assert a.report.n_matched == 4 and a.years == [2023, 2024]
    assert set(zip(a.rows["year"], a.rows["region_code"], strict=True)) >= {(2023, "BU09990202"), (2024, "BU09990203")}


def test_years_as_column_heads_become_a_year_column(tiny_store):
    name, data = mf.years_as_columns_csv()
    a = check_file(data, name, tiny_store)
    assert a.columns.year == "jaar" and a.years == [2023, 2024]
    assert _value(a, "WK099901", "schuldhulp") in [(31.0, "ok"), (35.0, "ok")]
    assert any("jaren staan als kolommen" in n for n in a.report.reading)


def test_xlsx_with_sheets_merged_cells_and_formulas(tiny_store):
    name, data = mf.workbook_xlsx()
    src = UserFileSource(data, name)
    assert src.sheets() == ["Toelichting", "Cijfers 2024", "Cijfers 2023"]
    table = src.read()
    assert table.sheet == "Cijfers 2024"  # the notes sheet has one cell; the first real table is chosen
    assert table.columns == ["Wijk", "Buurtcode", "Huishoudens met achterstand", "Aandeel (%)"]
    assert list(table.cells["Wijk"]) == ["Centrum", "Centrum", "Centrum", "Noord & Oost"]  # merged down
    assert "totaalrij" in [d[2] for d in table.dropped]
    values, _dec = parse_value_column(table, "Aandeel (%)")
    assert values["status"].tolist() == ["ok", "onbekend bij de bron", "ok", STATUS_FORMULA]
    a = check_file(data, name, tiny_store)
    assert a.report.n_matched == 4
    assert any("formule zonder opgeslagen uitkomst" in w for w in a.report.warnings)
    assert _value(a, "BU09990101", "Huishoudens met achterstand") == (35.0, "ok")  # code 9990101 was a number
    other = check_file(data, name, tiny_store, sheet="Cijfers 2023")
    assert other.report.n_matched == 1


def test_xlsx_saved_as_csv_is_read_as_excel(tiny_store):
    name, data = mf.xlsx_renamed_csv()
    a = check_file(data, name, tiny_store)
    assert a.table.kind == "xlsx"
    assert any("heet een CSV-bestand maar is een Excel-werkmap" in n for n in a.report.reading)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (mf.empty_file, "is leeg"),
        (mf.blank_lines_file, "alleen lege regels"),
        (mf.binary_as_csv, "afbeelding"),
        (mf.random_binary_as_csv, "geen tekstbestand"),
        (mf.old_xls, "oud Excel-bestand"),
        (mf.zip_not_xlsx, "geen Excel-werkmap"),
    ],
)
def test_files_that_are_no_table_are_refused_in_dutch(make, words, tiny_store):
    name, data = make()
    with pytest.raises(SourceError) as err:
        check_file(data, name, tiny_store)
    assert words in str(err.value)
    assert name in str(err.value)


def test_a_50_mb_file_is_refused_before_parsing(tmp_path):
    name, data = mf.huge_csv(50)
    path = tmp_path / name
    path.write_bytes(data)  # generated here, never committed
    assert path.stat().st_size >= 50 * 1024 * 1024
    with pytest.raises(SourceError) as err:
        UserFileSource(path.read_bytes(), name).read()
    assert "tot 25,0 MB" in str(err.value) and "groot.csv" in str(err.value)


def test_the_size_limit_is_configurable(monkeypatch):
    monkeypatch.setenv("WIJKKOMPAS_MAX_UPLOAD_MB", "0.001")
    with pytest.raises(SourceError, match="tot 0,0 MB"):
        UserFileSource(b"code;x\r\n" * 500, "klein.csv").read()


def test_unknown_sheet_names_the_sheets(tiny_store):
    name, data = mf.workbook_xlsx()
    with pytest.raises(SourceError, match="Tabbladen: Toelichting, Cijfers 2024, Cijfers 2023"):
        read_file(data, name, "Blad1")


def test_columns_are_recognised_by_content_not_only_by_header():
    name, data = mf.script_csv()
    table = read_file(data, name)
    cols = detect_columns(table)
    assert cols.region == "buurtnaam" and cols.values == ["cijfer"]  # small numbers are not gemeente codes
    name, data = mf.names_only_csv()
    table = read_file(data, name)
    assert detect_columns(table).values == ["jongeren met jeugdhulp"]
