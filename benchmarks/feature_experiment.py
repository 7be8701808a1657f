"""Can the sentence models drop their character n-grams without losing anything on `dev`?

The character n-gram block (char_wb 3-5, 15,000 terms per model) is about 40% of the classifier
stage's time: each token brings some twenty character n-grams to find, group and multiply, against
one or two word n-grams. This experiment asks whether the models read as well without it, by
running exactly what `python -m framing.training.articles` runs up to the heads: grouped
out-of-fold stacking over the `dev` outlets of the first coding round (sentence models retrained
per fold on the written units and the other folds' real units), and the article heads fitted and
scored by grouped 5-fold cross-validation on the same folds. It also reads each fold's alliance
model on that fold's real sentences (sentence-level macro-F1, out of fold). Only `dev` is read.

The grid, fixed before any result was seen:

- `baseline`: the settings shipped before this experiment (word and character n-grams in every
  model, word vectors in the alliance model only);
- `no-char`: every model without its character block, nothing else changed;
- `no-char-vectors`: no character block, and the shipped word vectors in all three models (they
  carry some of the spelling-level similarity the character n-grams gave, for little time);
- `no-char-words-10k`: no character block, up to 10,000 word n-grams instead of 5,000.

Adoption rule (fixed in advance), one dimension at a time (the heads of one dimension read only
that dimension's sentence model): a dimension drops its character block only if some
configuration leaves every figure of that dimension's heads (alliance: accuracy, macro-F1, AUC
and the sentence-level macro-F1; ideology: accuracy and macro-F1; prescriptions: advocated and
rejected micro-F1) no more than 0.01 below `baseline`. Of the configurations that pass, the one
with the highest mean of the dimension's figures is adopted. Otherwise the dimension keeps its
character n-grams.

Outcome (docs/validity.md): ideology adopted `no-char`; alliance and the prescriptions kept their
character n-grams. `REAL_CONFIGS` is now that, so `baseline` here restores the character block of
every model to reproduce the runs.

Needs the corpora in ../shared:

    python benchmarks/feature_experiment.py --configs baseline no-char no-char-vectors no-char-words-10k \\
        --units-dir /tmp/features --json /tmp/features/results.json
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CHARACTER_NGRAMS = (3, 5)  # the character block of every model before this experiment
GRID = ("baseline", "no-char", "no-char-vectors", "no-char-words-10k")
FIGURES = {
    "alliance": ("alliance.label accuracy", "alliance.label macro_f1", "alliance.position auc", "alliance.sentence macro_f1"),
    "ideology": ("ideology.label accuracy", "ideology.label macro_f1"),
    "prescriptions": ("prescriptions.advocated micro_f1", "prescriptions.rejected micro_f1"),
}


def config_of(name: str) -> dict[str, Any]:
    from framing.training.articles import REAL_CONFIGS

    if name not in GRID:
        raise SystemExit(f"unknown configuration {name!r} (known: {', '.join(GRID)})")
    if name == "baseline":
        return {dim: replace(c, char_ngrams=CHARACTER_NGRAMS) for dim, c in REAL_CONFIGS.items()}
    if name == "no-char":
        return {dim: replace(c, char_ngrams=None) for dim, c in REAL_CONFIGS.items()}
    if name == "no-char-vectors":
        return {dim: replace(c, char_ngrams=None, word_vectors=True) for dim, c in REAL_CONFIGS.items()}
    if name == "no-char-words-10k":
        return {dim: replace(c, char_ngrams=None, max_word_features=10_000) for dim, c in REAL_CONFIGS.items()}
    raise AssertionError(name)


def flat(figures: Mapping[str, Any], sentence_f1: float) -> dict[str, float]:
    return {
        "alliance.label accuracy": figures["alliance.label"]["accuracy"],
        "alliance.label macro_f1": figures["alliance.label"]["macro_f1"],
        "alliance.position auc": figures["alliance.position"]["auc_threat_vs_hollow"],
        "alliance.sentence macro_f1": sentence_f1,
        "ideology.label accuracy": figures["ideology.label"]["accuracy"],
        "ideology.label macro_f1": figures["ideology.label"]["macro_f1"],
        "prescriptions.advocated micro_f1": figures["prescriptions.advocated"]["micro_f1"],
        "prescriptions.rejected micro_f1": figures["prescriptions.rejected"]["micro_f1"],
    }


def verdict(results: Mapping[str, Mapping[str, float]], dim: str) -> tuple[str, dict[str, str]]:
    """The adoption rule for one dimension: the configuration it adopts, and why each was judged so."""
    base = results["baseline"]
    mine = FIGURES[dim]
    why: dict[str, str] = {}
    passing: list[tuple[float, str]] = []
    for name, figs in results.items():
        if name == "baseline":
            continue
        gains = {k: figs[k] - base[k] for k in mine}
        ok = all(g >= -0.01 - 1e-9 for g in gains.values())
        why[name] = ("passes" if ok else "fails") + ": " + ", ".join(f"{k} {g:+.3f}" for k, g in gains.items())
        if ok:
            passing.append((sum(figs[k] for k in mine) / len(mine), name))
    return (max(passing)[1] if passing else "baseline"), why


def sentence_macro_f1(data: Mapping[str, Any], fold_models: list[tuple[set[str], Any]]) -> float:
    """Macro-F1 of each fold's alliance model on the real sentences of that fold's articles."""
    from sklearn.metrics import f1_score

    from framing.lexicon.build import load_lexicons

    lexicon = next(lx for lx in load_lexicons([]) if lx.dimension == "alliance")
    gold: list[str] = []
    pred: list[str] = []
    for held_out, model in fold_models:
        sentences = [s for s in data["sentences"] if s["article"] in held_out]
        gold.extend(s["alliance"] for s in sentences)
        pred.extend(model.predict_texts([s["text"] for s in sentences], lexicon=lexicon))
    labels = sorted(set(gold))
    return float(f1_score(gold, pred, labels=labels, average="macro", zero_division=0))


def configuration_figures(name: str, configs: Mapping[str, Any], rows_of_fold: Any, *, data: Mapping[str, Any], dev: list, fold_of: list[int],
                          units_dir: Path, log: Any) -> dict[str, float]:
    """One configuration's `dev` figures, as framing.training.articles.oof_units and fit_heads
    compute them, keeping each fold's alliance model for the sentence figure:
    `rows_of_fold(k, held_out)` gives fold k's sentence-model training rows by dimension."""
    from framing.training.articles import _train_models, _units_of, features_from_units, fit_heads

    t0 = time.perf_counter()
    units: dict[str, dict[str, Any]] = {}
    fold_models: list[tuple[set[str], Any]] = []
    for k in sorted(set(fold_of)):
        held_out = {a["id"] for a, f in zip(dev, fold_of) if f == k}
        models = _train_models(rows_of_fold(k, held_out), configs)
        units.update(_units_of([a for a in dev if a["id"] in held_out], models))
        fold_models.append((held_out, models["alliance"]))
        log(f"{name}: fold {k + 1}/{len(set(fold_of))} done ({time.perf_counter() - t0:.0f} s)")
    _, figures = fit_heads(dev, fold_of, features_from_units(units), log=lambda m: None)
    result = flat(figures, sentence_macro_f1(data, fold_models))
    log(f"{name}: " + ", ".join(f"{k} {v:.3f}" for k, v in result.items()) + f" ({time.perf_counter() - t0:.0f} s)")
    (units_dir / f"figures-{name}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


def run(names: list[str], *, units_dir: Path, folds: int, log: Any) -> dict[str, dict[str, float]]:
    from framing.io.real_corpus import load_real
    from framing.training.articles import real_unit_rows, training_dev, written_rows
    from framing.training.frames import SHIPPED_DIMENSIONS

    data = load_real()
    dev, fold_of = training_dev(data, folds)
    written = written_rows()

    def rows_of_fold(k: int, held_out: set[str]) -> dict[str, list[dict[str, Any]]]:
        real = real_unit_rows(data, articles={a["id"] for a in dev} - held_out)
        return {dim: list(written[dim]) + real[dim] for dim in SHIPPED_DIMENSIONS}

    return {name: configuration_figures(name, config_of(name), rows_of_fold, data=data, dev=dev, fold_of=fold_of, units_dir=units_dir, log=log) for name in names}


def print_report(results: Mapping[str, Mapping[str, float]], verdict: Any, json_path: Path | None) -> None:
    """Each dimension's verdict, the figures as a Markdown table, and (with `json_path`) both as JSON."""
    report: dict[str, Any] = {"figures": dict(results)}
    width = max(len(name) for name in results)
    if "baseline" in results and len(results) > 1:
        report["adopted"] = {}
        for dim in FIGURES:
            chosen, why = verdict(results, dim)
            report["adopted"][dim] = chosen
            for name, text in why.items():
                print(f"{dim:13s} {name:{width}s} {text}")
            print(f"{dim:13s} adopts: {chosen}")
    cols = [k for dim in FIGURES for k in FIGURES[dim]]
    print("\n| configuration | " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for name, f in results.items():
        print(f"| {name} | " + " | ".join(f"{f[k]:.3f}" for k in cols) + " |")
    if json_path:
        json_path.write_text(json.dumps(report, indent=2), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--configs", nargs="+", default=list(GRID), choices=GRID)
    ap.add_argument("--units-dir", type=Path, default=Path("/tmp/features"), help="where each configuration's figures are kept")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    args.units_dir.mkdir(parents=True, exist_ok=True)
    results = run(list(args.configs), units_dir=args.units_dir, folds=args.folds, log=log)
    print_report(results, verdict, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
