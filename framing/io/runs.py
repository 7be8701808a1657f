"""A scored run: reading the folder `framing score` writes (as DataFrames for `framing.load`, as
`SavedOutputs` streamed for the report), and writing one from DataFrames (what the report reads).

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

__all__ = [
    "Run", "read_run", "SavedOutputs", "read_outputs", "iter_saved_articles", "read_scores_table", "read_jsonl", "scores_frame",
    "evidence_frame", "articles_frame", "write_run", "SCORE_FILES", "declared_dimensions",
]

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


@dataclass(frozen=True)
class SavedOutputs:
    """A run folder as the report reads it: the score table and manifest in memory, the evidence
    and article texts as files streamed by `iter_saved_articles` (never all in memory)."""

    scores_dir: Path
    scores_file: Path
    table: "pd.DataFrame"  # as `read_scores_table` reads it: `id` a column, text columns strings
    manifest: dict[str, Any]
    evidence: Path | None
    articles: Path | None

    @property
    def dimensions(self) -> dict[str, dict[str, Any]]:
        """The dimension schema `framing score` wrote into manifest.json (see `declared_dimensions`)."""
        return declared_dimensions(self.manifest)


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


def _scores_file(folder: Path) -> Path:
    path = next((folder / name for name in SCORE_FILES if (folder / name).exists()), None)
    if path is None:
        raise ConfigError(f"{folder}: no scores.csv (or .jsonl/.parquet) here; run `framing score` first")
    return path


def read_scores_table(folder: str | Path, *, path: Path | None = None) -> "pd.DataFrame":
    """The scores table of a run folder as the report reads it: ids and titles as text, an empty
    CSV cell as missing; one column per scores.csv column, `id` included (not the index)."""
    import pandas as pd

    path = path or _scores_file(Path(folder))
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


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / "manifest.json"
    if not path.exists():
        return {}
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise InputError(str(path), f"not valid JSON ({exc})") from None
    return loaded if isinstance(loaded, dict) else {}


def _strings(value: Any) -> list[str] | None:
    return [str(v) for v in value] if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def declared_dimensions(manifest: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each dimension's schema as manifest.json records it (`framing.scoring.kinds.dimension_schema`:
    kind, columns, categories, category_columns, labels, unit, short_unit; a dictionary also per_1000_columns
    and coverage_column), in the manifest's order. An entry that is not that shape is left out
    (the report then reads that dimension from the score table's header); an older folder
    without the schema gives {}."""
    out: dict[str, dict[str, Any]] = {}
    declared = manifest.get("dimensions")
    if not isinstance(declared, Mapping):
        return out
    for name, entry in declared.items():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("kind"), str):
            continue
        categories, columns = _strings(entry.get("categories")), _strings(entry.get("category_columns"))
        if categories is None or columns is None or len(categories) != len(columns):
            continue
        clean: dict[str, Any] = {"kind": entry["kind"], "categories": categories, "category_columns": columns,
                                 "columns": _strings(entry.get("columns")) or list(columns), "labels": _strings(entry.get("labels")) or [],
                                 "unit": str(entry.get("unit") or ""), "short_unit": str(entry.get("short_unit") or "")}
        for key in ("per_1000_columns",):
            if _strings(entry.get(key)) is not None:
                clean[key] = _strings(entry.get(key))
        if isinstance(entry.get("coverage_column"), str):
            clean["coverage_column"] = entry["coverage_column"]
        out[str(name)] = clean
    return out


def read_outputs(folder: str | Path) -> SavedOutputs:
    """A run folder for the report: the score table and manifest read, the evidence and articles
    files found (streamed later by `iter_saved_articles`)."""
    d = Path(folder)
    path = _scores_file(d)
    table = read_scores_table(d, path=path)
    evidence, articles = d / "evidence.jsonl", d / "articles.jsonl"
    return SavedOutputs(d, path, table, _read_manifest(d), evidence if evidence.exists() else None, articles if articles.exists() else None)


def iter_saved_articles(outputs: SavedOutputs, ids: Sequence[str]) -> Iterator[tuple[int, dict[str, Any] | None, list[dict[str, Any]]]]:
    """(row index, the article record or None, its evidence records), in table order.

    articles.jsonl is written in the table's order with the number of evidence lines of each
    article, so both files stream side by side. Without it (an older scores folder) evidence is
    grouped by article id and the pages show the evidence sentences only."""
    if outputs.articles is not None:
        evidence = read_jsonl(outputs.evidence) if outputs.evidence is not None else iter(())
        row = 0
        for rec in read_jsonl(outputs.articles):
            if row >= len(ids):
                break
            rid = ids[row]
            k = int(rec.get("n_evidence", 0) or 0)
            items = [r for r in (next(evidence, None) for _ in range(k)) if r is not None]
            if str(rec.get("id")) != rid and not rid.startswith(f"{rec.get('id')}~"):
                break  # the table was edited or re-sorted: fall back to matching by id
            yield row, rec, items
            row += 1
        else:
            return
        if row >= len(ids):
            return
        yield from _by_id(outputs, ids, start=row)
        return
    yield from _by_id(outputs, ids, start=0)


def _by_id(outputs: SavedOutputs, ids: Sequence[str], *, start: int) -> Iterator[tuple[int, dict[str, Any] | None, list[dict[str, Any]]]]:
    wanted = set(ids[start:])
    evidence: dict[str, list[dict[str, Any]]] = {}
    if outputs.evidence is not None:
        for r in read_jsonl(outputs.evidence):
            aid = str(r.get("article_id"))
            if aid in wanted:
                evidence.setdefault(aid, []).append(r)
    articles: dict[str, dict[str, Any]] = {}
    if outputs.articles is not None:
        for r in read_jsonl(outputs.articles):
            if str(r.get("id")) in wanted:
                articles.setdefault(str(r.get("id")), r)
    for i in range(start, len(ids)):
        yield i, articles.get(ids[i]), evidence.get(ids[i], [])


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
    saved = read_outputs(d)
    evidence = evidence_frame(read_jsonl(saved.evidence) if saved.evidence is not None else [])
    articles = articles_frame(read_jsonl(saved.articles) if saved.articles is not None else [])
    return Run(scores=saved.table.set_index("id"), evidence=evidence, articles=articles, manifest=saved.manifest, folder=d)


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
