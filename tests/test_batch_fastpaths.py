"""The fast paths behind batch throughput give exactly the results of the straightforward code
they replace: sentence splitting (NLTK's Punkt), token construction, and phrase matching."""
from __future__ import annotations

import gzip
import json
import random
import re
from pathlib import Path

import pytest

from framing import text
from framing.lexicon.matcher import PhraseMatcher
from framing.models import Article, Sentence, Token

ABP = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "abp" / "articles.jsonl.gz"


def _punkt():
    return text._sentence_tokenizer()


def test_the_fast_splitter_is_in_use():
    assert isinstance(text._sentence_splitter(), text._PunktSpans)


def _tricky_lines(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    pieces = ["Mr.", "Mrs.", "Dr.", "Gen.", "Lt.Gen.", "U.S.", "U.N.", "e.g.", "i.e.", "p.m.", "a.m.", "No.", "Jan.", "vol.",
              "J.", "R.", "x.", "3.", "1990.", "3.5", "-2.", "...", "..", ". . .", "--", "?", "!", "?!", ".", ",", ";", ":",
              "(", ")", "[", "]", '"', "'", "\u201c", "\u201d", "\u2018", "\u2019", "\u00ab", "\u00bb", "Moscow", "china",
              "The", "the", "said", "Iran's", "won't", "ALLIANCE", "new", "deal", "7", "42nd", "co-operation", "\u00e9t\u00e9."]
    lines = []
    for _ in range(n):
        words = []
        for _ in range(rng.randint(1, 30)):
            w = rng.choice(pieces)
            if rng.random() < 0.25:
                w += rng.choice([".", "?", "!", ".)", '."', ".\u201d", "?\u201d", "!)", ".'"])
            words.append(w)
        seps = [rng.choice([" ", " ", " ", "", "  ", "\t", "\u00a0"]) for _ in words]
        lines.append("".join(w + s for w, s in zip(words, seps)))
    return lines


def test_fast_punkt_splits_tricky_text_exactly_like_nltk():
    punkt, fast = _punkt(), text._PunktSpans(_punkt())
    lines = _tricky_lines(1500) + list(text._SPLITTER_CHECK)
    different = [line for line in lines if fast(line) != list(punkt.span_tokenize(line))]
    assert not different, different[:5]


@pytest.mark.slow
@pytest.mark.skipif(not ABP.exists(), reason="needs ../shared/corpora/abp")
def test_fast_punkt_splits_real_news_exactly_like_nltk():
    punkt, fast = _punkt(), text._PunktSpans(_punkt())
    n_lines = 0
    with gzip.open(ABP, "rt", encoding="utf-8") as fh:
        for i, record in enumerate(fh):
            if i >= 5000:
                break
            for m in re.finditer(r"[^\n]+", json.loads(record)["text"]):
                line = m.group()
                if line.strip():
                    n_lines += 1
                    assert fast(line) == list(punkt.span_tokenize(line)), line
    assert n_lines > 50_000


def test_tokens_are_ordinary_tokens():
    sample = "Mr. Jones said the U.S. Navy won\u2019t leave Russia\u2019s \u201czone\u201d; 1,000 troops\u2014maybe."
    tokens = text.tokenize(sample)
    expected = [Token(m.group().translate(text._FOLD).lower(), m.start(), m.end()) for m in text._TOKEN_RE.finditer(sample)]
    assert tokens == expected
    assert all(type(t) is Token for t in tokens)
    assert hash(tokens[0]) == hash(expected[0])
    with pytest.raises(AttributeError):
        tokens[0].norm = "changed"  # still frozen
    doc = text.preprocess(Article("a", sample + "\nSecond line."))
    assert doc.sentences == tuple(Sentence(s.index, s.start, s.end, s.norms, doc.article.text) for s in doc.sentences)
    assert all(type(s) is Sentence for s in doc.sentences)
    # a sentence keeps only its norms; its tokens (and their offsets), made on request, agree
    for s in doc.sentences:
        tokens = text.sentence_tokens(s)
        assert tokens == tuple(text.tokenize(doc.article.text, s.start, s.end))
        assert s.norms == tuple(t.norm for t in tokens)
        assert text.token_spans(s) == [(t.start, t.end) for t in tokens]
    assert [n for s in doc.sentences for n in s.norms] == [t.norm for t in text.tokenize(doc.article.text)]
    # offsets come from the norms' lengths unless a norm is longer than its token ("İ" lower-cases
    # to two characters): both ways agree with the tokenizer, whatever the whitespace
    odd = "\u0130stanbul and KİEV\u2019s \u201cİ\u201d \ufb01ne stra\u00dfe \u03a3\u0391\u03a3  x\u2003y\u00a0z.\n\tİ a"
    plain = "Plain words,\u2003odd\u00a0spaces\tand U.S. tokens: don\u2019t stop."
    for sample_text in (odd, plain):
        for s in text.preprocess(Article("b", sample_text)).sentences:
            assert text.token_spans(s) == [m.span() for m in text._TOKEN_RE.finditer(sample_text, s.start, s.end)]


def _reference_find(matcher, tokens):
    """PhraseMatcher.find as first written: a trie walk from every position, in Python."""
    def longest_at(i):
        best = None
        frontier = [(n, i + 1) for n in matcher._root.step(tokens[i])]
        while frontier:
            node, end = frontier.pop()
            if node.payload is not None:
                if best is None or end > best[0] or (end == best[0] and node.payload_is_exact and not best[1]):
                    best = (end, node.payload_is_exact, node.payload)
            if end < len(tokens) and (node.exact or node.prefix):
                frontier.extend((child, end + 1) for child in node.step(tokens[end]))
        return None if best is None else (best[0], best[2])

    out, i = [], 0
    while i < len(tokens):
        hit = longest_at(i)
        if hit is not None:
            out.append((i, hit[0], hit[1]))
            i = hit[0]
        else:
            i += 1
    return out


def test_phrase_matcher_finds_what_the_plain_trie_walk_finds():
    rng = random.Random(8)
    vocab = ["axis", "of", "upheaval", "bloc", "coordinate", "coordination", "co", "marriage", "convenience", "the", "a", "fragile"]
    for trial in range(400):
        patterns = []
        for p in range(rng.randint(1, 12)):
            pattern = []
            for _ in range(rng.randint(1, 3)):
                word = rng.choice(vocab)
                if rng.random() < 0.25:
                    pattern.append(("prefix", word[: rng.randint(1, len(word))]))
                else:
                    pattern.append(("exact", word))
            patterns.append((tuple(pattern), f"p{p}"))
        matcher = PhraseMatcher(patterns)
        for _ in range(5):
            tokens = [rng.choice(vocab) for _ in range(rng.randint(0, 25))]
            assert matcher.find(tokens) == _reference_find(matcher, tokens), (patterns, tokens)
