"""One object per lexicon kind: its score columns, its scores from matches, its blend with the
classifier probabilities and its schema (written into manifest.json for the report).

Each kind's parameters stay declared in `framing.lexicon.params`; the rules shared with the
classifiers (poles axis and label, prescription lists, stance mass) in `lexicon_scores`. Adding a
kind means one class here and one entry in `KINDS`, not a branch in every module.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, Mapping, Sequence

import numpy as np

from ..lexicon.build import DICTIONARY_COVERAGE, DICTIONARY_PER_1000
from ..lexicon.params import param
from ..models import Document, Lexicon, Match
from .lexicon_scores import _bootstrap_position, _rate, category_columns_prefix, category_names, poles_axis, poles_label, prescription_lists, stance_mass

__all__ = ["LexiconKind", "ClassifierVotes", "KINDS", "kind_of", "score_dimension", "word_count", "dimension_schema", "argmax_counts", "argmax_counts_many"]


def argmax_counts(classes: Sequence[str], proba: np.ndarray) -> dict[str, float]:
    """Each unit counts for its most probable class, weighted by that probability."""
    if not proba.size:
        return {c: 0.0 for c in classes}
    top = np.argmax(proba, axis=1)
    # bincount adds the weights in unit order in float64: the same sums as a loop from 0.0
    sums = np.bincount(top, weights=proba[np.arange(top.size), top], minlength=len(classes))
    return {c: float(v) for c, v in zip(classes, sums.tolist())}


def argmax_counts_many(classes: Sequence[str], proba: np.ndarray, bounds: Sequence[int]) -> list[dict[str, float]]:
    """`argmax_counts` of several articles' units end to end (article i's in rows
    `bounds[i]:bounds[i + 1]`) with one bincount: each article's bins add its own weights in
    unit order from 0.0, as its `argmax_counts` alone does."""
    n_articles, n_classes = len(bounds) - 1, len(classes)
    if not proba.size:
        return [{c: 0.0 for c in classes} for _ in range(n_articles)]
    top = np.argmax(proba, axis=1)
    article = np.repeat(np.arange(n_articles), np.diff(np.asarray(bounds)))
    sums = np.bincount(article * n_classes + top, weights=proba[np.arange(top.size), top], minlength=n_articles * n_classes)
    return [dict(zip(classes, row)) for row in sums.reshape(n_articles, n_classes).tolist()]


def token_weighted_shares(classes: Sequence[str], proba: np.ndarray, weights: np.ndarray) -> dict[str, float]:
    """Each class's mean probability over the units, weighted by their tokens."""
    if proba.shape[0] == 0:
        return {c: 0.0 for c in classes}
    tot = float(weights.sum())
    mean = (weights @ proba) / tot if tot > 0 else proba.mean(axis=0)
    return {c: float(v) for c, v in zip(classes, mean)}


def _num(value: Any, default: float = 0.0) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return default
    return v if math.isfinite(v) else default


@dataclass(frozen=True)
class ClassifierVotes:
    """A frame classifier's unit probabilities for one article, with the two summaries the
    blends use computed on first use (each kind needs one of them); `known_counts`: the
    `counts`, when already found with other articles' (`argmax_counts_many`)."""

    classes: tuple[str, ...]
    proba: np.ndarray
    unit_tokens: np.ndarray
    known_counts: Mapping[str, float] | None = None

    @cached_property
    def counts(self) -> Mapping[str, float]:
        return argmax_counts(self.classes, self.proba) if self.known_counts is None else self.known_counts

    @cached_property
    def shares(self) -> dict[str, float]:
        return token_weighted_shares(self.classes, self.proba, self.unit_tokens)


def _totals(lexicon: Lexicon, matches: Sequence[Match]) -> dict[str, float]:
    totals = {c: 0.0 for c in category_names(lexicon)}
    for m in matches:
        if m.counts_for in totals:
            totals[m.counts_for] += m.effective_weight
    return totals


def _by_source(prefix: str, categories: Sequence[str]) -> list[str]:
    """Each category's lexicon and classifier columns beside the blended one."""
    return [col for c in categories for col in (f"{prefix}.{c}_lexicon", f"{prefix}.{c}_classifier")]


