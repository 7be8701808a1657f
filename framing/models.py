"""The data that flows through framing: frozen dataclasses, no behaviour beyond small views.

read articles -> preprocess (Document) -> score (Match, ArticleResult) -> compare -> render.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

__all__ = [
    "Article",
    "Token",
    "Sentence",
    "Document",
    "Match",
    "SentenceProbabilities",
    "ArticleResult",
    "SkippedInput",
    "LexiconEntry",
    "LexiconCategory",
    "ScopeRule",
    "Scope",
    "Lexicon",
    "BatchOptions",
    "CHUNK_SIZE",
]

CHUNK_SIZE = 64  # articles scored (and held in memory) together


_WORD_CHAR = re.compile(r"\w")


@dataclass(frozen=True, slots=True)
class Article:
    """One article as read from disk: untrusted text, title and metadata."""

    id: str
    text: str
    title: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""  # the file (and line or row) it came from


@dataclass(frozen=True, slots=True)
class Token:
    """A word token: `norm` is lower-cased with quotes folded; start/end index the article text."""

    norm: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of an article, `article_text[start:end]`: `norms` are its tokens' normalised
    forms in text order. Token objects with character offsets (`framing.text.sentence_tokens`,
    `framing.text.token_spans`) are made on request: most sentences never need them (only those
    with a lexicon match do), and making one object per word was a tenth of scoring time."""

    index: int
    start: int
    end: int
    norms: tuple[str, ...]
    article_text: str = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Document:
    """An article after preprocessing: sentences with tokens, all with character offsets."""

    article: Article
    sentences: tuple[Sentence, ...]
    # counted once at construction: the lexicons, the classifiers' batching, blend and article
    # heads read it a dozen times per article, and summing the sentences each time was 3% of scoring
    n_tokens: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_tokens", sum(len(s.norms) for s in self.sentences))

    @property
    def n_words(self) -> int:
        """Tokens with a letter or digit: punctuation left out, as LIWC's word count does."""
        return sum(1 for s in self.sentences for norm in s.norms if _WORD_CHAR.search(norm))

    def sentence_text(self, index: int) -> str:
        s = self.sentences[index]
        return self.article.text[s.start : s.end]


@dataclass(frozen=True, slots=True)
class Match:
    """One lexicon hit, with everything needed to trace a score back to the text."""

    article_id: str
    dimension: str
    category: str  # the category the entry belongs to
    entry: str  # the lexicon entry as written in the file
    sentence_index: int
    start: int  # character offsets into the article text
    end: int
    text: str  # the matched text as it appears in the article
    weight: float  # the entry's weight in the lexicon
    negated: bool = False
    hedged: bool = False
    quoted: bool = False
    counts_for: str | None = None  # where the match counts after scope rules (None: nowhere)
    effective_weight: float = 0.0  # weight after negation, hedging and quotation
    role: str = ""  # prescriptions: advocate | reject | describe; empty elsewhere
    off_topic: bool = False  # too far from any mention of the subject (the lexicon's topic rule)
    categories: tuple[tuple[str, float], ...] = ()  # dictionaries: every (category, weight) the entry counts in

    def as_dict(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "dimension": self.dimension,
            "category": self.category,
            "entry": self.entry,
            "sentence_index": self.sentence_index,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "weight": self.weight,
            "negated": self.negated,
            "hedged": self.hedged,
            "quoted": self.quoted,
            "counts_for": self.counts_for,
            "effective_weight": round(self.effective_weight, 6),
            "role": self.role,
            "off_topic": self.off_topic,
        } | ({"categories": dict(self.categories)} if self.categories else {})


@dataclass(frozen=True, slots=True)
class SentenceProbabilities:
    """A classifier's class probabilities for one sentence (or passage) of an article."""

    article_id: str
    dimension: str
    sentence_index: int
    probabilities: Mapping[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "dimension": self.dimension,
            "sentence_index": self.sentence_index,
            "probabilities": {k: round(v, 4) for k, v in self.probabilities.items()},
        }


