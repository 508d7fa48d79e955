"""The benchmark data generator writes the exact CBS/PDOK wire formats, consistently and repeatably.

Benchmarks are only worth something if the synthetic national instance is read by the same code
paths as the real files; so these tests pin the wire details (cbsodata's JSON layout, key padding,
per-year key numbering, GeoJSON `crs` member) and the figures' internal logic on a tiny instance.
"""

from __future__ import annotations

import filecmp
import json
import re
from pathlib import Path

import numpy as np
import pytest

from benchmarks import generate as gen

SMALL = {"n_buurten": 40, "n_gemeenten": 3, "seed": 7}
YEARS = (2023, 2024)
FILES = ("TableInfos", "DataProperties", "TypedDataSet", "WijkenEnBuurten", "CategoryGroups")
AGE = ("k_0Tot15Jaar", "k_15Tot25Jaar", "k_25Tot45Jaar", "k_45Tot65Jaar", "k_65JaarOfOuder")


def _stem(key: str) -> str:
    return re.sub(r"_\d+$", "", key)


def _write_all(out: Path, seed: int = SMALL["seed"]) -> None:
    small = {**SMALL, "seed": seed}
    gen.generate_kwb(out / "kwb", YEARS, stems="builtin", **small)
    gen.generate_geo(out / "geo", 2024, **small)
    gen.generate_usercsv(out / "eigen.csv", rows=60, **small)


@pytest.fixture(scope="module")
def small_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen")
    _write_all(out)
    return out


@pytest.fixture(scope="module")
def tree() -> gen.RegionTree:
    return gen.build_region_tree(**SMALL)


def _table(out: Path, year: int) -> Path:
    return out / "kwb" / gen.kwb_tables()[year]["id"]


def _load(out: Path, year: int, name: str) -> list[dict]:
    return json.loads((_table(out, year) / f"{name}.json").read_text(encoding="utf-8"))


def _topics(out: Path, year: int) -> dict[str, dict]:
    return {p["Key"]: p for p in _load(out, year, "DataProperties") if p["Type"] == "Topic"}


def _by_stem(row: dict) -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in row.items():
        out.setdefault(_stem(k), v)  # first key of a stem (stems like `Nederland` repeat in KWB)
    return out


# ---------------------------------------------------------------------------- wire format


def test_cbsodata_layout_is_byte_exact(small_out):
    for year in YEARS:
        folder = _table(small_out, year)
        for name in FILES:
            raw = (folder / f"{name}.json").read_bytes()
            rows = json.loads(raw)
            assert isinstance(rows, list)
            # cbsodata's _save_data: json.dump(data, f, indent=2) — ASCII, two-space indent
            assert raw == json.dumps(rows, indent=2).encode("ascii"), name
        info = _load(small_out, year, "TableInfos")[0]
        assert info["Identifier"] == folder.name
        assert str(year) in info["Title"] and info["Period"] == str(year)
        geo = _load(small_out, year, "DataProperties")[0]
        assert (geo["Type"], geo["Key"], geo["MapYear"]) == ("GeoDetail", "WijkenEnBuurten", year)


def test_keys_are_numbered_per_year_and_shift(small_out):
    keys = {y: list(_topics(small_out, y)) for y in YEARS}
    for y in YEARS:
        assert len(keys[y]) == gen.TOPICS_PER_YEAR
        props = _topics(small_out, y)
        assert all(int(k.rsplit("_", 1)[1]) == p["Position"] for k, p in props.items())
        row = _load(small_out, y, "TypedDataSet")[0]
        assert list(row) == ["ID", "WijkenEnBuurten", *keys[y]]
    stems = {y: {_stem(k): k for k in keys[y]} for y in YEARS}
    shared = set(stems[2023]) & set(stems[2024])
    assert {"AantalInwoners", "Bevolkingsdichtheid", "HuishoudensTotaal", "OppervlakteLand"} <= shared
    assert stems[2023]["AantalInwoners"] == stems[2024]["AantalInwoners"] == "AantalInwoners_5"
    moved = [s for s in shared if stems[2023][s] != stems[2024][s]]
    assert "Bevolkingsdichtheid" in moved and len(moved) > len(shared) / 2
    assert set(keys[2023]) != set(keys[2024])


