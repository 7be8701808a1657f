"""Small generated corpora for the batch, cache and engine tests (no test data is committed)."""
from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

_SUBJECTS = ["Russia", "China", "Iran", "North Korea", "The bloc", "Officials", "Analysts", "Beijing"]
_PHRASES = [
    "coordinated closely with its partners", "formed an axis of upheaval", "is a marriage of convenience",
    "remains fragile", "is driven by mutual mistrust", "wants a multipolar order", "calls it win-win cooperation",
    "is not a real bloc", "may be coordinating", "met in Moscow", "signed new deals", "denied everything",
]
_TAILS = ["", ", officials said", ", but mistrust runs deep", " -- a very worrying sign", "!", "?"]


def article_text(rng: random.Random, sentences: int) -> str:
    parts = []
    for _ in range(sentences):
        tail = rng.choice(_TAILS)
        end = "" if tail in ("!", "?") else "."
        parts.append(f"{rng.choice(_SUBJECTS)} {rng.choice(_PHRASES)}{tail}{end}")
    return " ".join(parts)


def write_corpus(path: Path, n: int, *, seed: int = 1, sentences: tuple[int, int] = (3, 8)) -> list[dict]:
    """A JSONL corpus of n distinct articles with an outlet field; returns the records."""
    rng = random.Random(seed)
    records = []
    for i in range(n):
        text = f"Report {i}. " + article_text(rng, rng.randint(*sentences))
        records.append({"id": f"a{i:05d}", "title": f"Article {i}", "outlet": rng.choice(["Daily", "Herald", "Post"]), "text": text})
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec) + "\n")
    return records


def read_outputs(out: Path, fmt: str = "csv") -> dict[str, bytes]:
    """The bytes of every output that must not depend on how a run was executed."""
    return {name: (out / name).read_bytes() for name in (f"scores.{fmt}", "evidence.jsonl", "articles.jsonl")}


def cached_rows(cache: Path) -> int:
    """Results committed to a run's SQLite cache so far, read without locking out the writer (0
    while the file does not exist or is being created)."""
    if not cache.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{cache}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT count(*) FROM results").fetchone()[0]
    except sqlite3.Error:
        return 0
