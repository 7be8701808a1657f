"""`framing lexicon suggest`: new entries for a category, mined offline from the user's corpus.

Two kinds of evidence, fused by reciprocal rank:

- co-occurrence: words and phrases over-represented in the sentences where the category already
  matches, against the rest of the corpus (Dunning's log-likelihood G², or PMI);
- a latent space trained on the same corpus: scikit-learn's TruncatedSVD over a positive-PMI
  word-context matrix (or TF-IDF over sentences), where candidates are the words closest to the
  words the category already matches.

Nothing leaves the machine: no server, no downloaded vectors. The corpus is streamed once to
build a compact token index (4 bytes a token) and read a second time only to fetch example
sentences for the final candidates. Accepting chosen candidates into a user lexicon file is
`framing.lexicon.accept`.
"""
from __future__ import annotations

import hashlib
import itertools
import re
from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

from ..errors import ConfigError
from ..models import Article, Lexicon
from ..scoring.lexicon_scores import CompiledLexicon, DocumentCache, match_document
from ..text import normalize_token, preprocess, token_spans
from .build import entry_key
from .corpus import find_lexicon, parse_target

__all__ = ["Candidate", "SuggestResult", "TermSpace", "suggest", "format_suggestions", "candidate_statistics"]

_STAT_CHOICES = ("llr", "pmi")
_METHOD_CHOICES = ("both", "cooccurrence", "latent")
_SPACE_CHOICES = ("ppmi", "tfidf")
_RRF_K = 10  # reciprocal-rank fusion constant: ranks 1 and 2 differ, ranks 50 and 51 barely
_MAX_TRIGRAM_VOCAB = 1_500_000  # trigram keys (times 2, plus a flag) must fit in int64


@dataclass(frozen=True)
class Candidate:
    term: str
    n_words: int
    in_category: int  # occurrences in sentences where the category matches
    total: int  # occurrences in the corpus (outside existing matches)
    llr: float | None  # log-likelihood G² of over-representation in category sentences
    pmi: float | None  # log2 of how much likelier the term is in category sentences
    similarity: float | None  # cosine to the category's matched words in the latent space
    score: float  # the fused ranking score
    sources: tuple[str, ...]  # cooccurrence, latent
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class SuggestResult:
    dimension: str
    category: str
    candidates: tuple[Candidate, ...]  # the top ones, best first, with examples
    n_articles: int
    n_sentences: int
    n_category_sentences: int
    seeds: tuple[tuple[str, int], ...]  # the category's matched words the latent space starts from
    method: str
    statistic: str
    space: str
    pool: dict[str, Candidate]  # every ranked candidate (for --accept of a term beyond the top)


# --- the corpus index: one streaming pass ------------------------------------------------------


try:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as _SKLEARN_STOP_WORDS
except ImportError:  # pragma: no cover - scikit-learn is a dependency
    _SKLEARN_STOP_WORDS = frozenset()
_STOP = frozenset(_SKLEARN_STOP_WORDS) | {"said", "says", "say", "also", "would", "could", "like", "just", "mr", "ms", "mrs"}


def _is_content(word: str) -> bool:
    return len(word) > 1 and any(ch.isalpha() for ch in word) and word not in _STOP and not word.startswith("'")


def _is_word(word: str) -> bool:
    return any(ch.isalnum() for ch in word)


@dataclass
class _Index:
    words: list[str]
    tokens: array  # token ids, all sentences back to back
    covered: bytearray  # 1 where a lexicon entry of the dimension matched the token
    bounds: array  # sentence i is tokens[bounds[i]:bounds[i+1]]
    positive: bytearray  # 1 for a sentence where the category matches
    sent_article: array  # article ordinal of each sentence
    sent_start: array  # character span of each sentence in its article
    sent_end: array
    seeds: Counter  # word -> times it was part of a category match
    n_articles: int


