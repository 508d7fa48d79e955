"""The Start page's online fetch, as a person follows it: one bar, a Dutch summary, a retry of what failed."""

from __future__ import annotations

import pytest

from tests.apptest_helpers import assert_clean, texts
from tests.test_fetch import Down, FailsOnce, FromFixture
from wijkkompas.fetch import fetch_online


@pytest.fixture
def fake_fetch(monkeypatch, tmp_path):
    """The real fetch_online, with sources that answer from the Teststad wire files; one map fails once."""
    cbs = FromFixture(tmp_path)
    maps = FailsOnce(tmp_path, fail_on="wijk")

    def run(store, gemeenten, years, progress, **kwargs):
        return fetch_online(
            store,
            gemeenten,
            years,
            progress,
            v3=cbs,
            v4=Down(),
            pdok=maps,
            police=Down(),
            leefbaarometer=Down(),
            **kwargs,
        )

    monkeypatch.setattr("wijkkompas.ui.loading._fetch", run)
    return cbs, maps


def test_online_fetch_shows_a_summary_and_retries_only_what_failed(app_test, tmp_path, fake_fetch):
    cbs, maps = fake_fetch
    at = app_test(tmp_path / "leeg")
    at.text_input[0].input("GM0999")
    at.multiselect(key="online_parts").set_value(["kwb", "maps"])
    next(b for b in at.button if b.label == "Ophalen bij CBS en PDOK").click().run()
    assert_clean(at)
    success = texts(at, "success")
    assert "2024: kerncijfers (85984NED) (opgehaald), kaart buurten (opgehaald), kaart gemeente (opgehaald)." in success
    assert "Gegevens geladen" in success  # and ingested into the store
    assert "2024 kaart wijken: Geen verbinding met PDOK" in texts(at, "warning")
    retry = next(b for b in at.button if b.label.startswith("Opnieuw proberen wat niet lukte (1 onderdeel)"))

    retry.click().run()
    assert_clean(at)
    assert "2024: kaart wijken (opgehaald)." in texts(at, "success")
    assert len(cbs.calls) == 1  # the table was not downloaded a second time
    assert len(maps.calls) == 3  # buurten and gemeente the first time, wijken on the retry
    assert not any(b.label.startswith("Opnieuw proberen") for b in at.button)


def test_nothing_reachable_is_one_dutch_error(app_test, tmp_path, monkeypatch):
    def run(store, gemeenten, years, progress, **kwargs):
        down = Down()
        return fetch_online(
            store, gemeenten, years, progress, v3=down, v4=down, pdok=down, police=down, leefbaarometer=down, **kwargs
        )

    monkeypatch.setattr("wijkkompas.ui.loading._fetch", run)
    at = app_test(tmp_path / "leeg")
    at.text_input[0].input("GM0999")
    next(b for b in at.button if b.label == "Ophalen bij CBS en PDOK").click().run()
    assert_clean(at, expect_error="Geen verbinding met CBS")
    assert [e.value for e in at.error] == [
        "Geen verbinding met CBS (opendata.cbs.nl). Controleer de internetverbinding of probeer het later opnieuw."
    ]
