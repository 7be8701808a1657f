"""Embedded databases for batch runs: the incremental-run cache and a run's own bookkeeping.

`ResultCache` keeps every scored article in SQLite, keyed by a hash of the article's text and a
key for everything else that decides its scores (lexicons, models, framing's scoring code, the
VADER version): re-running over an unchanged corpus scores nothing again, an edited article is
re-scored alone, and a changed lexicon re-scores everything. Results are committed one chunk at
a time in write-ahead-log mode, so a run killed at any point (even with SIGKILL) keeps every
chunk it finished and the file stays consistent; the next run picks up from there.

`RunState` remembers, on disk rather than in memory, which texts and ids a run has already
seen, so duplicate detection and id de-duplication stay flat in memory on any corpus size.
"""
from __future__ import annotations

import hashlib
import sqlite3
import time
from importlib import metadata, resources
from pathlib import Path
from typing import Iterable, Sequence

from ..errors import OutputError

__all__ = ["ResultCache", "RunState", "scoring_code_digest", "CACHE_FILENAME"]

CACHE_FILENAME = ".framing-cache.sqlite"
_SCHEMA_VERSION = "1"
# Older scorer keys kept in the cache (e.g. while switching between two lexicon versions); the
# results of any older ones are deleted at the end of a complete run.
KEEP_SCORER_KEYS = 3

# Source files whose code decides the scores (and batch.py, which defines how results are
# stored): a change in any of them invalidates the cache even when the version number does not
# change (a development checkout).
_SCORING_SOURCES = ("text.py", "models.py", "pipeline.py", "payloads.py", "batch.py", "lexicon", "scoring", "data/abbreviations.txt")


def scoring_code_digest() -> str:
    """A hash of framing's scoring code and of the libraries whose output it passes on."""
    h = hashlib.sha256()
    root = resources.files("framing")
    for name in _SCORING_SOURCES:
        node = root.joinpath(name)
        files = sorted((f for f in node.iterdir() if f.name.endswith(".py")), key=lambda f: f.name) if node.is_dir() else [node]
        for f in files:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    for dist in ("vaderSentiment", "nltk", "numpy"):
        try:
            h.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(dist.encode())
    return h.hexdigest()