class LexiconKind:
    """The behaviour of one `kind:` of lexicon. The base class is the fallback blend (no rule to
    mix the two sources: the classifier's shares and label beside the lexicon's columns)."""

    name = ""
    unit = ""  # what the numbers in the category columns are
    short_unit = ""  # the same in the few words a figure's label has room for
    rates_per_word = False  # its rates divide by the words (`Document.n_words`), not all tokens

    def columns(self, lx: Lexicon) -> list[str]:
        raise NotImplementedError

    def category_columns(self, lx: Lexicon) -> list[str]:
        """The columns holding one number per category, in category order."""
        return [f"{lx.dimension}.{c}" for c in lx.category_names]

    def score(self, lx: Lexicon, matches: Sequence[Match], *, n_tokens: int, n_sentences: int, n_words: int | None = None) -> dict[str, Any]:
        raise NotImplementedError

    def classifier_columns(self, lx: Lexicon | None, dim: str, classes: Sequence[str]) -> list[str]:
        return [f"{dim}.{c}_classifier" for c in classes] + [f"{dim}.label_classifier"] + ([f"{dim}.agreement"] if lx is not None else [])

    def blend(self, lx: Lexicon | None, dim: str, votes: ClassifierVotes, lexicon_scores: Mapping[str, Any], *, w: float, n_tokens: int) -> dict[str, Any]:
        shares = votes.shares
        out: dict[str, Any] = {f"{dim}.{c}_classifier": round(shares[c], 4) for c in votes.classes}
        out[f"{dim}.label_classifier"] = max(votes.classes, key=lambda c: shares[c])
        return out

    def schema(self, lx: Lexicon) -> dict[str, Any]:
        """What the report needs to show the dimension without guessing from the CSV header."""
        return {
            "kind": self.name,
            "columns": self.columns(lx),
            "categories": list(lx.category_names),
            "category_columns": self.category_columns(lx),
            "labels": self.labels(lx),
            "unit": self.unit,
            "short_unit": self.short_unit,
        }

    def labels(self, lx: Lexicon) -> list[str]:
        """The values the dimension's `label` column can take ([] without a label column)."""
        return []


def _pole_weights_by_sentence(matches: Sequence[Match], pos: str, n_sentences: int) -> tuple[np.ndarray, np.ndarray]:
    """The weight each sentence gives the positive pole and the negative pole (`matches` count
    for one of them)."""
    ps = np.zeros(max(n_sentences, 1))
    ns = np.zeros(max(n_sentences, 1))
    for m in matches:
        if m.counts_for == pos:
            ps[m.sentence_index] += m.effective_weight
        else:
            ns[m.sentence_index] += m.effective_weight
    return ps[:n_sentences], ns[:n_sentences]


class Poles(LexiconKind):
    name = "poles"
    unit = "weighted matches per 1,000 tokens"
    short_unit = "per 1,000 tokens"

    def columns(self, lx: Lexicon) -> list[str]:
        dim = lx.dimension
        return [f"{dim}.position", f"{dim}.ci_low", f"{dim}.ci_high", f"{dim}.label", f"{dim}.intensity"] + self.category_columns(lx)

    def labels(self, lx: Lexicon) -> list[str]:
        return ["absent", "mixed", *lx.category_names]

    def score(self, lx: Lexicon, matches: Sequence[Match], *, n_tokens: int, n_sentences: int, n_words: int | None = None) -> dict[str, Any]:
        dim, names = lx.dimension, category_names(lx)
        totals = _totals(lx, matches)
        smoothing = float(param(lx, "smoothing"))
        pos, neg = poles_axis(lx)
        intensity = _rate(sum(totals.values()), n_tokens)
        out: dict[str, Any] = {f"{dim}.{c}": round(_rate(totals[c], n_tokens), 4) for c in names}
        if pos and neg:
            position = (totals[pos] - totals[neg]) / (totals[pos] + totals[neg] + smoothing)
            evidence = [m for m in matches if m.counts_for == pos or m.counts_for == neg]
            # without evidence the interval is (0, 0): no arrays to make and resample
            lo, hi = _bootstrap_position(*_pole_weights_by_sentence(evidence, pos, n_sentences), smoothing) if evidence else (0.0, 0.0)
        else:
            position, lo, hi = 0.0, 0.0, 0.0
        out[f"{dim}.position"] = round(position, 4)
        out[f"{dim}.ci_low"] = round(min(lo, position), 4)
        out[f"{dim}.ci_high"] = round(max(hi, position), 4)
        out[f"{dim}.intensity"] = round(intensity, 4)
        out[f"{dim}.label"] = poles_label(totals, position, intensity, lexicon=lx, axis=(pos, neg))
        return out

    def classifier_columns(self, lx: Lexicon | None, dim: str, classes: Sequence[str]) -> list[str]:
        return [f"{dim}.position_lexicon", f"{dim}.position_classifier", f"{dim}.label_lexicon", f"{dim}.label_classifier", f"{dim}.agreement"]

    def blend(self, lx: Lexicon | None, dim: str, votes: ClassifierVotes, lexicon_scores: Mapping[str, Any], *, w: float, n_tokens: int) -> dict[str, Any]:
        assert lx is not None
        return blend_poles(dim, lx, votes.counts, lexicon_scores, w=w, n_tokens=n_tokens)


