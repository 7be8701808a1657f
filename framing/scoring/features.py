"""Features the framing classifiers share with the lexicons.

- `TokenNgrams`: the word and character n-gram analyzers. They work on framing's own tokens
  (`framing.text.tokenize`, the same tokens the lexicons match), so training (sklearn's
  `TfidfVectorizer(analyzer=TokenNgrams(...))`) and scoring (which reuses the tokens the pipeline
  already made) see exactly the same n-grams, and `n't` / `'s` survive as features.
- `LexiconFeatures`: a transformer in the scikit-learn style giving the lexicon's own category
  counts as features (for prescriptions, category x role).
- `lexicon_unit_label`: the lexicon's label for one unit (a sentence, or an ideology passage), the
  one mapping used by `framing evaluate`, by the classifiers' agreement figures and by the model
  card.

Importing this module does not import scikit-learn: the scorer uses only the plain functions.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from operator import attrgetter
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from ..models import Article, Lexicon, Match

__all__ = [
    "TokenNgrams",
    "word_ngrams",
    "char_ngrams",
    "is_word",
    "ROLES",
    "lexicon_feature_names",
    "lexicon_feature_matrix",
    "lexicon_feature_rows",
    "finish_lexicon_features",
    "lexicon_unit_label",
    "lexicon_unit_labels",
    "UnitLabeler",
    "match_units",
    "LexiconFeatures",
    "WordVectorFeatures",
]

ROLES = ("advocate", "reject", "describe")  # prescription roles, in feature order


def is_word(norm: str) -> bool:
    """Tokens that become n-grams: everything but a lone symbol (framing's tokenizer makes
    symbols one-character tokens, so this drops bare punctuation)."""
    return len(norm) > 1 or norm.isalnum()


@lru_cache(maxsize=20_000)  # small: the classifiers keep their own per-type tables
def _token_char_ngrams(norm: str, lo: int, hi: int) -> tuple[str, ...]:
    # sklearn's char_wb: each word padded with one space either side; cached because news
    # vocabularies repeat heavily (this makes char n-grams nearly as cheap as words).
    padded = f" {norm} "
    n_chars = len(padded)
    out: list[str] = []
    for n in range(lo, hi + 1):
        if n > n_chars:
            break
        out.extend(padded[i : i + n] for i in range(n_chars - n + 1))
    return tuple(out)


def word_ngrams(norms: Sequence[str], ngram_range: tuple[int, int] = (1, 2)) -> list[str]:
    """Word n-grams of one sentence's token norms (punctuation tokens dropped)."""
    words = [t for t in norms if is_word(t)]
    lo, hi = ngram_range
    out: list[str] = list(words) if lo <= 1 <= hi else []
    for n in range(max(lo, 2), hi + 1):
        out.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    return out


def char_ngrams(norms: Sequence[str], ngram_range: tuple[int, int] = (3, 5)) -> list[str]:
    """Character n-grams within words (sklearn's `char_wb`), from token norms."""
    lo, hi = ngram_range
    out: list[str] = []
    for t in norms:
        if is_word(t):
            out.extend(_token_char_ngrams(t, lo, hi))
    return out


@dataclass(frozen=True)
class TokenNgrams:
    """A text analyzer for `TfidfVectorizer(analyzer=...)`: `kind` is "word" or "char_wb".

    Text is split into sentences and tokens exactly as the pipeline does, so an n-gram never
    spans two sentences; at scoring time a passage's counts are the sum of its sentences' counts.
    """

    kind: str = "word"
    ngram_range: tuple[int, int] = (1, 2)

    def __post_init__(self) -> None:
        if self.kind not in ("word", "char_wb"):
            raise ValueError(f"TokenNgrams kind must be 'word' or 'char_wb', not {self.kind!r}")
        lo, hi = self.ngram_range
        if not (1 <= lo <= hi):
            raise ValueError(f"bad ngram_range {self.ngram_range!r}")

    def sentence_ngrams(self, norms: Sequence[str]) -> list[str]:
        lo, hi = self.ngram_range
        if self.kind == "word":
            return word_ngrams(norms, (lo, hi))
        return char_ngrams(norms, (lo, hi))

    def __call__(self, text: str) -> list[str]:
        from ..text import iter_sentences

        out: list[str] = []
        for sent in iter_sentences(text):
            out.extend(self.sentence_ngrams(list(sent.norms)))
        return out

    def as_config(self) -> dict[str, Any]:
        return {"kind": self.kind, "ngram_range": list(self.ngram_range)}


# --- the lexicon as features ------------------------------------------------------------------


