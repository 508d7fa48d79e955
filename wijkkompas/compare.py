"""Regions side by side, and regions that resemble each other (pure; no Streamlit).

Two questions a wijkregisseur asks before a wijkgesprek: "how does this wijk differ from the rest of
the gemeente?" and "which wijken elsewhere are like ours, so we can learn from them?". The first is
`comparison_table`: every indicator's value next to its gemeente's value (or, for counts, the
average buurt/wijk of that gemeente), with the difference judged by the catalogue's `better`. The
second is `find_peers`: the nearest regions of the same level on standardised profile indicators,
each with a one-line Dutch reason that names the features that make them alike.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wijkkompas.catalogue.catalogue import THEMES, Catalogue, Indicator
from wijkkompas.errors import SourceError
from wijkkompas.formatting import format_value, missing_text, nl_number

PEERS_TOML = Path(__file__).parent / "catalogue" / "peers.toml"
LEVEL_WORDS = {"nederland": "land", "gemeente": "gemeente", "wijk": "wijk", "buurt": "buurt"}
MAX_REGIONS = 6
BAND = 0.10  # within ±10% of the reference counts as "rond het gemiddelde" (as Rotterdam's 90–110 band)
Z_CLIP = 4.0

COMPARISON_COLUMNS = [
    "theme",
    "theme_label",
    "theme_order",
    "indicator_order",
    "indicator",
    "label",
    "unit",
    "better",
    "region_code",
    "region_name",
    "level",
    "gemeente_code",
    "value",
    "status",
    "value_text",
    "reference_kind",
    "reference_name",
    "reference_value",
    "reference_text",
    "diff",
    "diff_text",
    "judgement",
    "bar",
    "source_table",
    "source_key",
]


# =========================================================================== side by side


def is_count(ind: Indicator | None) -> bool:
    """Counts and areas grow with the size of a region: compare them with the average region, not the gemeente total."""
    if ind is None:
        return False
    return ind.aggregate == "sum" or ind.unit in ("aantal", "ha")


def comparison_table(
    values: pd.DataFrame,
    codes: Sequence[str],
    catalogue: Catalogue,
    *,
    gemeente_names: Mapping[str, str] | None = None,
    include_extra: bool = False,
    band: float = BAND,
) -> pd.DataFrame:
    """One row per indicator × chosen region, with the reference, difference and judgement.

    `values` holds one year: the chosen regions' rows plus, for the references, the rows of their
    gemeenten (all levels) and Nederland when loaded. The reference of a buurt or wijk is its
    gemeente's own value; for counts (and when the gemeente has no value) it is the average of the
    gemeente's regions of the same level, named as such. A gemeente is compared with Nederland.
    """
    codes = list(dict.fromkeys(codes))
    sel = values[values["region_code"].isin(codes)].drop_duplicates(["region_code", "indicator"])
    if sel.empty:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    order = {ident: i for i, ident in enumerate(catalogue.all())}
    theme_order = {t: i for i, t in enumerate(THEMES)}
    known = {i: ind for i in sel["indicator"].unique() if (ind := catalogue.get(i)) is not None}
    inds = [i for i, ind in known.items() if include_extra or ind.origin != "cbs"]
    sel = sel[sel["indicator"].isin(inds)]
    if sel.empty:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    meta = pd.DataFrame(
        [
            {
                "indicator": i,
                "label": (ind := known[i]).label,
                "unit": ind.unit,
                "better": ind.better,
                "theme": ind.theme,
                "theme_label": ind.theme_label,
                "theme_order": theme_order.get(ind.theme, len(theme_order)),
                "indicator_order": order.get(i, len(order)),
                "_count": is_count(ind),
            }
            for i in inds
        ]
    )
    gm_names = dict(gemeente_names or {})
    gm_rows = values[values["level"] == "gemeente"]
    for code, name in gm_rows.drop_duplicates("region_code")[["region_code", "region_name"]].itertuples(index=False):
        gm_names.setdefault(code, name)

    # Full grid: every chosen region × every indicator shown (a region without a row gets "geen cijfer").
    regions = values[values["region_code"].isin(codes)].drop_duplicates("region_code")
    regions = regions[["region_code", "region_name", "level", "gemeente_code"]]
    grid = meta.merge(regions, how="cross")
    cols = ["region_code", "indicator", "value", "status", "source_table", "source_key"]
    grid = grid.merge(sel[cols], on=["region_code", "indicator"], how="left")
    grid["value"] = grid["value"].astype(float)

    gm_val = gm_rows.drop_duplicates(["region_code", "indicator"]).set_index(["region_code", "indicator"])["value"]
    nl_rows = values[values["level"] == "nederland"].drop_duplicates("indicator")
    nl_val = nl_rows.set_index("indicator")["value"]
    nl_name = str(nl_rows["region_name"].iloc[0]) if not nl_rows.empty else "Nederland"
    below = values[values["level"].isin(["wijk", "buurt"])]
    avg = below.groupby(["gemeente_code", "level", "indicator"])["value"].mean()

    key_gm = pd.MultiIndex.from_arrays([grid["gemeente_code"], grid["indicator"]])
    key_avg = pd.MultiIndex.from_arrays([grid["gemeente_code"], grid["level"], grid["indicator"]])
    own_gm = pd.Series(gm_val.reindex(key_gm).to_numpy(), index=grid.index)
    mean_same = pd.Series(avg.reindex(key_avg).to_numpy(), index=grid.index)
    nl = grid["indicator"].map(nl_val).astype(float)
    is_below = grid["level"].isin(["wijk", "buurt"])
    counts = grid["_count"].astype(bool)
    gm_map = {c: gm_names.get(c, c) for c in grid["gemeente_code"].dropna().unique()}
    gm_name = grid["gemeente_code"].map(gm_map).astype(object).fillna("").astype(str)
    level_word = grid["level"].map(LEVEL_WORDS).fillna("gebied")

    use_gm = is_below & ~counts & own_gm.notna()
    use_avg = is_below & ~use_gm & mean_same.notna()
    use_nl = (grid["level"] == "gemeente") & ~counts & nl.notna()
    grid["reference_value"] = np.select([use_gm, use_avg, use_nl], [own_gm, mean_same, nl], default=np.nan)
    grid["reference_kind"] = np.select([use_gm, use_avg, use_nl], ["gemeente", "gemiddelde", "nederland"], default="")
    grid["reference_name"] = np.select(
        [use_gm, use_avg, use_nl],
        [gm_name, "gemiddelde " + level_word + " in " + gm_name, pd.Series(nl_name, index=grid.index)],
        default="",
    )
    grid["diff"] = grid["value"] - grid["reference_value"]
    grid["judgement"] = _judge(grid, band)

    peak = pd.concat(
        [
            grid[["indicator", "value"]],
            grid[["indicator", "reference_value"]].rename(columns={"reference_value": "value"}),
        ]
    )
    peak = peak.assign(value=peak["value"].abs()).groupby("indicator")["value"].max()
    top = grid["indicator"].map(peak)
    grid["bar"] = (grid["value"].abs() / top).where(top > 0).clip(0, 1)

    inds_by_id = {i: known[i] for i in inds}
    grid["value_text"] = [
        _fmt(v, inds_by_id[i]) if not _nan(v) else missing_text(s if isinstance(s, str) else "")
        for v, i, s in zip(grid["value"], grid["indicator"], grid["status"], strict=True)
    ]
    grid["reference_text"] = [
        "" if _nan(r) else _fmt(r, inds_by_id[i])
        for r, i in zip(grid["reference_value"], grid["indicator"], strict=True)
    ]
    grid["diff_text"] = [
        _diff_text(d, r, inds_by_id[i])
        for d, r, i in zip(grid["diff"], grid["reference_value"], grid["indicator"], strict=True)
    ]
    grid = grid.sort_values(["theme_order", "indicator_order", "indicator"], kind="stable")
    pos = {c: n for n, c in enumerate(codes)}
    grid["_pos"] = grid["region_code"].map(pos)
    grid = grid.sort_values(["theme_order", "indicator_order", "_pos"], kind="stable")
    return grid[COMPARISON_COLUMNS].reset_index(drop=True)


def _nan(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def _judge(grid: pd.DataFrame, band: float) -> np.ndarray:
    v, r, d = grid["value"], grid["reference_value"], grid["diff"]
    better = grid["better"]
    rel = (d / r.abs()).where(r.abs() > 0)
    near = (rel.abs() <= band) | ((r == 0) & (d == 0))
    up = d > 0
    conds = [
        v.isna(),
        r.isna(),
        near.fillna(False).astype(bool),
        (better == "higher_is_better") & up,
        (better == "higher_is_better") & ~up,
        (better == "lower_is_better") & up,
        (better == "lower_is_better") & ~up,
        up,
    ]
    choices = ["onbekend", "", "rond gemiddeld", "beter", "slechter", "slechter", "beter", "hoger"]
    return np.select(conds, choices, default="lager")


def _diff_text(diff: float, ref: float, ind: Indicator) -> str:
    """'+2,1 procentpunt', '+25%' for counts, '+0,3 km' otherwise; '' without a reference."""
    if _nan(diff) or _nan(ref):
        return ""
    sign = "+" if diff > 0 else ("−" if diff < 0 else "±")
    if ind.unit == "%":
        return f"{sign}{nl_number(abs(diff), ind.decimals)} procentpunt"
    if is_count(ind) and ref:
        return f"{sign}{nl_number(abs(diff) / abs(ref) * 100, 0)}%"
    return f"{sign}{_fmt(abs(diff), ind)}"


def _fmt(value: float, ind: Indicator | None) -> str:
    """format_value, but a code (stedelijkheid 1–5) is shown as a bare number, not '3 code'."""
    if ind is not None and ind.unit == "code":
        return nl_number(value, 0)
    return format_value(value, ind)


# =========================================================================== peers


@dataclass(frozen=True)
class PeerConfig:
    """The `[peers]` table of peers.toml: which indicators describe a region's character."""

    features: tuple[str, ...]
    log_scale: tuple[str, ...] = ()
    k: int = 5
    min_features: int = 3
    min_inwoners: float | None = 50


