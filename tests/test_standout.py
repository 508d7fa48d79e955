"""'Wat valt op': the rules on small hand-made tables (ties, missing values, one year, recoded regions)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from wijkkompas.catalogue.catalogue import load_catalogue
from wijkkompas.standout import MAX_SENTENCES, MIN_SENTENCES, comparable_years, what_stands_out

GM = "GM0999"
WIJKEN = ["WK099901", "WK099902", "WK099903", "WK099904", "WK099905"]
TABLES = {2022: "85318NED", 2023: "85618NED", 2024: "85984NED"}
CAT = load_catalogue()


def build(values: dict, years=(2024,), gemeente: dict | None = None, exists: dict | None = None):
    """values: {(year, code): {indicator: value}}; gemeente: {(year): {indicator: value}}; exists: {year: [codes]}."""
    rows, regions = [], []
    for year in years:
        codes = (exists or {}).get(year, WIJKEN)
        regions.append((year, GM, "Teststad", "gemeente", GM, None))
        for code in codes:
            level = "buurt" if code.startswith("BU") else "wijk"
            regions.append((year, code, f"Naam {code}", level, GM, "WK" + code[2:8]))
        for ind, v in ((gemeente or {}).get(year) or {}).items():
            rows.append((year, GM, "Teststad", "gemeente", GM, None, ind, v))
    for (year, code), inds in values.items():
        level = "buurt" if code.startswith("BU") else "wijk"
        for ind, v in inds.items():
            rows.append((year, code, f"Naam {code}", level, GM, "WK" + code[2:8], ind, v))
    frame = pd.DataFrame(
        rows,
        columns=["year", "region_code", "region_name", "level", "gemeente_code", "wijk_code", "indicator", "value"],
    )
    frame["value"] = frame["value"].astype(float)
    frame["status"] = np.where(frame["value"].isna(), "geheim", "ok")
    frame["source_table"] = frame["year"].map(TABLES)
    frame["source_key"] = "x"
    reg = pd.DataFrame(regions, columns=["year", "region_code", "region_name", "level", "gemeente_code", "wijk_code"])
    return frame, reg


def spread(vals) -> float:
    return float(np.std([v for v in vals if not math.isnan(v)]))


def test_largest_deviation_comes_first_and_names_indicator_year_and_source():
    own = {"aandeel_65plus": 30.0, "koopwoningen": 52.0}
    others = [{"aandeel_65plus": v, "koopwoningen": k} for v, k in ((18, 50), (20, 49), (22, 51), (20, 50))]
    values = {(2024, WIJKEN[0]): own} | {(2024, c): o for c, o in zip(WIJKEN[1:], others, strict=True)}
    frame, reg = build(values, gemeente={2024: {"aandeel_65plus": 20.0, "koopwoningen": 50.0}})
    sentences, _ = what_stands_out(frame, reg, CAT, WIJKEN[0], 2024)
    first = sentences[0]
    assert first.indicator == "aandeel_65plus" and first.kind == "afwijking"
    assert first.score == pytest.approx(abs(30 - 20) / spread([30, 18, 20, 22, 20]))
    assert CAT.get("aandeel_65plus").label in first.text
    assert "30,0%" in first.text and "20,0%" in first.text and "hoger" in first.text
    assert "2024" in first.text and "85984NED" in first.text
    assert "hoogste van de 5 wijken" in first.text
    assert [s.score for s in sentences if s.kind == "afwijking"] == sorted(
        [s.score for s in sentences if s.kind == "afwijking"], reverse=True
    )


def test_ties_are_broken_by_catalogue_order_and_are_stable():
    pattern = [40.0, 30.0, 31.0, 29.0, 30.0]  # identical for both indicators → identical z
    values = {(2024, c): {"koopwoningen": v, "corporatiewoningen": v} for c, v in zip(WIJKEN, pattern, strict=True)}
    frame, reg = build(values, gemeente={2024: {"koopwoningen": 30.0, "corporatiewoningen": 30.0}})
    first, _ = what_stands_out(frame, reg, CAT, WIJKEN[0], 2024)
    shuffled, _ = what_stands_out(frame.sample(frac=1, random_state=3), reg, CAT, WIJKEN[0], 2024)
    order = list(CAT.all())
    expected = sorted(["koopwoningen", "corporatiewoningen"], key=order.index)
    assert [s.indicator for s in first] == expected
    assert first[0].score == first[1].score
    assert [s.text for s in shuffled] == [s.text for s in first]


def test_missing_own_value_gives_no_sentence_and_missing_peers_are_left_out():
    values = {
        (2024, WIJKEN[0]): {"aandeel_65plus": np.nan, "afstand_huisarts": 2.0},
        (2024, WIJKEN[1]): {"aandeel_65plus": 20.0, "afstand_huisarts": np.nan},
        (2024, WIJKEN[2]): {"aandeel_65plus": 21.0, "afstand_huisarts": 1.0},
        (2024, WIJKEN[3]): {"aandeel_65plus": 19.0, "afstand_huisarts": 0.8},
        (2024, WIJKEN[4]): {"aandeel_65plus": 20.0, "afstand_huisarts": 1.2},
    }
    frame, reg = build(values, gemeente={2024: {"aandeel_65plus": 20.0, "afstand_huisarts": 1.0}})
    sentences, _ = what_stands_out(frame, reg, CAT, WIJKEN[0], 2024)
    assert [s.indicator for s in sentences] == ["afstand_huisarts"]  # nothing about the suppressed 65+
    assert sentences[0].score == pytest.approx(1.0 / spread([2.0, np.nan, 1.0, 0.8, 1.2]))
    assert "Dat is ongunstig" in sentences[0].text  # lower is better for the distance to the huisarts


def test_without_gemeente_value_the_middle_wijk_is_the_reference():
    pattern = [35.0, 20.0, 22.0, 24.0, 26.0]
    frame, reg = build({(2024, c): {"aandeel_eenpersoonshuishoudens": v} for c, v in zip(WIJKEN, pattern, strict=True)})
    sentences, _ = what_stands_out(frame, reg, CAT, WIJKEN[0], 2024)
    assert len(sentences) == 1
    assert "middelste wijk van Teststad" in sentences[0].text
    assert sentences[0].score == pytest.approx((35 - np.median(pattern)) / spread(pattern))


def test_single_year_gives_no_changes_and_says_so():
    frame, reg = build({(2024, c): {"koopwoningen": 40.0 + i} for i, c in enumerate(WIJKEN)})
    sentences, notes = what_stands_out(frame, reg, CAT, WIJKEN[0], 2024)
    assert all(s.kind == "afwijking" for s in sentences)
    assert any("alleen cijfers over 2024" in n for n in notes)


def test_change_since_the_earliest_year_with_the_same_code():
    years = (2022, 2023, 2024)
    values = {}
    for y, shift in zip(years, (0, 2, 6), strict=True):
        for i, c in enumerate(WIJKEN):
            values[(y, c)] = {"aandeel_65plus": 20.0 + i + (shift if c == WIJKEN[0] else 0)}
    gemeente = {y: {"aandeel_65plus": 22.0 + d} for y, d in zip(years, (0, 0.5, 1.5), strict=True)}
    frame, reg = build(values, years=years, gemeente=gemeente)
    sentences, _ = what_stands_out(frame, reg, CAT, WIJKEN[0], 2024)
    change = [s for s in sentences if s.kind == "verandering"]
    assert len(change) == 1 and change[0].indicator == "aandeel_65plus"
    assert change[0].years == (2022, 2024) and change[0].source_tables == ("85318NED", "85984NED")
    assert "gestegen van 20,0% in 2022 naar 26,0% in 2024" in change[0].text
    assert "+6,0 %-punt" in change[0].text and "in heel Teststad van 22,0% naar 23,5%" in change[0].text
    assert "85318NED en 85984NED" in change[0].text


def test_no_change_across_a_year_in_which_the_code_did_not_exist():
    years = (2022, 2023, 2024)
    values = {
        (y, c): {"aandeel_65plus": 20.0 + i + (5 if (y == 2024 and i == 0) else 0)}
        for y in years
        for i, c in enumerate(WIJKEN)
    }
    exists = {2022: WIJKEN, 2023: WIJKEN[1:], 2024: WIJKEN}  # WIJKEN[0] had another code in 2023
    frame, reg = build(values, years=years, exists=exists)
    assert comparable_years(reg, WIJKEN[0], 2024, list(years)) == [2024]
    assert comparable_years(reg, WIJKEN[1], 2024, list(years)) == [2022, 2023, 2024]
    sentences, notes = what_stands_out(frame, reg, CAT, WIJKEN[0], 2024)
    assert not [s for s in sentences if s.kind == "verandering"]
    assert any("alleen in 2024 deze code" in n for n in notes)


def test_counts_and_codes_never_stand_out():
    values = {
        (2024, c): {"inwoners": 1000.0 * (i + 1) ** 3, "stedelijkheid": float(i + 1)} for i, c in enumerate(WIJKEN)
    }
    frame, reg = build(values, gemeente={2024: {"inwoners": 99000.0}})
    sentences, notes = what_stands_out(frame, reg, CAT, WIJKEN[4], 2024)
    assert sentences == [] and any("niets te vergelijken" in n for n in notes)


def test_between_three_and_seven_sentences_quiet_facts_fill_up():
    ids = [
        "aandeel_65plus",
        "aandeel_0_15",
        "afstand_huisarts",
        "sociaal_minimum",
        "koopwoningen",
        "woz_waarde",
        "corporatiewoningen",
        "wmo_relatief",
        "aandeel_eenpersoonshuishoudens",
    ]
    loud = {(2024, c): {i: 10.0 + (30 if c == WIJKEN[0] else k) for i in ids} for k, c in enumerate(WIJKEN)}
    frame, reg = build(loud)
    many, _ = what_stands_out(frame, reg, CAT, WIJKEN[0], 2024)
    assert len(many) == MAX_SENTENCES
    # Nearly average everywhere: below the threshold, but still the three largest deviations.
    quiet = {
        (2024, c): {i: 20.0 + k + (0.5 if c == WIJKEN[2] and n < 4 else 0) for n, i in enumerate(ids)}
        for k, c in enumerate(WIJKEN)
    }
    frame, reg = build(quiet, gemeente={2024: dict.fromkeys(ids, 22.0)})
    few, _ = what_stands_out(frame, reg, CAT, WIJKEN[2], 2024)
    assert len(few) == MIN_SENTENCES
    assert all("iets" in s.text for s in few)


def test_few_wijken_use_the_spread_over_the_buurten():
    wijken = ["WK099901", "WK099902"]
    buurten = ["BU09990101", "BU09990102", "BU09990201", "BU09990202"]
    values = {(2024, "WK099901"): {"koopwoningen": 70.0}, (2024, "WK099902"): {"koopwoningen": 40.0}}
    values |= {(2024, b): {"koopwoningen": v} for b, v in zip(buurten, (75.0, 65.0, 45.0, 35.0), strict=True)}
    frame, reg = build(values, gemeente={2024: {"koopwoningen": 55.0}}, exists={2024: wijken + buurten})
    sentences, _ = what_stands_out(frame, reg, CAT, "WK099901", 2024)
    assert len(sentences) == 1
    assert sentences[0].score == pytest.approx(15 / spread([75, 65, 45, 35]))
    assert "hoogste" not in sentences[0].text  # a rank among two wijken would mean nothing
