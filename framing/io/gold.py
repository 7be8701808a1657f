"""Reading hand-coded article labels ("gold") for `framing evaluate --gold`: CSV or JSONL.

One record per article, with `id` (the article id `framing score` gave it) and any of:
`alliance` (threat | hollow | legitimate | mixed | absent), `ideology` (a stance), `advocated`
and `rejected` (prescription categories: a JSON list, or one string separated by `;`, `,` or
`|`; an empty cell is the empty set), `register` and `split` (used to break the figures down),
and, for a user-defined dimension `D`, a column `D` holding the label that `D.label` in
`scores.csv` is compared with. Other columns (`note`, `title`, `text`, `coder`) are ignored. A
malformed record stops the run with one line naming the file and line.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..errors import InputError
from .annotations import table_records

__all__ = ["read_gold", "gold_column", "SET_FIELDS", "GROUP_FIELDS", "IGNORED_FIELDS"]

SET_FIELDS = ("advocated", "rejected")
GROUP_FIELDS = ("register", "split")
IGNORED_FIELDS = ("id", "note", "title", "text", "coder", "source", "outlet", "date", "corpus_id", "url")
_SPLIT = re.compile(r"[;,|]")


def _as_set(value: Any, source: str, line: int, key: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, (list, tuple)):
        items = value
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                items = json.loads(text)
            except json.JSONDecodeError:
                raise InputError(source, f"`{key}` looks like a JSON list but is not valid JSON", line=line) from None
        else:
            items = _SPLIT.split(text)
    else:
        raise InputError(source, f"`{key}` must be a list of categories or a `;`-separated string", line=line)
    out = {str(i).strip() for i in items if str(i).strip()}
    return frozenset(out)


def _record(raw: dict[str, Any], source: str, line: int) -> dict[str, Any]:
    art_id = raw.get("id")
    if art_id is None or not str(art_id).strip():
        raise InputError(source, "missing or empty `id`", line=line)
    out: dict[str, Any] = {"id": str(art_id).strip(), "_line": line}
    for key, value in raw.items():
        if key in IGNORED_FIELDS or key.startswith("_"):
            continue
        if key in SET_FIELDS:
            out[key] = _as_set(value, source, line, key)
        elif value is None or (isinstance(value, str) and not value.strip()):
            continue  # not coded for this article
        elif isinstance(value, (dict, list)):
            continue  # structured extras (evidence spans, coder records) are not labels
        else:
            out[key] = str(value).strip()
    return out


def read_gold(path: str | Path) -> list[dict[str, Any]]:
    """Gold article labels from a CSV or JSONL file; ids must be unique."""
    source = str(path)
    records = [_record(raw, source, line) for line, raw in table_records(path, required=("id",), what="gold")]
    seen: dict[str, int] = {}
    for rec in records:
        if rec["id"] in seen:
            raise InputError(source, f"article {rec['id']!r} is coded twice (first at line {seen[rec['id']]})", line=rec["_line"])
        seen[rec["id"]] = rec["_line"]
    if not records:
        raise InputError(source, "no gold records")
    return records


def gold_column(path: str | Path, column: str) -> dict[str, str]:
    """One column of a gold file by article id (such as `outlet`, which `read_gold` ignores, for
    resampling whole outlets); an article with an empty cell has none. A column the file lacks
    is an error naming the file."""
    source = str(path)
    out: dict[str, str] = {}
    seen = False
    for line, raw in table_records(path, required=("id",), what="gold"):
        if column in raw:
            seen = True
        value = raw.get(column)
        if value is not None and str(value).strip() and not isinstance(value, (dict, list)):
            out[str(raw.get("id")).strip()] = str(value).strip()
    if not seen:
        raise InputError(source, f"no `{column}` column to cluster by")
    return out
