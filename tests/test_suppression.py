"""Secondary suppression: no published total may give away a hidden small buurt."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from tests.fixtures import messy_files as mf
from tests.test_userdata_import import eigen_values
from wijkkompas.userdata import check_file, import_analysis
from wijkkompas.userdata.service import inhabitants
from wijkkompas.userdata.suppression import privacy_status, secondary_status, suppress

INW = pd.Series(
    {
        "BU09990101": 1260,
        "BU09990102": 840,
        "BU09990103": 315,
        "BU09990201": 2000,
        "BU09990203": 700,
        "WK099901": 2415,
        "WK099902": 2700,
        "GM0999": 5115,
    }
)


def _frame(values: dict[str, float], indicator: str = "eigen.x") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_code": list(values),
            "year": 2024,
            "indicator": indicator,
            "value": [float(v) for v in values.values()],
            "status": "ok",
        }
    )


def _by_code(out: pd.DataFrame) -> pd.DataFrame:
    return out.set_index("region_code")


def test_wijk_of_three_buurten_with_one_small_hides_the_next_smallest_sibling():
    """WK099901 = 10 + 20 + 30: with only the 315-inwoner buurt hidden, 60 − 10 − 20 = 30 gives it away."""
    out = _by_code(suppress(_frame({"BU09990101": 10, "BU09990102": 20, "BU09990103": 30, "WK099901": 60}), INW, 500))
    assert math.isnan(out.loc["BU09990103", "value"]) and out.loc["BU09990103", "status"] == privacy_status(500)
    # The next smallest sibling (840 inwoners) is hidden too; 315 + 840 ≥ 500 and two values: safe.
    assert math.isnan(out.loc["BU09990102", "value"]) and out.loc["BU09990102", "status"] == secondary_status(500)
    assert out.loc["BU09990101", "value"] == 10  # the largest stays
    assert out.loc["WK099901", "value"] == 60  # and the wijk total is kept
    visible = out.loc[["BU09990101"], "value"].sum()
    assert out.loc["WK099901", "value"] - visible == 50  # only the sum of the two hidden ones is known


def test_no_value_of_a_hidden_buurt_is_recoverable_by_subtraction():
    out = _by_code(
        suppress(
            _frame(
                {
                    "BU09990101": 10,
                    "BU09990102": 20,
                    "BU09990103": 30,
                    "WK099901": 60,
                    "BU09990201": 40,
                    "BU09990203": 50,
                    "WK099902": 90,
                    "GM0999": 150,
                }
            ),
            INW,
            500,
        )
    )
    hidden = out[out["value"].isna()].index
    for total, members in {
        "WK099901": ["BU09990101", "BU09990102", "BU09990103"],
        "WK099902": ["BU09990201", "BU09990203"],
    }.items():
        if math.isnan(out.loc[total, "value"]):
            continue
        unknown = [m for m in members if m in hidden]
        assert len(unknown) != 1, (total, unknown)
    assert out.loc["GM0999", "value"] == 150  # every hidden buurt sits in a wijk with a published total


def test_a_wijk_whose_siblings_cannot_cover_is_hidden_itself():
    inw = pd.Series(
        {"BU09990101": 100, "BU09990102": 200, "WK099901": 300, "GM0999": 5000, "BU09990201": 4700, "WK099902": 4700}
    )
    out = _by_code(
        suppress(
            _frame({"BU09990101": 1, "BU09990102": 2, "WK099901": 3, "BU09990201": 4, "WK099902": 4, "GM0999": 7}),
            inw,
            500,
        )
    )
    # Both buurten and the wijk itself are under 500: all hidden (primary). The gemeente total minus
    # WK099902 would give WK099901 (300 inwoners): hidden as well.
    assert out.loc[["BU09990101", "BU09990102", "WK099901"], "value"].isna().all()
    assert math.isnan(out.loc["GM0999", "value"]) and out.loc["GM0999", "status"] == secondary_status(500)
    assert out.loc["BU09990201", "value"] == 4


def test_only_one_sibling_and_not_enough_inwoners_hides_the_wijk_total():
    inw = pd.Series({"BU09990101": 100, "BU09990102": 300, "WK099901": 600})
    out = _by_code(suppress(_frame({"BU09990101": 1, "BU09990102": 2, "WK099901": 3}), inw, 500))
    # Hiding the sibling as well gives two values but only 400 inwoners: the wijk total goes.
    assert out["value"].isna().all()
    assert out.loc["WK099901", "status"] == secondary_status(500)


def test_each_indicator_and_year_is_protected_on_its_own():
    a = _frame({"BU09990101": 10, "BU09990102": 20, "BU09990103": 30, "WK099901": 60}, "eigen.a")
    b = _frame({"BU09990101": 1, "BU09990102": np.nan, "BU09990103": 3, "WK099901": np.nan}, "eigen.b")
    out = suppress(pd.concat([a, b], ignore_index=True), INW, 500)
    bb = out[out["indicator"] == "eigen.b"].set_index("region_code")
    assert bb.loc["BU09990101", "value"] == 1  # no published wijk total for b: nothing to protect against
    assert math.isnan(bb.loc["BU09990103", "value"])


def test_upload_hides_totals_after_suppression_not_before(tiny_store):
    """End to end: a wijk of three buurten, one below the threshold; its wijk sum must not give it away."""
    lines = ["buurtcode;meldingen", "BU09990101;10", "BU09990102;20", "BU09990103;30", "BU09990201;40"]
    data = mf._csv(lines)
    analysis = check_file(data, "meldingen.csv", tiny_store, year=2024, privacy_threshold=500)
    metas = dict(analysis.metas)
    metas["meldingen"].aggregate = "sum"
    import_analysis(tiny_store, analysis, data, metas, hide_small=True, inwoners=inhabitants(tiny_store))
    v = eigen_values(tiny_store, "eigen.meldingen").set_index("region_code")
    assert math.isnan(v.loc["BU09990103", "value"]) and v.loc["BU09990103", "status"] == privacy_status(500)
    assert math.isnan(v.loc["BU09990102", "value"]) and v.loc["BU09990102", "status"] == secondary_status(500)
    assert v.loc["WK099901", "value"] == 60
    assert v.loc["WK099901", "value"] - v.loc["BU09990101", "value"] == 50  # two hidden buurten, never one
