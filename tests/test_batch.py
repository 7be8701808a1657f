"""Batch runs: streaming, worker processes, output formats, ids, failures, CLI options."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from batch_helpers import read_outputs, write_corpus
from framing.cli import cli
from framing.errors import OutputError
from framing.models import Article
from framing.pipeline import run_batch


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "news.jsonl"
    write_corpus(path, 60, seed=3)
    return path


def test_worker_processes_write_exactly_what_one_process_writes(corpus, tmp_path, fixture_scorer):
    one = run_batch([corpus], tmp_path / "one", scorer=fixture_scorer, jobs=1, cache=False, chunk_size=8)
    two = run_batch([corpus], tmp_path / "two", scorer=fixture_scorer, jobs=2, cache=False, chunk_size=8)
    assert one.n_articles == two.n_articles == 60
    assert two.manifest["run"]["jobs"] == 2
    assert read_outputs(tmp_path / "one") == read_outputs(tmp_path / "two")
    # and in reading order
    ids = [row["id"] for row in csv.DictReader(open(tmp_path / "two" / "scores.csv", encoding="utf-8"))]
    assert ids == [f"a{i:05d}" for i in range(60)]


def test_formats_hold_the_same_columns_and_values(corpus, tmp_path, fixture_scorer):
    pd = pytest.importorskip("pandas")
    formats = ["csv", "jsonl"]
    try:
        import pyarrow  # noqa: F401

        formats.append("parquet")
    except ImportError:
        pass
    tables = {}
    for fmt in formats:
        result = run_batch([corpus], tmp_path / fmt, scorer=fixture_scorer, fmt=fmt, cache=False)
        assert result.scores_path == tmp_path / fmt / f"scores.{fmt}"
        assert result.manifest["outputs"][0] == f"scores.{fmt}"
        tables[fmt] = pd.DataFrame(result.rows)
        assert list(tables[fmt].columns) == result.columns
    base = tables["csv"]
    for fmt, table in tables.items():
        assert list(table.columns) == list(base.columns), fmt
        # CSV cannot tell an empty text from a missing value
        pd.testing.assert_frame_equal(table.astype(object).where(table.notna(), "").astype(str), base.astype(object).where(base.notna(), "").astype(str), obj=fmt)


def test_rows_are_read_back_from_disk_not_kept(corpus, tmp_path, fixture_scorer):
    result = run_batch([corpus], tmp_path / "o", scorer=fixture_scorer, cache=False)
    assert result._rows is None  # nothing held after the run
    assert len(result.rows) == result.n_articles == 60
    assert result.rows[0]["id"] == "a00000" and result.rows[0]["outlet"] in ("Daily", "Herald", "Post")


def test_articles_are_read_scored_and_written_as_a_stream(tmp_path, fixture_scorer, monkeypatch):
    import framing.io.readers as readers

    consumed = {"n": 0}
    lag: list[int] = []

    def endless(paths, **kwargs):
        for i in range(500):
            consumed["n"] += 1
            yield Article(id=f"s{i}", text=f"Story {i}: Russia and China formed a bloc. The partnership is fragile.", source=f"gen:{i}")

    monkeypatch.setattr(readers, "iter_articles", endless)
    done = {"n": 0}

    def progress(n: int) -> None:
        done["n"] += n
        lag.append(consumed["n"] - done["n"])

    result = run_batch(["ignored"], tmp_path / "o", scorer=fixture_scorer, cache=False, chunk_size=16, progress=progress)
    assert result.n_articles == 500
    # never more than the chunks in flight are read ahead of what has been written
    assert max(lag) <= 16 * 3


def test_ids_are_unique_in_every_output_and_duplicates_reported(tmp_path, fixture_scorer):
    for folder, text in (("x", "Russia and China formed a bloc."), ("y", "The partnership is fragile.")):
        (tmp_path / "in" / folder).mkdir(parents=True)
        (tmp_path / "in" / folder / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "in" / "y" / "copy.txt").write_text("Russia and China formed a bloc.", encoding="utf-8")
    result = run_batch([tmp_path / "in"], tmp_path / "o", scorer=fixture_scorer, cache=False)
    ids = [r["id"] for r in result.rows]
    assert ids == ["a", "a~2"]
    evidence_ids = {json.loads(line)["article_id"] for line in open(tmp_path / "o" / "evidence.jsonl", encoding="utf-8")}
    article_ids = [json.loads(line)["id"] for line in open(tmp_path / "o" / "articles.jsonl", encoding="utf-8")]
    assert evidence_ids <= set(ids) and article_ids == ids
    assert result.duplicates == [{"id": "copy", "source": str(tmp_path / "in" / "y" / "copy.txt"), "duplicate_of": "a"}]


class _Exploding:
    """An extra scorer that fails on one article, like a bug or a pathological input would."""

    name = "exploding"

    def columns(self, lexicons):
        return ["exploding.ok"]

    def score(self, doc, lexicon_scores, matches):
        if "explode" in doc.article.text:
            raise ValueError("boom\nsecond line")
        return {"exploding.ok": 1}, []


def test_an_article_that_cannot_be_scored_is_skipped_and_the_rest_kept(tmp_path, fixture_scorer):
    from dataclasses import replace

    scorer = replace(fixture_scorer, extras=(_Exploding(),))
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps({"id": i, "text": t}) for i, t in enumerate(["A bloc.", "Please explode.", "Fragile ties."])) + "\n")
    result = run_batch([path], tmp_path / "o", scorer=scorer, cache=False, jobs=2, chunk_size=1)
    assert [r["id"] for r in result.rows] == ["0", "2"]
    assert result.exit_code == 1
    assert result.skipped[0].source == f"{path}:2"
    assert result.skipped[0].reason == "could not be scored (ValueError: boom); skipped"


def test_a_second_run_into_the_same_folder_is_refused_while_one_runs(tmp_path, corpus, fixture_scorer):
    fcntl = pytest.importorskip("fcntl")
    out = tmp_path / "o"
    out.mkdir()
    with open(out / ".framing.lock", "a+") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(OutputError, match="another framing run is writing to this folder"):
            run_batch([corpus], out, scorer=fixture_scorer)


def test_stale_temporary_files_of_a_killed_run_are_removed(tmp_path, corpus, fixture_scorer):
    out = tmp_path / "o"
    out.mkdir()
    for name in (".evidence.jsonl.abc123.tmp", ".scores.csv.x.tmp", ".framing-rows-q.tmp"):
        (out / name).write_text("partial")
    (out / ".index.html.x.tmp").write_text("someone else's")
    run_batch([corpus], out, scorer=fixture_scorer, cache=False)
    assert sorted(p.name for p in out.iterdir() if p.name.endswith(".tmp")) == [".index.html.x.tmp"]


def test_cli_batch_options(tmp_path, corpus, fixture_lexicons):
    runner = CliRunner()
    base = ["score", str(corpus), "--lexicons", str(fixture_lexicons), "--no-classifiers"]
    res = runner.invoke(cli, [*base, "--out", str(tmp_path / "v"), "--jobs", "2", "--format", "jsonl", "--verbose"])
    assert res.exit_code == 0, res.output
    assert "60 scored now, 0 from the cache" in res.output and "engine local with 2 job(s)" in res.output
    assert (tmp_path / "v" / "scores.jsonl").exists() and (tmp_path / "v" / ".framing-cache.sqlite").exists()

    res = runner.invoke(cli, [*base, "--out", str(tmp_path / "q"), "--quiet", "--cache", str(tmp_path / "shared.sqlite"), "-j", "1"])
    assert res.exit_code == 0 and res.output == ""
    assert (tmp_path / "shared.sqlite").exists() and not (tmp_path / "q" / ".framing-cache.sqlite").exists()

    res = runner.invoke(cli, [*base, "--out", str(tmp_path / "x"), "--cache", str(tmp_path / "c.sqlite"), "--no-cache"])
    assert res.exit_code == 2 and "contradict" in res.output
    res = runner.invoke(cli, [*base, "--out", str(tmp_path / "x"), "--scheduler", "tcp://127.0.0.1:1"])
    assert res.exit_code == 2 and "error: --scheduler needs --engine dask" in res.output
