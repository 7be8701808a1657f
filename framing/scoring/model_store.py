"""Safe, pickle-free storage for the project's trained models (the lean and framing classifiers).

Two layers, both refusing anything they cannot vouch for with :class:`ModelFileError`, whose
``str()`` is one line naming the file (``"<path>: <message>"``; a
:class:`framing.errors.FramingError`).

1. Generic storage: ``save_model`` / ``load_model`` / ``load_model_bytes`` / ``looks_like``
----------------------------------------------------------------------------------------------
A model stored at PATH is two files side by side:

``PATH.json``
    The caller's ``meta`` (plain JSON with a ``format`` string and an integer ``format_version``)
    plus a reserved ``store`` block: ``arrays_file`` (the bare NPZ name), ``arrays`` (every
    array's dtype and shape) and ``sha256`` (of the NPZ bytes). One top-level key per line.
``PATH.npz``
    The arrays (numeric or fixed-width unicode; never object arrays), read with
    ``np.load(..., allow_pickle=False)``, plus a reserved member ``_description_sha256``: the
    sha256 of the JSON description (minus the NPZ hash) in canonical form. Written
    deterministically (sorted members, fixed zip timestamps), so retraining with the same data
    and seeds gives byte-identical files; writes are atomic.

``save_model(path, meta, arrays) -> [json_path, npz_path]``
    ``path`` is the stem (``.json``/``.npz`` suffixes are accepted and stripped).
``load_model(path, *, format=None, format_version=None) -> (meta, arrays)``
    Refuses: missing/unreadable/oversized files, invalid JSON, a missing or malformed ``store``
    block, another ``format``/``format_version`` (when given), an NPZ whose sha256 differs from
    the recorded one (bytes changed), a JSON edited after saving (digest in the NPZ), missing or
    unexpected arrays, object arrays (they would need pickle), dtypes or shapes other than
    declared, NaN/infinite floats, members larger than their declared shape (zip bombs), and an
    arrays file name that is not a bare ``*.npz`` next to the JSON. ``meta`` comes back without
    the ``store`` block.
``load_model_bytes(description, arrays, *, source, format=None, format_version=None)``
    The same from bytes (e.g. ``importlib.resources`` data inside a zip).
``looks_like(path, format) -> bool``
    Cheap check (no arrays read) that ``PATH.json`` describes a model of this format.

Loading executes no code: JSON and numeric arrays only. The hashes detect corruption and
accidental or partial edits; they are not a signature against someone who rewrites both files.

2. Linear text models: ``save_linear_model`` / ``load_linear_model`` / ``LinearTextModel``
----------------------------------------------------------------------------------------------
A fixed chain of plain data (format ``"framing.linear-text-model"``, version 1)::

    text -> TextPreprocess (literal phrase / boilerplate-line / URL removal; optional)
         -> one or more TF-IDF blocks (word and/or char n-grams: params, vocabulary, idf)
         -> optional dense extra features (e.g. lexicon counts; optional mean/scale)
         -> linear layer (coef, intercept, classes)
         -> softmax(logits / temperature)            (calibration: one plain number)

JSON fields: ``name``, ``classes``, ``calibration`` (``{"method": "temperature",
"temperature": T}``), ``preprocess``, ``extra_features`` (``names``, ``mean``, ``scale``),
``linear`` (``n_outputs``, ``n_features``), ``metadata`` (free JSON: data, figures,
hyperparameters) and ``vectorizers`` (``name``, ``kind: "tfidf"``, ``params``, ``vocabulary``:
a list whose positions are the column indices). NPZ arrays: ``idf_0``, ``idf_1``, ... (one per
vectorizer), ``coef`` (n_outputs x n_features), ``intercept`` (n_outputs), optional
``extra_mean``/``extra_scale``. Feature columns are the vectorizer blocks in order, then the
extra features. ``n_outputs`` is the number of classes, or 1 for a binary model (sklearn's
convention: the row scores ``classes[1]``). On top of the generic checks, loading checks every
array's shape against the vocabularies and classes, and every parameter's value.

``save_linear_model(directory, name, *, vectorizers, coef, intercept, classes, calibration=None,
metadata=None, extra_features=(), extra_mean=None, extra_scale=None, preprocess=None,
dtype="float32") -> (json_path, npz_path)``
    ``vectorizers``: a mapping ``{name: vectorizer}`` or a sequence of vectorizers /
    ``(name, vectorizer)`` pairs; a vectorizer is a fitted sklearn ``TfidfVectorizer`` (string
    analyzer, no callables) or a :class:`TfidfFeatures`. ``calibration``: None (T = 1), a
    temperature, or ``{"method": "temperature", "temperature": T}``. ``dtype``: storage dtype
    of the float arrays (float16/float32/float64); predictions are computed in float64.
``load_linear_model(path) -> LinearTextModel``
    ``path``: ``NAME.json``, ``NAME.npz`` or the stem ``NAME``.
``load_linear_model_bytes(description, arrays, *, source="<memory>") -> LinearTextModel``
``LinearTextModel(name=..., vectorizers=..., coef=..., ...)`` (same keywords as saving)
    ``.classes_``, ``.name``, ``.metadata``, ``.temperature``, ``.preprocess``,
    ``.vectorizers``, ``.feature_names_``, ``.n_features_``,
    ``.transform(texts, extra_features=None)`` (sparse features after preprocessing),
    ``.decision_function(...)`` (uncalibrated logits, n x n_classes),
    ``.predict_proba(texts, extra_features=None)`` (calibrated; rows sum to 1),
    ``.predict(...)``, ``.top_features(k)``, ``.save(directory, dtype="float32")``.
``TfidfFeatures``
    One TF-IDF block as plain data with sklearn's exact ``TfidfVectorizer.transform``
    semantics; ``TfidfFeatures.from_sklearn(vectorizer, name)``; ``.transform(texts)``,
    ``.counts(texts)``. Word n-grams (without accent stripping) are counted by an own
    implementation several times faster than sklearn's that gives the same numbers (tests compare
    it with sklearn's, kept as ``._sklearn_transform``); other settings use sklearn.
``TextPreprocess``
    Data-only cleaning before vectorizing (no regex or code comes from a file):
    ``remove_phrases`` (literal, case-sensitive, whole words), ``drop_lines_containing``
    (literal, case-insensitive; only lines of at most ``drop_lines_max_chars`` characters),
    ``drop_any_line_containing`` (literal, case-insensitive; lines of any length),
    ``remove_urls`` (URLs, e-mail addresses, @handles, bare domains such as example.com).
``fit_temperature(logits, y, sample_weight=None) -> float``
    The temperature minimising the (weighted) negative log-likelihood on held-out data.
"""
from __future__ import annotations

import copy
import hashlib
import io
import json
import math
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from framing.errors import FramingError

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "ModelFileError",
    "TextPreprocess",
    "TfidfFeatures",
    "LinearTextModel",
    "save_linear_model",
    "load_linear_model",
    "load_linear_model_bytes",
    "fit_temperature",
    "save_model",
    "load_model",
    "load_model_bytes",
    "looks_like",
]

FORMAT = "framing.linear-text-model"
FORMAT_VERSION = 1

MAX_DESCRIPTION_BYTES = 64 * 1024 * 1024
MAX_ARRAYS_BYTES = 256 * 1024 * 1024
MAX_ARRAY_BYTES_TOTAL = 1024 * 1024 * 1024
STORE_KEY = "store"
_FLOAT_DTYPES = {"float16": np.float16, "float32": np.float32, "float64": np.float64}
_DIGEST_KEY = "_description_sha256"  # reserved member name (user arrays start with a letter)
_ARRAYS_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.npz$")
_MODEL_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$")
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class ModelFileError(FramingError):
    """A model file that cannot be used. ``str()`` is one line: ``"<path>: <message>"``."""

    def __init__(self, path: str | os.PathLike[str], message: str) -> None:
        self.path = str(path)
        self.message = " ".join(str(message).split())
        super().__init__(f"{self.path}: {self.message}")


# --------------------------------------------------------------------------------------------
# Preprocessing
# --------------------------------------------------------------------------------------------

_URL_RE = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S+", re.IGNORECASE)
_AT_RE = re.compile(r"[\w.+-]*@[\w-]+(?:\.[\w-]+)*")  # e-mail addresses and @handles
_AT_TAIL_RE = re.compile(r"@[\w-]+(?:\.[\w-]+)*")  # the part from the @ on
_DOMAIN_TAIL_RE = re.compile(r"\.(?:com|org|net|gov|edu|co\.uk|io|tv)\b", re.IGNORECASE)
_DOMAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


