"""Kompas arithmetic with hand-computed bands, trends, series breaks, signalen and the definition checks."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from wijkkompas.catalogue.catalogue import load_catalogue
from wijkkompas.errors import SourceError
from wijkkompas.kompas import compute_kompas, default_definition, parse_definition
from wijkkompas.kompas.definitions import Bands
from wijkkompas.kompas.signalen import KIND_WORSE, signal_frame, signalen
from wijkkompas.store import REGION_COLUMNS, VALUE_COLUMNS

TOML = """
[kompas]
reference = "gemeente"
min_indicators = 2
min_share = 0.5
min_inwoners = 50
[kompas.bands]
urgent = -1.0
aandacht = -0.4
gunstig = 0.4
[kompas.signalen]
min_worse = 2
factor = 1.0
[[kompas.themes]]
id = "inkomen"
label = "Inkomen"
catalogue_theme = "inkomen"
"""

# wijk → (laag_inkomen, inkomen_per_inwoner) per year; gemeente values separately.
DATA = {
    2023: {"WK000101": (12, 29), "WK000102": (20, 28), "WK000103": (25, 27), "WK000104": (30, 22)},
    2024: {"WK000101": (10, 30), "WK000102": (20, 28), "WK000103": (30, 26), "WK000104": (40, 20)},
}
GEMEENTE = {2023: (22, 26.5), 2024: (25, 26)}


def _frames(drop: tuple[tuple[int, str], ...] = ()):
    rows, regs = [], []
    for year, wijken in DATA.items():
        regs.append((year, "GM0001", "Proefstad", "gemeente", "GM0001", None))
        for ind, v in zip(("laag_inkomen", "inkomen_per_inwoner", "inwoners"), (*GEMEENTE[year], 4000), strict=True):
            rows.append((year, "GM0001", "Proefstad", "gemeente", "GM0001", None, ind, float(v), "ok", f"T{year}", "k"))
        for code, (laag, ink) in wijken.items():
            if (year, code) in drop:
                continue
            name = f"Wijk {code[-1]}"
            regs.append((year, code, name, "wijk", "GM0001", code))
            for ind, v in (("laag_inkomen", laag), ("inkomen_per_inwoner", ink), ("inwoners", 1000)):
                rows.append((year, code, name, "wijk", "GM0001", code, ind, float(v), "ok", f"T{year}", f"{ind}_1"))
    values = pd.DataFrame(rows, columns=VALUE_COLUMNS)
    regions = pd.DataFrame(regs, columns=REGION_COLUMNS)
    return values, regions


@pytest.fixture(scope="module")
def definition():
    return parse_definition(TOML, source="test.toml", catalogue=load_catalogue())


def test_bands_by_hand(definition):
    values, regions = _frames()
    view = compute_kompas(values, regions, load_catalogue(), ["GM0001"], 2024, "wijk", definition=definition)
    # laag_inkomen: reference = gemeente value 25, spread = pop. std of 10,20,30,40 = √125; lower is better.
    # inkomen_per_inwoner: reference 26, spread = pop. std of 30,28,26,20 = √14; higher is better.
    s1, s2 = math.sqrt(125), math.sqrt(14)
    expected = {
        "WK000101": ((25 - 10) / s1 + (30 - 26) / s2) / 2,  # 1,21 → gunstig
        "WK000102": ((25 - 20) / s1 + (28 - 26) / s2) / 2,  # 0,49 → gunstig
        "WK000103": ((25 - 30) / s1 + 0) / 2,  # −0,22 → rond het gemiddelde
        "WK000104": ((25 - 40) / s1 + (20 - 26) / s2) / 2,  # −1,47 → urgent
    }
    bands = {"WK000101": "gunstig", "WK000102": "gunstig", "WK000103": "rond het gemiddelde", "WK000104": "urgent"}
    for code, dev in expected.items():
        cell = view.cell(code, "inkomen")
        assert cell.deviation == pytest.approx(dev)
        assert cell.band == bands[code]
        assert (cell.n_used, cell.n_available) == (2, 2)
    assert list(view.urgent_count()) == [0, 0, 0, 1]
    ev = {e.indicator: e for e in view.evidence("WK000104", "inkomen")}
    assert ev["laag_inkomen"].reference == 25 and ev["laag_inkomen"].reference_kind == "gemeente"
    assert ev["laag_inkomen"].z == pytest.approx(-15 / s1)
    assert ev["laag_inkomen"].source_table == "T2024" and ev["laag_inkomen"].previous == 30
    # Indicators of the theme without any figure are listed, but do not count.
    assert not ev["sociaal_minimum"].counts and ev["sociaal_minimum"].status


def test_trend_by_hand(definition):
    values, regions = _frames()
    view = compute_kompas(values, regions, load_catalogue(), ["GM0001"], 2024, "wijk", definition=definition)
    assert view.previous_year == 2023
    s1, s2 = math.sqrt(125), math.sqrt(14)
    # change in spreads of 2024, direction applied: W1 (+2/s1 + 1/s2)/2 = 0,22 → beter; W4 (−10/s1 − 2/s2)/2 → slechter
    w1 = view.cell("WK000101", "inkomen")
    assert w1.trend == "beter" and w1.trend_value == pytest.approx((2 / s1 + 1 / s2) / 2)
    assert view.cell("WK000102", "inkomen").trend == "gelijk"
    assert view.cell("WK000103", "inkomen").trend == "slechter"
    w4 = view.cell("WK000104", "inkomen")
    assert w4.trend == "slechter" and w4.symbol == "↓"
    assert w4.text == "urgent ↓ (2/2)"


def test_series_break_is_no_trend(definition):
    values, regions = _frames(drop=((2023, "WK000104"),))
    view = compute_kompas(values, regions, load_catalogue(), ["GM0001"], 2024, "wijk", definition=definition)
    cell = view.cell("WK000104", "inkomen")
    assert cell.band == "urgent"  # the band of the year itself is unaffected
    assert cell.trend == "breuk" and math.isnan(cell.trend_value)
    assert view.cell("WK000101", "inkomen").trend == "beter"


def test_other_references(definition):
    values, regions = _frames()
    cat = load_catalogue()
    sel = compute_kompas(values, regions, cat, ["GM0001"], 2024, "wijk", reference="selectie", definition=definition)
    # selectie: reference = mean of the wijken (25 and 26, as it happens here) → same deviations, kind 'selectie'
    e = {x.indicator: x for x in sel.evidence("WK000101", "inkomen")}["laag_inkomen"]
    assert (e.reference_kind, e.reference) == ("selectie", 25.0)
    # nederland without a Nederland row: no band is invented
    nl = compute_kompas(values, regions, cat, ["GM0001"], 2024, "wijk", reference="nederland", definition=definition)
    assert (nl.band == "").all()
    assert set(nl.reason.ravel()) == {"onvoldoende gegevens"}
    e = {x.indicator: x for x in nl.evidence("WK000101", "inkomen")}["laag_inkomen"]
    assert e.status == "geen cijfer voor de referentie"
    # with a Nederland row: reference is Nederland's own value
    extra = values[(values["level"] == "gemeente") & (values["year"] == 2024)].assign(
        region_code="NL01", region_name="Nederland", level="nederland", gemeente_code=None
    )
    extra.loc[extra["indicator"] == "laag_inkomen", "value"] = 35.0
    nl = compute_kompas(
        pd.concat([values, extra]), regions, cat, ["GM0001"], 2024, "wijk", reference="nederland", definition=definition
    )
    s1 = math.sqrt(125)
    e = {x.indicator: x for x in nl.evidence("WK000101", "inkomen")}["laag_inkomen"]
    assert e.reference == 35.0 and e.reference_kind == "nederland"
    assert e.z == pytest.approx((35 - 10) / s1)


def test_too_few_indicators_says_so(definition):
    values, regions = _frames()
    values = values[~((values["indicator"] == "inkomen_per_inwoner") & (values["region_code"] == "WK000102"))]
    view = compute_kompas(values, regions, load_catalogue(), ["GM0001"], 2024, "wijk", definition=definition)
    cell = view.cell("WK000102", "inkomen")
    assert cell.band == "" and cell.reason == "onvoldoende gegevens" and cell.n_used == 1
    assert cell.text == "onvoldoende gegevens (1/2)"


def test_small_region_gets_no_band(definition):
    values, regions = _frames()
    values.loc[(values["indicator"] == "inwoners") & (values["region_code"] == "WK000103"), "value"] = 20.0
    view = compute_kompas(values, regions, load_catalogue(), ["GM0001"], 2024, "wijk", definition=definition)
    assert view.cell("WK000103", "inkomen").reason == "te weinig inwoners"


def test_signalen_by_hand(definition):
    values, regions = _frames()
    found = signalen(values, regions, load_catalogue(), ["GM0001"], 2023, 2024, ["wijk"], definition=definition)
    # usual change: laag_inkomen median |2,0,5,10| = 3,5; inkomen median |1,0,1,2| = 1.
    # W4: +10 > 3,5 and −2 < −1 → 2 worse ≥ min_worse 2; W3: +5 yes, −1 not more than 1 → 1.
    assert [s.region_code for s in found] == ["WK000104"]
    s = found[0]
    assert KIND_WORSE in s.kinds and s.n_worse == 2
    ev = {e.indicator: e for e in s.evidence}
    assert (ev["laag_inkomen"].before, ev["laag_inkomen"].after, ev["laag_inkomen"].usual) == (30, 40, 3.5)
    assert ev["laag_inkomen"].source_before == "T2023" and ev["laag_inkomen"].source_after == "T2024"
    frame = signal_frame(found)
    assert set(frame["indicator"]) >= {"laag_inkomen", "inkomen_per_inwoner"}
    # A series break is never a signal.
    values, regions = _frames(drop=((2023, "WK000104"),))
    assert [
        s.region_code
        for s in signalen(values, regions, load_catalogue(), ["GM0001"], 2023, 2024, ["wijk"], definition=definition)
    ] == []
    with pytest.raises(SourceError, match="vóór"):
        signalen(values, regions, load_catalogue(), ["GM0001"], 2024, 2023, ["wijk"], definition=definition)


def test_band_edges():
    b = Bands(-1.0, -0.4, 0.4)
    assert [b.of(x) for x in (-1.0, -0.99, -0.4, 0.0, 0.39, 0.4)] == [
        "urgent",
        "aandacht",
        "aandacht",
        "rond het gemiddelde",
        "rond het gemiddelde",
        "gunstig",
    ]
    assert b.of(float("nan")) == ""


def test_shipped_definition_resolves():
    d = default_definition()
    themes = {t.id: t for t in d.resolve(load_catalogue())}
    assert {
        "fysiek",
        "sociaal",
        "overlast",
        "veiligheid_lb",
        "veerkracht",
        "wonen",
        "inkomen",
        "zorg",
        "arbeid",
        "veiligheid",
        "eigen",
    } <= set(themes)
    assert len(themes["veerkracht"].indicators) >= 10
    per = {i.id: i.per_inwoners for i in themes["veiligheid"].indicators}
    assert per["misdrijven"] == 1000 and per["diefstal_uit_woning"] == 0
    assert all(i.direction in ("higher_is_better", "lower_is_better") for t in themes.values() for i in t.indicators)


@pytest.mark.parametrize(
    "change, message",
    [
        ('reference = "gemeente"', None),
        ('reference = "provincie"', "reference 'provincie' bestaat niet"),
        ("urgent = -1.0", None),
        ("urgent = -0.1", "moeten oplopen"),
        ('catalogue_theme = "inkomen"', None),
        ('catalogue_theme = "geluk"', "catalogusthema 'geluk' bestaat niet"),
        ("min_indicators = 2", None),
        ("min_indicators = 0", "min_indicators"),
    ],
)
def test_definition_validation(change, message):
    key = change.split(" = ")[0]
    lines = [change if line.startswith(key + " =") else line for line in TOML.splitlines()]
    text = "\n".join(lines)
    if message is None:
        parse_definition(text)
    else:
        with pytest.raises(SourceError, match=message):
            parse_definition(text)


def test_unknown_explicit_indicator_refused():
    text = TOML + '[[kompas.themes.indicators]]\nid = "bestaat_niet"\ndirection = "lower_is_better"\n'
    with pytest.raises(SourceError, match="bestaat_niet"):
        parse_definition(text, catalogue=load_catalogue())


def test_teststad(tiny_store):
    from wijkkompas.kompas import kompas_from_store

    tiny_store.pin()
    view = kompas_from_store(tiny_store, ["GM0999"], 2024, "buurt")
    assert len(view.regions) == 5
    assert (view.band != "").any()
    # Bloemwijk was recoded between 2023 and 2024 (BU09990202 → BU09990203): a break, never a trend.
    t = view.theme_ids.index("fysiek")
    row = view.row_of("BU09990203")
    assert view.trend[row, t] == "breuk"
    assert set(view.trend[:, t]) - {"breuk"} <= {"beter", "slechter", "gelijk"}
    # every cell either has a band or says why not
    assert ((view.band != "") | (view.reason != "")).all()


def test_twente_thin_data_never_invents(twente_store_dir):
    from wijkkompas.kompas import kompas_from_store
    from wijkkompas.store import Store

    store = Store(twente_store_dir)
    store.pin()
    for level in ("wijk", "buurt"):
        view = kompas_from_store(store, ["GM0164", "GM0153", "GM0141"], 2024, level)
        # 2024 in ../shared/data has only population figures: no theme has indicators → no band anywhere.
        assert (view.band == "").all()
        assert set(view.reason.ravel()) <= {"onvoldoende gegevens", "te weinig inwoners"}
        old = kompas_from_store(store, ["GM0164", "GM0153", "GM0141"], 2017, level)
        inkomen = old.theme_ids.index("inkomen")
        assert (old.band[:, inkomen] != "").any()  # 2017 has inkomen per inwoner and sociaal minimum
        ok = old.band != ""
        assert (old.n_used[ok] >= 2).all()


def test_too_few_regions_says_so(definition):
    values, regions = _frames()
    keep = ["GM0001", "WK000101", "WK000102"]
    values, regions = values[values["region_code"].isin(keep)], regions[regions["region_code"].isin(keep)]
    view = compute_kompas(values, regions, load_catalogue(), ["GM0001"], 2024, "wijk", definition=definition)
    assert (view.band == "").all()
    assert set(view.reason.ravel()) == {"te weinig gebieden om mee te vergelijken"}


def test_upload_with_direction_joins_its_theme(definition):
    from wijkkompas.catalogue.catalogue import Indicator

    cat = load_catalogue().with_extra(
        [
            Indicator(
                id="eigen.meldingen",
                label="Meldingen",
                unit="per 1 000 inwoners",
                theme="inkomen",
                better="lower_is_better",
                definition="test",
                origin="eigen",
            ),
            Indicator(
                id="eigen.neutraal",
                label="Neutraal",
                unit="%",
                theme="inkomen",
                better="neutral",
                definition="test",
                origin="eigen",
            ),
        ]
    )
    theme = {t.id: t for t in definition.resolve(cat)}["inkomen"]
    ids = [i.id for i in theme.indicators]
    assert "eigen.meldingen" in ids and "eigen.neutraal" not in ids
    assert "eigen.meldingen" in [
        i.id for i in {t.id: t for t in default_definition().resolve(cat)}["inkomen"].indicators
    ]


def test_signalen_say_what_could_not_be_compared(definition):
    from wijkkompas.kompas.signalen import signalen_report

    values, regions = _frames()
    found, covered, uncovered = signalen_report(
        values, regions, load_catalogue(), ["GM0001"], 2023, 2024, ["wijk"], definition=definition
    )
    assert covered == ["Inkomen"] and uncovered == []
    values = values[~values["indicator"].isin(["laag_inkomen", "inkomen_per_inwoner"]) | (values["year"] == 2024)]
    found, covered, uncovered = signalen_report(
        values, regions, load_catalogue(), ["GM0001"], 2023, 2024, ["wijk"], definition=definition
    )
    assert found == [] and covered == [] and uncovered == ["Inkomen"]
