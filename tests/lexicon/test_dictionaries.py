"""Issue 19: LIWC-style dictionaries (independent, overlapping categories) as one dimension of
`kind: dictionary`: import from every format, scores equal to a plain count, evidence, export,
`lexicon show` and the manifest schema. The fixture dictionaries are written for these tests."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from framing.cli import cli
from framing.errors import LexiconError
from framing.lexicon import load_lexicons
from framing.lexicon.formats import parse_csv, parse_liwc, parse_quanteda

DICTS = Path(__file__).resolve().parents[1] / "fixtures" / "dictionaries"
CATEGORIES = ("care.virtue", "care.vice", "loyalty.virtue", "authority.virtue")

# The reference: each article's words (punctuation tokens are not words) and how many of them
# each category's entries match, counted by hand from tests/fixtures/dictionaries/corpus.jsonl.
REFERENCE = {
    # allegiance (loyalty, authority), stand by (care, loyalty), protect (care), safe (care)
    "loyal": (16, {"care.virtue": 3, "care.vice": 0, "loyalty.virtue": 2, "authority.virtue": 1}, 4),
    # harm, hurt (care.vice; "not hurt" counts: a dictionary has no scope rules), obey and
    # chain of command (authority), loyal (loyalty)
    "harsh": (21, {"care.virtue": 0, "care.vice": 2, "loyalty.virtue": 1, "authority.virtue": 2}, 5),
    "none": (5, {c: 0 for c in CATEGORIES}, 0),
    # protect* matches protection and protectors, harm* harmful and harms
    "forms": (5, {"care.virtue": 2, "care.vice": 2, "loyalty.virtue": 0, "authority.virtue": 0}, 4),
}


def _run(*args, ok=(0,)):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code in ok, result.output
    assert "Traceback" not in result.output
    return result


def _import(source: Path, out: Path, *extra) -> Path:
    _run("lexicon", "import", source, "--out", out, *extra)
    return out


def _memberships(lexicon) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for c in lexicon.categories:
        for e in c.entries:
            out.setdefault(e.term, set()).add(c.name)
    return out


def _foreign_memberships(dictionary) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for c in dictionary.categories:
        for t in c.terms:
            out.setdefault(t.term, set()).add(".".join(c.path) if c.path else c.label)
    return out


MORAL = {
    "protect*": {"care.virtue"}, "safe": {"care.virtue"}, "stand by": {"care.virtue", "loyalty.virtue"},
    "harm*": {"care.vice"}, "hurt": {"care.vice"}, "allegiance": {"loyalty.virtue", "authority.virtue"},
    "loyal*": {"loyalty.virtue"}, "solidarity": {"loyalty.virtue"}, "obey*": {"authority.virtue"},
    "chain of command": {"authority.virtue"},
}


@pytest.mark.parametrize("name", ["moral.dic", "moral.yml"])
def test_a_dictionary_imports_as_one_dimension_with_overlapping_categories(tmp_path, name):
    folder = _import(DICTS / name, tmp_path / "lex")
    (lx,) = load_lexicons([folder], include_shipped=False)
    assert (lx.dimension, lx.kind) == ("moral", "dictionary")
    assert lx.category_names == CATEGORIES  # LIWC names kept; nested quanteda keys joined with `.`
    assert _memberships(lx) == MORAL
    # no scope rules inherited from scope.yaml: a plain count
    assert not (lx.scope.negation.cues or lx.scope.hedging.cues or lx.scope.quotation.cues or lx.scope.quotation.marks)


def test_liwc_reader_takes_the_file_as_found_in_the_wild():
    raw = (DICTS / "moral.dic").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b"\n#" in raw  # BOM, CRLF, a comment
    d = parse_liwc(raw.decode("utf-8"), path="moral.dic")
    assert _foreign_memberships(d) == MORAL  # tab- and space-separated ids, several per entry, phrases


def test_csv_word_lists_with_one_or_several_category_columns():
    long = parse_csv((DICTS / "moral.csv").read_text(), path="moral.csv")
    assert _foreign_memberships(long)["allegiance"] == {"loyalty.virtue", "authority.virtue"}
    wide = parse_csv((DICTS / "emotions.tsv").read_text(), path="emotions.tsv")
    assert _foreign_memberships(wide) == {"threat": {"anger", "fear"}, "ally": {"trust"}, "menace": {"anger", "fear"}, "assure": {"trust"}}
    assert [t.weight for c in wide.categories if c.label == "trust" for t in c.terms] == [1.0, 0.5]  # a number is a weight


def test_flat_quanteda_keeps_its_keys_as_categories(tmp_path):
    (lx,) = load_lexicons([_import(DICTS / "moral_flat.yml", tmp_path / "lex")], include_shipped=False)
    assert lx.kind == "dictionary" and lx.category_names == ("positive", "negative", "emphasis")


@pytest.mark.parametrize("name", ["moral.dic", "moral.yml"])
def test_scores_equal_a_plain_count(tmp_path, name):
    folder = _import(DICTS / name, tmp_path / "lex")
    out = tmp_path / "out"
    _run("score", DICTS / "corpus.jsonl", "--lexicons", folder, "--out", out, "--no-classifiers", "--no-cache", "-q")
    rows = {r["id"]: r for r in csv.DictReader(open(out / "scores.csv", encoding="utf-8"))}
    assert set(rows) == set(REFERENCE)
    for article, (words, counts, matched) in REFERENCE.items():
        row = rows[article]
        for c in CATEGORIES:
            assert float(row[f"moral.{c}"]) == round(100.0 * counts[c] / words, 4), (article, c)
            assert float(row[f"moral.{c}_per_1000"]) == round(1000.0 * counts[c] / words, 4), (article, c)
        assert float(row["moral.coverage"]) == round(100.0 * matched / words, 4)
        assert "moral.label" not in row  # no winner-take-all label unless the file asks
    manifest = json.loads((out / "manifest.json").read_text())
    schema = manifest["dimensions"]["moral"]
    assert schema["kind"] == "dictionary" and schema["categories"] == list(CATEGORIES)
    assert schema["category_columns"] == [f"moral.{c}" for c in CATEGORIES]
    assert schema["per_1000_columns"] == [f"moral.{c}_per_1000" for c in CATEGORIES]
    assert schema["coverage_column"] == "moral.coverage" and schema["labels"] == []
    header = list(rows["loyal"])
    for dim, entry in manifest["dimensions"].items():  # every dimension's block, in header order
        assert [c for c in header if c in entry["columns"]] == entry["columns"], dim
    assert manifest["dimensions"]["alliance"]["kind"] == "poles" and "absent" in manifest["dimensions"]["alliance"]["labels"]
    assert manifest["dimensions"]["prescriptions"]["category_columns"][0].startswith("prescription.")
    evidence = [json.loads(line) for line in open(out / "evidence.jsonl", encoding="utf-8")]
    allegiance = [e for e in evidence if e.get("dimension") == "moral" and e["entry"] == "allegiance"]
    assert len(allegiance) == 1 and allegiance[0]["categories"] == {"loyalty.virtue": 1.0, "authority.virtue": 1.0}
    assert all("categories" not in e for e in evidence if e.get("dimension") == "alliance")  # the shipped kinds unchanged


def _write_dictionary(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "d.yaml").write_text(body)
    return folder


def _score_text(folder: Path, text: str) -> dict:
    from framing.models import Article
    from framing.pipeline import build_scorer, score_article

    scorer = build_scorer([folder], include_shipped=False, classifiers=False, sentiment=False)
    return dict(score_article(Article(id="x", text=text), scorer).scores)


def test_label_only_when_asked_and_scope_rules_only_when_declared(tmp_path):
    body = "dimension: d\nkind: dictionary\n{params}{scope}categories:\n  good:\n    entries: [safe]\n  calm:\n    entries: [safe, quiet]\n"
    plain = _score_text(_write_dictionary(tmp_path / "a", body.format(params="", scope="")), "It is not safe. Quiet now.")
    assert plain["d.good"] == round(100 / 6, 4) and plain["d.calm"] == round(200 / 6, 4) and "d.label" not in plain
    labelled = _score_text(_write_dictionary(tmp_path / "b", body.format(params="params: {label: true}\n", scope="")), "Quiet, safe and quiet.")
    assert labelled["d.label"] == "calm"
    assert _score_text(tmp_path / "b", "Nothing.")["d.label"] == "absent"
    scoped = body.format(params="", scope="scope:\n  negation:\n    cues: [not]\n    action: ignore\n")
    negated = _score_text(_write_dictionary(tmp_path / "c", scoped), "It is not safe. Quiet now.")
    assert negated["d.good"] == 0.0 and negated["d.calm"] == round(100 / 6, 4)  # the file's own rule applies


@pytest.mark.parametrize(
    "body, message, line",
    [
        ("dimension: d\nkind: dictionary\ncategories:\n  good one:\n    entries: [x]\n", "must be letters, digits", 5),
        ("dimension: d\nkind: dictionary\ncategories:\n  coverage:\n    entries: [x]\n", "score columns", 5),
        ("dimension: d\nkind: dictionary\nparams: {label: 1}\ncategories:\n  a:\n    entries: [x]\n", "true or false", 3),
        ("dimension: d\nkind: categories\ncategories:\n  a:\n    entries: [x]\n  b:\n    entries: [x]\n", "may belong to one category", 7),
    ],
)
def test_bad_dictionary_files_name_the_file_and_line(tmp_path, body, message, line):
    folder = _write_dictionary(tmp_path / "bad", body)
    with pytest.raises(LexiconError) as err:
        load_lexicons([folder], include_shipped=False)
    assert message in str(err.value) and err.value.line == line and str(folder / "d.yaml") in str(err.value)


@pytest.mark.parametrize(
    "name, body, message, line",
    [
        ("bad.dic", "%\n1\tcare\n%\nsafe\t1\nharm\t7\n", "category 7, which the header does not define", 5),
        ("bad.tsv", "word\tanger\tfear\nthreat\t1\tmaybe\n", "neither a mark", 2),
    ],
)
def test_import_problems_name_the_file_and_line(tmp_path, name, body, message, line):
    path = tmp_path / name
    path.write_text(body)
    result = _run("lexicon", "import", path, "--out", tmp_path / "out", ok=(0, 2))
    assert f"{path}:{line}:" in result.output and message in result.output


def test_export_gives_an_equivalent_file_back(tmp_path):
    liwc = _import(DICTS / "moral.dic", tmp_path / "liwc")
    back = tmp_path / "back.dic"
    _run("lexicon", "export", liwc, "--to", "liwc", "--out", back)
    source = parse_liwc((DICTS / "moral.dic").read_text(encoding="utf-8-sig"), path="moral.dic")
    again = parse_liwc(back.read_text(), path="back.dic")
    assert _foreign_memberships(again) == _foreign_memberships(source)
    assert [c.code for c in again.categories] == [c.code for c in source.categories]
    nested = _import(DICTS / "moral.yml", tmp_path / "nested")
    back_yml = tmp_path / "back.yml"
    _run("lexicon", "export", nested, "--to", "quanteda", "--out", back_yml)
    assert yaml.safe_load(back_yml.read_text()) == yaml.safe_load((DICTS / "moral.yml").read_text())
    wide = _import(DICTS / "emotions.tsv", tmp_path / "wide")
    back_csv = tmp_path / "back.csv"
    _run("lexicon", "export", wide, "--to", "csv", "--out", back_csv)
    assert _foreign_memberships(parse_csv(back_csv.read_text(), path="back.csv")) == _foreign_memberships(parse_csv((DICTS / "emotions.tsv").read_text(), path="e.tsv"))


def test_split_categories_keeps_the_older_import(tmp_path):
    folder = _import(DICTS / "moral.dic", tmp_path / "lex", "--split-categories")
    lexicons = load_lexicons([folder], include_shipped=False)
    assert {lx.kind for lx in lexicons} == {"categories"} and len(lexicons) == 4


def test_show_presents_a_dictionary_as_one_block(tmp_path):
    folder = _import(DICTS / "moral.dic", tmp_path / "lex")
    overview = _run("lexicon", "show", "--no-shipped", "--lexicons", folder).output
    assert "(4 categories)" in overview and overview.count("moral ") == 1
    block = _run("lexicon", "show", "moral", "--no-shipped", "--lexicons", folder, "--corpus", DICTS / "corpus.jsonl", "-q").output
    assert "4 categories, 10 entries (2 in several categories)" in block
    assert "scope rules: none" in block
    allegiance = next(line for line in block.splitlines() if line.startswith("allegiance"))
    assert "loyalty.virtue, authority.virtue" in allegiance
    kwic = _run("lexicon", "kwic", "allegiance", "--no-shipped", "--lexicons", folder, "--corpus", DICTS / "corpus.jsonl", "-q").output
    assert "loyalty.virtue, authority.virtue" in kwic  # counts for both


def test_quanteda_nested_keys_flatten_with_dots():
    d = parse_quanteda((DICTS / "moral.yml").read_text(), path="moral.yml")
    assert {".".join(c.path) for c in d.categories} == set(CATEGORIES)


def test_validate_accepts_an_entry_in_several_categories_of_a_dictionary(tmp_path):
    folder = _import(DICTS / "moral.dic", tmp_path / "lex")
    out = _run("lexicon", "validate", folder, "--no-shipped", "--corpus", DICTS / "corpus.jsonl", "-q").output
    assert "[duplicate]" not in out and "0 error(s)" in out
    assert "'protect*' matches" in out  # the corpus checks still run


def test_a_wide_word_list_reports_unmarked_words_in_one_line(tmp_path):
    path = tmp_path / "w.tsv"
    path.write_text("word\tanger\tfear\nthreat\t1\t0\nnothing\t0\t0\nzero\t\tno\n")
    d = parse_csv(path.read_text(), path=str(path))
    assert _foreign_memberships(d) == {"threat": {"anger"}}
    assert d.warnings == (f"{path}:3: 2 term(s) marked in none of the category columns (lines 3, 4); skipped",)


def test_weights_add_to_categories_and_coverage_counts_each_match_once(tmp_path):
    body = "dimension: d\nkind: dictionary\ncategories:\n  trust:\n    entries: [{assure: 0.5}, ally]\n  calm:\n    entries: [assure]\n"
    scores = _score_text(_write_dictionary(tmp_path / "w", body), "We assure every ally.")  # 4 words
    assert scores["d.trust"] == 100 * 1.5 / 4 and scores["d.calm"] == 100 * 1 / 4
    assert scores["d.coverage"] == 100 * 2 / 4 and scores["d.trust_per_1000"] == 1000 * 1.5 / 4


def test_every_kind_has_one_object_and_declared_parameters():
    from framing.lexicon.build import KINDS
    from framing.lexicon.params import PARAMETERS
    from framing.scoring import kinds

    assert set(KINDS) == set(PARAMETERS) == set(kinds.KINDS) and "dictionary" in KINDS
    assert all(kinds.KINDS[k].name == k and kinds.KINDS[k].unit for k in KINDS)
