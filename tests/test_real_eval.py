"""The real-text yardstick: its loader, the article-level figures, `framing evaluate --gold`
and `benchmarks/real_eval.py`, all on a tiny corpus written for these tests (no corpus text is
in the project; the real one lives in ../shared and is not needed here)."""
from __future__ import annotations

import gzip
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from framing.cli import cli
from framing.errors import InputError
from framing.evaluate_articles import article_figures, auc, coder_agreement, format_article_figures, parse_set, set_report
from framing.io.gold import read_gold
from framing.io.real_corpus import REAL_FILE_NAMES, RealCorpusError, load_real, real_records, span_digest

ROOT = Path(__file__).resolve().parent.parent

DEBATE = [
    {"id": "d0001", "title": "An axis in all but name", "outlet": "Hawk Weekly", "date": "2025-01-01", "complete": True,
     "text": "Russia, China, Iran and North Korea are increasingly acting in concert against the West.\n\nTheir coordination is a grave threat. Washington must raise defense spending to deter them."},
    {"id": "d0002", "title": "A marriage of convenience", "outlet": "Restraint Review", "date": "2025-02-01", "complete": True,
     "text": "The so-called axis is overstated. Beijing and Moscow remain a marriage of convenience with divergent interests.\n\nThe United States should pursue diplomacy with Moscow."},
    {"id": "d0003", "title": "Partners for peace", "outlet": "State Daily", "date": "2025-03-01", "complete": False,
     "text": "China-Russia relations are based on non-alliance and are not directed against any third party. The comprehensive strategic partnership serves a multipolar world."},
]
ABP = [{"id": "Xq1", "title": "Senate passes budget", "source": "Wire Service", "date": "2016-01-01", "bias": "center", "split": "test",
        "text": "The Senate passed a budget on Tuesday. Iran and China were not mentioned in the debate, officials said."}]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _span(text: str, piece: str) -> list:
    start = text.index(piece)
    return [start, start + len(piece), span_digest(piece)]


LABELS = {
    "debate:d0001": ("opinion", "threat", "conservative_hawk", ["military_deterrence"], [], "dev"),
    "debate:d0002": ("opinion", "hollow", "realist_restraint", ["diplomacy_engagement"], [], "dev"),
    "debate:d0003": ("state_media", "legitimate", "sovereigntist", [], [], "test"),
    "abp:Xq1": ("news", "absent", "neutral", [], [], "test"),
}


@pytest.fixture()
def yardstick(tmp_path):
    """A tiny yardstick: two corpora and the three record files, written as the project's are."""
    debate = tmp_path / "debate.jsonl"
    debate.write_text("".join(json.dumps({**a, "sha256": _sha256(a["text"])}) + "\n" for a in DEBATE), encoding="utf-8")
    abp = tmp_path / "abp.jsonl.gz"
    with gzip.open(abp, "wt", encoding="utf-8") as fh:
        for a in ABP:
            fh.write(json.dumps(a) + "\n")
    texts = {f"debate:{a['id']}": a["text"] for a in DEBATE} | {f"abp:{a['id']}": a["text"] for a in ABP}
    gold_dir = tmp_path / "real"
    gold_dir.mkdir()
    arts, sents, passages = [], [], []
    for aid, (reg, al, ideo, adv, rej, split) in LABELS.items():
        source, cid = aid.split(":")
        text = texts[aid]
        first = re.split(r"(?<=\.)\s", text)[0]
        coder_b_alliance = "mixed" if aid == "debate:d0002" else al
        arts.append({"id": aid, "source": source, "corpus_id": cid, "outlet": "x", "outlet_family": aid, "date": "", "complete": True,
                     "length": len(text), "sha256": _sha256(text), "sentence_coded": source == "debate", "register": reg,
                     "alliance": al, "ideology": ideo, "advocated": adv, "rejected": rej, "split": split,
                     "evidence": {"alliance": [_span(text, first)], "ideology": [], "prescriptions": {}},
                     "coder_a": {"register": reg, "alliance": al, "ideology": ideo, "advocated": adv, "rejected": rej},
                     "coder_b": {"register": reg, "alliance": coder_b_alliance, "ideology": ideo, "advocated": adv, "rejected": rej},
                     "adjudication": {"alliance": "the piece argues the axis is overstated"} if coder_b_alliance != al else {}})
        if source == "debate":
            piece = first
            sents.append({"article": aid, "index": 0, "start": text.index(piece), "end": text.index(piece) + len(piece), "sha1": span_digest(piece),
                          "passage": 1, "alliance": {"opinion": al, "state_media": "legitimate"}[reg] if al != "absent" else "none",
                          "prescriptions": [], "coder_a": {"alliance": al, "prescriptions": []}, "coder_b": {"alliance": al, "prescriptions": []}, "adjudication": {}})
            passages.append({"article": aid, "index": 0, "start": 0, "end": len(text), "sha1": span_digest(text), "n_sentences": 3,
                             "ideology": ideo, "coder_a": ideo, "coder_b": ideo, "adjudication": {}})
    for name, rows in (("articles", arts), ("sentences", sents), ("passages", passages)):
        (gold_dir / REAL_FILE_NAMES[name]).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return {"dir": gold_dir, "debate": debate, "abp": abp, "texts": texts}


