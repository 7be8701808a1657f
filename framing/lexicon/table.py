"""Plain-text tables for the lexicon tools' results (what `framing lexicon ...` prints).

    >>> print(text_table(["entry", "weight"], [["joint drills", 1.5]], right=(1,)))
    entry         weight
    ------------  ------
    joint drills     1.5
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

__all__ = ["cell_text", "text_table"]


def cell_text(value: Any) -> str:
    """A value as a table cell: whole floats without decimals, others to four places at most."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e9:
            return str(int(value))
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def text_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, right: Sequence[int] = (), max_width: int = 60) -> str:
    """Columns padded to their widest cell (cells longer than `max_width` cut with an ellipsis);
    the columns numbered in `right` are right-aligned."""
    text_rows = [[cell_text(v) for v in row] for row in rows]
    cut = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in row] for row in text_rows]
    widths = [len(h) for h in headers]
    for row in cut:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))

    def fmt(row: Sequence[str]) -> str:
        return "  ".join(c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(row)).rstrip()

    lines = [fmt(list(headers)), "  ".join("-" * w for w in widths)]
    lines += [fmt(row) for row in cut]
    return "\n".join(lines)
