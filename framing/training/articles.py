"""Training on real text: sentence models with the real dev units, and the article heads.

    python -m framing.training.articles [--out framing/data/models] [--folds 5]

Needs the real-text yardstick (`framing/data/real/`) and the corpora in ../shared it points
into; only the `dev` split is read (the `test` split is scored by `benchmarks/real_eval.py` and
never trained or tuned on).

1. Unit rows: the written training units (`framing/data/annotations/`) plus the real dev units,
   rebuilt from the corpora: every double-coded sentence for alliance and prescriptions, every
   passage for ideology, with the adjudicated labels, grouped by outlet.
2. Out-of-fold article features: the dev articles are split into `folds` groups by outlet; for
   each, the sentence models are trained on the written units and the real units of the other
   folds, the fold's articles are scored by the pipeline with those models, and the article
   features the heads read (`framing.scoring.article_heads`) are recorded. Every dev article's
   features therefore come from sentence models that never saw its outlet.
3. The heads (alliance label and position, ideology label, prescriptions advocated and
   rejected) are logistic regressions on those features; the regularisation strength (and, for
   the prescription sets, the decision threshold) is chosen by grouped cross-validation on the
   same folds, and the cross-validated figures are stored in each head's metadata.
4. The shipped sentence models are retrained on all written and real dev units (grouped
   cross-validation first, as `framing.training.frames` does, for the blend weight and the
   model card) and saved with the heads.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from dataclasses import replace
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import ConfigError
from .frames import SEED, SHIPPED_DIMENSIONS, TrainingConfig

__all__ = ["REAL_CONFIGS", "TRAINING_ROUNDS", "config_for", "real_unit_rows", "prescription_unit_label", "article_folds", "training_dev", "oof_units", "features_from_units", "fit_heads", "main"]

ALLIANCE_ARTICLE_LABELS = ("threat", "hollow", "legitimate", "mixed", "absent")
# The real units bring many more n-grams than the written ones; scoring time grows with the
# vocabulary, so it is capped near the size the written-only models had (speed budget: the
# whole pipeline within 10% of its speed before the real-text models).
REAL_CONFIG = TrainingConfig(max_word_features=5_000, max_char_features=15_000)
# The shipped word vectors (framing.scoring.word_vectors) as features of the alliance sentence
# model only: in grouped cross-validation on dev they raised the alliance article figures and
# did nothing for ideology or the prescriptions (whose rejected lists got worse); see
# docs/validity.md. The ideology (passage) model reads no character n-grams: without them its
# dev-CV heads read as well (accuracy 0.684 -> 0.691, macro-F1 0.520 -> 0.530) at a seventh of
# the classifier stage's time, while the alliance and prescription heads lost more than 0.01
# (benchmarks/feature_experiment.py, its rule fixed before the runs).
REAL_CONFIGS: Mapping[str, TrainingConfig] = {
    "alliance": replace(REAL_CONFIG, word_vectors=True),
    "prescriptions": REAL_CONFIG,
    "ideology": replace(REAL_CONFIG, char_ngrams=None),
}
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
_ROLE_ORDER = {"advocate": 0, "reject": 1, "describe": 2}


def prescription_unit_label(labels: Sequence[str]) -> str:
    """One training label for a sentence coded with several `category:role` pairs: advocacy or
    rejection before a description (they are what the article-level sets are made of)."""
    if not labels:
        return "none"
    return sorted(labels, key=lambda x: (_ROLE_ORDER.get(x.split(":")[1], 3), x))[0]


def real_unit_rows(data: Mapping[str, Sequence[Mapping[str, Any]]], *, articles: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Training rows of the real units of `articles`, per dimension, grouped by outlet."""
    family = {a["id"]: a["outlet_family"] for a in data["articles"]}
    register = {a["id"]: a["register"] for a in data["articles"]}
    out: dict[str, list[dict[str, Any]]] = {"alliance": [], "prescriptions": [], "ideology": []}
    for s in data["sentences"]:
        if s["article"] in articles:
            base = {"text": s["text"], "group": f"real:{family[s['article']]}", "register": register[s["article"]], "source": "real"}
            out["alliance"].append({**base, "label": s["alliance"]})
            out["prescriptions"].append({**base, "label": prescription_unit_label(s["prescriptions"])})
    for p in data["passages"]:
        if p["article"] in articles:
            out["ideology"].append({"text": p["text"], "label": p["ideology"], "group": f"real:{family[p['article']]}", "register": register[p["article"]], "source": "real"})
    return out