@dataclass(frozen=True, slots=True)
class ArticleResult:
    """Everything scored for one article: the flat score row plus the evidence behind it."""

    article: Article
    scores: Mapping[str, Any]  # column -> value, as written to scores.csv
    matches: tuple[Match, ...]
    sentences: tuple[tuple[int, int], ...]  # sentence character spans, for evidence display
    sentence_tone: tuple[float, ...] = ()
    sentence_probabilities: tuple[SentenceProbabilities, ...] = ()


@dataclass(frozen=True, slots=True)
class SkippedInput:
    """An input that could not be read or scored, with the one-line reason shown to the user."""

    source: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"source": self.source, "reason": self.reason}


# --- lexicons: what a YAML lexicon file becomes once read and checked -------------------------


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    """One term of a lexicon. `pattern` is the token sequence it matches: each item is
    ("exact", token) or ("prefix", start-of-token) for a trailing-* wildcard."""

    term: str
    category: str
    weight: float
    pattern: tuple[tuple[str, str], ...]
    path: str = ""  # file and line it came from, so every match traces back to the file
    line: int = 0
    note: str = ""
    window: int | None = None  # scope cues only: this cue's own reach, overriding the rule's window


@dataclass(frozen=True, slots=True)
class LexiconCategory:
    name: str
    description: str
    entries: tuple[LexiconEntry, ...]
    opposite: str | None = None


@dataclass(frozen=True, slots=True)
class ScopeRule:
    """Cues that change how a nearby match counts (negation, hedging, quotation)."""

    cues: tuple[LexiconEntry, ...] = ()
    window: int = 4
    factor: float = 1.0
    action: str = "keep"  # negation only: ignore | flip | keep
    exceptions: tuple[LexiconEntry, ...] = ()  # phrases that look like cues but are not ("not only")
    boundaries: frozenset[str] = frozenset()  # tokens that end a cue's reach (clause breaks)
    marks: bool = False  # quotation only: text inside quotation marks counts as quoted


@dataclass(frozen=True, slots=True)
class Scope:
    negation: ScopeRule = ScopeRule()
    hedging: ScopeRule = ScopeRule()
    quotation: ScopeRule = ScopeRule()


@dataclass(frozen=True, slots=True)
class Lexicon:
    """One dimension's lexicon, merged from the shipped file and any user layers."""

    dimension: str
    kind: str  # poles | categories | prescriptions | stances | actors | dictionary
    description: str
    categories: tuple[LexiconCategory, ...]
    scope: Scope
    params: Mapping[str, Any] = field(default_factory=dict)
    stem: bool = False
    stance_cues: Mapping[str, tuple[LexiconEntry, ...]] = field(default_factory=dict)
    stance_boundaries: frozenset[str] = frozenset()  # tokens that end a stance cue's clause
    sources: tuple[str, ...] = ()  # files it was built from, in layering order
    order: int = 100  # position in scores.csv: shipped dimensions first

    def category(self, name: str) -> LexiconCategory:
        for c in self.categories:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def category_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.categories)


@dataclass(frozen=True)
class BatchOptions:
    """How a batch run (`framing.batch.run_batch`) reads, scores and caches: everything but the
    inputs, the output folder and the callbacks, in one place for the CLI, the Python API and
    the benchmarks.

    `lexicon_dirs`: folders (or files) layered over the shipped lexicons; `text_field`: the text
    column of JSONL/CSV inputs; `fmt`: `csv`, `jsonl` or `parquet` for the scores table;
    `classifiers`: False scores with the lexicons only; `jobs`: worker processes (None or 0: all
    cores); `engine`: `local` or `dask` (at `scheduler`, a local cluster when None); `cache`:
    True keeps results in the output folder, a path puts them there, False disables;
    `chunk_size`: articles per chunk."""

    lexicon_dirs: tuple[str, ...] = ()
    text_field: str = "text"
    fmt: str = "csv"
    classifiers: bool = True
    jobs: int | None = 1
    engine: str = "local"
    scheduler: str | None = None
    cache: bool | str = True
    chunk_size: int = CHUNK_SIZE

    def __post_init__(self) -> None:
        # paths given as Path objects or lists still compare, hash and print as plain data
        object.__setattr__(self, "lexicon_dirs", tuple(str(d) for d in self.lexicon_dirs))
        if not isinstance(self.cache, bool):
            object.__setattr__(self, "cache", str(self.cache))

