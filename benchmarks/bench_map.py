"""Map build speed and size: the Kaart page's server-side work and the bytes sent to the browser.

What is measured (DESIGN.md §2.5, issue 4):

* three gemeenten (Hengelo, Enschede, Almelo; real CBS files from ../shared/data, skipped when
  absent): the Kaart page's cached build (`wijkkompas.ui.kaart._build`) — cold (nothing cached),
  warm (geometry read and encoded, a *new* indicator: what an indicator switch costs), and a cache
  hit (the same map again: spec string handed to Streamlit);
* a synthetic national buurt layer (≈14 500 buurten, `benchmarks/generate.py geo`, simplified once
  as the ingest does): encoding the geometry (once per process) and building the map per indicator
  with quantiles, natural breaks and z-bands;
* bytes: the compact spec as Streamlit sends it, and gzip'ed (what websocket compression would send);
  with `--pydeck` also pydeck's own serialisation of the same layer for comparison (slow).

Usage:
    .venv/bin/python benchmarks/bench_map.py [--buurten 14500] [--skip-national] [--pydeck]
"""

from __future__ import annotations

import argparse
import gzip
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
import tomllib
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared" / "data"
TWENTE = ["GM0164", "GM0153", "GM0141"]

TARGETS = {
    "warm 3 gemeenten": 0.300,
    "national build": 2.0,
    "national bytes": 8_000_000,
}


def _quiet() -> None:
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)  # Streamlit: "No runtime found, using MemoryCacheStorageManager"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms".replace(",", ".")


def _mb(n: int) -> str:
    return f"{n / 1e6:,.2f} MB".replace(".", ",")


def _websocket_compression() -> bool:
    config = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"
    try:
        return bool(tomllib.loads(config.read_text())["server"].get("enableWebsocketCompression", False))
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return False


def _row(rows: list, what: str, value: str, target: str = "", ok: bool | None = None) -> None:
    rows.append((what, value, target, "" if ok is None else ("ok" if ok else "TE TRAAG/GROOT")))


def _timed(fn, repeat: int = 1):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, statistics.median(times)


# --------------------------------------------------------------------------- three gemeenten


def bench_twente(rows: list) -> None:
    if not (SHARED / "MANIFEST.json").exists():
        _row(rows, "3 gemeenten", "overgeslagen: ../shared/data ontbreekt")
        return
    from wijkkompas.ingest import ingest
    from wijkkompas.store import Store

    data_dir = Path(tempfile.mkdtemp(prefix="bench_map_twente_"))
    try:
        ingest(SHARED, Store(data_dir), TWENTE)
        os.environ["WIJKKOMPAS_DATA_DIR"] = str(data_dir)
        import streamlit as st

        from wijkkompas.ui import context, kaart

        store = context.get_store()
        names = tuple(
            sorted(
                dict(zip(store.gemeenten()["gemeente_code"], store.gemeenten()["gemeente_name"], strict=True)).items()
            )
        )
        gm = tuple(sorted(TWENTE))
        for level in ("buurt", "wijk"):
            values = store.load_values(TWENTE, [2024], [level])
            indicators = sorted(set(values["indicator"]))

            def build(ind, method="quantiles", level=level):
                return kaart._build(str(data_dir), store.version(), gm, 2024, level, ind, method, 5, False, names)

            st.cache_resource.clear()
            st.cache_data.clear()
            result, cold = _timed(lambda ids=indicators: build(ids[0]))
            warm_times = []
            for ind in indicators[1:]:
                _r, t = _timed(lambda ind=ind: build(ind))
                warm_times.append(t)
            warm = statistics.median(warm_times)
            _r, nb = _timed(lambda ids=indicators: build(ids[1], "natural_breaks"))
            _r, hit = _timed(lambda ids=indicators: build(ids[0]).model.spec(""), repeat=5)
            spec = result.model.spec()
            n = len(result.table)
            label = f"3 gemeenten, {n} {'buurten' if level == 'buurt' else 'wijken'}"
            _row(rows, f"{label}: koud (niets in cache)", _ms(cold))
            target = TARGETS["warm 3 gemeenten"]
            _row(
                rows,
                f"{label}: warm, nieuw cijfer (mediaan van {len(warm_times)})",
                _ms(warm),
                f"< {_ms(target)}",
                warm < target,
            )
            _row(rows, f"{label}: warm, natuurlijke grenzen", _ms(nb), f"< {_ms(target)}", nb < target)
            _row(rows, f"{label}: zelfde kaart opnieuw (cache)", _ms(hit))
            _row(
                rows,
                f"{label}: bytes naar de browser",
                f"{_mb(len(spec.encode()))} (gzip {_mb(len(gzip.compress(spec.encode())))})",
            )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


# --------------------------------------------------------------------------- national


