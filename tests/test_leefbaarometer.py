"""Leefbaarometer 3.0: its open-data CSVs and WFS answers, stored like any indicator, shown beside the own score."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
import responses

from tests.apptest_helpers import assert_clean, texts
from wijkkompas import lbm
from wijkkompas.errors import NotAvailable
from wijkkompas.fetch import FETCHED, UNAVAILABLE, fetch_online
from wijkkompas.ingest import ingest
from wijkkompas.sources.folder import FolderSource
from wijkkompas.sources.leefbaarometer import SOURCE, LeefbaarometerSource, config
from wijkkompas.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "leefbaarometer"
WFS = "https://geo.leefbaarometer.nl/lbm3/ows"
DIMS = ["fys", "onv", "soc", "vrz", "won"]


def no_sleep(_s: float) -> None:
    pass


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def csv_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "Leefbaarometer 3.0 - Meting 2024 - open data"
    shutil.copytree(FIXTURES, folder, ignore=shutil.ignore_patterns("*.json"))
    return folder


def write_teststad_csv(folder: Path) -> Path:
    """Scores for Teststad (GM0999) in the open-data CSV format, for the page tests."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        ("BU09990101", 2024, 0.0120, -0.0150, 0.0050, 0.0140, -0.0010),
        ("BU09990102", 2024, -0.0200, -0.0300, -0.0100, 0.0200, -0.0030),
        ("BU09990103", 2022, 0.0010, 0.0010, 0.0010, 0.0010, 0.0010),
    ]
    lines = ["bu_code,jaar,lbm,afw," + ",".join(DIMS)]
    for code, year, *d in rows:
        afw = round(sum(d), 4)
        lines.append(f"{code},{year},{4.14 + afw:.4f},{afw:.4f}," + ",".join(f"{x:.4f}" for x in d))
    path = folder / "Leefbaarometer-scores buurten 2002-2024.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_five_dimensions_add_up_to_the_deviation_in_the_fixture():
    frame = pd.read_csv(FIXTURES / "Leefbaarometer-scores buurten 2002-2024.csv")
    assert (frame[DIMS].sum(axis=1) - frame["afw"]).abs().max() < 1e-4


def test_open_data_csvs_are_read_per_measurement_year(tmp_path):
    contents = FolderSource(csv_folder(tmp_path)).read()
    assert contents.tables == {} and contents.geometries == []
    years = sorted({t.year for t in contents.mapped})
    assert years == [2020, 2022, 2024]
    store = Store(tmp_path / "d")
    report = ingest(contents, store, ["GM0164"], [2024])
    assert [(x["year"], x["table"]) for x in report.loaded] == [(2024, SOURCE)]
    v = store.load_values(["GM0164"], [2024])
    afw = v[v["indicator"] == "lbm_afwijking"].set_index("region_code")["value"]
    assert afw.to_dict() == pytest.approx(
        {"BU01640101": 0.0163, "BU01640102": -0.0452, "WK016401": -0.008, "GM0164": -0.0017}
    )
    assert set(v["source_table"]) == {SOURCE}
    assert set(v.loc[v["region_code"] == "BU01640101", "source_key"]) == {"lbm", "afw", *DIMS}


def test_measurement_years_without_other_figures_are_not_added(tmp_path, tiny_store_dir):
    store_dir = shutil.copytree(tiny_store_dir, tmp_path / "d")
    store = Store(store_dir)
    write_teststad_csv(tmp_path / "lbm")
    report = ingest(tmp_path / "lbm", store, ["GM0999"])
    assert [x["year"] for x in report.loaded] == [2024]
    assert any("Leefbaarometer-meting 2022 niet ingelezen" in s for s in report.skipped)
    assert store.years() == [2023, 2024]
    # The CSV has no names: the names CBS gave stay, in the regions and on the new rows.
    names = store.regions(2024, ["GM0999"]).set_index("region_code")["region_name"]
    assert names["BU09990101"] == "Oude Markt" and names["GM0999"] == "Teststad"
    rows = store.load_values(["GM0999"], [2024], indicators=["lbm_afwijking"])
    assert rows.set_index("region_code").loc["BU09990101", "region_name"] == "Oude Markt"


