"""`framing agreement`: two coders of the same units, alpha per dimension and label, confusion,
and the disagreements for adjudication."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from framing.agreement import agreement, disagreements
from framing.cli import cli

A = ["threat", "threat", "hollow", "none", "none", "legitimate", "none", "hollow"]
B = ["threat", "hollow", "hollow", "none", "none", "legitimate", "threat", "hollow"]


def _write(path, labels, annotator, extra=()):
    rows = [{"id": f"art{i // 3}:{i}", "text": f"Sentence {i}.", "label": lab, "group": f"art{i // 3}", "annotator": annotator, "dimension": "alliance"}
            for i, lab in enumerate(labels)]
    rows += list(extra)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return rows


def test_alpha_matches_the_krippendorff_package_and_the_confusion_is_counted():
    krippendorff = pytest.importorskip("krippendorff")
    a = [{"id": str(i), "text": "t", "label": lab, "dimension": "alliance"} for i, lab in enumerate(A)]
    b = [{"id": str(i), "text": "t", "label": lab, "dimension": "alliance"} for i, lab in enumerate(B)]
    res = agreement(a, b)["dimensions"]["alliance"]
    codes = {lab: k for k, lab in enumerate(sorted(set(A) | set(B)))}
    expected = krippendorff.alpha(reliability_data=[[codes[x] for x in A], [codes[x] for x in B]], level_of_measurement="nominal")
    assert res["alpha"] == pytest.approx(expected, abs=1e-4)
    assert res["n"] == 8 and res["agreement"] == 0.75
    labels, matrix = res["confusion"]["labels"], res["confusion"]["matrix"]
    assert matrix[labels.index("threat")][labels.index("hollow")] == 1 and matrix[labels.index("none")][labels.index("threat")] == 1
    assert res["per_label"]["legitimate"]["alpha"] == 1.0
    d = disagreements(a, b)
    assert [(x["label_first"], x["label_second"]) for x in d] == [("threat", "hollow"), ("none", "threat")]


def test_framing_agreement_on_two_annotate_files(tmp_path):
    first = tmp_path / "coder_a.jsonl"
    second = tmp_path / "coder_b.jsonl"
    _write(first, A, "a")
    _write(second, B, "b", extra=[{"id": "only-b", "text": "x", "label": "none", "dimension": "alliance"}])
    out_json = tmp_path / "agreement.json"
    res = CliRunner().invoke(cli, ["agreement", str(first), str(second), "--json", str(out_json)])
    assert res.exit_code == 0, res.output
    assert "alliance: 8 units coded by both; agreement 0.750" in res.output
    assert "units coded by one coder only: 0 (coder_a.jsonl), 1 (coder_b.jsonl)" in res.output
    rows = [json.loads(line) for line in (tmp_path / "coder_a.disagreements.jsonl").read_text().splitlines()]
    assert len(rows) == 2 and rows[0]["label"] is None and rows[0]["annotator_second"] == "b"
    assert json.loads(out_json.read_text())["dimensions"]["alliance"]["n"] == 8


def test_framing_agreement_needs_unit_ids(tmp_path):
    first = tmp_path / "a.jsonl"
    first.write_text('{"text": "t", "label": "none"}\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["agreement", str(first), str(first)])
    assert res.exit_code == 2 and "a.jsonl:1: a record has no `id`" in res.output