class Prescriptions(LexiconKind):
    name = "prescriptions"
    unit = "net score from -1 (rejected) to +1 (advocated)"
    short_unit = "net stance"

    def category_columns(self, lx: Lexicon) -> list[str]:
        prefix = category_columns_prefix(lx)
        return [f"{prefix}.{c}" for c in lx.category_names]

    def columns(self, lx: Lexicon) -> list[str]:
        return self.category_columns(lx) + [f"{lx.dimension}.advocated", f"{lx.dimension}.rejected"]

    def score(self, lx: Lexicon, matches: Sequence[Match], *, n_tokens: int, n_sentences: int, n_words: int | None = None) -> dict[str, Any]:
        dim, names = lx.dimension, category_names(lx)
        smoothing = float(param(lx, "smoothing"))
        prefix = category_columns_prefix(lx)
        adv = {c: 0.0 for c in names}
        rej = {c: 0.0 for c in names}
        for m in matches:
            if m.off_topic:
                continue
            w = m.weight * (lx.scope.hedging.factor if m.hedged else 1.0) * (lx.scope.quotation.factor if m.quoted else 1.0)
            if m.role == "advocate":
                adv[m.category] += w
            elif m.role == "reject":
                rej[m.category] += w
        net = {c: (adv[c] - rej[c]) / (adv[c] + rej[c] + smoothing) for c in names}
        out: dict[str, Any] = {f"{prefix}.{c}": round(net[c], 4) for c in names}
        out[f"{dim}.advocated"], out[f"{dim}.rejected"] = prescription_lists(net, lexicon=lx)
        return out

    def classifier_columns(self, lx: Lexicon | None, dim: str, classes: Sequence[str]) -> list[str]:
        assert lx is not None
        lists = [f"{dim}.advocated_lexicon", f"{dim}.rejected_lexicon", f"{dim}.advocated_classifier", f"{dim}.rejected_classifier"]
        return _by_source(category_columns_prefix(lx), lx.category_names) + lists + [f"{dim}.agreement"]

    def blend(self, lx: Lexicon | None, dim: str, votes: ClassifierVotes, lexicon_scores: Mapping[str, Any], *, w: float, n_tokens: int) -> dict[str, Any]:
        assert lx is not None
        return blend_prescriptions(dim, lx, votes.counts, lexicon_scores, w=w)


