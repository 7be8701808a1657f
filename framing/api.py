"""The Python API for notebooks: DataFrames in, DataFrames and reports out.

    >>> import framing
    >>> scores = framing.score(df, text="body", id="url")        # one row per article
    >>> comparison = framing.compare(scores, by="outlet")       # group differences, distances, words
    >>> framing.report(scores, out="report/", by="outlet")      # the HTML report
    >>> run = framing.load("out/")                              # a `framing score` run

Each function composes the same pieces as the command line: `score` is a batch run (the one that
writes scores.csv) into a temporary folder read back, so its table is the CLI's to the value;
`compare` and `report` use the report's own functions. Nothing heavy is imported until a
function is called.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .comparison import Comparison
    from .io.runs import Run

__all__ = ["score", "compare", "report", "load"]


def _warn(message: str) -> None:
    warnings.warn(message, UserWarning, stacklevel=4)


def score(
    data: Any,
    *,
    text: str = "text",
    id: str | None = None,
    title: str | None = None,
    lexicons: Iterable[str | Path] = (),
    evidence: bool = False,
    classifiers: bool = True,
    progress: bool = True,
    jobs: int | None = 1,
) -> "pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]":
    """Score articles: one row per article, in the input's order, indexed by id, with the columns of
    scores.csv (metadata columns, then the scores).

    `data` is a pandas DataFrame (the `text` column; the `id` and `title` columns when named or
    present, else the index is the id; every other column kept as metadata), a Series or dict of
    id -> text, a list of texts, `Article` objects, or paths of files and folders (a string that
    names an existing file or folder, or looks like a path, is read as one; `text` is then the text
    field of .jsonl and .csv files). Anything else is a `TypeError`.

    A row without text, an unreadable file or an exact duplicate is skipped with a warning naming
    it; the others are scored. `evidence=True` also returns the evidence (one row per lexicon match
    and per classifier sentence, as in evidence.jsonl). `progress=False` hides the progress bar
    (a widget in Jupyter); `jobs` scores in that many processes (None: all cores).

        >>> scores = framing.score({"a": "Moscow and Beijing coordinate as a bloc. Talks follow."}, progress=False)
        >>> int(scores.loc["a", "n_sentences"])
        2
    """
    import tempfile

    from .io.memory import as_inputs
    from .io.runs import evidence_frame, read_jsonl, scores_frame
    from .models import Article, BatchOptions
    from .batch import run_batch
    from .progress import ProgressBar

    def skipped(item: Any) -> None:
        _warn(f"skipped {item.source}: {item.reason}")

    inputs = as_inputs(data, text=text, id=id, title=title, on_skip=skipped)
    in_memory = all(isinstance(item, Article) for item in inputs)
    with tempfile.TemporaryDirectory(prefix="framing-score-") as tmp, ProgressBar("scoring", enabled=progress) as bar:
        if in_memory:
            bar.set_total(len(inputs))
        options = BatchOptions(lexicon_dirs=tuple(lexicons), text_field=text, fmt="jsonl", classifiers=classifiers, cache=False, jobs=jobs)
        result = run_batch(
            inputs, tmp, options, progress=bar, on_skip=skipped, on_warn=_warn, on_total=None if in_memory or not bar.enabled else bar.set_total,
        )
        for dup in result.duplicates:
            _warn(f"skipped {dup['source'] or dup['id']}: the same text as {dup['duplicate_of']!r} (scored once)")
        table = scores_frame(list(read_jsonl(result.scores_path)) if result.n_articles else [], result.columns)
        table.attrs["manifest"] = {k: v for k, v in result.manifest.items() if k in ("version", "lexicons", "lexicon_dimensions", "models", "versions", "created")}
        if evidence:
            return table, evidence_frame(read_jsonl(Path(tmp) / "evidence.jsonl"))
    return table


def load(folder: str | Path) -> "Run":
    """Read a folder written by `framing score` (or `framing.report`) back into DataFrames: a `Run`
    with `.scores` (indexed by id), `.evidence`, `.articles` (texts, sentence spans and tones) and
    `.manifest`.

        >>> run = framing.load("out/")
        >>> run.scores["alliance.label"].value_counts()
    """
    from .io.runs import read_run

    return read_run(folder)


def _table_and_texts(scores: Any, texts: Mapping[str, str] | Any | None) -> tuple["pd.DataFrame", dict[str, str], Mapping[str, Any], Any]:
    """(scores with an `id` column, id -> text, manifest, the Run when given one)."""
    import pandas

    from .io.runs import Run

    if isinstance(scores, Run):
        table, manifest, run = scores.scores, scores.manifest, scores
        found = dict(scores.texts)
    elif isinstance(scores, pandas.DataFrame):
        table, manifest, run, found = scores, scores.attrs.get("manifest") or {}, None, {}
    else:
        raise TypeError(f"expected the scores DataFrame from framing.score or a Run from framing.load; got {type(scores).__name__}")
    if texts is not None:
        found = {str(k): v for k, v in dict(texts.items() if hasattr(texts, "items") else texts).items() if isinstance(v, str)}
    frame = table.reset_index() if "id" not in table.columns else table.copy()
    if "id" not in frame.columns:  # an index without a name
        frame = frame.rename(columns={frame.columns[0]: "id"})
    frame["id"] = frame["id"].astype(str)
    return frame, found, manifest, run


def compare(scores: "pd.DataFrame | Run", *, by: str | None = None, texts: Mapping[str, str] | None = None) -> "Comparison":
    """Compare scored articles, with the numbers the HTML report shows (computed by the report's
    own `compute_report`): group differences (with `by`, a metadata column, or a date column with a
    bucket such as `date:month`), profile distances with the most similar and most different
    pairs, and distinctive words (from `texts`, id -> text, or the texts of a `Run`). As in the
    report, articles without frame evidence (`comparison.off_topic`) are left out of profiles,
    distances and pairs, and outlet-template and boilerplate words out of the distinctive words.
    Returns a `framing.comparison.Comparison` of DataFrames.

        >>> comparison = framing.compare(scores, by="outlet", texts=df.set_index("id")["text"])
        >>> comparison.differences.query("significant")[["label", "group_a", "group_b", "difference"]]
    """
    from .comparison import compare_table

    table, found, manifest, _ = _table_and_texts(scores, texts)
    return compare_table(table, by=by, texts=found, manifest=manifest)


def _article_records(table: "pd.DataFrame", texts: Mapping[str, str]) -> list[dict[str, Any]]:
    """articles.jsonl records for the articles with a text: sentence spans from the splitter
    scoring uses, and each sentence's tone as the scores have it (VADER, 4 decimals)."""
    from .models import Article
    from .scoring.sentiment import sentence_compounds
    from .text import preprocess

    with_tone = "tone.compound" in table.columns
    out = []
    for article_id, title in zip(table["id"], table["title"] if "title" in table.columns else [""] * len(table)):
        body = texts.get(str(article_id))
        if not isinstance(body, str):
            continue
        spans = [(s.start, s.end) for s in preprocess(Article(id=str(article_id), text=body)).sentences]
        tones = [round(t, 4) for t in sentence_compounds(body[s:e] for s, e in spans)] if with_tone else []
        out.append({"id": str(article_id), "title": "" if title is None else str(title), "text": body,
                    "sentences": spans, "sentence_tone": tones})
    return out