def lexicon_feature_names(lexicon: Lexicon) -> list[str]:
    """One feature per category (per category and role for prescriptions)."""
    if lexicon.kind == "prescriptions":
        return [f"{c}:{r}" for c in lexicon.category_names for r in ROLES]
    return list(lexicon.category_names)


_SENTENCE_INDEX, _COUNTS_FOR, _EFFECTIVE_WEIGHT, _CATEGORY = map(attrgetter, ("sentence_index", "counts_for", "effective_weight", "category"))


def _match_features(lexicon: Lexicon, matches: Sequence[Match]) -> tuple[list[str | None], list[float]]:
    """Where each of `matches` counts as a feature, and with what weight (the lexicon's own
    rules), as a list of keys and a list of weights (where the rule reads one field, the list
    is read in C: ideology has some twenty matches per article)."""
    if lexicon.kind == "prescriptions":
        hedging, quotation = lexicon.scope.hedging.factor, lexicon.scope.quotation.factor
        keys = [f"{m.category}:{m.role}" if m.role else None for m in matches]
        return keys, [m.weight * (hedging if m.hedged else 1.0) * (quotation if m.quoted else 1.0) for m in matches]
    if lexicon.kind == "actors":
        return list(map(_CATEGORY, matches)), [1.0] * len(matches)
    return list(map(_COUNTS_FOR, matches)), list(map(_EFFECTIVE_WEIGHT, matches))


def _unit_rows(lexicon: Lexicon, matches: Sequence[Iterable[Match]], unit_bounds: Sequence[int], unit_of_sentence: Sequence[Sequence[int]] | None,
               *, whole: bool = False) -> tuple[list[Match], np.ndarray]:
    """The matches of `lexicon`'s dimension in several articles that fall in a unit of their
    article, in order, and the row of each one's unit: article i's units are rows
    `unit_bounds[i]:unit_bounds[i + 1]`, to which `unit_of_sentence[i]` maps its sentences
    (None: the sentences themselves; `whole`: every match in its article's first unit)."""
    dim = lexicon.dimension
    kept: list[Match] = []
    rows: list[int] = []
    for i, found in enumerate(matches):
        own = [m for m in found if m.dimension == dim]
        if not own:
            continue
        first, n_units = unit_bounds[i], unit_bounds[i + 1] - unit_bounds[i]
        if whole:
            local = [0] * len(own)
        else:
            local = list(map(_SENTENCE_INDEX, own))
            if unit_of_sentence is not None:
                local = list(map(unit_of_sentence[i].__getitem__, local))
        if 0 <= min(local) and max(local) < n_units:
            kept += own
            rows += [first + u for u in local]
            continue
        for m, u in zip(own, local):
            if 0 <= u < n_units:
                kept.append(m)
                rows.append(first + u)
    return kept, np.asarray(rows, dtype=np.intp)


def _weight_sums(keys: Sequence[str | None], weights: Sequence[float], rows: np.ndarray, index: Mapping[str, int], shape: tuple[int, int]) -> np.ndarray:
    """Each row's summed weight per column (`index`: each key's column; other keys count
    nowhere). A cell adds its weights in their order from 0.0 (`np.add.at` adds in index order,
    one at a time): the sums a loop over the matches makes."""
    cols = np.fromiter(map(index.get, keys, repeat(-1)), dtype=np.intp, count=len(keys))
    w = np.asarray(weights, dtype=np.float64)
    counted = (cols >= 0) & (w != 0.0)  # (adding 0.0 to a sum from 0.0 changes no bit)
    out = np.zeros(shape, dtype=np.float64)
    np.add.at(out, (rows[counted], cols[counted]), w[counted])
    return out


def lexicon_feature_matrix(
    lexicon: Lexicon, matches: Iterable[Match], n_units: int, *, names: Sequence[str] | None = None,
    unit_of_sentence: Sequence[int] | None = None, whole: bool = False,
) -> np.ndarray:
    """Raw lexicon feature sums, one row per unit (per sentence unless `unit_of_sentence` maps
    sentences to units, e.g. passages; `whole=True`: every match in row 0, the whole text as one
    unit). Pass these through `finish_lexicon_features`.

    `names` fixes the feature order (a trained model's); features it lacks are dropped, so a
    model keeps working when a user's lexicon layer adds a category.
    """
    return lexicon_feature_rows(lexicon, [matches], [0, n_units], names=names, unit_of_sentence=None if unit_of_sentence is None else [unit_of_sentence], whole=whole)


