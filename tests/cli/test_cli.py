"""The command line end to end, as a user runs it."""
import csv
import json

from click.testing import CliRunner

from framing.cli import cli


def _run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_score_seeds_writes_all_outputs(tmp_path, seeds_dir):
    out = tmp_path / "out"
    result = _run("score", seeds_dir, "--out", out, "--no-classifiers", "--quiet")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(open(out / "scores.csv", encoding="utf-8")))
    assert sorted(r["id"] for r in rows) == sorted(p.stem for p in seeds_dir.glob("*.txt"))
    cols = rows[0].keys()
    for col in ("id", "title", "n_tokens", "n_sentences", "alliance.position", "alliance.ci_low", "alliance.ci_high",
                "alliance.label", "alliance.intensity", "alliance.threat", "alliance.hollow", "alliance.legitimate",
                "prescriptions.advocated", "ideology.label", "tone.compound", "tone.china", "tone.russia"):
        assert col in cols, col
    evidence = [json.loads(line) for line in open(out / "evidence.jsonl", encoding="utf-8")]
    assert evidence and {"article_id", "sentence", "start", "end", "negated", "quoted", "hedged"} <= evidence[0].keys()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["n_articles"] == 4 and manifest["skipped"] == []
    assert all(len(h) == 64 for h in manifest["lexicons"].values())
    assert manifest["versions"]["vaderSentiment"]


def test_compare_writes_an_escaped_report(tmp_path, seeds_dir):
    (tmp_path / "in").mkdir()
    hostile = tmp_path / "in" / "hostile.md"
    hostile.write_text("---\ntitle: <script>alert(1)</script>\noutlet: <b>x</b>\n---\nRussia and China <img src=x onerror=alert(1)> met.\n")
    out = tmp_path / "report"
    result = _run("compare", seeds_dir, tmp_path / "in", "--out", out, "--no-classifiers", "--quiet")
    assert result.exit_code == 0, result.output
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x onerror" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_unreadable_input_is_skipped_and_exit_code_is_1(tmp_path, seeds_dir):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["score", str(seeds_dir), str(bad), "--out", str(out), "--no-classifiers"])
    assert result.exit_code == 1
    assert f"warning: skipped {bad}" in result.output
    assert "Traceback" not in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["n_articles"] == 4 and manifest["skipped"][0]["source"] == str(bad)


def test_malformed_lexicon_stops_with_file_and_line(tmp_path, seeds_dir):
    lex = tmp_path / "lex"
    lex.mkdir()
    (lex / "alliance.yaml").write_text("dimension: alliance\ncategories:\n  threat:\n    entries:\n      - ok\n      - bad: [1, 2]\n")
    result = CliRunner().invoke(cli, ["score", str(seeds_dir), "--out", str(tmp_path / "o"), "--lexicons", str(lex)])
    assert result.exit_code == 2
    assert result.output.strip().startswith(f"error: {lex / 'alliance.yaml'}:6:")
    assert "Traceback" not in result.output


def test_duplicates_are_scored_once(tmp_path):
    (tmp_path / "a.txt").write_text("Same\nRussia and China met.")
    (tmp_path / "b.txt").write_text("Same\nRussia and China met.")
    out = tmp_path / "o"
    result = _run("score", tmp_path, "--out", out, "--no-classifiers", "--quiet")
    assert result.exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["n_articles"] == 1
    assert manifest["duplicates"][0]["duplicate_of"] == "a"


def test_python_api_returns_a_dataframe_and_evidence(seeds_dir):
    import framing

    table, evidence = framing.score([str(seeds_dir)], evidence=True, classifiers=False)
    assert len(table) == 4 and "alliance.position" in table.columns
    assert set(evidence["article_id"]) == set(table.index)


def test_python_module_entry_point(tmp_path, seeds_dir):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "framing", "--version"], capture_output=True, text=True, check=True)
    assert "framing" in proc.stdout