class Stances(LexiconKind):
    name = "stances"
    unit = "share of the stance mass (sums to 1)"
    short_unit = "share"

    def columns(self, lx: Lexicon) -> list[str]:
        return self.category_columns(lx) + [f"{lx.dimension}.label"]

    def labels(self, lx: Lexicon) -> list[str]:
        return list(lx.category_names)

    def score(self, lx: Lexicon, matches: Sequence[Match], *, n_tokens: int, n_sentences: int, n_words: int | None = None) -> dict[str, Any]:
        dim, names = lx.dimension, category_names(lx)
        mass = stance_mass(lx, _totals(lx, matches), n_tokens=n_tokens)
        z = sum(mass.values()) or 1.0
        out: dict[str, Any] = {f"{dim}.{c}": round(mass[c] / z, 4) for c in names}
        out[f"{dim}.label"] = max(names, key=lambda c: mass[c])
        return out

    def classifier_columns(self, lx: Lexicon | None, dim: str, classes: Sequence[str]) -> list[str]:
        assert lx is not None
        return _by_source(dim, lx.category_names) + [f"{dim}.label_lexicon", f"{dim}.label_classifier", f"{dim}.agreement"]

    def blend(self, lx: Lexicon | None, dim: str, votes: ClassifierVotes, lexicon_scores: Mapping[str, Any], *, w: float, n_tokens: int) -> dict[str, Any]:
        assert lx is not None
        return blend_stances(dim, lx, votes.shares, lexicon_scores, w=w)


class Actors(LexiconKind):
    name = "actors"
    unit = "mentions"
    short_unit = "mentions"

    def columns(self, lx: Lexicon) -> list[str]:
        return self.category_columns(lx)

    def score(self, lx: Lexicon, matches: Sequence[Match], *, n_tokens: int, n_sentences: int, n_words: int | None = None) -> dict[str, Any]:
        names = category_names(lx)
        counts = {c: 0 for c in names}
        for m in matches:
            counts[m.category] += 1
        return {f"{lx.dimension}.{c}": counts[c] for c in names}


class Categories(LexiconKind):
    """A user-defined dimension: each match counts in one category; rates per 1,000 tokens."""

    name = "categories"
    unit = "weighted matches per 1,000 tokens"
    short_unit = "per 1,000 tokens"

    def columns(self, lx: Lexicon) -> list[str]:
        return self.category_columns(lx) + [f"{lx.dimension}.label", f"{lx.dimension}.intensity"]

    def labels(self, lx: Lexicon) -> list[str]:
        return ["absent", *lx.category_names]

    def score(self, lx: Lexicon, matches: Sequence[Match], *, n_tokens: int, n_sentences: int, n_words: int | None = None) -> dict[str, Any]:
        dim, names = lx.dimension, category_names(lx)
        totals = _totals(lx, matches)
        intensity = _rate(sum(totals.values()), n_tokens)
        out: dict[str, Any] = {f"{dim}.{c}": round(_rate(totals[c], n_tokens), 4) for c in names}
        out[f"{dim}.intensity"] = round(intensity, 4)
        min_i = float(param(lx, "min_intensity"))
        out[f"{dim}.label"] = max(names, key=lambda c: totals[c]) if any(totals.values()) and intensity >= min_i else "absent"
        return out


def _percent(total: float, n_tokens: int) -> float:
    return 100.0 * total / n_tokens if n_tokens else 0.0



class Dictionary(LexiconKind):
    """LIWC semantics: categories are independent (an entry may sit in several and counts in
    each); a category's score is its entries' weight as a share of the article's words (tokens
    without punctuation), in percent as LIWC reports it (`<dim>.<category>`) and per 1,000 words
    (`<dim>.<category>_per_1000`); `coverage` is the percent of words matched by any entry, each
    match once whatever its weight (LIWC's `Dic`). No `label` unless `params.label` asks for one
    (the largest category; `absent` without a match)."""

    name = "dictionary"
    unit = "percent of words"
    short_unit = "percent of words"
    rates_per_word = True

    def columns(self, lx: Lexicon) -> list[str]:
        dim = lx.dimension
        cols = self.category_columns(lx) + [f"{dim}.{DICTIONARY_COVERAGE}"] + self.per_1000_columns(lx)
        return cols + ([f"{dim}.label"] if param(lx, "label") else [])

    def per_1000_columns(self, lx: Lexicon) -> list[str]:
        return [f"{lx.dimension}.{c}{DICTIONARY_PER_1000}" for c in lx.category_names]

    def labels(self, lx: Lexicon) -> list[str]:
        return ["absent", *lx.category_names] if param(lx, "label") else []

    def score(self, lx: Lexicon, matches: Sequence[Match], *, n_tokens: int, n_sentences: int, n_words: int | None = None) -> dict[str, Any]:
        dim, names = lx.dimension, category_names(lx)
        words = n_tokens if n_words is None else n_words
        totals = {c: 0.0 for c in names}
        matched = 0.0
        for m in matches:
            if m.counts_for is None:
                continue
            factor = m.effective_weight / m.weight  # the scope rules' factor, the same for every category
            matched += factor
            for category, weight in m.categories:
                totals[category] += weight * factor
        out: dict[str, Any] = {f"{dim}.{c}": round(_percent(totals[c], words), 4) for c in names}
        out[f"{dim}.{DICTIONARY_COVERAGE}"] = round(_percent(matched, words), 4)
        out.update({f"{dim}.{c}{DICTIONARY_PER_1000}": round(_rate(totals[c], words), 4) for c in names})
        if param(lx, "label"):
            out[f"{dim}.label"] = max(names, key=lambda c: totals[c]) if any(totals.values()) else "absent"
        return out

    def schema(self, lx: Lexicon) -> dict[str, Any]:
        out = super().schema(lx)
        out["per_1000_columns"] = self.per_1000_columns(lx)
        out["coverage_column"] = f"{lx.dimension}.{DICTIONARY_COVERAGE}"
        return out


