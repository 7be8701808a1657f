"""Keyness: the vocabulary that sets an article or group apart (Dunning's G2 and Log Ratio), with
the words of outlet page templates and repeated boilerplate lines that are left out of it.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

__all__ = [
    "KEYNESS_STOPWORDS",
    "keyness_terms",
    "log_likelihood",
    "log_ratio",
    "KeyTerm",
    "keyness",
    "keyness_arrays",
    "BoilerplateLines",
    "template_terms",
]

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
