"""Composition only: read -> preprocess -> score (lexicons, sentiment, classifiers) -> write.

`score_article` is a pure function of an article and a `Scorer`; `run_batch` is the one place
that wires readers, scoring and writers together for the CLI and the Python API.
"""
from __future__ import annotations

import hashlib
import json
import math
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol, Sequence

from . import __version__
from .lexicon.build import lexicon_hashes, load_lexicons
from .models import Article, ArticleResult, Document, Lexicon, Match, SentenceProbabilities, SkippedInput
from .scoring.lexicon_scores import CompiledLexicon, category_columns_prefix, compile_lexicons, match_document, score_dimension
from .scoring.sentiment import sentence_compounds
from .text import preprocess

__all__ = ["Scorer", "ExtraScorer", "build_scorer", "score_article", "score_documents", "score_columns", "BatchResult", "run_batch", "dependency_versions"]

BASE_COLUMNS = ("id", "title")
COUNT_COLUMNS = ("n_tokens", "n_sentences")


class ExtraScorer(Protocol):
    """A scorer beside the lexicons (a classifier, the lean model): adds columns and evidence."""

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


def _default_extras() -> tuple[ExtraScorer, ...]:
    """The shipped classifiers, when their model files are present."""
    extras: list[ExtraScorer] = []
    try:
        from .scoring.classifiers import default_classifier_scorers
    except ImportError:
        return ()
    extras.extend(default_classifier_scorers())
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
        extras=_default_extras() if classifiers else (),
        sentiment=sentiment,
    )


def score_columns(scorer: Scorer) -> list[str]:
    """The score columns in `scores.csv` order (metadata columns go before these)."""
    cols: list[str] = list(COUNT_COLUMNS)
    for lx in scorer.lexicons:
        dim, names = lx.dimension, lx.category_names
        if lx.kind == "poles":
            cols += [f"{dim}.position", f"{dim}.ci_low", f"{dim}.ci_high", f"{dim}.label", f"{dim}.intensity"] + [f"{dim}.{c}" for c in names]
        elif lx.kind == "prescriptions":
            prefix = category_columns_prefix(lx)
            cols += [f"{prefix}.{c}" for c in names] + [f"{dim}.advocated", f"{dim}.rejected"]
        elif lx.kind == "stances":
            cols += [f"{dim}.{c}" for c in names] + [f"{dim}.label"]
        elif lx.kind == "actors":
            cols += [f"{dim}.{c}" for c in names]
        else:
            cols += [f"{dim}.{c}" for c in names] + [f"{dim}.label", f"{dim}.intensity"]
    if scorer.sentiment:
        cols += ["tone.compound"] + [f"tone.{a}" for a in scorer.actors]
    for extra in scorer.extras:
        for c in extra.columns(scorer.lexicons):
            if c not in cols:
                cols.append(c)
    return cols


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def score_document(doc: Document, scorer: Scorer) -> ArticleResult:
    scores: dict[str, Any] = {"n_tokens": doc.n_tokens, "n_sentences": len(doc.sentences)}
    norms_cache: dict[int, list[str]] = {}
    all_matches: list[Match] = []
    actor_sentences: dict[str, set[int]] = {}
    for compiled in scorer.compiled:
        lx = compiled.lexicon
        matches = match_document(doc, compiled, norms_cache=norms_cache)
        scores.update(score_dimension(lx, matches, n_tokens=doc.n_tokens, n_sentences=len(doc.sentences)))
        if lx.kind == "actors":
            for m in matches:
                actor_sentences.setdefault(m.category, set()).add(m.sentence_index)
        all_matches.extend(matches)
    text = doc.article.text
    tones: tuple[float, ...] = ()
    if scorer.sentiment:
        tones = tuple(sentence_compounds(text[s.start : s.end] for s in doc.sentences))
        scores["tone.compound"] = _mean(tones) if tones else 0.0
        for actor in scorer.actors:
            idx = actor_sentences.get(actor, ())
            scores[f"tone.{actor}"] = _mean([tones[i] for i in sorted(idx)])
    probabilities: list[SentenceProbabilities] = []
    for extra in scorer.extras:
        cols, probs = extra.score(doc, scores, all_matches)
        scores.update(cols)
        probabilities.extend(probs)
    return ArticleResult(
        article=doc.article,
        scores=scores,
        matches=tuple(all_matches),
        sentences=tuple((s.start, s.end) for s in doc.sentences),
        sentence_tone=tones,
        sentence_probabilities=tuple(probabilities),
    )


def score_article(article: Article, scorer: Scorer) -> ArticleResult:
    """Score one article: a pure function of the article and the scorer."""
    return score_document(preprocess(article), scorer)