def test_load_real_rebuilds_texts_and_spans_from_the_corpora(yardstick):
    data = load_real(directory=yardstick["dir"], debate_path=yardstick["debate"], abp_path=yardstick["abp"])
    assert [a["id"] for a in data["articles"]] == list(LABELS)
    assert data["articles"][0]["text"] == DEBATE[0]["text"]
    assert data["articles"][0]["title"] == DEBATE[0]["title"]
    assert data["sentences"][0]["text"] == "Russia, China, Iran and North Korea are increasingly acting in concert against the West."
    assert data["passages"][2]["text"] == DEBATE[2]["text"]


def test_load_real_names_a_missing_or_changed_corpus(yardstick, tmp_path):
    with pytest.raises(RealCorpusError, match=r"debate corpus not found; 3 yardstick article\(s\) point into it"):
        load_real(directory=yardstick["dir"], debate_path=tmp_path / "nope.jsonl", abp_path=yardstick["abp"])
    changed = tmp_path / "changed.jsonl"
    rows = [dict(a, text=a["text"].replace("grave", "great")) for a in DEBATE]
    changed.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(RealCorpusError, match="d0001 .*does not match its recorded SHA-256"):
        load_real(directory=yardstick["dir"], debate_path=changed, abp_path=yardstick["abp"])


def test_the_shipped_yardstick_holds_no_text():
    """Offsets, digests and labels only: no field of any record is an article's text."""
    try:
        arts = real_records("articles")
    except (RealCorpusError, FileNotFoundError):
        pytest.skip("no shipped yardstick")
    allowed = {"id", "source", "corpus_id", "outlet", "outlet_family", "date", "complete", "length", "sha256", "sentence_coded", "register",
               "alliance", "ideology", "advocated", "rejected", "split", "round", "evidence", "coder_a", "coder_b", "adjudication"}
    for rec in arts:
        assert set(rec) <= allowed, set(rec) - allowed
    for name in ("sentences", "passages"):
        for rec in real_records(name):
            assert "text" not in rec
            assert {"article", "start", "end", "sha1"} <= set(rec)
    assert len({a["outlet_family"] for a in arts if a["split"] == "dev"} & {a["outlet_family"] for a in arts if a["split"] == "test"}) == 0


def test_auc_and_set_report_by_hand():
    assert auc([0.9, 0.4], [0.1, 0.4]) == pytest.approx((1 + 1 + 1 + 0.5) / 4)
    assert auc([], [0.1]) is None
    rep = set_report([frozenset({"a", "b"}), frozenset()], [frozenset({"a"}), frozenset({"c"})], categories=("a", "b", "c"))
    # tp 1 (a), fp 1 (c), fn 1 (b): precision 0.5, recall 0.5
    assert (rep["micro_precision"], rep["micro_recall"], rep["micro_f1"]) == (0.5, 0.5, 0.5)
    assert rep["exact_match"] == 0.0
    assert set_report([frozenset()], [frozenset()])["micro_f1"] == 1.0
    assert parse_set("a; b") == frozenset({"a", "b"}) and parse_set(None) == frozenset() and parse_set("nan") == frozenset()


