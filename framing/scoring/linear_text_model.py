"""Linear text models: ``LinearTextModel`` and its file format (``save_linear_model`` /
``load_linear_model``), stored through :mod:`framing.io.model_files`.

A fixed chain of plain data (format ``"framing.linear-text-model"``, version 1)::

    text -> TextPreprocess (literal phrase / boilerplate-line / URL removal; optional)
         -> one or more TF-IDF blocks (word and/or char n-grams: params, vocabulary, idf)
         -> optional dense extra features (e.g. lexicon counts; optional mean/scale)
         -> linear layer (coef, intercept, classes)
         -> softmax(logits / temperature)            (calibration: one plain number)

JSON fields: ``name``, ``classes``, ``calibration`` (``{"method": "temperature",
"temperature": T}``), ``preprocess``, ``extra_features`` (``names``, ``mean``, ``scale``),
``linear`` (``n_outputs``, ``n_features``), ``metadata`` (free JSON: data, figures,
hyperparameters) and ``vectorizers`` (``name``, ``kind: "tfidf"``, ``params``, ``vocabulary``:
a list whose positions are the column indices). NPZ arrays: ``idf_0``, ``idf_1``, ... (one per
vectorizer), ``coef`` (n_outputs x n_features), ``intercept`` (n_outputs), optional
``extra_mean``/``extra_scale``. Feature columns are the vectorizer blocks in order, then the
extra features. ``n_outputs`` is the number of classes, or 1 for a binary model (sklearn's
convention: the row scores ``classes[1]``). On top of the generic checks, loading checks every
array's shape against the vocabularies and classes, and every parameter's value.

``save_linear_model(directory, name, *, vectorizers, coef, intercept, classes, calibration=None,
metadata=None, extra_features=(), extra_mean=None, extra_scale=None, preprocess=None,
dtype="float32") -> (json_path, npz_path)``
    ``vectorizers``: a mapping ``{name: vectorizer}`` or a sequence of vectorizers /
    ``(name, vectorizer)`` pairs; a vectorizer is a fitted sklearn ``TfidfVectorizer`` (string
    analyzer, no callables) or a :class:`framing.scoring.tfidf.TfidfFeatures`. ``calibration``: None (T = 1), a
    temperature, or ``{"method": "temperature", "temperature": T}``. ``dtype``: storage dtype
    of the float arrays (float16/float32/float64); predictions are computed in float64.
``load_linear_model(path) -> LinearTextModel``
    ``path``: ``NAME.json``, ``NAME.npz`` or the stem ``NAME``.
``load_linear_model_bytes(description, arrays, *, source="<memory>") -> LinearTextModel``
``LinearTextModel(name=..., vectorizers=..., coef=..., ...)`` (same keywords as saving)
    ``.classes_``, ``.name``, ``.metadata``, ``.temperature``, ``.preprocess``,
    ``.vectorizers``, ``.feature_names_``, ``.n_features_``,
    ``.transform(texts, extra_features=None)`` (sparse features after preprocessing),
    ``.decision_function(...)`` (uncalibrated logits, n x n_classes),
    ``.predict_proba(texts, extra_features=None)`` (calibrated; rows sum to 1),
    ``.predict(...)``, ``.top_features(k)``, ``.save(directory, dtype="float32")``.
``fit_temperature(logits, y, sample_weight=None) -> float``
    The temperature minimising the (weighted) negative log-likelihood on held-out data.
"""
from __future__ import annotations

import copy
import json
import math
import os
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from ..io.model_files import FLOAT_DTYPES, ModelFileError, load_model, load_model_bytes, model_stem, save_model
from .text_cleanup import TextPreprocess
from .tfidf import MODEL_NAME_RE, TFIDF_PARAMS, TfidfFeatures

__all__ = ["FORMAT", "FORMAT_VERSION", "LinearTextModel", "save_linear_model", "load_linear_model", "load_linear_model_bytes", "fit_temperature"]

FORMAT = "framing.linear-text-model"
FORMAT_VERSION = 1

