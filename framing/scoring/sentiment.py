"""The one adapter around vaderSentiment: nothing else in framing imports it.

VADER is scored per sentence (its cost grows with sentence length squared, so whole-article
calls are both slower and less meaningful), with one analyzer per process.

`sentence_compounds` does not call `SentimentIntensityAnalyzer.polarity_scores`: it runs the same
rules on the same lexicon and constants, read from the installed vaderSentiment, about ten times
faster. The stock method lower-cases every word up to a dozen times, rebuilds the lower-cased word
list for every lexicon word it checks, and scans each sentence character by character for emoji;
here each sentence is split and lower-cased once (with a per-word memo, as news vocabulary
repeats), only words in VADER's lexicon are examined, and the emoji scan is one set
intersection, skipped for ASCII sentences. The arithmetic is done in the stock order, so the compound scores are identical,
down to the sign of zero (tests/scoring/test_sentiment_equivalence.py checks this on thousands of
sentences). With the compiled accelerator, `_Vader.compound` runs in C (framing/_accel/vader.c,
given `_Vader.state`; tests/scoring/test_accel_sentiment.py compares the two float for float).
"""
from __future__ import annotations

import string
from functools import lru_cache
from itertools import compress
from typing import Any, Iterable

from .. import accel
from ..memo import BoundedMemo

__all__ = ["sentence_compounds", "analyzer", "compound"]

_MEMO_LIMIT = 100_000  # distinct words remembered before the memo is cleared (about 10 MB)

# The compiled compound score (framing/_accel/vader.c, given `_Vader.state`), or None on the
# pure-Python path; read at each call, so a test can set it to None and compare both paths.
_VADER = accel.compiled("vader")


