"""Bootstrap confidence intervals of the article-level validation figures.

A figure on 160 articles moves by several points from one sample of articles to the next, so a
researcher quoting it needs its interval too. `bootstrap_intervals` resamples the coded
articles with replacement and recomputes, for the main columns, the figures
`framing.evaluate_articles.article_figures` gives: each label's accuracy and macro-F1 (over
the classes present in the resample, as there), the AUC of `alliance.position` for threat
against hollow, and the micro-F1 of the advocated and rejected prescriptions. The intervals are
percentile intervals.

With `clusters` (article id -> outlet, say) whole clusters are resampled instead of articles:
articles of one outlet are alike, so treating them as independent draws makes the intervals
too narrow. That matters most when, as in the yardstick, the split itself is by outlet.

Each resample is a vector of article weights (how many times each article was drawn), so every
figure is a weighted sum: no figure is recomputed article by article, and the resamples are
taken in blocks to bound memory on large gold files. Pure function of its inputs and `seed`.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from .evaluate_articles import known_labels, label_dimensions, label_text, number_or_none, parse_set

__all__ = ["DEFAULT_RESAMPLES", "bootstrap_intervals", "format_intervals"]

DEFAULT_RESAMPLES = 2000
_BLOCK = 250  # resamples weighed at once (a block holds _BLOCK x articles weights)


def _draw_weights(rng: np.random.Generator, n: int, cluster_of: np.ndarray | None, n_clusters: int, size: int) -> np.ndarray:
    """`size` resamples as article weights: how many times each article (or its cluster) was drawn."""
    if cluster_of is None:
        draws = rng.integers(0, n, size=(size, n))
        return np.stack([np.bincount(d, minlength=n) for d in draws]).astype(np.float64)
    draws = rng.integers(0, n_clusters, size=(size, n_clusters))
    counts = np.stack([np.bincount(d, minlength=n_clusters) for d in draws]).astype(np.float64)
    return counts[:, cluster_of]


def _label_stats(truth: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per article: correct (n), and per class gold / predicted / both indicators (n x k)."""
    classes = list(labels) + sorted((set(truth) | set(pred)) - set(labels))
    t = np.asarray(truth, dtype=object)
    p = np.asarray(pred, dtype=object)
    gold = np.stack([t == c for c in classes], axis=1).astype(np.float64)
    predicted = np.stack([p == c for c in classes], axis=1).astype(np.float64)
    return (t == p).astype(np.float64), gold, predicted, gold * predicted


def _macro_f1(W: np.ndarray, gold: np.ndarray, predicted: np.ndarray, both: np.ndarray) -> np.ndarray:
    """Macro-F1 of each resample over the classes present in it (`label_report`'s definition)."""
    support, claimed, tp = W @ gold, W @ predicted, W @ both
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(claimed > 0, tp / claimed, 0.0)
        recall = np.where(support > 0, tp / support, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    present = support > 0
    return np.where(present.any(axis=1), (f1 * present).sum(axis=1) / np.maximum(present.sum(axis=1), 1), 0.0)


def _micro_f1(W: np.ndarray, tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    """Micro-F1 over (article, category) pairs of each resample (1.0 when nothing is coded or claimed, as `set_report`)."""
    t, f, m = W @ tp, W @ fp, W @ fn
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(t + f > 0, t / (t + f), 0.0)
        recall = np.where(t + m > 0, t / (t + m), 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return np.where(t + f + m == 0, 1.0, f1)


class _AucPlan:
    """The AUC of positives against negatives under article weights: each positive counts the
    negative weight below its score and half the weight tied with it (`auc` with ties as half)."""

    def __init__(self, pos_scores: np.ndarray, neg_scores: np.ndarray):
        self.neg_order = np.argsort(neg_scores, kind="stable")
        values = neg_scores[self.neg_order]
        self.starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]]) if values.size else np.zeros(0, dtype=np.intp)
        self.unique = values[self.starts] if values.size else values
        # for each positive: how many unique negative values lie strictly below, and its tie group (or -1)
        self.below = np.searchsorted(self.unique, pos_scores, side="left")
        tied = (self.below < self.unique.size) & (self.unique[np.minimum(self.below, max(self.unique.size - 1, 0))] == pos_scores) if self.unique.size else np.zeros(pos_scores.size, bool)
        self.tie = np.where(tied, self.below, -1)

    def __call__(self, w_pos: np.ndarray, w_neg: np.ndarray) -> np.ndarray:
        if not self.unique.size or not w_pos.shape[1]:
            return np.full(w_pos.shape[0], np.nan)
        grouped = np.add.reduceat(w_neg[:, self.neg_order], self.starts, axis=1)  # weight of each unique negative value
        cum = np.concatenate([np.zeros((grouped.shape[0], 1)), np.cumsum(grouped, axis=1)], axis=1)
        below = cum[:, self.below]
        tie = np.where(self.tie >= 0, grouped[:, np.maximum(self.tie, 0)], 0.0)
        wins = (w_pos * (below + 0.5 * tie)).sum(axis=1)
        total = w_pos.sum(axis=1) * w_neg.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(total > 0, wins / total, np.nan)


