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
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from ..models import Document, Lexicon, Match, SentenceProbabilities
from .features import (
    TokenNgrams,
    finish_lexicon_features,
    lexicon_feature_matrix,
    lexicon_unit_label,
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
MODEL_FORMAT = "framing-frame-model"
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
class FrameModel:
    """A trained framing classifier as plain arrays; `predict_proba_*` reproduce the training
    pipeline's `predict_proba` exactly (tests check this)."""

    dimension: str
    classes: list[str]
    blocks: list[NgramBlock]
    lexicon_features: list[str]
    coef: np.ndarray  # (n_classes, n_features): word block, char block, lexicon features
    intercept: np.ndarray  # (n_classes,)
    temperature: float
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def blend_weight(self) -> float:
        return float(self.metadata.get("blend_weight", 0.5))

    @property
    def unit(self) -> str:
        return str(self.metadata.get("unit", "sentence"))

    @property
    def n_features(self) -> int:
        return sum(len(b.terms) for b in self.blocks) + len(self.lexicon_features)

    @classmethod
    def from_pipeline(cls, pipe: Any, *, metadata: Mapping[str, Any]) -> "FrameModel":
        """Export a fitted `framing.training.frames.build_pipeline` pipeline."""
        union = pipe.named_steps["features"]
        clf = pipe.named_steps["clf"]
        blocks: list[NgramBlock] = []
        lexicon_names: list[str] = []
        dimension = str(metadata.get("dimension", ""))
        for name, part in union.transformer_list:
            if hasattr(part, "vocabulary_"):
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
                   full_int.astype(np.float32).astype(np.float64), float(clf.temperature_), dict(metadata))

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
                sentence_norms.append([t.norm for t in s.tokens])
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
        arrays: dict[str, Any] = {"coef": self.coef.astype(np.float32), "intercept": self.intercept.astype(np.float32)}
        for i, b in enumerate(self.blocks):
            arrays[f"terms_{i}"] = np.asarray(b.terms, dtype=np.str_)
            arrays[f"idf_{i}"] = b.idf.astype(np.float32)
        return meta, arrays

    @classmethod
    def from_store(cls, meta: Mapping[str, Any], arrays: Mapping[str, Any], *, source: str = "model") -> "FrameModel":
        from .model_store import ModelFileError

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
            model = cls(
                dimension=str(meta["dimension"]), classes=classes, blocks=blocks,
                lexicon_features=[str(f) for f in meta.get("lexicon_features", [])],
                coef=np.asarray(arrays["coef"], dtype=np.float64), intercept=np.asarray(arrays["intercept"], dtype=np.float64),
                temperature=float(meta["temperature"]), metadata=dict(meta.get("metadata") or {}),
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


@dataclass
class UnitCounts:
    """Raw n-gram counts of an article's units for one analyzer, as sorted coordinate arrays:
    unit index, union vocabulary id, count."""

    units: np.ndarray
    ids: np.ndarray
    counts: np.ndarray


class NgramCounter:
    """Counts the n-grams of several models in one pass over an article's tokens, and turns the
    counts into each model's decision values with numpy alone.

    Models whose blocks use the same analyzer share one union vocabulary; each block keeps its
    IDF weights and linear weights indexed by union id (0 where the block lacks the n-gram), so a
    model's TF-IDF rows and logits come from a few vectorised gathers and `bincount`s. Per-token
    n-gram ids are cached (news vocabularies repeat), so character n-grams cost a dictionary
    lookup per token after a word's first occurrence.
    """

    _CACHE_LIMIT = 300_000

    def __init__(self, models: Iterable[FrameModel]) -> None:
        models = list(models)
        self.vocab: dict[tuple[str, tuple[int, int]], dict[str, int]] = {}
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
        self.slots: dict[tuple[int, int], tuple[tuple[str, tuple[int, int]], int, int]] = {}
        weight_parts: dict[tuple[str, tuple[int, int]], list[np.ndarray]] = {k: [] for k in self.vocab}
        idf2_parts: dict[tuple[str, tuple[int, int]], list[np.ndarray]] = {k: [] for k in self.vocab}
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
                self.slots[(id(model), bi)] = (key, start, len(idf2_parts[key]))
                weight_parts[key].append(weights)
                idf2_parts[key].append((idf * idf)[:, None])
                offset += len(block.terms)
        # float32: half the memory traffic of the products; logits stay accurate to ~1e-6
        self.stack_weights = {k: np.hstack(v).astype(np.float32) for k, v in weight_parts.items() if v}
        self.stack_idf2 = {k: np.hstack(v).astype(np.float32) for k, v in idf2_parts.items() if v}
        self._token_cache: dict[tuple[str, tuple[int, int]], dict[str, np.ndarray]] = {k: {} for k in self.vocab}

    def _char_ids(self, key: tuple[str, tuple[int, int]], norm: str) -> np.ndarray:
        cache = self._token_cache[key]
        ids = cache.get(norm)
        if ids is None:
            from .features import _token_char_ngrams

            vocab = self.vocab[key]
            lo, hi = key[1]
            ids = np.fromiter((vocab[g] for g in _token_char_ngrams(norm, lo, hi) if g in vocab), dtype=np.int64)
            cache[norm] = ids
        return ids

    def _word_ids(self, key: tuple[str, tuple[int, int]], flat_words: list[str], tok_sent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Union ids of the word n-grams of all sentences at once, with each one's sentence;
        n-grams never span two sentences."""
        get = self.vocab[key].get
        lo, hi = key[1]
        ids: list[np.ndarray] = []
        sents: list[np.ndarray] = []
        for n in range(lo, hi + 1):
            if n == 1:
                keys = flat_words
                same = np.ones(len(flat_words), dtype=bool)
                where = tok_sent
            else:
                keys = [" ".join(flat_words[i : i + n]) for i in range(len(flat_words) - n + 1)] if n > 2 else [a + " " + b for a, b in zip(flat_words, flat_words[1:])]
                where = tok_sent[: len(keys)]
                same = where == tok_sent[n - 1 : n - 1 + len(keys)]
            found = np.fromiter(map(get, keys, repeat(-1)), dtype=np.int64, count=len(keys))
            ok = (found >= 0) & same
            ids.append(found[ok])
            sents.append(where[ok])
        if not ids:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        return np.concatenate(ids), np.concatenate(sents)

    def _char_ids_flat(self, key: tuple[str, tuple[int, int]], flat_words: list[str], tok_sent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Union ids of the character n-grams of every token (cached per distinct token)."""
        cache = self._token_cache[key]
        if len(cache) > self._CACHE_LIMIT:  # bounded memory on huge corpora
            cache.clear()
        types = {t: i for i, t in enumerate(dict.fromkeys(flat_words))}
        tidx = np.fromiter(map(types.__getitem__, flat_words), dtype=np.int64, count=len(flat_words))
        if not types:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        arrays = [cache[t] if t in cache else self._char_ids(key, t) for t in types]
        lens = np.fromiter((a.size for a in arrays), dtype=np.int64, count=len(arrays))
        concat = np.concatenate(arrays)
        ptr = np.concatenate([[0], np.cumsum(lens)[:-1]])
        sizes = lens[tidx]
        total = int(sizes.sum())
        if total == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        # positions: for each token, ptr[type] .. ptr[type] + size, laid end to end
        out_start = np.cumsum(sizes) - sizes
        gather = np.arange(total) - np.repeat(out_start - ptr[tidx], sizes)
        return concat[gather], np.repeat(tok_sent, sizes)

    def counts(self, sentence_norms: Sequence[Sequence[str]], *, unit_of_sentence: Sequence[int] | None = None) -> dict[tuple[str, tuple[int, int]], UnitCounts]:
        """Raw counts per analyzer; a unit's counts are the sum of its sentences' counts."""
        out: dict[tuple[str, tuple[int, int]], UnitCounts] = {}
        words_of = [[t for t in norms if len(t) > 1 or t.isalnum()] for norms in sentence_norms]  # = is_word
        flat_words = [t for words in words_of for t in words]
        tok_sent = np.repeat(np.arange(len(words_of)), [len(w) for w in words_of])
        for key, vocab in self.vocab.items():
            if key[0] == "word":
                ids, sent = self._word_ids(key, flat_words, tok_sent)
            else:
                ids, sent = self._char_ids_flat(key, flat_words, tok_sent)
            units = sent if unit_of_sentence is None else np.asarray(unit_of_sentence, dtype=np.int64)[sent]
            size = max(len(vocab), 1)
            flat, counts = np.unique(units * size + ids, return_counts=True)
            out[key] = UnitCounts(flat // size, flat % size, counts.astype(np.float64))
        return out

    @staticmethod
    def aggregate(counts: Mapping[tuple[str, tuple[int, int]], UnitCounts], unit_of_sentence: Sequence[int]) -> dict[tuple[str, tuple[int, int]], UnitCounts]:
        """Sentence counts summed into larger units (passages) without re-counting."""
        mapping = np.asarray(unit_of_sentence, dtype=np.int64)
        out = {}
        for key, uc in counts.items():
            size = int(uc.ids.max()) + 1 if uc.ids.size else 1
            flat, inverse = np.unique(mapping[uc.units] * size + uc.ids, return_inverse=True)
            out[key] = UnitCounts(flat // size, flat % size, np.bincount(inverse.ravel(), weights=uc.counts, minlength=flat.size))
        return out

    def decisions(self, models: Sequence[FrameModel], counts: Mapping[tuple[str, tuple[int, int]], UnitCounts], lexicon_raw: Mapping[int, np.ndarray], n_units: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Decision values of several models on the same units, keyed by `id(model)`: (logits,
        active), where `active` marks the units with at least one of the model's n-grams or a
        lexicon feature. Sublinear TF x IDF, L2-normalised per block, times the block's weights,
        plus the lexicon features (`lexicon_raw[id(model)]`, raw sums) and the intercept."""
        from scipy.sparse import csr_matrix

        numer: dict[tuple[str, tuple[int, int]], np.ndarray] = {}
        norms: dict[tuple[str, tuple[int, int]], np.ndarray] = {}
        wanted = {block.key for m in models for block in m.blocks}
        for key in wanted:
            uc = counts[key]
            size = self.stack_weights[key].shape[0]
            tf = (1.0 + np.log(uc.counts)).astype(np.float32)
            indptr = np.searchsorted(uc.units, np.arange(n_units + 1))
            x = csr_matrix((tf, uc.ids, indptr), shape=(n_units, size))
            numer[key] = (x @ self.stack_weights[key]).astype(np.float64)
            x.data *= tf
            norms[key] = np.sqrt((x @ self.stack_idf2[key]).astype(np.float64))
        out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for model in models:
            logits = np.tile(model.intercept, (n_units, 1))
            active = np.zeros(n_units, dtype=bool)
            k = len(model.classes)
            for bi, block in enumerate(model.blocks):
                key, start, col = self.slots[(id(model), bi)]
                norm = norms[key][:, col].copy()
                active |= norm > 0
                norm[norm == 0] = 1.0
                logits += numer[key][:, start : start + k] / norm[:, None]
            raw = lexicon_raw.get(id(model))
            if model.lexicon_features and raw is not None and raw.size:
                offset = sum(len(b.terms) for b in model.blocks)
                logits += finish_lexicon_features(raw) @ model.coef[:, offset:].T
                active |= (raw != 0).any(axis=1)
            out[id(model)] = (logits, active)
        return out

    def logits(self, model: FrameModel, counts: Mapping[tuple[str, tuple[int, int]], UnitCounts], lexicon_raw: np.ndarray) -> np.ndarray:
        """One model's decision values for each unit (rows of `lexicon_raw`)."""
        return self.decisions([model], counts, {id(model): lexicon_raw}, lexicon_raw.shape[0])[id(model)][0]


# --- storage ----------------------------------------------------------------------------------


def save_frame_model(model: FrameModel, path: str | Path) -> list[Path]:
    """Write `<path>.json` + `<path>.npz` (no pickle) and return the files written."""
    from . import model_store

    meta, arrays = model.to_store()
    return model_store.save_model(path, meta, arrays)


def load_frame_model(path: str | Path) -> FrameModel:
    """Load a model written by `save_frame_model`; refuses tampered or unknown files with a
    one-line error (checksum, format and shapes are checked; nothing is executed)."""
    from . import model_store

    stem = Path(path)
    stem = stem.with_suffix("") if stem.suffix in (".json", ".npz") else stem
    meta, arrays = model_store.load_model(stem, format=MODEL_FORMAT, format_version=MODEL_FORMAT_VERSION)
    return FrameModel.from_store(meta, arrays, source=f"{stem}.json")


def load_model_dir(model_dir: str | Path, *, dimensions: Sequence[str] | None = None) -> dict[str, FrameModel]:
    """Every framing model in a folder (`<dimension>.json` + `.npz`), by dimension."""
    from . import model_store

    model_dir = Path(model_dir)
    out: dict[str, FrameModel] = {}
    for meta_path in sorted(model_dir.glob("*.json")):
        stem = meta_path.with_suffix("")
        if dimensions is not None and stem.name not in dimensions:
            continue
        if not model_store.looks_like(stem, MODEL_FORMAT):
            continue
        model = load_frame_model(stem)
        out[model.dimension] = model
    return out


# --- the pipeline hook ------------------------------------------------------------------------


def _poles_axis(lexicon: Lexicon) -> tuple[str | None, str | None]:
    pos, neg = lexicon.params.get("positive"), lexicon.params.get("negative")
    if pos and neg:
        return str(pos), str(neg)
    for c in lexicon.categories:
        if c.opposite:
            return c.name, c.opposite
    return None, None


def _argmax_counts(classes: Sequence[str], proba: np.ndarray) -> dict[str, float]:
    """Each unit counts for its most probable class, weighted by that probability."""
    out = {c: 0.0 for c in classes}
    if proba.size:
        top = np.argmax(proba, axis=1)
        for i, k in enumerate(top):
            out[classes[k]] += float(proba[i, k])
    return out


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

    def __init__(self, models: Mapping[str, FrameModel], *, lexicons: Sequence[Lexicon] | None = None) -> None:
        self._given_lexicons = tuple(lexicons) if lexicons else None  # () or None: the shipped lexicons
        self._lexicons: dict[str, Lexicon] | None = None
        self.models = dict(models)
        self.counter = NgramCounter(self.models.values())
        h = hashlib.sha256()
        for dim in sorted(self.models):
            m = self.models[dim]
            h.update(dim.encode())
            h.update(json.dumps(m.metadata, sort_keys=True, default=str).encode())
            h.update(json.dumps([m.classes, m.temperature, m.lexicon_features]).encode())
            for arr in [m.coef, m.intercept] + [b.idf for b in m.blocks]:
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
            kind = lx.kind if lx is not None else None
            if kind == "poles":
                cols += [f"{dim}.position_lexicon", f"{dim}.position_classifier", f"{dim}.label_lexicon", f"{dim}.label_classifier", f"{dim}.agreement"]
            elif kind == "prescriptions":
                from .lexicon_scores import category_columns_prefix

                prefix = category_columns_prefix(lx)
                for c in lx.category_names:
                    cols += [f"{prefix}.{c}_lexicon", f"{prefix}.{c}_classifier"]
                cols += [f"{dim}.advocated_lexicon", f"{dim}.rejected_lexicon", f"{dim}.advocated_classifier", f"{dim}.rejected_classifier", f"{dim}.agreement"]
            elif kind == "stances":
                for c in lx.category_names:
                    cols += [f"{dim}.{c}_lexicon", f"{dim}.{c}_classifier"]
                cols += [f"{dim}.label_lexicon", f"{dim}.label_classifier", f"{dim}.agreement"]
            else:  # no blend defined: the classifier's shares and label beside the lexicon
                cols += [f"{dim}.{c}_classifier" for c in model.classes] + [f"{dim}.label_classifier"]
                if lx is not None:
                    cols.append(f"{dim}.agreement")
        return cols

    def score(self, doc: Document, lexicon_scores: Mapping[str, Any], matches: Sequence[Match]) -> tuple[dict[str, Any], list[SentenceProbabilities]]:
        lexmap = self._lexicon_map()
        n_sent = len(doc.sentences)
        if not self.models:
            return {}, []
        sentence_norms = [[t.norm for t in s.tokens] for s in doc.sentences]
        by_dim: dict[str, list[Match]] = {}
        for m in matches:
            by_dim.setdefault(m.dimension, []).append(m)
        sentence_models = [m for m in self.models.values() if m.unit != "passage"]
        passage_models = [m for m in self.models.values() if m.unit == "passage"]
        sentence_counts = self.counter.counts(sentence_norms)
        sentence_tokens = np.asarray([len(s.tokens) for s in doc.sentences], dtype=float)
        # (units, counts, unit_of_sentence, tokens per unit, sentences per unit) per unit kind
        layouts: dict[str, tuple[int, Any, list[int] | None, np.ndarray, np.ndarray]] = {}
        if sentence_models:
            layouts["sentence"] = (n_sent, sentence_counts, None, sentence_tokens, np.ones(n_sent, dtype=int))
        if passage_models:
            passage_of = _passages(n_sent)
            n_pass = max(passage_of, default=-1) + 1
            layouts["passage"] = (
                n_pass, self.counter.aggregate(sentence_counts, passage_of), passage_of,
                np.bincount(passage_of, weights=sentence_tokens, minlength=n_pass) if n_sent else np.zeros(0),
                np.bincount(passage_of, minlength=n_pass) if n_sent else np.zeros(0, dtype=int),
            )
        cols: dict[str, Any] = {}
        evidence: list[SentenceProbabilities] = []
        for kind, group in (("sentence", sentence_models), ("passage", passage_models)):
            if not group:
                continue
            units, counts, unit_of, tokens, n_sents = layouts[kind]
            lex_raw: dict[int, np.ndarray] = {}
            for model in group:
                lx = lexmap.get(model.dimension)
                if lx is not None and model.lexicon_features:
                    own = by_dim.get(model.dimension, [])
                    lex_raw[id(model)] = lexicon_feature_matrix(lx, own, units, names=model.lexicon_features, unit_of_sentence=unit_of)
            decided = self.counter.decisions(group, counts, lex_raw, units)
            for model in group:
                dim = model.dimension
                lx = lexmap.get(dim)
                logits, active = decided[id(model)]
                proba = model.proba_from_logits(logits)
                lex_labels = self._lexicon_labels(lx, by_dim.get(dim, []), units, unit_of, tokens, n_sents)
                # A unit without a single known n-gram or lexicon feature (a dateline, "!!!") gets
                # only the model's intercept: the classifier abstains there instead of voting.
                cls_labels = [model.classes[k] for k in np.argmax(proba, axis=1)]
                cols.update(self._blend(dim, model, lx, proba[active], tokens[active], lexicon_scores, n_tokens=doc.n_tokens))
                if lx is not None:
                    idx = np.flatnonzero(active)
                    cols[f"{dim}.agreement"] = _agreement([lex_labels[u] for u in idx], [cls_labels[u] for u in idx], empty=None if kind == "passage" else "none")
                evidence.extend(self._evidence(doc, dim, model, proba, cls_labels, lex_labels, unit_of, active))
        return cols, evidence

    def _lexicon_labels(self, lx: Lexicon | None, own: Sequence[Match], units: int, unit_of: Sequence[int] | None, tokens: np.ndarray, n_sents: np.ndarray) -> list[str]:
        """`lexicon_unit_label` of every unit; units without a match share one computed label."""
        if lx is None:
            return []
        unit_matches: dict[int, list[Match]] = {}
        for m in own:
            unit_matches.setdefault(m.sentence_index if unit_of is None else unit_of[m.sentence_index], []).append(m)
        empty = lexicon_unit_label(lx, [], n_tokens=1, n_sentences=1)
        return [
            lexicon_unit_label(lx, unit_matches[u], n_tokens=int(tokens[u]), n_sentences=int(n_sents[u])) if u in unit_matches else empty
            for u in range(units)
        ]

    def _evidence(self, doc: Document, dim: str, model: FrameModel, proba: np.ndarray, cls_labels: Sequence[str], lex_labels: Sequence[str], unit_of: Sequence[int] | None, active: np.ndarray) -> list[SentenceProbabilities]:
        """Sentence records: sentences where the classifier or the lexicon finds something; for
        passages, each sentence of a passage whose most probable stance is not `neutral`, with
        the passage's probabilities."""
        out: list[SentenceProbabilities] = []
        quiet = {"none", "neutral"}
        for si in range(len(doc.sentences)):
            u = si if unit_of is None else unit_of[si]
            if not active[u] or cls_labels[u] in quiet and (unit_of is not None or not lex_labels or lex_labels[u] in quiet):
                continue
            probs = {c: float(p) for c, p in zip(model.classes, proba[u]) if p >= MIN_EVIDENCE_PROBABILITY}
            out.append(SentenceProbabilities(doc.article.id, dim, si, probs))
        return out

    def _blend(self, dim: str, model: FrameModel, lx: Lexicon | None, proba: np.ndarray, unit_tokens: np.ndarray, lexicon_scores: Mapping[str, Any], *, n_tokens: int) -> dict[str, Any]:
        w = model.blend_weight
        kind = lx.kind if lx is not None else None
        out: dict[str, Any] = {}
        if kind == "poles":
            return _blend_poles(dim, lx, model.classes, proba, lexicon_scores, w=w, n_tokens=n_tokens)
        if kind == "prescriptions":
            return _blend_prescriptions(dim, lx, model.classes, proba, lexicon_scores, w=w)
        if kind == "stances":
            return _blend_stances(dim, lx, model.classes, proba, unit_tokens, lexicon_scores, w=w)
        shares = _shares(model.classes, proba, unit_tokens)
        for c in model.classes:
            out[f"{dim}.{c}_classifier"] = round(shares[c], 4)
        out[f"{dim}.label_classifier"] = max(model.classes, key=lambda c: shares[c])
        return out


def _shares(classes: Sequence[str], proba: np.ndarray, weights: np.ndarray) -> dict[str, float]:
    if proba.shape[0] == 0:
        return {c: 0.0 for c in classes}
    tot = float(weights.sum())
    mean = (weights @ proba) / tot if tot > 0 else proba.mean(axis=0)
    return {c: float(v) for c, v in zip(classes, mean)}


def _num(value: Any, default: float = 0.0) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return default
    return v if math.isfinite(v) else default


def _poles_label(shares: Mapping[str, float], position: float, intensity: float, *, lx: Lexicon, pos: str | None, neg: str | None) -> str:
    """The lexicon's label rule (`score_dimension`), applied to class shares."""
    params = lx.params
    names = lx.category_names
    if intensity < float(params.get("min_intensity", 0.5)) or not any(shares.get(c, 0.0) for c in names):
        return "absent"
    top = max(names, key=lambda c: shares.get(c, 0.0))
    if top not in (pos, neg) and shares.get(top, 0.0) > max(shares.get(pos or "", 0.0), shares.get(neg or "", 0.0)):
        return top
    if abs(position) < float(params.get("mixed_band", 0.2)):
        return "mixed"
    return (pos if position > 0 else neg) or "mixed"


def _blend_poles(dim: str, lx: Lexicon, classes: Sequence[str], proba: np.ndarray, lexicon_scores: Mapping[str, Any], *, w: float, n_tokens: int) -> dict[str, Any]:
    pos, neg = _poles_axis(lx)
    names = lx.category_names
    smoothing = float(lx.params.get("smoothing", 1.0))
    counts = _argmax_counts(classes, proba)
    e_pos, e_neg = counts.get(pos or "", 0.0), counts.get(neg or "", 0.0)
    p_cls = (e_pos - e_neg) / (e_pos + e_neg + smoothing) if pos and neg else 0.0
    p_lex = _num(lexicon_scores.get(f"{dim}.position"))
    blended = w * p_cls + (1 - w) * p_lex
    shift = blended - p_lex
    lo = _num(lexicon_scores.get(f"{dim}.ci_low"), p_lex) + shift
    hi = _num(lexicon_scores.get(f"{dim}.ci_high"), p_lex) + shift
    # the lexicon's per-pole rates (per 1,000 tokens) and the classifier's counts, as shares
    lex_rates = {c: _num(lexicon_scores.get(f"{dim}.{c}")) for c in names}
    lex_total = sum(lex_rates.values())
    cls_total = sum(counts.get(c, 0.0) for c in names)
    lex_share = {c: (lex_rates[c] / lex_total if lex_total else 0.0) for c in names}
    cls_share = {c: (counts.get(c, 0.0) / cls_total if cls_total else 0.0) for c in names}
    blend_share = {c: w * cls_share[c] + (1 - w) * lex_share[c] for c in names}
    i_lex = _num(lexicon_scores.get(f"{dim}.intensity"))
    i_cls = 1000.0 * cls_total / n_tokens if n_tokens else 0.0
    label_cls = _poles_label(cls_share, p_cls, i_cls, lx=lx, pos=pos, neg=neg)
    label = _poles_label(blend_share, blended, w * i_cls + (1 - w) * i_lex, lx=lx, pos=pos, neg=neg)
    return {
        f"{dim}.position": round(blended, 4),
        f"{dim}.ci_low": round(max(-1.0, min(lo, blended)), 4),
        f"{dim}.ci_high": round(min(1.0, max(hi, blended)), 4),
        f"{dim}.label": label,
        f"{dim}.position_lexicon": round(p_lex, 4),
        f"{dim}.position_classifier": round(p_cls, 4),
        f"{dim}.label_lexicon": lexicon_scores.get(f"{dim}.label", ""),
        f"{dim}.label_classifier": label_cls,
    }


def _blend_prescriptions(dim: str, lx: Lexicon, classes: Sequence[str], proba: np.ndarray, lexicon_scores: Mapping[str, Any], *, w: float) -> dict[str, Any]:
    from .lexicon_scores import category_columns_prefix

    prefix = category_columns_prefix(lx)
    names = lx.category_names
    smoothing = float(lx.params.get("smoothing", 1.0))
    threshold = float(lx.params.get("advocated_threshold", 0.3))
    counts = _argmax_counts(classes, proba)
    out: dict[str, Any] = {}
    net_cls: dict[str, float] = {}
    net_blend: dict[str, float] = {}
    for c in names:
        adv, rej = counts.get(f"{c}:advocate", 0.0), counts.get(f"{c}:reject", 0.0)
        net_cls[c] = (adv - rej) / (adv + rej + smoothing)
        lex = _num(lexicon_scores.get(f"{prefix}.{c}"))
        net_blend[c] = w * net_cls[c] + (1 - w) * lex
        out[f"{prefix}.{c}"] = round(net_blend[c], 4)
        out[f"{prefix}.{c}_lexicon"] = round(lex, 4)
        out[f"{prefix}.{c}_classifier"] = round(net_cls[c], 4)

    def listed(net: Mapping[str, float], sign: int) -> str:
        chosen = [c for c in names if sign * net[c] >= threshold]
        return ";".join(sorted(chosen, key=lambda c: -sign * net[c]))

    out[f"{dim}.advocated"] = listed(net_blend, 1)
    out[f"{dim}.rejected"] = listed(net_blend, -1)
    out[f"{dim}.advocated_lexicon"] = lexicon_scores.get(f"{dim}.advocated", "")
    out[f"{dim}.rejected_lexicon"] = lexicon_scores.get(f"{dim}.rejected", "")
    out[f"{dim}.advocated_classifier"] = listed(net_cls, 1)
    out[f"{dim}.rejected_classifier"] = listed(net_cls, -1)
    return out


def _blend_stances(dim: str, lx: Lexicon, classes: Sequence[str], proba: np.ndarray, unit_tokens: np.ndarray, lexicon_scores: Mapping[str, Any], *, w: float) -> dict[str, Any]:
    names = lx.category_names
    shares = _shares(classes, proba, unit_tokens)
    out: dict[str, Any] = {}
    blended: dict[str, float] = {}
    for c in names:
        lex = _num(lexicon_scores.get(f"{dim}.{c}"))
        cls = shares.get(c, 0.0)
        blended[c] = w * cls + (1 - w) * lex
        out[f"{dim}.{c}"] = round(blended[c], 4)
        out[f"{dim}.{c}_lexicon"] = round(lex, 4)
        out[f"{dim}.{c}_classifier"] = round(cls, 4)
    out[f"{dim}.label"] = max(names, key=lambda c: blended[c])
    out[f"{dim}.label_lexicon"] = lexicon_scores.get(f"{dim}.label", "")
    out[f"{dim}.label_classifier"] = max(names, key=lambda c: shares.get(c, 0.0))
    return out


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
        result = self._predict([doc.article.text])[0]
        return {c: result.get(c) for c in self.COLUMNS if c in result}, []


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
            extras.append(FramingClassifiers(models, lexicons=lexicons))
    if model_dir is None:
        lean = _lean_scorer(folder)
        if lean is not None:
            extras.append(lean)
    return tuple(extras)
