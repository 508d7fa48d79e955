"""Every value in the real CBS files must reach the store unchanged, under its table and key."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.conftest import TWENTE
from wijkkompas.catalogue.catalogue import key_stem
from wijkkompas.sources.folder import CBS_KEY, DESCRIPTIVE_STEMS
from wijkkompas.store import Store

pytestmark = pytest.mark.shared_data
SUBSETS = {
    2017: ("83765NED", "kwb/2017/buurten_features_clusters__83765NED_subset.csv"),
    2024: ("85984NED", "kwb/2024/buurten_features_clusters_with_crime_2024__85984NED_subset.csv"),
}


def _ours(codes: pd.Series) -> pd.Series:
    return codes.str.strip().str[2:6].isin([g[2:6] for g in TWENTE])


def _stored(store: Store, year: int) -> pd.DataFrame:
    v = store.load_values(TWENTE, year)
    return v.set_index(["region_code", "source_table", "source_key"])["value"]


@pytest.mark.parametrize("year", [2017, 2024])
def test_every_buurt_value_is_stored_unchanged(twente_store_dir, shared_data, year):
    table, rel = SUBSETS[year]
    raw = pd.read_csv(shared_data / rel, dtype=str, keep_default_na=False)
    raw = raw[_ours(raw["WijkenEnBuurten"])]
    props = json.loads((shared_data / "kwb/2024/85984NED_DataProperties.json").read_text())
    known = {key_stem(p["Key"]) for p in props if p.get("Type") == "Topic"}
    keys = [c for c in raw.columns if CBS_KEY.match(c) and key_stem(c) not in DESCRIPTIVE_STEMS]
    if year == 2024:  # columns the file's author added from another table are not KWB 2024
        keys = [k for k in keys if key_stem(k) in known]
    assert len(keys) >= 10
    stored = _stored(Store(twente_store_dir), year)
    long = raw.melt(id_vars="WijkenEnBuurten", value_vars=keys, var_name="key", value_name="raw")
    long["code"] = long["WijkenEnBuurten"].str.strip()
    expected = pd.to_numeric(long["raw"])
    got = stored.reindex(pd.MultiIndex.from_arrays([long["code"], [table] * len(long), long["key"]]))
    assert got.notna().all(), long[got.isna().to_numpy()].head()
    assert (got.to_numpy() == expected.to_numpy()).all()
    assert len(long) > 1500 if year == 2024 else len(long) > 1300


def test_every_2024_gemeente_and_wijk_value_is_stored_unchanged(twente_store_dir, shared_data):
    data = json.loads((shared_data / "kwb/2024/85984NED_stripped_filtered_data_2024.json").read_text())
    rows = [
        (code, key, val)
        for code, vals in data.items()
        if code[2:6] in {g[2:6] for g in TWENTE}
        for key, val in vals.items()
    ]
    assert len(rows) == 35 * 8
    stored = _stored(Store(twente_store_dir), 2024)
    for code, key, val in rows:
        assert stored.loc[(code, "85984NED", key)] == val, (code, key)


def test_export_long_reproduces_the_source_values(twente_store_dir, shared_data, tmp_path):
    from wijkkompas.cli import main

    out = tmp_path / "hengelo.csv"
    assert (
        main(
            [
                "--data-dir",
                str(twente_store_dir),
                "export",
                "--gemeente",
                "GM0164",
                "--year",
                "2024",
                "--level",
                "buurt",
                "--shape",
                "long",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    exported = pd.read_csv(out, encoding="utf-8-sig")
    assert list(exported.columns) == [
        "year",
        "region_code",
        "region_name",
        "level",
        "gemeente_code",
        "wijk_code",
        "indicator",
        "value",
        "status",
        "source_table",
        "source_key",
    ]
    raw = pd.read_csv(shared_data / SUBSETS[2024][1], dtype=str, keep_default_na=False)
    row = raw[raw["WijkenEnBuurten"].str.strip() == "BU01640204"].iloc[0]  # 't Rot
    e = exported[(exported.region_code == "BU01640204") & (exported.source_key == "AantalInwoners_5")]
    assert e["value"].iloc[0] == float(row["AantalInwoners_5"])
    assert e["region_name"].iloc[0] == "'t Rot"
    assert e["indicator"].iloc[0] == "inwoners"


def test_suppressed_crime_file_is_refused_not_shown(twente_store_dir):
    v = Store(twente_store_dir).load_values(TWENTE, 2024)
    assert not v["source_table"].eq("47018NED").any()
    assert not v["source_key"].str.startswith("GeregistreerdeMisdrijven").any()
