"""framing.io.model_files and the n-gram model format (framing.scoring.ngram_model): exact round-trips, determinism,
refusal of bad files, the old formats refused with what to do and converted without retraining."""
from __future__ import annotations

import functools
import hashlib
import json
import random
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from framing.errors import FramingError
from framing.io.model_files import NGRAM_MODEL_FORMAT, ModelFileError, load_model, looks_like, save_model
from framing.scoring.features import TokenNgrams
from framing.scoring.ngram_model import NgramBlock, NgramModel, TokenPattern, load_model_dir, load_ngram_model, load_ngram_model_bytes, save_ngram_model
from framing.scoring.text_cleanup import TextPreprocess
from framing.training import convert_models
from framing.training.lean import fit_temperature, top_features

WORDS = {
    "hawk": "sanctions deterrence alliance military pressure strength",
    "dove": "dialogue diplomacy talks engagement compromise peace",
    "none": "weather markets football recipe travel music",
}
FILLER = "the a of and to in on that said this week".split()


def make_corpus(n_per_class: int = 12, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for label, words in WORDS.items():
        vocab = words.split()
        for _ in range(n_per_class):
            toks = [rng.choice(vocab) for _ in range(6)] + [rng.choice(FILLER) for _ in range(8)]
            rng.shuffle(toks)
            texts.append(" ".join(toks).capitalize() + ".")
            labels.append(label)
    return texts, labels


def ngram_model(vec: TfidfVectorizer, clf: LogisticRegression, *, temperature: float = 1.0, preprocess: TextPreprocess | None = None, name: str = "toy") -> NgramModel:
    """A fitted word `TfidfVectorizer` (sublinear tf, l2) + logistic regression as an n-gram model
    with a token pattern and float64 products, as the lean model is built."""
    params = vec.get_params()
    terms = [""] * len(vec.vocabulary_)
    for term, j in vec.vocabulary_.items():
        terms[j] = term
    coef, intercept = clf.coef_, clf.intercept_
    if coef.shape[0] == 1:  # binary: logits [0, d]
        coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.concatenate([[0.0], intercept])
    tokens = TokenPattern(params["token_pattern"], params["lowercase"], tuple(sorted(params["stop_words"] or ())))
    block = NgramBlock(TokenNgrams("word", params["ngram_range"]), terms, np.asarray(vec.idf_, dtype=np.float64))
    return NgramModel(name, [str(c) for c in clf.classes_], [block], [], coef, intercept, temperature, {"note": "toy model", "figures": {"f1": 1.0}},
                      tokens=tokens, preprocess=preprocess, products="float64")


def train(texts: list[str], labels: list[str]):
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, stop_words=["the", "of"]).fit(texts)
    X = vec.transform(texts)
    clf = LogisticRegression(C=5.0, max_iter=2000).fit(X, labels)
    return vec, clf, X


@functools.lru_cache(maxsize=1)
def trained():
    texts, labels = make_corpus()
    return texts, train(texts, labels)


def build(tmp_path: Path, *, temperature: float = 1.0, name: str = "toy", fresh: bool = False) -> tuple[Path, Path, list[str]]:
    if fresh:
        texts, labels = make_corpus()
        vec, clf, _ = train(texts, labels)
    else:
        texts, (vec, clf, _) = trained()
    paths = save_ngram_model(ngram_model(vec, clf, temperature=temperature, name=name), tmp_path / name)
    return paths[0], paths[1], texts


def rewrite_npz(json_path: Path, npz_path: Path, arrays: dict, *, allow_pickle: bool = False) -> None:
    """Write new NPZ members and record their sha256 in the JSON (as a careless edit would)."""
    with open(npz_path, "wb") as fh:
        np.savez(fh, allow_pickle=allow_pickle, **arrays)
    desc = json.loads(json_path.read_text())
    desc["store"]["sha256"] = hashlib.sha256(npz_path.read_bytes()).hexdigest()
    json_path.write_text(json.dumps(desc))


