"""Compute: everything the report shows, as typed data, before any page is laid out.

`compute_report` reads the saved outputs once (scores table, then one streaming pass over the
articles and their evidence) and returns `ReportData`: names and page files of the articles, the
groups, which articles are on topic, their standardised profiles and neighbours, the quotes the
narratives need, the term counts for keyness (with outlet templates and boilerplate taken out)
and the pairs to write up. `contexts.py` arranges it into pages; `render.py` fills templates.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from ..compare.groups import compare_groups, group_labels, group_metrics, parse_group_spec
from ..compare.keyness import BoilerplateLines, KeyTerm, keyness_arrays, keyness_terms, template_terms
from ..compare.narratives import Quote, digest_evidence
from ..compare.profiles import distance_percentiles, nearest_and_farthest, on_topic, pairwise_distances, profile_columns, profile_matrix
from ..compare.schema import Schema, infer_schema
from ..errors import ConfigError
from .dimensions import NO_LABEL, DimensionView, dimension_views, read_definitions
from .html import display_name, opening, page_name
from ..io.runs import SavedOutputs, iter_saved_articles

__all__ = ["ReportLimits", "ReportData", "Keyness", "Profiles", "compute_report", "OUTLET_FIELDS"]

# Metadata columns that name the outlet an article comes from (whose page template it carries).
OUTLET_FIELDS = ("source", "outlet", "site", "publisher", "domain")


@dataclass(frozen=True)
class ReportLimits:
    """Where the report switches from showing every article to summarising them."""

    detail: int = 60  # up to this many articles, figures show one row per article
    page_size: int = 200  # rows of the summary table per page
    all_pairs: int = 20  # up to this many articles, pairs.html holds every pair
    top_pairs: int = 10  # otherwise: this many most different and most similar pairs
    distance_table: int = 25  # up to this many articles, the full distance table
    clustermap: int = 60  # up to this many compared articles, a clustermap with one labelled row each
    figure_groups: int = 25  # groups drawn in group figures (the largest ones)
    map_links: int = 1000  # points of the article map drawn one by one and linked to their page


class _Terms:
    """Terms of an article by vocabulary id, indexed like a list (no per-article string list)."""

    __slots__ = ("ids", "vocab")

    def __init__(self, ids: Any, vocab: Sequence[str]) -> None:
        self.ids = ids
        self.vocab = vocab

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, k: int) -> str:
        return self.vocab[int(self.ids[k])]


@dataclass(frozen=True)
class Keyness:
    """Term counts for distinctive words. `shown[id]` is False for a term left out (an outlet's
    template or boilerplate); `n_template` and `n_boilerplate` say how many were."""

    vocab: Sequence[str]
    doc_terms: Sequence[tuple[np.ndarray, np.ndarray]]  # per article: term ids, counts
    sizes: np.ndarray  # words per article
    totals: np.ndarray  # per term, in all articles
    shown: np.ndarray
    lexicon_words: frozenset[str]
    groups: Sequence[str] | None  # the grouping of group keyness (None: per article)
    grouping: str  # what the groups are, in words ("source", "alliance label")
    group_counts: Mapping[str, tuple[np.ndarray, int]]
    n_template: int = 0
    n_boilerplate: int = 0
    outlet_field: str | None = None

    @property
    def total_size(self) -> int:
        return int(self.sizes.sum())

    def of_article(self, i: int, *, top: int = 15) -> list[KeyTerm]:
        ids, counts = self.doc_terms[i]
        if len(self.sizes) < 2:
            return []
        return keyness_arrays(_Terms(ids, self.vocab), counts * self.shown[ids], self.totals[ids], int(self.sizes[i]), self.total_size, top=top)

    @property
    def shown_groups(self) -> list[str]:
        """The groups whose distinctive words are shown: the largest ones, largest first."""
        return list(self.group_counts)

    def of_group(self, g: str, *, top: int = 12) -> list[KeyTerm]:
        counts, size = self.group_counts.get(g, (np.zeros(len(self.vocab)), 0))
        nz = np.flatnonzero(counts * self.shown)
        return keyness_arrays(_Terms(nz, self.vocab), counts[nz], self.totals[nz], size, self.total_size, top=top, min_count=5)


@dataclass(frozen=True)
class Profiles:
    """Standardised framing profiles of the compared (on-topic) articles. `rows[k]` is the
    article index of row k of `z`; near/far are per article (-1 when not compared)."""

    columns: tuple[str, ...]
    rows: np.ndarray
    z: np.ndarray
    near: np.ndarray
    near_d: np.ndarray
    far: np.ndarray
    far_d: np.ndarray
    distance_sample: np.ndarray

    def rank(self, d: float | None) -> float | None:
        """Where a distance stands among all pairs (0: closest pair, 1: most different)."""
        if d is None or not len(self.distance_sample) or math.isnan(d):
            return None
        return float(np.searchsorted(self.distance_sample, d, side="left") / len(self.distance_sample))

    def distance(self, i: int, j: int) -> float | None:
        """The distance of two compared articles (None when either is not compared)."""
        ki, kj = np.searchsorted(self.rows, [i, j])
        if not self.z.size or ki >= len(self.rows) or kj >= len(self.rows) or self.rows[ki] != i or self.rows[kj] != j:
            return None
        a, b = self.z[ki], self.z[kj]
        return float(np.sqrt(((a - b) ** 2).sum() / max(self.z.shape[1], 1)))


@dataclass(frozen=True)
class ReportData:
    outputs: SavedOutputs
    schema: Schema
    views: Mapping[str, DimensionView]
    limits: ReportLimits
    ids: Sequence[str]
    names: Sequence[str]
    pages: Sequence[str]
    records: Sequence[Mapping[str, Any]]
    group_by: str | None
    group_field: str | None
    groups: Sequence[str] | None
    on_topic: np.ndarray  # bool per article
    profiles: Profiles
    digests: Sequence[Mapping[str, tuple[Quote, ...]]]
    keyness: Keyness
    has_text: bool
    top_pairs: tuple[list[tuple[int, int, float]], list[tuple[int, int, float]]]
    pairs: Sequence[tuple[int, int, str]]
    label_dimension: str | None = None  # the poles dimension whose label summarises articles
    metrics: tuple[str, ...] = ()  # the measures compared between groups (with groups)
    differences: tuple[GroupDifference, ...] = ()  # between groups, most significant first
    _columns: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def table(self) -> Any:
        return self.outputs.table

    @property
    def n_off_topic(self) -> int:
        return int((~self.on_topic).sum())

    def column(self, name: str) -> np.ndarray:
        """A score column as floats (NaN where missing or absent from the table)."""
        if name not in self._columns:
            self._columns[name] = _numeric_column(self.table, name)
        return self._columns[name]

    def labels(self, dimension: str) -> list[str]:
        return [str(r.get(f"{dimension}.label") or NO_LABEL) for r in self.records]


def _numeric_column(table: Any, name: str) -> np.ndarray:
    import pandas as pd

    if name not in table.columns:
        return np.full(len(table), np.nan)
    return pd.to_numeric(table[name], errors="coerce").to_numpy(dtype=float)


def _differences(table: Any, schema: Schema, groups: Sequence[str] | None) -> tuple[dict[str, np.ndarray], tuple[GroupDifference, ...]]:
    """The compared measures' values and the differences between groups, most significant first."""
    if groups is None:
        return {}, ()
    columns = {m: _numeric_column(table, m) for m in group_metrics(schema, list(table.columns))}
    diffs = compare_groups(columns, groups, metrics=list(columns))
    diffs.sort(key=lambda d: (d.p_adjusted, -abs(d.cliffs_delta)))
    return columns, tuple(diffs)


