"""Training and grouped cross-validation of the framing classifiers (alliance, prescriptions,
ideology, or any dimension a user brings annotations for).

The model is a scikit-learn pipeline:

    FeatureUnion(word n-gram TF-IDF, character n-gram TF-IDF, LexiconFeatures)
      -> TemperatureCalibratedClassifier(LogisticRegression)

Word (1-2) and within-word character (3-5) n-grams come from framing's own tokens
(`TokenNgrams`), TF-IDF with sublinear term frequency; `LexiconFeatures` adds the lexicon's own
category counts. The logistic regression's probabilities are calibrated with one temperature
fitted on grouped out-of-fold predictions. Every random choice uses a fixed seed.

Validation is grouped: units from one `group` (document, or author persona for ideology) are
never in both train and test (StratifiedGroupKFold). The figures compare the classifier with a
majority-class baseline (fitted on each training fold) and with the lexicon alone.

One command reproduces the shipped models, `docs/classifiers-model-card.md` and the figures in
the README:

    python -m framing.training.frames --out framing/data/models
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import ConfigError
from ..evaluate import evaluate_annotations, majority_baseline
from ..scoring.features import LexiconFeatures, TokenNgrams

__all__ = [
    "TrainingConfig",
    "TemperatureCalibratedClassifier",
    "build_pipeline",
    "grouped_splits",
    "cross_validate",
    "train",
    "blend_weight",
    "SHIPPED_DIMENSIONS",
    "main",
]

SEED = 20240917
SHIPPED_DIMENSIONS = ("alliance", "prescriptions", "ideology")


@dataclass(frozen=True)
class TrainingConfig:
    """Hyperparameters, fixed in advance (not tuned on the test folds)."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] | None = (3, 5)  # None: no character n-gram block
    min_df: int = 2
    max_word_features: int = 20_000
    max_char_features: int = 20_000
    C: float = 4.0
    class_weight: str | None = "balanced"
    folds: int = 5
    calibration_folds: int = 5
    seed: int = SEED
    lexicon_features: bool = True
    word_vectors: bool = False  # add the shipped word vectors (framing.scoring.word_vectors) as features
    vector_scale: float = 2.0  # their weight beside the L2-normalised n-gram blocks
    word_vectors_dir: str | None = None  # a folder with another word-vectors table (tests)
    encoder: str | None = None  # a sentence encoder's embeddings as features (framing.scoring.encoder_features; the `encoder` extra)
    encoder_scale: float = 1.0  # their weight beside the L2-normalised n-gram blocks

    def as_dict(self) -> dict[str, Any]:
        # the encoder settings only when an encoder is used: a model without one records the
        # configuration exactly as before they existed (its files stay byte for byte the same)
        skip = () if self.encoder is not None else ("encoder", "encoder_scale")
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items() if k not in skip}


# --- the estimator ---------------------------------------------------------------------------

try:
    from sklearn.base import BaseEstimator, ClassifierMixin
except ImportError:  # pragma: no cover
    BaseEstimator = object  # type: ignore[assignment,misc]
    ClassifierMixin = object  # type: ignore[assignment,misc]


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _full_logits(est: Any, X: Any, classes: np.ndarray) -> np.ndarray:
    """Decision values as one column per class in `classes` (binary: [0, d]); classes the
    estimator never saw get a very low logit."""
    d = est.decision_function(X)
    if d.ndim == 1:
        d = np.column_stack([np.zeros_like(d), d])
    out = np.full((d.shape[0], len(classes)), -30.0)
    pos = np.searchsorted(classes, est.classes_)
    out[:, pos] = d
    return out


def _fit_temperature(logits: np.ndarray, y_idx: np.ndarray) -> float:
    """The temperature T minimising the log loss of softmax(logits / T)."""
    from scipy.optimize import minimize_scalar

    def nll(log_t: float) -> float:
        p = _softmax(logits / np.exp(log_t))
        return float(-np.mean(np.log(np.clip(p[np.arange(len(y_idx)), y_idx], 1e-12, None))))

    res = minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded", options={"xatol": 1e-4})
    return float(np.exp(res.x))


