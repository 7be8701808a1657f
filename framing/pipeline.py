"""Composition only: read -> preprocess -> score (lexicons, sentiment, classifiers) -> write.

`score_article` is a pure function of an article and a `Scorer`; `framing.batch.run_batch` is the
one place that wires readers, scoring and writers together for the CLI and the Python API.
Each scoring function is named for what it takes: `score_article`, `score_articles` (a list,
scored as one batch) and `score_article_stream` (any iterable, duplicates skipped, in chunks)
take `Article`s; `score_document` and `score_document_batch` take preprocessed `Document`s.
"""
from __future__ import annotations

import hashlib
import sys
from itertools import chain
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol, Sequence

from ._version import __version__
from .lexicon.build import lexicon_hashes, load_lexicons
from .models import CHUNK_SIZE, Article, ArticleResult, Document, Lexicon, Match, SentenceProbabilities, SkippedInput
from .scoring.kinds import kind_of, score_dimension, word_count
from .scoring.lexicon_scores import CompiledLexicon, DocumentCache, apply_topic, compile_lexicons, match_document
from .scoring.sentiment import sentence_compounds
from .language import detect_language, is_readable
from .text import preprocess

__all__ = ["Scorer", "ExtraScorer", "build_scorer", "score_article", "score_articles", "score_article_stream", "score_columns", "BatchResult", "dependency_versions", "CHUNK_SIZE"]

BASE_COLUMNS = ("id", "title")
# Articles scored as one batch (and per task of a batch run): large enough to amortise
# inter-process traffic and numpy's per-call cost (64 scores about 30% faster than one at a
# time), small for memory.
COUNT_COLUMNS = ("n_tokens", "n_sentences")


class ExtraScorer(Protocol):
    """A scorer beside the lexicons (a classifier, the lean model): adds columns and evidence.

    It may also offer `score_many(docs, lexicon_scores, matches)`, the list of `score` results
    for several articles at once (the same results, computed faster); the pipeline then calls
    that for each batch of articles."""

    name: str

    def columns(self, lexicons: Sequence[Lexicon]) -> list[str]: ...

    def score(self, doc: Document, lexicon_scores: Mapping[str, Any], matches: Sequence[Match]) -> tuple[dict[str, Any], list[SentenceProbabilities]]: ...


@dataclass(frozen=True)
class Scorer:
    """Everything built once per process: compiled lexicons, loaded models."""

    lexicons: tuple[Lexicon, ...]
    compiled: tuple[CompiledLexicon, ...]
    lexicon_hashes: Mapping[str, str] = field(default_factory=dict)
    extras: tuple[ExtraScorer, ...] = ()
    sentiment: bool = True

    @property
    def actors(self) -> tuple[str, ...]:
        for lx in self.lexicons:
            if lx.kind == "actors":
                return lx.category_names
        return ()

    @property
    def fingerprint(self) -> str:
        """Changes whenever a lexicon file or model in use changes (the incremental cache key)."""
        h = hashlib.sha256()
        for path, digest in sorted(self.lexicon_hashes.items()):
            h.update(digest.encode())
        for extra in self.extras:
            h.update(getattr(extra, "fingerprint", extra.name).encode())
        h.update(__version__.encode())
        return h.hexdigest()[:16]


def _default_extras(lexicons: Sequence[Lexicon] = ()) -> tuple[ExtraScorer, ...]:
    """The shipped classifiers, when their model files are present (they blend with `lexicons`)."""
    extras: list[ExtraScorer] = []
    try:
        from .scoring.classifiers import default_classifier_scorers
    except ImportError:
        return ()
    extras.extend(default_classifier_scorers(lexicons))
    return tuple(extras)


def build_scorer(
    lexicon_dirs: Iterable[str | Path] = (), *, classifiers: bool = True, sentiment: bool = True, include_shipped: bool = True
) -> Scorer:
    """Load and compile lexicons (shipped, then each user layer) and the shipped models."""
    dirs = list(lexicon_dirs)
    lexicons = load_lexicons(dirs, include_shipped=include_shipped)
    return Scorer(
        lexicons=lexicons,
        compiled=compile_lexicons(lexicons),
        lexicon_hashes=lexicon_hashes(dirs, include_shipped=include_shipped),
        extras=_default_extras(lexicons) if classifiers else (),
        sentiment=sentiment,
    )