def compute_report(outputs: SavedOutputs, *, group_by: str | None = None, pairs: Sequence[tuple[str, str]] = (),
                   limits: ReportLimits = ReportLimits()) -> ReportData:
    table = outputs.table
    manifest = outputs.manifest
    schema = infer_schema(list(table.columns), manifest.get("lexicon_dimensions"), outputs.dimensions)
    views = dimension_views(schema, read_definitions(manifest))
    n = len(table)
    ids = table["id"].tolist()
    names = [display_name(t, i) for t, i in zip(table["title"], ids)]
    taken: set[str] = set()
    pages = [page_name(i, taken) for i in ids]
    records = table.astype(object).where(table.notna(), None).to_dict("records")
    poles = schema.of_kind("poles")
    label_dimension = poles[0].name if poles else None

    group_field = None
    groups: list[str] | None = None
    if group_by:
        group_field, bucket = parse_group_spec(group_by)
        if group_field not in table.columns:
            candidates = ", ".join(schema.metadata) or "none"
            raise ConfigError(f"--by {group_by}: no column {group_field!r} in the scores table (metadata columns: {candidates})")
        groups = group_labels(table[group_field].tolist(), bucket)

    columns, differences = _differences(table, schema, groups)
    topic = on_topic(table, schema) if n else np.zeros(0, dtype=bool)
    profiles = _profiles(table, schema, topic)
    digests, counts = _read_articles(outputs, schema, ids, names)
    keyness = _keyness(counts, schema, records, groups, group_by, limits, label_dimension)
    top = _top_pairs(profiles, limits.top_pairs)
    chosen = _choose_pairs(n, profiles, ids, pairs, limits, top)
    return ReportData(outputs=outputs, schema=schema, views=views, limits=limits, ids=ids, names=names, pages=pages, records=records,
                      group_by=group_by, group_field=group_field, groups=groups, on_topic=topic, profiles=profiles, digests=digests,
                      keyness=keyness, has_text=counts.has_text, top_pairs=top, pairs=chosen, label_dimension=label_dimension,
                      metrics=tuple(columns), differences=differences, _columns=columns)


