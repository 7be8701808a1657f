"""benchmarks/sentence_model_experiment.py: its grid, its adoption rule (the runs need
../shared) and how it reads more written units."""
from __future__ import annotations

import json

import pytest
from benchmark_helpers import EXPERIMENT_BASELINE, benchmark_module


@pytest.fixture()
def experiment(monkeypatch):
    return benchmark_module(monkeypatch, "sentence_model_experiment")


BASE = EXPERIMENT_BASELINE


def test_a_configuration_is_adopted_only_when_its_main_figures_rise_two_points_and_no_figure_falls_more_than_one(experiment):
    results = {
        "baseline": BASE,
        # main mean +0.02 (accuracy +0.03, AUC +0.01), nothing down: passes
        "C-16": {**BASE, "alliance.label accuracy": 0.82, "alliance.position auc": 0.92},
        # a larger main gain, but the sentence figure falls 0.011: fails
        "C-1": {**BASE, "alliance.label accuracy": 0.85, "alliance.sentence macro_f1": 0.539},
        # main gain 0.015 only: fails
        "unweighted": {**BASE, "alliance.label accuracy": 0.805, "alliance.position auc": 0.925},
    }
    chosen, why = experiment.verdict(results, "alliance")
    assert chosen == "C-16"
    assert why["C-1"].startswith("fails") and why["unweighted"].startswith("fails") and why["C-16"].startswith("passes")
    # another dimension is judged on its own figures only
    assert experiment.verdict(results, "ideology")[0] == "baseline"
    more = {"baseline": BASE, "more-written": {**BASE, "prescriptions.advocated micro_f1": 0.35, "prescriptions.rejected micro_f1": 0.441}}
    assert experiment.verdict(more, "prescriptions")[0] == "more-written"
    assert experiment.verdict({"baseline": BASE, "more-written": {**more["more-written"], "prescriptions.rejected micro_f1": 0.43}}, "prescriptions")[0] == "baseline"


def test_the_grid_changes_one_setting_each(experiment):
    from framing.training.articles import REAL_CONFIGS

    shipped = experiment.Setting(dict(REAL_CONFIGS))
    assert experiment.setting_of("baseline") == shipped
    assert all(c.C == 1.0 for c in experiment.setting_of("C-1").configs.values())
    assert all(c.C == 16.0 for c in experiment.setting_of("C-16").configs.values())
    assert all(c.class_weight is None for c in experiment.setting_of("unweighted").configs.values())
    assert experiment.setting_of("real-only") == experiment.Setting(dict(REAL_CONFIGS), written=False)
    assert experiment.setting_of("real-twice") == experiment.Setting(dict(REAL_CONFIGS), real_times=2)
    assert experiment.setting_of("more-written") == experiment.Setting(dict(REAL_CONFIGS), extra_written=True)
    assert experiment.setting_of("round2-units") == experiment.Setting(dict(REAL_CONFIGS), unit_rounds=(1, 2))
    with pytest.raises(SystemExit):
        experiment.setting_of("C-64")
    assert "more-written" not in experiment.FIRST_GRID  # the default runs without --extra


def test_more_written_units_are_read_by_dimension_and_grouped_like_the_shipped_ones(experiment, tmp_path):
    path = tmp_path / "more.jsonl"
    path.write_text("\n".join(json.dumps({"id": f"x{i}", "text": f"sentence {i}", "label": "none", "group": "doc-901"}) for i in range(3)) + "\n", encoding="utf-8")
    rows = experiment.extra_rows([f"alliance={path}"])
    assert list(rows) == ["alliance"] and [r["group"] for r in rows["alliance"]] == ["written:doc-901"] * 3
    with pytest.raises(SystemExit):
        experiment.extra_rows([str(path)])
    with pytest.raises(SystemExit):
        experiment.main(["--configs", "more-written", "--units-dir", str(tmp_path)])
