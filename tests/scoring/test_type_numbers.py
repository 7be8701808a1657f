"""`NgramCounter.occurrences_and_numbers`: a mapping's numbers gathered from the counter's token
types equal a lookup of every norm (`numbers_of`), through new types, several mappings, the
type tables starting afresh (the cache limit) and the lean model's letter-run numbering, on both
paths; and the frame classifiers' register features from those numbers equal the reference."""
from __future__ import annotations

import re
from contextlib import nullcontext
from itertools import chain

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framing import text
from framing.models import Article
from framing.scoring import ngram_counts, ngram_model
from framing.scoring.article_heads import register_cue_bits, register_features_many
from framing.scoring.ngram_counts import NgramCounter, numbers_of

from accel_helpers import abp_articles, hostile_text, pure_python

WORDS = ("we", "said", "must", "?", "''", "the", "a", "\x00", "\ud800", "İ", "x" * 300)
word = st.one_of(st.sampled_from(WORDS), hostile_text.map(lambda s: s[:6]))
SMALL = {"we": 1, "the": 7, "\ud800": 0, "x" * 300: 2**40}


def assert_same(counter: NgramCounter, norms: list[str], numbers: dict[str, int]) -> None:
    sents = np.zeros(len(norms), dtype=np.int32)
    found, got = counter.occurrences_and_numbers(norms, sents, numbers)
    assert got.dtype == np.int64 and got.tolist() == numbers_of(norms, numbers).tolist() == [numbers.get(t, -1) for t in norms]
    expected = counter.occurrences(norms, sents)
    assert found.keys() == expected.keys()
    for key, (a, b) in found.items():
        assert a.tolist() == expected[key][0].tolist() and b.tolist() == expected[key][1].tolist()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.lists(word, max_size=30), st.integers(0, 3)), max_size=12), st.booleans())
def test_numbers_through_new_types_several_mappings_and_resets(batches, pure):
    mappings = [register_cue_bits(), SMALL, {}, {t: k for k, t in enumerate(WORDS)}]
    counter = NgramCounter([])
    with pytest.MonkeyPatch.context() as mp, pure_python(ngram_counts, "_NGRAMS") if pure else nullcontext():
        mp.setattr(NgramCounter, "_CACHE_LIMIT", 20)
        for norms, which in batches:
            if which == 3:
                counter.occurrences(norms, np.zeros(len(norms), dtype=np.int32))  # types numbered without a table
            assert_same(counter, norms, mappings[which])


def test_more_mappings_than_the_tables_kept(monkeypatch):
    monkeypatch.setattr(NgramCounter, "_NUMBERS_LIMIT", 2)
    counter = NgramCounter([])
    mappings = [{w: k} for k, w in enumerate(WORDS)]
    for round_ in range(3):
        for k, numbers in enumerate(mappings):
            assert_same(counter, list(WORDS[: k + round_ + 1]) + ["new", str(k)], numbers)
        assert len(counter._type_numbers) <= 2


def test_the_lean_models_letter_runs_extend_the_tables(monkeypatch):
    """Types numbered by `letter_run_counts` (the compiled `TokenTypes`) get their numbers too,
    and its fresh table after a reset follows."""
    if ngram_counts._CLEANUP is None:
        pytest.skip("the compiled accelerator is not active")
    from framing.scoring.lean import load_lean_model

    monkeypatch.setattr(NgramCounter, "_CACHE_LIMIT", 12_000)
    counter = NgramCounter([load_lean_model()])
    texts = abp_articles(200)
    runs = [re.findall(ngram_model.LETTER_RUNS, t.lower()) for t in texts]
    numbers = {w: k for k, w in enumerate(sorted({w for r in runs for w in r})) if k % 3}
    resets = 0
    for k in range(0, len(texts), 20):
        before = counter._type_of
        counter.letter_run_counts(texts[k : k + 20], lowercase=True)
        # the types just numbered, then with some of the texts' other words
        assert_same(counter, list(chain.from_iterable(runs[k : k + 20])), numbers)
        assert_same(counter, list(chain.from_iterable(t.split() for t in texts[k : k + 20])), numbers)
        resets += counter._type_of is not before
    assert resets >= 2  # the test reached resets


def _batch_norms(texts: list[str]) -> tuple[list[str], list[int], list[int]]:
    docs = [text.preprocess(Article("x", t)) for t in texts]
    sentence_norms = [list(s.norms) for d in docs for s in d.sentences]
    return list(chain.from_iterable(sentence_norms)), list(map(len, sentence_norms)), [len(d.sentences) for d in docs]


def test_register_features_of_real_articles_from_the_counters_numbers(monkeypatch):
    """The frame classifiers' counter, as `_score_together` uses it, over >= 10,000 ABP
    sentences in batches (its types starting afresh on the way), on both paths."""
    from framing.scoring.classifiers import FramingClassifiers, default_classifier_scorers

    counter = next(e for e in default_classifier_scorers() if isinstance(e, FramingClassifiers)).counter
    counter._reset_types()
    monkeypatch.setattr(NgramCounter, "_CACHE_LIMIT", 8_000)
    texts = abp_articles(400)
    sentences = 0
    for k in range(0, len(texts), 25):
        norms, lengths, n_sent = _batch_norms(texts[k : k + 25])
        sentences += len(lengths)
        with pure_python(ngram_counts, "_NGRAMS") if k % 50 else nullcontext():
            _, bits = counter.occurrences_and_numbers(norms, np.zeros(len(norms), dtype=np.int32), register_cue_bits())
            assert register_features_many(norms, lengths, n_sent, cue_bits=bits) == register_features_many(norms, lengths, n_sent)
    assert sentences >= 10_000

