"""Issue 19: a dictionary dimension in the report, read from the schema in manifest.json (issue
16): one block with a heatmap of groups (or articles) by categories and its group statistics;
article pages list its category scores and each match's categories. Dotted category names
(`care.virtue`) and hostile names are shown escaped."""
from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner

from framing.cli import cli
from framing.compare import infer_schema
from framing.io.runs import declared_dimensions, read_outputs
from framing.report.render import ReportLimits, render_report

DICTS = Path(__file__).resolve().parents[1] / "fixtures" / "dictionaries"
CATEGORIES = ("care.virtue", "care.vice", "loyalty.virtue", "authority.virtue")
# group a writes in the words of care and loyalty, group b in those of harm and authority
WORDS = {"a": ("allegiance", "loyal", "protect", "safe", "stand by"), "b": ("harm", "hurt", "obey", "chain of command")}


def _run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


def _corpus(path: Path, n: int = 12) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            group = "ab"[i % 2]
            words = WORDS[group]
            text = f"Report number {i}. " + " ".join(f"The people {words[(i + k) % len(words)]} the town." for k in range(4))
            fh.write(json.dumps({"id": f"art{i}", "group": group, "title": f"Article {i}", "text": text}) + "\n")
    return path


@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("dictreport")
    _run("lexicon", "import", DICTS / "moral.dic", "--out", base / "lex")
    _run("score", _corpus(base / "corpus.jsonl"), "--lexicons", base / "lex", "--out", base / "out", "--no-classifiers", "--no-cache", "-q")
    return base / "out"


def _block(html: str, dim: str = "moral") -> str:
    """The dictionary's block of the index page: its heading up to the next section heading."""
    start = html.index(f'<figure id="fig-{dim}">')
    return html[html.rindex("<h2>", 0, start):html.index("<h2>", start)]


def test_the_schema_comes_from_the_manifest_dotted_names_included(scored):
    outputs = read_outputs(scored)
    declared = outputs.dimensions
    assert list(declared) == list(json.loads((scored / "manifest.json").read_text())["dimensions"])
    schema = infer_schema(list(outputs.table.columns), outputs.manifest.get("lexicon_dimensions"), declared)
    moral = schema.get("moral")
    assert (moral.kind, moral.categories, moral.unit, moral.coverage) == ("dictionary", CATEGORIES, "percent of words", "moral.coverage")
    assert moral.columns == tuple(f"moral.{c}" for c in CATEGORIES)
    assert not any(c.startswith("moral.") for c in schema.other_columns)  # per 1,000 and coverage belong to the dimension
    # the shipped dimensions read the same from the schema as from the header (older folders)
    header = infer_schema(list(outputs.table.columns), outputs.manifest.get("lexicon_dimensions"))
    assert [(d.name, d.kind, d.categories, d.columns) for d in header.dimensions if d.name != "moral"] == \
        [(d.name, d.kind, d.categories, d.columns) for d in schema.dimensions if d.name != "moral"]
    # the header alone cannot tell `moral.care.virtue` from a classifier column: it misreads the dictionary
    assert header.get("moral") is None or header.get("moral").categories != CATEGORIES


def test_a_malformed_schema_entry_falls_back_to_the_header():
    manifest = {"dimensions": {"ok": {"kind": "dictionary", "categories": ["a.b"], "category_columns": ["ok.a.b"], "columns": ["ok.a.b"]},
                               "short": {"kind": "poles", "categories": ["x", "y"], "category_columns": ["short.x"]},
                               "odd": "not a mapping", "nokind": {"categories": [], "category_columns": []}}}
    assert list(declared_dimensions(manifest)) == ["ok"]
    assert declared_dimensions({}) == {} and declared_dimensions({"dimensions": []}) == {}