def test_padding_and_region_rows(small_out, tree):
    rows = _load(small_out, 2024, "TypedDataSet")
    assert rows[0]["WijkenEnBuurten"] == "NL00      " and rows[0]["SoortRegio_2"] == "Land      "
    assert [r["ID"] for r in rows] == list(range(len(rows)))
    soort = [r["SoortRegio_2"] for r in rows]
    assert set(soort) == {"Land      ", "Gemeente  ", "Wijk      ", "Buurt     "}
    assert soort.count("Buurt     ") == tree.n_buurten == 40
    assert soort.count("Gemeente  ") == 3 and soort.count("Wijk      ") == tree.n_wijken
    name_of = dict(zip(tree.gemeente_codes, tree.gemeente_names, strict=True))
    for r in rows:
        code = r["WijkenEnBuurten"]
        assert len(code) == 10 and code == r["Codering_3"] and code == code.strip().ljust(10)
        assert len(r["Gemeentenaam_1"]) == 40
        if r["SoortRegio_2"] != "Land      ":
            gm = "GM" + code.strip()[2:6]
            assert r["Gemeentenaam_1"].rstrip() == name_of[gm]
    dim = _load(small_out, 2024, "WijkenEnBuurten")
    assert [d["Key"] for d in dim] == [r["WijkenEnBuurten"] for r in rows]
    assert all(set(d) == {"Key", "Title", "Description", "Municipality", "DetailRegionCode"} for d in dim)
    assert all(d["DetailRegionCode"] == d["Key"].strip() for d in dim)
    buurt = next(d for d in dim if d["Key"].startswith("BU"))
    assert buurt["Title"] == tree.buurt_names[tree.buurt_codes.index(buurt["Key"])]


def test_codes_nest_and_rows_follow_the_tree(small_out):
    rows = _load(small_out, 2024, "TypedDataSet")
    codes = [r["WijkenEnBuurten"].strip() for r in rows]
    gm = {c for c in codes if c.startswith("GM")}
    wk = {c for c in codes if c.startswith("WK")}
    assert all(re.fullmatch(r"GM\d{4}", c) for c in gm)
    assert all(re.fullmatch(r"WK\d{6}", c) and "GM" + c[2:6] in gm for c in wk)
    for i, c in enumerate(codes):
        if c.startswith("BU"):
            assert re.fullmatch(r"BU\d{8}", c) and "WK" + c[2:8] in wk
            # CBS order: a buurt comes after its own wijk row, within its gemeente's block
            assert "WK" + c[2:8] in codes[:i] and codes.index("GM" + c[2:6]) < codes.index("WK" + c[2:8]) < i


def test_counts_are_consistent(small_out):
    for year in YEARS:
        props = _topics(small_out, year)
        counts = [k for k, p in props.items() if p["Datatype"] == "Long" and p["Unit"] == "aantal"]
        rows = _load(small_out, year, "TypedDataSet")
        buurt_pop: dict[str, int] = {}
        for r in rows:
            s = _by_stem(r)
            level = r["SoortRegio_2"].strip()
            pop = s["AantalInwoners"]
            assert isinstance(pop, int) and pop >= 0
            tol = 13 if level in ("Buurt", "Wijk") else 3
            ages = [s[a] for a in AGE]
            assert all(a is None or 0 <= a <= pop for a in ages)
            if None not in ages:
                assert abs(sum(ages) - pop) <= tol
            if s["Mannen"] is not None and s["Vrouwen"] is not None:
                assert abs(s["Mannen"] + s["Vrouwen"] - pop) <= tol
            hh, kids = s["HuishoudensTotaal"], s["HuishoudensMetKinderen"]
            assert hh is None or kids is None or kids <= hh
            if s["Koopwoningen"] is not None and s["HuurwoningenTotaal"] is not None:
                assert s["Koopwoningen"] + s["HuurwoningenTotaal"] == 100
            assert s["OppervlakteLand"] + s["OppervlakteWater"] == s["OppervlakteTotaal"]
            for k, p in props.items():
                v = r[k]
                if v is None or p["Datatype"] == "String":
                    continue
                assert isinstance(v, int) if p["Datatype"] == "Long" else isinstance(v, float), k
                if p["Unit"] == "%":
                    assert 0 <= v <= 100, k
                if p["Datatype"] == "Double":
                    assert round(v, p["Decimals"]) == v, k
            if level in ("Buurt", "Wijk"):
                assert all(r[k] is None or r[k] % 5 == 0 for k in counts)
            if level == "Buurt":
                buurt_pop[r["WijkenEnBuurten"].strip()] = pop
        for r in rows:
            code = r["WijkenEnBuurten"].strip()
            if code.startswith("GM"):
                mine = [v for b, v in buurt_pop.items() if b[2:6] == code[2:]]
                assert abs(_by_stem(r)["AantalInwoners"] - sum(mine)) <= 2.5 * len(mine) + 1


