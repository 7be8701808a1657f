"""Writing outputs atomically: every file is written to a temporary name in the same folder and
renamed into place only when complete, so a killed run never leaves a truncated output."""
from __future__ import annotations

import csv
import json
import math
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from ..errors import OutputError

_UMASK = os.umask(0)
os.umask(_UMASK)

__all__ = ["atomic_open", "atomic_write_text", "write_json", "write_table", "ensure_output_dir", "format_cell"]


def ensure_output_dir(path: str | os.PathLike[str]) -> Path:
    """Create the output folder and check that it is writable, with a one-line error if not."""
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-", delete=True)
        probe.close()
    except OSError as exc:
        raise OutputError(f"{out}: output folder is not writable ({exc.strerror or exc})") from None
    return out


@contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", *, encoding: str | None = "utf-8", newline: str | None = None, durable: bool = True) -> Iterator[Any]:
    """Open a temporary file beside `path`; on success fsync (unless not `durable`: a file that
    is cheap to make again, where the rename alone keeps readers from half a file) and rename it
    to `path`."""
    target = Path(path)
    binary = "b" in mode
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are ordinary files
    except OSError as exc:
        raise OutputError(f"{target}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, mode, **({} if binary else {"encoding": encoding, "newline": newline})) as fh:
            yield fh
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str, *, durable: bool = True) -> None:
    with atomic_open(path, "w", durable=durable) as fh:
        fh.write(text)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def write_json(path: str | os.PathLike[str], data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=_json_default) + "\n")


def format_cell(value: Any) -> Any:
    """CSV cells: empty for missing or non-finite numbers, plain text otherwise."""
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    return value


def write_table(path: str | os.PathLike[str], rows: Iterable[Mapping[str, Any]], columns: Sequence[str], *, fmt: str = "csv") -> None:
    """Write score rows as CSV, JSONL or Parquet with the same columns, atomically."""
    if fmt == "csv":
        with atomic_open(path, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([format_cell(row.get(c)) for c in columns])
    elif fmt == "jsonl":
        with atomic_open(path, "w") as fh:
            for row in rows:
                fh.write(json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False, default=_json_default) + "\n")
    elif fmt == "parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise OutputError("--format parquet needs pyarrow: pip install 'framing[parquet]'") from None
        rows = list(rows)
        table = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows])
        with atomic_open(path, "wb") as fh:
            pq.write_table(table, fh)
    else:
        raise OutputError(f"unknown output format {fmt!r}; use csv, jsonl or parquet")
