"""A scored run as DataFrames: reading the folder `framing score` writes, and writing one from
DataFrames (what the report reads).

    scores.csv (or .jsonl, .parquet)  one row per article
    evidence.jsonl                    one record per match and per classifier sentence
    articles.jsonl                    each article's text, sentence spans and sentence tones
    manifest.json                     what was run, with which lexicons and models

pandas is imported inside the functions, so importing this module costs nothing.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence

from ..errors import ConfigError, InputError
from .writers import atomic_open, ensure_output_dir, write_json, write_table

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Run", "read_run", "read_scores_table", "read_jsonl", "scores_frame", "evidence_frame", "articles_frame", "write_run", "SCORE_FILES"]

SCORE_FILES = ("scores.csv", "scores.jsonl", "scores.parquet")


@dataclass(frozen=True)
class Run:
    """A scored run: `scores` (indexed by article id, the columns of scores.csv), `evidence`
    (one row per evidence record), `articles` (indexed by id: title, text, sentences,
    sentence_tone; empty for a folder without articles.jsonl) and the `manifest`."""

    scores: "pd.DataFrame"
    evidence: "pd.DataFrame"
    articles: "pd.DataFrame"
    manifest: Mapping[str, Any] = field(default_factory=dict)
    folder: Path | None = None

    @property
    def texts(self) -> dict[str, str]:
        """Each article's text by id (empty without articles.jsonl)."""
        if "text" not in self.articles.columns:
            return {}
        return {str(i): t for i, t in self.articles["text"].items() if isinstance(t, str)}


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """The records of a JSON-lines file; a line that is not JSON is an `InputError` naming the file
    and line."""
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise InputError(str(path), f"not valid JSON ({exc.args[0] if exc.args else exc})", line=lineno) from None
            if isinstance(record, dict):
                yield record


def read_scores_table(folder: str | Path) -> "pd.DataFrame":
    """The scores table of a run folder as the report reads it: ids and titles as text, an empty
    CSV cell as missing; one column per scores.csv column, `id` included (not the index)."""
    import pandas as pd

    d = Path(folder)
    path = next((d / name for name in SCORE_FILES if (d / name).exists()), None)
    if path is None:
        raise ConfigError(f"{d}: no scores.csv (or .jsonl/.parquet) here; run `framing score` first")
    try:
        if path.suffix == ".csv":
            table = pd.read_csv(path, dtype={"id": str, "title": str}, keep_default_na=False, na_values=[""], low_memory=False)
        elif path.suffix == ".jsonl":
            table = scores_frame(list(read_jsonl(path))).reset_index()
        else:
            try:
                table = pd.read_parquet(path)
            except ImportError:
                raise ConfigError(f"{path}: reading parquet needs pyarrow: pip install 'framing[parquet]'") from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise InputError(str(path), f"cannot read the scores table ({exc})") from None
    if "id" not in table.columns:
        raise InputError(str(path), "no `id` column: not a table written by `framing score`")
    table["id"] = table["id"].astype(str)
    if "title" not in table.columns:
        table["title"] = ""
    table["title"] = table["title"].fillna("").astype(str)
    return table


