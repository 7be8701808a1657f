"""The one adapter around vaderSentiment: nothing else in framing imports it.

VADER is scored per sentence (its cost grows with sentence length squared, so whole-article
calls are both slower and less meaningful), with one analyzer per process.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

__all__ = ["sentence_compounds", "analyzer"]


@lru_cache(maxsize=1)
def analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def sentence_compounds(sentences: Iterable[str]) -> list[float]:
    """VADER's compound score, in [-1, 1], for each sentence."""
    polarity = analyzer().polarity_scores
    return [polarity(s)["compound"] for s in sentences]
