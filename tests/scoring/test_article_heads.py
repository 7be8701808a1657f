"""Article heads: the article-level decisions, their storage, their traces, and the training
helpers (no ../shared needed: a tiny model and hand-made heads)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from framing.io.annotations import read_annotations
from framing.models import Article
from framing.pipeline import build_scorer, evidence_records, score_article
from framing.text import preprocess
from framing.scoring.article_heads import (
    MIN_ARTICLE_SENTENCES,
    ArticleHead,
    article_features,
    category_features,
    load_article_head,
    load_article_heads,
    register_features,
    save_article_head,
    unit_contributions,
)
from framing.scoring.classifiers import FramingClassifiers
from framing.io.model_files import ModelFileError
from framing.training.articles import article_folds, prescription_unit_label
from framing.training.frames import TrainingConfig, train

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SMALL = TrainingConfig(folds=3, calibration_folds=3, max_word_features=500, max_char_features=500, min_df=1)
ARTICLE = Article(
    id="a1",
    text=("The axis of upheaval is closely coordinated. Yet mistrust runs deep and the bond is fragile. "
          "Officials met in Geneva on Tuesday. A multipolar order is win-win, state media said. It remains a marriage of convenience."),
)


@pytest.fixture(scope="module")
def tiny_model():
    rows = read_annotations(FIXTURES / "annotations" / "alliance_train.csv")
    return train(rows, dimension="alliance", config=SMALL, lexicon_dirs=[str(FIXTURES / "lexicons")], include_shipped=False)


@pytest.fixture(scope="module")
def base():
    return build_scorer([FIXTURES / "lexicons"], include_shipped=False, classifiers=False, sentiment=False)


def _seen(tiny_model, base):
    extra = FramingClassifiers({"alliance": tiny_model}, lexicons=base.lexicons, keep_features=True)
    score_article(ARTICLE, replace(base, extras=(extra,)))
    return extra.units_seen[("a1", "alliance")]


def _label_head(tiny_model, base, seed: int = 3) -> ArticleHead:
    seen = _seen(tiny_model, base)
    feats = article_features("alliance", seen["classes"], seen["proba"], n_units=seen["n_units"], lexicon_scores=seen["lexicon_scores"], n_tokens=seen["n_tokens"], positions=seen["positions"], register=seen["register"])
    names = tuple(sorted(feats))
    rng = np.random.default_rng(seed)
    classes = ("absent", "hollow", "legitimate", "mixed", "threat")
    return ArticleHead(dimension="alliance", kind="label", classes=classes, features=names, mean=rng.normal(0, 0.1, len(names)),
                       scale=rng.uniform(0.5, 2.0, len(names)), coef=rng.normal(0, 1, (len(classes), len(names))), intercept=rng.normal(0, 0.1, len(classes)))


def test_a_label_head_decides_the_article_and_leaves_its_trace(tiny_model, base):
    head = _label_head(tiny_model, base)
    seen = _seen(tiny_model, base)
    feats = article_features("alliance", seen["classes"], seen["proba"], n_units=seen["n_units"], lexicon_scores=seen["lexicon_scores"], n_tokens=seen["n_tokens"], positions=seen["positions"], register=seen["register"])
    probs = head.probabilities(feats)
    expected = max(head.classes, key=lambda c: (probs[c], -head.classes.index(c)))
    extra = FramingClassifiers({"alliance": tiny_model}, lexicons=base.lexicons, heads={head.key: head})
    result = score_article(ARTICLE, replace(base, extras=(extra,)))
    assert result.scores["alliance.label"] == expected
    # the lexicon's own label and the classifier's stay beside the article model's
    assert "alliance.label_lexicon" in result.scores and "alliance.label_classifier" in result.scores
    traces = [p for p in result.sentence_probabilities if p.dimension == "alliance.article"]
    assert traces and all(list(p.probabilities)[0].split(" ", 1)[1] == expected for p in traces)
    assert any(r["dimension"] == "alliance.article" for r in evidence_records(result, "a1"))


def test_unit_contributions_add_up_to_the_unit_part_of_the_decision(tiny_model, base):
    head = _label_head(tiny_model, base)
    seen = _seen(tiny_model, base)
    classes, proba, n, pos = seen["classes"], seen["proba"], seen["n_units"], seen["positions"]
    feats = article_features("alliance", classes, proba, n_units=n, lexicon_scores=seen["lexicon_scores"], n_tokens=seen["n_tokens"], positions=pos, register=seen["register"])
    assert any(name.startswith("unit.late.") for name in feats)
    label, versus = "threat", "hollow"
    contrib = unit_contributions(head, classes, proba, n_units=n, label=label, versus=versus, positions=pos)
    w = head.coef[head.classes.index(label)] - head.coef[head.classes.index(versus)]
    unit_part = sum(w[j] * feats[name] / head.scale[j] for j, name in enumerate(head.features) if name.startswith(("unit.mean.", "unit.top.", "unit.late.")))
    assert contrib.shape == (proba.shape[0],)
    assert contrib.sum() == pytest.approx(unit_part, rel=1e-9, abs=1e-12)


def test_heads_round_trip_and_refuse_a_tampered_file(tiny_model, base, tmp_path):
    head = _label_head(tiny_model, base)
    save_article_head(head, tmp_path / head.file_stem)
    again = load_article_head(tmp_path / head.file_stem)
    feats = {name: 0.3 for name in head.features}
    assert again.probabilities(feats) == head.probabilities(feats)
    assert set(load_article_heads(tmp_path)) == {"alliance.label"}
    npz = tmp_path / f"{head.file_stem}.npz"
    data = bytearray(npz.read_bytes())
    data[len(data) // 2] ^= 0xFF
    npz.write_bytes(bytes(data))
    with pytest.raises(ModelFileError):
        load_article_head(tmp_path / head.file_stem)


def test_a_position_head_maps_threat_against_hollow_to_minus_one_one(tiny_model, base):
    label = _label_head(tiny_model, base)
    pos = ArticleHead(dimension="alliance", kind="position", classes=("hollow", "threat"), features=label.features,
                      mean=np.zeros(len(label.features)), scale=np.ones(len(label.features)), coef=np.zeros((1, len(label.features))), intercept=np.array([2.0]))
    extra = FramingClassifiers({"alliance": tiny_model}, lexicons=base.lexicons, heads={label.key: label, pos.key: pos})
    s = score_article(ARTICLE, replace(base, extras=(extra,))).scores
    p_threat = 1 / (1 + np.exp(-2.0))
    assert s["alliance.position"] == pytest.approx(round(p_threat - (1 - p_threat), 4))
    assert s["alliance.ci_low"] <= s["alliance.position"] <= s["alliance.ci_high"]


def test_category_features_are_the_same_names_for_every_category():
    classes = ("diplomacy_engagement:advocate", "diplomacy_engagement:describe", "none", "sanctions_economic_pressure:reject")
    proba = np.array([[0.7, 0.1, 0.1, 0.1], [0.0, 0.1, 0.1, 0.8]])
    cats = ("diplomacy_engagement", "sanctions_economic_pressure")
    scores = {"prescription.diplomacy_engagement": 0.5, "prescriptions.advocated": "diplomacy_engagement"}
    a = category_features("diplomacy_engagement", classes, proba, n_units=2, lexicon_scores=scores, n_tokens=40, categories=cats)
    b = category_features("sanctions_economic_pressure", classes, proba, n_units=2, lexicon_scores=scores, n_tokens=40, categories=cats)
    assert a["unit.max.advocate"] == 0.7 and a["lex.advocated"] == 1.0 and a["cat.diplomacy_engagement"] == 1.0
    assert b["unit.max.reject"] == 0.8 and b["lex.advocated"] == 0.0 and b["cat.sanctions_economic_pressure"] == 1.0
    assert a["unit.most_discussed"] + b["unit.most_discussed"] == 1.0


def test_training_helpers():
    arts = [{"outlet_family": f} for f in ["a", "a", "a", "b", "b", "c", "d", "e", "e", "f"]]
    folds = article_folds(arts, 3)
    by_family: dict[str, set[int]] = {}
    for art, k in zip(arts, folds):
        by_family.setdefault(art["outlet_family"], set()).add(k)
    assert all(len(v) == 1 for v in by_family.values()) and set(folds) == {0, 1, 2}
    # a later coding round keeps every earlier article in its fold, whatever outlets it adds
    later = arts + [{"outlet_family": f, "round": 2} for f in ["f", "f", "f", "f", "g", "a", "h"]]
    folds2 = article_folds(later, 3)
    assert folds2[: len(arts)] == folds and len(set(folds2)) == 3
    assert len({k for art, k in zip(later, folds2) if art["outlet_family"] == "f"}) == 1
    assert prescription_unit_label([]) == "none"
    assert prescription_unit_label(["diplomacy_engagement:describe", "sanctions_economic_pressure:reject"]) == "sanctions_economic_pressure:reject"
    assert prescription_unit_label(["b:reject", "a:advocate"]) == "a:advocate"
    # each head is tried with and without the register cues
    from framing.training.articles import _feature_sets

    rows = [{"unit.mean.threat": 0.1, "reg.modal": 0.2}, {"lex.alliance.threat": 1.0}]
    assert _feature_sets(rows) == [(True, ["lex.alliance.threat", "reg.modal", "unit.mean.threat"]), (False, ["lex.alliance.threat", "unit.mean.threat"])]
    assert _feature_sets([{"unit.mean.threat": 0.1}]) == [(False, ["unit.mean.threat"])]


def test_units_cache_round_trips_exactly(tiny_model, base, tmp_path):
    from framing.training.articles import features_from_units, read_units_cache, write_units_cache

    units = {"a1": {"alliance": _seen(tiny_model, base)}}
    write_units_cache(tmp_path / "units.json", units)
    again = read_units_cache(tmp_path / "units.json")
    assert features_from_units(again) == features_from_units(units)
    # a cache from before the register cues is refused with a line saying what to do
    import json

    from framing.errors import ConfigError

    old = json.loads((tmp_path / "units.json").read_text(encoding="utf-8"))
    del old["a1"]["alliance"]["register"]
    (tmp_path / "old.json").write_text(json.dumps(old), encoding="utf-8")
    with pytest.raises(ConfigError, match="before the register cues"):
        read_units_cache(tmp_path / "old.json")


def test_register_cues_are_shares_of_sentences_and_reach_the_heads(tiny_model, base):
    from framing.text import preprocess

    text = ('We should talk to Beijing. "It is over," the minister said. Is this an alliance? '
            "Tanks rolled on Tuesday.")
    cues = register_features([s.norms for s in preprocess(Article(id="r", text=text)).sentences])
    assert cues == {"reg.first_person": 0.25, "reg.attribution": 0.25, "reg.modal": 0.25, "reg.quote": 0.25, "reg.question": 0.25}
    assert register_features([]) == dict.fromkeys(cues, 0.0)
    # the scorer records the article's cues, and a head that reads them gets them
    seen = _seen(tiny_model, base)
    assert seen["register"] == register_features([s.norms for s in preprocess(ARTICLE).sentences])
    assert seen["register"]["reg.attribution"] == 0.2  # "state media said": one sentence of five
    feats = article_features("alliance", seen["classes"], seen["proba"], n_units=seen["n_units"], lexicon_scores=seen["lexicon_scores"],
                             n_tokens=seen["n_tokens"], positions=seen["positions"], register=seen["register"])
    assert {k: feats[k] for k in seen["register"]} == seen["register"]


# --- features of several articles at once --------------------------------------------------------

PRESCRIPTION_CLASSES = ("none", "sanctions:advocate", "sanctions:reject", "talks:advocate", "talks:reject", "deterrence:advocate")
PRESCRIPTION_CATEGORIES = ("sanctions", "talks", "deterrence", "aid")


def _articles_of_units(rng, n_classes: int) -> tuple[np.ndarray, list[int], list[int]]:
    """Random unit probabilities of articles of 0 to 300 active units (past numpy's pairwise
    blocks), end to end, their bounds, and each article's units (active or not)."""
    sizes = [0, 1, 7, 8, 9, 129, 300, 3, 0, 64]
    proba = rng.dirichlet(np.full(n_classes, 0.4), size=sum(sizes))
    proba[rng.random(proba.shape[0]) < 0.1] = np.eye(n_classes)[1]  # certain rows: ties for the top
    bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
    return proba, bounds, [s + int(rng.integers(0, 5)) for s in sizes]


