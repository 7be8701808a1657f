"""Would more coded articles help? A learning curve of the article heads on the real `dev` split.

    python benchmarks/learning_curve.py --units-cache UNITS.json [--fractions 0.4 0.6 0.8 1.0] [--draws 5]
                                        [--evaluate-on all|first-round] [--models DIR] [--gold-dir DIR]

The article heads (alliance label and position, ideology label, advocated prescriptions) are
fitted, in each of the grouped folds that training uses, on a random share of the training
folds' outlets only, and scored on the held-out fold; each share is drawn `--draws` times. The C,
class weighting, threshold and feature set of each head are the shipped ones
(`framing/data/models/*-label.json` and the others' `metadata`), not re-tuned per share. The
heads read out-of-fold sentence-model features from the units cache that
`python -m framing.training.articles --units-cache UNITS.json` writes; those sentence models saw
every training fold, so this is the curve of the heads alone (how the sentence models would gain
from more coded sentences is not measured here). Nothing reads `test`.

`--evaluate-on first-round` scores only the articles of the yardstick's first coding round (all
but the second round's sentence-coded ABP opinion pieces), so figures of models trained with and
without the second round can be set side by side on the same articles.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from framing.evaluate_articles import PRESCRIPTION_CATEGORIES, auc, label_report, set_report  # noqa: E402
from framing.io.real_corpus import load_real  # noqa: E402
from framing.training import articles as training  # noqa: E402

MODELS = ROOT / "framing" / "data" / "models"


def _shipped(stem: str, models: Path = MODELS) -> dict[str, Any]:
    return json.loads((models / f"{stem}.json").read_text(encoding="utf-8"))["metadata"]


def _names(rows: list[dict[str, float]], register_cues: bool) -> list[str]:
    for cues, names in training._feature_sets(rows):
        if cues == register_cues:
            return names
    return training._feature_sets(rows)[0][1]


def _fit_predict(X: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray, meta: dict[str, Any]) -> tuple[np.ndarray, list[str]]:
    mean, scale = training._standardise(X[train])
    model = training._fit_lr(training._clipped(X[train], mean, scale), y[train], meta["C"], balanced=meta.get("class_weight") == "balanced")
    return model.predict_proba(training._clipped(X[test], mean, scale)), [str(c) for c in model.classes_]


def first_round(article: dict[str, Any]) -> bool:
    """Coded in the yardstick's first round (the second coded only ABP articles, unit by unit)."""
    return int(article.get("round", 1)) == 1


