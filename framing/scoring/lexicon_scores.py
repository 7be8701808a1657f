"""Lexicon scoring: find matches, apply the file's scope rules, and turn matches into scores.

`CompiledLexicon` is built once per process per dimension; `match_document` is a pure function
of a preprocessed document; `framing.scoring.kinds` turns its matches into the `scores.csv`
columns. How each kind scores is documented in `lexicons/README.md` and the README.
"""
from __future__ import annotations

import bisect
import math
import re
import weakref
from dataclasses import dataclass, replace
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np

from ..lexicon.matcher import MatcherGroup, PhraseMatcher, by_sentence, joined
from ..lexicon.params import param
from ..models import Document, Lexicon, LexiconEntry, Match, ScopeRule, Sentence
from ..records import fast_constructor
from ..text import stem, token_range_spans

__all__ = ["CompiledLexicon", "DocumentCache", "category_names", "compile_lexicons", "match_document", "quoted_spans", "BOOTSTRAP_SAMPLES"]

BOOTSTRAP_SAMPLES = 1000
_BOOTSTRAP_SEED = 20240901  # fixed: the same article always gets the same interval
# default_rng(_BOOTSTRAP_SEED) is Generator(PCG64(SeedSequence(_BOOTSTRAP_SEED))): the seed
# sequence, which only hands out the same state each time, is made once (a fifth of the cost of
# an interval on a short article)
_BOOTSTRAP_SEEDS = np.random.SeedSequence(_BOOTSTRAP_SEED)


@dataclass(frozen=True)
class _Cues:
    matcher: PhraseMatcher | None
    rule: ScopeRule
    sentinel_safe: bool = True

    @classmethod
    def of(cls, rule: ScopeRule) -> "_Cues":
        items = tuple((e.pattern, ("cue", e)) for e in rule.cues) + tuple((e.pattern, ("exception", e)) for e in rule.exceptions)
        matcher = _shared_matcher(items) if items else None
        return cls(matcher, rule, matcher is None or matcher.never_matches(_SENTINEL))

    def spans(self, tokens: Sequence[str]) -> list[tuple[int, int, int]]:
        """Cue matches in one sentence as (start, end, reach): reach is the cue's own window or
        the rule's."""
        return [] if self.matcher is None else self._reaches(self.matcher.find(tokens), 0)

    def _reaches(self, found: Iterable[tuple[int, int, Any]], base: int) -> list[tuple[int, int, int]]:
        default = self.rule.window
        return [(s - base, e - base, default if entry.window is None else entry.window) for s, e, (kind, entry) in found if kind == "cue"]

    def by_sentence(self, doc: Document, stemmed: bool, cache: "DocumentCache", group: MatcherGroup) -> dict[int, list[tuple[int, int, int]]]:
        """`spans` of every sentence with a cue, by its position in the document: one match over
        the document's token list (the sentinel between sentences stops every cue as it stops
        every term), so sentences without a cue, most of them, cost nothing."""
        if self.matcher is None:
            return {}
        flat, starts = cache.document_norms(doc, stemmed)
        if not self.sentinel_safe:  # a bare "*" cue would match the sentinel: sentence by sentence
            ends = starts[1:] + [len(flat)]
            return {k: found for k, (a, b) in enumerate(zip(starts, ends)) if (found := self.spans(flat[a : b - 1]))}
        out: dict[int, list[tuple[int, int, int]]] = {}
        default = self.rule.window
        k, base, next_start = -1, 0, 0
        for s, e, (kind, entry) in cache.document_matches(group, self.matcher, doc, stemmed):
            if kind == "cue":
                if s >= next_start:  # hits come in text order: find the sentence only when it changes
                    k = bisect.bisect_right(starts, s) - 1
                    base = starts[k]
                    next_start = starts[k + 1] if k + 1 < len(starts) else len(flat)
                reach = default if entry.window is None else entry.window
                out.setdefault(k, []).append((s - base, e - base, reach))
        return out


