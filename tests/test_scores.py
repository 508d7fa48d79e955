"""Score arithmetic: a golden example computed by hand, and the properties that make a score trustworthy.

Properties (hypothesis): the contributions add up to score − 100; improving an indicator in its better
direction never lowers that region's score; multiplying all weights by a constant changes nothing; a
missing indicator re-normalises the rest and is reported.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.special import ndtri

from wijkkompas.catalogue.catalogue import load_catalogue
from wijkkompas.scores import (
    INSUFFICIENT,
    TOTAL,
    ScoreDefinition,
    ScoreIndicator,
    Theme,
    band,
    bands,
    combine,
    compute,
    default_definitions,
    prepare,
    rounded_contributions,
)
from wijkkompas.scores.stability import stability
from wijkkompas.store import Store

# --------------------------------------------------------------------------- builders


def long_values(
    table: dict[str, dict[str, float | None]],
    *,
    gemeente: dict[str, str] | None = None,
    year: int = 2024,
    level: str = "buurt",
    status: dict[tuple[str, str], str] | None = None,
) -> pd.DataFrame:
    """{region: {indicator: value}} → the store's long table (None = missing)."""
    rows = []
    for region, vals in table.items():
        for ind, v in vals.items():
            missing = v is None or (isinstance(v, float) and math.isnan(v))
            rows.append(
                {
                    "year": year,
                    "region_code": region,
                    "region_name": f"Buurt {region}",
                    "level": level,
                    "gemeente_code": (gemeente or {}).get(region, "GM0001"),
                    "wijk_code": "WK000101",
                    "indicator": ind,
                    "value": np.nan if missing else float(v),
                    "status": (status or {}).get((region, ind), "geheim" if missing else "ok"),
                    "source_table": "85984NED",
                    "source_key": ind,
                }
            )
    return pd.DataFrame(rows)


def definition(themes: list[tuple[str, float, list[tuple[str, str, float]]]], **kw) -> ScoreDefinition:
    return ScoreDefinition(
        id="test",
        label="Test",
        description="Een score om mee te testen.",
        caveat="Alleen voor tests.",
        themes=tuple(
            Theme(tid, tid.capitalize(), "", tw, tuple(ScoreIndicator(i, d, w) for i, d, w in inds))
            for tid, tw, inds in themes
        ),
        **kw,
    )


# --------------------------------------------------------------------------- golden, by hand

# Five buurten A–E in one gemeente. Three indicators, chosen so every z-score is a round number:
#   koopwoningen (T1, higher, w 2): 10 30 10 30 and E geheim → mean 20, sd 10 → z −1 +1 −1 +1, E missing
#   bijstand     (T1, lower,  w 1): 16 12 10  8  4          → mean 10, sd 4 (deviations −6 −2 0 2 6 → Σd² = 80)
#                                                             → z +1,5 +0,5 0 −0,5 −1,5 → flipped −1,5 −0,5 0 +0,5 +1,5
#   nettoarbeidsparticipatie (T2, higher, w 1): 100 40 160 120 80 → mean 100, sd 40 → z 0 −1,5 +1,5 +0,5 −0,5
# Theme weights T1 = 3, T2 = 1.
# T1 = (2·z1 + 1·z2) / 3:  A (−2 − 1,5)/3 = −7/6 → 88,333   B (2 − 0,5)/3 = 0,5 → 105   C −2/3 → 93,333
#                          D (2 + 0,5)/3 = 5/6 → 108,333   E: only 1 of 3 weight present < half → onvoldoende gegevens
# T2 = z3:                 A 100  B 85  C 115  D 105  E 95
# Total = (3·T1 + 1·T2)/4: A −0,875 → 91,25   B 0 → 100   C −0,125 → 98,75   D 0,75 → 107,5
#                          E: only T2 (weight 1 of 4) < half → onvoldoende gegevens
# Contributions of A: 10 × (3/4 × 2/3) × −1 = −5;  10 × (3/4 × 1/3) × −1,5 = −3,75;  10 × 1/4 × 0 = 0 → −8,75 ✓
GOLDEN_VALUES = {
    "A": {"koopwoningen": 10, "bijstand": 16, "nettoarbeidsparticipatie": 100, "inwoners": 1000},
    "B": {"koopwoningen": 30, "bijstand": 12, "nettoarbeidsparticipatie": 40, "inwoners": 1000},
    "C": {"koopwoningen": 10, "bijstand": 10, "nettoarbeidsparticipatie": 160, "inwoners": 1000},
    "D": {"koopwoningen": 30, "bijstand": 8, "nettoarbeidsparticipatie": 120, "inwoners": 1000},
    "E": {"koopwoningen": None, "bijstand": 4, "nettoarbeidsparticipatie": 80, "inwoners": 1000},
}
GOLDEN_DEF = definition(
    [
        ("t1", 3.0, [("koopwoningen", "higher_is_better", 2.0), ("bijstand", "lower_is_better", 1.0)]),
        ("t2", 1.0, [("nettoarbeidsparticipatie", "higher_is_better", 1.0)]),
    ]
)