def test_a_dictionary_is_one_block_with_its_heatmap_and_group_statistics(scored, tmp_path):
    index = render_report(scored, out_dir=tmp_path / "rep", group_by="group")
    html = index.read_text(encoding="utf-8")
    block = _block(html)
    assert "<h2>Moral: percent of words in each category</h2>" in block
    img = re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{500,}" alt="([^"]*)"', block)
    assert img, "the heatmap is an inline image"
    alt = unescape(img.group(1))
    assert "rows: a (n=6); b (n=6)" in alt and "columns: " + "; ".join(CATEGORIES) in alt
    assert "percent of words" in block and "by group" in block
    # the statistics rows: one per category for the two groups, with interval, Cliff's delta and Holm p
    rows = re.findall(r'<tr(?: class="sig")?><td title="(moral\.[^"]+)">([^<]+)</td><td>a</td><td>b</td>.*?</tr>', block)
    assert sorted(m for m, _ in rows) == sorted(f"moral.{c}" for c in CATEGORIES)
    assert ("moral.care.virtue", "moral: care.virtue (percent of words)") in rows
    care = re.search(r'<td title="moral.care.virtue">.*?data-sort="([-0-9.e]+)">[-0-9.]+ \[([-0-9.]+), ([-0-9.]+)\]</td>'
                     r'<td class="num" data-sort="([-0-9.e]+)">', block)
    assert float(care.group(1)) > 0 and float(care.group(2)) > 0 and float(care.group(4)) == 1.0  # a writes care, b never does
    # and the report's table of all differences has them too (before the schema, dotted names were missing)
    all_diffs = html[html.index('id="difftable"'):]
    assert 'title="moral.loyalty.virtue"' in all_diffs
    summary = html[html.index('id="summary"'):]
    assert "<th class=\"num\">moral: % of words matched</th>" in summary.split("</thead>")[0]


def test_without_groups_the_rows_are_articles_capped_to_a_readable_number(scored, tmp_path):
    html = render_report(scored, out_dir=tmp_path / "all").read_text(encoding="utf-8")
    alt = unescape(re.search(r'alt="([^"]*)"', _block(html)).group(1))
    assert "rows: " + "; ".join(f"Article {i}" for i in range(12)) in alt
    assert "difftable-fig-moral" not in html
    capped = render_report(scored, out_dir=tmp_path / "few", limits=ReportLimits(clustermap=3)).read_text(encoding="utf-8")
    block = _block(capped)
    assert "heatmap of 3 rows by 4 columns" in block and "the 3 of the 12 articles with the most matched words" in block


def test_article_pages_list_category_scores_and_each_match_s_categories(scored, tmp_path):
    render_report(scored, out_dir=tmp_path / "rep", group_by="group")
    page = (tmp_path / "rep" / "articles").glob("*.html")
    html = next(p for p in page if "Article 0<" in p.read_text(encoding="utf-8")).read_text(encoding="utf-8")
    section = html[html.index('<section id="dim-moral">'):]
    section = section[:section.index("</section>")]
    assert re.search(r"care\.virtue [0-9.]+%, care\.vice 0\.00%", section) and "% of its words match some entry" in section
    # allegiance counts in loyalty and authority: listed under both, with both categories
    for cat in ("loyalty_virtue", "authority_virtue"):
        body = re.search(rf'<tbody id="ev-moral-{cat}_[0-9a-f]+">(.*?)</tbody>', section, re.S).group(1)
        assert "<td>allegiance<td>allegiance<td class=num>1.00<td><td>loyalty.virtue, authority.virtue" in body
    assert 'title="moral: loyalty.virtue, authority.virtue"' in html  # the highlight's hover text


def test_hostile_category_and_entry_names_are_escaped(tmp_path):
    lex = tmp_path / "lex"
    lex.mkdir()
    (lex / "d.yaml").write_text('dimension: bad\nkind: dictionary\ncategories:\n  care.x-1:\n'
                                '    entries: ["<b>safe", "\\"><img src=x onerror=alert(1)>"]\n  zzcalm:\n    entries: [safe]\n', encoding="utf-8")
    corpus = tmp_path / "c.jsonl"
    rows = [{"id": f"h{i}", "g": "xy"[i % 2], "text": f'Day {i}: it is safe. <b>safe now. "><img src=x onerror=alert(1)> here.'} for i in range(6)]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out"
    _run("score", corpus, "--lexicons", lex, "--out", out, "--no-classifiers", "--no-cache", "-q")
    hostile = "<script>alert(1)</script>"
    for name in ("scores.csv", "manifest.json", "evidence.jsonl"):  # an edited output folder: a category no lexicon allows
        path = out / name
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("zzcalm", hostile.replace('"', '\\"') if name != "scores.csv" else hostile), encoding="utf-8")
    index = render_report(out, out_dir=tmp_path / "rep", group_by="g")
    pages = [index] + sorted((tmp_path / "rep" / "articles").glob("*.html"))
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>safe" not in html, page.name
    html = index.read_text(encoding="utf-8")
    assert "bad: &lt;script&gt;alert(1)&lt;/script&gt; (percent of words)" in _block(html, "bad")
    article = pages[1].read_text(encoding="utf-8")
    assert "&lt;b&gt;safe" in article and "&lt;img src=x onerror=alert(1)&gt;" in article  # the entries, in the evidence table
