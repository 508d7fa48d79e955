"""Profile facts for one wijk or buurt on the Teststad store: header, key figures, missing values, breaks."""

from __future__ import annotations

import math

import pytest

from wijkkompas.catalogue.catalogue import load_catalogue
from wijkkompas.errors import SourceError
from wijkkompas.profile import choose_year, gemeente_of, load_profile, signed, source_line
from wijkkompas.store import Store


@pytest.fixture(scope="module")
def store(tiny_store_dir) -> Store:
    return Store(tiny_store_dir)


def stored(store: Store, code: str, indicator: str, year: int = 2024):
    v = store.load_values(["GM0999"], year, include_nederland=True)
    row = v[(v["region_code"] == code) & (v["indicator"] == indicator)]
    return (float(row["value"].iloc[0]), str(row["status"].iloc[0])) if not row.empty else (math.nan, "")


def test_header_facts_come_from_the_store(store):
    p = load_profile(store, "WK099902")
    h = p.header
    assert (h.name, h.level, h.gemeente_code, h.gemeente_name, h.year) == (
        "Noord & Oost",
        "wijk",
        "GM0999",
        "Teststad",
        2024,
    )
    assert h.inwoners.value == stored(store, "WK099902", "inwoners")[0]
    assert h.oppervlakte.value == stored(store, "WK099902", "oppervlakte_land")[0]
    regions = store.regions(2024, ["GM0999"])
    assert h.n_buurten == int(((regions["level"] == "buurt") & (regions["wijk_code"] == "WK099902")).sum())
    assert h.data_years == (2023, 2024)


def test_key_figures_equal_store_values_with_gemeente_and_nederland(store):
    p = load_profile(store, "WK099902")
    shown = {kf.indicator.id: kf for kf in p.figures}
    profile_ids = {i.id for i in load_catalogue().profile_indicators()}
    assert set(shown) <= profile_ids | {i.id for i in load_catalogue()}
    for ident, kf in shown.items():
        value, _status = stored(store, "WK099902", ident)
        assert kf.region.value == value or (math.isnan(value) and not kf.region.known)
        gem, _ = stored(store, "GM0999", ident)
        assert kf.gemeente.value == gem or (math.isnan(gem) and not kf.gemeente.known)
        nl, _ = stored(store, "NL01", ident)
        assert kf.nederland.value == nl or math.isnan(nl)
    assert p.has_nederland


def test_difference_is_coloured_by_the_better_direction(store):
    p = load_profile(store, "WK099902")
    kf = {k.indicator.id: k for k in p.figures}
    huisarts = kf["afstand_huisarts"]  # lower is better; the wijk is further away than the gemeente
    assert huisarts.difference == pytest.approx(huisarts.region.value - huisarts.gemeente.value)
    assert huisarts.difference > 0 and huisarts.judgement == "ongunstiger"
    minimum = kf["sociaal_minimum"]  # lower is better; the wijk is lower
    assert minimum.difference < 0 and minimum.judgement == "gunstiger"
    assert kf["koopwoningen"].judgement in ("hoger", "lager")  # neutral: no verdict
    assert kf["inwoners"].difference is None and kf["inwoners"].judgement is None  # a count is not compared
    assert signed(-2.46, minimum.indicator) == "−2,5 %-punt"


def test_suppressed_values_are_explained_never_zero(store):
    p = load_profile(store, "WK099901")
    bijstand = next(k for k in p.figures if k.indicator.id == "bijstand")
    assert not bijstand.region.known and bijstand.region.status == "geheim"
    assert bijstand.region.text(bijstand.indicator) == "onbekend (geheim bij CBS)"
    assert bijstand.difference is None and bijstand.difference_text() == "–"
    # Key figures that no loaded table has are listed, not shown as empty rows.
    assert "nettoarbeidsparticipatie" in {i.id for i in p.not_loaded}


def test_buurt_profile_has_its_wijk_and_neighbours(store):
    p = load_profile(store, "BU09990101")
    assert p.header.level == "buurt" and p.header.wijk_code == "WK099901" and p.header.wijk_name == "Centrum"
    assert p.has_wijk_column
    koop = next(k for k in p.figures if k.indicator.id == "koopwoningen")
    assert koop.wijk.value == stored(store, "WK099901", "koopwoningen")[0]
    assert [b.code for b in p.buurten] == ["BU09990101", "BU09990102", "BU09990103"]
    assert [b.chosen for b in p.buurten] == [True, False, False]
    hofje = next(b for b in p.buurten if b.code == "BU09990103")
    assert hofje.name == "'t Hofje"


def test_recoded_buurt_has_a_break_and_no_change_sentences(store):
    p = load_profile(store, "BU09990203")
    assert p.header.data_years == (2024,)
    assert p.trends and all((2023, "code bestond nog niet") in t.breaks for t in p.trends)
    region = p.trends[0].points
    assert set(region.loc[region["role"] == "regio", "year"]) == {2024}
    assert "BU09990202" in p.trend_note  # the namesake with the old code is named, not joined
    assert not [s for s in p.standout if s.kind == "verandering"]


def test_suppressed_year_breaks_the_line(store):
    p = load_profile(store, "WK099902")
    bijstand = next(t for t in p.trends if t.indicator.id == "bijstand")
    assert (2023, "onbekend (geheim bij CBS)") in bijstand.breaks
    koop = next(t for t in p.trends if t.indicator.id == "koopwoningen")
    assert koop.breaks == () and set(koop.points["role"]) == {"regio", "gemeente", "nederland"}


def test_year_not_available_falls_back_on_the_page_and_fails_on_the_command_line(store):
    p = load_profile(store, "BU09990202", 2024)
    assert p.header.year == 2023 and "2023" in p.notes[0]
    with pytest.raises(SourceError, match="geen cijfers over 2024"):
        load_profile(store, "BU09990202", 2024, strict_year=True)
    assert choose_year([2017, 2024], None) == (2024, "")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("WK099999", "staat niet in de geladen gegevens"),
        ("WIJK1", "geen geldige code"),
        ("GM0999", "is een gemeente"),
        ("WK016401", "niet geladen"),
    ],
)
def test_bad_codes_give_a_dutch_message(store, code, message):
    with pytest.raises(SourceError, match=message):
        load_profile(store, code)


def test_source_line_names_table_and_year():
    assert source_line([(2024, "85984NED")]) == "Bron: CBS, Kerncijfers wijken en buurten 2024 (85984NED)."
    assert source_line([(2024, "85984NED"), (2017, "83765NED")]) == (
        "Bron: CBS, Kerncijfers wijken en buurten 2017 (83765NED) en 2024 (85984NED)."
    )
    assert gemeente_of("bu01640101") == "GM0164"


def test_twente_wijk_profile_when_shared_data_is_there(twente_store_dir):
    store = Store(twente_store_dir)
    p = load_profile(store, "WK016401")
    assert p.header.name == "Wijk 01 Hengelose Es" and p.header.gemeente_code == "GM0164"
    assert p.header.inwoners.value == stored_any(store, "WK016401", "inwoners")
    assert len(p.buurten) == p.header.n_buurten and p.standout


def stored_any(store: Store, code: str, indicator: str) -> float:
    v = store.load_values(["GM" + code[2:6]], 2024)
    return float(v[(v["region_code"] == code) & (v["indicator"] == indicator)]["value"].iloc[0])
