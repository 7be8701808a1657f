"""Counting n-grams for several n-gram models in one pass, and their decision values.

The one TF-IDF implementation of framing, for the frame classifiers and the lean model
(`framing.scoring.ngram_model.NgramModel`). `NgramCounter` numbers each token type once (with its
id in each word vocabulary and its character n-gram ids), finds every model's n-grams per unit
(sentence, passage or whole text) with `word_ngram_columns` (integer keys searched in sorted
tables, no n-gram string built) and a few array gathers, and turns the counts into each model's
logits: sublinear TF x IDF, L2-normalised per block, times the weights, with one sparse product
per analyzer (`csr_dot`, scipy's compiled kernel, checked against the public product at first
use). The products are float32 with IDF folded into the weights (the frame classifiers), or
float64 in scikit-learn's order (the lean model), as each model was trained and checked.

The integer work (token types, character n-gram ids, the word n-gram walk, grouping the counts)
runs in the compiled accelerator when it is active (`framing/_accel/ngrams.c`, chosen by
`framing.accel`); the functions here named `_pure_*` are its reference, with the same results
(tests/scoring/test_accel_ngrams.py). The products always run in numpy, so the order in which each
logit's terms are added, and with it every bit, is the same on both paths.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from .. import accel
from .features import _token_char_ngrams, finish_lexicon_features, is_word

# A framing.scoring.ngram_model.NgramModel (not imported: the model module uses this one)
NgramModel = Any

__all__ = ["NgramCounter", "UnitCounts", "group_counts", "csr_dot", "AnalyzerKey", "numbers_of"]

_VECTOR_KIND = "vectors"  # analyzer kind of the word-vector vocabulary in the counter

AnalyzerKey = tuple[str, tuple[int, int]]

# The compiled integer loops (framing/_accel/ngrams.c), or None on the pure-Python path; read at
# each call, so a test can set it to None and compare both paths in one process.
_NGRAMS = accel.compiled("ngrams")
_CLEANUP = accel.compiled("cleanup")  # the lean model's token types (`letter_run_counts`)


@dataclass
class UnitCounts:
    """Raw n-gram counts of an article's units for one analyzer, as coordinate arrays sorted by
    unit, then union id: unit index, union vocabulary id, count (whole numbers)."""

    units: np.ndarray
    ids: np.ndarray
    counts: np.ndarray


_RUN_TYPES = (np.dtype(np.int32), np.dtype(np.int64))  # what the compiled unit_runs reads
_RUNS_MAX_SIZE = 1 << 24  # unit_runs' largest vocabulary (its scratch: 4 bytes and a bit per id)


def group_counts(units: np.ndarray, ids: np.ndarray, *, size: int, unit_of: np.ndarray | None = None) -> UnitCounts:
    """The distinct (unit, id) pairs of n-gram occurrences, sorted by unit then id, with their
    counts; with `unit_of`, occurrence i's unit is `unit_of[units[i]]` (its sentence's passage).
    The order matters: it is the order in which a unit's terms are added up in its product with
    the weights, so it fixes the last bits of the logits.

    The occurrences come unit after unit (tokens in text order; passages are runs of sentences),
    so the compiled `unit_runs` counts each unit in a table and reads its ids back in order from
    a bitmap, mapping sentences to units once per sentence: one pass, no sort, 1.75x faster on
    the classifiers' occurrences than numpy's sort (SIMD) of the keys `unit * size + id`, which
    the pure-Python path (the reference) and units out of order still use."""
    compiled = _NGRAMS
    if compiled is not None:
        found = _runs_in_order(compiled, units, ids, size, unit_of)
        if found is not None:
            return found
    if unit_of is not None:
        units = unit_of[units]
    n_units = int(units.max()) + 1 if units.size else 0
    key_type = np.int32 if n_units * size < 2**31 else np.int64  # int32 sorts twice as fast
    keys = np.multiply(units, size, dtype=key_type)  # key_type holds every key (units are whole numbers below n_units)
    keys += ids
    keys.sort()
    if not keys.size:
        return UnitCounts(np.empty(0, dtype=key_type), np.empty(0, dtype=key_type), np.empty(0, dtype=np.int64))
    if compiled is not None:  # units out of order: the runs of the sorted keys
        out_units, out_ids, out_counts = np.empty(keys.size, dtype=key_type), np.empty(keys.size, dtype=key_type), np.empty(keys.size, dtype=np.int64)
        m = compiled.key_runs(keys, size, out_units, out_ids, out_counts)
        return UnitCounts(out_units[:m], out_ids[:m], out_counts[:m])
    first = np.empty(keys.size, dtype=bool)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.empty_like(starts)
    counts[:-1] = starts[1:]
    counts[:-1] -= starts[:-1]
    counts[-1] = keys.size - starts[-1]
    distinct = keys[starts]
    unit = distinct // size
    return UnitCounts(unit, distinct - unit * size, counts)


def _runs_in_order(compiled: Any, units: np.ndarray, ids: np.ndarray, size: int, unit_of: np.ndarray | None) -> UnitCounts | None:
    """`group_counts` by the compiled `unit_runs`, or None when it does not apply: units that
    decrease somewhere (it finds out), array types it does not read, a vocabulary past its table."""
    arrays = (units, ids) if unit_of is None else (units, ids, unit_of)
    if not units.size or size > _RUNS_MAX_SIZE or any(a.dtype not in _RUN_TYPES for a in arrays):
        return None
    units, ids = np.ascontiguousarray(units), np.ascontiguousarray(ids)
    unit_of = None if unit_of is None else np.ascontiguousarray(unit_of)
    last = int(units[-1]) if unit_of is None else int(unit_of[units[-1]])  # the largest unit, if they never decrease
    key_type = np.int32 if (last + 1) * size < 2**31 else np.int64  # as group_counts' sort picks it
    out_units, out_ids, out_counts = np.empty(units.size, dtype=key_type), np.empty(units.size, dtype=key_type), np.empty(units.size, dtype=np.int64)
    m = compiled.unit_runs(units, ids, size, unit_of, out_units, out_ids, out_counts)
    return UnitCounts(out_units[:m], out_ids[:m], out_counts[:m]) if m >= 0 else None


def numbers_of(norms: list[str], numbers: Mapping[str, int]) -> np.ndarray:
    """`numbers.get(norm, -1)` of each norm (a dict of whole numbers), as an int64 array (the
    compiled `lookup` when the accelerator is active)."""
    compiled = _NGRAMS
    if compiled is None:
        return np.fromiter(map(numbers.get, norms, repeat(-1)), dtype=np.int64, count=len(norms))
    out = np.empty(len(norms), dtype=np.int64)
    compiled.lookup(norms, numbers, out)
    return out


def _grown(arr: np.ndarray, n: int, fill: Any) -> np.ndarray:
    """`arr` with room for at least `n` entries (capacity doubles; new slots hold `fill`)."""
    if n <= arr.size:
        return arr
    out = np.full(max(n, 2 * arr.size), fill, dtype=arr.dtype)
    out[: arr.size] = arr
    return out


_NO_KEY = np.iinfo(np.int64).max  # ends every key table: searchsorted never runs past the end


@dataclass(frozen=True)
class WordNgramTable:
    """A word n-gram vocabulary as integer tables, so that no n-gram string is ever built.

    Each token that some term uses has an id (`token_ids`; any other token is `unknown`). A
    unigram's column is `unigram_column[id]`. Longer n-grams are followed prefix by prefix:
    `levels[k - 2]` holds, for the k-token prefixes of the terms, the sorted keys
    `state of the (k-1)-token prefix * n_ids + id of the k-th token` (then `_NO_KEY`), the state
    each key leads to (then a dead state no key uses) and the column of each state (-1 when that
    prefix is not itself a term). A term splits into its tokens at its spaces, in one way only
    as long as no token holds a space (counting refuses one that does).
    """

    token_ids: Mapping[str, int]
    unknown: int
    unigram_column: np.ndarray
    levels: tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]
    ngram_range: tuple[int, int]
    # at_position[j][id]: the token is the (j + 1)-th of some term of more than one token (a
    # cheap test that leaves most token pairs out of the search)
    at_position: tuple[np.ndarray, ...] = ()
    # state_starts[k - 2][s]: where the keys of state s start in levels[k - 2]'s keys (they run to
    # state_starts[k - 2][s + 1]), so the compiled walk searches only a state's few keys
    state_starts: tuple[np.ndarray, ...] = ()

    @property
    def n_ids(self) -> int:
        return self.unknown + 1

    @classmethod
    def build(cls, vocab: Mapping[str, int], ngram_range: tuple[int, int]) -> "WordNgramTable":
        min_n, max_n = ngram_range
        terms = list(vocab)
        n_tokens = np.fromiter((t.count(" ") + 1 for t in terms), dtype=np.int64, count=len(terms))
        kept = np.flatnonzero((n_tokens >= min_n) & (n_tokens <= max_n))  # other terms are never produced from space-free tokens
        lengths = n_tokens[kept]
        parts = " ".join([terms[i] for i in kept.tolist()]).split(" ") if kept.size else []
        token_ids = {p: i for i, p in enumerate(dict.fromkeys(parts))}
        unknown = len(token_ids)
        n_ids = unknown + 1
        flat = np.fromiter(map(token_ids.__getitem__, parts), dtype=np.int64, count=len(parts))
        starts = np.cumsum(lengths) - lengths
        ids = np.full((kept.size, max_n), -1, dtype=np.int64)  # each term's token ids, padded
        for j in range(max_n):
            longer = lengths > j
            ids[longer, j] = flat[starts[longer] + j]
        columns = np.fromiter(vocab.values(), dtype=np.int64, count=len(terms))[kept]
        unigram_column = np.full(n_ids, -1, dtype=np.int64)
        single = lengths == 1
        unigram_column[ids[single, 0]] = columns[single]
        at_position = []
        for j in range(max_n):
            found = np.zeros(n_ids, dtype=bool)
            found[ids[(lengths > 1) & (lengths > j), j]] = True
            at_position.append(found)
        # level k: the distinct (state of a (k-1)-token prefix, k-th token id) keys of the terms of
        # k tokens or more, sorted; a k-token prefix's state is its key's rank (a 1-token
        # prefix's state is its token id)
        levels = []
        state_starts = []
        n_states = n_ids
        state = ids[:, 0].copy()
        for k in range(2, max_n + 1):
            longer = np.flatnonzero(lengths >= k)
            keys, rank = np.unique(state[longer] * n_ids + ids[longer, k - 1], return_inverse=True)
            level_columns = np.full(keys.size, -1, dtype=np.int64)
            ends = lengths[longer] == k
            level_columns[rank[ends]] = columns[longer[ends]]
            state[longer] = rank
            levels.append((np.append(keys, _NO_KEY), np.arange(keys.size + 1, dtype=np.int64), np.append(level_columns, -1)))
            state_starts.append(np.searchsorted(keys, np.arange(n_states + 1, dtype=np.int64) * n_ids).astype(np.int64))
            n_states = keys.size + 1
        return cls(token_ids, unknown, unigram_column, tuple(levels), (min_n, max_n), tuple(at_position), tuple(state_starts))


def word_ngram_columns(ids: np.ndarray, segments: np.ndarray, table: WordNgramTable) -> tuple[np.ndarray, np.ndarray]:
    """Every word n-gram of the vocabulary in a run of tokens, as (segment, column) pairs in no
    particular order. `ids` are the tokens' ids in `table`, in text order; `segments` (one per
    token, non-decreasing: its sentence, or its text) keeps n-grams from spanning two segments.

    The one loop from tokens to n-gram columns: a pure function of integer arrays, compiled in
    `framing/_accel/ngrams.c` (tests/scoring/test_classifier_fastpath.py and tests/scoring/test_lean_fastpath.py
    check it against joined n-gram strings, tests/scoring/test_accel_ngrams.py both paths)."""
    compiled = _NGRAMS
    if compiled is None:
        return _pure_word_ngram_columns(ids, segments, table)
    min_n, max_n = table.ngram_range
    room = ids.size * (max_n - min_n + 1)  # at most one n-gram of each length starts at a token
    out_segments, out_columns = np.empty(room, dtype=segments.dtype), np.empty(room, dtype=np.int64)
    m = compiled.word_ngrams(ids, segments, table.unigram_column, table.at_position, table.levels, table.state_starts, table.n_ids, min_n, max_n, out_segments, out_columns)
    return out_segments[:m], out_columns[:m]


def _pure_word_ngram_columns(ids: np.ndarray, segments: np.ndarray, table: WordNgramTable) -> tuple[np.ndarray, np.ndarray]:
    """`word_ngram_columns` in numpy, one n-gram length at a time (the compiled path's reference)."""
    min_n, max_n = table.ngram_range
    n_ids = table.n_ids
    found_seg: list[np.ndarray] = []
    found_col: list[np.ndarray] = []
    if min_n == 1:
        cols = table.unigram_column[ids]
        hit = cols >= 0
        found_seg.append(segments[hit])
        found_col.append(cols[hit])
    # state[i]: the (k-1)-token term prefix that starts at token i, where alive[i]
    state, alive = ids, table.at_position[0][ids] if table.levels else None
    n_states = n_ids
    for k, (keys, states, level_columns) in enumerate(table.levels, start=2):
        n = len(ids) - k + 1
        if n <= 0:
            break
        where = np.flatnonzero(alive[:n] & table.at_position[k - 1][ids[k - 1 :]] & (segments[:n] == segments[k - 1 :]))
        key = state[where] * n_ids + ids[where + (k - 1)]
        if k == max_n:
            # positions no longer matter: search (segment, key) pairs in sorted order, which is
            # faster than searching them in text order
            seg = segments[where]
            span = (n_states + 1) * n_ids
            if seg.size and (int(seg[-1]) + 1) * span < 2**62:
                both = seg.astype(np.int64) * span + key
                both.sort()
                seg = both // span
                key = both - seg * span
            pos = np.searchsorted(keys, key)
            hit = keys[pos] == key
            cols = level_columns[states[pos[hit]]]
            ok = cols >= 0
            found_seg.append(seg[hit][ok])
            found_col.append(cols[ok])
            break
        pos = np.searchsorted(keys, key)
        hit = keys[pos] == key
        where, reached = where[hit], states[pos[hit]]
        state = np.zeros(n, dtype=np.int64)
        state[where] = reached
        alive = np.zeros(n, dtype=bool)
        alive[where] = True
        n_states = len(states)
        if k >= min_n:
            cols = level_columns[reached]
            ok = cols >= 0
            found_seg.append(segments[where[ok]])
            found_col.append(cols[ok])
    if not found_seg:
        return np.empty(0, dtype=segments.dtype), np.empty(0, dtype=np.int64)
    return np.concatenate(found_seg), np.concatenate(found_col)


class _WordNgramIds:
    """Union ids of word n-grams: each token type's id in the `WordNgramTable` is looked up
    once, so an article's n-grams are a gather and `word_ngram_columns`."""

    def __init__(self, table: WordNgramTable) -> None:
        self.table = table
        self.token_id = np.full(1024, table.unknown, dtype=np.int64)

    def add_types(self, first: int, norms: Sequence[str], words: np.ndarray) -> None:
        end = first + len(norms)
        self.token_id = _grown(self.token_id, end, self.table.unknown)
        if any(" " in t for t in norms):
            raise ValueError(f"a token holds a space ({next(t for t in norms if ' ' in t)!r}): n-gram terms are tokens joined by spaces")
        get, unknown = self.table.token_ids.get, self.table.unknown
        self.token_id[first:end] = [get(t, unknown) for t in norms]

    def ids(self, types: np.ndarray, sents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(sentence, id) of each n-gram of the word tokens (`types`, in text order, with their
        sentences); n-grams never span two sentences."""
        found_sents, cols = word_ngram_columns(self.token_id[types], sents, self.table)
        return found_sents, cols.astype(np.int32)


class _CharNgramIds:
    """Union ids of character n-grams (`char_wb`): each token type's ids are computed once and
    kept end to end in one buffer, so an article's are one gather."""

    def __init__(self, vocab: Mapping[str, int], ngram_range: tuple[int, int]) -> None:
        self.vocab = vocab
        self.lo, self.hi = ngram_range
        self.start = np.zeros(1024, dtype=np.int64)
        self.length = np.zeros(1024, dtype=np.int64)
        self.buffer = np.zeros(1 << 16, dtype=np.int32)
        self.filled = 0

    def add_types(self, first: int, norms: Sequence[str], words: np.ndarray) -> None:
        end = first + len(norms)
        compiled = _NGRAMS
        if compiled is None:
            lengths, found = self._pure_ngram_ids(norms, words)
        else:
            lengths = np.empty(len(norms), dtype=np.int64)
            found = np.frombuffer(compiled.char_ngram_ids(list(norms), np.ascontiguousarray(words, dtype=bool), self.vocab, self.lo, self.hi, lengths), dtype=np.int32)
        self.start = _grown(self.start, end, 0)
        self.length = _grown(self.length, end, 0)
        self.start[first:end] = self.filled + np.cumsum(lengths) - lengths
        self.length[first:end] = lengths
        total = int(lengths.sum())
        self.buffer = _grown(self.buffer, self.filled + total, 0)
        self.buffer[self.filled : self.filled + total] = found
        self.filled += total

    def _pure_ngram_ids(self, norms: Sequence[str], words: np.ndarray) -> tuple[np.ndarray, list[int]]:
        """Each norm's number of known character n-grams (none for a non-word) and their ids end
        to end (the compiled `char_ngram_ids`' reference)."""
        get, lo, hi = self.vocab.get, self.lo, self.hi
        found = [[j for j in map(get, _token_char_ngrams(t, lo, hi), repeat(-1)) if j >= 0] if w else [] for t, w in zip(norms, words.tolist())]
        lengths = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
        return lengths, [j for ids in found for j in ids]

    def ids(self, types: np.ndarray, sents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sizes = self.length[types]
        total = int(sizes.sum())
        if total == 0:
            return np.empty(0, dtype=sents.dtype), np.empty(0, dtype=np.int32)
        compiled = _NGRAMS
        if compiled is not None:
            out_sents, out_ids = np.empty(total, dtype=sents.dtype), np.empty(total, dtype=np.int32)
            compiled.char_gather(types, sents, self.start, self.length, self.buffer, out_sents, out_ids)
            return out_sents, out_ids
        # each token's ids: start[type] .. start[type] + size, laid end to end
        offsets = np.cumsum(sizes) - sizes
        gather = np.arange(total) + np.repeat(self.start[types] - offsets, sizes)
        return np.repeat(sents, sizes), self.buffer[gather]


@lru_cache(maxsize=1)
def _matvecs() -> Any:
    """scipy's compiled `csr @ dense` loop, called without building a `csr_matrix` (whose
    constructor checks cost more than the product on a sentence-sized matrix); None when this
    scipy lacks it or it does not give exactly what the public product gives."""
    from scipy.sparse import csr_matrix

    try:
        from scipy.sparse._sparsetools import csr_matvecs
    except ImportError:
        return None
    rng = np.random.default_rng(0)
    indptr = np.array([0, 3, 3, 7], dtype=np.int32)
    indices = np.array([0, 2, 5, 1, 2, 3, 4], dtype=np.int32)
    data = rng.random(indices.size).astype(np.float32)
    dense = rng.standard_normal((6, 5)).astype(np.float32)
    try:
        out = np.zeros((3, 5), dtype=np.float32)
        csr_matvecs(3, 6, 5, indptr, indices, data, dense.ravel(), out.ravel())
    except Exception:  # a changed private signature: use the public product
        return None
    expected = csr_matrix((data, indices, indptr), shape=(3, 6)) @ dense
    return csr_matvecs if np.array_equal(out, expected) else None


def csr_dot(n_rows: int, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, dense: np.ndarray) -> np.ndarray:
    """`csr_matrix((data, indices, indptr), shape=(n_rows, len(dense))) @ dense`, bit for bit
    (float32 inputs: float32 sums, each row's terms added in order). `dense` is C-contiguous."""
    fn = _matvecs()
    if fn is None:
        from scipy.sparse import csr_matrix

        return np.asarray(csr_matrix((data, indices, indptr), shape=(n_rows, dense.shape[0])) @ dense)
    out = np.zeros((n_rows, dense.shape[1]), dtype=np.result_type(data, dense))
    fn(n_rows, dense.shape[0], dense.shape[1], indptr, indices, data, dense.ravel(), out.ravel())
    return out


def _normalize_rows(data: np.ndarray, indptr: np.ndarray) -> None:
    """Divide each CSR row by its L2 norm in place, as scikit-learn's `normalize` does: the norm
    summed in storage order, one term after another (a cumulative sum, not numpy's pairwise
    sum); empty and all-zero rows are left alone."""
    for i in range(len(indptr) - 1):
        start, stop = int(indptr[i]), int(indptr[i + 1])
        if start == stop:
            continue
        row = data[start:stop]
        total = float(np.cumsum(row * row)[-1])
        if total != 0.0:
            row /= math.sqrt(total)


class _TypeNumbers:
    """`numbers.get(norm, -1)` of each token type, kept as the types are numbered, so the
    numbers of an article's tokens are one gather, not a second lookup of every norm."""

    def __init__(self, numbers: Mapping[str, int], norms: list[str]) -> None:
        self.numbers = numbers  # (kept: the counter knows it by identity)
        self.of_type = np.full(max(len(norms), 1024), -1, dtype=np.int64)
        self.of_type[: len(norms)] = numbers_of(norms, numbers)

    def add_types(self, first: int, norms: list[str], words: np.ndarray) -> None:
        end = first + len(norms)
        self.of_type = _grown(self.of_type, end, -1)
        self.of_type[first:end] = numbers_of(norms, self.numbers)


class NgramCounter:
    """Counts the n-grams of several models in one pass over an article's tokens, and turns the
    counts into each model's decision values.

    Models whose blocks use the same analyzer share one union vocabulary; each block keeps its
    IDF weights and linear weights indexed by union id (0 where the block lacks the n-gram), so
    the models that score the same units get all their TF-IDF numerators and norms from one
    sparse product per analyzer. Token types are numbered as they are first seen, with their
    unigram, bigram-part and character n-gram ids (news vocabularies repeat), so an article's
    n-grams are a few array gathers.
    """

    _CACHE_LIMIT = 100_000  # token types remembered (~30 MB); beyond this the tables start afresh
    _NUMBERS_LIMIT = 4  # mappings with a per-type table (`occurrences_and_numbers`); beyond this they start afresh

    def __init__(self, models: Iterable[NgramModel]) -> None:
        models = list(models)
        if len({(m.products, m.tokens) for m in models}) > 1:
            raise ValueError("one NgramCounter counts models that read the same tokens with the same products")
        # float64 products follow scikit-learn's order (columns in the file's order); float32 ones
        # may renumber the columns (below), as their sums are the fused ones
        self.products = models[0].products if models else "float32"
        # the tokens n-grams are made of: framing's words (not bare punctuation), or a token
        # pattern's tokens but its stop words (dropped here, once per token type)
        pattern = models[0].tokens if models else None
        self.stop_words: frozenset[str] | None = None if pattern is None else frozenset(pattern.stop_words)
        self.vocab: dict[AnalyzerKey, dict[str, int]] = {}
        block_cols: dict[tuple[int, int], np.ndarray] = {}
        for model in models:
            for bi, block in enumerate(model.blocks):
                vocab = self.vocab.setdefault(block.key, {})
                cols = np.empty(len(block.terms), dtype=np.int64)
                for j, term in enumerate(block.terms):
                    cols[j] = vocab.setdefault(term, len(vocab))
                block_cols[(id(model), bi)] = cols
        # Renumber each union vocabulary from the most to the least frequent n-gram (lowest IDF
        # first): the weight rows an article touches most then sit together in memory.
        for key, vocab in (self.vocab.items() if self.products == "float32" else ()):
            best = np.full(len(vocab), np.inf)
            for model in models:
                for bi, block in enumerate(model.blocks):
                    if block.key == key:
                        cols = block_cols[(id(model), bi)]
                        best[cols] = np.minimum(best[cols], block.idf)
            new_id = np.empty(len(vocab), dtype=np.int64)
            new_id[np.argsort(best, kind="stable")] = np.arange(len(vocab))
            for term, old in vocab.items():
                vocab[term] = int(new_id[old])
            for (mid, bi), cols in block_cols.items():
                if any(id(m) == mid and m.blocks[bi].key == key for m in models):
                    block_cols[(mid, bi)] = new_id[cols]
        # Per analyzer, every (model, block) that uses it stacked side by side over the union
        # vocabulary: IDF x weights (one column per class) and IDF squared (one column per
        # block), so one sparse product per analyzer gives every model's numerators and norms.
        # Blocks are known by (the model's position, the block's): ids change when the counter
        # is pickled (worker processes that are not forked, Dask workers), positions do not.
        self._models = models
        self._position = {id(m): i for i, m in enumerate(models)}
        self.slots: dict[tuple[int, int], tuple[AnalyzerKey, int, int]] = {}
        weight_parts: dict[AnalyzerKey, list[np.ndarray]] = {k: [] for k in self.vocab}
        idf2_parts: dict[AnalyzerKey, list[np.ndarray]] = {k: [] for k in self.vocab}
        for model in models:
            offset = 0
            for bi, block in enumerate(model.blocks):
                key = block.key
                size = max(len(self.vocab[key]), 1)
                cols = block_cols[(id(model), bi)]
                idf = np.zeros(size)
                idf[cols] = block.idf
                weights = np.zeros((size, len(model.classes)))
                weights[cols] = model.coef[:, offset : offset + len(block.terms)].T * block.idf[:, None]
                start = sum(w.shape[1] for w in weight_parts[key])
                self.slots[(self._position[id(model)], bi)] = (key, start, len(idf2_parts[key]))
                weight_parts[key].append(weights)
                idf2_parts[key].append((idf * idf)[:, None])
                offset += len(block.terms)
        # float32: half the memory traffic of the products; logits stay accurate to ~1e-6
        self.stack_weights = {k: np.hstack(v).astype(np.float32) for k, v in weight_parts.items() if v}
        self.stack_idf2 = {k: np.hstack(v).astype(np.float32) for k, v in idf2_parts.items() if v}
        # float64 products (scikit-learn's order): each block's IDF and weights over its union
        # vocabulary, as they are
        self.float64_blocks: dict[tuple[int, int], tuple[AnalyzerKey, np.ndarray, np.ndarray]] = {}
        if self.products == "float64":
            for model in models:
                offset = 0
                for bi, block in enumerate(model.blocks):
                    size = max(len(self.vocab[block.key]), 1)
                    cols = block_cols[(id(model), bi)]
                    idf = np.zeros(size)
                    idf[cols] = block.idf
                    weights = np.zeros((size, len(model.classes)))
                    weights[cols] = model.coef[:, offset : offset + len(block.terms)].T
                    self.float64_blocks[(self._position[id(model)], bi)] = (block.key, idf, weights)
                    offset += len(block.terms)
        # Word vectors: their own unigram vocabulary (the table's order), the table, and per model
        # the table times the model's weights (a word's contribution to each class's logit before
        # the unit's normalisation), so a unit needs two sparse products, not a dense matrix.
        self.vector_tables: dict[AnalyzerKey, np.ndarray] = {}
        self.vector_weights: dict[int, tuple[AnalyzerKey, np.ndarray]] = {}
        for model in models:
            vb = model.vector_block
            if vb is None:
                continue
            key = (f"{_VECTOR_KIND}:{vb.vectors.digest[:16]}", (1, 1))
            if key not in self.vector_tables:
                self.vocab[key] = dict(vb.vectors.index)
                self.vector_tables[key] = np.ascontiguousarray(vb.vectors.vectors, dtype=np.float32)
            w = model.coef[:, model.vector_offset : model.vector_offset + vb.n_dims]
            self.vector_weights[self._position[id(model)]] = (key, np.ascontiguousarray(vb.scale * (vb.vectors.vectors @ w.T), dtype=np.float32))
        self._fresh_caches()

    def _fresh_caches(self) -> None:
        self._plans: dict[tuple[int, ...], tuple[dict[AnalyzerKey, tuple[np.ndarray, np.ndarray]], dict[tuple[int, int], tuple[AnalyzerKey, int, int]]]] = {}
        self._tf_table = np.zeros(1, dtype=np.float32)
        self._lock = threading.Lock()  # the token-type tables change as articles are counted
        self._word_tables = {key: WordNgramTable.build(vocab, key[1]) for key, vocab in self.vocab.items() if key[0] != "char_wb"}
        self._reset_types()

    def __getstate__(self) -> dict[str, Any]:
        # the caches are rebuilt where the counter is unpickled (and a lock cannot be pickled)
        keep = ("vocab", "_models", "products", "stop_words", "slots", "float64_blocks", "stack_weights", "stack_idf2", "vector_tables", "vector_weights")
        return {name: self.__dict__[name] for name in keep}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._position = {id(m): i for i, m in enumerate(self._models)}
        self._fresh_caches()

    def _index(self, model: NgramModel) -> int:
        i = self._position.get(id(model))
        if i is None or self._models[i] is not model:
            raise KeyError(f"the {model.dimension!r} model is not one this NgramCounter was built for")
        return i

    def _reset_types(self) -> None:
        self._type_of: dict[str, int] = {}
        self._is_word = np.zeros(1024, dtype=bool)
        self._tables: dict[AnalyzerKey, _WordNgramIds | _CharNgramIds] = {
            key: _CharNgramIds(vocab, key[1]) if key[0] == "char_wb" else _WordNgramIds(self._word_tables[key]) for key, vocab in self.vocab.items()
        }
        self._type_numbers: dict[int, _TypeNumbers] = {}  # by the id of their mapping
        self._letter_types: Any = None  # the compiled TokenTypes mirror of `_type_of` (`letter_run_counts`), made on first use

    def _token_types(self, norms: Sequence[str]) -> np.ndarray:
        """The type number of each token, numbering (and analysing) the norms not seen before."""
        if len(self._type_of) > self._CACHE_LIMIT:  # bounded memory on huge corpora
            self._reset_types()
        types = numbers_of(norms, self._type_of)
        if types.size and types.min() < 0:
            missing = np.flatnonzero(types < 0).tolist()
            self._number_missing(types, missing, [norms[i] for i in missing])
        return types

    def _number_missing(self, types: np.ndarray, missing: Any, missing_norms: list[str]) -> None:
        """Number (and analyse) the norms not seen before, `missing_norms`, and write each one's
        number at its position in `types` (`missing`)."""
        new = list(dict.fromkeys(missing_norms))
        first = len(self._type_of)
        for number, norm in enumerate(new, first):
            self._type_of[norm] = number
        if self._letter_types is not None:
            self._letter_types.add(new, first)
        stop = self.stop_words
        words = np.fromiter(map(is_word, new) if stop is None else (t not in stop for t in new), dtype=bool, count=len(new))
        self._is_word = _grown(self._is_word, first + len(new), False)
        self._is_word[first : first + len(new)] = words
        for table in (*self._tables.values(), *self._type_numbers.values()):
            table.add_types(first, new, words)
        types[missing] = [self._type_of[t] for t in missing_norms]

    def _occurrences_of_types(self, types: np.ndarray, sentence_of_token: np.ndarray) -> dict[AnalyzerKey, tuple[np.ndarray, np.ndarray]]:
        words = np.flatnonzero(self._is_word[types])
        word_types = types[words]
        word_sents = np.asarray(sentence_of_token)[words]
        return {key: table.ids(word_types, word_sents) for key, table in self._tables.items()}

    def occurrences(self, norms: Sequence[str], sentence_of_token: np.ndarray) -> dict[AnalyzerKey, tuple[np.ndarray, np.ndarray]]:
        """Every n-gram occurrence of a text whose tokens are `norms` (in order, each with its
        sentence): (sentence, union id) arrays per analyzer, in no particular order."""
        norms = norms if isinstance(norms, list) else list(norms)
        with self._lock:  # one article at a time: a thread must not renumber types mid-article
            return self._occurrences_of_types(self._token_types(norms), sentence_of_token)

    def occurrences_and_numbers(self, norms: Sequence[str], sentence_of_token: np.ndarray, numbers: Mapping[str, int]) -> tuple[dict[AnalyzerKey, tuple[np.ndarray, np.ndarray]], np.ndarray]:
        """`occurrences(norms, sentence_of_token)` and `numbers_of(norms, numbers)` together: the
        numbers are gathered from a table of each token type's number, kept beside the types'
        numbering, so no norm is looked up twice. `numbers` is known by identity: a few mappings
        that never change (such as an `lru_cache`'s)."""
        norms = norms if isinstance(norms, list) else list(norms)
        with self._lock:
            types = self._token_types(norms)
            table = self._type_numbers.get(id(numbers))
            if table is None:
                if len(self._type_numbers) >= self._NUMBERS_LIMIT:
                    self._type_numbers.clear()
                table = self._type_numbers[id(numbers)] = _TypeNumbers(numbers, list(self._type_of))  # the types in their numbers' order
            return self._occurrences_of_types(types, sentence_of_token), table.of_type.take(types)

    def analyzers(self, models: Iterable[NgramModel]) -> set[AnalyzerKey]:
        """The analyzers whose counts these models read (their blocks', their word vectors')."""
        keys: set[AnalyzerKey] = set()
        for model in models:
            keys.update(block.key for block in model.blocks)
            vectors = self.vector_weights.get(self._index(model))
            if vectors is not None:
                keys.add(vectors[0])
        return keys

    def unit_counts(self, occurrences: Mapping[AnalyzerKey, tuple[np.ndarray, np.ndarray]], *, unit_of_sentence: Any = None) -> dict[AnalyzerKey, UnitCounts]:
        """Counts per unit (sentences, or the units `unit_of_sentence` maps them to) and analyzer."""
        mapping = None if unit_of_sentence is None else np.asarray(unit_of_sentence, dtype=np.int64)
        if mapping is not None and mapping.size and 0 <= mapping.min() and mapping.max() < 2**31:
            mapping = mapping.astype(np.int32)  # the units gathered from it half as wide, and the compiled pass's fast case (group_counts picks the keys' type)
        # group_counts maps the sentences to their units (the compiled pass once per sentence, not per n-gram)
        return {key: group_counts(sents, ids, size=max(len(self.vocab[key]), 1), unit_of=mapping) for key, (sents, ids) in occurrences.items()}

    def counts(self, sentence_norms: Sequence[Sequence[str]], *, unit_of_sentence: Sequence[int] | None = None) -> dict[AnalyzerKey, UnitCounts]:
        """Raw counts per analyzer; a unit's counts are the sum of its sentences' counts."""
        lengths = [len(n) for n in sentence_norms]
        flat = [t for norms in sentence_norms for t in norms]
        found = self.occurrences(flat, np.repeat(np.arange(len(lengths)), lengths))
        return self.unit_counts(found, unit_of_sentence=unit_of_sentence)

    def letter_run_counts(self, texts: list[str], *, lowercase: bool) -> dict[AnalyzerKey, UnitCounts]:
        """`counts([TokenPattern(LETTER_RUNS, lowercase).all_tokens(t) for t in texts])`, with the
        compiled `TokenTypes` (framing/_accel/cleanup.c, active accelerator only): the tokens are
        numbered in a C table of the types beside `_type_of`, and only those of types not seen
        before become str. `texts`: str, not a subclass."""
        compiled = _CLEANUP
        assert compiled is not None
        with self._lock:
            if len(self._type_of) > self._CACHE_LIMIT:
                self._reset_types()
            if self._letter_types is None:  # (first use, or a fresh `_type_of` after a reset)
                self._letter_types = compiled.TokenTypes()
                self._letter_types.add(list(self._type_of), 0)  # its numbers are its insertion order
            numbers, lengths, unseen = self._letter_types.letter_runs(texts, lowercase)
            types = np.frombuffer(numbers, dtype=np.int64)
            if unseen:
                self._number_missing(types, np.flatnonzero(types < 0), unseen)
            found = self._occurrences_of_types(types, np.repeat(np.arange(len(lengths)), lengths))
        return self.unit_counts(found)

    def _sublinear_tf(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """1 + log(count) in float32, and its square (a table lookup for whole-number counts; the
        square multiplied out, the same float32 product the table holds, faster than a second
        lookup)."""
        if counts.dtype.kind not in "iu":
            tf = (1.0 + np.log(counts)).astype(np.float32)
            return tf, tf * tf
        top = int(counts.max()) if counts.size else 0
        tf = self._tf_table
        if top >= tf.size:
            n = max(top + 1, 2 * tf.size, 64)
            tf = np.zeros(n, dtype=np.float32)
            tf[1:] = (1.0 + np.log(np.arange(1, n, dtype=np.float64))).astype(np.float32)  # as the formula
            self._tf_table = tf
        values = tf.take(counts)  # (take: faster than indexing, the same values)
        return values, values * values

    def _plan(self, models: Sequence[NgramModel]) -> tuple[dict[AnalyzerKey, tuple[np.ndarray, np.ndarray]], dict[tuple[int, int], tuple[AnalyzerKey, int, int]]]:
        """The weight columns of just these models (a product's columns are computed
        independently, so leaving out the others' changes no bit), and where each block's sit."""
        positions = tuple(map(self._index, models))
        found = self._plans.get(positions)
        if found is not None:
            return found
        weights: dict[AnalyzerKey, tuple[np.ndarray, np.ndarray]] = {}
        slots: dict[tuple[int, int], tuple[AnalyzerKey, int, int]] = {}
        for analyzer in self.stack_weights:
            weight_cols: list[int] = []
            idf2_cols: list[int] = []
            for model, position in zip(models, positions):
                for bi, block in enumerate(model.blocks):
                    if block.key != analyzer:
                        continue
                    _, start, col = self.slots[(position, bi)]
                    slots[(position, bi)] = (analyzer, len(weight_cols), len(idf2_cols))
                    weight_cols.extend(range(start, start + len(model.classes)))
                    idf2_cols.append(col)
            if weight_cols:
                weights[analyzer] = (np.ascontiguousarray(self.stack_weights[analyzer][:, weight_cols]), np.ascontiguousarray(self.stack_idf2[analyzer][:, idf2_cols]))
        self._plans[positions] = (weights, slots)
        return weights, slots

    def decisions(self, models: Sequence[NgramModel], counts: Mapping[AnalyzerKey, UnitCounts], lexicon_raw: Mapping[int, np.ndarray], n_units: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Decision values of several models on the same units, keyed by `id(model)`: (logits,
        active), where `active` marks the units with at least one of the model's n-grams or a
        lexicon feature. Sublinear TF x IDF, L2-normalised per block, times the block's weights,
        plus the lexicon features (`lexicon_raw[id(model)]`, raw sums) and the intercept."""
        models = list(models)
        if self.products == "float64":
            return self._float64_decisions(models, counts, n_units)
        weights, slots = self._plan(models)
        numer: dict[AnalyzerKey, np.ndarray] = {}
        norms: dict[AnalyzerKey, np.ndarray] = {}
        for key, (w, idf2) in weights.items():
            uc = counts[key]
            index_type = np.int32 if max(n_units, w.shape[0], uc.ids.size) < 2**31 else np.int64
            indptr = np.searchsorted(uc.units, np.arange(n_units + 1, dtype=uc.units.dtype)).astype(index_type, copy=False)
            ids = uc.ids.astype(index_type, copy=False)
            tf, tf2 = self._sublinear_tf(uc.counts)
            numer[key] = csr_dot(n_units, indptr, ids, tf, w).astype(np.float64)
            norms[key] = np.sqrt(csr_dot(n_units, indptr, ids, tf2, idf2).astype(np.float64))
        out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for model in models:
            k = len(model.classes)
            logits = np.empty((n_units, k))
            logits[:] = model.intercept
            active = np.zeros(n_units, dtype=bool)
            for bi, block in enumerate(model.blocks):
                key, start, col = slots[(self._index(model), bi)]
                norm = norms[key][:, col].copy()
                active |= norm > 0
                norm[norm == 0] = 1.0
                logits += numer[key][:, start : start + k] / norm[:, None]
            raw = lexicon_raw.get(id(model))
            if model.lexicon_features and raw is not None and raw.size:
                offset = sum(len(b.terms) for b in model.blocks)
                # one feature at a time rather than a matrix product: each unit's sum then runs
                # in the same order however many units are scored together (a BLAS product may
                # pick another kernel, and other rounding, for another number of rows)
                features = finish_lexicon_features(raw)
                weights = model.coef[:, offset:]
                lexicon_part = np.zeros_like(logits)
                for j in range(features.shape[1]):
                    lexicon_part += features[:, j : j + 1] * weights[:, j]
                logits += lexicon_part
                active |= (raw != 0).any(axis=1)
            vectors = self.vector_weights.get(self._index(model))
            if vectors is not None:
                # `active` stays as the n-grams and the lexicon say: nearly every unit has a
                # word with a vector, and a unit with nothing the model learned from still abstains
                key, word_logits = vectors
                uc = counts[key]
                indptr = np.searchsorted(uc.units, np.arange(n_units + 1, dtype=uc.units.dtype)).astype(np.int64)
                ids, data = uc.ids.astype(np.int64), uc.counts.astype(np.float32)
                sums = csr_dot(n_units, indptr, ids, data, self.vector_tables[key]).astype(np.float64)
                norm = np.sqrt((sums * sums).sum(axis=1))
                norm[norm == 0] = 1.0
                logits += csr_dot(n_units, indptr, ids, data, word_logits).astype(np.float64) / norm[:, None]
            out[id(model)] = (logits, active)
        return out

    def _float64_decisions(self, models: Sequence[NgramModel], counts: Mapping[AnalyzerKey, UnitCounts], n_units: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """`decisions` as scikit-learn computes them (`TfidfVectorizer.transform`, then the
        linear layer): per block, float64 sublinear TF x IDF, each unit's row divided by its L2
        norm (summed term after term, in column order), then one product with the weights."""
        out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for model in models:
            position = self._index(model)
            logits = np.zeros((n_units, len(model.classes)))
            active = np.zeros(n_units, dtype=bool)
            for bi in range(len(model.blocks)):
                key, idf, weights = self.float64_blocks[(position, bi)]
                uc = counts[key]
                indptr = np.searchsorted(uc.units, np.arange(n_units + 1, dtype=uc.units.dtype)).astype(uc.ids.dtype)
                data = uc.counts.astype(np.float64)
                np.log(data, data)
                data += 1.0
                data *= idf[uc.ids]
                _normalize_rows(data, indptr)
                logits += csr_dot(n_units, indptr, uc.ids, data, weights)
                active |= np.diff(indptr) > 0
            logits += model.intercept
            out[id(model)] = (logits, active)
        return out

    def logits(self, model: NgramModel, counts: Mapping[AnalyzerKey, UnitCounts], lexicon_raw: np.ndarray) -> np.ndarray:
        """One model's decision values for each unit (rows of `lexicon_raw`)."""
        return self.decisions([model], counts, {id(model): lexicon_raw}, lexicon_raw.shape[0])[id(model)][0]
