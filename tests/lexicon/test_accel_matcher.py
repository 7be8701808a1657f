"""The compiled phrase-matcher walk (framing/_accel/matcher.c) against its reference,
`PhraseMatcher._pure_find`, in one process: random tries with wildcards, hostile tokens, the
shipped lexicons on the seeds and on real ABP sentences, and whole lexicon scoring; the same for
a `MatcherGroup` (several matchers in one compiled pass) against each matcher's reference."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framing import text
from framing.lexicon import matcher as matcher_module
from framing.lexicon.matcher import MatcherGroup, PhraseMatcher
from framing.models import Article

from accel_helpers import abp_articles, hostile_text, pure_python, pure_text

pytestmark = pytest.mark.skipif(matcher_module._MATCHER is None, reason="the compiled accelerator is not active")

WORDS = ("a", "ab", "abc", "b", "ba", "", "\x00", "\ud800", "é", "e\u0301", "İ", "x" * 300)
word = st.one_of(st.sampled_from(WORDS), hostile_text.map(lambda s: s[:6]))
pattern = st.lists(st.tuples(st.sampled_from(("exact", "prefix")), word), min_size=1, max_size=4).map(tuple)


def assert_same(m: PhraseMatcher, tokens) -> None:
    assert m.find(tokens) == m._pure_find(tokens), tokens


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(pattern, max_size=12), st.lists(st.lists(word, max_size=30), min_size=1, max_size=4))
def test_random_tries_with_wildcards(patterns, token_lists):
    m = PhraseMatcher((p, k) for k, p in enumerate(patterns))
    for tokens in token_lists:
        assert_same(m, tokens)
        assert_same(m, tuple(tokens))


def test_a_bare_wildcard_and_the_memo_bound(monkeypatch):
    monkeypatch.setattr(matcher_module, "_MEMO_LIMIT", 3)  # cleared over and over while matching
    m = PhraseMatcher([((("prefix", ""),), "any"), ((("exact", "a"), ("prefix", "")), "a-any"), ((("prefix", "ab"),), "ab*")])
    tokens = [f"ab{k}" for k in range(50)] + ["a", "b", "a"]
    assert_same(m, tokens)


def assert_group_same(group: MatcherGroup, tokens) -> None:
    assert group.find(tokens) == [m._pure_find(tokens) for m in group.matchers], tokens


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(pattern, max_size=8), min_size=1, max_size=4), st.lists(st.lists(word, max_size=40), min_size=1, max_size=3))
def test_a_group_finds_what_each_matcher_finds(pattern_lists, token_lists):
    # tries with and without wildcard starts (a fixed first-step table or root.step), together
    group = MatcherGroup(PhraseMatcher((p, (j, k)) for k, p in enumerate(patterns)) for j, patterns in enumerate(pattern_lists))
    for tokens in token_lists:
        assert_group_same(group, tokens)
        assert_group_same(group, tuple(tokens))


def test_a_group_with_its_memo_bound(monkeypatch):
    monkeypatch.setattr(matcher_module, "_MEMO_LIMIT", 3)  # cleared over and over while matching
    wild = PhraseMatcher([((("prefix", ""),), "any"), ((("exact", "a"), ("prefix", "")), "a-any")])
    exact = PhraseMatcher([((("exact", "a"), ("exact", "b")), "a b"), ((("exact", "b"),), "b")])
    group = MatcherGroup([wild, exact, wild])
    assert group.matchers == (wild, exact)
    assert_group_same(group, [f"ab{k}" for k in range(50)] + ["a", "b", "a", "b"])
    assert MatcherGroup([]).find(["a"]) == []


def test_a_group_rejects_a_tampered_memo_or_specs():
    group = MatcherGroup([PhraseMatcher([((("exact", "a"),), 1)])])
    find_group = matcher_module._MATCHER.find_group
    for memo, specs in (({"a": (1, 2)}, group._specs), ({"a": ("not a tuple",)}, group._specs), ({}, ((1,),)), ({}, ((1, [2]),)), ([], group._specs)):
        with pytest.raises(TypeError):
            find_group(memo, ["a"], specs, 10)


def test_errors_raise_on_both_paths():
    m = PhraseMatcher([((("prefix", "ab"),), "ab*")])
    for bad in ([1, 2], None, ["ab", 3]):
        with pytest.raises(TypeError):
            m.find(bad)
        with pytest.raises(TypeError):
            m._pure_find(bad)
        group = MatcherGroup([m])
        with pytest.raises(TypeError):
            group.find(bad)
        with pure_python(matcher_module, "_MATCHER"), pytest.raises(TypeError):
            group.find(bad)


def _shipped():
    from framing.pipeline import build_scorer

    return build_scorer(classifiers=False)


def _matchers(compiled):
    yield compiled.terms
    yield compiled.advocate
    yield compiled.reject
    for cues in (compiled.negation, compiled.hedging, compiled.quotation):
        if cues.matcher is not None:
            yield cues.matcher


def test_shipped_lexicons_on_at_least_ten_thousand_real_sentences():
    scorer = _shipped()
    n = 0
    for article in abp_articles(400):
        doc = text.preprocess(Article("x", article))
        for sent in doc.sentences:
            for compiled in scorer.compiled:
                norms = list(map(text.stem, sent.norms)) if compiled.lexicon.stem else list(sent.norms)
                for m in _matchers(compiled):
                    assert_same(m, norms)
            n += 1
    assert n >= 10_000, n


def test_the_shipped_groups_on_at_least_ten_thousand_real_sentences():
    # whole documents' token lists, as DocumentCache hands them to the group of every lexicon
    from framing.scoring.lexicon_scores import DocumentCache

    scorer = _shipped()
    groups = {id(c.group): c.group for c in scorer.compiled}
    assert len(groups) == 1 and len(next(iter(groups.values())).matchers) == 7
    n = 0
    for article in abp_articles(400):
        doc = text.preprocess(Article("x", article))
        flat = DocumentCache().document_norms(doc, False)[0]
        for group in groups.values():
            assert_group_same(group, flat)
        n += len(doc.sentences)
    assert n >= 10_000, n


def _lexicon_matches(scorer, doc):
    from framing.scoring.lexicon_scores import DocumentCache, match_document

    cache = DocumentCache()
    return [match_document(doc, compiled, cache=cache) for compiled in scorer.compiled]


def test_seed_matches_are_the_same_on_both_paths(seeds_dir):
    scorer = _shipped()
    for path in sorted(seeds_dir.glob("*.txt")):
        article = Article(path.name, path.read_text(encoding="utf-8"))
        compiled = _lexicon_matches(scorer, text.preprocess(article))
        with pure_text(), pure_python(matcher_module, "_MATCHER"):
            pure = _lexicon_matches(scorer, text.preprocess(article))
        assert compiled == pure and sum(map(len, compiled)) > 20


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_text)
def test_hostile_articles_match_the_same_on_both_paths(s):
    scorer = _shipped_once()
    article = Article("x", f"Russia and China: a marriage of convenience, not an alliance. {s} The axis of upheaval? {s}")
    compiled = _lexicon_matches(scorer, text.preprocess(article))
    with pure_text(), pure_python(matcher_module, "_MATCHER"):
        assert _lexicon_matches(scorer, text.preprocess(article)) == compiled


_SCORER = []


def _shipped_once():
    if not _SCORER:
        _SCORER.append(_shipped())
    return _SCORER[0]


# --- by_sentence: a document's matches grouped by sentence -------------------------------------

position = st.integers(min_value=-50, max_value=400)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(position, position, st.one_of(st.none(), st.text(max_size=3), st.integers()))), st.lists(position, max_size=12))
def test_by_sentence_groups_as_the_reference_on_any_hits_and_starts(hits, starts):
    # any order, overlaps, unsorted starts (bisect's answer on them is still defined)
    try:
        expected = matcher_module._pure_by_sentence(hits, starts)
    except ValueError:
        with pytest.raises(ValueError):
            matcher_module._MATCHER.by_sentence(hits, starts)
        return
    assert matcher_module._MATCHER.by_sentence(hits, starts) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=20), st.data())
def test_by_sentence_on_document_like_hits(lengths, data):
    # hits in text order inside sentences laid end to end with a sentinel between them
    starts = [sum(lengths[:k]) + k for k in range(len(lengths))]
    hits = []
    for k, n in enumerate(lengths):
        for s in sorted(data.draw(st.sets(st.integers(0, n - 1), max_size=4))):
            hits.append((starts[k] + s, starts[k] + s + 1, ("payload", k)))
    assert matcher_module._MATCHER.by_sentence(hits, starts) == matcher_module._pure_by_sentence(hits, starts)


def test_by_sentence_bad_arguments_raise_on_both_paths():
    compiled, pure = matcher_module._MATCHER.by_sentence, matcher_module._pure_by_sentence
    cases = [
        (([(0, 1, "a")], []), ValueError),  # no sentence
        (([(-1, 1, "a")], [0]), ValueError),  # before the first sentence
        (([(0, 1)], [0]), (TypeError, ValueError)),  # not (start, end, payload)
        (([(0, 1, "a", "b")], [0]), (TypeError, ValueError)),
        (([("0", 1, "a")], [0]), TypeError),
        (([(0, 1, "a")], ["0"]), TypeError),
        ((None, [0]), TypeError),
        (([(0, 1, "a")], None), TypeError),
        (([5], [0]), TypeError),
    ]
    for args, error in cases:
        with pytest.raises(error):
            compiled(*args)
        with pytest.raises(error):
            pure(*args)
    with pytest.raises(OverflowError):
        compiled([(2**70, 1, "a")], [0])
    with pytest.raises(OverflowError):  # end - start past the C range
        compiled([(2**62, -(2**63) + 1, "a")], [2**62])
    with pytest.raises(TypeError):
        compiled([])


def test_by_sentence_on_at_least_ten_thousand_real_sentences():
    # the shipped lexicons' document matches, as `_sentence_hits` groups them
    from framing.scoring.lexicon_scores import DocumentCache

    scorer = _shipped()
    group = scorer.compiled[0].group
    n = 0
    for article in abp_articles(400):
        doc = text.preprocess(Article("x", article))
        cache = DocumentCache()
        flat, starts = cache.document_norms(doc, False)
        for hits in group.find(flat):
            assert matcher_module._MATCHER.by_sentence(hits, starts) == matcher_module._pure_by_sentence(hits, starts)
        n += len(doc.sentences)
    assert n >= 10_000, n


# --- joined: a document's token list, sentences separated by a sentinel -------------------------


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.lists(word, max_size=8), st.lists(word, max_size=8).map(tuple)), max_size=12), word)
def test_joined_lays_parts_end_to_end_as_the_reference(parts, separator):
    assert matcher_module._MATCHER.joined(parts, separator) == matcher_module._pure_joined(parts, separator)
    assert matcher_module._MATCHER.joined(iter(parts), separator) == matcher_module._pure_joined(parts, separator)


def test_joined_on_at_least_ten_thousand_real_sentences():
    n = 0
    for article in abp_articles(400):
        parts = [sent.norms for sent in text.preprocess(Article("x", article)).sentences]
        assert matcher_module._MATCHER.joined(parts, "\x00") == matcher_module._pure_joined(parts, "\x00")
        n += len(parts)
    assert n >= 10_000, n


def test_joined_bad_arguments_raise_on_both_paths():
    for args in (([["a"], 3], "\x00"), (None, "\x00"), ([["a"], None], "\x00")):
        with pytest.raises(TypeError):
            matcher_module._MATCHER.joined(*args)
        with pytest.raises(TypeError):
            matcher_module._pure_joined(*args)
    with pytest.raises(TypeError):
        matcher_module._MATCHER.joined([["a"]])
    # strings are sequences: their characters are the items, on both paths
    assert matcher_module._MATCHER.joined(["ab", "c"], 0) == matcher_module._pure_joined(["ab", "c"], 0) == (["a", "b", 0, "c", 0], [0, 3])
