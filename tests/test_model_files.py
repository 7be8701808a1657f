"""framing.io.model_files and framing.scoring.linear_text_model: exact round-trips, determinism, and refusal of bad files."""
from __future__ import annotations

import functools
import hashlib
import json
import random
import zipfile
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from framing.errors import FramingError
from framing.io.model_files import ModelFileError, load_model, looks_like, save_model
from framing.scoring.linear_text_model import FORMAT, LinearTextModel, fit_temperature, load_linear_model, load_linear_model_bytes, save_linear_model
from framing.scoring.text_cleanup import TextPreprocess
from framing.scoring.tfidf import TfidfFeatures

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


def extra_counts(texts: list[str]) -> np.ndarray:
    return np.array([[t.count("a"), len(t.split())] for t in texts], dtype=float)


def train(texts: list[str], labels: list[str], *, extra: bool = True):
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1).fit(texts)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, stop_words=None).fit(texts)
    blocks = [word.transform(texts), char.transform(texts)]
    mean = scale = None
    if extra:
        e = extra_counts(texts)
        mean, scale = e.mean(axis=0), e.std(axis=0) + 1.0
        blocks.append(sp.csr_matrix((e - mean) / scale))
    X = sp.hstack(blocks).tocsr()
    clf = LogisticRegression(C=5.0, max_iter=2000).fit(X, labels)
    return word, char, clf, X, mean, scale


@functools.lru_cache(maxsize=1)
def trained():
    texts, labels = make_corpus()
    return texts, train(texts, labels)


def build(tmp_path: Path, *, dtype: str = "float64", temperature: float = 1.0, name: str = "toy", fresh: bool = False) -> tuple[Path, Path, list[str]]:
    if fresh:
        texts, labels = make_corpus()
        word, char, clf, _, mean, scale = train(texts, labels)
    else:
        texts, (word, char, clf, _, mean, scale) = trained()
    paths = save_linear_model(
        tmp_path,
        name,
        vectorizers={"word": word, "char": char},
        coef=clf.coef_,
        intercept=clf.intercept_,
        classes=clf.classes_,
        calibration={"method": "temperature", "temperature": temperature},
        metadata={"note": "toy model", "figures": {"f1": 1.0}},
        extra_features=["n_a", "n_words"],
        extra_mean=mean,
        extra_scale=scale,
        dtype=dtype,
    )
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
    texts, (word, char, clf, X, mean, scale) = trained()
    json_path, npz_path, _ = build(tmp_path)
    model = load_linear_model(json_path)
    extra = extra_counts(texts)
    ours = model.predict_proba(texts, extra)
    np.testing.assert_allclose(ours, clf.predict_proba(X), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.sum(axis=1), 1.0, atol=1e-12)
    assert list(model.classes_) == ["dove", "hawk", "none"]
    assert list(model.predict(texts, extra)) == list(clf.predict(X))
    # save the loaded model again: identical predictions, identical files
    again = tmp_path / "again"
    j2, n2 = model.save(again, dtype="float64")
    assert n2.read_bytes() == npz_path.read_bytes()
    assert j2.read_bytes() == json_path.read_bytes()
    assert np.array_equal(load_linear_model(j2).predict_proba(texts, extra), ours)
    # the same from bytes, and via the .npz name or the stem
    from_bytes = load_linear_model_bytes(json_path.read_bytes(), npz_path.read_bytes(), source=str(json_path))
    assert np.array_equal(from_bytes.predict_proba(texts, extra), ours)
    assert np.array_equal(load_linear_model(npz_path).predict_proba(texts, extra), ours)
    assert np.array_equal(load_linear_model(tmp_path / "toy").predict_proba(texts, extra), ours)


def test_float32_storage_and_temperature(tmp_path):
    texts, (_, _, clf, X, _, _) = trained()
    json_path, _, _ = build(tmp_path, dtype="float32", temperature=2.0)
    model = load_linear_model(json_path)
    assert model.temperature == 2.0
    z = clf.decision_function(X) / 2.0
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    got = model.predict_proba(texts, extra_counts(texts))
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-12)


def test_training_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    ja, na, _ = build(a, dtype="float32", fresh=True)
    jb, nb, _ = build(b, dtype="float32", fresh=True)
    assert na.read_bytes() == nb.read_bytes()
    assert ja.read_bytes() == jb.read_bytes()


def test_tfidf_features_match_sklearn_exactly():
    texts, _ = make_corpus()
    texts = texts + ["Caf\u00e9 na\u00efve r\u00e9sum\u00e9 -- the THE the", ""]
    for kwargs in (
        dict(ngram_range=(1, 3), sublinear_tf=True, stop_words="english"),
        dict(analyzer="char", ngram_range=(1, 3), norm="l1", strip_accents="unicode"),
        dict(binary=True, use_idf=False, lowercase=False, token_pattern=r"(?u)\b\w+\b"),
        dict(analyzer="char_wb", ngram_range=(3, 5), smooth_idf=False, norm=None),
    ):
        vec = TfidfVectorizer(**kwargs).fit(texts)
        ours = TfidfFeatures.from_sklearn(vec, "v").transform(texts)
        assert abs(ours - vec.transform(texts)).max() < 1e-12, kwargs


