"""Comparing scored articles: what the score columns mean, profile distances, keyness, group
statistics and pairwise narratives. Pure functions of score rows and evidence records; the report
(framing/report/render.py) arranges their results and the templates render them.

read -> preprocess -> score -> **compare** -> render.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

__all__ = [
    "Dimension",
    "Schema",
    "infer_schema",
    "profile_columns",
    "profile_matrix",
    "group_metrics",
    "OFF_TOPIC",
    "on_topic",
    "profile_map",
    "ProfileMap",
    "group_means",
    "template_terms",
    "BoilerplateLines",
    "pairwise_distances",
    "nearest_and_farthest",
    "distance_percentiles",
    "KEYNESS_STOPWORDS",
    "keyness_terms",
    "log_likelihood",
    "log_ratio",
    "KeyTerm",
    "keyness",
    "keyness_arrays",
    "cliffs_delta",
    "holm",
    "bootstrap_means",
    "GroupDifference",
    "compare_groups",
    "parse_group_spec",
    "group_labels",
    "Quote",
    "Claim",
    "digest_evidence",
    "pair_narrative",
    "humanize",
]

# --- what the columns of scores.csv mean ------------------------------------------------------

_POLES_RESERVED = {"position", "ci_low", "ci_high", "label", "intensity"}
_RESERVED = _POLES_RESERVED | {"advocated", "rejected"}
_BASE = ("id", "title")
_COUNTS = ("n_tokens", "n_sentences")


@dataclass(frozen=True)
class Dimension:
    """One scored dimension as it appears in scores.csv.

    kind: poles | prescriptions | stances | categories | actors | dictionary | lean. `columns`
    holds the per-category columns in category order (for prescriptions:
    `prescription.<category>`). unit: what those numbers are, as manifest.json declares it ("" when
    read from the header); coverage: a dictionary's column of words matched by any entry.
    """

    name: str
    kind: str
    categories: tuple[str, ...]
    columns: tuple[str, ...]
    unit: str = ""
    coverage: str | None = None

    def column(self, category: str) -> str:
        return self.columns[self.categories.index(category)]


@dataclass(frozen=True)
class Schema:
    dimensions: tuple[Dimension, ...]
    metadata: tuple[str, ...]
    actors_with_tone: tuple[str, ...]
    other_columns: tuple[str, ...]  # score columns no dimension claims (classifier outputs, ...)
    has_tone: bool = False  # tone.compound present

    def of_kind(self, *kinds: str) -> list[Dimension]:
        return [d for d in self.dimensions if d.kind in kinds]

    def get(self, name: str) -> Dimension | None:
        for d in self.dimensions:
            if d.name == name:
                return d
        return None


# Columns the classifiers add beside each dimension: each source's value and their agreement.
_SOURCE_SUFFIXES = ("_lexicon", "_classifier")


def _is_category_name(suffix: str) -> bool:
    return (suffix not in _RESERVED and suffix != "agreement" and not suffix.endswith(_SOURCE_SUFFIXES)
            and "classifier" not in suffix and "." not in suffix)


def _declared(name: str, entry: Mapping[str, Any], pos: Mapping[str, int]) -> Dimension | None:
    """A dimension as manifest.json declares it, with the category columns the table has."""
    present = [(cat, col) for cat, col in zip(entry["categories"], entry["category_columns"]) if col in pos]
    if not present:
        return None
    coverage = entry.get("coverage_column")
    return Dimension(name, str(entry["kind"]), tuple(c for c, _ in present), tuple(col for _, col in present), str(entry.get("unit") or ""),
                     coverage if coverage in pos else None)


def infer_schema(columns: Sequence[str], dimension_names: Sequence[str] | None = None,
                 declared: Mapping[str, Mapping[str, Any]] | None = None) -> Schema:
    """The dimensions, their kinds and category columns of a score table.

    `declared` (manifest.json `dimensions`, read by `framing.io.runs.declared_dimensions`) gives
    each lexicon dimension's kind, categories and columns, whatever the category names look like
    (`moral.care.virtue`). Without it (an older output folder), and for the dimensions added by
    models (`lean`), they are read from the header: it is written in a fixed order (id, title,
    metadata, counts, one block per dimension, tone, classifier columns), so a dimension's
    categories are the consecutive columns of its block. `dimension_names` (manifest.json
    `lexicon_dimensions`) fixes the order when known.
    """
    cols = list(columns)
    pos = {c: i for i, c in enumerate(cols)}
    names: list[str] = list(dict.fromkeys(dimension_names or ()))
    for c in cols:
        if "." in c:
            prefix = c.split(".", 1)[0]
            if prefix not in names and prefix not in ("tone", "meta"):
                names.append(prefix)
    consumed: set[str] = set()
    dims: list[Dimension] = []
    for name, entry in (declared or {}).items():
        dim = _declared(name, entry, pos)
        if dim is None:
            continue
        dims.append(dim)
        consumed.update(c for c in list(entry.get("columns") or ()) + list(entry["category_columns"]) if c in pos)
    names = [n for n in names if not any(d.name == n for d in dims)]

    def block_after(start: int, prefix: str) -> list[str]:
        out = []
        for c in cols[start:]:
            if not c.startswith(prefix + "."):
                break
            suffix = c[len(prefix) + 1:]
            if not _is_category_name(suffix):
                break
            out.append(c)
        return out

    # prescriptions first: their category columns use another prefix (`prescription.`)
    for name in names:
        adv = f"{name}.advocated"
        if adv in pos and f"{name}.rejected" in pos:
            i = pos[adv] - 1
            block: list[str] = []
            prefix = cols[i].rsplit(".", 1)[0] if i >= 0 and "." in cols[i] else None
            while prefix is not None and i >= 0 and cols[i].startswith(prefix + ".") and _is_category_name(cols[i][len(prefix) + 1:]):
                block.insert(0, cols[i])
                i -= 1
            cats = tuple(c[len(prefix) + 1:] for c in block) if prefix else ()
            dims.append(Dimension(name, "prescriptions", cats, tuple(block)))
            consumed.update(block + [adv, f"{name}.rejected"])
    for name in names:
        if any(d.name == name for d in dims):
            continue
        own = [c for c in cols if c.startswith(name + ".") and c not in consumed]
        if not own:
            continue
        if f"{name}.position" in pos:
            start = pos.get(f"{name}.intensity", pos[f"{name}.position"]) + 1
            block = block_after(start, name) or [c for c in own if _is_category_name(c[len(name) + 1:])]
            kind = "poles"
            consumed.update(f"{name}.{s}" for s in _POLES_RESERVED)
        elif f"{name}.label" in pos:
            block = [c for c in own if _is_category_name(c[len(name) + 1:])]
            kind = "categories" if f"{name}.intensity" in pos else ("lean" if name == "lean" else "stances")
            consumed.update({f"{name}.label", f"{name}.intensity"})
        else:
            block = [c for c in own if _is_category_name(c[len(name) + 1:])]
            kind = "actors"
        if not block:
            continue
        consumed.update(block)
        dims.append(Dimension(name, kind, tuple(c[len(name) + 1:] for c in block), tuple(block)))
    # order as in the header
    dims.sort(key=lambda d: min((pos[c] for c in d.columns), default=len(cols)))
    if "n_tokens" in pos:
        metadata = tuple(c for c in cols[: pos["n_tokens"]] if c not in _BASE)
    else:
        metadata = tuple(c for c in cols if c not in _BASE and "." not in c and c not in _COUNTS)
    metadata += tuple(c for c in cols if c.startswith("meta.") and c not in metadata)
    tone = tuple(c[5:] for c in cols if c.startswith("tone.") and c != "tone.compound")
    consumed.update(f"tone.{a}" for a in tone)
    consumed.add("tone.compound")
    other = tuple(c for c in cols if "." in c and c not in consumed and not c.startswith("meta."))
    return Schema(tuple(dims), metadata, tone, other, has_tone="tone.compound" in pos)


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


# --- keyness: the vocabulary that sets an article or group apart --------------------------------

KEYNESS_STOPWORDS = frozenset(
    """a about above after again against all almost also although am among an and another any are aren't
    around as at be because been before being below between both but by can can't cannot could couldn't did didn't
    do does doesn't doing don't down during each either else even ever every few for from further had hadn't has
    hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his how how's however i
    i'd i'll i'm i've if in into is isn't it it's its itself just let's like many may me might more most much must
    mustn't my myself neither no nor not now of off often on once one only or other others ought our ours ourselves
    out over own per perhaps quite rather really said same say says shall shan't she she'd she'll she's should
    shouldn't since so some still such than that that's the their theirs them themselves then there there's these
    they they'd they'll they're they've this those though through thus to too under until up upon us very via was
    wasn't we we'd we'll we're we've were weren't what what's when when's where where's whether which while who
    who's whom whose why why's will with within without won't would wouldn't yet you you'd you'll you're you've
    your yours yourself yourselves mr mrs ms dr told according""".split()
)

_WORD_RE = re.compile(r"[a-z]+(?:[-'][a-z]+)*")
_POSSESSIVE_RE = re.compile(r"'s\b")


def keyness_terms(text: str) -> list[str]:
    """Words for keyness: lower-cased, at least three letters, possessive 's dropped, function
    words and reporting verbs left out (they are distinctive of style, not of framing)."""
    text = _POSSESSIVE_RE.sub("", text.lower().replace("\u2019", "'"))
    stop = KEYNESS_STOPWORDS
    return [w for w in _WORD_RE.findall(text) if len(w) > 2 and w not in stop]


def log_likelihood(a: np.ndarray, b: np.ndarray, c: float | np.ndarray, d: float | np.ndarray) -> np.ndarray:
    """Dunning's log-likelihood G2 of a term seen `a` times in a target of `c` tokens and `b`
    times in a reference of `d` tokens (Rayson & Garside 2000). 3.84 is p < 0.05, 10.83 p < 0.001,
    15.13 p < 0.0001 for one term."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    total = np.asarray(c, dtype=float) + np.asarray(d, dtype=float)
    e1 = np.asarray(c, dtype=float) * (a + b) / total
    e2 = np.asarray(d, dtype=float) * (a + b) / total
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = np.where(a > 0, a * np.log(np.where(a > 0, a, 1.0) / np.where(e1 > 0, e1, 1.0)), 0.0)
        t2 = np.where(b > 0, b * np.log(np.where(b > 0, b, 1.0) / np.where(e2 > 0, e2, 1.0)), 0.0)
    return 2.0 * (t1 + t2)


