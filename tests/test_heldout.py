"""The held-out sets of real news sentences: the loader (on a tiny synthetic corpus) and the
well-formedness of the shipped reference files. Only the `slow` test needs the real corpus."""
from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import pytest

from framing.errors import FramingError
from framing.heldout import HELDOUT_LABELS, HELDOUT_SETS, HeldoutError, attach_text, default_corpus_path, heldout_records, load_heldout

ARTICLES = [
    {"id": "a1", "title": "t", "split": "test", "text": "Moscow and Beijing held drills. Analysts called it symbolic."},
    {"id": "a2", "title": "t", "split": "valid", "text": "Iran said nothing. Tehran and Pyongyang traded missiles."},
]


def _write_corpus(path: Path, articles: list[dict]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "other", "text": "unrelated"}) + "\n")
        for a in articles:
            fh.write(json.dumps(a) + "\n")
    return path


def _record(article: dict, sentence: str, label: str) -> dict:
    start = article["text"].index(sentence)
    return {
        "id": f"abp:{article['id']}:{start}", "article_id": article["id"], "start": start, "end": start + len(sentence),
        "sha1": hashlib.sha1(sentence.encode("utf-8")).hexdigest(), "label": label,
    }


def test_attach_text_rebuilds_sentences_from_offsets(tmp_path):
    corpus = _write_corpus(tmp_path / "c.jsonl.gz", ARTICLES)
    records = [_record(ARTICLES[0], "Analysts called it symbolic.", "hollow"), _record(ARTICLES[1], "Tehran and Pyongyang traded missiles.", "none")]
    rows = attach_text(records, corpus_path=corpus)
    assert [r["text"] for r in rows] == ["Analysts called it symbolic.", "Tehran and Pyongyang traded missiles."]
    assert [r["label"] for r in rows] == ["hollow", "none"]
    assert "text" not in records[0]  # the stored records are not mutated


def test_changed_corpus_is_refused(tmp_path):
    records = [_record(ARTICLES[0], "Analysts called it symbolic.", "hollow")]
    changed = [dict(ARTICLES[0], text="Moscow and Beijing held drills! Analysts called it symbolic.")]
    changed[0]["text"] = changed[0]["text"].replace("symbolic", "historic")
    corpus = _write_corpus(tmp_path / "c.jsonl.gz", changed)
    with pytest.raises(HeldoutError, match="SHA-1"):
        attach_text(records, corpus_path=corpus)


def test_missing_article_and_missing_corpus_are_clear_errors(tmp_path):
    corpus = _write_corpus(tmp_path / "c.jsonl.gz", ARTICLES[:1])
    records = [_record(ARTICLES[1], "Iran said nothing.", "none")]
    with pytest.raises(HeldoutError, match="not in the corpus"):
        attach_text(records, corpus_path=corpus)
    with pytest.raises(FramingError, match="corpus not found"):
        load_heldout("news_alliance", corpus_path=tmp_path / "absent.jsonl.gz")


def test_env_var_sets_the_default_corpus_path(tmp_path, monkeypatch):
    monkeypatch.setenv("FRAMING_ABP", str(tmp_path / "x.jsonl.gz"))
    assert default_corpus_path() == tmp_path / "x.jsonl.gz"


def test_unknown_set_name():
    with pytest.raises(HeldoutError, match="unknown held-out set"):
        heldout_records("nope")


@pytest.mark.parametrize("name", HELDOUT_SETS)
def test_shipped_records_are_well_formed_and_store_no_text(name):
    records = heldout_records(name)
    assert len(records) >= 250
    seen = set()
    for rec in records:
        assert rec["label"] in HELDOUT_LABELS[name], rec
        assert isinstance(rec["start"], int) and isinstance(rec["end"], int) and 0 <= rec["start"] < rec["end"], rec
        assert re.fullmatch(r"[0-9a-f]{40}", rec["sha1"]), rec
        assert rec["split"] in {"train", "valid", "test"}
        assert "text" not in rec
        assert rec["id"] not in seen
        seen.add(rec["id"])


def test_alliance_set_has_every_frame():
    counts = {lab: 0 for lab in HELDOUT_LABELS["news_alliance"]}
    for rec in heldout_records("news_alliance"):
        counts[rec["label"]] += 1
    assert all(counts[lab] > 0 for lab in ("threat", "hollow", "legitimate", "none"))


@pytest.mark.slow
@pytest.mark.parametrize("name", HELDOUT_SETS)
def test_real_corpus_matches_every_record(name):
    if not default_corpus_path().is_file():
        pytest.skip("ABP corpus not present")
    rows = load_heldout(name)
    assert len(rows) == len(heldout_records(name))
    assert all(r["text"].strip() for r in rows)
