"""framing.compare.profiles: standardised profiles, distances, the off-topic rule, the map."""
import numpy as np
import pandas as pd
import pytest

from framing.compare.profiles import nearest_and_farthest, on_topic, pairwise_distances, profile_map, profile_matrix
from framing.compare.schema import infer_schema


def test_profile_matrix_standardises_and_fills_missing_values():
    table = pd.DataFrame({"a": [1.0, 2.0, 3.0, None], "b": [5.0, 5.0, 5.0, 5.0], "c": ["x", "1", "2", "3"]})
    z = profile_matrix(table, ["a", "b", "c"])
    assert z.shape == (4, 3)
    assert np.allclose(z[:, 0].mean(), 0) and z[3, 0] == pytest.approx(0.0)  # missing -> mean
    assert np.all(z[:, 1] == 0)  # constant column weighs nothing
    assert not np.isnan(z).any()


def test_distances_agree_with_brute_force():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((37, 5))
    d = pairwise_distances(z)
    brute = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(-1) / 5)
    assert np.allclose(d, brute) and np.allclose(d, d.T) and np.all(np.diag(d) == 0)
    near, near_d, far, far_d = nearest_and_farthest(z, chunk=8)
    off = brute + np.diag([np.inf] * 37)
    assert np.array_equal(near, off.argmin(1)) and np.allclose(near_d, off.min(1))
    off = brute - np.diag([np.inf] * 37)
    assert np.array_equal(far, off.argmax(1)) and np.allclose(far_d, off.max(1))


def test_off_topic_is_absent_with_no_frame_evidence():
    table = pd.DataFrame({"id": list("abcd"), "alliance.position": [0.5, 0.0, 0.0, 0.0], "alliance.label": ["threat", "absent", "absent", "threat"],
                          "alliance.intensity": [3.0, 0.4, 0.0, 0.0], "alliance.threat": [3.0, 0.4, 0.0, 0.0]})
    schema = infer_schema(list(table.columns))
    # absent with a little evidence stays on topic; a label without lexicon intensity (a classifier's) too
    assert on_topic(table, schema).tolist() == [True, True, False, True]
    no_poles = infer_schema(["id", "title", "ideology.left", "ideology.label"])
    assert on_topic(pd.DataFrame({"id": ["a"], "ideology.left": [1.0], "ideology.label": ["left"]}), no_poles).tolist() == [True]


def test_profile_map_is_principal_components_with_fixed_signs():
    rng = np.random.default_rng(1)
    z = np.column_stack([rng.normal(0, 3, 200), rng.normal(0, 1, 200), rng.normal(0, 0.1, 200)])
    m = profile_map(z, ["big", "mid", "tiny"])
    assert m.loadings[0][0][0] == "big" and m.loadings[0][0][1] > 0 and m.loadings[1][0][0] == "mid"
    assert m.explained[0] > 0.8 > m.explained[1] > 0.05
    assert np.allclose(np.abs(m.xy[:, 0]), np.abs(z[:, 0] - z[:, 0].mean()), atol=0.05 * 3)
    again = profile_map(-z, ["big", "mid", "tiny"])  # the same cloud mirrored: the same map up to the sign rule
    assert np.allclose(np.abs(again.xy), np.abs(m.xy))