def lexicon_feature_rows(
    lexicon: Lexicon, matches: Sequence[Iterable[Match]], unit_bounds: Sequence[int], *, names: Sequence[str] | None = None,
    unit_of_sentence: Sequence[Sequence[int]] | None = None, whole: bool = False,
) -> np.ndarray:
    """`lexicon_feature_matrix` of several articles end to end: article i's `matches[i]` fill
    rows `unit_bounds[i]:unit_bounds[i + 1]` (its units; `unit_of_sentence[i]` maps its
    sentences to them). Each cell adds its matches in match order, so every row has the bits
    of its article's matrix alone."""
    names = list(names) if names is not None else lexicon_feature_names(lexicon)
    kept, rows = _unit_rows(lexicon, matches, unit_bounds, unit_of_sentence, whole=whole)
    keys, weights = _match_features(lexicon, kept)
    return _weight_sums(keys, weights, rows, {n: i for i, n in enumerate(names)}, (unit_bounds[-1], len(names)))


def finish_lexicon_features(raw: np.ndarray) -> np.ndarray:
    """log1p of the weighted counts: one strong term is evidence, ten are not ten times more."""
    return np.log1p(raw)


def match_units(lexicon: Lexicon, texts: Sequence[str], *, compiled: Any = None) -> list[tuple[list[Match], int, int]]:
    """Match one lexicon in each text, treated as its own small article: (matches, n_tokens,
    n_sentences) per text. Used for training data and for evaluation."""
    from ..scoring.lexicon_scores import CompiledLexicon, match_document
    from ..text import preprocess

    compiled = compiled or CompiledLexicon(lexicon)
    out = []
    for i, text in enumerate(texts):
        doc = preprocess(Article(id=f"unit-{i}", text=text))
        out.append((match_document(doc, compiled), doc.n_tokens, len(doc.sentences)))
    return out


def lexicon_unit_label(lexicon: Lexicon, matches: Sequence[Match], *, n_tokens: int = 0, n_sentences: int = 1) -> str:
    """The lexicon's label for one unit of annotation, comparable with a human label.

    - `poles` (alliance) and user `categories` dimensions: the category with the largest summed
      effective weight among the unit's matches (after negation flips, hedging and quotation),
      `none` when nothing counts. Ties go to the category listed first in the lexicon.
    - `prescriptions`: `category:role` of the strongest policy match (weight x hedging x
      quotation factors; `describe` matches count here, as annotators label them), `none` when
      there is no policy match. Ties go to the earliest match.
    - `stances` (ideology): the stance with the largest share in `score_dimension` over the unit
      (priors included, so a passage with no stance vocabulary reads `neutral`).
    """
    dim = lexicon.dimension
    own = [m for m in matches if m.dimension == dim]
    if lexicon.kind == "stances":
        from .kinds import score_dimension

        return str(score_dimension(lexicon, own, n_tokens=max(n_tokens, 1), n_sentences=max(n_sentences, 1))[f"{dim}.label"])
    return _strongest_label(lexicon, own, lexicon.category_names)


def _strongest_label(lexicon: Lexicon, own: Sequence[Match], names: Sequence[str]) -> str:
    """`lexicon_unit_label` of a unit's matches of a `poles`, `prescriptions` or `categories`
    dimension (`own`: the matches of that dimension; `names`: its `category_names`)."""
    keys, weights = _match_features(lexicon, own)
    if lexicon.kind == "prescriptions":
        best: tuple[float, str] | None = None
        for key, w in zip(keys, weights):
            if key is not None and (best is None or w > best[0]):
                best = (w, key)
        return best[1] if best else "none"
    totals = dict.fromkeys(names, 0.0)
    for key, w in zip(keys, weights):
        if key in totals:
            totals[key] += w
    top = max(names, key=totals.__getitem__, default=None)
    return top if top is not None and totals[top] > 0 else "none"


def lexicon_unit_labels(
    lexicon: Lexicon, matches: Iterable[Match], *, n_units: int, unit_tokens: Sequence[float], unit_sentences: Sequence[int],
    unit_of_sentence: Sequence[int] | None = None,
) -> list[str]:
    """`lexicon_unit_label` of every unit of an article at once: units are its sentences, or the
    units `unit_of_sentence` maps them to (ideology passages), with their token and sentence
    counts. Units without a match share one label; stance labels are computed directly, as
    `score_dimension` computes them, instead of through its whole column dictionary."""
    return UnitLabeler.of(lexicon).labels([matches], [0, n_units], unit_tokens, None if unit_of_sentence is None else [unit_of_sentence])