def test_null_rate_is_about_five_percent_and_hits_small_buurten():
    tree = gen.build_region_tree(n_buurten=3000, n_gemeenten=60, seed=3)
    topics = gen.year_topics(gen.load_topics("builtin"), 2024)
    lv, values = gen.kwb_year_values(tree, topics, 2024, seed=3)
    numeric = [v for t, v in zip(topics, values, strict=True) if t.datatype != "String"]
    null = np.isnan(np.column_stack(numeric))
    assert 0.03 <= null.mean() <= 0.08
    pop = values[[t.stem for t in topics].index("AantalInwoners")]
    assert not np.isnan(pop).any()
    buurt = lv.level_of_row == 3
    small, big = buurt & (pop < 50), buurt & (pop >= 500)
    assert small.sum() > 20
    assert null[small].mean() > 5 * null[big].mean()
    numeric_stems = [t.stem for t in topics if t.datatype != "String"]
    nl_nulls = {numeric_stems[j] for j in np.flatnonzero(null[lv.level_of_row == 0][0])}
    assert nl_nulls <= {"Dekkingspercentage"}  # Nederland is never suppressed; this key is buurt-only


def test_region_tree_has_a_national_shape():
    tree = gen.build_region_tree()
    assert (tree.n_gemeenten, tree.n_buurten) == (342, 14_500)
    assert 3_000 <= tree.n_wijken <= 3_800
    per_gem = tree.buurten_per_gemeente()
    assert per_gem.max() >= 100 and 10 <= np.median(per_gem) <= 40
    assert len(set(tree.buurt_codes)) == tree.n_buurten and len(set(tree.wijk_codes)) == tree.n_wijken
    assert np.bincount(tree.buurt_wijk).max() <= 99
    assert all(b[2:8] == tree.wijk_codes[w][2:] for b, w in zip(tree.buurt_codes, tree.buurt_wijk, strict=True))


# ---------------------------------------------------------------------------- geometry


