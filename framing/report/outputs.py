"""Reading the folder `framing score` wrote: the score table, the manifest, and the article
texts and evidence streamed side by side (never all in memory)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..errors import ConfigError, InputError

__all__ = ["SavedOutputs", "read_outputs", "iter_saved_articles", "SCORE_FILES"]

SCORE_FILES = ("scores.csv", "scores.jsonl", "scores.parquet")


@dataclass(frozen=True)
class SavedOutputs:
    scores_dir: Path
    scores_file: Path
    table: Any  # pandas DataFrame, strings for text columns
    manifest: dict[str, Any]
    evidence: Path | None
    articles: Path | None


def read_outputs(scores_dir: str | Path) -> SavedOutputs:
    import pandas as pd

    d = Path(scores_dir)
    for name in SCORE_FILES:
        path = d / name
        if path.exists():
            break
    else:
        raise ConfigError(f"{d}: no scores.csv (or .jsonl/.parquet) here; run `framing score` first")
    try:
        if path.suffix == ".csv":
            table = pd.read_csv(path, dtype={"id": str, "title": str}, keep_default_na=False, na_values=[""], low_memory=False)
        elif path.suffix == ".jsonl":
            table = pd.read_json(path, lines=True, dtype={"id": str, "title": str})
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
    manifest: dict[str, Any] = {}
    mpath = d / "manifest.json"
    if mpath.exists():
        try:
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            raise InputError(str(mpath), f"not valid JSON ({exc})") from None
        if not isinstance(manifest, dict):
            manifest = {}
    ev = d / "evidence.jsonl"
    art = d / "articles.jsonl"
    return SavedOutputs(d, path, table, manifest, ev if ev.exists() else None, art if art.exists() else None)


def _jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as exc:
                raise InputError(str(path), f"not valid JSON ({exc.args[0] if exc.args else exc})", line=lineno) from None
            if isinstance(rec, dict):
                yield lineno, rec


def iter_saved_articles(outputs: SavedOutputs, ids: Sequence[str]) -> Iterator[tuple[int, dict[str, Any] | None, list[dict[str, Any]]]]:
    """(row index, the article record or None, its evidence records), in table order.

    articles.jsonl is written in the table's order with the number of evidence lines of each
    article, so both files stream side by side. Without it (an older scores folder) evidence is
    grouped by article id and the pages show the evidence sentences only."""
    by_row = {i: rid for i, rid in enumerate(ids)}
    if outputs.articles is not None:
        evidence = _jsonl(outputs.evidence) if outputs.evidence is not None else iter(())
        row = 0
        for _, rec in _jsonl(outputs.articles):
            if row >= len(ids):
                break
            rid = by_row[row]
            k = int(rec.get("n_evidence", 0) or 0)
            items = [r for _, r in (next(evidence, (0, None)) for _ in range(k)) if r is not None]
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
        for _, r in _jsonl(outputs.evidence):
            aid = str(r.get("article_id"))
            if aid in wanted:
                evidence.setdefault(aid, []).append(r)
    articles: dict[str, dict[str, Any]] = {}
    if outputs.articles is not None:
        for _, r in _jsonl(outputs.articles):
            if str(r.get("id")) in wanted:
                articles.setdefault(str(r.get("id")), r)
    for i in range(start, len(ids)):
        yield i, articles.get(ids[i]), evidence.get(ids[i], [])
