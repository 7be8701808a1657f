"""The Python API (issue 20): DataFrames, lists and dicts in; the CLI's scores, the report's
numbers and the report itself out."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import framing
from framing.cli import cli
from framing.io.runs import write_run
from framing.models import Article
from report_corpus import write_corpus


def _cli(*args) -> None:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus") / "corpus.jsonl", 30)


@pytest.fixture(scope="module")
def frame(corpus) -> pd.DataFrame:
    return pd.DataFrame([json.loads(line) for line in corpus.read_text().splitlines()])


@pytest.fixture(scope="module")
def cli_run(corpus, fixture_lexicons, tmp_path_factory) -> Path:
    """`framing compare` of the corpus with the fixture lexicons, grouped by outlet."""
    out = tmp_path_factory.mktemp("cli")
    _cli("compare", corpus, "--out", out, "--lexicons", fixture_lexicons, "--no-classifiers", "--by", "outlet", "--quiet", "--no-cache")
    return out


def _score(data, fixture_lexicons, **kw):
    return framing.score(data, lexicons=[fixture_lexicons], classifiers=False, progress=False, **kw)


def _scores_csv(table: pd.DataFrame, folder: Path) -> bytes:
    write_run(folder, table)
    return (folder / "scores.csv").read_bytes()


# --- score -------------------------------------------------------------------------------------


def test_score_of_the_seeds_is_the_cli_scores_csv(seeds_dir, tmp_path):
    _cli("score", seeds_dir, "--out", tmp_path / "cli", "--quiet", "--no-cache")
    table = framing.score([str(seeds_dir)], progress=False)
    assert table.index.name == "id"
    assert ["id", *table.columns] == (tmp_path / "cli" / "scores.csv").read_text().splitlines()[0].split(",")
    assert _scores_csv(table, tmp_path / "api") == (tmp_path / "cli" / "scores.csv").read_bytes()


def test_a_dataframe_scores_as_the_same_rows_in_a_jsonl_file(frame, corpus, cli_run, fixture_lexicons, tmp_path):
    table = _score(frame, fixture_lexicons)
    assert list(table.index) == list(frame["id"])  # input order, indexed by the id column
    assert list(table["outlet"]) == list(frame["outlet"])  # other columns kept as metadata
    assert _scores_csv(table, tmp_path) == (cli_run / "scores.csv").read_bytes()


def test_issue_20_a_dataframe_of_id_and_text_is_scored_not_read_as_paths(fixture_lexicons):
    df = pd.DataFrame({"id": ["a", "b"], "text": ["Moscow and Beijing are coordinating.", "The marriage is fragile."]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "skipped id: no such file or folder"
        table = _score(df, fixture_lexicons)
    assert list(table.index) == ["a", "b"] and table["n_tokens"].gt(0).all()


def test_a_dataframe_index_is_the_id_and_named_columns_are_used(fixture_lexicons):
    df = pd.DataFrame({"body": ["China and Russia coordinate closely as a bloc.", "The marriage is fragile."],
                       "headline": ["One", "Two"], "outlet": ["A", "B"]}, index=["first", "second"])
    table = _score(df, fixture_lexicons, text="body", title="headline")
    assert list(table.index) == ["first", "second"]
    assert list(table["title"]) == ["One", "Two"] and "headline" not in table.columns and "body" not in table.columns
    with pytest.raises(KeyError, match="no text column 'text'"):
        _score(df, fixture_lexicons)


def test_a_row_without_text_is_skipped_with_a_warning_and_the_others_kept(fixture_lexicons):
    df = pd.DataFrame({"id": ["a", "b", "c"], "text": ["Moscow and Beijing are coordinating.", None, "   "]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = _score(df, fixture_lexicons)
    assert list(table.index) == ["a"]
    messages = [str(w.message) for w in caught]
    assert "skipped DataFrame row 1 (id 'b'): column 'text' is missing" in messages
    assert "skipped DataFrame row 2 (id 'c'): column 'text' is empty" in messages


def test_lists_dicts_series_and_articles_give_the_same_scores(fixture_lexicons):
    texts = ["China and Russia coordinate closely as a bloc.", "The partnership is a fragile marriage of convenience."]
    from_list = _score(texts, fixture_lexicons)
    assert list(from_list.index) == ["0", "1"]
    from_dict = _score({"0": texts[0], "1": texts[1]}, fixture_lexicons)
    from_series = _score(pd.Series(texts, index=["0", "1"]), fixture_lexicons)
    from_articles = _score([Article(id="0", text=texts[0]), Article(id="1", text=texts[1])], fixture_lexicons)
    for other in (from_dict, from_series, from_articles):
        pd.testing.assert_frame_equal(from_list, other)


def test_duplicate_ids_are_made_unique_and_duplicate_texts_scored_once(fixture_lexicons):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = _score({"x": "Russia and China met.", "y": "Russia and China met."}, fixture_lexicons)
        again = _score([Article(id="a", text="One text."), Article(id="a", text="Another text.")], fixture_lexicons)
    assert list(table.index) == ["x"] and any("the same text as 'x'" in str(w.message) for w in caught)
    assert list(again.index) == ["a", "a~2"]


@pytest.mark.parametrize("bad", [3, b"bytes", [1.5], object()])
def test_anything_else_is_a_type_error_that_says_what_is_accepted(bad):
    with pytest.raises(TypeError, match="accepts a pandas DataFrame with a text column, .* a list of texts"):
        framing.score(bad, progress=False)


def test_a_missing_path_is_reported_not_scored_as_a_text(fixture_lexicons):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = _score(["no-such-folder/"], fixture_lexicons)
    assert table.empty and any("no-such-folder" in str(w.message) and "no such file" in str(w.message) for w in caught)


def test_progress_false_is_silent_and_true_draws_a_tqdm_auto_bar(monkeypatch, capsys, fixture_lexicons):
    import tqdm.auto

    _score(["Russia and China met."], fixture_lexicons)
    assert capsys.readouterr().err == ""
    drawn: list[int] = []

    class Bar:
        n = 0

        def __init__(self, **kw):
            self.total = None

        def update(self, n):
            drawn.append(n)

        def refresh(self):
            pass

        def close(self):
            pass

    monkeypatch.setattr(tqdm.auto, "tqdm", Bar)
    framing.score(["Russia and China met.", "Talks went on."], lexicons=[fixture_lexicons], classifiers=False, progress=True)
    assert sum(drawn) == 2


# --- compare: the report's numbers ---------------------------------------------------------------


def _report_differences(index_html: str) -> list[dict]:
    rows = re.findall(r'<tr(?: class="sig")?><td title="([^"]+)">[^<]*</td><td>([^<]*)</td><td>([^<]*)</td><td class="num">(\d+) / (\d+)</td>'
                      r'<td class="num" data-sort="([^"]+)">[^<]*</td><td class="num" data-sort="([^"]+)">[^<]*</td>'
                      r'<td class="num" data-sort="([^"]+)">[^<]*</td><td class="num" data-sort="([^"]+)">[^<]*</td>'
                      r'<td class="num" data-sort="([^"]+)">', index_html)
    keys = ("metric", "group_a", "group_b", "n_a", "n_b", "mean_a", "mean_b", "difference", "cliffs_delta", "p_adjusted")
    return [dict(zip(keys, (unescape(r[0]), unescape(r[1]), unescape(r[2]), int(r[3]), int(r[4]), *map(float, r[5:])))) for r in rows]


def test_compare_gives_the_numbers_the_report_shows(cli_run):
    index = (cli_run / "index.html").read_text(encoding="utf-8")
    comparison = framing.compare(framing.load(cli_run), by="outlet")
    shown = _report_differences(index)
    assert len(shown) == len(comparison.differences) > 10
    ours = comparison.differences[list(shown[0])].to_dict("records")
    assert ours == shown  # same rows, same order, every value to the last digit
    assert comparison.differences["ci_low"].le(comparison.differences["difference"]).all()
    # the most different pairs, as listed on the index (anchors name the rows of the table)
    ids = list(framing.load(cli_run).scores.index)  # pair anchors number the articles of the table
    most_different = re.search(r"<h3>Most different pairs</h3><ol>(.*?)</ol>", index).group(1)
    listed = [(ids[int(i)], ids[int(j)]) for i, j in re.findall(r"pairs\.html#pair-(\d+)-(\d+)", most_different)]
    assert listed == list(zip(comparison.most_different["a"], comparison.most_different["b"]))[:5]
    # distinctive words per group, as in the keyness table
    section = index[index.index('id="keyness"'):]
    for group, words in comparison.distinctive_words.groupby("group", sort=False):
        row = re.search(rf"<tr><td>{re.escape(group)}</td><td>(.*?)</td></tr>", section).group(1)
        assert re.findall(r'">([^<]+)</span>', row) == list(words["term"])
        assert [float(g) for g in re.findall(r'title="G2 ([0-9.]+);', row)] == list(words["g2"])


def test_compare_without_groups_gives_distances_and_article_keyness(frame, fixture_lexicons):
    table = _score(frame.head(8), fixture_lexicons)
    comparison = framing.compare(table, texts=dict(zip(frame["id"], frame["text"])))
    assert comparison.differences.empty and comparison.groups is None
    d = comparison.distances
    assert d.shape == (8, 8) and (d.values.diagonal() == 0).all() and (d.values == d.values.T).all()
    closest = comparison.neighbours.loc["art-000", "closest"]
    assert d.loc["art-000"].drop("art-000").idxmin() == closest
    assert comparison.keyness_of == "article" and set(comparison.distinctive_words["article"]) <= set(table.index)
    assert framing.compare(table).distinctive_words.empty  # no texts, no words
    with pytest.raises(framing.errors.ConfigError, match="no column 'desk'"):
        framing.compare(table, by="desk")


def test_compare_leaves_out_what_the_report_leaves_out(fixture_lexicons, tmp_path):
    """Off-topic articles (no frame evidence) are not compared, and outlet-template words are not
    distinctive: the comparison counts them as the report does."""
    from report_corpus import TEMPLATE_WORDS

    corpus = write_corpus(tmp_path / "c.jsonl", 24, seed=3, off_topic=0.3)
    frame = pd.DataFrame([json.loads(line) for line in corpus.read_text().splitlines()])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = _score(frame, fixture_lexicons)
    texts = frame.set_index("id")["text"]
    comparison = framing.compare(scores, by="outlet", texts=texts)
    index = framing.report(scores, out=tmp_path / "r", by="outlet", texts=texts).read_text()
    off = set(scores.index[scores["alliance.label"] == "absent"])
    assert off and set(comparison.off_topic) == off and comparison.n_off_topic == len(off)
    n = len(scores)  # an off-topic text can repeat another: exact duplicates are scored once
    assert f"{len(off)} of the {n} articles are off topic" in index
    assert not off & set(comparison.profiles.index) and not off & set(comparison.neighbours.index)
    assert not off & set(comparison.most_similar[["a", "b"]].stack()) and comparison.distances.shape == (n - len(off),) * 2
    assert len(comparison.groups) == n  # group differences count every article
    assert comparison.n_template_words > 0 and not set(TEMPLATE_WORDS) & set(comparison.distinctive_words["term"])


# --- report and load -----------------------------------------------------------------------------


def test_report_from_python_is_the_cli_report(frame, cli_run, fixture_lexicons, tmp_path):
    scores, evidence = _score(frame, fixture_lexicons, evidence=True)
    index = framing.report(scores, evidence, out=tmp_path / "r", by="outlet", texts=frame.set_index("id")["text"])
    assert index == tmp_path / "r" / "index.html"
    assert (tmp_path / "r" / "scores.csv").read_bytes() == (cli_run / "scores.csv").read_bytes()
    def records(path):
        return [json.loads(line) for line in path.read_text().splitlines()]

    assert records(tmp_path / "r" / "evidence.jsonl") == records(cli_run / "evidence.jsonl")  # keys in another order
    ours, theirs = (json.loads(line) for line in (tmp_path / "r" / "articles.jsonl").read_text().splitlines()[:1]), \
        (json.loads(line) for line in (cli_run / "articles.jsonl").read_text().splitlines()[:1])
    a, b = next(ours), next(theirs)
    assert (a["text"], a["sentences"], a["sentence_tone"], a["n_evidence"]) == (b["text"], b["sentences"], b["sentence_tone"], b["n_evidence"])
    assert _report_differences(index.read_text()) == _report_differences((cli_run / "index.html").read_text())
    pages = sorted(p.name for p in (tmp_path / "r" / "articles").iterdir())
    assert pages == sorted(p.name for p in (cli_run / "articles").iterdir())
    page = (tmp_path / "r" / "articles" / pages[0]).read_text()
    assert page.count('<span id="s-') == (cli_run / "articles" / pages[0]).read_text().count('<span id="s-')


def test_load_reads_a_run_back(cli_run):
    run = framing.load(cli_run)
    assert run.scores.index.name == "id" and len(run.scores) == 30
    assert set(run.evidence["article_id"]) <= set(run.scores.index)
    assert run.evidence["start"].dtype == "Int64"
    assert run.texts["art-000"].strip() and run.manifest["n_articles"] == 30
    with pytest.raises(framing.errors.ConfigError, match="no such folder"):
        framing.load(cli_run / "missing")


def test_a_run_re_reports_from_python(cli_run, tmp_path):
    index = framing.report(framing.load(cli_run), out=tmp_path / "again")
    assert (tmp_path / "again" / "articles.jsonl").read_bytes() == (cli_run / "articles.jsonl").read_bytes()
    assert "Distinctive words" in index.read_text()


# --- the package -------------------------------------------------------------------------------


def test_the_api_names_survive_importing_their_modules():
    import framing.compare  # noqa: F401  the module of the same name
    import framing.lexicon.diff  # noqa: F401
    import framing.report.render  # noqa: F401
    from framing.compare import holm

    assert callable(holm)
    assert framing.compare.__module__ == "framing.api" and framing.report.__module__ == "framing.api"
    assert framing.lexicon.diff.__module__ == "framing.lexicon.tools"


def test_every_public_function_is_typed_documented_with_an_example_and_listed():
    import inspect

    for module, names in ((framing, ("score", "compare", "report", "load")),
                          (framing.lexicon, ("validate", "show", "kwic", "suggest", "diff"))):
        for name in names:
            func = getattr(module, name)
            assert name in module.__all__
            assert ">>>" in (func.__doc__ or ""), name
            signature = inspect.signature(func)
            assert signature.return_annotation is not inspect.Signature.empty, name
            assert all(p.annotation is not inspect.Parameter.empty for p in signature.parameters.values()), name


def test_importing_framing_stays_light():
    code = "import sys, framing; print(','.join(m for m in ('pandas', 'numpy', 'tqdm') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == ""
    # the lexicon tools load on first use, without importing anything else first
    code = "import framing; print(framing.lexicon.kwic.__module__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "framing.lexicon.tools"


# --- the lexicon tools ---------------------------------------------------------------------------


def test_lexicon_tools_return_data_from_a_dataframe(frame, fixture_lexicons, tmp_path):
    kw = dict(lexicons=[fixture_lexicons], include_shipped=False)
    hits = framing.lexicon.kwic("coordinat*", frame, **kw)
    assert hits.in_lexicon and hits.total == len(hits.hits) > 0 and {h.article_id for h in hits.hits} <= set(frame["id"])
    shown = framing.lexicon.show("alliance.threat", corpus=frame, **kw)
    assert shown.n_articles == 30 and shown.dimensions[0].categories[0].name == "threat"
    assert framing.lexicon.validate([fixture_lexicons], include_shipped=False).ok
    layer = tmp_path / "layer"
    layer.mkdir()
    (layer / "alliance.yaml").write_text("dimension: alliance\ncategories:\n  threat:\n    entries:\n      - shipyards\n")
    changes = framing.lexicon.diff(None, layer, frame, **kw)
    # the articles that write about shipyards (two of every three of one outlet's: tests/report_corpus.py)
    assert changes.n_changed == frame["text"].str.contains("shipyards").sum() == 7
    suggestions = framing.lexicon.suggest("alliance.threat", frame, top=5, min_count=1, **kw)
    assert suggestions.dimension == "alliance" and len(suggestions.candidates) <= 5


def test_nothing_to_score_gives_empty_tables_with_their_columns(fixture_lexicons):
    table, evidence = _score([], fixture_lexicons, evidence=True)
    assert table.empty and table.index.name == "id" and "alliance.position" in table.columns
    assert evidence.empty and "article_id" in evidence.columns
