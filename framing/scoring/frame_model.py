"""A trained framing classifier as plain arrays, and its file format.

`FrameModel` holds n-gram vocabularies with their IDF weights, the lexicon feature names,
optionally the word-vector block (`framing.scoring.word_vectors`), a linear layer and a
temperature: the scikit-learn pipeline of `framing.training.frames` exported so that scoring
needs neither scikit-learn nor pickle. Stored as JSON + NPZ through `framing.io.model_files`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ..models import Lexicon
from .features import TokenNgrams, lexicon_feature_matrix

__all__ = ["FrameModel", "NgramBlock", "VectorBlock", "save_frame_model", "load_frame_model", "load_model_dir", "shipped_model_dir", "MODEL_FORMAT"]

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
        from .ngram_counts import NgramCounter

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