class TemperatureCalibratedClassifier(ClassifierMixin, BaseEstimator):
    """A linear classifier whose probabilities are calibrated by temperature scaling.

    `fit` runs (grouped, when `groups` is given) `cv`-fold cross-validation of `estimator` to get
    out-of-fold decision values, fits one temperature T on them, then refits `estimator` on all
    the data. `predict_proba` is softmax(decision / T): the ranking of classes is the
    estimator's, only the confidence is rescaled. Learned: `estimator_`, `classes_`,
    `temperature_`.
    """

    def __init__(self, estimator: Any = None, *, cv: int = 5, random_state: int = SEED) -> None:
        self.estimator = estimator
        self.cv = cv
        self.random_state = random_state

    def _base(self) -> Any:
        from sklearn.base import clone
        from sklearn.linear_model import LogisticRegression

        return clone(self.estimator) if self.estimator is not None else LogisticRegression(solver="newton-cg", max_iter=1000)

    def fit(self, X: Any, y: Sequence[str], groups: Sequence[str] | None = None) -> "TemperatureCalibratedClassifier":
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        y_idx = np.searchsorted(self.classes_, y)
        logits = np.zeros((len(y), len(self.classes_)))
        splits = grouped_splits(y, groups, folds=self.cv, seed=self.random_state) if len(self.classes_) > 1 else []
        scored = np.zeros(len(y), dtype=bool)
        for train_idx, test_idx in splits:
            if len(np.unique(y[train_idx])) < 2:
                continue  # a fold with one class says nothing about confidence
            est = self._base().fit(X[train_idx], y[train_idx])
            logits[test_idx] = _full_logits(est, X[test_idx], self.classes_)
            scored[test_idx] = True
        self.temperature_ = _fit_temperature(logits[scored], y_idx[scored]) if scored.any() else 1.0
        self.estimator_ = self._base().fit(X, y) if len(self.classes_) > 1 else None
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        if self.estimator_ is None:
            return np.zeros((X.shape[0], 1))
        return _full_logits(self.estimator_, X, self.classes_)

    def predict_proba(self, X: Any) -> np.ndarray:
        return _softmax(self.decision_function(X) / self.temperature_)

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]


def build_pipeline(dimension: str, *, config: TrainingConfig = TrainingConfig(), lexicon_dirs: Sequence[str | Path] = (), include_shipped: bool = True) -> Any:
    """The unfitted scikit-learn pipeline for one dimension."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    parts: list[tuple[str, Any]] = [
        ("word", TfidfVectorizer(analyzer=TokenNgrams("word", config.word_ngrams), min_df=config.min_df, sublinear_tf=True, max_features=config.max_word_features, dtype=np.float64)),
    ]
    if config.char_ngrams is not None:
        parts.append(("char", TfidfVectorizer(analyzer=TokenNgrams("char_wb", tuple(config.char_ngrams)), min_df=config.min_df, sublinear_tf=True,
                                              max_features=config.max_char_features, dtype=np.float64)))
    if config.lexicon_features:
        parts.append(("lexicon", LexiconFeatures(dimension=dimension, lexicon_dirs=tuple(str(d) for d in lexicon_dirs), include_shipped=include_shipped)))
    if config.word_vectors:
        from ..scoring.features import WordVectorFeatures

        parts.append(("vectors", WordVectorFeatures(model_dir=config.word_vectors_dir, scale=config.vector_scale)))
    if config.encoder is not None:  # last: its coefficients are the model's last columns
        from ..scoring.encoder_features import EncoderFeatures

        parts.append(("encoder", EncoderFeatures(encoder=config.encoder, scale=config.encoder_scale)))
    clf = TemperatureCalibratedClassifier(
        LogisticRegression(C=config.C, class_weight=config.class_weight, solver="newton-cg", tol=1e-4, max_iter=1000, random_state=config.seed),
        cv=config.calibration_folds,
        random_state=config.seed,
    )
    return Pipeline([("features", FeatureUnion(parts)), ("clf", clf)])


def grouped_splits(y: Sequence[str], groups: Sequence[str] | None, *, folds: int = 5, seed: int = SEED) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/test index pairs, stratified by label, never splitting a group.

    Without groups each unit is its own group. Fewer groups than folds: one fold per group.
    Fewer than two groups: no split ([]).
    """
    from sklearn.model_selection import StratifiedGroupKFold

    y = np.asarray(y)
    g = np.asarray(groups if groups is not None else np.arange(len(y)).astype(str))
    n_groups = len(np.unique(g))
    k = min(folds, n_groups)
    if k < 2:
        return []
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    # StratifiedGroupKFold warns when a class has fewer members than folds; that is expected
    # for rare classes and harmless (the class is simply absent from some test folds).
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return [(tr, te) for tr, te in splitter.split(np.zeros(len(y)), y, g)]


def _groups(rows: Sequence[Mapping[str, Any]]) -> list[str] | None:
    groups = [r.get("group") for r in rows]
    if all(g is None for g in groups):
        return None
    return [str(g) if g is not None else f"_row{i}" for i, g in enumerate(groups)]


