"""Series over the years: breaks where a code changes, gaps for unknown values, rebasing to an index year."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wijkkompas import trends
from wijkkompas.errors import SourceError
from wijkkompas.store import Store

OLD, NEW = "BU09990202", "BU09990203"


@pytest.fixture(scope="module")
def tiny(tiny_store_dir):
    store = Store(tiny_store_dir)
    return store.load_values(include_nederland=True), store.regions()


def _series(tiny, codes, indicators):
    values, regions = tiny
    return trends.build_series(values, regions, codes, indicators)


# --------------------------------------------------------------------------- the recoded Teststad buurt


def test_recoded_buurt_is_never_one_line(tiny):
    s = _series(tiny, [OLD, NEW], ["inwoners"])
    p = s.points.set_index(["region_code", "year"])
    # The old code: a value in 2023 only; in 2024 it does not exist, so nothing is drawn.
    assert bool(p.loc[(OLD, 2023), "drawn"]) and not bool(p.loc[(OLD, 2024), "drawn"])
    assert not bool(p.loc[(OLD, 2024), "exists"])
    assert "bestaat niet in 2024" in p.loc[(OLD, 2024), "note"]
    # The new code: the reverse.
    assert not bool(p.loc[(NEW, 2023), "exists"]) and bool(p.loc[(NEW, 2024), "drawn"])
    # No line piece continues into a year: every drawn point starts its own segment.
    assert s.points.loc[s.points["drawn"], "gap_before"].isna().all()
    values, _ = tiny
    raw = values[(values["indicator"] == "inwoners") & values["region_code"].isin([OLD, NEW])]
    assert p.loc[(OLD, 2023), "value"] == raw.loc[raw["region_code"] == OLD, "value"].iloc[0]


def test_recoded_buurt_breaks_with_explanation_and_successor(tiny):
    s = _series(tiny, [OLD, NEW], ["inwoners"])
    b = s.breaks.set_index("region_code")
    assert b.loc[OLD, "kind"] == "opgeheven"
    assert (b.loc[OLD, "year_before"], b.loc[OLD, "year_after"]) == (2023, 2024)
    # The marker sits on the last known point of the old code.
    assert b.loc[OLD, "year"] == 2023
    assert b.loc[OLD, "value"] == s.points.query("region_code == @OLD and year == 2023")["value"].iloc[0]
    assert NEW in b.loc[OLD, "text"] and "bestaat niet meer in 2024" in b.loc[OLD, "text"]
    assert b.loc[NEW, "kind"] == "nieuw"
    assert b.loc[NEW, "year"] == 2024
    assert OLD in b.loc[NEW, "text"] and "pas vanaf 2024" in b.loc[NEW, "text"]


def test_unchanged_buurt_is_one_segment_over_consecutive_years(tiny):
    s = _series(tiny, ["BU09990101"], ["inwoners", "aandeel_65plus"])
    assert s.breaks.empty
    for _ind, grp in s.points.groupby("indicator"):
        assert grp["drawn"].all()
        assert grp["segment"].tolist() == [1, 1]
        assert grp["gap_before"].tolist()[1] == 1


def test_suppressed_value_is_a_gap_with_the_cbs_reason(tiny):
    # Teststad's bijstand is unknown (a suppressed buurt makes the sum unknown) in both years.
    s = _series(tiny, ["GM0999", "WK099902"], ["bijstand"])
    p = s.points.set_index(["region_code", "year"])
    assert not p.loc[("GM0999", 2023), "drawn"]
    assert p.loc[("GM0999", 2023), "note"] == "onbekend (geheim bij CBS)"
    # WK099902 is suppressed in 2023 only: 2024 is drawn, as a new segment (no line from an unknown).
    assert not p.loc[("WK099902", 2023), "drawn"] and p.loc[("WK099902", 2024), "drawn"]
    assert pd.isna(p.loc[("WK099902", 2024), "gap_before"])
    assert s.breaks.empty  # an unknown value is not a change of code


def test_nederland_without_a_regions_row_still_exists(tiny):
    values, regions = tiny
    s = trends.build_series(values, regions[regions["level"] != "nederland"], ["NL01"], ["inwoners"])
    assert s.points["drawn"].all()


# --------------------------------------------------------------------------- synthetic changes


def _synthetic(
    presence: dict[int, tuple[str, str, str] | None], values: dict[int, float | None], code: str = "BU00010101"
):
    """One region over years: presence[year] = (level, gemeente, wijk) or None; values[year] = value or None (geheim)."""
    reg, val = [], []
    for year, pres in presence.items():
        if pres is None:
            continue
        level, gm, wk = pres
        reg.append(
            {
                "year": year,
                "region_code": code,
                "region_name": "Proefbuurt",
                "level": level,
                "gemeente_code": gm,
                "wijk_code": wk,
            }
        )
        v = values.get(year)
        val.append(
            {
                "year": year,
                "region_code": code,
                "region_name": "Proefbuurt",
                "level": level,
                "gemeente_code": gm,
                "wijk_code": wk,
                "indicator": "x",
                "value": math.nan if v is None else v,
                "status": "geheim" if v is None else "ok",
                "source_table": f"T{year}",
                "source_key": "X_1",
            }
        )
    # Another region keeps the indicator published in every year.
    for year in presence:
        val.append(
            {
                "year": year,
                "region_code": "GM0001",
                "region_name": "G",
                "level": "gemeente",
                "gemeente_code": "GM0001",
                "wijk_code": None,
                "indicator": "x",
                "value": 1.0,
                "status": "ok",
                "source_table": f"T{year}",
                "source_key": "X_1",
            }
        )
    return pd.DataFrame(val), pd.DataFrame(reg)


def test_parent_change_breaks_the_line():
    b = ("buurt", "GM0001", "WK000101")
    moved = ("buurt", "GM0001", "WK000102")
    values, regions = _synthetic({2020: b, 2021: b, 2022: moved}, {2020: 1, 2021: 2, 2022: 3})
    s = trends.build_series(values, regions, ["BU00010101"], ["x"])
    assert s.points["segment"].tolist() == [1, 1, 2]
    assert s.breaks["kind"].tolist() == ["indeling"]
    assert s.breaks["year"].tolist() == [2022]
    assert "andere wijk" in s.breaks["text"].iloc[0]


def test_level_change_breaks_the_line():
    values, regions = _synthetic(
        {2020: ("buurt", "GM0001", "WK000101"), 2021: ("wijk", "GM0001", "WK000101")}, {2020: 1, 2021: 2}
    )
    s = trends.build_series(values, regions, ["BU00010101"], ["x"])
    assert s.points["segment"].tolist() == [1, 2]
    assert s.breaks["kind"].tolist() == ["niveau"]


def test_code_that_returns_after_a_gap_year_is_two_segments():
    b = ("buurt", "GM0001", "WK000101")
    values, regions = _synthetic({2019: b, 2020: None, 2021: b}, {2019: 1, 2021: 2})
    s = trends.build_series(values, regions, ["BU00010101"], ["x"])
    assert s.points["segment"].dropna().tolist() == [1, 2]
    assert s.breaks["kind"].tolist() == ["opgeheven", "nieuw"]


def test_gap_in_years_without_publication_is_counted():
    """2017 and 2024 loaded (the real situation): one segment, but the piece spans 7 years."""
    b = ("buurt", "GM0001", "WK000101")
    values, regions = _synthetic({2017: b, 2024: b}, {2017: 10, 2024: 12})
    s = trends.build_series(values, regions, ["BU00010101"], ["x"])
    assert s.points["segment"].tolist() == [1, 1]
    assert s.points["gap_before"].tolist()[1] == 7


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", None]), st.booleans()), min_size=1, max_size=7))
def test_a_segment_never_spans_a_change(pattern):
    """Property: inside one segment the region exists, has a value and keeps its parent, year after year."""
    years = list(range(2015, 2015 + len(pattern)))
    presence = {
        y: (None if wk is None else ("buurt", "GM0001", f"WK00010{wk}"))
        for y, (wk, _) in zip(years, pattern, strict=True)
    }
    vals = {y: (1.0 if known else None) for y, (_, known) in zip(years, pattern, strict=True)}
    values, regions = _synthetic(presence, vals)
    if regions.empty:
        regions = pd.DataFrame(columns=["year", "region_code", "region_name", "level", "gemeente_code", "wijk_code"])
    s = trends.build_series(values, regions, ["BU00010101"], ["x"])
    p = s.points.reset_index(drop=True)
    drawn = p[p["drawn"]]
    for _seg, grp in drawn.groupby("segment"):
        idx = grp.index.tolist()
        assert idx == list(range(idx[0], idx[-1] + 1)), "a segment skips a year"
        assert grp["wijk_code"].nunique() == 1
    assert (p.loc[~p["drawn"], "segment"].isna()).all()
    expected = sum(1 for i, (wk, known) in enumerate(pattern) if wk is not None and known)
    assert len(drawn) == expected


# --------------------------------------------------------------------------- rebasing


def test_rebase_sets_index_year_to_100(tiny):
    s = _series(tiny, ["BU09990101", "GM0999"], ["inwoners"])
    r = trends.rebase(s.points, 2023).set_index(["region_code", "year"])
    assert r.loc[("BU09990101", 2023), "index"] == pytest.approx(100.0)
    expected = r.loc[("BU09990101", 2024), "value"] / r.loc[("BU09990101", 2023), "value"] * 100
    assert r.loc[("BU09990101", 2024), "index"] == pytest.approx(expected)
    assert r.loc[("GM0999", 2024), "index"] == pytest.approx(
        r.loc[("GM0999", 2024), "value"] / r.loc[("GM0999", 2023), "value"] * 100
    )


def test_rebase_never_crosses_a_break(tiny):
    s = _series(tiny, [OLD, NEW], ["inwoners"])
    r = trends.rebase(s.points, 2023).set_index(["region_code", "year"])
    assert r.loc[(OLD, 2023), "index"] == pytest.approx(100.0)
    assert math.isnan(r.loc[(NEW, 2024), "index"])
    assert "geen cijfer in 2023" in r.loc[(NEW, 2024), "index_note"]


def test_rebase_other_segment_and_zero_base():
    b = ("buurt", "GM0001", "WK000101")
    moved = ("buurt", "GM0001", "WK000102")
    values, regions = _synthetic({2020: b, 2021: b, 2022: moved}, {2020: 4, 2021: 5, 2022: 6})
    s = trends.build_series(values, regions, ["BU00010101"], ["x"])
    r = trends.rebase(s.points, 2020)
    assert r["index"].tolist()[:2] == [100.0, 125.0]
    assert math.isnan(r["index"].iloc[2]) and "andere code of indeling" in r["index_note"].iloc[2]
    values, regions = _synthetic({2020: b, 2021: b}, {2020: 0, 2021: 5})
    r = trends.rebase(trends.build_series(values, regions, ["BU00010101"], ["x"]).points, 2020)
    assert r["index"].isna().all() and "0 of negatief" in r["index_note"].iloc[1]


def test_check_index_year():
    assert trends.check_index_year(None, [2023, 2024]) is None
    assert trends.check_index_year("2023", [2023, 2024]) == 2023
    with pytest.raises(SourceError, match="1999 is niet geladen"):
        trends.check_index_year("1999", [2023, 2024])
    with pytest.raises(SourceError, match="geen jaartal"):
        trends.check_index_year("vorig jaar", [2023, 2024])


# --------------------------------------------------------------------------- latest year, codes, labels


def test_latest_year_per_indicator(tiny):
    values, _ = tiny
    latest = trends.latest_years(values, ["inwoners", "bijstand"], ["GM0999"])
    assert latest == {"inwoners": 2024, "bijstand": None}  # Teststad's bijstand is never known
    # Drop 2024 for one indicator: its latest year falls back to 2023.
    cut = values[~((values["indicator"] == "woz_waarde") & (values["year"] == 2024))]
    assert trends.latest_years(cut, ["woz_waarde", "inwoners"]) == {"woz_waarde": 2023, "inwoners": 2024}
    assert trends.latest_years(values, ["inwoners"], [OLD]) == {"inwoners": 2023}


def test_resolve_codes_from_a_url():
    known = ["GM0999", "WK099901", "BU09990101", "BU09990102", "BU09990103", "BU09990201", "BU09990203"]
    res = trends.resolve_codes(["bu09990101", "XX99", "GM0999", "GM0999", *known], known, 6)
    assert res.codes == ("BU09990101", "GM0999", "WK099901", "BU09990102", "BU09990103", "BU09990201")
    assert res.unknown == ("XX99",)
    assert res.dropped == ("BU09990203",)
    text = " ".join(res.messages(6))
    assert "XX99" in text and "er passen er 6" in text and "BU09990203" in text


def test_region_catalog_labels_old_and_new_codes(tiny):
    _, regions = tiny
    cat = trends.region_catalog(regions).set_index("region_code")
    assert cat.loc[OLD, "label"].endswith("(tot 2023)")
    assert cat.loc[NEW, "label"].endswith("(vanaf 2024)")
    assert cat.loc["BU09990101", "label"] == "Oude Markt · buurt in Teststad"
    assert cat.loc[OLD, "years"] == (2023,)
    names = trends.display_names(cat.reset_index(), [OLD, NEW, "GM0999"])
    assert names[OLD] != names[NEW] and names["GM0999"] == "Teststad"


def test_source_years(tiny):
    s = _series(tiny, ["BU09990101"], ["inwoners"])
    assert trends.source_years(s.points) == [(2023, "85618NED"), (2024, "85984NED")]


def test_empty_inputs(tiny):
    values, regions = tiny
    s = trends.build_series(values, regions, [], ["inwoners"])
    assert s.points.empty and s.breaks.empty
    s = trends.build_series(values, regions, ["GM0999"], ["bestaat_niet"])
    assert s.points.empty
    assert trends.rebase(s.points, 2023).empty