# Lexicons usually share their cue lists (scope.yaml): one matcher per distinct list, so the work
# and the memory of matching them is not repeated per lexicon.
_SHARED_MATCHERS: "weakref.WeakValueDictionary[tuple, PhraseMatcher]" = weakref.WeakValueDictionary()


def _shared_matcher(items: tuple) -> PhraseMatcher:
    matcher = _SHARED_MATCHERS.get(items)
    if matcher is None:
        matcher = _SHARED_MATCHERS[items] = PhraseMatcher(items)
    return matcher


class CompiledLexicon:
    """A lexicon with its matchers built: reuse one per process (building costs milliseconds,
    matching is the hot path)."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.terms: PhraseMatcher[LexiconEntry] = PhraseMatcher(
            (e.pattern, e) for c in lexicon.categories for e in c.entries
        )
        self.negation = _Cues.of(lexicon.scope.negation)
        self.hedging = _Cues.of(lexicon.scope.hedging)
        self.quotation = _Cues.of(lexicon.scope.quotation)
        self.advocate = PhraseMatcher((e.pattern, e) for e in lexicon.stance_cues.get("advocate", ()))
        self.reject = PhraseMatcher((e.pattern, e) for e in lexicon.stance_cues.get("reject", ()))
        self.opposite = {c.name: c.opposite for c in lexicon.categories}
        self.memberships = dictionary_memberships(lexicon) if lexicon.kind == "dictionary" else {}
        self.sentinel_safe = self.terms.never_matches(_SENTINEL)
        self.topic_rule = topic_rule(lexicon)
        # run over a document's token list in one pass (`DocumentCache.document_matches`); with
        # other lexicons' when `compile_lexicons` builds them together
        self.group = MatcherGroup(self.document_matchers())

    def document_matchers(self) -> list[PhraseMatcher]:
        """The matchers run over a whole document's token list: the terms and the cue lists
        that the sentinel between sentences stops."""
        found = [self.terms] if self.sentinel_safe else []
        return found + [c.matcher for c in (self.negation, self.hedging, self.quotation) if c.matcher is not None and c.sentinel_safe]


def dictionary_memberships(lexicon: Lexicon) -> dict[tuple, tuple[tuple[str, float], ...]]:
    """A dictionary's (category, weight) pairs per entry pattern: the same entry listed under
    several categories is one pattern in the matcher and counts in each of them."""
    out: dict[tuple, list[tuple[str, float]]] = {}
    for c in lexicon.categories:
        for e in c.entries:
            out.setdefault(e.pattern, []).append((c.name, e.weight))
    return {pattern: tuple(pairs) for pattern, pairs in out.items()}


def compile_lexicons(lexicons: Sequence[Lexicon]) -> tuple[CompiledLexicon, ...]:
    """The lexicons compiled, those that read the same tokens (stemmed or not) sharing one
    matcher group: a document's tokens are walked once for all of them."""
    compiled = tuple(CompiledLexicon(lx) for lx in lexicons)
    for stemmed in (False, True):
        same = [c for c in compiled if c.lexicon.stem == stemmed]
        group = MatcherGroup(m for c in same for m in c.document_matchers())
        for c in same:
            c.group = group
    return compiled


_DOUBLE_QUOTES = "\"“”«»"
_OPENING_QUOTES, _CLOSING_QUOTES = "“«", "”»"
# Single quotes double as apostrophes, so a single-quoted span must open before a word and close
# after one, on one line, within a headline-length stretch: ‘axis of upheaval’, 'so-called' allies.
# "Not after a word character" is tested after the quote (`Q(?<!\wQ)` holds exactly where
# `(?<!\w)Q` does), so the pattern starts with a literal set and the regex engine skips straight
# to quote characters instead of trying the lookbehind at every position (6x faster).
_SINGLE_QUOTED_RE = re.compile(r"['‘](?<!\w['‘])([^'‘’\n]{1,200}?)['’](?!\w)")