def score_documents(articles: Iterable[Article], scorer: Scorer, *, on_duplicate: Callable[[Article, str], None] | None = None) -> Iterator[ArticleResult]:
    """Score a stream of articles, skipping exact duplicate texts (reported via on_duplicate)."""
    seen: dict[bytes, str] = {}
    for article in articles:
        key = hashlib.blake2b(article.text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        if key in seen:
            if on_duplicate is not None:
                on_duplicate(article, seen[key])
            continue
        seen[key] = article.id
        yield score_article(article, scorer)


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
    out_dir: Path
    rows: list[dict[str, Any]]
    columns: list[str]
    skipped: list[SkippedInput]
    duplicates: list[dict[str, str]]
    warnings: list[str]
    manifest: dict[str, Any]

    @property
    def exit_code(self) -> int:
        return 1 if self.skipped else 0


def _unique_ids(rows: list[dict[str, Any]]) -> None:
    """Make article ids unique within a run (two files named `a.txt` in different folders)."""
    seen: dict[str, int] = {}
    for row in rows:
        base = row["id"]
        if base in seen:
            seen[base] += 1
            row["id"] = f"{base}~{seen[base]}"
        else:
            seen[base] = 1


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


def run_batch(
    paths: Sequence[str | Path],
    out_dir: str | Path,
    *,
    lexicon_dirs: Sequence[str | Path] = (),
    text_field: str = "text",
    fmt: str = "csv",
    classifiers: bool = True,
    progress: Callable[[int], None] | None = None,
    on_skip: Callable[[SkippedInput], None] | None = None,
    on_warn: Callable[[str], None] | None = None,
    scorer: Scorer | None = None,
) -> BatchResult:
    """Read, score and write `scores.csv`, `evidence.jsonl` and `manifest.json` into out_dir."""
    from .io.readers import iter_articles
    from .io.writers import atomic_open, ensure_output_dir, write_json, write_table

    started = time.time()
    out = ensure_output_dir(out_dir)
    scorer = scorer or build_scorer(lexicon_dirs, classifiers=classifiers)
    skipped: list[SkippedInput] = []
    warnings: list[str] = []
    duplicates: list[dict[str, str]] = []

    def _skip(item: SkippedInput) -> None:
        skipped.append(item)
        if on_skip is not None:
            on_skip(item)

    def _dup(article: Article, first_id: str) -> None:
        duplicates.append({"id": article.id, "source": article.source, "duplicate_of": first_id})

    rows: list[dict[str, Any]] = []
    meta_columns: list[str] = []
    score_cols = score_columns(scorer)
    reserved = set(BASE_COLUMNS) | set(score_cols)
    def _warn(message: str) -> None:
        warnings.append(message)
        if on_warn is not None:
            on_warn(message)

    articles = iter_articles(paths, text_field=text_field, on_skip=_skip, warn=_warn)
    with atomic_open(out / "evidence.jsonl", "w") as evidence, atomic_open(out / "articles.jsonl", "w") as articles_out:
        for result in score_documents(articles, scorer, on_duplicate=_dup):
            art = result.article
            row: dict[str, Any] = {"id": art.id, "title": art.title}
            for key, value in art.metadata.items():
                col = key if key not in reserved else f"meta.{key}"
                if col not in row:
                    if col not in meta_columns:
                        meta_columns.append(col)
                    row[col] = value
            row.update(result.scores)
            rows.append(row)
            n_evidence = 0
            for rec in evidence_records(result, art.id):
                evidence.write(json.dumps(rec, ensure_ascii=False) + "\n")
                n_evidence += 1
            # The full text as scored, for the report's article pages (n_evidence: its evidence lines).
            articles_out.write(json.dumps({
                "id": art.id, "title": art.title, "metadata": dict(art.metadata), "text": art.text,
                "sentences": result.sentences, "sentence_tone": [round(t, 4) for t in result.sentence_tone],
                "n_evidence": n_evidence,
            }, ensure_ascii=False, default=str) + "\n")
            if progress is not None:
                progress(1)
    _unique_ids(rows)
    columns = list(BASE_COLUMNS) + meta_columns + score_cols
    suffix = {"csv": "csv", "jsonl": "jsonl", "parquet": "parquet"}[fmt]
    write_table(out / f"scores.{suffix}", rows, columns, fmt=fmt)
    manifest = {
        "tool": "framing",
        "version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "duration_seconds": round(time.time() - started, 3),
        "inputs": [str(p) for p in paths],
        "n_articles": len(rows),
        "n_skipped": len(skipped),
        "skipped": [s.as_dict() for s in skipped],
        "duplicates": duplicates,
        "warnings": warnings,
        "lexicons": dict(scorer.lexicon_hashes),
        "lexicon_dimensions": [lx.dimension for lx in scorer.lexicons],
        "models": {e.name: getattr(e, "fingerprint", "") for e in scorer.extras},
        "versions": dependency_versions(),
        "outputs": [f"scores.{suffix}", "evidence.jsonl", "articles.jsonl", "manifest.json"],
    }
    write_json(out / "manifest.json", manifest)
    return BatchResult(out, rows, columns, skipped, duplicates, warnings, manifest)