def test_article_figures_compare_every_variant_and_group():
    gold = [
        {"id": "1", "alliance": "threat", "ideology": "conservative_hawk", "advocated": frozenset({"military_deterrence"}), "rejected": frozenset(), "register": "opinion"},
        {"id": "2", "alliance": "hollow", "ideology": "realist_restraint", "advocated": frozenset(), "rejected": frozenset({"military_deterrence"}), "register": "opinion"},
        {"id": "3", "alliance": "absent", "ideology": "neutral", "advocated": frozenset(), "rejected": frozenset(), "register": "news"},
        {"id": "4", "alliance": "threat", "ideology": "neutral", "register": "news"},
    ]
    rows = {
        "1": {"alliance.label": "threat", "alliance.position": 0.8, "alliance.label_lexicon": "mixed", "alliance.position_lexicon": 0.1,
              "ideology.label": "conservative_hawk", "prescriptions.advocated": "military_deterrence", "prescriptions.rejected": None},
        "2": {"alliance.label": "threat", "alliance.position": 0.2, "alliance.label_lexicon": "hollow", "alliance.position_lexicon": -0.5,
              "ideology.label": "conservative_hawk", "prescriptions.advocated": None, "prescriptions.rejected": "military_deterrence;sanctions_economic_pressure"},
        "3": {"alliance.label": "absent", "alliance.position": 0.0, "alliance.label_lexicon": "absent", "alliance.position_lexicon": 0.0,
              "ideology.label": "neutral", "prescriptions.advocated": None, "prescriptions.rejected": None},
    }
    res = article_figures(gold, rows, groups=("register",))
    assert res["n_scored"] == 3 and res["not_scored"] == ["4"]
    al = res["dimensions"]["alliance"]
    assert al["variants"]["main"]["accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert al["variants"]["lexicon"]["accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert "classifier" not in al["variants"]
    assert al["auc_threat_vs_hollow"] == {"main": 1.0, "lexicon": 1.0}
    assert res["dimensions"]["ideology"]["variants"]["main"]["accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    rej = res["dimensions"]["prescriptions.rejected"]["variants"]["main"]
    assert (rej["micro_precision"], rej["micro_recall"]) == (0.5, 1.0)
    assert res["groups"]["register=news"]["n"] == 1
    assert res["groups"]["register=news"]["dimensions"]["alliance"]["variants"]["main"]["accuracy"] == 1.0
    text = format_article_figures(res)
    assert "alliance.label (3 articles)" in text and "prescriptions.rejected" in text and "register=opinion" in text


def test_coder_agreement_puts_the_second_coder_in_the_tools_place():
    first = [{"id": "1", "alliance": "threat", "advocated": frozenset({"a"})}, {"id": "2", "alliance": "hollow", "advocated": frozenset()}]
    second = [{"id": "1", "alliance": "threat", "advocated": frozenset({"a"})}, {"id": "2", "alliance": "mixed", "advocated": frozenset()}]
    res = coder_agreement(first, second)
    assert res["dimensions"]["alliance"]["variants"]["main"]["accuracy"] == 0.5
    assert res["dimensions"]["prescriptions.advocated"]["variants"]["main"]["micro_f1"] == 1.0


def test_read_gold_accepts_csv_and_jsonl_and_names_bad_lines(tmp_path):
    csv_path = tmp_path / "gold.csv"
    csv_path.write_text("id,alliance,advocated,rejected,note,my_frame\na1,threat,military_deterrence;alliance_building,,x,conflict\na2,absent,,,,\n", encoding="utf-8")
    rows = read_gold(csv_path)
    assert rows[0]["advocated"] == frozenset({"military_deterrence", "alliance_building"})
    assert rows[0]["rejected"] == frozenset() and rows[0]["my_frame"] == "conflict" and "note" not in rows[0]
    assert "my_frame" not in rows[1]
    jl = tmp_path / "gold.jsonl"
    jl.write_text('{"id": "a1", "advocated": ["x"]}\n{"id": "a1"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"gold.jsonl:2: article 'a1' is coded twice"):
        read_gold(jl)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a1"}\n{oops\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.jsonl:2: not valid JSON"):
        read_gold(bad)


def test_framing_evaluate_gold_on_a_score_run(tmp_path, yardstick):
    """A researcher's own check: score a folder, code some articles, compare; --coder2 adds the ceiling."""
    corpus = tmp_path / "articles"
    corpus.mkdir()
    for a in DEBATE:
        (corpus / f"{a['id']}.txt").write_text(a["text"], encoding="utf-8")
    runner = CliRunner()
    scored = runner.invoke(cli, ["score", str(corpus), "--out", str(tmp_path / "out"), "-q", "--no-cache"])
    assert scored.exit_code == 0, scored.output
    gold = tmp_path / "gold.csv"
    gold.write_text("id,alliance,ideology,advocated,rejected,register\nd0001,threat,conservative_hawk,military_deterrence,,opinion\n"
                    "d0002,hollow,realist_restraint,diplomacy_engagement,,opinion\nd0003,legitimate,sovereigntist,,,state_media\nnot-scored,absent,neutral,,,news\n", encoding="utf-8")
    coder2 = tmp_path / "coder2.csv"
    coder2.write_text("id,alliance,ideology,advocated,rejected\nd0001,threat,conservative_hawk,military_deterrence,\nd0002,mixed,realist_restraint,diplomacy_engagement,\nd0003,legitimate,sovereigntist,,\n", encoding="utf-8")
    out_json = tmp_path / "eval.json"
    res = runner.invoke(cli, ["evaluate", "--gold", str(gold), str(tmp_path / "out"), "--coder2", str(coder2), "--json", str(out_json)])
    assert res.exit_code == 0, res.output
    assert "articles: 3 scored of 4 coded (1 not in the scores table" in res.output
    assert "humans" in res.output and "AUC threat/hollow" in res.output and "register=state_media" in res.output
    saved = json.loads(out_json.read_text())
    assert saved["coders"]["dimensions"]["alliance"]["variants"]["main"]["accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    tool_al = saved["tool"]["dimensions"]["alliance"]["variants"]
    assert set(tool_al) >= {"main", "lexicon"}
    # every figure is recomputed from the table: the main accuracy is what scores.csv says
    import csv

    with open(tmp_path / "out" / "scores.csv", newline="", encoding="utf-8") as fh:
        labels = {r["id"]: r["alliance.label"] for r in csv.DictReader(fh)}
    expected = sum(labels[i] == g for i, g in (("d0001", "threat"), ("d0002", "hollow"), ("d0003", "legitimate"))) / 3
    assert tool_al["main"]["accuracy"] == pytest.approx(expected, abs=1e-4)
    # usage errors are one line
    res = runner.invoke(cli, ["evaluate", "--gold", str(gold)])
    assert res.exit_code == 2 and "--gold needs SCORES_DIR" in res.output
    res = runner.invoke(cli, ["evaluate", "--gold", str(gold), str(tmp_path)])
    assert res.exit_code == 2 and "no scores.csv" in res.output


def test_real_eval_script_runs_on_the_tiny_yardstick(yardstick, tmp_path):
    out_json = tmp_path / "real.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "real_eval.py"), "--gold-dir", str(yardstick["dir"]), "--debate", str(yardstick["debate"]),
         "--abp", str(yardstick["abp"]), "--json", str(out_json)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "ARTICLE LEVEL, dev split (2 articles" in proc.stdout and "ARTICLE LEVEL, test split (2 articles" in proc.stdout
    assert "SENTENCE LEVEL" in proc.stdout
    res = json.loads(out_json.read_text())
    assert res["dev"]["humans"]["dimensions"]["alliance"]["variants"]["main"]["accuracy"] == 0.5
    assert res["coder_alpha"]["article.ideology"]["alpha"] == 1.0
    assert res["sentence_level"]["dev"]["n_sentences"] == 2


def test_a_dev_run_computes_no_test_figure(yardstick, tmp_path):
    out_json = tmp_path / "real.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "real_eval.py"), "--split", "dev", "--gold-dir", str(yardstick["dir"]), "--debate", str(yardstick["debate"]),
         "--abp", str(yardstick["abp"]), "--json", str(out_json)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    res = json.loads(out_json.read_text())
    assert "test" not in res and set(res["sentence_level"]) == {"dev"}
    assert "[test]" not in proc.stdout and "test split" not in proc.stdout


def test_real_eval_script_says_what_is_missing_without_the_corpora(yardstick, tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "real_eval.py"), "--gold-dir", str(yardstick["dir"]), "--debate", str(tmp_path / "absent.jsonl"),
         "--abp", str(yardstick["abp"])],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert "debate corpus not found" in proc.stderr and "Traceback" not in proc.stderr
