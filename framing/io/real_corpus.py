"""The real-text yardstick (framing/data/real/): double-coded real articles, rebuilt from ../shared.

The committed files hold labels and references only: corpus ids, character offsets and digests.
No article text and no sentence is stored in the project. This module rebuilds the texts from
the two corpora at run time:

- the debate corpus, `$FRAMING_DEBATE`, else `../shared/corpora/debate/articles.jsonl`;
- the ABP corpus, `$FRAMING_ABP`, else `../shared/corpora/abp/articles.jsonl.gz`.

Each article's whole text is checked against its recorded SHA-256 and every labelled span
against its SHA-1, so a changed corpus is reported, never silently scored. When a corpus is
absent, `RealCorpusError` says which file is missing and which records need it.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ..errors import FramingError

__all__ = [
    "RealCorpusError",
    "REAL_FILES",
    "REAL_FILE_NAMES",
    "DEBATE_ENV_VAR",
    "default_debate_path",
    "default_abp_path",
    "real_records",
    "corpus_texts",
    "attach_texts",
    "span_text",
    "span_digest",
    "load_real",
    "read_corpus_rows",
    "reference_records",
]

REAL_FILES = ("articles", "sentences", "passages")
# The files' names say they hold codes (labels and offsets), not the corpus's articles.
REAL_FILE_NAMES = {"articles": "article_codes.jsonl", "sentences": "sentence_codes.jsonl", "passages": "passage_codes.jsonl"}
DEBATE_ENV_VAR = "FRAMING_DEBATE"
ABP_ENV_VAR = "FRAMING_ABP"


class RealCorpusError(FramingError):
    """A corpus the yardstick points into is missing, unreadable or has changed."""


def _repo_shared() -> Path:
    return Path(__file__).resolve().parents[2].parent / "shared" / "corpora"


def default_debate_path() -> Path:
    """$FRAMING_DEBATE, else ../shared/corpora/debate/articles.jsonl beside the repository."""
    env = os.environ.get(DEBATE_ENV_VAR)
    return Path(env) if env else _repo_shared() / "debate" / "articles.jsonl"


def default_abp_path() -> Path:
    """$FRAMING_ABP, else ../shared/corpora/abp/articles.jsonl.gz beside the repository."""
    env = os.environ.get(ABP_ENV_VAR)
    return Path(env) if env else _repo_shared() / "abp" / "articles.jsonl.gz"


def real_records(name: str, *, directory: str | Path | None = None) -> list[dict[str, Any]]:
    """The committed records of one yardstick file (`articles`, `sentences` or `passages`):
    labels and references, no text. `directory` replaces the shipped folder (tests use it)."""
    if name not in REAL_FILES:
        raise RealCorpusError(f"unknown yardstick file {name!r}; choose one of {', '.join(REAL_FILES)}")
    if directory is not None:
        path: Any = Path(directory) / REAL_FILE_NAMES[name]
        if not path.is_file():
            raise RealCorpusError(f"{path}: no such yardstick file")
    else:
        path = resources.files("framing").joinpath("data", "real", REAL_FILE_NAMES[name])
    return reference_records(path)


def reference_records(path: Any, *, error: type[FramingError] | None = None) -> list[dict[str, Any]]:
    """The JSON lines of a committed reference file (a path or a package resource); a malformed
    line raises `error` (default RealCorpusError) naming the file and line."""
    error = error or RealCorpusError
    records = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise error(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
    return records


def span_digest(text: str) -> str:
    """The SHA-1 recorded for a labelled span."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def read_corpus_rows(path: Path, wanted: set[str], *, label: str, error: type[FramingError] | None = None) -> dict[str, dict[str, Any]]:
    """The rows of a JSONL corpus (optionally gzipped) whose `id` is wanted, reading only until
    all are found; a malformed line or an unreadable file raises `error` (default
    RealCorpusError) naming the file. The caller checks that the file exists."""
    error = error or RealCorpusError
    found: dict[str, dict[str, Any]] = {}
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    raise error(f"{path}:{lineno}: not valid JSON") from None
                cid = row.get("id") if isinstance(row, dict) else None
                if cid in wanted and cid not in found:
                    found[cid] = row
                    if len(found) == len(wanted):
                        break
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read the {label} corpus ({exc})") from None
    return found


