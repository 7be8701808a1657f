"""Reading articles from files and folders: .txt, .md, .html, .jsonl and .csv (optionally .gz).

Readers stream: a JSONL or CSV corpus is read one record at a time. A file or record that cannot
be read is reported to `on_skip` with a one-line reason naming the file (and line), and reading
goes on, so one bad input never loses the good ones.
"""
from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import yaml

from ..errors import InputError
from ..models import Article, SkippedInput

__all__ = ["iter_articles", "read_path", "clean_id", "plain_value", "SUPPORTED_SUFFIXES", "decode_bytes", "MAX_ARTICLE_BYTES", "MAX_ARTICLE_CHARS"]

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
RECORD_SUFFIXES = {".jsonl", ".ndjson", ".csv"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | RECORD_SUFFIXES
# Articles longer than this are scored on their first MAX_ARTICLE_CHARS characters, with a
# warning: a real article is under 100k characters; this bounds time and memory per article.
MAX_ARTICLE_CHARS = 1_000_000
# A single-article file is read only this far (4 bytes per character at most in UTF-8), so a
# 50 MB "article" costs no more memory than a 8 MB one.
MAX_ARTICLE_BYTES = 4 * MAX_ARTICLE_CHARS + 4

_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_BINARY_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\x1f\x8b": "gzip-compressed data",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
}

OnSkip = Callable[[SkippedInput], None]
OnWarn = Callable[[str], None]


def _suffixes(path: Path) -> tuple[str, bool]:
    """(format suffix, compressed) for names like `corpus.jsonl.gz`."""
    name = path.name.lower()
    if name.endswith(".gz"):
        return Path(name[:-3]).suffix, True
    return path.suffix.lower(), False


def decode_bytes(raw: bytes, source: str, *, warn: OnWarn | None = None) -> str:
    """Decode article bytes: BOMs honoured (UTF-8, UTF-16), invalid UTF-8 replaced with a warning,
    binary data refused with a message that says what it looks like."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(source, "starts with a UTF-16 byte-order mark but is not valid UTF-16") from None
    for magic, what in _BINARY_MAGIC.items():
        if raw.startswith(magic):
            raise InputError(source, f"looks like {what}, not text; skipped")
    if b"\x00" in raw[:8192]:
        raise InputError(source, "contains NUL bytes: binary data, not text; skipped")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        if warn is not None:
            warn(f"{source}:{line}: invalid UTF-8; undecodable bytes replaced with U+FFFD")
        return raw.decode("utf-8", errors="replace")


def _trim_partial_character(raw: bytes) -> bytes:
    """Drop a UTF-8 sequence cut in half by a read limit (UTF-16 keeps an even length)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw[: len(raw) - len(raw) % 2]
    end = len(raw)
    back = 0
    while back < 3 and end - back - 1 >= 0 and (raw[end - back - 1] & 0xC0) == 0x80:
        back += 1
    if end - back - 1 >= 0 and raw[end - back - 1] >= 0xC0:
        return raw[: end - back - 1]
    return raw


def clean_id(value: Any) -> str:
    # Ids come from untrusted data and are used in file names later; the report layer makes its
    # own safe names, but keep ids printable here.
    text = str(value).replace("\x00", "")
    return "".join(ch if ch.isprintable() else " " for ch in text).strip()[:300] or "article"


def _headline(first_line: str) -> str | None:
    """The first line is a title when it looks like a headline: short, not a full sentence."""
    line = first_line.strip().strip("#").strip()
    line = re.sub(r"^\*\*(.*)\*\*$", r"\1", line).strip()
    if not line or len(line) > 200 or len(line.split()) > 30:
        return None
    if line.endswith((".", ",", ";")) and not line.endswith("..."):
        return None
    return line