def log_ratio(a: np.ndarray, b: np.ndarray, c: float, d: float) -> np.ndarray:
    """Hardie's Log Ratio: log2 of the ratio of relative frequencies (zero counts as 0.5), an
    effect size: 1 means twice as frequent in the target, 3 eight times."""
    a = np.where(np.asarray(a, dtype=float) > 0, a, 0.5)
    b = np.where(np.asarray(b, dtype=float) > 0, b, 0.5)
    return np.log2((a / max(c, 1.0)) / (b / max(d, 1.0)))


@dataclass(frozen=True)
class KeyTerm:
    term: str
    count: int  # in the target
    reference_count: int
    g2: float
    log_ratio: float
    per_10k: float  # per 10,000 words in the target
    reference_per_10k: float


def keyness(
    target: Mapping[str, int], total: Mapping[str, int], *, target_size: int | None = None, total_size: int | None = None,
    top: int = 15, min_count: int = 3, min_g2: float = 10.83,
) -> list[KeyTerm]:
    """The terms most over-represented in `target` compared with the rest (`total` minus
    `target`), by G2, keeping those with G2 >= min_g2 (p < 0.001 by default) and seen at least
    `min_count` times in the target."""
    terms = list(target)
    a = np.fromiter((target[t] for t in terms), dtype=float, count=len(terms))
    t_all = np.fromiter((total.get(t, 0) for t in terms), dtype=float, count=len(terms))
    c = float(target_size if target_size is not None else a.sum())
    n = float(total_size if total_size is not None else sum(total.values()))
    return keyness_arrays(terms, a, t_all, c, n, top=top, min_count=min_count, min_g2=min_g2)


