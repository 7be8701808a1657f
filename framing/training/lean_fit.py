"""Fitting the lean model and measuring it: the training settings (`Config`), vocabulary
selection, TF-IDF, logistic regression, the temperature, the metrics, and one split's whole run
(`run_split`). Steps 2-4 of `python -m framing.training.lean` (framing/training/lean.py).
"""
from __future__ import annotations

import collections
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp

from ..scoring.ngram_model import NgramModel
from .lean_corpus import LABELS, Corpus

__all__ = [
    "Config",
    "select_vocabulary",
    "smooth_idf",
    "tfidf",
    "fit_logreg",
    "outlet_weights",
    "metrics",
    "proba_metrics",
    "majority_baseline",
    "fit_temperature",
    "top_features",
    "softmax",
    "SplitResult",
    "run_split",
    "random_split",
]


@dataclass
class Config:
    min_df: int = 5
    max_df: float = 0.5
    max_features: int = 100_000
    min_outlets: int = 3
    max_outlet_share: float = 0.5
    boilerplate_min_articles: int = 3
    ngram_range: tuple[int, int] = (1, 2)
    grid_C: tuple[float, ...] = (0.25, 1.0, 4.0)
    grid_class_weight: tuple[str | None, ...] = (None, "balanced")
    outlet_cap: int = 100
    seed: int = 13
    jobs: int = 2
    max_iter: int = 3000
    tol: float = 1e-4


def select_vocabulary(X: sp.csr_matrix, sources: np.ndarray, cfg: Config) -> tuple[np.ndarray, dict[str, int]]:
    """Columns kept, from the training rows only (see the module docstring)."""
    n = X.shape[0]
    B = X.copy()
    B.data[:] = 1.0
    df = np.asarray(B.sum(axis=0)).ravel()
    keep = (df >= cfg.min_df) & (df <= cfg.max_df * n)
    stats = {"frequency": int(keep.sum())}
    outlets, inv = np.unique(sources, return_inverse=True)
    O = sp.csr_matrix((np.ones(n, dtype=np.float32), (inv, np.arange(n))), shape=(len(outlets), n))
    per = (O @ B).tocsc()  # outlets x terms: documents of each outlet using each term
    per.eliminate_zeros()
    n_outlets = np.diff(per.indptr)
    top_share = np.asarray(per.max(axis=0).todense()).ravel() / np.maximum(df, 1)
    keep &= n_outlets >= cfg.min_outlets
    stats["spread over outlets"] = int(keep.sum())
    keep &= top_share <= cfg.max_outlet_share
    stats["no dominant outlet"] = int(keep.sum())
    idx = np.flatnonzero(keep)
    if len(idx) > cfg.max_features:
        order = np.lexsort((idx, -df[idx]))  # most frequent first, ties by term order
        idx = np.sort(idx[order[: cfg.max_features]])
    stats["kept"] = int(len(idx))
    return idx, stats


def smooth_idf(X: sp.csr_matrix) -> np.ndarray:
    """sklearn's smooth idf: ln((1 + n) / (1 + df)) + 1."""
    n = X.shape[0]
    df = np.bincount(X.indices, minlength=X.shape[1]).astype(np.float64)
    return np.log((1.0 + n) / (1.0 + df)) + 1.0


