"""Articles from data already in memory: a pandas DataFrame, a Series or dict of id to text, a list
of texts, `Article` objects, or paths mixed in.

The Python API's counterpart of `framing.io.readers`: a row without usable text is reported to
`on_skip` (naming the row and its id) and the others go on, as a bad line of a JSONL file does.
pandas is never imported here: a DataFrame is recognised only if pandas is already loaded.
"""
from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from ..models import Article, SkippedInput
from .readers import SUPPORTED_SUFFIXES, clean_id, plain_value

__all__ = ["as_inputs", "ACCEPTED"]

ACCEPTED = ("a pandas DataFrame with a text column, a pandas Series or dict of id to text, a list of texts, "
            "framing.models.Article objects, or paths of files and folders")

Input = "str | os.PathLike[str] | Article"
OnSkip = Callable[[SkippedInput], None]


def _pandas_type(name: str) -> type | None:
    pandas = sys.modules.get("pandas")
    return getattr(pandas, name, None) if pandas is not None else None


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or type(value).__name__ in ("NAType", "NaTType")


def looks_like_path(value: str) -> bool:
    """A string is read as a path when it names a file or folder that exists, or has the shape of
    one (no white space, and a trailing slash or an article file's ending): a mistyped path is then
    reported as missing rather than scored as a one-line article. Anything else is a text."""
    if not value or any(ch.isspace() for ch in value):
        return False
    if value.endswith(("/", os.sep)):
        return True
    name = value.lower()[:-3] if value.lower().endswith(".gz") else value.lower()
    if Path(name).suffix in SUPPORTED_SUFFIXES:
        return True
    try:
        return len(value) < 4096 and Path(value).exists()
    except (OSError, ValueError):
        return False


def _python_scalar(value: Any) -> Any:
    """numpy's int64, bool_ and datetime64 (a DataFrame's cells) as the Python values they hold."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()
    return value


def _article(text: Any, *, article_id: Any, title: Any = "", metadata: Mapping[str, Any] | None = None, source: str,
             text_name: str, on_skip: OnSkip) -> Article | None:
    if not isinstance(text, str):
        what = "missing" if _is_missing(text) else f"not text ({type(text).__name__})"
        on_skip(SkippedInput(source, f"{text_name} is {what}"))
        return None
    if not text.strip():
        on_skip(SkippedInput(source, f"{text_name} is empty"))
        return None
    meta = {str(k): None if _is_missing(v) else plain_value(_python_scalar(v)) for k, v in (metadata or {}).items()}
    return Article(id=clean_id(article_id), text=text, title="" if _is_missing(title) else str(title), metadata=meta, source=source)


def _from_frame(frame: Any, *, text: str, id: str | None, title: str | None, on_skip: OnSkip) -> Iterator[Article]:
    columns = [str(c) for c in frame.columns]
    for role, name in (("text", text), ("id", id), ("title", title)):
        if name is not None and name not in columns:
            raise KeyError(f"the DataFrame has no {role} column {name!r} (columns: {', '.join(columns[:20])}); "
                           f"name it with {role}=")
    # an `id` or `title` column is used without being named, as in a CSV file
    id_col = id if id is not None else ("id" if "id" in columns and text != "id" else None)
    title_col = title if title is not None else ("title" if "title" in columns and text != "title" else None)
    used = {text, id_col, title_col}
    position = {c: k for k, c in enumerate(columns)}
    for k, (index, values) in enumerate(zip(frame.index, frame.itertuples(index=False, name=None))):
        row = dict(zip(columns, values))
        article_id = row[id_col] if id_col is not None and not _is_missing(row[id_col]) else index
        meta = {c: values[position[c]] for c in columns if c not in used}
        article = _article(row[text], article_id=article_id, title=row[title_col] if title_col else "", metadata=meta,
                           source=f"DataFrame row {k} (id {clean_id(article_id)!r})", text_name=f"column {text!r}", on_skip=on_skip)
        if article is not None:
            yield article


def _from_mapping(items: Iterable[tuple[Any, Any]], *, kind: str, on_skip: OnSkip) -> Iterator[Article]:
    for key, value in items:
        article = _article(value, article_id=key, source=f"{kind} item {clean_id(key)!r}", text_name="the text", on_skip=on_skip)
        if article is not None:
            yield article


def as_inputs(data: Any, *, text: str = "text", id: str | None = None, title: str | None = None, on_skip: OnSkip) -> list[Any]:
    """What `framing.score` was given, as the inputs of a batch run: paths and `Article`s, in the
    given order. A DataFrame gives one article per row (`text`, optional `id` and `title`
    columns, every other column kept as metadata; the index is the id when no id column is
    named or present); a Series or dict gives id -> text; a list gives texts (ids "0", "1", ...),
    `Article`s and paths. Anything else is a `TypeError` that says what is accepted.

        >>> [a.id for a in as_inputs({"a": "Russia and China met.", "b": "Talks."}, on_skip=print)]
        ['a', 'b']
    """
    frame_type, series_type = _pandas_type("DataFrame"), _pandas_type("Series")
    if frame_type is not None and isinstance(data, frame_type):
        return list(_from_frame(data, text=text, id=id, title=title, on_skip=on_skip))
    if series_type is not None and isinstance(data, series_type):
        return list(_from_mapping(data.items(), kind="Series", on_skip=on_skip))
    if isinstance(data, Mapping):
        return list(_from_mapping(data.items(), kind="dict", on_skip=on_skip))
    if isinstance(data, (str, os.PathLike, Article)):
        data = [data]
    elif isinstance(data, (bytes, bytearray)) or not isinstance(data, Iterable):
        raise TypeError(f"framing.score accepts {ACCEPTED}; got {type(data).__name__}")
    out: list[Any] = []
    for position, item in enumerate(data):
        if isinstance(item, (Article, os.PathLike)):
            out.append(item)
        elif isinstance(item, str) and looks_like_path(item):
            out.append(item)
        elif isinstance(item, str) or _is_missing(item):
            article = _article(item, article_id=position, source=f"list item {position}", text_name="the text", on_skip=on_skip)
            if article is not None:
                out.append(article)
        else:
            raise TypeError(f"framing.score accepts {ACCEPTED}; item {position} is a {type(item).__name__}")
    return out
