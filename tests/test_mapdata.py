"""The pure map model: joins, ranks, colours, legend and the compact deck spec."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from wijkkompas.mapdata import (
    LIGHT_BASEMAP,
    MISSING_COLOR,
    NO_BASEMAP_STYLE,
    NO_ROW,
    build_choropleth,
    format_with_unit,
    geometry_json,
    hex_to_rgba,
    join_values,
    label_points,
    nearest_year,
    palette,
    rank_within,
    view_state,
)

NAN = float("nan")


def _lum(hex_color: str) -> float:
    r, g, b, _ = hex_to_rgba(hex_color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _grid(codes, gm="GM0999", size=0.01):
    geoms = [shapely.box(6.7 + i * size, 52.2, 6.7 + (i + 1) * size, 52.2 + size) for i in range(len(codes))]
    return gpd.GeoDataFrame(
        {"region_code": codes, "region_name": [f"Kaart {c}" for c in codes], "gemeente_code": gm},
        geometry=geoms,
        crs="EPSG:4326",
    )


def _geo_values(values, statuses=None, gemeenten=None, names=None):
    codes = [f"BU0999{i:04d}" for i in range(len(values))]
    frame = _grid(codes)
    frame["value"] = values
    frame["status"] = statuses or ["ok" if v == v else "geheim" for v in values]
    if gemeenten:
        frame["gemeente_code"] = gemeenten
    if names:
        frame["region_name"] = names
    return frame


def _spec(model, selected=None) -> dict:
    return json.loads(model.spec(selected))


def _layer(spec: dict, layer_id: str) -> dict | None:
    return next((lay for lay in spec["layers"] if lay.get("id") == layer_id), None)


# --------------------------------------------------------------------------- colours


@pytest.mark.parametrize("k", range(1, 8))
def test_palette_worse_is_darker(k):
    worse_high = palette(k, "lower_is_better")
    worse_low = palette(k, "higher_is_better")
    assert len(worse_high) == len(worse_low) == k
    if k > 1:
        assert _lum(worse_high[-1]) < _lum(worse_high[0])  # high values (worse) darkest
        assert _lum(worse_low[0]) < _lum(worse_low[-1])  # low values (worse) darkest
        assert worse_low == worse_high[::-1]


def test_palette_neutral_and_diverging_schemes_are_colour_blind_safe_brewer():
    assert palette(5, "neutral") == ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]  # Blues
    assert palette(5, "lower_is_better") == ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]  # YlOrRd
    rdbu = ["#ca0020", "#f4a582", "#f7f7f7", "#92c5de", "#0571b0"]
    assert palette(5, "higher_is_better", diverging=True) == rdbu  # low (worse) red
    assert palette(5, "lower_is_better", diverging=True) == rdbu[::-1]  # high (worse) red
    assert palette(5, "neutral", diverging=True)[2] == "#f7f7f7"  # PuOr, neutral middle
    assert palette(0) == []


# --------------------------------------------------------------------------- years, joins, ranks


def test_nearest_year():
    assert nearest_year(2024, [2014, 2015]) == 2015
    assert nearest_year(2020, [2019, 2021]) == 2019  # tie: the older map (the one rule, see test_map_year_rule)
    assert nearest_year(2023, [2023, 2024]) == 2023
    assert nearest_year(2024, []) is None


def test_join_lists_value_without_shape_and_shape_without_value():
    geo = _grid(["BU09990001", "BU09990002", "BU09990003"])
    values = pd.DataFrame(
        {
            "region_code": ["BU09990001", "BU09990002", "BU09990009"],
            "region_name": ["Data-naam 1", "Data-naam 2", "Nieuwbouw"],
            "gemeente_code": "GM0999",
            "value": [1.0, NAN, 3.0],
            "status": ["ok", "geheim", "ok"],
            "source_table": "85984NED",
            "source_key": "X_1",
        }
    )
    j = join_values(geo, values)
    assert list(j.frame["region_name"]) == ["Data-naam 1", "Data-naam 2", "Kaart BU09990003"]  # names of the data year
    assert list(j.frame["status"]) == ["ok", "geheim", NO_ROW]
    assert list(j.value_without_shape["region_code"]) == ["BU09990009"]
    assert list(j.shape_without_value["region_code"]) == ["BU09990003"]
    assert j.frame.loc[0, "source_table"] == "85984NED"


def test_rank_within_gemeente_highest_is_one():
    frame = pd.DataFrame({"value": [5.0, 9.0, NAN, 1.0, 2.0], "gemeente_code": ["A", "A", "A", "B", "B"]})
    rank, n = rank_within(frame)
    assert list(rank) == [2, 1, pd.NA, 2, 1]
    assert list(n) == [2, 2, 2, 2, 2]


# --------------------------------------------------------------------------- the model


def test_suppressed_value_never_gets_a_data_colour():
    # A "geheim" row that (wrongly) carries a number must still be drawn as missing.
    frame = _geo_values([1.0, 2.0, 3.0, 4.0, 99.0], statuses=["ok", "ok", "ok", "ok", "geheim"])
    model = build_choropleth(frame, value_label="X", unit="%", better="lower_is_better", decimals=1, k=3)
    props = [f["properties"] for f in _layer(_spec(model), "gebieden")["data"]["features"]]
    missing_rgb = hex_to_rgba(MISSING_COLOR)[:3]
    assert props[4]["f"] == missing_rgb
    assert all(p["f"] != missing_rgb for p in props[:4])
    assert props[4]["v"] == "onbekend (geheim bij CBS)"
    assert model.classification.classes[4] == -1
    assert model.classification.bins[-1] == 4.0  # 99 did not enter the classification
    assert pd.isna(model.table.loc[4, "class"]) and pd.isna(model.table.loc[4, "rank"])
    missing = model.legend.missing
    assert len(missing) == 1 and missing[0].hatched and missing[0].count == 1
    assert _layer(_spec(model), "geheim") is not None  # hatching drawn on the map


def test_legend_counts_and_separate_missing_entries():
    frame = _geo_values([1.0, 2.0, 3.0, NAN, NAN, 6.0], statuses=["ok", "ok", "ok", "geheim", NO_ROW, "ok"])
    model = build_choropleth(frame, value_label="Inwoners", unit="aantal", decimals=0, k=3)
    legend = model.legend
    assert sum(e.count for e in legend.entries) == 6
    assert [e.label for e in legend.missing] == ["onbekend (geheim bij CBS)", "geen cijfer (niet gepubliceerd)"]
    assert [e.hatched for e in legend.missing] == [True, False]
    assert legend.title == "Inwoners"  # no "(aantal)"
    assert all(e.color == MISSING_COLOR for e in legend.missing)
    assert all(e.color != MISSING_COLOR for e in legend.classes)


def test_legend_bounds_are_dutch():
    frame = _geo_values([1234.5, 2345.6, 3456.7, 4567.8, 9999.9])
    model = build_choropleth(frame, value_label="WOZ", unit="x 1 000 euro", decimals=1, method="equal_interval", k=3)
    assert model.legend.classes[0].label.startswith("1.234,5 – ")
    assert model.legend.title == "WOZ (x 1 000 euro)"


def test_spec_is_compact_json_with_layers_and_no_basemap_by_default():
    frame = _geo_values([1.0, 2.0, 3.0, 4.0])
    outlines = _grid(["WK099901"], size=0.04)
    model = build_choropleth(
        frame, value_label="X", outlines=outlines, gemeente_outline=_grid(["GM0999"], size=0.04), labels=outlines
    )
    text = model.spec()
    assert "\n" not in text and ": " not in text[:200]
    spec = json.loads(text)
    assert [lay["id"] for lay in spec["layers"]] == ["gebieden", "wijkgrenzen", "gemeentegrens", "namen"]
    assert spec["mapStyle"] == NO_BASEMAP_STYLE and "mapProvider" not in spec
    assert spec["layers"][0]["pickable"] is True and spec["layers"][1]["pickable"] is False
    labels = _layer(spec, "namen")
    assert labels["characterSet"] == "auto"  # ë, é, ' in Dutch names
    assert labels["data"][0]["t"] == "Kaart WK099901"
    assert model.n_bytes == len(text.encode())
    with_basemap = json.loads(build_choropleth(frame, value_label="X", basemap=True).spec())
    assert with_basemap["mapStyle"] == LIGHT_BASEMAP and with_basemap["mapProvider"] == "carto"


def test_selected_region_gets_an_outline_layer():
    frame = _geo_values([1.0, 2.0, 3.0])
    model = build_choropleth(frame, value_label="X")
    assert _layer(_spec(model), "selectie") is None
    sel = _layer(_spec(model, "BU09990001"), "selectie")
    assert sel is not None and len(sel["data"]["features"]) == 1
    assert _layer(_spec(model, "BU09990001"), "gebieden")["data"] == _layer(_spec(model), "gebieden")["data"]
    assert _layer(_spec(model, "onbekend"), "selectie") is None


def test_tooltip_template_escapes_static_text_and_keeps_data_in_properties():
    names = ["<b>Bloemwijk</b>", "'t Hofje", "Noord & Oost"]
    frame = _geo_values([1.0, 2.0, 3.0], names=names)
    model = build_choropleth(frame, value_label="<script>x</script> {n}", unit="%", tooltip_extra={"Let op": "status"})
    html = model.tooltip["html"]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "(n)" in html  # braces in a label cannot become placeholders
    for name in names:
        assert name not in html
    props = [f["properties"] for f in _layer(_spec(model), "gebieden")["data"]["features"]]
    assert [p["n"] for p in props] == names  # the frontend escapes interpolated values
    assert props[0]["x0"] == "ok" and "{x0}" in html


def test_rank_and_gemeente_value_in_tooltip_properties():
    frame = _geo_values([1.0, 5.0, 3.0, 7.0], gemeenten=["GM0001", "GM0001", "GM0002", "GM0002"])
    model = build_choropleth(
        frame,
        value_label="X",
        unit="%",
        decimals=1,
        gemeente_values={"GM0001": 4.26, "GM0002": NAN},
        gemeente_names={"GM0001": "Eendorp", "GM0002": "Tweestad"},
    )
    props = [f["properties"] for f in _layer(_spec(model), "gebieden")["data"]["features"]]
    assert [p["r"] for p in props] == ["2 van 2", "1 van 2", "2 van 2", "1 van 2"]
    assert props[0]["gv"] == "4,3%" and props[2]["gv"] == "geen cijfer"
    assert props[0]["g"] == "Eendorp" and props[1]["v"] == "5,0%"


def test_z_bands_use_a_diverging_palette():
    frame = _geo_values([1.0, 2.0, 3.0, 4.0, 5.0])
    model = build_choropleth(frame, value_label="X", better="higher_is_better", method="z_bands", k=5)
    assert [e.color for e in model.legend.classes] == palette(5, "higher_is_better", diverging=True)
    assert "z" in model.table.columns


def test_categories_colour_by_the_callers_classes():
    frame = _geo_values([80.0, 100.0, 120.0, NAN])
    frame["band"] = ["onder", "rond", "boven", None]
    model = build_choropleth(
        frame,
        value_label="Score",
        categories=["onder", "rond", "boven"],
        category_column="band",
        better="higher_is_better",
    )
    assert [e.label for e in model.legend.classes] == ["onder", "rond", "boven"]
    assert list(model.table["class"].astype("float").fillna(-1)) == [1, 2, 3, -1]


def test_only_missing_values_still_builds_a_grey_map():
    frame = _geo_values([NAN, NAN])
    model = build_choropleth(frame, value_label="X")
    assert model.legend.classes == ()
    assert [e.count for e in model.legend.missing] == [2]
    assert "Geen enkel gebied" in " ".join(model.legend.notes)


def test_format_with_unit():
    assert format_with_unit(12.345, "%", 1) == "12,3%"
    assert format_with_unit(1234.0, "aantal", 0) == "1.234"
    assert format_with_unit(0.42, "km", 1) == "0,4 km"
    assert format_with_unit(NAN, "%", 1) == "–"


def test_geometry_json_precision_follows_extent():
    small = np.array([shapely.box(6.712345, 52.212345, 6.722345, 52.222345)])
    big = np.array([shapely.box(3.312345, 50.712345, 7.212345, 53.612345)])
    assert "6.71235" in geometry_json(small)[0] or "6.71234" in geometry_json(small)[0]
    assert "3.3123," in geometry_json(big)[0]  # ≈10 m for a national layer


def test_view_state_fits_bounds_and_label_points_inside():
    vs = view_state((6.6, 52.2, 6.9, 52.35))
    assert 6.6 < vs["longitude"] < 6.9 and 52.2 < vs["latitude"] < 52.35 and 9 < vs["zoom"] < 13
    assert view_state((float("nan"),) * 4)["zoom"] == 6.5
    u_shape = gpd.GeoDataFrame(
        {"region_name": ["Wijk 07 Woolde"]},
        geometry=[shapely.Polygon([(0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3)])],
    )
    (label,) = label_points(u_shape)
    assert shapely.Point(label["p"]).within(u_shape.geometry[0])
    assert label["t"] == "Woolde"  # "Wijk 07 " is noise on a map
