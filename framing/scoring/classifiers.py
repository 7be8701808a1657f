"""The hook that puts the framing classifiers in the pipeline, beside the lexicons.

The models are `framing.scoring.ngram_model.NgramModel`s, counted together by
`framing.scoring.ngram_counts.NgramCounter`. `FramingClassifiers` is the `ExtraScorer` the
pipeline calls for every article: it scores every sentence (ideology: every passage of
`PASSAGE_SENTENCES` sentences) with every model in one vectorisation, reusing the tokens and the
lexicon matches the pipeline already has, and blends classifier and lexicon:

- each sentence counts for the classifier's most probable label, weighted by that probability
  (`none` counts nowhere), as a lexicon match counts for one category;
- the classifier's article value is computed exactly like the lexicon's from those counts
  (alliance position, prescription net scores, ideology shares);
- the blended value is `w * classifier + (1 - w) * lexicon`, where `w` is the model's
  `blend_weight` (its share of the two sources' Krippendorff's alpha in grouped
  cross-validation, clipped to [0.2, 0.8]); it replaces the main column, and `_lexicon` /
  `_classifier` columns keep each source;
- `<dimension>.agreement` is the share of units (sentences; passages for ideology) on which the
  lexicon's unit label (`lexicon_unit_label`) equals the classifier's most probable label, among
  units where either of them finds something (ideology: all passages); 1.0 when neither does.

`default_classifier_scorers()` returns the shipped models (and the lean model) or `()` when their
files are missing.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from itertools import chain, compress, groupby, repeat
from operator import attrgetter
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ..models import Document, Lexicon, Match, SentenceProbabilities
from ..records import fast_constructor
from .article_heads import MIN_ARTICLE_SENTENCES, CategoryFeatures, context_features
from .features import UnitLabeler, lexicon_feature_rows
from .ngram_model import NgramModel, load_model_dir, shipped_model_dir
from .kinds import ClassifierVotes, argmax_counts_many, kind_of
from .ngram_counts import NgramCounter

__all__ = [
    "FramingClassifiers",
    "LeanScorer",
    "default_classifier_scorers",
    "FolderClassifiers",
    "classifier_columns",
    "PASSAGE_SENTENCES",
    "passages_of",
    "MIN_EVIDENCE_PROBABILITY",
]

PASSAGE_SENTENCES = 4  # ideology is scored on consecutive passages of this many sentences
MIN_EVIDENCE_PROBABILITY = 0.01  # probabilities below this are left out of evidence.jsonl
MAX_BATCH_TOKENS = 40_000  # tokens whose n-grams the classifiers count together (see score_many)
_QUIET = frozenset({"none", "neutral"})  # unit labels that find nothing (left out of the evidence)
_make_record = fast_constructor(SentenceProbabilities)  # some forty evidence records an article
_NORMS = attrgetter("norms")


# --- the pipeline hook ------------------------------------------------------------------------


def _agreements(classes: Sequence[str], lex_labels: Sequence[str], top: np.ndarray, active: np.ndarray, bounds: Sequence[int], *, empty: str | None = "none") -> list[float]:
    """Each article's share of active units on which the lexicon's label (`lex_labels`) equals
    the classifier's most probable class (`top`, its index), among the units where either
    finds something (not both `empty`; every active unit when `empty` is None); 1.0 when there
    is none. The arrays cover the units of several articles, article i's in
    `bounds[i]:bounds[i + 1]`."""
    index = {c: k for k, c in enumerate(classes)}
    lexicon_class = np.fromiter(map(index.get, lex_labels, repeat(-1)), dtype=np.int64, count=len(lex_labels))
    counted = active.copy()
    if empty is not None:
        counted &= ~(np.fromiter(map(empty.__eq__, lex_labels), dtype=bool, count=len(lex_labels)) & np.asarray([c == empty for c in classes], dtype=bool)[top])
    article = np.repeat(np.arange(len(bounds) - 1), np.diff(np.asarray(bounds)))
    pairs = np.bincount(article[counted], minlength=len(bounds) - 1).tolist()
    agreed = np.bincount(article[counted & (lexicon_class == top)], minlength=len(bounds) - 1).tolist()
    return [round(same / n, 4) if n else 1.0 for same, n in zip(agreed, pairs)]


def _first_index(items: Sequence[int], value: int) -> int | None:
    """Where `value` first occurs in `items` (None: nowhere)."""
    try:
        return items.index(value)
    except ValueError:
        return None


def passages_of(n_sentences: int, size: int = PASSAGE_SENTENCES) -> list[int]:
    """Passage index of each sentence: consecutive runs of `size`; a last run shorter than half
    a passage joins the one before."""
    if n_sentences == 0:
        return []
    unit = [i // size for i in range(n_sentences)]
    n_full = n_sentences // size
    if n_sentences % size and n_sentences % size < (size + 1) // 2 and n_full > 0:
        unit = [min(u, n_full - 1) for u in unit]
    return unit


def _by_dimension(matches: Sequence[Match]) -> dict[str, list[Match]]:
    """An article's matches by dimension, each in match order (the matcher gives each
    dimension's matches in one run: a run is one `extend`, not a step per match)."""
    own: dict[str, list[Match]] = {}
    for dim, run in groupby(matches, key=attrgetter("dimension")):
        own.setdefault(dim, []).extend(run)
    return own