def _read_jsonl_texts(path: Path, wanted: set[str], *, label: str) -> dict[str, dict[str, Any]]:
    if not wanted:
        return {}
    if not path.is_file():
        raise RealCorpusError(
            f"{path}: {label} corpus not found; {len(wanted)} yardstick article(s) point into it and "
            f"the project stores only offsets (set ${DEBATE_ENV_VAR if label == 'debate' else ABP_ENV_VAR})"
        )
    return read_corpus_rows(path, wanted, label=label)


def corpus_texts(
    articles: Sequence[Mapping[str, Any]], *, debate_path: str | Path | None = None, abp_path: str | Path | None = None
) -> dict[str, str]:
    """The text of every yardstick article, by yardstick id, checked against its SHA-256."""
    return {k: v["text"] for k, v in _corpus_rows(articles, debate_path=debate_path, abp_path=abp_path).items()}


def _corpus_rows(
    articles: Sequence[Mapping[str, Any]], *, debate_path: str | Path | None = None, abp_path: str | Path | None = None
) -> dict[str, dict[str, str]]:
    paths = {
        "debate": Path(debate_path) if debate_path is not None else default_debate_path(),
        "abp": Path(abp_path) if abp_path is not None else default_abp_path(),
    }
    texts: dict[str, dict[str, str]] = {}
    for source, path in paths.items():
        mine = [a for a in articles if a["source"] == source]
        rows = _read_jsonl_texts(path, {a["corpus_id"] for a in mine}, label=source)
        for art in mine:
            row = rows.get(art["corpus_id"])
            if row is None:
                raise RealCorpusError(f"{path}: article {art['corpus_id']} (yardstick {art['id']}) is not in the corpus")
            text = str(row.get("text") or "")
            if hashlib.sha256(text.encode("utf-8")).hexdigest() != art["sha256"]:
                raise RealCorpusError(
                    f"{path}: the text of {art['corpus_id']} (yardstick {art['id']}) does not match its recorded "
                    f"SHA-256; the corpus differs from the one that was coded"
                )
            texts[art["id"]] = {"text": text, "title": str(row.get("title") or "")}
    unknown = sorted({a["source"] for a in articles} - set(paths))
    if unknown:
        raise RealCorpusError(f"yardstick records name unknown corpus source(s): {', '.join(unknown)}")
    return texts


def span_text(text: str, start: int, end: int, sha1: str, *, where: str) -> str:
    """`text[start:end]`, refused when its digest differs from the recorded one."""
    piece = text[start:end]
    if span_digest(piece) != sha1:
        raise RealCorpusError(f"{where}: span {start}-{end} does not match its recorded SHA-1 (a changed corpus)")
    return piece


def attach_texts(records: Iterable[Mapping[str, Any]], texts: Mapping[str, str]) -> list[dict[str, Any]]:
    """Copies of sentence or passage records with `text` rebuilt from their article's text."""
    out = []
    for rec in records:
        article = texts.get(rec["article"])
        if article is None:
            raise RealCorpusError(f"yardstick unit {rec['article']}:{rec['start']} points to an article that is not loaded")
        out.append({**rec, "text": span_text(article, rec["start"], rec["end"], rec["sha1"], where=f"{rec['article']}")})
    return out


def load_real(
    *, directory: str | Path | None = None, debate_path: str | Path | None = None, abp_path: str | Path | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The whole yardstick with texts: {"articles": [...with "text" and "title"], "sentences": [...],
    "passages": [...]}, sentences and passages with their "text".

    Every evidence span of every article is checked too. Raises RealCorpusError when a corpus
    is absent or changed."""
    articles = real_records("articles", directory=directory)
    rows = _corpus_rows(articles, debate_path=debate_path, abp_path=abp_path)
    texts = {k: v["text"] for k, v in rows.items()}
    for art in articles:
        for spans in _evidence_spans(art.get("evidence") or {}):
            for start, end, sha1 in spans:
                span_text(texts[art["id"]], start, end, sha1, where=art["id"])
    return {
        "articles": [{**a, "text": texts[a["id"]], "title": rows[a["id"]]["title"]} for a in articles],
        "sentences": attach_texts(real_records("sentences", directory=directory), texts),
        "passages": attach_texts(real_records("passages", directory=directory), texts),
    }


def _evidence_spans(evidence: Mapping[str, Any]) -> Iterable[Sequence[Sequence[Any]]]:
    for value in evidence.values():
        if isinstance(value, Mapping):
            yield from value.values()
        else:
            yield value
