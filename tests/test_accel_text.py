"""The compiled tokenizer (framing/_accel/tokens.c) against its reference, the regular expression
in framing/text.py, in one process: the same spans and norms on the seeds, on hostile text and on
real ABP sentences, so documents come out the same on both paths."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framing import text
from framing.models import Article

from accel_helpers import PIECES, abp_articles, hostile_text, pure_python, pure_text

tokens = text._TOKENS
pytestmark = pytest.mark.skipif(tokens is None, reason="the compiled accelerator is not active")
NORMALIZE = text._NORMS.__getitem__


def assert_same_tokens(s: str, start: int = 0, end: int | None = None) -> None:
    end = len(s) if end is None else end
    spans = text._pure_spans(s, start, end)
    assert tokens.spans(s, start, end) == spans, (s, start, end)
    assert tokens.norms(s, start, end, NORMALIZE) == text._pure_norms(s, start, end), (s, start, end)
    # token ranges as the phrase matcher gives them: one token, a few, the whole list, from the end
    n = len(spans)
    ranges = [(i, i + 1, "x") for i in range(n)] + [(i, min(n, i + 3)) for i in range(0, n, 2)] + [(-1, 0), (-n, n)] * bool(n)
    assert tokens.range_spans(s, start, end, ranges) == [(spans[a][0], spans[b - 1][1]) for a, b, *_ in ranges], (s, start, end)


@pytest.mark.parametrize("piece", PIECES)
def test_every_special_piece_alone_and_in_context(piece):
    for s in (piece, f"a {piece} b", f"x{piece}y", piece * 3, f"{piece}n't", f"U.{piece}.S.", f"1{piece}2"):
        assert_same_tokens(s)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_text, st.integers(-5, 400), st.integers(-5, 400))
def test_hostile_text_and_any_range(s, start, end):
    assert_same_tokens(s)
    assert_same_tokens(s, start, end)  # out of range and reversed bounds are clamped as re does


def test_seed_documents_are_the_same_on_both_paths(seeds_dir):
    for path in sorted(seeds_dir.glob("*.txt")):
        article = Article(path.name, path.read_text(encoding="utf-8"))
        compiled = text.preprocess(article)
        with pure_text():
            pure = text.preprocess(article)
            pure_tokens = [text.sentence_tokens(s) for s in pure.sentences]
        assert compiled == pure and len(compiled.sentences) > 10
        assert [text.sentence_tokens(s) for s in compiled.sentences] == pure_tokens


def test_token_spans_fallback_is_the_same_on_both_paths():
    # "İ" lower-cases to two characters, so token_spans runs the tokenizer again
    article = Article("x", "İstanbul’s mayor didn't say. ΣΑΣ met U.S. envoys at 3.5 p.m.")
    doc = text.preprocess(article)
    compiled = [text.token_spans(s) for s in doc.sentences]
    with pure_python(text, "_TOKENS"):
        assert [text.token_spans(s) for s in doc.sentences] == compiled
        assert text.tokenize(article.text) == tokens_of(article.text)


def tokens_of(s: str):
    return [text._make_token(NORMALIZE(s[a:b]), a, b) for a, b in tokens.spans(s, 0, len(s))]


def test_at_least_ten_thousand_real_sentences():
    n = 0
    for article in abp_articles(400):
        for start, end in text.split_sentences(article):
            assert_same_tokens(article, start, end)
            n += 1
        assert_same_tokens(article)
    assert n >= 10_000, n


def test_token_range_spans_on_both_paths(seeds_dir):
    for path in sorted(seeds_dir.glob("*.txt"))[:5]:
        doc = text.preprocess(Article(path.name, path.read_text(encoding="utf-8")))
        for sentence in doc.sentences:
            n = len(sentence.norms)
            ranges = [(i, min(n, i + 2), None) for i in range(n)]
            compiled = text.token_range_spans(sentence, ranges)
            with pure_python(text, "_TOKENS"):
                assert text.token_range_spans(sentence, ranges) == compiled


def test_bad_token_ranges_raise_on_both_paths():
    sentence = text.preprocess(Article("x", "Russia and China met.")).sentences[0]  # 5 tokens
    for ranges, error in (([(5, 6)], IndexError), ([(0, 0)], None), ([(0, 7)], IndexError), ([(-6, 1)], IndexError),
                          ([(2**70, 1)], IndexError), ([(0, 2**70)], IndexError), ([(0.5, 1)], TypeError), ([("0", 1)], TypeError)):
        # (0, 0): stop - 1 is the last token, as Python indexes
        with pure_python(text, "_TOKENS"):
            expected = text.token_range_spans(sentence, ranges) if error is None else None
        if error is None:
            assert text.token_range_spans(sentence, ranges) == expected
            continue
        with pytest.raises(error):
            text.token_range_spans(sentence, ranges)
        with pure_python(text, "_TOKENS"), pytest.raises(error):
            text.token_range_spans(sentence, ranges)
    for bad in ([[0, 1]], [(0,)], 5, None):
        with pytest.raises(TypeError):
            tokens.range_spans(sentence.article_text, 0, 20, bad)


def test_bad_arguments_raise_instead_of_crashing():
    with pytest.raises(TypeError):
        tokens.norms(b"bytes", 0, 1, NORMALIZE)
    with pytest.raises(TypeError):
        tokens.spans("text", 0)
    with pytest.raises(TypeError):
        tokens.norms("caf\xe9", 0, 4, lambda raw: 1)  # normalize must return str
    with pytest.raises(ZeroDivisionError):
        tokens.norms("caf\xe9", 0, 4, lambda raw: 1 / 0)  # its exception propagates
    with pytest.raises(OverflowError):
        tokens.spans("text", 2**70, 3)
