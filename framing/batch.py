"""Batch runs at corpus scale: articles stream from the readers through an engine (this process,
worker processes, or a Dask cluster) and the incremental cache into the output files, a chunk at
a time, so memory does not grow with the corpus.

    read -> de-duplicate -> cache look-up -> score the misses (engine) -> cache -> write

Every scored article travels as a *payload*: its scores, sentence spans and tones and its evidence
lines, as compressed JSON. Workers make payloads, the cache stores them, and the outputs are
always written from a decoded payload, whether it was scored just now, by another process or
machine, or in an earlier run: so `--jobs`, `--engine` and the cache cannot change a byte of the
output (`framing.payloads`). `run_batch` is the entry point of the CLI and the Python API.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
from collections import deque
from datetime import datetime, timezone
from pathlib import Path
from dataclasses import replace
from typing import Any, Callable, Iterator, Mapping, Sequence

from ._version import __version__
from .accel import describe as describe_accelerator
from .models import CHUNK_SIZE, Article, BatchOptions, SkippedInput
from .payloads import decode_payload, evidence_lines, scorer_key, text_key
from .pipeline import BatchResult

__all__ = ["run_batch", "build_manifest", "BatchOptions", "CHUNK_SIZE"]

_OUTPUT_TEMP_RE = re.compile(r"^\.(?:scores\.(?:csv|jsonl|parquet)|evidence\.jsonl|articles\.jsonl|manifest\.json)\..*\.tmp$|^\.framing-rows-.*\.tmp$")


# --- the run -------------------------------------------------------------------------------


@contextlib.contextmanager
def _output_lock(out: Path) -> Iterator[None]:
    """One run at a time per output folder (a second would race for the same temporary files);
    the lock goes away with the process, however it ends."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    from .errors import OutputError

    lock_path = out / ".framing.lock"
    try:
        fh = open(lock_path, "a+")
    except OSError as exc:
        raise OutputError(f"{out}: cannot create a lock file ({exc.strerror or exc})") from None
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise OutputError(f"{out}: another framing run is writing to this folder; wait for it or use another --out") from None
        yield
    finally:
        fh.close()


def _remove_stale_temporaries(out: Path) -> None:
    """Temporary files left by a run that was killed (never the finished outputs)."""
    for entry in os.scandir(out):
        if _OUTPUT_TEMP_RE.match(entry.name):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


class _Counter(threading.Thread):
    """Counts the inputs' articles in the background, for the progress bar's total."""

    def __init__(self, paths: Sequence[str | os.PathLike[str]], on_total: Callable[[int], None]) -> None:
        super().__init__(daemon=True, name="framing-count")
        self.paths, self.on_total = list(paths), on_total
        self.total: int | None = None

    def run(self) -> None:
        from .io.spool import count_articles

        in_memory = sum(isinstance(p, Article) for p in self.paths)
        self.total = in_memory + count_articles([p for p in self.paths if not isinstance(p, Article)])


