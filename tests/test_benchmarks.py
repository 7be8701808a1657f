"""The on-demand benchmarks still run: on a tiny generated corpus (as on a machine without
`../shared`), they measure every stage and both batch runs and write the figures they print."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture()
def throughput(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    sys.modules.pop("throughput", None)
    import throughput

    return throughput


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
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    sys.modules.pop("rerun", None)
    import rerun

    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"a{i}", "text": f"China and Russia met on day {i}. The axis is a threat."}) + "\n" for i in range(5)), encoding="utf-8")
    assert rerun.main(["--corpus", str(corpus), "--n", "5", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "first run" in out and "cached rerun" in out and "x faster" in out
    assert "nltk" not in out.split("the rerun imported:")[1]
