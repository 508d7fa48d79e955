"""Maps that read at a glance: name labels never overlap at the zoom the map opens with, the map is
fitted to the chosen gemeente(n), and what could not be labelled is still named elsewhere."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from wijkkompas.mapdata import build_choropleth, label_points, view_state
from wijkkompas.maplabels import label_box, overlaps, place_labels
from wijkkompas.store import Store


def _labels(model) -> list[dict]:
    spec = json.loads(model.spec())
    layer = next((lay for lay in spec["layers"] if lay["id"] == "namen"), None)
    return layer["data"] if layer else []


def test_crowded_labels_keep_the_largest_and_drop_what_would_overlap():
    big = {"p": [6.80, 52.26], "t": "Grote wijk"}
    close = {"p": [6.8005, 52.2601], "t": "Buurman"}  # a few metres away: would sit on top
    far = {"p": [6.90, 52.30], "t": "Ver weg"}
    view = {"longitude": 6.85, "latitude": 52.28, "zoom": 11}
    assert place_labels([big, close, far], view) == [big, far]
    assert overlaps([big, close, far], 11) == [("Grote wijk", "Buurman")]
    assert overlaps(place_labels([big, close, far], view), 11) == []
    # Zoomed in far enough, they fit side by side.
    assert len(place_labels([big, close], {**view, "zoom": 19})) == 2
    # Outside a map of the given size: dropped.
    assert place_labels([far], {"longitude": 6.0, "latitude": 52.0, "zoom": 12}, width_px=500, height_px=500) == []


def test_label_box_grows_with_the_name():
    short = label_box({"p": [6.8, 52.2], "t": "Es"}, 12)
    long = label_box({"p": [6.8, 52.2], "t": "Bedrijventerrein Twentekanaal"}, 12)
    assert long[2] - long[0] > 5 * (short[2] - short[0]) / 2
    assert short[1] < short[3]


def test_label_points_put_the_largest_region_first():
    frame = gpd.GeoDataFrame(
        {"region_name": ["Klein", "Groot"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(2, 0, 6, 4)],
    )
    assert [lab["t"] for lab in label_points(frame)] == ["Groot", "Klein"]


@pytest.mark.parametrize("gemeente", ["GM0164", "GM0153", "GM0141"])
@pytest.mark.parametrize("level", ["buurt", "wijk"])
def test_real_twente_maps_have_no_overlapping_labels(twente_store_dir, gemeente, level):
    """As the Kaart page draws them: at buurt level the wijken are named, at wijk level the wijken themselves."""
    store = Store(twente_store_dir)
    for year in store.geometry_years(level):
        shapes = store.geometry(year, level, [gemeente])
        if shapes.empty:
            continue
        wijken = store.geometry(year, "wijk", [gemeente]) if level == "buurt" else shapes
        frame = shapes.assign(value=np.arange(len(shapes), dtype=float), status="ok")
        model = build_choropleth(
            frame, value_label="X", level=level, outlines=wijken if level == "buurt" else None, labels=wijken
        )
        placed = _labels(model)
        candidates = label_points(wijken)
        assert placed, f"{gemeente} {level} {year}: geen enkele naam op de kaart"
        assert overlaps(placed, model.view["zoom"]) == [], f"{gemeente} {level} {year}"
        assert {lab["t"] for lab in placed} <= {lab["t"] for lab in candidates}
        # The map opens on the gemeente: its centre lies inside the gemeente's outline box.
        xmin, ymin, xmax, ymax = shapes.total_bounds
        assert xmin < model.view["longitude"] < xmax and ymin < model.view["latitude"] < ymax


def test_view_fills_the_map_column():
    """Hengelo-sized bounds: the whole gemeente fits a 520×560 map, and fills most of its height."""
    from wijkkompas.maplabels import project

    bounds = (6.70, 52.22, 6.86, 52.32)
    view = view_state(bounds)
    x0, y0 = project(bounds[0], bounds[3], view["zoom"])
    x1, y1 = project(bounds[2], bounds[1], view["zoom"])
    assert x1 - x0 <= 520 and y1 - y0 <= 560
    assert max((x1 - x0) / 520, (y1 - y0) / 560) > 0.8