def _find_lexicon(dimension: str, lexicon_dirs: Sequence[str | Path], include_shipped: bool) -> Any:
    from ..lexicon.build import load_lexicons

    for lx in load_lexicons(list(lexicon_dirs), include_shipped=include_shipped):
        if lx.dimension == dimension:
            return lx
    return None


def _fit(pipe: Any, texts: Sequence[str], y: np.ndarray, groups: Any, dimension: str) -> None:
    try:
        pipe.fit(texts, y, clf__groups=groups)
    except ValueError as exc:  # e.g. "empty vocabulary" on a handful of very short texts
        raise ConfigError(f"{dimension}: cannot train on these annotations ({exc})") from None


def cross_validate(
    rows: Sequence[Mapping[str, Any]],
    *,
    dimension: str,
    config: TrainingConfig = TrainingConfig(),
    lexicon_dirs: Sequence[str | Path] = (),
    include_shipped: bool = True,
) -> dict[str, Any]:
    """Grouped cross-validation: classifier vs lexicon vs majority baseline, with per-register
    and hard-case subsets. Returns `evaluate_annotations`'s dict plus `folds` and `groups`."""
    texts = np.asarray([r["text"] for r in rows], dtype=object)
    y = np.asarray([r["label"] for r in rows])
    groups = _groups(rows)
    splits = grouped_splits(y, groups, folds=config.folds, seed=config.seed)
    if not splits:
        raise ConfigError(f"{dimension}: cross-validation needs at least two groups (or two rows without groups)")
    predicted = np.empty(len(y), dtype=object)
    baseline = np.empty(len(y), dtype=object)
    for train_idx, test_idx in splits:
        pipe = build_pipeline(dimension, config=config, lexicon_dirs=lexicon_dirs, include_shipped=include_shipped)
        g_train = np.asarray(groups)[train_idx] if groups is not None else None
        if len(np.unique(y[train_idx])) < 2:
            predicted[test_idx] = y[train_idx][0]
        else:
            _fit(pipe, list(texts[train_idx]), y[train_idx], g_train, dimension)
            predicted[test_idx] = pipe.predict(list(texts[test_idx]))
        baseline[test_idx] = majority_baseline(list(y[train_idx]), len(test_idx))
    lexicon = _find_lexicon(dimension, lexicon_dirs, include_shipped)
    result = evaluate_annotations(
        rows, dimension=dimension, lexicon=lexicon, classifier_labels=[str(p) for p in predicted],
        classifier_source=f"grouped {len(splits)}-fold cross-validation", baseline_labels=[str(b) for b in baseline],
    )
    result["folds"] = len(splits)
    result["groups"] = len(set(groups)) if groups is not None else None
    result["grouped"] = groups is not None
    return result


def blend_weight(cv: Mapping[str, Any], *, lo: float = 0.2, hi: float = 0.8) -> float:
    """The classifier's weight in the blended score: its share of the two sources' reliability,
    alpha_classifier / (alpha_classifier + alpha_lexicon), from grouped cross-validation (alphas
    below 0 count as 0), clipped to [lo, hi] so neither source is ever ignored; 0.5 when neither
    has a usable alpha."""
    a_cls = max(float((cv.get("classifier") or {}).get("alpha") or 0.0), 0.0)
    a_lex = max(float((cv.get("lexicon") or {}).get("alpha") or 0.0), 0.0)
    if a_cls + a_lex == 0:
        return 0.5
    return round(min(hi, max(lo, a_cls / (a_cls + a_lex))), 4)


def _digest_rows(rows: Sequence[Mapping[str, Any]]) -> str:
    h = hashlib.sha256()
    for r in rows:
        h.update(json.dumps([r["text"], r["label"], r.get("group")], ensure_ascii=False).encode())
    return h.hexdigest()