def _remove_urls(text: str, low: str | None = None) -> str:
    """Remove URLs, e-mail addresses, @handles and bare domains (example.com), cheaply.

    ``low``: ``text.lower()``, or that of the text ``text`` was made from by dropping whole lines
    (only used to decide whether to look for URLs at all: no URL start spans a newline)."""
    if low is None:
        low = text.lower()
    if "http" in low or "www." in low or "pic.twitter" in low:
        text = _URL_RE.sub(" ", text)
    if "@" in text:
        text = _remove_at_addresses(text)
    spans = []
    for m in _DOMAIN_TAIL_RE.finditer(text):
        start = m.start()
        while start > 0 and (text[start - 1] in _DOMAIN_CHARS or text[start - 1].isalnum()):
            start -= 1
        if start < m.start() and (spans == [] or start >= spans[-1][1]):
            spans.append((start, m.end()))
    if spans:
        parts, last = [], 0
        for start, end in spans:
            parts.append(text[last:start])
            parts.append(" ")
            last = end
        parts.append(text[last:])
        text = "".join(parts)
    return text


def _remove_at_addresses(text: str) -> str:
    r"""``_AT_RE.sub(" ", text)``, without the regex trying a match at every character.

    The class ``[\w.+-]`` excludes ``@``, so a match of ``_AT_RE`` starting at p runs over
    class characters up to an ``@`` followed by its tail; the leftmost one therefore starts where
    the run of class characters before that ``@`` starts, or where the previous match ended if
    that is later. Each ``@`` with a tail gives one match (a tail holds no ``@``)."""
    parts: list[str] = []
    last = 0
    for m in _AT_TAIL_RE.finditer(text):
        start = m.start()
        while start > last and (text[start - 1].isalnum() or text[start - 1] in "_.+-"):
            start -= 1
        parts.append(text[last:start])
        parts.append(" ")
        last = m.end()
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


def _trie_pattern(words: Iterable[str], *, after_first: str = "") -> str:
    """A regex alternation of literal words, factored as a character trie (longest match first;
    much faster than a flat alternation of a few hundred phrases).

    The branches of every node start with distinct characters and a longer continuation is tried
    before stopping, so at any position the words that start there are tried from the longest to
    the shortest, also when backtracking from a failed assertion that follows: exactly what a
    flat alternation sorted longest first does. ``after_first`` is a regex fragment put after
    each word's first character, with ``{}`` standing for that character (escaped)."""
    trie: dict[str, Any] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any], top: bool = False) -> str:
        alts = [
            re.escape(ch) + (after_first.replace("{}", re.escape(ch)) if top else "") + build(sub)
            for ch, sub in sorted(node.items())
            if ch != ""
        ]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie, top=True)


def _phrase_pattern(phrases: Iterable[str]) -> str:
    r"""Literal phrases as whole words, longest first: the same matches as
    ``(?<![\w@])(?:<the phrases, longest first>)(?!\w)``, found faster. The "not after a word
    character or @" test is a lookbehind put after each phrase's first character X
    (``X(?<![\w@]X)`` holds exactly where ``(?<![\w@])X`` does), so the pattern starts with a
    set of literal characters and the regex engine skips straight to candidate positions."""
    return _trie_pattern(phrases, after_first=r"(?<![\w@]{})") + r"(?!\w)"


_PREPROCESS_KEYS = ("remove_phrases", "drop_lines_containing", "drop_lines_max_chars", "drop_any_line_containing", "remove_urls")