def _metadata_from_front_matter(text: str, source: str, warn: OnWarn | None) -> tuple[dict[str, Any], str, int]:
    m = _FRONT_MATTER_RE.match(text)
    if not m:
        return {}, text, 0
    try:
        meta = yaml.safe_load(m.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        raise InputError(source, f"front matter is not valid YAML: {getattr(exc, 'problem', None) or 'syntax error'}", line=line) from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise InputError(source, "front matter must be a YAML mapping (key: value lines)", line=2)
    body = text[m.end():]
    return {str(k): plain_value(v) for k, v in meta.items()}, body, text[: m.end()].count("\n")


def plain_value(value: Any) -> Any:
    """Metadata values as CSV/JSON-friendly scalars (dates become ISO strings)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "; ".join(str(plain_value(v)) for v in value)
    return json.dumps(value, default=str, ensure_ascii=False)


def _article_from_text(text: str, path: Path, source: str, warn: OnWarn | None) -> Article:
    meta, body, _ = _metadata_from_front_matter(text, source, warn)
    title = str(meta.pop("title", "") or "")
    art_id = clean_id(meta.pop("id", path.stem))
    if not title:
        first = body.lstrip().split("\n", 1)[0] if body.strip() else ""
        title = _headline(first) or ""
    if not body.strip():
        raise InputError(source, "no article text (the file is empty)")
    return Article(id=art_id, text=body, title=title, metadata=meta, source=source)


def _article_from_html(raw_text: str, path: Path, source: str) -> Article:
    import trafilatura  # imported lazily: it is slow to import and only HTML needs it

    try:
        doc = trafilatura.bare_extraction(raw_text, with_metadata=True, include_comments=False, include_tables=False)
    except Exception as exc:  # lxml and trafilatura raise many types on broken markup
        raise InputError(source, f"HTML could not be parsed ({exc.__class__.__name__})") from None
    text = (doc.text if doc is not None else "") or ""
    if not text.strip():
        raise InputError(source, "no main text could be extracted from the HTML")
    meta: dict[str, Any] = {}
    for key in ("author", "date", "sitename", "url"):
        value = getattr(doc, key, None)
        if value:
            meta["outlet" if key == "sitename" else key] = plain_value(value)
    return Article(id=clean_id(path.stem), text=text, title=str(getattr(doc, "title", "") or ""), metadata=meta, source=source)


def _record_to_article(record: dict[str, Any], *, text_field: str, default_id: str, source: str, line: int) -> Article:
    if text_field not in record:
        raise InputError(source, f"no {text_field!r} field (use --text-field to name the text column)", line=line)
    text = record[text_field]
    if text is None or not isinstance(text, str):
        raise InputError(source, f"field {text_field!r} is not text", line=line)
    if not text.strip():
        raise InputError(source, f"field {text_field!r} is empty", line=line)
    meta = {str(k): plain_value(v) for k, v in record.items() if k not in (text_field, "id", "title")}
    art_id = clean_id(record.get("id") if record.get("id") not in (None, "") else default_id)
    title = record.get("title")
    return Article(id=art_id, text=text, title="" if title is None else str(title), metadata=meta, source=f"{source}:{line}")


def _open_text(path: Path, compressed: bool) -> io.TextIOBase:
    raw = gzip.open(path, "rb") if compressed else open(path, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")


def _check_head(path: Path, compressed: bool, source: str) -> None:
    opener = gzip.open if compressed else open
    try:
        with opener(path, "rb") as fh:
            head = fh.read(8192)
    except (OSError, EOFError) as exc:
        raise InputError(source, f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    if not head.strip():
        raise InputError(source, "the file is empty")
    decode_bytes(head[:4096] if b"\x00" not in head[:2] else head, source)  # binary check only


def _iter_jsonl(path: Path, compressed: bool, source: str, text_field: str, on_skip: OnSkip) -> Iterator[Article]:
    _check_head(path, compressed, source)
    with _open_text(path, compressed) as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                on_skip(SkippedInput(f"{source}:{line_no}", f"malformed JSON ({exc.msg} at column {exc.colno}); line skipped"))
                continue
            if not isinstance(record, dict):
                on_skip(SkippedInput(f"{source}:{line_no}", "a JSONL line must be a JSON object; line skipped"))
                continue
            try:
                yield _record_to_article(record, text_field=text_field, default_id=f"{path.stem}-{line_no}", source=source, line=line_no)
            except InputError as exc:
                on_skip(SkippedInput(f"{source}:{line_no}", exc.message))


def _iter_csv(path: Path, compressed: bool, source: str, text_field: str, on_skip: OnSkip) -> Iterator[Article]:
    _check_head(path, compressed, source)
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with _open_text(path, compressed) as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(source, "the CSV file is empty") from None
        except csv.Error as exc:
            raise InputError(source, f"malformed CSV header: {exc}", line=1) from None
        header = [h.lstrip("\ufeff").strip() for h in header]
        if text_field not in header:
            raise InputError(source, f"no {text_field!r} column (columns: {', '.join(header[:12])}); use --text-field", line=1)
        row_no = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                on_skip(SkippedInput(f"{source}:{reader.line_num}", f"malformed CSV row ({exc}); row skipped"))
                continue
            row_no += 1
            line_no = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                on_skip(SkippedInput(f"{source}:{line_no}", f"row has {len(row)} fields, the header has {len(header)}; row skipped"))
                continue
            try:
                yield _record_to_article(dict(zip(header, row)), text_field=text_field, default_id=f"{path.stem}-{row_no}", source=source, line=line_no)
            except InputError as exc:
                on_skip(SkippedInput(f"{source}:{line_no}", exc.message))


def read_path(path: Path, *, text_field: str = "text", on_skip: OnSkip, warn: OnWarn | None = None) -> Iterator[Article]:
    """Articles in one file. Whole-file problems raise `InputError`; record problems go to on_skip."""
    source = str(path)
    suffix, compressed = _suffixes(path)
    if suffix in (".jsonl", ".ndjson"):
        yield from _iter_jsonl(path, compressed, source, text_field, on_skip)
        return
    if suffix == ".csv":
        yield from _iter_csv(path, compressed, source, text_field, on_skip)
        return
    if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES:
        raise InputError(source, f"unsupported file type {path.suffix or '(none)'!r}; use .txt, .md, .html, .jsonl or .csv")
    try:
        with (gzip.open(path, "rb") if compressed else open(path, "rb")) as fh:
            raw = fh.read(MAX_ARTICLE_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise InputError(source, f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    if not raw or raw.isspace():
        raise InputError(source, "the file is empty")
    if len(raw) > MAX_ARTICLE_BYTES:
        raw = _trim_partial_character(raw[:MAX_ARTICLE_BYTES])
        if warn is not None:
            warn(f"{source}: file is over {MAX_ARTICLE_BYTES / 2**20:.0f} MiB; read its first {MAX_ARTICLE_BYTES / 2**20:.0f} MiB")
    text = decode_bytes(raw, source, warn=warn)
    if suffix in HTML_SUFFIXES:
        yield _article_from_html(text, path, source)
    else:
        yield _article_from_text(text, path, source, warn)


def _walk(root: Path) -> Iterator[Path]:
    """Supported files under a folder, recursively, in a stable order; hidden files skipped."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            p = Path(dirpath) / name
            if _suffixes(p)[0] in SUPPORTED_SUFFIXES:
                yield p


def _bounded(article: Article, max_chars: int, warn: OnWarn | None) -> Article:
    if len(article.text) <= max_chars:
        return article
    cut = article.text.rfind(" ", 0, max_chars)
    cut = cut if cut > max_chars // 2 else max_chars
    if warn is not None:
        warn(f"{article.source}: article is {len(article.text):,} characters; scored the first {cut:,} (the per-article limit)")
    return Article(id=article.id, text=article.text[:cut], title=article.title, metadata=article.metadata, source=article.source)


def iter_articles(
    paths: Iterable[str | os.PathLike[str] | Article],
    *,
    text_field: str = "text",
    on_skip: OnSkip,
    warn: OnWarn | None = None,
    max_chars: int = MAX_ARTICLE_CHARS,
) -> Iterator[Article]:
    """Stream articles from files and folders (recursively). Nothing is held in memory beyond the
    current record; an article over `max_chars` is cut there, with a warning. An `Article`
    among the paths (one already in memory) is passed on as it is, cut the same way."""
    for given in paths:
        if isinstance(given, Article):
            yield _bounded(given, max_chars, warn)
            continue
        root = Path(given)
        if root.is_dir():
            files: Iterable[Path] = _walk(root)
        elif root.exists():
            files = [root]
        else:
            on_skip(SkippedInput(str(root), "no such file or folder"))
            continue
        for path in files:
            try:
                for article in read_path(path, text_field=text_field, on_skip=on_skip, warn=warn):
                    yield _bounded(article, max_chars, warn)
            except InputError as exc:
                on_skip(SkippedInput(f"{exc.source}:{exc.line}" if exc.line else exc.source, exc.message))
            except (OSError, ValueError, RecursionError, MemoryError) as exc:
                on_skip(SkippedInput(str(path), f"cannot read: {exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")))
