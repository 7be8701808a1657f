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
from framing.batch import run_batch


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "news.jsonl"
    write_corpus(path, 60, seed=3)
    return path


def _score_formats() -> list[str]:
    """Every score format this environment can write (Parquet needs pyarrow)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return ["csv", "jsonl"]
    return ["csv", "jsonl", "parquet"]


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
    formats = _score_formats()
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


class _ExplodingMany(_Exploding):
    """The same, for an extra that scores a batch of articles at once (`score_many`)."""

    def score_many(self, docs, lexicon_scores, matches):
        return [self.score(d, s, m) for d, s, m in zip(docs, lexicon_scores, matches)]


@pytest.mark.parametrize("extra,chunk_size", [(_Exploding(), 1), (_Exploding(), 3), (_ExplodingMany(), 3)])
def test_an_article_that_cannot_be_scored_is_skipped_and_the_rest_kept(tmp_path, fixture_scorer, extra, chunk_size):
    from dataclasses import replace

    scorer = replace(fixture_scorer, extras=(extra,))
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps({"id": i, "text": t}) for i, t in enumerate(["A bloc.", "Please explode.", "Fragile ties."])) + "\n")
    # chunk_size 3: the three are scored as one batch, which fails, then one by one
    result = run_batch([path], tmp_path / "o", scorer=scorer, cache=False, jobs=2, chunk_size=chunk_size)
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


_AWKWARD = [None, "", "plain", 'say "no", twice', "two\nlines", "tab\tand\r\nreturn", "ünï©ødé ✓", 0, -7, 2**70,
            0.1, -0.0, 1e-300, float("nan"), float("inf"), float("-inf"), True, False]


def _spooled_rows(n: int) -> list[tuple[dict, tuple[str, ...]]]:
    """Rows as a batch run appends them: metadata columns appear part-way (and go before the
    score columns), values of every awkward kind."""
    rows, meta = [], []
    for i in range(n):
        row = {"id": f"a{i}", "title": _AWKWARD[i % len(_AWKWARD)]}
        for name, first in (("outlet", 3), ("date", 7), ("flag", 12)):
            if i >= first and (name != "flag" or i % 2):
                if name not in meta:
                    meta.append(name)
                row[name] = _AWKWARD[(i * 5 + len(name)) % len(_AWKWARD)]
        row.update({"n_tokens": i, "x.score": _AWKWARD[(i * 3) % len(_AWKWARD)], "x.label": f"label {i % 3}"})
        rows.append((row, ("id", "title", *meta, "n_tokens", "x.score", "x.label")))
    return rows


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("n", [0, 2, 40])
def test_spooled_tables_equal_tables_written_from_whole_rows(tmp_path, fmt, n):
    """Rows are formatted as they are spooled (in the column order of the moment) and copied at
    the end, or laid out again when metadata columns appeared later: the table must equal one
    written in one go from the complete rows with the final columns."""
    from framing.io.spool import RowSpool, write_scores
    from framing.io.writers import write_table

    rows = _spooled_rows(n)
    final = list(rows[-1][1]) if rows else ["id", "title", "n_tokens", "x.score", "x.label"]
    with RowSpool(tmp_path, fmt=fmt) as spool:
        for row, columns in rows:
            spool.append(row, columns)
        assert len(spool.layouts) == (4 if n == 40 else 1 if n else 0)
        write_scores(tmp_path / f"spooled.{fmt}", spool, final, fmt=fmt)
    write_table(tmp_path / f"whole.{fmt}", [row for row, _ in rows], final, fmt=fmt)
    assert (tmp_path / f"spooled.{fmt}").read_bytes() == (tmp_path / f"whole.{fmt}").read_bytes()
    assert not list(tmp_path.glob(".framing-rows-*"))  # the spool file is gone


def test_a_run_whose_metadata_columns_change_writes_them_all_in_every_format(tmp_path, fixture_scorer):
    pd = pytest.importorskip("pandas")
    corpus = tmp_path / "mixed.jsonl"
    with open(corpus, "w", encoding="utf-8") as fh:
        for i in range(12):
            rec = {"id": f"m{i}", "title": f"T{i}", "text": f"Russia and China met again, round {i}. Sanctions followed."}
            if i >= 4:
                rec["outlet"] = f"Outlet, {i % 3}"
            if i == 9:
                rec["n_tokens"] = 99  # a reserved name: meta.n_tokens
            fh.write(json.dumps(rec) + "\n")
    formats = _score_formats()
    tables = {}
    for fmt in formats:
        result = run_batch([corpus], tmp_path / fmt, scorer=fixture_scorer, fmt=fmt, cache=False, chunk_size=3)
        assert result.columns[:4] == ["id", "title", "outlet", "meta.n_tokens"]
        tables[fmt] = pd.DataFrame(result.rows)
    for fmt, table in tables.items():
        assert list(table["outlet"].fillna("")) == ["", "", "", ""] + [f"Outlet, {i % 3}" for i in range(4, 12)], fmt
        assert table["meta.n_tokens"].tolist()[9] == 99 and table["meta.n_tokens"].isna().sum() == 11, fmt
        assert table["n_tokens"].min() > 0, fmt


def test_a_spool_is_written_only_in_its_own_format(tmp_path):
    from framing.io.spool import RowSpool, write_scores

    with RowSpool(tmp_path, fmt="csv") as spool:
        spool.append({"id": "a"}, ("id",))
        with pytest.raises(ValueError, match="csv spool cannot be written as jsonl"):
            write_scores(tmp_path / "s.jsonl", spool, ["id"], fmt="jsonl")
        with pytest.raises(ValueError, match="formatted rows"):
            next(spool.rows())
