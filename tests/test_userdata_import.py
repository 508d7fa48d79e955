"""Storing uploads: figures in the store like any indicator, atomic, listable, replaceable, deletable."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from tests.fixtures import messy_files as mf
from wijkkompas.cli import main as cli
from wijkkompas.errors import SourceError
from wijkkompas.exporting import indicator_catalogue
from wijkkompas.store import Store
from wijkkompas.userdata import (
    SKIP,
    check_file,
    delete_upload,
    import_analysis,
    import_file,
    list_uploads,
    persist,
    reimport_all,
)
from wijkkompas.userdata.persist import REGISTRY, STATUS_COMPUTED, STATUS_INCOMPLETE
from wijkkompas.userdata.service import inhabitants


def snapshot(data_dir: Path) -> dict[str, bytes]:
    """Every file under the data dir with its bytes (lock files aside: they hold no data)."""
    return {
        str(p.relative_to(data_dir)): p.read_bytes()
        for p in sorted(Path(data_dir).rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def eigen_values(store: Store, indicator: str | None = None) -> pd.DataFrame:
    v = store.load_values()
    v = v[v["source_table"].str.startswith("eigen:")]
    return v if indicator is None else v[v["indicator"] == indicator]


def value_of(store: Store, indicator: str, code: str, year: int = 2024) -> tuple[float, str]:
    v = eigen_values(store, indicator)
    row = v[(v["region_code"] == code) & (v["year"] == year)].iloc[0]
    return float(row["value"]), str(row["status"])


def test_import_stores_figures_metadata_and_the_file(tiny_store):
    name, data = mf.dutch_excel_csv()
    cbs_before = tiny_store.load_values()
    _analysis, up = import_file(tiny_store, data, name)
    assert up.source_table == f"eigen:{up.id}" and up.years == [2024] and up.imported_rows == 5
    assert [m.id for m in up.indicators] == ["eigen.meldingen", "eigen.huurachterstand"]
    assert value_of(tiny_store, "eigen.meldingen", "BU09990101") == (1234.0, "ok")
    v, status = value_of(tiny_store, "eigen.meldingen", "BU09990103")
    assert math.isnan(v) and status == "minder dan 5 (afgeschermd door de bron)"  # never 0
    row = eigen_values(tiny_store, "eigen.meldingen").query("region_code == 'BU09990101'").iloc[0]
    assert row["region_name"] == "Oude Markt" and row["wijk_code"] == "WK099901" and row["level"] == "buurt"
    assert row["source_key"] == "meldingen_2024.csv › Meldingen"
    # Metadata, the kept file, and CBS untouched.
    assert (tiny_store.data_dir / up.raw_path).read_bytes() == data
    assert tiny_store.snapshot().has(REGISTRY)
    after = tiny_store.load_values()
    pd.testing.assert_frame_equal(
        after[~after["source_table"].str.startswith("eigen:")]
        .sort_values(["year", "region_code", "indicator"])
        .reset_index(drop=True),
        cbs_before.sort_values(["year", "region_code", "indicator"]).reset_index(drop=True),
    )
    # From now on an indicator like any other.
    cat = indicator_catalogue(tiny_store)
    ind = cat.get("eigen.huurachterstand")
    assert ind is not None and ind.origin == "eigen" and ind.unit == "%" and ind.label == "Huurachterstand"
    assert ind.theme == "eigen" and "eigen gegevens" in ind.source and "meldingen_2024.csv" in ind.caveat


def test_blocking_rows_need_a_choice_and_change_nothing(tiny_store):
    name, data = mf.names_only_csv()
    before = snapshot(tiny_store.data_dir)
    analysis = check_file(data, name, tiny_store)
    assert analysis.report.blocking
    with pytest.raises(SourceError, match="nog niet gekoppeld"):
        import_analysis(tiny_store, analysis, data)
    assert snapshot(tiny_store.data_dir) == before
    up = import_analysis(tiny_store, analysis, data, partial=True)
    assert up.partial and up.imported_rows == 3
    assert set(eigen_values(tiny_store)["region_code"]) == {"BU09990101", "BU09990103", "BU09990201"}


def test_mapping_fixes_are_applied(tiny_store):
    name, data = mf.names_only_csv()
    base = check_file(data, name, tiny_store)
    rows = dict(zip(base.report.problems["in het bestand"], base.report.problems["rij"], strict=True))
    fixed = check_file(
        data,
        name,
        tiny_store,
        overrides={rows["Stationsbuur"]: "BU09990102", rows["<script>alert('x')</script>"]: SKIP},
    )
    assert not fixed.report.blocking and fixed.report.n_matched == 4
    assert any("door u gekoppeld" in i for i in fixed.report.info)
    import_analysis(tiny_store, fixed, data)
    assert value_of(tiny_store, "eigen.jongeren_met_jeugdhulp", "BU09990102") == (9.0, "ok")


def test_zero_matches_is_an_error_and_changes_nothing(tiny_store):
    name, data = mf.other_gemeente_csv()
    before = snapshot(tiny_store.data_dir)
    analysis = check_file(data, name, tiny_store)
    assert analysis.report.n_matched == 0 and analysis.report.errors
    assert "GM0363 is niet geladen" in analysis.report.problems["probleem"].iloc[0]
    with pytest.raises(SourceError, match="Niets opgeslagen"):
        import_analysis(tiny_store, analysis, data, partial=True)
    assert snapshot(tiny_store.data_dir) == before


def test_a_failure_half_way_leaves_every_file_byte_identical(tiny_store, monkeypatch):
    name, data = mf.dutch_excel_csv()
    import_file(tiny_store, *mf.years_in_rows_csv()[::-1])  # an earlier upload that must survive
    before = snapshot(tiny_store.data_dir)
    analysis = check_file(data, name, tiny_store)

    def broken(*_a, **_k):
        raise OSError("schijf vol")

    monkeypatch.setattr(persist, "_registry_payload", broken)  # fails after the figures were already written
    with pytest.raises(SourceError, match="Er is niets veranderd"):
        import_analysis(tiny_store, analysis, data)
    assert snapshot(tiny_store.data_dir) == before


def test_a_failure_inside_the_store_write_is_rolled_back(tiny_store, monkeypatch):
    import wijkkompas.store.backend as store_mod

    name, data = mf.years_in_rows_csv()  # touches two year files
    before = snapshot(tiny_store.data_dir)
    analysis = check_file(data, name, tiny_store)
    real = store_mod.atomic_write_bytes

    def fail_on_manifest(path, data):
        if Path(path).name == "manifest.json":
            raise OSError("stroom uitgevallen")
        return real(path, data)

    monkeypatch.setattr(store_mod, "atomic_write_bytes", fail_on_manifest)
    with pytest.raises(SourceError):
        import_analysis(tiny_store, analysis, data)
    monkeypatch.setattr(store_mod, "atomic_write_bytes", real)
    assert snapshot(tiny_store.data_dir) == before
    assert tiny_store.verify() == []


def test_replace_and_delete(tiny_store):
    def cbs_rows() -> pd.DataFrame:
        v = tiny_store.load_values()
        return (
            v[~v["source_table"].str.startswith("eigen:")]
            .sort_values(["year", "region_code", "indicator"])
            .reset_index(drop=True)
        )

    cbs = cbs_rows()
    first = mf._csv(["buurtcode;overlast", "BU09990101;5", "BU09990102;6"])
    _a, up = import_file(tiny_store, first, "overlast.csv", year=2023)
    assert tiny_store.source_years(up.source_table) == [2023]
    second = mf._csv(["buurtcode;overlast", "BU09990101;7", "BU09990201;8"])
    _a, up2 = import_file(tiny_store, second, "overlast_nieuw.csv", year=2024, replace=up.id)
    assert up2.id == up.id and [m.id for m in up2.indicators] == ["eigen.overlast"]
    assert tiny_store.source_years(up.source_table) == [2024]  # the 2023 rows went with the old version
    assert set(eigen_values(tiny_store)["region_code"]) == {"BU09990101", "BU09990201"}
    assert len(list_uploads(tiny_store)) == 1
    assert not (tiny_store.data_dir / up.raw_path).exists() and (tiny_store.data_dir / up2.raw_path).exists()
    delete_upload(tiny_store, up.id)
    assert eigen_values(tiny_store).empty and list_uploads(tiny_store) == []
    assert not (tiny_store.data_dir / up2.raw_path).exists()
    assert indicator_catalogue(tiny_store).get("eigen.overlast") is None
    pd.testing.assert_frame_equal(cbs_rows(), cbs)  # CBS figures never touched
    with pytest.raises(SourceError, match="geen upload"):
        delete_upload(tiny_store, up.id)


def test_same_file_twice_replaces_and_same_name_other_file_clashes(tiny_store):
    name, data = mf.years_in_rows_csv()
    _a, one = import_file(tiny_store, data, name)
    again = check_file(data, name, tiny_store)
    assert any("al eerder ingelezen" in i for i in again.report.info)
    _a, two = import_file(tiny_store, data, name)
    assert two.id == one.id and len(list_uploads(tiny_store)) == 1
    assert len(eigen_values(tiny_store)) == 4
    other = mf._csv(["jaar;buurtcode;overlastmeldingen", "2024;BU09990102;3"])
    checked = check_file(other, "andere_overlast.csv", tiny_store)
    assert any("staat al in Wijkkompas" in w for w in checked.report.warnings)
    before = snapshot(tiny_store.data_dir)
    with pytest.raises(SourceError, match="staat al in Wijkkompas"):
        import_analysis(tiny_store, checked, other)
    assert snapshot(tiny_store.data_dir) == before


@pytest.mark.parametrize("how", ["none", "sum", "weighted_mean"])
def test_wijk_values_only_as_the_metadata_says(tiny_store, how):
    lines = ["buurtcode;meldingen", "BU09990101;10", "BU09990102;20", "BU09990103;30", "BU09990201;40"]
    data = mf._csv(lines)
    analysis = check_file(data, "meldingen.csv", tiny_store, year=2024)
    metas = dict(analysis.metas)
    metas["meldingen"].aggregate = how
    import_analysis(tiny_store, analysis, data, metas, inwoners=inhabitants(tiny_store))
    v = eigen_values(tiny_store, "eigen.meldingen").set_index("region_code")
    if how == "none":
        assert set(v.index) == {"BU09990101", "BU09990102", "BU09990103", "BU09990201"}
        return
    # Centrum has all three buurten; Noord & Oost misses BU09990203, so it stays unknown (not invented).
    expected = 60.0 if how == "sum" else (10 * 1260 + 20 * 840 + 30 * 315) / (1260 + 840 + 315)
    assert math.isclose(v.loc["WK099901", "value"], expected)
    assert v.loc["WK099901", "status"] == STATUS_COMPUTED
    assert math.isnan(v.loc["WK099902", "value"]) and v.loc["WK099902", "status"] == STATUS_INCOMPLETE
    assert math.isnan(v.loc["GM0999", "value"]) and v.loc["GM0999", "level"] == "gemeente"


def test_small_regions_are_flagged_and_hidden_when_chosen(tiny_store):
    name, data = mf.dutch_excel_csv()
    analysis = check_file(data, name, tiny_store, privacy_threshold=500)
    assert list(analysis.privacy["region_code"]) == ["BU09990103"]  # 315 inwoners
    assert any("minder dan 500 inwoners" in w and "'t Hofje" in w for w in analysis.report.warnings)
    import_analysis(tiny_store, analysis, data, hide_small=True, inwoners=inhabitants(tiny_store))
    v, status = value_of(tiny_store, "eigen.huurachterstand", "BU09990103")
    assert math.isnan(v) and status == "verborgen: minder dan 500 inwoners"
    import_analysis(tiny_store, analysis, data, hide_small=False, inwoners=inhabitants(tiny_store))
    assert value_of(tiny_store, "eigen.huurachterstand", "BU09990103") == (3.1, "ok")


def test_a_year_that_is_not_loaded_is_reported_and_kept(tiny_store):
    data = mf._csv(["buurtcode;meldingen", "BU09990101;10"])
    analysis = check_file(data, "m.csv", tiny_store, year=2022)
    assert any("Jaar 2022 is niet geladen" in w for w in analysis.report.warnings)
    import_analysis(tiny_store, analysis, data)
    assert 2022 in tiny_store.years() and value_of(tiny_store, "eigen.meldingen", "BU09990101", 2022) == (10.0, "ok")


def test_rows_of_another_gemeente_than_chosen_are_reported(tiny_store):
    data = mf._csv(["buurtcode;meldingen", "BU09990101;10"])
    analysis = check_file(data, "m.csv", tiny_store, scope=["GM0164"])
    assert any("andere gemeente" in w and "Teststad" in w for w in analysis.report.warnings)


def test_reimport_all_restores_uploads_after_a_rebuild(tiny_store):
    name, data = mf.dutch_excel_csv()
    _a, up = import_file(tiny_store, data, name, privacy_threshold=500)
    before = eigen_values(tiny_store).sort_values(["indicator", "region_code"]).reset_index(drop=True)
    tiny_store.delete_source(up.source_table)  # what a rebuild from the CBS raw files leaves
    assert eigen_values(tiny_store).empty
    assert reimport_all(tiny_store) == []
    after = eigen_values(tiny_store).sort_values(["indicator", "region_code"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(after, before)


# --------------------------------------------------------------------------- command line


def _run(capsys, *args) -> tuple[int, str, str]:
    code = cli([*args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_dry_run_prints_the_report_and_stores_nothing(tiny_store, tmp_path, capsys):
    paths = mf.write_corpus(tmp_path / "corpus")
    before = snapshot(tiny_store.data_dir)
    code, out, _err = _run(
        capsys, "--data-dir", str(tiny_store.data_dir), "import", str(paths["dutch_excel_csv"]), "--dry-run"
    )
    assert code == 0
    assert "5 rijen gelezen, 5 gekoppeld" in out and "Proefrun: niets opgeslagen" in out
    assert snapshot(tiny_store.data_dir) == before


def test_cli_exit_codes(tiny_store, tmp_path, capsys):
    paths = mf.write_corpus(tmp_path / "corpus")
    d = str(tiny_store.data_dir)
    code, out, err = _run(capsys, "--data-dir", d, "import", str(paths["other_gemeente_csv"]))
    assert code == 1 and "Geen enkele rij kon" in out
    code, _out, err = _run(capsys, "--data-dir", d, "import", str(paths["binary_as_csv"]))
    assert code == 1 and "afbeelding" in err
    code, _out, err = _run(capsys, "--data-dir", d, "import", str(paths["names_only_csv"]))
    assert code == 3 and "--partial" in err
    code, out, _err = _run(
        capsys,
        "--data-dir",
        d,
        "import",
        str(paths["names_only_csv"]),
        "--partial",
        "--label",
        "Jeugdhulp",
        "--unit",
        "jongeren",
        "--better",
        "lower",
        "--year",
        "2023",
    )
    assert code == 0 and "eigen.jeugdhulp" in out
    ind = indicator_catalogue(tiny_store).get("eigen.jeugdhulp")
    assert ind.unit == "jongeren" and ind.better == "lower_is_better"
    assert eigen_values(tiny_store)["year"].unique().tolist() == [2023]
    code, out, _err = _run(capsys, "--data-dir", d, "import", "--list")
    assert code == 0 and "jeugdhulp_2024.csv" in out
    upload_id = out.split()[0]
    code, out, _err = _run(capsys, "--data-dir", d, "import", "--delete", upload_id)
    assert code == 0 and "Verwijderd" in out and eigen_values(tiny_store).empty
    code, _out, err = _run(capsys, "--data-dir", d, "import", "--delete", upload_id)
    assert code == 1 and "geen upload" in err
    code, _out, err = _run(capsys, "--data-dir", d, "import", str(paths["dutch_excel_csv"]), "--label", "x")
    assert code == 2 and "--column" in err


def test_a_damaged_upload_file_heals_from_the_kept_upload(tiny_store):
    from wijkkompas.repair import heal

    name, data = mf.dutch_excel_csv()
    _a, up = import_file(tiny_store, data, name, privacy_threshold=500)
    before = eigen_values(tiny_store).sort_values(["indicator", "region_code"]).reset_index(drop=True)
    cbs_before = tiny_store.load_values(years=2023)
    damaged = tiny_store.path_of(tiny_store.source_name(2024, up.source_table))
    damaged.write_bytes(b"kapot")
    report = heal(tiny_store)
    assert report.damaged == [tiny_store.source_name(2024, up.source_table)] and not report.lost, report.lines()
    pd.testing.assert_frame_equal(tiny_store.load_values(years=2023), cbs_before)
    after = eigen_values(tiny_store).sort_values(["indicator", "region_code"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(after, before)