def keyness_arrays(
    terms: Sequence[str], counts: np.ndarray, totals: np.ndarray, target_size: float, total_size: float, *,
    top: int = 15, min_count: int = 3, min_g2: float = 10.83,
) -> list[KeyTerm]:
    """`keyness` on arrays: counts[k] of terms[k] in the target, totals[k] in the whole corpus
    (target included)."""
    c = float(target_size)
    d = float(total_size) - c
    if c <= 0 or d <= 0 or not len(terms):
        return []
    counts = np.asarray(counts, dtype=float)
    sel = np.flatnonzero(counts >= min_count)
    if not sel.size:
        return []
    a = counts[sel]
    b = np.maximum(np.asarray(totals, dtype=float)[sel] - a, 0.0)
    # log_likelihood with a > 0 known (min_count >= 1): the same formula without its guards, as
    # this runs once per article page
    n_ab = a + b
    e1 = c * n_ab / (c + d)
    e2 = d * n_ab / (c + d)
    g2 = 2.0 * (a * np.log(a / e1) + b * np.log(np.where(b > 0, b, 1.0) / e2)) if min_count >= 1 else log_likelihood(a, b, c, d)
    keep = np.flatnonzero((a / c > b / d) & (g2 >= min_g2))
    if not keep.size:
        return []
    names = [terms[sel[k]] for k in keep]
    order = sorted(range(len(keep)), key=lambda k: (-g2[keep[k]], names[k]))[:top]
    idx = keep[order]
    ratios = log_ratio(a[idx], b[idx], c, d)
    return [
        KeyTerm(names[k], int(a[i]), int(b[i]), round(float(g2[i]), 1), round(float(r), 2),
                round(float(1e4 * a[i] / c), 1), round(float(1e4 * b[i] / d), 1))
        for k, i, r in zip(order, idx, ratios)
    ]


