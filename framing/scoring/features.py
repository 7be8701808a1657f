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
from pathlib import Path
from typing import Any, Iterable, Sequence

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
    "finish_lexicon_features",
    "lexicon_unit_label",
    "lexicon_unit_labels",
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


def _match_feature(lexicon: Lexicon, m: Match) -> tuple[str | None, float]:
    """Where one match counts as a feature, and with what weight (the lexicon's own rules)."""
    if lexicon.kind == "prescriptions":
        scope = lexicon.scope
        w = m.weight * (scope.hedging.factor if m.hedged else 1.0) * (scope.quotation.factor if m.quoted else 1.0)
        return (f"{m.category}:{m.role}" if m.role else None), w
    if lexicon.kind == "actors":
        return m.category, 1.0
    return m.counts_for, m.effective_weight


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
    names = list(names) if names is not None else lexicon_feature_names(lexicon)
    index = {n: i for i, n in enumerate(names)}
    out = np.zeros((n_units, len(names)), dtype=np.float64)
    for m in matches:
        if m.dimension != lexicon.dimension:
            continue
        key, w = _match_feature(lexicon, m)
        j = index.get(key) if key is not None else None
        if j is None or w == 0.0:
            continue
        unit = 0 if whole else (m.sentence_index if unit_of_sentence is None else unit_of_sentence[m.sentence_index])
        if 0 <= unit < n_units:
            out[unit, j] += w
    return out


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
    if lexicon.kind == "prescriptions":
        best: tuple[float, str] | None = None
        for m in own:
            key, w = _match_feature(lexicon, m)
            if key is not None and (best is None or w > best[0]):
                best = (w, key)
        return best[1] if best else "none"
    totals = dict.fromkeys(names, 0.0)
    for m in own:
        key, w = _match_feature(lexicon, m)
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
    dim = lexicon.dimension
    by_unit: dict[int, list[Match]] = {}
    for m in matches:
        if m.dimension == dim:
            u = m.sentence_index if unit_of_sentence is None else unit_of_sentence[m.sentence_index]
            if 0 <= u < n_units:
                by_unit.setdefault(u, []).append(m)
    if lexicon.kind != "stances":
        names = lexicon.category_names
        labels = [_strongest_label(lexicon, [], names)] * n_units
        for u, own in by_unit.items():
            labels[u] = _strongest_label(lexicon, own, names)
        return labels
    # score_dimension's stance label, from the same stance_mass (as lexicon_unit_label does)
    from .lexicon_scores import stance_mass

    names = lexicon.category_names
    empty = stance_mass(lexicon, dict.fromkeys(names, 0.0), n_tokens=1)
    labels = [max(names, key=empty.__getitem__, default="")] * n_units
    for u, own in by_unit.items():
        totals = dict.fromkeys(names, 0.0)
        for m in own:
            if m.counts_for in totals:
                totals[m.counts_for] += m.effective_weight
        mass = stance_mass(lexicon, totals, n_tokens=max(int(unit_tokens[u]), 1))
        labels[u] = max(names, key=mass.__getitem__)
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