def _profiles(table: Any, schema: Schema, topic: np.ndarray) -> Profiles:
    columns = tuple(profile_columns(schema))
    rows = np.flatnonzero(topic)
    z = profile_matrix(table.iloc[rows], columns) if len(rows) else np.zeros((0, len(columns)))
    n = len(table)
    near, near_d = np.full(n, -1), np.full(n, np.nan)
    far, far_d = np.full(n, -1), np.full(n, np.nan)
    if z.size:
        nr, nd, fr, fd = nearest_and_farthest(z)
        ok_n, ok_f = nr >= 0, fr >= 0
        near[rows[ok_n]] = rows[nr[ok_n]]
        near_d[rows] = nd
        far[rows[ok_f]] = rows[fr[ok_f]]
        far_d[rows] = fd
    return Profiles(columns, rows, z, near, near_d, far, far_d, distance_percentiles(z) if z.size else np.zeros(0))


def _outlet_field(schema: Schema, group_field: str | None) -> str | None:
    for name in OUTLET_FIELDS:
        if name in schema.metadata:
            return name
    return group_field if group_field in schema.metadata else None


@dataclass
class _TermCounts:
    """What pass one collects for keyness: a vocabulary, each article's term ids and counts,
    its length, the words lexicons matched and the lines repeated across articles."""

    n: int
    vocab: dict[str, int] = field(default_factory=dict)
    doc_terms: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    sizes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    matched: set[str] = field(default_factory=set)
    boilerplate: BoilerplateLines = field(default_factory=BoilerplateLines)
    has_text: bool = False

    def __post_init__(self) -> None:
        empty = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32))
        self.doc_terms = [empty] * self.n
        self.sizes = np.zeros(self.n, dtype=np.int64)

    def add(self, i: int, text: str) -> None:
        self.has_text = True
        self.boilerplate.add(text)
        terms = keyness_terms(text)
        self.sizes[i] = len(terms)
        c = Counter(terms)
        self.doc_terms[i] = (np.fromiter((self.vocab.setdefault(t, len(self.vocab)) for t in c), dtype=np.int32, count=len(c)),
                             np.fromiter(c.values(), dtype=np.int32, count=len(c)))


def _read_articles(outputs: SavedOutputs, schema: Schema, ids: Sequence[str], names: list[str]) -> tuple[list[dict[str, tuple[Quote, ...]]], _TermCounts]:
    """Pass one over the saved articles and evidence: the quotes the narratives need, the
    article's name when it has no title (`names` is updated), and term counts for keyness."""
    kinds = {d.name: d.kind for d in schema.dimensions}
    actor_dims = [d.name for d in schema.of_kind("actors")]
    digests: list[dict[str, tuple[Quote, ...]]] = [{} for _ in ids]
    counts = _TermCounts(len(ids))
    for i, art, evidence in iter_saved_articles(outputs, ids):
        tone = (art or {}).get("sentence_tone") or ()
        digests[i] = digest_evidence(evidence, actor_dimensions=actor_dims, sentence_tone=tone, per_key=2)
        for r in evidence:
            if r.get("type") != "sentence" and kinds.get(str(r.get("dimension"))) != "actors":
                counts.matched.add(str(r.get("text", "")).lower())
        text = (art or {}).get("text")
        if isinstance(text, str) and text:
            if names[i] == ids[i]:  # untitled: name it by its opening words rather than a file name
                names[i] = opening(text) or ids[i]
            counts.add(i, text)
    return digests, counts


def _hidden_terms(counts: _TermCounts, totals: np.ndarray, outlets: Sequence[str] | None) -> tuple[np.ndarray, int, int]:
    """Which terms keyness may show: not an outlet's template, not mostly boilerplate. Returns
    the mask and how many terms each rule took out."""
    shown = np.ones(len(counts.vocab), dtype=bool)
    n_template = 0
    if outlets is not None and counts.has_text:
        template = template_terms([t[0] for t in counts.doc_terms], outlets, len(counts.vocab))
        n_template = int(shown[template].sum())
        shown[template] = False
    n_boilerplate = 0
    for term, k in counts.boilerplate.term_counts(min_articles=3).items():
        t = counts.vocab.get(term)
        if t is not None and shown[t] and k >= 0.5 * totals[t]:
            shown[t] = False
            n_boilerplate += 1
    return shown, n_template, n_boilerplate


