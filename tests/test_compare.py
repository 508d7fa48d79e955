"""Side-by-side table (references, differences, direction) and peer search on a hand-made fixture."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from wijkkompas import compare
from wijkkompas.catalogue.catalogue import load_catalogue
from wijkkompas.errors import SourceError
from wijkkompas.exporting import indicator_catalogue
from wijkkompas.store import Store

CAT = load_catalogue()
FEATURES = ("aandeel_65plus", "koopwoningen", "woz_waarde")

# A hand-made set of buurten, built so the answer is known without computing it:
#   T  the target                                 (20 % 65+, 50 % koop, WOZ 250)
#   A  a hair away on every feature               -> nearest
#   E  a little further on every feature          -> second
#   B  equal on two features, far on WOZ          -> ranked after A and E
#   C, D  far on everything                       -> last
#   F  identical to T, but 20 inhabitants         -> never a peer (min_inwoners)
#   G  close, in another gemeente                 -> the only answer with exclude_gemeente
BUURTEN = {
    #      gemeente   65+   koop   woz  inwoners
    "BU00010001": ("GM0001", 20.0, 50.0, 250.0, 1000),  # T
    "BU00010002": ("GM0001", 20.5, 51.0, 255.0, 1000),  # A
    "BU00010003": ("GM0001", 20.0, 50.0, 400.0, 1000),  # B
    "BU00010004": ("GM0001", 35.0, 80.0, 500.0, 1000),  # C
    "BU00010005": ("GM0001", 10.0, 20.0, 150.0, 1000),  # D
    "BU00010006": ("GM0001", 21.5, 53.0, 265.0, 1000),  # E
    "BU00010007": ("GM0001", 20.0, 50.0, 250.0, 20),  # F
    "BU00020001": ("GM0002", 24.0, 56.0, 280.0, 1000),  # G
}
T, A, B, C, D, E, F, G = BUURTEN


def long_values(rows=BUURTEN, *, scale_woz: float = 1.0, missing: dict | None = None) -> pd.DataFrame:
    out = []
    for code, (gm, p65, koop, woz, inw) in rows.items():
        for ind, v in zip(
            ("aandeel_65plus", "koopwoningen", "woz_waarde", "inwoners"), (p65, koop, woz * scale_woz, inw), strict=True
        ):
            if missing and (code, ind) in missing:
                v = math.nan
            out.append(
                {
                    "year": 2024,
                    "region_code": code,
                    "region_name": f"Buurt {code[-2:]}",
                    "level": "buurt",
                    "gemeente_code": gm,
                    "wijk_code": "WK" + code[2:8],
                    "indicator": ind,
                    "value": v,
                    "status": "ok" if not math.isnan(v) else "geheim",
                    "source_table": "85984NED",
                    "source_key": "K_1",
                }
            )
    return pd.DataFrame(out)


CONFIG = compare.PeerConfig(features=FEATURES, log_scale=(), k=5, min_features=2, min_inwoners=50)


def peers(values=None, target=T, **kw):
    m = compare.feature_matrix(long_values() if values is None else values, CONFIG, year=2024, level="buurt")
    return compare.find_peers(m, target, catalogue=CAT, **{"k": 5, "min_features": 2, **kw})


# --------------------------------------------------------------------------- peers


def test_peers_known_answer():
    res = peers()
    order = res.table["region_code"].tolist()
    assert order[:2] == [A, E]
    assert order.index(B) > order.index(E)
    assert T not in order and F not in order
    assert res.candidates == 6  # all but the target and the too-small buurt
    sim = res.table["similarity"].to_numpy()
    assert np.all(np.diff(sim) <= 0) and np.all((sim > 0) & (sim <= 1))
    assert res.table["rank"].tolist() == list(range(1, len(order) + 1))


def test_peer_reason_names_the_closest_features():
    res = peers().table.set_index("region_code")
    # B equals T on 65+ and koopwoningen and is far on WOZ: the reason names exactly those two.
    assert set(res.loc[B, "closest"]) == {"aandeel_65plus", "koopwoningen"}
    reason = res.loc[B, "reason"]
    assert reason.startswith("Lijkt op Buurt 01 door: ")
    assert "inwoners van 65 jaar of ouder (allebei 20,0%)" in reason
    assert "koopwoningen (allebei 50%)" in reason
    assert "WOZ" not in reason
    # A is close on all three; it names two or three, peer's value first.
    assert 2 <= len(res.loc[A, "closest"]) <= 3
    assert "20,5% tegen 20,0%" in res.loc[A, "reason"]


def test_peers_do_not_depend_on_units():
    """Standardising: WOZ in euros instead of thousands of euros gives the same peers."""
    base = peers().table["region_code"].tolist()
    scaled = peers(long_values(scale_woz=1000.0)).table["region_code"].tolist()
    assert base == scaled


def test_exclude_own_gemeente_and_k():
    res = peers(exclude_gemeente=True)
    assert res.table["region_code"].tolist() == [G]
    assert len(peers(k=2).table) == 2


def test_missing_features_are_handled():
    # C without WOZ still compares on two features; D with only one feature known is left out (min_features=2).
    values = long_values(missing={(C, "woz_waarde"): 1, (D, "woz_waarde"): 1, (D, "koopwoningen"): 1})
    res = peers(values).table.set_index("region_code")
    assert C in res.index and res.loc[C, "shared"] == 2
    assert D not in res.index


def test_target_without_figures_gives_a_dutch_message():
    with pytest.raises(SourceError, match="geen cijfers op buurtniveau"):
        peers(target="BU09990101")
    values = long_values(missing={(T, "woz_waarde"): 1, (T, "koopwoningen"): 1})
    with pytest.raises(SourceError, match="maar 1 van de kenmerken"):
        peers(values)


def test_feature_matrix_standardises_and_reports_unused_features():
    cfg = compare.PeerConfig(
        features=(*FEATURES, "bijstand", "stedelijkheid"), log_scale=("woz_waarde",), min_inwoners=None
    )
    values = long_values()
    values = pd.concat([values, values[values["indicator"] == "inwoners"].assign(indicator="stedelijkheid", value=3.0)])
    m = compare.feature_matrix(values, cfg, year=2024, level="buurt")
    assert len(m) == len(BUURTEN)
    assert "bijstand" in m.unused and "geen cijfers" in m.unused["bijstand"]
    assert "stedelijkheid" in m.unused and "gelijk" in m.unused["stedelijkheid"]
    z = m.z[:, 0]
    assert abs(np.nanmean(z)) < 1e-9 and abs(np.nanstd(z) - 1) < 1e-9
    woz = m.raw[:, 2]
    assert np.allclose(np.nanmean(m.z[:, 2]), 0) and not np.allclose(m.z[:, 2], (woz - woz.mean()) / woz.std())
    assert m.eligible.all()  # min_inwoners None: everybody may be a peer


def test_peer_search_on_the_tiny_store(tiny_store_dir):
    store = Store(tiny_store_dir)
    cat = indicator_catalogue(store)
    cfg = compare.load_peer_config(cat)
    m = compare.feature_matrix(store.load_values(years=[2024]), cfg, year=2024, level="buurt")
    res = compare.find_peers(m, "BU09990101", k=cfg.k, min_features=cfg.min_features, catalogue=cat)
    assert "BU09990101" not in res.table["region_code"].tolist()
    assert set(res.table["region_code"]) <= {"BU09990102", "BU09990103", "BU09990201", "BU09990203"}
    assert res.table["reason"].str.startswith("Lijkt op Oude Markt door: ").all()


# --------------------------------------------------------------------------- configuration


def test_shipped_peer_config_is_valid():
    cfg = compare.load_peer_config(CAT)
    assert cfg.features and set(cfg.log_scale) <= set(cfg.features)
    assert all(CAT.get(f) is not None for f in cfg.features)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[peers]\nfeatures = ['bestaat_niet']", "bestaat_niet"),
        ("features = ['inwoners']", r"\[peers\] ontbreekt"),
        ("[peers]\nfeatures = []", "features moet een lijst"),
        ("[peers]\nfeatures = ['koopwoningen']\nk = 0", "k moet een heel getal"),
        ("[peers]\nfeatures = ['koopwoningen']\nlog_scale = ['woz_waarde']", "staan niet in features"),
        ("[peers]\nfeatures = ['koopwoningen']\ngewicht = 2", "onbekende sleutel"),
        ("[peers\nfeatures = ", "geen geldige TOML"),
    ],
)
def test_bad_peer_config_gives_dutch_message(text, message):
    with pytest.raises(SourceError, match=message):
        compare.parse_peer_config(text, CAT, where="peers.toml")


# --------------------------------------------------------------------------- side by side


@pytest.fixture(scope="module")
def tiny_2024(tiny_store_dir):
    store = Store(tiny_store_dir)
    return store.load_values(years=[2024], include_nederland=True), indicator_catalogue(store)


def _row(table, code, ind):
    return table[(table["region_code"] == code) & (table["indicator"] == ind)].iloc[0]


def test_rates_are_compared_with_the_gemeente(tiny_2024):
    values, cat = tiny_2024
    t = compare.comparison_table(values, ["BU09990101", "WK099902", "GM0999"], cat)
    gm = values[(values["region_code"] == "GM0999") & (values["indicator"] == "aandeel_65plus")]["value"].iloc[0]
    r = _row(t, "BU09990101", "aandeel_65plus")
    assert r["reference_kind"] == "gemeente" and r["reference_name"] == "Teststad"
    assert r["reference_value"] == pytest.approx(gm)
    assert r["diff"] == pytest.approx(r["value"] - gm)
    assert r["diff_text"].endswith("procentpunt") and r["diff_text"][0] in "+−"
    # The gemeente itself is compared with Nederland.
    g = _row(t, "GM0999", "aandeel_65plus")
    assert g["reference_kind"] == "nederland" and g["reference_name"] == "Nederland"


def test_counts_are_compared_with_the_average_region(tiny_2024):
    values, cat = tiny_2024
    t = compare.comparison_table(values, ["BU09990101", "WK099902"], cat)
    buurten = values[(values["level"] == "buurt") & (values["indicator"] == "inwoners")]["value"]
    r = _row(t, "BU09990101", "inwoners")
    assert r["reference_kind"] == "gemiddelde" and r["reference_name"] == "gemiddelde buurt in Teststad"
    assert r["reference_value"] == pytest.approx(buurten.mean())
    assert r["diff_text"].endswith("%")
    w = _row(t, "WK099902", "inwoners")
    assert w["reference_name"] == "gemiddelde wijk in Teststad"


def test_direction_follows_better(tiny_2024):
    values, cat = tiny_2024
    t = compare.comparison_table(values, ["BU09990101", "WK099902", "BU09990203"], cat, band=0.0)
    for code in ("BU09990101", "WK099902", "BU09990203"):
        r = _row(t, code, "sociaal_minimum")  # lower_is_better
        if r["diff"] < 0:
            assert r["judgement"] == "beter"
        elif r["diff"] > 0:
            assert r["judgement"] == "slechter"
        r = _row(t, code, "aandeel_65plus")  # neutral: no judgement, only a direction
        assert r["judgement"] in {"hoger", "lager", "rond gemiddeld"}
    wk = _row(t, "WK099902", "sociaal_minimum")
    assert wk["value"] < wk["reference_value"] and wk["judgement"] == "beter"


def test_band_marks_small_differences_as_average(tiny_2024):
    values, cat = tiny_2024
    t = compare.comparison_table(values, ["BU09990101", "WK099902"], cat, band=0.10)
    rel = (t["diff"] / t["reference_value"].abs()).abs()
    near = t[rel <= 0.10]
    assert not near.empty and (near["judgement"] == "rond gemiddeld").all()
    far = t[(rel > 0.10) & t["value"].notna()]
    assert not (far["judgement"] == "rond gemiddeld").any()


def test_missing_values_are_explained_not_zero(tiny_2024):
    values, cat = tiny_2024
    t = compare.comparison_table(values, ["BU09990103", "GM0999"], cat)
    r = _row(t, "GM0999", "bijstand")
    assert math.isnan(r["value"]) and r["value_text"] == "onbekend (geheim bij CBS)"
    assert r["judgement"] == "onbekend" and math.isnan(r["bar"])
    s = _row(t, "BU09990103", "sociaal_minimum")
    assert s["value_text"] == "onbekend (geheim bij CBS)"


def test_gemeente_without_own_value_falls_back_to_average(tiny_2024):
    values, cat = tiny_2024
    no_gm = values[values["level"] != "gemeente"]
    t = compare.comparison_table(no_gm, ["BU09990101"], cat)
    r = _row(t, "BU09990101", "aandeel_65plus")
    mean = no_gm[(no_gm["level"] == "buurt") & (no_gm["indicator"] == "aandeel_65plus")]["value"].mean()
    assert r["reference_kind"] == "gemiddelde" and r["reference_value"] == pytest.approx(mean)


def test_table_grouped_by_theme_bars_and_order(tiny_2024):
    values, cat = tiny_2024
    codes = ["WK099902", "BU09990101"]
    t = compare.comparison_table(values, codes, cat)
    assert t["theme_order"].is_monotonic_increasing
    assert t.groupby("indicator", sort=False)["region_code"].apply(list).map(lambda c: c == codes).all()
    bars = t["bar"].dropna()
    assert ((bars >= 0) & (bars <= 1)).all()
    assert not any(i.startswith("cbs.") for i in t["indicator"])
    extra = compare.comparison_table(values, codes, cat, include_extra=True)
    assert any(i.startswith("cbs.") for i in extra["indicator"])
    assert _row(t, "BU09990101", "stedelijkheid")["value_text"] == "1"  # a code, not '1 code'
    assert compare.comparison_table(values, ["XX0000"], cat).empty