_NUMBER_RE = re.compile(r"\d+")


class BoilerplateLines:
    """Lines repeated verbatim (after lower-casing, collapsing spaces and digits) in several
    articles: copyright notices, "Advertisement", photo credits. Fed one article at a time; only
    short lines are remembered, so memory stays small on 10,000 articles."""

    max_chars = 300

    def __init__(self) -> None:
        self._articles: Counter[str] = Counter()  # articles a line is in
        self._uses: Counter[str] = Counter()  # times it occurs, repeats within an article included

    @staticmethod
    def _key(line: str) -> str:
        return _NUMBER_RE.sub("0", " ".join(line.lower().split()))

    def add(self, text: str) -> None:
        keys = Counter(self._key(line) for line in text.splitlines() if 0 < len(line.strip()) <= self.max_chars)
        self._articles.update(keys.keys())
        self._uses.update(keys)

    def term_counts(self, *, min_articles: int) -> Counter[str]:
        """Occurrences of each term inside lines found in at least `min_articles` articles."""
        out: Counter[str] = Counter()
        for line, k in self._articles.items():
            if k >= min_articles:
                uses = self._uses[line]
                for term in keyness_terms(line):
                    out[term] += uses
        return out


def template_terms(
    doc_ids: Sequence[np.ndarray], outlets: Sequence[str], n_terms: int, *, min_articles: int = 3,
    within: float = 0.8, elsewhere: float = 0.05,
) -> np.ndarray:
    """Term ids of an outlet's page template: used in at least `within` of one outlet's
    articles (an outlet of at least `min_articles`) and in at most `elsewhere` of all other
    articles. doc_ids[i]: the distinct term ids of article i."""
    labels = np.asarray(list(outlets), dtype=object)
    n = len(labels)
    if n == 0 or n_terms == 0:
        return np.zeros(0, dtype=np.int64)
    lengths = np.fromiter((len(d) for d in doc_ids), dtype=np.int64, count=n)
    flat = np.concatenate(list(doc_ids)) if lengths.sum() else np.zeros(0, dtype=np.int64)
    owner = np.repeat(labels, lengths)
    df_all = np.bincount(flat, minlength=n_terms)
    found: set[int] = set()
    for outlet, size in Counter(labels.tolist()).items():
        if size < min_articles or n - size <= 0:
            continue
        df_in = np.bincount(flat[owner == outlet], minlength=n_terms)
        df_out = df_all - df_in
        found.update(np.flatnonzero((df_in >= within * size) & (df_out <= elsewhere * (n - size))).tolist())
    return np.asarray(sorted(found), dtype=np.int64)


# --- group statistics ---------------------------------------------------------------------------

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


# --- evidence digests and pairwise narratives ---------------------------------------------------


