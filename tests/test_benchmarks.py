"""The on-demand benchmarks still run: on a tiny generated corpus (as on a machine without
`../shared`), they measure every stage and both batch runs and write the figures they print."""
from __future__ import annotations

import json

import pytest
from benchmark_helpers import benchmark_module



@pytest.fixture()
def throughput(monkeypatch):
    return benchmark_module(monkeypatch, "throughput")


def test_throughput_measures_every_stage_and_both_batch_runs(throughput, tmp_path, capsys):
    out = tmp_path / "figures.json"
    figures = throughput.main(["--corpus", str(tmp_path / "absent.jsonl.gz"), "--n", "6", "--batch-n", "10",
                               "--repeat", "1", "--jobs", "2", "--json", str(out)])
    printed = capsys.readouterr().out
    assert figures["corpus"].startswith("generated corpus") and figures["articles"] == 6
    assert figures["batch_articles"] == 10 and figures["batch_corpus"].startswith("generated corpus")
    stages = figures["stages"]
    for name in ("sentences + tokens", "lexicons", "sentiment (framing's VADER)", "full pipeline, one core", "stock VADER polarity_scores"):
        assert stages[name]["seconds"] > 0, name
    assert {f"extra: {e}" for e in figures["extras"]} <= set(stages)
    assert figures["ratio_pipeline_vs_stock_vader"] > 0
    assert set(figures["batch"]) == {"--jobs 1", "--jobs 2"} and figures["batch_speedup"] > 0
    assert "whole pipeline vs stock VADER" in printed and "10 articles" in printed
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(json.dumps(figures))


def test_throughput_batch_only_skips_the_stages(throughput, tmp_path):
    figures = throughput.main(["--corpus", str(tmp_path / "absent.jsonl.gz"), "--batch-n", "5", "--repeat", "1",
                               "--batch-only", "--no-classifiers", "--jobs", "2"])
    assert figures["stages"] == {} and "ratio_pipeline_vs_stock_vader" not in figures
    assert figures["extras"] == [] and figures["batch_articles"] == 5


@pytest.mark.slow
def test_rerun_benchmark_times_both_runs_and_names_what_the_rerun_imported(monkeypatch, tmp_path, capsys):
    rerun = benchmark_module(monkeypatch, "rerun")

    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"a{i}", "text": f"China and Russia met on day {i}. The axis is a threat."}) + "\n" for i in range(5)), encoding="utf-8")
    assert rerun.main(["--corpus", str(corpus), "--n", "5", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "first run" in out and "cached rerun" in out and "x faster" in out
    assert "nltk" not in out.split("the rerun imported:")[1]


def test_learning_curve_at_the_whole_share_gives_the_grouped_cv_figures(monkeypatch):
    """At share 1.0 every fold keeps all its training outlets, so the curve's point must be the
    grouped cross-validation training itself computes (`_cv_scores`) with the same settings."""
    import numpy as np

    from framing.evaluate_articles import PRESCRIPTION_CATEGORIES, label_report
    from framing.training import articles as training

    learning_curve = benchmark_module(monkeypatch, "learning_curve")

    meta = {"C": 0.5, "class_weight": None, "register_cues": False, "threshold": 0.3}
    monkeypatch.setattr(learning_curve, "_shipped", lambda stem, models=None: dict(meta, class_weight="balanced") if stem == "alliance-position" else meta)
    rng = np.random.default_rng(3)
    frames, stances = ("threat", "hollow", "legitimate"), ("neutral", "sovereigntist")
    dev, feats = [], {}
    for i in range(60):
        frame, stance = frames[i % 3], stances[i % 2]
        art = {"id": f"a{i}", "outlet_family": f"o{i % 12}", "alliance": frame, "ideology": stance,
               "advocated": [PRESCRIPTION_CATEGORIES[i % 3]] if i % 4 else []}
        signal = {"threat": 1.0, "hollow": -1.0, "legitimate": 0.0}[frame]
        feats[art["id"]] = {
            "alliance": {"x": signal + rng.normal(), "y": rng.normal()},
            "ideology": {"x": (i % 2) + rng.normal(), "y": rng.normal()},
            "prescriptions": {c: {"p": float(c in art["advocated"]) + rng.normal(scale=0.5)} for c in PRESCRIPTION_CATEGORIES},
        }
        dev.append(art)
    folds = np.asarray(training.article_folds(dev, 3))
    point = learning_curve.curve_point(dev, feats, folds, 1.0, np.random.default_rng(0))

    rows = [feats[a["id"]]["alliance"] for a in dev]
    X, y = training._matrix(rows, ["x", "y"]), np.asarray([a["alliance"] for a in dev])
    P, classes = training._cv_scores(X, y, folds, meta["C"], balanced=False)
    assert point["alliance.label accuracy"] == label_report(list(y), [classes[i] for i in P.argmax(axis=1)])["accuracy"]
    assert set(point) == {"alliance.label accuracy", "AUC threat vs hollow", "ideology.label accuracy", "advocated micro-F1"}
    assert point["AUC threat vs hollow"] > 0.7 and point["advocated micro-F1"] > 0.5  # the features carry the labels