def curve_point(dev: list[dict[str, Any]], feats: dict[str, Any], folds: np.ndarray, share: float, rng: np.random.Generator,
                scored: np.ndarray | None = None, models: Path = MODELS) -> dict[str, float]:
    """The heads' held-out figures when each fold's training part keeps `share` of its outlets,
    over the articles `scored` marks (all by default)."""
    scored = np.ones(len(dev), dtype=bool) if scored is None else scored
    family = np.asarray([a["outlet_family"] for a in dev])
    train_of = {}
    for k in sorted(set(folds.tolist())):
        idx = np.flatnonzero(folds != k)
        families = sorted(set(family[idx].tolist()))
        kept = set(rng.choice(families, max(1, int(round(len(families) * share))), replace=False).tolist())
        train_of[k] = np.asarray([i for i in idx if family[i] in kept])
    out: dict[str, float] = {}
    for dim in ("alliance", "ideology"):
        rows = [feats[a["id"]][dim] for a in dev]
        meta = _shipped(f"{dim}-label", models)
        X, y = training._matrix(rows, _names(rows, meta["register_cues"])), np.asarray([a[dim] for a in dev])
        pred = np.empty(len(y), dtype=object)
        for k, tr in train_of.items():
            te = np.flatnonzero(folds == k)
            P, classes = _fit_predict(X, y, tr, te, meta)
            pred[te] = [classes[i] for i in P.argmax(axis=1)]
        out[f"{dim}.label accuracy"] = label_report(list(y[scored]), list(pred[scored]))["accuracy"]
        if dim == "alliance":
            meta = _shipped("alliance-position", models)
            X = training._matrix(rows, _names(rows, meta["register_cues"]))
            binary = np.isin(y, ("threat", "hollow"))
            p_threat = np.full(len(y), np.nan)
            for k, tr in train_of.items():
                te = np.flatnonzero((folds == k) & binary)
                P, classes = _fit_predict(X, y, tr[binary[tr]], te, meta)
                p_threat[te] = P[:, classes.index("threat")]
            out["AUC threat vs hollow"] = auc(list(p_threat[(y == "threat") & scored]), list(p_threat[(y == "hollow") & scored])) or 0.0
    cats = PRESCRIPTION_CATEGORIES
    pair_rows = [feats[a["id"]]["prescriptions"][c] for a in dev for c in cats]
    meta = _shipped("prescriptions-advocated", models)
    X = training._matrix(pair_rows, _names(pair_rows, meta["register_cues"]))
    y = np.asarray(["yes" if c in a["advocated"] else "no" for a in dev for c in cats])
    p_yes = np.zeros(len(y))
    for k, tr in train_of.items():
        te = np.flatnonzero(np.repeat(folds == k, len(cats)))
        pair_train = (tr[:, None] * len(cats) + np.arange(len(cats))).ravel()
        P, classes = _fit_predict(X, y, pair_train, te, meta)
        p_yes[te] = P[:, classes.index("yes")] if "yes" in classes else 0.0
    pred = p_yes >= meta["threshold"]
    gold = [frozenset(c for j, c in enumerate(cats) if y[i * len(cats) + j] == "yes") for i in range(len(dev))]
    got = [frozenset(c for j, c in enumerate(cats) if pred[i * len(cats) + j]) for i in range(len(dev))]
    out["advocated micro-F1"] = set_report([g for g, k in zip(gold, scored) if k], [g for g, k in zip(got, scored) if k])["micro_f1"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units-cache", type=Path, required=True, help="written by python -m framing.training.articles --units-cache")
    ap.add_argument("--fractions", type=float, nargs="+", default=[0.4, 0.6, 0.8, 1.0])
    ap.add_argument("--draws", type=int, default=5)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--gold-dir", type=Path, default=None, help="a yardstick folder other than framing/data/real/ (as training takes)")
    ap.add_argument("--models", type=Path, default=MODELS, help="the heads whose settings are used (default: the shipped ones)")
    ap.add_argument("--evaluate-on", choices=["all", "first-round"], default="all", help="which dev articles the figures are computed on")
    args = ap.parse_args()
    dev = [a for a in load_real(directory=args.gold_dir)["articles"] if a["split"] == "dev"]
    folds = np.asarray(training.article_folds(dev, args.folds))
    feats = training.features_from_units(training.read_units_cache(args.units_cache))
    scored = np.asarray([args.evaluate_on == "all" or first_round(a) for a in dev])
    print(f"dev: {len(dev)} articles, figures on {int(scored.sum())} ({args.evaluate_on}); "
          f"each fold's heads trained on a share of its training outlets, {args.draws} draws per share")
    header = None
    for share in args.fractions:
        draws = 1 if share >= 1.0 else args.draws
        points = [curve_point(dev, feats, folds, share, np.random.default_rng(seed), scored, args.models) for seed in range(draws)]
        if header is None:
            header = list(points[0])
            print(f"{'share of outlets':>16}  {'~articles':>9}  " + "  ".join(f"{h:>22}" for h in header))
        n = int(round(len(dev) * (args.folds - 1) / args.folds * share))
        print(f"{share:>16.2f}  {n:>9}  " + "  ".join(f"{np.mean([p[h] for p in points]):>22.3f}" for h in header))


if __name__ == "__main__":
    main()
