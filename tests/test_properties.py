"""Property-based tests (hypothesis): bounded scores, determinism, order independence,
monotone lexicons, and parsers that either return a result or a clean error on any input."""
from __future__ import annotations

import hashlib
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framing.errors import InputError, LexiconError
from framing.io.lexicon_files import LexiconFile, parse_lexicon_text
from framing.lexicon import build_lexicons
from framing.models import Article
from framing.pipeline import Scorer, build_scorer, score_article, score_article_stream
from framing.scoring.lexicon_scores import compile_lexicons

VOCAB = ["Russia", "China", "Beijing", "not", "no", "marriage", "of", "convenience", "bloc", "coordinated", "axis",
         "upheaval", "fragile", "should", "sanctions", "talks", "only", "push", "claim", "may", "“", "”", '"', ",", ".",
         "restraint", "multipolar", "win-win", "Putin", "said", "never", "far", "from", "n't", "so-called", "U.S.", "\n"]
word_texts = st.lists(st.sampled_from(VOCAB), min_size=0, max_size=60).map(" ".join)
any_texts = st.one_of(word_texts, st.text(max_size=400))
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _numbers(scores):
    return {k: v for k, v in scores.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


@FAST
@given(text=any_texts)
def test_scores_are_bounded_and_finite(fixture_scorer, text):
    s = score_article(Article("x", text), fixture_scorer).scores
    for k, v in _numbers(s).items():
        assert math.isfinite(v), k
    assert -1 <= s["alliance.position"] <= 1
    assert -1 <= s["alliance.ci_low"] <= s["alliance.position"] <= s["alliance.ci_high"] <= 1
    assert all(-1 <= v <= 1 for k, v in s.items() if k.startswith("prescription."))
    dist = [v for k, v in s.items() if k.startswith("ideology.") and k != "ideology.label"]
    assert sum(dist) == pytest.approx(1.0, abs=2e-3)
    assert -1 <= s["tone.compound"] <= 1
    assert all(v >= 0 for k, v in s.items() if k.startswith(("alliance.threat", "alliance.hollow", "alliance.legitimate", "actors.")))


@FAST
@given(text=any_texts)
def test_same_input_same_output(fixture_scorer, text):
    a = score_article(Article("x", text), fixture_scorer)
    b = score_article(Article("x", text), fixture_scorer)
    assert a.scores == b.scores and a.matches == b.matches


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(word_texts, min_size=2, max_size=6, unique=True), data=st.data())
def test_article_order_does_not_change_scores(fixture_scorer, texts, data):
    arts = [Article(f"a{i}", t) for i, t in enumerate(texts)]
    order = data.draw(st.permutations(arts))
    first = {r.article.id: r.scores for r in score_article_stream(arts, fixture_scorer)}
    second = {r.article.id: r.scores for r in score_article_stream(order, fixture_scorer)}
    assert first == second


def _scorer_from(texts: dict[str, str]) -> Scorer:
    files = [LexiconFile(name, hashlib.sha256(body.encode()).hexdigest(), parse_lexicon_text(body, name)) for name, body in texts.items()]
    lexicons = build_lexicons(files)
    return Scorer(lexicons=lexicons, compiled=compile_lexicons(lexicons), sentiment=False)


BASE = """dimension: topic
categories:
  x:
    entries: [bloc, axis of upheaval, coordinat*, not a marriage]
  y:
    entries: [fragile, marriage of convenience, multipolar]
"""


@FAST
@given(text=word_texts, data=st.data())
def test_adding_a_word_that_occurs_never_lowers_the_category_count(text, data):
    """A single-word entry can only add matches. (A phrase can lower a count: entries `a` and `b`
    plus a new phrase `a b` give one match where there were two, by the longest-match rule; the
    README says so under Limits and guarantees.)"""
    words = sorted({w.lower() for w in text.split() if w.isalpha() and len(w) > 1})
    if not words:
        return
    word = data.draw(st.sampled_from(words))
    category = data.draw(st.sampled_from(["x", "y"]))
    before = _scorer_from({"base.yaml": BASE})
    layer = f"dimension: topic\ncategories:\n  {category}:\n    entries: [{json.dumps(word)}]\n"
    try:
        after = _scorer_from({"base.yaml": BASE, "layer.yaml": layer})
    except LexiconError:
        return  # the word is already an entry of the other category
    count = lambda sc: sum(1 for m in score_article(Article("t", text), sc).matches if m.category == category)
    assert count(after) >= count(before)


@settings(max_examples=300, deadline=None)
@given(body=st.one_of(st.text(max_size=300), st.binary(max_size=300).map(lambda b: b.decode("latin-1"))))
def test_lexicon_parser_returns_a_result_or_a_clean_error(body):
    try:
        root = parse_lexicon_text(body, "fuzz.yaml")
        build_lexicons([LexiconFile("fuzz.yaml", "0" * 64, root)])
    except LexiconError as exc:
        assert str(exc).startswith("fuzz.yaml") and "\n" not in str(exc)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=600), suffix=st.sampled_from([".txt", ".md", ".jsonl", ".csv", ".html"]))
def test_every_reader_survives_fuzzed_input(tmp_path_factory, data, suffix):
    from framing.io.readers import iter_articles

    d = tmp_path_factory.mktemp("fuzz")
    p = d / f"f{suffix}"
    p.write_bytes(data)
    skipped, warnings = [], []
    arts = list(iter_articles([p], on_skip=skipped.append, warn=warnings.append))
    for a in arts:
        assert isinstance(a.text, str) and a.text.strip()
    for s in skipped:
        assert s.source.startswith(str(p)) and s.reason and "\n" not in s.reason
