"""The framing classifiers: features, training, export, storage, blending and the shipped models."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from framing.errors import FramingError
from framing.io.annotations import read_annotations
from framing.lexicon.build import load_lexicons
from framing.models import Article
from framing.pipeline import build_scorer, score_article, score_articles, score_columns
from framing.scoring.classifiers import FramingClassifiers, default_classifier_scorers, passages_of
from framing.scoring.ngram_model import NgramModel, load_ngram_model, load_model_dir, save_ngram_model, shipped_model_dir
from framing.scoring.kinds import ClassifierVotes, kind_of
from framing.scoring.features import LexiconFeatures, TokenNgrams, lexicon_unit_label, match_units
from framing.io.model_files import ModelFileError
from framing.training.frames import TrainingConfig, build_pipeline, train

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TRAIN_CSV = FIXTURES / "annotations" / "alliance_train.csv"
SMALL = TrainingConfig(folds=3, calibration_folds=3, max_word_features=500, max_char_features=500, min_df=1)


@pytest.fixture(scope="module")
def fixture_lexicons(fixture_lexicons):
    return {lx.dimension: lx for lx in load_lexicons([fixture_lexicons], include_shipped=False)}


@pytest.fixture(scope="module")
def rows():
    return read_annotations(TRAIN_CSV)


@pytest.fixture(scope="module")
def tiny_model(rows, fixture_lexicons) -> NgramModel:
    from framing.training.frames import cross_validate

    lexicon_dirs = [str(FIXTURES / "lexicons")]
    cv = cross_validate(rows, dimension="alliance", config=SMALL, lexicon_dirs=lexicon_dirs, include_shipped=False)
    return train(rows, dimension="alliance", config=SMALL, lexicon_dirs=lexicon_dirs, include_shipped=False, cv=cv)


# --- features ---------------------------------------------------------------------------------


def test_char_ngrams_equal_sklearn_char_wb_on_plain_words():
    from sklearn.feature_extraction.text import CountVectorizer

    text = "axis of upheaval grows"
    ours = sorted(TokenNgrams("char_wb", (3, 5))(text))
    theirs = sorted(CountVectorizer(analyzer="char_wb", ngram_range=(3, 5)).build_analyzer()(text))
    assert ours == theirs


def test_word_ngrams_keep_negation_tokens_and_stay_inside_sentences():
    grams = TokenNgrams("word", (1, 2))("They don't trust Moscow. Beijing agrees.")
    assert "n't" in grams and "do n't" in grams
    assert "moscow beijing" not in grams  # a bigram never spans two sentences


def test_lexicon_features_follow_sklearn_conventions(fixture_lexicons):
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    lf = LexiconFeatures(dimension="alliance", lexicon_dirs=(str(FIXTURES / "lexicons"),), include_shipped=False)
    assert lf.get_params() == {"dimension": "alliance", "lexicon_dirs": (str(FIXTURES / "lexicons"),), "include_shipped": False}
    assert clone(lf).get_params() == lf.get_params()
    with pytest.raises(NotFittedError):
        lf.transform(["x"])
    with pytest.raises(ValueError, match="string object received"):
        lf.fit("one string")
    X = lf.fit(["a"]).transform(["This is not a marriage of convenience.", "A multipolar world.", "Nothing here."])
    assert lf.feature_names_ == ["threat", "hollow", "legitimate"]
    # negated hollow phrase (weight 2) flips to threat in the fixture alliance lexicon
    np.testing.assert_allclose(X, [[np.log1p(2.0), 0, 0], [0, 0, np.log1p(1.0)], [0, 0, 0]])


def test_lexicon_unit_label_for_each_kind(fixture_lexicons):
    def label(dim, text):
        lx = fixture_lexicons[dim]
        (matches, n_tokens, n_sents), = match_units(lx, [text])
        return lexicon_unit_label(lx, matches, n_tokens=n_tokens, n_sentences=n_sents)

    assert label("alliance", "The axis of upheaval is fragile.") == "threat"  # 2.0 vs 1.0
    assert label("alliance", "It is a fragile marriage.") == "hollow"
    assert label("alliance", "Leaders met on Tuesday.") == "none"
    assert label("prescriptions", "Washington should impose sanctions.") == "sanctions_economic_pressure:advocate"
    assert label("prescriptions", "Sanctions would be counterproductive.") == "sanctions_economic_pressure:reject"
    assert label("prescriptions", "Talks resumed in Geneva.") == "diplomacy_engagement:describe"
    assert label("prescriptions", "Leaders met on Tuesday.") == "none"
    assert label("ideology", "Restraint serves the national interest, and restraint is wise.") == "realist_restraint"
    assert label("ideology", "Leaders met on Tuesday.") == "neutral"


# --- training, export, storage ---------------------------------------------------------------


def test_training_is_deterministic(rows, tmp_path):
    kw = dict(dimension="alliance", config=SMALL, lexicon_dirs=[str(FIXTURES / "lexicons")], include_shipped=False)
    a, b = train(rows, **kw), train(rows, **kw)
    assert np.array_equal(a.coef, b.coef) and a.temperature == b.temperature
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    written_a = save_ngram_model(a, tmp_path / "a" / "alliance")
    written_b = save_ngram_model(b, tmp_path / "b" / "alliance")
    assert [p.read_bytes() for p in written_a] == [p.read_bytes() for p in written_b]


def test_exported_model_predicts_like_the_sklearn_pipeline(rows):
    texts = [r["text"] for r in rows]
    y = [r["label"] for r in rows]
    pipe = build_pipeline("alliance", config=SMALL, lexicon_dirs=[str(FIXTURES / "lexicons")], include_shipped=False)
    pipe.fit(texts, y, clf__groups=[r["group"] for r in rows])
    model = NgramModel.from_pipeline(pipe, metadata={"dimension": "alliance"})
    lexicon = {lx.dimension: lx for lx in load_lexicons([FIXTURES / "lexicons"], include_shipped=False)}["alliance"]
    probe = texts[:10] + ["The coordinated bloc is not fragile. Officials met."]
    ours = model.predict_proba_texts(probe, lexicon=lexicon)
    theirs = pipe.predict_proba(probe)
    assert model.classes == list(pipe.classes_)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)
    assert (ours.argmax(1) == theirs.argmax(1)).all()


def test_model_round_trips_with_identical_predictions(tiny_model, fixture_lexicons, tmp_path):
    written = save_ngram_model(tiny_model, tmp_path / "alliance")
    assert sorted(p.name for p in written) == ["alliance.json", "alliance.npz"]
    loaded = load_ngram_model(tmp_path / "alliance")
    texts = ["The axis of upheaval is coordinated.", "A fragile marriage of convenience.", "Grain prices rose."]
    lx = fixture_lexicons["alliance"]
    assert np.array_equal(tiny_model.predict_proba_texts(texts, lexicon=lx), loaded.predict_proba_texts(texts, lexicon=lx))
    assert loaded.metadata["blend_weight"] == tiny_model.blend_weight
    assert set(load_model_dir(tmp_path)) == {"alliance"}


def test_loading_refuses_tampered_or_unknown_files(tiny_model, tmp_path):
    save_ngram_model(tiny_model, tmp_path / "alliance")
    npz = tmp_path / "alliance.npz"
    original = npz.read_bytes()

    data = bytearray(original)
    data[len(data) // 2] ^= 0xFF
    npz.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="sha256"):
        load_ngram_model(tmp_path / "alliance")
    npz.write_bytes(original)

    meta_path = tmp_path / "alliance.json"
    meta = json.loads(meta_path.read_text())
    meta["temperature"] = 0.001
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="edited"):
        load_ngram_model(tmp_path / "alliance")

    (tmp_path / "other.json").write_text(json.dumps({"format": "something-else", "format_version": 1}))
    with pytest.raises(ModelFileError):
        load_ngram_model(tmp_path / "other")
    with pytest.raises(ModelFileError):
        load_ngram_model(tmp_path / "missing")
    assert issubclass(ModelFileError, FramingError)


# --- scoring and blending ----------------------------------------------------------------------

ARTICLE = Article(
    id="a1",
    text=(
        "The axis of upheaval is closely coordinated. Yet mistrust runs deep and the bond is fragile. "
        "Officials met in Geneva on Tuesday. A multipolar order is win-win, state media said. "
        "It remains a marriage of convenience."
    ),
)


def test_scorer_blends_lexicon_and_classifier(tiny_model):
    base = build_scorer([FIXTURES / "lexicons"], include_shipped=False, classifiers=False, sentiment=False)
    extra = FramingClassifiers({"alliance": tiny_model}, lexicons=base.lexicons)
    scorer = replace(base, extras=(extra,))
    lexicon_only = score_article(ARTICLE, base).scores
    result = score_article(ARTICLE, scorer)
    s = result.scores
    w = tiny_model.blend_weight
    assert s["alliance.position_lexicon"] == lexicon_only["alliance.position"]
    assert s["alliance.label_lexicon"] == lexicon_only["alliance.label"]
    assert s["alliance.position"] == pytest.approx(w * s["alliance.position_classifier"] + (1 - w) * s["alliance.position_lexicon"], abs=2e-4)
    assert s["alliance.ci_low"] <= s["alliance.position"] <= s["alliance.ci_high"]
    assert -1 <= s["alliance.position_classifier"] <= 1
    assert 0.0 <= s["alliance.agreement"] <= 1.0
    assert s["alliance.label"] in {"threat", "hollow", "legitimate", "mixed", "absent"}
    for col in extra.columns(base.lexicons):
        assert col in s and col in score_columns(scorer)
    assert result.sentence_probabilities, "sentence probabilities go to the evidence"
    for p in result.sentence_probabilities:
        assert p.dimension == "alliance" and 0 <= p.sentence_index < 5
        assert set(p.probabilities) <= set(tiny_model.classes) and sum(p.probabilities.values()) <= 1.0001


def test_prescription_blend_follows_the_documented_formula(fixture_lexicons):
    lx = fixture_lexicons["prescriptions"]
    classes = ["diplomacy_engagement:advocate", "none", "sanctions_economic_pressure:advocate", "sanctions_economic_pressure:reject"]
    # sentence 1 advocates sanctions (p=0.8); sentence 2 is none; sentence 3's top class is none,
    # so its 0.3 on `reject` counts nowhere
    proba = np.array([[0.1, 0.1, 0.8, 0.0], [0.0, 1.0, 0.0, 0.0], [0.1, 0.6, 0.0, 0.3]])
    lex = {"prescription.sanctions_economic_pressure": 0.0, "prescription.diplomacy_engagement": 0.5, "prescriptions.advocated": "diplomacy_engagement"}
    votes = ClassifierVotes(tuple(classes), proba, np.ones(len(proba)))
    out = kind_of(lx).blend(lx, "prescriptions", votes, lex, w=0.5, n_tokens=100)
    cls = 0.8 / (0.8 + 0 + 1.0)  # (adv - rej) / (adv + rej + smoothing)
    assert out["prescription.sanctions_economic_pressure_classifier"] == pytest.approx(round(cls, 4))
    assert out["prescription.sanctions_economic_pressure"] == pytest.approx(round(0.5 * cls, 4))
    assert out["prescription.diplomacy_engagement"] == pytest.approx(0.25)
    assert out["prescriptions.advocated"] == ""  # 0.222 and 0.25 are below the 0.3 threshold
    assert out["prescriptions.advocated_classifier"] == "sanctions_economic_pressure"
    assert out["prescriptions.advocated_lexicon"] == "diplomacy_engagement"
    heavier = kind_of(lx).blend(lx, "prescriptions", votes, lex, w=0.8, n_tokens=100)
    assert heavier["prescriptions.advocated"] == "sanctions_economic_pressure"


def test_stance_blend_is_a_token_weighted_mixture(fixture_lexicons):
    lx = fixture_lexicons["ideology"]
    classes = ["conservative_hawk", "neutral", "realist_restraint"]
    proba = np.array([[0.0, 0.2, 0.8], [0.0, 1.0, 0.0]])
    tokens = np.array([30.0, 10.0])
    lex = {"ideology.realist_restraint": 0.2, "ideology.conservative_hawk": 0.1, "ideology.neutral": 0.7, "ideology.label": "neutral"}
    out = kind_of(lx).blend(lx, "ideology", ClassifierVotes(tuple(classes), proba, tokens), lex, w=0.5, n_tokens=40)
    cls_restraint = (30 * 0.8) / 40
    assert out["ideology.realist_restraint_classifier"] == pytest.approx(cls_restraint)
    assert out["ideology.realist_restraint"] == pytest.approx(0.5 * cls_restraint + 0.5 * 0.2)
    assert out["ideology.label"] == "neutral"  # 0.45 vs 0.5 * (0.4 + 0.7) = 0.55
    assert out["ideology.label_classifier"] == "realist_restraint"
    assert sum(out[f"ideology.{c}"] for c in lx.category_names) == pytest.approx(1.0, abs=1e-3)


def test_passages_are_runs_of_four_sentences():
    assert passages_of(0) == []
    assert passages_of(3) == [0, 0, 0]
    assert passages_of(10) == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]
    assert passages_of(9) == [0, 0, 0, 0, 1, 1, 1, 1, 1]  # a one-sentence tail joins the passage before


def test_no_model_files_means_no_classifier_scorers(tmp_path):
    assert default_classifier_scorers(model_dir=tmp_path) == ()


# --- the shipped models --------------------------------------------------------------------------


def test_shipped_models_load_and_predict_on_the_seeds(seeds_dir):
    models = load_model_dir(shipped_model_dir())
    assert set(models) == {"alliance", "prescriptions", "ideology"}
    for model in models.values():
        assert 0.2 <= model.blend_weight <= 0.8 and model.metadata["cv"]["classifier"]["macro_f1"] > 0
    scorer = build_scorer(sentiment=False)
    extra = next(e for e in scorer.extras if isinstance(e, FramingClassifiers))
    from framing.io.readers import iter_articles

    for article in iter_articles([seeds_dir], on_skip=lambda item: None):
        result = score_article(article, scorer)
        s = result.scores
        assert -1 <= s["alliance.position"] <= 1 and -1 <= s["alliance.position_classifier"] <= 1
        for dim in ("alliance", "prescriptions", "ideology"):
            assert 0 <= s[f"{dim}.agreement"] <= 1
        stances = [c for c in models["ideology"].classes]
        assert sum(s[f"ideology.{c}"] for c in stances) == pytest.approx(1.0, abs=2e-3)
        assert s["ideology.label"] in stances
        assert {p.dimension for p in result.sentence_probabilities} <= set(models) | {f"{d}.article" for d in models}
        assert all(col in s for col in extra.columns(scorer.lexicons))


def _edge_articles() -> list[Article]:
    """Articles whose units are awkward for batching: no sentence, no known n-gram, one
    headline line, a last passage short enough to join the one before, repeated sentences."""
    body = " ".join(f"Russia and China deepened ties in round {i}, officials said." for i in range(9))
    return [
        Article("empty", "   "),
        Article("symbols", "!!! ??? ..."),
        Article("headline", "Axis of upheaval: Moscow and Beijing draw closer"),
        Article("passages", body + " Sanctions must be tightened. We should talk to Tehran."),
        Article("quotes", 'Analysts said the bloc is "a marriage of convenience". It is not an alliance.\n\nDeterrence must be restored.'),
    ]


def test_scoring_articles_together_gives_exactly_what_scoring_each_alone_gives(seeds_dir, monkeypatch):
    """The batch engine scores 64 articles at a time (one vectorisation for all); every number,
    match and sentence probability must equal the one-article result, in any batch and order,
    and when the classifiers split a batch by its token budget."""
    import framing.scoring.classifiers as classifiers_module
    from framing.text import preprocess
    from framing.io.readers import iter_articles

    scorer = build_scorer()
    assert {e.name for e in scorer.extras} == {"classifiers", "lean"}
    articles = list(iter_articles([seeds_dir], on_skip=lambda item: None)) + _edge_articles()
    alone = [score_article(a, scorer) for a in articles]
    together = score_articles(articles, scorer)
    assert together == alone
    reversed_batch = score_articles(articles[::-1], scorer)[::-1]
    assert reversed_batch == alone
    monkeypatch.setattr(classifiers_module, "MAX_BATCH_TOKENS", 300)  # seeds alone, edge cases together
    assert max(preprocess(a).n_tokens for a in articles) > 300
    assert score_articles(articles, scorer) == alone
    assert any(r.sentence_probabilities for r in alone) and all(r.scores["lean.label"] for r in alone)


def test_lean_wrapper_adds_the_lean_columns():
    from framing.scoring.classifiers import LeanScorer

    calls = []

    def fake_predict(texts):
        calls.append(list(texts))
        return [{"lean.left": 0.2, "lean.center": 0.5, "lean.right": 0.3, "lean.label": "center"}]

    scorer = replace(build_scorer([FIXTURES / "lexicons"], include_shipped=False, classifiers=False, sentiment=False), extras=(LeanScorer(fake_predict),))
    result = score_article(ARTICLE, scorer)
    assert calls == [[ARTICLE.text]]
    assert {k: result.scores[k] for k in LeanScorer.COLUMNS} == {"lean.left": 0.2, "lean.center": 0.5, "lean.right": 0.3, "lean.label": "center"}
    assert score_columns(scorer)[-4:] == list(LeanScorer.COLUMNS)


# --- word vectors ------------------------------------------------------------------------------


def _tiny_vectors(rows, folder):
    from framing.scoring.word_vectors import SHIPPED_NAME, WordVectors, save_word_vectors
    from framing.text import iter_sentences

    words = sorted({n for r in rows for s in iter_sentences(r["text"]) for n in s.norms if n.isalpha()})
    rng = np.random.default_rng(7)
    table = WordVectors(tuple(words), rng.standard_normal((len(words), 8)).astype(np.float16).astype(np.float64), {"source": "test"})
    folder.mkdir(parents=True, exist_ok=True)
    save_word_vectors(table, folder / SHIPPED_NAME)
    return table


def test_unit_vectors_are_normalised_sums_of_known_words(rows, tmp_path):
    table = _tiny_vectors(rows, tmp_path / "vectors")
    a, b = table.terms[0], table.terms[1]
    got = table.unit_vectors([[a, b, "zzz-unknown", a], [], ["zzz-unknown"]])
    expected = 2 * table.vectors[0] + table.vectors[1]
    np.testing.assert_allclose(got[0], expected / np.linalg.norm(expected))
    assert not got[1].any() and not got[2].any()


def test_a_model_with_word_vectors_predicts_like_its_pipeline_and_round_trips(rows, tmp_path):
    from dataclasses import replace

    from framing.errors import FramingError
    from framing.scoring.word_vectors import SHIPPED_NAME, WordVectors, save_word_vectors

    _tiny_vectors(rows, tmp_path / "vectors")
    config = replace(SMALL, word_vectors=True, word_vectors_dir=str(tmp_path / "vectors"), vector_scale=2.0)
    texts, y = [r["text"] for r in rows], [r["label"] for r in rows]
    pipe = build_pipeline("alliance", config=config, lexicon_dirs=[str(FIXTURES / "lexicons")], include_shipped=False)
    pipe.fit(texts, y, clf__groups=[r["group"] for r in rows])
    model = NgramModel.from_pipeline(pipe, metadata={"dimension": "alliance"})
    assert model.vector_block is not None and model.n_features == model.vector_offset + 8
    lexicon = {lx.dimension: lx for lx in load_lexicons([FIXTURES / "lexicons"], include_shipped=False)}["alliance"]
    probe = texts[:10] + ["The coordinated bloc is not fragile. Officials met.", "Unknown words only: zzz qqq."]
    ours = model.predict_proba_texts(probe, lexicon=lexicon)
    np.testing.assert_allclose(ours, pipe.predict_proba(probe), atol=1e-5)
    # the vectors carry weight in the model
    assert np.abs(model.coef[:, model.vector_offset:]).max() > 0
    # saved with its table beside it; loaded, it predicts the same
    written = save_ngram_model(model, tmp_path / "out" / "alliance")
    assert (tmp_path / "out" / f"{SHIPPED_NAME}.npz") in written
    loaded = load_ngram_model(tmp_path / "out" / "alliance")
    assert np.array_equal(loaded.predict_proba_texts(probe, lexicon=lexicon), ours)
    # another table under the same name is refused with a one-line error naming it
    other = WordVectors(model.vector_block.vectors.terms, model.vector_block.vectors.vectors[::-1].copy())
    save_word_vectors(other, tmp_path / "out" / SHIPPED_NAME)
    with pytest.raises(FramingError, match="not the ones the classifier was trained with"):
        load_ngram_model(tmp_path / "out" / "alliance")


def test_folder_classifiers_read_on_first_use_and_score_as_the_loaded_models(seeds_dir, tmp_path):
    import shutil

    from framing.io.readers import iter_articles
    from framing.scoring.article_heads import load_article_heads
    from framing.scoring.classifiers import FolderClassifiers

    lazy = FolderClassifiers(shipped_model_dir())
    eager = FramingClassifiers(load_model_dir(shipped_model_dir()), heads=load_article_heads(shipped_model_dir()))
    lexicons = build_scorer(classifiers=False).lexicons
    assert lazy.columns(lexicons) == eager.columns(lexicons) and not lazy.loaded  # columns from the descriptions
    scorer = build_scorer(sentiment=False)
    arts = list(iter_articles([seeds_dir], on_skip=lambda item: None))
    a = [score_article(x, replace(scorer, extras=(lazy,))).scores for x in arts]
    assert lazy.loaded and set(lazy.models) == {"alliance", "prescriptions", "ideology"}
    b = [score_article(x, replace(scorer, extras=(eager,))).scores for x in arts]
    assert a == b
    # the fingerprint follows the description files (each holds its arrays' sha256)
    copy = tmp_path / "models"
    shutil.copytree(shipped_model_dir(), copy)
    assert FolderClassifiers(copy).fingerprint == lazy.fingerprint
    head = copy / "alliance-label.json"
    head.write_text(head.read_text(encoding="utf-8").replace('"dimension"', ' "dimension"', 1), encoding="utf-8")
    assert FolderClassifiers(copy).fingerprint != lazy.fingerprint