@dataclass(frozen=True)
class TextPreprocess:
    """Data-only text cleaning run before the vectorizers (no regex or code comes from files).

    remove_phrases: literal phrases removed where they stand as whole words (case-sensitive,
        longest first), e.g. outlet names.
    drop_lines_containing: literal markers (case-insensitive); a line of at most
        ``drop_lines_max_chars`` characters (once cleaned) containing one is dropped (captions,
        newsletter prompts, copyright lines).
    drop_any_line_containing: literal markers (case-insensitive); a line of any length containing
        one is dropped (photo-gallery and video-playlist widgets).
    remove_urls: remove URLs, e-mail addresses, @handles and bare domains (example.com).
    """

    remove_phrases: tuple[str, ...] = ()
    drop_lines_containing: tuple[str, ...] = ()
    drop_lines_max_chars: int = 200
    drop_any_line_containing: tuple[str, ...] = ()
    remove_urls: bool = False
    _phrase_re: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)
    _markers: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)
    _always: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for attr in ("remove_phrases", "drop_lines_containing", "drop_any_line_containing"):
            values = getattr(self, attr)
            if isinstance(values, str) or not all(isinstance(v, str) and v.strip() and "\n" not in v for v in values):
                raise ValueError(f"{attr} must be a list of non-empty one-line strings")
            object.__setattr__(self, attr, tuple(values))
        if isinstance(self.drop_lines_max_chars, bool) or not isinstance(self.drop_lines_max_chars, int) \
                or self.drop_lines_max_chars < 0:
            raise ValueError("drop_lines_max_chars must be a non-negative integer")
        if not isinstance(self.remove_urls, bool):
            raise ValueError("remove_urls must be true or false")
        if self.remove_phrases:
            object.__setattr__(self, "_phrase_re", re.compile(_phrase_pattern(set(self.remove_phrases))))
        object.__setattr__(self, "_markers", tuple(m.lower() for m in self.drop_lines_containing))
        object.__setattr__(self, "_always", tuple(m.lower() for m in self.drop_any_line_containing))

    @property
    def is_identity(self) -> bool:
        return not (self.remove_phrases or self.drop_lines_containing or self.drop_any_line_containing or self.remove_urls)

    def _clean(self, text: str, low: str | None = None) -> str:
        if self.remove_urls:
            text = _remove_urls(text, low)
        if self._phrase_re is not None:
            text = self._phrase_re.sub(" ", text)
        return text

    def _drop(self, line: str, low: str, always: Sequence[str], markers: Sequence[str]) -> bool:
        """Whether to drop ``line`` (``low`` is ``line.lower()``), given the markers in the text."""
        if always and any(m in low for m in always):
            return True
        if markers and any(m in low for m in markers):
            limit = self.drop_lines_max_chars
            return len(line) <= limit or len(self._clean(line, low)) <= limit
        return False

    def apply(self, text: str) -> str:
        """Drop marked lines, then remove URLs and phrases. Short lines are measured once
        cleaned, so applying the cleaning twice gives the same text."""
        low = None
        if self._markers or self._always:
            # The text is lower-cased once: str.lower maps characters one by one (its one context
            # rule, the final sigma, never looks across a newline), so the lines of text.lower()
            # are the lower-cased lines, and only markers found in the whole text need be looked
            # for in its lines (most texts have none).
            low = text.lower()
            always = [m for m in self._always if m in low]
            markers = [m for m in self._markers if m in low]
            if always or markers:
                lines, lows = text.split("\n"), low.split("\n")
                text = "\n".join(line for line, lo in zip(lines, lows) if not self._drop(line, lo, always, markers))
        return self._clean(text, low)

    def to_dict(self) -> dict[str, Any]:
        return {
            "remove_phrases": list(self.remove_phrases),
            "drop_lines_containing": list(self.drop_lines_containing),
            "drop_lines_max_chars": self.drop_lines_max_chars,
            "drop_any_line_containing": list(self.drop_any_line_containing),
            "remove_urls": self.remove_urls,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TextPreprocess":
        if not isinstance(data, Mapping):
            raise ValueError("preprocess must be an object")
        unknown = set(data) - set(_PREPROCESS_KEYS)
        if unknown:
            raise ValueError(f"unknown preprocess option(s): {', '.join(sorted(unknown))}")
        for key in ("remove_phrases", "drop_lines_containing", "drop_any_line_containing"):
            if key in data and not isinstance(data[key], list):
                raise ValueError(f"preprocess {key} must be a list of strings")
        return cls(
            remove_phrases=tuple(data.get("remove_phrases", ())),
            drop_lines_containing=tuple(data.get("drop_lines_containing", ())),
            drop_lines_max_chars=data.get("drop_lines_max_chars", 200),
            drop_any_line_containing=tuple(data.get("drop_any_line_containing", ())),
            remove_urls=data.get("remove_urls", False),
        )


# --------------------------------------------------------------------------------------------
# TF-IDF blocks
# --------------------------------------------------------------------------------------------

_ANALYZERS = ("word", "char", "char_wb")
_NORMS = ("l1", "l2", None)
_ACCENTS = (None, "ascii", "unicode")
_TFIDF_PARAMS = (
    "analyzer",
    "ngram_range",
    "lowercase",
    "token_pattern",
    "stop_words",
    "strip_accents",
    "binary",
    "sublinear_tf",
    "norm",
    "use_idf",
)


@dataclass(frozen=True, eq=False)
class TfidfFeatures:
    """One TF-IDF block as plain data; ``transform`` equals sklearn's ``TfidfVectorizer.transform``.

    ``vocabulary[i]`` is the term of column i; ``idf[i]`` its idf (ones when ``use_idf`` is false).
    """

    name: str
    vocabulary: tuple[str, ...]
    idf: np.ndarray
    analyzer: str = "word"
    ngram_range: tuple[int, int] = (1, 1)
    lowercase: bool = True
    token_pattern: str = r"(?u)\b\w\w+\b"
    stop_words: tuple[str, ...] | None = None
    strip_accents: str | None = None
    binary: bool = False
    sublinear_tf: bool = False
    norm: str | None = "l2"
    use_idf: bool = True
    _counter: Any = field(default=None, init=False, repr=False)
    _word_counter: Any = field(default=None, init=False, repr=False)
    _idf64: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _MODEL_NAME_RE.match(self.name):
            raise ValueError(f"vectorizer name {self.name!r} must be letters, digits, '.', '_' or '-'")
        vocab = self.vocabulary
        if isinstance(vocab, str) or not all(isinstance(t, str) for t in vocab):
            raise ValueError(f"vectorizer {self.name!r}: vocabulary must be a list of strings")
        vocab = tuple(vocab)
        if not vocab:
            raise ValueError(f"vectorizer {self.name!r}: empty vocabulary")
        if len(set(vocab)) != len(vocab):
            raise ValueError(f"vectorizer {self.name!r}: vocabulary has duplicate terms")
        object.__setattr__(self, "vocabulary", vocab)
        idf = np.asarray(self.idf)
        if idf.dtype.kind != "f" or idf.shape != (len(vocab),):
            raise ValueError(f"vectorizer {self.name!r}: idf must be a float array of shape ({len(vocab)},)")
        if not np.all(np.isfinite(idf)):
            raise ValueError(f"vectorizer {self.name!r}: idf contains NaN or infinite values")
        object.__setattr__(self, "idf", idf)
        if self.analyzer not in _ANALYZERS:
            raise ValueError(f"vectorizer {self.name!r}: analyzer must be one of {_ANALYZERS}")
        ngr = self.ngram_range
        if (
            not isinstance(ngr, (tuple, list))
            or len(ngr) != 2
            or not all(isinstance(n, int) and not isinstance(n, bool) for n in ngr)
            or not 1 <= ngr[0] <= ngr[1] <= 20
        ):
            raise ValueError(f"vectorizer {self.name!r}: ngram_range must be [min, max] with 1 <= min <= max <= 20")
        object.__setattr__(self, "ngram_range", (int(ngr[0]), int(ngr[1])))
        for flag in ("lowercase", "binary", "sublinear_tf", "use_idf"):
            if not isinstance(getattr(self, flag), bool):
                raise ValueError(f"vectorizer {self.name!r}: {flag} must be true or false")
        if self.norm not in _NORMS:
            raise ValueError(f"vectorizer {self.name!r}: norm must be 'l1', 'l2' or null")
        if self.strip_accents not in _ACCENTS:
            raise ValueError(f"vectorizer {self.name!r}: strip_accents must be 'ascii', 'unicode' or null")
        if not isinstance(self.token_pattern, str):
            raise ValueError(f"vectorizer {self.name!r}: token_pattern must be a string")
        try:
            pattern = re.compile(self.token_pattern)
        except re.error as exc:
            raise ValueError(f"vectorizer {self.name!r}: invalid token_pattern ({exc})") from None
        if pattern.groups > 1:
            raise ValueError(f"vectorizer {self.name!r}: token_pattern may have at most one group")
        if self.stop_words is not None:
            if isinstance(self.stop_words, str) or not all(isinstance(w, str) for w in self.stop_words):
                raise ValueError(f"vectorizer {self.name!r}: stop_words must be a list of strings or null")
            object.__setattr__(self, "stop_words", tuple(self.stop_words))

    @property
    def n_features(self) -> int:
        return len(self.vocabulary)

    @classmethod
    def from_sklearn(cls, vectorizer: Any, name: str) -> "TfidfFeatures":
        """Capture a fitted sklearn ``TfidfVectorizer`` (string analyzer, no callables)."""
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

        if not isinstance(vectorizer, TfidfVectorizer):
            raise TypeError(f"vectorizer {name!r}: expected a fitted TfidfVectorizer or TfidfFeatures")
        params = vectorizer.get_params()
        for key in ("preprocessor", "tokenizer"):
            if params[key] is not None:
                raise ValueError(f"vectorizer {name!r}: a custom {key} cannot be stored without pickle")
        if not isinstance(params["analyzer"], str):
            raise ValueError(f"vectorizer {name!r}: a callable analyzer cannot be stored without pickle")
        if params["input"] != "content":
            raise ValueError(f"vectorizer {name!r}: only input='content' is supported")
        if callable(params["strip_accents"]):
            raise ValueError(f"vectorizer {name!r}: a callable strip_accents cannot be stored")
        if not hasattr(vectorizer, "vocabulary_"):
            raise ValueError(f"vectorizer {name!r} is not fitted")
        stop = params["stop_words"]
        if stop == "english":
            stop = sorted(ENGLISH_STOP_WORDS)
        elif stop is not None:
            stop = sorted(stop)
        vocabulary = [""] * len(vectorizer.vocabulary_)
        for term, index in vectorizer.vocabulary_.items():
            vocabulary[int(index)] = term
        if params["use_idf"]:
            idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        else:
            idf = np.ones(len(vocabulary), dtype=np.float64)
        return cls(
            name=name,
            vocabulary=tuple(vocabulary),
            idf=idf,
            analyzer=params["analyzer"],
            ngram_range=tuple(params["ngram_range"]),
            lowercase=bool(params["lowercase"]),
            token_pattern=params["token_pattern"],
            stop_words=None if stop is None else tuple(stop),
            strip_accents=params["strip_accents"],
            binary=bool(params["binary"]),
            sublinear_tf=bool(params["sublinear_tf"]),
            norm=params["norm"],
            use_idf=bool(params["use_idf"]),
        )

    def params_dict(self) -> dict[str, Any]:
        return {
            "analyzer": self.analyzer,
            "ngram_range": list(self.ngram_range),
            "lowercase": self.lowercase,
            "token_pattern": self.token_pattern,
            "stop_words": None if self.stop_words is None else list(self.stop_words),
            "strip_accents": self.strip_accents,
            "binary": self.binary,
            "sublinear_tf": self.sublinear_tf,
            "norm": self.norm,
            "use_idf": self.use_idf,
        }

    def _count_vectorizer(self) -> Any:
        if self._counter is None:
            from sklearn.feature_extraction.text import CountVectorizer

            word = self.analyzer == "word"  # sklearn ignores (and warns about) these otherwise
            counter = CountVectorizer(
                analyzer=self.analyzer,
                ngram_range=self.ngram_range,
                lowercase=self.lowercase,
                token_pattern=self.token_pattern if word else None,
                stop_words=list(self.stop_words) if word and self.stop_words is not None else None,
                strip_accents=self.strip_accents,
                binary=self.binary,
                vocabulary={term: i for i, term in enumerate(self.vocabulary)},
                dtype=np.float64,
            )
            object.__setattr__(self, "_counter", counter)
        return self._counter

    def _fast_texts(self, texts: Any) -> tuple[bool, Any]:
        """``(True, texts as a list)`` when the fast path reproduces sklearn for them (word
        analyzer, no accent stripping, strings only), else ``(False, texts)`` for sklearn (which
        also raises sklearn's errors for bad input)."""
        if not _FAST_PATH or self.analyzer != "word" or self.strip_accents is not None or isinstance(texts, (str, bytes)):
            return False, texts
        try:
            docs = list(texts)
        except TypeError:
            return False, texts
        return all(isinstance(d, str) for d in docs), docs

    def _counter_for_words(self) -> "_WordCounter":
        if self._word_counter is None:
            object.__setattr__(self, "_word_counter", _WordCounter(self))
        return self._word_counter

    def counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Raw term counts (binary if ``binary``), float64 CSR."""
        fast, docs = self._fast_texts(texts)
        if not fast:
            return self._sklearn_counts(docs)
        return sp.csr_matrix(self._counter_for_words().count(docs), shape=(len(docs), self.n_features))

    def _sklearn_counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        """:meth:`counts` by sklearn's ``CountVectorizer`` (the reference for the fast path)."""
        return sp.csr_matrix(self._count_vectorizer().transform(texts), dtype=np.float64)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF features exactly as sklearn computes them (sublinear tf, idf, row norm)."""
        fast, docs = self._fast_texts(texts)
        if not fast:
            return self._sklearn_transform(docs)
        return sp.csr_matrix(self._tfidf_arrays(docs), shape=(len(docs), self.n_features))

    def _tfidf_arrays(self, docs: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR ``(data, indices, indptr)`` of :meth:`transform` (fast path): the same arithmetic,
        in the same order, as sklearn's, so the same floating-point numbers."""
        data, indices, indptr = self._counter_for_words().count(docs)
        if self.sublinear_tf:
            np.log(data, data)
            data += 1.0
        if self.use_idf:
            if self._idf64 is None:
                object.__setattr__(self, "_idf64", np.asarray(self.idf, dtype=np.float64))
            data *= self._idf64[indices]
        if self.norm is not None:
            _normalize_rows(data, indptr, self.norm)
        return data, indices, indptr

    def _sklearn_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """:meth:`transform` by sklearn's ``CountVectorizer`` and ``normalize`` (the reference)."""
        from sklearn.preprocessing import normalize

        X = self._sklearn_counts(texts)
        X.sort_indices()
        if self.sublinear_tf:
            np.log(X.data, X.data)
            X.data += 1.0
        if self.use_idf:
            X.data *= self.idf.astype(np.float64)[X.indices]
        if self.norm is not None:
            X = normalize(X, norm=self.norm, copy=False)
        return sp.csr_matrix(X)


# The fast word-count path (below) is on; tests switch it off to run sklearn's own code.
_FAST_PATH = True


def _normalize_rows(data: np.ndarray, indptr: np.ndarray, norm: str) -> None:
    """Divide each CSR row by its l1 or l2 norm in place, as sklearn's ``normalize`` does: the
    norm is summed in storage order, one term after another (a cumulative sum, not numpy's
    pairwise sum), and empty or all-zero rows are left alone."""
    for i in range(len(indptr) - 1):
        start, stop = int(indptr[i]), int(indptr[i + 1])
        if start == stop:
            continue
        row = data[start:stop]
        if norm == "l2":
            total = float(np.cumsum(row * row)[-1])
            if total != 0.0:
                row /= math.sqrt(total)
        else:
            total = float(np.cumsum(np.abs(row))[-1])
            if total != 0.0:
                row /= total


_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_STOP_ID = -1  # token id of a stop word (dropped before n-grams are formed)
_NO_KEY = np.iinfo(np.int64).max  # ends every key table: searchsorted never runs past the end


class _WordCounter:
    """Term counts of a word-analyzer ``TfidfFeatures`` over its fixed vocabulary: the same
    numbers as sklearn's ``CountVectorizer(analyzer="word", strip_accents=None).transform``,
    several times faster.

    sklearn lower-cases a text (if ``lowercase``), tokenizes it with ``re.findall(token_pattern)``,
    removes stop words and then (``_word_ngrams``) takes as terms the n-grams of the remaining
    tokens, n in ``ngram_range``, joined with single spaces, and looks each up in the vocabulary.
    Here each token is looked up once instead (an integer id), and n-grams are followed as
    integer keys ``prefix * n_ids + token`` through per-length sorted tables of the vocabulary's
    n-gram prefixes (``np.searchsorted``), so no n-gram string is built. This is exact when no
    token contains a space (a term then splits into its tokens in one way only); a text with
    such a token (only unusual token patterns make them) is counted with n-gram strings instead.
    """

    def __init__(self, feats: TfidfFeatures) -> None:
        self._findall = re.compile(feats.token_pattern).findall
        self._lowercase = feats.lowercase
        self._stop = None if feats.stop_words is None else frozenset(feats.stop_words)
        self._min_n, self._max_n = feats.ngram_range
        self._binary = feats.binary
        self._vocabulary = feats.vocabulary
        self._term_index: dict[str, int] | None = None  # built only if a text needs it
        self._index_dtype = np.int32 if len(feats.vocabulary) < 2**31 else np.int64
        self._build_tables(feats.vocabulary)

    def _build_tables(self, vocabulary: Sequence[str]) -> None:
        min_n, max_n = self._min_n, self._max_n
        token_ids: dict[str, int] = {}
        terms: list[tuple[int, list[int]]] = []
        for column, term in enumerate(vocabulary):
            parts = term.split(" ")
            if min_n <= len(parts) <= max_n:  # other terms are never produced from space-free tokens
                terms.append((column, [token_ids.setdefault(p, len(token_ids)) for p in parts]))
        # ids 0..n-1: tokens used by some term; n: any other token
        unknown = len(token_ids)
        self._n_ids = n_ids = unknown + 1
        unigram_column = np.full(n_ids, -1, dtype=np.int64)
        # prefixes[k]: (state of a (k-1)-token prefix, id of its k-th token) -> state of that
        # k-token prefix of some term (a 1-token prefix's state is its token id); columns[k][state]:
        # the column of the k-token prefix when it is a term itself, else -1.
        prefixes: list[dict[tuple[int, int], int]] = [{} for _ in range(max_n + 1)]
        columns: list[list[int]] = [[] for _ in range(max_n + 1)]
        for column, ids in terms:
            if len(ids) == 1:
                unigram_column[ids[0]] = column
                continue
            state = ids[0]
            for k in range(2, len(ids) + 1):
                table = prefixes[k]
                key = (state, ids[k - 1])
                nxt = table.get(key)
                if nxt is None:
                    nxt = table[key] = len(table)
                    columns[k].append(-1)
                state = nxt
            columns[len(ids)][state] = column
        # A stop word's terms (if any) can never be produced, as in sklearn: its id is only a mark.
        self._token_ids = dict(token_ids)
        for word in self._stop or ():
            self._token_ids[word] = _STOP_ID
        self._unknown = unknown
        self._unigram_column = unigram_column
        # per n >= 2: sorted keys (+ _NO_KEY), their prefix states (+ a state no key uses), and
        # the column of each state
        self._levels: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for k in range(2, max_n + 1):
            table = prefixes[k]
            keys = np.fromiter((prev * n_ids + tok for prev, tok in table), dtype=np.int64, count=len(table))
            states = np.fromiter(table.values(), dtype=np.int64, count=len(table))
            order = np.argsort(keys, kind="stable")
            self._levels.append((
                np.append(keys[order], _NO_KEY),
                np.append(states[order], len(table)),
                np.append(np.asarray(columns[k], dtype=np.int64), -1),
            ))

    def _without_stop_words(self, tokens: list[str]) -> list[str]:
        if self._stop is None:
            return tokens
        stop = self._stop
        return [t for t in tokens if t not in stop]

    def tokens(self, text: str) -> list[str]:
        """The tokens left after stop-word removal (sklearn's preprocess + tokenize + filter)."""
        return self._without_stop_words(self._findall(text.lower() if self._lowercase else text))

    def columns(self, text: str) -> np.ndarray:
        """The vocabulary column of every term occurrence in ``text`` (int64, with repeats)."""
        tokens = self._findall(text.lower() if self._lowercase else text)
        if not tokens:
            return _EMPTY_IDS
        if " " in "".join(tokens):
            return self._columns_by_string(self._without_stop_words(tokens))
        ids = np.fromiter(map(self._token_ids.get, tokens, repeat(self._unknown)), dtype=np.int64, count=len(tokens))
        if self._stop:
            ids = ids[ids != _STOP_ID]
        found: list[np.ndarray] = []
        if self._min_n == 1:
            cols = self._unigram_column[ids]
            found.append(cols[cols >= 0])
        n_ids = self._n_ids
        state = ids  # state[i]: the (k-1)-token term prefix starting at token i (no key uses a miss)
        for k, (keys, states, level_columns) in enumerate(self._levels, start=2):
            if len(state) < 2:
                break
            key = state[:-1] * n_ids + ids[k - 1:]
            if k == self._max_n:
                key.sort()  # positions no longer matter, and sorted keys are searched faster
            pos = np.searchsorted(keys, key)
            hit = keys[pos] == key
            if k == self._max_n:
                cols = level_columns[states[pos[hit]]]
                found.append(cols[cols >= 0])
                break
            state = np.where(hit, states[pos], states[-1])
            if k >= self._min_n:
                cols = level_columns[state]
                found.append(cols[cols >= 0])
        return np.concatenate(found) if len(found) > 1 else (found[0] if found else _EMPTY_IDS)

    def _columns_by_string(self, tokens: list[str]) -> np.ndarray:
        """:meth:`columns` the slow way: every n-gram as a string (sklearn's ``_word_ngrams``)."""
        if self._term_index is None:
            self._term_index = {t: i for i, t in enumerate(self._vocabulary)}
        min_n, max_n = self._min_n, self._max_n
        grams: list[str] = list(tokens) if min_n == 1 else []
        for n in range(max(min_n, 2), min(max_n, len(tokens)) + 1):
            grams.extend(map(" ".join, zip(*(tokens[i:] for i in range(n)))))
        cols = np.fromiter(map(self._term_index.get, grams, repeat(-1)), dtype=np.int64, count=len(grams))
        return cols[cols >= 0]

    def count(self, docs: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR ``(data, indices, indptr)`` of the counts: float64 data, sorted columns."""
        data_parts: list[np.ndarray] = []
        index_parts: list[np.ndarray] = []
        indptr = np.zeros(len(docs) + 1, dtype=np.int64)
        for i, doc in enumerate(docs):
            cols = self.columns(doc)
            if len(cols):
                cols = np.sort(cols)
                starts = np.flatnonzero(np.concatenate(([True], cols[1:] != cols[:-1])))
                index_parts.append(cols[starts])
                data_parts.append(np.diff(starts, append=len(cols)))
                indptr[i + 1] = len(starts)
        np.cumsum(indptr, out=indptr)
        if index_parts:
            indices = np.concatenate(index_parts).astype(self._index_dtype)
            data = np.ones(len(indices)) if self._binary else np.concatenate(data_parts).astype(np.float64)
        else:
            indices, data = np.zeros(0, dtype=self._index_dtype), np.zeros(0)
        if indptr[-1] < 2**31:
            indptr = indptr.astype(np.int32)
        return data, indices, indptr


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------


def _as_vectorizers(vectorizers: Any) -> list[TfidfFeatures]:
    if isinstance(vectorizers, Mapping):
        items = list(vectorizers.items())
    elif isinstance(vectorizers, (TfidfFeatures,)) or hasattr(vectorizers, "vocabulary_"):
        items = [(None, vectorizers)]
    else:
        items = []
        for i, item in enumerate(vectorizers):
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                items.append(item)
            else:
                items.append((None, item))
    out: list[TfidfFeatures] = []
    for i, (name, vec) in enumerate(items):
        if isinstance(vec, TfidfFeatures):
            if name is not None and name != vec.name:
                vec = TfidfFeatures(**{**_tfidf_kwargs(vec), "name": name})
            out.append(vec)
        else:
            out.append(TfidfFeatures.from_sklearn(vec, name if name is not None else f"tfidf{i}"))
    names = [v.name for v in out]
    if len(set(names)) != len(names):
        raise ValueError(f"vectorizer names must be unique, got {names}")
    return out


def _tfidf_kwargs(vec: TfidfFeatures) -> dict[str, Any]:
    return {
        "name": vec.name,
        "vocabulary": vec.vocabulary,
        "idf": vec.idf,
        **{k: getattr(vec, k) for k in _TFIDF_PARAMS},
    }


def _temperature_from(calibration: Any) -> float:
    if calibration is None:
        t = 1.0
    elif isinstance(calibration, Mapping):
        if calibration.get("method") != "temperature" or set(calibration) != {"method", "temperature"}:
            raise ValueError('calibration must be {"method": "temperature", "temperature": T}')
        t = calibration["temperature"]
    else:
        t = calibration
    if isinstance(t, bool) or not isinstance(t, (int, float, np.floating)):
        raise ValueError("calibration temperature must be a number")
    t = float(t)
    if not math.isfinite(t) or t <= 0:
        raise ValueError("calibration temperature must be a finite positive number")
    return t


class LinearTextModel:
    """TF-IDF blocks (+ extra dense features) -> linear layer -> softmax(logits / temperature)."""

    def __init__(
        self,
        *,
        name: str,
        vectorizers: Any,
        coef: Any,
        intercept: Any,
        classes: Sequence[str],
        calibration: Any = None,
        metadata: Mapping[str, Any] | None = None,
        extra_features: Sequence[str] = (),
        extra_mean: Any = None,
        extra_scale: Any = None,
        preprocess: TextPreprocess | Mapping[str, Any] | None = None,
    ) -> None:
        if not isinstance(name, str) or not _MODEL_NAME_RE.match(name):
            raise ValueError(f"model name {name!r} must be letters, digits, '.', '_' or '-'")
        self.name = name
        self.vectorizers: tuple[TfidfFeatures, ...] = tuple(_as_vectorizers(vectorizers))
        classes = [c.item() if isinstance(c, np.generic) else c for c in classes]
        if len(classes) < 2 or not all(isinstance(c, str) and c for c in classes):
            raise ValueError("classes must be at least two non-empty strings")
        if len(set(classes)) != len(classes):
            raise ValueError("classes must be unique")
        self.classes_ = np.array(classes, dtype=str)
        if isinstance(extra_features, str) or not all(isinstance(f, str) and f for f in extra_features):
            raise ValueError("extra_features must be a list of non-empty strings")
        self.extra_features: tuple[str, ...] = tuple(extra_features)
        if len(set(self.extra_features)) != len(self.extra_features):
            raise ValueError("extra feature names must be unique")
        n_extra = len(self.extra_features)
        self.n_features_ = sum(v.n_features for v in self.vectorizers) + n_extra
        n_out = 1 if len(classes) == 2 else len(classes)
        coef = np.asarray(coef)
        intercept = np.asarray(intercept)
        if len(classes) == 2 and coef.ndim == 2 and coef.shape[0] == 2:
            n_out = 2  # explicit two-row binary layout is fine too
        if coef.dtype.kind != "f" or coef.shape != (n_out, self.n_features_):
            raise ValueError(f"coef must be a float array of shape ({n_out}, {self.n_features_}), got {coef.dtype} {coef.shape}")
        if intercept.dtype.kind != "f" or intercept.shape != (n_out,):
            raise ValueError(f"intercept must be a float array of shape ({n_out},), got {intercept.dtype} {intercept.shape}")
        for label, arr in (("coef", coef), ("intercept", intercept)):
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{label} contains NaN or infinite values")
        self.coef_ = coef
        self.intercept_ = intercept
        self._coef64 = np.ascontiguousarray(coef, dtype=np.float64)
        # X @ W.T with W.T stored row-major: scipy would otherwise copy it on every call
        self._coef64_t = np.ascontiguousarray(self._coef64.T)
        self._intercept64 = intercept.astype(np.float64)
        self.extra_mean = None if extra_mean is None else np.asarray(extra_mean)
        self.extra_scale = None if extra_scale is None else np.asarray(extra_scale)
        for label, arr in (("extra_mean", self.extra_mean), ("extra_scale", self.extra_scale)):
            if arr is None:
                continue
            if not n_extra:
                raise ValueError(f"{label} given without extra_features")
            if arr.dtype.kind != "f" or arr.shape != (n_extra,) or not np.all(np.isfinite(arr)):
                raise ValueError(f"{label} must be a finite float array of shape ({n_extra},)")
        if self.extra_scale is not None and np.any(self.extra_scale == 0):
            raise ValueError("extra_scale must not contain zeros")
        self.temperature = _temperature_from(calibration)
        if preprocess is None:
            preprocess = TextPreprocess()
        elif not isinstance(preprocess, TextPreprocess):
            preprocess = TextPreprocess.from_dict(preprocess)
        self.preprocess = preprocess
        metadata = {} if metadata is None else dict(metadata)
        try:
            json.dumps(metadata, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"metadata must be plain JSON (no NaN): {exc}") from None
        self.metadata: dict[str, Any] = copy.deepcopy(metadata)

    # -- features and predictions -------------------------------------------------------------

    @property
    def feature_names_(self) -> list[str]:
        names = [f"{v.name}:{t}" for v in self.vectorizers for t in v.vocabulary]
        return names + [f"extra:{f}" for f in self.extra_features]

    def _texts(self, texts: Iterable[str]) -> list[str]:
        if isinstance(texts, str):
            raise TypeError("texts must be a list of strings, not a single string")
        out = list(texts)
        for t in out:
            if not isinstance(t, str):
                raise TypeError(f"texts must be strings, got {type(t).__name__}")
        if not self.preprocess.is_identity:
            out = [self.preprocess.apply(t) for t in out]
        return out

    def _extra(self, extra_features: Any, n: int) -> np.ndarray | None:
        k = len(self.extra_features)
        if not k:
            if extra_features is not None and np.asarray(extra_features).size:
                raise ValueError(f"model {self.name!r} takes no extra features")
            return None
        if extra_features is None:
            raise ValueError(f"model {self.name!r} needs extra features: {', '.join(self.extra_features)}")
        x = np.asarray(extra_features, dtype=np.float64)
        if x.shape != (n, k):
            raise ValueError(f"extra_features must have shape ({n}, {k}), got {x.shape}")
        if not np.all(np.isfinite(x)):
            raise ValueError("extra_features contain NaN or infinite values")
        if self.extra_mean is not None:
            x = x - self.extra_mean.astype(np.float64)
        if self.extra_scale is not None:
            x = x / self.extra_scale.astype(np.float64)
        return x

    def transform(self, texts: Iterable[str], extra_features: Any = None) -> sp.csr_matrix:
        """The feature matrix (n x n_features_, float64 CSR) after preprocessing."""
        texts = self._texts(texts)
        return self._transform_clean(texts, extra_features)

    def _transform_clean(self, texts: list[str], extra_features: Any) -> sp.csr_matrix:
        extra = self._extra(extra_features, len(texts))
        if len(self.vectorizers) == 1 and extra is None:
            (vec,) = self.vectorizers
            fast, docs = vec._fast_texts(texts)
            if fast:  # one block: its CSR arrays are the matrix (no hstack)
                return sp.csr_matrix(vec._tfidf_arrays(docs), shape=(len(docs), self.n_features_))
        blocks = [v.transform(texts) for v in self.vectorizers]
        if extra is not None:
            blocks.append(sp.csr_matrix(extra))
        return sp.csr_matrix(sp.hstack(blocks, format="csr"))

    def decision_function(self, texts: Iterable[str], extra_features: Any = None, *, batch_size: int = 1000) -> np.ndarray:
        """Uncalibrated logits, shape (n, n_classes) (binary: column 0 is zero)."""
        texts = self._texts(texts)
        n = len(texts)
        extra = None if extra_features is None else np.asarray(extra_features)
        out = np.empty((n, len(self.classes_)), dtype=np.float64)
        for start in range(0, n, batch_size):
            stop = min(n, start + batch_size)
            X = self._transform_clean(texts[start:stop], None if extra is None else extra[start:stop])
            z = np.asarray(X @ self._coef64_t) + self._intercept64
            if z.shape[1] == 1:
                z = np.hstack([np.zeros_like(z), z])
            out[start:stop] = z
        return out

    def predict_proba(self, texts: Iterable[str], extra_features: Any = None, *, batch_size: int = 1000) -> np.ndarray:
        """Calibrated class probabilities, shape (n, n_classes), columns in ``classes_`` order."""
        return _softmax(self.decision_function(texts, extra_features, batch_size=batch_size) / self.temperature)

    def predict(self, texts: Iterable[str], extra_features: Any = None) -> np.ndarray:
        proba = self.predict_proba(texts, extra_features)
        return self.classes_[np.argmax(proba, axis=1)] if len(proba) else np.array([], dtype=str)

    def top_features(self, k: int = 25) -> dict[str, list[tuple[str, float]]]:
        """The k features with the largest weight towards each class."""
        names = self.feature_names_
        coef = self._coef64
        if coef.shape[0] == 1:
            coef = np.vstack([-coef[0], coef[0]])
        out: dict[str, list[tuple[str, float]]] = {}
        for i, cls in enumerate(self.classes_):
            order = np.lexsort((np.arange(coef.shape[1]), -coef[i]))[:k]
            out[str(cls)] = [(names[j], float(coef[i, j])) for j in order]
        return out

    def save(self, directory: str | os.PathLike[str], *, dtype: str = "float32") -> tuple[Path, Path]:
        return _save(self, Path(directory), dtype=dtype)

    def __repr__(self) -> str:
        blocks = ", ".join(f"{v.name}[{v.analyzer} {v.ngram_range[0]}-{v.ngram_range[1]}: {v.n_features}]" for v in self.vectorizers)
        return (
            f"LinearTextModel({self.name!r}, classes={[str(c) for c in self.classes_]}, {blocks}, "
            f"extra={len(self.extra_features)}, T={self.temperature:.3f})"
        )


def _softmax(z: np.ndarray) -> np.ndarray:
    if z.size == 0:
        return z.copy()
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(
    logits: Any,
    y: Any,
    sample_weight: Any = None,
    *,
    bounds: tuple[float, float] = (0.05, 20.0),
) -> float:
    """Temperature T minimising the weighted NLL of softmax(logits / T); ``y`` are column indices."""
    from scipy.optimize import minimize_scalar

    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    if z.ndim != 2 or y.shape != (z.shape[0],) or z.shape[0] == 0:
        raise ValueError("logits must be (n, k) and y (n,) with n > 0")
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    w = w / w.sum()
    rows = np.arange(len(y))

    def nll(log_t: float) -> float:
        s = z / math.exp(log_t)
        s = s - s.max(axis=1, keepdims=True)
        logp = s[rows, y] - np.log(np.exp(s).sum(axis=1))
        return float(-(w * logp).sum())

    res = minimize_scalar(nll, bounds=(math.log(bounds[0]), math.log(bounds[1])), method="bounded", options={"xatol": 1e-6})
    return float(math.exp(res.x))


# --------------------------------------------------------------------------------------------
# Generic storage: a JSON description + an NPZ of plain arrays, checked on load
# --------------------------------------------------------------------------------------------

_ARRAY_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,100}$")


def _dtype_ok(dt: np.dtype) -> bool:
    return not dt.hasobject and dt.kind in "biufU" and dt.fields is None and dt.subdtype is None


def _stem(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    return p.with_suffix("") if p.suffix in (".json", ".npz") else p


def _canonical_digest(description: Mapping[str, Any]) -> bytes:
    desc = dict(description)
    store = dict(desc.get(STORE_KEY) or {})
    store.pop("sha256", None)
    desc[STORE_KEY] = store
    blob = json.dumps(desc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(blob.encode("utf-8")).digest()


def _npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """A deterministic NPZ: sorted members, fixed timestamps, deflate level 9, no pickle."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for key in sorted(arrays):
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arrays[key]), allow_pickle=False)
            zf.writestr(info, member.getvalue(), compresslevel=9)
    return buf.getvalue()


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _dump_description(desc: Mapping[str, Any]) -> bytes:
    """One top-level key per line: a readable header, compact vocabularies."""
    keys = ["format", "format_version", STORE_KEY] + [k for k in desc if k not in ("format", "format_version", STORE_KEY)]
    lines = [
        f"  {json.dumps(k, ensure_ascii=False)}: "
        f"{json.dumps(desc[k], ensure_ascii=False, separators=(',', ':'), allow_nan=False)}"
        for k in keys
    ]
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode("utf-8")