def test_wfs_is_asked_per_gemeente_with_an_fes_filter_and_read_as_scores_not_as_map(mocked, tmp_path):
    asked = []

    def answer(request):
        asked.append({k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()})
        return 200, {"Content-Type": "application/json"}, (FIXTURES / "wfs_buurtscore24_GM0164.json").read_text()

    mocked.add_callback(responses.GET, WFS, callback=answer)
    [path] = LeefbaarometerSource(sleep=no_sleep).fetch(2024, "buurt", ["GM0164"], tmp_path / "raw")
    assert path == tmp_path / "raw" / "leefbaarometer" / "2024" / "buurt_GM0164.geojson"
    q = asked[0]
    assert q["typeNames"] == "lbm3:buurtscore24" and q["request"] == "GetFeature" and q["srsName"] == "EPSG:28992"
    assert "<fes:Literal>BU0164*</fes:Literal>" in q["filter"]

    contents = FolderSource(tmp_path / "raw").read()
    assert contents.geometries == []  # the Leefbaarometer's shapes are not the CBS map
    store = Store(tmp_path / "d")
    ingest(contents, store, ["GM0164"], [2024])
    v = store.load_values(["GM0164"], [2024])
    klasse = v[v["indicator"] == "lbm_klasse"].set_index("region_code")["value"]
    assert klasse.to_dict() == {"BU01640101": 6, "BU01640102": 3}


def test_years_the_wfs_cannot_give_say_so(tmp_path):
    source = LeefbaarometerSource(sleep=no_sleep)
    with pytest.raises(NotAvailable, match="meet niet in 2023"):
        source.fetch(2023, "buurt", ["GM0164"], tmp_path)
    with pytest.raises(NotAvailable, match="open-datadownload"):
        source.fetch(2018, "buurt", ["GM0164"], tmp_path)


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in sorted(FIXTURES.glob("*.csv")):
            zf.write(f, f"Leefbaarometer 3.0 - Meting 2024 - open data/{f.name}")
        zf.writestr(
            "Leefbaarometer 3.0 - Meting 2024 - open data/Leefbaarometer-scores grid 2002-2024.csv", "grid,jaar\n"
        )
    return buf.getvalue()


def test_the_open_data_download_resumes_a_half_download(mocked, tmp_path):
    body = _zip_bytes()
    url = config().download.format(edition=config().edition)
    folder = tmp_path / "raw" / "leefbaarometer" / "download-2024"
    folder.mkdir(parents=True)
    half = len(body) // 2
    (folder / (Path(url).name + ".part")).write_bytes(body[:half])  # a lost connection last time
    ranges = []

    def answer(request):
        ranges.append(request.headers.get("Range"))
        start = int(request.headers["Range"].split("=")[1].rstrip("-"))
        return 206, {"Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}"}, body[start:]

    mocked.add_callback(responses.GET, url, callback=answer)
    paths = LeefbaarometerSource(sleep=no_sleep).fetch_download(tmp_path / "raw")
    assert ranges == [f"bytes={half}-"]
    assert sorted(p.name for p in paths) == sorted(f.name for f in FIXTURES.glob("*.csv"))  # not the grid
    assert (folder / Path(url).name).read_bytes() == body


def test_online_fetch_of_a_non_wfs_year_uses_the_download_once(mocked, tmp_path):
    url = config().download.format(edition=config().edition)
    mocked.add(responses.GET, url, body=_zip_bytes())
    store = Store(tmp_path / "d")
    report = fetch_online(
        store, ["GM0164"], [2018, 2019, 2020], leefbaarometer=LeefbaarometerSource(sleep=no_sleep), parts=("lbm",)
    )
    states = {r.task.key: r.state for r in report.results}
    assert states == {"lbm:2019": UNAVAILABLE, "lbm-download:2024": FETCHED}
    assert len(mocked.calls) == 1  # one download serves 2018 and 2020
    ingest(report.raw, store, ["GM0164"], [2018, 2020])
    assert store.years() == [2020]  # the fixture has no 2018 scores