def run_batch(
    paths: Sequence[str | Path | Article],
    out_dir: str | Path,
    options: BatchOptions | None = None,
    *,
    scorer: Any = None,
    progress: Callable[[int], None] | None = None,
    on_skip: Callable[[SkippedInput], None] | None = None,
    on_warn: Callable[[str], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    **settings: Any,
) -> BatchResult:
    """Read, score and write `scores.<fmt>`, `evidence.jsonl`, `articles.jsonl` and `manifest.json`
    into out_dir, streaming (memory does not grow with the corpus). `paths` are files and folders,
    or `Article` objects already in memory (the Python API's DataFrames, lists and dicts).

    `options` (a `BatchOptions`) says what to read, how to score and where the cache is; keyword
    `settings` override its fields (`run_batch(paths, out, jobs=2, cache=False)`). `scorer`
    replaces the one the options would build. `progress` receives the number of articles done,
    `on_skip` and `on_warn` each skipped input and warning as they happen, `on_total` an estimate
    of the number of articles (counted in the background) for a progress bar. Output is identical
    for every engine, job count and cache state. See `framing.batch`.
    """
    from .engines import check_engine, make_engine
    from .io.cache import CACHE_FILENAME, ResultCache, RunState
    from .io.readers import iter_articles
    from .io.spool import RowSpool, check_format, write_scores
    from .io.writers import atomic_open, ensure_output_dir, write_json
    from .pipeline import build_scorer

    options = replace(options or BatchOptions(), **settings)
    started = time.time()
    suffix = check_format(options.fmt)
    check_engine(options.engine, options.scheduler)
    out = ensure_output_dir(out_dir)
    with _output_lock(out):
        _remove_stale_temporaries(out)
        scorer = scorer or build_scorer(list(options.lexicon_dirs), classifiers=options.classifiers)
        cache_path = (out / CACHE_FILENAME) if options.cache is True else (Path(options.cache) if options.cache else None)
        log = _RunLog(on_skip, on_warn)
        key = scorer_key(scorer)
        with contextlib.ExitStack() as stack:
            result_cache = stack.enter_context(ResultCache(cache_path, key)) if cache_path else None
            state = stack.enter_context(RunState())
            outputs = _Outputs(scorer, log, stack.enter_context(RowSpool(out, fmt=options.fmt)),
                               stack.enter_context(atomic_open(out / "evidence.jsonl", "w")), stack.enter_context(atomic_open(out / "articles.jsonl", "w")))
            eng = stack.enter_context(make_engine(scorer, engine=options.engine, jobs=options.jobs, scheduler=options.scheduler))
            queue = _ChunkQueue(eng, result_cache, outputs, progress=progress, total=(paths, on_total))
            for article in iter_articles(paths, text_field=options.text_field, on_skip=log.skip, warn=log.warn):
                queue.read(article, state, chunk_size=options.chunk_size)
            queue.close(state)
            columns = outputs.columns
            write_scores(out / f"scores.{suffix}", outputs.spool, columns, fmt=options.fmt)
            if result_cache is not None:
                result_cache.complete()
        # evidence.jsonl and articles.jsonl are renamed into place as the stack closes
        manifest = build_manifest(
            paths=paths, options=options, scorer=scorer, log=log, duplicates=queue.duplicates, counts=queue.counts, engine=eng,
            cache_path=cache_path, scorer_key=key, duration=time.time() - started, created=datetime.now(timezone.utc), suffix=suffix,
        )
        write_json(out / "manifest.json", manifest)
    return BatchResult(
        out, columns, log.skipped, queue.duplicates, log.warnings, manifest,
        n_articles=queue.counts["articles"], n_scored=queue.counts["scored"], n_cached=queue.counts["cached"], scores_path=out / f"scores.{suffix}",
    )


class _RunLog:
    """The inputs skipped and the warnings of a run, kept for the manifest and passed on."""

    def __init__(self, on_skip: Callable[[SkippedInput], None] | None, on_warn: Callable[[str], None] | None) -> None:
        self.skipped: list[SkippedInput] = []
        self.warnings: list[str] = []
        self._on_skip, self._on_warn = on_skip, on_warn

    def skip(self, item: SkippedInput) -> None:
        self.skipped.append(item)
        if self._on_skip is not None:
            self._on_skip(item)

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        if self._on_warn is not None:
            self._on_warn(message)


class _Outputs:
    """Writes each article's row, evidence lines and article record from its payload; the table's
    columns grow as metadata fields appear (base columns, metadata, then the score columns)."""

    def __init__(self, scorer: Any, log: _RunLog, spool: Any, evidence: Any, articles: Any) -> None:
        from .pipeline import BASE_COLUMNS, score_columns

        self.log, self.spool, self.evidence, self.articles = log, spool, evidence, articles
        self.base = tuple(BASE_COLUMNS)
        self.score_cols = list(score_columns(scorer))
        self.reserved = set(self.base) | set(self.score_cols)
        self.meta_columns: list[str] = []
        self.row_columns = (*self.base, *self.score_cols)
        self.n_written = 0

    @property
    def columns(self) -> list[str]:
        return [*self.base, *self.meta_columns, *self.score_cols]

    def write(self, article: Article, uid: str, outcome: bytes | str) -> None:
        from .language import is_readable
        from .pipeline import language_warning

        if isinstance(outcome, str):  # the reason the article could not be scored
            self.log.skip(SkippedInput(article.source or article.id, outcome))
            return
        payload, evidence_text = decode_payload(outcome)
        row: dict[str, Any] = {"id": uid, "title": article.title}
        for name, value in article.metadata.items():
            col = name if name not in self.reserved else f"meta.{name}"
            if col not in row:
                if col not in self.meta_columns:
                    self.meta_columns.append(col)
                    self.row_columns = (*self.base, *self.meta_columns, *self.score_cols)
                row[col] = value
        row.update(payload["scores"])
        language = payload["scores"].get("language", "en")
        if not is_readable(str(language)):
            self.log.warn(language_warning(article.source or article.id, str(language)))
        self.spool.append(row, self.row_columns)
        self.evidence.write(evidence_lines(uid, evidence_text))
        self.articles.write(json.dumps({
            "id": uid, "title": article.title, "metadata": dict(article.metadata), "text": article.text,
            "sentences": payload["sentences"], "sentence_tone": payload["tone"],
            "n_evidence": payload["n_evidence"],
        }, ensure_ascii=False, default=str) + "\n")
        self.n_written += 1


class _ChunkQueue:
    """Articles in, outputs out, in input order: reads are gathered into chunks, exact duplicates
    dropped and ids made unique, each chunk's cached payloads looked up and the rest sent to the
    engine, and the oldest chunk finished (cache filled, outputs written) once more chunks are in
    flight than the engine's window."""

    def __init__(self, engine: Any, cache: Any, outputs: _Outputs, *, progress: Callable[[int], None] | None,
                 total: tuple[Sequence[Any], Callable[[int], None] | None]) -> None:
        self.engine, self.cache, self.outputs, self.progress = engine, cache, outputs, progress
        self.paths, self.on_total = total
        self.counter: _Counter | None = None
        self.duplicates: list[dict[str, str]] = []
        self.counts = {"articles": 0, "scored": 0, "cached": 0}
        self.read_batch: list[Article] = []
        self.chunk: list[tuple[Article, str, bytes]] = []
        self.chunk_size = CHUNK_SIZE
        # a chunk in flight: its articles (with run-unique ids and text keys), the payloads found
        # in the cache, the engine's handle for the rest, and which those are
        self.in_flight: deque[tuple[list[tuple[Article, str, bytes]], dict[bytes, bytes], Any, list[int]]] = deque()

    def read(self, article: Article, state: Any, *, chunk_size: int) -> None:
        self.chunk_size = max(1, int(chunk_size))
        self.read_batch.append(article)
        if len(self.read_batch) >= self.chunk_size:
            self._admit(self.read_batch, state)
            self.read_batch = []

    def close(self, state: Any) -> None:
        self._admit(self.read_batch, state)
        self.read_batch = []
        if self.chunk:
            self._submit(self.chunk, last=True)
            self.chunk = []
        while self.in_flight:
            self._finish_oldest()
        self.counts["articles"] = self.outputs.n_written

    def _admit(self, batch: list[Article], state: Any) -> None:
        """Drop exact duplicates, make ids unique, and queue the rest for scoring."""
        keys = [text_key(a.text) for a in batch]
        for article, tkey, (first, uid) in zip(batch, keys, state.admit([(k, a.id) for k, a in zip(keys, batch)])):
            if first is not None:
                self.duplicates.append({"id": article.id, "source": article.source, "duplicate_of": first})
                if self.progress is not None:
                    self.progress(1)
                continue
            self.chunk.append((article, uid, tkey))
            if len(self.chunk) >= self.chunk_size:
                self._submit(self.chunk)
                self.chunk = []

    def _submit(self, items: list[tuple[Article, str, bytes]], *, last: bool = False) -> None:
        cached = self.cache.get_many([k for _, _, k in items]) if self.cache is not None else {}
        misses = [i for i, (_, _, k) in enumerate(items) if k not in cached]
        handle = self.engine.submit([items[i][0] for i in misses], last=last) if misses else None
        self.in_flight.append((items, cached, handle, misses))
        if self.counter is None and self.on_total is not None and not last and not getattr(self.engine, "may_fork", False):
            # started only once worker processes, if any, have been forked: forking a
            # process that runs other threads can copy a lock one of them holds
            self.counter = _Counter(self.paths, self.on_total)
            self.counter.start()
        while len(self.in_flight) > self.engine.window:
            self._finish_oldest()

    def _finish_oldest(self) -> None:
        items, cached, handle, misses = self.in_flight.popleft()
        fresh = iter(handle.result() if handle is not None else [])
        miss_set = set(misses)
        outcomes: list[bytes | str] = []
        new_entries: list[tuple[bytes, bytes]] = []
        for i, (_, _, tkey) in enumerate(items):
            if i in miss_set:
                outcome = next(fresh)
                if isinstance(outcome, bytes):
                    new_entries.append((tkey, outcome))
            else:
                outcome = cached[tkey]
            outcomes.append(outcome)
        if self.cache is not None:
            self.cache.put_many(new_entries)  # committed before the outputs move on
        self.counts["scored"] += len(misses)
        self.counts["cached"] += len(items) - len(misses)
        for (article, uid, _), outcome in zip(items, outcomes):
            self.outputs.write(article, uid, outcome)
        if self.progress is not None:
            self.progress(len(items))
        if self.counter is not None and self.counter.total is not None:
            self.counter.on_total(self.counter.total)
            self.counter.total = None


def build_manifest(*, paths: Sequence[Any], options: BatchOptions, scorer: Any, log: _RunLog, duplicates: Sequence[Mapping[str, str]],
                   counts: Mapping[str, int], engine: Any, cache_path: Path | None, scorer_key: str, duration: float, created: datetime,
                   suffix: str) -> dict[str, Any]:
    """`manifest.json` of a run: what was read, with what, what came of it (a pure function of
    the run's record)."""
    from .pipeline import dependency_versions
    from .scoring.kinds import dimension_schema

    return {
        "tool": "framing",
        "version": __version__,
        "created": created.isoformat(timespec="seconds"),
        "duration_seconds": round(duration, 3),
        "inputs": [str(p) for p in paths if not isinstance(p, Article)],  # not the texts of articles given in memory
        "n_articles": counts["articles"],
        "n_skipped": len(log.skipped),
        "skipped": [s.as_dict() for s in log.skipped],
        "duplicates": list(duplicates),
        "warnings": list(log.warnings),
        "lexicons": dict(scorer.lexicon_hashes),
        "lexicon_dimensions": [lx.dimension for lx in scorer.lexicons],
        "dimensions": dimension_schema(scorer.lexicons),
        "models": {e.name: getattr(e, "fingerprint", "") for e in scorer.extras},
        "versions": dependency_versions(),
        "run": {
            "engine": engine.name,
            "jobs": engine.jobs,
            "scheduler": options.scheduler if options.engine == "dask" else None,
            "scored": counts["scored"],
            "from_cache": counts["cached"],
            "cache": str(cache_path) if cache_path else None,
            "scorer_key": scorer_key,
            "accelerator": describe_accelerator(),  # this process's path; outputs are the same on both
        },
        "outputs": [f"scores.{suffix}", "evidence.jsonl", "articles.jsonl", "manifest.json"],
    }