def test_unit_statistics_of_a_batch_equal_each_article_alone_bit_for_bit():
    from framing.scoring.article_heads import unit_stats_many

    rng = np.random.default_rng(11)
    proba, bounds, n_units = _articles_of_units(rng, 5)
    late = rng.random(proba.shape[0]) < 0.5
    together = unit_stats_many(proba, bounds, n_units, late)
    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        alone = unit_stats_many(proba[a:b].copy(), [0, b - a], [n_units[i]], late[a:b].copy())
        for field in ("mean", "top", "max", "late"):
            assert getattr(together, field)[i].tobytes() == getattr(alone, field)[0].tobytes(), (field, i)
        if b > a:  # numpy's own sum of the article's rows, as one article alone was always summed
            assert together.mean[i].tobytes() == (np.ascontiguousarray(proba[a:b].T).sum(axis=1) / max(n_units[i], 1)).tobytes()


def test_category_features_of_a_batch_equal_each_article_alone():
    from framing.scoring.article_heads import categories_features, categories_features_many, context_features, register_features

    rng = np.random.default_rng(12)
    proba, bounds, n_units = _articles_of_units(rng, len(PRESCRIPTION_CLASSES))
    scores = [{"prescription.sanctions": float(i), "prescriptions.advocated": "talks" if i % 2 else "", "ideology.neutral": 0.5, "actors.iran": i}
              for i in range(len(n_units))]
    registers = [register_features([["we", "should"], ["said", "?"]][: i % 3]) for i in range(len(n_units))]
    contexts = [context_features(s, 100 + i) for i, s in enumerate(scores)]
    together = categories_features_many(PRESCRIPTION_CLASSES, proba, bounds, n_units, scores, PRESCRIPTION_CATEGORIES, registers=registers, contexts=contexts)
    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        alone = categories_features(PRESCRIPTION_CLASSES, proba[a:b].copy(), n_units=n_units[i], lexicon_scores=scores[i], n_tokens=100 + i,
                                    categories=PRESCRIPTION_CATEGORIES, register=registers[i])
        assert list(together[i]) == list(alone) == list(PRESCRIPTION_CATEGORIES)
        for category in PRESCRIPTION_CATEGORIES:
            assert list(together[i][category].items()) == list(alone[category].items())
            assert all(isinstance(v, float) for v in alone[category].values())
    assert together[0]["aid"]["unit.about_mean"] == 0.0 and "unit.mean.advocate" not in together[3]["aid"]


