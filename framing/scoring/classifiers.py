"""The framing classifiers beside the lexicons, and the hook that puts them in the pipeline.

`FrameModel` is a trained model as plain arrays (n-gram vocabularies, IDF weights, a linear
layer, a temperature): the scikit-learn pipeline of `framing.training.frames` exported so that
scoring needs neither scikit-learn nor pickle. `FramingClassifiers` is the `ExtraScorer` the
pipeline calls for every article: it scores every sentence (ideology: every passage of
`PASSAGE_SENTENCES` sentences) with every model in one vectorisation, reusing the tokens and the
lexicon matches the pipeline already has, and blends classifier and lexicon:

- each sentence counts for the classifier's most probable label, weighted by that probability
  (`none` counts nowhere), as a lexicon match counts for one category;
- the classifier's article value is computed exactly like the lexicon's from those counts
  (alliance position, prescription net scores, ideology shares);
- the blended value is `w * classifier + (1 - w) * lexicon`, where `w` is the model's
  `blend_weight` (its share of the two sources' Krippendorff's alpha in grouped
  cross-validation, clipped to [0.2, 0.8]); it replaces the main column, and `_lexicon` /
  `_classifier` columns keep each source;
- `<dimension>.agreement` is the share of units (sentences; passages for ideology) on which the
  lexicon's unit label (`lexicon_unit_label`) equals the classifier's most probable label, among
  units where either of them finds something (ideology: all passages); 1.0 when neither does.

`default_classifier_scorers()` returns the shipped models (and the lean model) or `()` when their
files are missing.
"""
from __future__ import annotations

import hashlib
import json
import math
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, repeat
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from ..models import Document, Lexicon, Match, SentenceProbabilities
from .kinds import ClassifierVotes, kind_of
from .features import (
    TokenNgrams,
    _token_char_ngrams,
    finish_lexicon_features,
    is_word,
    lexicon_feature_matrix,
    lexicon_unit_labels,
)

__all__ = [
    "FrameModel",
    "NgramBlock",
    "NgramCounter",
    "FramingClassifiers",
    "LeanScorer",
    "load_frame_model",
    "save_frame_model",
    "load_model_dir",
    "default_classifier_scorers",
    "shipped_model_dir",
    "PASSAGE_SENTENCES",
    "MIN_EVIDENCE_PROBABILITY",
]

PASSAGE_SENTENCES = 4  # ideology is scored on consecutive passages of this many sentences
MIN_EVIDENCE_PROBABILITY = 0.01  # probabilities below this are left out of evidence.jsonl
MAX_BATCH_TOKENS = 40_000  # tokens whose n-grams the classifiers count together (see score_many)
MODEL_FORMAT = "framing-frame-model"
_VECTOR_KIND = "vectors"  # analyzer kind of the word-vector vocabulary in the counter
MODEL_FORMAT_VERSION = 1


def shipped_model_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "models"


# --- the model as arrays ---------------------------------------------------------------------


@dataclass
class NgramBlock:
    """One TF-IDF block: an analyzer, its vocabulary (in column order) and IDF weights.
    Term frequencies are sublinear (1 + log tf) and rows are L2-normalised, as in training."""

    analyzer: TokenNgrams
    terms: list[str]
    idf: np.ndarray

    @property
    def key(self) -> tuple[str, tuple[int, int]]:
        return (self.analyzer.kind, tuple(self.analyzer.ngram_range))  # type: ignore[return-value]


@dataclass
class VectorBlock:
    """The word-vector features of a model (`framing.scoring.word_vectors`): the table, stored
    beside the model under `name` and checked by its digest, and the scale it was trained with.
    A unit's features are `scale` times its L2-normalised sum of word vectors."""

    name: str
    scale: float
    vectors: Any  # WordVectors

    @property
    def n_dims(self) -> int:
        return int(self.vectors.n_dims)


