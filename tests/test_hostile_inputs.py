"""Hostile and broken inputs, table-driven: each gets a one-line message naming the input, no
traceback, and the good article in the same batch is still scored."""
from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from click.testing import CliRunner

from framing.cli import cli

GOOD = "Good Article\nRussia and China met in Beijing. Analysts called it a fragile marriage of convenience.\n"


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], Path]  # writes the hostile input into a folder, returns its path
    exit_code: int  # 0: scored (maybe with a warning), 1: skipped
    message: str  # what the one-line warning must contain ("" when none is expected)
    scored_extra: int = 0  # articles scored from the hostile input itself


def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        p = d / name
        p.write_bytes(data)
        return p

    return make


def _jsonl_with_bad_lines(d: Path) -> Path:
    p = d / "corpus.jsonl"
    lines = [json.dumps({"id": "j1", "text": "Moscow and Tehran signed a pact."}), '{"id": "j2", "text": "unterminated', "[1, 2]",
             json.dumps({"id": "j3", "title": "no text"}), json.dumps({"id": "j4", "text": "Pyongyang sent shells.", "weird field": {"nested": [1]}})]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def _csv_with_bad_rows(d: Path) -> Path:
    p = d / "corpus.csv"
    p.write_text('id,outlet,text\nc1,A,"Beijing hosted talks."\nc2,B\nc3,C,"fine, ""quoted"" text",extra\nc4,D,Tehran replied.\n', encoding="utf-8")
    return p


def _nasty_ids(d: Path) -> Path:
    p = d / "ids.jsonl"
    rows = [{"id": "../../escape", "text": "Text one about Russia."}, {"id": "a/b\\c", "text": "Text two about China."},
            {"id": "nul\x00id", "text": "Text three about Iran."}]
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return p


def _big_article(d: Path) -> Path:
    p = d / "huge.txt"
    para = ("Russia and China are not a marriage of convenience, analysts said. " * 15 + "\n").encode()
    with open(p, "wb") as fh:
        for _ in range(50 * 2**20 // len(para) + 1):
            fh.write(para)
    return p


CASES = [
    Case("empty file", _write("empty.txt", b""), 1, "empty"),
    Case("whitespace only", _write("blank.md", b"  \n\n \t\n"), 1, "empty"),
    Case("PNG with a text extension", _write("image.txt", b"\x89PNG\r\n\x1a\n" + os.urandom(64)), 1, "PNG"),
    Case("gzip with a text extension", _write("archive.md", gzip.compress(b"hello world")), 1, "gzip"),
    Case("binary with NUL bytes", _write("blob.txt", b"abc\x00\x01\x02def"), 1, "NUL"),
    Case("invalid UTF-8", _write("latin1.txt", "Title\nCafé talks in Moscow.".encode("latin-1")), 0, "invalid UTF-8", 1),
    Case("UTF-16 with BOM", _write("utf16.txt", "Title\nBeijing and Moscow.".encode("utf-16")), 0, "", 1),
    Case("UTF-8 with BOM", _write("bom.txt", codecs.BOM_UTF8 + b"Title\nTehran and Pyongyang."), 0, "", 1),
    Case("malformed JSONL lines", _jsonl_with_bad_lines, 1, "corpus.jsonl:2", 2),
    Case("malformed CSV rows", _csv_with_bad_rows, 1, "corpus.csv:3", 2),
    Case("CSV without the text column", _write("notext.csv", b"id,body\n1,hello\n"), 1, "no 'text' column"),
    Case("ids with ../, slashes and NUL", _nasty_ids, 0, "", 3),
    Case("HTML with scripts and styles", _write("page.html", (
        "<html><head><style>body{}</style><script>alert(1)</script></head><body><article><h1>Summit</h1><p>"
        + "Beijing and Moscow pledged closer coordination at the summit this week. " * 5 + "</p></article></body></html>").encode()), 0, "", 1),
    Case("unsupported file given explicitly", _write("data.xlsx", b"PK\x03\x04junk"), 1, "unsupported file type"),
    Case("front matter that is not YAML", _write("fm.md", b"---\ntitle: [oops\n---\nBody.\n"), 1, "fm.md:2"),
    Case("front matter that is a list", _write("fm2.md", b"---\n- a\n- b\n---\nBody.\n"), 1, "front matter must be a YAML mapping"),
]


def _run(args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(tmp_path, fixture_lexicons, case):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "good.txt").write_text(GOOD, encoding="utf-8")
    hostile = case.make(inputs)
    out = tmp_path / "out"
    result = _run(["score", inputs / "good.txt", hostile, "--out", out, "--lexicons", fixture_lexicons, "--no-classifiers"])
    assert "Traceback" not in result.output
    assert result.exit_code == case.exit_code, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith(("warning:", "error:"))]
    if case.message:
        assert any(case.message in w and hostile.name in w for w in warnings), result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["n_articles"] == 1 + case.scored_extra
    if case.exit_code == 1:
        assert all(hostile.name in s["source"] and s["reason"] for s in manifest["skipped"])
    rows = list(csv.DictReader(open(out / "scores.csv", encoding="utf-8")))
    assert "good" in {r["id"] for r in rows}
    # Nothing is ever written outside the output folder.
    assert {p.name for p in tmp_path.iterdir()} == {"in", "out"}
    outputs = {"scores.csv", "evidence.jsonl", "manifest.json", "articles.jsonl", ".framing-cache.sqlite", ".framing.lock"}
    assert {p.name for p in out.iterdir()} <= outputs


