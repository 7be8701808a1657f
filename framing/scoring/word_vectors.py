"""Static word vectors: a meaning for every common word, so a classifier trained on a few
thousand sentences can generalise from words it saw to words of similar meaning it never saw.

The shipped table (`framing/data/models/word-vectors.json/.npz`) was distilled from the
sentence encoder all-MiniLM-L6-v2 (Apache-2.0) with model2vec (each of the encoder's word-piece
tokens passed through it alone, the outputs reduced by PCA and weighted by Zipf's law; a word's
vector is the mean of its word pieces'), for the 40,000 most frequent words of the ABP news
corpus. `benchmarks/distill_word_vectors.py` rebuilds it; nothing here needs the encoder, torch
or the network. A unit's (sentence's or passage's) vector is the sum of its known words'
vectors, L2-normalised, so it does not depend on the unit's length.

Stored like the other models (`framing.io.model_files`: JSON + NPZ, no pickle, checksummed).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

__all__ = ["WordVectors", "WORD_VECTORS_FORMAT", "save_word_vectors", "load_word_vectors", "shipped_word_vectors", "SHIPPED_NAME"]

WORD_VECTORS_FORMAT = "framing-word-vectors"
WORD_VECTORS_FORMAT_VERSION = 1
SHIPPED_NAME = "word-vectors"


@dataclass(frozen=True)
class WordVectors:
    """`terms` (token norms, as `framing.text` makes them) and their `vectors` (one row each)."""

    terms: tuple[str, ...]
    vectors: np.ndarray
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def index(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.terms)}

    @property
    def n_dims(self) -> int:
        return int(self.vectors.shape[1])

    @cached_property
    def digest(self) -> str:
        """sha256 of the terms and vectors: a classifier records the table it was trained with."""
        h = hashlib.sha256("\n".join(self.terms).encode("utf-8"))
        h.update(np.ascontiguousarray(self.vectors, dtype="<f8").tobytes())
        return h.hexdigest()

    def unit_vectors(self, units: Iterable[Iterable[str]]) -> np.ndarray:
        """One L2-normalised row per unit (its token norms): the sum of its known words'
        vectors, a zero row for a unit with none."""
        get = self.index.get
        rows = []
        for norms in units:
            ids = [j for j in map(get, norms) if j is not None]
            total = self.vectors[ids].sum(axis=0) if ids else np.zeros(self.n_dims)
            norm = float(np.sqrt(total @ total))
            rows.append(total / norm if norm > 0 else total)
        return np.asarray(rows, dtype=float).reshape(-1, self.n_dims)


def save_word_vectors(wv: WordVectors, path: str | Path) -> list[Path]:
    from ..io import model_files

    meta = {"format": WORD_VECTORS_FORMAT, "format_version": WORD_VECTORS_FORMAT_VERSION, "metadata": dict(wv.metadata)}
    arrays = {"terms": np.asarray(wv.terms, dtype=np.str_), "vectors": wv.vectors.astype(np.float16)}
    return model_files.save_model(path, meta, arrays)


def load_word_vectors(path: str | Path) -> WordVectors:
    """Read a table written by `save_word_vectors` (refused with `ModelFileError` if changed)."""
    from ..io import model_files

    stem = Path(path)
    stem = stem.with_suffix("") if stem.suffix in (".json", ".npz") else stem
    meta, arrays = model_files.load_model(stem, format=WORD_VECTORS_FORMAT, format_version=WORD_VECTORS_FORMAT_VERSION)
    terms = tuple(str(t) for t in np.asarray(arrays["terms"]).tolist())
    vectors = np.asarray(arrays["vectors"], dtype=np.float64)
    if vectors.ndim != 2 or vectors.shape[0] != len(terms):
        raise model_files.ModelFileError(f"{stem}.json", "the vectors do not match the terms")
    return WordVectors(terms, vectors, dict(meta.get("metadata") or {}))


def _cached(path: str) -> WordVectors:
    """`load_word_vectors`, once per version of the file (the three models share one table)."""
    try:
        st = Path(f"{path}.npz").stat()
        version = (st.st_mtime_ns, st.st_size)
    except OSError:
        version = (0, 0)  # missing: load_word_vectors says so
    return _load_version(path, version)


@lru_cache(maxsize=4)
def _load_version(path: str, version: tuple[int, int]) -> WordVectors:
    return load_word_vectors(path)


def shipped_word_vectors(model_dir: str | Path | None = None) -> WordVectors:
    """The word vectors beside the shipped models (or in `model_dir`), loaded once."""
    folder = Path(model_dir) if model_dir is not None else Path(__file__).resolve().parent.parent / "data" / "models"
    return _cached(str((folder / SHIPPED_NAME).resolve()))


def word_vectors_for(name: str, *, model_dir: str | Path, digest: str) -> WordVectors:
    """The table `name` beside a classifier in `model_dir`, checked against the digest the
    classifier recorded."""
    from ..io.model_files import ModelFileError

    wv = _cached(str((Path(model_dir) / name).resolve()))
    if wv.digest != digest:
        raise ModelFileError(str(Path(model_dir) / f"{name}.json"), "these word vectors are not the ones the classifier was trained with")
    return wv
