"""Buurten → wijk and gemeente: every aggregation kind, with values computed by hand.

The wijk values here are what a CBS statistician would compute from the buurt figures: counts add
up, shares are recomputed from summed parts, a published percentage or average is weighted by its
own denominator, a density is summed counts over summed area, and codes and medians are left alone.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wijkkompas.catalogue.catalogue import (
    CatalogueError,
    KeyInfo,
    aggregation_problem,
    indicator_from_mapping,
    load_catalogue,
)
from wijkkompas.ingest import STATUS_COMPUTED, STATUS_NOT_COMPUTABLE, harmonise
from wijkkompas.sources.folder import RawTable

# Two wijken of gemeente GM0999: WK099901 with two buurten, WK099902 with one.
B1, B2, B3 = "BU09990101", "BU09990102", "BU09990201"
UNITS = {
    "AantalInwoners_5": "aantal",
    "k_65JaarOfOuder_12": "aantal",
    "HuishoudensTotaal_29": "aantal",
    "GemiddeldeHuishoudensgrootte_33": "aantal",
    "Bevolkingsdichtheid_34": "aantal inwoners per km²",
    "Woningvoorraad_35": "aantal",
    "Koopwoningen_40": "%",
    "OppervlakteLand_123": "ha",
    "MateVanStedelijkheid_127": "code",
    "MediaanVermogenVanParticuliereHuish_93": "x 1 000 euro",
    "PercentageJongerenMetJeugdzorg_98": "%",
    "Nettoarbeidsparticipatie_74": "%",
    "PercentageWerknemers_75": "%",
}


def _table(rows: dict[str, dict[str, float]], units: dict[str, str] | None = None, names=(B1, B2, B3)) -> RawTable:
    units = {**UNITS, **(units or {})}
    keys = sorted({k for r in rows.values() for k in r})
    wide = pd.DataFrame([{"region_code": c, **{k: r.get(k, np.nan) for k in keys}} for c, r in rows.items()])
    wide[keys] = wide[keys].astype("float64")
    infos = [KeyInfo(k, title=k, unit=units.get(k, "aantal")) for k in keys]
    return RawTable("85984NED", wide, infos, {}, {c: c for c in names})


def _values(rows, units=None, names=(B1, B2, B3)) -> pd.DataFrame:
    long, _, _ = harmonise(_table(rows, units, names), 2024, load_catalogue())
    return long.astype({"region_code": str, "indicator": str, "status": str, "source_key": str})


def _cell(v: pd.DataFrame, indicator: str, code: str) -> pd.Series:
    hit = v[(v["indicator"] == indicator) & (v["region_code"] == code)]
    assert len(hit) == 1, (indicator, code, hit)
    return hit.iloc[0]


BASE = {
    B1: {"AantalInwoners_5": 1000, "k_65JaarOfOuder_12": 100, "HuishoudensTotaal_29": 400, "OppervlakteLand_123": 50},
    B2: {"AantalInwoners_5": 3000, "k_65JaarOfOuder_12": 900, "HuishoudensTotaal_29": 1000, "OppervlakteLand_123": 25},
    B3: {"AantalInwoners_5": 500, "k_65JaarOfOuder_12": 50, "HuishoudensTotaal_29": 250, "OppervlakteLand_123": 100},
}


def _with(extra: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    return {c: {**BASE[c], **extra.get(c, {})} for c in BASE}


def test_counts_are_summed_and_the_note_says_from_how_many_buurten():
    v = _values(BASE)
    wijk = _cell(v, "inwoners", "WK099901")
    assert wijk.value == 4000
    assert wijk.status == STATUS_COMPUTED
    assert wijk.source_key == "som van 2 buurten: AantalInwoners_5"
    gem = _cell(v, "inwoners", "GM0999")
    assert gem.value == 4500 and gem.source_key == "som van 3 buurten: AantalInwoners_5"
    assert _cell(v, "inwoners", "WK099902").source_key == "som van 1 buurt: AantalInwoners_5"


def test_share_of_counts_is_recomputed_from_summed_numerator_and_denominator():
    v = _values(BASE)
    wijk = _cell(v, "aandeel_65plus", "WK099901")
    assert wijk.value == pytest.approx(1000 / 4000 * 100)  # 25 %, not the mean of 10 % and 30 % (20 %)
    assert wijk.status == STATUS_COMPUTED
    assert wijk.source_key == "uit 2 buurten: k_65JaarOfOuder_12 / AantalInwoners_5"
    assert _cell(v, "aandeel_65plus", "GM0999").value == pytest.approx(1050 / 4500 * 100)
    assert _cell(v, "aandeel_65plus", B1).source_key == "k_65JaarOfOuder_12 / AantalInwoners_5"


def test_published_percentage_numerator_is_weighted_by_its_denominator_not_summed():
    """Herkomst 2013-2014: CBS published WestersTotaal as a percentage. 10 % of 1 000 and 30 % of 3 000 is
    25 % of 4 000 — summing the percentages gave 40 %."""
    rows = _with({B1: {"WestersTotaal_8": 10}, B2: {"WestersTotaal_8": 30}, B3: {"WestersTotaal_8": 20}})
    v = _values(rows, {"WestersTotaal_8": "%"})
    wijk = _cell(v, "aandeel_westers", "WK099901")
    assert wijk.value == pytest.approx(25.0)
    assert wijk.status == STATUS_COMPUTED
    assert _cell(v, "aandeel_westers", "GM0999").value == pytest.approx((100 + 900 + 100) / 4500 * 100)
    assert _cell(v, "aandeel_westers", B1).value == 10  # a buurt keeps its published value
    # The raw CBS column (cbs.westerstotaal) is weighted the same way, never summed.
    raw = _cell(v, "cbs.westerstotaal", "WK099901")
    assert raw.value == pytest.approx(25.0)
    assert raw.source_key == "gewogen gemiddelde van 2 buurten (gewicht AantalInwoners_5): WestersTotaal_8"


def test_average_is_weighted_by_its_own_denominator():
    """Household size is persons per household: weighted by households (2.714), not by inwoners (2.75)."""
    rows = _with(
        {
            B1: {"GemiddeldeHuishoudensgrootte_33": 2.0},
            B2: {"GemiddeldeHuishoudensgrootte_33": 3.0},
            B3: {"GemiddeldeHuishoudensgrootte_33": 2.0},
        }
    )
    v = _values(rows)
    wijk = _cell(v, "gemiddelde_huishoudensgrootte", "WK099901")
    assert wijk.value == pytest.approx((2.0 * 400 + 3.0 * 1000) / 1400)
    assert wijk.source_key == (
        "gewogen gemiddelde van 2 buurten (gewicht HuishoudensTotaal_29): GemiddeldeHuishoudensgrootte_33"
    )


def test_buurt_with_weight_zero_may_lack_the_average():
    """A buurt without households has no household size; it adds nothing to the mean, so the wijk is computed."""
    rows = _with(
        {
            B1: {"HuishoudensTotaal_29": 0, "GemiddeldeHuishoudensgrootte_33": np.nan},
            B2: {"GemiddeldeHuishoudensgrootte_33": 3.0},
            B3: {"GemiddeldeHuishoudensgrootte_33": 2.0},
        }
    )
    v = _values(rows)
    assert _cell(v, "gemiddelde_huishoudensgrootte", "WK099901").value == pytest.approx(3.0)
    assert _cell(v, "gemiddelde_huishoudensgrootte", "GM0999").value == pytest.approx((3000 + 500) / 1250)


def test_published_percentage_of_the_housing_stock_is_weighted_by_the_stock():
    rows = _with(
        {
            B1: {"Koopwoningen_40": 80, "Woningvoorraad_35": 100},
            B2: {"Koopwoningen_40": 20, "Woningvoorraad_35": 300},
            B3: {"Koopwoningen_40": 50, "Woningvoorraad_35": 100},
        }
    )
    v = _values(rows)
    assert _cell(v, "koopwoningen", "WK099901").value == pytest.approx((80 * 100 + 20 * 300) / 400)  # 35 %, not 50 %


def test_density_is_summed_count_over_summed_area_never_a_mean_of_densities():
    # B1 has fewer than 10 inwoners' worth of density: CBS hides it, its inwoners and land still count.
    rows = _with(
        {
            B1: {"Bevolkingsdichtheid_34": np.nan},
            B2: {"Bevolkingsdichtheid_34": 12000},
            B3: {"Bevolkingsdichtheid_34": 500},
        }
    )
    v = _values(rows)
    wijk = _cell(v, "bevolkingsdichtheid", "WK099901")
    assert wijk.value == pytest.approx(4000 / 75 * 100)  # 5 333 per km²; the mean of 2 000 and 12 000 would be 7 000
    assert wijk.source_key == "dichtheid uit 2 buurten (AantalInwoners_5 / OppervlakteLand_123): Bevolkingsdichtheid_34"
    assert _cell(v, "bevolkingsdichtheid", "GM0999").value == pytest.approx(4500 / 175 * 100)


@pytest.mark.parametrize(
    ("key", "indicator", "value"),
    [
        ("MateVanStedelijkheid_127", "stedelijkheid", 2.0),  # a class code
        ("MediaanVermogenVanParticuliereHuish_93", "mediaan_vermogen", 80.0),  # a median
        ("PercentageJongerenMetJeugdzorg_98", "jeugdzorg", 10.0),  # base (under 23) not published
        ("Nettoarbeidsparticipatie_74", "nettoarbeidsparticipatie", 70.0),  # base (15-75) not published
    ],
)
def test_codes_medians_and_shares_without_their_base_are_never_aggregated(key, indicator, value):
    v = _values(_with({c: {key: value} for c in BASE}))
    assert _cell(v, indicator, B1).value == value
    assert v[(v["indicator"] == indicator) & v["region_code"].str.startswith(("WK", "GM"))].empty


def test_percentage_whose_denominator_is_missing_is_not_computed_and_says_so():
    """PercentageWerknemers is a share of the werkzame beroepsbevolking, which most years do not publish."""
    v = _values(_with({c: {"PercentageWerknemers_75": 80.0} for c in BASE}))
    wijk = _cell(v, "werknemers", "WK099901")
    assert math.isnan(wijk.value)
    assert wijk.status == STATUS_NOT_COMPUTABLE
    assert wijk.source_key.startswith("niet te berekenen uit buurten")
    # With the denominator as a count it is computed; as a percentage it is not a weight.
    rows = _with(
        {
            B1: {"PercentageWerknemers_75": 80.0, "WerkzameBeroepsbevolking_76": 500},
            B2: {"PercentageWerknemers_75": 60.0, "WerkzameBeroepsbevolking_76": 1500},
            B3: {"PercentageWerknemers_75": 70.0, "WerkzameBeroepsbevolking_76": 200},
        }
    )
    assert _cell(_values(rows), "werknemers", "WK099901").value == pytest.approx((400 + 900) / 2000 * 100)
    as_pct = _values(rows, {"WerkzameBeroepsbevolking_76": "%"})
    assert _cell(as_pct, "werknemers", "WK099901").status == STATUS_NOT_COMPUTABLE


def test_wijk_with_a_missing_buurt_value_or_an_unlisted_buurt_is_not_computed():
    rows = _with({B2: {"AantalInwoners_5": np.nan}})
    v = _values(rows)
    assert v[(v["indicator"] == "inwoners") & (v["region_code"] == "WK099901")].empty
    assert _cell(v, "inwoners", "WK099902").value == 500
    # CBS lists a fourth buurt the file lacks: neither its wijk nor the gemeente is summed.
    v = _values(BASE, names=(B1, B2, B3, "BU09990202"))
    assert v[(v["indicator"] == "inwoners") & v["region_code"].isin(["WK099902", "GM0999"])].empty
    assert _cell(v, "inwoners", "WK099901").value == 4000


def test_a_published_wijk_value_is_never_replaced():
    rows = {**BASE, "WK099901": {"AantalInwoners_5": 4005}}  # CBS rounds to 5; its figure wins
    v = _values(rows)
    wijk = _cell(v, "inwoners", "WK099901")
    assert wijk.value == 4005 and wijk.status == "ok" and wijk.source_key == "AantalInwoners_5"


# --------------------------------------------------------------------------- the catalogue check


def _spec(**kw) -> dict:
    return {"label": "x", "unit": "%", "theme": "bevolking", "better": "neutral", "definition": "x", **kw}


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        (_spec(key="Koopwoningen", aggregate="sum"), "alleen aantallen"),
        (_spec(unit="per 1 000 inwoners", key="GeboorteRelatief", aggregate="sum"), "alleen aantallen"),
        (
            _spec(unit="per km²", key="Bevolkingsdichtheid", aggregate="weighted_mean", weight="OppervlakteLand"),
            "dichtheid",
        ),
        (_spec(unit="per km²", key="Bevolkingsdichtheid", aggregate="density"), "'count'"),
        (_spec(unit="code", key="MateVanStedelijkheid", aggregate="weighted_mean", weight="AantalInwoners"), "code"),
        (
            _spec(unit="x 1 000 euro", key="MediaanVermogen", aggregate="weighted_mean", weight="HuishoudensTotaal"),
            "mediaan",
        ),
        (_spec(numerator="k_65JaarOfOuder", denominator="AantalInwoners", aggregate="sum"), "ratio"),
        (_spec(key="Koopwoningen", aggregate="ratio"), "numerator"),
        (_spec(unit="aantal", key="AantalInwoners", aggregate="weighted_mean", weight="AantalInwoners"), "tel je op"),
    ],
)
def test_catalogue_refuses_an_aggregation_that_does_not_fit_the_unit(spec, words):
    with pytest.raises(CatalogueError, match=words):
        indicator_from_mapping("proef", spec)


def test_every_shipped_indicator_passes_the_check():
    for ind in load_catalogue():
        assert aggregation_problem(ind) is None, ind.id


# --------------------------------------------------------------------------- property: any split of a wijk


@st.composite
def _split_wijk(draw):
    """A wijk of `total` inwoners of whom `older` are 65+, split at random into 1-6 buurten."""
    n = draw(st.integers(1, 6))
    inw = draw(st.lists(st.integers(1, 5000), min_size=n, max_size=n))
    older = [draw(st.integers(0, i)) for i in inw]
    return inw, older


def _split_rows(inw, older, as_percentage: bool):
    codes = [f"BU099901{i:02d}" for i in range(len(inw))]
    rows = {}
    for c, i, o in zip(codes, inw, older, strict=True):
        r = {"AantalInwoners_5": i}
        if as_percentage:
            r["WestersTotaal_8"] = o / i * 100
        else:
            r["k_65JaarOfOuder_12"] = o
        rows[c] = r
    return rows, codes


@settings(max_examples=40, deadline=None)
@given(_split_wijk())
def test_any_split_of_a_wijk_gives_the_share_of_the_whole(split):
    inw, older = split
    whole = sum(older) / sum(inw) * 100
    rows, codes = _split_rows(inw, older, as_percentage=False)
    v = _values(rows, names=codes)
    assert _cell(v, "aandeel_65plus", "WK099901").value == pytest.approx(whole, rel=1e-12, abs=1e-12)
    assert _cell(v, "aandeel_65plus", "GM0999").value == pytest.approx(whole, rel=1e-12, abs=1e-12)
    rows, codes = _split_rows(inw, older, as_percentage=True)
    v = _values(rows, {"WestersTotaal_8": "%"}, names=codes)
    assert _cell(v, "aandeel_westers", "WK099901").value == pytest.approx(whole, rel=1e-9, abs=1e-9)


def test_catalogue_check_reports_units_that_forbid_an_aggregation():
    from wijkkompas.catalogue.catalogue import match_year
    from wijkkompas.catalogue.check import aggregation_unit_problems

    keys = [
        KeyInfo("AantalInwoners_5", unit="aantal"),
        KeyInfo("PercentageWerknemers_75", unit="%"),
        KeyInfo("WerkzameBeroepsbevolking_76", unit="%"),
        KeyInfo("HuishoudensTotaal_29", unit="aantal"),
        KeyInfo("GemiddeldeHuishoudensgrootte_33", unit="aantal"),
    ]
    problems = aggregation_unit_problems(match_year(load_catalogue(), keys), keys)
    assert problems == ["werknemers: gewicht WerkzameBeroepsbevolking_76 heeft eenheid '%', geen aantal"]


@pytest.mark.shared_data
def test_real_2024_weights_denominators_counts_and_areas_are_counts(shared_data):
    """Against CBS's own 2024 metadata: every key a wijk value is built from is a count (or hectares)."""
    import json

    from wijkkompas.catalogue.catalogue import keyinfos_from_properties, match_year
    from wijkkompas.catalogue.check import aggregation_unit_problems

    props = json.loads((shared_data / "kwb/2024/85984NED_DataProperties.json").read_text(encoding="utf-8"))
    keys = keyinfos_from_properties(props)
    matches = match_year(load_catalogue(), keys)
    assert len(matches) >= 60
    assert aggregation_unit_problems(matches, keys) == []


