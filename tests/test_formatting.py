"""The one place for Dutch numbers, signs, weights and times (the copies in scores, lbm, exports, uploads and
the pack are gone)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wijkkompas.formatting import format_with_unit, nl_datetime, nl_int, nl_number, signed, weight_text


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (2.34, 1, "+2,3"),
        (-1.44, 1, "−1,4"),
        (0.04, 1, "0,0"),
        (-0.04, 1, "0,0"),
        (None, 1, "–"),
        (float("nan"), 1, "–"),
        (1234.5, 0, "+1.234"),
    ],
)
def test_signed_uses_a_real_minus_and_no_sign_on_zero(value, decimals, text):
    assert signed(value, decimals) == text


@pytest.mark.parametrize(("w", "text"), [(0.5, "0,5"), (1.0, "1"), (0.25, "0,25"), (10, "10"), (0.333, "0,33")])
def test_weights_as_people_write_them(w, text):
    assert weight_text(w) == text


def test_whole_numbers_and_money():
    assert nl_int(1234567) == "1.234.567" == nl_number(1234567)
    assert format_with_unit(274, "x 1 000 euro", 0) == "€ 274.000"
    assert format_with_unit(32.4, "x 1 000 euro", 1) == "€ 32.400"
    assert format_with_unit(12.5, "%", 1) == "12,5%"
    assert format_with_unit(3, "aantal", 0) == "3"
    assert format_with_unit(None, "%", 1) == "–"


def test_times_are_dutch_time_whatever_the_server_zone():
    assert nl_datetime("2026-12-04T20:00:00+00:00") == "04-12-2026 21:00"  # winter: UTC+1
    assert nl_datetime(datetime(2026, 7, 1, 12, 0, tzinfo=UTC)) == "01-07-2026 14:00"  # summer: UTC+2
    assert nl_datetime(None) == "onbekend"
    assert nl_datetime("geen tijd") == "geen tijd"