def _as_vectorizers(vectorizers: Any) -> list[TfidfFeatures]:
    if isinstance(vectorizers, Mapping):
        items = list(vectorizers.items())
    elif isinstance(vectorizers, (TfidfFeatures,)) or hasattr(vectorizers, "vocabulary_"):
        items = [(None, vectorizers)]
    else:
        items = []
        for i, item in enumerate(vectorizers):
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                items.append(item)
            else:
                items.append((None, item))
    out: list[TfidfFeatures] = []
    for i, (name, vec) in enumerate(items):
        if isinstance(vec, TfidfFeatures):
            if name is not None and name != vec.name:
                vec = TfidfFeatures(**{**_tfidf_kwargs(vec), "name": name})
            out.append(vec)
        else:
            out.append(TfidfFeatures.from_sklearn(vec, name if name is not None else f"tfidf{i}"))
    names = [v.name for v in out]
    if len(set(names)) != len(names):
        raise ValueError(f"vectorizer names must be unique, got {names}")
    return out


def _tfidf_kwargs(vec: TfidfFeatures) -> dict[str, Any]:
    return {
        "name": vec.name,
        "vocabulary": vec.vocabulary,
        "idf": vec.idf,
        **{k: getattr(vec, k) for k in TFIDF_PARAMS},
    }


def _temperature_from(calibration: Any) -> float:
    if calibration is None:
        t = 1.0
    elif isinstance(calibration, Mapping):
        if calibration.get("method") != "temperature" or set(calibration) != {"method", "temperature"}:
            raise ValueError('calibration must be {"method": "temperature", "temperature": T}')
        t = calibration["temperature"]
    else:
        t = calibration
    if isinstance(t, bool) or not isinstance(t, (int, float, np.floating)):
        raise ValueError("calibration temperature must be a number")
    t = float(t)
    if not math.isfinite(t) or t <= 0:
        raise ValueError("calibration temperature must be a finite positive number")
    return t


