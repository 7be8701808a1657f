"""TF-IDF blocks as plain data, with scikit-learn's exact `TfidfVectorizer.transform` semantics.

``TfidfFeatures``
    One TF-IDF block as plain data with sklearn's exact ``TfidfVectorizer.transform``
    semantics; ``TfidfFeatures.from_sklearn(vectorizer, name)``; ``.transform(texts)``,
    ``.counts(texts)``. Word n-grams (without accent stripping) are counted by an own
    implementation several times faster than sklearn's that gives the same numbers (tests compare
    it with sklearn's, kept as ``._sklearn_transform``); other settings use sklearn.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp

__all__ = ["TfidfFeatures", "TFIDF_PARAMS", "MODEL_NAME_RE"]

MODEL_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$")  # model and vectorizer names

_ANALYZERS = ("word", "char", "char_wb")
_NORMS = ("l1", "l2", None)
_ACCENTS = (None, "ascii", "unicode")
TFIDF_PARAMS = (
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
        if not isinstance(self.name, str) or not MODEL_NAME_RE.match(self.name):
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

