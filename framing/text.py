"""Normalisation, sentences and tokens, all with character offsets into the article text.

NLTK without downloaded data: Punkt sentence splitting with abbreviation parameters shipped in
`framing/data/abbreviations.txt` (so "Mr. Jones" and "the U.S. Navy" are not split), Snowball
stemming on request. Words are split by one compiled regular expression that follows the Penn
Treebank conventions NLTK's tokenizers use (`don't` -> `do n't`, `Russia's` -> `russia 's`), which is
about fifteen times faster than `TreebankWordTokenizer` on news text and keeps offsets for free.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Iterator

from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from .models import Article, Document, Sentence, Token

__all__ = [
    "normalize_token",
    "tokenize",
    "split_sentences",
    "preprocess",
    "stem",
    "MAX_SENTENCE_CHARS",
]

# Apostrophes and quotation marks folded to their ASCII forms so lexicon entries match either.
_FOLD = str.maketrans({"’": "'", "‘": "'", "‛": "'", "ʼ": "'", "“": '"', "”": '"', "„": '"', "‟": '"', "–": "-", "—": "-", "‐": "-", "‑": "-"})

_TOKEN_RE = re.compile(
    r"""
    (?:[A-Za-z]\.){2,}                 # U.S. U.N. e.g.
  | \w+(?=n['’]t\b)                   # do|n't, is|n't
  | n['’]t\b
  | ['’](?:s|re|ve|ll|d|m)\b           # 's 're 've 'll 'd 'm
  | \d+(?:[.,]\d+)+                    # 1,000  3.5
  | \w+(?:[-‐‑]\w+)*                   # words, hyphenated words
  | [^\w\s]                            # any other single symbol
    """,
    re.VERBOSE,
)

# A sentence longer than this is cut into pieces of this size: keeps a pathological "article"
# (one 50 MB line) linear in time instead of quadratic in later per-sentence steps.
MAX_SENTENCE_CHARS = 2_000

_PARAGRAPH_RE = re.compile(r"[^\n]+")


def normalize_token(text: str) -> str:
    """The form a token is matched in: lower case, curly quotes and dashes folded."""
    return text.translate(_FOLD).lower()


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Tokens of `text[start:end]` with offsets into `text`."""
    end = len(text) if end is None else end
    fold = _FOLD
    return [
        Token(m.group().translate(fold).lower(), m.start(), m.end())
        for m in _TOKEN_RE.finditer(text, start, end)
    ]


@lru_cache(maxsize=1)
def _sentence_tokenizer() -> PunktSentenceTokenizer:
    params = PunktParameters()
    raw = resources.files("framing").joinpath("data/abbreviations.txt").read_text(encoding="utf-8")
    params.abbrev_types = {
        line.strip().lower().rstrip(".") for line in raw.splitlines() if line.strip() and not line.startswith("#")
    }
    return PunktSentenceTokenizer(params)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans: each non-empty line is split by Punkt; headlines without a full stop
    stay sentences of their own because lines are never joined."""
    punkt = _sentence_tokenizer()
    spans: list[tuple[int, int]] = []
    for para in _PARAGRAPH_RE.finditer(text):
        base = para.start()
        chunk = para.group()
        if not chunk.strip():
            continue
        for s, e in punkt.span_tokenize(chunk):
            s, e = base + s, base + e
            while e - s > MAX_SENTENCE_CHARS:
                cut = text.rfind(" ", s, s + MAX_SENTENCE_CHARS)
                cut = cut if cut > s else s + MAX_SENTENCE_CHARS
                spans.append((s, cut))
                s = cut
                while s < e and text[s].isspace():
                    s += 1
            if e > s:
                spans.append((s, e))
    return spans


def iter_sentences(text: str) -> Iterator[Sentence]:
    index = 0
    for s, e in split_sentences(text):
        tokens = tuple(tokenize(text, s, e))
        if tokens:
            yield Sentence(index, s, e, tokens)
            index += 1


def preprocess(article: Article) -> Document:
    """Split an article into sentences and tokens, keeping character offsets."""
    return Document(article=article, sentences=tuple(iter_sentences(article.text)))


_STEMMER = SnowballStemmer("english")


@lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    """Snowball stem of a normalised token (cached: news vocabularies repeat heavily)."""
    return _STEMMER.stem(token)