def test_geo_layers_form_a_valid_coverage(small_out, tree):
    import geopandas as gpd
    import shapely

    geo = small_out / "geo"
    buurten = gpd.read_parquet(geo / "buurten_2024.parquet")
    assert buurten.crs.to_epsg() == 4326
    assert list(buurten.buurtcode) == list(tree.buurt_codes)
    assert {"buurtcode", "buurtnaam", "wijkcode", "gemeentecode", "gemeentenaam"} <= set(buurten.columns)
    assert all(
        b[2:8] == w[2:] and b[2:6] == g[2:] for b, w, g in buurten[["buurtcode", "wijkcode", "gemeentecode"]].values
    )

    raw = json.loads((geo / "buurten_2024.geojson").read_text(encoding="utf-8"))
    assert raw["type"] == "FeatureCollection"
    assert raw["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::28992"
    assert len(raw["features"]) == tree.n_buurten
    rd = gpd.read_file(geo / "buurten_2024.geojson")
    polys = rd.geometry.values
    assert shapely.is_valid(polys).all() and shapely.coverage_is_valid(polys)
    nv = shapely.get_num_coordinates(polys)
    assert nv.min() >= 40 and nv.max() <= 450
    x0, y0, x1, y1 = gen.RD_BBOX
    assert shapely.area(polys).sum() == pytest.approx((x1 - x0) * (y1 - y0), rel=1e-9)
    assert shapely.area(shapely.union_all(polys)) == pytest.approx((x1 - x0) * (y1 - y0), rel=1e-9)

    wijken = gpd.read_parquet(geo / "wijken_2024.parquet")
    gemeenten = gpd.read_parquet(geo / "gemeenten_2024.parquet")
    assert list(wijken.wijkcode) == list(tree.wijk_codes)
    assert list(gemeenten.gemeentecode) == list(tree.gemeente_codes)
    assert shapely.is_valid(wijken.geometry.values).all() and shapely.is_valid(gemeenten.geometry.values).all()
    assert shapely.area(gemeenten.to_crs(28992).geometry.values).sum() == pytest.approx((x1 - x0) * (y1 - y0), rel=1e-6)


# ---------------------------------------------------------------------------- user CSV, CLI


def test_usercsv_looks_like_dutch_excel(small_out, tree):
    raw = (small_out / "eigen.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw[3:].decode("utf-8").split("\r\n")
    assert lines[0] == "buurtcode;buurtnaam;meldingen openbare ruimte;huurachterstand (%)"
    body = [line.split(";") for line in lines[1:] if line]
    assert len(body) == 60 and all(len(cells) == 4 for cells in body)
    assert any(re.fullmatch(r"\d+,\d", c[3]) for c in body)  # decimal comma
    assert not any(re.fullmatch(r"\d+\.\d", c[3]) for c in body)
    known = {c[2:] for c in tree.buurt_codes}
    codes = [c[0].strip().upper() for c in body]
    normalised = [c[2:] if c.startswith("BU") else c.zfill(8) for c in codes]
    assert sum(n in known for n in normalised) >= len(body) - 2

    big = small_out / "eigen_groot.csv"
    gen.generate_usercsv(big, rows=3000, n_buurten=2500, n_gemeenten=40, seed=2)
    cells = [line.split(";") for line in big.read_bytes().decode("utf-8-sig").split("\r\n")[1:] if line]
    assert any(not c[0].startswith(("BU", " BU", "bu")) for c in cells)  # prefix dropped / zeros lost
    assert any(c[2] == "<5" for c in cells) and any("n.b." in (c[2], c[3]) for c in cells)


def test_cli(tmp_path, capsys):
    out = tmp_path / "cli.csv"
    assert gen.main(["usercsv", "--out", str(out), "--rows", "10", "--buurten", "12", "--gemeenten", "2"]) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert gen.main(["kwb", "--out", str(tmp_path), "--years", "1999", "--buurten", "12", "--gemeenten", "2"]) == 2
    assert "1999" in capsys.readouterr().err
    assert gen.parse_years("2015-2017,2024") == [2015, 2016, 2017, 2024]


# ---------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_bytes(small_out, tmp_path):
    again = tmp_path / "again"
    _write_all(again)
    left = sorted(p.relative_to(small_out) for p in small_out.rglob("*") if p.is_file() and "groot" not in p.name)
    right = sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert left == right and len(left) == 2 * len(FILES) + 6 + 1
    for rel in left:
        assert filecmp.cmp(small_out / rel, again / rel, shallow=False), rel
    other = tmp_path / "other"
    gen.generate_kwb(other, [2024], stems="builtin", **{**SMALL, "seed": 8})
    ds = "85984NED/TypedDataSet.json"
    assert (other / ds).read_bytes() != (small_out / "kwb" / ds).read_bytes()


# ---------------------------------------------------------------------------- real metadata (optional)


@pytest.mark.shared_data
def test_real_stems_reproduce_the_2024_numbering():
    if not gen.SHARED_PROPERTIES.is_file():
        pytest.skip("../shared/data ontbreekt: geen echte 85984NED DataProperties om mee te vergelijken")
    real = json.loads(gen.SHARED_PROPERTIES.read_text(encoding="utf-8"))
    topics = gen.year_topics(gen.load_topics("auto"), 2024)
    mine = gen.data_properties(topics, "WijkenEnBuurten", 2024, gen.load_topics("auto").group_descriptions)
    assert mine[: len(real)] == real  # same keys, positions, groups; synthetic fillers only after
    assert len([p for p in mine if p["Type"] == "Topic"]) == gen.TOPICS_PER_YEAR
    older = {
        _stem(p["Key"]): p["Key"]
        for p in gen.data_properties(gen.year_topics(gen.load_topics("auto"), 2017), "WijkenEnBuurten", 2017)
        if p["Type"] == "Topic"
    }
    assert (
        older["GemiddeldeWoningwaarde"] != "GemiddeldeWOZWaardeVanWoningen_39"
        and older["AantalInwoners"] == "AantalInwoners_5"
    )
