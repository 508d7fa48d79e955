"""Property tests: numbers as people write them, and region codes as Excel leaves them."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from wijkkompas.formatting import nl_number
from wijkkompas.sources.user_file import MISSING_MARKERS, parse_number, parse_numbers, sniff_decimal
from wijkkompas.userdata.codes import CODE_PATTERN, normalise_name, parse_codes

FAST = settings(max_examples=30, deadline=None)
amounts = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)
decimals = st.integers(min_value=0, max_value=3)
batch = st.lists(st.tuples(amounts, decimals), min_size=1, max_size=40)


def parse_all(texts: list[str], decimal: str = ",") -> list[tuple[float, str]]:
    """One vectorised call per example (the page parses whole columns), checked cell by cell."""
    values, status = parse_numbers(pd.Series(texts, dtype="string"), decimal)
    return list(zip(values.astype(float), status.astype(str), strict=True))


@FAST
@given(batch)
def test_dutch_formatted_numbers_read_back(items):
    texts = [nl_number(x, d) for x, d in items]  # 1.234.567,89 — how Dutch Excel shows it
    for (x, d), (value, status) in zip(items, parse_all(texts, ","), strict=True):
        assert status == "ok"
        assert math.isclose(value, round(x, d), rel_tol=1e-12, abs_tol=10 ** -(d + 1))


@FAST
@given(batch)
def test_english_formatted_numbers_read_back_in_a_point_column(items):
    texts = [f"{x:,.{d}f}" for x, d in items]  # 1,234,567.89
    for (x, d), (value, status) in zip(items, parse_all(texts, "."), strict=True):
        assert status == "ok"
        assert math.isclose(value, round(x, d), rel_tol=1e-12, abs_tol=10 ** -(d + 1))


@FAST
@given(st.lists(st.integers(min_value=-(10**12), max_value=10**12), min_size=1, max_size=40))
def test_plain_integers_read_the_same_in_both_conventions(ns):
    texts = [str(n) for n in ns]
    assert parse_all(texts, ",") == parse_all(texts, ".") == [(float(n), "ok") for n in ns]


@FAST
@given(st.floats(min_value=0, max_value=1e6, allow_nan=False), st.integers(1, 2))
def test_a_column_of_decimal_commas_is_sniffed_as_comma(x, d):
    col = pd.Series([nl_number(x, d), "12,5", "n.b."], dtype="string")
    assert sniff_decimal(col, default=".") == ","


@FAST
@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(MISSING_MARKERS)), st.sampled_from(["", " ", "  "]), st.booleans()),
        min_size=1,
        max_size=30,
    )
)
def test_missing_markers_are_missing_with_a_reason_never_zero(items):
    texts = [pad + (m.upper() if up else m) + pad for m, pad, up in items]
    for value, status in parse_all(texts):
        assert math.isnan(value)
        assert status not in ("ok", "")


@FAST
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=10_000), st.sampled_from(["<", "< ", "kleiner dan ", ">"])),
        min_size=1,
        max_size=30,
    )
)
def test_censored_counts_are_missing_and_say_the_bound(items):
    for (n, _op), (value, status) in zip(items, parse_all([f"{op}{n}" for n, op in items]), strict=True):
        assert math.isnan(value)
        assert str(n) in status and "afgeschermd" in status


@FAST
@given(st.lists(st.text(max_size=30), min_size=1, max_size=40))
def test_any_text_gives_a_number_or_a_reason(texts):
    for v, s in parse_all(texts):
        assert (s == "ok" and math.isfinite(v)) or (math.isnan(v) and s != "ok")


def test_single_cell_parser_matches_the_column_parser():
    for text in ["1.234,5", "n.b.", "<5", "12.5", "geheim", ""]:
        assert repr(parse_number(text)) == repr(parse_all([text])[0])


codes = st.builds(
    lambda level, gm, wk, bu: {
        "gemeente": f"GM{gm:04d}",
        "wijk": f"WK{gm:04d}{wk:02d}",
        "buurt": f"BU{gm:04d}{wk:02d}{bu:02d}",
    }[level],
    st.sampled_from(["gemeente", "wijk", "buurt"]),
    st.integers(1, 1999),
    st.integers(0, 99),
    st.integers(0, 99),
)
LEVEL = {"GM": "gemeente", "WK": "wijk", "BU": "buurt"}


code_lists = st.lists(codes, min_size=1, max_size=40)


def parse_all_codes(texts: list[str], level: str | None = None) -> list[str | None]:
    return [None if pd.isna(v) else v for v in parse_codes(pd.Series(texts, dtype="string"), level)]


@FAST
@given(code_lists)
def test_codes_survive_case_spaces_and_a_lost_prefix(items):
    assert parse_all_codes(items) == items
    assert parse_all_codes([f"  {c.lower()} " for c in items]) == items
    assert parse_all_codes([c[:2] + " " + c[2:] for c in items]) == items
    assert parse_all_codes([c[2:] for c in items]) == items  # 'BU' left out: the digit count says the level
    for level in ("gemeente", "wijk", "buurt"):
        same = [c for c in items if LEVEL[c[:2]] == level]
        assert parse_all_codes([c[2:] for c in same], level) == same


@FAST
@given(code_lists)
def test_codes_survive_excel_dropping_leading_zeros(items):
    for level in ("gemeente", "wijk", "buurt"):
        same = [c for c in items if LEVEL[c[:2]] == level]
        digits = [str(int(c[2:])) for c in same]  # what Excel shows after it made the code a number
        assert parse_all_codes(digits, level) == same
        assert parse_all_codes([d + ".0" for d in digits], level) == same
    buurten = [c for c in items if c.startswith("BU") and len(str(int(c[2:]))) >= 7]
    assert parse_all_codes([str(int(c[2:])) for c in buurten]) == buurten  # 1640101 → BU01640101 without a hint


@FAST
@given(st.lists(st.text(max_size=14), min_size=1, max_size=40))
def test_parse_code_returns_a_valid_code_or_nothing(texts):
    for out in parse_all_codes(texts):
        assert out is None or CODE_PATTERN.match(out)


def test_column_parser_keeps_order_and_index():
    col = pd.Series(["1640101", None, "Centrum", "wk016401", "1640101"], index=[10, 11, 12, 13, 14], dtype="string")
    out = parse_codes(col)
    assert list(out.index) == [10, 11, 12, 13, 14]
    assert [None if pd.isna(v) else v for v in out] == ["BU01640101", None, None, "WK016401", "BU01640101"]


@FAST
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz éëèïöü'-", min_size=1, max_size=25))
def test_name_keys_ignore_case_accents_and_spacing(name):
    key = normalise_name(name)
    assert normalise_name(name.upper()) == key
    assert normalise_name("  " + name.replace(" ", "  ") + " ") == key
    plain = (
        name.replace("é", "e").replace("ë", "e").replace("è", "e").replace("ï", "i").replace("ö", "o").replace("ü", "u")
    )
    assert normalise_name(plain) == key


def test_name_keys_for_the_usual_dutch_variants():
    assert normalise_name("'t Lansink") == normalise_name("Het Lansink") == normalise_name("t lansink")
    assert normalise_name("Wijk 01 Hengelose Es") == normalise_name("hengelose es")
    assert normalise_name("Hengelose Es") != normalise_name("Hengelose Ess")
    assert normalise_name("Sint-Jozef") == normalise_name("St. Jozef")
