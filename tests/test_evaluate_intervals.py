"""framing.evaluate_intervals: bootstrap intervals of the article-level figures, and
`framing evaluate --gold --intervals/--cluster-by`."""
from __future__ import annotations

import json
import random

import numpy as np
import pytest
from click.testing import CliRunner

from framing.evaluate_articles import article_figures
from framing.evaluate_intervals import _draw_weights, _figure_plans, bootstrap_intervals, format_intervals

LABELS = ("threat", "hollow", "legitimate", "mixed", "absent")
STANCES = ("neutral", "sovereigntist", "conservative_hawk", "realist_restraint")
CATS = ("military_deterrence", "sanctions_economic_pressure", "diplomacy_engagement")


def _sample(n: int = 90, seed: int = 3):
    """Gold and score rows with ties in the positions, missing labels and empty sets."""
    rnd = random.Random(seed)
    gold, rows = [], {}
    for i in range(n):
        g = {"id": f"a{i}", "alliance": rnd.choice(LABELS), "ideology": rnd.choice(STANCES),
             "advocated": frozenset(rnd.sample(CATS, rnd.randint(0, 2))), "rejected": frozenset(rnd.sample(CATS, rnd.randint(0, 1)))}
        gold.append(g)
        rows[g["id"]] = {
            "alliance.label": (g["alliance"] if rnd.random() < 0.6 else rnd.choice(LABELS)) if i % 11 else None,
            "alliance.position": round(rnd.uniform(-1, 1), 1) + (0.4 if g["alliance"] == "threat" else 0.0) if i % 13 else "",
            "ideology.label": rnd.choice(STANCES),
            "prescriptions.advocated": ";".join(rnd.sample(CATS, rnd.randint(0, 2))),
            "prescriptions.rejected": ";".join(rnd.sample(CATS, rnd.randint(0, 1))),
        }
    return gold, rows


def _main_figures(result) -> dict[str, float]:
    d = result["dimensions"]
    return {
        "alliance.label accuracy": d["alliance"]["variants"]["main"]["accuracy"],
        "alliance.label macro_f1": d["alliance"]["variants"]["main"]["macro_f1"],
        "alliance.position auc_threat_vs_hollow": d["alliance"]["auc_threat_vs_hollow"]["main"],
        "ideology.label accuracy": d["ideology"]["variants"]["main"]["accuracy"],
        "ideology.label macro_f1": d["ideology"]["variants"]["main"]["macro_f1"],
        "prescriptions.advocated micro_f1": d["prescriptions.advocated"]["variants"]["main"]["micro_f1"],
        "prescriptions.rejected micro_f1": d["prescriptions.rejected"]["variants"]["main"]["micro_f1"],
    }


def test_the_values_are_the_figures_article_figures_reports():
    gold, rows = _sample()
    result = bootstrap_intervals(gold, rows, resamples=50)
    expected = _main_figures(article_figures(gold, rows, groups=()))
    assert set(result["figures"]) == set(expected)
    for name, value in expected.items():
        assert result["figures"][name]["value"] == pytest.approx(value, abs=1e-4), name
        assert result["figures"][name]["low"] <= result["figures"][name]["high"]


def test_a_resample_weighs_each_article_as_often_as_it_was_drawn():
    """Every figure under a resample's weights equals the figure on the articles written out as
    many times as they were drawn (copies under new ids)."""
    gold, rows = _sample(60, seed=5)
    plans = _figure_plans(gold, rows)
    rng = np.random.default_rng(11)
    for W in _draw_weights(rng, len(gold), None, len(gold), 4):
        copies, copied_rows = [], {}
        for g, times in zip(gold, W.astype(int)):
            for k in range(times):
                copies.append({**g, "id": f"{g['id']}#{k}"})
                copied_rows[f"{g['id']}#{k}"] = rows[g["id"]]
        expected = _main_figures(article_figures(copies, copied_rows, groups=()))
        for name, mask, compute in plans:
            assert float(compute(W[None, mask])[0]) == pytest.approx(expected[name], abs=1e-4), name


