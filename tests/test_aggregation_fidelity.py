"""Our wijk sums against CBS's own wijk figures (real 2024 data in ../shared/data).

The 2024 buurt subset is ingested *without* the wijk/gemeente file, so every wijk and gemeente figure
is computed from buurten; then each is compared with the figure CBS published for it. CBS rounds
every count of a buurt or wijk to a multiple of 5 (each rounded figure is less than 5 from the true
one), so a wijk summed from n rounded buurten may differ from CBS's rounded wijk figure by less than
5 × (n + 1) inwoners — and by nothing more.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from wijkkompas.ingest import STATUS_COMPUTED, STATUS_NOT_COMPUTABLE, ingest
from wijkkompas.store import Store

pytestmark = pytest.mark.shared_data
FILES = (
    "kwb/2024/buurten_features_clusters_with_crime_2024__85984NED_subset.csv",
    "kwb/2024/cbs_buurt_namen_85984.csv",  # CBS's list of all buurten: which buurten a wijk has
    "kwb/2024/85984NED_DataProperties.json",
)


@pytest.fixture(scope="module")
def computed_2024(shared_data, tmp_path_factory):
    src = tmp_path_factory.mktemp("buurten_only")
    for rel in FILES:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared_data / rel, src / rel)
    store = Store(tmp_path_factory.mktemp("buurten_only_store"))
    report = ingest(src, store, keep_copy=False, record_log=False)  # all of the Netherlands
    assert report.loaded, report.lines()
    published = json.loads((shared_data / "kwb/2024/85984NED_stripped_filtered_data_2024.json").read_text())
    return store.load_values(years=2024), published


def _compare(values: pd.DataFrame, published: dict, level: str, indicator: str, key: str) -> pd.DataFrame:
    v = values[(values["level"] == level) & (values["indicator"] == indicator)]
    v = v[v["region_code"].astype(str).isin(published)].copy()
    v["cbs"] = [published[c][key] for c in v["region_code"].astype(str)]
    v["n"] = v["source_key"].astype(str).str.extract(r" (\d+) buurt")[0].astype(int)
    return v


def test_every_computed_wijk_population_matches_cbs_within_rounding(computed_2024):
    values, published = computed_2024
    w = _compare(values, published, "wijk", "inwoners", "AantalInwoners_5")
    assert len(w) > 2500  # wijken whose buurten are all in the subset (the subset dropped some buurten)
    assert (w["status"] == STATUS_COMPUTED).all()
    off = (w["value"] - w["cbs"]).abs()
    too_far = w[off >= 5 * (w["n"] + 1)]
    assert too_far.empty, too_far[["region_code", "value", "cbs", "n"]].head()
    assert off.median() <= 5  # mostly the same figure, a few inwoners at most


def test_every_computed_gemeente_population_matches_cbs_within_rounding(computed_2024):
    values, published = computed_2024
    g = _compare(values, published, "gemeente", "inwoners", "AantalInwoners_5")
    assert len(g) > 100
    off = (g["value"] - g["cbs"]).abs()
    assert (off < 5 * (g["n"] + 1)).all()


def test_density_without_land_area_is_not_computed_rather_than_averaged(computed_2024):
    """The subset has buurt densities but no land area: a wijk density would have to be a mean of
    densities, which is wrong, so it is 'niet te berekenen' — never a number."""
    values, _ = computed_2024
    d = values[(values["indicator"] == "bevolkingsdichtheid") & (values["level"] != "buurt")]
    assert len(d) > 2500  # the wijken (and gemeenten) whose buurten all have a density
    assert (d["status"] == STATUS_NOT_COMPUTABLE).all()
    assert d["value"].isna().all()
