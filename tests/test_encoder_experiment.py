"""benchmarks/encoder_experiment.py: its grid and the adoption rule it applies (the runs themselves
need the `encoder` extra and ../shared, and take half an hour)."""
from __future__ import annotations


import pytest
from benchmark_helpers import benchmark_module



@pytest.fixture()
def experiment(monkeypatch):
    return benchmark_module(monkeypatch, "encoder_experiment")


BASE = {"alliance.label accuracy": 0.79, "alliance.label macro_f1": 0.60, "alliance.position auc": 0.91, "ideology.label accuracy": 0.68,
        "ideology.label macro_f1": 0.52, "prescriptions.advocated micro_f1": 0.29, "prescriptions.rejected micro_f1": 0.45}


def test_the_rule_needs_every_main_figure_up_two_points_and_no_other_down_more_than_one(experiment):
    up = {**BASE, "prescriptions.advocated micro_f1": 0.31, "prescriptions.rejected micro_f1": 0.441}
    assert experiment.verdict(BASE, up, "prescriptions")[0]
    assert not experiment.verdict(BASE, {**up, "prescriptions.rejected micro_f1": 0.4398}, "prescriptions")[0]
    assert not experiment.verdict(BASE, {**BASE, "prescriptions.advocated micro_f1": 0.305}, "prescriptions")[0]
    # alliance needs both accuracy and AUC; another dimension's figures do not count
    assert not experiment.verdict(BASE, {**BASE, "alliance.label accuracy": 0.82}, "alliance")[0]
    assert experiment.verdict(BASE, {**BASE, "alliance.label accuracy": 0.82, "alliance.position auc": 0.93, "ideology.label accuracy": 0.5}, "alliance")[0]


def test_the_grid_changes_only_what_it_says(experiment):
    from framing.training.articles import REAL_CONFIGS

    assert experiment.config_of("baseline") == dict(REAL_CONFIGS)
    add = experiment.config_of("add-2")
    assert all(c.encoder == "all-MiniLM-L6-v2" and c.encoder_scale == 2.0 for c in add.values()) and add["alliance"].word_vectors
    rep = experiment.config_of("replace-4")
    assert not rep["alliance"].word_vectors and rep["alliance"].encoder_scale == 4.0
    assert rep["ideology"] == REAL_CONFIGS["ideology"] and rep["prescriptions"] == REAL_CONFIGS["prescriptions"]
    with pytest.raises(SystemExit):
        experiment.config_of("add-8x")