def npz_members(npz_path: Path) -> dict[str, np.ndarray]:
    with np.load(npz_path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


# --- round trips -------------------------------------------------------------------------------


def test_matches_sklearn_and_round_trip_is_exact(tmp_path):
    texts, (vec, clf, X) = trained()
    in_memory = ngram_model(vec, clf).predict_proba_texts(texts)
    np.testing.assert_allclose(in_memory, clf.predict_proba(X), rtol=0, atol=1e-12)
    json_path, npz_path, _ = build(tmp_path)
    model = load_ngram_model(json_path)
    ours = model.predict_proba_texts(texts)
    np.testing.assert_allclose(ours, clf.predict_proba(X), rtol=0, atol=1e-5)  # weights stored as float32
    np.testing.assert_allclose(ours.sum(axis=1), 1.0, atol=1e-12)
    assert model.classes == ["dove", "hawk", "none"]
    assert model.predict_texts(texts) == list(clf.predict(X))
    # save the loaded model again: identical predictions, identical files
    j2, n2 = save_ngram_model(model, tmp_path / "again" / "toy")
    assert n2.read_bytes() == npz_path.read_bytes()
    assert j2.read_bytes() == json_path.read_bytes()
    assert np.array_equal(load_ngram_model(j2).predict_proba_texts(texts), ours)
    # the same from bytes, and via the .npz name or the stem
    from_bytes = load_ngram_model_bytes(json_path.read_bytes(), npz_path.read_bytes(), source=str(json_path))
    assert np.array_equal(from_bytes.predict_proba_texts(texts), ours)
    assert np.array_equal(load_ngram_model(npz_path).predict_proba_texts(texts), ours)
    assert np.array_equal(load_ngram_model(tmp_path / "toy").predict_proba_texts(texts), ours)


def test_temperature(tmp_path):
    texts, (vec, clf, X) = trained()
    json_path, _, _ = build(tmp_path, temperature=2.0)
    model = load_ngram_model(json_path)
    assert model.temperature == 2.0
    z = clf.decision_function(X) / 2.0
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict_proba_texts(texts), expected, atol=1e-5)


def test_training_is_deterministic(tmp_path):
    ja, na, _ = build(tmp_path / "a", fresh=True)
    jb, nb, _ = build(tmp_path / "b", fresh=True)
    assert na.read_bytes() == nb.read_bytes()
    assert ja.read_bytes() == jb.read_bytes()


def test_binary_model_and_top_features(tmp_path):
    texts, labels = make_corpus()
    keep = [i for i, lab in enumerate(labels) if lab != "none"]
    texts = [texts[i] for i in keep]
    labels = [labels[i] for i in keep]
    vec = TfidfVectorizer(sublinear_tf=True).fit(texts)
    clf = LogisticRegression().fit(vec.transform(texts), labels)
    json_path, _ = save_ngram_model(ngram_model(vec, clf, name="bin"), tmp_path / "bin")
    model = load_ngram_model(json_path)
    np.testing.assert_allclose(model.predict_proba_texts(texts), clf.predict_proba(vec.transform(texts)), atol=1e-6)
    top = top_features(model, 3)
    assert set(top) == {"dove", "hawk"}
    assert top["hawk"][0][0].split(":", 1)[1] in WORDS["hawk"].split()
    # binary: the first class's row is zero, so its top weights are zeros
    assert top["hawk"][0][1] > 0


def test_preprocess_is_stored_and_applied(tmp_path):
    texts, labels = make_corpus()
    vec = TfidfVectorizer(sublinear_tf=True).fit(texts)
    clf = LogisticRegression().fit(vec.transform(texts), labels)
    pre = TextPreprocess(
        remove_phrases=("Acme News", "ACME"),
        drop_lines_containing=("sign up",),
        drop_any_line_containing=("replay more videos",),
        remove_urls=True,
    )
    json_path, _ = save_ngram_model(ngram_model(vec, clf, preprocess=pre, name="pre"), tmp_path / "pre")
    model = load_ngram_model(json_path)
    assert model.preprocess == pre
    widget = "Replay More Videos ... " + "peace talks " * 50
    dirty = "Acme News sanctions deterrence at http://acme.example/x and acme.com @acme\nSign up for our newsletter: peace talks\n" + widget
    assert model.preprocess.apply(dirty).split() == ["sanctions", "deterrence", "at", "and"]
    assert np.array_equal(model.predict_proba_texts([dirty]), model.predict_proba_texts(["sanctions deterrence at and"]))
    # phrases are whole words and case-sensitive
    assert pre.apply("ACMEs Acme newsy ACME") == "ACMEs Acme newsy  "
    # a long line with a short-line marker stays; cleaning twice changes nothing
    long_line = "Sign up " + "sanctions " * 40
    assert pre.apply(long_line) == long_line
    assert pre.apply(pre.apply(dirty)) == pre.apply(dirty)


