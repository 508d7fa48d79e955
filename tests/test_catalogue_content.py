"""Content checks for the shipped indicator catalogue (wijkkompas/catalogue/indicators.toml).

The loader and matcher have their own tests; these check the *data*: that the catalogue is complete
enough, that every entry can be shown to a user, and that it really finds its columns in real CBS
metadata (when ../shared/data is present).
"""

from __future__ import annotations

import csv
import json
import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from wijkkompas.catalogue.catalogue import (
    HERE,
    THEMES,
    KeyInfo,
    key_stem,
    keyinfos_from_properties,
    load_catalogue,
    match_year,
)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PROPERTIES_2024 = SHARED_DATA / "kwb" / "2024" / "85984NED_DataProperties.json"
SUBSET_2017 = SHARED_DATA / "kwb" / "2017" / "buurten_features_clusters__83765NED_subset.csv"
TOML_PATH = HERE / "indicators.toml"

# Region identification columns: not indicators, so no catalogue entry is expected for them.
REGION_STEMS = {
    "Gemeentenaam",
    "SoortRegio",
    "Codering",
    "IndelingswijzigingGemeenteWijkBuurt",
    "IndelingswijzigingWijkenEnBuurten",
}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _needs(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"../shared/data ontbreekt: {path} niet gevonden")


def _used_stems(catalogue) -> set[str]:
    return {stem for ind in catalogue for stem in ind.stems}


def test_catalogue_loads_with_enough_indicators(catalogue):
    assert len(catalogue) >= 75
    assert {"inwoners", "aandeel_65plus"} <= set(catalogue.indicators)


def test_every_indicator_can_be_shown_to_a_user(catalogue):
    for ind in catalogue:
        assert ind.label.strip(), ind.id
        assert ind.unit.strip(), ind.id
        assert ind.definition.strip(), ind.id
        assert ind.theme in THEMES, f"{ind.id}: onbekend thema {ind.theme}"
        assert ind.decimals >= 0, ind.id


def test_ids_are_unique_and_lowercase():
    # tomllib rejects a repeated table, but a clear count also names the duplicate.
    text = TOML_PATH.read_text(encoding="utf-8")
    ids = re.findall(r"^\[indicators\.([^\]]+)\]\s*$", text, flags=re.MULTILINE)
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, f"dubbele ids: {dupes}"
    assert ids == list(tomllib.loads(text)["indicators"])
    for ident in ids:
        assert re.fullmatch(r"[a-z0-9_]+", ident), ident


def test_aggregation_rules_are_consistent(catalogue):
    for ind in catalogue:
        if ind.derived:
            assert ind.aggregate == "ratio", f"{ind.id}: een afgeleid aandeel telt op als ratio"
        if ind.unit == "aantal" and not ind.derived and ind.aggregate != "sum":
            # Counts add up; the only published 'aantal' that is an average is scholen binnen 3 km.
            assert ind.id == "basisscholen_binnen_3_km", ind.id
        if ind.aggregate == "weighted_mean":
            assert ind.weight, ind.id


def test_profile_has_a_focused_set_of_key_figures(catalogue):
    profile = {ind.id for ind in catalogue.profile_indicators()}
    assert 12 <= len(profile) <= 16
    assert {"inwoners", "aandeel_65plus", "woz_waarde", "bijstand", "afstand_huisarts"} <= profile


def test_direction_choices(catalogue):
    get = catalogue.get
    assert get("laag_inkomen").better == "lower_is_better"
    assert get("sociaal_minimum").better == "lower_is_better"
    assert get("afstand_huisarts").better == "lower_is_better"
    assert get("nettoarbeidsparticipatie").better == "higher_is_better"
    ages = ("aandeel_0_15", "aandeel_15_25", "aandeel_25_45", "aandeel_45_65", "aandeel_65plus")
    herkomst = ("aandeel_herkomst_nederland", "aandeel_herkomst_europa")
    for ident in (*ages, *herkomst, "aandeel_herkomst_buiten_europa"):
        assert get(ident).better == "neutral", ident


def test_per_1000_indicators_are_scaled(catalogue):
    for ind in catalogue:
        if ind.derived and ind.unit == "per 1 000 inwoners":
            assert ind.scale == 1000, ind.id
        elif ind.derived and ind.unit == "%":
            assert ind.scale == 100, ind.id


