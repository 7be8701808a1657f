"""Framing profiles: the columns that make one up, standardised profiles, the distances between
them, which articles are on topic enough to compare, and the map of articles in two dimensions.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .schema import Schema

__all__ = [
    "profile_columns",
    "profile_matrix",
    "pairwise_distances",
    "nearest_and_farthest",
    "distance_percentiles",
    "OFF_TOPIC",
    "on_topic",
    "ProfileMap",
    "profile_map",
]


def profile_columns(schema: Schema) -> list[str]:
    """The numeric columns that make up an article's framing profile (the clustermap and the
    distances): pole positions and category rates, prescription scores, stance and lean
    distributions, user-defined category rates. Actor counts and tone are left out: they say
    who an article is about, not how it frames the story."""
    out: list[str] = []
    for d in schema.dimensions:
        if d.kind == "poles":
            out.append(f"{d.name}.position")
        if d.kind != "actors":
            out.extend(d.columns)
    return out


def _numeric(table: Any, columns: Sequence[str]) -> np.ndarray:
    import pandas as pd

    if not columns:
        return np.zeros((len(table), 0))
    return np.column_stack([pd.to_numeric(table[c], errors="coerce").to_numpy(dtype=float) for c in columns])


def profile_matrix(table: Any, columns: Sequence[str]) -> np.ndarray:
    """Standardised profiles: each column z-scored over the articles (missing values at the
    mean, constant columns at zero), so every measure weighs the same in a distance."""
    x = _numeric(table, columns)
    if x.size == 0:
        return x
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(np.where(np.isnan(x), np.nan, x), axis=0) if len(x) else np.zeros(x.shape[1])
    mean = np.where(np.isnan(mean), 0.0, mean)
    x = np.where(np.isnan(x), mean, x)
    sd = x.std(axis=0)
    z = np.divide(x - mean, sd, out=np.zeros_like(x), where=sd > 0)
    return z


def pairwise_distances(z: np.ndarray) -> np.ndarray:
    """Root-mean-square difference of two standardised profiles: 0 identical, ~1.4 for two
    unrelated articles (one standard deviation apart on every measure is 1)."""
    n, p = z.shape
    if n == 0:
        return np.zeros((0, 0))
    sq = (z * z).sum(axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * z @ z.T, 0.0)
    np.fill_diagonal(d2, 0.0)
    return np.sqrt(d2 / max(p, 1))


def nearest_and_farthest(z: np.ndarray, *, chunk: int = 256) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each article, its closest and most different other article and their distances,
    computed in chunks so 10,000 articles never need the full distance matrix."""
    n, p = z.shape
    near = np.full(n, -1)
    far = np.full(n, -1)
    near_d = np.full(n, np.nan)
    far_d = np.full(n, np.nan)
    if n < 2:
        return near, near_d, far, far_d
    sq = (z * z).sum(axis=1)
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        rows = np.arange(hi - lo)
        d2 = z[lo:hi] @ z.T  # squared distances times p, built in place
        d2 *= -2.0
        d2 += sq[None, :]
        d2 += sq[lo:hi, None]
        d2[rows, rows + lo] = np.inf
        near[lo:hi] = d2.argmin(axis=1)
        near_d[lo:hi] = d2[rows, near[lo:hi]]
        d2[rows, rows + lo] = -np.inf
        far[lo:hi] = d2.argmax(axis=1)
        far_d[lo:hi] = d2[rows, far[lo:hi]]
    near_d = np.sqrt(np.maximum(near_d, 0.0) / max(p, 1))
    far_d = np.sqrt(np.maximum(far_d, 0.0) / max(p, 1))
    return near, near_d, far, far_d


def distance_percentiles(z: np.ndarray, *, max_pairs: int = 50_000, seed: int = 0) -> np.ndarray:
    """A sorted sample of pairwise distances (all pairs when few), to say where a pair stands."""
    n, p = z.shape
    if n < 2:
        return np.zeros(0)
    total = n * (n - 1) // 2
    if total <= max_pairs:
        i, j = np.triu_indices(n, k=1)
    else:
        rng = np.random.default_rng(seed)
        i = rng.integers(0, n, size=max_pairs)
        j = rng.integers(0, n - 1, size=max_pairs)
        j = np.where(j >= i, j + 1, j)
    d = np.sqrt(((z[i] - z[j]) ** 2).sum(axis=1) / max(p, 1))
    return np.sort(d)


OFF_TOPIC = "off topic"


def on_topic(table: Any, schema: Schema) -> np.ndarray:
    """Which articles discuss the subject: those with frame evidence on the first poles dimension
    (for the shipped lexicons, `alliance`). An article is off topic when that dimension's label
    is `absent` *and* its intensity is 0: not one frame phrase counted near a mention of the
    subject (the lexicon's topic rule). Off-topic profiles are all alike (empty), so comparing
    them says nothing; the report keeps them out of distances, pairs and the map. Without a
    poles dimension every article counts as on topic."""
    poles = schema.of_kind("poles")
    n = len(table)
    if not poles:
        return np.ones(n, dtype=bool)
    name = poles[0].name
    label = table[f"{name}.label"].astype(str).to_numpy() if f"{name}.label" in table.columns else np.full(n, "absent")
    intensity = _numeric(table, [f"{name}.intensity"])[:, 0] if f"{name}.intensity" in table.columns else np.zeros(n)
    return ~((label == "absent") & ~(np.nan_to_num(intensity) > 0))


@dataclass(frozen=True)
class ProfileMap:
    """Articles placed in two dimensions: the first two principal components of their
    standardised profiles. `loadings[k]` lists (column, weight) of component k, largest first;
    `explained[k]` is the share of the variance it carries."""

    xy: np.ndarray
    explained: tuple[float, float]
    loadings: tuple[tuple[tuple[str, float], ...], tuple[tuple[str, float], ...]]


def profile_map(z: np.ndarray, columns: Sequence[str]) -> ProfileMap:
    """Principal components by SVD, signs fixed so each component's largest loading is positive
    (the same map on every run)."""
    n, p = z.shape
    if n < 2 or p == 0:
        return ProfileMap(np.zeros((n, 2)), (0.0, 0.0), ((), ()))
    centred = z - z.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    k = min(2, vt.shape[0])
    comps = vt[:k]
    for c in range(k):
        if comps[c][np.argmax(np.abs(comps[c]))] < 0:
            comps[c] = -comps[c]
    xy = centred @ comps.T
    if k < 2:
        xy = np.column_stack([xy, np.zeros(n)])
    var = s ** 2
    share = var / var.sum() if var.sum() > 0 else np.zeros_like(var)
    explained = (float(share[0]) if len(share) else 0.0, float(share[1]) if len(share) > 1 else 0.0)
    loads = []
    for c in range(2):
        if c < k:
            order = np.argsort(-np.abs(comps[c]), kind="stable")
            loads.append(tuple((str(columns[j]), float(comps[c][j])) for j in order))
        else:
            loads.append(())
    return ProfileMap(xy, explained, (loads[0], loads[1]))