def test_summary_picks_the_latest_measurement_of_the_last_two_years():
    values = pd.DataFrame(
        {
            "year": [2022, 2022, 2022, 2020],
            "region_code": ["BU1", "BU1", "BU1", "BU1"],
            "indicator": ["lbm_afwijking", "lbm_klasse", "lbm_overlast_onveiligheid", "lbm_afwijking"],
            "value": [0.0123, 6.0, -0.0188, 0.5],
        }
    )
    s = lbm.summary(values, "BU1", 2023)
    assert s.year == 2022 and s.headline() == "+0,012 t.o.v. het landelijk gemiddelde · klasse 6 (ruim voldoende)"
    assert "de laatste meting vóór 2023" in s.note()
    b = lbm.block(s)
    assert b["rows"][-1] == ["Overlast en onveiligheid", "−0,019"]
    assert b["rows"][0] == ["Woningvoorraad", "niet gepubliceerd"]
    assert lbm.summary(values, "BU1", 2025) is None  # three years later is no longer "the latest"


@pytest.fixture
def lbm_store(tiny_store_dir, tmp_path):
    store_dir = shutil.copytree(tiny_store_dir, tmp_path / "data")
    ingest(write_teststad_csv(tmp_path / "lbm").parent, Store(store_dir), ["GM0999"], [2024])
    return store_dir


def test_wijkprofiel_shows_the_leefbaarometer_beside_the_own_scores(app_test, lbm_store):
    at = app_test(lbm_store, page="pages/wijkprofiel.py", query={"gemeente": "GM0999", "regio": "BU09990101"})
    assert_clean(at)
    shown = texts(at, "markdown").replace("\\", "")  # markdown escapes removed
    assert "**Leefbaarometer (Rijk, meting 2024): +0,015 t.o.v. het landelijk gemiddelde**" in shown
    frames = [d.value for d in at.dataframe if "Dimensie" in d.value.columns]
    assert frames and list(frames[0]["Dimensie"]) == [label for _, label in lbm.DIMENSIONS]


def test_scores_page_shows_the_leefbaarometer_beside_the_leefbaarheid_breakdown(app_test, lbm_store):
    at = app_test(
        lbm_store, page="pages/scores.py", query={"gemeente": "GM0999", "score": "leefbaarheid", "gebied": "BU09990101"}
    )
    assert_clean(at)
    assert "Ter vergelijking, de Leefbaarometer van het Rijk voor Oude Markt" in texts(at, "markdown")


def test_profile_export_carries_the_leefbaarometer_block(lbm_store):
    from wijkkompas.export.scoreblocks import score_blocks
    from wijkkompas.profile import load_profile

    store = Store(lbm_store)
    blocks = score_blocks(store, load_profile(store, "BU09990101", 2024))
    assert blocks[-1]["title"] == "Leefbaarometer (Rijk, meting 2024)"
    assert json.dumps(blocks)  # plain strings, ready for the PDF/HTML templates


@pytest.mark.shared_data
def test_scores_page_without_an_own_score_still_shows_the_leefbaarometer(app_test, twente_store_dir, tmp_path):
    """Real Twente data has no leefbaarheid total (too few figures); the Leefbaarometer is still shown."""
    store_dir = shutil.copytree(twente_store_dir, tmp_path / "data")
    folder = tmp_path / "lbm"
    folder.mkdir()
    shutil.copy(FIXTURES / "Leefbaarometer-scores buurten 2002-2024.csv", folder)
    ingest(folder, Store(store_dir), ["GM0164"], [2024])
    at = app_test(
        store_dir, page="pages/scores.py", query={"gemeente": "GM0164", "jaar": "2024", "score": "leefbaarheid"}
    )
    assert_clean(at)
    assert "De Leefbaarometer van het Rijk is wel geladen" in texts(at, "markdown")
    table = next(d.value for d in at.dataframe if "Leefbaarometer (Rijk)" in d.value.columns)
    assert "+0,016 t.o.v. het landelijk gemiddelde" in set(table["Leefbaarometer (Rijk)"])
