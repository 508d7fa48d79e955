"""Every palette stays readable for the common colour-vision deficiencies.

Each palette is run through colorspacious' CVD simulation (Machado et al. 2009, severity 100: full
deuteranopia, protanopia and tritanopia) and the colour difference is measured in CAM02-UCS (ΔE,
about 1 = just noticeable). Classes that lie next to each other on a map or a legend must stay at
least MIN_ADJACENT apart; categorical colours (lines of a chart, themes) every pair at least
MIN_CATEGORICAL. The grey for "geen cijfer" must differ from every class colour too (and it is also
hatched or named, never told by colour alone).
"""

from __future__ import annotations

import itertools

import colorspacious as cs
import numpy as np
import pytest

from wijkkompas.a11y import contrast_ratio
from wijkkompas.export.charts import ROLE_COLOURS
from wijkkompas.mapdata import _BREWER, MISSING_COLOR
from wijkkompas.presentation.slides import SERIES_COLOURS
from wijkkompas.ui.scores import BAND_COLOURS, THEME_COLOURS
from wijkkompas.ui.styles import MUTED

DEFICIENCIES = ("deuteranomaly", "protanomaly", "tritanomaly")
MIN_ADJACENT = 6.0
MIN_CATEGORICAL = 10.0
MIN_MISSING = 4.0

SEQUENCES = {f"{name}-{k}": cols for name, ks in _BREWER.items() for k, cols in ks.items()}
SEQUENCES["score-banden"] = list(BAND_COLOURS.values())
CATEGORIES = {"trendrollen": list(ROLE_COLOURS.values()), "dia-reeksen": SERIES_COLOURS, "thema's": THEME_COLOURS}


def _rgb(hex_color: str) -> np.ndarray:
    h = hex_color.lstrip("#")
    return np.array([int(h[i : i + 2], 16) for i in (0, 2, 4)], dtype=float) / 255


def seen_as(hex_color: str, deficiency: str | None) -> np.ndarray:
    rgb = _rgb(hex_color)
    if deficiency is None:
        return rgb
    space = {"name": "sRGB1+CVD", "cvd_type": deficiency, "severity": 100}
    return np.clip(cs.cspace_convert(rgb, space, "sRGB1"), 0, 1)


def delta_e(a: str, b: str, deficiency: str | None) -> float:
    return float(cs.deltaE(seen_as(a, deficiency), seen_as(b, deficiency), input_space="sRGB1"))


@pytest.mark.parametrize("deficiency", [None, *DEFICIENCIES])
@pytest.mark.parametrize("name", list(SEQUENCES))
def test_adjacent_classes_stay_apart(name, deficiency):
    cols = SEQUENCES[name]
    worst = min((delta_e(a, b, deficiency), a, b) for a, b in itertools.pairwise(cols))
    assert worst[0] >= MIN_ADJACENT, f"{name} ({deficiency or 'normaal'}): {worst[1]} en {worst[2]} ΔE {worst[0]:.1f}"


@pytest.mark.parametrize("deficiency", [None, *DEFICIENCIES])
@pytest.mark.parametrize("name", list(CATEGORIES))
def test_categorical_colours_stay_apart(name, deficiency):
    cols = CATEGORIES[name]
    worst = min((delta_e(a, b, deficiency), a, b) for a, b in itertools.combinations(cols, 2))
    assert worst[0] >= MIN_CATEGORICAL, (
        f"{name} ({deficiency or 'normaal'}): {worst[1]} en {worst[2]} ΔE {worst[0]:.1f}"
    )


@pytest.mark.parametrize("deficiency", [None, *DEFICIENCIES])
def test_missing_grey_differs_from_every_class(deficiency):
    colours = {c for cols in SEQUENCES.values() for c in cols}
    worst = min((delta_e(MISSING_COLOR, c, deficiency), c) for c in colours)
    assert worst[0] >= MIN_MISSING, f"geen cijfer vs {worst[1]}: ΔE {worst[0]:.1f}"


def test_simulation_is_real():
    """Guard against a no-op simulation: red and green, far apart normally, come close for a deuteranope."""
    assert delta_e("#d62728", "#2ca02c", None) > 3 * delta_e("#d62728", "#2ca02c", "deuteranomaly")


def test_muted_text_and_chart_lines_reach_wcag_contrast():
    assert contrast_ratio(MUTED, "#ffffff") >= 4.5 and contrast_ratio(MUTED, "#f0f2f6") >= 4.5  # text 1.4.3
    for colour in ROLE_COLOURS.values():  # lines in a chart: non-text contrast 1.4.11
        assert contrast_ratio(colour, "#ffffff") >= 3.0, colour
