"""Harmonising: stems per year, derived shares, honest aggregation, status instead of zeros."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from wijkkompas.errors import SourceError
from wijkkompas.ingest import ingest
from wijkkompas.sources.folder import FolderSource
from wijkkompas.store import Store


def _v(store: Store, year: int, code: str, indicator: str) -> pd.Series:
    v = store.load_values(years=year, include_nederland=True)
    return v[(v.region_code == code) & (v.indicator == indicator)].iloc[0]


def test_keys_with_other_suffixes_map_to_one_indicator(tiny_store):
    a = _v(tiny_store, 2023, "BU09990101", "inwoners")
    b = _v(tiny_store, 2024, "BU09990101", "inwoners")
    assert (a.source_key, b.source_key) == ("AantalInwoners_5", "AantalInwoners_6")
    assert (a.source_table, b.source_table) == ("85618NED", "85984NED")
    assert a.value == 1200 and b.value == 1260


def test_share_is_derived_from_counts_with_both_keys_as_source(tiny_store):
    row = _v(tiny_store, 2023, "BU09990101", "aandeel_65plus")
    assert row.value == pytest.approx(300 / 1200 * 100)
    assert row.source_key == "k_65JaarOfOuder_7 / AantalInwoners_5"
    assert row.status == "ok"


def test_suppressed_count_makes_the_share_unknown_not_zero(tiny_store):
    row = _v(tiny_store, 2023, "BU09990103", "bijstand")
    assert pd.isna(row.value) and row.status == "geheim"


def test_published_wijk_value_wins_over_sum_of_buurten(tiny_store):
    row = _v(tiny_store, 2023, "WK099902", "cbs.personenpersoortuitkeringbijstand")
    assert pd.isna(row.value) and row.status == "geheim"  # CBS suppressed it; we do not compute it back


def test_every_cbs_column_is_kept_under_its_title(tiny_store):
    v = tiny_store.load_values(years=2024)
    assert "cbs.k_65jaarofouder" in set(v.indicator)
    from wijkkompas.exporting import indicator_catalogue

    cat = indicator_catalogue(tiny_store)
    assert cat.get("cbs.k_65jaarofouder").label == "65 jaar of ouder"


def test_names_come_from_the_table_and_are_kept_verbatim(tiny_store):
    regions = tiny_store.regions(2024).set_index("region_code")["region_name"]
    assert regions["BU09990203"] == "<b>Bloemwijk</b>"
    assert regions["BU09990103"] == "'t Hofje"
    assert regions["WK099902"] == "Noord & Oost"


def test_wijk_is_computed_only_from_a_complete_set_of_buurten(tmp_path, tiny_source):
    """Drop the wijk rows from the table: the complete wijk is summed, the one with a missing buurt is not."""
    src = tmp_path / "src"
    shutil.copytree(tiny_source, src)
    path = src / "85618NED" / "TypedDataSet.json"
    rows = [r for r in json.loads(path.read_text()) if not r["WijkenEnBuurten"].startswith(("WK", "GM"))]
    for r in rows:
        if r["WijkenEnBuurten"].strip() == "BU09990201":
            r["AantalInwoners_5"] = None
    path.write_text(json.dumps(rows))
    store = Store(tmp_path / "data")
    ingest(src, store, ["GM0999"], years=[2023])
    v = store.load_values(years=2023)
    centrum = v[(v.region_code == "WK099901") & (v.indicator == "inwoners")].iloc[0]
    assert centrum.value == 1200 + 800 + 300
    assert centrum.status == "berekend uit buurten"
    assert centrum.source_key == "som van 3 buurten: AantalInwoners_5"
    noord = v[(v.region_code == "WK099902") & (v.indicator == "inwoners")]
    assert noord.empty  # one buurt unknown: no wijk total rather than a wrong one


def test_other_gemeenten_are_filtered_out(tiny_store):
    assert set(tiny_store.load_values().gemeente_code.dropna()) == {"GM0999"}


# --------------------------------------------------------------------------- bad input


def test_missing_folder_gives_dutch_message(tmp_path):
    with pytest.raises(SourceError, match="bestaat niet"):
        ingest(tmp_path / "nope", Store(tmp_path / "d"), ["GM0999"])


def test_bad_gemeente_code_is_refused(tmp_path, tiny_source):
    with pytest.raises(SourceError, match="GM met vier cijfers"):
        ingest(tiny_source, Store(tmp_path / "d"), ["Hengelo"])


def test_unknown_gemeente_is_reported_and_nothing_loaded(tmp_path, tiny_source):
    report = ingest(tiny_source, Store(tmp_path / "d"), ["GM0001"])
    assert any("GM0001" in p for p in report.problems)
    assert not report.loaded


@pytest.mark.parametrize("content", ["", '[{"ID": 0, "WijkenEnBuurten": "BU09990101", "AantalInw'])
def test_empty_or_truncated_json_skips_that_year_only(tmp_path, tiny_source, content):
    src = tmp_path / "src"
    shutil.copytree(tiny_source, src)
    (src / "85618NED" / "TypedDataSet.json").write_text(content)
    store = Store(tmp_path / "d")
    report = ingest(src, store, ["GM0999"])
    assert any("TypedDataSet.json" in p for p in report.problems)
    assert [x["year"] for x in report.loaded] == [2024]
    assert store.years() == [2024]


def test_truncated_csv_is_reported(tmp_path):
    src = tmp_path / "src" / "2017"
    src.mkdir(parents=True)
    (src / "kwb_83765NED.csv").write_text("WijkenEnBuurten,AantalInwoners_5\nBU09990101,1200\nBU0999010")
    report = ingest(tmp_path / "src", Store(tmp_path / "d"), ["GM0999"])
    assert report.loaded  # the complete row still loads
    assert report.loaded[0]["regions"] == 1  # no wijk summed from a file that may be a subset
    assert any("afgebroken" in p for p in report.problems)


def test_topojson_without_objects_is_reported(tmp_path, tiny_source):
    src = tmp_path / "src"
    shutil.copytree(tiny_source, src)
    (src / "pdok" / "2024" / "leeg_2024.json").write_text('{"type": "Topology", "objects": {}, "arcs": []}')
    report = ingest(src, Store(tmp_path / "d"), ["GM0999"])
    assert any("TopoJSON" in p and "objects" in p for p in report.problems)
    assert report.loaded


def test_year_without_a_catalogue_stem_still_loads_the_rest(tmp_path, tiny_source):
    src = tmp_path / "src"
    shutil.copytree(tiny_source, src)
    for name in ("TypedDataSet.json", "DataProperties.json"):
        path = src / "85984NED" / name
        path.write_text(path.read_text().replace("GemiddeldeWOZWaardeVanWoningen", "WOZWaardeNieuweNaam"))
    store = Store(tmp_path / "d")
    ingest(src, store, ["GM0999"])
    v = store.load_values(years=2024)
    assert "woz_waarde" not in set(v.indicator)
    assert "cbs.wozwaardenieuwenaam" in set(v.indicator)  # kept under its CBS title, not dropped
    assert "inwoners" in set(v.indicator)


def test_folder_source_reads_cbs_missing_markers_as_unknown(tmp_path):
    folder = tmp_path / "2017"
    folder.mkdir()
    (folder / "83765NED.csv").write_text("WijkenEnBuurten,AantalInwoners_5\nBU09990101,.\nBU09990102,\nBU09990103,0\n")
    raw = FolderSource(tmp_path, {"83765NED": 2017}).read().tables["83765NED"]
    values = raw.rows.set_index("region_code")["AantalInwoners_5"]
    assert pd.isna(values["BU09990101"]) and pd.isna(values["BU09990102"]) and values["BU09990103"] == 0


def test_share_is_not_published_when_the_file_lacks_its_numerator(tmp_path, tiny_source):
    """Gemeente rows that carry inwoners but not the age groups: computed from complete buurten, or absent —
    never 'geheim', which would say CBS hid it."""
    src = tmp_path / "src"
    shutil.copytree(tiny_source, src)
    path = src / "85984NED" / "TypedDataSet.json"
    rows = json.loads(path.read_text())
    for r in rows:
        if r["WijkenEnBuurten"].startswith(("GM", "WK")):
            del r["k_65JaarOfOuder_8"]
        if r["WijkenEnBuurten"].strip() == "BU09990201":
            r["k_65JaarOfOuder_8"] = None
    path.write_text(json.dumps(rows))
    store = Store(tmp_path / "d")
    ingest(src, store, ["GM0999"], years=[2024])
    v = store.load_values(years=2024)
    share = v[v.indicator == "aandeel_65plus"].set_index("region_code")
    assert share.loc["WK099901", "status"] == "berekend uit buurten"  # all its buurten known
    assert "WK099902" not in share.index and "GM0999" not in share.index  # one buurt unknown: not published
    assert share.loc["BU09990201", "status"] == "geheim"


def test_a_relative_source_folder_is_loaded_and_kept(tiny_source, tmp_path, monkeypatch):
    """The README's own command uses `--source ../shared/data`: a relative path must work like an absolute one."""
    from wijkkompas.store import Store as _Store

    monkeypatch.chdir(tiny_source.parent)
    store = _Store(tmp_path / "rel")
    report = ingest(Path(tiny_source.name), store, ["GM0999"])
    assert report.loaded, report.lines()
    assert store.years() == [2023, 2024]
    source = store.ingest_log()[-1]["source"]
    assert source.startswith("raw/bronnen/") and store.raw_exists(source + "/.compleet")
