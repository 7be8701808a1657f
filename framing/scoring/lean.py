"""Political lean of an article (left / center / right), from the shipped ABP-trained model.

    >>> from framing.scoring.lean import predict_lean
    >>> predict_lean(["<title>\\n\\n<body of a news article>"])
    [{'lean.left': 0.21, 'lean.center': 0.18, 'lean.right': 0.61, 'lean.label': 'right'}]

The model (``framing/data/models/lean.json`` + ``lean.npz``, an n-gram model of
:mod:`framing.scoring.ngram_model` read with ``importlib.resources`` through
:mod:`framing.io.model_files`: no pickle, checked sha256, format, shapes and dtypes)
is word 1-2-gram TF-IDF + logistic regression trained by ``python -m framing.training.lean`` on
the ABP corpus (2012-2020 US news, AllSides outlet ratings); probabilities are temperature-
calibrated and sum to 1. See ``docs/lean-model-card.md`` for its figures and limits: labels are
outlet-level, and opinion pieces on foreign policy are out of its domain.
"""
from __future__ import annotations

import functools
import hashlib
from importlib import resources
from typing import Any, Iterable

import numpy as np

from ..io.model_files import ModelFileError
from .ngram_model import NgramModel, load_ngram_model_bytes

__all__ = [
    "LEAN_LABELS",
    "LEAN_COLUMNS",
    "LEAN_LABEL_COLUMN",
    "lean_model_available",
    "load_lean_model",
    "model_fingerprint",
    "predict_lean",
]

LEAN_LABELS = ("left", "center", "right")
LEAN_COLUMNS = tuple(f"lean.{c}" for c in LEAN_LABELS)
LEAN_LABEL_COLUMN = "lean.label"
_MODEL_NAME = "lean"


def _resource(suffix: str) -> Any:
    return resources.files("framing") / "data" / "models" / f"{_MODEL_NAME}{suffix}"


def lean_model_available() -> bool:
    """True when both shipped files are present (they are not loaded or checked here)."""
    try:
        return _resource(".json").is_file() and _resource(".npz").is_file()
    except (ModuleNotFoundError, OSError):
        return False


@functools.lru_cache(maxsize=1)
def _load() -> tuple[NgramModel, str]:
    json_res, npz_res = _resource(".json"), _resource(".npz")
    source = str(json_res)
    try:
        description = json_res.read_bytes()
    except (FileNotFoundError, OSError):
        raise ModelFileError(source, "the shipped lean model is missing (python -m framing.training.lean writes it)") from None
    try:
        arrays = npz_res.read_bytes()
    except (FileNotFoundError, OSError):
        raise ModelFileError(str(npz_res), "the shipped lean model weights are missing") from None
    model = load_ngram_model_bytes(description, arrays, source=source)
    if set(model.classes) != set(LEAN_LABELS) or model.tokens is None:
        raise ModelFileError(source, f"not a lean model (classes {model.classes}, {'a token pattern' if model.tokens else 'no token pattern'})")
    return model, hashlib.sha256(arrays).hexdigest()


def load_lean_model() -> NgramModel:
    """The shipped lean model, loaded once per process (raises ``ModelFileError``)."""
    return _load()[0]


def model_fingerprint() -> str:
    """``lean:<first 16 hex digits of the weights' sha256>``, for caches of scores."""
    return f"lean:{_load()[1][:16]}"


def _round_to_one(p: np.ndarray, decimals: int) -> list[float]:
    """Round to `decimals` so that the rounded values still add up to 1 (largest remainder)."""
    scale = 10**decimals
    raw = p * scale
    base = np.floor(raw).astype(np.int64)
    short = int(scale - base.sum())
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:short]] += 1
    return [float(b) / scale for b in base]


def predict_lean(texts: Iterable[str], *, decimals: int | None = None) -> list[dict[str, Any]]:
    """One dict per text: ``lean.left``, ``lean.center``, ``lean.right`` (calibrated, summing to 1)
    and ``lean.label`` (the most probable). Give each article's title and body as one text.

    ``decimals`` rounds the probabilities so that the rounded values still sum to 1.
    """
    if isinstance(texts, str):
        raise TypeError("predict_lean expects a list of texts, not a single string")
    texts = list(texts)
    if not texts:
        return []
    model = load_lean_model()
    cols = [model.classes.index(c) for c in LEAN_LABELS]
    proba = model.predict_proba_texts(texts)[:, cols]
    out: list[dict[str, Any]] = []
    for row in proba:
        values = _round_to_one(row, decimals) if decimals is not None else [float(v) for v in row]
        record: dict[str, Any] = dict(zip(LEAN_COLUMNS, values))
        record[LEAN_LABEL_COLUMN] = LEAN_LABELS[int(np.argmax(row))]
        out.append(record)
    return out