def test_golden_by_hand():
    result = compute(long_values(GOLDEN_VALUES), GOLDEN_DEF, year=2024, level="buurt")
    table = result.table().set_index("region_code")
    expected_total = {"A": 91.25, "B": 100.0, "C": 98.75, "D": 107.5}
    for code, value in expected_total.items():
        assert table.loc[code, "score"] == pytest.approx(value, abs=1e-12)
    assert math.isnan(table.loc["E", "score"]) and table.loc["E", "reason"] == INSUFFICIENT
    t1 = {"A": 100 - 35 / 3, "B": 105.0, "C": 100 - 20 / 3, "D": 100 + 25 / 3}
    t2 = {"A": 100.0, "B": 85.0, "C": 115.0, "D": 105.0, "E": 95.0}
    for code, value in t1.items():
        assert table.loc[code, "thema_t1"] == pytest.approx(value, abs=1e-12)
    assert math.isnan(table.loc["E", "thema_t1"])
    for code, value in t2.items():
        assert table.loc[code, "thema_t2"] == pytest.approx(value, abs=1e-12)
    # Ranks among regions with a score: D 107,5 > B 100 > C 98,75 > A 91,25.
    assert table.loc[["D", "B", "C", "A"], "rank"].tolist() == [1, 2, 3, 4]

    a = result.breakdown("A").set_index("indicator")
    assert a.loc["koopwoningen", "normalised"] == pytest.approx(-1.0)
    assert a.loc["bijstand", "normalised"] == pytest.approx(-1.5)  # flipped: a high bijstand pulls down
    assert a.loc["nettoarbeidsparticipatie", "normalised"] == pytest.approx(0.0)
    assert a["weight"].tolist() == pytest.approx([0.5, 0.25, 0.25])
    assert a["contribution"].tolist() == pytest.approx([-5.0, -3.75, 0.0])

    # E: koopwoningen is geheim → reported, not counted as 0.
    assert "geheim" in result.missing_text()[list(table.index).index("E")]
    e = result.breakdown("E", "t1").set_index("indicator")
    assert e.loc["koopwoningen", "status"] == "geheim" and not e.loc["koopwoningen", "counts"]


def test_golden_percentile_by_hand():
    # bijstand ranks (ascending) E 1, D 2, C 3, B 4, A 5 → p = (rank − 0,5)/5 → z = −ndtri(p) (lower is better)
    result = compute(long_values(GOLDEN_VALUES), GOLDEN_DEF, year=2024, level="buurt", method="percentiel")
    p = result.prepared
    k = p.column_of("t1", "bijstand")
    expected = {"A": -ndtri(0.9), "B": -ndtri(0.7), "C": 0.0, "D": ndtri(0.7), "E": ndtri(0.9)}
    for r, code in enumerate(p.regions["region_code"]):
        assert p.normalised[r, k] == pytest.approx(expected[code], abs=1e-12)


def test_golden_csv_rows_add_up():
    long = compute(long_values(GOLDEN_VALUES), GOLDEN_DEF, year=2024, level="buurt").long()
    assert list(long.columns) == [
        "region_code",
        "score",
        "theme",
        "indicator",
        "value",
        "normalised",
        "weight",
        "contribution",
        "score_value",
    ]
    assert len(long) == 5 * 3
    for code, grp in long.groupby("region_code"):
        score = grp["score_value"].iloc[0]
        if math.isnan(score):
            assert code == "E" and grp["weight"].sum() == 0
            continue
        assert grp["contribution"].sum() == pytest.approx(score - 100, abs=1e-9)
        assert grp["weight"].sum() == pytest.approx(1.0)
        # contribution = 10 × weight × normalised, so a spreadsheet can redo every cell.
        present = grp["normalised"].notna()
        assert (10 * grp["weight"][present] * grp["normalised"][present]).tolist() == pytest.approx(
            grp["contribution"][present].tolist()
        )