def _positions(text: str, mark: str) -> list[int]:
    """Every position of `mark` in the text: str.find, which skips the text far faster than a
    regular expression steps through it."""
    found = []
    at = text.find(mark)
    while at >= 0:
        found.append(at)
        at = text.find(mark, at + 1)
    return found


def _double_quote_positions(text: str) -> list[tuple[int, str]]:
    """(position, character) of every double quotation mark, in text order."""
    found = [(at, mark) for mark in (('"',) if text.isascii() else _DOUBLE_QUOTES) for at in _positions(text, mark)]
    found.sort()
    return found


def _single_quoted_spans(text: str) -> list[tuple[int, int]]:
    """The spans `_SINGLE_QUOTED_RE.finditer` finds (without those opening on a space), the
    pattern tried only where a single quote is: the same scan, each try resuming after the
    last match, without the regex engine stepping through the text between quotes."""
    starts = _positions(text, "'")
    if not text.isascii():
        starts.extend(_positions(text, "‘"))
        starts.sort()
    spans: list[tuple[int, int]] = []
    resume = 0
    match = _SINGLE_QUOTED_RE.match
    for at in starts:
        if at < resume:
            continue
        m = match(text, at)
        if m is not None:
            resume = m.end()
            if not m.group(1)[:1].isspace():
                spans.append((m.start(1), m.end(1)))
    return spans


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Character spans inside double quotation marks. Curly and guillemet quotes open and close;
    straight quotes toggle; a paragraph break closes an unclosed quotation."""
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    for at, mark in _double_quote_positions(text):
        if open_at is not None:
            line_end = text.find("\n", open_at, at)
            if line_end >= 0:  # the quotation ended with its paragraph
                spans.append((open_at, line_end))
                open_at = None
        if mark in _OPENING_QUOTES:
            if open_at is None:
                open_at = at + 1
        elif mark in _CLOSING_QUOTES:
            if open_at is not None:
                spans.append((open_at, at))
                open_at = None
        elif open_at is None:
            open_at = at + 1
        else:
            spans.append((open_at, at))
            open_at = None
    if open_at is not None:
        line_end = text.find("\n", open_at)
        spans.append((open_at, len(text) if line_end < 0 else line_end))
    spans.extend(_single_quoted_spans(text))
    spans.sort()
    return _merge_spans(spans)


def _merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _cue_before(cues: list[tuple[int, int, int]], start: int, norms: Sequence[str], boundaries: frozenset[str]) -> bool:
    for cs, ce, reach in cues:
        if ce <= start and start - ce <= reach:
            if boundaries and any(norms[k] in boundaries for k in range(ce, start)):
                continue
            return True
    return False


def _clause_ids(norms: Sequence[str], boundaries: frozenset[str]) -> list[int]:
    """Clause number of every token; without boundaries the whole sentence is one clause."""
    if not boundaries:
        return [0] * len(norms)
    out, current = [], 0
    for tok in norms:
        if tok in boundaries:
            current += 1
        out.append(current)
    return out


_make_match = fast_constructor(Match)  # about 40 matches an article

_SENTINEL = "\x00"  # put between sentences in a document's token list: no lexicon entry matches it


class DocumentCache:
    """What every lexicon matched on one document shares, computed once for all of them: the
    document's quoted spans, its token norms as one list (plain and stemmed), the matches of its
    matcher groups and of each cue list by sentence. One per document."""

    def __init__(self) -> None:
        self._quotes: tuple[list[int], list[int]] | None = None
        self._norms: dict[bool, tuple[list[str], list[int]]] = {}
        self._cues: dict[tuple[Any, ...], Any] = {}
        self._groups: dict[tuple[int, bool], list[list[tuple[int, int, Any]]]] = {}

    def quotes(self, text: str) -> tuple[list[int], list[int]]:
        """The ends and the starts of the text's quoted spans."""
        if self._quotes is None:
            spans = quoted_spans(text)
            self._quotes = [e for _, e in spans], [s for s, _ in spans]
        return self._quotes

    def document_norms(self, doc: Document, stemmed: bool) -> tuple[list[str], list[int]]:
        """The document's token norms (stemmed or not) in one list, sentences separated by a
        sentinel token, and where each sentence starts in it."""
        found = self._norms.get(stemmed)
        if found is None:
            found = self._norms[stemmed] = _norms_of(doc, stemmed, self)
        return found

    def sentence_cues(self, cues: _Cues, doc: Document, compiled: CompiledLexicon) -> dict[int, list[tuple[int, int, int]]]:
        # lexicons share cue matchers (`_shared_matcher`); the window is the rule's own
        stemmed = compiled.lexicon.stem
        key = (id(cues.matcher), cues.rule.window, stemmed)
        found = self._cues.get(key)
        if found is None:
            found = self._cues[key] = cues.by_sentence(doc, stemmed, self, compiled.group)
        return found

    def document_matches(self, group: MatcherGroup, matcher: PhraseMatcher, doc: Document, stemmed: bool) -> list[tuple[int, int, Any]]:
        """`matcher.find` over the document's token list, found with every matcher of its group
        in one pass."""
        key = (id(group), stemmed)
        found = self._groups.get(key)
        if found is None:
            found = self._groups[key] = group.find(self.document_norms(doc, stemmed)[0])
        return found[group.position[id(matcher)]]


