"""The score table streamed through disk: rows are spooled as they are scored and written out in
the chosen format at the end, when every metadata column is known, without holding them in
memory. Also reads a finished table back (`read_scores`) and estimates how many articles some
inputs hold (`count_articles`, for a progress bar's ETA)."""
from __future__ import annotations

import csv
import gzip
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from ..errors import OutputError
from .writers import atomic_open, format_cell

__all__ = ["RowSpool", "write_scores", "read_scores", "count_articles", "check_format", "SCORE_FORMATS", "SPOOL_PREFIX"]

SCORE_FORMATS = {"csv": "csv", "jsonl": "jsonl", "parquet": "parquet"}
SPOOL_PREFIX = ".framing-rows-"
_PARQUET_BATCH = 10_000
_INT64 = (-(2**63), 2**63 - 1)


def check_format(fmt: str) -> str:
    """The file suffix for a score format; refuses unknown formats and a missing pyarrow before
    any scoring starts."""
    if fmt not in SCORE_FORMATS:
        raise OutputError(f"unknown output format {fmt!r}; use csv, jsonl or parquet")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise OutputError("--format parquet needs pyarrow: pip install 'framing[parquet]'") from None
    return SCORE_FORMATS[fmt]


class RowSpool:
    """Score rows appended to a temporary file in the output folder as they are scored.

    CSV and JSONL rows are written already formatted, in the column order of the moment (given
    with each row), so the formatting happens while the workers score and finishing the table is
    a copy; only rows written before a metadata column first appeared are laid out again then.
    Parquet rows are kept as JSON, with the kinds of value seen in each column (to choose column
    types)."""

    def __init__(self, folder: Path, *, fmt: str = "parquet") -> None:
        fd, name = tempfile.mkstemp(dir=folder, prefix=SPOOL_PREFIX, suffix=".tmp")
        self.path = Path(name)
        self.fmt = fmt
        self._fh = os.fdopen(fd, "w", encoding="utf-8", newline="" if fmt == "csv" else None)
        self._csv = csv.writer(self._fh) if fmt == "csv" else None
        self.kinds: dict[str, set[str]] = {}
        self.n_rows = 0
        # (index of the first row, columns) each time the column order changes (CSV and JSONL)
        self.layouts: list[tuple[int, tuple[str, ...]]] = []
        self._columns_seen: Sequence[str] | None = None

    def append(self, row: Mapping[str, Any], columns: Sequence[str] = ()) -> None:
        """Add a row; for CSV and JSONL, `columns` is the table's column order so far (pass a new
        sequence when it changes)."""
        if self.fmt == "parquet":
            kinds = self.kinds
            for key, value in row.items():
                kind = _kind(value)
                seen = kinds.get(key)
                if seen is None:
                    kinds[key] = {kind}
                elif kind not in seen:
                    seen.add(kind)
            self._fh.write(json.dumps(row, ensure_ascii=False, default=str))
            self._fh.write("\n")
        else:
            if columns is not self._columns_seen:
                layout = tuple(columns)
                if not self.layouts or self.layouts[-1][1] != layout:
                    self.layouts.append((self.n_rows, layout))
                self._columns_seen = columns
            if self._csv is not None:
                self._csv.writerow([format_cell(row.get(c)) for c in columns])
            else:
                self._fh.write(_json_line(row, columns))
        self.n_rows += 1

    def rows(self) -> Iterator[dict[str, Any]]:
        """The rows of a Parquet spool (CSV and JSONL spools hold formatted rows: `write_table`)."""
        if self.fmt != "parquet":
            raise ValueError(f"a {self.fmt} spool holds formatted rows; use write_table")
        self._fh.flush()
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)

    def write_table(self, path: Path, columns: Sequence[str]) -> None:
        """The CSV or JSONL score table with `columns` (the run's final column order),
        atomically: the spooled rows copied, those of an earlier column order laid out again."""
        self._fh.flush()
        final = tuple(columns)
        newline = "" if self.fmt == "csv" else None
        with atomic_open(path, "w", newline=newline) as out, open(self.path, encoding="utf-8", newline=newline) as src:
            if self.fmt == "csv":
                csv.writer(out).writerow(final)
            if all(layout == final for _, layout in self.layouts):
                out.flush()
                shutil.copyfileobj(src.buffer, out.buffer, 1 << 20)  # the same UTF-8 bytes
                return
            starts = [first for first, _ in self.layouts[1:]] + [self.n_rows]
            if self.fmt == "csv":
                writer, records = csv.writer(out), csv.reader(src)
                for (first, layout), stop in zip(self.layouts, starts):
                    for _ in range(stop - first):
                        record = next(records)
                        if layout != final:
                            cells = dict(zip(layout, record))
                            record = [cells.get(c, "") for c in final]
                        writer.writerow(record)
            else:
                for (first, layout), stop in zip(self.layouts, starts):
                    for _ in range(stop - first):
                        line = src.readline()
                        if layout != final:
                            line = _json_line(json.loads(line), final)
                        out.write(line)

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        try:
            self.path.unlink()
        except OSError:
            pass

    def __enter__(self) -> "RowSpool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _json_line(row: Mapping[str, Any], columns: Sequence[str]) -> str:
    """A JSONL score row with `columns` in order (a value that is not JSON becomes its text)."""
    return json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False, default=str) + "\n"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int" if _INT64[0] <= value <= _INT64[1] else "str"
    if isinstance(value, float):
        return "float"
    return "str"