def test_reference_per_gemeente_versus_together():
    """100 = the average of the own gemeente (default) or of all given gemeenten together."""
    vals = {
        "A": {"koopwoningen": 10},
        "B": {"koopwoningen": 30},  # gemeente 1: mean 20
        "C": {"koopwoningen": 50},
        "D": {"koopwoningen": 70},  # gemeente 2: mean 60
    }
    gm = {"A": "GM0001", "B": "GM0001", "C": "GM0002", "D": "GM0002"}
    d = definition([("t", 1.0, [("koopwoningen", "higher_is_better", 1.0)])])
    own = compute(long_values(vals, gemeente=gm), d).table().set_index("region_code")["score"]
    assert own.to_dict() == pytest.approx({"A": 90.0, "B": 110.0, "C": 90.0, "D": 110.0})
    together = (
        compute(long_values(vals, gemeente=gm), d, reference="selectie").table().set_index("region_code")["score"]
    )
    sd = np.std([10, 30, 50, 70])
    assert together["A"] == pytest.approx(100 + 10 * (10 - 40) / sd)
    assert together.mean() == pytest.approx(100.0)


def test_small_regions_get_no_score_and_do_not_move_the_average():
    base = {c: dict(v) for c, v in GOLDEN_VALUES.items()}
    with_tiny = {**base, "F": {"koopwoningen": 1000, "bijstand": 0, "nettoarbeidsparticipatie": 1000, "inwoners": 10}}
    d = definition(
        [(t.id, t.weight, [(i.id, i.direction, i.weight) for i in t.indicators]) for t in GOLDEN_DEF.themes],
        min_inwoners=50,
    )
    r1 = compute(long_values(base), d).table().set_index("region_code")
    r2 = compute(long_values(with_tiny), d).table().set_index("region_code")
    assert r2.loc["F", "reason"] == "te weinig inwoners" and math.isnan(r2.loc["F", "score"])
    for code in "ABCD":
        assert r2.loc[code, "score"] == pytest.approx(r1.loc[code, "score"])


def test_per_inwoners_turns_counts_into_rates():
    vals = {
        "A": {"misdrijven": 10, "inwoners": 1000},
        "B": {"misdrijven": 10, "inwoners": 500},
        "C": {"misdrijven": 0, "inwoners": 0},
    }
    d = ScoreDefinition(
        "t",
        "T",
        "x",
        "x",
        (Theme("v", "V", "", 1.0, (ScoreIndicator("misdrijven", "lower_is_better", 1.0, per_inwoners=1000),)),),
    )
    p = prepare(long_values(vals), d)
    assert p.raw[:, 0].tolist()[:2] == [10.0, 20.0]
    assert math.isnan(p.raw[2, 0]) and p.status[2, 0] == "geen inwoners bekend"


def test_bands_are_symmetric_around_100():
    assert band(100) == "rond gemiddeld"
    assert band(90) == band(110) == "rond gemiddeld"
    assert band(89.99) == "onder gemiddeld" and band(110.01) == "boven gemiddeld"
    assert band(70) == "onder gemiddeld" and band(130) == "boven gemiddeld"
    assert band(69.99) == "ver onder gemiddeld" and band(130.01) == "ver boven gemiddeld"
    xs = np.linspace(40, 160, 241)
    low, high = bands(100 - (xs - 100)), bands(xs)
    mirror = {
        "ver onder gemiddeld": "ver boven gemiddeld",
        "onder gemiddeld": "boven gemiddeld",
        "rond gemiddeld": "rond gemiddeld",
    }
    for lo, hi in zip(low, high, strict=True):
        if lo in mirror:
            assert mirror[lo] == hi
    assert band(float("nan")) == ""


def test_rounded_contributions_add_up_exactly():
    parts = [1.04, 1.04, 1.04, -0.06]
    score = 100 + sum(parts)  # 103,06 → shown as 103,1
    rounded = rounded_contributions(parts, score, 1)
    assert round(sum(rounded) * 10) == round((round(score, 1) - 100) * 10)
    assert all(abs(r - p) < 0.1 + 1e-9 for r, p in zip(rounded, parts, strict=True))


