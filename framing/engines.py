"""Where articles are scored during a batch run: in this process, in worker processes on this
machine, or on a Dask cluster. All three run the same function (`framing.payloads.score_payloads`)
on chunks of articles with a scorer built once per worker, and hand results back in submission
order, so output is identical whichever engine ran it.

An engine is used as a context manager; `submit(articles, last=...)` returns a handle whose
`result()` is the list of payloads (`last`: no more chunks will follow), and `window` is how
many chunks may be in flight at once (the caller keeps no more than that, so memory stays flat
however large the corpus).
"""
from __future__ import annotations

import gc
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Sequence

from .errors import ConfigError, FramingError
from .models import Article

__all__ = ["make_engine", "check_engine", "InProcessEngine", "ProcessEngine", "DaskEngine", "default_jobs", "tuned_gc"]

ENGINES = ("local", "dask")


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class tuned_gc:
    """Garbage collection set for scoring: everything built so far (lexicons, models) frozen out
    of the collector's sight, and young-generation collections 70 times rarer. Scoring makes
    hundreds of thousands of short-lived objects per second and no reference cycles, so the
    default settings spend a large share of the time re-scanning the scorer; this is restored
    on exit."""

    def __init__(self, threshold: int = 50_000) -> None:
        self.threshold = threshold
        self._saved: tuple[int, int, int] | None = None

    def __enter__(self) -> "tuned_gc":
        self._saved = gc.get_threshold()
        gc.collect()
        gc.freeze()
        gc.set_threshold(self.threshold, self._saved[1], self._saved[2])
        return self

    def __exit__(self, *exc: object) -> None:
        if self._saved is not None:
            gc.set_threshold(*self._saved)
        gc.unfreeze()


class _Done:
    """A finished result with the interface of a future."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def result(self) -> Any:
        return self.value


class InProcessEngine:
    """Scores in the calling process (`--jobs 1`)."""

    name = "local"
    window = 1

    def __init__(self, scorer: Any) -> None:
        self.scorer = scorer
        self.jobs = 1
        self._gc = tuned_gc()

    def submit(self, articles: Sequence[Article], *, last: bool = False) -> _Done:
        from .payloads import score_payloads

        return _Done(score_payloads(articles, self.scorer))

    def __enter__(self) -> "InProcessEngine":
        self._gc.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._gc.__exit__()


# --- worker processes ----------------------------------------------------------------------

_WORKER_SCORER: Any = None


def _init_worker(scorer: Any) -> None:
    global _WORKER_SCORER
    _WORKER_SCORER = scorer
    tuned_gc().__enter__()  # for the worker's lifetime
    try:  # one thread of numeric libraries per worker: the workers already use every core
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except Exception:  # threadpoolctl is optional (it comes with scikit-learn)
        pass


def _score_in_worker(articles: Sequence[Article]) -> list[bytes | str]:
    from .payloads import score_payloads

    return score_payloads(articles, _WORKER_SCORER)


class ProcessEngine:
    """`jobs` worker processes on this machine. On Linux they are forked after the scorer is
    built, so lexicons and models are loaded once and shared copy-on-write (frozen out of the
    garbage collector so its scans do not copy the pages); elsewhere each worker unpickles the
    scorer once, in its initializer. Workers start with the first full chunk: a run smaller than
    one chunk is scored in this process."""

    name = "local"

    def __init__(self, scorer: Any, jobs: int) -> None:
        self.scorer = scorer
        self.jobs = jobs
        self.window = 2 * jobs + 1
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "ProcessEngine":
        return self

    @property
    def may_fork(self) -> bool:
        """Workers not started yet: the caller must not start threads before they are."""
        return self._pool is None

    def _start(self) -> None:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        for extra in getattr(self.scorer, "extras", ()):  # models read on first use: read them once, here, for every worker
            load = getattr(extra, "load", None)
            if load is not None:
                load()
        gc.collect()
        gc.freeze()  # before forking: workers then never touch the scorer's pages to scan them
        self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context, initializer=_init_worker, initargs=(self.scorer,))
        # Start every worker now (one trivial task each), before the caller starts any thread:
        # forking a process that has other threads can copy a lock another thread holds.
        for f in [self._pool.submit(os.getpid) for _ in range(self.jobs)]:
            _Checked(f).result()

    def submit(self, articles: Sequence[Article], *, last: bool = False) -> Any:
        if self._pool is None:
            if last:  # the whole run fits in one chunk: not worth starting workers
                from .payloads import score_payloads

                with tuned_gc():
                    return _Done(score_payloads(articles, self.scorer))
            self._start()
        assert self._pool is not None
        try:
            return _Checked(self._pool.submit(_score_in_worker, list(articles)))
        except BrokenProcessPool:
            raise _worker_died() from None

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            gc.unfreeze()


class _Checked:
    __slots__ = ("future",)

    def __init__(self, future: Future) -> None:
        self.future = future

    def result(self) -> Any:
        try:
            return self.future.result()
        except BrokenProcessPool:
            raise _worker_died() from None


def _worker_died() -> FramingError:
    return FramingError(
        "a worker process stopped unexpectedly (out of memory?); with the cache on, the articles "
        "finished so far are kept: run the same command again to continue, or use fewer --jobs"
    )


# --- Dask ----------------------------------------------------------------------------------


def _worker_code_digest() -> str:
    from .io.cache import scoring_code_digest

    return scoring_code_digest()


def _probe(address: str) -> None:
    """Fail at once, not after the client's timeout, when nothing listens at a TCP address."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme != "tcp" or not parts.hostname:
        return
    try:
        socket.create_connection((parts.hostname, parts.port or 8786), timeout=10).close()
    except OSError as exc:
        raise ConfigError(f"cannot reach the Dask scheduler at {address}: {exc.strerror or exc}") from None