def test_invalid_utf8_warning_is_in_the_manifest(tmp_path, fixture_lexicons):
    (tmp_path / "latin1.txt").write_bytes("Title\nCafé talks.".encode("latin-1"))
    result = _run(["score", tmp_path / "latin1.txt", "--out", tmp_path / "o", "--lexicons", fixture_lexicons, "--no-classifiers"])
    assert result.exit_code == 0
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert any("latin1.txt:2" in w for w in manifest["warnings"])


def test_fifty_megabyte_article_is_bounded(tmp_path, fixture_lexicons):
    import resource
    import time

    big = _big_article(tmp_path)
    t0 = time.perf_counter()
    result = _run(["score", big, "--out", tmp_path / "o", "--lexicons", fixture_lexicons, "--no-classifiers"])
    elapsed = time.perf_counter() - t0
    assert result.exit_code == 0, result.output
    assert "huge.txt" in result.output and "limit" in result.output
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert manifest["n_articles"] == 1
    assert elapsed < 60  # generous: it takes a few seconds; unbounded would take minutes
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 2 * 2**20  # KiB: under 2 GiB


@pytest.mark.slow
def test_hundred_thousand_tiny_articles(tmp_path, fixture_lexicons):
    p = tmp_path / "tiny.jsonl"
    with open(p, "w", encoding="utf-8") as fh:
        for i in range(100_000):
            fh.write(json.dumps({"id": f"t{i}", "text": f"Article {i} on Beijing."}) + "\n")
    result = _run(["score", p, "--out", tmp_path / "o", "--lexicons", fixture_lexicons, "--no-classifiers", "--quiet"])
    assert result.exit_code == 0
    assert json.loads((tmp_path / "o" / "manifest.json").read_text())["n_articles"] == 100_000


LEXICON_CASES = [
    ("yaml syntax error", "dimension: x\ncategories:\n  a: {entries: [foo\n", "YAML syntax error"),
    ("wrong type", "dimension: x\ncategories:\n  a:\n    entries: {foo: bar}\n", "must be a list"),
    ("alias bomb", "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                   "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\ndimension: x\ncategories: {a: {entries: *e}}\n", "aliases"),
    ("not utf-8", b"dimension: x\n\xff\xfe: y\n", "not valid UTF-8"),
    ("bad weight", "dimension: x\ncategories:\n  a:\n    entries:\n      - foo: lots\n", "weight must be a number"),
]


@pytest.mark.parametrize("name, body, message", LEXICON_CASES, ids=[c[0] for c in LEXICON_CASES])
def test_hostile_lexicon(tmp_path, seeds_dir, name, body, message):
    lex = tmp_path / "lex"
    lex.mkdir()
    path = lex / "bad.yaml"
    path.write_bytes(body if isinstance(body, bytes) else body.encode())
    result = _run(["score", seeds_dir, "--out", tmp_path / "o", "--lexicons", lex, "--no-classifiers"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}") and message in lines[0], result.output


def test_enormous_wildcard_list_loads_and_scores_in_bounded_time(tmp_path, fixture_lexicons):
    import time

    lex = tmp_path / "lex"
    lex.mkdir()
    words = [f"{a}{b}{c}x*" for a in "abcdefghij" for b in "abcdefghijklmnopqrst" for c in "abcdefghijklmnopqrstuvwxyz"]
    (lex / "wild.yaml").write_text("dimension: wild\ncategories:\n  w:\n    entries:\n" + "".join(f"      - {w}\n" for w in words))
    (tmp_path / "a.txt").write_text("Title\n" + "abcxylophone " * 20000)
    t0 = time.perf_counter()
    result = _run(["score", tmp_path / "a.txt", "--out", tmp_path / "o", "--lexicons", fixture_lexicons, "--lexicons", lex, "--no-classifiers"])
    assert result.exit_code == 0, result.output
    assert time.perf_counter() - t0 < 60
    row = next(csv.DictReader(open(tmp_path / "o" / "scores.csv", encoding="utf-8")))
    assert float(row["wild.w"]) > 0


def test_unwritable_output_folder(tmp_path, seeds_dir):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = _run(["score", seeds_dir, "--out", blocker / "sub", "--no-classifiers"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(blocker / "sub") in lines[0]