def _index_corpus(articles: Iterable[Article], compiled: CompiledLexicon, category: str) -> _Index:
    vocab: dict[str, int] = {}
    words: list[str] = []
    tokens = array("i")
    covered = bytearray()
    bounds = array("q", [0])
    positive = bytearray()
    sent_article, sent_start, sent_end = array("i"), array("i"), array("i")
    seeds: Counter = Counter()
    phrase_words: Counter = Counter()
    seen: set[bytes] = set()
    n_articles = 0
    for ordinal, article in enumerate(articles):
        key = hashlib.blake2b(article.text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        if key in seen:
            continue
        seen.add(key)
        n_articles += 1
        doc = preprocess(article)
        cache = DocumentCache()
        by_sentence: dict[int, list] = {}
        for m in match_document(doc, compiled, cache=cache):
            by_sentence.setdefault(m.sentence_index, []).append(m)
        for sent in doc.sentences:
            norms = list(sent.norms)
            base = len(tokens)
            for w in norms:
                i = vocab.get(w)
                if i is None:
                    i = vocab[w] = len(words)
                    words.append(w)
                tokens.append(i)
            cov = bytearray(len(norms))
            pos = 0
            ms = by_sentence.get(sent.index)
            if ms:
                spans = token_spans(sent)
                starts = {a: k for k, (a, _) in enumerate(spans)}
                ends = {b: k + 1 for k, (_, b) in enumerate(spans)}
                for m in ms:
                    s, e = starts.get(m.start), ends.get(m.end)
                    if s is None or e is None:
                        continue
                    cov[s:e] = b"\x01" * (e - s)
                    if m.category == category and not m.negated:
                        pos = 1
                        if e - s == 1 and _is_content(norms[s]):
                            seeds[norms[s]] += 1  # one-word matches: a phrase's words say less alone
                        else:
                            phrase_words.update(w for w in norms[s:e] if _is_content(w))
            covered.extend(cov)
            bounds.append(base + len(norms))
            positive.append(pos)
            sent_article.append(ordinal)
            sent_start.append(sent.start)
            sent_end.append(sent.end)
    return _Index(words, tokens, covered, bounds, positive, sent_article, sent_start, sent_end, seeds or phrase_words, n_articles)


# --- co-occurrence statistics ----------------------------------------------------------------------


def _g2(a: np.ndarray, b: np.ndarray, n_pos: float, n_neg: float) -> np.ndarray:
    """Dunning's log-likelihood for a term seen a times in n_pos category tokens and b times in
    n_neg other tokens."""
    n = n_pos + n_neg
    c = n_pos - a
    d = n_neg - b
    out = np.zeros_like(a, dtype=float)
    for obs, row, col in ((a, a + b, n_pos), (b, a + b, n_neg), (c, c + d, n_pos), (d, c + d, n_neg)):
        exp = row * col / n
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(obs > 0, obs * np.log(np.where(obs > 0, obs, 1) / np.where(exp > 0, exp, 1)), 0.0)
        out += term
    return 2 * out


@dataclass
class _Ngrams:
    """Candidate n-grams of one order: unique keys and their counts."""

    keys: np.ndarray
    total: np.ndarray
    in_pos: np.ndarray
    n_words: int


def _ngram_keys(tok: np.ndarray, joined: np.ndarray, valid: np.ndarray, middle_ok: np.ndarray, V: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(start positions, keys) of every candidate n-gram: content words at both ends, any word
    in the middle of a trigram, all in one sentence and outside existing matches. Keys are
    computed only where an n-gram starts, in int64."""
    if n == 1:
        positions = np.flatnonzero(valid)
        keys = tok[positions].astype(np.int64)
    elif n == 2:
        positions = np.flatnonzero(joined & valid[:-1] & valid[1:])
        keys = tok[positions].astype(np.int64) * V + tok[positions + 1]
    else:
        positions = np.flatnonzero(joined[:-1] & joined[1:] & valid[:-2] & middle_ok[1:-1] & valid[2:])
        keys = (tok[positions].astype(np.int64) * V + tok[positions + 1]) * V + tok[positions + 2]
    return positions, keys


def _ngrams(tok: np.ndarray, joined: np.ndarray, valid: np.ndarray, middle_ok: np.ndarray, pos_tok: np.ndarray, V: int, n: int) -> _Ngrams | None:
    if len(tok) < n or (n == 3 and V >= _MAX_TRIGRAM_VOCAB):
        return None
    if n == 1:
        total = np.bincount(tok[valid], minlength=V)
        in_pos = np.bincount(tok[valid & pos_tok], minlength=V)
        present = np.flatnonzero(total)
        return _Ngrams(present.astype(np.int64), total[present], in_pos[present].astype(float), n)
    positions, keys = _ngram_keys(tok, joined, valid, middle_ok, V, n)
    if positions.size == 0:
        return None
    # One in-place sort of key*2+flag gives, per distinct n-gram, its count and how many of its
    # occurrences are in category sentences, with no inverse index or second copy.
    keys *= 2
    keys += pos_tok[positions]
    del positions
    keys.sort()
    starts = np.concatenate([[0], np.flatnonzero(np.diff(keys)) + 1])
    counts = np.diff(np.append(starts, keys.size))
    flagged = keys[starts]
    del keys
    uniq_keys = flagged // 2
    is_pos = (flagged % 2).astype(bool)
    first = np.concatenate([[True], uniq_keys[1:] != uniq_keys[:-1]])
    group = np.cumsum(first) - 1
    uniq = uniq_keys[first]
    total = np.bincount(group, weights=counts, minlength=uniq.size).astype(np.int64)
    in_pos = np.bincount(group[is_pos], weights=counts[is_pos], minlength=uniq.size)
    return _Ngrams(uniq, total, in_pos, n)


def _pair_counts(idx: np.ndarray, sentence_ids: np.ndarray, K: int, window: int, *, chunk: int = 1_000_000):
    """Counts of unordered word pairs (row <= column) up to `window` apart in one sentence, as
    a sparse K x K matrix with 32-bit indices, summed chunk by chunk so memory follows the number
    of distinct pairs, not of occurrences."""
    from scipy import sparse

    acc = sparse.csr_matrix((K, K), dtype=np.float32)
    for d in range(1, window + 1):
        for lo in range(0, max(0, idx.size - d), chunk):
            hi = min(idx.size - d, lo + chunk)
            a, b = idx[lo:hi], idx[lo + d : hi + d]
            keep = (a >= 0) & (b >= 0) & (sentence_ids[lo:hi] == sentence_ids[lo + d : hi + d])
            if not keep.any():
                continue
            a, b = a[keep].astype(np.int32), b[keep].astype(np.int32)
            part = sparse.coo_matrix((np.ones(a.size, dtype=np.float32), (np.minimum(a, b), np.maximum(a, b))), shape=(K, K)).tocsr()
            acc = acc + part
    return acc.tocoo()


def _sentence_of(positions: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """The sentence of each token position (sentence i holds tokens bounds[i]:bounds[i+1])."""
    return (np.searchsorted(bounds, positions, side="right") - 1).astype(np.int64)


def _decode(key: int, V: int, n: int) -> tuple[int, ...]:
    ids = []
    for _ in range(n):
        ids.append(int(key % V))
        key //= V
    return tuple(reversed(ids))


# --- the latent space ----------------------------------------------------------------------------


class TermSpace:
    """Word vectors learned from a token stream, scikit-learn style: parameters stored unchanged in
    `__init__`, learned state (`vocabulary_`, `vectors_`) set by `fit`.

    weighting="ppmi": positive PMI over a symmetric window (context distribution smoothed with
    exponent 0.75), factorised by TruncatedSVD, vectors U·Σ^½ (Levy, Goldberg & Dagan 2015).
    weighting="tfidf": TF-IDF over sentences, factorised by TruncatedSVD, vectors V·Σ (LSA).
    """

    def __init__(self, *, weighting: str = "ppmi", n_components: int = 100, window: int = 5, min_count: int = 3,
                 max_vocab: int = 20_000, random_state: int = 0) -> None:
        self.weighting = weighting
        self.n_components = n_components
        self.window = window
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.random_state = random_state

    def fit(self, tokens: np.ndarray, sentence_ids: np.ndarray) -> "TermSpace":
        """tokens: word ids (content words only, in order); sentence_ids: the sentence of each."""
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # pragma: no cover - installed with scikit-learn
            return self._fit(tokens, sentence_ids)
        # One BLAS thread: the dense steps are small (vocabulary x 110), and on a busy machine
        # threaded QR spin-waits: measured 6 s with two threads against 0.4 s with one.
        with threadpool_limits(limits=1, user_api="blas"):
            return self._fit(tokens, sentence_ids)

    def _fit(self, tokens: np.ndarray, sentence_ids: np.ndarray) -> "TermSpace":
        from scipy import sparse
        from sklearn.decomposition import TruncatedSVD

        if self.weighting not in _SPACE_CHOICES:
            raise ValueError(f"weighting must be one of {_SPACE_CHOICES}, not {self.weighting!r}")
        counts = np.bincount(tokens) if tokens.size else np.zeros(0, dtype=int)
        eligible = np.flatnonzero(counts >= self.min_count)
        if eligible.size > self.max_vocab:
            eligible = eligible[np.argsort(-counts[eligible], kind="stable")[: self.max_vocab]]
            eligible.sort()
        self.vocabulary_ = eligible
        K = eligible.size
        if K < 3:
            self.vectors_ = np.zeros((K, 0))
            return self
        lookup = np.full(counts.size, -1, dtype=np.int64)
        lookup[eligible] = np.arange(K)
        idx = lookup[tokens]
        if self.weighting == "ppmi":
            pairs = _pair_counts(idx, sentence_ids, K, self.window)
            if pairs.nnz == 0:
                self.vectors_ = np.zeros((K, 0))
                return self
            r, c, pair_counts = pairs.row, pairs.col, pairs.data.astype(np.float64)
            del pairs
            # A window looks both ways, so the matrix is symmetric: each pair counts for both words.
            marginal = np.bincount(r, weights=pair_counts, minlength=K) + np.bincount(c, weights=pair_counts, minlength=K)
            with np.errstate(divide="ignore"):
                log_m = np.log(marginal)
                log_ctx = 0.75 * log_m  # context counts smoothed by the 0.75 power (Levy et al.)
                log_norm = np.log(np.exp(log_ctx[marginal > 0]).sum())
            log_n = np.log(pair_counts)
            pmi_rc = (log_n - log_m[r] - log_ctx[c] + log_norm).astype(np.float32)
            pmi_cr = (log_n - log_m[c] - log_ctx[r] + log_norm).astype(np.float32)
            del log_n
            off = r != c  # the mirror image of every pair off the diagonal
            rows = np.concatenate([r, c[off]])
            cols = np.concatenate([c, r[off]])
            data = np.concatenate([pmi_rc, pmi_cr[off]])
            del r, c, pmi_rc, pmi_cr, off
            keep = data > 0
            weighted = sparse.csr_matrix((data[keep], (rows[keep], cols[keep])), shape=(K, K), dtype=np.float32)
            del rows, cols, data, keep
            k = max(1, min(self.n_components, K - 1))
            svd = TruncatedSVD(n_components=k, random_state=self.random_state)
            u = svd.fit_transform(weighted)
            vectors = u / np.sqrt(np.maximum(svd.singular_values_, 1e-12))
        else:
            from sklearn.feature_extraction.text import TfidfTransformer

            keep = idx >= 0
            rows = np.unique(sentence_ids[keep], return_inverse=True)[1]
            counts_m = sparse.csr_matrix((np.ones(int(keep.sum())), (rows, idx[keep])), shape=(int(rows.max()) + 1 if rows.size else 0, K))
            weighted = TfidfTransformer(sublinear_tf=True).fit_transform(counts_m)
            k = max(1, min(self.n_components, K - 1, weighted.shape[0] - 1))
            svd = TruncatedSVD(n_components=k, random_state=self.random_state)
            svd.fit(weighted)
            vectors = svd.components_.T * svd.singular_values_
        # Centred, then unit length: the shared direction every word has (frequency) is removed,
        # so cosines measure what words do not share with all others.
        vectors = vectors - vectors.mean(axis=0)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.vectors_ = vectors / np.where(norms > 0, norms, 1.0)
        return self

    def similar_to(self, seed_ids: Sequence[int], *, k: int = 3) -> dict[int, float]:
        """Every vocabulary word's mean cosine to its `k` most similar seeds.

        A seed set is rarely one tight cluster ("collusion" and "missile" both signal a threat), so
        a centroid drifts to generic words; nearness to a few seeds finds each cluster's neighbours.
        """
        if not hasattr(self, "vectors_") or self.vectors_.shape[1] == 0:
            return {}
        position = {int(w): i for i, w in enumerate(self.vocabulary_)}
        rows = sorted({position[s] for s in seed_ids if s in position})
        if not rows:
            return {}
        sims = self.vectors_ @ self.vectors_[rows].T
        k = min(k, len(rows))
        score = np.sort(sims, axis=1)[:, -k:].mean(axis=1)
        return {int(w): float(s) for w, s in zip(self.vocabulary_, score)}


# --- suggest -------------------------------------------------------------------------------------


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def suggest(
    lexicons: Sequence[Lexicon],
    target: str,
    articles: Callable[[], Iterable[Article]],
    *,
    top: int = 20,
    min_count: int = 3,
    max_words: int = 3,
    method: str = "both",
    statistic: str = "llr",
    space: str = "ppmi",
    n_components: int = 100,
    window: int = 5,
    max_vocab: int = 20_000,
    max_space_tokens: int = 3_000_000,
    max_articles: int | None = None,
    n_examples: int = 2,
    random_state: int = 0,
) -> SuggestResult:
    """Rank candidate new entries for `dimension.category` from a corpus.

    `articles` returns a fresh stream each call: the corpus is read once to count and once more
    for example sentences of the final candidates.
    """
    if method not in _METHOD_CHOICES:
        raise ConfigError(f"--method must be one of {', '.join(_METHOD_CHOICES)}")
    if statistic not in _STAT_CHOICES:
        raise ConfigError(f"--statistic must be one of {', '.join(_STAT_CHOICES)}")
    if space not in _SPACE_CHOICES:
        raise ConfigError(f"--space must be one of {', '.join(_SPACE_CHOICES)}")
    dim, cat = parse_target(target)
    lexicon = find_lexicon(lexicons, dim)
    if lexicon is None:
        raise ConfigError(f"no dimension {dim!r}; dimensions: {', '.join(x.dimension for x in lexicons)}")
    if cat is None or cat not in lexicon.category_names:
        raise ConfigError(f"name a category: {', '.join(f'{dim}.{c}' for c in lexicon.category_names)}")
    compiled = CompiledLexicon(lexicon)

    def stream() -> Iterable[Article]:
        return itertools.islice(articles(), max_articles) if max_articles else articles()

    index = _index_corpus(stream(), compiled, cat)
    existing = {entry_key(e.term) for c in lexicon.categories for e in c.entries}

    words = index.words
    V = len(words)
    tok = np.frombuffer(index.tokens, dtype=np.int32) if len(index.tokens) else np.zeros(0, dtype=np.int32)
    bounds = np.frombuffer(index.bounds, dtype=np.int64)
    n_sent = len(bounds) - 1
    lengths = np.diff(bounds)
    # joined[i]: tokens i and i+1 are in the same sentence (a byte per token, not a sentence id)
    joined = np.ones(max(len(tok) - 1, 0), dtype=bool)
    ends = bounds[1:-1] - 1
    joined[ends[(ends >= 0) & (ends < joined.size)]] = False
    positive = np.frombuffer(index.positive, dtype=bool) if n_sent else np.zeros(0, dtype=bool)  # views, no copies
    covered = np.frombuffer(index.covered, dtype=bool) if len(index.covered) else np.zeros(0, dtype=bool)
    content = np.array([_is_content(w) for w in words], dtype=bool)
    wordlike = np.array([_is_word(w) for w in words], dtype=bool)
    pos_tok = np.repeat(positive, lengths) if n_sent else np.zeros(0, dtype=bool)
    valid = content[tok] & ~covered if tok.size else np.zeros(0, dtype=bool)
    middle_ok = wordlike[tok] & ~covered if tok.size else np.zeros(0, dtype=bool)
    n_pos = float((valid & pos_tok).sum())
    n_neg = float((valid & ~pos_tok).sum())
    n_category_sentences = int(positive.sum())

    def term_of(ids: tuple[int, ...]) -> str:
        return " ".join(words[i] for i in ids)

    # co-occurrence candidates
    rows: dict[str, dict] = {}
    if n_pos > 0 and n_neg > 0:
        for n in range(1, max(1, min(max_words, 3)) + 1):
            grams = _ngrams(tok, joined, valid, middle_ok, pos_tok, V, n)
            if grams is None:
                continue
            a = grams.in_pos
            b = grams.total - a
            with np.errstate(divide="ignore", invalid="ignore"):
                over = (a / n_pos) > (b / n_neg)
                pmi = np.log2((a / n_pos) / (grams.total / (n_pos + n_neg)))
            llr = _g2(a, b, n_pos, n_neg)
            keep = np.flatnonzero(over & (a >= min_count))
            for k in keep:
                ids = _decode(int(grams.keys[k]), V, n)
                term = term_of(ids)
                if entry_key(term) in existing:
                    continue
                rows[term] = {
                    "ids": ids, "n": n, "in_category": int(a[k]), "total": int(grams.total[k]),
                    "llr": float(llr[k]), "pmi": float(pmi[k]), "similarity": None, "key": int(grams.keys[k]),
                }
    # latent-space candidates
    seeds = [(w, c) for w, c in index.seeds.most_common()]
    sims: dict[int, float] = {}
    if method in ("both", "latent") and tok.size:
        keep = content[tok]
        n_content = int(keep.sum())
        if n_content > max_space_tokens:
            # Every k-th sentence, spread over the corpus: bounds the space's memory and time,
            # while the co-occurrence statistics above use the whole corpus.
            step = -(-n_content // max_space_tokens)
            keep &= np.repeat(np.arange(n_sent) % step == 0, lengths)
        kept = np.flatnonzero(keep)
        space_model = TermSpace(weighting=space, n_components=n_components, window=window, min_count=min_count,
                                max_vocab=max_vocab, random_state=random_state).fit(tok[kept], _sentence_of(kept, bounds))
        del kept
        vocab_id = {w: i for i, w in enumerate(words)}
        sims = space_model.similar_to([vocab_id[w] for w, _ in seeds if w in vocab_id])
    unigram_counts = np.bincount(tok[valid], minlength=V) if tok.size else np.zeros(V, dtype=int)
    unigram_pos = np.bincount(tok[valid & pos_tok], minlength=V) if tok.size else np.zeros(V, dtype=int)
    seed_words = {w for w, _ in seeds}
    latent_rank: list[str] = []
    if sims:
        for w_id, s in sorted(sims.items(), key=lambda kv: (-kv[1], kv[0])):
            w = words[w_id]
            if w in seed_words or entry_key(w) in existing or not content[w_id] or unigram_counts[w_id] < min_count or s <= 0:
                continue
            latent_rank.append(w)
            row = rows.get(w)
            if row is None:
                rows[w] = {"ids": (w_id,), "n": 1, "in_category": int(unigram_pos[w_id]), "total": int(unigram_counts[w_id]),
                           "llr": None, "pmi": None, "similarity": s, "key": w_id}
            else:
                row["similarity"] = s
            if len(latent_rank) >= max(top * 5, 200):
                break
    stat_key = "llr" if statistic == "llr" else "pmi"
    cooc_rank = sorted((t for t, r in rows.items() if r[stat_key] is not None), key=lambda t: (-rows[t][stat_key], t))
    fused: dict[str, float] = {}
    if method in ("both", "cooccurrence"):
        for rank, t in enumerate(cooc_rank, start=1):
            fused[t] = fused.get(t, 0.0) + 1.0 / (_RRF_K + rank)
    if method in ("both", "latent"):
        for rank, t in enumerate(latent_rank, start=1):
            fused[t] = fused.get(t, 0.0) + 1.0 / (_RRF_K + rank)
    ranked = sorted(fused, key=lambda t: (-fused[t], t))
    cooc_set = set(cooc_rank)
    latent_set = set(latent_rank)

    def candidate(t: str, examples: tuple[str, ...] = ()) -> Candidate:
        r = rows[t]
        sources = tuple(s for s, inside in (("cooccurrence", t in cooc_set), ("latent", t in latent_set)) if inside)
        return Candidate(
            term=t, n_words=r["n"], in_category=r["in_category"], total=r["total"],
            llr=None if r["llr"] is None else round(r["llr"], 3),
            pmi=None if r["pmi"] is None else round(r["pmi"], 3),
            similarity=None if r["similarity"] is None else round(r["similarity"], 4),
            score=round(fused[t], 6), sources=sources, examples=examples,
        )

    chosen = ranked[:top]
    examples = _examples(chosen, rows, tok, bounds, joined, valid, middle_ok, positive, index, stream, n_examples) if chosen and n_examples > 0 else {}
    return SuggestResult(
        dimension=dim,
        category=cat,
        candidates=tuple(candidate(t, examples.get(t, ())) for t in chosen),
        n_articles=index.n_articles,
        n_sentences=n_sent,
        n_category_sentences=n_category_sentences,
        seeds=tuple(seeds[:20]),
        method=method,
        statistic=statistic,
        space=space,
        pool={t: candidate(t) for t in ranked},
    )


def _examples(chosen, rows, tok, bounds, joined, valid, middle_ok, positive, index: _Index, articles, n_examples: int) -> dict[str, tuple[str, ...]]:
    """Example sentences for the chosen candidates, category sentences first; the corpus is read
    again (without preprocessing) to fetch their text."""
    wanted: dict[int, list[tuple[str, int, int]]] = {}  # article ordinal -> (term, start, end)
    V = len(index.words)
    where: dict[tuple[int, int], np.ndarray] = {}
    for n in sorted({rows[t]["n"] for t in chosen}):
        wanted_keys = np.array(sorted({rows[t]["key"] for t in chosen if rows[t]["n"] == n}), dtype=np.int64)
        if n == 1:  # straight from the token ids: no array of every word's position
            hp = np.flatnonzero(valid & np.isin(tok, wanted_keys))
            hk = tok[hp].astype(np.int64)
        else:
            positions, keys = _ngram_keys(tok, joined, valid, middle_ok, V, n)
            hit = np.isin(keys, wanted_keys)
            hk, hp = keys[hit], positions[hit]
            del positions, keys
        order = np.argsort(hk, kind="stable")
        hk, hp = hk[order], hp[order]
        for key in wanted_keys:
            lo, hi = np.searchsorted(hk, key, "left"), np.searchsorted(hk, key, "right")
            where[(n, int(key))] = hp[lo:hi]
    for t in chosen:
        r = rows[t]
        positions = where.get((r["n"], r["key"]), np.zeros(0, dtype=np.int64))
        sents = np.unique(_sentence_of(positions, bounds))
        order = np.argsort(~positive[sents], kind="stable")  # category sentences first
        for s in sents[order][:n_examples]:
            s = int(s)
            wanted.setdefault(index.sent_article[s], []).append((t, index.sent_start[s], index.sent_end[s]))
    out: dict[str, list[str]] = {}
    if not wanted:
        return {}
    last = max(wanted)
    for ordinal, article in enumerate(articles()):
        if ordinal > last:
            break
        for t, a, b in wanted.get(ordinal, ()):
            sentence = _squash(article.text[a:b])
            if t.split()[0] in normalize_token(sentence):  # the corpus changed between reads: skip
                out.setdefault(t, []).append(sentence)
    return {t: tuple(v) for t, v in out.items()}


def candidate_statistics(candidate: Candidate, *, g2: str = "G²") -> list[str]:
    """The statistics a candidate was ranked by, as text: G2, PMI, latent similarity."""
    parts = []
    if candidate.llr is not None:
        parts.append(f"{g2} {candidate.llr:.1f}")
    if candidate.pmi is not None:
        parts.append(f"PMI {candidate.pmi:.2f}")
    if candidate.similarity is not None:
        parts.append(f"similarity {candidate.similarity:.2f}")
    return parts


def format_suggestions(result: SuggestResult, *, top: int = 20) -> str:
    """The `top` candidates as `framing lexicon suggest` prints them, each with its statistics
    and example sentences."""
    lines = [
        f"{result.n_category_sentences:,} of {result.n_sentences:,} sentences match {result.dimension}.{result.category} "
        f"(corpus: {result.n_articles:,} articles)"
    ]
    if result.seeds:
        lines.append("matched words the latent space starts from: " + ", ".join(f"{w} ({n})" for w, n in result.seeds[:10]))
    if not result.candidates:
        lines.append("no candidates: the category matches too few sentences in this corpus (add a few seed entries, or lower --min-count)")
    for i, c in enumerate(result.candidates[:top], start=1):
        bits = [f"in category sentences {c.in_category}/{c.total}", *candidate_statistics(c)]
        lines.append(f"\n{i:>3}. {c.term}    ({'; '.join(bits)}; from {' + '.join(c.sources)})")
        for ex in c.examples:
            lines.append(f"       \"{ex if len(ex) <= 200 else ex[:199] + '…'}\"")
    return "\n".join(lines)
