"""`framing lexicon ...`: validate, show, kwic, suggest, diff, import/export, and layering, on the
fixture lexicons (tests/fixtures/lexicons) and a fixture corpus (tests/fixtures/lexicon_tools)."""
from __future__ import annotations

import csv
import json
import random
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from framing.cli import cli
from framing.errors import LexiconError
from framing.io.readers import iter_articles
from framing.lexicon import load_lexicons
from framing.models import Article

TOOLS = Path(__file__).resolve().parents[1] / "fixtures" / "lexicon_tools"
CORPUS = TOOLS / "corpus.jsonl"


def _run(*args, ok=(0,)):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code in ok, result.output
    assert "Traceback" not in result.output
    return result


def _fixture(fixture_lexicons):
    return ["--no-shipped", "--lexicons", fixture_lexicons]


def _write(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return p


def _articles():
    return iter_articles([CORPUS], on_skip=lambda item: None)


# --- validate --------------------------------------------------------------------------------


def test_validate_fixture_lexicons_is_clean(fixture_lexicons):
    result = _run("lexicon", "validate", *_fixture(fixture_lexicons))
    assert "0 error(s)" in result.output


def test_validate_reports_every_schema_error_with_file_and_line(tmp_path):
    bad = tmp_path / "bad"
    _write(bad, "a.yaml", """
        dimension: first
        categories:
          one:
            entries:
              - fine
              - fo*
              - heavy: -2
    """)
    _write(bad, "b.yaml", "dimension: second\ncategories:\n  one:\n    entries: [ok\n")
    _write(bad, "c.yaml", "dimension: third\ncolour: red\ncategories: {one: {entries: [x]}}\n")
    result = _run("lexicon", "validate", bad, "--no-shipped", ok=(1,))
    out = result.output
    assert f"{bad / 'a.yaml'}:6: error: " in out and "at least 3 letters" in out
    assert f"{bad / 'a.yaml'}:7: error: " in out and "weight must be" in out  # the second bad entry of the same file
    assert f"{bad / 'b.yaml'}:" in out and "YAML syntax error" in out
    assert f"{bad / 'c.yaml'}:2: error: " in out and "unknown top-level key" in out


def test_validate_warnings_exit_zero_and_name_lines(fixture_lexicons, tmp_path):
    layer = tmp_path / "mine"
    _write(layer, "alliance.yaml", """
        dimension: alliance
        categories:
          threat:
            entries:
              - joint drills
              - joint drills
              - o'neil*
              - war. peace
          threats:
            entries: [menace]
          hollow:
            entries:
              - upheaval in europe
              - do n't trust
              - don't trust
    """)
    result = _run("lexicon", "validate", layer, *_fixture(fixture_lexicons), "--all")
    out = result.output
    path = layer / "alliance.yaml"
    assert f"{path}:6: warning: " in out and "listed twice" in out and "[duplicate]" in out
    assert f"{path}:7: warning: " in out and "can never match" in out and "[dead]" in out
    assert f"{path}:8: warning: " in out and "sentence splitter" in out
    assert f"{path}:10: warning: " in out and "did you mean 'threat'" in out and "[new-category]" in out
    assert f"{path}:13: warning: " in out and "overlap on 'upheaval'" in out  # with 'axis of upheaval' (threat)
    assert f"{path}:15: warning: " in out and "matches the same tokens" in out
    assert "0 error(s)" in result.output


def test_validate_entry_in_opposite_poles_is_an_error(fixture_lexicons, tmp_path):
    layer = tmp_path / "mine"
    _write(layer, "alliance.yaml", """
        dimension: alliance
        categories:
          hollow:
            entries:
              - bloc
    """)
    result = _run("lexicon", "validate", layer, *_fixture(fixture_lexicons), ok=(1,))
    assert f"{layer / 'alliance.yaml'}:5: error: " in result.output
    assert "opposite pole" in result.output and "remove:" in result.output
    # the same tokens under two spellings in opposite poles
    _write(layer, "alliance.yaml", """
        dimension: alliance
        categories:
          threat:
            entries: ["do n't trust"]
          hollow:
            entries: ["don't trust"]
    """)
    result = _run("lexicon", "validate", layer, *_fixture(fixture_lexicons), ok=(1,))
    assert "[opposite-poles]" in result.output and "opposite poles" in result.output


def test_validate_flags_broad_wildcards_and_collisions_against_a_corpus(fixture_lexicons, tmp_path):
    result = _run("lexicon", "validate", *_fixture(fixture_lexicons), "--corpus", CORPUS, "--max-wildcard-share", "0.01")
    assert "'coordinat*' matches" in result.output and "[broad-wildcard]" in result.output
    assert "coordinated (4)" in result.output
    loose = _run("lexicon", "validate", *_fixture(fixture_lexicons), "--corpus", CORPUS, "--max-wildcard-share", "0.5")
    assert "[broad-wildcard]" not in loose.output
    # a phrase of one category that takes the words of a phrase of another, in this corpus
    layer = tmp_path / "mine"
    _write(layer, "alliance.yaml", """
        dimension: alliance
        categories:
          hollow:
            entries: [new sanctions would]
          threat:
            entries: [would be counterproductive]
    """)
    result = _run("lexicon", "validate", layer, *_fixture(fixture_lexicons), "--corpus", CORPUS)
    assert "[collision]" in result.output and "took the words of 'would be counterproductive'" in result.output


# --- layering ------------------------------------------------------------------------------------


def test_a_layer_can_move_an_entry_whatever_the_order_of_categories(fixture_lexicons, tmp_path):
    layer = tmp_path / "mine"
    _write(layer, "alliance.yaml", """
        dimension: alliance
        categories:
          legitimate:
            entries: [fragile]
          hollow:
            remove: [fragile]
    """)
    lx = {x.dimension: x for x in load_lexicons([fixture_lexicons, layer], include_shipped=False)}["alliance"]
    assert "fragile" in {e.term for e in lx.category("legitimate").entries}
    assert "fragile" not in {e.term for e in lx.category("hollow").entries}


def test_a_layer_cannot_change_stemming(fixture_lexicons, tmp_path):
    layer = tmp_path / "mine"
    _write(layer, "alliance.yaml", "dimension: alliance\nstem: true\ncategories: {threat: {entries: [menace]}}\n")
    with pytest.raises(LexiconError, match="cannot change stemming") as info:
        load_lexicons([fixture_lexicons, layer], include_shipped=False)
    assert info.value.line == 2


def test_user_dimension_flows_into_scores_evidence_and_report(fixture_lexicons, tmp_path):
    from framing.batch import run_batch
    from framing.pipeline import build_scorer
    from framing.report.render import render_report

    scorer = build_scorer([fixture_lexicons, TOOLS / "climate"], include_shipped=False, classifiers=False)
    out = tmp_path / "out"
    run_batch([CORPUS], out, scorer=scorer)
    rows = list(csv.DictReader(open(out / "scores.csv", encoding="utf-8")))
    for col in ("climate_policy.mitigation", "climate_policy.adaptation", "climate_policy.label", "climate_policy.intensity"):
        assert col in rows[0], col
    labels = {r["id"]: r["climate_policy.label"] for r in rows}
    assert labels["a06"] == "mitigation" and labels["a07"] == "adaptation" and labels["a01"] == "absent"
    evidence = [json.loads(line) for line in open(out / "evidence.jsonl", encoding="utf-8")]
    climate = [e for e in evidence if e["dimension"] == "climate_policy"]
    assert {e["entry"] for e in climate} >= {"emissions cuts", "sea walls", "carbon pric*"}
    assert all(e["text"] in e["sentence"] for e in climate)
    index = render_report(out)
    html = index.read_text(encoding="utf-8")
    assert "climate_policy" in html or "climate policy" in html
    assert "mitigation" in html and "adaptation" in html


# --- show and kwic -------------------------------------------------------------------------------


def test_show_counts_agree_with_the_evidence_scoring_writes(fixture_lexicons):
    from framing.lexicon.corpus import collect_stats
    from framing.lexicon.inspect import show
    from framing.pipeline import build_scorer, score_article_stream

    lexicons = load_lexicons([fixture_lexicons], include_shipped=False)
    result = show(lexicons, "alliance", stats=collect_stats(lexicons, _articles()), dominance=0.5, min_hits=1)
    scorer = build_scorer([fixture_lexicons], include_shipped=False, classifiers=False, sentiment=False)
    matches = [m for r in score_article_stream(_articles(), scorer) for m in r.matches if m.dimension == "alliance"]
    for cat in result.dimensions[0].categories:
        for e in cat.entries:
            assert e.hits == sum(1 for m in matches if m.entry == e.term), e.term
            assert e.negated == sum(1 for m in matches if m.entry == e.term and m.negated)
        own = sum(m.effective_weight for m in matches if m.counts_for == cat.name)
        assert cat.total_score == pytest.approx(own, abs=1e-3)
        shares = [e.share for e in cat.entries]
        assert sum(shares) <= 1.0 + 1e-6
        top = max(shares)
        assert (cat.dominant_term is not None) == (top >= 0.5 and cat.total_score > 0)


def test_show_cli_lists_entries_scope_and_flags_domination(fixture_lexicons):
    out = _run("lexicon", "show", *_fixture(fixture_lexicons)).output
    assert "alliance" in out and "threat" in out and "climate" not in out
    out = _run("lexicon", "show", "alliance.threat", *_fixture(fixture_lexicons)).output
    assert "axis of upheaval" in out and "negation: window 4; action flip" in out and "hollow" in out
    out = _run("lexicon", "show", "alliance.threat", *_fixture(fixture_lexicons), "--corpus", CORPUS, "--dominance", "0.3", "--min-hits", "1").output
    assert "! dominated by" in out and "share" in out
    bad = _run("lexicon", "show", "alliance.nope", *_fixture(fixture_lexicons), ok=(2,))
    assert "no category 'nope'" in bad.output


def test_kwic_shows_each_hits_category_and_scope_flags(fixture_lexicons):
    from framing.lexicon.inspect import kwic

    lexicons = load_lexicons([fixture_lexicons], include_shipped=False)
    result = kwic(lexicons, "bloc", _articles())
    assert result.in_lexicon and result.total == len(result.hits) > 0
    negated = [h for h in result.hits if h.negated]
    assert negated and all(h.counts_for == "hollow" for h in negated)  # the fixture flips negated threat to hollow
    assert all(h.counts_for == "threat" for h in result.hits if not h.negated)
    assert any(h.quoted and h.effective_weight < h.weight for h in result.hits)
    for h in result.hits:
        assert h.match.lower() == "bloc" and h.match in h.sentence
    taken = kwic(lexicons, "marriage", _articles())
    assert taken.total == 0 and taken.taken >= 1 and taken.hits[0].covered_by == "marriage of convenience"
    outside = kwic(lexicons, "joint drills", _articles(), dimension="alliance")
    assert not outside.in_lexicon and outside.total >= 1


def test_kwic_cli(fixture_lexicons):
    out = _run("lexicon", "kwic", "bloc", *_fixture(fixture_lexicons), "--corpus", CORPUS).output
    assert "[bloc]" in out and "NEG" in out and "QUOTE" in out and "alliance.threat" in out
    out = _run("lexicon", "kwic", "sanctions", *_fixture(fixture_lexicons), "--corpus", CORPUS).output
    assert "[advocate]" in out and "[reject]" in out
    missing = _run("lexicon", "kwic", "bloc", *_fixture(fixture_lexicons), ok=(2,))
    assert "--corpus" in missing.output


# --- suggest -------------------------------------------------------------------------------------


_FILLER = ("market weather football museum garden recipe harbor festival orchestra novel bakery election tourism "
           "railway ceremony vaccine startup airport village painting stadium theater poetry bicycle").split()


def _planted_corpus() -> list[Article]:
    """Threat sentences (with a fixture threat entry) carry the planted words; every sentence also
    carries random filler words, so only the planted ones co-occur with the category."""
    rng = random.Random(7)
    seeds = ["bloc", "axis of upheaval", "coordinated bloc"]
    articles = []
    for i in range(120):
        sentences = []
        for _ in range(6):
            filler = " ".join(rng.sample(_FILLER, 4))
            if rng.random() < 0.3:
                planted = rng.choice(["drone factories supply", "ammunition shipments", "drone factories"])
                words = filler.split()
                sentences.append(f"{words[0].title()} {words[1]} {rng.choice(seeds)} {planted} {words[2]} {words[3]}.")
            else:
                sentences.append(f"{filler.title()}.")
        articles.append(Article(id=f"p{i}", text=" ".join(sentences)))
    return articles


def test_suggest_ranks_planted_cooccurring_terms_first(fixture_lexicons):
    from framing.lexicon.suggest import suggest

    lexicons = load_lexicons([fixture_lexicons], include_shipped=False)
    corpus = _planted_corpus()
    planted = {"drone", "factories", "ammunition", "shipments", "supply"}
    for method in ("both", "cooccurrence"):
        result = suggest(lexicons, "alliance.threat", lambda: iter(corpus), top=10, method=method)
        top = [c.term for c in result.candidates]
        assert all(set(t.split()) <= planted for t in top[:4]), (method, top)
        assert "drone factories" in top[:6], top
        first = result.candidates[0]
        assert first.examples and all(first.term.split()[0] in ex.lower() for ex in first.examples)
        assert not any(w in {"bloc", "upheaval"} for t in top for w in t.split())  # existing entries are not suggested
    latent = suggest(lexicons, "alliance.threat", lambda: iter(corpus), top=5, method="latent")
    assert latent.candidates and set(latent.candidates[0].term.split()) <= planted
    assert all(c.similarity is not None for c in latent.candidates)


def test_suggest_accept_appends_with_provenance_and_never_into_the_package(fixture_lexicons, tmp_path):
    target = _write(tmp_path / "mine", "alliance.yaml", """
        # my own notes stay
        dimension: alliance
        categories:
          threat:
            entries:
              - bloc: 3    # heavier
    """)
    before = target.read_text()
    result = _run("lexicon", "suggest", "alliance.threat", *_fixture(fixture_lexicons), "--corpus", CORPUS, "--min-count", "1",
                  "--accept", "joint drills", "arms transfers", "bloc", "--to", target)
    text = target.read_text()
    assert text.startswith(before.rstrip("\n"))  # existing content kept, in place
    assert "- joint drills" in text and "- arms transfers" in text and text.count("bloc") == 1
    assert f"# suggested by framing lexicon suggest from {CORPUS}" in text
    assert "already in" in result.output
    lx = {x.dimension: x for x in load_lexicons([fixture_lexicons, target.parent], include_shipped=False)}["alliance"]
    assert {"joint drills", "arms transfers"} <= {e.term for e in lx.category("threat").entries}
    from framing.io.lexicon_files import shipped_lexicon_dir

    refused = _run("lexicon", "suggest", "alliance.threat", *_fixture(fixture_lexicons), "--corpus", CORPUS,
                   "--accept", "joint drills", "--to", shipped_lexicon_dir() / "alliance.yaml", ok=(2,))
    assert "inside the installed framing package" in refused.output


def test_suggest_accept_creates_the_default_file(fixture_lexicons, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _run("lexicon", "suggest", "alliance.hollow", *_fixture(fixture_lexicons), "--corpus", CORPUS, "--min-count", "1", "--accept-top", "2")
    created = tmp_path / "my-lexicons" / "alliance.yaml"
    assert created.exists()
    lx = {x.dimension: x for x in load_lexicons([fixture_lexicons, created.parent], include_shipped=False)}["alliance"]
    assert len(lx.category("hollow").entries) == 6


@pytest.mark.parametrize(
    "body",
    [
        "dimension: alliance\ncategories:\n  threat:\n    entries: [bloc]\n",
        "dimension: alliance\ncategories:\n  hollow:\n    entries:\n    - fragile\n",
        "dimension: alliance\ncategories:\n  threat:\n    description: x\n",
        "dimension: alliance\ncategories:\n  threat:\n",
        "dimension: alliance\n",
        "dimension: alliance\ncategories:\n  threat:\n    entries:\n      - bloc\n  hollow:\n    entries: [x]\nversion: 2",
    ],
)
def test_add_entries_keeps_the_file_valid_in_every_layout(body):
    from framing.io.lexicon_files import parse_lexicon_text
    from framing.lexicon.accept import add_entries_to_yaml

    new, added, _ = add_entries_to_yaml(body, dimension="alliance", category="threat", entries=[("joint drills", "why"), ("no", "a YAML bool")], path="f.yaml")
    assert added == ["joint drills", "no"]
    tree = parse_lexicon_text(new, "f.yaml").plain()
    assert {"joint drills", "no"} <= set(tree["categories"]["threat"]["entries"])
    assert all(line in new for line in body.strip().splitlines() if "entries: [" not in line)
    with pytest.raises(LexiconError, match="for dimension 'alliance', not 'other'"):
        add_entries_to_yaml(body, dimension="other", category="threat", entries=[("x y z", "")], path="f.yaml")


# --- diff ----------------------------------------------------------------------------------------


def test_diff_finds_the_articles_that_move_and_the_entries_behind_them(fixture_lexicons):
    from framing.lexicon.diff import diff_lexicons
    from framing.pipeline import build_scorer, score_article_stream

    old = load_lexicons([fixture_lexicons], include_shipped=False)
    new = load_lexicons([fixture_lexicons, TOOLS / "layer"], include_shipped=False)
    result = diff_lexicons(old, new, _articles())
    assert {(c.term, c.change) for c in result.entry_changes} == {("bloc", "reweighted"), ("joint drills", "added"), ("coordinat*", "removed")}
    # brute force: score every article with both versions and compare (checks the pre-filter too)
    a = {r.article.id: r.scores for r in score_article_stream(_articles(), build_scorer([fixture_lexicons], include_shipped=False, classifiers=False, sentiment=False))}
    b = {r.article.id: r.scores for r in score_article_stream(_articles(), build_scorer([fixture_lexicons, TOOLS / "layer"], include_shipped=False, classifiers=False, sentiment=False))}
    moved = {i for i in a if any(a[i][c] != b[i][c] for c in a[i])}
    assert {d.article_id for d in result.articles} == moved
    assert result.n_preprocessed < result.n_articles  # articles without a changed entry were not re-scored
    for d in result.articles:
        assert d.causes and {c.entry for c in d.causes} <= {"bloc", "joint drills", "coordinat*"}
        for ch in d.changes:
            assert ch.old == a[d.article_id][ch.column] and ch.new == b[d.article_id][ch.column]
    assert [d.magnitude for d in result.articles] == sorted((d.magnitude for d in result.articles), reverse=True)


def test_diff_cli_writes_an_escaped_html_report_and_csv(fixture_lexicons, tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(CORPUS.read_text() + json.dumps({"id": "x1", "title": "<script>alert(1)</script>", "text": "They formed a bloc."}) + "\n")
    out = tmp_path / "diff"
    result = _run("lexicon", "diff", "-", TOOLS / "layer", *_fixture(fixture_lexicons), "--corpus", corpus, "--out", out)
    assert "score differently" in result.output and "reweighted" in result.output
    html = (out / "diff.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "bloc" in html and "coordinat*" in html and "<link" not in html and "src=\"http" not in html
    rows = list(csv.DictReader(open(out / "diff.csv", encoding="utf-8")))
    assert rows and {"article_id", "column", "old", "new", "delta", "caused_by"} <= rows[0].keys()
    same = _run("lexicon", "diff", "-", "-", *_fixture(fixture_lexicons), "--corpus", CORPUS)
    assert same.output.startswith("0 of")


# --- import and export -------------------------------------------------------------------------


@pytest.mark.parametrize("name, fmt", [("sample.dic", "liwc"), ("sample_quanteda.yml", "quanteda")])
def test_liwc_and_quanteda_fixtures_import_and_export_identically(tmp_path, name, fmt):
    source = TOOLS / name
    folder = tmp_path / "imported"
    _run("lexicon", "import", source, "--out", folder)
    assert list(folder.glob("*.yaml"))
    _run("lexicon", "validate", folder, "--no-shipped")
    back = tmp_path / f"back-{name}"
    _run("lexicon", "export", folder, "--to", fmt, "--out", back)
    assert back.read_bytes() == source.read_bytes()


def test_liwc_split_categories_gives_one_dimension_per_category(tmp_path):
    from framing.lexicon.formats import parse_liwc, to_lexicon_files

    d = parse_liwc((TOOLS / "sample.dic").read_text(), path="sample.dic", name="sample")
    assert to_lexicon_files(d, path="sample.dic").dimensions == ("sample",)  # the default: one dictionary
    res = to_lexicon_files(d, path="sample.dic", split_categories=True)
    assert res.split
    folder = tmp_path / "liwc"
    folder.mkdir()
    for fname, body in res.files.items():
        (folder / fname).write_text(body)
    lx = {x.dimension: x for x in load_lexicons([folder], include_shipped=False)}
    assert {x.kind for x in lx.values()} == {"categories"}
    assert "abandon*" in {e.term for e in lx["sample_affect"].categories[0].entries}
    assert "abandon*" in {e.term for e in lx["sample_negemo"].categories[0].entries}
    assert "kind of" in {e.term for e in lx["sample_tentat"].categories[0].entries}


def test_csv_round_trip_keeps_weights_and_notes(fixture_lexicons, tmp_path):
    exported = tmp_path / "terms.csv"
    _run("lexicon", "export", "--to", "csv", "--out", exported, *_fixture(fixture_lexicons), "--dimension", "alliance")
    folder = tmp_path / "back"
    _run("lexicon", "import", exported, "--out", folder)
    again = tmp_path / "again.csv"
    _run("lexicon", "export", folder, "--to", "csv", "--out", again)
    assert again.read_text() == exported.read_text()
    assert "axis of upheaval,2," in exported.read_text()


@pytest.mark.parametrize(
    "name, body, message, line",
    [
        ("bad.dic", "1\tposemo\n%\nhappy\t1\n", "starts with a line holding only %", 1),
        ("bad.dic", "%\n1\tposemo\nnegemo\n%\nhappy\t1\n", "expected a category line", 3),
        ("bad.dic", "%\n1\tposemo\n1\tnegemo\n%\n", "defined twice", 3),
        ("bad.dic", "%\n1\tposemo\n", "never closed", 2),
        ("bad.yml", "pos: [good, bad\nneg: [x]\n", "YAML syntax error", None),
        ("bad.yml", "pos:\n  - good\n  - {a: b}\n", "must be a term", 3),
        ("bad.csv", "term,category,weight\nhappy,pos,1\nsad,neg,heavy\n", "not a number", 3),
        ("bad.csv", "word\n", "no entries", None),
        ("bad.csv", "category\npos\n", "no 'term' column", 1),
    ],
)
def test_malformed_imports_fail_with_file_and_line(tmp_path, name, body, message, line):
    path = tmp_path / name
    path.write_text(body)
    result = _run("lexicon", "import", path, "--out", tmp_path / "out", ok=(2,))
    first = result.output.strip().splitlines()[-1]
    assert first.startswith(f"error: {path}")
    assert message in first
    if line is not None:
        assert first.startswith(f"error: {path}:{line}:")
    assert not (tmp_path / "out").exists()


def test_unrepresentable_foreign_entries_are_reported_not_dropped_silently(tmp_path):
    path = tmp_path / "d.yml"
    path.write_text("pos:\n  - good\n  - go?d\n  - ab*\n  - '*phobia'\n")
    result = _run("lexicon", "import", path, "--out", tmp_path / "out")
    assert f"{path}:3:" in result.output and "'?' glob" in result.output
    assert f"{path}:4:" in result.output and "at least 3 letters" in result.output
    assert f"{path}:5:" in result.output and "only at the end" in result.output
    assert "3 skipped" in result.output


def test_import_never_writes_into_the_package(tmp_path):
    from framing.io.lexicon_files import shipped_lexicon_dir

    result = _run("lexicon", "import", TOOLS / "sample.dic", "--out", shipped_lexicon_dir() / "liwc", ok=(2,))
    assert "inside the installed framing package" in result.output
    assert not (shipped_lexicon_dir() / "liwc").exists()