def _norms_of(doc: Document, stemmed: bool, cache: DocumentCache) -> tuple[list[str], list[int]]:
    if stemmed:
        plain, starts = cache.document_norms(doc, False)
        return list(map(stem, plain)), starts
    return joined([sent.norms for sent in doc.sentences], _SENTINEL)


def _sentence_hits(doc: Document, compiled: CompiledLexicon, cache: DocumentCache) -> Iterator[tuple[int, Sentence, Sequence[str], list[tuple[int, int, LexiconEntry]]]]:
    """(position, sentence, its token norms, the lexicon's matches in it) for every sentence
    with a match.

    The whole document is matched in one call: the sentinel between sentences stops every
    pattern, so this finds exactly what matching sentence by sentence finds, without a call per
    sentence (most sentences match nothing)."""
    stemmed = compiled.lexicon.stem
    if not compiled.sentinel_safe:  # a bare "*" entry would match the sentinel: sentence by sentence
        for k, sent in enumerate(doc.sentences):
            norms = list(sent.norms)
            if stemmed:
                norms = list(map(stem, norms))
            hits = compiled.terms.find(norms)
            if hits:
                yield k, sent, norms, hits
        return
    flat, starts = cache.document_norms(doc, stemmed)
    sentences = doc.sentences
    for k, base, hits in by_sentence(cache.document_matches(compiled.group, compiled.terms, doc, stemmed), starts):
        sent = sentences[k]
        # unstemmed, the sentence's own tuple holds the same norms: no copy
        yield k, sent, flat[base : base + len(sent.norms)] if stemmed else sent.norms, hits