def _coded(gold: Sequence[Mapping[str, Any]], rows: Mapping[str, Mapping[str, Any]], key: str, column: str) -> tuple[np.ndarray, list[Mapping[str, Any]]] | None:
    """The gold records coding `key` (as a mask over `gold`, and themselves), or None when there
    are none or no row has `column` (`article_figures` reports no figure then either)."""
    mask = np.asarray([key in g for g in gold])
    coded = [g for g, m in zip(gold, mask) if m]
    if not coded or not any(column in rows[g["id"]] for g in coded):
        return None
    return mask, coded


def _figure_plans(gold: Sequence[Mapping[str, Any]], rows: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, np.ndarray, Any]]:
    """(figure name, the articles it is computed on as a mask over `gold`, f(W) -> values)."""
    n = len(gold)
    plans: list[tuple[str, np.ndarray, Any]] = []
    for dim in label_dimensions(gold):
        column = f"{dim}.label"
        found = _coded(gold, rows, dim, column)
        if found is None:
            continue
        mask, coded = found
        correct, g_ind, p_ind, both = _label_stats([g[dim] for g in coded], [label_text(rows[g["id"]].get(column)) or "(none)" for g in coded], known_labels(dim))
        plans.append((f"{dim}.label accuracy", mask, lambda W, c=correct: (W @ c) / np.maximum(W.sum(axis=1), 1.0)))
        plans.append((f"{dim}.label macro_f1", mask, lambda W, g=g_ind, p=p_ind, b=both: _macro_f1(W, g, p, b)))
        if dim == "alliance" and any("alliance.position" in rows[g["id"]] for g in coded):
            scores = [number_or_none(rows[g["id"]].get("alliance.position")) for g in gold]
            pos = np.asarray([m and g.get(dim) == "threat" and s is not None for g, m, s in zip(gold, mask, scores)])
            neg = np.asarray([m and g.get(dim) == "hollow" and s is not None for g, m, s in zip(gold, mask, scores)])
            values = np.asarray([s if s is not None else 0.0 for s in scores], dtype=np.float64)
            plan = _AucPlan(values[pos], values[neg])
            plans.append(("alliance.position auc_threat_vs_hollow", pos | neg, lambda W, plan=plan, pos=pos[pos | neg], neg=neg[pos | neg]: plan(W[:, pos], W[:, neg])))
    for field in ("advocated", "rejected"):
        column = f"prescriptions.{field}"
        found = _coded(gold, rows, field, column)
        if found is None:
            continue
        mask, coded = found
        predicted = [parse_set(rows[g["id"]].get(column)) for g in coded]
        tp = np.asarray([len(g[field] & p) for g, p in zip(coded, predicted)], dtype=np.float64)
        fp = np.asarray([len(p - g[field]) for g, p in zip(coded, predicted)], dtype=np.float64)
        fn = np.asarray([len(g[field] - p) for g, p in zip(coded, predicted)], dtype=np.float64)
        plans.append((f"prescriptions.{field} micro_f1", mask, lambda W, tp=tp, fp=fp, fn=fn: _micro_f1(W, tp, fp, fn)))
    assert all(m.shape == (n,) for _, m, _ in plans)
    return plans