@dataclass(frozen=True)
class _ActiveUnits:
    """One model's active units in a batch of articles: their probabilities end to end (article
    i's in rows `bounds[i]:bounds[i + 1]`), each one's place in its article from 0 to 1, and
    each article's number of units (active or not)."""

    proba: np.ndarray
    bounds: list[int]
    positions: np.ndarray
    n_units: list[int]

    @classmethod
    def of(cls, proba: np.ndarray, active: np.ndarray, unit_bounds: Sequence[int]) -> "_ActiveUnits":
        rows = np.flatnonzero(active)
        first = np.asarray(unit_bounds, dtype=np.int64)
        bounds = np.searchsorted(rows, first)
        n_units = np.diff(first)
        article = np.repeat(np.arange(n_units.size), np.diff(bounds))
        # an article's unit index over its last index (as one article alone divides them)
        positions = (rows - first[article]) / np.maximum(n_units - 1, 1)[article]
        return cls(proba[rows], bounds.tolist(), positions, n_units.tolist())


class FramingClassifiers:
    """The `ExtraScorer` for the framing classifiers: one pass over each article for every model,
    blended with the lexicon scores (see the module docstring for the blend and agreement)."""

    name = "classifiers"

    def __init__(self, models: Mapping[str, NgramModel], *, lexicons: Sequence[Lexicon] | None = None,
                 heads: Mapping[str, Any] | None = None, keep_features: bool = False) -> None:
        self._given_lexicons = tuple(lexicons) if lexicons else None  # () or None: the shipped lexicons
        self._lexicons: dict[str, Lexicon] | None = None
        self._labelers: dict[str, UnitLabeler] = {}  # each lexicon's unit labeler, made on first use
        self.models = dict(models)
        # article-level decisions (framing.scoring.article_heads), by head key (`alliance.label`)
        self.heads = dict(heads or {})
        # training: what the article heads read of every scored article, by (article id,
        # dimension): the unit classes and probabilities, the lexicon columns, the length
        self.keep_features = keep_features
        self.units_seen: dict[tuple[str, str], dict[str, Any]] = {}
        self.counter = NgramCounter(self.models.values())
        h = hashlib.sha256()
        for dim in sorted(self.models):
            m = self.models[dim]
            h.update(dim.encode())
            h.update(json.dumps(m.metadata, sort_keys=True, default=str).encode())
            h.update(json.dumps([m.classes, m.temperature, m.lexicon_features]).encode())
            for arr in [m.coef, m.intercept] + [b.idf for b in m.blocks]:
                h.update(np.ascontiguousarray(arr).tobytes())
            if m.vector_block is not None:
                h.update(json.dumps([m.vector_block.name, m.vector_block.vectors.digest, m.vector_block.scale]).encode())
        for key in sorted(self.heads):
            head = self.heads[key]
            h.update(json.dumps([key, head.classes, head.features, dict(head.metadata)], sort_keys=True, default=str).encode())
            for arr in (head.mean, head.scale, head.coef, head.intercept):
                h.update(np.ascontiguousarray(arr).tobytes())
        self.fingerprint = f"{self.name}:{h.hexdigest()[:16]}"

    def _lexicon_map(self) -> dict[str, Lexicon]:
        """The lexicons the blend uses: those given at construction, else the shipped ones."""
        if self._lexicons is None:
            if self._given_lexicons is not None:
                self._lexicons = {lx.dimension: lx for lx in self._given_lexicons}
            else:
                from ..lexicon.build import load_lexicons

                self._lexicons = {lx.dimension: lx for lx in load_lexicons([], include_shipped=True)}
        return self._lexicons

    def _labeler(self, lx: Lexicon) -> UnitLabeler:
        """The unit labeler of one of `_lexicon_map`'s lexicons (made once: the map never changes)."""
        labeler = self._labelers.get(lx.dimension)
        if labeler is None:
            labeler = self._labelers[lx.dimension] = UnitLabeler.of(lx)
        return labeler

    def columns(self, lexicons: Sequence[Lexicon]) -> list[str]:
        return classifier_columns(lexicons, {dim: m.classes for dim, m in self.models.items()})

    def score(self, doc: Document, lexicon_scores: Mapping[str, Any], matches: Sequence[Match]) -> tuple[dict[str, Any], list[SentenceProbabilities]]:
        return self.score_many([doc], [lexicon_scores], [matches])[0]

    def score_many(
        self, docs: Sequence[Document], lexicon_scores: Sequence[Mapping[str, Any]], matches: Sequence[Sequence[Match]]
    ) -> list[tuple[dict[str, Any], list[SentenceProbabilities]]]:
        """`score` of several articles at once, with the same results: their units are counted
        and multiplied by the weights together (numpy's per-call cost is paid once per batch
        instead of once per article), then each article is blended on its own. Every number
        of a unit is computed from that unit's row alone, so batching changes no bit.

        Articles go together up to `MAX_BATCH_TOKENS` tokens (an article longer than that goes
        alone): the n-gram arrays take about 30 bytes per character n-gram, some twenty per
        token, so memory stays bounded however long the articles of a batch are."""
        out: list[tuple[dict[str, Any], list[SentenceProbabilities]]] = []
        start = 0
        while start < len(docs):
            stop, tokens = start + 1, docs[start].n_tokens
            while stop < len(docs) and tokens + docs[stop].n_tokens <= MAX_BATCH_TOKENS:
                tokens += docs[stop].n_tokens
                stop += 1
            out.extend(self._score_together(docs[start:stop], lexicon_scores[start:stop], matches[start:stop]))
            start = stop
        return out

    def _score_together(
        self, docs: Sequence[Document], lexicon_scores: Sequence[Mapping[str, Any]], matches: Sequence[Sequence[Match]]
    ) -> list[tuple[dict[str, Any], list[SentenceProbabilities]]]:
        if not self.models or not docs:
            return [({}, []) for _ in docs]
        lexmap = self._lexicon_map()
        sentence_norms = list(map(_NORMS, chain.from_iterable(d.sentences for d in docs)))
        lengths = list(map(len, sentence_norms))
        n_sent = [len(d.sentences) for d in docs]
        sent_first = np.concatenate([[0], np.cumsum(n_sent)]).astype(np.int64)
        total_sent = int(sent_first[-1])
        norms = list(chain.from_iterable(sentence_norms))
        by_dim = [_by_dimension(found_matches) for found_matches in matches]
        sentence_models = [m for m in self.models.values() if m.unit != "passage"]
        passage_models = [m for m in self.models.values() if m.unit == "passage"]
        # every n-gram found once; sentence and passage counts are two groupings of them
        sentence_of_token = np.repeat(np.arange(total_sent, dtype=np.int32), lengths)
        registers: list[dict[str, float]] = []
        if self.heads or self.keep_features:
            from .article_heads import register_cue_bits, register_features_many

            # the register cues gathered by the token types the counter finds anyway
            found, cue_bits = self.counter.occurrences_and_numbers(norms, sentence_of_token, register_cue_bits())
            registers = register_features_many(norms, lengths, n_sent, cue_bits=cue_bits)
        else:
            found = self.counter.occurrences(norms, sentence_of_token)
        sentence_tokens = np.asarray(lengths, dtype=float)
        # per unit kind: (first unit of each article, counts, each article's unit of every
        # sentence (None: the sentence itself), tokens per unit, the batch's unit of every
        # sentence of the batch (None: the sentence itself))
        layouts: dict[str, tuple[np.ndarray, Any, list[list[int]] | None, np.ndarray, np.ndarray | None]] = {}
        if sentence_models:
            sentence_analyzers = self.counter.analyzers(sentence_models)
            layouts["sentence"] = (sent_first, self.counter.unit_counts({key: occ for key, occ in found.items() if key in sentence_analyzers}), None, sentence_tokens, None)
        if passage_models:
            passage_analyzers = self.counter.analyzers(passage_models)  # (the passage models may read fewer)
            passage_of = [passages_of(n) for n in n_sent]
            n_pass = [max(p, default=-1) + 1 for p in passage_of]
            pass_first = np.concatenate([[0], np.cumsum(n_pass)]).astype(np.int64)
            global_passage = np.fromiter(chain.from_iterable(passage_of), dtype=np.int64, count=total_sent) + np.repeat(pass_first[:-1], n_sent)
            total_pass = int(pass_first[-1])
            layouts["passage"] = (
                pass_first, self.counter.unit_counts({key: occ for key, occ in found.items() if key in passage_analyzers}, unit_of_sentence=global_passage), passage_of,
                np.bincount(global_passage, weights=sentence_tokens, minlength=total_pass) if total_sent else np.zeros(0), global_passage,
            )
        out: list[tuple[dict[str, Any], list[SentenceProbabilities]]] = [({}, []) for _ in docs]
        contexts: list[dict[str, float] | None] = [None] * len(docs)  # each article's context_features, once for all its dimensions
        for kind, group in (("sentence", sentence_models), ("passage", passage_models)):
            if not group:
                continue
            first, counts, unit_of, tokens, unit_of_all = layouts[kind]
            total_units = int(first[-1])
            lex_raw: dict[int, np.ndarray] = {}
            bounds = first.tolist()
            for model in group:
                lx = lexmap.get(model.dimension)
                if lx is not None and model.lexicon_features:
                    own = [found.get(model.dimension, ()) for found in by_dim]
                    lex_raw[id(model)] = lexicon_feature_rows(lx, own, bounds, names=model.lexicon_features, unit_of_sentence=unit_of)
            decided = self.counter.decisions(group, counts, lex_raw, total_units)
            for model in group:
                dim = model.dimension
                lx = lexmap.get(dim)
                all_logits, all_active = decided[id(model)]
                all_proba = model.proba_from_logits(all_logits)
                # each unit's most probable class, from its own row: found for the whole batch at once
                all_top = np.argmax(all_proba, axis=1)
                # the same for every article: whether a class is quiet, whether a head reads this dimension
                quiet_class = np.asarray([c in _QUIET for c in model.classes], dtype=bool)
                decide = lx is not None and (self.keep_features or any(k.startswith(f"{dim}.") for k in self.heads))
                units = _ActiveUnits.of(all_proba, all_active, bounds)
                decisions = self._article_decisions(docs, dim, model, lx, units, all_active, bounds, unit_of, lexicon_scores, registers, contexts) if decide else None
                # `lexicon_unit_label` of every unit; units without a match share one computed label
                all_labels = self._labeler(lx).labels([found.get(dim, ()) for found in by_dim], bounds, tokens, unit_of) if lx is not None else []
                agreements = _agreements(model.classes, all_labels, all_top, all_active, bounds, empty=None if kind == "passage" else "none") if lx is not None else None
                top_counts = argmax_counts_many(model.classes, units.proba, units.bounds)  # each article's units by most probable class
                evidence_of = self._evidence(docs, dim, model, all_proba, all_top, all_labels if kind == "sentence" else [], all_active, bounds, unit_of_all, sent_first, quiet_class)
                for i, doc in enumerate(docs):
                    a, b = bounds[i], bounds[i + 1]
                    active = all_active[a:b]
                    cols, evidence = out[i]
                    # A unit without a single known n-gram or lexicon feature (a dateline, "!!!") gets
                    # only the model's intercept: the classifier abstains there instead of voting.
                    # (Copies: each article's arrays are laid out as if it had been scored alone.)
                    cols.update(self._blend(dim, model, lx, units.proba[units.bounds[i] : units.bounds[i + 1]].copy(), tokens[a:b][active], top_counts[i], lexicon_scores[i], n_tokens=doc.n_tokens))
                    if decisions is not None and len(doc.sentences) >= MIN_ARTICLE_SENTENCES:
                        head_cols, records = decisions[i]
                        cols.update(head_cols)
                        evidence.extend(records)
                    if agreements is not None:
                        cols[f"{dim}.agreement"] = agreements[i]
                    evidence.extend(evidence_of[i])
        return out

    def _article_decisions(self, docs: Sequence[Document], dim: str, model: NgramModel, lx: Lexicon, units: "_ActiveUnits", active: np.ndarray, bounds: Sequence[int],
                           unit_of: Sequence[Sequence[int]] | None, lexicon_scores: Sequence[Mapping[str, Any]], registers: Sequence[Mapping[str, float]],
                           contexts: list[dict[str, float] | None]) -> list[tuple[dict[str, Any], list[SentenceProbabilities]]]:
        """The article heads' reading of one dimension for each article of a batch (it replaces
        the blend's main columns), and the sentences that moved each decision most as evidence
        records (`<dim>.article`). `active`, `bounds`: every unit's activity and where each
        article's units start; `registers`, `contexts`: each article's `register_features` and
        `context_features` (the latter computed here where still None)."""
        from .article_heads import category_feature_table, unit_contributions, unit_stats_many

        classes = tuple(model.classes)
        for i, doc in enumerate(docs):
            if contexts[i] is None:
                contexts[i] = context_features(lexicon_scores[i], doc.n_tokens)
        if self.keep_features:
            for i, doc in enumerate(docs):
                a, b = units.bounds[i], units.bounds[i + 1]
                self.units_seen[(doc.article.id, dim)] = {"classes": classes, "proba": units.proba[a:b].copy(), "n_units": units.n_units[i],
                                                          "positions": units.positions[a:b].copy(), "lexicon_scores": dict(lexicon_scores[i]),
                                                          "n_tokens": doc.n_tokens, "categories": tuple(lx.category_names), "register": dict(registers[i])}
        if lx.kind == "prescriptions":
            return self._set_decisions(dim, category_feature_table(classes, units.proba, units.bounds, units.n_units, lexicon_scores, lx.category_names, registers=registers, contexts=contexts))
        out: list[tuple[dict[str, Any], list[SentenceProbabilities]]] = [({}, []) for _ in docs]
        head, pos_head = self.heads.get(f"{dim}.label"), self.heads.get(f"{dim}.position")
        if pos_head is not None and lx.kind != "poles":
            pos_head = None
        if head is None and pos_head is None:
            return out
        stats = unit_stats_many(units.proba, units.bounds, units.n_units, units.positions >= 0.5)
        others = [{**context, **register} for context, register in zip(contexts, registers)]  # every feature but the unit statistics
        if head is not None:
            standard = head.standardised(head.unit_matrix(stats, classes, others))
            for i, doc in enumerate(docs):
                probs = head.probabilities_of(head.logits_of(standard[i]))
                ranked = sorted(head.classes, key=lambda c: (-probs[c], c))
                label = ranked[0]
                cols, records = out[i]
                cols[f"{dim}.label"] = label
                a, b = units.bounds[i], units.bounds[i + 1]
                contrib = np.zeros(units.n_units[i])
                contrib[active[bounds[i] : bounds[i + 1]]] = unit_contributions(head, classes, units.proba[a:b], n_units=units.n_units[i], label=label,
                                                                                 versus=ranked[1] if len(ranked) > 1 else None, positions=units.positions[a:b])
                records.extend(self._decision_records(doc, dim, label, contrib, None if unit_of is None else unit_of[i]))
        if pos_head is not None:
            standard = pos_head.standardised(pos_head.unit_matrix(stats, classes, others))
            for i, scores in enumerate(lexicon_scores):
                p = pos_head.probabilities_of(pos_head.logits_of(standard[i]))
                position = round(p[pos_head.classes[1]] - p[pos_head.classes[0]], 4)
                p_lex = float(scores.get(f"{dim}.position") or 0.0)
                shift = position - p_lex
                cols = out[i][0]
                cols[f"{dim}.position"] = position
                cols[f"{dim}.ci_low"] = round(max(-1.0, min(float(scores.get(f"{dim}.ci_low") or p_lex) + shift, position)), 4)
                cols[f"{dim}.ci_high"] = round(min(1.0, max(float(scores.get(f"{dim}.ci_high") or p_lex) + shift, position)), 4)
        return out

    def _set_decisions(self, dim: str, features: CategoryFeatures) -> list[tuple[dict[str, Any], list[SentenceProbabilities]]]:
        """The `sets` heads' policies advocated and rejected by each article, from its
        `categories_features` (every article's rows standardised at once; the product one
        article at a time, as `positive_matrix` computes it)."""
        raw: dict[tuple[str, ...], np.ndarray] = {}  # the two heads read the same features
        categories, n_cats = features.categories, len(features.categories)
        margins: list[dict[str, dict[str, float]]] = [{} for _ in range(features.rows.shape[0])]
        for fld in ("advocated", "rejected"):
            head = self.heads.get(f"{dim}.{fld}")
            if head is None:
                continue
            if head.features not in raw:
                raw[head.features] = features.matrix(head.features)
            standard = head.standardised(raw[head.features])
            threshold = float(head.metadata.get("threshold", 0.5))
            for i, found in enumerate(margins):
                probs = head.positive_of(standard[i * n_cats : (i + 1) * n_cats]).tolist()
                found[fld] = {c: p - threshold for c, p in zip(categories, probs)}
        out: list[tuple[dict[str, Any], list[SentenceProbabilities]]] = []
        for found in margins:
            cols: dict[str, Any] = {}
            # a policy is advocated or rejected, not both (never both in the coded articles):
            # it goes where its probability clears the threshold by more
            for fld, other in (("advocated", "rejected"), ("rejected", "advocated")):
                if fld in found:
                    mine, theirs = found[fld], found.get(other, {})
                    chosen = [c for c, m in mine.items() if m >= 0 and not (theirs.get(c, -1.0) >= 0 and theirs[c] > m)]
                    cols[f"{dim}.{fld}"] = ";".join(sorted(chosen, key=lambda c: (-mine[c], c)))
            out.append((cols, []))
        return out

    @staticmethod
    def _decision_records(doc: Document, dim: str, label: str, contrib: np.ndarray, unit_of: Sequence[int] | None, n: int = 3) -> list[SentenceProbabilities]:
        """The `n` units that pushed the article most towards its label and the `n` that pushed
        it most away, as sentence records of the pseudo-dimension `<dim>.article` (a passage's
        contribution is shown on its first sentence)."""
        order = np.argsort(contrib, kind="stable").tolist()
        values = contrib.tolist()
        towards, away = f"for {label}", f"against {label}"
        picked = [(u, towards) for u in order[: -n - 1 : -1] if values[u] > 1e-6]  # the last n, largest first
        picked += [(u, away) for u in order[:n] if values[u] < -1e-6]
        out = []
        article_id, pseudo = doc.article.id, f"{dim}.article"
        for u, what in picked:
            si = u if unit_of is None else _first_index(unit_of, u)
            if si is not None:
                out.append(_make_record(article_id, pseudo, si, {what: round(abs(values[u]), 4)}))
        return out

    def _evidence(self, docs: Sequence[Document], dim: str, model: NgramModel, proba: np.ndarray, top: np.ndarray, lex_labels: Sequence[str], active: np.ndarray,
                  bounds: Sequence[int], unit_of: np.ndarray | None, sentence_first: np.ndarray, quiet_class: np.ndarray) -> list[list[SentenceProbabilities]]:
        """Each article's sentence records: sentences where the classifier or the lexicon (its
        unit labels, `lex_labels`: none for passages) finds something; for passages, each
        sentence of a passage whose most probable stance is not `neutral`, with the passage's
        probabilities. The arrays cover every unit of the batch: `top` each one's most probable
        class (its index), `bounds` where each article's start; `unit_of` the unit of each
        sentence of the batch (None: the sentence itself), `sentence_first` each article's first
        sentence; `quiet_class` whether each of the model's classes is one of `_QUIET`."""
        keep = active & ~quiet_class[top]
        if lex_labels:
            keep |= active & ~np.fromiter(map(_QUIET.__contains__, lex_labels), dtype=bool, count=len(lex_labels))
        kept = np.flatnonzero(keep)
        out: list[list[SentenceProbabilities]] = [[] for _ in docs]
        if not kept.size:
            return out
        classes = model.classes
        rows = proba[kept]
        probs = {u: dict(compress(zip(classes, row), shown)) for u, row, shown in zip(kept.tolist(), rows.tolist(), (rows >= MIN_EVIDENCE_PROBABILITY).tolist())}
        if unit_of is None:
            first, items = np.asarray(bounds[:-1]), kept
        else:
            first, items = sentence_first[:-1], np.flatnonzero(keep[unit_of])
        article = (np.searchsorted(first, items, side="right") - 1).tolist()
        local = (items - first[article]).tolist()
        ids = [doc.article.id for doc in docs]
        if unit_of is None:
            for i, u, si in zip(article, items.tolist(), local):
                out[i].append(_make_record(ids[i], dim, si, probs[u]))
        else:
            for i, u, si in zip(article, unit_of[items].tolist(), local):
                out[i].append(_make_record(ids[i], dim, si, dict(probs[u])))  # each sentence of a passage its own copy
        return out

    def _blend(self, dim: str, model: NgramModel, lx: Lexicon | None, proba: np.ndarray, unit_tokens: np.ndarray, counts: Mapping[str, float],
               lexicon_scores: Mapping[str, Any], *, n_tokens: int) -> dict[str, Any]:
        votes = ClassifierVotes(tuple(model.classes), proba, unit_tokens, counts)
        return kind_of(lx).blend(lx, dim, votes, lexicon_scores, w=model.blend_weight, n_tokens=n_tokens)