def match_document(doc: Document, compiled: CompiledLexicon, *, cache: DocumentCache | None = None) -> list[Match]:
    """Every match of one lexicon in a document, with scope flags and effective weights.

    `cache` (a `DocumentCache` of this document) lets several lexicons share the work done on
    it: token offsets, quoted spans, the token list, the matches of cue lists they share.
    """
    cache = DocumentCache() if cache is None else cache
    if compiled.lexicon.kind == "actors":
        return _actor_matches(doc, compiled, cache)
    lexicon = compiled.lexicon
    article_id, dimension, text = doc.article.id, lexicon.dimension, doc.article.text
    negation, hedging, quotation = lexicon.scope.negation, lexicon.scope.hedging, lexicon.scope.quotation
    negation_bounds, hedging_bounds, reporting_bounds = negation.boundaries, hedging.boundaries, quotation.boundaries
    hedging_factor, quotation_factor, marks = hedging.factor, quotation.factor, quotation.marks
    prescriptions = lexicon.kind == "prescriptions"
    memberships, opposite = compiled.memberships, compiled.opposite
    matches: list[Match] = []
    first = True
    for k, sent, norms, hits in _sentence_hits(doc, compiled, cache):
        if first:  # what only a document with a match needs
            first = False
            quote_ends, quote_starts = cache.quotes(text) if marks else ([], [])
            negation_cues = cache.sentence_cues(compiled.negation, doc, compiled)
            hedging_cues = cache.sentence_cues(compiled.hedging, doc, compiled)
            reporting_cues = cache.sentence_cues(compiled.quotation, doc, compiled)
        neg = negation_cues.get(k)
        hedge = hedging_cues.get(k)
        report = reporting_cues.get(k)
        index = sent.index
        if prescriptions:
            # Stance cues count within the clause that holds the policy term: "Washington should
            # not rush into talks; rather, it should hold firm" advocates only the second clause.
            clause = _clause_ids(norms, lexicon.stance_boundaries)
            reject_clauses = {clause[cs] for cs, _, _ in compiled.reject.find(norms)}
            advocate_clauses = {clause[cs] for cs, _, _ in compiled.advocate.find(norms)}
        for (s, e, entry), (a, b) in zip(hits, token_range_spans(sent, hits)):
            # most sentences hold no cue: no call then
            negated = _cue_before(neg, s, norms, negation_bounds) if neg else False
            hedged = _cue_before(hedge, s, norms, hedging_bounds) if hedge else False
            quoted = False
            if marks:  # inside the quoted span that starts last at or before `a`
                i = bisect.bisect_right(quote_starts, a) - 1
                quoted = i >= 0 and a < quote_ends[i]
            if not quoted and report:
                quoted = _cue_before(report, s, norms, reporting_bounds)
            weight = entry.weight
            counts_for: str | None = entry.category
            role = ""
            if prescriptions:
                has_reject = clause[s] in reject_clauses
                has_advocate = clause[s] in advocate_clauses
                if has_reject or (has_advocate and negated):
                    role = "reject"
                elif has_advocate:
                    role = "advocate"
                else:
                    role = "describe"
                    counts_for = None
            elif negated:
                action = negation.action
                if action == "ignore":
                    counts_for = None
                elif action == "flip":
                    counts_for = opposite.get(entry.category)
            if counts_for is None:
                eff = 0.0
            else:
                eff = weight * ((hedging_factor if hedged else 1.0) * (quotation_factor if quoted else 1.0))
            categories = memberships.get(entry.pattern, ()) if memberships else ()
            matches.append(
                _make_match(article_id, dimension, entry.category, entry.term, index, a, b, text[a:b], weight,
                            negated, hedged, quoted, counts_for, eff, role, False, categories)
            )
    return matches


def _actor_matches(doc: Document, compiled: CompiledLexicon, cache: DocumentCache) -> list[Match]:
    """An actors lexicon's matches: mentions, which no scope rule changes."""
    article_id, dimension, text = doc.article.id, compiled.lexicon.dimension, doc.article.text
    matches: list[Match] = []
    for _, sent, _, hits in _sentence_hits(doc, compiled, cache):
        index = sent.index
        for (_, _, entry), (a, b) in zip(hits, token_range_spans(sent, hits)):
            category, weight = entry.category, entry.weight
            matches.append(_make_match(article_id, dimension, category, entry.term, index, a, b, text[a:b], weight,
                                       False, False, False, category, weight, "", False, ()))
    return matches


