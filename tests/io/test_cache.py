"""The incremental cache: unchanged articles are not scored again, edits and lexicon changes are,
and a run killed with SIGKILL resumes without scoring anything twice or corrupting an output."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from batch_helpers import cached_rows, read_outputs, write_corpus
from framing.errors import OutputError
from framing.batch import run_batch
from framing.pipeline import build_scorer

ROOT = Path(__file__).resolve().parents[2]


def test_unchanged_corpus_scores_nothing_again_and_edits_rescore_only_themselves(tmp_path, fixture_scorer):
    corpus = tmp_path / "news.jsonl"
    records = write_corpus(corpus, 40, seed=5)
    first = run_batch([corpus], tmp_path / "o", scorer=fixture_scorer)
    assert (first.n_scored, first.n_cached) == (40, 0)
    before = read_outputs(tmp_path / "o")

    again = run_batch([corpus], tmp_path / "o", scorer=fixture_scorer)
    assert (again.n_scored, again.n_cached) == (0, 40)
    assert again.manifest["run"]["from_cache"] == 40
    assert read_outputs(tmp_path / "o") == before

    records[7]["text"] += " The bloc is fragile."
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    edited = run_batch([corpus], tmp_path / "o", scorer=fixture_scorer)
    assert (edited.n_scored, edited.n_cached) == (1, 39)
    fresh = run_batch([corpus], tmp_path / "fresh", scorer=fixture_scorer, cache=False)
    assert fresh.n_scored == 40
    assert read_outputs(tmp_path / "o") == read_outputs(tmp_path / "fresh")


def test_a_changed_lexicon_rescores_everything(tmp_path, fixture_lexicons, fixture_scorer):
    corpus = tmp_path / "news.jsonl"
    write_corpus(corpus, 20, seed=6)
    cache = tmp_path / "cache.sqlite"
    assert run_batch([corpus], tmp_path / "a", scorer=fixture_scorer, cache=cache).n_scored == 20
    layer = tmp_path / "layer"
    layer.mkdir()
    (layer / "alliance.yaml").write_text("dimension: alliance\ncategories:\n  hollow:\n    entries:\n      - deep: 1\n", encoding="utf-8")
    changed = build_scorer([fixture_lexicons, layer], include_shipped=False, classifiers=False)
    result = run_batch([corpus], tmp_path / "b", scorer=changed, cache=cache)
    assert (result.n_scored, result.n_cached) == (20, 0)
    # the first lexicon version is still cached (the last few versions are kept)
    assert run_batch([corpus], tmp_path / "c", scorer=fixture_scorer, cache=cache).n_cached == 20


def test_no_cache_writes_no_database(tmp_path, fixture_scorer):
    corpus = tmp_path / "news.jsonl"
    write_corpus(corpus, 5)
    result = run_batch([corpus], tmp_path / "o", scorer=fixture_scorer, cache=False)
    assert result.manifest["run"]["cache"] is None
    assert not list((tmp_path / "o").glob("*.sqlite*"))


def test_an_unusable_cache_file_is_one_clear_error(tmp_path, fixture_scorer):
    corpus = tmp_path / "news.jsonl"
    write_corpus(corpus, 3)
    bad = tmp_path / "cache.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(OutputError, match=r"cache\.sqlite: not a usable framing cache .*delete it"):
        run_batch([corpus], tmp_path / "o", scorer=fixture_scorer, cache=bad)


def test_a_run_killed_part_way_resumes_scoring_each_article_once(tmp_path, fixture_lexicons, fixture_scorer):
    corpus = tmp_path / "news.jsonl"
    n = 500
    write_corpus(corpus, n, seed=9, sentences=(3, 6))
    out = tmp_path / "out"
    cache = out / ".framing-cache.sqlite"
    # A finished earlier run in the same folder: its outputs must survive the killed run intact.
    write_corpus(tmp_path / "old.jsonl", 10, seed=2)
    run_batch([tmp_path / "old.jsonl"], out, scorer=fixture_scorer, cache=False)
    old = read_outputs(out)

    # The same batch run in another process (what `framing score` runs), killed part-way.
    script = (
        "import sys; from framing.batch import run_batch; from framing.pipeline import build_scorer; "
        "scorer = build_scorer([sys.argv[3]], include_shipped=False, classifiers=False); "
        "run_batch([sys.argv[1]], sys.argv[2], scorer=scorer, chunk_size=16)"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(corpus), str(out), str(fixture_lexicons)],
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 300  # generous: CI machines can be slow and busy
        while cached_rows(cache) < 32 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    done = cached_rows(cache)
    assert 32 <= done < n
    assert read_outputs(out) == old  # the killed run replaced nothing and truncated nothing

    resumed = run_batch([corpus], out, scorer=fixture_scorer)
    assert (resumed.n_cached, resumed.n_scored) == (done, n - done)
    assert cached_rows(cache) == n
    ids = [r["id"] for r in resumed.rows]
    assert len(ids) == len(set(ids)) == n
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    fresh = run_batch([corpus], tmp_path / "fresh", scorer=fixture_scorer, cache=False)
    assert fresh.n_scored == n
    assert read_outputs(out) == read_outputs(tmp_path / "fresh")


def test_run_state_finds_duplicates_and_makes_ids_unique_across_batches():
    from framing.io.cache import RunState

    with RunState() as state:
        first = state.admit([(b"t1", "a"), (b"t2", "a"), (b"t1", "b"), (b"t3", "b")])
        assert first == [(None, "a"), (None, "a~2"), ("a", None), (None, "b")]
        second = state.admit([(b"t4", "a"), (b"t2", "c"), (b"t5", "b"), (b"t5", "z")])
        assert second == [(None, "a~3"), ("a~2", None), (None, "b~2"), ("b~2", None)]