def test_register_features_of_a_batch_equal_each_article_alone():
    from framing.scoring.article_heads import register_features_many

    articles = [[["we", "must", "act", "?"], ["he", "said", "''"]], [], [["nothing", "here"]], [["our", "``", "quote", "''"], [], ["need", "?"]]]
    norms = [t for sentences in articles for s in sentences for t in s]
    lengths = [len(s) for sentences in articles for s in sentences]
    together = register_features_many(norms, lengths, [len(sentences) for sentences in articles])
    assert together == [register_features(sentences) for sentences in articles]
    assert together[3] == {"reg.first_person": 1 / 3, "reg.attribution": 0.0, "reg.modal": 1 / 3, "reg.quote": 1 / 3, "reg.question": 1 / 3}


def test_a_text_shorter_than_any_training_article_is_read_by_the_blend_not_the_heads(tiny_model, base):
    head = _label_head(tiny_model, base)
    with_heads = replace(base, extras=(FramingClassifiers({"alliance": tiny_model}, lexicons=base.lexicons, heads={head.key: head}),))
    blend_only = replace(base, extras=(FramingClassifiers({"alliance": tiny_model}, lexicons=base.lexicons),))
    short = Article(id="s", text="The axis of upheaval is closely coordinated. It is a threat.")
    assert len(preprocess(short).sentences) < MIN_ARTICLE_SENTENCES
    got, blend = score_article(short, with_heads), score_article(short, blend_only)
    assert got.scores == blend.scores
    assert not [p for p in got.sentence_probabilities if p.dimension == "alliance.article"]
    # from MIN_ARTICLE_SENTENCES sentences on, the head decides (ARTICLE has exactly five)
    full = score_article(ARTICLE, with_heads)
    assert [p for p in full.sentence_probabilities if p.dimension == "alliance.article"]


