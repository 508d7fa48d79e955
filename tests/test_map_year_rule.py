"""One rule for "which map year goes with these figures", used by every page, export and slide."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from wijkkompas.export.maps import pick_geometry_year
from wijkkompas.mapdata import map_year_caption, map_years_by_preference, nearest_year

ROOT = Path(__file__).resolve().parents[1]


def test_the_rule_by_example():
    assert nearest_year(2024, [2023, 2024, 2025]) == 2024  # the data year's own map
    assert nearest_year(2024, [2014, 2025]) == 2025  # the closest, also when it is later
    assert nearest_year(2024, [2023, 2025]) == 2023  # a tie: the older borders, already in force
    assert nearest_year(2010, [2014, 2020]) == 2014
    assert nearest_year(2024, []) is None
    assert map_years_by_preference(2024, [2020, 2023, 2025, 2024]) == [2024, 2023, 2025, 2020]


@given(st.integers(2000, 2040), st.lists(st.integers(2000, 2040), max_size=8))
def test_every_caller_gets_the_same_year(data_year, years):
    """The PDF/profile rule (pick_geometry_year), the slides and Kaart/Scores (first preference) agree."""
    want = nearest_year(data_year, years)
    assert pick_geometry_year(years, data_year) == want
    order = map_years_by_preference(data_year, years)
    assert (order[0] if order else None) == want
    assert sorted(order) == sorted(set(years))


def test_no_module_has_a_map_year_rule_of_its_own():
    """The four rules that differed on ties and direction are gone: the map-drawing modules call mapdata."""
    for rel in (
        "wijkkompas/ui/kaart.py",
        "wijkkompas/ui/scores.py",
        "wijkkompas/export/maps.py",
        "wijkkompas/presentation/slides.py",
        "wijkkompas/export/__init__.py",
        "wijkkompas/ui/profiel.py",
    ):
        text = (ROOT / rel).read_text(encoding="utf-8")
        assert not re.search(r"abs\(\s*y\s*-", text), rel
        assert not re.search(r"max\(before\)", text), rel
    slides = (ROOT / "wijkkompas/presentation/slides.py").read_text(encoding="utf-8")
    assert "nearest_year(year, self.store.geometry_years(level))" in slides


def test_map_year_caption():
    assert map_year_caption([2024], 2024) == "Kaartgrenzen 2024."
    assert map_year_caption([2023, 2024], 2024).startswith("Kaartgrenzen 2023, 2024, cijfers van 2024")
    assert map_year_caption([], 2024) == ""


def _captions(at) -> str:
    return "\n".join(str(c.value) for c in at.caption)


def test_scores_and_kaart_print_the_map_year_beside_the_map(app_test, tiny_store_dir, tmp_path):
    """Teststad has maps of 2023 and 2024: figures of 2024 are drawn on the 2024 map, and it says so."""
    import shutil

    from tests.apptest_helpers import assert_clean

    data = shutil.copytree(tiny_store_dir, tmp_path / "data")  # the Scores page may write its definitions
    at = app_test(data, page="pages/scores.py", query={"score": "veerkracht", "gemeente": "GM0999", "jaar": "2024"})
    assert_clean(at)
    assert "Kaartgrenzen 2024." in _captions(at)
    at = app_test(data, page="pages/kaart.py", query={"gemeente": "GM0999", "jaar": "2024", "indicator": "inwoners"})
    assert_clean(at)
    assert "kaartgrenzen CBS/Kadaster 2024" in _captions(at)
