"""A trained n-gram text classifier as plain arrays: the frame classifiers and the lean model.

`NgramModel` holds n-gram vocabularies with their IDF weights (sublinear TF x IDF, L2-normalised
per block), optionally the lexicon's category counts and the word-vector block
(`framing.scoring.word_vectors`), a linear layer and a temperature. The frame classifiers read
framing's own tokens sentence by sentence (the scikit-learn pipeline of
`framing.training.frames`, exported); the lean model reads a regular expression's tokens over
the whole cleaned text (`TokenPattern`, `TextPreprocess`; `framing.training.lean`). Both are
counted and scored by `framing.scoring.ngram_counts.NgramCounter`, and stored in one format
by `framing.io.model_files` (JSON + NPZ, no pickle).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from .. import accel
from ..io import model_files
from ..models import Lexicon
from .features import TokenNgrams, lexicon_feature_matrix
from .text_cleanup import TextPreprocess

__all__ = [
    "NgramModel", "NgramBlock", "VectorBlock", "TokenPattern", "save_ngram_model", "load_ngram_model", "load_ngram_model_bytes",
    "load_model_dir", "shipped_model_dir",
]


# The compiled loops (framing/_accel/ngrams.c: `letter_runs`, the lean model's token pattern), or
# None on the pure-Python path; read at each call, so a test can compare both paths in one process.
_NGRAMS = accel.compiled("ngrams")
_CLEANUP = accel.compiled("cleanup")  # its TokenTypes: `_pattern_counts` of LETTER_RUNS (ngram_counts.py)

# A token pattern the accelerator runs without the regular expression: runs of two letters or
# more (scikit-learn's default pattern without digits and underscores; the lean model's).
LETTER_RUNS = r"(?u)\b[^\W\d_][^\W\d_]+\b"


def shipped_model_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "models"


@dataclass(frozen=True)
class TokenPattern:
    """Tokens as scikit-learn's `CountVectorizer` makes them: `re.findall(pattern)` over the
    text (lower-cased first if `lowercase`), then `stop_words` removed (before n-grams are
    formed, so an n-gram may span a removed word)."""

    pattern: str
    lowercase: bool = True
    stop_words: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        try:
            compiled = re.compile(self.pattern)
        except (re.error, TypeError) as exc:
            raise ValueError(f"invalid token pattern {self.pattern!r} ({exc})") from None
        if compiled.groups > 1:
            raise ValueError("a token pattern may have at most one group")
        object.__setattr__(self, "stop_words", tuple(self.stop_words))

    def __call__(self, text: str) -> list[str]:
        stop = frozenset(self.stop_words)
        return [t for t in self.all_tokens(text) if t not in stop]

    def all_tokens(self, text: str) -> list[str]:
        """The tokens, stop words included (an `NgramCounter` drops those once per token type)."""
        text = text.lower() if self.lowercase else text
        compiled = _NGRAMS
        if compiled is not None and self.pattern == LETTER_RUNS and isinstance(text, str):
            return compiled.letter_runs(text)  # the same list as the regex (tests/scoring/test_accel_ngrams.py)
        return _findall(self.pattern)(text)

    def as_config(self) -> dict[str, Any]:
        return {"pattern": self.pattern, "lowercase": self.lowercase, "stop_words": list(self.stop_words)}


@lru_cache(maxsize=8)
def _findall(pattern: str) -> Any:
    return re.compile(pattern).findall


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


@dataclass(eq=False)
class NgramModel:
    """A trained n-gram classifier as plain arrays; `predict_proba_texts` reproduces the
    training pipeline's `predict_proba` exactly (tests check this).

    `tokens`: None for framing's own tokens, sentence by sentence (the frame classifiers), or a
    `TokenPattern` over the whole text after `preprocess` (the lean model). `products`: how the
    TF-IDF products are computed, as the model was trained and checked: "float32" (IDF folded
    into the weights, each unit normalised after the product) or "float64" (scikit-learn's order,
    each unit's row normalised, then multiplied)."""

    dimension: str
    classes: list[str]
    blocks: list[NgramBlock]
    lexicon_features: list[str]
    coef: np.ndarray  # (n_classes, n_features): word block, char block, lexicon features, word vectors
    intercept: np.ndarray  # (n_classes,)
    temperature: float
    metadata: dict[str, Any] = field(default_factory=dict)
    vector_block: VectorBlock | None = None
    tokens: TokenPattern | None = None
    preprocess: TextPreprocess | None = None
    products: str = "float32"
    encoder_block: Any = None  # framing.scoring.encoder_features.EncoderBlock: the last coefficient columns

    def __post_init__(self) -> None:
        if self.products not in model_files.PRODUCTS:
            raise ValueError(f"products must be one of {model_files.PRODUCTS}, not {self.products!r}")
        if self.products == "float64" and (self.lexicon_features or self.vector_block is not None):
            raise ValueError("float64 products are for n-gram blocks only (no lexicon features or word vectors)")
        if self.tokens is not None and self.lexicon_features:
            raise ValueError("lexicon features need framing's own tokens")

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_counter", None)  # rebuilt where needed
        return state

    @property
    def counter(self) -> Any:
        """An `NgramCounter` of this model alone, built on first use."""
        found = self.__dict__.get("_counter")
        if found is None:
            from .ngram_counts import NgramCounter

            found = self.__dict__["_counter"] = NgramCounter([self])
        return found

    @property
    def blend_weight(self) -> float:
        return float(self.metadata.get("blend_weight", 0.5))

    @property
    def unit(self) -> str:
        return str(self.metadata.get("unit", "sentence"))

    @property
    def n_features(self) -> int:
        return self.encoder_offset + (self.encoder_block.n_dims if self.encoder_block is not None else 0)

    @property
    def encoder_offset(self) -> int:
        """The first coefficient column of the sentence-encoder features (after the word vectors)."""
        return self.vector_offset + (self.vector_block.n_dims if self.vector_block is not None else 0)

    @property
    def vector_offset(self) -> int:
        """The first coefficient column of the word-vector features."""
        return sum(len(b.terms) for b in self.blocks) + len(self.lexicon_features)

    @classmethod
    def from_pipeline(cls, pipe: Any, *, metadata: Mapping[str, Any]) -> "NgramModel":
        """Export a fitted `framing.training.frames.build_pipeline` pipeline."""
        union = pipe.named_steps["features"]
        clf = pipe.named_steps["clf"]
        blocks: list[NgramBlock] = []
        lexicon_names: list[str] = []
        vector_block: VectorBlock | None = None
        encoder_block: Any = None
        dimension = str(metadata.get("dimension", ""))
        for name, part in union.transformer_list:
            if encoder_block is not None:
                raise ValueError(f"cannot export feature block {name!r} after the encoder block (it must be the last)")
            if hasattr(part, "encoder_name_"):
                from .encoder_features import EncoderBlock

                encoder_block = EncoderBlock(str(part.encoder_name_), float(part.scale), int(part.n_dims_))
            elif hasattr(part, "word_vectors_"):
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
                   full_int.astype(np.float32).astype(np.float64), float(clf.temperature_), dict(metadata), vector_block, encoder_block=encoder_block)

    # -- prediction ---------------------------------------------------------------------------

    def proba_from_logits(self, logits: np.ndarray) -> np.ndarray:
        z = logits / self.temperature
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def predict_proba_texts(self, texts: Sequence[str], *, lexicon: Lexicon | None = None) -> np.ndarray:
        """Class probabilities for whole texts (each text one unit, as in training). `lexicon`
        is the dimension's lexicon for the lexicon features (default: the shipped one)."""
        return self.proba_from_logits(self.logits_texts(texts, lexicon=lexicon))

    def logits_texts(self, texts: Sequence[str], *, lexicon: Lexicon | None = None) -> np.ndarray:
        """The decision values (before the temperature) of `predict_proba_texts`."""
        if isinstance(texts, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        texts = list(texts)
        for t in texts:
            if not isinstance(t, str):
                raise TypeError(f"texts must be strings, got {type(t).__name__}")
        if self.tokens is not None:
            return self.counter.logits(self, self._pattern_counts(texts), np.zeros((len(texts), 0)))
        from ..models import Article
        from ..text import preprocess
        from .lexicon_scores import CompiledLexicon, match_document

        if self.lexicon_features and lexicon is None:
            lexicon = _shipped_lexicon(self.dimension)
        compiled = CompiledLexicon(lexicon) if (self.lexicon_features and lexicon is not None) else None
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
        counts = self.counter.counts(sentence_norms, unit_of_sentence=unit_of_sentence)
        logits = self.counter.logits(self, counts, lex_raw)
        eb = self.encoder_block
        if eb is not None and texts:  # the embedding term (framing.scoring.encoder_features)
            from .encoder_features import get_encoder

            w = self.coef[:, self.encoder_offset : self.encoder_offset + eb.n_dims]
            logits = logits + eb.scale * (get_encoder(eb.name).encode(texts).astype(np.float64) @ w.T)
        return logits

    def _pattern_counts(self, texts: list[str]) -> Any:
        """The n-gram counts of each whole text (one unit each), read with `tokens`."""
        assert self.tokens is not None
        clean = self.preprocess if self.preprocess is not None and not self.preprocess.is_identity else None
        cleaned = [clean.apply(t) for t in texts] if clean is not None else texts
        if _CLEANUP is not None and self.tokens.pattern == LETTER_RUNS and all(type(t) is str for t in cleaned):
            # the tokens numbered in C, no str built for a type seen before (the same counts)
            return self.counter.letter_run_counts(cleaned, lowercase=self.tokens.lowercase)
        return self.counter.counts([self.tokens.all_tokens(t) for t in cleaned])  # the counter drops the stop words

    def predict_texts(self, texts: Sequence[str], *, lexicon: Lexicon | None = None) -> list[str]:
        proba = self.predict_proba_texts(texts, lexicon=lexicon)
        return [self.classes[i] for i in np.argmax(proba, axis=1)]

    # -- storage: the one n-gram model format of framing.io.model_files ------------------------

    def to_file(self) -> model_files.NgramModelFile:
        if self.encoder_block is not None:
            # the encoder features were tried and not adopted (docs/validity.md): such a model
            # lives in memory only (benchmarks/encoder_experiment.py), the file format has no place for it
            raise ValueError(f"{self.dimension}: a model with sentence-encoder features cannot be saved")
        vb = self.vector_block
        return model_files.NgramModelFile(
            dimension=self.dimension, classes=list(self.classes), blocks=[b.analyzer.as_config() for b in self.blocks],
            terms=[list(b.terms) for b in self.blocks], idf=[b.idf for b in self.blocks], lexicon_features=list(self.lexicon_features),
            coef=self.coef, intercept=self.intercept, temperature=self.temperature, products=self.products,
            tokens=None if self.tokens is None else self.tokens.as_config(),
            preprocess=None if self.preprocess is None else self.preprocess.to_dict(),
            word_vectors=None if vb is None else {"name": vb.name, "sha256": vb.vectors.digest, "scale": vb.scale, "n_dims": vb.n_dims},
            metadata=dict(self.metadata),
        )

    @classmethod
    def from_file(cls, record: model_files.NgramModelFile, *, source: str) -> "NgramModel":
        """The model of a file read by `framing.io.model_files.load_ngram_model`; `source` (the
        JSON's path) names the file in errors and locates the word-vector table beside it."""
        try:
            blocks = [NgramBlock(TokenNgrams(b["kind"], tuple(b["ngram_range"])), terms, idf) for b, terms, idf in zip(record.blocks, record.terms, record.idf)]
            vector_block = None
            if record.word_vectors is not None:
                from .word_vectors import word_vectors_for

                spec = record.word_vectors
                table = word_vectors_for(str(spec["name"]), model_dir=Path(source).parent, digest=str(spec["sha256"]))
                if table.n_dims != int(spec["n_dims"]):
                    raise model_files.ModelFileError(source, "the word vectors have another number of dimensions than the model")
                vector_block = VectorBlock(str(spec["name"]), float(spec["scale"]), table)
            tokens = None
            if record.tokens is not None:
                t = record.tokens
                if not isinstance(t["lowercase"], bool) or not isinstance(t["stop_words"], list):
                    raise ValueError("tokens: lowercase must be true or false and stop_words a list")
                tokens = TokenPattern(str(t["pattern"]), t["lowercase"], tuple(str(w) for w in t["stop_words"]))
            preprocess = None if record.preprocess is None else TextPreprocess.from_dict(record.preprocess)
            return cls(
                dimension=record.dimension, classes=list(record.classes), blocks=blocks, lexicon_features=list(record.lexicon_features),
                coef=record.coef, intercept=record.intercept, temperature=record.temperature, metadata=dict(record.metadata),
                vector_block=vector_block, tokens=tokens, preprocess=preprocess, products=record.products,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise model_files.ModelFileError(source, f"malformed model ({exc.__class__.__name__}: {exc})") from None


@lru_cache(maxsize=8)
def _shipped_lexicon(dimension: str) -> Lexicon | None:
    from ..lexicon.build import load_lexicons

    for lx in load_lexicons([], include_shipped=True):
        if lx.dimension == dimension:
            return lx
    return None



# --- storage ----------------------------------------------------------------------------------


def save_ngram_model(model: NgramModel, path: str | Path) -> list[Path]:
    """Write `<path>.json` + `<path>.npz` (no pickle) and return the files written (and the
    word-vector table beside them, when the model reads one that is not there yet)."""
    written = model_files.save_ngram_model(path, model.to_file())
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


def load_ngram_model(path: str | Path) -> NgramModel:
    """Load a model written by `save_ngram_model`; refuses tampered, old-format or unknown
    files with a one-line error (checksum, format and shapes are checked; nothing is executed)."""
    stem = model_files.model_stem(path)
    return NgramModel.from_file(model_files.load_ngram_model(stem), source=f"{stem}.json")


def load_ngram_model_bytes(description: bytes, arrays: bytes, *, source: str) -> NgramModel:
    """`load_ngram_model` from the two files' bytes (`importlib.resources` data)."""
    return NgramModel.from_file(model_files.load_ngram_model_bytes(description, arrays, source=source), source=source)


def load_model_dir(model_dir: str | Path, *, dimensions: Sequence[str] | None = None) -> dict[str, NgramModel]:
    """Every n-gram model in a folder (`<dimension>.json` + `.npz`) that reads framing's own
    tokens (the frame classifiers), by dimension; a model of whole texts read with a token
    pattern (the lean model, scored by `framing.scoring.lean`) is left out."""
    model_dir = Path(model_dir)
    out: dict[str, NgramModel] = {}
    for meta_path in sorted(model_dir.glob("*.json")):
        stem = meta_path.with_suffix("")
        if dimensions is not None and stem.name not in dimensions:
            continue
        description = model_files.ngram_model_description(stem)
        if description is None or description.get("tokens") is not None:
            continue
        model = load_ngram_model(stem)
        out[model.dimension] = model
    return out
