"""Which language an article is in: framing's lexicons and models read English only.

The one adapter around py3langid (a fork of langid.py that ships its model inside the package,
so nothing is downloaded). English news is recognised first by a cheap test on the tokens the
pipeline already has (the share of common English function words), so the model runs only on
text that does not look English. `detect_language` returns an ISO 639-1 code, or `und` when the
text is too short or the model is unsure.
"""
from __future__ import annotations

from functools import lru_cache
from itertools import islice
from typing import Any, Iterable

from .memo import BoundedMemo

__all__ = ["detect_language", "ENGLISH", "UNDETERMINED", "is_readable"]

ENGLISH = "en"
UNDETERMINED = "und"
_FUNCTION_WORDS = frozenset(
    "the of and to in a is that for on with as by it was are be this from at an or has have not but its their which".split()
)
_MIN_SHARE = 0.12  # English prose runs at 0.3-0.45; a list of English names still passes via the model
_MIN_PROBABILITY = 0.9
_SAMPLE_CHARS = 1000
_SAMPLE_WORDS = 300


# token -> whether it starts with a letter
_STARTS_WITH_LETTER = BoundedMemo(lambda token: token[:1].isalpha(), 100_000)


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    # py3langid is pinned below 0.4 (pyproject.toml): 0.4 renamed this constructor and its
    # normalised probabilities are not on the scale `_MIN_PROBABILITY` was set for
    return LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)


def detect_language(text: str, norms: Iterable[str] | None = None) -> str:
    """The article's language: `en`, another ISO 639-1 code, or `und` (too little text, or no
    confident answer). `norms` are the article's normalised tokens, when already at hand (read
    only as far as the first `_SAMPLE_WORDS` words)."""
    # Tokens are filtered only until the sample is full, each by a look-up in a memo of whether
    # it starts with a letter (filtering all the tokens of 40 sentences first cost the pipeline
    # 0.11 s per 1,000 articles, a chunk at a time 0.06 s, this 0.02 s).
    tokens = norms if norms is not None else text.lower().split()
    sample = list(islice(filter(_STARTS_WITH_LETTER.__getitem__, tokens), _SAMPLE_WORDS))
    if len(sample) >= 8 and sum(map(_FUNCTION_WORDS.__contains__, sample)) >= _MIN_SHARE * len(sample):
        return ENGLISH
    letters = sum(1 for ch in text[:_SAMPLE_CHARS] if ch.isalpha())
    if letters < 20:
        return UNDETERMINED
    lang, probability = _identifier().classify(text[:_SAMPLE_CHARS])
    return str(lang) if float(probability) >= _MIN_PROBABILITY else UNDETERMINED


def is_readable(language: str) -> bool:
    """Whether framing's English lexicons and models can read text in this language."""
    return language in (ENGLISH, UNDETERMINED)
