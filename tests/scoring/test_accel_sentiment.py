"""The compiled VADER compound score (framing/_accel/vader.c) against its reference,
`framing.scoring.sentiment._Vader.compound` (itself tested identical to stock vaderSentiment in
tests/test_sentiment_equivalence.py), in one process, float for float including the sign of
zero: sentences dense in VADER's rules, hostile text, real ABP sentences."""
from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framing.scoring import sentiment

from accel_helpers import PIECES, abp_articles, hostile_text

pytestmark = pytest.mark.skipif(sentiment._VADER is None, reason="the compiled accelerator is not active")

VADER = sentiment._vader()


def assert_same(sentences) -> None:
    compiled = [repr(sentiment._VADER.compound(VADER.state, s)) for s in sentences]
    pure = [repr(VADER.compound(s)) for s in sentences]
    different = [(s, a, b) for s, a, b in zip(sentences, compiled, pure) if a != b]
    assert not different, different[:3]


def _rule_words() -> list[str]:
    from vaderSentiment import vaderSentiment as v

    lexicon = VADER.lexicon
    strong = sorted(w for w, x in lexicon.items() if abs(x) > 1.5)[::7]
    emoji = sorted(VADER.emoji_chars)[::5]
    return [*strong, *v.BOOSTER_DICT, *v.NEGATE, *v.SPECIAL_CASES, "no", "or", "nor", "but", "BUT", "kind", "of", "least", "at", "very",
            "never", "so", "this", "without", "doubt", "the", "Russia", "n't", "isn't", *emoji, "!", "?", "!!!!", "??", "??????", ":)"]


WORDS = _rule_words()
RULES = ("no", "or", "nor", "but", "BUT", "kind", "of", "least", "at", "very", "never", "so", "this", "without", "doubt", "not", "n't")


def _rule_sentences(n: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = []
        for _ in range(rng.randint(0, 25)):
            w = rng.choice(RULES if rng.random() < 0.3 else WORDS)
            r = rng.random()
            w = w.upper() if r < 0.15 else w.capitalize() if r < 0.2 else w + rng.choice(".,!?;:'\")") if r < 0.3 else w
            words.append(w)
        out.append(rng.choice([" ", "  ", "\t", "\xa0", "\u3000"]).join(words) + rng.choice(["", ".", "!", "!!!", "?", "???", "?!"]))
    return out


def test_sentences_dense_in_every_rule():
    sentences = _rule_sentences(20_000)
    assert sum("but" in s.lower().split() for s in sentences) > 1000 and sum(any(e in s for e in VADER.emoji_chars) for s in sentences) > 100
    assert_same(sentences)


def test_both_public_functions_use_the_compiled_path():
    s = "Russia is NOT a very good partner, but China is great!!"
    assert sentiment.compound(s) == sentiment._VADER.compound(VADER.state, s) == VADER.compound(s)
    assert sentiment.sentence_compounds([s, ""]) == [VADER.compound(s), 0.0]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(PIECES), hostile_text), max_size=30).map(" ".join))
def test_hostile_text(s):
    assert_same([s, s.upper(), s.replace(" ", "\u2028")])


def test_at_least_ten_thousand_real_sentences():
    from framing.text import split_sentences

    sentences = [a[s:e] for a in abp_articles(400) for s, e in split_sentences(a)]
    assert len(sentences) >= 10_000
    assert_same(sentences)


def test_malformed_state_raises():
    with pytest.raises(TypeError):
        sentiment._VADER.compound(VADER.state[:-1], "good")
    with pytest.raises(TypeError):
        sentiment._VADER.compound(VADER.state, b"good")
    broken = list(VADER.state)
    broken[0] = {"good": "not a number"}  # a lexicon value that is not a float
    with pytest.raises(TypeError):
        sentiment._VADER.compound(tuple(broken), "good")


def test_the_word_cache_belongs_to_one_state():
    """vader.c remembers each word's lookup form across calls: another memo gives its own forms,
    and the first state's words are looked up anew when it comes back."""
    from framing.memo import BoundedMemo

    lowered = VADER.state.index(VADER.lowered)
    other = list(VADER.state)
    other[lowered] = BoundedMemo(lambda token: "good", 10)
    for _ in range(2):
        assert sentiment._VADER.compound(VADER.state, "terrible day") == VADER.compound("terrible day") < 0
        assert sentiment._VADER.compound(tuple(other), "terrible day") == VADER.compound("good good") > 0


def test_more_distinct_words_than_the_word_cache_holds():
    """Past its bound the cache starts again (and long words are never kept): the same scores."""
    words = [w for w in WORDS if " " not in w]
    sentences = [f"{words[k % len(words)]} x{k} {'y' * (k % 60)} {words[k * 7 % len(words)].upper()}{k % 3 * '!'}" for k in range(80_000)]
    assert_same(sentences)
    assert_same(sentences[::-1])
