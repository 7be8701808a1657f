"""SIGKILL at several points of `framing compare`: no truncated output, ever, and a re-run
finishes the work from the cache with results identical to a run that was never killed."""
from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from batch_helpers import cached_rows, write_corpus

ROOT = Path(__file__).resolve().parent.parent
N = 250


def _compare(corpus: Path, out: Path, lexicons: Path) -> list[str]:
    return [sys.executable, "-m", "framing", "compare", str(corpus), "--out", str(out), "--lexicons", str(lexicons),
            "--no-classifiers", "--quiet", "--jobs", "1"]


def _assert_complete_or_absent(out: Path) -> None:
    """Every output that exists is whole: CSV rows all have the header's width, JSONL lines all
    parse, HTML ends with its closing tag; no temporary file is left under a final name."""
    import json

    scores = out / "scores.csv"
    if scores.exists():
        rows = list(csv.reader(open(scores, encoding="utf-8", newline="")))
        assert rows and all(len(r) == len(rows[0]) for r in rows)
    for name in ("evidence.jsonl", "articles.jsonl"):
        p = out / name
        if p.exists():
            for line in open(p, encoding="utf-8"):
                json.loads(line)
    for page in out.rglob("*.html"):
        assert page.read_text(encoding="utf-8").rstrip().endswith("</html>"), page


# When to kill: (description, condition on the output folder that must hold first)
# Two run by default; all four with `pytest -m slow` too.
KILL_POINTS = [
    pytest.param("at start-up", lambda out, t: t > 0.05, marks=pytest.mark.slow, id="at start-up"),
    pytest.param("early in scoring", lambda out, t: cached_rows(out / ".framing-cache.sqlite") >= 20, id="early in scoring"),
    pytest.param("late in scoring", lambda out, t: cached_rows(out / ".framing-cache.sqlite") >= N - 60, marks=pytest.mark.slow, id="late in scoring"),
    pytest.param("while writing the report", lambda out, t: (out / "scores.csv").exists(), id="while writing the report"),
]


@pytest.mark.parametrize("when, ready", KILL_POINTS)
def test_sigkill_then_rerun(tmp_path, fixture_lexicons, when, ready):
    corpus = tmp_path / "news.jsonl"
    write_corpus(corpus, N, seed=11, sentences=(3, 6))
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(_compare(corpus, out, fixture_lexicons), cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    try:
        while proc.poll() is None and time.monotonic() - t0 < 300 and not ready(out, time.monotonic() - t0):
            time.sleep(0.002)
        killed = proc.poll() is None
        if killed:
            os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    _assert_complete_or_absent(out)
    done_before = cached_rows(out / ".framing-cache.sqlite")

    rerun = subprocess.run(_compare(corpus, out, fixture_lexicons), cwd=tmp_path, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    _assert_complete_or_absent(out)
    assert cached_rows(out / ".framing-cache.sqlite") == N
    assert done_before <= N

    fresh = tmp_path / "fresh"
    subprocess.run(_compare(corpus, fresh, fixture_lexicons), cwd=tmp_path, env=env, check=True, capture_output=True)
    assert (out / "scores.csv").read_bytes() == (fresh / "scores.csv").read_bytes()
    assert (out / "evidence.jsonl").read_bytes() == (fresh / "evidence.jsonl").read_bytes()
    assert (out / "index.html").exists()
