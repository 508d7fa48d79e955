"""Text alternatives for charts: one description per chart, marks hidden from screen readers, and the
same words in the exported profile's <img alt>."""

from __future__ import annotations

import re

from wijkkompas.a11y import accessible_spec, contrast_ratio
from wijkkompas.export import export_profile
from wijkkompas.export.charts import trend_chart, trend_description
from wijkkompas.profile import load_profile
from wijkkompas.store import Store


def test_accessible_spec_sets_one_description_and_hides_marks_without_changing_the_input():
    spec = {"mark": "line", "config": {"line": {"strokeWidth": 2}, "axis": {"labelFontSize": 13}}}
    out = accessible_spec(spec, "Lijngrafiek Inwoners.")
    assert out["description"] == "Lijngrafiek Inwoners."
    assert out["config"]["mark"]["aria"] is False
    assert out["config"]["line"] == {"strokeWidth": 2, "aria": False}  # a per-mark config cannot switch it back on
    assert out["config"]["axis"] == {"labelFontSize": 13} and out["config"]["aria"] is False  # guides hidden too
    assert "description" not in spec and "aria" not in spec["config"]["line"]


def test_contrast_ratio_matches_wcag_examples():
    assert round(contrast_ratio("#000", "#fff"), 1) == 21.0
    assert round(contrast_ratio("#767676", "#ffffff"), 2) == 4.54  # the lightest grey that passes on white


def test_trend_description_names_first_and_last_values_and_breaks(tiny_store_dir):
    profile = load_profile(Store(tiny_store_dir), "WK099901", 2024)
    for trend in profile.trends:
        text = trend_description(trend)
        assert text.startswith(f"Lijngrafiek {trend.indicator.label}. ")
        assert re.search(r"\b20\d\d\b", text)
        spec = trend_chart(trend)
        assert spec["description"] == text and spec["config"]["mark"]["aria"] is False
        if trend.breaks:
            assert "Breuk in de reeks" in text


def test_exported_profile_images_carry_the_descriptions(tiny_store_dir):
    store = Store(tiny_store_dir)
    profile, html = export_profile(store, "WK099901", 2024, "html")
    alts = re.findall(r'<img src="data:image/svg\+xml;base64,[^"]*" alt="([^"]*)"', html.decode())
    assert len(alts) == len(profile.trends) + 1  # the charts and the map
    assert all(a.strip() for a in alts)
    assert sum(a.startswith("Lijngrafiek ") for a in alts) == len(profile.trends)
    assert any(a.startswith("Kaart van ") and "tabel" in a for a in alts)
