"""`framing train` / `framing evaluate`, the metrics behind them, and reading annotations."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from framing.cli import cli
from framing.errors import InputError
from framing.evaluate import classification_report, krippendorff_alpha_nominal
from framing.io.annotations import read_annotations

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TINY = FIXTURES / "annotations" / "alliance_tiny.jsonl"
TRAIN_CSV = FIXTURES / "annotations" / "alliance_train.csv"
LEXICONS = FIXTURES / "lexicons"


# --- metrics ---------------------------------------------------------------------------------


def test_alpha_matches_krippendorffs_worked_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 coders, 12 units,
    # missing values; nominal alpha = 0.743.
    A = [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None]
    B = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3]
    C = [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None]
    D = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]
    assert krippendorff_alpha_nominal(A, B, C, D) == pytest.approx(0.743, abs=5e-4)


def test_alpha_by_hand_and_edge_cases():
    # 4 units, 1 disagreement: n = 8, o(a,b) = o(b,a) = 1, n_a = 3, n_b = 5:
    # alpha = 1 - 7 * 2 / (2 * 3 * 5) = 0.5333
    assert krippendorff_alpha_nominal(["a", "a", "b", "b"], ["a", "b", "b", "b"]) == pytest.approx(0.5333, abs=1e-4)
    assert krippendorff_alpha_nominal(["x", "y"], ["x", "y"]) == 1.0
    assert krippendorff_alpha_nominal(["x", "x"], ["x", "x"]) is None  # no variation: undefined
    with pytest.raises(ValueError):
        krippendorff_alpha_nominal(["x"], ["x", "y"])


def test_alpha_agrees_with_the_krippendorff_package():
    krippendorff = pytest.importorskip("krippendorff")
    a = [0, 1, 2, 2, 1, 0, 3, 3, 1, 0]
    b = [0, 1, 2, 1, 1, 0, 3, 2, 1, 1]
    ref = krippendorff.alpha(reliability_data=[a, b], level_of_measurement="nominal")
    assert krippendorff_alpha_nominal(a, b) == pytest.approx(ref, abs=1e-4)


def test_classification_report_by_hand():
    rep = classification_report(["a", "a", "b", "c"], ["a", "b", "b", "b"], labels=["a", "b", "c"])
    assert rep["per_class"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert rep["per_class"]["b"] == {"precision": 0.3333, "recall": 1.0, "f1": 0.5, "support": 1}
    assert rep["per_class"]["c"]["f1"] == 0.0
    assert rep["macro_f1"] == pytest.approx((0.6667 + 0.5 + 0.0) / 3, abs=1e-4)
    assert rep["accuracy"] == 0.5
    assert rep["confusion"]["matrix"] == [[1, 1, 0], [0, 1, 0], [0, 1, 0]]


# --- reading annotations -----------------------------------------------------------------------


def test_read_annotations_csv_and_jsonl():
    csv_rows = read_annotations(TRAIN_CSV)
    assert len(csv_rows) == 36 and csv_rows[0]["group"] == "g1" and csv_rows[0]["label"] == "threat"
    jsonl_rows = read_annotations(TINY)
    assert [r["label"] for r in jsonl_rows][:2] == ["threat", "hollow"] and jsonl_rows[0]["register"] == "oped"


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("bad.jsonl", '{"text": "a", "label": "x"}\n{"text": "b"\n', "bad.jsonl:2: not valid JSON"),
        ("nolabel.jsonl", '{"text": "a", "label": "x"}\n{"text": "b", "label": ""}\n', "nolabel.jsonl:2: missing or empty `label`"),
        ("nocol.csv", "text,group\nhello,g1\n", "nocol.csv:1: CSV header lacks column(s): label"),
        ("empty.csv", "text,label\n", "empty.csv: no annotated records"),
        ("notes.txt", "text\n", "must be .jsonl or .csv"),
    ],
)
def test_read_annotations_errors_name_file_and_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_annotations(path)
    assert message in str(err.value)


# --- the commands ------------------------------------------------------------------------------


def _evaluate(*extra: str):
    return CliRunner().invoke(
        cli, ["evaluate", "--annotations", str(TINY), "--dimension", "alliance", "--lexicons", str(LEXICONS), "--no-shipped-lexicons", "--folds", "2", *extra]
    )


def test_evaluate_reports_known_metrics_on_a_tiny_fixture(tmp_path):
    out_json = tmp_path / "eval.json"
    result = _evaluate("--json", str(out_json))
    assert result.exit_code == 0, result.output
    # By hand (see tests/fixtures/annotations/alliance_tiny.jsonl and the fixture lexicon):
    # lexicon labels threat, hollow, hollow, legitimate, none, threat, none, threat;
    # 6 of 8 agree; per-class F1 hollow 1, legitimate 2/3, none 1/2, threat 4/5;
    # alpha: n = 16, 4 off-diagonal coincidences, sum n_c n_k = 256 - 66 = 190 -> 1 - 15*4/190.
    assert "lexicon: macro-F1 0.742   accuracy 0.750   Krippendorff's alpha (human vs lexicon) 0.684" in result.output
    assert "confusion (rows: human, columns: lexicon)" in result.output
    data = json.loads(out_json.read_text())
    lex = data["lexicon"]
    assert lex["per_class"]["legitimate"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert lex["per_class"]["threat"] == {"precision": 0.6667, "recall": 1.0, "f1": 0.8, "support": 2}
    assert lex["confusion"] == {"labels": ["hollow", "legitimate", "none", "threat"], "matrix": [[2, 0, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1], [0, 0, 0, 2]]}
    assert lex["alpha"] == pytest.approx(1 - 15 * 4 / 190, abs=1e-4)
    assert data["subsets"]["hard_case=attributed"]["n"] == 2
    assert {"classifier", "baseline"} <= set(data)
    assert data["classifier_source"] == "grouped 2-fold cross-validation"
    # cross-validated classifier figures are deterministic
    again = tmp_path / "again.json"
    assert _evaluate("--json", str(again)).exit_code == 0
    assert json.loads(again.read_text())["classifier"] == data["classifier"]


def test_train_writes_a_model_that_evaluate_and_the_scorer_can_use(tmp_path):
    runner = CliRunner()
    args = ["train", "--annotations", str(TRAIN_CSV), "--dimension", "alliance", "--lexicons", str(LEXICONS), "--no-shipped-lexicons", "--folds", "3", "--out"]
    result = runner.invoke(cli, args + [str(tmp_path / "m1")])
    assert result.exit_code == 0, result.output
    assert "grouped 3-fold cross-validation on 36 units" in result.output
    names = sorted(p.name for p in (tmp_path / "m1").iterdir())
    assert names == ["alliance.evaluation.json", "alliance.json", "alliance.npz"]
    assert runner.invoke(cli, args + [str(tmp_path / "m2")]).exit_code == 0
    for name in names:  # one command, same bytes
        assert (tmp_path / "m1" / name).read_bytes() == (tmp_path / "m2" / name).read_bytes()

    held_out = runner.invoke(cli, ["evaluate", "--annotations", str(TINY), "--model", str(tmp_path / "m1" / "alliance"), "--lexicons", str(LEXICONS), "--no-shipped-lexicons"])
    assert held_out.exit_code == 0, held_out.output
    assert "classifier: model" in held_out.output and "dimension: alliance" in held_out.output

    from framing.scoring.classifiers import default_classifier_scorers

    (extra,) = default_classifier_scorers(model_dir=tmp_path / "m1")
    assert set(extra.models) == {"alliance"}


def test_evaluate_refuses_a_tampered_model_in_one_line(tmp_path):
    runner = CliRunner()
    args = ["train", "--annotations", str(TRAIN_CSV), "--dimension", "alliance", "--lexicons", str(LEXICONS), "--no-shipped-lexicons", "--no-cv", "-q", "--out", str(tmp_path)]
    assert runner.invoke(cli, args).exit_code == 0
    npz = tmp_path / "alliance.npz"
    data = bytearray(npz.read_bytes())
    data[-100] ^= 0x01
    npz.write_bytes(bytes(data))
    result = runner.invoke(cli, ["evaluate", "--annotations", str(TINY), "--model", str(tmp_path / "alliance")])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "alliance.npz" in lines[0] and "Traceback" not in result.output


def test_cli_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a", "label": "threat"}\nnot json\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["evaluate", "--annotations", str(bad), "--dimension", "alliance"])
    assert result.exit_code == 2 and "bad.jsonl:2: not valid JSON" in result.output and "Traceback" not in result.output
    unknown = tmp_path / "mystery.jsonl"
    unknown.write_text('{"text": "a", "label": "x", "group": "g"}\n{"text": "b", "label": "y", "group": "h"}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["evaluate", "--annotations", str(unknown)])
    assert result.exit_code == 2 and "give --dimension" in result.output