def test_fit_temperature_recovers_scale():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(4000, 3)) * 3
    p = np.exp(z / 2.5)
    p /= p.sum(axis=1, keepdims=True)
    y = np.array([rng.choice(3, p=row) for row in p])
    assert abs(fit_temperature(z, y) - 2.5) < 0.25


# --- the old formats: refused with what to do, converted without retraining ---------------------


def old_linear_model(tmp_path: Path) -> Path:
    """The toy model written in the old `framing.linear-text-model` layout."""
    texts, (vec, clf, _) = trained()
    terms = ngram_model(vec, clf).blocks[0].terms
    params = {"analyzer": "word", "ngram_range": [1, 2], "lowercase": True, "token_pattern": vec.token_pattern, "stop_words": ["of", "the"],
              "strip_accents": None, "binary": False, "sublinear_tf": True, "norm": "l2", "use_idf": True}
    meta = {"format": "framing.linear-text-model", "format_version": 1, "name": "toy", "classes": ["dove", "hawk", "none"],
            "calibration": {"method": "temperature", "temperature": 1.0}, "preprocess": TextPreprocess().to_dict(),
            "extra_features": {"names": [], "mean": False, "scale": False}, "linear": {"n_outputs": 3, "n_features": len(terms)},
            "metadata": {}, "vectorizers": [{"name": "word", "kind": "tfidf", "params": params, "vocabulary": terms}]}
    arrays = {"idf_0": vec.idf_.astype(np.float32), "coef": clf.coef_.astype(np.float32), "intercept": clf.intercept_.astype(np.float32)}
    return save_model(tmp_path / "toy", meta, arrays)[0]


def old_frame_model(tmp_path: Path, model: NgramModel) -> Path:
    """`model` written in the old `framing-frame-model` layout."""
    meta = {"format": "framing-frame-model", "format_version": 1, "dimension": model.dimension, "classes": model.classes,
            "blocks": [{"analyzer": b.analyzer.as_config(), "n_terms": len(b.terms)} for b in model.blocks],
            "lexicon_features": model.lexicon_features, "temperature": model.temperature, "metadata": model.metadata}
    arrays = {"coef": model.coef.astype(np.float32), "intercept": model.intercept.astype(np.float32)}
    for i, b in enumerate(model.blocks):
        arrays[f"terms_{i}"] = np.asarray(b.terms, dtype=np.str_)
        arrays[f"idf_{i}"] = b.idf.astype(np.float32)
    return save_model(tmp_path / model.dimension, meta, arrays)[0]


def test_old_formats_are_refused_with_what_to_do_and_converted(tmp_path):
    texts, (vec, clf, _) = trained()
    linear_json = old_linear_model(tmp_path)
    frame = ngram_model(vec, clf, name="alliance")
    rounded = [NgramBlock(b.analyzer, b.terms, b.idf.astype(np.float32).astype(np.float64)) for b in frame.blocks]
    frame = NgramModel("alliance", frame.classes, rounded, [], frame.coef.astype(np.float32).astype(np.float64),
                       frame.intercept.astype(np.float32).astype(np.float64), 1.5, {"unit": "sentence"})
    frame_json = old_frame_model(tmp_path, frame)
    for path in (linear_json, frame_json):
        with pytest.raises(ModelFileError, match="old .* format: convert its folder with `python -m framing.training.convert_models FOLDER`") as exc:
            load_ngram_model(path)
        assert_one_line(exc.value, path)
    with pytest.raises(ModelFileError, match="convert_models"):
        load_model_dir(tmp_path)
    assert convert_models.main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.json")) == ["alliance.json", "toy.json"]
    # nothing retrained: the stored float32 weights, and the old arithmetic of each (the lean-like
    # model's scikit-learn order, the frame model's fused float32 products)
    converted = load_ngram_model(linear_json)
    assert converted.products == "float64" and converted.tokens == TokenPattern(vec.token_pattern, True, ("of", "the"))
    expected = ngram_model(vec, clf)
    expected.coef, expected.intercept = clf.coef_.astype(np.float32).astype(np.float64), clf.intercept_.astype(np.float32).astype(np.float64)
    expected.blocks[0].idf = vec.idf_.astype(np.float32).astype(np.float64)
    assert np.array_equal(converted.predict_proba_texts(texts), expected.predict_proba_texts(texts))
    assert set(load_model_dir(tmp_path)) == {"alliance"}  # "toy" is read by whole texts
    again = load_ngram_model(frame_json)
    assert again.products == "float32" and again.tokens is None
    assert np.array_equal(again.predict_proba_texts(texts), frame.predict_proba_texts(texts))
    assert convert_models.convert_folder(tmp_path) == []  # converting twice changes nothing