@dataclass(frozen=True, eq=False)
class UnitLabeler:
    """`lexicon_unit_labels` of one lexicon for the units of many articles, with what every
    unit shares worked out once (`UnitLabeler.of(lexicon)`): the category names and their
    columns, the label of a unit without a match and, for stances, each stance's prior and the
    smoothing."""

    lexicon: Lexicon
    names: tuple[str, ...]
    index: Mapping[str, int]  # each category's column
    labels_of: np.ndarray  # the names as an object array, to pick many labels in one call
    empty: str  # the label of a unit without a match
    priors: np.ndarray  # stances: each one's prior, as `stance_mass` reads it
    smoothing: float  # stances: `stance_mass`'s smoothing

    @classmethod
    def of(cls, lexicon: Lexicon) -> "UnitLabeler":
        names = lexicon.category_names
        index, labels_of = {c: k for k, c in enumerate(names)}, np.array(names, dtype=object)
        if lexicon.kind != "stances":
            return cls(lexicon, names, index, labels_of, _strongest_label(lexicon, [], names), np.zeros(0), 0.0)
        from ..lexicon.params import param
        from .lexicon_scores import stance_mass

        empty = stance_mass(lexicon, dict.fromkeys(names, 0.0), n_tokens=1)
        prior = param(lexicon, "prior") or {}
        return cls(lexicon, names, index, labels_of, max(names, key=empty.__getitem__, default=""),
                   np.array([float(prior.get(c, 0.0)) for c in names]), float(param(lexicon, "smoothing")))

    def labels(self, matches: Sequence[Iterable[Match]], unit_bounds: Sequence[int], unit_tokens: Sequence[float],
               unit_of_sentence: Sequence[Sequence[int]] | None = None) -> list[str]:
        """The labels of several articles' units end to end: article i's `matches[i]` label
        units `unit_bounds[i]:unit_bounds[i + 1]`, whose tokens are in `unit_tokens` (indexed
        like the labels) and to which `unit_of_sentence[i]` maps its sentences (None: the
        sentences themselves)."""
        n_units = unit_bounds[-1]
        kept, rows = _unit_rows(self.lexicon, matches, unit_bounds, unit_of_sentence)
        if not kept:
            return [self.empty] * n_units
        keys, weights = _match_features(self.lexicon, kept)
        if self.lexicon.kind == "prescriptions":
            # `_strongest_label`: each unit's first match of the largest weight among those with a key
            keyed = np.flatnonzero(np.fromiter((key is not None for key in keys), dtype=bool, count=len(keys)))
            w, r = np.asarray(weights, dtype=np.float64)[keyed], rows[keyed]
            order = np.lexsort((keyed, -w, r))  # by unit, then the weight downwards, then the match order
            units, first = np.unique(r[order], return_index=True)
            found = [keys[j] for j in keyed[order[first]].tolist()]
            return self._placed(n_units, units, found)
        if not self.names:
            return [self.empty] * n_units
        # the units with a match (most units of a sentence model have none), one row each
        units, row_of_match = np.unique(rows, return_inverse=True)
        totals = _weight_sums(keys, weights, row_of_match, self.index, (units.size, len(self.names)))
        if self.lexicon.kind == "stances":
            # `stance_mass` (the same operations in the same order) and its largest, the first on ties
            n_tokens = np.maximum(np.asarray(unit_tokens, dtype=np.float64)[units].astype(np.int64), 1).astype(np.float64)
            found = self.labels_of[(1000.0 * totals / n_tokens[:, None] + self.priors + self.smoothing).argmax(axis=1)].tolist()
        else:  # `_strongest_label`: the largest total (the first on ties), `none` when nothing counts
            top = totals.argmax(axis=1)
            found = np.where(totals[np.arange(units.size), top] > 0, self.labels_of[top], "none").tolist()
        return self._placed(n_units, units, found)

    def _placed(self, n_units: int, units: np.ndarray, found: Sequence[str]) -> list[str]:
        """`n_units` labels: `found[k]` for unit `units[k]`, `empty` for the others."""
        labels = [self.empty] * n_units
        for u, label in zip(units.tolist(), found):
            labels[u] = label
        return labels


def _texts(X: Any, estimator: Any = None, fitted: str = "") -> list[str]:
    """The texts a transformer was given, refusing a bare string (sklearn's message) and, with
    `fitted`, an estimator not fitted yet (sklearn's `check_is_fitted`)."""
    if fitted:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(estimator, fitted)
    if isinstance(X, str):
        raise ValueError("Iterable over raw text documents expected, string object received.")
    return list(X)