@dataclass(frozen=True)
class Quote:
    """An evidence sentence behind a claim."""

    sentence: str
    sentence_index: int
    weight: float  # summed effective weight of the matches, or the tone / probability
    measure: str = "weight"  # what `weight` is: weight | tone | probability


@dataclass(frozen=True)
class Claim:
    """One sentence of a narrative, with the quoted evidence for each side."""

    text: str
    quotes_a: tuple[Quote, ...] = ()
    quotes_b: tuple[Quote, ...] = ()
    caveat: str = ""


def digest_evidence(
    records: Iterable[Mapping[str, Any]], *, actor_dimensions: Iterable[str] = (), sentence_tone: Sequence[float] = (), per_key: int = 2,
) -> dict[str, tuple[Quote, ...]]:
    """The best evidence sentences of one article, by key:

    - `dim:category`: sentences whose matches count for the category, by summed effective weight;
    - `dim:advocate:category` / `dim:reject:category`: prescription sentences by role;
    - `tone:actor:neg` / `tone:actor:pos`: the most negative / positive sentence naming the actor
      (needs `sentence_tone`);
    - `model:dim:class`: sentences a classifier gives the highest probability for the class.
    """
    actor_dims = set(actor_dimensions)
    weight: dict[str, dict[int, float]] = {}
    text: dict[int, str] = {}
    actor_sents: dict[str, set[int]] = {}
    for r in records:
        i = int(r.get("sentence_index", -1))
        if "sentence" in r:
            text[i] = r["sentence"]
        if r.get("type") == "sentence":
            for cls, p in (r.get("probabilities") or {}).items():
                d = weight.setdefault(f"model:{r.get('dimension')}:{cls}", {})
                d[i] = max(d.get(i, 0.0), float(p))
            continue
        dim, cat, role = r.get("dimension"), r.get("category"), r.get("role") or ""
        if dim in actor_dims:
            actor_sents.setdefault(str(cat), set()).add(i)
            continue
        if role in ("advocate", "reject"):
            key, w = f"{dim}:{role}:{cat}", float(r.get("weight", 1.0))
        elif r.get("counts_for"):
            key, w = f"{dim}:{r['counts_for']}", float(r.get("effective_weight", 0.0))
        else:
            continue  # negated-and-ignored matches and prescription descriptions count nowhere
        d = weight.setdefault(key, {})
        d[i] = d.get(i, 0.0) + w
    out: dict[str, tuple[Quote, ...]] = {}
    for key, by_sent in weight.items():
        best = sorted(by_sent.items(), key=lambda kv: (-kv[1], kv[0]))[:per_key]
        measure = "probability" if key.startswith("model:") else "weight"
        quotes = tuple(Quote(text.get(i, ""), i, round(w, 4), measure) for i, w in best if w > 0)
        if quotes:
            out[key] = quotes
    if sentence_tone:
        for actor, idx in actor_sents.items():
            scored = sorted((float(sentence_tone[i]), i) for i in idx if 0 <= i < len(sentence_tone))
            neg = [Quote(text.get(i, ""), i, t, "tone") for t, i in scored[:per_key] if t < 0]
            pos = [Quote(text.get(i, ""), i, t, "tone") for t, i in sorted(scored, key=lambda ti: (-ti[0], ti[1]))[:per_key] if t > 0]
            if neg:
                out[f"tone:{actor}:neg"] = tuple(neg)
            if pos:
                out[f"tone:{actor}:pos"] = tuple(pos)
    return out


def humanize(name: str) -> str:
    """`alliance_building` -> `alliance building`."""
    return str(name).replace("_", " ").strip()


_POLE_PHRASES = {
    "threat": "a threat",
    "hollow": "hollow",
    "legitimate": "a legitimate partnership",
    "mixed": "mixed",
    "absent": "barely at all",
}
_SUBJECTS = {"alliance": "the alignment"}


def _num(row: Mapping[str, Any], col: str) -> float | None:
    v = row.get(col)
    if v is None or v == "":
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _split(value: Any) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return [v for v in str(value).split(";") if v]