REAL_CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"


@pytest.mark.skipif(not (REAL_CORPORA / "debate").exists() or not (REAL_CORPORA / "abp").exists(), reason="needs ../shared/corpora")
def test_min_article_sentences_is_the_shortest_yardstick_article():
    from framing.io.real_corpus import load_real

    lengths = [len(preprocess(Article(id=a["id"], text=a["text"])).sentences) for a in load_real()["articles"]]
    assert min(lengths) == MIN_ARTICLE_SENTENCES


def test_the_category_feature_table_reads_as_its_mappings_bit_for_bit():
    from framing.scoring.article_heads import category_feature_table, context_features

    rng = np.random.default_rng(13)
    proba, bounds, n_units = _articles_of_units(rng, len(PRESCRIPTION_CLASSES))
    scores = [{"prescription.talks": [0.25, None, float("nan"), 1][i % 4], "prescriptions.rejected": "talks;aid" if i % 2 else "", "ideology.sovereigntist": 0.1 * i}
              for i in range(len(n_units))]
    registers = [{"reg.modal": 0.5, "reg.quote": 0.25} if i % 3 else {"reg.question": 1.0} for i in range(len(n_units))]  # not every article has every name
    contexts = [context_features(s, 50 + i) for i, s in enumerate(scores)]
    table = category_feature_table(PRESCRIPTION_CLASSES, proba, bounds, n_units, scores, PRESCRIPTION_CATEGORIES, registers=registers, contexts=contexts)
    mappings = table.as_mappings()
    rows = [feats for per_cat in mappings for feats in per_cat.values()]
    names = {name for feats in rows for name in feats}
    features = tuple(sorted(names)) + ("not a feature",)
    head = ArticleHead("prescriptions", "sets", ("no", "yes"), features, np.zeros(len(features)), np.ones(len(features)), np.zeros((1, len(features))), np.zeros(1))
    assert table.matrix(features).tobytes() == head.matrix(rows).tobytes()
    # the unit features are each article's own sums and maxima of the unit products
    voice = proba[:, [k for k, c in enumerate(PRESCRIPTION_CLASSES) if c.endswith(":advocate")]].sum(axis=1)
    about = proba[:, [k for k, c in enumerate(PRESCRIPTION_CLASSES) if c.startswith("sanctions:")]].sum(axis=1)
    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        feats = mappings[i]["sanctions"]
        if b > a:
            assert feats["unit.joint_mean.advocate"] == (about[a:b] * voice[a:b]).sum() / max(n_units[i], 1)
            assert feats["unit.joint_max.advocate"] == (about[a:b] * voice[a:b]).max() and feats["unit.voice_max.advocate"] == voice[a:b].max()
        else:
            assert feats["unit.joint_mean.advocate"] == feats["unit.joint_max.advocate"] == feats["unit.voice_max.advocate"] == 0.0
        assert [k for k in feats if k.startswith("reg.")] == list(registers[i])