def train(
    rows: Sequence[Mapping[str, Any]],
    *,
    dimension: str,
    config: TrainingConfig = TrainingConfig(),
    lexicon_dirs: Sequence[str | Path] = (),
    include_shipped: bool = True,
    cv: Mapping[str, Any] | None = None,
) -> Any:
    """Fit the pipeline on all rows and return it as a `NgramModel` ready to save and score.

    `cv` (from `cross_validate`) sets the blend weight and is stored in the model's metadata.
    """
    from ..scoring.ngram_model import NgramModel

    texts = [r["text"] for r in rows]
    y = np.asarray([r["label"] for r in rows])
    if len(np.unique(y)) < 2:
        raise ConfigError(f"{dimension}: training needs at least two different labels")
    groups = _groups(rows)
    pipe = build_pipeline(dimension, config=config, lexicon_dirs=lexicon_dirs, include_shipped=include_shipped)
    _fit(pipe, texts, y, groups, dimension)
    lexicon = _find_lexicon(dimension, lexicon_dirs, include_shipped)
    metadata: dict[str, Any] = {
        "dimension": dimension,
        "lexicon_kind": lexicon.kind if lexicon is not None else None,
        "n_train": len(rows),
        "n_groups": len(set(groups)) if groups is not None else None,
        "label_counts": {str(k): int(v) for k, v in zip(*np.unique(y, return_counts=True))},
        "training_data_sha256": _digest_rows(rows),
        "config": config.as_dict(),
        "unit": "passage" if lexicon is not None and lexicon.kind == "stances" else "sentence",
        "lexicon_files_sha256": _lexicon_digests(lexicon, lexicon_dirs, include_shipped),
    }
    if cv is not None:
        metadata["cv"] = _cv_summary(cv)
        metadata["blend_weight"] = blend_weight(cv)
    else:
        metadata["blend_weight"] = 0.5
    return NgramModel.from_pipeline(pipe, metadata=metadata)


def _lexicon_digests(lexicon: Any, lexicon_dirs: Sequence[str | Path], include_shipped: bool) -> dict[str, str]:
    """sha256 of the lexicon files the model's lexicon features came from, by file name (a model
    trained on other lexicons than the ones in use can be spotted)."""
    if lexicon is None:
        return {}
    from ..lexicon.build import lexicon_hashes

    sources = {str(p) for p in lexicon.sources}
    return {Path(p).name: digest for p, digest in sorted(lexicon_hashes(list(lexicon_dirs), include_shipped=include_shipped).items())
            if str(p) in sources or Path(p).name == "scope.yaml"}


def _cv_summary(cv: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"folds": cv.get("folds"), "groups": cv.get("groups"), "n": cv.get("n")}
    for source in ("classifier", "lexicon", "baseline"):
        rep = cv.get(source)
        if rep:
            out[source] = {"macro_f1": rep["macro_f1"], "accuracy": rep["accuracy"], "alpha": rep.get("alpha")}
    return out


# --- the one command behind the shipped models -------------------------------------------------


def train_shipped(out_dir: Path, *, dimensions: Sequence[str] = SHIPPED_DIMENSIONS, config: TrainingConfig = TrainingConfig(), card: Path | None = None, log: Any = print) -> dict[str, Any]:
    """Cross-validate and train each shipped dimension; write models (and the model card)."""
    from ..io.annotations import read_annotations, shipped_annotation_path
    from ..io.writers import ensure_output_dir, write_json
    from ..scoring.ngram_model import save_ngram_model

    out_dir = ensure_output_dir(out_dir)

    results: dict[str, Any] = {}
    for dim in dimensions:
        path = shipped_annotation_path(dim)
        if not path.exists():
            log(f"{dim}: no annotations at {path}; skipped")
            continue
        rows = read_annotations(path)
        log(f"{dim}: {len(rows)} units, cross-validating ...")
        cv = cross_validate(rows, dimension=dim, config=config)
        log(f"{dim}: macro-F1 classifier {cv['classifier']['macro_f1']:.3f}, lexicon {cv['lexicon']['macro_f1']:.3f}, baseline {cv['baseline']['macro_f1']:.3f}; training ...")
        model = train(rows, dimension=dim, config=config, cv=cv)
        save_ngram_model(model, out_dir / dim)
        write_json(out_dir / f"{dim}.evaluation.json", cv)
        results[dim] = {"cv": cv, "model": model, "rows": rows}
    if card is not None and results:
        from .model_card import write_model_card

        write_model_card(card, results, config=config)
        log(f"wrote {card}")
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m framing.training.frames", description="Train and cross-validate the shipped framing classifiers.")
    parser.add_argument("--out", type=Path, default=Path("framing/data/models"), help="model folder")
    parser.add_argument("--card", default="docs/classifiers-model-card.md", help="model card to write ('' to skip)")
    parser.add_argument("--dimension", action="append", choices=SHIPPED_DIMENSIONS, help="only these dimensions (repeatable)")
    args = parser.parse_args(argv)
    card = Path(args.card) if args.card else None
    train_shipped(args.out, dimensions=args.dimension or SHIPPED_DIMENSIONS, card=card, log=lambda m: print(m, file=sys.stderr))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