# --- the lean model (framing.scoring.lean) as an ExtraScorer -------------------------------------


class LeanScorer:
    """Adds `lean.left`, `lean.center`, `lean.right` and `lean.label` (the article-level lean
    model of `framing.scoring.lean`, trained on the ABP corpus)."""

    name = "lean"
    COLUMNS = ("lean.left", "lean.center", "lean.right", "lean.label")

    def __init__(self, predict: Any, fingerprint: str = "lean") -> None:
        self._predict = predict
        self.fingerprint = fingerprint

    def columns(self, lexicons: Sequence[Lexicon]) -> list[str]:
        return list(self.COLUMNS)

    def score(self, doc: Document, lexicon_scores: Mapping[str, Any], matches: Sequence[Match]) -> tuple[dict[str, Any], list[SentenceProbabilities]]:
        return self.score_many([doc], [lexicon_scores], [matches])[0]

    def score_many(self, docs: Sequence[Document], lexicon_scores: Sequence[Mapping[str, Any]], matches: Sequence[Sequence[Match]]) -> list[tuple[dict[str, Any], list[SentenceProbabilities]]]:
        """`score` of several articles in one call of the model (each article's row is computed
        from its own text alone: the same numbers as one at a time)."""
        results = self._predict([doc.article.text for doc in docs]) if docs else []
        return [({c: result.get(c) for c in self.COLUMNS if c in result}, []) for result in results]


