"""Group statistics: which group each article is in, the measures compared, group means, and
the differences between groups (bootstrap intervals, Cliff's delta, Mann-Whitney with Holm).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from .profiles import profile_columns
from .schema import Schema

__all__ = [
    "parse_group_spec",
    "MISSING_GROUP",
    "group_labels",
    "group_metrics",
    "group_means",
    "cliffs_delta",
    "holm",
    "bootstrap_means",
    "GroupDifference",
    "REST",
    "compare_groups",
]

_DATE_BUCKETS = {"year": "Y", "quarter": "Q", "month": "M", "week": "W", "day": "D"}


def parse_group_spec(spec: str) -> tuple[str, str | None]:
    """`outlet` -> ("outlet", None); `date:month` -> ("date", "month") (year, quarter, month,
    week or day buckets of a date column)."""
    field_name, sep, bucket = spec.rpartition(":")
    if sep and bucket in _DATE_BUCKETS and field_name:
        return field_name, bucket
    return spec, None


MISSING_GROUP = "(missing)"


def group_labels(values: Sequence[Any], bucket: str | None = None) -> list[str]:
    """The group of each article: the field's value as text, or its date bucket (2024-03,
    2024Q1, ...); empty or unparseable values go to "(missing)"."""
    import pandas as pd

    if bucket is None:
        out = []
        for v in values:
            if v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == "":
                out.append(MISSING_GROUP)
            else:
                out.append(str(v).strip())
        return out
    dates = pd.to_datetime(pd.Series(list(values), dtype=object).astype(str), errors="coerce", utc=True, format="mixed")
    dates = dates.dt.tz_convert(None)
    periods = dates.dt.to_period(_DATE_BUCKETS[bucket])
    return [MISSING_GROUP if pd.isna(p) else str(p) for p in periods]


def group_metrics(schema: Schema, columns: Sequence[str]) -> list[str]:
    """The measures compared between groups (those in `columns`): the profile columns, each poles
    dimension's intensity after its position, overall tone and the tone towards each actor."""
    metrics = profile_columns(schema)
    for dim in schema.of_kind("poles"):
        if f"{dim.name}.position" in metrics:
            metrics.insert(metrics.index(f"{dim.name}.position") + 1, f"{dim.name}.intensity")
    if schema.has_tone:
        metrics.append("tone.compound")
    metrics += [f"tone.{a}" for a in schema.actors_with_tone]
    present = set(columns)
    return [m for m in metrics if m in present]