def scores_frame(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> "pd.DataFrame":
    """Score rows (dicts with an `id`) as a DataFrame indexed by id, in `columns` order."""
    import pandas as pd

    cols = list(columns) if columns is not None else list(dict.fromkeys(c for r in rows for c in r))
    if "id" not in cols:
        cols.insert(0, "id")
    frame = pd.DataFrame.from_records(list(rows), columns=cols) if rows else pd.DataFrame(columns=cols)
    frame["id"] = frame["id"].astype(str)
    return frame.set_index("id")


def evidence_frame(records: Iterable[Mapping[str, Any]]) -> "pd.DataFrame":
    """Evidence records (matches and classifier sentences) as a DataFrame. A field a record does
    not have is NaN, its own null stays None (`counts_for` of a match that counts for nothing), so
    the records can be written back as they were; integer fields stay integers (nullable Int64)."""
    import pandas as pd

    rows = list(records)
    frame = pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame(columns=["article_id", "type", "dimension", "sentence_index"], dtype=object)
    for col in ("sentence_index", "start", "end"):
        if col in frame.columns:
            frame[col] = frame[col].astype("Int64")
    for col in ("weight", "effective_weight"):
        if col in frame.columns:
            frame[col] = frame[col].astype(float)
    return frame


def articles_frame(records: Iterable[Mapping[str, Any]]) -> "pd.DataFrame":
    """articles.jsonl records as a DataFrame indexed by id."""
    import pandas as pd

    frame = pd.DataFrame.from_records(list(records))
    if frame.empty:
        return pd.DataFrame(columns=["title", "text", "sentences", "sentence_tone"], index=pd.Index([], name="id"))
    frame["id"] = frame["id"].astype(str)
    return frame.set_index("id")


def read_run(folder: str | Path) -> Run:
    """Read a folder written by `framing score` (or `framing.report`) back into a `Run`."""
    d = Path(folder)
    if not d.is_dir():
        raise ConfigError(f"{d}: no such folder")
    scores = read_scores_table(d).set_index("id")
    manifest: dict[str, Any] = {}
    if (d / "manifest.json").exists():
        try:
            loaded = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            raise InputError(str(d / "manifest.json"), f"not valid JSON ({exc})") from None
        manifest = loaded if isinstance(loaded, dict) else {}
    evidence = evidence_frame(read_jsonl(d / "evidence.jsonl")) if (d / "evidence.jsonl").exists() else evidence_frame([])
    articles = articles_frame(read_jsonl(d / "articles.jsonl") if (d / "articles.jsonl").exists() else [])
    return Run(scores=scores, evidence=evidence, articles=articles, manifest=manifest, folder=d)


def _present(value: Any) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return False
    return type(value).__name__ not in ("NAType", "NaTType")


def _records(frame: "pd.DataFrame") -> list[dict[str, Any]]:
    """Rows as dicts without the fields their record did not have (a match has no
    `probabilities`); a None the record held is kept."""
    return [{k: v for k, v in rec.items() if _present(v)} for rec in frame.to_dict("records")]


def write_run(
    folder: str | Path, scores: "pd.DataFrame", *, evidence: "pd.DataFrame | None" = None,
    articles: Sequence[Mapping[str, Any]] = (), manifest: Mapping[str, Any] | None = None,
) -> Path:
    """Write scores.csv, evidence.jsonl, articles.jsonl (when `articles` are given) and
    manifest.json into `folder`, atomically, as `framing score` lays them out: evidence grouped by
    article in the table's order, so the report streams both files side by side."""
    out = ensure_output_dir(folder)
    table = scores.reset_index()
    if "id" not in table.columns:
        table = table.rename(columns={table.columns[0]: "id"})
    if "title" not in table.columns:
        table.insert(1, "title", "")
    columns = list(table.columns)
    write_table(out / "scores.csv", table.astype(object).where(table.notna(), None).to_dict("records"), columns)
    by_article: dict[str, list[dict[str, Any]]] = {}
    if evidence is not None and len(evidence):
        for rec in _records(evidence):
            by_article.setdefault(str(rec.get("article_id")), []).append(rec)
    ids = [str(i) for i in table["id"]]
    with atomic_open(out / "evidence.jsonl", "w") as fh:
        for article_id in ids:
            for rec in by_article.get(article_id, ()):
                rec = {"article_id": article_id, **{k: v for k, v in rec.items() if k != "article_id"}}
                fh.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
    names = ["scores.csv", "evidence.jsonl"]
    if articles:
        with atomic_open(out / "articles.jsonl", "w") as fh:
            for rec in articles:
                rec = {**rec, "n_evidence": len(by_article.get(str(rec.get("id")), ()))}
                fh.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
        names.append("articles.jsonl")
    elif (out / "articles.jsonl").exists():
        (out / "articles.jsonl").unlink()  # an earlier run's texts would not match these scores
    info = dict(manifest or {})
    info.setdefault("tool", "framing")
    info["n_articles"] = len(table)
    info["outputs"] = names + ["manifest.json"]
    write_json(out / "manifest.json", info)
    return out
