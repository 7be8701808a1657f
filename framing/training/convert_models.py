"""Convert model files of the two old n-gram formats to the one n-gram model format, in place.

    python -m framing.training.convert_models FOLDER [FOLDER ...]

framing 0.x stored its frame classifiers as ``framing-frame-model`` and its lean model as
``framing.linear-text-model``; both are now ``framing.ngram-model``
(`framing.io.model_files.NgramModelFile`). Nothing is retrained: vocabularies, IDF values and
weights are carried over as stored (float32), so a converted model scores exactly as before.
Other files in the folder (article heads, word vectors, evaluations) are left alone.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ..io import model_files
from ..io.model_files import ModelFileError, NgramModelFile

__all__ = ["convert_model", "convert_folder", "main"]

FRAME_FORMAT, LINEAR_FORMAT = model_files.OLD_NGRAM_FORMATS


def _from_frame_model(meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> NgramModelFile:
    blocks = [dict(b["analyzer"]) for b in meta["blocks"]]
    return NgramModelFile(
        dimension=str(meta["dimension"]), classes=[str(c) for c in meta["classes"]], blocks=blocks,
        terms=[[str(t) for t in arrays[f"terms_{i}"].tolist()] for i in range(len(blocks))],
        idf=[arrays[f"idf_{i}"] for i in range(len(blocks))], lexicon_features=[str(f) for f in meta.get("lexicon_features", [])],
        coef=arrays["coef"], intercept=arrays["intercept"], temperature=float(meta["temperature"]), products="float32",
        word_vectors=meta.get("word_vectors") or None, metadata=dict(meta.get("metadata") or {}),
    )


def _from_linear_model(meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray], where: str) -> NgramModelFile:
    if meta["extra_features"]["names"]:
        raise ModelFileError(where, "a linear text model with extra features cannot be converted (the n-gram format has none)")
    vectorizers = meta["vectorizers"]
    tokens = None
    for i, v in enumerate(vectorizers):
        p = v["params"]
        if p["analyzer"] != "word" or p["strip_accents"] is not None or p["binary"] or not p["sublinear_tf"] or p["norm"] != "l2" or not p["use_idf"]:
            raise ModelFileError(where, f"vectorizer {i}: only word n-grams with sublinear tf, idf and l2 norm (no accent stripping, not binary) can be converted")
        mine = {"pattern": p["token_pattern"], "lowercase": p["lowercase"], "stop_words": list(p["stop_words"] or [])}
        if tokens is not None and mine != tokens:
            raise ModelFileError(where, "vectorizers that tokenize differently cannot be converted into one model")
        tokens = mine
    classes = [str(c) for c in meta["classes"]]
    coef, intercept = arrays["coef"], arrays["intercept"]
    if coef.shape[0] == 1:  # binary, scikit-learn's layout: the row scores classes[1]; logits [0, d]
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.concatenate([np.zeros_like(intercept), intercept])
    return NgramModelFile(
        dimension=str(meta["name"]), classes=classes,
        blocks=[{"kind": "word", "ngram_range": list(v["params"]["ngram_range"])} for v in vectorizers],
        terms=[[str(t) for t in v["vocabulary"]] for v in vectorizers], idf=[arrays[f"idf_{i}"] for i in range(len(vectorizers))],
        lexicon_features=[], coef=coef, intercept=intercept, temperature=float(meta["calibration"]["temperature"]), products="float64",
        tokens=tokens, preprocess=dict(meta["preprocess"]), metadata=dict(meta.get("metadata") or {}),
    )


def convert_model(stem: str | Path) -> bool:
    """Rewrite the model at `stem` (`<stem>.json` + `.npz`) in the n-gram model format when it is
    in an old one; False when it is not an old n-gram model (nothing written)."""
    stem = model_files.model_stem(stem)
    where = str(stem.parent / f"{stem.name}.json")
    meta, arrays = model_files.load_model(stem)  # checksums and shapes, any format
    fmt = meta.get("format")
    if fmt not in model_files.OLD_NGRAM_FORMATS:
        return False
    if meta.get("format_version") != 1:
        raise ModelFileError(where, f"unknown {fmt} version {meta.get('format_version')!r}")
    try:
        record = _from_frame_model(meta, arrays) if fmt == FRAME_FORMAT else _from_linear_model(meta, arrays, where)
    except (KeyError, TypeError, IndexError) as exc:
        raise ModelFileError(where, f"malformed {fmt} model ({exc.__class__.__name__}: {exc})") from None
    model_files.save_ngram_model(stem, record)
    model_files.load_ngram_model(stem)  # what was written reads back
    return True


def convert_folder(folder: str | Path) -> list[Path]:
    """Convert every old n-gram model in `folder`; the JSON files converted."""
    done = []
    for meta_path in sorted(Path(folder).glob("*.json")):
        stem = meta_path.with_suffix("")
        if not (stem.parent / f"{stem.name}.npz").is_file():
            continue
        if convert_model(stem):
            done.append(meta_path)
    return done


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    args = parser.parse_args(argv)
    try:
        for folder in args.folders:
            for path in convert_folder(folder):
                print(f"converted {path}")
    except ModelFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