def group_means(values: np.ndarray, groups: Sequence[str], order: Sequence[str]) -> np.ndarray:
    """The mean of each column (articles x columns) within each group of `order`, ignoring
    missing values (NaN where a group has none). The one place group averages are taken."""
    x = np.asarray(values, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    labels = np.asarray(list(groups), dtype=object)
    out = np.full((len(order), x.shape[1]), np.nan)
    for gi, g in enumerate(order):
        rows = x[labels == g]
        if not len(rows):
            continue
        counts = (~np.isnan(rows)).sum(axis=0)
        sums = np.nansum(rows, axis=0)
        out[gi] = np.divide(sums, counts, out=np.full(x.shape[1], np.nan), where=counts > 0)
    return out


def cliffs_delta(x: np.ndarray, y: np.ndarray) -> float:
    """P(X > Y) - P(X < Y) for a random pair: -1 .. 1, 0 when the groups overlap completely
    (|d| 0.15 small, 0.33 medium, 0.47 large: Romano et al. 2006)."""
    x = np.asarray(x, dtype=float)
    y = np.sort(np.asarray(y, dtype=float))
    if not len(x) or not len(y):
        return float("nan")
    less = np.searchsorted(y, x, side="left").sum()
    greater = (len(y) - np.searchsorted(y, x, side="right")).sum()
    return float((less - greater) / (len(x) * len(y)))


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjustment: controls the chance of any false positive among all the
    comparisons made (family-wise error), without assuming they are independent."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted


@dataclass(frozen=True)
class GroupDifference:
    metric: str
    group_a: str
    group_b: str  # another group, or "all other articles"
    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    difference: float  # mean_a - mean_b
    ci_low: float
    ci_high: float
    cliffs_delta: float
    p_value: float  # Mann-Whitney U, two-sided
    p_adjusted: float  # Holm, over every comparison in the list
    significant: bool


REST = "all other articles"


def bootstrap_means(x: np.ndarray, *, n_boot: int, rng: np.random.Generator, exact_below: int = 1000) -> np.ndarray:
    """Bootstrap replicates (n_boot x metrics) of the mean of each column of x (articles x
    metrics, NaN where an article has no value), all metrics from the same resamples of articles.

    A resample is a row of multinomial counts, so the replicates of every metric are one matrix
    product. From `exact_below` articles on, replicates are drawn from the normal distribution the
    bootstrap converges to (same mean and standard error)."""
    n, m = x.shape
    valid = ~np.isnan(x)
    filled = np.where(valid, x, 0.0)
    if n >= exact_below:
        k = valid.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = filled.sum(axis=0) / k
            sd = np.sqrt(np.where(valid, (filled - mean) ** 2, 0.0).sum(axis=0) / k)
            return mean + rng.standard_normal((n_boot, m)) * (sd / np.sqrt(k))
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (weights @ filled) / (weights @ valid.astype(float))


def _rank_sum_vs_rest(column: np.ndarray, labels: np.ndarray, names: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Mann-Whitney U of each group against all other articles, from one ranking of the column:
    (two-sided p-value, Cliff's delta) with the normal approximation, tie and continuity
    corrections (scipy's `method="asymptotic"`)."""
    from scipy.stats import norm, rankdata

    ok = ~np.isnan(column)
    values = column[ok]
    code = {g: i for i, g in enumerate(dict.fromkeys(labels.tolist()))}
    groups = np.fromiter((code[g] for g in labels[ok].tolist()), dtype=np.int64, count=int(ok.sum()))
    n = len(values)
    out: dict[str, tuple[float, float]] = {}
    if n < 2:
        return out
    ranks = rankdata(values)
    _, ties = np.unique(values, return_counts=True)
    tie_term = float((ties ** 3 - ties).sum()) / (n * (n - 1))
    for g in names:
        mask = groups == code[g]
        n1 = int(mask.sum())
        n2 = n - n1
        if n1 == 0 or n2 == 0:
            continue
        u = float(ranks[mask].sum()) - n1 * (n1 + 1) / 2.0
        sigma = math.sqrt(n1 * n2 / 12.0 * ((n + 1) - tie_term))
        if sigma == 0:
            out[g] = (1.0, 0.0)
            continue
        z = (abs(u - n1 * n2 / 2.0) - 0.5) / sigma
        out[g] = (float(min(1.0, 2 * norm.sf(max(z, 0.0)))), 2.0 * u / (n1 * n2) - 1.0)
    return out


def compare_groups(
    values: Mapping[str, Sequence[float]] | Any, groups: Sequence[str], *, metrics: Sequence[str] | None = None,
    pairwise_max_groups: int = 6, min_size: int = 3, n_boot: int = 1000, level: float = 0.95, alpha: float = 0.05,
    seed: int = 20240901, exact_below: int = 1000,
) -> list[GroupDifference]:
    """Differences between groups on each metric.

    Up to `pairwise_max_groups` groups every pair is compared; with more, each group is compared
    with all other articles. Each difference in means has a percentile bootstrap interval
    (resampling articles within each group; the "other articles" are resampled group by group),
    Cliff's delta as the effect size, and a Mann-Whitney p-value adjusted with Holm's method over
    every comparison returned. Groups with fewer than `min_size` articles are left out.
    """
    from scipy.stats import mannwhitneyu

    metrics = list(metrics if metrics is not None else values.keys())
    labels = np.asarray(list(groups), dtype=object)
    counts = Counter(labels.tolist())
    names = sorted((g for g, k in counts.items() if k >= min_size), key=lambda g: (-counts[g], g))
    if not names or (len(names) < 2 and len(labels) - counts[names[0]] < min_size) or not metrics:
        return []
    x = np.column_stack([np.asarray(values[m], dtype=float) for m in metrics])
    rng = np.random.default_rng(seed)
    members = {g: np.flatnonzero(labels == g) for g in counts}
    boots = {g: bootstrap_means(x[idx], n_boot=n_boot, rng=rng, exact_below=exact_below) for g, idx in members.items()}
    n_valid = {g: (~np.isnan(x[idx])).sum(axis=0) for g, idx in members.items()}
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    pairwise = 2 <= len(names) <= pairwise_max_groups
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]] if pairwise else [(a, REST) for a in names]
    raw: list[dict[str, Any]] = []
    for k, metric in enumerate(metrics):
        col = x[:, k]
        vs_rest = {} if pairwise else _rank_sum_vs_rest(col, labels, names)
        if not pairwise:  # the "other articles" replicate: all groups' replicates minus this group's
            with_values = [g for g in counts if n_valid[g][k] > 0]
            weight_all = float(sum(n_valid[g][k] for g in with_values))
            sum_all = np.zeros(n_boot)
            filled: dict[str, np.ndarray] = {}
            for g in with_values:
                # a resample of a small group can miss all its values: it counts at the group's mean
                reps = boots[g][:, k]
                filled[g] = np.where(np.isnan(reps), np.nanmean(x[members[g], k]), reps)
                sum_all += n_valid[g][k] * filled[g]
        present = col[~np.isnan(col)]
        for a, b in pairs:
            xa = col[members[a]]
            xa = xa[~np.isnan(xa)]
            if b == REST:
                n_b = len(present) - len(xa)
                mean_b = (float(present.sum()) - float(xa.sum())) / n_b if n_b else float("nan")
                rest_weight = weight_all - n_valid[a][k]
                own = n_valid[a][k] * filled[a] if a in filled else 0.0
                boot_b = (sum_all - own) / rest_weight if rest_weight > 0 else np.full(n_boot, np.nan)
            else:
                xb = col[members[b]]
                xb = xb[~np.isnan(xb)]
                n_b, mean_b = len(xb), float(xb.mean()) if len(xb) else float("nan")
                boot_b = boots[b][:, k]
            if len(xa) < min_size or n_b < min_size:
                continue
            diffs = boots[a][:, k] - boot_b
            diffs = diffs[~np.isnan(diffs)]
            lo, hi = np.quantile(diffs, q) if len(diffs) else (float("nan"), float("nan"))
            if b == REST:
                p, delta = vs_rest.get(a, (1.0, 0.0))
            elif np.all(xa == xa[0]) and np.all(xb == xa[0]):
                p, delta = 1.0, 0.0
            else:
                p = float(mannwhitneyu(xa, xb, alternative="two-sided").pvalue)
                p = 1.0 if math.isnan(p) else p
                delta = cliffs_delta(xa, xb)
            raw.append(dict(metric=metric, group_a=a, group_b=b, n_a=len(xa), n_b=n_b, mean_a=float(xa.mean()),
                            mean_b=mean_b, difference=float(xa.mean()) - mean_b, ci_low=float(lo), ci_high=float(hi),
                            cliffs_delta=float(delta), p_value=float(p)))
    adjusted = holm([r["p_value"] for r in raw])
    return [GroupDifference(**r, p_adjusted=float(pa), significant=bool(pa < alpha)) for r, pa in zip(raw, adjusted)]