def national_layer(n_buurten: int, cache: Path):
    """The synthetic national buurt + gemeente layers, simplified as the ingest does (cached on disk)."""
    import geopandas as gpd

    from benchmarks.generate import generate_geo
    from wijkkompas.geo import prepare_for_map

    cache.mkdir(parents=True, exist_ok=True)
    out = {}
    for level, name in (("buurt", "buurten"), ("gemeente", "gemeenten")):
        prepared = cache / f"{level}_map.parquet"
        if not prepared.exists():
            raw = cache / f"{name}_2024.parquet"
            if not raw.exists():
                generate_geo(
                    cache, year=2024, n_buurten=n_buurten, levels=("buurt", "wijk", "gemeente"), formats=("parquet",)
                )
            frame = gpd.read_parquet(raw)
            if level == "buurt":
                frame = frame.rename(
                    columns={"buurtcode": "region_code", "buurtnaam": "region_name", "gemeentecode": "gemeente_code"}
                )
            else:
                frame = frame.assign(
                    region_code=frame["gemeentecode"],
                    region_name=frame["gemeentenaam"],
                    gemeente_code=frame["gemeentecode"],
                )
            frame = frame[["region_code", "region_name", "gemeente_code", "geometry"]]
            prepare_for_map(frame, level).to_parquet(prepared)
        out[level] = gpd.read_parquet(prepared)
    return out


def bench_national(rows: list, n_buurten: int, with_pydeck: bool) -> None:
    import numpy as np
    import shapely

    from wijkkompas.mapdata import build_choropleth, geometry_json

    cache = Path(tempfile.gettempdir()) / f"wijkkompas_bench_geo_{n_buurten}"
    t = time.perf_counter()
    layers = national_layer(n_buurten, cache)
    prep = time.perf_counter() - t
    buurten, gemeenten = layers["buurt"], layers["gemeente"]
    vertices = int(shapely.get_num_coordinates(buurten.geometry.to_numpy()).sum())
    _row(
        rows,
        f"nationaal: {len(buurten):,} buurten, {vertices:,} punten (na vereenvoudigen)".replace(",", "."),
        f"klaarzetten {prep:.1f} s (eenmalig, cache)",
    )

    geo_strings, t_geo = _timed(lambda: geometry_json(buurten.geometry))
    gm_strings, t_gm = _timed(lambda: geometry_json(gemeenten.geometry))
    _row(rows, "nationaal: geometrie coderen (eenmalig per proces)", _ms(t_geo + t_gm))

    rng = np.random.default_rng(1)
    names = dict(zip(gemeenten["region_code"], gemeenten["region_name"], strict=True))
    spec = ""
    for i, (method, better) in enumerate(
        (("quantiles", "lower_is_better"), ("natural_breaks", "neutral"), ("z_bands", "higher_is_better"))
    ):
        frame = buurten.copy()
        frame["value"] = rng.lognormal(size=len(frame)) * (10 + i)
        secret = rng.random(len(frame)) < 0.03
        frame.loc[secret, "value"] = np.nan
        frame["status"] = np.where(secret, "geheim", "ok")

        def build(frame=frame, method=method, better=better):
            model = build_choropleth(
                frame,
                value_label="Synthetisch cijfer",
                unit="%",
                better=better,
                decimals=1,
                method=method,
                k=5,
                gemeente_outline=gemeenten,
                gemeente_names=names,
                geometry_strings=geo_strings,
                gemeente_outline_strings=gm_strings,
            )
            return model.spec()

        spec, t_build = _timed(build, repeat=3 if method == "quantiles" else 1)
        target = TARGETS["national build"]
        _row(
            rows,
            f"nationaal: kaart bouwen, nieuw cijfer ({method})",
            _ms(t_build),
            f"< {target:.0f} s",
            t_build < target,
        )
    size = len(spec.encode())
    zipped = len(gzip.compress(spec.encode(), 6))
    target = TARGETS["national bytes"]
    # What reaches the browser depends on .streamlit/config.toml: with websocket compression on
    # (as shipped) it is the compressed size; judge that, and show the raw size beside it.
    compressed = _websocket_compression()
    _row(
        rows,
        "nationaal: spec als compacte JSON (ongecomprimeerd)",
        _mb(size),
        "" if compressed else f"< {_mb(target)}",
        None if compressed else size < target,
    )
    _row(
        rows,
        "nationaal: bytes over de websocket (compressie aan)" if compressed else "nationaal: idem met gzip",
        _mb(zipped),
        f"< {_mb(target)}" if compressed else "",
        (zipped < target) if compressed else None,
    )
    if with_pydeck:
        import pydeck as pdk

        frame = buurten.assign(value=rng.lognormal(size=len(buurten)))
        t = time.perf_counter()
        deck = pdk.Deck(layers=[pdk.Layer("GeoJsonLayer", data=frame.__geo_interface__, get_fill_color=[200, 30, 0])])
        text = deck.to_json()
        _row(
            rows,
            "ter vergelijking: pydeck standaard (indent=2)",
            f"{_mb(len(text.encode()))} in {_ms(time.perf_counter() - t)}",
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buurten", type=int, default=14_500)
    parser.add_argument("--skip-national", action="store_true")
    parser.add_argument("--pydeck", action="store_true", help="also time pydeck's own serialisation (slow)")
    args = parser.parse_args(argv)
    _quiet()
    rows: list = []
    bench_twente(rows)
    if not args.skip_national:
        bench_national(rows, args.buurten, args.pydeck)
    width = max(len(r[0]) for r in rows)
    print(f"{'meting'.ljust(width)}  {'gemeten':<34} {'doel':<12} oordeel")
    for what, value, target, verdict in rows:
        print(f"{what.ljust(width)}  {value:<34} {target:<12} {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
