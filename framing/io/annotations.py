"""Reading annotated data for `framing train` and `framing evaluate`: CSV or JSONL.

Each record needs `text` and `label`; `group` (the document or author a unit comes from, for
grouped cross-validation), `register` and `hard_case` are optional and used for the per-register
and hard-case figures. Any other field is kept. A malformed record stops the run with one line
naming the file and line: training on silently dropped data would give wrong figures.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..errors import InputError

__all__ = ["read_annotations", "table_records", "shipped_annotation_path", "REQUIRED_FIELDS"]

REQUIRED_FIELDS = ("text", "label")


def _open_text(path: Path) -> io.TextIOBase:
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _check(record: dict[str, Any], source: str, line: int) -> dict[str, Any]:
    for key in REQUIRED_FIELDS:
        value = record.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InputError(source, f"missing or empty `{key}`", line=line)
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise InputError(source, f"`{key}` must be a string", line=line)
    out = dict(record)
    out["text"] = str(record["text"])
    out["label"] = str(record["label"]).strip()
    group = record.get("group")
    out["group"] = str(group) if group not in (None, "") else None
    out["_line"] = line
    return out


def table_records(path: str | Path, *, required: Sequence[str] = REQUIRED_FIELDS, what: str = "annotation") -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) of every record of a `.jsonl` or `.csv` file (optionally `.gz`), in
    file order; a CSV header must name the `required` columns. Raises InputError(file, message,
    line=) for an unreadable file or a malformed line. Shared by the annotation and gold readers."""
    path = Path(path)
    source = str(path)
    name = path.name.lower().removesuffix(".gz")
    if not path.is_file():
        raise InputError(source, f"no such {what} file")
    try:
        with _open_text(path) as fh:
            if name.endswith(".jsonl") or name.endswith(".ndjson"):
                for line_no, raw in enumerate(fh, start=1):
                    if not raw.strip():
                        continue
                    try:
                        record = json.loads(raw)
                    except json.JSONDecodeError as exc:
                        raise InputError(source, f"not valid JSON ({exc.msg})", line=line_no) from None
                    if not isinstance(record, dict):
                        raise InputError(source, "each line must be a JSON object", line=line_no)
                    yield line_no, record
            elif name.endswith(".csv"):
                reader = csv.DictReader(fh)
                missing = [k for k in required if k not in (reader.fieldnames or [])]
                if missing:
                    raise InputError(source, f"CSV header lacks column(s): {', '.join(missing)}", line=1)
                for record in reader:
                    yield reader.line_num, dict(record)
            else:
                raise InputError(source, f"{what}s must be .jsonl or .csv (optionally .gz)")
    except UnicodeDecodeError:
        raise InputError(source, "not UTF-8 text") from None
    except (OSError, csv.Error) as exc:
        raise InputError(source, f"cannot read: {exc}") from None


def shipped_annotation_path(dimension: str) -> Path:
    """The written training units shipped for a dimension (`framing/data/annotations/`)."""
    return Path(__file__).resolve().parent.parent / "data" / "annotations" / f"{dimension}.jsonl"


def read_annotations(path: str | Path) -> list[dict[str, Any]]:
    """All records of an annotation file (`.jsonl`, `.csv`, optionally `.gz`), in file order.

    Raises InputError(file, message, line=) for an unreadable file, a malformed line, or a
    record without `text` or `label`.
    """
    source = str(path)
    records = [_check(record, source, line_no) for line_no, record in table_records(path)]
    if not records:
        raise InputError(source, "no annotated records")
    return records
