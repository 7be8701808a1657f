"""What the lexicon tools need from a corpus: documents streamed once, every match of the
compiled lexicons, and per-entry statistics (how often each entry fires and what it adds to its
category's score).

Articles come in as an iterable (the CLI passes `framing.io.readers.iter_articles`); matching
always goes through `CompiledLexicon` and `match_document`, exactly as scoring does, so a
statistic here is a statistic of the scores users see.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

from ..models import Article, Document, Lexicon, LexiconEntry, Match
from ..scoring.lexicon_scores import CompiledLexicon, DocumentCache, compile_lexicons, match_document
from ..text import normalize_token, preprocess, stem, token_spans
from .build import entry_key

__all__ = [
    "iter_documents",
    "contribution",
    "literal_needles",
    "EntryCounts",
    "Collision",
    "CorpusStats",
    "collect_stats",
    "find_lexicon",
    "parse_target",
]

_MAX_FORMS = 200  # distinct surface forms remembered per entry (wildcards can match many)


def iter_documents(articles: Iterable[Article], *, needles: Sequence[str] | None = None) -> Iterator[Document]:
    """Preprocessed documents, exact duplicate texts once (as scoring does).

    `needles`: when given, an article whose normalised text contains none of them cannot match
    and is skipped before the (costly) sentence splitting.
    """
    seen: set[bytes] = set()
    for article in articles:
        key = hashlib.blake2b(article.text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        if key in seen:
            continue
        seen.add(key)
        if needles is not None:
            folded = normalize_token(article.text)
            if not any(n in folded for n in needles):
                continue
        yield preprocess(article)


def literal_needles(entries: Iterable[LexiconEntry], *, stem: bool) -> list[str] | None:
    """For each entry, its longest literal piece: text that must occur in any article it matches.
    None when no cheap pre-filter is possible (stemmed lexicons compare stems, not text)."""
    if stem:
        return None
    out: set[str] = set()
    for e in entries:
        out.add(max((text for _, text in e.pattern), key=len))
    return sorted(out)


def contributions(lexicon: Lexicon, match: Match) -> list[tuple[str, float]]:
    """(category, amount) for each category a match adds to, following the kind's scoring in
    `framing.scoring.kinds` (a dictionary entry adds to each of its categories); [] when the
    match counts nowhere."""
    if lexicon.kind == "prescriptions":
        if match.role not in ("advocate", "reject"):
            return []
        scope = lexicon.scope
        w = match.weight * (scope.hedging.factor if match.hedged else 1.0) * (scope.quotation.factor if match.quoted else 1.0)
        return [(match.category, w)]
    if lexicon.kind == "actors":
        return [(match.category, 1.0)]
    if match.counts_for is None:
        return []
    if match.categories:
        factor = match.effective_weight / match.weight
        return [(category, weight * factor) for category, weight in match.categories]
    return [(match.counts_for, match.effective_weight)]


@dataclass
class EntryCounts:
    """How one entry fired over a corpus."""

    hits: int = 0
    counted: int = 0  # hits that counted for some category after scope rules
    negated: int = 0
    hedged: int = 0
    quoted: int = 0
    articles: int = 0
    contributions: dict[str, float] = field(default_factory=dict)  # target category -> amount
    forms: Counter = field(default_factory=Counter)  # matched text, lower-cased


@dataclass
class Collision:
    """A match that took words another entry would otherwise have matched (longest-first, left
    to right): `winner` matched, `loser` started inside it and reached further."""

    dimension: str
    winner: LexiconEntry
    loser: LexiconEntry
    count: int = 0
    example: str = ""


@dataclass
class CorpusStats:
    """Per-entry counts for every dimension over one pass of a corpus."""

    n_articles: int = 0
    n_tokens: int = 0
    n_sentences: int = 0
    entries: dict[str, dict[str, EntryCounts]] = field(default_factory=dict)  # dimension -> entry key -> counts
    category_totals: dict[str, dict[str, float]] = field(default_factory=dict)  # dimension -> category -> score mass
    collisions: dict[tuple[str, int, int], Collision] = field(default_factory=dict)

    def counts(self, dimension: str, term: str) -> EntryCounts:
        return self.entries.get(dimension, {}).get(entry_key(term), EntryCounts())


def _record_collisions(
    stats: CorpusStats, doc: Document, comp: CompiledLexicon, matches: Sequence[Match],
    entries: dict[str, LexiconEntry],
) -> None:
    """Entries that started inside a match and would have reached further: the words went to
    the match (longest-first, left to right), the other entry lost them."""
    by_sentence: dict[int, list[Match]] = {}
    for m in matches:
        by_sentence.setdefault(m.sentence_index, []).append(m)
    for index, ms in by_sentence.items():
        sent = doc.sentences[index]
        norms = list(sent.norms)
        if comp.lexicon.stem:
            norms = [stem(n) for n in norms]
        spans = token_spans(sent)
        starts = {a: i for i, (a, _) in enumerate(spans)}
        ends = {b: i + 1 for i, (_, b) in enumerate(spans)}
        for m in ms:
            s, e = starts.get(m.start), ends.get(m.end)
            if s is None or e is None:
                continue
            for i in range(s + 1, e):
                hit = comp.terms.longest_at(norms, i)
                if hit is None or hit[0] <= e:
                    continue
                winner = entries.get(m.entry)
                loser = hit[1]
                if winner is None or winner.category == loser.category:
                    continue
                key = (comp.lexicon.dimension, id(winner), id(loser))
                col = stats.collisions.get(key)
                if col is None:
                    a, b = spans[s][0], spans[hit[0] - 1][1]
                    col = stats.collisions[key] = Collision(comp.lexicon.dimension, winner, loser, 0, doc.article.text[a:b])
                col.count += 1


def collect_stats(
    lexicons: Sequence[Lexicon],
    articles: Iterable[Article],
    *,
    compiled: Sequence[CompiledLexicon] | None = None,
    collisions: bool = False,
) -> CorpusStats:
    """One streaming pass: every entry's hits, scope flags, contributions and surface forms;
    with `collisions`, also the overlaps between entries of different categories that occur."""
    compiled = tuple(compiled) if compiled is not None else compile_lexicons(lexicons)
    stats = CorpusStats()
    keys: dict[str, str] = {}  # entry as written -> entry key (normalising is not free)
    by_term = {comp.lexicon.dimension: {e.term: e for c in comp.lexicon.categories for e in c.entries} for comp in compiled}
    for doc in iter_documents(articles):
        stats.n_articles += 1
        stats.n_tokens += doc.n_tokens
        stats.n_sentences += len(doc.sentences)
        cache = DocumentCache()
        for comp in compiled:
            lx = comp.lexicon
            per_entry = stats.entries.setdefault(lx.dimension, {})
            totals = stats.category_totals.setdefault(lx.dimension, {})
            seen_here: set[str] = set()
            matches = match_document(doc, comp, cache=cache)
            if collisions and matches:
                _record_collisions(stats, doc, comp, matches, by_term[lx.dimension])
            for m in matches:
                key = keys.get(m.entry)
                if key is None:
                    key = keys[m.entry] = entry_key(m.entry)
                counts = per_entry.get(key)
                if counts is None:
                    counts = per_entry[key] = EntryCounts()
                counts.hits += 1
                counts.negated += m.negated
                counts.hedged += m.hedged
                counts.quoted += m.quoted
                if key not in seen_here:
                    seen_here.add(key)
                    counts.articles += 1
                added = [(target, amount) for target, amount in contributions(lx, m) if amount > 0]
                counts.counted += bool(added)
                for target, amount in added:
                    counts.contributions[target] = counts.contributions.get(target, 0.0) + amount
                    totals[target] = totals.get(target, 0.0) + amount
                form = normalize_token(m.text)
                if form in counts.forms or len(counts.forms) < _MAX_FORMS:
                    counts.forms[form] += 1
    return stats


def parse_target(target: str) -> tuple[str, str | None]:
    """`dimension` or `dimension.category`."""
    dim, _, cat = target.partition(".")
    return dim, (cat or None)


def find_lexicon(lexicons: Sequence[Lexicon], dimension: str) -> Lexicon | None:
    for lx in lexicons:
        if lx.dimension == dimension:
            return lx
    return None
