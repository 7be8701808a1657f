"""`_quantiles`, the bootstrap interval's two percentiles: exactly np.quantile's answer (the
default, linear method), which it replaced, on any values and levels."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from framing.scoring.lexicon_scores import BOOTSTRAP_SAMPLES, _quantiles

values = st.one_of(
    arrays(np.float64, st.integers(1, 40), elements=st.floats(allow_nan=True, allow_infinity=True)),
    arrays(np.float64, BOOTSTRAP_SAMPLES, elements=st.floats(-1, 1, allow_nan=False)),
    arrays(np.float64, BOOTSTRAP_SAMPLES, elements=st.sampled_from([-1.0, -0.5, 0.0, 1 / 3, 0.5, 1.0])),
)
level = st.one_of(st.sampled_from([0.90, 0.0, 1.0, 0.5, 0.95, 0.99]), st.floats(0, 1))


def reference(x: np.ndarray, low: float, high: float) -> tuple[float, float]:
    with np.errstate(all="ignore"):  # infinities: inf - inf and inf * 0 in the interpolation
        lo, hi = np.quantile(x, [low, high])
    return float(lo), float(hi)


@settings(max_examples=800, deadline=None)
@given(values, level)
def test_the_same_percentiles_as_np_quantile(x, lvl):
    low, high = (1 - lvl) / 2, 1 - (1 - lvl) / 2
    before = x.copy()
    with np.errstate(all="ignore"):  # np.quantile's own warnings on infinities (also where _quantiles hands over to it)
        assert repr(_quantiles(x, low, high)) == repr(reference(x, low, high))
    assert np.array_equal(x, before, equal_nan=True)  # the values are left as they were


def test_bootstrap_like_positions():
    rng = np.random.default_rng(7)
    for _ in range(2000):
        p, q = rng.integers(0, 40, BOOTSTRAP_SAMPLES) * 0.7, rng.integers(0, 40, BOOTSTRAP_SAMPLES) * 1.3
        positions = (p - q) / (p + q + 1.0)
        assert repr(_quantiles(positions, (1 - 0.90) / 2, 1 - (1 - 0.90) / 2)) == repr(reference(positions, (1 - 0.90) / 2, 1 - (1 - 0.90) / 2))