def test_binary_model_and_top_features(tmp_path):
    texts, labels = make_corpus()
    keep = [i for i, lab in enumerate(labels) if lab != "none"]
    texts = [texts[i] for i in keep]
    labels = [labels[i] for i in keep]
    vec = TfidfVectorizer().fit(texts)
    clf = LogisticRegression().fit(vec.transform(texts), labels)
    json_path, _ = save_linear_model(tmp_path, "bin", vectorizers=[vec], coef=clf.coef_, intercept=clf.intercept_, classes=clf.classes_)
    model = load_linear_model(json_path)
    np.testing.assert_allclose(model.predict_proba(texts), clf.predict_proba(vec.transform(texts)), atol=1e-6)
    top = model.top_features(3)
    assert set(top) == {"dove", "hawk"}
    assert top["hawk"][0][0].split(":", 1)[1] in WORDS["hawk"].split()
    assert top["dove"][0][0].split(":", 1)[1] in WORDS["dove"].split()
    assert top["hawk"][0][1] > 0 and top["dove"][0][1] > 0


def test_preprocess_is_stored_and_applied(tmp_path):
    texts, labels = make_corpus()
    vec = TfidfVectorizer().fit(texts)
    clf = LogisticRegression().fit(vec.transform(texts), labels)
    pre = TextPreprocess(
        remove_phrases=("Acme News", "ACME"),
        drop_lines_containing=("sign up",),
        drop_any_line_containing=("replay more videos",),
        remove_urls=True,
    )
    json_path, _ = save_linear_model(tmp_path, "pre", vectorizers=[vec], coef=clf.coef_, intercept=clf.intercept_, classes=clf.classes_, preprocess=pre)
    model = load_linear_model(json_path)
    assert model.preprocess == pre
    widget = "Replay More Videos ... " + "peace talks " * 50
    dirty = "Acme News sanctions deterrence at http://acme.example/x and acme.com @acme\nSign up for our newsletter: peace talks\n" + widget
    assert model.preprocess.apply(dirty).split() == ["sanctions", "deterrence", "at", "and"]
    assert np.array_equal(model.predict_proba([dirty]), model.predict_proba(["sanctions deterrence at and"]))
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


def test_generic_store_round_trip(tmp_path):
    arrays = {"terms_0": np.array(["a", "bb"]), "coef": np.ones((2, 3), dtype=np.float64), "ids": np.arange(4, dtype=np.int32)}
    written = save_model(tmp_path / "gen", {"format": "x-model", "format_version": 3, "k": [1, "two"]}, arrays)
    assert [p.name for p in written] == ["gen.json", "gen.npz"]
    meta, loaded = load_model(tmp_path / "gen", format="x-model", format_version=3)
    assert meta == {"format": "x-model", "format_version": 3, "k": [1, "two"]}
    assert set(loaded) == set(arrays) and all(np.array_equal(loaded[k], arrays[k]) for k in arrays)
    assert looks_like(tmp_path / "gen", "x-model") and not looks_like(tmp_path / "gen", FORMAT)
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
        load_linear_model(json_path)
    assert_one_line(exc.value, npz_path)


def test_refuses_unknown_format_and_version(tmp_path):
    json_path, _, _ = build(tmp_path)
    desc = json.loads(json_path.read_text())
    for key, value, msg in (("format", "someone-elses-model", "unknown model format"), ("format_version", 99, "unsupported format_version")):
        bad = dict(desc, **{key: value})
        json_path.write_text(json.dumps(bad))
        with pytest.raises(ModelFileError, match=msg) as exc:
            load_linear_model(json_path)
        assert_one_line(exc.value, json_path)
    json_path.write_text("{not json")
    with pytest.raises(ModelFileError, match="invalid JSON"):
        load_linear_model(json_path)
    json_path.write_text(json.dumps({"format": FORMAT, "format_version": 1}))
    with pytest.raises(ModelFileError, match="store"):
        load_linear_model(json_path)


def test_refuses_edited_description(tmp_path):
    json_path, _, texts = build(tmp_path)
    desc = json.loads(json_path.read_text())
    vocab = desc["vectorizers"][0]["vocabulary"]
    vocab[0], vocab[1] = vocab[1], vocab[0]
    json_path.write_text(json.dumps(desc))
    with pytest.raises(ModelFileError, match="does not match its weights") as exc:
        load_linear_model(json_path)
    assert_one_line(exc.value, json_path)