KINDS: Mapping[str, LexiconKind] = {k.name: k for k in (Poles(), Prescriptions(), Stances(), Actors(), Categories(), Dictionary())}


def kind_of(lx: Lexicon | None) -> LexiconKind:
    """The kind object of a lexicon (`categories` for an unknown kind; the fallback blend for
    a classifier without a lexicon)."""
    if lx is None:
        return _NO_LEXICON
    return KINDS.get(lx.kind, KINDS["categories"])


_NO_LEXICON = LexiconKind()


def score_dimension(lexicon: Lexicon, matches: Sequence[Match], *, n_tokens: int, n_sentences: int, n_words: int | None = None) -> dict[str, Any]:
    """The score columns of one dimension, from its matches (`n_words`: see `rates_per_word`)."""
    out = kind_of(lexicon).score(lexicon, matches, n_tokens=n_tokens, n_sentences=n_sentences, n_words=n_words)
    for k, v in out.items():
        if isinstance(v, float) and not math.isfinite(v):
            out[k] = 0.0
    return out


def word_count(lexicon: Lexicon, doc: Document) -> int | None:
    """The `n_words` argument of `score_dimension` for this lexicon: counted only for a kind
    whose rates need it (the shipped kinds do not pay for it)."""
    return doc.n_words if kind_of(lexicon).rates_per_word else None


def dimension_schema(lexicons: Sequence[Lexicon]) -> dict[str, dict[str, Any]]:
    """Each dimension's kind, columns, categories and labels, for manifest.json."""
    return {lx.dimension: kind_of(lx).schema(lx) for lx in lexicons}


# --- the blends: how a kind mixes the lexicon's columns with a classifier's votes ---------------


def blend_poles(dim: str, lx: Lexicon, counts: Mapping[str, float], lexicon_scores: Mapping[str, Any], *, w: float, n_tokens: int) -> dict[str, Any]:
    pos, neg = poles_axis(lx)
    names = lx.category_names
    smoothing = float(param(lx, "smoothing"))
    e_pos, e_neg = counts.get(pos or "", 0.0), counts.get(neg or "", 0.0)
    p_cls = (e_pos - e_neg) / (e_pos + e_neg + smoothing) if pos and neg else 0.0
    p_lex = _num(lexicon_scores.get(f"{dim}.position"))
    blended = w * p_cls + (1 - w) * p_lex
    shift = blended - p_lex
    lo = _num(lexicon_scores.get(f"{dim}.ci_low"), p_lex) + shift
    hi = _num(lexicon_scores.get(f"{dim}.ci_high"), p_lex) + shift
    # the lexicon's per-pole rates (per 1,000 tokens) and the classifier's counts, as shares
    lex_rates = {c: _num(lexicon_scores.get(f"{dim}.{c}")) for c in names}
    lex_total = sum(lex_rates.values())
    cls_total = sum(counts.get(c, 0.0) for c in names)
    lex_share = {c: (lex_rates[c] / lex_total if lex_total else 0.0) for c in names}
    cls_share = {c: (counts.get(c, 0.0) / cls_total if cls_total else 0.0) for c in names}
    blend_share = {c: w * cls_share[c] + (1 - w) * lex_share[c] for c in names}
    i_lex = _num(lexicon_scores.get(f"{dim}.intensity"))
    i_cls = 1000.0 * cls_total / n_tokens if n_tokens else 0.0
    label_cls = poles_label(cls_share, p_cls, i_cls, lexicon=lx, axis=(pos, neg))
    label = poles_label(blend_share, blended, w * i_cls + (1 - w) * i_lex, lexicon=lx, axis=(pos, neg))
    return {
        f"{dim}.position": round(blended, 4),
        f"{dim}.ci_low": round(max(-1.0, min(lo, blended)), 4),
        f"{dim}.ci_high": round(min(1.0, max(hi, blended)), 4),
        f"{dim}.label": label,
        f"{dim}.position_lexicon": round(p_lex, 4),
        f"{dim}.position_classifier": round(p_cls, 4),
        f"{dim}.label_lexicon": lexicon_scores.get(f"{dim}.label", ""),
        f"{dim}.label_classifier": label_cls,
    }


