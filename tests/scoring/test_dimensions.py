"""Each dimension on small hand-written texts, with the fixture lexicons."""
import pytest

from framing.models import Article
from framing.pipeline import score_article


def _score(scorer, text):
    return score_article(Article("t", text), scorer)


def test_negation_flips_to_the_opposite_pole(fixture_scorer):
    r = _score(fixture_scorer, "This is not a marriage of convenience.")
    (m,) = [m for m in r.matches if m.dimension == "alliance"]
    assert m.negated and m.category == "hollow" and m.counts_for == "threat"
    assert r.scores["alliance.position"] > 0


def test_negation_exceptions_and_clause_boundaries(fixture_scorer):
    r = _score(fixture_scorer, "It is not only a bloc. They are not friends, but a bloc nonetheless.")
    assert [m.negated for m in r.matches if m.dimension == "alliance"] == [False, False]


def test_quoted_view_is_down_weighted(fixture_scorer):
    plain = _score(fixture_scorer, "The axis of upheaval is real.")
    quoted = _score(fixture_scorer, 'Hawks claim the "axis of upheaval" is real.')
    assert quoted.matches[-1].quoted and not plain.matches[-1].quoted
    q = [m for m in quoted.matches if m.dimension == "alliance"][0]
    assert q.effective_weight == pytest.approx(2.0 * 0.25)


def test_quotation_spanning_sentences_counts_as_quoted(fixture_scorer):
    r = _score(fixture_scorer, "He said: “We will talk. The bloc is strong.” Then he left.")
    (m,) = [m for m in r.matches if m.dimension == "alliance"]
    assert m.quoted


def test_hedged_match_is_down_weighted(fixture_scorer):
    r = _score(fixture_scorer, "The partners may be coordinating.")
    (m,) = [m for m in r.matches if m.dimension == "alliance"]
    assert m.hedged and m.effective_weight == pytest.approx(0.5)


def test_hollow_text_scores_negative_and_labels_hollow(fixture_scorer):
    r = _score(fixture_scorer, "It is a fragile marriage of convenience built on mistrust.")
    assert r.scores["alliance.position"] < 0
    assert r.scores["alliance.label"] == "hollow"
    assert r.scores["alliance.ci_low"] <= r.scores["alliance.position"] <= r.scores["alliance.ci_high"]


def test_legitimate_frame_gets_its_own_label(fixture_scorer):
    r = _score(fixture_scorer, "A multipolar, win-win partnership of equals.")
    assert r.scores["alliance.label"] == "legitimate"


def test_absent_when_no_frame_evidence(fixture_scorer):
    r = _score(fixture_scorer, "The weather in Paris was mild on Tuesday.")
    assert r.scores["alliance.label"] == "absent"
    assert r.scores["alliance.position"] == 0


def test_prescriptions_separate_advocacy_rejection_and_description(fixture_scorer):
    r = _score(
        fixture_scorer,
        "Washington should pursue talks with Beijing. Sanctions only push them together. Sanctions were imposed in 2022.",
    )
    roles = [(m.category, m.role) for m in r.matches if m.dimension == "prescriptions"]
    assert roles == [
        ("diplomacy_engagement", "advocate"),
        ("sanctions_economic_pressure", "reject"),
        ("sanctions_economic_pressure", "describe"),
    ]
    assert r.scores["prescription.diplomacy_engagement"] > 0
    assert r.scores["prescription.sanctions_economic_pressure"] < 0
    assert r.scores["prescriptions.advocated"] == "diplomacy_engagement"
    assert r.scores["prescriptions.rejected"] == "sanctions_economic_pressure"


def test_negated_policy_under_advocacy_cue_is_a_rejection(fixture_scorer):
    r = _score(fixture_scorer, "The United States should not rush into talks.")
    assert [m.role for m in r.matches if m.dimension == "prescriptions"] == ["reject"]


def test_description_alone_advocates_nothing(fixture_scorer):
    r = _score(fixture_scorer, "Export controls were tightened last year and talks resumed in May.")
    assert r.scores["prescriptions.advocated"] == ""
    assert all(v == 0 for k, v in r.scores.items() if k.startswith("prescription."))


def test_ideology_is_a_distribution_with_neutral_prior(fixture_scorer):
    neutral = _score(fixture_scorer, "The minister arrived on Monday. Talks lasted two hours.")
    stance = _score(fixture_scorer, "Restraint serves the national interest. Restraint, not crusades.")
    for r in (neutral, stance):
        dist = [v for k, v in r.scores.items() if k.startswith("ideology.") and k != "ideology.label"]
        assert sum(dist) == pytest.approx(1.0, abs=1e-3)
        assert all(0 <= v <= 1 for v in dist)
    assert neutral.scores["ideology.label"] == "neutral"
    assert stance.scores["ideology.label"] == "realist_restraint"