def test_refuses_wrong_shapes(tmp_path):
    json_path, npz_path, _ = build(tmp_path)
    meta, arrays = load_model(json_path)
    # consistent with its own declaration, inconsistent with the vocabularies
    arrays["coef"] = arrays["coef"][:, :-1]
    save_model(json_path, meta, arrays)
    with pytest.raises(ModelFileError, match=r"'coef' has shape \(3, \d+\), expected") as exc:
        load_linear_model(json_path)
    assert_one_line(exc.value, json_path)
    # an NPZ array whose shape differs from the JSON declaration
    json_path, npz_path, _ = build(tmp_path / "b")
    members = npz_members(npz_path)
    members["intercept"] = np.zeros(5)
    rewrite_npz(json_path, npz_path, members)
    with pytest.raises(ModelFileError, match="'intercept' has shape") as exc:
        load_linear_model(json_path)
    assert_one_line(exc.value, npz_path)


def test_refuses_wrong_dtype_and_non_finite(tmp_path):
    json_path, npz_path, _ = build(tmp_path)
    members = npz_members(npz_path)
    members["intercept"] = members["intercept"].astype(np.int64)
    rewrite_npz(json_path, npz_path, members)
    with pytest.raises(ModelFileError, match="dtype"):
        load_linear_model(json_path)
    json_path, npz_path, _ = build(tmp_path / "b")
    members = npz_members(npz_path)
    members["coef"] = members["coef"].copy()
    members["coef"][0, 0] = np.nan
    rewrite_npz(json_path, npz_path, members)
    with pytest.raises(ModelFileError, match="NaN"):
        load_linear_model(json_path)


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
        load_linear_model(json_path)
    assert_one_line(exc.value, npz_path)
    assert not canary.exists()


def test_refuses_missing_unexpected_and_oversized_members(tmp_path):
    json_path, npz_path, _ = build(tmp_path)
    members = npz_members(npz_path)
    members["extra"] = np.zeros(3)
    rewrite_npz(json_path, npz_path, members)
    with pytest.raises(ModelFileError, match="unexpected array"):
        load_linear_model(json_path)
    members.pop("extra")
    members.pop("intercept")
    rewrite_npz(json_path, npz_path, members)
    with pytest.raises(ModelFileError, match="missing array"):
        load_linear_model(json_path)
    members["intercept"] = np.zeros(10**6)  # far larger than declared
    rewrite_npz(json_path, npz_path, members)
    with pytest.raises(ModelFileError, match="larger than its declared shape"):
        load_linear_model(json_path)


def test_refuses_missing_files_and_path_tricks(tmp_path):
    with pytest.raises(ModelFileError, match="not found") as exc:
        load_linear_model(tmp_path / "nothing.json")
    assert_one_line(exc.value, tmp_path / "nothing.json")
    json_path, npz_path, _ = build(tmp_path)
    desc = json.loads(json_path.read_text())
    desc["store"]["arrays_file"] = "../elsewhere.npz"
    json_path.write_text(json.dumps(desc))
    with pytest.raises(ModelFileError, match="bare"):
        load_linear_model(json_path)
    json_path, npz_path, _ = build(tmp_path / "b")
    npz_path.unlink()
    with pytest.raises(ModelFileError, match="not found") as exc:
        load_linear_model(json_path)
    assert_one_line(exc.value, npz_path)


def test_refuses_bad_parameters(tmp_path):
    json_path, npz_path, _ = build(tmp_path)
    meta, arrays = load_model(json_path)
    meta["vectorizers"][0]["params"]["analyzer"] = "callable"
    save_model(json_path, meta, arrays)
    with pytest.raises(ModelFileError, match="analyzer"):
        load_linear_model(json_path)
    meta["vectorizers"][0]["params"]["analyzer"] = "word"
    meta["calibration"] = {"method": "temperature", "temperature": -1}
    save_model(json_path, meta, arrays)
    with pytest.raises(ModelFileError, match="temperature"):
        load_linear_model(json_path)


def test_input_errors():
    texts, labels = make_corpus()
    vec = TfidfVectorizer().fit(texts)
    clf = LogisticRegression().fit(vec.transform(texts), labels)
    model = LinearTextModel(name="m", vectorizers=[vec], coef=clf.coef_, intercept=clf.intercept_, classes=clf.classes_)
    with pytest.raises(TypeError):
        model.predict_proba("a single string")
    with pytest.raises(ValueError):
        model.predict_proba(["x"], extra_features=[[1.0]])
    assert model.predict_proba([]).shape == (0, 3)
    with pytest.raises(ValueError):
        LinearTextModel(name="m", vectorizers=[vec], coef=clf.coef_[:, :-1], intercept=clf.intercept_, classes=clf.classes_)
    with pytest.raises(ValueError):
        TfidfFeatures.from_sklearn(TfidfVectorizer(analyzer=str.split).fit(texts), "v")