def _connect(path: str | Path, *, what: str) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(str(path), timeout=60, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # with WAL: consistent after any crash of the process
        return db
    except sqlite3.Error as exc:
        raise OutputError(f"{path}: not a usable {what} ({exc}); delete it or choose another path") from None


class ResultCache:
    """Scored results by (text key, scorer key). Use as a context manager; `complete()` at the
    end of a run that finished, so older scorer keys can be pruned."""

    def __init__(self, path: str | Path, scorer_key: str) -> None:
        self.path = Path(path)
        self.scorer_key = scorer_key
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot create the cache folder ({exc.strerror or exc})") from None
        self._db = _connect(self.path, what="framing cache")
        try:
            self._db.executescript(
                """
                CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS results (
                    text_key BLOB NOT NULL, scorer_key TEXT NOT NULL, payload BLOB NOT NULL,
                    PRIMARY KEY (text_key, scorer_key)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS scorers (scorer_key TEXT PRIMARY KEY, last_used REAL NOT NULL);
                """
            )
            row = self._db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
            if row is None:
                self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (_SCHEMA_VERSION,))
            elif row[0] != _SCHEMA_VERSION:
                raise OutputError(f"{self.path}: a cache from another framing version (schema {row[0]}); delete it or choose another --cache")
            self._db.execute("INSERT OR REPLACE INTO scorers VALUES (?, ?)", (scorer_key, time.time()))
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise OutputError(f"{self.path}: not a usable framing cache ({exc}); delete it or choose another --cache") from None

    def get_many(self, text_keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """Cached payloads for the given text keys (missing keys are absent)."""
        if not text_keys:
            return {}
        marks = ",".join("?" * len(text_keys))
        rows = self._db.execute(
            f"SELECT text_key, payload FROM results WHERE scorer_key = ? AND text_key IN ({marks})",
            (self.scorer_key, *text_keys),
        )
        return {bytes(k): bytes(p) for k, p in rows}

    def put_many(self, items: Iterable[tuple[bytes, bytes]]) -> None:
        """Store payloads in one transaction: after it commits they survive any crash."""
        rows = [(k, self.scorer_key, p) for k, p in items]
        if not rows:
            return
        try:
            with self._transaction():
                self._db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", rows)
        except sqlite3.Error as exc:
            raise OutputError(f"{self.path}: cannot write to the cache ({exc})") from None

    def count(self) -> int:
        return self._db.execute("SELECT count(*) FROM results WHERE scorer_key = ?", (self.scorer_key,)).fetchone()[0]

    def complete(self) -> None:
        """Mark the scorer key used and drop results of all but the most recent few keys."""
        try:
            with self._transaction():
                self._db.execute("INSERT OR REPLACE INTO scorers VALUES (?, ?)", (self.scorer_key, time.time()))
                keep = [k for (k,) in self._db.execute("SELECT scorer_key FROM scorers ORDER BY last_used DESC LIMIT ?", (KEEP_SCORER_KEYS,))]
                marks = ",".join("?" * len(keep))
                self._db.execute(f"DELETE FROM results WHERE scorer_key NOT IN ({marks})", keep)
                self._db.execute(f"DELETE FROM scorers WHERE scorer_key NOT IN ({marks})", keep)
        except sqlite3.Error as exc:
            raise OutputError(f"{self.path}: cannot update the cache ({exc})") from None

    def _transaction(self):
        db = self._db

        class _Tx:
            def __enter__(self_inner):
                db.execute("BEGIN IMMEDIATE")

            def __exit__(self_inner, exc_type, exc, tb):
                db.execute("COMMIT" if exc_type is None else "ROLLBACK")
                return False

        return _Tx()

    def close(self) -> None:
        try:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass
        self._db.close()

    def __enter__(self) -> "ResultCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RunState:
    """What one run has seen: text keys (for duplicates) and article ids (made unique), in a
    private temporary database that SQLite deletes when it is closed."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("", isolation_level=None)
        self._db.executescript(
            """
            PRAGMA cache_size = -8000;
            CREATE TABLE texts (text_key BLOB PRIMARY KEY, article_id TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE ids (base TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
            BEGIN;
            """
        )

    def admit(self, items: Sequence[tuple[bytes, str]]) -> list[tuple[str | None, str | None]]:
        """For each (text key, article id) in reading order: (the id of an earlier article with
        the same text, None) for a duplicate, else (None, the id made unique within the run:
        `a`, `a~2`, ...). One look-up and one write per batch, not per article."""
        known = self._lookup("SELECT text_key, article_id FROM texts WHERE text_key IN ({})", {k for k, _ in items})
        counts = self._lookup("SELECT base, n FROM ids WHERE base IN ({})", {a for _, a in items})
        out: list[tuple[str | None, str | None]] = []
        new_texts: list[tuple[bytes, str]] = []
        changed: dict[str, int] = {}
        for text_key, article_id in items:
            first = known.get(text_key)
            if first is not None:
                out.append((first, None))
                continue
            n = counts.get(article_id, 0) + 1
            counts[article_id] = changed[article_id] = n
            unique = article_id if n == 1 else f"{article_id}~{n}"
            known[text_key] = unique
            new_texts.append((text_key, unique))
            out.append((None, unique))
        self._db.executemany("INSERT INTO texts VALUES (?, ?)", new_texts)
        self._db.executemany("INSERT OR REPLACE INTO ids VALUES (?, ?)", changed.items())
        return out

    def _lookup(self, sql: str, keys: set) -> dict:
        found: dict = {}
        keys_list = list(keys)
        for i in range(0, len(keys_list), 500):  # SQLite's limit on query parameters
            part = keys_list[i : i + 500]
            found.update(self._db.execute(sql.format(",".join("?" * len(part))), part))
        return found

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "RunState":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