def save_model(path: str | os.PathLike[str], meta: Mapping[str, Any], arrays: Mapping[str, Any]) -> list[Path]:
    """Write ``PATH.json`` (``meta`` + a ``store`` block) and ``PATH.npz``; return both paths.

    ``meta`` is plain JSON (no NaN) with a ``format`` string and an integer ``format_version``;
    the key ``store`` is reserved. ``arrays`` maps names (letters, digits, ``_``; starting with a
    letter) to numeric (bool/int/uint/float, finite) or fixed-width unicode arrays: object arrays
    are refused. The files are written atomically and deterministically.
    """
    stem = _stem(path)
    if not isinstance(meta, Mapping):
        raise TypeError("meta must be a mapping")
    meta = dict(meta)
    if STORE_KEY in meta:
        raise ValueError(f"meta key {STORE_KEY!r} is reserved")
    if not isinstance(meta.get("format"), str) or not meta["format"]:
        raise ValueError("meta needs a non-empty 'format' string")
    if isinstance(meta.get("format_version"), bool) or not isinstance(meta.get("format_version"), int):
        raise ValueError("meta needs an integer 'format_version'")
    try:
        json.dumps(meta, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"meta must be plain JSON (no NaN): {exc}") from None
    out: dict[str, np.ndarray] = {}
    declared: dict[str, Any] = {}
    for key, value in arrays.items():
        if not isinstance(key, str) or not _ARRAY_NAME_RE.match(key):
            raise ValueError(f"array name {key!r} must be letters, digits or '_', starting with a letter")
        arr = np.asarray(value)
        if not _dtype_ok(arr.dtype):
            raise ValueError(f"array {key!r} has dtype {arr.dtype}: only numeric and unicode arrays can be stored")
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            raise ValueError(f"array {key!r} contains NaN or infinite values")
        arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype)
        out[key] = arr
        declared[key] = {"dtype": arr.dtype.str, "shape": list(arr.shape)}
    description = dict(meta)
    description[STORE_KEY] = {"arrays_file": f"{stem.name}.npz", "arrays": declared}
    if not _ARRAYS_NAME_RE.match(description[STORE_KEY]["arrays_file"]):
        raise ValueError(f"model file name {stem.name!r} must be letters, digits, '.', '_' or '-'")
    out[_DIGEST_KEY] = np.frombuffer(_canonical_digest(description), dtype=np.uint8).copy()
    npz = _npz_bytes(out)
    description[STORE_KEY]["sha256"] = hashlib.sha256(npz).hexdigest()
    stem.parent.mkdir(parents=True, exist_ok=True)
    json_path, npz_path = stem.parent / f"{stem.name}.json", stem.parent / f"{stem.name}.npz"
    _atomic_write(npz_path, npz)
    _atomic_write(json_path, _dump_description(description))
    return [json_path, npz_path]