def written_rows() -> dict[str, list[dict[str, Any]]]:
    from ..io.annotations import read_annotations, shipped_annotation_path

    out = {}
    for dim in SHIPPED_DIMENSIONS:
        rows = read_annotations(shipped_annotation_path(dim))
        out[dim] = [{**r, "group": f"written:{r.get('group')}"} for r in rows]
    return out


def article_folds(articles: Sequence[Mapping[str, Any]], folds: int) -> list[int]:
    """The fold of each article: outlets dealt to folds largest first, each to the smallest fold
    so far (deterministic; no outlet in two folds). Outlets are dealt one coding round at a time
    (an article's `round`, 1 when absent), so a later round adds its new outlets to the folds of
    the earlier ones without moving any of them: figures before and after a round are over the
    same folds."""
    rounds = sorted({int(a.get("round", 1)) for a in articles})
    load = [0] * folds
    fold_of: dict[str, int] = {}
    for r in rounds:
        sizes = Counter(a["outlet_family"] for a in articles if int(a.get("round", 1)) == r)
        for fam, n in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
            if fam not in fold_of:
                fold_of[fam] = min(range(folds), key=lambda i: (load[i], i))
            load[fold_of[fam]] += n
    return [fold_of[a["outlet_family"]] for a in articles]


def config_for(config: TrainingConfig | Mapping[str, TrainingConfig], dimension: str) -> TrainingConfig:
    """The training configuration of one dimension (one for all, or one per dimension)."""
    return config[dimension] if isinstance(config, Mapping) else config


def _train_models(rows: Mapping[str, list[dict[str, Any]]], config: TrainingConfig | Mapping[str, TrainingConfig]) -> dict[str, Any]:
    from .frames import train

    return {dim: train(r, dimension=dim, config=config_for(config, dim)) for dim, r in rows.items()}


def _scorer_with(models: Mapping[str, Any]):
    from dataclasses import replace

    from ..pipeline import build_scorer
    from ..scoring.encoder_classifiers import classifiers_for

    base = build_scorer(classifiers=False, sentiment=False)
    extra = classifiers_for(models, lexicons=base.lexicons, keep_features=True)
    return replace(base, extras=(extra,)), extra


