"""Article-level decisions: an article is not the average of its sentences.

An `ArticleHead` is a small linear model, trained on real articles coded as a whole
(`framing/data/real/`, dev split; see `framing.training.articles`), that reads an article's
features and decides its article-level reading:

- `label` heads (alliance, ideology): a multinomial logistic regression over the article
  labels (`threat | hollow | legitimate | mixed | absent`; the six stances);
- the `position` head (alliance): a binary logistic regression, threat against hollow, whose
  probability is mapped to `alliance.position` in [-1, 1];
- `sets` heads (prescriptions advocated, prescriptions rejected): one binary logistic
  regression shared by every policy category, on that category's features.

The features (`article_features`, `category_features`) are computed from what the pipeline
already has: each unit's class probabilities from the dimension's sentence (or passage)
classifier, the lexicon columns of the article, and the actor counts. Most are means over
units, so every decision is traceable: `unit_contributions` gives each sentence's share of the
article's decision (for the chosen label, against the runner-up), and the evidence lists the
sentences that moved the article most, for and against.

Heads are stored like the other models (`framing.io.model_files`: JSON + NPZ, no pickle,
checksummed), as `<dimension>-<label|position|advocated|rejected>.json/.npz` beside the
sentence models.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import chain, repeat
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

__all__ = [
    "MIN_ARTICLE_SENTENCES",
    "ArticleHead",
    "UnitStats",
    "unit_stats_many",
    "HEAD_FORMAT",
    "article_features",
    "category_features",
    "categories_features",
    "categories_features_many",
    "category_feature_table",
    "CategoryFeatures",
    "unit_contributions",
    "save_article_head",
    "load_article_head",
    "load_article_heads",
    "FOUR",
    "QUIET_UNIT_CLASSES",
    "REGISTER_CUES",
    "register_features",
    "register_features_many",
    "register_cue_bits",
    "context_features",
]

HEAD_FORMAT = "framing-article-head"
HEAD_FORMAT_VERSION = 1
# Standardised features are clipped to this many standard deviations, in training and in
# scoring: a linear model extrapolates without limit, and a text far outside the training range
# (a long essay dense with frame words) should read as the edge of that range, not beyond it.
CLIP = 4.0
# The fewest sentences of any article the heads learned from (the yardstick's shortest, in dev and
# test alike, as framing.text splits them). On a shorter text their article features (its length,
# its shares of sentences, its second half) lie outside anything they saw: the blend decides there.
MIN_ARTICLE_SENTENCES = 5
FOUR = ("china", "russia", "north_korea", "iran")
QUIET_UNIT_CLASSES = ("none",)  # unit classes that are not a reading (no feature of their own)
_CONTEXT_NAMES = ("ctx.actors_present", "ctx.actor_rate", "ctx.log_tokens")  # context_features's own, beside the lexicon columns
_LEXICON_PREFIXES = ("alliance.", "ideology.", "prescription.", "actors.")
_ACTOR_COLUMNS = tuple(f"actors.{a}" for a in FOUR)  # the lexicon columns counting each of FOUR
# Cues of an article's register, as token norms (lower case, curly quotes folded): opinion
# argues in the first person, with modals and questions; news attributes and quotes. They
# matter most for the prescriptions: a news report almost never calls for a policy in its own
# voice (none of the 102 news articles of the yardstick's dev split does), however many calls
# it reports.
REGISTER_CUES: Mapping[str, frozenset[str]] = {
    "first_person": frozenset({"we", "our", "us", "ours", "ourselves", "i", "my", "me"}),
    "attribution": frozenset({"said", "says", "told", "according", "stated", "added", "noted", "announced", "reported", "spokesperson", "spokesman", "quoted"}),
    "modal": frozenset({"should", "must", "ought", "need", "needs"}),
    "quote": frozenset({'"', "''", "``"}),
    "question": frozenset({"?"}),
}
REGISTER_PREFIX = "reg."


@dataclass(frozen=True)
class ArticleHead:
    """A trained article-level linear model as plain arrays.

    `kind` is `label`, `position` or `sets`; `classes` the article labels (`position`: the
    negative then the positive pole; `sets`: `no`, `yes`); `features` the input names, each
    standardised by `mean` and `scale`; `coef` (outputs x features) and `intercept` (outputs):
    one output per class for `label`, one for binary heads (it scores `classes[1]`). `field_`
    names what a `sets` head decides (`advocated` or `rejected`)."""

    dimension: str
    kind: str
    classes: tuple[str, ...]
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    field_: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.dimension}.{self.field_ or self.kind}"

    @cached_property
    def feature_index(self) -> dict[str, int]:
        return {name: j for j, name in enumerate(self.features)}

    @cached_property
    def _columns_seen(self) -> dict[tuple[str, ...], tuple[np.ndarray, ...]]:
        return {}

    def class_columns(self, unit_classes: tuple[str, ...]) -> tuple[np.ndarray, ...]:
        """For each unit class, the index of its `unit.mean.`, `unit.top.` and `unit.late.`
        feature (-1 where the head has none)."""
        got = self._columns_seen.get(unit_classes)
        if got is None:
            index = self.feature_index
            got = tuple(np.array([index.get(f"unit.{stat}.{c}", -1) for c in unit_classes], dtype=int) for stat in ("mean", "top", "late"))
            self._columns_seen[unit_classes] = got
        return got

    @cached_property
    def _unit_weights_seen(self) -> dict[tuple[tuple[str, ...], str, str | None], tuple[np.ndarray, ...]]:
        return {}

    def unit_weights(self, unit_classes: tuple[str, ...], label: str, versus: str | None) -> tuple[np.ndarray, ...]:
        """The weight of each unit class's mean, top and late feature in the logit of `label`
        minus that of `versus` (a binary head: in its logit, signed for `label`), per unit of
        raw feature (0 where the head has no such feature): see `unit_contributions`."""
        key = (unit_classes, label, versus)
        got = self._unit_weights_seen.get(key)
        if got is None:
            if self.kind == "label":
                k = self.classes.index(label)
                weights = self.coef[k] - (self.coef[self.classes.index(versus)] if versus in self.classes else 0.0)
            else:
                weights = self.coef[0] * (1.0 if label == self.classes[1] else -1.0)
            unit_w = weights / self.scale
            cols = self.class_columns(unit_classes)  # feature index of each class's mean, top, late (-1: none)
            got = tuple(np.where(c >= 0, unit_w[np.maximum(c, 0)], 0.0) for c in cols)
            for w in got:
                w.setflags(write=False)  # shared by every article with this decision
            self._unit_weights_seen[key] = got
        return got

    def matrix(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        """The raw feature rows in this head's feature order."""
        # map(f.get, names, repeat(0.0)) looks every name up in C, without a Python step per
        # feature (some 600 look-ups per article)
        names = self.features
        return np.array([list(map(f.get, names, repeat(0.0))) for f in rows], dtype=float).reshape(len(rows), len(names))

    def positive_matrix(self, rows: Sequence[Mapping[str, float]] | np.ndarray) -> np.ndarray:
        """P(`classes[1]`) of a binary head for several feature sets at once (the policy
        categories of one article: always the same number of rows, so the same rounding);
        `rows` may be `matrix(rows)` already."""
        return self.positive_of(self.standardised(rows if isinstance(rows, np.ndarray) else self.matrix(rows)))

    def positive_of(self, standard: np.ndarray) -> np.ndarray:
        """`positive_matrix` of rows already `standardised`."""
        z = self.intercept[0] + standard @ self.coef[0]
        return 1.0 / (1.0 + np.exp(-z))

    @property
    def file_stem(self) -> str:
        return f"{self.dimension}-{self.field_ or self.kind}"

    def standardised(self, x: np.ndarray) -> np.ndarray:
        """Raw features (a vector, or one row per article) standardised and clipped."""
        return np.clip((x - self.mean) / self.scale, -CLIP, CLIP)

    def vector(self, feats: Mapping[str, float]) -> np.ndarray:
        return self.standardised(np.array(list(map(feats.get, self.features, repeat(0.0))), dtype=float))

    def logits_of(self, vector: np.ndarray) -> np.ndarray:
        """The outputs of one article's standardised features (a vector): one article at a time,
        so the product's rounding never depends on a batch's size."""
        return self.intercept + self.coef @ vector

    def logits(self, feats: Mapping[str, float]) -> np.ndarray:
        return self.logits_of(self.vector(feats))

    def unit_matrix(self, stats: "UnitStats", unit_classes: tuple[str, ...], others: Sequence[Mapping[str, float]]) -> np.ndarray:
        """`matrix` of several articles' `article_features`, from their `UnitStats` (rows: the
        articles) and, for every other feature, each article's mapping (its context and
        register features)."""
        X = self.matrix(others)
        index = self.feature_index
        for name, stat, k in _unit_stat_names("unit", unit_classes, stats.late is not None):
            j = index.get(name)
            if j is not None:
                X[:, j] = getattr(stats, stat)[:, k]
        return X

    def probabilities(self, feats: Mapping[str, float]) -> dict[str, float]:
        return self.probabilities_of(self.logits(feats))

    def probabilities_of(self, z: np.ndarray) -> dict[str, float]:
        """Class probabilities from the outputs (`logits`)."""
        if self.kind == "label":
            e = np.exp(z - z.max())
            return dict(zip(self.classes, (e / e.sum()).tolist()))
        p1 = 1.0 / (1.0 + math.exp(-float(z[0])))
        return {self.classes[0]: 1.0 - p1, self.classes[1]: p1}

    def to_store(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta = {
            "format": HEAD_FORMAT, "format_version": HEAD_FORMAT_VERSION, "dimension": self.dimension, "kind": self.kind,
            "field": self.field_, "classes": list(self.classes), "features": list(self.features), "metadata": dict(self.metadata),
        }
        arrays = {"mean": self.mean, "scale": self.scale, "coef": self.coef, "intercept": self.intercept}
        return meta, arrays

    @classmethod
    def from_store(cls, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray], *, source: str) -> "ArticleHead":
        from ..io.model_files import ModelFileError

        try:
            classes = tuple(str(c) for c in meta["classes"])
            features = tuple(str(f) for f in meta["features"])
            kind = str(meta["kind"])
            n_out = len(classes) if kind == "label" else 1
            head = cls(
                dimension=str(meta["dimension"]), kind=kind, classes=classes, features=features,
                mean=np.asarray(arrays["mean"], dtype=float), scale=np.asarray(arrays["scale"], dtype=float),
                coef=np.asarray(arrays["coef"], dtype=float), intercept=np.asarray(arrays["intercept"], dtype=float),
                field_=str(meta.get("field") or ""), metadata=dict(meta.get("metadata") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(source, f"not a valid article head ({exc})") from None
        if kind not in ("label", "position", "sets"):
            raise ModelFileError(source, f"unknown article head kind {kind!r}")
        if head.mean.shape != (len(features),) or head.scale.shape != (len(features),) or head.coef.shape != (n_out, len(features)) or head.intercept.shape != (n_out,):
            raise ModelFileError(source, "array shapes do not match the head's classes and features")
        if (head.scale <= 0).any():
            raise ModelFileError(source, "feature scales must be positive")
        return head


# --- features --------------------------------------------------------------------------------


def _late(positions: np.ndarray | None, n: int) -> np.ndarray:
    """Which units are in the second half of the article (where an argument lands: a rebuttal
    sets out the view it refutes first)."""
    if positions is None or n == 0:
        return np.zeros(n, dtype=bool)
    return positions >= 0.5


@dataclass(frozen=True)
class UnitStats:
    """What the heads read of the unit probabilities of several articles: one row per article,
    one column per unit class. `mean`: the mean probability over the article's units (active or
    not); `top`: the share of units where the class is the most probable; `max`: the largest
    probability; `late`: the mean over the second half (None when the positions are unknown)."""

    mean: np.ndarray
    top: np.ndarray
    max: np.ndarray
    late: np.ndarray | None


def unit_stats_many(proba: np.ndarray, bounds: Sequence[int], n_units: Sequence[int], late: np.ndarray | None = None) -> UnitStats:
    """`UnitStats` of several articles: `proba` holds their active units end to end (article
    i's in rows `bounds[i]:bounds[i + 1]`), `n_units` counts each article's units, `late` marks
    the active units in their article's second half (see `_late`).

    Each article's sums are numpy's sum of that article's own row of each class (pairwise, as
    one article alone is summed: `np.add.reduceat` adds in another order); the counts are
    whole numbers, the maxima exact (in any order: found for all articles at once), so every
    number equals one article's alone."""
    n_articles, n_classes = len(bounds) - 1, proba.shape[1]
    by_class = np.ascontiguousarray(proba.T)  # one row per class: each row summed as a column would be
    sums, maxs = np.zeros((n_articles, n_classes)), _segment_maxima(by_class, bounds).T
    lates = np.zeros((n_articles, n_classes)) if late is not None else None
    late_rows = np.ascontiguousarray(by_class[:, late]) if late is not None else None
    late_bounds = np.concatenate([[0], np.cumsum(late)])[np.asarray(bounds)].tolist() if late is not None else None
    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        if b > a:
            rows = by_class[:, a:b]
            sums[i] = rows.sum(axis=1)
            if late_rows is not None:
                lates[i] = late_rows[:, late_bounds[i] : late_bounds[i + 1]].sum(axis=1)
    article_of_unit = np.repeat(np.arange(n_articles), np.diff(np.asarray(bounds)))
    tops = np.bincount(article_of_unit * n_classes + proba.argmax(axis=1), minlength=n_articles * n_classes).reshape(n_articles, n_classes)
    units = np.asarray(n_units, dtype=np.int64)[:, None]
    n, n_late = np.maximum(units, 1), np.maximum(units - units // 2, 1)
    return UnitStats(sums / n, tops / n, maxs, None if lates is None else lates / n_late)


@lru_cache(maxsize=64)
def _unit_stat_names(prefix: str, classes: tuple[str, ...], with_late: bool) -> tuple[tuple[str, str, int], ...]:
    """(feature name, `UnitStats` field, class index) of each unit statistic a head may read."""
    stats = ("mean", "top", "max", "late") if with_late else ("mean", "top", "max")
    return tuple((f"{prefix}.{stat}.{c}", stat, k) for k, c in enumerate(classes) if c not in QUIET_UNIT_CLASSES for stat in stats)


def _unit_stats(prefix: str, classes: Sequence[str], proba: np.ndarray, n_units: int, positions: np.ndarray | None = None) -> dict[str, float]:
    """The `UnitStats` of one article's units as named features (`proba`: the active units,
    `positions` their place in the article from 0 to 1)."""
    late = None if positions is None else _late(positions, proba.shape[0])
    stats = unit_stats_many(proba.reshape(-1, len(classes)), [0, proba.shape[0]], [n_units], late)
    return {name: float(getattr(stats, stat)[0, k]) for name, stat, k in _unit_stat_names(prefix, tuple(classes), positions is not None)}


@lru_cache(maxsize=1)
def register_cue_bits() -> dict[str, int]:
    """Each cue norm's `REGISTER_CUES` as bits (bit j: the j-th cue)."""
    bits: dict[str, int] = {}
    for j, cue in enumerate(REGISTER_CUES.values()):
        for norm in cue:
            bits[norm] = bits.get(norm, 0) | 1 << j
    return bits


def register_features(sentence_norms: Sequence[Sequence[str]]) -> dict[str, float]:
    """The share of an article's sentences that carry each of the `REGISTER_CUES`."""
    return register_features_many([t for norms in sentence_norms for t in norms], [len(norms) for norms in sentence_norms], [len(sentence_norms)])[0]


def register_features_many(norms: list[str], sentence_tokens: Sequence[int], article_sentences: Sequence[int], *,
                           cue_bits: np.ndarray | None = None) -> list[dict[str, float]]:
    """`register_features` of several articles at once: `norms` are all their tokens end to end,
    `sentence_tokens` the tokens of each sentence, `article_sentences` the sentences of each
    article (whole-number counts: the same shares as one article at a time). `cue_bits`: each
    norm's `register_cue_bits()` number (-1: not a cue) when the caller has them already
    (`NgramCounter.occurrences_and_numbers` gathers them from its token types)."""
    from .ngram_counts import numbers_of

    n_articles, n_sentences = len(article_sentences), len(sentence_tokens)
    bits = numbers_of(norms, register_cue_bits()) if cue_bits is None else cue_bits  # -1: not a cue
    cued = np.flatnonzero(bits > 0)
    cue_sentence = np.repeat(np.arange(n_sentences, dtype=np.int64), sentence_tokens)[cued]
    article_of_sentence = np.repeat(np.arange(n_articles, dtype=np.int64), article_sentences)
    columns = []
    for j in range(len(REGISTER_CUES)):
        carries = np.zeros(n_sentences, dtype=bool)
        carries[cue_sentence[(bits[cued] >> j & 1).astype(bool)]] = True
        columns.append(np.bincount(article_of_sentence[carries], minlength=n_articles).tolist())
    names = [f"{REGISTER_PREFIX}{name}" for name in REGISTER_CUES]
    return [
        {name: count / max(n, 1) for name, count in zip(names, counts)}
        for n, counts in zip(article_sentences, zip(*columns))
    ]


@lru_cache(maxsize=16)
def _lexicon_feature_names(columns: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(column, feature name) of the lexicon columns a head may read, in the columns' order
    (every article of a run has the same columns)."""
    return tuple((key, f"lex.{key}") for key in columns if key.startswith(_LEXICON_PREFIXES) and not key.endswith(("ci_low", "ci_high")))


def context_features(lexicon_scores: Mapping[str, Any], n_tokens: int) -> dict[str, float]:
    """Features every head may use: the lexicon's article columns and the actors."""
    out: dict[str, float] = {}
    for key, name in _lexicon_feature_names(tuple(lexicon_scores)):
        value = lexicon_scores[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value:
            out[name] = float(value)
    counts = [float(lexicon_scores.get(column, 0) or 0) for column in _ACTOR_COLUMNS]
    out["ctx.actors_present"] = float(sum(1 for c in counts if c > 0))
    out["ctx.actor_rate"] = 1000.0 * sum(counts) / n_tokens if n_tokens else 0.0
    out["ctx.log_tokens"] = math.log1p(n_tokens)
    return out


def article_features(dimension: str, unit_classes: Sequence[str], proba: np.ndarray, *, n_units: int, lexicon_scores: Mapping[str, Any], n_tokens: int,
                     positions: np.ndarray | None = None, register: Mapping[str, float] | None = None,
                     context: Mapping[str, float] | None = None) -> dict[str, float]:
    """The features of an article for a `label` or `position` head of `dimension`
    (`register`: its `register_features`; `context`: its `context_features`, computed here when
    not given)."""
    feats = _unit_stats("unit", unit_classes, proba, n_units, positions)
    feats.update(context_features(lexicon_scores, n_tokens) if context is None else context)
    feats.update(register or {})
    return feats


def category_features(category: str, unit_classes: Sequence[str], proba: np.ndarray, *, n_units: int, lexicon_scores: Mapping[str, Any], n_tokens: int, categories: Sequence[str],
                      register: Mapping[str, float] | None = None) -> dict[str, float]:
    """The features of one policy category of an article, for a `sets` head (see
    `categories_features`, which computes every category's at once)."""
    return categories_features(unit_classes, proba, n_units=n_units, lexicon_scores=lexicon_scores, n_tokens=n_tokens, categories=categories, register=register)[category]


@lru_cache(maxsize=64)
def _class_plan(unit_classes: tuple[str, ...], categories: tuple[str, ...]) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Column indices of the unit classes by role (advocate, reject) and by category."""
    roles = {role: [k for k, c in enumerate(unit_classes) if c.endswith(f":{role}")] for role in ("advocate", "reject")}
    cats = {cat: [k for k, c in enumerate(unit_classes) if ":" in c and c.split(":")[0] == cat] for cat in categories}
    return roles, cats


def categories_features(unit_classes: Sequence[str], proba: np.ndarray, *, n_units: int, lexicon_scores: Mapping[str, Any], n_tokens: int, categories: Sequence[str],
                        register: Mapping[str, float] | None = None, context: Mapping[str, float] | None = None) -> dict[str, dict[str, float]]:
    """The features of every policy category of an article, for a `sets` head: each category's
    unit statistics and lexicon columns under category-free names (so one model serves every
    category), the article context and `register` (its `register_features`), and a one-hot of
    the category (its own baseline).

    The joint classes spread little data over many labels; their marginals are sharper: how
    much a sentence speaks in an advocating (rejecting) voice, whatever the policy, and how much
    it is about this policy, whatever the voice. Their product per sentence is the evidence
    that this policy is advocated (rejected) there."""
    context = context_features(lexicon_scores, n_tokens) if context is None else context
    return categories_features_many(unit_classes, proba.reshape(-1, len(unit_classes)), [0, proba.shape[0]], [n_units], [lexicon_scores], categories,
                                    registers=[register or {}], contexts=[context])[0]


_ROLES = ("advocate", "reject")  # the voices a policy is advocated or rejected in
# the features of a category computed from its units, in the order every article's are listed
_UNIT_FEATURES = tuple(f"unit.{stat}.{role}" for role in _ROLES for stat in ("joint_mean", "joint_max", "voice_max")) + ("unit.about_mean", "unit.most_discussed")


@dataclass(frozen=True)
class _CategoryPlan:
    """What every article's features of one policy category share: the unit classes whose
    statistics it reads (their indices), the names of its features up to the unit ones, in
    order, the lexicon column of its net score, and its one-hot features."""

    stat_classes: tuple[int, ...]
    names: tuple[str, ...]  # mean, top and max of each stat class; the lexicon's net and lists; _UNIT_FEATURES
    net_column: str
    one_hot: Mapping[str, float]


@lru_cache(maxsize=64)
def _category_plans(unit_classes: tuple[str, ...], categories: tuple[str, ...]) -> tuple[_CategoryPlan, ...]:
    """The `_CategoryPlan` of each category, in order."""
    stats: dict[str, list[tuple[int, str]]] = {c: [] for c in categories}
    for k, c in enumerate(unit_classes):
        cat, _, role = c.partition(":")
        if cat in stats and c not in QUIET_UNIT_CLASSES:
            stats[cat].append((k, role))
    return tuple(
        _CategoryPlan(
            tuple(k for k, _ in stats[category]),
            tuple(f"unit.{stat}.{role}" for _, role in stats[category] for stat in ("mean", "top", "max")) + ("lex.net", "lex.advocated", "lex.rejected") + _UNIT_FEATURES,
            f"prescription.{category}",
            {f"cat.{c}": 1.0 if c == category else 0.0 for c in categories},
        )
        for category in categories
    )


def _segment_maxima(values: np.ndarray, bounds: Sequence[int]) -> np.ndarray:
    """The maximum of each article's columns of `values` (article i's in columns
    `bounds[i]:bounds[i + 1]`; one row per quantity), one column per article (0 for an article
    without a column): one call for all articles, and a maximum is exact in any order."""
    b = np.asarray(bounds, dtype=np.int64)
    filled = np.flatnonzero(b[1:] > b[:-1])
    out = np.zeros(values.shape[:-1] + (len(bounds) - 1,))
    if filled.size:
        out[..., filled] = np.maximum.reduceat(values, b[filled], axis=-1)
    return out


def _number_or_zero(value: Any) -> float:
    """A lexicon column as a feature: its number, 0.0 when it is missing, not a number or NaN."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value else 0.0


@dataclass(frozen=True)
class CategoryFeatures:
    """`categories_features` of several articles as one array: `rows[i, j]` holds article i's
    features of category j, one per name of `names` (0.0 where that article's category has no
    such feature, as a head reads a missing feature). `listed[i * len(categories) + j]`: the
    names of those features it has and their places in `names`, in the order
    `categories_features` lists them."""

    categories: tuple[str, ...]
    names: tuple[str, ...]
    rows: np.ndarray
    listed: tuple[tuple[tuple[str, ...], tuple[int, ...]], ...]

    def matrix(self, features: Sequence[str]) -> np.ndarray:
        """Every article's category rows (article by article, categories in order) with the
        columns `features` (a head's), 0.0 for a name none has: `ArticleHead.matrix` of the
        rows as mappings."""
        index = {name: j for j, name in enumerate(self.names)}
        cols = np.array([index.get(f, -1) for f in features], dtype=np.intp)
        flat = self.rows.reshape(-1, len(self.names))
        out = flat[:, np.maximum(cols, 0)] if len(self.names) else np.zeros((flat.shape[0], len(cols)))
        out[:, cols < 0] = 0.0
        return out

    def as_mappings(self) -> list[dict[str, dict[str, float]]]:
        """Each article's features by category, as `categories_features` gives them."""
        values = iter(zip(chain.from_iterable(self.rows.tolist()), self.listed))
        return [{category: dict(zip(names, [row[c] for c in cols])) for category, (row, (names, cols)) in zip(self.categories, values)} for _ in range(self.rows.shape[0])]


def categories_features_many(unit_classes: Sequence[str], proba: np.ndarray, bounds: Sequence[int], n_units: Sequence[int], lexicon_scores: Sequence[Mapping[str, Any]],
                             categories: Sequence[str], *, registers: Sequence[Mapping[str, float]], contexts: Sequence[Mapping[str, float]]) -> list[dict[str, dict[str, float]]]:
    """`categories_features` of several articles: `proba` holds their active units end to end
    (article i's in rows `bounds[i]:bounds[i + 1]`), `n_units` counts each article's units,
    `registers` and `contexts` are their `register_features` and `context_features`."""
    return category_feature_table(unit_classes, proba, bounds, n_units, lexicon_scores, categories, registers=registers, contexts=contexts).as_mappings()


def category_feature_table(unit_classes: Sequence[str], proba: np.ndarray, bounds: Sequence[int], n_units: Sequence[int], lexicon_scores: Sequence[Mapping[str, Any]],
                           categories: Sequence[str], *, registers: Sequence[Mapping[str, float]], contexts: Sequence[Mapping[str, float]]) -> CategoryFeatures:
    """`categories_features_many` as a `CategoryFeatures` matrix (what the `sets` heads read).

    What is computed unit by unit (voices, how much each unit is about each category, their
    products) is computed for all units at once, and so are the maxima (exact in any order) and
    each feature's column for every article; the sums over an article's units are numpy's sums
    of that article's own rows (see `unit_stats_many`), the divisions the same divisions: the
    same bits as one article alone. The columns are filled in the order `categories_features`
    writes its mappings (a later feature of the same name wins in both)."""
    unit_classes, categories = tuple(unit_classes), tuple(categories)
    role_idx, cat_idx = _class_plan(unit_classes, categories)
    plans = _category_plans(unit_classes, categories)
    stats = unit_stats_many(proba, bounds, n_units)
    n_rows, n_cats, n_articles = proba.shape[0], len(categories), len(bounds) - 1
    voices = np.stack([proba[:, role_idx[role]].sum(axis=1) if role_idx[role] else np.zeros(n_rows) for role in _ROLES])
    # How much each unit is about each category (one row per category), then its products with
    # each voice: stacked, an article's sums of all of them are one call, and each row is
    # summed exactly as the category's own vector would be (the same bits).
    about = np.stack([proba[:, idx].sum(axis=1) if idx else np.zeros(n_rows) for idx in (cat_idx[c] for c in categories)]) if categories else np.zeros((0, n_rows))
    per_unit = np.concatenate([about] + [about * voices[r] for r in range(len(_ROLES))])  # about, then each voice's joints
    unit_sums = np.zeros((n_articles, per_unit.shape[0]))
    most: list[str | None] = [None] * n_articles
    for i in range(n_articles):
        a, b = bounds[i], bounds[i + 1]
        if b > a:
            sums = proba[a:b].sum(axis=0).tolist()  # (axis-0 sums: the order the salience was fitted with)
            salience = {cat: 0.0 for cat in categories}
            for cat, idx in cat_idx.items():
                for k in idx:
                    salience[cat] += sums[k]
            most[i] = max(salience, key=lambda c: (salience[c], c)) if salience else None
            unit_sums[i] = per_unit[:, a:b].sum(axis=1)
    n = np.maximum(np.asarray(n_units, dtype=np.int64), 1).astype(np.float64)[:, None]
    unit_means, joint_maxs, voice_maxs = unit_sums / n, _segment_maxima(per_unit[n_cats:], bounds).T, _segment_maxima(voices, bounds).T
    # the columns: every category's own features, the shared ones, each register name, the one-hot
    register_names = list(dict.fromkeys(name for register in registers for name in register))
    shared_names = [*_CONTEXT_NAMES, "lex.ideology.neutral", "lex.ideology.sovereigntist"]
    one_hot_names = [f"cat.{c}" for c in categories]
    names = list(dict.fromkeys([name for plan in plans for name in plan.names] + shared_names + register_names + one_hot_names))
    index = {name: j for j, name in enumerate(names)}
    rows = np.zeros((n_articles, n_cats, len(names)))
    listed_advocated = [str(scores.get("prescriptions.advocated") or "").split(";") for scores in lexicon_scores]
    listed_rejected = [str(scores.get("prescriptions.rejected") or "").split(";") for scores in lexicon_scores]
    for j, (category, plan) in enumerate(zip(categories, plans)):
        for k, (mean_name, top_name, max_name) in zip(plan.stat_classes, zip(*[iter(plan.names[: 3 * len(plan.stat_classes)])] * 3)):
            rows[:, j, index[mean_name]], rows[:, j, index[top_name]], rows[:, j, index[max_name]] = stats.mean[:, k], stats.top[:, k], stats.max[:, k]
        nets = [scores.get(plan.net_column) for scores in lexicon_scores]
        rows[:, j, index["lex.net"]] = [float(net) if isinstance(net, (int, float)) and net == net else 0.0 for net in nets]
        rows[:, j, index["lex.advocated"]] = [1.0 if category in listed else 0.0 for listed in listed_advocated]
        rows[:, j, index["lex.rejected"]] = [1.0 if category in listed else 0.0 for listed in listed_rejected]
        for r, role in enumerate(_ROLES):  # (0.0 for an article without an active unit: its sums and maxima are 0.0)
            rows[:, j, index[f"unit.joint_mean.{role}"]] = unit_means[:, (r + 1) * n_cats + j]
            rows[:, j, index[f"unit.joint_max.{role}"]] = joint_maxs[:, r * n_cats + j]
            rows[:, j, index[f"unit.voice_max.{role}"]] = voice_maxs[:, r]
        rows[:, j, index["unit.about_mean"]] = unit_means[:, j]
        rows[:, j, index["unit.most_discussed"]] = [1.0 if found == category else 0.0 for found in most]
    for name in _CONTEXT_NAMES:
        rows[:, :, index[name]] = np.array([context[name] for context in contexts], dtype=np.float64)[:, None]
    for stance in ("neutral", "sovereigntist"):
        rows[:, :, index[f"lex.ideology.{stance}"]] = np.array([_number_or_zero(scores.get(f"ideology.{stance}")) for scores in lexicon_scores])[:, None]
    for i, register in enumerate(registers):
        for name, value in register.items():
            rows[i, :, index[name]] = value
    for c, name in zip(categories, one_hot_names):
        rows[:, :, index[name]] = np.array([1.0 if c == category else 0.0 for category in categories])
    # each row's own features, in the order of its mapping (a register name may be missing from an article)
    listed_of: dict[tuple[int, tuple[str, ...]], tuple[tuple[str, ...], tuple[int, ...]]] = {}
    listed = []
    for register in registers:
        own = tuple(register)
        for j, plan in enumerate(plans):
            got = listed_of.get((j, own))
            if got is None:
                keys = tuple(dict.fromkeys([*plan.names, *shared_names, *own, *one_hot_names]))
                got = listed_of[(j, own)] = (keys, tuple(index[key] for key in keys))
            listed.append(got)
    return CategoryFeatures(categories, tuple(names), rows, tuple(listed))


def unit_contributions(head: ArticleHead, unit_classes: Sequence[str], proba: np.ndarray, *, n_units: int, label: str, versus: str | None,
                       positions: np.ndarray | None = None) -> np.ndarray:
    """Each unit's contribution to the logit of `label` minus that of `versus` (the runner-up;
    for a binary head, to the single logit): the unit-mean, unit-top and second-half features
    are sums over units, so their part of the decision splits exactly into one term per unit.
    The largest-probability features and the article-wide lexicon and length terms are not
    split."""
    if not proba.size:
        return np.zeros(0)
    n = max(n_units, 1)
    n_late = max(n_units - n_units // 2, 1)
    w_mean, w_top, w_late = head.unit_weights(tuple(unit_classes), label, versus)
    out = proba @ w_mean / n + w_top[proba.argmax(axis=1)] / n
    if positions is not None:
        out = out + (proba @ w_late) * _late(positions, proba.shape[0]) / n_late
    return out


# --- storage -----------------------------------------------------------------------------------


def save_article_head(head: ArticleHead, path: str | Path) -> list[Path]:
    from ..io import model_files

    meta, arrays = head.to_store()
    return model_files.save_model(path, meta, arrays)


def load_article_head(path: str | Path) -> ArticleHead:
    from ..io import model_files

    stem = Path(path)
    stem = stem.with_suffix("") if stem.suffix in (".json", ".npz") else stem
    meta, arrays = model_files.load_model(stem, format=HEAD_FORMAT, format_version=HEAD_FORMAT_VERSION)
    return ArticleHead.from_store(meta, arrays, source=f"{stem}.json")


def load_article_heads(model_dir: str | Path) -> dict[str, ArticleHead]:
    """Every article head in a folder, by `head.key` (`alliance.label`, `alliance.position`,
    `ideology.label`, `prescriptions.advocated`, `prescriptions.rejected`)."""
    from ..io import model_files

    out: dict[str, ArticleHead] = {}
    for meta_path in sorted(Path(model_dir).glob("*.json")):
        stem = meta_path.with_suffix("")
        if model_files.looks_like(stem, HEAD_FORMAT):
            head = load_article_head(stem)
            out[head.key] = head
    return out
