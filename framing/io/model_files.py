"""Safe, pickle-free storage for the project's trained models (the n-gram models: frame
classifiers and lean model; the article heads; the word vectors): a JSON description and an NPZ
of plain arrays.

Loading refuses anything they cannot vouch for with :class:`ModelFileError`, whose
``str()`` is one line naming the file (``"<path>: <message>"``; a
:class:`framing.errors.FramingError`).

1. Generic storage: ``save_model`` / ``load_model`` / ``load_model_bytes`` / ``looks_like``
----------------------------------------------------------------------------------------------
A model stored at PATH is two files side by side:

``PATH.json``
    The caller's ``meta`` (plain JSON with a ``format`` string and an integer ``format_version``)
    plus a reserved ``store`` block: ``arrays_file`` (the bare NPZ name), ``arrays`` (every
    array's dtype and shape) and ``sha256`` (of the NPZ bytes). One top-level key per line.
``PATH.npz``
    The arrays (numeric or fixed-width unicode; never object arrays), read with
    ``np.load(..., allow_pickle=False)``, plus a reserved member ``_description_sha256``: the
    sha256 of the JSON description (minus the NPZ hash) in canonical form. Written
    deterministically (sorted members, fixed zip timestamps), so retraining with the same data
    and seeds gives byte-identical files; writes are atomic.

``save_model(path, meta, arrays) -> [json_path, npz_path]``
    ``path`` is the stem (``.json``/``.npz`` suffixes are accepted and stripped).
``load_model(path, *, format=None, format_version=None) -> (meta, arrays)``
    Refuses: missing/unreadable/oversized files, invalid JSON, a missing or malformed ``store``
    block, another ``format``/``format_version`` (when given), an NPZ whose sha256 differs from
    the recorded one (bytes changed), a JSON edited after saving (digest in the NPZ), missing or
    unexpected arrays, object arrays (they would need pickle), dtypes or shapes other than
    declared, NaN/infinite floats, members larger than their declared shape (zip bombs), and an
    arrays file name that is not a bare ``*.npz`` next to the JSON. ``meta`` comes back without
    the ``store`` block.
``load_model_bytes(description, arrays, *, source, format=None, format_version=None)``
    The same from bytes (e.g. ``importlib.resources`` data inside a zip).
``looks_like(path, format) -> bool``
    Cheap check (no arrays read) that ``PATH.json`` describes a model of this format.

2. The n-gram model format: ``save_ngram_model`` / ``load_ngram_model`` / ``load_ngram_model_bytes``
----------------------------------------------------------------------------------------------
Every text classifier framing ships (the frame classifiers, the lean model) is one n-gram model
(``format: "framing.ngram-model"``, version 1), read and written here as an
:class:`NgramModelFile` (``framing.scoring.ngram_model.NgramModel`` is the model built from it).
JSON fields: ``dimension``, ``classes``, ``blocks`` (``kind``: ``word`` or ``char_wb``,
``ngram_range``, ``n_terms``), ``lexicon_features``, ``temperature``, ``products``
(``float32`` or ``float64``), ``tokens`` (null: framing's tokens; or ``pattern``, ``lowercase``,
``stop_words``), ``preprocess`` (null or the ``TextPreprocess`` options), ``word_vectors`` (null
or ``name``, ``sha256``, ``scale``, ``n_dims``) and ``metadata``. Arrays: ``terms_<i>`` and
``idf_<i>`` per block, ``coef`` (classes x features: the blocks' columns, the lexicon features,
the word-vector dimensions) and ``intercept``. A model of one of the two older formats
(``framing-frame-model``, ``framing.linear-text-model``) is refused with a line saying how to
convert it (``python -m framing.training.convert_models FOLDER``; nothing is retrained).

Loading executes no code: JSON and numeric arrays only. The hashes detect corruption and
accidental or partial edits; they are not a signature against someone who rewrites both files.
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..errors import FramingError
from .writers import atomic_write_bytes

__all__ = [
    "ModelFileError", "save_model", "load_model", "load_model_bytes", "looks_like", "model_stem", "STORE_KEY",
    "NgramModelFile", "save_ngram_model", "load_ngram_model", "load_ngram_model_bytes", "ngram_model_description", "NGRAM_MODEL_FORMAT",
]


MAX_DESCRIPTION_BYTES = 64 * 1024 * 1024
MAX_ARRAYS_BYTES = 256 * 1024 * 1024
MAX_ARRAY_BYTES_TOTAL = 1024 * 1024 * 1024
STORE_KEY = "store"
_DIGEST_KEY = "_description_sha256"  # reserved member name (user arrays start with a letter)
_ARRAYS_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.npz$")
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class ModelFileError(FramingError):
    """A model file that cannot be used. ``str()`` is one line: ``"<path>: <message>"``."""

    def __init__(self, path: str | os.PathLike[str], message: str) -> None:
        self.path = str(path)
        self.message = " ".join(str(message).split())
        super().__init__(f"{self.path}: {self.message}")



# --------------------------------------------------------------------------------------------
# Generic storage: a JSON description + an NPZ of plain arrays, checked on load
# --------------------------------------------------------------------------------------------

_ARRAY_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,100}$")


def _dtype_ok(dt: np.dtype) -> bool:
    return not dt.hasobject and dt.kind in "biufU" and dt.fields is None and dt.subdtype is None


def model_stem(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    return p.with_suffix("") if p.suffix in (".json", ".npz") else p


def _canonical_digest(description: Mapping[str, Any]) -> bytes:
    desc = dict(description)
    store = dict(desc.get(STORE_KEY) or {})
    store.pop("sha256", None)
    desc[STORE_KEY] = store
    blob = json.dumps(desc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(blob.encode("utf-8")).digest()


def _npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """A deterministic NPZ: sorted members, fixed timestamps, deflate level 9, no pickle."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for key in sorted(arrays):
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arrays[key]), allow_pickle=False)
            zf.writestr(info, member.getvalue(), compresslevel=9)
    return buf.getvalue()




