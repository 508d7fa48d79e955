"""Class breaks: every method, and the awkward inputs a real gemeente produces."""

from __future__ import annotations

import warnings

import mapclassify
import numpy as np
import pytest

from wijkkompas.classify import (
    METHODS,
    MISSING,
    _fisher_jenks_dp,
    bound_labels,
    classify,
    classify_categories,
    natural_breaks,
)

NAN = float("nan")


def _sse(values: np.ndarray, bins: np.ndarray) -> float:
    cls = np.searchsorted(bins, values, side="left")
    return float(sum(((values[cls == i] - values[cls == i].mean()) ** 2).sum() for i in np.unique(cls)))


@pytest.mark.parametrize("method", METHODS)
def test_missing_values_never_get_a_class(method):
    values = [3.0, NAN, 1.0, 7.5, None, 2.0, 9.0, float("inf"), 4.0]
    cls = classify(values, method, 3, groups=["a"] * 9)
    assert cls.classes[1] == MISSING and cls.classes[4] == MISSING and cls.classes[7] == MISSING
    assert (cls.classes[[0, 2, 3, 5, 6, 8]] != MISSING).all()
    assert sum(cls.counts) == 6 == cls.n_valid


@pytest.mark.parametrize("method", ["quantiles", "natural_breaks", "equal_interval"])
def test_classes_follow_the_values(method):
    rng = np.random.default_rng(3)
    values = rng.lognormal(size=80)
    cls = classify(values, method, 5)
    order = np.argsort(values)
    assert (np.diff(cls.classes[order]) >= 0).all()  # a higher value never sits in a lower class
    assert cls.k == 5 and len(cls.bins) == 5
    assert cls.bins[-1] == pytest.approx(values.max())


def test_quantiles_balance_counts_and_bounds_are_data_values():
    values = np.arange(1, 21, dtype=float)
    cls = classify(values, "quantiles", 4)
    assert cls.counts == (5, 5, 5, 5)
    assert set(cls.bins) <= set(values)


def test_equal_interval_has_equal_widths_and_may_leave_classes_empty():
    cls = classify([0.0, 0.5, 1.0, 10.0], "equal_interval", 5)
    widths = np.diff([cls.lower, *cls.bins])
    assert np.allclose(widths, 2.0)
    assert cls.counts == (3, 0, 0, 0, 1)
    assert bound_labels(cls, 0) == ["0 – 2", "2 – 4", "4 – 6", "6 – 8", "8 – 10"]


@pytest.mark.parametrize("method", ["quantiles", "natural_breaks", "equal_interval", "z_bands"])
def test_all_values_equal_is_one_class_without_crash(method):
    cls = classify([4.2, 4.2, 4.2, NAN], method, 5)
    assert cls.counts[0] == 3 or (method == "z_bands" and cls.counts[cls.k // 2] == 3)
    assert cls.notes, "the page must be able to explain why there is only one colour"
    if method != "z_bands":
        assert cls.k == 1 and bound_labels(cls, 1) == ["4,2"]


@pytest.mark.parametrize("method", ["quantiles", "natural_breaks"])
def test_fewer_regions_than_classes(method):
    cls = classify([10.0, 30.0, NAN], method, 5)
    assert cls.k == 2
    assert bound_labels(cls, 0) == ["10", "30"]
    assert "2 verschillende waarden" in " ".join(cls.notes)


@pytest.mark.parametrize("method", METHODS)
def test_only_missing_values(method):
    cls = classify([NAN, NAN, None], method, 5, groups=["a", "b", "a"])
    assert cls.k == 0 and cls.counts == ()
    assert (cls.classes == MISSING).all()
    assert bound_labels(cls, 1) == []
    assert "Geen enkel gebied" in cls.notes[0]


def test_k_is_kept_between_3_and_7():
    values = np.arange(50, dtype=float)
    assert classify(values, "quantiles", 1).k == 3
    assert classify(values, "quantiles", 12).k == 7
    assert classify(values, "quantiles", "x").k == 5  # nonsense from a URL falls back to the default


def test_unknown_method_falls_back_to_quantiles():
    assert classify([1.0, 2.0, 3.0, 4.0], "bands", 3).method == "quantiles"


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [3, 5, 7])
def test_fisher_jenks_dp_matches_mapclassify(seed, k):
    rng = np.random.default_rng(seed)
    values = np.round(rng.lognormal(size=90), 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = np.unique(mapclassify.FisherJenks(values, k=k).bins)
    ours = _fisher_jenks_dp(np.sort(values), k)
    # Same optimum (ties may pick different but equally good bounds).
    assert _sse(values, ours) == pytest.approx(_sse(values, reference), rel=1e-9, abs=1e-12)


def test_natural_breaks_large_input_is_optimal_and_quick():
    rng = np.random.default_rng(7)
    # Three clear clusters: the optimal 3-class split must find them exactly.
    values = np.concatenate([rng.normal(10, 0.5, 700), rng.normal(50, 0.5, 700), rng.normal(90, 0.5, 700)])
    bins = natural_breaks(values, 3)
    assert len(bins) == 3
    assert 11 < bins[0] < 49 and 51 < bins[1] < 89 and bins[2] == values.max()


def test_z_bands_compare_each_region_with_its_own_gemeente():
    values = np.array([1.0, 2.0, 3.0, 100.0, 200.0, 300.0])
    groups = ["GM1", "GM1", "GM1", "GM2", "GM2", "GM2"]
    cls = classify(values, "z_bands", 3, groups=groups)
    # Same relative position in each gemeente → same class, although GM2 is 100× larger.
    assert list(cls.classes[:3]) == list(cls.classes[3:])
    assert cls.classes[1] == 1 and cls.classes[0] == 0 and cls.classes[2] == 2
    assert cls.z[1] == pytest.approx(0.0) and cls.diverging
    assert bound_labels(cls, 1) == ["lager dan gemiddeld", "rond het gemiddelde", "hoger dan gemiddeld"]


def test_z_bands_single_region_or_no_spread_is_average():
    cls = classify([5.0, 7.0, 7.0, 7.0], "z_bands", 5, groups=["a", "b", "b", "b"])
    assert (cls.classes == 2).all()
    assert cls.notes


def test_labels_are_dutch_and_distinct():
    cls = classify([1000.0, 1234.5, 1234.6, 2000.0, 5000.25], "natural_breaks", 3)
    labels = bound_labels(cls, 0)
    assert len(set(labels)) == len(labels)
    assert labels[0].startswith("1.000")  # Dutch thousands separator
    assert labels[-1] == "5.000"  # rounded to 0 decimals, one value in the class
    # one extra decimal where rounding would make two bounds look equal
    cls2 = classify(np.array([1.0, 1.04, 1.06, 1.1, 3.0, 3.2]), "quantiles", 3)
    texts = bound_labels(cls2, 0)
    assert len(set(texts)) == len(texts)
    assert all("," in t for t in texts)


def test_categories_from_the_caller():
    cls = classify_categories(["laag", "hoog", None, "onbekend", "midden"], ["laag", "midden", "hoog"])
    assert list(cls.classes) == [0, 2, MISSING, MISSING, 1]
    assert cls.counts == (1, 1, 1)
    assert bound_labels(cls, 1) == ["laag", "midden", "hoog"]