def bootstrap_intervals(gold: Sequence[Mapping[str, Any]], rows: Mapping[str, Mapping[str, Any]], *, resamples: int = DEFAULT_RESAMPLES, level: float = 0.95,
                        clusters: Mapping[str, str] | None = None, seed: int = 0) -> dict[str, Any]:
    """Percentile intervals of the main figures of `gold` against `rows` (as `article_figures`
    takes them), over `resamples` bootstrap resamples of the scored articles (of whole
    `clusters` when given: article id -> cluster name; an article without one is its own).

    Returns {"resamples", "level", "clustered", "n_articles", "n_clusters", "figures": {name:
    {"value", "low", "high", "n"}}}: "value" is the figure on the articles themselves (the one
    `article_figures` reports, unrounded), "n" the articles it is computed on."""
    if resamples < 1:
        raise ValueError("resamples must be at least 1")
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    matched = [g for g in gold if g["id"] in rows]
    n = len(matched)
    names = None
    if clusters is not None:
        names = [str(clusters.get(g["id"]) or f"\0{g['id']}") for g in matched]
        index = {c: i for i, c in enumerate(dict.fromkeys(names))}
        cluster_of = np.asarray([index[c] for c in names], dtype=np.intp)
    else:
        cluster_of = None
    n_clusters = len(set(names)) if names is not None else n
    plans = _figure_plans(matched, rows) if n else []
    rng = np.random.default_rng(seed)
    draws: dict[str, list[np.ndarray]] = {name: [] for name, _, _ in plans}
    done = 0
    while done < resamples and n:
        size = min(_BLOCK, resamples - done)
        W = _draw_weights(rng, n, cluster_of, n_clusters, size)
        for name, mask, compute in plans:
            Wm = W[:, mask]
            # a resample that drew none of a figure's articles (possible with clusters) has no value
            draws[name].append(np.where(Wm.sum(axis=1) > 0, compute(Wm), np.nan))
        done += size
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    figures: dict[str, Any] = {}
    for name, mask, compute in plans:
        value = float(compute(np.ones((1, int(mask.sum()))))[0])
        values = np.concatenate(draws[name])
        values = values[~np.isnan(values)]
        low, high = (float(np.quantile(values, lo_q)), float(np.quantile(values, hi_q))) if values.size else (None, None)
        figures[name] = {"value": None if value != value else value, "low": low, "high": high, "n": int(mask.sum())}
    return {"resamples": resamples, "level": level, "clustered": clusters is not None, "n_articles": n, "n_clusters": n_clusters, "seed": seed, "figures": figures}


def format_intervals(result: Mapping[str, Any], *, title: str = "") -> str:
    """The intervals as plain text, one figure a line."""
    unit = f"{result['n_clusters']} clusters (whole clusters resampled)" if result["clustered"] else f"{result['n_articles']} articles"
    head = title or f"{result['level']:.0%} bootstrap intervals (main columns; {result['resamples']} resamples of {unit})"
    lines = [head]
    width = max((len(k) for k in result["figures"]), default=0)
    for name, f in result["figures"].items():
        value = "n/a" if f["value"] is None else f"{f['value']:.3f}"
        interval = "n/a" if f["low"] is None else f"{f['low']:.3f} - {f['high']:.3f}"
        lines.append(f"  {name:<{width}}  {value}  [{interval}]  ({f['n']} articles)")
    return "\n".join(lines)