class LinearTextModel:
    """TF-IDF blocks (+ extra dense features) -> linear layer -> softmax(logits / temperature)."""

    def __init__(
        self,
        *,
        name: str,
        vectorizers: Any,
        coef: Any,
        intercept: Any,
        classes: Sequence[str],
        calibration: Any = None,
        metadata: Mapping[str, Any] | None = None,
        extra_features: Sequence[str] = (),
        extra_mean: Any = None,
        extra_scale: Any = None,
        preprocess: TextPreprocess | Mapping[str, Any] | None = None,
    ) -> None:
        if not isinstance(name, str) or not MODEL_NAME_RE.match(name):
            raise ValueError(f"model name {name!r} must be letters, digits, '.', '_' or '-'")
        self.name = name
        self.vectorizers: tuple[TfidfFeatures, ...] = tuple(_as_vectorizers(vectorizers))
        classes = [c.item() if isinstance(c, np.generic) else c for c in classes]
        if len(classes) < 2 or not all(isinstance(c, str) and c for c in classes):
            raise ValueError("classes must be at least two non-empty strings")
        if len(set(classes)) != len(classes):
            raise ValueError("classes must be unique")
        self.classes_ = np.array(classes, dtype=str)
        if isinstance(extra_features, str) or not all(isinstance(f, str) and f for f in extra_features):
            raise ValueError("extra_features must be a list of non-empty strings")
        self.extra_features: tuple[str, ...] = tuple(extra_features)
        if len(set(self.extra_features)) != len(self.extra_features):
            raise ValueError("extra feature names must be unique")
        n_extra = len(self.extra_features)
        self.n_features_ = sum(v.n_features for v in self.vectorizers) + n_extra
        n_out = 1 if len(classes) == 2 else len(classes)
        coef = np.asarray(coef)
        intercept = np.asarray(intercept)
        if len(classes) == 2 and coef.ndim == 2 and coef.shape[0] == 2:
            n_out = 2  # explicit two-row binary layout is fine too
        if coef.dtype.kind != "f" or coef.shape != (n_out, self.n_features_):
            raise ValueError(f"coef must be a float array of shape ({n_out}, {self.n_features_}), got {coef.dtype} {coef.shape}")
        if intercept.dtype.kind != "f" or intercept.shape != (n_out,):
            raise ValueError(f"intercept must be a float array of shape ({n_out},), got {intercept.dtype} {intercept.shape}")
        for label, arr in (("coef", coef), ("intercept", intercept)):
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{label} contains NaN or infinite values")
        self.coef_ = coef
        self.intercept_ = intercept
        self._coef64 = np.ascontiguousarray(coef, dtype=np.float64)
        # X @ W.T with W.T stored row-major: scipy would otherwise copy it on every call
        self._coef64_t = np.ascontiguousarray(self._coef64.T)
        self._intercept64 = intercept.astype(np.float64)
        self.extra_mean = None if extra_mean is None else np.asarray(extra_mean)
        self.extra_scale = None if extra_scale is None else np.asarray(extra_scale)
        for label, arr in (("extra_mean", self.extra_mean), ("extra_scale", self.extra_scale)):
            if arr is None:
                continue
            if not n_extra:
                raise ValueError(f"{label} given without extra_features")
            if arr.dtype.kind != "f" or arr.shape != (n_extra,) or not np.all(np.isfinite(arr)):
                raise ValueError(f"{label} must be a finite float array of shape ({n_extra},)")
        if self.extra_scale is not None and np.any(self.extra_scale == 0):
            raise ValueError("extra_scale must not contain zeros")
        self.temperature = _temperature_from(calibration)
        if preprocess is None:
            preprocess = TextPreprocess()
        elif not isinstance(preprocess, TextPreprocess):
            preprocess = TextPreprocess.from_dict(preprocess)
        self.preprocess = preprocess
        metadata = {} if metadata is None else dict(metadata)
        try:
            json.dumps(metadata, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"metadata must be plain JSON (no NaN): {exc}") from None
        self.metadata: dict[str, Any] = copy.deepcopy(metadata)

    # -- features and predictions -------------------------------------------------------------

    @property
    def feature_names_(self) -> list[str]:
        names = [f"{v.name}:{t}" for v in self.vectorizers for t in v.vocabulary]
        return names + [f"extra:{f}" for f in self.extra_features]

    def _texts(self, texts: Iterable[str]) -> list[str]:
        if isinstance(texts, str):
            raise TypeError("texts must be a list of strings, not a single string")
        out = list(texts)
        for t in out:
            if not isinstance(t, str):
                raise TypeError(f"texts must be strings, got {type(t).__name__}")
        if not self.preprocess.is_identity:
            out = [self.preprocess.apply(t) for t in out]
        return out

    def _extra(self, extra_features: Any, n: int) -> np.ndarray | None:
        k = len(self.extra_features)
        if not k:
            if extra_features is not None and np.asarray(extra_features).size:
                raise ValueError(f"model {self.name!r} takes no extra features")
            return None
        if extra_features is None:
            raise ValueError(f"model {self.name!r} needs extra features: {', '.join(self.extra_features)}")
        x = np.asarray(extra_features, dtype=np.float64)
        if x.shape != (n, k):
            raise ValueError(f"extra_features must have shape ({n}, {k}), got {x.shape}")
        if not np.all(np.isfinite(x)):
            raise ValueError("extra_features contain NaN or infinite values")
        if self.extra_mean is not None:
            x = x - self.extra_mean.astype(np.float64)
        if self.extra_scale is not None:
            x = x / self.extra_scale.astype(np.float64)
        return x

    def transform(self, texts: Iterable[str], extra_features: Any = None) -> sp.csr_matrix:
        """The feature matrix (n x n_features_, float64 CSR) after preprocessing."""
        texts = self._texts(texts)
        return self._transform_clean(texts, extra_features)

    def _transform_clean(self, texts: list[str], extra_features: Any) -> sp.csr_matrix:
        extra = self._extra(extra_features, len(texts))
        if len(self.vectorizers) == 1 and extra is None:
            (vec,) = self.vectorizers
            fast, docs = vec._fast_texts(texts)
            if fast:  # one block: its CSR arrays are the matrix (no hstack)
                return sp.csr_matrix(vec._tfidf_arrays(docs), shape=(len(docs), self.n_features_))
        blocks = [v.transform(texts) for v in self.vectorizers]
        if extra is not None:
            blocks.append(sp.csr_matrix(extra))
        return sp.csr_matrix(sp.hstack(blocks, format="csr"))

    def decision_function(self, texts: Iterable[str], extra_features: Any = None, *, batch_size: int = 1000) -> np.ndarray:
        """Uncalibrated logits, shape (n, n_classes) (binary: column 0 is zero)."""
        texts = self._texts(texts)
        n = len(texts)
        extra = None if extra_features is None else np.asarray(extra_features)
        out = np.empty((n, len(self.classes_)), dtype=np.float64)
        for start in range(0, n, batch_size):
            stop = min(n, start + batch_size)
            X = self._transform_clean(texts[start:stop], None if extra is None else extra[start:stop])
            z = np.asarray(X @ self._coef64_t) + self._intercept64
            if z.shape[1] == 1:
                z = np.hstack([np.zeros_like(z), z])
            out[start:stop] = z
        return out

    def predict_proba(self, texts: Iterable[str], extra_features: Any = None, *, batch_size: int = 1000) -> np.ndarray:
        """Calibrated class probabilities, shape (n, n_classes), columns in ``classes_`` order."""
        return _softmax(self.decision_function(texts, extra_features, batch_size=batch_size) / self.temperature)

    def predict(self, texts: Iterable[str], extra_features: Any = None) -> np.ndarray:
        proba = self.predict_proba(texts, extra_features)
        return self.classes_[np.argmax(proba, axis=1)] if len(proba) else np.array([], dtype=str)

    def top_features(self, k: int = 25) -> dict[str, list[tuple[str, float]]]:
        """The k features with the largest weight towards each class."""
        names = self.feature_names_
        coef = self._coef64
        if coef.shape[0] == 1:
            coef = np.vstack([-coef[0], coef[0]])
        out: dict[str, list[tuple[str, float]]] = {}
        for i, cls in enumerate(self.classes_):
            order = np.lexsort((np.arange(coef.shape[1]), -coef[i]))[:k]
            out[str(cls)] = [(names[j], float(coef[i, j])) for j in order]
        return out

    def save(self, directory: str | os.PathLike[str], *, dtype: str = "float32") -> tuple[Path, Path]:
        return _save(self, Path(directory), dtype=dtype)

    def __repr__(self) -> str:
        blocks = ", ".join(f"{v.name}[{v.analyzer} {v.ngram_range[0]}-{v.ngram_range[1]}: {v.n_features}]" for v in self.vectorizers)
        return (
            f"LinearTextModel({self.name!r}, classes={[str(c) for c in self.classes_]}, {blocks}, "
            f"extra={len(self.extra_features)}, T={self.temperature:.3f})"
        )