def write_scores(path: Path, spool: RowSpool, columns: Sequence[str], *, fmt: str) -> None:
    """Write the spooled rows with `columns` as CSV, JSONL or Parquet, atomically."""
    if fmt != spool.fmt:
        raise ValueError(f"a {spool.fmt} spool cannot be written as {fmt}")
    if fmt != "parquet":
        spool.write_table(path, columns)
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    fields, to_text = [], set()
    for col in columns:
        kinds = spool.kinds.get(col, {"null"}) - {"null"}
        if not kinds:
            typ = pa.null()
        elif kinds == {"bool"}:
            typ = pa.bool_()
        elif kinds == {"int"}:
            typ = pa.int64()
        elif kinds <= {"int", "float"}:
            typ = pa.float64()
        else:
            typ = pa.string()
            if kinds != {"str"}:
                to_text.add(col)  # mixed kinds: written as text rather than refused
        fields.append(pa.field(col, typ))
    schema = pa.schema(fields)

    def batch_table(batch: list[dict[str, Any]]) -> "pa.Table":
        data = {}
        for col in columns:
            values = [r.get(col) for r in batch]
            if col in to_text:
                values = [None if v is None else str(v) for v in values]
            data[col] = values
        return pa.Table.from_pydict(data, schema=schema)

    try:
        with atomic_open(path, "wb") as fh:
            with pq.ParquetWriter(fh, schema) as writer:
                batch: list[dict[str, Any]] = []
                for row in spool.rows():
                    batch.append(row)
                    if len(batch) >= _PARQUET_BATCH:
                        writer.write_table(batch_table(batch))
                        batch = []
                if batch or spool.n_rows == 0:
                    writer.write_table(batch_table(batch))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise OutputError(f"{path}: cannot write Parquet ({exc})") from None


def read_scores(path: str | Path) -> list[dict[str, Any]]:
    """A finished score table as a list of row dicts, numbers exactly as written. CSV cannot tell
    an empty text from a missing value: both come back as None."""
    path = Path(path)
    if path.suffix == ".jsonl":
        with open(path, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        text_columns = {"id", "title"}
        return [{col: (cell if col in text_columns and cell else _cell_value(cell)) for col, cell in zip(header, row)} for row in reader]


def _cell_value(cell: str) -> Any:
    if cell == "":
        return None
    for convert in (int, float):
        try:
            return convert(cell)
        except ValueError:
            pass
    return {"True": True, "False": False}.get(cell, cell)


def count_articles(paths: Sequence[str | os.PathLike[str]]) -> int:
    """About how many articles the inputs hold (records in .jsonl/.csv files, one per other
    file): for a progress bar, so approximate is fine and it never raises."""
    from .readers import SUPPORTED_SUFFIXES

    def suffix_of(p: Path) -> tuple[str, bool]:
        name = p.name.lower()
        if name.endswith(".gz"):
            return Path(name[:-3]).suffix, True
        return p.suffix.lower(), False

    def count_file(p: Path) -> int:
        suffix, compressed = suffix_of(p)
        if suffix not in (".jsonl", ".ndjson", ".csv"):
            return 1 if suffix in SUPPORTED_SUFFIXES else 0
        n, last = 0, b"\n"
        try:
            with (gzip.open(p, "rb") if compressed else open(p, "rb")) as fh:
                while chunk := fh.read(1 << 20):
                    n += chunk.count(b"\n")
                    last = chunk[-1:]
        except (OSError, EOFError):
            return 0
        n += last != b"\n"
        return max(0, n - 1) if suffix == ".csv" else n

    total = 0
    for given in paths:
        root = Path(given)
        try:
            if root.is_dir():
                for dirpath, dirnames, filenames in os.walk(root):
                    dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                    total += sum(count_file(Path(dirpath) / f) for f in filenames if not f.startswith("."))
            elif root.exists():
                total += count_file(root)
        except OSError:
            continue
    return total