def _dump_description(desc: Mapping[str, Any]) -> bytes:
    """One top-level key per line: a readable header, compact vocabularies."""
    keys = ["format", "format_version", STORE_KEY] + [k for k in desc if k not in ("format", "format_version", STORE_KEY)]
    lines = [
        f"  {json.dumps(k, ensure_ascii=False)}: "
        f"{json.dumps(desc[k], ensure_ascii=False, separators=(',', ':'), allow_nan=False)}"
        for k in keys
    ]
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode("utf-8")


def save_model(path: str | os.PathLike[str], meta: Mapping[str, Any], arrays: Mapping[str, Any]) -> list[Path]:
    """Write ``PATH.json`` (``meta`` + a ``store`` block) and ``PATH.npz``; return both paths.

    ``meta`` is plain JSON (no NaN) with a ``format`` string and an integer ``format_version``;
    the key ``store`` is reserved. ``arrays`` maps names (letters, digits, ``_``; starting with a
    letter) to numeric (bool/int/uint/float, finite) or fixed-width unicode arrays: object arrays
    are refused. The files are written atomically and deterministically.
    """
    stem = model_stem(path)
    if not isinstance(meta, Mapping):
        raise TypeError("meta must be a mapping")
    meta = dict(meta)
    if STORE_KEY in meta:
        raise ValueError(f"meta key {STORE_KEY!r} is reserved")
    if not isinstance(meta.get("format"), str) or not meta["format"]:
        raise ValueError("meta needs a non-empty 'format' string")
    if isinstance(meta.get("format_version"), bool) or not isinstance(meta.get("format_version"), int):
        raise ValueError("meta needs an integer 'format_version'")
    try:
        json.dumps(meta, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"meta must be plain JSON (no NaN): {exc}") from None
    out: dict[str, np.ndarray] = {}
    declared: dict[str, Any] = {}
    for key, value in arrays.items():
        if not isinstance(key, str) or not _ARRAY_NAME_RE.match(key):
            raise ValueError(f"array name {key!r} must be letters, digits or '_', starting with a letter")
        arr = np.asarray(value)
        if not _dtype_ok(arr.dtype):
            raise ValueError(f"array {key!r} has dtype {arr.dtype}: only numeric and unicode arrays can be stored")
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            raise ValueError(f"array {key!r} contains NaN or infinite values")
        arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype)
        out[key] = arr
        declared[key] = {"dtype": arr.dtype.str, "shape": list(arr.shape)}
    description = dict(meta)
    description[STORE_KEY] = {"arrays_file": f"{stem.name}.npz", "arrays": declared}
    if not _ARRAYS_NAME_RE.match(description[STORE_KEY]["arrays_file"]):
        raise ValueError(f"model file name {stem.name!r} must be letters, digits, '.', '_' or '-'")
    out[_DIGEST_KEY] = np.frombuffer(_canonical_digest(description), dtype=np.uint8).copy()
    npz = _npz_bytes(out)
    description[STORE_KEY]["sha256"] = hashlib.sha256(npz).hexdigest()
    stem.parent.mkdir(parents=True, exist_ok=True)
    json_path, npz_path = stem.parent / f"{stem.name}.json", stem.parent / f"{stem.name}.npz"
    atomic_write_bytes(npz_path, npz)
    atomic_write_bytes(json_path, _dump_description(description))
    return [json_path, npz_path]


