"""Small-number disclosure control for uploaded figures: primary and secondary suppression.

Hiding a buurt with fewer than `threshold` inwoners (primary suppression) is not enough when its
wijk total is published: the hidden value is then the wijk total minus its siblings. The rule here
(see docs/aggregatie-en-privacy.md for why this one):

1. Primary: every region with fewer than `threshold` inwoners is hidden.
2. Wijk: when a wijk total is published and some of its buurten are hidden, the hidden buurten
   together must be at least two *and* cover at least `threshold` inwoners; otherwise the next
   smallest visible sibling is hidden too (complementary suppression), until they do. Only when no
   sibling is left is the wijk total hidden instead. The wijk total stays: it is worth more to the
   user than the value of one more small buurt.
3. Gemeente: the buurten whose hidden values no published wijk total already covers (their wijk
   total is hidden or absent) must likewise be none, or at least two covering `threshold` inwoners;
   otherwise the gemeente total is hidden (hiding another wijk total would not help: it is the sum
   of its visible buurten).

The same holds for a weighted mean: the weights (inwoners, households) are public CBS figures, so a
wijk mean and its siblings give away the hidden buurt just as a sum does. Pure pandas; no Streamlit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def privacy_status(threshold: int) -> str:
    return f"verborgen: minder dan {threshold} inwoners"


def secondary_status(threshold: int) -> str:
    return f"verborgen: anders is een buurt met minder dan {threshold} inwoners terug te rekenen"


def suppress(
    values: pd.DataFrame,
    inwoners: pd.Series,
    threshold: int,
    *,
    wijk_of: pd.Series | None = None,
) -> pd.DataFrame:
    """Hide values so that no value of a region under `threshold` inwoners can be read or recovered.

    `values`: rows of one upload with region_code, year, indicator, value, status (wijk and gemeente
    totals included). `inwoners`: region code → inwoners (the reference the upload was checked with).
    `wijk_of`: buurt code → wijk code (defaults to the code's own digits). Returns a copy.
    """
    out = values.copy()
    if out.empty or threshold <= 0 or inwoners is None or len(inwoners) == 0:
        return out
    codes = out["region_code"].astype(str)
    inw = codes.map(inwoners)
    primary = (inw < threshold).fillna(False).to_numpy()
    out.loc[primary, "value"] = np.nan
    out.loc[primary, "status"] = privacy_status(threshold)
    secondary = secondary_status(threshold)
    for (_, _), part in out.groupby(["indicator", "year"], sort=False):
        _suppress_one(out, part.index, primary, inwoners, threshold, secondary, wijk_of)
    return out


def _suppress_one(out, idx, primary, inwoners, threshold, secondary, wijk_of) -> None:
    part = out.loc[idx]
    code = part["region_code"].astype(str)
    is_buurt = code.str.startswith("BU")
    is_wijk = code.str.startswith("WK")
    is_gm = code.str.startswith("GM")
    pos = pd.Series(np.arange(len(out)), index=out.index)
    hidden_p = pd.Series(primary[pos[idx].to_numpy()], index=idx)
    # A buurt whose value is missing anyway hides nothing; only hidden *values* need protecting.
    had_value = part["value"].notna() | hidden_p
    buurten = part[is_buurt & had_value]
    wijk = buurten["region_code"].astype(str).map(wijk_of) if wijk_of is not None else None
    if wijk is None or wijk.isna().any():
        wijk = "WK" + buurten["region_code"].astype(str).str[2:8]
    hidden = set(buurten.index[hidden_p[buurten.index]])
    published_wijk = {str(c): i for i, c in part.loc[is_wijk, "region_code"].items() if pd.notna(out.at[i, "value"])}
    for w, members in buurten.groupby(wijk):
        h = [i for i in members.index if i in hidden]
        if not h or w not in published_wijk:
            continue
        visible = [i for i in members.index if i not in hidden and pd.notna(out.at[i, "value"])]
        visible.sort(key=lambda i: (inwoners.get(str(out.at[i, "region_code"]), np.inf), str(out.at[i, "region_code"])))
        while not _safe(h, out, inwoners, threshold):
            if not visible:
                i = published_wijk.pop(w)
                out.at[i, "value"] = np.nan
                out.at[i, "status"] = secondary
                break
            i = visible.pop(0)
            out.at[i, "value"] = np.nan
            out.at[i, "status"] = secondary
            h.append(i)
            hidden.add(i)
    # Gemeente: hidden buurten that no published wijk total covers.
    uncovered = [i for i in hidden if wijk[i] not in published_wijk]
    for i, c in part.loc[is_gm, "region_code"].items():
        if pd.isna(out.at[i, "value"]):
            continue
        mine = [j for j in uncovered if str(out.at[j, "region_code"])[2:6] == str(c)[2:6]]
        if mine and not _safe(mine, out, inwoners, threshold):
            out.at[i, "value"] = np.nan
            out.at[i, "status"] = secondary


def _safe(hidden_rows, out, inwoners, threshold) -> bool:
    """A group of hidden values a total gives away as one sum: safe when ≥ 2 values and ≥ threshold inwoners."""
    n = sum(float(inwoners.get(str(out.at[i, "region_code"]), 0) or 0) for i in hidden_rows)
    return len(hidden_rows) >= 2 and n >= threshold