def _units_of(articles: Sequence[Mapping[str, Any]], models: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """What the heads read of each article (unit probabilities, lexicon columns), by dimension."""
    from ..models import Article
    from ..pipeline import score_articles

    scorer, extra = _scorer_with(models)
    score_articles([Article(id=a["id"], text=a["text"], title=a.get("title", "")) for a in articles], scorer)
    out: dict[str, dict[str, Any]] = {}
    for (aid, dim), seen in extra.units_seen.items():
        out.setdefault(aid, {})[dim] = seen
    return out


def features_from_units(units: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The heads' features of each article, computed by the functions the scorer uses."""
    from ..scoring.article_heads import article_features, categories_features

    out: dict[str, dict[str, Any]] = {}
    for aid, dims in units.items():
        for dim, u in dims.items():
            common = {"n_units": u["n_units"], "lexicon_scores": u["lexicon_scores"], "n_tokens": u["n_tokens"], "register": u["register"]}
            if dim == "prescriptions":
                out.setdefault(aid, {})[dim] = categories_features(u["classes"], u["proba"], categories=u["categories"], **common)
            else:
                out.setdefault(aid, {})[dim] = article_features(dim, u["classes"], u["proba"], positions=u.get("positions"), **common)
    return out


def oof_units(data: Mapping[str, Any], dev: Sequence[Mapping[str, Any]], folds: Sequence[int], *, written: Mapping[str, list[dict[str, Any]]],
              config: TrainingConfig | Mapping[str, TrainingConfig], log: Any = print) -> dict[str, dict[str, Any]]:
    """What the heads read of every dev article, from sentence models that never saw its fold."""
    feats: dict[str, dict[str, Any]] = {}
    for k in sorted(set(folds)):
        train_ids = {a["id"] for a, f in zip(dev, folds) if f != k}
        real = real_unit_rows(data, articles=train_ids)
        rows = {dim: list(written[dim]) + real[dim] for dim in SHIPPED_DIMENSIONS}
        log(f"fold {k + 1}/{len(set(folds))}: sentence models on " + ", ".join(f"{d} {len(r)}" for d, r in rows.items()))
        models = _train_models(rows, config)
        feats.update(_units_of([a for a, f in zip(dev, folds) if f == k], models))
    return feats


def write_units_cache(path: Path, units: Mapping[str, Mapping[str, Any]]) -> None:
    """The out-of-fold units as JSON (floats round-trip exactly; no pickle)."""
    import json

    plain = {aid: {dim: {**u, "proba": np.asarray(u["proba"]).tolist(), "positions": None if u.get("positions") is None else np.asarray(u["positions"]).tolist()}
                   for dim, u in dims.items()} for aid, dims in units.items()}
    Path(path).write_text(json.dumps(plain, default=float), encoding="utf-8")


def read_units_cache(path: Path) -> dict[str, dict[str, Any]]:
    import json

    plain = json.loads(Path(path).read_text(encoding="utf-8"))
    out: dict[str, dict[str, Any]] = {}
    for aid, dims in plain.items():
        for dim, u in dims.items():
            if u.get("register") is None:
                raise ConfigError(f"{path}: a units cache from before the register cues; delete it to compute the units again")
            k = len(u["classes"])
            proba = np.asarray(u["proba"], dtype=float).reshape(-1, k)
            out.setdefault(aid, {})[dim] = {**u, "classes": tuple(u["classes"]), "categories": tuple(u["categories"]), "proba": proba,
                                            "positions": None if u.get("positions") is None else np.asarray(u["positions"], dtype=float)}
    return out


# --- heads -------------------------------------------------------------------------------------


def _matrix(dicts: Sequence[Mapping[str, float]], names: Sequence[str]) -> np.ndarray:
    return np.asarray([[float(d.get(n, 0.0)) for n in names] for d in dicts], dtype=float)


def _clipped(X: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    from ..scoring.article_heads import CLIP

    return np.clip((X - mean) / scale, -CLIP, CLIP)


def _standardise(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale < 1e-9] = 1.0
    return mean, scale


def _fit_lr(X: np.ndarray, y: np.ndarray, C: float, *, balanced: bool) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=5000, class_weight="balanced" if balanced else None, random_state=SEED).fit(X, y)


def _cv_scores(X: np.ndarray, y: np.ndarray, folds: np.ndarray, C: float, *, balanced: bool) -> tuple[np.ndarray, list[str]]:
    """Out-of-fold class probabilities (columns in sorted class order)."""
    classes = sorted(set(y.tolist()))
    P = np.zeros((len(y), len(classes)))
    for k in sorted(set(folds.tolist())):
        tr, te = folds != k, folds == k
        mean, scale = _standardise(X[tr])
        m = _fit_lr(_clipped(X[tr], mean, scale), y[tr], C, balanced=balanced)
        p = m.predict_proba(_clipped(X[te], mean, scale))
        for j, c in enumerate(m.classes_):
            P[te, classes.index(c)] = p[:, j]
    return P, classes


def _head(dim: str, kind: str, X: np.ndarray, y: np.ndarray, names: Sequence[str], C: float, *, balanced: bool, field_: str = "", metadata: Mapping[str, Any]) -> Any:
    from ..scoring.article_heads import ArticleHead

    mean, scale = _standardise(X)
    m = _fit_lr(_clipped(X, mean, scale), y, C, balanced=balanced)
    classes = tuple(str(c) for c in m.classes_)
    return ArticleHead(dimension=dim, kind=kind, classes=classes, features=tuple(names), mean=mean, scale=scale,
                       coef=np.asarray(m.coef_, dtype=float), intercept=np.asarray(m.intercept_, dtype=float), field_=field_, metadata=dict(metadata))


def _feature_sets(rows: Sequence[Mapping[str, float]]) -> list[tuple[bool, list[str]]]:
    """The feature names a head may read: all, and all but the register cues (each head keeps
    the cues only where they do better in cross-validation)."""
    from ..scoring.article_heads import REGISTER_PREFIX

    names = sorted({n for r in rows for n in r})
    without = [n for n in names if not n.startswith(REGISTER_PREFIX)]
    return [(True, names), (False, without)] if len(without) < len(names) else [(False, names)]


def fit_heads(dev: Sequence[Mapping[str, Any]], folds: Sequence[int], feats: Mapping[str, Mapping[str, Any]], *, log: Any = print) -> tuple[list[Any], dict[str, Any]]:
    """The article heads, each with the C (and threshold) that does best in grouped CV on dev,
    and those cross-validated figures."""
    from ..evaluate_articles import PRESCRIPTION_CATEGORIES, auc, label_report, set_report

    fold_arr = np.asarray(folds)
    heads: list[Any] = []
    figures: dict[str, Any] = {}
    for dim, labels_of in (("alliance", lambda a: a["alliance"]), ("ideology", lambda a: a["ideology"])):
        rows = [feats[a["id"]][dim] for a in dev]
        y = np.asarray([labels_of(a) for a in dev])
        best = None
        for cues, names in _feature_sets(rows):
            X = _matrix(rows, names)
            for C in C_GRID:
                # no class weighting: it inflates classes as rare as `mixed` (6 of 285 dev articles)
                # into a default, the very fault the article labels had
                P, classes = _cv_scores(X, y, fold_arr, C, balanced=False)
                pred = [classes[i] for i in P.argmax(axis=1)]
                rep = label_report(list(y), pred)
                score = rep["accuracy"] + rep["macro_f1"]
                if best is None or score > best[0] + 1e-9:
                    best = (score, C, cues, names, rep)
        _, C, cues, names, rep = best
        meta = {"C": C, "class_weight": None, "register_cues": cues, "n_train": len(y), "label_counts": dict(Counter(y.tolist())),
                "cv": {"accuracy": rep["accuracy"], "macro_f1": rep["macro_f1"], "alpha": rep["alpha"], "folds": len(set(folds))},
                "trained_on": "real dev articles (framing/data/real/, split dev), out-of-fold features"}
        heads.append(_head(dim, "label", _matrix(rows, names), y, names, C, balanced=False, metadata=meta))
        figures[f"{dim}.label"] = meta["cv"]
        log(f"{dim}.label: C={C} register cues {cues}: grouped-CV accuracy {rep['accuracy']:.3f}, macro-F1 {rep['macro_f1']:.3f}")
        if dim == "alliance":
            keep = np.isin(y, ("threat", "hollow"))
            yb, fb = y[keep], fold_arr[keep]
            best_b = None
            for cues, names in _feature_sets(rows):
                Xb = _matrix(rows, names)[keep]
                for C in C_GRID:
                    P, classes = _cv_scores(Xb, yb, fb, C, balanced=True)
                    s = P[:, classes.index("threat")]
                    a = auc(list(s[yb == "threat"]), list(s[yb == "hollow"]))
                    if best_b is None or (a or 0) > best_b[0] + 1e-9:
                        best_b = (a or 0.0, C, cues, names)
            a, C, cues, names = best_b
            meta = {"C": C, "class_weight": "balanced", "register_cues": cues, "n_train": int(keep.sum()), "cv": {"auc_threat_vs_hollow": a, "folds": len(set(folds))},
                    "trained_on": "threat and hollow real dev articles, out-of-fold features",
                    "output": "alliance.position = P(threat) - P(hollow) of this binary model"}
            heads.append(_head(dim, "position", _matrix(rows, names)[keep], yb, names, C, balanced=True, metadata=meta))
            figures["alliance.position"] = meta["cv"]
            log(f"alliance.position: C={C} register cues {cues}: grouped-CV AUC threat vs hollow {a:.3f}")
    # prescriptions: one binary model per field over (article, category) pairs
    cats = PRESCRIPTION_CATEGORIES
    pair_rows = [feats[a["id"]]["prescriptions"][c] for a in dev for c in cats]
    pair_folds = np.repeat(fold_arr, len(cats))
    feature_sets = [(cues, names, _matrix(pair_rows, names)) for cues, names in _feature_sets(pair_rows)]
    for fld in ("advocated", "rejected"):
        y = np.asarray(["yes" if c in a[fld] else "no" for a in dev for c in cats])
        gold_sets = [frozenset(c for j, c in enumerate(cats) if y[i * len(cats) + j] == "yes") for i in range(len(dev))]
        best = None
        for cues, names, X in feature_sets:
            for C in C_GRID:
                for balanced in (False, True):
                    P, classes = _cv_scores(X, y, pair_folds, C, balanced=balanced)
                    p_yes = P[:, classes.index("yes")] if "yes" in classes else np.zeros(len(y))
                    for threshold in (0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
                        pred = p_yes >= threshold
                        pred_sets = [frozenset(c for j, c in enumerate(cats) if pred[i * len(cats) + j]) for i in range(len(dev))]
                        rep = set_report(gold_sets, pred_sets)
                        if best is None or rep["micro_f1"] > best[0] + 1e-9:
                            best = (rep["micro_f1"], C, balanced, threshold, cues, names, X, rep)
        _, C, balanced, threshold, cues, names, X, rep = best
        meta = {"C": C, "class_weight": "balanced" if balanced else None, "threshold": threshold, "register_cues": cues, "n_train": len(y), "n_articles": len(dev),
                "cv": {"micro_f1": rep["micro_f1"], "micro_precision": rep["micro_precision"], "micro_recall": rep["micro_recall"], "folds": len(set(folds))},
                "trained_on": "real dev articles x policy categories, out-of-fold features"}
        heads.append(_head("prescriptions", "sets", X, y, names, C, balanced=balanced, field_=fld, metadata=meta))
        figures[f"prescriptions.{fld}"] = meta["cv"]
        log(f"prescriptions.{fld}: C={C} balanced={balanced} threshold={threshold} register cues {cues}: grouped-CV micro-F1 {rep['micro_f1']:.3f} (P {rep['micro_precision']:.3f}, R {rep['micro_recall']:.3f})")
    return heads, figures


# The yardstick's coding rounds the shipped models learn from. The second round (52 ABP opinion
# pieces on one of the four, coded for their prescriptions) lowered the grouped-CV figures of the
# first round's dev articles when trained on (docs/validity.md), so it is dev evaluation data only.
TRAINING_ROUNDS = (1,)


def training_dev(data: Mapping[str, Any], folds: int, *, rounds: Sequence[int] = TRAINING_ROUNDS) -> tuple[list[Mapping[str, Any]], list[int]]:
    """The `dev` articles of these coding rounds (what the shipped models learn from) and the
    grouped fold of each (`article_folds`)."""
    dev = [a for a in data["articles"] if a["split"] == "dev" and int(a.get("round", 1)) in set(rounds)]
    return dev, article_folds(dev, folds)


def train_real(out_dir: Path, *, folds: int = 5, rounds: Sequence[int] = TRAINING_ROUNDS, config: TrainingConfig | Mapping[str, TrainingConfig] = REAL_CONFIGS, gold_dir: Path | None = None,
               units_cache: Path | None = None, heads_only: bool = False, card: Path | None = None, log: Any = print) -> dict[str, Any]:
    from ..io.real_corpus import load_real
    from ..io.writers import ensure_output_dir, write_json
    from ..scoring.article_heads import save_article_head
    from ..scoring.ngram_model import save_ngram_model
    from .frames import cross_validate, train

    data = load_real(directory=gold_dir)
    dev, fold_of = training_dev(data, folds, rounds=rounds)
    if not dev:
        raise ConfigError("the yardstick has no dev articles")
    written = written_rows()
    units = None
    if units_cache is not None and units_cache.is_file():
        units = read_units_cache(units_cache)
        log(f"out-of-fold units read from {units_cache}")
    if units is None:
        units = oof_units(data, dev, fold_of, written=written, config=config, log=log)
        if units_cache is not None:
            write_units_cache(units_cache, units)
    heads, figures = fit_heads(dev, fold_of, features_from_units(units), log=log)
    out_dir = ensure_output_dir(out_dir)
    for head in heads:
        save_article_head(head, out_dir / head.file_stem)
    if heads_only:  # for trying head features: the sentence models in out_dir must be this run's
        write_json(out_dir / "article-heads.evaluation.json", {"folds": folds, "n_dev_articles": len(dev), "figures": figures})
        return figures
    # the heads read features of sentence models trained like these (written + real units)
    real = real_unit_rows(data, articles={a["id"] for a in dev})
    results: dict[str, Any] = {}
    for dim in SHIPPED_DIMENSIONS:
        rows = list(written[dim]) + real[dim]
        log(f"{dim}: {len(rows)} units ({len(real[dim])} real), cross-validating ...")
        cv = cross_validate(rows, dimension=dim, config=config_for(config, dim))
        model = train(rows, dimension=dim, config=config_for(config, dim), cv=cv)
        save_ngram_model(model, out_dir / dim)
        write_json(out_dir / f"{dim}.evaluation.json", cv)
        results[dim] = {"cv": cv, "model": model, "rows": rows}
    if card is not None:
        from .model_card import write_model_card

        write_model_card(card, results, config=config_for(config, SHIPPED_DIMENSIONS[-1]))
        log(f"wrote {card}")
    write_json(out_dir / "article-heads.evaluation.json", {"folds": folds, "n_dev_articles": len(dev), "figures": figures})
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m framing.training.articles", description="Train the sentence models on real dev units and the article heads.")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "data" / "models")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--gold-dir", type=Path, default=None, help="a yardstick folder other than framing/data/real/")
    ap.add_argument("--units-cache", type=Path, default=None, help="keep the out-of-fold unit probabilities in this local JSON file and reuse them")
    ap.add_argument("--card", default="docs/classifiers-model-card.md", help="model card to write ('' to skip)")
    ap.add_argument("--rounds", type=int, nargs="+", default=list(TRAINING_ROUNDS), help="the yardstick's coding rounds to train on (default: %(default)s)")
    ap.add_argument("--heads-only", action="store_true", help="fit and save only the heads (with --units-cache: seconds, for trying features)")
    args = ap.parse_args(argv)
    train_real(args.out, folds=args.folds, rounds=args.rounds, gold_dir=args.gold_dir, units_cache=args.units_cache, heads_only=args.heads_only, card=Path(args.card) if args.card else None, log=lambda m: print(m, file=sys.stderr, flush=True))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