def test_group_picks_the_right_key_for_a_duplicated_stem(catalogue):
    herkomst = ("Herkomstland", "Bevolking naar herkomst", "Bevolking")
    nl_born = ("Geboren in Nederland", "Bevolking naar herkomst", "Bevolking")
    abroad = ("Geboren buiten Nederland", "Bevolking naar herkomst", "Bevolking")
    elec = ("Naar woningtype", "Gemiddelde elektriciteitslevering", "Energie")
    gas = ("Naar woningtype", "Gemiddeld aardgasverbruik", "Energie")
    keys = [
        KeyInfo("AantalInwoners_5", groups=("Bevolking",)),
        KeyInfo("BuitenEuropa_22", groups=nl_born),  # deliberately before the Herkomstland one
        KeyInfo("BuitenEuropa_19", groups=herkomst),
        KeyInfo("BuitenEuropa_24", groups=abroad),
        KeyInfo("Appartement_62", groups=gas),  # gas before electricity: order must not matter
        KeyInfo("Appartement_54", groups=elec),
    ]
    m = match_year(catalogue, keys)
    assert m["aandeel_herkomst_buiten_europa"].numerator == "BuitenEuropa_19"
    assert m["aandeel_tweede_generatie_buiten_europa"].numerator == "BuitenEuropa_22"
    assert m["aandeel_eerste_generatie_buiten_europa"].numerator == "BuitenEuropa_24"
    assert m["aardgas_appartement"].key == "Appartement_62"
    assert m["elektriciteit_appartement"].key == "Appartement_54"
    assert "aandeel_herkomst_europa" not in m  # its stem is absent


def test_older_stems_find_older_keys(catalogue):
    # Key names as CBS published them in 2013 (82339NED) and 2017 (83765NED).
    y2013 = [
        KeyInfo(k)
        for k in (
            "AantalInwoners_4",
            "GemiddeldeWoningwaarde_34",
            "PercentageLeegstaand_38",
            "HuishoudensMetLageKoopkracht_71",
            "PersonenMetEenWWBUitkeringTotaal_73",
        )
    ]
    m = match_year(catalogue, y2013)
    assert m["woz_waarde"].key == "GemiddeldeWoningwaarde_34"
    assert m["onbewoonde_woningen"].key == "PercentageLeegstaand_38"
    assert m["bijstand"].source_key == "PersonenMetEenWWBUitkeringTotaal_73 / AantalInwoners_4"
    y2017 = [KeyInfo(k) for k in ("AantalInwoners_5", "WestersTotaal_17", "PercentageOnbewoond_39")]
    m = match_year(catalogue, y2017)
    assert m["aandeel_westers"].numerator == "WestersTotaal_17"
    assert m["onbewoonde_woningen"].key == "PercentageOnbewoond_39"


def test_crime_indicator_reads_the_police_table(catalogue):
    crime = [KeyInfo("GeregistreerdeMisdrijven_1")]
    assert "misdrijven" not in match_year(catalogue, crime)  # not a KWB column
    m = match_year(catalogue, crime, table="crime")
    assert m["misdrijven"].key == "GeregistreerdeMisdrijven_1"
    assert catalogue.get("misdrijven").caveat


def test_matches_real_2024_metadata(catalogue):
    _needs(PROPERTIES_2024)
    keys = keyinfos_from_properties(json.loads(PROPERTIES_2024.read_text(encoding="utf-8")))
    m = match_year(catalogue, keys)
    assert len(m) >= 60
    by_key = {k.key: k for k in keys}
    for ind_id, match in m.items():
        ind = catalogue.get(ind_id)
        if ind.group:
            picked = by_key[match.numerator or match.key]
            assert set(ind.group) & set(picked.groups), ind_id
        if ind.unit == "%" and not ind.derived:
            cbs_unit = by_key[match.key].unit
            assert cbs_unit == "%", f"{ind_id}: CBS-eenheid is {cbs_unit}"


def test_all_2017_subset_measures_are_in_the_catalogue(catalogue):
    _needs(SUBSET_2017)
    with SUBSET_2017.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    stems = {key_stem(col) for col in header if re.search(r"_\d+$", col)} - REGION_STEMS
    assert len(stems) == 11, sorted(stems)
    assert stems <= _used_stems(catalogue), sorted(stems - _used_stems(catalogue))
