"""Normalisation, sentences and tokens, all with character offsets into the article text.

NLTK without downloaded data: Punkt sentence splitting with abbreviation parameters shipped in
`framing/data/abbreviations.txt` (so "Mr. Jones" and "the U.S. Navy" are not split), Snowball
stemming on request. Words are split by one compiled regular expression that follows the Penn
Treebank conventions NLTK's tokenizers use (`don't` -> `do n't`, `Russia's` -> `russia 's`), which is
about fifteen times faster than `TreebankWordTokenizer` on news text and keeps offsets for free.

With the compiled accelerator (`framing.accel`), framing/_accel/tokens.c runs that expression and
framing/_accel/punkt.c the sentence splitter, with the Python code here as their reference
(tests/test_accel_text.py, tests/test_accel_punkt.py).
"""
from __future__ import annotations

import re
import string
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from . import accel
from .memo import BoundedMemo
from .models import Article, Document, Sentence, Token
from .records import fast_constructor

if TYPE_CHECKING:
    from nltk.tokenize.punkt import PunktSentenceTokenizer

# NLTK is imported on first use, not with this module: `import nltk` loads scipy and
# scikit-learn (about a second), which a run whose articles all come from the cache never needs.

__all__ = [
    "normalize_token",
    "tokenize",
    "sentence_tokens",
    "split_sentences",
    "token_spans",
    "token_range_spans",
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


# token text -> normalised form (`normalize_token`), computed once per distinct token
_NORMS = BoundedMemo(normalize_token, 100_000)

# The compiled tokenizer (framing/_accel/tokens.c), or None on the pure-Python path; read at each
# call, so a test can set it to None and compare both paths in one process.
_TOKENS = accel.compiled("tokens")
# The compiled sentence splitter (framing/_accel/punkt.c), used by `_make_splitter` when NLTK's
# patterns are the ones it was written from.
_PUNKT = accel.compiled("punkt")


def _pure_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Token spans of text[start:end]: the reference of the compiled `spans`."""
    return [m.span() for m in _TOKEN_RE.finditer(text, start, end)]


def _pure_norms(text: str, start: int, end: int) -> tuple[str, ...]:
    """Token norms of text[start:end]: the reference of the compiled `norms`."""
    # the same matches `tokenize` finds (the pattern has no groups), without offsets
    return tuple(map(_NORMS.__getitem__, _TOKEN_RE.findall(text, start, end)))


def _spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return _pure_spans(text, start, end) if _TOKENS is None else _TOKENS.spans(text, start, end)


_make_token = fast_constructor(Token)
_make_sentence = fast_constructor(Sentence)
_match_group, _match_start, _match_end = re.Match.group, re.Match.start, re.Match.end


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Tokens of `text[start:end]` with offsets into `text`."""
    end = len(text) if end is None else end
    if _TOKENS is not None:
        return [_make_token(_NORMS[text[a:b]], a, b) for a, b in _TOKENS.spans(text, start, end)]
    found = list(_TOKEN_RE.finditer(text, start, end))
    return list(map(_make_token, map(_NORMS.__getitem__, map(_match_group, found)), map(_match_start, found), map(_match_end, found)))


@lru_cache(maxsize=1)
def _sentence_tokenizer() -> PunktSentenceTokenizer:
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    params = PunktParameters()
    raw = resources.files("framing").joinpath("data/abbreviations.txt").read_text(encoding="utf-8")
    params.abbrev_types = {
        line.strip().lower().rstrip(".") for line in raw.splitlines() if line.strip() and not line.startswith("#")
    }
    return PunktSentenceTokenizer(params)


def _compiled(pattern):
    # NLTK wraps its patterns in a timeout guard (nltk.redos) that costs more than the match on
    # short strings; these are NLTK's own fixed patterns, so the engine's pattern is used as is.
    return getattr(pattern, "_rx", pattern)


class _PunktSpans:
    """`PunktSentenceTokenizer.span_tokenize` (realigned) for parameters that hold abbreviations
    only, as ours do: same regular expressions, same decisions, five to ten times faster.

    Punkt checks each candidate boundary by tokenizing and annotating a few words around it
    with PunktToken objects; with no collocations, sentence starters or orthographic statistics,
    the annotation reduces to the first-pass rules plus "an initial or a number before a
    lower-case word, a punctuation mark or (for initials) a capitalised word is not a break",
    which is what `_breaks` computes on plain strings. `split_sentences` checks the result
    against NLTK's on sample text when first used and falls back to NLTK if they ever differ.
    """

    def __init__(self, punkt: PunktSentenceTokenizer) -> None:
        from nltk.tokenize.punkt import PunktToken

        lang = punkt._lang_vars
        self.period_context = _compiled(lang.period_context_re())
        self.words = _compiled(lang._word_tokenizer_re())
        self.realignment = _compiled(lang.re_boundary_realignment)
        self.ellipsis = _compiled(PunktToken._RE_ELLIPSIS)
        self.numeric = _compiled(PunktToken._RE_NUMERIC)
        self.initial = _compiled(PunktToken._RE_INITIAL)
        self.sent_end_chars = tuple(lang.sent_end_chars)
        self.punctuation = tuple(punkt.PUNCTUATION)
        self.abbrev_types = punkt._params.abbrev_types

    @staticmethod
    def applicable(punkt: PunktSentenceTokenizer) -> bool:
        params = punkt._params
        return not params.collocations and not params.sent_starters and not any(params.ortho_context.values())

    def _is_break(self, context: str) -> bool:
        """PunktSentenceTokenizer.text_contains_sentbreak: does any token but the last end a
        sentence after both annotation passes?"""
        tokens: list[str] = []
        for line in context.split("\n"):
            if line.strip():
                tokens.extend(self.words.findall(line))
        abbrev = self.abbrev_types
        for k in range(len(tokens) - 1):
            tok = tokens[k]
            if tok in self.sent_end_chars:
                brk = True
            elif self.ellipsis.match(tok):
                brk = False
            elif tok.endswith(".") and not tok.endswith(".."):
                low = tok[:-1].lower()
                brk = not (low in abbrev or low.split("-")[-1] in abbrev)
            else:
                brk = False
            if brk and tok.endswith("."):
                # second pass: initials and numbers (orthographic heuristic with no statistics)
                initial = self.initial.match(tok)
                typ = self.numeric.sub("##number##", tok.lower())
                if len(typ) > 1 and typ[-1] == ".":
                    typ = typ[:-1]
                if initial or typ == "##number##":
                    nxt = tokens[k + 1]
                    if nxt in self.punctuation or nxt[0].islower():
                        brk = False
                    elif initial and nxt[0].isupper():
                        brk = False
            if brk:
                return True
        return False

    def _candidates(self, text: str) -> Iterator[tuple[Any, str]]:
        """PunktSentenceTokenizer._match_potential_end_contexts."""
        prev_start = prev_stop = 0
        prev_match = None
        for match in self.period_context.finditer(text):
            m_start = match.start()
            last_ws = max(map(text[prev_stop:m_start].rfind, _ASCII_WHITESPACE))
            word_start = last_ws + prev_stop + 1 if last_ws > 0 else prev_start
            if prev_match is not None and prev_stop <= word_start:
                yield prev_match, text[prev_start:prev_stop] + prev_match.group() + prev_match.group("after_tok")
            prev_match, prev_start, prev_stop = match, word_start, m_start
        if prev_match is not None:
            yield prev_match, text[prev_start:prev_stop] + prev_match.group() + prev_match.group("after_tok")

    def __call__(self, text: str) -> list[tuple[int, int]]:
        # _slices_from_text
        bounds: list[tuple[int, int]] = []
        last_break = 0
        for match, context in self._candidates(text):
            if self._is_break(context):
                bounds.append((last_break, match.end()))
                last_break = match.start("next_tok") if match.group("next_tok") else match.end()
        bounds.append((last_break, len(text.rstrip())))
        # _realign_boundaries
        spans: list[tuple[int, int]] = []
        realign = 0
        last = len(bounds) - 1
        for k, (start, stop) in enumerate(bounds):
            start += realign
            if k == last:
                if stop > start:
                    spans.append((start, stop))
                continue
            next_start, next_stop = bounds[k + 1]
            m = self.realignment.match(text[next_start:next_stop])
            if m:
                spans.append((start, next_start + len(m.group(0).rstrip())))
                realign = m.end()
            else:
                realign = 0
                if stop > start:
                    spans.append((start, stop))
        return spans


_ASCII_WHITESPACE = tuple(string.whitespace)  # what Punkt's _get_last_whitespace_index looks for

# Paragraphs where Punkt's decisions are easy to get wrong: the fast splitter must agree on them.
_SPLITTER_CHECK = (
    "Mr. Jones met Gen. Smith in Washington. The U.S. Navy sailed on. Then it stopped.",
    "It rose 3.5 per cent in 2019. In 2020. it fell... and then? Nobody knew! Really?! Yes.",
    "J. R. R. Tolkien wrote it. A. Smith said (\"No.\") and left. \u201cWhy?\u201d she asked. \u201cBecause.\u201d",
    "See p. 5. And vol. 2, no. 3. The end -- almost. Another sentence.) Then (this one.) And 'that.' Done",
    "He left at 5 p.m. on Jan. 3. He returned... Later. e.g. this. i.e. that. The No. 1 spot; e. coli.",
    "Iran's Lt.Gen. Salami spoke. 1. First item. 2. second item. Ph.D. holders. U.N. Security Council.",
    "Trailing text without a full stop   ",
    "«Vraiment.» Oui. [Note.] {Brace.} Ends with quote.\u2019 Next one: a, b. c. D.",
)


# NLTK's patterns and constants as framing/_accel/punkt.c writes them out (a digest of the
# patterns, their flags, the sentence-end characters and the punctuation): another NLTK release
# may change them, and then the compiled splitter is not used.
_PUNKT_PATTERNS_DIGEST = "81a1b6d4fb448834e7667c29d813c5e62f8e4a888f424fa5d7be0d85529026e3"


def _punkt_patterns_digest(fast: _PunktSpans) -> str:
    import hashlib

    patterns = (fast.period_context, fast.words, fast.realignment, fast.ellipsis, fast.numeric, fast.initial)
    # NLTK writes "?" and "!" into one character class from a set, in an order that varies between
    # processes: one order is digested.
    parts = [repr((p.pattern.replace("!\\?", "\\?!"), p.flags)) for p in patterns] + [repr(fast.sent_end_chars), repr(fast.punctuation)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _regex_whitespace_is_as_compiled() -> bool:
    """The `regex` module's \\s (NLTK's patterns use it) is str.isspace without U+001C..U+001F, as
    punkt.c assumes, on every character either could count as whitespace."""
    import regex

    candidates = "".join(map(chr, (*range(0x21), *range(0x7F, 0xA1), 0x1680, 0x180E, *range(0x2000, 0x2030), 0x205F, 0x2060, 0x3000, 0xFEFF)))
    expected = [c for c in candidates if c.isspace() and not "\x1c" <= c <= "\x1f"]
    return regex.findall(r"\s", candidates) == expected


class _CompiledPunktSpans(_PunktSpans):
    """`_PunktSpans` run by framing/_accel/punkt.c, which hands the contexts it does not decide
    (non-ASCII abbreviation candidates) back to `_PunktSpans._is_break`; lines only."""

    def __call__(self, line: str) -> list[tuple[int, int]]:
        return _PUNKT.spans(line, self.abbrev_types, self._is_break)


def _make_splitter(compiled: bool):
    punkt = _sentence_tokenizer()
    if _PunktSpans.applicable(punkt):
        fast = _PunktSpans(punkt)
        try:
            if compiled and _PUNKT is not None and _punkt_patterns_digest(fast) == _PUNKT_PATTERNS_DIGEST and _regex_whitespace_is_as_compiled():
                in_c = _CompiledPunktSpans(punkt)
                if all(in_c(t) == list(punkt.span_tokenize(t)) for t in _SPLITTER_CHECK):
                    return in_c
            if all(fast(t) == list(punkt.span_tokenize(t)) for t in _SPLITTER_CHECK):
                return fast
        except Exception:  # an NLTK release with different internals: use NLTK itself
            pass
    return lambda chunk: list(punkt.span_tokenize(chunk))


def _sentence_splitter(compiled: bool | None = None):
    """The line splitter: compiled when the accelerator is active (or `compiled` says so)."""
    return _cached_splitter(_PUNKT is not None if compiled is None else compiled)


@lru_cache(maxsize=2)
def _cached_splitter(compiled: bool):
    return _make_splitter(compiled)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans: each non-empty line is split by Punkt; headlines without a full stop
    stay sentences of their own because lines are never joined."""
    punkt_spans = _sentence_splitter()
    spans: list[tuple[int, int]] = []
    for para in _PARAGRAPH_RE.finditer(text):
        base = para.start()
        chunk = para.group()
        if not chunk.strip():
            continue
        for s, e in punkt_spans(chunk):
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


def sentence_tokens(sentence: Sentence) -> tuple[Token, ...]:
    """A sentence's tokens with their character offsets in the article text."""
    return tuple(tokenize(sentence.article_text, sentence.start, sentence.end))


def token_spans(sentence: Sentence) -> list[tuple[int, int]]:
    """(start, end) in the article text of each of a sentence's tokens, in the order of its
    `norms`.

    The tokenizer's matches cover every non-space character of the sentence and no space (each
    alternative starts with a non-space, and a single symbol matches any character that is not
    a word character), so tokens are the norms' lengths laid end to end with whitespace skipped
    between them. That holds when every norm is as long as its token: normalising never
    shortens (quote folding is one for one, lower-casing never shrinks), so equal totals prove
    it; otherwise ("İ" lower-cases to two characters) the tokenizer is run again."""
    text, pos, end, norms = sentence.article_text, sentence.start, sentence.end, sentence.norms
    if _TOKENS is not None:
        return _TOKENS.spans(text, pos, end)  # the tokenizer's own spans are faster than the walk below
    if sum(map(len, norms)) == len("".join(text[pos:end].split())):
        spans = []
        for norm in norms:
            while text[pos].isspace():
                pos += 1
            stop = pos + len(norm)
            spans.append((pos, stop))
            pos = stop
        return spans
    return _spans(text, sentence.start, end)


def token_range_spans(sentence: Sentence, ranges: Sequence[tuple[int, int, Any]]) -> list[tuple[int, int]]:
    """For each (first, stop, ...) of `ranges`, token positions in the sentence's `norms` (as the
    phrase matcher finds them), the span in the article text from the start of token `first` to
    the end of token `stop - 1`. Compiled, without a pair for every token of the sentence (most
    of a sentence's tokens are in no match)."""
    if _TOKENS is not None:
        return _TOKENS.range_spans(sentence.article_text, sentence.start, sentence.end, ranges)
    spans = token_spans(sentence)
    return [(spans[first][0], spans[stop - 1][1]) for first, stop, *_ in ranges]


def iter_sentences(text: str) -> Iterator[Sentence]:
    index = 0
    compiled, normalize = _TOKENS, _NORMS.__getitem__
    for s, e in split_sentences(text):
        norms = _pure_norms(text, s, e) if compiled is None else compiled.norms(text, s, e, normalize)
        if norms:
            yield _make_sentence(index, s, e, norms, text)
            index += 1


def preprocess(article: Article) -> Document:
    """Split an article into sentences and tokens, keeping character offsets."""
    return Document(article=article, sentences=tuple(iter_sentences(article.text)))


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer("english")


@lru_cache(maxsize=50_000)
def stem(token: str) -> str:
    """Snowball stem of a normalised token (cached: news vocabularies repeat heavily)."""
    return _stemmer().stem(token)
