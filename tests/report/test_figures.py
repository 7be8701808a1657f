"""The figures module: the same data draws the same picture on every run."""
from __future__ import annotations

import numpy as np

from framing.report.figures import group_distributions


def test_group_distributions_are_the_same_every_run_and_leave_numpy_alone():
    # seaborn jitters the dots with numpy's global generator; unseeded, every report differed
    values = [0.1, -0.4, 0.3, 0.9, -0.2, 0.0, 0.5, -0.7]
    groups = ["left", "left", "left", "right", "right", "right", "center", "center"]
    np.random.seed(1)
    first = group_distributions(values, groups, ["left", "center", "right"], ylabel="alliance.position")
    drawn_after = np.random.random()
    np.random.seed(2)  # whatever state the caller left numpy in
    second = group_distributions(values, groups, ["left", "center", "right"], ylabel="alliance.position")
    assert first.src == second.src and first.src.startswith("data:image/png;base64,")
    np.random.seed(1)
    assert np.random.random() == drawn_after  # the caller's generator was put back as it was