def test_generic_store_round_trip(tmp_path):
    arrays = {"terms_0": np.array(["a", "bb"]), "coef": np.ones((2, 3), dtype=np.float64), "ids": np.arange(4, dtype=np.int32)}
    written = save_model(tmp_path / "gen", {"format": "x-model", "format_version": 3, "k": [1, "two"]}, arrays)
    assert [p.name for p in written] == ["gen.json", "gen.npz"]
    meta, loaded = load_model(tmp_path / "gen", format="x-model", format_version=3)
    assert meta == {"format": "x-model", "format_version": 3, "k": [1, "two"]}
    assert set(loaded) == set(arrays) and all(np.array_equal(loaded[k], arrays[k]) for k in arrays)
    assert looks_like(tmp_path / "gen", "x-model") and not looks_like(tmp_path / "gen", NGRAM_MODEL_FORMAT)
    assert not looks_like(tmp_path / "missing", "x-model")
    with pytest.raises(ValueError):
        save_model(tmp_path / "bad", {"format": "x", "format_version": 1}, {"o": np.array([{}, 1], dtype=object)})
    with pytest.raises(ModelFileError, match="format_version"):
        load_model(tmp_path / "gen", format="x-model", format_version=4)


# --- refusals ----------------------------------------------------------------------------------


def assert_one_line(err: ModelFileError, path: Path) -> None:
    text = str(err)
    assert "\n" not in text
    assert text.startswith(str(path))
    assert isinstance(err, FramingError)


def test_refuses_changed_npz_bytes(tmp_path):
    json_path, npz_path, _ = build(tmp_path)
    data = bytearray(npz_path.read_bytes())
    data[len(data) // 2] ^= 0x01
    npz_path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="sha256 mismatch") as exc:
        load_ngram_model(json_path)
    assert_one_line(exc.value, npz_path)


def test_refuses_unknown_format_and_version(tmp_path):
    json_path, _, _ = build(tmp_path)
    desc = json.loads(json_path.read_text())
    for key, value, msg in (("format", "someone-elses-model", "unknown model format"), ("format_version", 99, "unsupported format_version")):
        bad = dict(desc, **{key: value})
        json_path.write_text(json.dumps(bad))
        with pytest.raises(ModelFileError, match=msg) as exc:
            load_ngram_model(json_path)
        assert_one_line(exc.value, json_path)
    json_path.write_text("{not json")
    with pytest.raises(ModelFileError, match="invalid JSON"):
        load_ngram_model(json_path)
    json_path.write_text(json.dumps({"format": NGRAM_MODEL_FORMAT, "format_version": 1}))
    with pytest.raises(ModelFileError, match="store"):
        load_ngram_model(json_path)


def test_refuses_edited_description(tmp_path):
    json_path, _, texts = build(tmp_path)
    desc = json.loads(json_path.read_text())
    desc["classes"][0], desc["classes"][1] = desc["classes"][1], desc["classes"][0]
    json_path.write_text(json.dumps(desc))
    with pytest.raises(ModelFileError, match="does not match its weights") as exc:
        load_ngram_model(json_path)
    assert_one_line(exc.value, json_path)


def test_refuses_wrong_shapes(tmp_path):
    json_path, npz_path, _ = build(tmp_path)
    meta, arrays = load_model(json_path)
    # consistent with its own declaration, inconsistent with the vocabularies
    arrays["coef"] = arrays["coef"][:, :-1]
    save_model(json_path, meta, arrays)
    with pytest.raises(ModelFileError, match=r"weights have shape \(3, \d+\), expected") as exc:
        load_ngram_model(json_path)
    assert_one_line(exc.value, json_path)
    # an NPZ array whose shape differs from the JSON declaration
    json_path, npz_path, _ = build(tmp_path / "b")
    members = npz_members(npz_path)
    members["intercept"] = np.zeros(5, dtype=np.float32)
    rewrite_npz(json_path, npz_path, members)
    with pytest.raises(ModelFileError, match="'intercept' has shape") as exc:
        load_ngram_model(json_path)
    assert_one_line(exc.value, npz_path)