def _softmax(z: np.ndarray) -> np.ndarray:
    if z.size == 0:
        return z.copy()
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(
    logits: Any,
    y: Any,
    sample_weight: Any = None,
    *,
    bounds: tuple[float, float] = (0.05, 20.0),
) -> float:
    """Temperature T minimising the weighted NLL of softmax(logits / T); ``y`` are column indices."""
    from scipy.optimize import minimize_scalar

    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    if z.ndim != 2 or y.shape != (z.shape[0],) or z.shape[0] == 0:
        raise ValueError("logits must be (n, k) and y (n,) with n > 0")
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    w = w / w.sum()
    rows = np.arange(len(y))

    def nll(log_t: float) -> float:
        s = z / math.exp(log_t)
        s = s - s.max(axis=1, keepdims=True)
        logp = s[rows, y] - np.log(np.exp(s).sum(axis=1))
        return float(-(w * logp).sum())

    res = minimize_scalar(nll, bounds=(math.log(bounds[0]), math.log(bounds[1])), method="bounded", options={"xatol": 1e-6})
    return float(math.exp(res.x))



# --------------------------------------------------------------------------------------------
# Linear text models on top of the generic storage
# --------------------------------------------------------------------------------------------

_LINEAR_KEYS = (
    "format",
    "format_version",
    "name",
    "classes",
    "calibration",
    "preprocess",
    "extra_features",
    "linear",
    "metadata",
    "vectorizers",
)