def score_columns(scorer: Scorer) -> list[str]:
    """The score columns in `scores.csv` order (metadata columns go before these)."""
    cols: list[str] = list(COUNT_COLUMNS) + ["language"]
    for lx in scorer.lexicons:
        cols += kind_of(lx).columns(lx)
    if scorer.sentiment:
        cols += ["tone.compound"] + [f"tone.{a}" for a in scorer.actors]
    for extra in scorer.extras:
        for c in extra.columns(scorer.lexicons):
            if c not in cols:
                cols.append(c)
    return cols


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _sentence_tones(doc: Document) -> tuple[float, ...]:
    text = doc.article.text
    return tuple(sentence_compounds(text[s.start : s.end] for s in doc.sentences))


def _lexicons_and_tone(doc: Document, scorer: Scorer, tones: tuple[float, ...]) -> tuple[dict[str, Any], list[Match], tuple[float, ...]]:
    """One article's lexicon columns, every match and each sentence's tone (what the extras see),
    given its sentences' tones (`_sentence_tones`, when the scorer has sentiment)."""
    scores: dict[str, Any] = {"n_tokens": doc.n_tokens, "n_sentences": len(doc.sentences)}
    scores["language"] = detect_language(doc.article.text, chain.from_iterable(s.norms for s in doc.sentences[:40]))
    cache = DocumentCache()
    all_matches: list[Match] = []
    actor_sentences: dict[str, set[int]] = {}
    mentions: dict[str, dict[str, set[int]]] = {}  # dimension -> category -> sentences
    # Lexicons without a topic rule first (actors among them), so topic rules can use them.
    for compiled in sorted(scorer.compiled, key=lambda c: c.topic_rule is not None):
        lx = compiled.lexicon
        matches = match_document(doc, compiled, cache=cache)
        rule = compiled.topic_rule
        if rule is not None:
            dim, cats, reach = rule
            subject = [i for c, idx in mentions.get(dim, {}).items() if c in cats for i in idx]
            matches = apply_topic(matches, mentions=subject, reach=reach)
        by_category = mentions.setdefault(lx.dimension, {})
        for m in matches:
            by_category.setdefault(m.category, set()).add(m.sentence_index)
        scores.update(score_dimension(lx, matches, n_tokens=doc.n_tokens, n_sentences=len(doc.sentences), n_words=word_count(lx, doc)))
        if lx.kind == "actors":
            actor_sentences = by_category
        all_matches.extend(matches)
    if scorer.sentiment:
        scores["tone.compound"] = _mean(tones) if tones else 0.0
        for actor in scorer.actors:
            idx = actor_sentences.get(actor, ())
            scores[f"tone.{actor}"] = _mean([tones[i] for i in sorted(idx)])
    return scores, all_matches, tones


def extra_outputs(
    extra: ExtraScorer, docs: Sequence[Document], lexicon_scores: Sequence[Mapping[str, Any]], matches: Sequence[Sequence[Match]]
) -> list[tuple[dict[str, Any], list[SentenceProbabilities]]]:
    """One extra's (columns, sentence probabilities) for each article: one `score_many` call
    where the extra has it, else `score` article by article."""
    many = getattr(extra, "score_many", None)
    if many is not None:
        return many(docs, lexicon_scores, matches)
    return [extra.score(doc, scores, found) for doc, scores, found in zip(docs, lexicon_scores, matches)]


def score_document_batch(docs: Sequence[Document], scorer: Scorer) -> list[ArticleResult]:
    """`score_document` of several articles, with the same results: lexicons and tone article by
    article, then each extra over all of them at once where it offers `score_many` (the
    classifiers do: one vectorisation per batch instead of one per article)."""
    # Each stage over all the articles before the next (tone, then lexicons), not article by
    # article: each keeps its tables in the CPU caches, about a tenth faster.
    tones = [_sentence_tones(doc) if scorer.sentiment else () for doc in docs]
    parts = [_lexicons_and_tone(doc, scorer, doc_tones) for doc, doc_tones in zip(docs, tones)]
    probabilities: list[list[SentenceProbabilities]] = [[] for _ in docs]
    for extra in scorer.extras:
        outputs = extra_outputs(extra, docs, [scores for scores, _, _ in parts], [matches for _, matches, _ in parts])
        for (scores, _, _), found, (cols, probs) in zip(parts, probabilities, outputs):
            scores.update(cols)  # the next extra sees this one's columns, as in score_document
            found.extend(probs)
    for scores, _, _ in parts:
        if not is_readable(scores["language"]):
            unreadable_reading(scores)
    return [
        ArticleResult(
            article=doc.article,
            scores=scores,
            matches=tuple(matches),
            sentences=tuple((s.start, s.end) for s in doc.sentences),
            sentence_tone=tones,
            sentence_probabilities=tuple(found),
        )
        for doc, (scores, matches, tones), found in zip(docs, parts, probabilities)
    ]