@lru_cache(maxsize=64)
def _blend_keys(prefix: str, categories: tuple[str, ...], classes: tuple[str, ...] = ()) -> tuple[tuple[str, ...], ...]:
    """Per category: its name, its blended (and lexicon-read) column, its `_lexicon` and
    `_classifier` columns and the classifier classes it reads (`<category><class>`), formatted
    once for every article."""
    return tuple((c, f"{prefix}.{c}", f"{prefix}.{c}_lexicon", f"{prefix}.{c}_classifier", *(f"{c}{k}" for k in classes)) for c in categories)


def blend_prescriptions(dim: str, lx: Lexicon, counts: Mapping[str, float], lexicon_scores: Mapping[str, Any], *, w: float) -> dict[str, Any]:
    smoothing = float(param(lx, "smoothing"))
    out: dict[str, Any] = {}
    net_cls: dict[str, float] = {}
    net_blend: dict[str, float] = {}
    for c, col, lex_col, cls_col, advocate, reject in _blend_keys(category_columns_prefix(lx), lx.category_names, (":advocate", ":reject")):
        adv, rej = counts.get(advocate, 0.0), counts.get(reject, 0.0)
        net_cls[c] = (adv - rej) / (adv + rej + smoothing)
        lex = _num(lexicon_scores.get(col))
        net_blend[c] = w * net_cls[c] + (1 - w) * lex
        out[col] = round(net_blend[c], 4)
        out[lex_col] = round(lex, 4)
        out[cls_col] = round(net_cls[c], 4)
    out[f"{dim}.advocated"], out[f"{dim}.rejected"] = prescription_lists(net_blend, lexicon=lx)
    out[f"{dim}.advocated_lexicon"] = lexicon_scores.get(f"{dim}.advocated", "")
    out[f"{dim}.rejected_lexicon"] = lexicon_scores.get(f"{dim}.rejected", "")
    out[f"{dim}.advocated_classifier"], out[f"{dim}.rejected_classifier"] = prescription_lists(net_cls, lexicon=lx)
    return out


def blend_stances(dim: str, lx: Lexicon, shares: Mapping[str, float], lexicon_scores: Mapping[str, Any], *, w: float) -> dict[str, Any]:
    names = lx.category_names
    out: dict[str, Any] = {}
    blended: dict[str, float] = {}
    for c, col, lex_col, cls_col in _blend_keys(dim, names):
        lex = _num(lexicon_scores.get(col))
        cls = shares.get(c, 0.0)
        blended[c] = w * cls + (1 - w) * lex
        out[col] = round(blended[c], 4)
        out[lex_col] = round(lex, 4)
        out[cls_col] = round(cls, 4)
    out[f"{dim}.label"] = max(names, key=lambda c: blended[c])
    out[f"{dim}.label_lexicon"] = lexicon_scores.get(f"{dim}.label", "")
    out[f"{dim}.label_classifier"] = max(names, key=lambda c: shares.get(c, 0.0))
    return out
