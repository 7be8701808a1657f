"""Scoring with models that read a sentence encoder (`framing.scoring.encoder_features`).

`classifiers_for(models)` is `FramingClassifiers(models)` unless a model has an encoder block;
then it is `EncoderClassifiers`, the same scorer whose n-gram counter adds each such model's
embedding term, `scale * embedding @ W.T`, to the logits of the units it scores (the units'
texts are the sentences, or the passages, of the documents being scored).
"""
from __future__ import annotations

import hashlib
from typing import Any, Mapping, Sequence

import numpy as np

from .classifiers import FramingClassifiers, passages_of
from .encoder_features import get_encoder

__all__ = ["EncoderClassifiers", "classifiers_for", "unit_texts"]


def unit_texts(doc: Any, unit: str) -> list[str]:
    """The texts of a document's units as the classifiers score them: its sentences, or its
    passages (`framing.scoring.classifiers.passages_of`: from a passage's first sentence's start
    to its last one's end)."""
    sents = doc.sentences
    if unit != "passage":
        return [s.article_text[s.start : s.end] for s in sents]
    spans: dict[int, list[int]] = {}
    for s, p in zip(sents, passages_of(len(sents))):
        span = spans.setdefault(p, [s.start, s.end])
        span[1] = s.end
    return [sents[0].article_text[a:b] for _, (a, b) in sorted(spans.items())]


class _EncoderCounter:
    """An `NgramCounter` whose `decisions` add each encoder model's embedding term to the
    logits; the units are those of the documents `EncoderClassifiers` is scoring."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.docs: Sequence[Any] = ()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def decisions(self, models: Sequence[Any], counts: Any, lexicon_raw: Any, n_units: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        out = self._inner.decisions(models, counts, lexicon_raw, n_units)
        texts_of: dict[str, list[str]] = {}
        for model in models:
            eb = getattr(model, "encoder_block", None)
            if eb is None:
                continue
            unit = model.unit
            if unit not in texts_of:
                texts_of[unit] = [t for d in self.docs for t in unit_texts(d, unit)]
            texts = texts_of[unit]
            if len(texts) != n_units:
                raise RuntimeError(f"{model.dimension}: {len(texts)} unit texts for {n_units} units")
            if not texts:
                continue
            emb = get_encoder(eb.name).encode(texts).astype(np.float64)
            w = model.coef[:, model.encoder_offset : model.encoder_offset + eb.n_dims]
            logits, active = out[id(model)]
            out[id(model)] = (logits + eb.scale * (emb @ w.T), active)
        return out


class EncoderClassifiers(FramingClassifiers):
    """`FramingClassifiers` for models with an encoder block: the same scoring, with the
    embedding term added to those models' logits (the `active` units stay those the n-grams and
    the lexicon find: a unit with nothing else the model knows still abstains)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counter = _EncoderCounter(self.counter)
        h = hashlib.sha256(self.fingerprint.encode())
        for dim in sorted(self.models):
            eb = getattr(self.models[dim], "encoder_block", None)
            h.update(repr((dim, None if eb is None else eb.as_dict())).encode())
        self.fingerprint = f"{self.name}:{h.hexdigest()[:16]}"

    def _score_together(self, docs: Sequence[Any], lexicon_scores: Any, matches: Any) -> Any:
        self.counter.docs = docs
        try:
            return super()._score_together(docs, lexicon_scores, matches)
        finally:
            self.counter.docs = ()


def classifiers_for(models: Mapping[str, Any], **kwargs: Any) -> FramingClassifiers:
    """`FramingClassifiers(models, **kwargs)`, or `EncoderClassifiers` when a model reads an
    encoder."""
    if any(getattr(m, "encoder_block", None) is not None for m in models.values()):
        return EncoderClassifiers(models, **kwargs)
    return FramingClassifiers(models, **kwargs)
