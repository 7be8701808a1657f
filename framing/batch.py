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
from typing import Any, Callable, Iterator, Sequence

from ._version import __version__
from .models import Article, SkippedInput
from .payloads import decode_payload, evidence_lines, scorer_key, text_key
from .pipeline import CHUNK_SIZE, BatchResult

__all__ = ["run_batch", "CHUNK_SIZE"]

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
    *,
    lexicon_dirs: Sequence[str | Path] = (),
    text_field: str = "text",
    fmt: str = "csv",
    classifiers: bool = True,
    progress: Callable[[int], None] | None = None,
    on_skip: Callable[[SkippedInput], None] | None = None,
    on_warn: Callable[[str], None] | None = None,
    scorer: Any = None,
    jobs: int | None = 1,
    engine: str = "local",
    scheduler: str | None = None,
    cache: bool | str | Path = True,
    chunk_size: int = CHUNK_SIZE,
    on_total: Callable[[int], None] | None = None,
) -> BatchResult:
    """Read, score and write `scores.<fmt>`, `evidence.jsonl`, `articles.jsonl` and `manifest.json`
    into out_dir, streaming (memory does not grow with the corpus). `paths` are files and folders,
    or `Article` objects already in memory (the Python API's DataFrames, lists and dicts).

    `jobs`: worker processes (None or 0: all cores; 1: this process). `engine="dask"` scores on the
    `dask.distributed` cluster at `scheduler` (a local one when None). `cache`: True keeps results
    in `out_dir/.framing-cache.sqlite`, a path puts them there, False disables; unchanged articles
    are then not scored again. `on_total` receives an estimate of the number of articles (counted
    in the background) for a progress bar. Output is identical for every engine, job count and
    cache state. See `framing.batch`.
    """
    from .engines import check_engine, make_engine
    from .io.cache import CACHE_FILENAME, ResultCache, RunState
    from .io.readers import iter_articles
    from .io.spool import RowSpool, check_format, write_scores
    from .io.writers import atomic_open, ensure_output_dir, write_json
    from .language import is_readable
    from .pipeline import BASE_COLUMNS, build_scorer, dependency_versions, language_warning, score_columns
    from .scoring.kinds import dimension_schema

    started = time.time()
    suffix = check_format(fmt)
    check_engine(engine, scheduler)
    out = ensure_output_dir(out_dir)
    chunk_size = max(1, int(chunk_size))
    with _output_lock(out):
        _remove_stale_temporaries(out)
        scorer = scorer or build_scorer(lexicon_dirs, classifiers=classifiers)
        cache_path = (out / CACHE_FILENAME) if cache is True else (Path(cache) if cache else None)
        skipped: list[SkippedInput] = []
        warnings: list[str] = []
        duplicates: list[dict[str, str]] = []
        counts = {"articles": 0, "scored": 0, "cached": 0}

        def _skip(item: SkippedInput) -> None:
            skipped.append(item)
            if on_skip is not None:
                on_skip(item)

        def _warn(message: str) -> None:
            warnings.append(message)
            if on_warn is not None:
                on_warn(message)

        score_cols = score_columns(scorer)
        reserved = set(BASE_COLUMNS) | set(score_cols)
        meta_columns: list[str] = []
        key = scorer_key(scorer)
        with contextlib.ExitStack() as stack:
            result_cache = stack.enter_context(ResultCache(cache_path, key)) if cache_path else None
            state = stack.enter_context(RunState())
            spool = stack.enter_context(RowSpool(out, fmt=fmt))
            evidence = stack.enter_context(atomic_open(out / "evidence.jsonl", "w"))
            articles_out = stack.enter_context(atomic_open(out / "articles.jsonl", "w"))
            eng = stack.enter_context(make_engine(scorer, engine=engine, jobs=jobs, scheduler=scheduler))
            counter: _Counter | None = None
            row_columns = (*BASE_COLUMNS, *score_cols)  # the table's columns so far

            def _write(article: Article, uid: str, outcome: bytes | str) -> None:
                if isinstance(outcome, str):
                    _skip(SkippedInput(article.source or article.id, outcome))
                    return
                payload, evidence_text = decode_payload(outcome)
                nonlocal row_columns
                row: dict[str, Any] = {"id": uid, "title": article.title}
                for name, value in article.metadata.items():
                    col = name if name not in reserved else f"meta.{name}"
                    if col not in row:
                        if col not in meta_columns:
                            meta_columns.append(col)
                            row_columns = (*BASE_COLUMNS, *meta_columns, *score_cols)
                        row[col] = value
                row.update(payload["scores"])
                language = payload["scores"].get("language", "en")
                if not is_readable(str(language)):
                    _warn(language_warning(article.source or article.id, str(language)))
                spool.append(row, row_columns)
                evidence.write(evidence_lines(uid, evidence_text))
                articles_out.write(json.dumps({
                    "id": uid, "title": article.title, "metadata": dict(article.metadata), "text": article.text,
                    "sentences": payload["sentences"], "sentence_tone": payload["tone"],
                    "n_evidence": payload["n_evidence"],
                }, ensure_ascii=False, default=str) + "\n")
                counts["articles"] += 1

            # A chunk in flight: its articles (with run-unique ids and text keys), the payloads
            # found in the cache, and the engine's handle for the rest.
            in_flight: deque[tuple[list[tuple[Article, str, bytes]], dict[bytes, bytes], Any, list[int]]] = deque()

            def _finish_oldest() -> None:
                items, cached, handle, misses = in_flight.popleft()
                fresh = handle.result() if handle is not None else []
                outcomes: list[bytes | str] = []
                new_entries: list[tuple[bytes, bytes]] = []
                fresh_iter = iter(fresh)
                miss_set = set(misses)
                for i, (article, uid, tkey) in enumerate(items):
                    if i in miss_set:
                        outcome = next(fresh_iter)
                        if isinstance(outcome, bytes):
                            new_entries.append((tkey, outcome))
                    else:
                        outcome = cached[tkey]
                    outcomes.append(outcome)
                if result_cache is not None:
                    result_cache.put_many(new_entries)  # committed before the outputs move on
                counts["scored"] += len(misses)
                counts["cached"] += len(items) - len(misses)
                for (article, uid, _), outcome in zip(items, outcomes):
                    _write(article, uid, outcome)
                if progress is not None:
                    progress(len(items))
                if counter is not None and counter.total is not None:
                    counter.on_total(counter.total)
                    counter.total = None

            def _submit(items: list[tuple[Article, str, bytes]], *, last: bool = False) -> None:
                nonlocal counter
                cached = result_cache.get_many([k for _, _, k in items]) if result_cache is not None else {}
                misses = [i for i, (_, _, k) in enumerate(items) if k not in cached]
                handle = eng.submit([items[i][0] for i in misses], last=last) if misses else None
                in_flight.append((items, cached, handle, misses))
                if counter is None and on_total is not None and not last and not getattr(eng, "may_fork", False):
                    # started only once worker processes, if any, have been forked: forking a
                    # process that runs other threads can copy a lock one of them holds
                    counter = _Counter(paths, on_total)
                    counter.start()
                while len(in_flight) > eng.window:
                    _finish_oldest()

            chunk: list[tuple[Article, str, bytes]] = []

            def _admit(batch: list[Article]) -> None:
                """Drop exact duplicates, make ids unique, and queue the rest for scoring."""
                nonlocal chunk
                keys = [text_key(a.text) for a in batch]
                for article, tkey, (first, uid) in zip(batch, keys, state.admit([(k, a.id) for k, a in zip(keys, batch)])):
                    if first is not None:
                        duplicates.append({"id": article.id, "source": article.source, "duplicate_of": first})
                        if progress is not None:
                            progress(1)
                        continue
                    chunk.append((article, uid, tkey))
                    if len(chunk) >= chunk_size:
                        _submit(chunk)
                        chunk = []

            read: list[Article] = []
            for article in iter_articles(paths, text_field=text_field, on_skip=_skip, warn=_warn):
                read.append(article)
                if len(read) >= chunk_size:
                    _admit(read)
                    read = []
            _admit(read)
            if chunk:
                _submit(chunk, last=True)
            while in_flight:
                _finish_oldest()

            columns = list(BASE_COLUMNS) + meta_columns + score_cols
            write_scores(out / f"scores.{suffix}", spool, columns, fmt=fmt)
            if result_cache is not None:
                result_cache.complete()
        # evidence.jsonl and articles.jsonl are renamed into place as the stack closes

        manifest = {
            "tool": "framing",
            "version": __version__,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "duration_seconds": round(time.time() - started, 3),
            "inputs": [str(p) for p in paths if not isinstance(p, Article)],  # not the texts of articles given in memory
            "n_articles": counts["articles"],
            "n_skipped": len(skipped),
            "skipped": [s.as_dict() for s in skipped],
            "duplicates": duplicates,
            "warnings": warnings,
            "lexicons": dict(scorer.lexicon_hashes),
            "lexicon_dimensions": [lx.dimension for lx in scorer.lexicons],
            "dimensions": dimension_schema(scorer.lexicons),
            "models": {e.name: getattr(e, "fingerprint", "") for e in scorer.extras},
            "versions": dependency_versions(),
            "run": {
                "engine": eng.name,
                "jobs": eng.jobs,
                "scheduler": scheduler if engine == "dask" else None,
                "scored": counts["scored"],
                "from_cache": counts["cached"],
                "cache": str(cache_path) if cache_path else None,
                "scorer_key": key,
            },
            "outputs": [f"scores.{suffix}", "evidence.jsonl", "articles.jsonl", "manifest.json"],
        }
        write_json(out / "manifest.json", manifest)
    return BatchResult(
        out, columns, skipped, duplicates, warnings, manifest,
        n_articles=counts["articles"], n_scored=counts["scored"], n_cached=counts["cached"], scores_path=out / f"scores.{suffix}",
    )