def _save(model: LinearTextModel, directory: Path, *, dtype: str) -> tuple[Path, Path]:
    if dtype not in FLOAT_DTYPES:
        raise ValueError(f"dtype must be one of {sorted(FLOAT_DTYPES)}")
    np_dtype = FLOAT_DTYPES[dtype]

    def cast(a: np.ndarray) -> np.ndarray:
        out = np.asarray(a, dtype=np.float64).astype(np_dtype)
        if not np.all(np.isfinite(out)):
            raise ValueError(f"a value does not fit in {dtype}")
        return out

    arrays: dict[str, np.ndarray] = {f"idf_{i}": cast(v.idf) for i, v in enumerate(model.vectorizers)}
    arrays["coef"] = cast(model.coef_)
    arrays["intercept"] = cast(model.intercept_)
    if model.extra_mean is not None:
        arrays["extra_mean"] = cast(model.extra_mean)
    if model.extra_scale is not None:
        arrays["extra_scale"] = cast(model.extra_scale)
    meta: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": model.name,
        "classes": [str(c) for c in model.classes_],
        "calibration": {"method": "temperature", "temperature": model.temperature},
        "preprocess": model.preprocess.to_dict(),
        "extra_features": {
            "names": list(model.extra_features),
            "mean": model.extra_mean is not None,
            "scale": model.extra_scale is not None,
        },
        "linear": {"n_outputs": int(model.coef_.shape[0]), "n_features": int(model.n_features_)},
        "metadata": model.metadata,
        "vectorizers": [
            {"name": v.name, "kind": "tfidf", "params": v.params_dict(), "vocabulary": list(v.vocabulary)}
            for v in model.vectorizers
        ],
    }
    json_path, npz_path = save_model(directory / model.name, meta, arrays)
    return json_path, npz_path


def save_linear_model(
    directory: str | os.PathLike[str],
    name: str,
    *,
    vectorizers: Any,
    coef: Any,
    intercept: Any,
    classes: Sequence[str],
    calibration: Any = None,
    metadata: Mapping[str, Any] | None = None,
    extra_features: Sequence[str] = (),
    extra_mean: Any = None,
    extra_scale: Any = None,
    preprocess: TextPreprocess | Mapping[str, Any] | None = None,
    dtype: str = "float32",
) -> tuple[Path, Path]:
    """Validate and write ``directory/NAME.json`` + ``directory/NAME.npz``; return their paths."""
    model = LinearTextModel(
        name=name,
        vectorizers=vectorizers,
        coef=np.asarray(coef),
        intercept=np.asarray(intercept),
        classes=classes,
        calibration=calibration,
        metadata=metadata,
        extra_features=extra_features,
        extra_mean=extra_mean,
        extra_scale=extra_scale,
        preprocess=preprocess,
    )
    return model.save(directory, dtype=dtype)


def load_linear_model(path: str | os.PathLike[str]) -> LinearTextModel:
    """Load ``NAME.json`` + the NPZ it names (same directory); refuse anything suspicious."""
    stem = model_stem(path)
    meta, arrays = load_model(stem, format=FORMAT, format_version=FORMAT_VERSION)
    return _linear_from_store(meta, arrays, str(stem.parent / f"{stem.name}.json"))


def load_linear_model_bytes(description: bytes, arrays: bytes, *, source: str = "<memory>") -> LinearTextModel:
    """:func:`load_linear_model` from the two files' bytes (e.g. ``importlib.resources`` data)."""
    meta, loaded = load_model_bytes(description, arrays, source=source, format=FORMAT, format_version=FORMAT_VERSION)
    return _linear_from_store(meta, loaded, source)