@lru_cache(maxsize=1)
def analyzer():
    """The stock vaderSentiment analyzer (its lexicon is read once per process)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def _strip_punc_if_word(token: str) -> str:
    # vaderSentiment.SentiText._strip_punc_if_word
    stripped = token.strip(string.punctuation)
    if len(stripped) <= 2:
        return token
    return stripped


class _Vader:
    """VADER's `polarity_scores(text)["compound"]`, rule for rule."""

    def __init__(self, stock: Any) -> None:
        from vaderSentiment import vaderSentiment as v

        self.lexicon: dict[str, float] = stock.lexicon
        self.emojis: dict[str, str] = stock.emojis
        self.boosters: dict[str, float] = v.BOOSTER_DICT
        self.negate = frozenset(v.NEGATE)
        self.n_scalar: float = v.N_SCALAR
        self.c_incr: float = v.C_INCR
        self.normalize = v.normalize
        # Words whose valence is looked up: in the lexicon and not a booster (boosters score 0).
        self.scored = frozenset(w for w in self.lexicon if w not in self.boosters)
        # Multi-word idioms and boosters as word tuples: the stock code joins neighbouring words
        # with spaces and looks the string up; words never contain whitespace, so comparing
        # tuples is the same test without building strings.
        self.special_seqs = {tuple(k.split(" ")): val for k, val in v.SPECIAL_CASES.items() if " " in k}
        self.booster_seqs = {tuple(k.split(" ")): val for k, val in v.BOOSTER_DICT.items() if " " in k}
        # Every sequence the idiom check looks up contains the word itself or one of the two
        # before it, and matches only if all its words are idiom words: the check is skipped
        # when none of those three is one.
        self.idiom_words = frozenset(w for seq in [*self.special_seqs, *self.booster_seqs] for w in seq)
        # The stock loop replaces single characters only; all of them are non-ASCII.
        self.emoji_chars = frozenset(k for k in self.emojis if len(k) == 1)
        # raw whitespace-separated token -> the lower-cased word VADER looks up. (Whether a word
        # is ALL CAPS is read from the raw token: stripping punctuation removes no cased letter.)
        self.lowered = BoundedMemo(lambda token: _strip_punc_if_word(token).lower(), _MEMO_LIMIT)
        # What framing/_accel/vader.c reads, in the order of its STATE_* constants.
        emoji_bitmap = bytearray(max(map(ord, self.emoji_chars), default=0) // 8 + 1)
        for ch in self.emoji_chars:
            emoji_bitmap[ord(ch) >> 3] |= 1 << (ord(ch) & 7)
        self.state = (self.lexicon, self.boosters, self.negate, self.scored, self.special_seqs, self.booster_seqs, self.idiom_words,
                      self.lowered, self._replace_emojis, bytes(emoji_bitmap), self.n_scalar, self.c_incr, self.normalize,
                      sum, round)

    def _replace_emojis(self, text: str) -> str:
        # polarity_scores' emoji loop, verbatim in effect (only run when an emoji is present).
        emojis = self.emojis
        out: list[str] = []
        prev_space = True
        for ch in text:
            if ch in emojis:
                if not prev_space:
                    out.append(" ")
                out.append(emojis[ch])
                prev_space = False
            else:
                out.append(ch)
                prev_space = ch == " "
        return "".join(out).strip()

    def compound(self, text: str) -> float:
        if not text.isascii() and not self.emoji_chars.isdisjoint(text):
            text = self._replace_emojis(text)
        raw = text.split()
        lw = list(map(self.lowered.__getitem__, raw))
        positions = list(compress(range(len(lw)), map(self.scored.__contains__, lw)))
        if not positions:
            return 0.0  # every word scores 0: the sum, and so the compound, is 0.0
        n = len(raw)
        # "Some but not all words in capitals" is needed only when a scored word or a booster is
        # in capitals, which is rare: computed then (see _cap_diff).
        is_cap_diff = _CapDiff(raw)
        # Only non-zero valences are kept (with their word positions): zeros change neither the
        # sum nor, being unequal to every non-zero value, the "but" rule's list.index look-ups.
        where: list[int] = []
        valences: list[float] = []
        for i in positions:
            if lw[i] == "kind" and i < n - 1 and lw[i + 1] == "of":
                continue
            valence = self._valence(raw, lw, i, is_cap_diff)
            if valence:
                where.append(i)
                valences.append(valence)
        if not valences:
            return 0.0
        if "but" in lw:
            _but_check(lw.index("but"), where, valences)
        sum_s = float(sum(valences))
        punct = _punctuation_emphasis(text)
        if sum_s > 0:
            sum_s += punct
        elif sum_s < 0:
            sum_s -= punct
        return round(self.normalize(sum_s), 4)

    def _valence(self, raw: list[str], lw: list[str], i: int, is_cap_diff: "_CapDiff") -> float:
        """SentimentIntensityAnalyzer.sentiment_valence for a word known to be in the lexicon, with
        its helpers (scalar_inc_dec, _negation_check, _special_idioms_check, _least_check)
        inlined in the same order of operations."""
        lexicon, n_scalar = self.lexicon, self.n_scalar
        n = len(lw)
        item_lowercase = lw[i]
        valence = lexicon[item_lowercase]
        if item_lowercase == "no" and i != n - 1 and lw[i + 1] in lexicon:
            valence = 0.0
        if (i > 0 and lw[i - 1] == "no") or (i > 1 and lw[i - 2] == "no") or (
            i > 2 and lw[i - 3] == "no" and lw[i - 1] in ["or", "nor"]
        ):
            valence = lexicon[item_lowercase] * n_scalar
        if raw[i].isupper() and is_cap_diff:
            if valence > 0:
                valence += self.c_incr
            else:
                valence -= self.c_incr
        if i == 0:
            return valence
        boosters, negate = self.boosters, self.negate
        w1 = lw[i - 1]
        if w1 not in lexicon:  # start_i == 0
            s = self._scalar(raw[i - 1], w1, valence, is_cap_diff) if w1 in boosters else 0.0
            valence = valence + s
            if w1 in negate or "n't" in w1:
                valence = valence * n_scalar
        if i > 1:
            w2 = lw[i - 2]
            if w2 not in lexicon:  # start_i == 1
                s = self._scalar(raw[i - 2], w2, valence, is_cap_diff) if w2 in boosters else 0.0
                if s != 0:
                    s = s * 0.95
                valence = valence + s
                if w2 == "never" and (w1 == "so" or w1 == "this"):
                    valence = valence * 1.25
                elif w2 == "without" and w1 == "doubt":
                    pass
                elif w2 in negate or "n't" in w2:
                    valence = valence * n_scalar
            if i > 2:
                w3 = lw[i - 3]
                if w3 not in lexicon:  # start_i == 2
                    s = self._scalar(raw[i - 3], w3, valence, is_cap_diff) if w3 in boosters else 0.0
                    if s != 0:
                        s = s * 0.9
                    valence = valence + s
                    if w3 == "never" and (w2 == "so" or w2 == "this") or (w1 == "so" or w1 == "this"):
                        valence = valence * 1.25
                    elif w3 == "without" and (w2 == "doubt" or w1 == "doubt"):
                        pass
                    elif w3 in negate or "n't" in w3:
                        valence = valence * n_scalar
                    idiom_words = self.idiom_words
                    if item_lowercase in idiom_words or w1 in idiom_words or w2 in idiom_words:
                        valence = self._special_idioms_check(valence, lw, i)
        # _least_check ("least" is not a lexicon word, but the test is kept as written)
        if w1 == "least" and w1 not in lexicon:
            if i > 1:
                if lw[i - 2] != "at" and lw[i - 2] != "very":
                    valence = valence * n_scalar
            else:
                valence = valence * n_scalar
        return valence

    def _scalar(self, word: str, word_lower: str, valence: float, is_cap_diff: "_CapDiff") -> float:
        # vaderSentiment.scalar_inc_dec for a booster word
        scalar = self.boosters[word_lower]
        if valence < 0:
            scalar *= -1
        if word.isupper() and is_cap_diff:
            if valence > 0:
                scalar += self.c_incr
            else:
                scalar -= self.c_incr
        return scalar

    def _special_idioms_check(self, valence: float, lw: list[str], i: int) -> float:
        special = self.special_seqs
        w3, w2, w1, w0 = lw[i - 3], lw[i - 2], lw[i - 1], lw[i]
        for seq in ((w1, w0), (w2, w1, w0), (w2, w1), (w3, w2, w1), (w3, w2)):
            if seq in special:
                valence = special[seq]
                break
        if len(lw) - 1 > i:
            zeroone = (w0, lw[i + 1])
            if zeroone in special:
                valence = special[zeroone]
        if len(lw) - 1 > i + 1:
            zeroonetwo = (w0, lw[i + 1], lw[i + 2])
            if zeroonetwo in special:
                valence = special[zeroonetwo]
        boosters = self.booster_seqs
        for n_gram in ((w3, w2, w1), (w3, w2), (w2, w1)):
            if n_gram in boosters:
                valence = valence + boosters[n_gram]
        return valence


class _CapDiff:
    """vaderSentiment.allcap_differential(words), evaluated on first use (truth value)."""

    __slots__ = ("raw", "value")

    def __init__(self, raw: list[str]) -> None:
        self.raw = raw
        self.value: bool | None = None

    def __bool__(self) -> bool:
        if self.value is None:
            n = len(self.raw)
            n_upper = sum(map(str.isupper, self.raw))
            self.value = 0 < n - n_upper < n
        return self.value


def _but_check(but_index: int, where: list[int], valences: list[float]) -> None:
    """SentimentIntensityAnalyzer._but_check on the non-zero valences (at word positions `where`),
    in place. The stock rule finds each value's *first* occurrence (list.index) while rewriting
    the list, so equal valences interact; that is kept, as the scores depend on it."""
    for k in range(len(valences)):
        value = valences[k]
        j = valences.index(value)
        si = where[j]
        if si < but_index:
            valences[j] = value * 0.5
        elif si > but_index:
            valences[j] = value * 1.5


def _punctuation_emphasis(text: str) -> float:
    ep_count = text.count("!")
    if ep_count > 4:
        ep_count = 4
    ep_amplifier = ep_count * 0.292
    qm_count = text.count("?")
    qm_amplifier = 0
    if qm_count > 1:
        if qm_count <= 3:
            qm_amplifier = qm_count * 0.18
        else:
            qm_amplifier = 0.96
    return ep_amplifier + qm_amplifier


@lru_cache(maxsize=1)
def _vader() -> _Vader:
    return _Vader(analyzer())


def compound(sentence: str) -> float:
    """VADER's compound score, in [-1, 1], of one sentence."""
    vader = _vader()
    return vader.compound(sentence) if _VADER is None else _VADER.compound(vader.state, sentence)


def sentence_compounds(sentences: Iterable[str]) -> list[float]:
    """VADER's compound score, in [-1, 1], for each sentence."""
    vader = _vader()
    if _VADER is None:
        score = vader.compound
        return [score(s) for s in sentences]
    compiled, state = _VADER.compound, vader.state
    return [compiled(state, s) for s in sentences]
