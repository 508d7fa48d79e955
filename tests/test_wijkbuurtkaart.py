"""The CBS wijk- en buurtkaart as a source: real 2017 sample (when ../shared/data is there) and own fixtures."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import TWENTE, shared_data_or_skip
from tests.fixtures import kaart
from tests.fixtures.tiny import write_tiny_source
from wijkkompas.ingest import ingest
from wijkkompas.sources.folder import FolderSource
from wijkkompas.sources.mapped import SENTINEL_FLOOR
from wijkkompas.sources.wijkbuurtkaart import SOURCE, load_mapping, read_kaart
from wijkkompas.store import Store


def values_of(store: Store, year: int, codes=("GM0999",)):
    return store.load_values(list(codes), [year])


# --------------------------------------------------------------------------------- the real 2017 sample
@pytest.mark.shared_data
def test_real_2017_wijk_table_is_read_with_sentinels_kept_as_unknown():
    shared = shared_data_or_skip()
    [table], geometries, _ = read_kaart(shared / "wijkenbuurtkaart" / "2017" / "wijk_2017.dbf")
    assert table.year == 2017 and geometries == []  # dBASE only: figures, no shapes
    rows = table.rows
    assert rows["region_code"].str.startswith("WK").all()
    assert rows["region_code"].nunique() == 3070  # 3 159 rows minus 88 water wijken and 1 Belgian ("B")
    assert not (rows["value"] <= SENTINEL_FLOOR).any()  # a sentinel never becomes a number
    secret = rows[rows["status"] == "geheim"]
    assert len(secret) > 0 and secret["value"].isna().all()
    one = rows[rows["region_code"] == "WK014110"].set_index("indicator")["value"]
    assert one["inwoners"] == 5280 and one["aandeel_65plus"] == 28 and one["bevolkingsdichtheid"] == 4209
    assert one["oppervlakte_totaal"] == 130 and one["stedelijkheid"] == 2
    assert table.names["WK014110"] == "Wijk 10 Binnenstad" and table.names["GM0141"] == "Almelo"


@pytest.mark.shared_data
def test_real_2017_gemeente_table_drops_the_water_parts_that_share_the_code():
    shared = shared_data_or_skip()
    [table], _, _ = read_kaart(shared / "wijkenbuurtkaart" / "2017" / "gem_2017.dbf")
    inw = table.rows[table.rows["indicator"] == "inwoners"].set_index("region_code")["value"]
    assert inw.index.is_unique and len(inw) == 388
    assert inw["GM0141"] == 72479 and inw["GM0153"] == 158140 and inw["GM0164"] == 80802
    assert inw["GM0010"] == 24965  # Delfzijl: its water part (all -99999999) is not the gemeente


@pytest.mark.shared_data
def test_after_seed_the_2017_wijken_have_the_figures_of_the_kaart(twente_store_dir):
    """What `make run` loads: the 2017 wijken of Hengelo, Enschede and Almelo get the kaart's figures."""
    store = Store(twente_store_dir)
    v = store.load_values(TWENTE, [2017], ["wijk"])
    kaart_rows = v[v["source_table"] == SOURCE]
    assert set(kaart_rows["gemeente_code"]) == set(TWENTE)
    assert kaart_rows["region_code"].nunique() == 32  # Almelo 12, Enschede 10, Hengelo 10
    inw = v[v["indicator"] == "inwoners"].set_index("region_code")
    assert inw.loc["WK014110", "value"] == 5280 and inw.loc["WK014110", "source_table"] == SOURCE
    assert inw.loc["WK014110", "source_key"] == "AANT_INW"
    assert not v.duplicated(["region_code", "indicator"]).any()  # one figure per wijk and indicator
    regions = store.regions(2017, TWENTE)
    names = regions.set_index("region_code")["region_name"]
    assert names["WK014110"] == "Wijk 10 Binnenstad"
    gm = store.load_values(TWENTE, [2017], ["gemeente"], indicators=["inwoners"]).set_index("region_code")["value"]
    assert gm["GM0164"] == 80802


# --------------------------------------------------------------------------------- own fixtures
def test_shapefile_set_gives_figures_land_shapes_and_sentinel_reasons(tmp_path):
    kaart.write_shapefiles(tmp_path, 2019)
    contents = FolderSource(tmp_path).read()
    assert {(t.source, t.year) for t in contents.mapped} == {(SOURCE, 2019)}
    store = Store(tmp_path / "d")
    ingest(contents, store, ["GM0999"])
    v = values_of(store, 2019)
    wk = v[v["level"] == "wijk"]
    assert set(wk["region_code"]) == {"WK099901", "WK099902"}  # the water wijk WK099999 is no wijk
    woz = wk[wk["indicator"] == "woz_waarde"].set_index("region_code")
    assert np.isnan(woz.loc["WK099901", "value"]) and woz.loc["WK099901", "status"] == "niet van toepassing"
    inc = wk[wk["indicator"] == "inkomen_per_inwoner"].set_index("region_code")
    assert np.isnan(inc.loc["WK099901", "value"]) and inc.loc["WK099901", "status"] == "geheim"
    assert inc.loc["WK099902", "value"] == pytest.approx(33.0)
    gm = v[(v["level"] == "gemeente") & (v["indicator"] == "inwoners")]
    assert list(gm["value"]) == [4950]  # the water part under GM0999 does not turn into a second row
    assert not (v["value"] <= SENTINEL_FLOOR).any()
    shape = store.geometry(2019, "gemeente", ["GM0999"])
    assert float(shape.to_crs("EPSG:28992").area.iloc[0]) == pytest.approx(1500 * 1000, rel=0.05)  # land only
    assert set(store.geometry(2019, "wijk", ["GM0999"])["region_code"]) == {"WK099901", "WK099902"}