def _lean_scorer(model_dir: Path) -> LeanScorer | None:
    """The lean model's wrapper, when `framing.scoring.lean` and its model file are present."""
    description = model_dir / "lean.json"
    if not description.is_file():
        return None
    try:
        from . import lean
    except ImportError:
        return None
    predict = getattr(lean, "predict_lean", None)
    if predict is None:
        return None
    digest = hashlib.sha256(description.read_bytes()).hexdigest()[:16]
    return LeanScorer(predict, fingerprint=f"lean:{digest}")


def classifier_columns(lexicons: Sequence[Lexicon], classes: Mapping[str, Sequence[str]]) -> list[str]:
    """The columns the classifiers add, for models of these classes by dimension: the lexicons'
    dimensions first, in their order, then any other."""
    lexmap = {lx.dimension: lx for lx in lexicons}
    order = [lx.dimension for lx in lexicons if lx.dimension in classes]
    order += [d for d in classes if d not in order]
    cols: list[str] = []
    for dim in order:
        lx = lexmap.get(dim)
        cols += kind_of(lx).classifier_columns(lx, dim, classes[dim])
    return cols


class FolderClassifiers(FramingClassifiers):
    """The framing classifiers of a model folder, read on first use: a cached rerun that scores
    nothing never loads the models (about a third of its time). The fingerprint is the sha256 of
    the models' and heads' description files, each of which holds the sha256 of its arrays (and a
    model's, of the word vectors it reads), checked when they are loaded; the columns come from
    the descriptions' classes. Any other attribute loads the models first (`load`)."""

    def __init__(self, folder: str | Path, *, lexicons: Sequence[Lexicon] | None = None) -> None:
        from ..io import model_files
        from .article_heads import HEAD_FORMAT

        self._folder = Path(folder)
        self._lexicons_given = lexicons
        self._classes: dict[str, tuple[str, ...]] = {}
        h = hashlib.sha256()
        for meta_path in sorted(self._folder.glob("*.json")):
            stem = meta_path.with_suffix("")
            description = model_files.ngram_model_description(stem)
            is_model = description is not None and description.get("tokens") is None
            if is_model:
                self._classes[str(description["dimension"])] = tuple(description["classes"])
            if is_model or model_files.looks_like(stem, HEAD_FORMAT):
                h.update(meta_path.name.encode())
                h.update(meta_path.read_bytes())
        self.fingerprint = f"{self.name}:files:{h.hexdigest()[:16]}"

    def load(self) -> "FolderClassifiers":
        """Read the models and heads now (before forking workers, so they share them)."""
        if "models" not in self.__dict__:
            from .article_heads import load_article_heads

            fingerprint = self.fingerprint  # (the constructor computes another, from the contents)
            FramingClassifiers.__init__(self, load_model_dir(self._folder), lexicons=self._lexicons_given, heads=load_article_heads(self._folder))
            self.fingerprint = fingerprint
        return self

    def __getattr__(self, name: str) -> Any:  # only for attributes not set yet: the loaded ones
        if name.startswith("__") or name in ("_folder", "_lexicons_given", "_classes") or "models" in self.__dict__:
            raise AttributeError(name)
        self.load()
        return getattr(self, name)

    @property
    def loaded(self) -> bool:
        return "models" in self.__dict__

    def columns(self, lexicons: Sequence[Lexicon]) -> list[str]:
        return classifier_columns(lexicons, self._classes)


def default_classifier_scorers(lexicons: Sequence[Lexicon] | None = None, *, model_dir: str | Path | None = None) -> tuple[Any, ...]:
    """The shipped classifiers as pipeline extras: the framing classifiers (those whose files
    exist in `model_dir`, default the shipped folder) and the lean model; `()` when none exist."""
    extras: list[Any] = []
    folder = Path(model_dir) if model_dir is not None else shipped_model_dir()
    if folder.is_dir():
        classifiers = FolderClassifiers(folder, lexicons=lexicons)
        if classifiers._classes:
            extras.append(classifiers)
    if model_dir is None:
        lean = _lean_scorer(folder)
        if lean is not None:
            extras.append(lean)
    return tuple(extras)