def _read_capped(path: Path, cap: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > cap:
            raise ModelFileError(path, f"file is too large ({size} bytes; limit {cap})")
        with open(path, "rb") as fh:
            data = fh.read(cap + 1)
    except ModelFileError:
        raise
    except FileNotFoundError:
        raise ModelFileError(path, "model file not found") from None
    except OSError as exc:
        raise ModelFileError(path, f"cannot read model file ({exc.strerror or exc})") from None
    if len(data) > cap:
        raise ModelFileError(path, f"file is too large (limit {cap} bytes)")
    return data


def looks_like(path: str | os.PathLike[str], format: str) -> bool:
    """Cheap check (no arrays read): is ``PATH.json`` a description of this ``format``?"""
    stem = _stem(path)
    json_path = stem.parent / f"{stem.name}.json"
    try:
        desc = _parse_description(_read_capped(json_path, MAX_DESCRIPTION_BYTES), str(json_path))
    except ModelFileError:
        return False
    return desc.get("format") == format


def load_model(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    format_version: int | None = None,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and check ``PATH.json`` + its NPZ; return ``(meta, arrays)`` (``meta`` without the
    ``store`` block). With ``format`` / ``format_version``, refuse other formats and versions."""
    stem = _stem(path)
    json_path = stem.parent / f"{stem.name}.json"
    raw = _read_capped(json_path, MAX_DESCRIPTION_BYTES)
    desc = _parse_description(raw, str(json_path))
    _check_format(desc, str(json_path), format, format_version)
    npz_path = json_path.parent / desc[STORE_KEY]["arrays_file"]
    npz = _read_capped(npz_path, MAX_ARRAYS_BYTES)
    return _check_arrays(desc, npz, str(json_path), str(npz_path))


def load_model_bytes(
    description: bytes,
    arrays: bytes,
    *,
    source: str = "<memory>",
    format: str | None = None,
    format_version: int | None = None,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """:func:`load_model` from the two files' bytes; ``source`` names the JSON in errors."""
    if len(description) > MAX_DESCRIPTION_BYTES:
        raise ModelFileError(source, "file is too large")
    desc = _parse_description(description, source)
    _check_format(desc, source, format, format_version)
    npz_name = desc[STORE_KEY]["arrays_file"]
    npz_where = str(Path(source).parent / npz_name) if source != "<memory>" else npz_name
    if len(arrays) > MAX_ARRAYS_BYTES:
        raise ModelFileError(npz_where, "file is too large")
    return _check_arrays(desc, arrays, source, npz_where)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _parse_description(raw: bytes, where: str) -> dict[str, Any]:
    def fail(msg: str) -> ModelFileError:
        return ModelFileError(where, msg)

    try:
        desc = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise fail("not a model description (not UTF-8 text)") from None
    except (json.JSONDecodeError, ValueError, RecursionError) as exc:
        raise fail(f"not a model description (invalid JSON: {exc})") from None
    if not isinstance(desc, dict):
        raise fail("not a model description (the top level is not a JSON object)")
    if not isinstance(desc.get("format"), str):
        raise fail("not a model description (no 'format')")
    store = desc.get(STORE_KEY)
    if not isinstance(store, dict) or set(store) != {"arrays_file", "arrays", "sha256"}:
        raise fail(f"not a model description (no valid {STORE_KEY!r} block with arrays_file, arrays, sha256)")
    if not isinstance(store["arrays_file"], str) or not _ARRAYS_NAME_RE.match(store["arrays_file"]):
        raise fail(f"arrays file {store['arrays_file']!r} must be a bare *.npz file name next to the description")
    if not isinstance(store["sha256"], str) or not re.fullmatch(r"[0-9a-f]{64}", store["sha256"]):
        raise fail("the recorded sha256 must be 64 lower-case hex digits")
    declared = store["arrays"]
    if not isinstance(declared, dict):
        raise fail("the declared arrays must be an object")
    total = 0
    for key, spec in declared.items():
        if not _ARRAY_NAME_RE.match(key):
            raise fail(f"invalid array name {key!r}")
        if not isinstance(spec, dict) or set(spec) != {"dtype", "shape"}:
            raise fail(f"array {key!r}: declaration must be {{'dtype', 'shape'}}")
        try:
            dt = np.dtype(spec["dtype"]) if isinstance(spec["dtype"], str) and len(spec["dtype"]) <= 8 else None
        except TypeError:
            dt = None
        if dt is None or not _dtype_ok(dt) or dt.str != spec["dtype"]:
            raise fail(f"array {key!r}: dtype {spec['dtype']!r} is not a numeric or unicode dtype")
        shape = spec["shape"]
        if not isinstance(shape, list) or len(shape) > 8 or not all(
            isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 2**40 for n in shape
        ):
            raise fail(f"array {key!r}: invalid shape {shape!r}")
        total += int(np.prod(shape, dtype=np.float64)) * dt.itemsize
    if total > MAX_ARRAY_BYTES_TOTAL:
        raise fail(f"the declared arrays are too large ({total} bytes)")
    return desc


def _check_format(desc: Mapping[str, Any], where: str, format: str | None, version: int | None) -> None:
    if format is not None and desc.get("format") != format:
        raise ModelFileError(where, f"unknown model format {desc.get('format')!r} (expected {format!r})")
    v = desc.get("format_version")
    if version is not None and (v != version or isinstance(v, bool)):
        raise ModelFileError(where, f"unsupported format_version {v!r} (this framing reads version {version})")


def _check_arrays(desc: dict[str, Any], npz: bytes, json_where: str, npz_where: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    def nfail(msg: str) -> ModelFileError:
        return ModelFileError(npz_where, msg)

    store = desc[STORE_KEY]
    # 1. The NPZ must be the one the description was saved with.
    found = hashlib.sha256(npz).hexdigest()
    if found != store["sha256"]:
        raise nfail(
            f"sha256 mismatch: the weights file is corrupted or was changed "
            f"(recorded {store['sha256'][:12]}..., found {found[:12]}...)"
        )
    declared = {k: (np.dtype(v["dtype"]), tuple(v["shape"])) for k, v in store["arrays"].items()}
    declared[_DIGEST_KEY] = (np.dtype(np.uint8), (32,))

    # 2. The zip: exactly the declared members, none larger than its declared array can be.
    try:
        with zipfile.ZipFile(io.BytesIO(npz)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise nfail(f"not a valid NPZ archive ({exc})") from None
    member_names = [zi.filename for zi in infos]
    if len(set(member_names)) != len(member_names):
        raise nfail("the NPZ archive has duplicate members")
    names = {n[:-4] for n in member_names if n.endswith(".npy")}
    if len(names) != len(member_names):
        raise nfail("the NPZ archive contains members that are not .npy arrays")
    missing = sorted(set(declared) - names)
    if missing:
        raise nfail(f"missing array(s): {', '.join(missing)}")
    unexpected = sorted(names - set(declared))
    if unexpected:
        raise nfail(f"unexpected array(s): {', '.join(unexpected)}")
    for zi in infos:
        dt, shape = declared[zi.filename[:-4]]
        limit = int(np.prod(shape, dtype=np.float64)) * dt.itemsize + 4096
        if zi.file_size > limit:
            raise nfail(f"array {zi.filename[:-4]!r} is larger than its declared shape allows")

    # 3. The arrays: never pickle; declared dtype and shape; finite floats.
    loaded: dict[str, np.ndarray] = {}
    try:
        with np.load(io.BytesIO(npz), allow_pickle=False) as data:
            for key in sorted(declared):
                try:
                    loaded[key] = np.asarray(data[key])
                except ValueError as exc:
                    if "allow_pickle" in str(exc) or "bject arrays" in str(exc):
                        raise nfail(f"array {key!r} is an object array (refused: reading it would need pickle)") from None
                    raise nfail(f"array {key!r} cannot be read ({exc})") from None
    except ModelFileError:
        raise
    except Exception as exc:  # zlib errors, truncated members, bad .npy headers
        raise nfail(f"not a valid NPZ archive ({type(exc).__name__}: {exc})") from None
    for key, arr in loaded.items():
        dt, shape = declared[key]
        if not _dtype_ok(arr.dtype):
            raise nfail(f"array {key!r} has dtype {arr.dtype} (only numeric and unicode arrays are read)")
        if arr.dtype != dt:
            raise nfail(f"array {key!r} has dtype {arr.dtype}, the description says {dt}")
        if arr.shape != shape:
            raise nfail(f"array {key!r} has shape {arr.shape}, the description says {shape}")
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            raise nfail(f"array {key!r} contains NaN or infinite values")

    # 4. The description must be the one these arrays were saved with.
    if loaded.pop(_DIGEST_KEY).tobytes() != _canonical_digest(desc):
        raise ModelFileError(
            json_where,
            "description does not match its weights (the JSON was edited after saving, "
            "or the two files come from different models)",
        )
    meta = {k: v for k, v in desc.items() if k != STORE_KEY}
    return meta, loaded


# --------------------------------------------------------------------------------------------
# Linear text models on top of the generic storage
# --------------------------------------------------------------------------------------------

_LINEAR_KEYS = (
    "format",
    "format_version",
    "name",
    "classes",
    "calibration",
    "preprocess",
    "extra_features",
    "linear",
    "metadata",
    "vectorizers",
)


def _save(model: LinearTextModel, directory: Path, *, dtype: str) -> tuple[Path, Path]:
    if dtype not in _FLOAT_DTYPES:
        raise ValueError(f"dtype must be one of {sorted(_FLOAT_DTYPES)}")
    np_dtype = _FLOAT_DTYPES[dtype]

    def cast(a: np.ndarray) -> np.ndarray:
        out = np.asarray(a, dtype=np.float64).astype(np_dtype)
        if not np.all(np.isfinite(out)):
            raise ValueError(f"a value does not fit in {dtype}")
        return out

    arrays: dict[str, np.ndarray] = {f"idf_{i}": cast(v.idf) for i, v in enumerate(model.vectorizers)}
    arrays["coef"] = cast(model.coef_)
    arrays["intercept"] = cast(model.intercept_)
    if model.extra_mean is not None:
        arrays["extra_mean"] = cast(model.extra_mean)
    if model.extra_scale is not None:
        arrays["extra_scale"] = cast(model.extra_scale)
    meta: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": model.name,
        "classes": [str(c) for c in model.classes_],
        "calibration": {"method": "temperature", "temperature": model.temperature},
        "preprocess": model.preprocess.to_dict(),
        "extra_features": {
            "names": list(model.extra_features),
            "mean": model.extra_mean is not None,
            "scale": model.extra_scale is not None,
        },
        "linear": {"n_outputs": int(model.coef_.shape[0]), "n_features": int(model.n_features_)},
        "metadata": model.metadata,
        "vectorizers": [
            {"name": v.name, "kind": "tfidf", "params": v.params_dict(), "vocabulary": list(v.vocabulary)}
            for v in model.vectorizers
        ],
    }
    json_path, npz_path = save_model(directory / model.name, meta, arrays)
    return json_path, npz_path


def save_linear_model(
    directory: str | os.PathLike[str],
    name: str,
    *,
    vectorizers: Any,
    coef: Any,
    intercept: Any,
    classes: Sequence[str],
    calibration: Any = None,
    metadata: Mapping[str, Any] | None = None,
    extra_features: Sequence[str] = (),
    extra_mean: Any = None,
    extra_scale: Any = None,
    preprocess: TextPreprocess | Mapping[str, Any] | None = None,
    dtype: str = "float32",
) -> tuple[Path, Path]:
    """Validate and write ``directory/NAME.json`` + ``directory/NAME.npz``; return their paths."""
    model = LinearTextModel(
        name=name,
        vectorizers=vectorizers,
        coef=np.asarray(coef),
        intercept=np.asarray(intercept),
        classes=classes,
        calibration=calibration,
        metadata=metadata,
        extra_features=extra_features,
        extra_mean=extra_mean,
        extra_scale=extra_scale,
        preprocess=preprocess,
    )
    return model.save(directory, dtype=dtype)


def load_linear_model(path: str | os.PathLike[str]) -> LinearTextModel:
    """Load ``NAME.json`` + the NPZ it names (same directory); refuse anything suspicious."""
    stem = _stem(path)
    meta, arrays = load_model(stem, format=FORMAT, format_version=FORMAT_VERSION)
    return _linear_from_store(meta, arrays, str(stem.parent / f"{stem.name}.json"))


def load_linear_model_bytes(description: bytes, arrays: bytes, *, source: str = "<memory>") -> LinearTextModel:
    """:func:`load_linear_model` from the two files' bytes (e.g. ``importlib.resources`` data)."""
    meta, loaded = load_model_bytes(description, arrays, source=source, format=FORMAT, format_version=FORMAT_VERSION)
    return _linear_from_store(meta, loaded, source)


def _linear_from_store(desc: dict[str, Any], arrays: dict[str, np.ndarray], where: str) -> LinearTextModel:
    def fail(msg: str) -> ModelFileError:
        return ModelFileError(where, msg)

    missing = [k for k in _LINEAR_KEYS if k not in desc]
    if missing:
        raise fail(f"description field(s) missing: {', '.join(missing)}")
    unknown = sorted(set(desc) - set(_LINEAR_KEYS))
    if unknown:
        raise fail(f"unexpected description field(s): {', '.join(unknown)}")
    vec_descs = desc["vectorizers"]
    if not isinstance(vec_descs, list) or not vec_descs:
        raise fail('"vectorizers" must be a non-empty list')
    classes = desc["classes"]
    if not isinstance(classes, list) or len(classes) < 2 or not all(isinstance(c, str) and c for c in classes):
        raise fail('"classes" must be a list of at least two strings')
    extra = desc["extra_features"]
    if (
        not isinstance(extra, dict)
        or set(extra) != {"names", "mean", "scale"}
        or not isinstance(extra["names"], list)
        or not all(isinstance(n, str) for n in extra["names"])
        or not isinstance(extra["mean"], bool)
        or not isinstance(extra["scale"], bool)
    ):
        raise fail('"extra_features" must be {"names": [...], "mean": bool, "scale": bool}')
    linear = desc["linear"]
    if not isinstance(linear, dict) or set(linear) != {"n_outputs", "n_features"}:
        raise fail('"linear" must be {"n_outputs": int, "n_features": int}')
    for key in ("metadata", "preprocess"):
        if not isinstance(desc[key], dict):
            raise fail(f'"{key}" must be an object')
    for i, vd in enumerate(vec_descs):
        if not isinstance(vd, dict) or set(vd) != {"name", "kind", "params", "vocabulary"}:
            raise fail(f"vectorizer {i} must have exactly name, kind, params, vocabulary")
        if vd["kind"] != "tfidf":
            raise fail(f"vectorizer {i}: unknown kind {vd['kind']!r} (expected 'tfidf')")
        if not isinstance(vd["params"], dict) or set(vd["params"]) != set(_TFIDF_PARAMS):
            raise fail(f"vectorizer {i}: params must be exactly {', '.join(_TFIDF_PARAMS)}")
        if not isinstance(vd["vocabulary"], list):
            raise fail(f"vectorizer {i}: vocabulary must be a list")
    n_classes = len(classes)
    n_extra = len(extra["names"])
    n_features = sum(len(vd["vocabulary"]) for vd in vec_descs) + n_extra
    n_out = linear["n_outputs"]
    if isinstance(n_out, bool) or n_out not in ((1, 2) if n_classes == 2 else (n_classes,)):
        raise fail(f"linear n_outputs {n_out!r} does not fit {n_classes} classes")
    if linear["n_features"] != n_features:
        raise fail(f"linear n_features {linear['n_features']!r} does not match the vocabularies ({n_features})")

    expected: dict[str, tuple[int, ...]] = {f"idf_{i}": (len(vd["vocabulary"]),) for i, vd in enumerate(vec_descs)}
    expected["coef"] = (n_out, n_features)
    expected["intercept"] = (n_out,)
    if extra["mean"]:
        expected["extra_mean"] = (n_extra,)
    if extra["scale"]:
        expected["extra_scale"] = (n_extra,)
    missing = sorted(set(expected) - set(arrays))
    if missing:
        raise fail(f"missing array(s): {', '.join(missing)}")
    unexpected = sorted(set(arrays) - set(expected))
    if unexpected:
        raise fail(f"unexpected array(s): {', '.join(unexpected)}")
    for key, shape in expected.items():
        arr = arrays[key]
        if arr.dtype.kind != "f":
            raise fail(f"array {key!r} has dtype {arr.dtype}, expected float16/float32/float64")
        if arr.shape != shape:
            raise fail(f"array {key!r} has shape {arr.shape}, expected {shape}")
    try:
        vectorizers = [
            TfidfFeatures(
                name=vd["name"],
                vocabulary=tuple(vd["vocabulary"]),
                idf=arrays[f"idf_{i}"].astype(np.float64),
                **vd["params"],
            )
            for i, vd in enumerate(vec_descs)
        ]
        return LinearTextModel(
            name=desc["name"],
            vectorizers=vectorizers,
            coef=arrays["coef"],
            intercept=arrays["intercept"],
            classes=classes,
            calibration=desc["calibration"],
            metadata=desc["metadata"],
            extra_features=extra["names"],
            extra_mean=arrays.get("extra_mean"),
            extra_scale=arrays.get("extra_scale"),
            preprocess=desc["preprocess"],
        )
    except (ValueError, TypeError) as exc:
        raise fail(f"invalid model description ({exc})") from None