def _linear_from_store(desc: dict[str, Any], arrays: dict[str, np.ndarray], where: str) -> LinearTextModel:
    def fail(msg: str) -> ModelFileError:
        return ModelFileError(where, msg)

    missing = [k for k in _LINEAR_KEYS if k not in desc]
    if missing:
        raise fail(f"description field(s) missing: {', '.join(missing)}")
    unknown = sorted(set(desc) - set(_LINEAR_KEYS))
    if unknown:
        raise fail(f"unexpected description field(s): {', '.join(unknown)}")
    vec_descs = desc["vectorizers"]
    if not isinstance(vec_descs, list) or not vec_descs:
        raise fail('"vectorizers" must be a non-empty list')
    classes = desc["classes"]
    if not isinstance(classes, list) or len(classes) < 2 or not all(isinstance(c, str) and c for c in classes):
        raise fail('"classes" must be a list of at least two strings')
    extra = desc["extra_features"]
    if (
        not isinstance(extra, dict)
        or set(extra) != {"names", "mean", "scale"}
        or not isinstance(extra["names"], list)
        or not all(isinstance(n, str) for n in extra["names"])
        or not isinstance(extra["mean"], bool)
        or not isinstance(extra["scale"], bool)
    ):
        raise fail('"extra_features" must be {"names": [...], "mean": bool, "scale": bool}')
    linear = desc["linear"]
    if not isinstance(linear, dict) or set(linear) != {"n_outputs", "n_features"}:
        raise fail('"linear" must be {"n_outputs": int, "n_features": int}')
    for key in ("metadata", "preprocess"):
        if not isinstance(desc[key], dict):
            raise fail(f'"{key}" must be an object')
    for i, vd in enumerate(vec_descs):
        if not isinstance(vd, dict) or set(vd) != {"name", "kind", "params", "vocabulary"}:
            raise fail(f"vectorizer {i} must have exactly name, kind, params, vocabulary")
        if vd["kind"] != "tfidf":
            raise fail(f"vectorizer {i}: unknown kind {vd['kind']!r} (expected 'tfidf')")
        if not isinstance(vd["params"], dict) or set(vd["params"]) != set(TFIDF_PARAMS):
            raise fail(f"vectorizer {i}: params must be exactly {', '.join(TFIDF_PARAMS)}")
        if not isinstance(vd["vocabulary"], list):
            raise fail(f"vectorizer {i}: vocabulary must be a list")
    n_classes = len(classes)
    n_extra = len(extra["names"])
    n_features = sum(len(vd["vocabulary"]) for vd in vec_descs) + n_extra
    n_out = linear["n_outputs"]
    if isinstance(n_out, bool) or n_out not in ((1, 2) if n_classes == 2 else (n_classes,)):
        raise fail(f"linear n_outputs {n_out!r} does not fit {n_classes} classes")
    if linear["n_features"] != n_features:
        raise fail(f"linear n_features {linear['n_features']!r} does not match the vocabularies ({n_features})")

    expected: dict[str, tuple[int, ...]] = {f"idf_{i}": (len(vd["vocabulary"]),) for i, vd in enumerate(vec_descs)}
    expected["coef"] = (n_out, n_features)
    expected["intercept"] = (n_out,)
    if extra["mean"]:
        expected["extra_mean"] = (n_extra,)
    if extra["scale"]:
        expected["extra_scale"] = (n_extra,)
    missing = sorted(set(expected) - set(arrays))
    if missing:
        raise fail(f"missing array(s): {', '.join(missing)}")
    unexpected = sorted(set(arrays) - set(expected))
    if unexpected:
        raise fail(f"unexpected array(s): {', '.join(unexpected)}")
    for key, shape in expected.items():
        arr = arrays[key]
        if arr.dtype.kind != "f":
            raise fail(f"array {key!r} has dtype {arr.dtype}, expected float16/float32/float64")
        if arr.shape != shape:
            raise fail(f"array {key!r} has shape {arr.shape}, expected {shape}")
    try:
        vectorizers = [
            TfidfFeatures(
                name=vd["name"],
                vocabulary=tuple(vd["vocabulary"]),
                idf=arrays[f"idf_{i}"].astype(np.float64),
                **vd["params"],
            )
            for i, vd in enumerate(vec_descs)
        ]
        return LinearTextModel(
            name=desc["name"],
            vectorizers=vectorizers,
            coef=arrays["coef"],
            intercept=arrays["intercept"],
            classes=classes,
            calibration=desc["calibration"],
            metadata=desc["metadata"],
            extra_features=extra["names"],
            extra_mean=arrays.get("extra_mean"),
            extra_scale=arrays.get("extra_scale"),
            preprocess=desc["preprocess"],
        )
    except (ValueError, TypeError) as exc:
        raise fail(f"invalid model description ({exc})") from None