def parse_peer_config(
    text: str, known: Catalogue | Sequence[str] | None = None, where: str = "peers.toml"
) -> PeerConfig:
    """Validate the TOML; a wrong entry gives a Dutch message naming the file and the key."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(f"{where} is geen geldige TOML: {exc}. Herstel het bestand.", path=where) from exc
    peers = raw.get("peers")
    if not isinstance(peers, dict):
        raise SourceError(f"{where}: de tabel [peers] ontbreekt. Zet daarin features = [ … ].", path=where)
    unknown_keys = sorted(set(peers) - {"features", "log_scale", "k", "min_features", "min_inwoners"})
    if unknown_keys:
        raise SourceError(f"{where}: onbekende sleutel(s) in [peers]: {', '.join(unknown_keys)}.", path=where)
    feats = peers.get("features")
    if not isinstance(feats, list) or not feats or not all(isinstance(f, str) for f in feats):
        raise SourceError(
            f'{where}: [peers] features moet een lijst met indicator-namen zijn, bijvoorbeeld ["aandeel_65plus"].',
            path=where,
        )
    log = peers.get("log_scale", [])
    if not isinstance(log, list) or not all(isinstance(f, str) for f in log):
        raise SourceError(f"{where}: [peers] log_scale moet een lijst met indicator-namen zijn.", path=where)
    if known is not None:
        ids = set(known.all()) if isinstance(known, Catalogue) else set(known)
        bad = [f for f in [*feats, *log] if f not in ids]
        if bad:
            raise SourceError(
                f"{where}: [peers] noemt indicatoren die niet in de catalogus staan: {', '.join(bad)}.", path=where
            )
    not_feature = [f for f in log if f not in feats]
    if not_feature:
        raise SourceError(
            f"{where}: [peers] log_scale noemt {', '.join(not_feature)}, maar die staan niet in features.", path=where
        )
    k = peers.get("k", 5)
    min_features = peers.get("min_features", 3)
    if not isinstance(k, int) or k < 1:
        raise SourceError(f"{where}: [peers] k moet een heel getal van 1 of meer zijn (nu: {k!r}).", path=where)
    if not isinstance(min_features, int) or min_features < 1:
        raise SourceError(
            f"{where}: [peers] min_features moet een heel getal van 1 of meer zijn (nu: {min_features!r}).", path=where
        )
    mi = peers.get("min_inwoners", 50)
    if mi is not None and not isinstance(mi, int | float):
        raise SourceError(f"{where}: [peers] min_inwoners moet een getal zijn (nu: {mi!r}).", path=where)
    return PeerConfig(tuple(dict.fromkeys(feats)), tuple(log), k, min_features, float(mi) if mi is not None else None)


def load_peer_config(catalogue: Catalogue | None = None, path: Path = PEERS_TOML) -> PeerConfig:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError(
            f"Het bestand {path} met de kenmerken voor vergelijkbare wijken ontbreekt ({exc}).", path=str(path)
        ) from exc
    return parse_peer_config(text, catalogue, where=str(Path(path).name))


@dataclass(frozen=True)
class FeatureMatrix:
    """All regions of one level and year on the peer features: raw values and z-scores (NaN = unknown)."""

    year: int
    level: str
    features: tuple[str, ...]
    codes: np.ndarray
    names: np.ndarray
    gemeenten: np.ndarray
    raw: np.ndarray
    z: np.ndarray
    eligible: np.ndarray
    unused: Mapping[str, str] = field(default_factory=dict)  # feature -> why it is not used

    def row(self, code: str) -> int | None:
        hits = np.flatnonzero(self.codes == code)
        return int(hits[0]) if len(hits) else None

    def __len__(self) -> int:
        return len(self.codes)


def feature_matrix(values: pd.DataFrame, config: PeerConfig, *, year: int, level: str) -> FeatureMatrix:
    """Pivot the long table into regions × features and standardise each feature.

    Standardising (z-score over every loaded region of this level) puts WOZ-waarde in thousands of
    euros and shares in percent on one scale, so no feature wins because of its unit. Values are
    clipped at ±4 standard deviations so one extreme buurt cannot dominate a distance.
    """
    feats = list(config.features)
    want = [*feats, "inwoners"]
    v = values[(values["year"] == year) & (values["level"] == level) & values["indicator"].isin(want)]
    codes, ci = np.unique(v["region_code"].to_numpy(dtype=object).astype(str), return_inverse=True)
    n = len(codes)
    fi = pd.Index(feats).get_indexer(v["indicator"])
    vals = v["value"].to_numpy(dtype=float, na_value=np.nan)
    raw = np.full((n, len(feats)), np.nan)
    ok = fi >= 0
    raw[ci[ok], fi[ok]] = vals[ok]
    inw = np.full(n, np.nan)
    is_inw = (v["indicator"] == "inwoners").to_numpy()
    inw[ci[is_inw]] = vals[is_inw]

    first = np.unique(ci, return_index=True)[1]
    names = v["region_name"].to_numpy(dtype=object)[first] if n else np.array([], dtype=object)
    gemeenten = v["gemeente_code"].to_numpy(dtype=object)[first] if n else np.array([], dtype=object)

    x = raw.copy()
    for j, f in enumerate(feats):
        if f in config.log_scale:
            x[:, j] = np.log1p(np.clip(x[:, j], 0, None))
    unused: dict[str, str] = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        counts = np.sum(~np.isnan(x), axis=0)
        mean = np.nanmean(np.where(counts > 0, x, 0.0), axis=0)
        std = np.nanstd(np.where(counts > 0, x, 0.0), axis=0)
        keep = (counts >= 2) & (std > 0)
        z = np.clip((x - mean) / np.where(std > 0, std, 1.0), -Z_CLIP, Z_CLIP)
    for j, f in enumerate(feats):
        if counts[j] == 0:
            unused[f] = f"geen cijfers in {year}"
        elif not keep[j]:
            unused[f] = f"in {year} overal (bijna) gelijk"
    z[:, ~keep] = np.nan
    eligible = np.ones(n, dtype=bool) if config.min_inwoners is None else ~(inw < config.min_inwoners)
    return FeatureMatrix(int(year), level, tuple(feats), codes, names, gemeenten, raw, z, eligible, unused)


@dataclass(frozen=True)
class PeerResult:
    target_code: str
    target_name: str
    year: int
    level: str
    features_used: tuple[str, ...]
    table: pd.DataFrame  # rank, region_code, region_name, gemeente_code, similarity, distance, shared, closest, reason
    candidates: int


PEER_COLUMNS = [
    "rank",
    "region_code",
    "region_name",
    "gemeente_code",
    "similarity",
    "distance",
    "shared",
    "closest",
    "reason",
]


def find_peers(
    matrix: FeatureMatrix,
    target: str,
    *,
    k: int = 5,
    min_features: int = 3,
    catalogue: Catalogue | None = None,
    exclude_gemeente: bool = False,
) -> PeerResult:
    """The k regions nearest to `target` in standardised feature space, with a reason each.

    Distance: Euclidean over the features both regions have, scaled up for the ones a candidate
    lacks (so a region with gaps is not "closer" for having fewer terms); a candidate needs at least
    `min_features` features in common. Similarity = exp(−RMS z-difference): 100% is identical, 37%
    means one standard deviation apart on every feature on average.
    """
    t = matrix.row(target)
    level_word = LEVEL_WORDS.get(matrix.level, matrix.level)
    if t is None:
        raise SourceError(
            f"{target} heeft in {matrix.year} geen cijfers op {level_word}niveau, dus er is niets om mee te vergelijken. "
            "Kies een ander jaar of een ander gebied."
        )
    tz = matrix.z[t]
    avail = ~np.isnan(tz)
    n_t = int(avail.sum())
    target_name = str(matrix.names[t])
    need = min(min_features, max(n_t, 1))
    if n_t < min_features:
        raise SourceError(
            f"Voor {target_name} ({target}) zijn in {matrix.year} maar {n_t} van de kenmerken bekend; "
            f"er zijn er minstens {min_features} nodig om vergelijkbare gebieden te zoeken."
        )
    diff = matrix.z[:, avail] - tz[avail]
    present = ~np.isnan(diff)
    shared = present.sum(axis=1)
    sq = np.where(present, diff * diff, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = np.sqrt(sq * n_t / shared)
    bad = (shared < need) | ~matrix.eligible
    bad[t] = True
    if exclude_gemeente:
        bad |= matrix.gemeenten == matrix.gemeenten[t]
    dist = np.where(bad, np.inf, dist)
    candidates = int(np.isfinite(dist).sum())
    k = max(0, min(k, candidates))
    if k == 0:
        return PeerResult(
            target, target_name, matrix.year, matrix.level, _used(matrix, avail), pd.DataFrame(columns=PEER_COLUMNS), 0
        )
    top = np.argpartition(dist, k - 1)[:k] if k < len(dist) else np.arange(len(dist))
    top = top[np.lexsort((matrix.codes[top], dist[top]))][:k]
    used = _used(matrix, avail)
    feat_idx = np.flatnonzero(avail)
    rows = []
    for rank, i in enumerate(top, start=1):
        closest = _closest(diff[i], tz[avail], feat_idx, matrix.features)
        rows.append(
            {
                "rank": rank,
                "region_code": str(matrix.codes[i]),
                "region_name": str(matrix.names[i]),
                "gemeente_code": matrix.gemeenten[i],
                "similarity": float(np.exp(-dist[i] / math.sqrt(n_t))),
                "distance": float(dist[i]),
                "shared": int(shared[i]),
                "closest": tuple(f for f, _ in closest),
                "reason": peer_reason(
                    target_name, [(f, matrix.raw[i, j], matrix.raw[t, j]) for f, j in closest], catalogue
                ),
            }
        )
    return PeerResult(
        target, target_name, matrix.year, matrix.level, used, pd.DataFrame(rows, columns=PEER_COLUMNS), candidates
    )


def _used(matrix: FeatureMatrix, avail: np.ndarray) -> tuple[str, ...]:
    return tuple(f for f, a in zip(matrix.features, avail, strict=True) if a)


def _closest(
    diff_row: np.ndarray, target_z: np.ndarray, feat_idx: np.ndarray, features: Sequence[str]
) -> list[tuple[str, int]]:
    """The 2–3 features on which the peer is nearest the target.

    Ties go to the feature on which the target is most unusual: "both have many 65-plussers" says
    more than "both are average". A third feature is named only when it is close too (< ½ sd).
    """
    ok = ~np.isnan(diff_row)
    idx = np.flatnonzero(ok)
    if len(idx) == 0:
        return []
    gap = np.abs(diff_row[idx])
    order = idx[np.lexsort((-np.abs(target_z[idx]), np.round(gap, 2)))]
    chosen = list(order[:2])
    if len(order) > 2 and abs(diff_row[order[2]]) < 0.5:
        chosen.append(order[2])
    return [(features[feat_idx[j]], int(feat_idx[j])) for j in chosen]


def _lower_first(label: str) -> str:
    """'Koopwoningen' → 'koopwoningen', but 'WOZ-waarde' stays (an abbreviation keeps its capitals)."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def short_label(ind: Indicator | None, fallback: str) -> str:
    """'Stedelijkheid (1 = zeer sterk stedelijk, …)' → 'stedelijkheid': the reason must fit on one line."""
    if ind is None:
        return fallback
    return _lower_first(ind.label.split(" (")[0].strip())


def peer_reason(target_name: str, closest: Sequence[tuple[str, float, float]], catalogue: Catalogue | None) -> str:
    """'Lijkt op Oude Markt door: koopwoningen (41% tegen 40%) en …' — peer's value first, then the target's."""
    parts = []
    for feat, peer_val, target_val in closest:
        ind = catalogue.get(feat) if catalogue is not None else None
        a, b = _fmt(peer_val, ind), _fmt(target_val, ind)
        suffix = f" {ind.unit}" if ind is not None and ind.unit not in ("%", "aantal", "code", "") else ""
        if suffix and a.endswith(suffix) and b.endswith(suffix):
            a = a[: -len(suffix)]  # '4.825 tegen 4.369 per km²', not the unit twice
        parts.append(f"{short_label(ind, feat)} ({'allebei ' + b if a == b or a + suffix == b else f'{a} tegen {b}'})")
    if not parts:
        return f"Lijkt op {target_name}, maar geen enkel kenmerk is bij allebei bekend."
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " en " + parts[-1]
    return f"Lijkt op {target_name} door: {listed}."
