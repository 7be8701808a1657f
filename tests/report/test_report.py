"""The HTML report as a reader meets it: safe with hostile input, every link resolving, every page
with its provenance, groups, pairs, re-rendering and the large-report mode."""
from __future__ import annotations

import json
import re
import shutil
from html import unescape as html_unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from framing.cli import cli
from framing.errors import ConfigError, OutputError
from framing.batch import run_batch
from framing.report.render import ReportLimits, css_token, highlight, page_name, render_report
from report_corpus import HOSTILE, TEMPLATE_WORDS, write_corpus, write_hostile


class _Page(HTMLParser):
    """Tags, attributes, ids and links of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.text: list[str] = []
        self.script_bodies: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_bodies.append(data)
        else:
            self.text.append(data)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _pages(out: Path) -> list[Path]:
    return sorted(out.glob("*.html")) + sorted((out / "articles").glob("*.html"))


@pytest.fixture(scope="module")
def scored(tmp_path_factory, fixture_scorer, seeds_dir) -> Path:
    """Seeds, a synthetic corpus with outlets and dates, and a hostile article, scored once."""
    base = tmp_path_factory.mktemp("scored")
    corpus = write_corpus(base / "corpus.jsonl", 9, seed=1)
    hostile = write_hostile(base / "hostile.jsonl")
    out = base / "scores"
    run_batch([seeds_dir, corpus, hostile], out, scorer=fixture_scorer, cache=False)
    return out


@pytest.fixture(scope="module")
def report(scored, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    render_report(scored, out_dir=out, group_by="outlet")
    return out


def test_hostile_article_injects_nothing(report):
    pages = _pages(report)
    assert len(pages) >= 3
    for path in pages:
        raw = path.read_text(encoding="utf-8")
        for needle in ("<script>alert", "<img src=x", "<b onmouseover", "</span></mark><script>", "<a href=\"javascript"):
            assert needle not in raw, (path.name, needle)
        page = _parse(path)
        scripts = [a for t, a in page.tags if t == "script"]
        assert len(scripts) == 1 and "src" not in scripts[0], path.name  # only our own inline script
        for tag, attrs in page.tags:
            assert not any(name.startswith("on") for name in attrs), (path.name, tag, attrs)
            assert tag not in ("iframe", "object", "embed", "base", "form"), (path.name, tag)
            for name in ("href", "src"):
                value = (attrs.get(name) or "").strip().lower()
                assert not value.startswith(("javascript:", "http:", "https:", "//")), (path.name, value)
            if tag == "img":
                assert (attrs.get("src") or "").startswith("data:image/png;base64,"), path.name
        csp = next(a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
        assert "default-src 'none'" in csp["content"] and "script-src 'sha256-" in csp["content"]
    index_text = " ".join(_parse(report / "index.html").text)
    assert HOSTILE["title"] in index_text  # shown as text, escaped
    hostile_page = next(p for p in (report / "articles").glob("*.html") if "evil" in p.name)
    text = " ".join(_parse(hostile_page).text)
    assert "<img src=x onerror=alert(1)>" in text and "{{ 7*7 }}" in text and HOSTILE["outlet"] in text


def test_article_pages_have_safe_names_inside_the_output_folder(report, scored):
    ids = [json.loads(line)["id"] for line in open(scored / "articles.jsonl", encoding="utf-8")]
    files = sorted((report / "articles").glob("*.html"))
    assert len(files) == len(ids) == len({page_name(i) for i in ids})
    for f in files:
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*-[0-9a-f]{10}(-\d+)?\.html", f.name)
        assert f.resolve().parent == (report / "articles").resolve()
    assert not list(report.parent.glob("evil*")) and not (report.parent / "evil").exists()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_page_names_are_safe_for_any_id(article_id):
    name = page_name(article_id)
    assert "/" not in name and "\\" not in name and "\x00" not in name and ".." not in name
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*-[0-9a-f]{10}\.html", name)
    assert page_name(article_id) == name
    assert re.fullmatch(r"[A-Za-z0-9_-]+", css_token(article_id or "x"))


def test_page_names_stay_unique_when_slugs_collide():
    taken: set[str] = set()
    names = [page_name(i, taken) for i in ("A b", "a-b", "a b", "A b")]
    assert len(set(names)) == 4


def test_every_link_resolves_to_a_file_and_an_anchor(report):
    cache: dict[Path, _Page] = {}

    def page(path: Path) -> _Page:
        if path not in cache:
            cache[path] = _parse(path)
        return cache[path]

    n_links = 0
    for path in _pages(report):
        for href in page(path).links:
            parts = urlsplit(href)
            assert not parts.scheme and not parts.netloc, (path.name, href)
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path.resolve()
            if target.name.startswith("scores."):
                continue
            assert target.exists(), (path.name, href)
            assert report.resolve() in target.parents or target.parent == report.resolve()
            if parts.fragment:
                assert parts.fragment in page(target).ids, (path.name, href)
            n_links += 1
    assert n_links > 200


def test_summary_table_cells_link_to_the_evidence(report):
    index = _parse(report / "index.html")
    evidence_links = [h for h in index.links if h.startswith("articles/") and "#ev-alliance-" in h]
    assert evidence_links
    page = _parse(report / unquote(urlsplit(evidence_links[0]).path))
    assert "s-0" in page.ids  # sentences are link targets


def test_every_page_carries_provenance(report, scored):
    manifest = json.loads((scored / "manifest.json").read_text())
    some_hash = next(iter(manifest["lexicons"].values()))[:12]
    for path in _pages(report):
        raw = path.read_text(encoding="utf-8")
        footer = raw[raw.index('<footer id="provenance">'):]
        assert manifest["version"] in footer and manifest["created"] in footer
        assert some_hash in footer and "vaderSentiment" in footer and "matplotlib" in footer


def test_index_has_the_figures_captions_and_sections(report):
    raw = (report / "index.html").read_text(encoding="utf-8")
    page = _parse(report / "index.html")
    imgs = [a for t, a in page.tags if t == "img"]
    assert len(imgs) >= 6 and all(a.get("alt") for a in imgs)
    assert raw.count("<figcaption>") >= len(imgs)
    for section in ("howto", "fig-alliance", "fig-prescriptions", "fig-ideology", "fig-tone", "similarity", "keyness", "groups",
                    "differences", "pairs", "articles"):
        assert section in page.ids, section
    assert "How to read this report" in raw
    assert "Political lean: not in these scores" in raw


def test_groups_section_compares_outlets(report):
    raw = (report / "index.html").read_text(encoding="utf-8")
    assert "Groups by outlet" in raw and "Daily Planet" in raw and "Holm" in raw
    rows = re.findall(r'<table class="sortable" id="difftable">.*?</table>', raw, flags=re.S)[0].count("<tr")
    assert rows > 10
    keyness_block = raw[raw.index('id="keyness"'):raw.index('id="groups"')]
    assert "shipyards" in keyness_block  # the word only one outlet uses
    # issue 18: an outlet's page template is not what distinguishes it, and the caption names the grouping
    words = set(re.findall(r">([a-z][a-z'-]*)</span>", keyness_block))
    assert words and not words & set(TEMPLATE_WORDS), words & set(TEMPLATE_WORDS)
    assert "each group (outlet)" in keyness_block and "alliance label" not in keyness_block and "boilerplate" in keyness_block


def test_pairs_page_has_every_pair_with_quoted_evidence(report, scored):
    n = sum(1 for _ in open(scored / "articles.jsonl", encoding="utf-8"))
    raw = (report / "pairs.html").read_text(encoding="utf-8")
    assert raw.count('class="pair"') == n * (n - 1) // 2
    assert "frames the alignment as" in raw and "<blockquote>" in raw


def test_article_page_highlights_matches_and_marks_scope(report):
    files = list((report / "articles").glob("art-*.html"))
    raw = "".join(f.read_text(encoding="utf-8") for f in files)
    assert '<mark class="hl pol' in raw and 'class="act"' in raw
    assert re.search(r'<mark class="hl pol [^"]*\bneg\b', raw)  # a negated frame phrase
    assert re.search(r'<mark class="hl pol [^"]*\bhdg\b', raw)  # a hedged one
    assert 'class="hl adv"' in raw and 'class="hl rej"' in raw
    assert "Compared with other articles" in raw and "Distinctive words" in raw


def test_highlight_escapes_and_handles_overlaps():
    text = "<b>Russia</b> bloc & more"
    spans = [(0, len(text))]
    matches = [
        {"dimension": "alliance", "category": "threat", "sentence_index": 0, "start": 3, "end": 15, "counts_for": "threat"},
        {"dimension": "actors", "category": "russia", "sentence_index": 0, "start": 3, "end": 9, "counts_for": "russia"},
    ]
    html = str(highlight(text, spans, matches, kinds={"alliance": "poles", "actors": "actors"}))
    assert "<b>" not in html and "&lt;b&gt;" in html and "&amp; more" in html
    assert html.count("<mark") == 2 and 'id="s-0"' in html
    assert re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text


def test_report_rerenders_from_saved_outputs_without_rescoring(scored, tmp_path):
    before = {p.name: p.stat().st_mtime_ns for p in scored.iterdir() if p.is_file()}
    out = tmp_path / "again"
    result = CliRunner().invoke(cli, ["report", str(scored), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "index.html").exists() and len(list((out / "articles").glob("*.html"))) == len(
        open(scored / "articles.jsonl").readlines())
    assert {p.name: p.stat().st_mtime_ns for p in scored.iterdir() if p.is_file()} == before


def test_group_by_date_bucket_and_unknown_field(scored, tmp_path):
    render_report(scored, out_dir=tmp_path / "m", group_by="date:month")
    raw = (tmp_path / "m" / "index.html").read_text(encoding="utf-8")
    assert "Groups by date:month" in raw and "2024-01" in raw and "(missing)" in raw
    with pytest.raises(ConfigError, match="no column 'nope'"):
        render_report(scored, out_dir=tmp_path / "x", group_by="nope")
    result = CliRunner().invoke(cli, ["report", str(scored), "--out", str(tmp_path / "y"), "--by", "nope"])
    assert result.exit_code == 2 and result.output.startswith("error: --by nope") and "Traceback" not in result.output


def test_requested_pair_and_unknown_id(scored, tmp_path):
    limits = ReportLimits(all_pairs=2, top_pairs=1)
    render_report(scored, out_dir=tmp_path / "p", pairs=[("art-000", "art-001")], limits=limits)
    raw = (tmp_path / "p" / "pairs.html").read_text(encoding="utf-8")
    assert 'data-a="art-000" data-b="art-001"' in raw and "(requested)" in raw
    assert raw.count('class="pair"') <= 3
    with pytest.raises(ConfigError, match="no article with id 'missing'"):
        render_report(scored, out_dir=tmp_path / "q", pairs=[("art-000", "missing")])


def test_large_report_mode_summarises_paginates_and_removes_stale_pages(scored, tmp_path):
    out = tmp_path / "big"
    limits = ReportLimits(detail=3, page_size=4, all_pairs=3, top_pairs=2, distance_table=3, clustermap=5, figure_groups=2)
    render_report(scored, out_dir=out, limits=limits)
    raw = (out / "index.html").read_text(encoding="utf-8")
    n = sum(1 for _ in open(scored / "articles.jsonl", encoding="utf-8"))
    assert len(list(out.glob("table-*.html"))) == -(-n // 4) - 1
    # issue 18: past the clustermap's labelled size, a map of the articles whose points link to their pages
    # (it replaced a clustermap of a random sample)
    assert 'id="fig-map"' in raw and "by alliance label" in raw and "Distance table" not in raw
    figure = raw[raw.index('id="fig-map"'):raw.index("</figure>", raw.index('id="fig-map"'))]
    map_links = re.findall(r'<a href="(articles/[^"]+)"><circle', figure)
    assert map_links and all((out / h).exists() for h in map_links)
    assert "<script>" not in figure and "&lt;script&gt;alert(1)&lt;/script&gt;" in figure  # the hostile title, escaped in its point's title
    assert "Most different pairs" in raw
    # fewer articles later: the old pages go
    small = tmp_path / "small_scores"
    shutil.copytree(scored, small)
    lines = (small / "articles.jsonl").read_text(encoding="utf-8").splitlines()[:5]
    import pandas as pd

    table = pd.read_csv(small / "scores.csv", dtype=str, keep_default_na=False).head(5)
    table.to_csv(small / "scores.csv", index=False)
    (small / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    render_report(small, out_dir=out, limits=limits)
    assert len(list((out / "articles").glob("*.html"))) == 5
    assert len(list(out.glob("table-*.html"))) == 1


def test_report_without_saved_texts_shows_evidence_sentences(scored, tmp_path):
    old = tmp_path / "old_scores"
    shutil.copytree(scored, old)
    (old / "articles.jsonl").unlink()
    out = tmp_path / "old_report"
    render_report(old, out_dir=out)
    page = next((out / "articles").glob("art-000-*.html")).read_text(encoding="utf-8")
    assert "The full text was not saved" in page and "<mark" in page and 'id="s-' in page


def test_lean_columns_and_classifier_sentences_are_shown_when_present(scored, tmp_path):
    import pandas as pd

    d = tmp_path / "with_models"
    shutil.copytree(scored, d)
    table = pd.read_csv(d / "scores.csv", dtype={"id": str}, keep_default_na=False, na_values=[""])
    table["lean.left"], table["lean.center"], table["lean.right"] = 0.2, 0.3, 0.5
    table["lean.label"] = "right"
    table["alliance.position_classifier"] = 0.1
    table.to_csv(d / "scores.csv", index=False)
    first = json.loads((d / "articles.jsonl").read_text(encoding="utf-8").splitlines()[0])
    records = (d / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    extra = {"type": "sentence", "article_id": first["id"], "dimension": "alliance", "sentence_index": 0,
             "probabilities": {"threat": 0.7, "hollow": 0.2, "legitimate": 0.1}, "sentence": "A sentence."}
    evidence = (d / "evidence.jsonl").read_text(encoding="utf-8").splitlines()
    evidence.insert(first["n_evidence"], json.dumps(extra))
    first["n_evidence"] += 1
    records[0] = json.dumps(first)
    (d / "evidence.jsonl").write_text("\n".join(evidence) + "\n", encoding="utf-8")
    (d / "articles.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
    out = tmp_path / "models_report"
    render_report(d, out_dir=out)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Political lean" in index and "not in these scores" not in index
    page = (out / "articles" / page_name(first["id"])).read_text(encoding="utf-8")
    assert "sentence-level probabilities" in page and "alliance.position_classifier" in page and 'id="dim-lean"' in page


def test_tiny_reports_render(tmp_path, fixture_scorer):
    one = write_corpus(tmp_path / "one.jsonl", 1)
    run_batch([one], tmp_path / "s1", scorer=fixture_scorer, cache=False)
    render_report(tmp_path / "s1", out_dir=tmp_path / "r1")
    assert "A comparison needs at least two articles." in (tmp_path / "r1" / "index.html").read_text(encoding="utf-8")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    run_batch([empty], tmp_path / "s0", scorer=fixture_scorer, cache=False)
    render_report(tmp_path / "s0", out_dir=tmp_path / "r0")
    assert "no article was scored" in (tmp_path / "r0" / "index.html").read_text(encoding="utf-8")


def test_missing_scores_folder_is_a_one_line_error(tmp_path):
    (tmp_path / "nothing").mkdir()
    result = CliRunner().invoke(cli, ["report", str(tmp_path / "nothing"), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "no scores.csv" in result.output and "Traceback" not in result.output
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "scores.csv").write_text("id,title\na,b\n")
    (bad / "evidence.jsonl").write_text("{not json\n")
    (bad / "articles.jsonl").write_text(json.dumps({"id": "a", "n_evidence": 1, "text": "x", "sentences": [[0, 1]]}) + "\n")
    result = CliRunner().invoke(cli, ["report", str(bad)])
    assert result.exit_code == 2 and "evidence.jsonl:1: not valid JSON" in result.output


def test_report_on_100_articles_stays_small(tmp_path, fixture_scorer):
    corpus = write_corpus(tmp_path / "c.jsonl", 100, seed=2)
    run_batch([corpus], tmp_path / "s", scorer=fixture_scorer, cache=False)
    out = tmp_path / "r"
    render_report(tmp_path / "s", out_dir=out)
    total = sum(p.stat().st_size for p in out.rglob("*.html"))
    assert (out / "index.html").stat().st_size < 1_000_000
    assert total < 2_000_000, total


def test_report_never_deletes_a_folder_it_did_not_write(scored, tmp_path):
    out = tmp_path / "out"
    (out / "articles").mkdir(parents=True)
    (out / "articles" / "my-notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="holds files the report did not write"):
        render_report(scored, out_dir=out)
    assert (out / "articles" / "my-notes.txt").read_text() == "mine"
    (out / "articles" / "my-notes.txt").unlink()
    render_report(scored, out_dir=out)
    render_report(scored, out_dir=out)  # again, over its own pages
    assert not list(out.glob(".articles-*")) and len(list((out / "articles").glob("*.html"))) > 5


def test_a_reordered_scores_table_still_finds_each_articles_text(scored, tmp_path):
    import pandas as pd

    d = tmp_path / "sorted"
    shutil.copytree(scored, d)
    table = pd.read_csv(d / "scores.csv", dtype=str, keep_default_na=False)
    table.sort_values("id", ascending=False).to_csv(d / "scores.csv", index=False)
    render_report(d, out_dir=tmp_path / "r")
    for line in open(d / "articles.jsonl", encoding="utf-8"):
        rec = json.loads(line)
        page = (tmp_path / "r" / "articles" / page_name(rec["id"])).read_text(encoding="utf-8")
        body = page[page.index('<div class="text" id="text-body">'):]
        body = body[body.index(">") + 1:body.index("</div>")]
        assert html_unescape(re.sub(r"<[^>]+>", "", body)) == rec["text"]  # the page shows this article's own text


def test_a_user_defined_poles_dimension_renders_from_its_own_definition(tmp_path, fixture_lexicons):
    """Issue 16: the report reads a dimension's ends, off-axis labels and description from its
    lexicon, not from the shipped alliance dimension."""
    from framing.pipeline import build_scorer

    lexicons = tmp_path / "lexicons"
    shutil.copytree(fixture_lexicons, lexicons, ignore=shutil.ignore_patterns("alliance.yaml"))
    (lexicons / "trade.yaml").write_text(
        "dimension: trade\nkind: poles\ndescription: Whether an article frames trade as opening or closing. Second sentence.\n"
        "params: {min_intensity: 0.1}\ncategories:\n"
        "  protection:\n    opposite: openness\n    description: Walls, tariffs and quotas.\n    entries: [tariff*, quota*]\n"
        "  openness:\n    opposite: protection\n    entries: [free trade, open market*]\n"
        "  barter:\n    description: Goods swapped for goods.\n    entries: [barter*]\n", encoding="utf-8")
    corpus = tmp_path / "c.jsonl"
    texts = ["Tariffs and quotas protect the mills.", "Free trade and open markets lift everyone.", "They barter grain for oil, barter again.",
             "Tariffs rise while free trade talks stall.", "The weather was mild on Tuesday."]
    corpus.write_text("".join(json.dumps({"id": f"t{i}", "title": f"Trade {i}", "text": t}) + "\n" for i, t in enumerate(texts)), encoding="utf-8")
    scorer = build_scorer([lexicons], include_shipped=False, classifiers=False)
    run_batch([corpus], tmp_path / "scores", scorer=scorer, cache=False)
    render_report(tmp_path / "scores", out_dir=tmp_path / "report")
    raw = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    caption = raw[raw.index('id="fig-trade"'):raw.index("</figcaption>", raw.index('id="fig-trade"'))]
    assert "(openness)" in caption and "(protection)" in caption and "Barter (green diamond) is a label off this axis: goods swapped" in caption
    assert "legitimate" not in raw and "threat" not in raw.split('id="howto"')[1].split("<ul>")[1].split("</ul>")[0]
    assert "whether an article frames trade as opening or closing" in raw and "Second sentence" not in raw
    assert ".lab-barter{background:#009E73}" in raw  # its label pill takes the figure's colour
    assert "1 of the 5 articles are off topic" in raw  # the weather report: no trade frame at all