def _define_lexicon_features() -> type:
    """Define `LexiconFeatures` on first use, so that scoring (which never trains) does not pay
    for importing scikit-learn (about a second)."""
    from sklearn.base import BaseEstimator, TransformerMixin

    class LexiconFeatures(TransformerMixin, BaseEstimator):
        """The lexicon's own category counts as classifier features (scikit-learn transformer).

        Each text is preprocessed and matched like an article; the features are `log1p` of the
        summed effective weights per category (prescriptions: per category and role), so the
        classifier sees the lexicon's decision with its negation, hedging and quotation rules.

        Parameters are stored unchanged; `fit` learns `lexicon_` (the merged lexicon) and
        `feature_names_`. `lexicon_dirs` layers user folders over the shipped lexicons
        (`include_shipped=False` uses only those folders, e.g. fixture lexicons).
        """

        def __init__(self, dimension: str = "alliance", lexicon_dirs: Sequence[str | Path] = (), include_shipped: bool = True) -> None:
            self.dimension = dimension
            self.lexicon_dirs = lexicon_dirs
            self.include_shipped = include_shipped

        def _load(self) -> Lexicon | None:
            from ..lexicon.build import load_lexicons

            for lx in load_lexicons(list(self.lexicon_dirs), include_shipped=self.include_shipped):
                if lx.dimension == self.dimension:
                    return lx
            return None

        def fit(self, X: Sequence[str], y: Any = None) -> "LexiconFeatures":
            _texts(X)
            self.lexicon_ = self._load()
            self.feature_names_ = lexicon_feature_names(self.lexicon_) if self.lexicon_ is not None else []
            return self

        def transform(self, X: Sequence[str]) -> np.ndarray:
            texts = _texts(X, self, "feature_names_")
            if self.lexicon_ is None or not self.feature_names_:
                return np.zeros((len(texts), 0))
            raw = np.zeros((len(texts), len(self.feature_names_)))
            for i, (matches, _, _) in enumerate(match_units(self.lexicon_, texts, compiled=self._compiled())):
                raw[i] = lexicon_feature_matrix(self.lexicon_, matches, 1, names=self.feature_names_, whole=True)[0]
            return finish_lexicon_features(raw)

        def _compiled(self) -> Any:
            cached = getattr(self, "_compiled_cache", None)
            if cached is None or cached.lexicon is not self.lexicon_:
                from .lexicon_scores import CompiledLexicon

                cached = CompiledLexicon(self.lexicon_)
                self._compiled_cache = cached
            return cached

        def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
            return np.asarray([f"lexicon:{n}" for n in self.feature_names_], dtype=object)

        def __getstate__(self) -> dict[str, Any]:
            state = dict(self.__dict__)
            state.pop("_compiled_cache", None)
            return state

    LexiconFeatures.__module__ = __name__
    LexiconFeatures.__qualname__ = "LexiconFeatures"
    return LexiconFeatures


def _define_word_vector_features() -> type:
    """Define `WordVectorFeatures` on first use (it imports scikit-learn)."""
    from sklearn.base import BaseEstimator, TransformerMixin

    class WordVectorFeatures(TransformerMixin, BaseEstimator):
        """Each text's word-vector row (`framing.scoring.word_vectors`: the sum of its known
        words' vectors, L2-normalised) times `scale`, as classifier features.

        `model_dir`: the folder holding the table (default: the shipped models'); `fit` learns
        `word_vectors_` (the table) and `n_dims_`."""

        def __init__(self, model_dir: str | None = None, scale: float = 1.0) -> None:
            self.model_dir = model_dir
            self.scale = scale

        def fit(self, X: Sequence[str], y: Any = None) -> "WordVectorFeatures":
            from .word_vectors import shipped_word_vectors

            _texts(X)
            self.word_vectors_ = shipped_word_vectors(self.model_dir)
            self.n_dims_ = self.word_vectors_.n_dims
            return self

        def transform(self, X: Sequence[str]) -> np.ndarray:
            from ..text import iter_sentences

            units = ([n for sent in iter_sentences(t) for n in sent.norms] for t in _texts(X, self, "word_vectors_"))
            return self.scale * self.word_vectors_.unit_vectors(units)

        def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
            return np.asarray([f"vector:{j}" for j in range(self.n_dims_)], dtype=object)

    WordVectorFeatures.__module__ = __name__
    WordVectorFeatures.__qualname__ = "WordVectorFeatures"
    return WordVectorFeatures


_LAZY = {"LexiconFeatures": _define_lexicon_features, "WordVectorFeatures": _define_word_vector_features}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        cls = _LAZY[name]()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