def _read_capped(path: Path, cap: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > cap:
            raise ModelFileError(path, f"file is too large ({size} bytes; limit {cap})")
        with open(path, "rb") as fh:
            data = fh.read(cap + 1)
    except ModelFileError:
        raise
    except FileNotFoundError:
        raise ModelFileError(path, "model file not found") from None
    except OSError as exc:
        raise ModelFileError(path, f"cannot read model file ({exc.strerror or exc})") from None
    if len(data) > cap:
        raise ModelFileError(path, f"file is too large (limit {cap} bytes)")
    return data


def _description_or_none(path: str | os.PathLike[str]) -> tuple[dict[str, Any] | None, str]:
    """``PATH.json`` parsed (no arrays read), or None when it is missing or not a description;
    with the file's name for messages."""
    stem = model_stem(path)
    json_path = stem.parent / f"{stem.name}.json"
    try:
        return _parse_description(_read_capped(json_path, MAX_DESCRIPTION_BYTES), str(json_path)), str(json_path)
    except ModelFileError:
        return None, str(json_path)


def looks_like(path: str | os.PathLike[str], format: str) -> bool:
    """Cheap check (no arrays read): is ``PATH.json`` a description of this ``format``?"""
    desc, _ = _description_or_none(path)
    return desc is not None and desc.get("format") == format


def load_model(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    format_version: int | None = None,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and check ``PATH.json`` + its NPZ; return ``(meta, arrays)`` (``meta`` without the
    ``store`` block). With ``format`` / ``format_version``, refuse other formats and versions."""
    stem = model_stem(path)
    json_path = stem.parent / f"{stem.name}.json"
    raw = _read_capped(json_path, MAX_DESCRIPTION_BYTES)
    desc = _parse_description(raw, str(json_path))
    _check_format(desc, str(json_path), format, format_version)
    npz_path = json_path.parent / desc[STORE_KEY]["arrays_file"]
    npz = _read_capped(npz_path, MAX_ARRAYS_BYTES)
    return _check_arrays(desc, npz, str(json_path), str(npz_path))


def load_model_bytes(
    description: bytes,
    arrays: bytes,
    *,
    source: str = "<memory>",
    format: str | None = None,
    format_version: int | None = None,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """:func:`load_model` from the two files' bytes; ``source`` names the JSON in errors."""
    if len(description) > MAX_DESCRIPTION_BYTES:
        raise ModelFileError(source, "file is too large")
    desc = _parse_description(description, source)
    _check_format(desc, source, format, format_version)
    npz_name = desc[STORE_KEY]["arrays_file"]
    npz_where = str(Path(source).parent / npz_name) if source != "<memory>" else npz_name
    if len(arrays) > MAX_ARRAYS_BYTES:
        raise ModelFileError(npz_where, "file is too large")
    return _check_arrays(desc, arrays, source, npz_where)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _parse_description(raw: bytes, where: str) -> dict[str, Any]:
    def fail(msg: str) -> ModelFileError:
        return ModelFileError(where, msg)

    try:
        desc = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise fail("not a model description (not UTF-8 text)") from None
    except (json.JSONDecodeError, ValueError, RecursionError) as exc:
        raise fail(f"not a model description (invalid JSON: {exc})") from None
    if not isinstance(desc, dict):
        raise fail("not a model description (the top level is not a JSON object)")
    if not isinstance(desc.get("format"), str):
        raise fail("not a model description (no 'format')")
    store = desc.get(STORE_KEY)
    if not isinstance(store, dict) or set(store) != {"arrays_file", "arrays", "sha256"}:
        raise fail(f"not a model description (no valid {STORE_KEY!r} block with arrays_file, arrays, sha256)")
    if not isinstance(store["arrays_file"], str) or not _ARRAYS_NAME_RE.match(store["arrays_file"]):
        raise fail(f"arrays file {store['arrays_file']!r} must be a bare *.npz file name next to the description")
    if not isinstance(store["sha256"], str) or not re.fullmatch(r"[0-9a-f]{64}", store["sha256"]):
        raise fail("the recorded sha256 must be 64 lower-case hex digits")
    declared = store["arrays"]
    if not isinstance(declared, dict):
        raise fail("the declared arrays must be an object")
    total = 0
    for key, spec in declared.items():
        if not _ARRAY_NAME_RE.match(key):
            raise fail(f"invalid array name {key!r}")
        if not isinstance(spec, dict) or set(spec) != {"dtype", "shape"}:
            raise fail(f"array {key!r}: declaration must be {{'dtype', 'shape'}}")
        try:
            dt = np.dtype(spec["dtype"]) if isinstance(spec["dtype"], str) and len(spec["dtype"]) <= 8 else None
        except TypeError:
            dt = None
        if dt is None or not _dtype_ok(dt) or dt.str != spec["dtype"]:
            raise fail(f"array {key!r}: dtype {spec['dtype']!r} is not a numeric or unicode dtype")
        shape = spec["shape"]
        if not isinstance(shape, list) or len(shape) > 8 or not all(
            isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 2**40 for n in shape
        ):
            raise fail(f"array {key!r}: invalid shape {shape!r}")
        total += int(np.prod(shape, dtype=np.float64)) * dt.itemsize
    if total > MAX_ARRAY_BYTES_TOTAL:
        raise fail(f"the declared arrays are too large ({total} bytes)")
    return desc


def _check_format(desc: Mapping[str, Any], where: str, format: str | None, version: int | None) -> None:
    if format is not None and desc.get("format") != format:
        raise ModelFileError(where, f"unknown model format {desc.get('format')!r} (expected {format!r})")
    v = desc.get("format_version")
    if version is not None and (v != version or isinstance(v, bool)):
        raise ModelFileError(where, f"unsupported format_version {v!r} (this framing reads version {version})")


def _check_arrays(desc: dict[str, Any], npz: bytes, json_where: str, npz_where: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    def nfail(msg: str) -> ModelFileError:
        return ModelFileError(npz_where, msg)

    store = desc[STORE_KEY]
    # 1. The NPZ must be the one the description was saved with.
    found = hashlib.sha256(npz).hexdigest()
    if found != store["sha256"]:
        raise nfail(
            f"sha256 mismatch: the weights file is corrupted or was changed "
            f"(recorded {store['sha256'][:12]}..., found {found[:12]}...)"
        )
    declared = {k: (np.dtype(v["dtype"]), tuple(v["shape"])) for k, v in store["arrays"].items()}
    declared[_DIGEST_KEY] = (np.dtype(np.uint8), (32,))

    # 2. The zip: exactly the declared members, none larger than its declared array can be.
    try:
        with zipfile.ZipFile(io.BytesIO(npz)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise nfail(f"not a valid NPZ archive ({exc})") from None
    member_names = [zi.filename for zi in infos]
    if len(set(member_names)) != len(member_names):
        raise nfail("the NPZ archive has duplicate members")
    names = {n[:-4] for n in member_names if n.endswith(".npy")}
    if len(names) != len(member_names):
        raise nfail("the NPZ archive contains members that are not .npy arrays")
    missing = sorted(set(declared) - names)
    if missing:
        raise nfail(f"missing array(s): {', '.join(missing)}")
    unexpected = sorted(names - set(declared))
    if unexpected:
        raise nfail(f"unexpected array(s): {', '.join(unexpected)}")
    for zi in infos:
        dt, shape = declared[zi.filename[:-4]]
        limit = int(np.prod(shape, dtype=np.float64)) * dt.itemsize + 4096
        if zi.file_size > limit:
            raise nfail(f"array {zi.filename[:-4]!r} is larger than its declared shape allows")

    # 3. The arrays: never pickle; declared dtype and shape; finite floats.
    loaded: dict[str, np.ndarray] = {}
    try:
        with np.load(io.BytesIO(npz), allow_pickle=False) as data:
            for key in sorted(declared):
                try:
                    loaded[key] = np.asarray(data[key])
                except ValueError as exc:
                    if "allow_pickle" in str(exc) or "bject arrays" in str(exc):
                        raise nfail(f"array {key!r} is an object array (refused: reading it would need pickle)") from None
                    raise nfail(f"array {key!r} cannot be read ({exc})") from None
    except ModelFileError:
        raise
    except Exception as exc:  # zlib errors, truncated members, bad .npy headers
        raise nfail(f"not a valid NPZ archive ({type(exc).__name__}: {exc})") from None
    for key, arr in loaded.items():
        dt, shape = declared[key]
        if not _dtype_ok(arr.dtype):
            raise nfail(f"array {key!r} has dtype {arr.dtype} (only numeric and unicode arrays are read)")
        if arr.dtype != dt:
            raise nfail(f"array {key!r} has dtype {arr.dtype}, the description says {dt}")
        if arr.shape != shape:
            raise nfail(f"array {key!r} has shape {arr.shape}, the description says {shape}")
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            raise nfail(f"array {key!r} contains NaN or infinite values")

    # 4. The description must be the one these arrays were saved with.
    if loaded.pop(_DIGEST_KEY).tobytes() != _canonical_digest(desc):
        raise ModelFileError(
            json_where,
            "description does not match its weights (the JSON was edited after saving, "
            "or the two files come from different models)",
        )
    meta = {k: v for k, v in desc.items() if k != STORE_KEY}
    return meta, loaded


# --------------------------------------------------------------------------------------------
# The n-gram model format: every text classifier framing ships (frames, lean) is one of these
# --------------------------------------------------------------------------------------------

NGRAM_MODEL_FORMAT = "framing.ngram-model"
NGRAM_MODEL_FORMAT_VERSION = 1
# formats of framing 0.x's two n-gram models; `python -m framing.training.convert_models` converts them
OLD_NGRAM_FORMATS = ("framing-frame-model", "framing.linear-text-model")
PRODUCTS = ("float32", "float64")
_NGRAM_KINDS = ("word", "char_wb")
_NGRAM_KEYS = {"dimension", "classes", "blocks", "lexicon_features", "temperature", "products", "tokens", "preprocess", "word_vectors", "metadata"}


@dataclass
class NgramModelFile:
    """An n-gram model as its files hold it (`framing.scoring.ngram_model.NgramModel` is the
    model built from it).

    `blocks[i]` (`{"kind": "word" | "char_wb", "ngram_range": [lo, hi]}`) has the vocabulary
    `terms[i]` (column order) and IDF weights `idf[i]`; `coef` (classes x features) reads the
    blocks' columns in order, then `lexicon_features`, then the `word_vectors` dimensions
    (`{"name", "sha256", "scale", "n_dims"}`, a table stored beside the model). `tokens`: None
    for framing's own tokens (per sentence), or `{"pattern", "lowercase", "stop_words"}` for a
    regular expression over the whole text (after the `preprocess` clean-up, if any).
    `products`: `"float32"` (TF-IDF folded into the weights, normalised after the product) or
    `"float64"` (scikit-learn's order: rows normalised, then multiplied)."""

    dimension: str
    classes: list[str]
    blocks: list[dict[str, Any]]
    terms: list[list[str]]
    idf: list[np.ndarray]
    lexicon_features: list[str]
    coef: np.ndarray
    intercept: np.ndarray
    temperature: float
    products: str = "float32"
    tokens: dict[str, Any] | None = None
    preprocess: dict[str, Any] | None = None
    word_vectors: dict[str, Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def save_ngram_model(path: str | os.PathLike[str], model: NgramModelFile) -> list[Path]:
    """Write `PATH.json` + `PATH.npz` in the n-gram model format; return both paths."""
    meta: dict[str, Any] = {
        "format": NGRAM_MODEL_FORMAT,
        "format_version": NGRAM_MODEL_FORMAT_VERSION,
        "dimension": model.dimension,
        "classes": list(model.classes),
        "blocks": [{"kind": b["kind"], "ngram_range": list(b["ngram_range"]), "n_terms": len(t)} for b, t in zip(model.blocks, model.terms)],
        "lexicon_features": list(model.lexicon_features),
        "temperature": float(model.temperature),
        "products": model.products,
        "tokens": model.tokens,
        "preprocess": model.preprocess,
        "word_vectors": model.word_vectors,
        "metadata": model.metadata,
    }
    arrays: dict[str, Any] = {"coef": np.asarray(model.coef).astype(np.float32), "intercept": np.asarray(model.intercept).astype(np.float32)}
    for i, (terms, idf) in enumerate(zip(model.terms, model.idf)):
        arrays[f"terms_{i}"] = np.asarray(terms, dtype=np.str_)
        arrays[f"idf_{i}"] = np.asarray(idf).astype(np.float32)
    return save_model(path, meta, arrays)


def _refuse_old_format(desc_format: Any, where: str) -> None:
    if desc_format in OLD_NGRAM_FORMATS:
        raise ModelFileError(where, f"a model in the old {desc_format!r} format: convert its folder with `python -m framing.training.convert_models FOLDER`")


def ngram_model_description(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """`PATH.json` when it describes an n-gram model (no arrays read), else None; one of an old
    format is refused with what to do (a folder of old models must not quietly score without them)."""
    desc, json_path = _description_or_none(path)
    if desc is None:
        return None
    _refuse_old_format(desc.get("format"), json_path)
    return desc if desc.get("format") == NGRAM_MODEL_FORMAT else None


def load_ngram_model(path: str | os.PathLike[str]) -> NgramModelFile:
    """Read and check an n-gram model's two files (`PATH`, `PATH.json` or `PATH.npz`)."""
    stem = model_stem(path)
    where = str(stem.parent / f"{stem.name}.json")
    desc = _parse_description(_read_capped(Path(where), MAX_DESCRIPTION_BYTES), where)
    _refuse_old_format(desc.get("format"), where)
    meta, arrays = load_model(stem, format=NGRAM_MODEL_FORMAT, format_version=NGRAM_MODEL_FORMAT_VERSION)
    return _ngram_model_from(meta, arrays, where)


def load_ngram_model_bytes(description: bytes, arrays: bytes, *, source: str = "<memory>") -> NgramModelFile:
    """:func:`load_ngram_model` from the two files' bytes (e.g. ``importlib.resources`` data)."""
    _refuse_old_format(_parse_description(description, source).get("format"), source)
    meta, loaded = load_model_bytes(description, arrays, source=source, format=NGRAM_MODEL_FORMAT, format_version=NGRAM_MODEL_FORMAT_VERSION)
    return _ngram_model_from(meta, loaded, source)


def _ngram_model_from(meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray], where: str) -> NgramModelFile:
    def bad(msg: str) -> ModelFileError:
        return ModelFileError(where, msg)

    missing = sorted(_NGRAM_KEYS - set(meta) - {"format", "format_version"})
    if missing:
        raise bad(f"description field(s) missing: {', '.join(missing)}")
    unknown = sorted(set(meta) - _NGRAM_KEYS - {"format", "format_version"})
    if unknown:
        raise bad(f"unexpected description field(s): {', '.join(unknown)}")
    try:
        classes = [str(c) for c in meta["classes"]]
        blocks, terms, idf = [], [], []
        for i, spec in enumerate(meta["blocks"]):
            kind, (lo, hi) = str(spec["kind"]), (int(spec["ngram_range"][0]), int(spec["ngram_range"][1]))
            if kind not in _NGRAM_KINDS or not 1 <= lo <= hi:
                raise bad(f"block {i}: kind must be one of {_NGRAM_KINDS} with 1 <= min <= max n")
            block_terms = [str(t) for t in np.asarray(arrays[f"terms_{i}"]).tolist()]
            block_idf = np.asarray(arrays[f"idf_{i}"], dtype=np.float64)
            if block_idf.shape != (len(block_terms),) or len(block_terms) != int(spec["n_terms"]):
                raise bad(f"block {i}: vocabulary and IDF sizes disagree")
            blocks.append({"kind": kind, "ngram_range": (lo, hi)})
            terms.append(block_terms)
            idf.append(block_idf)
        lexicon_features = [str(f) for f in meta["lexicon_features"]]
        vectors = meta["word_vectors"]
        if vectors is not None and (not isinstance(vectors, dict) or set(vectors) != {"name", "sha256", "scale", "n_dims"}):
            raise bad('"word_vectors" must be null or {"name", "sha256", "scale", "n_dims"}')
        tokens = meta["tokens"]
        if tokens is not None and (not isinstance(tokens, dict) or set(tokens) != {"pattern", "lowercase", "stop_words"}):
            raise bad('"tokens" must be null or {"pattern", "lowercase", "stop_words"}')
        for key in ("preprocess", "metadata"):
            if meta[key] is not None and not isinstance(meta[key], dict):
                raise bad(f'"{key}" must be an object')
        record = NgramModelFile(
            dimension=str(meta["dimension"]), classes=classes, blocks=blocks, terms=terms, idf=idf, lexicon_features=lexicon_features,
            coef=np.asarray(arrays["coef"], dtype=np.float64), intercept=np.asarray(arrays["intercept"], dtype=np.float64),
            temperature=float(meta["temperature"]), products=str(meta["products"]), tokens=tokens, preprocess=meta["preprocess"],
            word_vectors=vectors, metadata=dict(meta["metadata"] or {}),
        )
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise bad(f"malformed model ({exc.__class__.__name__}: {exc})") from None
    n_features = sum(map(len, terms)) + len(lexicon_features) + (int(vectors["n_dims"]) if vectors else 0)
    if record.coef.shape != (len(classes), n_features) or record.intercept.shape != (len(classes),):
        raise bad(f"weights have shape {record.coef.shape}, expected {(len(classes), n_features)}")
    if not (math.isfinite(record.temperature) and record.temperature > 0):
        raise bad("temperature must be a positive number")
    if record.products not in PRODUCTS:
        raise bad(f"products must be one of {PRODUCTS}")
    return record