def topic_rule(lexicon: Lexicon) -> tuple[str, frozenset[str], int] | None:
    """The lexicon's topic rule (`params.topic`): matches count only within `sentences` sentences
    of a mention of one of `categories` of the `dimension` lexicon (default: actors)."""
    spec = param(lexicon, "topic")
    if not isinstance(spec, dict) or not spec.get("categories"):
        return None
    return str(spec.get("dimension", "actors")), frozenset(map(str, spec["categories"])), int(spec.get("sentences", 1))


def apply_topic(matches: Sequence[Match], *, mentions: Iterable[int], reach: int) -> list[Match]:
    """Matches more than `reach` sentences from every subject mention count for nothing: frame
    words in a passage about something else ("collusion" in a domestic-politics story) are not
    evidence of how the article frames the alignment. They stay in the evidence, flagged."""
    near: set[int] = set()
    for i in mentions:
        near.update(range(i - reach, i + reach + 1))
    return [m if m.sentence_index in near else replace(m, off_topic=True, counts_for=None, effective_weight=0.0) for m in matches]


_CATEGORY_NAMES: dict[int, tuple[Lexicon, tuple[str, ...]]] = {}


def category_names(lexicon: Lexicon) -> tuple[str, ...]:
    """`lexicon.category_names`, made once per lexicon: the property builds a new tuple on every
    read, and scoring reads it about ten times an article. Keyed by identity (a lexicon holds
    dicts: no hash); the entry holds the lexicon, so its id is not reused while it is kept."""
    found = _CATEGORY_NAMES.get(id(lexicon))
    if found is None:
        if len(_CATEGORY_NAMES) >= 256:  # lexicons built and dropped by the hundred (tests): stay small
            _CATEGORY_NAMES.clear()
        found = _CATEGORY_NAMES[id(lexicon)] = (lexicon, lexicon.category_names)
    return found[1]


def _rate(total: float, n_tokens: int) -> float:
    return 1000.0 * total / n_tokens if n_tokens else 0.0


def poles_axis(lexicon: Lexicon) -> tuple[str | None, str | None]:
    """The positive and negative pole of a poles lexicon (`params.positive` / `.negative`, else
    the first category with an opposite), or (None, None)."""
    pos, neg = param(lexicon, "positive"), param(lexicon, "negative")
    if pos and neg:
        return str(pos), str(neg)
    for c in lexicon.categories:
        if c.opposite:
            return c.name, c.opposite
    return None, None


def poles_label(weights: Mapping[str, float], position: float, intensity: float, *, lexicon: Lexicon, axis: tuple[str | None, str | None]) -> str:
    """The label rule of a poles lexicon, for any source of per-category weights (lexicon
    totals, classifier shares, their blend): `absent` below `min_intensity` or with no weight;
    a category off the axis when it outweighs both poles; `mixed` when |position| is within
    `mixed_band`; else the pole the position leans to."""
    pos, neg = axis
    names = category_names(lexicon)
    if intensity < float(param(lexicon, "min_intensity")) or not any(weights.get(c, 0.0) for c in names):
        return "absent"
    top = max(names, key=lambda c: weights.get(c, 0.0))
    if top not in (pos, neg) and weights.get(top, 0.0) > max(weights.get(pos or "", 0.0), weights.get(neg or "", 0.0)):
        return top
    if abs(position) < float(param(lexicon, "mixed_band")):
        return "mixed"
    return (pos if position > 0 else neg) or "mixed"


def prescription_lists(net: Mapping[str, float], *, lexicon: Lexicon) -> tuple[str, str]:
    """The advocated and rejected lists of a prescriptions lexicon from each category's net score
    (`;`-joined, strongest first): at or beyond `advocated_threshold` either way."""
    threshold = float(param(lexicon, "advocated_threshold"))
    names = category_names(lexicon)

    def listed(sign: int) -> str:
        return ";".join(sorted((c for c in names if sign * net[c] >= threshold), key=lambda c: -sign * net[c]))

    return listed(1), listed(-1)