@st.composite
def _split_households_and_land(draw):
    n = draw(st.integers(1, 6))
    households = draw(st.lists(st.integers(1, 2000), min_size=n, max_size=n))
    persons = [h + draw(st.integers(0, 3 * h)) for h in households]
    land = draw(st.lists(st.integers(1, 900), min_size=n, max_size=n))
    return households, persons, land


@settings(max_examples=30, deadline=None)
@given(_split_households_and_land())
def test_any_split_gives_the_household_size_and_density_of_the_whole(split):
    """Average and density of the whole wijk, however it is cut into buurten (exact buurt figures)."""
    households, persons, land = split
    codes = [f"BU099901{i:02d}" for i in range(len(households))]
    rows = {
        c: {
            "HuishoudensTotaal_29": h,
            "GemiddeldeHuishoudensgrootte_33": p / h,
            "AantalInwoners_5": p,
            "OppervlakteLand_123": a,
            "Bevolkingsdichtheid_34": p / a * 100,
        }
        for c, h, p, a in zip(codes, households, persons, land, strict=True)
    }
    v = _values(rows, names=codes)
    size = _cell(v, "gemiddelde_huishoudensgrootte", "WK099901").value
    assert size == pytest.approx(sum(persons) / sum(households), rel=1e-9)
    density = _cell(v, "bevolkingsdichtheid", "WK099901").value
    assert density == pytest.approx(sum(persons) / sum(land) * 100, rel=1e-12)