def report(
    scores: "pd.DataFrame | Run",
    evidence: "pd.DataFrame | None" = None,
    *,
    out: str | Path,
    by: str | None = None,
    pairs: Sequence[tuple[str, str]] = (),
    texts: Mapping[str, str] | None = None,
) -> Path:
    """Write the HTML comparison report into the folder `out` (with the scores, evidence and
    manifest it is made from, so `framing report OUT` re-renders it) and return the path of its
    index.html. What `framing compare` does after scoring.

    Article pages highlight the full text when the texts are known (`texts`, id -> text, or a
    `Run`'s); otherwise they show the evidence sentences. `by` groups the articles as in
    `framing.compare`; `pairs` adds (id, id) pairs to pairs.html.

        >>> scores, evidence = framing.score(df, evidence=True)
        >>> framing.report(scores, evidence, out="report/", by="outlet", texts=df.set_index("id")["text"])
        PosixPath('report/index.html')
    """
    from .io.runs import write_run
    from .report.render import render_report

    table, found, manifest, run = _table_and_texts(scores, texts)
    if evidence is None and run is not None:
        evidence = run.evidence
    same_folder = run is not None and run.folder is not None and Path(run.folder).resolve() == Path(out).resolve()
    if not (same_folder and texts is None and evidence is run.evidence):
        if run is not None and texts is None and "text" in run.articles.columns:
            articles = run.articles.reset_index().drop(columns=["n_evidence"], errors="ignore").to_dict("records")
        else:
            articles = _article_records(table, found)
        write_run(out, table.set_index("id"), evidence=evidence, articles=articles, manifest=manifest)
    return render_report(out, group_by=by, pairs=list(pairs))