def _bootstrap_position(pos_by_sent: np.ndarray, neg_by_sent: np.ndarray, smoothing: float, level: float = 0.90) -> tuple[float, float]:
    """Percentile interval of the position over sentences resampled with replacement.

    Only sentences with evidence change the position, so the resample is drawn as counts for those
    k sentences plus one "any other sentence" cell: the same distribution as resampling all n
    sentences, in memory proportional to k instead of n.
    """
    n = len(pos_by_sent)
    idx = np.flatnonzero((pos_by_sent != 0) | (neg_by_sent != 0))
    if n == 0 or idx.size == 0:
        return 0.0, 0.0
    k = idx.size
    probs = np.full(k + 1, 1.0 / n)
    probs[-1] = max(0.0, 1.0 - k / n)
    probs /= probs.sum()
    p_vals, q_vals = pos_by_sent[idx], neg_by_sent[idx]
    rng = np.random.Generator(np.random.PCG64(_BOOTSTRAP_SEEDS))
    chunk = max(1, min(BOOTSTRAP_SAMPLES, 2_000_000 // (k + 1)))
    positions = np.empty(BOOTSTRAP_SAMPLES)
    for lo in range(0, BOOTSTRAP_SAMPLES, chunk):
        hi = min(BOOTSTRAP_SAMPLES, lo + chunk)
        counts = rng.multinomial(n, probs, size=hi - lo)[:, :k]
        p = counts @ p_vals
        q = counts @ q_vals
        positions[lo:hi] = (p - q) / (p + q + smoothing)
    return _quantiles(positions, (1 - level) / 2, 1 - (1 - level) / 2)


def _quantiles(values: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """`np.quantile(values, [low, high])` (its default, linear method) with one partition and
    the interpolation in Python floats: the same operations on the same order statistics, without
    np.quantile's general machinery (a fifth of an interval's cost). Values with a NaN, which
    np.quantile answers with NaN, and quantiles at the ends go to np.quantile itself."""
    last = values.size - 1
    at = [last * q for q in (low, high)]  # the virtual indexes, as numpy computes them
    if not all(0.0 <= v < last for v in at) or np.isnan(values).any():
        lo_q, hi_q = np.quantile(values, [low, high])
        return float(lo_q), float(hi_q)
    below = [math.floor(v) for v in at]
    ordered = np.partition(values, sorted({k for b in below for k in (b, b + 1)}))
    out = []
    for v, b in zip(at, below):
        a, c = float(ordered[b]), float(ordered[b + 1])
        t = v - b
        diff = c - a
        # numpy's _lerp: from the nearer end
        out.append(c - diff * (1 - t) if t >= 0.5 else a + diff * t)
    return out[0], out[1]


def category_columns_prefix(lexicon: Lexicon) -> str:
    """Column prefix for per-category values: for a prescriptions dimension its `column_prefix`,
    by default the dimension without its final `s` (`prescription.<category>`; the set of them
    is `prescriptions.*`); the dimension name for every other kind."""
    if lexicon.kind != "prescriptions":
        return lexicon.dimension
    prefix = param(lexicon, "column_prefix")
    if prefix:
        return str(prefix)
    return lexicon.dimension[:-1] if lexicon.dimension.endswith("s") else lexicon.dimension


def stance_mass(lexicon: Lexicon, totals: Mapping[str, float], *, n_tokens: int) -> dict[str, float]:
    """A stance lexicon's unnormalised mass per category: its rate per 1,000 tokens plus the
    category's prior plus smoothing (the label is the largest, the first listed on ties)."""
    prior = param(lexicon, "prior") or {}
    smoothing = float(param(lexicon, "smoothing"))
    # _rate written out (this runs for every unit with a match): the same operations in the same order
    if not n_tokens:
        return {c: 0.0 + float(prior.get(c, 0.0)) + smoothing for c in category_names(lexicon)}
    return {c: 1000.0 * totals[c] / n_tokens + float(prior.get(c, 0.0)) + smoothing for c in category_names(lexicon)}