@dataclass
class FrameModel:
    """A trained framing classifier as plain arrays; `predict_proba_*` reproduce the training
    pipeline's `predict_proba` exactly (tests check this)."""

    dimension: str
    classes: list[str]
    blocks: list[NgramBlock]
    lexicon_features: list[str]
    coef: np.ndarray  # (n_classes, n_features): word block, char block, lexicon features, word vectors
    intercept: np.ndarray  # (n_classes,)
    temperature: float
    metadata: dict[str, Any] = field(default_factory=dict)
    vector_block: VectorBlock | None = None

    @property
    def blend_weight(self) -> float:
        return float(self.metadata.get("blend_weight", 0.5))

    @property
    def unit(self) -> str:
        return str(self.metadata.get("unit", "sentence"))

    @property
    def n_features(self) -> int:
        return self.vector_offset + (self.vector_block.n_dims if self.vector_block is not None else 0)

    @property
    def vector_offset(self) -> int:
        """The first coefficient column of the word-vector features."""
        return sum(len(b.terms) for b in self.blocks) + len(self.lexicon_features)

    @classmethod
    def from_pipeline(cls, pipe: Any, *, metadata: Mapping[str, Any]) -> "FrameModel":
        """Export a fitted `framing.training.frames.build_pipeline` pipeline."""
        union = pipe.named_steps["features"]
        clf = pipe.named_steps["clf"]
        blocks: list[NgramBlock] = []
        lexicon_names: list[str] = []
        vector_block: VectorBlock | None = None
        dimension = str(metadata.get("dimension", ""))
        for name, part in union.transformer_list:
            if hasattr(part, "word_vectors_"):
                from .word_vectors import SHIPPED_NAME

                vector_block = VectorBlock(SHIPPED_NAME, float(part.scale), part.word_vectors_)
            elif hasattr(part, "vocabulary_"):
                if not isinstance(part.analyzer, TokenNgrams) or not part.sublinear_tf or part.norm != "l2" or not part.use_idf:
                    raise ValueError(f"cannot export TF-IDF block {name!r}: needs TokenNgrams, sublinear_tf, l2 norm and idf")
                terms = [""] * len(part.vocabulary_)
                for term, j in part.vocabulary_.items():
                    terms[j] = term
                blocks.append(NgramBlock(part.analyzer, terms, np.asarray(part.idf_, dtype=np.float64)))
            elif hasattr(part, "feature_names_"):
                lexicon_names = list(part.feature_names_)
                dimension = dimension or part.dimension
            else:
                raise ValueError(f"cannot export feature block {name!r}")
        est = clf.estimator_
        coef = np.asarray(est.coef_, dtype=np.float64)
        intercept = np.asarray(est.intercept_, dtype=np.float64)
        if coef.shape[0] == 1:  # binary: logits [0, d]
            coef = np.vstack([np.zeros_like(coef), coef])
            intercept = np.concatenate([[0.0], intercept])
        classes = [str(c) for c in clf.classes_]
        pos = np.searchsorted(clf.classes_, est.classes_)
        full_coef = np.zeros((len(classes), coef.shape[1]))
        full_int = np.full(len(classes), -30.0)
        full_coef[pos] = coef
        full_int[pos] = intercept
        # Weights are stored as float32: round them now so a model predicts the same before and
        # after a save/load round trip.
        for b in blocks:
            b.idf = b.idf.astype(np.float32).astype(np.float64)
        return cls(dimension, classes, blocks, lexicon_names, full_coef.astype(np.float32).astype(np.float64),
                   full_int.astype(np.float32).astype(np.float64), float(clf.temperature_), dict(metadata), vector_block)

    # -- prediction ---------------------------------------------------------------------------

    def proba_from_logits(self, logits: np.ndarray) -> np.ndarray:
        z = logits / self.temperature
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def predict_proba_texts(self, texts: Sequence[str], *, lexicon: Lexicon | None = None) -> np.ndarray:
        """Class probabilities for whole texts (each text one unit, as in training). `lexicon`
        is the dimension's lexicon for the lexicon features (default: the shipped one)."""
        from ..models import Article
        from ..scoring.lexicon_scores import CompiledLexicon, match_document
        from ..text import preprocess

        if isinstance(texts, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        if self.lexicon_features and lexicon is None:
            lexicon = _shipped_lexicon(self.dimension)
        compiled = CompiledLexicon(lexicon) if (self.lexicon_features and lexicon is not None) else None
        counter = NgramCounter([self])
        sentence_norms: list[list[str]] = []
        unit_of_sentence: list[int] = []
        lex_raw = np.zeros((len(texts), len(self.lexicon_features)))
        for i, text in enumerate(texts):
            doc = preprocess(Article(id=f"unit-{i}", text=text))
            for s in doc.sentences:
                sentence_norms.append(list(s.norms))
                unit_of_sentence.append(i)
            if compiled is not None:
                lex_raw[i] = lexicon_feature_matrix(lexicon, match_document(doc, compiled), 1, names=self.lexicon_features, whole=True)[0]
        counts = counter.counts(sentence_norms, unit_of_sentence=unit_of_sentence)
        return self.proba_from_logits(counter.logits(self, counts, lex_raw))

    def predict_texts(self, texts: Sequence[str], *, lexicon: Lexicon | None = None) -> list[str]:
        proba = self.predict_proba_texts(texts, lexicon=lexicon)
        return [self.classes[i] for i in np.argmax(proba, axis=1)]

    # -- storage: plain JSON metadata + numeric arrays, no pickle --------------------------------

    def to_store(self) -> tuple[dict[str, Any], dict[str, Any]]:
        meta = {
            "format": MODEL_FORMAT,
            "format_version": MODEL_FORMAT_VERSION,
            "dimension": self.dimension,
            "classes": list(self.classes),
            "blocks": [{"analyzer": b.analyzer.as_config(), "n_terms": len(b.terms)} for b in self.blocks],
            "lexicon_features": list(self.lexicon_features),
            "temperature": self.temperature,
            "metadata": self.metadata,
        }
        if self.vector_block is not None:
            vb = self.vector_block
            meta["word_vectors"] = {"name": vb.name, "sha256": vb.vectors.digest, "scale": vb.scale, "n_dims": vb.n_dims}
        arrays: dict[str, Any] = {"coef": self.coef.astype(np.float32), "intercept": self.intercept.astype(np.float32)}
        for i, b in enumerate(self.blocks):
            arrays[f"terms_{i}"] = np.asarray(b.terms, dtype=np.str_)
            arrays[f"idf_{i}"] = b.idf.astype(np.float32)
        return meta, arrays

    @classmethod
    def from_store(cls, meta: Mapping[str, Any], arrays: Mapping[str, Any], *, source: str = "model") -> "FrameModel":
        from ..io.model_files import ModelFileError

        def bad(msg: str) -> ModelFileError:
            return ModelFileError(source, msg)

        if meta.get("format") != MODEL_FORMAT:
            raise bad(f"not a framing classifier (format {meta.get('format')!r})")
        if meta.get("format_version") != MODEL_FORMAT_VERSION:
            raise bad(f"unsupported model format version {meta.get('format_version')!r}")
        try:
            classes = [str(c) for c in meta["classes"]]
            blocks = []
            for i, spec in enumerate(meta["blocks"]):
                an = spec["analyzer"]
                terms = [str(t) for t in np.asarray(arrays[f"terms_{i}"]).tolist()]
                idf = np.asarray(arrays[f"idf_{i}"], dtype=np.float64)
                if len(terms) != len(idf) or len(terms) != int(spec["n_terms"]):
                    raise bad(f"block {i}: vocabulary and IDF sizes disagree")
                blocks.append(NgramBlock(TokenNgrams(str(an["kind"]), (int(an["ngram_range"][0]), int(an["ngram_range"][1]))), terms, idf))
            vector_block = None
            if meta.get("word_vectors"):
                from .word_vectors import word_vectors_for

                spec = meta["word_vectors"]
                table = word_vectors_for(str(spec["name"]), model_dir=Path(source).parent, digest=str(spec["sha256"]))
                if table.n_dims != int(spec["n_dims"]):
                    raise bad("the word vectors have another number of dimensions than the model")
                vector_block = VectorBlock(str(spec["name"]), float(spec["scale"]), table)
            model = cls(
                dimension=str(meta["dimension"]), classes=classes, blocks=blocks,
                lexicon_features=[str(f) for f in meta.get("lexicon_features", [])],
                coef=np.asarray(arrays["coef"], dtype=np.float64), intercept=np.asarray(arrays["intercept"], dtype=np.float64),
                temperature=float(meta["temperature"]), metadata=dict(meta.get("metadata") or {}), vector_block=vector_block,
            )
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            if isinstance(exc, ModelFileError):
                raise
            raise bad(f"malformed model ({exc.__class__.__name__}: {exc})") from None
        if model.coef.shape != (len(classes), model.n_features) or model.intercept.shape != (len(classes),):
            raise bad(f"weights have shape {model.coef.shape}, expected {(len(classes), model.n_features)}")
        if not (math.isfinite(model.temperature) and model.temperature > 0):
            raise bad("temperature must be a positive number")
        return model


@lru_cache(maxsize=8)
def _shipped_lexicon(dimension: str) -> Lexicon | None:
    from ..lexicon.build import load_lexicons

    for lx in load_lexicons([], include_shipped=True):
        if lx.dimension == dimension:
            return lx
    return None


# --- shared n-gram counting ---------------------------------------------------------------------


AnalyzerKey = tuple[str, tuple[int, int]]


@dataclass
class UnitCounts:
    """Raw n-gram counts of an article's units for one analyzer, as coordinate arrays sorted by
    unit, then union id: unit index, union vocabulary id, count (whole numbers)."""

    units: np.ndarray
    ids: np.ndarray
    counts: np.ndarray


def group_counts(units: np.ndarray, ids: np.ndarray, *, size: int) -> UnitCounts:
    """The distinct (unit, id) pairs of n-gram occurrences, sorted by unit then id, with their
    counts. The order matters: it is the order in which a unit's terms are added up in its
    product with the weights, so it fixes the last bits of the logits."""
    n_units = int(units.max()) + 1 if units.size else 0
    key_type = np.int32 if n_units * size < 2**31 else np.int64  # int32 sorts twice as fast
    keys = units.astype(key_type)
    keys *= size
    keys += ids
    keys.sort()
    if not keys.size:
        return UnitCounts(np.empty(0, dtype=key_type), np.empty(0, dtype=key_type), np.empty(0, dtype=np.int64))
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


def _grown(arr: np.ndarray, n: int, fill: Any) -> np.ndarray:
    """`arr` with room for at least `n` entries (capacity doubles; new slots hold `fill`)."""
    if n <= arr.size:
        return arr
    out = np.full(max(n, 2 * arr.size), fill, dtype=arr.dtype)
    out[: arr.size] = arr
    return out


class _WordNgramIds:
    """Union ids of word n-grams, looked up per token type instead of per n-gram string.

    Unigrams come from a table indexed by token type. A bigram "a b" of the vocabulary is a pair
    of part numbers (each word that starts or ends a vocabulary bigram has one), found with one
    `searchsorted` for the whole article instead of a joined string and a dictionary lookup per
    token pair. Longer n-grams (and vocabularies whose terms hold more than one space, which
    only tokens with spaces could produce) use joined strings, exactly as training did.
    """

    def __init__(self, vocab: Mapping[str, int], ngram_range: tuple[int, int]) -> None:
        self.vocab = vocab
        self.lo, self.hi = ngram_range
        parts: dict[str, int] = {}
        pairs: list[tuple[int, int, int]] = []
        self.pairs_ok = all(term.count(" ") <= 1 for term in vocab)
        for term, j in vocab.items():
            halves = term.split(" ")
            if len(halves) == 2:
                pairs.append((parts.setdefault(halves[0], len(parts)), parts.setdefault(halves[1], len(parts)), j))
        self.parts = parts
        self.n_parts = max(len(parts), 1)
        keys = np.asarray([a * self.n_parts + b for a, b, _ in pairs], dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        self.pair_keys = keys[order]
        self.pair_ids = np.asarray([j for _, _, j in pairs], dtype=np.int32)[order]
        self.unigram = np.full(1024, -1, dtype=np.int32)
        self.part = np.full(1024, -1, dtype=np.int32)

    def add_types(self, first: int, norms: Sequence[str], words: np.ndarray) -> None:
        end = first + len(norms)
        self.unigram = _grown(self.unigram, end, -1)
        self.part = _grown(self.part, end, -1)
        get, part = self.vocab.get, self.parts.get
        self.unigram[first:end] = [get(t, -1) for t in norms]
        self.part[first:end] = [part(t, -1) for t in norms]

    def ids(self, types: np.ndarray, sents: np.ndarray, words: Callable[[], list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """(sentence, id) of each n-gram of the word tokens (`types`, in text order, with their
        sentences); n-grams never span two sentences. `words()` gives the words' norms."""
        out_ids: list[np.ndarray] = []
        out_sents: list[np.ndarray] = []
        for n in range(self.lo, self.hi + 1):
            if n == 1:
                found = self.unigram[types]
                ok = found >= 0
                out_ids.append(found[ok])
                out_sents.append(sents[ok])
                continue
            if len(types) < n:
                continue
            where = sents[: len(types) - n + 1]
            same = where == sents[n - 1 :]
            if n == 2 and self.pairs_ok:
                part = self.part[types]
                ok = same & (part[:-1] >= 0) & (part[1:] >= 0)
                keys = part[:-1][ok].astype(np.int64) * self.n_parts + part[1:][ok]
                pos = np.searchsorted(self.pair_keys, keys)
                pos[pos == self.pair_keys.size] = 0
                hit = self.pair_keys[pos] == keys if self.pair_keys.size else np.zeros(keys.size, dtype=bool)
                out_ids.append(self.pair_ids[pos[hit]])
                out_sents.append(where[ok][hit])
                continue
            flat = words()
            grams = [" ".join(flat[i : i + n]) for i in range(len(flat) - n + 1)]
            found = np.fromiter(map(self.vocab.get, grams, repeat(-1)), dtype=np.int64, count=len(grams))
            ok = (found >= 0) & same
            out_ids.append(found[ok].astype(np.int32))
            out_sents.append(where[ok])
        if not out_ids:
            return np.empty(0, dtype=sents.dtype), np.empty(0, dtype=np.int32)
        return np.concatenate(out_sents), np.concatenate(out_ids)


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
        get, lo, hi = self.vocab.get, self.lo, self.hi
        found = [[j for j in map(get, _token_char_ngrams(t, lo, hi), repeat(-1)) if j >= 0] if w else [] for t, w in zip(norms, words.tolist())]
        lengths = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
        self.start = _grown(self.start, end, 0)
        self.length = _grown(self.length, end, 0)
        self.start[first:end] = self.filled + np.cumsum(lengths) - lengths
        self.length[first:end] = lengths
        total = int(lengths.sum())
        self.buffer = _grown(self.buffer, self.filled + total, 0)
        self.buffer[self.filled : self.filled + total] = [j for ids in found for j in ids]
        self.filled += total

    def ids(self, types: np.ndarray, sents: np.ndarray, words: Callable[[], list[str]]) -> tuple[np.ndarray, np.ndarray]:
        sizes = self.length[types]
        total = int(sizes.sum())
        if total == 0:
            return np.empty(0, dtype=sents.dtype), np.empty(0, dtype=np.int32)
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

    def __init__(self, models: Iterable[FrameModel]) -> None:
        models = list(models)
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
        for key, vocab in self.vocab.items():
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
        self._tf_tables = (np.zeros(1, dtype=np.float32), np.zeros(1, dtype=np.float32))
        self._lock = threading.Lock()  # the token-type tables change as articles are counted
        self._reset_types()

    def __getstate__(self) -> dict[str, Any]:
        # the caches are rebuilt where the counter is unpickled (and a lock cannot be pickled)
        keep = ("vocab", "_models", "slots", "stack_weights", "stack_idf2", "vector_tables", "vector_weights")
        return {name: self.__dict__[name] for name in keep}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._position = {id(m): i for i, m in enumerate(self._models)}
        self._fresh_caches()

    def _index(self, model: FrameModel) -> int:
        i = self._position.get(id(model))
        if i is None or self._models[i] is not model:
            raise KeyError(f"the {model.dimension!r} model is not one this NgramCounter was built for")
        return i

    def _reset_types(self) -> None:
        self._type_of: dict[str, int] = {}
        self._is_word = np.zeros(1024, dtype=bool)
        self._tables: dict[AnalyzerKey, _WordNgramIds | _CharNgramIds] = {
            key: (_CharNgramIds if key[0] == "char_wb" else _WordNgramIds)(vocab, key[1]) for key, vocab in self.vocab.items()
        }

    def _token_types(self, norms: Sequence[str]) -> np.ndarray:
        """The type number of each token, numbering (and analysing) the norms not seen before."""
        if len(self._type_of) > self._CACHE_LIMIT:  # bounded memory on huge corpora
            self._reset_types()
        get = self._type_of.get
        types = np.fromiter(map(get, norms, repeat(-1)), dtype=np.int64, count=len(norms))
        if types.size and types.min() < 0:
            missing = np.flatnonzero(types < 0).tolist()
            new = list(dict.fromkeys(norms[i] for i in missing))
            first = len(self._type_of)
            for number, norm in enumerate(new, first):
                self._type_of[norm] = number
            words = np.fromiter(map(is_word, new), dtype=bool, count=len(new))
            self._is_word = _grown(self._is_word, first + len(new), False)
            self._is_word[first : first + len(new)] = words
            for table in self._tables.values():
                table.add_types(first, new, words)
            types[missing] = [self._type_of[norms[i]] for i in missing]
        return types

    def occurrences(self, norms: Sequence[str], sentence_of_token: np.ndarray) -> dict[AnalyzerKey, tuple[np.ndarray, np.ndarray]]:
        """Every n-gram occurrence of a text whose tokens are `norms` (in order, each with its
        sentence): (sentence, union id) arrays per analyzer, in no particular order."""
        norms = norms if isinstance(norms, list) else list(norms)
        word_norms: list[str] = []

        def words_of() -> list[str]:
            if not word_norms and words.size:
                word_norms.extend(norms[i] for i in words.tolist())
            return word_norms

        with self._lock:  # one article at a time: a thread must not renumber types mid-article
            types = self._token_types(norms)
            words = np.flatnonzero(self._is_word[types])
            word_types = types[words]
            word_sents = np.asarray(sentence_of_token)[words]
            return {key: table.ids(word_types, word_sents, words_of) for key, table in self._tables.items()}

    def unit_counts(self, occurrences: Mapping[AnalyzerKey, tuple[np.ndarray, np.ndarray]], *, unit_of_sentence: Any = None) -> dict[AnalyzerKey, UnitCounts]:
        """Counts per unit (sentences, or the units `unit_of_sentence` maps them to) and analyzer."""
        mapping = None if unit_of_sentence is None else np.asarray(unit_of_sentence, dtype=np.int64)
        out = {}
        for key, (sents, ids) in occurrences.items():
            units = sents if mapping is None else mapping[sents]
            out[key] = group_counts(units, ids, size=max(len(self.vocab[key]), 1))
        return out

    def counts(self, sentence_norms: Sequence[Sequence[str]], *, unit_of_sentence: Sequence[int] | None = None) -> dict[AnalyzerKey, UnitCounts]:
        """Raw counts per analyzer; a unit's counts are the sum of its sentences' counts."""
        lengths = [len(n) for n in sentence_norms]
        flat = [t for norms in sentence_norms for t in norms]
        found = self.occurrences(flat, np.repeat(np.arange(len(lengths)), lengths))
        return self.unit_counts(found, unit_of_sentence=unit_of_sentence)

    def _sublinear_tf(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """1 + log(count) in float32, and its square (table lookups for whole-number counts)."""
        if counts.dtype.kind not in "iu":
            tf = (1.0 + np.log(counts)).astype(np.float32)
            return tf, tf * tf
        top = int(counts.max()) if counts.size else 0
        tf, tf2 = self._tf_tables
        if top >= tf.size:
            n = max(top + 1, 2 * tf.size, 64)
            tf = np.zeros(n, dtype=np.float32)
            tf[1:] = (1.0 + np.log(np.arange(1, n, dtype=np.float64))).astype(np.float32)  # as the formula
            tf2 = tf * tf
            self._tf_tables = (tf, tf2)
        return tf[counts], tf2[counts]

    def _plan(self, models: Sequence[FrameModel]) -> tuple[dict[AnalyzerKey, tuple[np.ndarray, np.ndarray]], dict[tuple[int, int], tuple[AnalyzerKey, int, int]]]:
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

    def decisions(self, models: Sequence[FrameModel], counts: Mapping[AnalyzerKey, UnitCounts], lexicon_raw: Mapping[int, np.ndarray], n_units: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Decision values of several models on the same units, keyed by `id(model)`: (logits,
        active), where `active` marks the units with at least one of the model's n-grams or a
        lexicon feature. Sublinear TF x IDF, L2-normalised per block, times the block's weights,
        plus the lexicon features (`lexicon_raw[id(model)]`, raw sums) and the intercept."""
        models = list(models)
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

    def logits(self, model: FrameModel, counts: Mapping[AnalyzerKey, UnitCounts], lexicon_raw: np.ndarray) -> np.ndarray:
        """One model's decision values for each unit (rows of `lexicon_raw`)."""
        return self.decisions([model], counts, {id(model): lexicon_raw}, lexicon_raw.shape[0])[id(model)][0]


# --- storage ----------------------------------------------------------------------------------


def save_frame_model(model: FrameModel, path: str | Path) -> list[Path]:
    """Write `<path>.json` + `<path>.npz` (no pickle) and return the files written."""
    from ..io import model_files

    meta, arrays = model.to_store()
    written = model_files.save_model(path, meta, arrays)
    vb = model.vector_block
    if vb is not None:  # the table the model reads sits beside it (written once per folder)
        from .word_vectors import load_word_vectors, save_word_vectors

        beside = Path(path).parent / vb.name
        try:
            same = load_word_vectors(beside).digest == vb.vectors.digest
        except model_files.ModelFileError:
            same = False
        if not same:
            written += save_word_vectors(vb.vectors, beside)
    return written


def load_frame_model(path: str | Path) -> FrameModel:
    """Load a model written by `save_frame_model`; refuses tampered or unknown files with a
    one-line error (checksum, format and shapes are checked; nothing is executed)."""
    from ..io import model_files

    stem = Path(path)
    stem = stem.with_suffix("") if stem.suffix in (".json", ".npz") else stem
    meta, arrays = model_files.load_model(stem, format=MODEL_FORMAT, format_version=MODEL_FORMAT_VERSION)
    return FrameModel.from_store(meta, arrays, source=f"{stem}.json")


def load_model_dir(model_dir: str | Path, *, dimensions: Sequence[str] | None = None) -> dict[str, FrameModel]:
    """Every framing model in a folder (`<dimension>.json` + `.npz`), by dimension."""
    from ..io import model_files

    model_dir = Path(model_dir)
    out: dict[str, FrameModel] = {}
    for meta_path in sorted(model_dir.glob("*.json")):
        stem = meta_path.with_suffix("")
        if dimensions is not None and stem.name not in dimensions:
            continue
        if not model_files.looks_like(stem, MODEL_FORMAT):
            continue
        model = load_frame_model(stem)
        out[model.dimension] = model
    return out


# --- the pipeline hook ------------------------------------------------------------------------


def _agreement(lex_labels: Sequence[str], cls_labels: Sequence[str], *, empty: str | None = "none") -> float:
    pairs = [(a, b) for a, b in zip(lex_labels, cls_labels) if empty is None or a != empty or b != empty]
    if not pairs:
        return 1.0
    return round(sum(1 for a, b in pairs if a == b) / len(pairs), 4)


def _passages(n_sentences: int, size: int = PASSAGE_SENTENCES) -> list[int]:
    """Passage index of each sentence: consecutive runs of `size`; a last run shorter than half
    a passage joins the one before."""
    if n_sentences == 0:
        return []
    unit = [i // size for i in range(n_sentences)]
    n_full = n_sentences // size
    if n_sentences % size and n_sentences % size < (size + 1) // 2 and n_full > 0:
        unit = [min(u, n_full - 1) for u in unit]
    return unit


class FramingClassifiers:
    """The `ExtraScorer` for the framing classifiers: one pass over each article for every model,
    blended with the lexicon scores (see the module docstring for the blend and agreement)."""

    name = "classifiers"

    def __init__(self, models: Mapping[str, FrameModel], *, lexicons: Sequence[Lexicon] | None = None,
                 heads: Mapping[str, Any] | None = None, keep_features: bool = False) -> None:
        self._given_lexicons = tuple(lexicons) if lexicons else None  # () or None: the shipped lexicons
        self._lexicons: dict[str, Lexicon] | None = None
        self.models = dict(models)
        # article-level decisions (framing.scoring.article_heads), by head key (`alliance.label`)
        self.heads = dict(heads or {})
        # training: what the article heads read of every scored article, by (article id,
        # dimension): the unit classes and probabilities, the lexicon columns, the length
        self.keep_features = keep_features
        self.units_seen: dict[tuple[str, str], dict[str, Any]] = {}
        self.counter = NgramCounter(self.models.values())
        h = hashlib.sha256()
        for dim in sorted(self.models):
            m = self.models[dim]
            h.update(dim.encode())
            h.update(json.dumps(m.metadata, sort_keys=True, default=str).encode())
            h.update(json.dumps([m.classes, m.temperature, m.lexicon_features]).encode())
            for arr in [m.coef, m.intercept] + [b.idf for b in m.blocks]:
                h.update(np.ascontiguousarray(arr).tobytes())
            if m.vector_block is not None:
                h.update(json.dumps([m.vector_block.name, m.vector_block.vectors.digest, m.vector_block.scale]).encode())
        for key in sorted(self.heads):
            head = self.heads[key]
            h.update(json.dumps([key, head.classes, head.features, dict(head.metadata)], sort_keys=True, default=str).encode())
            for arr in (head.mean, head.scale, head.coef, head.intercept):
                h.update(np.ascontiguousarray(arr).tobytes())
        self.fingerprint = f"{self.name}:{h.hexdigest()[:16]}"

    def _lexicon_map(self) -> dict[str, Lexicon]:
        """The lexicons the blend uses: those given at construction, else the shipped ones."""
        if self._lexicons is None:
            if self._given_lexicons is not None:
                self._lexicons = {lx.dimension: lx for lx in self._given_lexicons}
            else:
                from ..lexicon.build import load_lexicons

                self._lexicons = {lx.dimension: lx for lx in load_lexicons([], include_shipped=True)}
        return self._lexicons

    def columns(self, lexicons: Sequence[Lexicon]) -> list[str]:
        lexmap = {lx.dimension: lx for lx in lexicons}
        cols: list[str] = []
        order = [lx.dimension for lx in lexicons if lx.dimension in self.models]
        order += [d for d in self.models if d not in order]
        for dim in order:
            model = self.models[dim]
            lx = lexmap.get(dim)
            cols += kind_of(lx).classifier_columns(lx, dim, model.classes)
        return cols

    def score(self, doc: Document, lexicon_scores: Mapping[str, Any], matches: Sequence[Match]) -> tuple[dict[str, Any], list[SentenceProbabilities]]:
        return self.score_many([doc], [lexicon_scores], [matches])[0]

    def score_many(
        self, docs: Sequence[Document], lexicon_scores: Sequence[Mapping[str, Any]], matches: Sequence[Sequence[Match]]
    ) -> list[tuple[dict[str, Any], list[SentenceProbabilities]]]:
        """`score` of several articles at once, with the same results: their units are counted
        and multiplied by the weights together (numpy's per-call cost is paid once per batch
        instead of once per article), then each article is blended on its own. Every number
        of a unit is computed from that unit's row alone, so batching changes no bit.

        Articles go together up to `MAX_BATCH_TOKENS` tokens (an article longer than that goes
        alone): the n-gram arrays take about 30 bytes per character n-gram, some twenty per
        token, so memory stays bounded however long the articles of a batch are."""
        out: list[tuple[dict[str, Any], list[SentenceProbabilities]]] = []
        start = 0
        while start < len(docs):
            stop, tokens = start + 1, docs[start].n_tokens
            while stop < len(docs) and tokens + docs[stop].n_tokens <= MAX_BATCH_TOKENS:
                tokens += docs[stop].n_tokens
                stop += 1
            out.extend(self._score_together(docs[start:stop], lexicon_scores[start:stop], matches[start:stop]))
            start = stop
        return out

    def _score_together(
        self, docs: Sequence[Document], lexicon_scores: Sequence[Mapping[str, Any]], matches: Sequence[Sequence[Match]]
    ) -> list[tuple[dict[str, Any], list[SentenceProbabilities]]]:
        if not self.models or not docs:
            return [({}, []) for _ in docs]
        lexmap = self._lexicon_map()
        lengths = [len(s.norms) for d in docs for s in d.sentences]
        n_sent = [len(d.sentences) for d in docs]
        sent_first = np.concatenate([[0], np.cumsum(n_sent)]).astype(np.int64)
        total_sent = int(sent_first[-1])
        norms = list(chain.from_iterable(s.norms for d in docs for s in d.sentences))
        by_dim: list[dict[str, list[Match]]] = []
        for found_matches in matches:
            own: dict[str, list[Match]] = {}
            for m in found_matches:
                own.setdefault(m.dimension, []).append(m)
            by_dim.append(own)
        sentence_models = [m for m in self.models.values() if m.unit != "passage"]
        passage_models = [m for m in self.models.values() if m.unit == "passage"]
        # every n-gram found once; sentence and passage counts are two groupings of them
        found = self.counter.occurrences(norms, np.repeat(np.arange(total_sent, dtype=np.int32), lengths))
        sentence_tokens = np.asarray(lengths, dtype=float)
        # per unit kind: (units of each article, first unit of each article, counts, each
        # article's unit of every sentence (None: the sentence itself), tokens and sentences per unit)
        layouts: dict[str, tuple[list[int], np.ndarray, Any, list[list[int]] | None, np.ndarray, np.ndarray]] = {}
        if sentence_models:
            layouts["sentence"] = (n_sent, sent_first, self.counter.unit_counts(found), None, sentence_tokens, np.ones(total_sent, dtype=int))
        if passage_models:
            passage_of = [_passages(n) for n in n_sent]
            n_pass = [max(p, default=-1) + 1 for p in passage_of]
            pass_first = np.concatenate([[0], np.cumsum(n_pass)]).astype(np.int64)
            global_passage = np.fromiter(
                chain.from_iterable((u + int(first) for u in p) for p, first in zip(passage_of, pass_first.tolist())), dtype=np.int64, count=total_sent
            )
            total_pass = int(pass_first[-1])
            layouts["passage"] = (
                n_pass, pass_first, self.counter.unit_counts(found, unit_of_sentence=global_passage), passage_of,
                np.bincount(global_passage, weights=sentence_tokens, minlength=total_pass) if total_sent else np.zeros(0),
                np.bincount(global_passage, minlength=total_pass) if total_sent else np.zeros(0, dtype=int),
            )
        out: list[tuple[dict[str, Any], list[SentenceProbabilities]]] = [({}, []) for _ in docs]
        registers: list[dict[str, float]] = []
        if self.heads or self.keep_features:
            from .article_heads import register_features

            registers = [register_features([s.norms for s in d.sentences]) for d in docs]
        for kind, group in (("sentence", sentence_models), ("passage", passage_models)):
            if not group:
                continue
            units, first, counts, unit_of, tokens, n_sents = layouts[kind]
            total_units = int(first[-1])
            lex_raw: dict[int, np.ndarray] = {}
            for model in group:
                lx = lexmap.get(model.dimension)
                if lx is not None and model.lexicon_features:
                    parts = [
                        lexicon_feature_matrix(lx, own.get(model.dimension, []), n, names=model.lexicon_features, unit_of_sentence=None if unit_of is None else unit_of[i])
                        for i, (own, n) in enumerate(zip(by_dim, units))
                    ]
                    lex_raw[id(model)] = np.concatenate(parts) if parts else np.zeros((0, len(model.lexicon_features)))
            decided = self.counter.decisions(group, counts, lex_raw, total_units)
            for model in group:
                dim = model.dimension
                lx = lexmap.get(dim)
                all_logits, all_active = decided[id(model)]
                all_proba = model.proba_from_logits(all_logits)
                for i, doc in enumerate(docs):
                    a, b = int(first[i]), int(first[i + 1])
                    # copies: each article's arrays are laid out as if it had been scored alone
                    proba, active = all_proba[a:b].copy(), all_active[a:b].copy()
                    doc_tokens, doc_sents = tokens[a:b].copy(), n_sents[a:b].copy()
                    doc_unit_of = None if unit_of is None else unit_of[i]
                    cols, evidence = out[i]
                    lex_labels = self._lexicon_labels(lx, by_dim[i].get(dim, []), b - a, doc_unit_of, doc_tokens, doc_sents)
                    # A unit without a single known n-gram or lexicon feature (a dateline, "!!!") gets
                    # only the model's intercept: the classifier abstains there instead of voting.
                    top = np.argmax(proba, axis=1)
                    cols.update(self._blend(dim, model, lx, proba[active], doc_tokens[active], lexicon_scores[i], n_tokens=doc.n_tokens))
                    if lx is not None and (self.keep_features or any(k.startswith(f"{dim}.") for k in self.heads)):
                        head_cols, decisions = self._article_decision(doc, dim, model, lx, proba, active, doc_unit_of, lexicon_scores[i], registers[i])
                        cols.update(head_cols)
                        evidence.extend(decisions)
                    if lx is not None:
                        idx = np.flatnonzero(active).tolist()
                        classes = model.classes
                        cols[f"{dim}.agreement"] = _agreement([lex_labels[u] for u in idx], [classes[k] for k in top[idx].tolist()], empty=None if kind == "passage" else "none")
                    evidence.extend(self._evidence(doc, dim, model, proba, top, lex_labels, doc_unit_of, active))
        return out

    def _article_decision(self, doc: Document, dim: str, model: FrameModel, lx: Lexicon, proba: np.ndarray, active: np.ndarray,
                          unit_of: Sequence[int] | None, lexicon_scores: Mapping[str, Any], register: Mapping[str, float]) -> tuple[dict[str, Any], list[SentenceProbabilities]]:
        """The article heads' reading of one dimension (it replaces the blend's main columns), and
        the sentences that moved the decision most as evidence records (`<dim>.article`);
        `register`: the article's `register_features`."""
        from .article_heads import article_features, categories_features, unit_contributions

        n_units = int(proba.shape[0])
        n_tokens = doc.n_tokens
        own = proba[active]
        positions = np.flatnonzero(active) / max(n_units - 1, 1)  # each active unit's place, 0 to 1
        out: dict[str, Any] = {}
        records: list[SentenceProbabilities] = []
        if self.keep_features:
            self.units_seen[(doc.article.id, dim)] = {"classes": tuple(model.classes), "proba": own.copy(), "n_units": n_units, "positions": positions,
                                                      "lexicon_scores": dict(lexicon_scores), "n_tokens": n_tokens, "categories": tuple(lx.category_names),
                                                      "register": dict(register)}
        if lx.kind == "prescriptions":
            per_cat = categories_features(model.classes, own, n_units=n_units, lexicon_scores=lexicon_scores, n_tokens=n_tokens, categories=lx.category_names,
                                          register=register)
            cats = list(per_cat)
            built: dict[tuple[str, ...], np.ndarray] = {}  # the two heads read the same features
            margins: dict[str, dict[str, float]] = {}
            for fld in ("advocated", "rejected"):
                head = self.heads.get(f"{dim}.{fld}")
                if head is None:
                    continue
                if head.features not in built:
                    built[head.features] = head.matrix([per_cat[c] for c in cats])
                probs = dict(zip(cats, head.positive_matrix(built[head.features]).tolist()))
                threshold = float(head.metadata.get("threshold", 0.5))
                margins[fld] = {c: p - threshold for c, p in probs.items()}
            # a policy is advocated or rejected, not both (never both in the coded articles):
            # it goes where its probability clears the threshold by more
            for fld, other in (("advocated", "rejected"), ("rejected", "advocated")):
                if fld in margins:
                    mine, theirs = margins[fld], margins.get(other, {})
                    chosen = [c for c, m in mine.items() if m >= 0 and not (theirs.get(c, -1.0) >= 0 and theirs[c] > m)]
                    out[f"{dim}.{fld}"] = ";".join(sorted(chosen, key=lambda c: (-mine[c], c)))
            return out, records
        feats = article_features(dim, model.classes, own, n_units=n_units, lexicon_scores=lexicon_scores, n_tokens=n_tokens, positions=positions, register=register)
        head = self.heads.get(f"{dim}.label")
        if head is not None:
            probs = head.probabilities(feats)
            ranked = sorted(head.classes, key=lambda c: (-probs[c], c))
            label = ranked[0]
            out[f"{dim}.label"] = label
            contrib = np.zeros(n_units)
            contrib[active] = unit_contributions(head, model.classes, own, n_units=n_units, label=label, versus=ranked[1] if len(ranked) > 1 else None, positions=positions)
            records.extend(self._decision_records(doc, dim, label, contrib, unit_of))
        pos_head = self.heads.get(f"{dim}.position")
        if pos_head is not None and lx.kind == "poles":
            p = pos_head.probabilities(feats)
            position = round(p[pos_head.classes[1]] - p[pos_head.classes[0]], 4)
            p_lex = float(lexicon_scores.get(f"{dim}.position") or 0.0)
            shift = position - p_lex
            out[f"{dim}.position"] = position
            out[f"{dim}.ci_low"] = round(max(-1.0, min(float(lexicon_scores.get(f"{dim}.ci_low") or p_lex) + shift, position)), 4)
            out[f"{dim}.ci_high"] = round(min(1.0, max(float(lexicon_scores.get(f"{dim}.ci_high") or p_lex) + shift, position)), 4)
        return out, records

    @staticmethod
    def _decision_records(doc: Document, dim: str, label: str, contrib: np.ndarray, unit_of: Sequence[int] | None, n: int = 3) -> list[SentenceProbabilities]:
        """The `n` units that pushed the article most towards its label and the `n` that pushed
        it most away, as sentence records of the pseudo-dimension `<dim>.article` (a passage's
        contribution is shown on its first sentence)."""
        order = np.argsort(contrib, kind="stable")
        picked = [(int(u), f"for {label}") for u in order[::-1][:n] if contrib[u] > 1e-6]
        picked += [(int(u), f"against {label}") for u in order[:n] if contrib[u] < -1e-6]
        out = []
        for u, what in picked:
            si = u if unit_of is None else next((k for k, v in enumerate(unit_of) if v == u), None)
            if si is not None:
                out.append(SentenceProbabilities(doc.article.id, f"{dim}.article", si, {what: round(abs(float(contrib[u])), 4)}))
        return out

    def _lexicon_labels(self, lx: Lexicon | None, own: Sequence[Match], units: int, unit_of: Sequence[int] | None, tokens: np.ndarray, n_sents: np.ndarray) -> list[str]:
        """`lexicon_unit_label` of every unit; units without a match share one computed label."""
        if lx is None:
            return []
        return lexicon_unit_labels(lx, own, n_units=units, unit_tokens=tokens, unit_sentences=n_sents, unit_of_sentence=unit_of)

    def _evidence(self, doc: Document, dim: str, model: FrameModel, proba: np.ndarray, top: np.ndarray, lex_labels: Sequence[str], unit_of: Sequence[int] | None, active: np.ndarray) -> list[SentenceProbabilities]:
        """Sentence records: sentences where the classifier or the lexicon finds something; for
        passages, each sentence of a passage whose most probable stance is not `neutral`, with
        the passage's probabilities. `top` is each unit's most probable class (its index)."""
        quiet = {"none", "neutral"}
        keep = active & ~np.asarray([c in quiet for c in model.classes], dtype=bool)[top]
        if unit_of is None and lex_labels:
            keep |= active & np.fromiter((label not in quiet for label in lex_labels), dtype=bool, count=len(lex_labels))
        kept = np.flatnonzero(keep)
        if not kept.size:
            return []
        classes, article_id = model.classes, doc.article.id
        probs = {u: {c: p for c, p in zip(classes, row) if p >= MIN_EVIDENCE_PROBABILITY} for u, row in zip(kept.tolist(), proba[kept].tolist())}
        if unit_of is None:
            return [SentenceProbabilities(article_id, dim, u, p) for u, p in probs.items()]
        sentences = np.flatnonzero(keep[np.asarray(unit_of, dtype=np.int64)]).tolist()
        return [SentenceProbabilities(article_id, dim, si, dict(probs[unit_of[si]])) for si in sentences]

    def _blend(self, dim: str, model: FrameModel, lx: Lexicon | None, proba: np.ndarray, unit_tokens: np.ndarray, lexicon_scores: Mapping[str, Any], *, n_tokens: int) -> dict[str, Any]:
        votes = ClassifierVotes(tuple(model.classes), proba, unit_tokens)
        return kind_of(lx).blend(lx, dim, votes, lexicon_scores, w=model.blend_weight, n_tokens=n_tokens)


# --- the lean model (framing.scoring.lean) as an ExtraScorer -------------------------------------


class LeanScorer:
    """Adds `lean.left`, `lean.center`, `lean.right` and `lean.label` (the article-level lean
    model of `framing.scoring.lean`, trained on the ABP corpus)."""

    name = "lean"
    COLUMNS = ("lean.left", "lean.center", "lean.right", "lean.label")

    def __init__(self, predict: Any, fingerprint: str = "lean") -> None:
        self._predict = predict
        self.fingerprint = fingerprint

    def columns(self, lexicons: Sequence[Lexicon]) -> list[str]:
        return list(self.COLUMNS)

    def score(self, doc: Document, lexicon_scores: Mapping[str, Any], matches: Sequence[Match]) -> tuple[dict[str, Any], list[SentenceProbabilities]]:
        return self.score_many([doc], [lexicon_scores], [matches])[0]

    def score_many(self, docs: Sequence[Document], lexicon_scores: Sequence[Mapping[str, Any]], matches: Sequence[Sequence[Match]]) -> list[tuple[dict[str, Any], list[SentenceProbabilities]]]:
        """`score` of several articles in one call of the model (each article's row is computed
        from its own text alone: the same numbers as one at a time)."""
        results = self._predict([doc.article.text for doc in docs]) if docs else []
        return [({c: result.get(c) for c in self.COLUMNS if c in result}, []) for result in results]


def _lean_scorer(model_dir: Path) -> LeanScorer | None:
    """The lean model's wrapper, when `framing.scoring.lean` and its model file are present."""
    description = model_dir / "lean.json"
    if not description.is_file():
        return None
    try:
        from . import lean
    except ImportError:
        return None
    predict = getattr(lean, "predict_lean", None)
    if predict is None:
        return None
    digest = hashlib.sha256(description.read_bytes()).hexdigest()[:16]
    return LeanScorer(predict, fingerprint=f"lean:{digest}")


def default_classifier_scorers(lexicons: Sequence[Lexicon] | None = None, *, model_dir: str | Path | None = None) -> tuple[Any, ...]:
    """The shipped classifiers as pipeline extras: the framing classifiers (those whose files
    exist in `model_dir`, default the shipped folder) and the lean model; `()` when none exist."""
    extras: list[Any] = []
    folder = Path(model_dir) if model_dir is not None else shipped_model_dir()
    if folder.is_dir():
        models = load_model_dir(folder)
        if models:
            from .article_heads import load_article_heads

            extras.append(FramingClassifiers(models, lexicons=lexicons, heads=load_article_heads(folder)))
    if model_dir is None:
        lean = _lean_scorer(folder)
        if lean is not None:
            extras.append(lean)
    return tuple(extras)
