"""framing.compare.groups: group labels, group means and the statistics of group differences."""
import math

import numpy as np
import pytest

from framing.compare.groups import (
    MISSING_GROUP,
    REST,
    bootstrap_means,
    cliffs_delta,
    compare_groups,
    group_labels,
    group_means,
    holm,
    parse_group_spec,
)


def test_cliffs_delta_and_holm():
    assert cliffs_delta([1, 2, 3], [1, 2, 3]) == 0
    assert cliffs_delta([4, 5], [1, 2]) == 1
    assert cliffs_delta([1, 2], [4, 5]) == -1
    assert cliffs_delta([1, 3], [2]) == 0
    assert np.allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    assert np.all(holm([0.5, 0.9]) <= 1) and len(holm([])) == 0


def test_bootstrap_means_centre_on_the_mean_in_both_regimes():
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(2.0, 1.0, size=300), rng.normal(-1.0, 3.0, size=300)])
    x[::10, 1] = np.nan  # missing values: the mean of the values present
    exact = bootstrap_means(x, n_boot=500, rng=rng)
    approx = bootstrap_means(x, n_boot=500, rng=rng, exact_below=10)
    for reps in (exact, approx):
        assert reps.shape == (500, 2)
        for k in range(2):
            col = x[:, k][~np.isnan(x[:, k])]
            assert abs(reps[:, k].mean() - col.mean()) < 0.05 * col.std() * 3
            assert reps[:, k].std() == pytest.approx(col.std() / math.sqrt(len(col)), rel=0.25)


def _groups_data(shift: float, n: int = 40, seed: int = 3):
    rng = np.random.default_rng(seed)
    a = rng.normal(0.0, 1.0, n)
    b = rng.normal(shift, 1.0, n)
    return {"score": np.concatenate([a, b]), "flat": np.ones(2 * n)}, ["A"] * n + ["B"] * n


def test_compare_groups_finds_a_real_difference_and_not_a_null_one():
    values, groups = _groups_data(shift=1.5)
    diffs = {d.metric: d for d in compare_groups(values, groups)}
    d = diffs["score"]
    assert (d.group_a, d.group_b) == ("A", "B")
    assert d.difference == pytest.approx(d.mean_a - d.mean_b)
    assert d.ci_low < d.difference < d.ci_high and d.ci_high < 0
    assert d.cliffs_delta < -0.5 and d.significant and d.p_adjusted >= d.p_value
    assert not diffs["flat"].significant and diffs["flat"].p_value == 1.0
    values, groups = _groups_data(shift=0.0, seed=5)
    assert not any(x.significant for x in compare_groups(values, groups))


def test_compare_groups_with_many_groups_compares_each_with_the_rest():
    rng = np.random.default_rng(7)
    groups = [f"g{i % 8}" for i in range(240)] + ["tiny"]
    values = {"x": rng.normal(size=241)}
    diffs = compare_groups(values, groups, pairwise_max_groups=6, n_boot=200)
    assert {d.group_b for d in diffs} == {REST}
    assert {d.group_a for d in diffs} == {f"g{i}" for i in range(8)}  # "tiny" (1 article) left out
    again = compare_groups(values, groups, pairwise_max_groups=6, n_boot=200)
    assert [(d.ci_low, d.p_value) for d in diffs] == [(d.ci_low, d.p_value) for d in again]  # seeded


def test_group_specs_and_date_buckets():
    assert parse_group_spec("outlet") == ("outlet", None)
    assert parse_group_spec("date:month") == ("date", "month")
    assert parse_group_spec("source:url") == ("source:url", None)
    assert group_labels(["A", None, "", float("nan"), 3]) == ["A", MISSING_GROUP, MISSING_GROUP, MISSING_GROUP, "3"]
    dates = ["2024-01-31", "2024-02-01T10:00:00Z", "not a date", None]
    assert group_labels(dates, "month") == ["2024-01", "2024-02", MISSING_GROUP, MISSING_GROUP]
    assert group_labels(dates[:2], "quarter") == ["2024Q1", "2024Q1"]


def test_group_versus_rest_statistics_match_scipy():
    from scipy.stats import mannwhitneyu

    rng = np.random.default_rng(11)
    groups = [f"g{i % 9}" for i in range(450)]
    x = rng.normal(size=450).round(1)  # rounded: ties
    x[np.array(groups) == "g3"] += 0.8
    x[::17] = np.nan
    diffs = {d.group_a: d for d in compare_groups({"x": x}, groups, n_boot=300)}
    labels = np.array(groups)
    for g in ("g0", "g3"):
        a, b = x[(labels == g) & ~np.isnan(x)], x[(labels != g) & ~np.isnan(x)]
        expected = mannwhitneyu(a, b, alternative="two-sided", method="asymptotic").pvalue
        assert diffs[g].p_value == pytest.approx(expected, rel=1e-6)
        assert diffs[g].cliffs_delta == pytest.approx(cliffs_delta(a, b))
        assert diffs[g].n_a == len(a) and diffs[g].n_b == len(b)
    assert diffs["g3"].significant and diffs["g3"].ci_low > 0


def test_group_means_ignore_missing_values():
    values = np.array([[1.0, np.nan], [3.0, 4.0], [10.0, np.nan]])
    out = group_means(values, ["a", "a", "b"], ["b", "a", "c"])
    assert out[0, 0] == 10 and np.isnan(out[0, 1]) and out[1].tolist() == [2.0, 4.0] and np.isnan(out[2]).all()