def test_clusters_are_drawn_whole():
    gold, rows = _sample(40)
    one = bootstrap_intervals(gold, rows, resamples=30, clusters={g["id"]: "one outlet" for g in gold})
    assert one["clustered"] and one["n_clusters"] == 1
    for f in one["figures"].values():  # every resample is the whole sample, as many times over
        assert f["low"] == pytest.approx(f["value"]) and f["high"] == pytest.approx(f["value"])
    W = _draw_weights(np.random.default_rng(0), 6, np.array([0, 0, 1, 1, 2, 2]), 3, 50)
    assert (W[:, 0] == W[:, 1]).all() and (W[:, 2] == W[:, 3]).all() and (W.sum(axis=1) == 6).all()
    some = bootstrap_intervals(gold, rows, resamples=30, clusters={"a0": "x", "a1": "x"})  # the rest: one cluster each
    assert some["n_clusters"] == len(gold) - 1
    # a figure on few articles in few clusters: resamples that draw none of them are left out, not scored 0
    few = [{"id": "t1", "alliance": "threat"}, {"id": "h1", "alliance": "hollow"}] + [{"id": f"n{i}", "ideology": "neutral"} for i in range(8)]
    few_rows = {"t1": {"alliance.label": "threat", "alliance.position": 0.5}, "h1": {"alliance.label": "hollow", "alliance.position": -0.5},
                **{f"n{i}": {"ideology.label": "neutral"} for i in range(8)}}
    res = bootstrap_intervals(few, few_rows, resamples=200, clusters={"t1": "A", "h1": "A", **{f"n{i}": "B" for i in range(8)}})
    assert res["figures"]["alliance.label accuracy"]["low"] == 1.0 and res["figures"]["alliance.position auc_threat_vs_hollow"]["low"] == 1.0


def test_intervals_are_deterministic_and_narrow_with_more_articles():
    gold, rows = _sample(90)
    a = bootstrap_intervals(gold, rows, resamples=300, seed=7)
    assert a == bootstrap_intervals(gold, rows, resamples=300, seed=7)
    big_gold, big_rows = [], {}
    for k in range(8):  # the same articles eight times over: the intervals shrink
        for g in gold:
            big_gold.append({**g, "id": f"{g['id']}.{k}"})
            big_rows[f"{g['id']}.{k}"] = rows[g["id"]]
    b = bootstrap_intervals(big_gold, big_rows, resamples=300, seed=7)
    for name, f in a["figures"].items():
        wide, narrow = f["high"] - f["low"], b["figures"][name]["high"] - b["figures"][name]["low"]
        assert narrow < wide, name
    text = format_intervals(a)
    assert "95% bootstrap intervals" in text and "alliance.position auc_threat_vs_hollow" in text and "300 resamples of 90 articles" in text
    with pytest.raises(ValueError):
        bootstrap_intervals(gold, rows, resamples=0)
    with pytest.raises(ValueError):
        bootstrap_intervals(gold, rows, level=1.0)


def test_no_scored_article_gives_no_figure():
    gold, _ = _sample(5)
    assert bootstrap_intervals(gold, {}, resamples=10)["figures"] == {}


def test_framing_evaluate_gold_prints_intervals_and_clusters_by_a_gold_column(tmp_path):
    from framing.cli import cli

    gold, rows = _sample(30)
    out = tmp_path / "run"
    out.mkdir()
    (out / "scores.jsonl").write_text("\n".join(json.dumps({"id": k, **v}) for k, v in rows.items()) + "\n", encoding="utf-8")
    gold_path = tmp_path / "gold.jsonl"
    gold_path.write_text("\n".join(json.dumps({**g, "advocated": sorted(g["advocated"]), "rejected": sorted(g["rejected"]), "outlet": f"o{i % 4}"})
                                   for i, g in enumerate(gold)) + "\n", encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(cli, ["evaluate", "--gold", str(gold_path), str(out), "--intervals", "200", "--cluster-by", "outlet", "--json", str(tmp_path / "e.json")])
    assert res.exit_code == 0, res.output
    assert "95% bootstrap intervals (main columns; 200 resamples of 4 clusters (whole clusters resampled))" in res.output
    saved = json.loads((tmp_path / "e.json").read_text())
    assert saved["intervals"]["n_clusters"] == 4 and saved["intervals"]["figures"]["alliance.label accuracy"]["n"] == 30
    res = runner.invoke(cli, ["evaluate", "--gold", str(gold_path), str(out), "--intervals", "0"])
    assert res.exit_code == 0 and "bootstrap" not in res.output
    res = runner.invoke(cli, ["evaluate", "--gold", str(gold_path), str(out), "--cluster-by", "desk"])
    assert res.exit_code != 0 and "gold.jsonl: no `desk` column to cluster by" in res.output and "Traceback" not in res.output