class DaskEngine:
    """Chunks scored as tasks on a `dask.distributed` cluster: the one at `scheduler` (an address
    such as tcp://10.0.0.5:8786), or a local cluster of `jobs` worker processes. The scorer is
    sent to every worker once (scattered); workers must have the same framing installed, which
    is checked before any article is sent."""

    name = "dask"

    def __init__(self, scorer: Any, *, scheduler: str | None, jobs: int) -> None:
        self.scorer = scorer
        self.scheduler = scheduler
        self.jobs = jobs
        self.window = 2 * jobs + 1
        self._client: Any = None
        self._cluster: Any = None
        self._scorer_future: Any = None

    def __enter__(self) -> "DaskEngine":
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ConfigError("--engine dask needs Dask: pip install 'framing[dask]'") from None
        try:
            if self.scheduler:
                _probe(self.scheduler)
                self._client = Client(self.scheduler, timeout="30s")
            else:
                self._cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True, dashboard_address=None)
                self._client = Client(self._cluster)
        except (OSError, TimeoutError) as exc:
            self.__exit__()
            raise ConfigError(f"cannot reach the Dask scheduler at {self.scheduler}: {exc}") from None
        try:
            threads = sum(self._client.nthreads().values())
            self.jobs = max(1, threads)
            self.window = 2 * self.jobs + 1
            from .io.cache import scoring_code_digest

            local = scoring_code_digest()
            remote = self._client.run(_worker_code_digest)
            different = sorted(w for w, digest in remote.items() if digest != local)
            if different:
                raise ConfigError(
                    f"Dask worker(s) {', '.join(different[:3])} run a different framing (or VADER/NLTK) version "
                    "than this machine; install the same version everywhere so results are identical"
                )
            self._scorer_future = self._client.scatter(self.scorer, broadcast=True, hash=False)
        except BaseException:
            self.__exit__()
            raise
        return self

    def submit(self, articles: Sequence[Article], *, last: bool = False) -> Any:
        from .payloads import score_payloads

        return self._client.submit(score_payloads, list(articles), self._scorer_future, pure=False)

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def check_engine(engine: str, scheduler: str | None) -> None:
    """Refuse impossible engine options before anything is loaded or scored."""
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; use local or dask")
    if scheduler and engine != "dask":
        raise ConfigError("--scheduler needs --engine dask")


def make_engine(scorer: Any, *, engine: str = "local", jobs: int | None = 1, scheduler: str | None = None) -> Any:
    """The engine for the `--engine`, `--jobs` and `--scheduler` options."""
    check_engine(engine, scheduler)
    n = default_jobs() if jobs is None or jobs <= 0 else jobs
    if engine == "dask":
        return DaskEngine(scorer, scheduler=scheduler, jobs=n)
    if n == 1:
        return InProcessEngine(scorer)
    return ProcessEngine(scorer, n)