def test_stability_counts_band_changes():
    # Two indicators that disagree: moving either weight by 10 % moves B across 110.
    vals = {
        "A": {"koopwoningen": 0, "bijstand": 0},
        "B": {"koopwoningen": 30, "bijstand": 5},
        "C": {"koopwoningen": 10, "bijstand": 10},
        "D": {"koopwoningen": 20, "bijstand": 20},
    }
    d = definition([("t", 1.0, [("koopwoningen", "higher_is_better", 1.0), ("bijstand", "lower_is_better", 1.0)])])
    p = prepare(long_values(vals), d)
    s = stability(p, d)
    assert s.variants == 2 * 3  # the theme weight + two indicator weights, each up and down
    assert s.regions == 4
    base = combine(p).table().set_index("region_code")["band"]
    changed = 0
    for tid, iid in [("t", "koopwoningen"), ("t", "bijstand")]:
        for f in (1.1, 0.9):
            alt_bands = (
                combine(p, d.with_weights(indicator_weights={(tid, iid): f})).table().set_index("region_code")["band"]
            )
            changed |= 0 if (alt_bands == base).all() else 1
    assert (s.changed_band > 0) == bool(changed)
    assert set(s.per_weight["kind"]) == {"thema", "indicator"}


def test_shipped_definitions_use_catalogue_indicators_and_label_veerkracht_a_proxy():
    cat = load_catalogue()
    defs = default_definitions()
    assert set(defs) == {"leefbaarheid", "veerkracht"}
    assert [t.id for t in defs["leefbaarheid"].themes] == ["fysiek", "sociaal", "overlast", "veiligheid"]
    for d in defs.values():
        for ident in d.indicator_ids():
            assert cat.get(ident) is not None, ident
    v = defs["veerkracht"]
    assert v.proxy and "benadering" in v.label.lower()
    assert "microdata" in v.caveat and "proxy" in v.caveat


def test_teststad_overlast_and_veiligheid_say_onvoldoende_gegevens(tiny_store_dir):
    values = Store(tiny_store_dir).load_values(["GM0999"], 2024, "buurt")
    result = compute(values, default_definitions()["leefbaarheid"], year=2024, level="buurt")
    cov = result.theme_coverage().set_index("theme")
    assert cov.loc["overlast", "status"] == INSUFFICIENT and cov.loc["veiligheid", "status"] == INSUFFICIENT
    assert cov.loc["fysiek", "status"] == "ok"
    assert np.isnan(result.theme_index[:, result.theme_ids.index("overlast")]).all()
    # 't Hofje has a geheim bijstand: veerkracht still scores it, and says what is missing.
    vk = compute(values, default_definitions()["veerkracht"], year=2024, level="buurt")
    t = vk.table().set_index("region_code")
    assert np.isfinite(t.loc["BU09990103", "score"])
    assert "geheim" in t.loc["BU09990103", "missing"]


# --------------------------------------------------------------------------- properties

N_IND = 5
IDS = ["koopwoningen", "bijstand", "nettoarbeidsparticipatie", "woz_waarde", "laag_inkomen"]
DIRS = ["higher_is_better", "lower_is_better", "higher_is_better", "higher_is_better", "lower_is_better"]
value = st.floats(-1000, 1000, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 3))
cell = st.one_of(st.none(), value, value, value)  # about one value in four missing
weight = st.sampled_from([0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0]) | st.floats(0.01, 50)


@st.composite
def scenario(draw):
    n = draw(st.integers(2, 12))
    grid = draw(st.lists(st.lists(cell, min_size=N_IND, max_size=N_IND), min_size=n, max_size=n))
    gm = draw(st.lists(st.sampled_from(["GM0001", "GM0002"]), min_size=n, max_size=n))
    iw = draw(st.lists(weight, min_size=N_IND, max_size=N_IND))
    tw = draw(st.lists(weight, min_size=2, max_size=2))
    assume(sum(tw) > 0 and sum(iw[:3]) > 0 and sum(iw[3:]) > 0)
    method = draw(st.sampled_from(["z", "percentiel"]))
    reference = draw(st.sampled_from(["gemeente", "selectie"]))
    table = {f"R{r:02d}": dict(zip(IDS, grid[r], strict=True)) for r in range(n)}
    gemeente = {f"R{r:02d}": gm[r] for r in range(n)}
    d = definition(
        [
            ("a", tw[0], [(IDS[k], DIRS[k], iw[k]) for k in range(3)]),
            ("b", tw[1], [(IDS[k], DIRS[k], iw[k]) for k in range(3, 5)]),
        ],
        method=method,
        reference=reference,
    )
    return table, gemeente, d


SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenario())
def test_contributions_sum_to_score_minus_100(sc):
    table, gemeente, d = sc
    r = compute(long_values(table, gemeente=gemeente), d)
    for view in [TOTAL, "a", "b"]:
        idx = r.index_of(view)
        sums = r.contributions_of(view).sum(axis=1)
        ok = ~np.isnan(idx)
        assert np.allclose(sums[ok], idx[ok] - 100, atol=1e-9, rtol=0)
    ok = ~np.isnan(r.total)
    assert np.allclose(r.effective_weight[ok].sum(axis=1), 1.0)


@SETTINGS
@given(scenario(), st.data())
def test_improving_an_indicator_never_lowers_the_score(sc, data):
    table, gemeente, d = sc
    before = compute(long_values(table, gemeente=gemeente), d)
    present = [(c, k) for c in table for k in range(N_IND) if table[c][IDS[k]] is not None]
    assume(present)
    code, k = data.draw(st.sampled_from(present))
    ind = IDS[k]
    delta = data.draw(st.floats(0.001, 500))
    better = dict(table[code])
    better[ind] = table[code][ind] + (delta if DIRS[k] == "higher_is_better" else -delta)
    after = compute(long_values({**table, code: better}, gemeente=gemeente), d)
    row = list(before.prepared.regions["region_code"]).index(code)
    for view in [TOTAL, "a" if k < 3 else "b"]:
        b, a = before.index_of(view)[row], after.index_of(view)[row]
        if not math.isnan(b):
            assert a >= b - 1e-9, (view, b, a)


@SETTINGS
@given(scenario(), st.floats(0.01, 100))
def test_multiplying_all_weights_changes_nothing(sc, factor):
    table, gemeente, d = sc
    values = long_values(table, gemeente=gemeente)
    p = prepare(values, d)
    a, b = combine(p, d), combine(p, d.scaled(factor))
    assert np.allclose(a.total, b.total, equal_nan=True, atol=1e-9)
    assert np.allclose(a.theme_index, b.theme_index, equal_nan=True, atol=1e-9)
    assert np.allclose(a.contribution, b.contribution, atol=1e-9)


@SETTINGS
@given(scenario(), st.data())
def test_a_missing_indicator_renormalises_the_rest_and_is_reported(sc, data):
    table, gemeente, d = sc
    present = [
        (c, k) for c in table for k in range(N_IND) if table[c][IDS[k]] is not None and d.columns()[k][1].weight > 0
    ]
    assume(present)
    code, k = data.draw(st.sampled_from(present))
    gone = {**table, code: {**table[code], IDS[k]: None}}
    r = compute(long_values(gone, gemeente=gemeente), d)
    row = list(r.prepared.regions["region_code"]).index(code)
    assert r.effective_weight[row, k] == 0 and r.contribution[row, k] == 0
    tid = d.columns()[k][0]
    j = r.theme_ids.index(tid)
    if r.theme_ok[row, j]:  # the rest of the theme carries all of its weight
        cols = [c for c, (t, _i) in enumerate(d.columns()) if t == tid]
        assert r.within_weight[row, cols].sum() == pytest.approx(1.0)
    if not math.isnan(r.total[row]):
        assert r.effective_weight[row].sum() == pytest.approx(1.0)
    label = load_catalogue().get(IDS[k]).label
    if np.isfinite(r.prepared.raw[:, k]).any():
        assert label in r.missing_text()[row]
    bd = r.breakdown(code).set_index("indicator")
    assert not bd.loc[IDS[k], "counts"] and bd.loc[IDS[k], "status"] == "geheim"


@SETTINGS
@given(st.lists(st.floats(-30, 30), min_size=1, max_size=20))
def test_rounded_parts_always_add_up_to_the_rounded_score(parts):
    score = 100 + float(np.sum(parts))
    rounded = rounded_contributions(parts, score, 1)
    assert round(sum(rounded) * 10) == round(round(score, 1) * 10) - 1000
    assert max(abs(a - b) for a, b in zip(rounded, parts, strict=True)) < 0.1 + 1e-9