def _keyness(counts: _TermCounts, schema: Schema, records: Sequence[Mapping[str, Any]], groups: Sequence[str] | None,
             group_by: str | None, limits: ReportLimits, label_dimension: str | None) -> Keyness:
    n = counts.n
    vocab_list = list(counts.vocab)
    all_ids = np.concatenate([t[0] for t in counts.doc_terms]) if n else np.zeros(0, dtype=np.int32)
    all_counts = np.concatenate([t[1] for t in counts.doc_terms]) if n else np.zeros(0, dtype=np.int32)
    totals = np.bincount(all_ids, weights=all_counts, minlength=len(vocab_list))
    del all_ids, all_counts
    outlet_field = _outlet_field(schema, parse_group_spec(group_by)[0] if group_by else None)
    outlets = group_labels([r.get(outlet_field) for r in records]) if outlet_field else None
    shown, n_template, n_boilerplate = _hidden_terms(counts, totals, outlets)

    if groups is not None:
        keyness_groups, grouping = groups, str(group_by)
    elif n > limits.detail:
        keyness_groups = [str(r.get(f"{label_dimension}.label") or NO_LABEL) for r in records] if label_dimension else ["all articles"] * n
        grouping = f"{label_dimension} label" if label_dimension else "all articles"
    else:
        keyness_groups, grouping = None, "article"
    group_counts: dict[str, Any] = {}
    if keyness_groups is not None and counts.has_text:  # the groups the report shows: the largest ones
        docs: dict[str, list[int]] = {}
        for i, g in enumerate(keyness_groups):
            docs.setdefault(g, []).append(i)
        for g, _ in Counter(keyness_groups).most_common(limits.figure_groups):
            g_ids = np.concatenate([counts.doc_terms[i][0] for i in docs[g]])
            g_counts = np.concatenate([counts.doc_terms[i][1] for i in docs[g]])
            group_counts[g] = (np.bincount(g_ids, weights=g_counts, minlength=len(vocab_list)), int(counts.sizes[docs[g]].sum()))
    lexicon_words = frozenset(w for t in counts.matched for w in keyness_terms(t))
    return Keyness(vocab_list, counts.doc_terms, counts.sizes, totals, shown, lexicon_words, keyness_groups, grouping, group_counts,
                   n_template=n_template, n_boilerplate=n_boilerplate, outlet_field=outlet_field)


def _top_pairs(profiles: Profiles, k: int) -> tuple[list[tuple[int, int, float]], list[tuple[int, int, float]]]:
    """The k most different and k most similar pairs of compared articles (from each one's
    farthest and nearest neighbour)."""
    rows = profiles.rows

    def pick(order, partner, dist) -> list[tuple[int, int, float]]:
        out: list[tuple[int, int, float]] = []
        seen: set[tuple[int, int]] = set()
        for i in order:
            j = int(partner[i])
            if j < 0:
                continue
            p = (min(int(i), j), max(int(i), j))
            if p not in seen:
                seen.add(p)
                out.append((p[0], p[1], float(dist[i])))
            if len(out) >= k:
                break
        return out

    if len(rows) < 2:
        return [], []
    far_d, near_d = profiles.far_d[rows], profiles.near_d[rows]
    different = pick(rows[np.argsort(-np.nan_to_num(far_d, nan=-1), kind="stable")], profiles.far, profiles.far_d)
    similar = pick(rows[np.argsort(np.nan_to_num(near_d, nan=np.inf), kind="stable")], profiles.near, profiles.near_d)
    return different, similar


def _choose_pairs(n: int, profiles: Profiles, ids: Sequence[str], requested, limits: ReportLimits, top_pairs) -> list[tuple[int, int, str]]:
    """The pairs on pairs.html: the requested ones, then every pair of compared articles (few
    articles, most different first) or the most different and most similar ones."""
    chosen: dict[tuple[int, int], str] = {}
    index = {rid: i for i, rid in enumerate(ids)}
    for a, b in requested:
        if a not in index or b not in index:
            missing = a if a not in index else b
            raise ConfigError(f"--pair {a} {b}: no article with id {missing!r} in the scores table")
        i, j = index[a], index[b]
        if i != j:
            chosen[(min(i, j), max(i, j))] = "requested"
    rows = [int(r) for r in profiles.rows]
    if n <= limits.all_pairs:
        pairs = [(rows[a], rows[b]) for a in range(len(rows)) for b in range(a + 1, len(rows))]
        if profiles.z.size:
            d = pairwise_distances(profiles.z)
            where = {r: k for k, r in enumerate(rows)}
            pairs.sort(key=lambda p: -d[where[p[0]], where[p[1]]])
        for p in pairs:
            chosen.setdefault(p, "")
        return [(i, j, why) for (i, j), why in chosen.items()]
    different, similar = top_pairs
    for i, j, _ in different:
        chosen.setdefault((i, j), "most different")
    for i, j, _ in similar:
        chosen.setdefault((i, j), "most similar")
    return [(int(i), int(j), why) for (i, j), why in chosen.items()]
