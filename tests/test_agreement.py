"""`framing agreement`: two coders of the same units, alpha per dimension and label, confusion,
and the disagreements for adjudication."""
from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest
from browser_helpers import chrome_driver
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


def _adjudication_client(tmp_path, settled):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's notice about httpx versions
        from starlette.testclient import TestClient

    from framing.annotate.server import AdjudicationSession, create_app
    from framing.io.annotations import read_annotations
    from framing.lexicon.build import load_lexicons

    a, b = read_annotations(tmp_path / "coder_a.jsonl"), read_annotations(tmp_path / "coder_b.jsonl")
    session = AdjudicationSession(a, b, settled, lexicons=load_lexicons([]))
    return TestClient(create_app(session, token="tok", csrf="csrf-value")), session


def test_adjudicate_two_disputes_in_the_annotate_app_and_resume(tmp_path):
    from framing.io.annotations import read_annotations

    _write(tmp_path / "coder_a.jsonl", A, "a")
    _write(tmp_path / "coder_b.jsonl", B, "b")
    settled = tmp_path / "coder_a.settled.jsonl"
    csrf = {"X-CSRF-Token": "csrf-value"}
    client, session = _adjudication_client(tmp_path, settled)
    with client as c:
        assert c.get("/next").status_code == 403  # token required
        page = c.get("/?token=tok")
        assert page.status_code == 200 and "framing adjudicate: alliance" in page.text and 'id="reason"' in page.text
        state = c.get("/next").json()
        unit = state["unit"]
        assert unit["id"] == "art0:1" and unit["context"] == unit["text"] == "Sentence 1."
        assert sorted(unit["codings"]) == ["hollow", "threat"]
        assert [x["value"] for x in unit["labels"]] == ["threat", "hollow", "legitimate", "none"]
        assert state["progress"] == {"done": 0, "remaining": 2, "total": 2, "counts": {}}
        assert len(read_annotations(settled)) == 6  # the agreed units, written at start
        body = {"id": unit["id"], "label": "hollow", "reason": "the sentence doubts the bloc"}
        assert c.post("/label", json=body).status_code == 403  # CSRF required
        assert c.post("/label", json=dict(body, reason="  "), headers=csrf).status_code == 400  # reason required
        assert c.post("/label", json=dict(body, label="nonsense"), headers=csrf).status_code == 400
        assert c.post("/skip", json={"id": unit["id"]}, headers=csrf).status_code == 400
        r = c.post("/label", json=body, headers=csrf)
        assert r.status_code == 200 and r.json()["unit"]["id"] == "art2:6" and r.json()["progress"]["done"] == 1
        assert c.post("/label", json=body, headers=csrf).status_code == 409
    # the same codings in the same order per unit, every time (a fixed seed)
    assert [u["codings"] for u in _adjudication_client(tmp_path, tmp_path / "other.jsonl")[1].units] == [u["codings"] for u in session.units]
    client, session = _adjudication_client(tmp_path, settled)  # restart: resumes at the undecided dispute
    with client as c:
        unit = c.get("/next?token=tok").json()["unit"]
        assert unit["id"] == "art2:6"
        r = c.post("/label", json={"id": unit["id"], "label": "none", "reason": "no alliance here"}, headers=csrf)
        assert r.status_code == 200 and r.json()["unit"] is None and r.json()["progress"]["counts"] == {"hollow": 1, "none": 1}
    rows = read_annotations(settled)
    assert [(r["id"], r["label"]) for r in rows] == [(f"art{i // 3}:{i}", lab) for i, lab in enumerate(["threat", "hollow", "hollow", "none", "none", "legitimate", "none", "hollow"])]
    adjudicated = [r for r in rows if r.get("adjudicated")]
    assert [(r["id"], r["reason"], r["label_first"], r["label_second"]) for r in adjudicated] == [
        ("art0:1", "the sentence doubts the bloc", "threat", "hollow"), ("art2:6", "no alliance here", "none", "threat")]
    assert all(r["dimension"] == "alliance" and r["group"] == r["id"].split(":")[0] for r in rows)
    assert not list(tmp_path.glob(".*.tmp"))


def test_adjudicate_cli_with_nothing_left_to_settle(tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    _write(first, A, "a")
    _write(second, A, "b")
    res = CliRunner().invoke(cli, ["agreement", str(first), str(second), "--adjudicate", "--no-browser"])
    assert res.exit_code == 0, res.output
    assert "all 0 disagreement(s) settled" in res.output
    assert len((tmp_path / "a.settled.jsonl").read_text().splitlines()) == 8
    res = CliRunner().invoke(cli, ["agreement", str(first), str(second), "--adjudicate", "--no-browser", "--settled", str(second)])
    assert res.exit_code == 2 and "is one of the two codings" in res.output


@pytest.fixture(scope="module")
def browser():
    yield from chrome_driver(window="1280,1200")


def _start_adjudication(first, second):
    proc = subprocess.Popen([sys.executable, "-m", "framing", "agreement", str(first), str(second), "--adjudicate", "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:") and "?token=" in url, proc.stderr.read()
    return proc, url


def _stop(proc):
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()
    proc.stderr.close()


@pytest.mark.browser
def test_browser_adjudicate_keys_reason_restart(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    from framing.io.annotations import read_annotations

    first, second = tmp_path / "coder_a.jsonl", tmp_path / "coder_b.jsonl"
    _write(first, A, "a")
    _write(second, B, "b")
    wait = WebDriverWait(browser, 10)

    def unit_id() -> str:
        return browser.find_element(By.ID, "unit-box").get_attribute("data-unit")

    def load(url) -> None:
        browser.get(url)
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")

    proc, url = _start_adjudication(first, second)
    try:
        load(url)
        assert unit_id() == "art0:1"
        codings = browser.find_element(By.ID, "codings").text
        assert "coding 1: " in codings and "coding 2: " in codings and "threat" in codings and "hollow" in codings
        browser.find_element(By.TAG_NAME, "body").send_keys("2")  # hollow selected; no reason yet: the box gets the focus
        reason = browser.find_element(By.ID, "reason")
        assert "reason" in browser.find_element(By.ID, "message").text
        assert browser.switch_to.active_element == reason and unit_id() == "art0:1"
        reason.send_keys("doubts the bloc 2x", Keys.ENTER)  # digits are typed, Enter settles
        wait.until(lambda d: unit_id() == "art2:6")
    finally:
        _stop(proc)
    proc, url = _start_adjudication(first, second)  # restart: resumes at the second dispute
    try:
        load(url)
        assert unit_id() == "art2:6"
        browser.find_element(By.ID, "reason").send_keys("no alliance here", Keys.ESCAPE)
        browser.find_element(By.TAG_NAME, "body").send_keys("4")  # none, settled at once: the reason is written
        wait.until(lambda d: unit_id() == "")
        assert "All disputes are settled" in browser.find_element(By.ID, "context").text
    finally:
        _stop(proc)
    rows = [r for r in read_annotations(tmp_path / "coder_a.settled.jsonl") if r.get("adjudicated")]
    assert [(r["id"], r["label"], r["reason"]) for r in rows] == [("art0:1", "hollow", "doubts the bloc 2x"), ("art2:6", "none", "no alliance here")]
