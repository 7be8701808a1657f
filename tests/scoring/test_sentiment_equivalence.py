"""framing's VADER (framing.scoring.sentiment) returns exactly stock vaderSentiment's compound
score: on generated sentences built to exercise every rule (default run) and on real news
sentences from the ABP corpus (slow; skipped when ../shared is absent)."""
from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest

from framing.scoring.sentiment import analyzer, compound, sentence_compounds
from framing.text import split_sentences

ABP = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "abp" / "articles.jsonl.gz"


def _stock(sentences: list[str]) -> list[float]:
    polarity = analyzer().polarity_scores
    return [polarity(s)["compound"] for s in sentences]


def _assert_identical(sentences: list[str]) -> None:
    ours = sentence_compounds(sentences)
    stock = _stock(sentences)
    # repr: the same float, including the sign of zero
    different = [(s, a, b) for s, a, b in zip(sentences, ours, stock) if repr(a) != repr(b)]
    assert not different, f"{len(different)} of {len(sentences)} differ, e.g. {different[:3]}"


def _rule_sentences(n: int, seed: int = 11) -> list[str]:
    """Random sentences dense in what VADER's rules look at."""
    rng = random.Random(seed)
    lexicon = analyzer().lexicon
    emojis = [e for e in analyzer().emojis if len(e) == 1]
    positive = sorted(w for w, v in lexicon.items() if v > 1.5 and w.isalpha())
    negative = sorted(w for w, v in lexicon.items() if v < -1.5 and w.isalpha())
    mild = sorted(w for w, v in lexicon.items() if -1.5 <= v <= 1.5 and w.isalpha())
    emoticons = [w for w in lexicon if not w.isalnum() and len(w) <= 4][:60]
    boosters = ["very", "extremely", "really", "so", "kind of", "sort of", "kinda", "barely", "slightly", "hardly",
                "totally", "just enough", "most", "more", "less", "quite", "utterly", "fucking", "almost"]
    negations = ["not", "never", "no", "isn't", "don't", "without", "nor", "cannot", "aint", "wasn't", "rarely",
                 "despite", "nothing", "won't", "uh-uh", "neither", "didnt"]
    idioms = ["the shit", "the bomb", "bad ass", "badass", "yeah right", "kiss of death", "to die for", "beating heart",
              "bus stop", "cut the mustard", "hand to mouth", "upper hand", "at least", "very least", "least",
              "never so", "never this", "without doubt", "without a doubt", "no or", "no nor", "kind of", "sort of"]
    fillers = ["the", "a", "Russia", "China", "alliance", "said", "officials", "in", "and", "of", "this", "so", "that",
               "it", "was", "is", "but", "BUT", "But", "Moscow", "2019", "U.S.", "NATO", "(Iran)", "\u201cthreat\u201d",
               "partner's", "at", "or", "doubt", "enough", "just"]

    def word() -> str:
        kind = rng.random()
        if kind < 0.22:
            w = rng.choice(positive if rng.random() < 0.5 else negative)
        elif kind < 0.30:
            w = rng.choice(mild)
        elif kind < 0.40:
            w = rng.choice(boosters)
        elif kind < 0.50:
            w = rng.choice(negations)
        elif kind < 0.56:
            w = rng.choice(idioms)
        elif kind < 0.59:
            w = rng.choice(emoticons)
        elif kind < 0.62:
            w = rng.choice(emojis)
        else:
            w = rng.choice(fillers)
        style = rng.random()
        if style < 0.12:
            w = w.upper()
        elif style < 0.18:
            w = w.capitalize()
        elif style < 0.24:
            w = w + rng.choice([",", ".", "!", "?", ";", ":", "...", "!!", ")", "'"])
        elif style < 0.27:
            w = rng.choice(["(", '"', "'", "*"]) + w
        return w

    out = []
    for _ in range(n):
        words = [word() for _ in range(rng.randint(0, 28))]
        sep = rng.choice([" ", " ", " ", "  ", "\t", "\u00a0"])
        text = sep.join(words) + rng.choice(["", ".", "!", "!!!", "?", "??", "????", "?!", " :)", " \U0001f600", "!!!!!!"])
        if rng.random() < 0.03:
            text = rng.choice(emojis) + text + rng.choice(emojis)  # emoji touching words
        out.append(text)
    return out


def test_documented_vader_examples_are_identical():
    examples = [
        "VADER is smart, handsome, and funny.", "VADER is smart, handsome, and funny!",
        "VADER is very smart, handsome, and funny.", "VADER is VERY SMART, handsome, and FUNNY.",
        "VADER is VERY SMART, handsome, and FUNNY!!!", "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
        "VADER is not smart, handsome, nor funny.", "The book was good.", "At least it isn't a horrible book.",
        "The book was only kind of good.", "The plot was good, but the characters are uncompelling and the dialog is not great.",
        "Today SUX!", "Today only kinda sux! But I'll get by, lol", "Make sure you :) or :D today!",
        "Catch utf-8 emoji such as \U0001f498 and \U0001f48b and \U0001f601", "Not bad at all",
        "Sentiment analysis has never been good.", "Sentiment analysis has never been this good!",
        "Most automated sentiment analysis tools are shit.", "With VADER, sentiment analysis is the shit!",
        "Other sentiment analysis tools can be quite bad.", "On the other hand, VADER is quite bad ass",
        "VADER is such a badass!", "Without a doubt, excellent idea.", "Roger Dodger is at least compelling as a variation on the theme.",
        "Roger Dodger is one of the least compelling variations on this theme.", "Not such a badass after all.",
        "good good but good bad bad good", "no no no good", "\u00a9 2019 Reuters. All rights reserved.", "", "   ", "!!!",
    ]
    _assert_identical(examples)
    assert compound("The book was good.") == analyzer().polarity_scores("The book was good.")["compound"]


def test_ten_thousand_generated_sentences_exercising_every_rule_are_identical():
    sentences = _rule_sentences(12_000)
    assert sum("but" in s.lower() for s in sentences) > 1000  # the rules really are exercised
    _assert_identical(sentences)


@pytest.mark.slow
@pytest.mark.skipif(not ABP.exists(), reason="needs ../shared/corpora/abp")
def test_real_news_sentences_are_identical():
    sentences: list[str] = []
    with gzip.open(ABP, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if len(sentences) >= 60_000:
                break
            text = json.loads(line)["text"]
            sentences.extend(text[s:e] for s, e in split_sentences(text))
            if i % 20 == 0:
                sentences.append(text[:5000])  # whole passages too: long inputs, many rules at once
    assert len(sentences) >= 10_000
    _assert_identical(sentences)