def tfidf(X: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf x idf, L2-normalised rows (float64): what the shipped model computes with float64 products."""
    from sklearn.preprocessing import normalize

    X = sp.csr_matrix(X, dtype=np.float64, copy=True)
    X.sort_indices()
    np.log(X.data, X.data)
    X.data += 1.0
    X.data *= idf[X.indices]
    return sp.csr_matrix(normalize(X, norm="l2", copy=False))


def fit_logreg(X: sp.csr_matrix, y: np.ndarray, C: float, class_weight: str | None, cfg: Config) -> Any:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=C, class_weight=class_weight, max_iter=cfg.max_iter, tol=cfg.tol, random_state=cfg.seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    return clf


def outlet_weights(sources: np.ndarray, cap: int) -> np.ndarray:
    counts = collections.Counter(sources.tolist())
    return np.array([min(1.0, cap / counts[s]) for s in sources])


def metrics(y: np.ndarray, pred: np.ndarray, weights: np.ndarray | None = None) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    labels = list(LABELS)
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=labels, zero_division=0, sample_weight=weights)
    return {
        "macro_f1": float(f1_score(y, pred, labels=labels, average="macro", zero_division=0, sample_weight=weights)),
        "accuracy": float(accuracy_score(y, pred, sample_weight=weights)),
        "per_class": {c: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(np.sum(y == c))} for i, c in enumerate(labels)},
        "confusion": confusion_matrix(y, pred, labels=labels).tolist(),
        "n": int(len(y)),
    }


def proba_metrics(y: np.ndarray, proba: np.ndarray, classes: Sequence[str]) -> dict[str, float]:
    """Log-loss, Brier score and top-label expected calibration error (10 bins)."""
    col = {c: i for i, c in enumerate(classes)}
    yi = np.array([col[c] for c in y])
    p_true = np.clip(proba[np.arange(len(y)), yi], 1e-12, 1.0)
    onehot = np.eye(len(classes))[yi]
    conf = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == yi).astype(float)
    bins = np.minimum((conf * 10).astype(int), 9)
    ece = 0.0
    for b in range(10):
        m = bins == b
        if m.any():
            ece += m.mean() * abs(conf[m].mean() - correct[m].mean())
    return {
        "log_loss": float(-np.log(p_true).mean()),
        "brier": float(((proba - onehot) ** 2).sum(axis=1).mean()),
        "ece": float(ece),
    }


def majority_baseline(y_train: np.ndarray, y_test: np.ndarray) -> dict[str, Any]:
    major = collections.Counter(y_train.tolist()).most_common(1)[0][0]
    out = metrics(y_test, np.full(len(y_test), major))
    out["label"] = major
    return out


def reorder(clf: Any) -> tuple[np.ndarray, np.ndarray]:
    """coef / intercept rows in LABELS order."""
    pos = [list(clf.classes_).index(c) for c in LABELS]
    return np.asarray(clf.coef_)[pos], np.asarray(clf.intercept_)[pos]


def fit_temperature(logits: Any, y: Any, sample_weight: Any = None, *, bounds: tuple[float, float] = (0.05, 20.0)) -> float:
    """Temperature T minimising the weighted NLL of softmax(logits / T); `y` are column indices."""
    import math

    from scipy.optimize import minimize_scalar

    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    if z.ndim != 2 or y.shape != (z.shape[0],) or z.shape[0] == 0:
        raise ValueError("logits must be (n, k) and y (n,) with n > 0")
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    w = w / w.sum()
    rows = np.arange(len(y))

    def nll(log_t: float) -> float:
        s = z / math.exp(log_t)
        s = s - s.max(axis=1, keepdims=True)
        logp = s[rows, y] - np.log(np.exp(s).sum(axis=1))
        return float(-(w * logp).sum())

    res = minimize_scalar(nll, bounds=(math.log(bounds[0]), math.log(bounds[1])), method="bounded", options={"xatol": 1e-6})
    return float(math.exp(res.x))


def top_features(model: NgramModel, k: int = 25) -> dict[str, list[tuple[str, float]]]:
    """The `k` n-grams with the largest weight towards each class (`<analyzer>:<term>`, ties by column)."""
    names = [f"{b.analyzer.kind}:{t}" for b in model.blocks for t in b.terms]
    coef = np.asarray(model.coef, dtype=np.float64)[:, : len(names)]
    out: dict[str, list[tuple[str, float]]] = {}
    for i, cls in enumerate(model.classes):
        order = np.lexsort((np.arange(coef.shape[1]), -coef[i]))[:k]
        out[str(cls)] = [(names[j], float(coef[i, j])) for j in order]
    return out


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class SplitResult:
    name: str
    vocab_stats: dict[str, int]
    grid: list[dict[str, Any]] = field(default_factory=list)
    chosen: dict[str, Any] = field(default_factory=dict)
    temperature: float = 1.0
    valid: dict[str, Any] = field(default_factory=dict)
    test: dict[str, Any] = field(default_factory=dict)
    baseline: dict[str, Any] = field(default_factory=dict)
    calibration: dict[str, Any] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)


def _fit_one(args: tuple) -> tuple[np.ndarray, np.ndarray, list[str]]:
    X, y, C, cw, cfg = args
    clf = fit_logreg(X, y, C, cw, cfg)
    return np.asarray(clf.coef_), np.asarray(clf.intercept_), [str(c) for c in clf.classes_]


def run_split(
    name: str,
    corpus: Corpus,
    train: np.ndarray,
    valid: np.ndarray | None,
    test: np.ndarray,
    cfg: Config,
    *,
    fixed: dict[str, Any] | None = None,
    log: Any = print,
) -> tuple[SplitResult, dict[str, Any]]:
    """Vocabulary + TF-IDF from `train`, grid on `valid` (or `fixed` hyperparameters), test."""
    t0 = time.time()
    X = corpus.counts
    idx, vstats = select_vocabulary(X[train], corpus.source[train], cfg)
    Xtr_counts = X[train][:, idx]
    idf = smooth_idf(Xtr_counts)
    Xtr = tfidf(Xtr_counts, idf)
    Xte = tfidf(X[test][:, idx], idf)
    ytr, yte = corpus.label[train], corpus.label[test]
    res = SplitResult(name=name, vocab_stats=vstats, sizes={"train": int(train.sum()), "test": int(test.sum())})
    log(f"  [{name}] vocabulary {len(idx):,} n-grams ({time.time() - t0:.0f}s)")
    grid = [{"C": C, "class_weight": cw} for C in cfg.grid_C for cw in cfg.grid_class_weight] if fixed is None else [fixed]
    jobs = [(Xtr, ytr, g["C"], g["class_weight"], cfg) for g in grid]
    if cfg.jobs > 1 and len(jobs) > 1:
        from joblib import Parallel, delayed

        fitted = Parallel(n_jobs=cfg.jobs)(delayed(_fit_one)(j) for j in jobs)
    else:
        fitted = [_fit_one(j) for j in jobs]
    Xva = None
    if valid is not None:
        Xva = tfidf(X[valid][:, idx], idf)
        yva = corpus.label[valid]
        wva = outlet_weights(corpus.source[valid], cfg.outlet_cap)
        res.sizes["valid"] = int(valid.sum())
    best = 0
    for gi, (g, (coef, intercept, classes)) in enumerate(zip(grid, fitted)):
        row = dict(g)
        if Xva is not None:
            pred = np.array(classes)[np.argmax(np.asarray(Xva @ coef.T) + intercept, axis=1)]
            m_plain = metrics(yva, pred)
            m_capped = metrics(yva, pred, wva)
            row.update({"valid_macro_f1": m_plain["macro_f1"], "valid_macro_f1_outlet_capped": m_capped["macro_f1"], "valid_accuracy": m_plain["accuracy"]})
            log(f"  [{name}] C={g['C']:<5} class_weight={str(g['class_weight']):<8} valid macro-F1 {m_plain['macro_f1']:.3f} (outlet-capped {m_capped['macro_f1']:.3f}) acc {m_plain['accuracy']:.3f}")
            if gi == 0 or m_capped["macro_f1"] > res.grid[best]["valid_macro_f1_outlet_capped"]:
                best = gi  # ties keep the earlier (smaller C, unweighted) setting
        res.grid.append(row)
    coef, intercept, classes = fitted[best]
    res.chosen = dict(grid[best])
    pos = [classes.index(c) for c in LABELS]
    coef, intercept = coef[pos], intercept[pos]
    if Xva is not None:
        zva = np.asarray(Xva @ coef.T) + intercept
        yi = np.array([LABELS.index(c) for c in yva])
        w = wva.copy()
        for k in range(len(LABELS)):  # class-balanced: each class the same total weight
            m = yi == k
            if m.any():
                w[m] *= 1.0 / w[m].sum()
        res.temperature = fit_temperature(zva, yi, w)
        pva = LABELS_ARRAY[np.argmax(zva, axis=1)]
        res.valid = metrics(yva, pva)
        res.valid["macro_f1_outlet_capped"] = metrics(yva, pva, wva)["macro_f1"]
    zte = np.asarray(Xte @ coef.T) + intercept
    pte = LABELS_ARRAY[np.argmax(zte, axis=1)]
    res.test = metrics(yte, pte)
    res.baseline = majority_baseline(ytr, yte)
    res.calibration = {
        "uncalibrated": proba_metrics(yte, softmax(zte), LABELS),
        "calibrated": proba_metrics(yte, softmax(zte / res.temperature), LABELS),
    }
    log(f"  [{name}] test macro-F1 {res.test['macro_f1']:.3f} accuracy {res.test['accuracy']:.3f} "
        f"(majority '{res.baseline['label']}': {res.baseline['macro_f1']:.3f} / {res.baseline['accuracy']:.3f}) ({time.time() - t0:.0f}s)")
    state = {"idx": idx, "idf": idf, "coef": coef, "intercept": intercept, "test_pred": pte, "test_logits": zte}
    return res, state


LABELS_ARRAY = np.array(LABELS)


def random_split(labels: np.ndarray, n_train: int, n_test: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Article-level split stratified by label, with the media split's train and test sizes."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(labels))
    rest, test_idx = train_test_split(idx, test_size=n_test, stratify=labels, random_state=seed)
    train_idx, _ = train_test_split(rest, train_size=n_train, stratify=labels[rest], random_state=seed)
    train = np.zeros(len(labels), dtype=bool)
    test = np.zeros(len(labels), dtype=bool)
    train[train_idx] = True
    test[test_idx] = True
    return train, test