def _join(items: Sequence[str]) -> str:
    items = [humanize(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _signed(x: float) -> str:
    return f"{x:+.2f}".replace("-", "\u2212")


def pair_narrative(
    row_a: Mapping[str, Any], row_b: Mapping[str, Any], schema: Schema, *,
    quotes_a: Mapping[str, Sequence[Quote]] | None = None, quotes_b: Mapping[str, Sequence[Quote]] | None = None,
    distance: float | None = None, distance_rank: float | None = None, min_tone_gap: float = 0.2,
) -> list[Claim]:
    """A short comparison of two articles, generated from their scores; every claim carries the
    evidence sentences (from `digest_evidence`) it rests on. A and B in the text stand for the two
    articles. `distance_rank` is the share of pairs that are closer than this one (0..1)."""
    qa = quotes_a or {}
    qb = quotes_b or {}
    claims: list[Claim] = []

    def q(quotes: Mapping[str, Sequence[Quote]], key: str, n: int = 1) -> tuple[Quote, ...]:
        return tuple(quotes.get(key, ()))[:n]

    for dim in schema.of_kind("poles"):
        la, lb = row_a.get(f"{dim.name}.label"), row_b.get(f"{dim.name}.label")
        pa, pb = _num(row_a, f"{dim.name}.position"), _num(row_b, f"{dim.name}.position")
        if not la or not lb or pa is None or pb is None or (la == "absent" and lb == "absent"):
            continue
        subject = _SUBJECTS.get(dim.name, f"the story on {humanize(dim.name)}")
        ia = (_num(row_a, f"{dim.name}.ci_low"), _num(row_a, f"{dim.name}.ci_high"))
        ib = (_num(row_b, f"{dim.name}.ci_low"), _num(row_b, f"{dim.name}.ci_high"))
        overlap = None not in ia + ib and ia[0] <= ib[1] and ib[0] <= ia[1]  # type: ignore[operator]
        verb = "frames" if dim.name == "alliance" else "scores"

        def phrase(label: str) -> str:
            return _POLE_PHRASES.get(label, humanize(label)) if dim.name == "alliance" else humanize(label)

        if la != lb:
            text = f"A {verb} {subject} as {phrase(la)} (position {_signed(pa)}), B as {phrase(lb)} ({_signed(pb)})."
            if la == "absent":
                text = f"A barely discusses {subject}; B frames it as {phrase(lb)} (position {_signed(pb)})."
            elif lb == "absent":
                text = f"A frames {subject} as {phrase(la)} (position {_signed(pa)}); B barely discusses it."
            caveat = "Their 90% intervals overlap, so the difference in position is not clear-cut." if overlap and "absent" not in (la, lb) else ""
        else:
            gap = abs(pa - pb)
            if gap >= 0.2 and not overlap:
                stronger = "A" if abs(pa) > abs(pb) else "B"
                text = f"Both frame {subject} as {phrase(la)}; {stronger} more strongly ({_signed(pa)} vs {_signed(pb)})."
            else:
                text = f"Both frame {subject} as {phrase(la)}, with similar positions ({_signed(pa)} vs {_signed(pb)})."
            caveat = ""
        claims.append(Claim(text, q(qa, f"{dim.name}:{la}"), q(qb, f"{dim.name}:{lb}"), caveat))

    for dim in schema.of_kind("prescriptions"):
        adv_a, rej_a = _split(row_a.get(f"{dim.name}.advocated")), _split(row_a.get(f"{dim.name}.rejected"))
        adv_b, rej_b = _split(row_b.get(f"{dim.name}.advocated")), _split(row_b.get(f"{dim.name}.rejected"))
        for x in adv_a:
            if x in rej_b:
                claims.append(Claim(f"A advocates {humanize(x)}, which B rejects.", q(qa, f"{dim.name}:advocate:{x}"), q(qb, f"{dim.name}:reject:{x}")))
        for x in adv_b:
            if x in rej_a:
                claims.append(Claim(f"B advocates {humanize(x)}, which A rejects.", q(qa, f"{dim.name}:reject:{x}"), q(qb, f"{dim.name}:advocate:{x}")))
        only_a = [x for x in adv_a if x not in adv_b and x not in rej_b]
        only_b = [x for x in adv_b if x not in adv_a and x not in rej_a]
        both = [x for x in adv_a if x in adv_b]
        ev_a = tuple(qq for x in only_a[:2] for qq in q(qa, f"{dim.name}:advocate:{x}"))
        ev_b = tuple(qq for x in only_b[:2] for qq in q(qb, f"{dim.name}:advocate:{x}"))
        if only_a and only_b:
            claims.append(Claim(f"A advocates {_join(only_a)} where B advocates {_join(only_b)}.", ev_a, ev_b))
        elif only_a:
            claims.append(Claim(f"A advocates {_join(only_a)}; B does not.", ev_a, ()))
        elif only_b:
            claims.append(Claim(f"B advocates {_join(only_b)}; A does not.", (), ev_b))
        if both:
            claims.append(Claim(f"Both advocate {_join(both)}.", q(qa, f"{dim.name}:advocate:{both[0]}"), q(qb, f"{dim.name}:advocate:{both[0]}")))

    for dim in schema.of_kind("stances", "categories"):
        la, lb = row_a.get(f"{dim.name}.label"), row_b.get(f"{dim.name}.label")
        if not la or not lb or la == lb or {la, lb} <= {"neutral", "absent"}:
            continue
        sa = _num(row_a, f"{dim.name}.{la}")
        sb = _num(row_b, f"{dim.name}.{lb}")
        what = "vocabulary reads as" if dim.kind == "stances" else f"emphasis on {humanize(dim.name)} is"
        text = f"A's {what} {humanize(la)}" + (f" ({sa:.2f})" if sa is not None and dim.kind == "stances" else "")
        text += f", B's as {humanize(lb)}" + (f" ({sb:.2f})" if sb is not None and dim.kind == "stances" else "") + "."
        claims.append(Claim(text, q(qa, f"{dim.name}:{la}"), q(qb, f"{dim.name}:{lb}")))

    for dim in schema.of_kind("lean"):
        la, lb = row_a.get(f"{dim.name}.label"), row_b.get(f"{dim.name}.label")
        if la and lb and la != lb:
            sa, sb = _num(row_a, f"{dim.name}.{la}"), _num(row_b, f"{dim.name}.{lb}")
            text = f"The lean model places A {humanize(la)}" + (f" ({sa:.2f})" if sa is not None else "")
            text += f" and B {humanize(lb)}" + (f" ({sb:.2f})" if sb is not None else "") + "."
            ev_a, ev_b = q(qa, f"model:{dim.name}:{la}"), q(qb, f"model:{dim.name}:{lb}")
            caveat = "" if ev_a or ev_b else "A model's judgement of the whole article; no sentence-level evidence was saved."
            claims.append(Claim(text, ev_a, ev_b, caveat))

    best: tuple[float, str, float, float] | None = None
    for actor in schema.actors_with_tone:
        ta, tb = _num(row_a, f"tone.{actor}"), _num(row_b, f"tone.{actor}")
        if ta is None or tb is None:
            continue
        gap = abs(ta - tb)
        if gap >= min_tone_gap and (best is None or gap > best[0]):
            best = (gap, actor, ta, tb)
    if best is not None:
        _, actor, ta, tb = best
        more, less = ("A", "B") if ta < tb else ("B", "A")
        name = humanize(actor).title() if len(actor) > 3 else actor.upper()
        how = "less positively" if min(ta, tb) > 0 else "more negatively"
        text = f"{more} writes about {name} {how} than {less} (average tone of the sentences naming it {_signed(ta)} for A, {_signed(tb)} for B)."
        claims.append(Claim(text, q(qa, f"tone:{actor}:{'neg' if ta < tb else 'pos'}"), q(qb, f"tone:{actor}:{'pos' if ta < tb else 'neg'}"),
                            "Tone is VADER sentiment of the sentences naming the actor: it measures wording, not attitude."))

    if distance is not None:
        if distance_rank is None:
            how = "close" if distance < 0.8 else "far apart" if distance > 1.4 else "moderately different"
            text = f"Overall their framing profiles are {how} (distance {distance:.2f})."
        else:
            share = round(100 * distance_rank)
            how = "close" if distance_rank < 0.25 else "far apart" if distance_rank > 0.75 else "moderately different"
            text = f"Overall their framing profiles are {how} (distance {distance:.2f}; {share}% of pairs in this report are closer)."
        claims.append(Claim(text))
    return claims
