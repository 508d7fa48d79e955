"""Score recompute speed: what a weight slider costs, for three gemeenten and for the whole country.

Targets (issue 6): recomputing all scores for all buurten of the three Twente gemeenten after a slider
move < 200 ms; for a synthetic national set of ≈ 14 500 buurten < 2 s.

"After a slider move" is measured two ways: the full recompute (normalise + weight, what a cold cache or
a method/reference change costs) and the weighting alone (what the page does on a slider move, because
normalising does not depend on the weights and is cached). Also the stability check (±10 % on every
weight) and the per-region table the page shows.

    python benchmarks/bench_scores.py [--repeat 7]

Uses ../shared/data (ingested into a temporary store) for the real Twente case when present; the
synthetic sets are generated here (every score indicator filled, 5 % missing), deterministic from a seed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from wijkkompas.scores import combine, default_definitions, prepare  # noqa: E402
from wijkkompas.scores.stability import stability  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
TWENTE = ["GM0164", "GM0153", "GM0141"]


def synthetic(n_buurten: int, n_gemeenten: int, seed: int = 1, missing: float = 0.05) -> pd.DataFrame:
    """A long table like the store's: every indicator of both scores + inwoners, for n buurten."""
    rng = np.random.default_rng(seed)
    ids = sorted({i for d in default_definitions().values() for i in d.indicator_ids()} | {"inwoners"})
    gm = np.sort(rng.integers(0, n_gemeenten, n_buurten))
    codes = np.array([f"BU{g:04d}{b:04d}" for b, g in enumerate(gm)], dtype=object)
    gm_codes = np.array([f"GM{g:04d}" for g in gm], dtype=object)
    k = len(ids)
    values = rng.gamma(2.0, 20.0, size=(n_buurten, k))
    values[:, ids.index("inwoners")] = rng.integers(20, 8000, n_buurten)
    values[rng.random((n_buurten, k)) < missing] = np.nan
    frame = pd.DataFrame(
        {
            "year": np.int16(2024),
            "region_code": np.repeat(codes, k),
            "region_name": np.repeat(codes, k),
            "level": "buurt",
            "gemeente_code": np.repeat(gm_codes, k),
            "wijk_code": "",
            "indicator": np.tile(np.array(ids, dtype=object), n_buurten),
            "value": values.reshape(-1),
            "status": "ok",
            "source_table": "SYNTH",
            "source_key": "",
        }
    )
    frame.loc[frame["value"].isna(), "status"] = "geheim"
    return frame


def real_twente() -> tuple[pd.DataFrame, int] | None:
    if not (SHARED / "MANIFEST.json").exists():
        return None
    from wijkkompas.ingest import ingest
    from wijkkompas.store import Store

    tmp = Path(tempfile.mkdtemp(prefix="bench_scores_"))
    store = Store(tmp)
    ingest(SHARED, store, TWENTE)
    values = store.load_values(TWENTE, None, "buurt")
    return values, 2017  # 2017 has the income figures veerkracht can use


def timed(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def run(repeat: int) -> list[tuple]:
    rows = []
    defs = default_definitions()

    def case(
        name: str,
        values: pd.DataFrame,
        year: int,
        target_ms: float | None,
        *,
        reference="gemeente",
        method="z",
        stab=False,
    ):
        for sid, d in defs.items():
            d = d.with_settings(method=method, reference=reference)
            p = prepare(values, d, year=year, level="buurt")
            moved = d.with_weights({d.themes[0].id: d.themes[0].weight * 1.1})
            full = timed(lambda d=d, moved=moved: combine(prepare(values, d, year=year, level="buurt"), moved), repeat)
            weights_only = timed(lambda p=p, moved=moved: combine(p, moved), repeat)
            table = timed(lambda p=p, moved=moved: combine(p, moved).table(), repeat)
            rows.append(
                (name, sid, f"{method}/{reference}", p.n_regions, "volledig (normaliseren + wegen)", full, target_ms)
            )
            rows.append(
                (name, sid, f"{method}/{reference}", p.n_regions, "schuifje (alleen wegen)", weights_only, target_ms)
            )
            rows.append((name, sid, f"{method}/{reference}", p.n_regions, "wegen + ranglijsttabel", table, target_ms))
            if stab:
                s = timed(lambda p=p, d=d: stability(p, d), max(3, repeat // 2))
                rows.append(
                    (name, sid, f"{method}/{reference}", p.n_regions, "stabiliteit ±10 % (alle gewichten)", s, None)
                )

    twente = real_twente()
    if twente is not None:
        values, year = twente
        case("Twente (echt, 2017)", values, year, 200, stab=True)
    else:
        print("../shared/data ontbreekt: de echte Twente-meting wordt overgeslagen; synthetisch in plaats daarvan.")
    three = synthetic(200, 3, seed=3)
    case("3 gemeenten (synthetisch, alle cijfers)", three, 2024, 200, stab=True)
    case("3 gemeenten (synthetisch, alle cijfers)", three, 2024, 200, method="percentiel")
    national = synthetic(14_500, 342, seed=1)
    case("Nederland (synthetisch)", national, 2024, 2000)
    case("Nederland (synthetisch)", national, 2024, 2000, reference="selectie", method="percentiel")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rows = run(args.repeat)
    header = f"{'set':<40} {'score':<13} {'methode':<20} {'gebieden':>8}  {'wat':<36} {'mediaan':>10}  {'doel':>8}  ok"
    print(header)
    print("-" * len(header))
    failed = 0
    for name, sid, how, n, what, ms, target in rows:
        ok = "" if target is None else ("ja" if ms < target else "NEE")
        failed += ok == "NEE"
        target_text = f"< {target:.0f} ms" if target else ""
        print(f"{name:<40} {sid:<13} {how:<20} {n:>8}  {what:<36} {ms:>7.1f} ms  {target_text:>8}  {ok}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