def test_the_zip_as_cbs_ships_it_reads_like_the_unpacked_files(tmp_path):
    kaart.zip_shapefiles(tmp_path / "zipped", 2019)
    contents = FolderSource(tmp_path / "zipped" / "WijkBuurtkaart_2019_v3.zip").read()
    levels = {code[:2] for t in contents.mapped for code in t.rows["region_code"]}
    assert levels == {"GM", "WK", "BU"}
    assert len(contents.geometries) == 3


def test_geopackage_long_names_and_five_digit_sentinels(tmp_path):
    kaart.write_geopackage(tmp_path, 2023)
    store = Store(tmp_path / "d")
    ingest(tmp_path, store, ["GM0999"])
    v = values_of(store, 2023)
    woz = v[v["indicator"] == "woz_waarde"].set_index("region_code")
    assert woz.loc["WK099902", "value"] == 281 and woz.loc["WK099902", "source_key"] == "gemiddelde_woningwaarde"
    assert np.isnan(woz.loc["WK099901", "value"]) and woz.loc["WK099901", "status"] == "geheim"  # -99997
    oad = v[v["indicator"] == "omgevingsadressendichtheid"].set_index("region_code")
    assert oad.loc["WK099902", "status"] == "onbekend"  # -99995
    assert set(v.loc[v["level"] == "buurt", "region_code"]) == {"BU09990101", "BU09990102"}
    assert store.geometry_years("gemeente") == [2023]


def test_semicolon_csv_of_the_kaart_table(tmp_path):
    kaart.write_csv(tmp_path, 2019)
    contents = FolderSource(tmp_path).read()
    [table] = contents.mapped
    inw = table.rows[table.rows["indicator"] == "inwoners"].set_index("region_code")["value"]
    assert inw.to_dict() == {"WK099901": 2300, "WK099902": 2650}


def test_an_odata_figure_wins_over_the_kaart_whichever_comes_first(tmp_path):
    tiny = write_tiny_source(tmp_path / "tiny")
    kaart.write_shapefiles(tmp_path / "kaart", 2024)
    # Kaart first, then CBS OData for the same year.
    store = Store(tmp_path / "a")
    ingest(tmp_path / "kaart", store, ["GM0999"])
    assert values_of(store, 2024).query("indicator == 'inwoners' and region_code == 'WK099901'")[
        "source_table"
    ].tolist() == [SOURCE]
    ingest(tiny, store, ["GM0999"], [2024])
    first = values_of(store, 2024)
    # OData first, then the kaart.
    other = Store(tmp_path / "b")
    ingest(tiny, other, ["GM0999"], [2024])
    ingest(tmp_path / "kaart", other, ["GM0999"])
    second = values_of(other, 2024)
    for v in (first, second):
        assert not v.duplicated(["region_code", "indicator"]).any()
        inw = v[v["indicator"] == "inwoners"].set_index("region_code")
        assert inw.loc["WK099901", "source_table"] == "85984NED"  # the OData figure, not the kaart's 2300
        density = v[v["indicator"] == "bevolkingsdichtheid"].set_index("region_code")
        assert (
            density.loc["WK099901", "value"] == 4200 and density.loc["WK099901", "source_table"] == SOURCE
        )  # only in the kaart


def test_a_published_kaart_figure_wins_over_a_sum_of_buurten(tmp_path):
    """OData without wijk rows: Wijkkompas adds the buurten up; the kaart's published wijk figure wins."""
    tiny = write_tiny_source(tmp_path / "tiny")
    dataset = tiny / "85984NED" / "TypedDataSet.json"
    rows = [r for r in json.loads(dataset.read_text()) if not r["WijkenEnBuurten"].startswith("WK")]
    dataset.write_text(json.dumps(rows))
    store = Store(tmp_path / "d")
    ingest(tiny, store, ["GM0999"], [2024])
    before = values_of(store, 2024).query("indicator == 'inwoners' and region_code == 'WK099901'")
    assert before["status"].tolist() == ["berekend uit buurten"]
    kaart.write_shapefiles(tmp_path / "kaart", 2024)
    ingest(tmp_path / "kaart", store, ["GM0999"])
    after = values_of(store, 2024).query("indicator == 'inwoners' and region_code == 'WK099901'")
    assert after[["value", "status", "source_table"]].values.tolist() == [[2300.0, "ok", SOURCE]]


def test_every_mapped_indicator_exists_and_units_are_documented():
    mapping = load_mapping()
    assert mapping.columns["aant_inw"][0] == "inwoners"
    assert mapping.columns["p_65_eo_jr"][0] == "aandeel_65plus"
    assert mapping.sentinels[-99999999.0] == "geheim" and mapping.sentinels[-99999997.0] == "niet van toepassing"


def test_a_kaart_file_without_a_year_is_a_dutch_problem_not_a_crash(tmp_path):
    frame = kaart._wijken().drop(columns="geometry")
    frame.to_csv(tmp_path / "wijken.csv", index=False)
    contents = FolderSource(tmp_path).read()
    assert contents.mapped == []
    assert any("jaar" in p and "wijken.csv" in p for p in contents.problems)