def test_actor_mentions_and_actor_tone(fixture_scorer):
    r = _score(fixture_scorer, "Beijing is a wonderful, trusted friend. Putin is a terrible, brutal menace. The sky is blue.")
    assert r.scores["actors.china"] == 1 and r.scores["actors.russia"] == 1
    assert r.scores["tone.china"] > 0 > r.scores["tone.russia"]
    assert r.scores["tone.united_states"] is None
    assert -1 <= r.scores["tone.compound"] <= 1


def test_every_match_traces_back_to_the_text(fixture_scorer):
    text = "Not a bloc, they say; a “marriage of convenience” at most, and the U.S. should hold talks."
    r = _score(fixture_scorer, text)
    for m in r.matches:
        assert text[m.start : m.end] == m.text
        s, e = r.sentences[m.sentence_index]
        assert s <= m.start < m.end <= e


def test_stance_cues_are_scoped_to_the_clause(fixture_scorer):
    r = _score(fixture_scorer, "Washington should not rush into talks; rather, it should impose sanctions.")
    roles = [(m.category, m.role) for m in r.matches if m.dimension == "prescriptions"]
    assert roles == [("diplomacy_engagement", "reject"), ("sanctions_economic_pressure", "advocate")]


def test_single_quoted_scare_quotes_count_as_quoted(fixture_scorer):
    r = _score(fixture_scorer, "The ‘axis of upheaval’ is Russia’s and China’s favourite myth. The 'bloc' is weak.")
    flags = [(m.text, m.quoted) for m in r.matches if m.dimension == "alliance"]
    assert flags == [("axis of upheaval", True), ("bloc", True)]


def test_apostrophes_do_not_open_quotations(fixture_scorer):
    r = _score(fixture_scorer, "Russia's bloc and China's bloc are real.")
    assert not any(m.quoted for m in r.matches if m.dimension == "alliance")


def test_a_cue_can_have_its_own_reach(fixture_scorer):
    near = _score(fixture_scorer, "The so-called bloc is real.")
    far = _score(fixture_scorer, "The so-called partners form a bloc.")
    assert [m.quoted for m in near.matches if m.dimension == "alliance"] == [True]
    assert [m.quoted for m in far.matches if m.dimension == "alliance"] == [False]


def test_topic_rule_ignores_frame_words_far_from_the_subject(fixture_lexicons, tmp_path):
    from framing.pipeline import build_scorer

    layer = tmp_path / "topic"
    layer.mkdir()
    (layer / "alliance.yaml").write_text(
        "dimension: alliance\nparams:\n  topic: {dimension: actors, categories: [china, russia], sentences: 1}\n"
    )
    scorer = build_scorer([fixture_lexicons, layer], include_shipped=False, classifiers=False)
    text = "Russia and China met. The bloc is fragile. Weather was mild. Sport was fun. Their budget is fragile."
    r = score_article(Article("t", text), scorer)
    flags = [(m.sentence_index, m.off_topic, m.counts_for) for m in r.matches if m.dimension == "alliance"]
    assert flags == [(1, False, "threat"), (1, False, "hollow"), (4, True, None)]
    assert r.scores["alliance.hollow"] > 0 and r.scores["alliance.position"] == 0


def test_column_prefix_renames_the_prescription_columns(tmp_path, fixture_lexicons):
    from framing.pipeline import build_scorer, score_columns
    from framing.scoring.kinds import KINDS

    text = (fixture_lexicons / "prescriptions.yaml").read_text(encoding="utf-8")
    (tmp_path / "prescriptions.yaml").write_text(text.replace("kind: prescriptions\n", "kind: prescriptions\nparams:\n  column_prefix: policy\n"), encoding="utf-8")
    scorer = build_scorer([tmp_path], include_shipped=False, classifiers=False, sentiment=False)
    scores = _score(scorer, "Washington should impose sanctions.").scores
    assert scores["policy.sanctions_economic_pressure"] > 0
    assert not any(c.startswith("prescription.") for c in scores)
    assert scores["prescriptions.advocated"] == "sanctions_economic_pressure"  # the lists keep the dimension's name
    (lx,) = scorer.lexicons
    assert KINDS["prescriptions"].schema(lx)["category_columns"] == ["policy.sanctions_economic_pressure", "policy.diplomacy_engagement"]
    assert [c for c in score_columns(scorer) if c.startswith("policy.")] == ["policy.sanctions_economic_pressure", "policy.diplomacy_engagement"]