def unreadable_reading(scores: dict[str, Any]) -> None:
    """An article in a language the English lexicons and models cannot read gets no frame
    reading: its labels are `absent` (ideology: empty), its position 0 and its prescription lists
    empty, rather than whatever a few English names in it would suggest. The counts stay."""
    for key in list(scores):
        if key.endswith(".label") or key.endswith(("label_lexicon", "label_classifier")):
            scores[key] = "absent" if key.startswith("alliance.") else ""
        elif key.startswith("alliance.position") or key in ("alliance.ci_low", "alliance.ci_high"):
            scores[key] = 0.0
        elif key.startswith("prescriptions.advocated") or key.startswith("prescriptions.rejected"):
            scores[key] = ""


def language_warning(source: str, language: str) -> str:
    """The warning for an article framing cannot read (one line, naming the input)."""
    return (f"{source}: the text is in language {language!r}; framing's lexicons and models read English only, "
            f"so its frame labels are left absent (translate it first to score it)")


def score_document(doc: Document, scorer: Scorer) -> ArticleResult:
    """Score one preprocessed article (`framing.text.preprocess`)."""
    return score_document_batch([doc], scorer)[0]


def score_article(article: Article, scorer: Scorer) -> ArticleResult:
    """Score one article: a pure function of the article and the scorer."""
    return score_document(preprocess(article), scorer)


def score_articles(articles: Sequence[Article], scorer: Scorer) -> list[ArticleResult]:
    """`score_article` of each article, scored as one batch (faster; the same results)."""
    return score_document_batch([preprocess(a) for a in articles], scorer)


def score_article_stream(articles: Iterable[Article], scorer: Scorer, *, on_duplicate: Callable[[Article, str], None] | None = None) -> Iterator[ArticleResult]:
    """Score a stream of articles (any iterable of `Article`s), skipping exact duplicate texts
    (reported via on_duplicate); scored in batches of `CHUNK_SIZE`, so at most that many are
    held at once."""
    seen: dict[bytes, str] = {}
    batch: list[Article] = []
    for article in articles:
        key = hashlib.blake2b(article.text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        if key in seen:
            if on_duplicate is not None:
                on_duplicate(article, seen[key])
            continue
        seen[key] = article.id
        batch.append(article)
        if len(batch) >= CHUNK_SIZE:
            yield from score_articles(batch, scorer)
            batch = []
    if batch:
        yield from score_articles(batch, scorer)


def dependency_versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": sys.version.split()[0], "framing": __version__}
    for dist in ("scikit-learn", "nltk", "vaderSentiment", "seaborn", "matplotlib", "pandas", "numpy", "Jinja2", "PyYAML", "trafilatura"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


# --- the batch run: the IO edge ------------------------------------------------------------


@dataclass
class BatchResult:
    """What a batch run wrote. The score rows are not held in memory: `rows` reads them back from
    `scores_path` on first use (fine for small runs; read the file yourself for large ones)."""

    out_dir: Path
    columns: list[str]
    skipped: list[SkippedInput]
    duplicates: list[dict[str, str]]
    warnings: list[str]
    manifest: dict[str, Any]
    n_articles: int = 0
    n_scored: int = 0  # scored in this run
    n_cached: int = 0  # taken from the incremental cache
    scores_path: Path | None = None
    _rows: list[dict[str, Any]] | None = field(default=None, repr=False, compare=False)

    @property
    def rows(self) -> list[dict[str, Any]]:
        if self._rows is None:
            from .io.spool import read_scores

            self._rows = read_scores(self.scores_path) if self.scores_path is not None and self.n_articles else []
        return self._rows

    @property
    def exit_code(self) -> int:
        return 1 if self.skipped else 0


def evidence_records(result: ArticleResult, article_id: str) -> Iterator[dict[str, Any]]:
    """The evidence lines for one article: every match with its sentence, then the classifiers'
    sentence probabilities."""
    text = result.article.text
    for m in result.matches:
        rec = m.as_dict()
        rec["article_id"] = article_id
        s, e = result.sentences[m.sentence_index]
        rec["sentence"] = text[s:e]
        rec["type"] = "match"
        yield rec
    for p in result.sentence_probabilities:
        rec = p.as_dict()
        rec["article_id"] = article_id
        s, e = result.sentences[p.sentence_index]
        rec["sentence"] = text[s:e]
        rec["type"] = "sentence"
        yield rec