def test_refuses_wrong_dtype_and_non_finite(tmp_path):
    json_path, npz_path, _ = build(tmp_path)
    members = npz_members(npz_path)
    members["intercept"] = members["intercept"].astype(np.int64)
    rewrite_npz(json_path, npz_path, members)
    with pytest.raises(ModelFileError, match="dtype"):
        load_ngram_model(json_path)
    json_path, npz_path, _ = build(tmp_path / "b")
    members = npz_members(npz_path)
    members["coef"] = members["coef"].copy()
    members["coef"][0, 0] = np.nan
    rewrite_npz(json_path, npz_path, members)
    with pytest.raises(ModelFileError, match="NaN"):
        load_ngram_model(json_path)


class _Boom:
    """Unpickling this would create a file: it must never happen."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self):
        return (Path(self.target).touch, ())


def test_refuses_object_array_without_unpickling(tmp_path):
    json_path, npz_path, _ = build(tmp_path)
    members = npz_members(npz_path)
    canary = tmp_path / "pwned"
    members["coef"] = np.array([_Boom(str(canary))], dtype=object)
    rewrite_npz(json_path, npz_path, members, allow_pickle=True)
    with zipfile.ZipFile(npz_path) as zf:  # the member really is a pickled object array
        assert b"'descr': '|O'" in zf.read("coef.npy")[:200]
    with pytest.raises(ModelFileError, match="object array") as exc:
        load_ngram_model(json_path)
    assert_one_line(exc.value, npz_path)
    assert not canary.exists()


def test_refuses_missing_unexpected_and_oversized_members(tmp_path):
    json_path, npz_path, _ = build(tmp_path)
    members = npz_members(npz_path)
    members["extra"] = np.zeros(3)
    rewrite_npz(json_path, npz_path, members)
    with pytest.raises(ModelFileError, match="unexpected array"):
        load_ngram_model(json_path)
    members.pop("extra")
    members.pop("intercept")
    rewrite_npz(json_path, npz_path, members)
    with pytest.raises(ModelFileError, match="missing array"):
        load_ngram_model(json_path)
    members["intercept"] = np.zeros(10**6)  # far larger than declared
    rewrite_npz(json_path, npz_path, members)
    with pytest.raises(ModelFileError, match="larger than its declared shape"):
        load_ngram_model(json_path)


def test_refuses_missing_files_and_path_tricks(tmp_path):
    with pytest.raises(ModelFileError, match="not found") as exc:
        load_ngram_model(tmp_path / "nothing.json")
    assert_one_line(exc.value, tmp_path / "nothing.json")
    json_path, npz_path, _ = build(tmp_path)
    desc = json.loads(json_path.read_text())
    desc["store"]["arrays_file"] = "../elsewhere.npz"
    json_path.write_text(json.dumps(desc))
    with pytest.raises(ModelFileError, match="bare"):
        load_ngram_model(json_path)
    json_path, npz_path, _ = build(tmp_path / "b")
    npz_path.unlink()
    with pytest.raises(ModelFileError, match="not found") as exc:
        load_ngram_model(json_path)
    assert_one_line(exc.value, npz_path)


def test_refuses_bad_parameters(tmp_path):
    json_path, npz_path, _ = build(tmp_path)
    meta, arrays = load_model(json_path)
    meta["blocks"][0]["kind"] = "callable"
    save_model(json_path, meta, arrays)
    with pytest.raises(ModelFileError, match="kind must be"):
        load_ngram_model(json_path)
    meta["blocks"][0]["kind"] = "word"
    meta["tokens"]["pattern"] = "(unclosed"
    save_model(json_path, meta, arrays)
    with pytest.raises(ModelFileError, match="invalid token pattern"):
        load_ngram_model(json_path)
    meta["tokens"]["pattern"] = r"\w+"
    meta["products"] = "float16"
    save_model(json_path, meta, arrays)
    with pytest.raises(ModelFileError, match="products"):
        load_ngram_model(json_path)
    meta["products"] = "float64"
    meta["temperature"] = -1
    save_model(json_path, meta, arrays)
    with pytest.raises(ModelFileError, match="temperature"):
        load_ngram_model(json_path)


def test_input_errors():
    texts, (vec, clf, _) = trained()
    model = ngram_model(vec, clf)
    with pytest.raises(ValueError, match="string object received"):
        model.predict_proba_texts("a single string")
    with pytest.raises(TypeError):
        model.predict_proba_texts([b"bytes"])
    assert model.predict_proba_texts([]).shape == (0, 3)
    with pytest.raises(ValueError, match="token pattern"):
        TokenPattern(r"(a)(b)")
    with pytest.raises(ValueError, match="float64 products"):
        NgramModel("m", model.classes, model.blocks, ["a"], np.zeros((3, model.n_features + 1)), np.zeros(3), 1.0, products="float64")
