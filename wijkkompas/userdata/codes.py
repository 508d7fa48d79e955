"""Region codes and names as people type them, turned into CBS codes.

Excel eats leading zeros (`BU01640101` → `1640101`), people leave out `BU`/`WK`, write lower case
or add spaces; names come with other accents, case, spacing and `'t`/`het`. These pure functions
make both comparable with the store's regions without guessing: a code is only completed when its
digits fit the level, and the matcher checks every completion against the regions that exist.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

LEVEL_DIGITS = {"gemeente": 4, "wijk": 6, "buurt": 8}
PREFIX_LEVEL = {"GM": "gemeente", "WK": "wijk", "BU": "buurt"}
LEVEL_PREFIX = {v: k for k, v in PREFIX_LEVEL.items()}
CODE_PATTERN = re.compile(r"^(GM\d{4}|WK\d{6}|BU\d{8})$")
_CODE_TEXT = re.compile(r"^(?P<prefix>BU|WK|GM)?(?P<digits>\d{1,8})$")


_CLEAN = re.compile(r"[\s\u00a0'\"_-]+")


def _clean_one(text: str) -> str:
    t = _CLEAN.sub("", text.upper())
    t = re.sub(r"\.0+$", "", t)  # 1640101.0: a number that went through a float
    return t[4:] if t.startswith("CODE") else t


def _clean_code_text(text: pd.Series) -> pd.Series:
    return text.astype("string").fillna("").map(_clean_one).astype("string")


def level_by_length(n_digits: int) -> str | None:
    """Without a prefix the number of digits says the level (after Excel dropped at most 1–2 zeros)."""
    if 7 <= n_digits <= 8:
        return "buurt"
    if 5 <= n_digits <= 6:
        return "wijk"
    if 1 <= n_digits <= 4:
        return "gemeente"
    return None


_PLAIN = re.compile(r"^(?P<prefix>BU|WK|GM)?(?P<digits>\d{1,8})$")


def parse_code(text: object, level: str | None = None) -> str | None:
    """`'1640101'` → `'BU01640101'`, `'wk 016401'` → `'WK016401'`, `'Centrum'` → None.

    `level` ('buurt', 'wijk', 'gemeente') says what digits without a prefix mean; without it, their
    number decides (7–8 buurt, 5–6 wijk, ≤ 4 gemeente). A prefix always wins over `level`.
    """
    if text is None or (isinstance(text, float) and text != text):
        return None
    raw = str(text)
    m = _PLAIN.match(raw) or _CODE_TEXT.match(_clean_one(raw))  # most cells are clean: skip the cleaning
    if not m:
        return None
    digits = m.group("digits")
    lvl = PREFIX_LEVEL.get(m.group("prefix") or "") or (
        level if level in LEVEL_DIGITS else level_by_length(len(digits))
    )
    if lvl is None or len(digits) > LEVEL_DIGITS[lvl]:
        return None
    return LEVEL_PREFIX[lvl] + digits.zfill(LEVEL_DIGITS[lvl])


def parse_codes(text: pd.Series, level: str | None = None) -> pd.Series:
    """`parse_code` for a column; each distinct cell is parsed once (files repeat little, but cheaply)."""
    values = text.astype("string").fillna("")
    codes, uniq = pd.factorize(values, use_na_sentinel=False)
    parsed = np.array([parse_code(u, level) for u in uniq] or [None], dtype=object)
    return pd.Series(parsed[codes] if len(uniq) else np.empty(0, dtype=object), index=text.index, dtype="string")


def code_candidates(text: pd.Series) -> pd.DataFrame:
    """Every level a prefix-less number could be (for the matcher to check against real regions)."""
    values = text.astype("string").fillna("")
    codes, uniq = pd.factorize(values, use_na_sentinel=False)
    matches = [_CODE_TEXT.match(_clean_one(str(u))) for u in uniq]
    out = pd.DataFrame(index=text.index)
    for level, width in LEVEL_DIGITS.items():
        cand = np.array(
            [
                LEVEL_PREFIX[level] + m.group("digits").zfill(width)
                if m is not None and m.group("prefix") is None and len(m.group("digits")) <= width
                else None
                for m in matches
            ]
            or [None],
            dtype=object,
        )
        out[level] = pd.Series(
            cand[codes] if len(uniq) else np.empty(0, dtype=object), index=text.index, dtype="string"
        )
    return out


def looks_like_codes(text: pd.Series, header: str = "") -> float:
    """Share of filled cells that read as a code (to recognise the region column).

    Small numbers (`14`, `5`) parse as gemeente numbers too, so a column without BU/WK/GM prefixes
    only counts as codes when its header says so (`code`, `buurt`, `wijk`, …) and the numbers are
    long enough to be wijk or buurt codes.
    """
    filled = text.astype("string").fillna("").str.strip()
    filled = filled[filled != ""]
    if filled.empty:
        return 0.0
    if len(filled) > 2000:  # a sample decides; the whole column is parsed once it is chosen
        filled = filled.sample(2000, random_state=0)
    parsed = parse_codes(filled)
    prefixed = filled.str.upper().str.replace(r"\s+", "", regex=True).str.match(r"^(BU|WK|GM)\d").mean()
    if prefixed >= 0.5:
        return float(parsed.notna().mean())
    if re.search(r"code|gwb|cbs|nummer|\bnr\b|buurt|wijk|regio|gebied", header, re.I):
        digits = _clean_code_text(filled).str.len()
        if parsed.notna().mean() >= 0.6 and digits.median() >= 5:
            return float(parsed.notna().mean())
    return 0.0


# --------------------------------------------------------------------------- names

_APOS = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_WIJK_PREFIX = re.compile(r"^wijk\s*\d{1,2}\s+")  # CBS wijk names: "Wijk 01 Hengelose Es"
_HET = re.compile(r"(^|[\s(/-])'?t(?=\s)")
_DES = re.compile(r"(^|[\s(/-])'s[\s-]")
_SINT = re.compile(r"\bsint\b|\bst\.?(?=\s)")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def _fold(text: str) -> str:
    text = text.translate(_APOS)
    if not text.isascii():
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return text.casefold()


def normalise_name(text: object, *, strip_wijk: bool = True) -> str:
    """A comparison key: no accents, case, spaces or punctuation; `'t`/`t` = `het`; no "Wijk 01 ".

    `'t Lansink`, `Het Lansink` and `t lansink` give the same key; `Hengelose Es` and
    `Wijk 01 Hengelose Es` too (CBS puts the wijk number in front of wijk names).
    """
    if text is None or (isinstance(text, float) and text != text):
        return ""
    s = " ".join(_fold(str(text)).split())
    if strip_wijk:
        s = _WIJK_PREFIX.sub("", s)
    s = _HET.sub(r"\1het", s)  # 't Hofje / t Hofje → het hofje
    s = _DES.sub(r"\1s ", s)  # 's-Heerenberg → s heerenberg
    s = _SINT.sub("sint", s)
    return _NON_ALNUM.sub("", s)


def normalise_names(text: pd.Series, *, strip_wijk: bool = True) -> pd.Series:
    values = text.astype("string").fillna("")
    uniq = pd.unique(values.to_numpy())
    keys = {u: normalise_name(u, strip_wijk=strip_wijk) for u in uniq}
    return values.map(keys).astype("string")
