"""`framing annotate`: the unit queue, the labels file, the web app and (marked `browser`) the
real server driven by headless Chromium."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from browser_helpers import chrome_driver
from click.testing import CliRunner

from framing.annotate.queue import Unit, build_units, classifier_uncertainty, find_lexicon, label_options, order_units
from framing.annotate.store import LabelStore, skips_path
from framing.errors import ConfigError
from framing.io.annotations import read_annotations
from framing.io.readers import iter_articles
from framing.lexicon.build import load_lexicons

HOSTILE = "<script>alert(1)</script>"

ARTICLES = [
    {"id": "a1", "title": "Axis of upheaval", "text": (
        "China and Russia are forging a dangerous axis that threatens the West.\n"
        "Their coordinated military drills show a growing bloc.\n"
        "But the partnership is shallow and transactional, analysts say.\n"
        "Iran and North Korea supply weapons to Russia.")},
    {"id": "a2", "title": HOSTILE, "text": (
        f"Some readers wrote {HOSTILE} in the comments.\n"
        "The alliance between Moscow and Beijing is a marriage of convenience.\n"
        "Beijing wants cheap energy; Moscow needs buyers.\n"
        "Washington should strengthen deterrence in the Pacific.")},
    {"id": "a3", "title": "Trade", "text": (
        "Russia and China signed trade deals worth billions.\n"
        "The weather in Shanghai was mild.\n"
        "North Korea tested another missile on Tuesday.\n"
        "Tehran denied sending drones to Russia.")},
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("annotate") / "corpus.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for a in ARTICLES:
            fh.write(json.dumps(a) + "\n")
    return path


@pytest.fixture(scope="module")
def lexicons():
    return load_lexicons([])


@pytest.fixture(scope="module")
def alliance(lexicons):
    return find_lexicon("alliance", lexicons)


@pytest.fixture(scope="module")
def units(corpus, alliance):
    return build_units(iter_articles([corpus], on_skip=lambda s: None), alliance)


def _fake_units(n: int) -> list[Unit]:
    return [Unit(id=f"d{i // 4}:{i}", text=f"sentence {i}", group=f"d{i // 4}", lexicon_label="none") for i in range(n)]


# --- queue --------------------------------------------------------------------------------------


def test_units_ids_groups_context_marks(units):
    assert len(units) == 12
    first = units[0]
    assert first.id == "a1:0" and first.group == "a1"
    assert first.context[first.unit_start:first.unit_end] == first.text
    assert units[1].id == f"a1:{ARTICLES[0]['text'].index('Their')}"
    assert any(u.marks for u in units)
    for u in units:
        for a, b, cat in u.marks:
            assert 0 <= a < b <= len(u.context) and cat


def test_label_sets(lexicons):
    assert [o.value for o in label_options(find_lexicon("alliance", lexicons))] == ["threat", "hollow", "legitimate", "none"]
    presc = [o.value for o in label_options(find_lexicon("prescriptions", lexicons))]
    assert presc[:3] == ["military_deterrence:advocate", "military_deterrence:reject", "military_deterrence:describe"]
    assert presc[-1] == "none" and len(presc) == 3 * 7 + 1
    assert "none" not in [o.value for o in label_options(find_lexicon("ideology", lexicons))]
    assert all(o.definition for o in label_options(find_lexicon("alliance", lexicons)))


def test_a_user_defined_dimension_is_annotated_with_its_own_categories(corpus):
    """A dimension a user adds in a lexicon file: its categories (plus `none`) are the labels,
    sentences are the units, and the order falls back to the lexicon when no model exists."""
    layer = Path(__file__).resolve().parents[1] / "fixtures" / "lexicon_tools" / "climate"
    climate = find_lexicon("climate_policy", load_lexicons([layer]))
    options = [o.value for o in label_options(climate)]
    assert options[:2] == ["mitigation", "adaptation"] and options[-1] == "none"
    units = build_units(iter_articles([corpus], on_skip=lambda s: None), climate)
    assert units and all(u.group and u.id.startswith(u.group + ":") for u in units)
    ordered = order_units(units, sample="active", seed=1, uncertainty=classifier_uncertainty(units, climate))
    assert sorted(u.id for u in ordered) == sorted(u.id for u in units)


def test_unknown_dimension_names_the_known_ones(lexicons):
    with pytest.raises(ConfigError, match="known dimensions: alliance, prescriptions, ideology"):
        find_lexicon("actors", lexicons)


def test_passages_for_stances(corpus, lexicons):
    passages = build_units(iter_articles([corpus], on_skip=lambda s: None), find_lexicon("ideology", lexicons))
    assert [u.id for u in passages] == ["a1:0", "a2:0", "a3:0"]  # four sentences: one passage each


def test_random_order_is_seeded(units):
    a = [u.id for u in order_units(units, sample="random", seed=3)]
    b = [u.id for u in order_units(units, sample="random", seed=3)]
    c = [u.id for u in order_units(units, sample="random", seed=4)]
    assert a == b and sorted(a) == sorted(u.id for u in units) and a != c


def test_active_order_uncertain_first_with_random_interleaved():
    units = _fake_units(40)
    # unit i: top probability (i + 1) / 100, classifier agrees with the lexicon except for d9:37
    unc = {u.id: ((i + 1) / 100, "none") for i, u in enumerate(units)}
    unc["d9:37"] = (0.99, "threat")
    order = [u.id for u in order_units(units, sample="active", seed=0, uncertainty=unc)]
    assert sorted(order) == sorted(u.id for u in units)
    assert order == [u.id for u in order_units(units, sample="active", seed=0, uncertainty=unc)]
    ranked = [o for k, o in enumerate(order) if (k + 1) % 5 != 0]
    assert ranked[0] == "d9:37"  # the disagreement first
    assert ranked[1:5] == ["d0:0", "d0:1", "d0:2", "d0:3"]  # then the least certain
    # places 5, 10, ... hold random units: not all of them the next-ranked ones
    randoms = [order[k] for k in range(4, 40, 5)]
    assert randoms != ["d0:4", "d1:5", "d1:6", "d1:7", "d2:8", "d2:9", "d2:10", "d2:11"]


def test_active_order_with_the_shipped_classifier(units, alliance):
    unc = classifier_uncertainty(units, alliance)
    assert unc is not None and set(unc) == {u.id for u in units}
    assert all(0 < p <= 1 for p, _ in unc.values())
    order = order_units(units, sample="active", uncertainty=unc)
    assert sorted(u.id for u in order) == sorted(u.id for u in units)


def test_like_order_comes_first_exactly(units):
    like = [units[7].id, units[2].id, units[10].id]
    for sample in ("random", "active"):
        order = [u.id for u in order_units(units, sample=sample, seed=1, like=like)]
        assert order[:3] == like and sorted(order) == sorted(u.id for u in units)
    with pytest.raises(ConfigError, match="not in this corpus"):
        order_units(units, like=["zzz:0"])


# --- store --------------------------------------------------------------------------------------


def test_store_append_resume_undo(tmp_path):
    out = tmp_path / "labels.jsonl"
    s = LabelStore(out, dimension="alliance", annotator="ab")
    s.label("a:0", "one", "a", "threat")
    s.skip("a:5", "two", "a")
    s.label("b:0", "three", "b", "hollow", hard_case=True)
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [(r["id"], r["label"], r["hard_case"]) for r in lines] == [("a:0", "threat", None), ("b:0", "hollow", "flagged")]
    assert set(lines[0]) == {"id", "text", "label", "group", "annotator", "dimension", "hard_case", "time"}
    skips = [json.loads(x) for x in skips_path(out).read_text().splitlines()]
    assert skips[0]["id"] == "a:5" and skips[0]["skipped"] is True and "label" not in skips[0]

    again = LabelStore(out, dimension="alliance", annotator="ab")  # resume
    assert again.decided == {"a:0", "a:5", "b:0"}
    assert again.undo()["id"] == "b:0"
    assert again.undo()["id"] == "a:5"  # undo walks back through skips too
    assert again.decided == {"a:0"}
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == ["a:0"]
    assert skips_path(out).read_text().strip() == ""
    assert [r["label"] for r in read_annotations(out)] == ["threat"]
    assert not list(tmp_path.glob(".*.tmp"))
    with pytest.raises(ConfigError, match="dimension 'alliance'"):
        LabelStore(out, dimension="ideology", annotator="ab")
    with pytest.raises(ConfigError, match=".jsonl"):
        LabelStore(tmp_path / "labels.csv", dimension="alliance", annotator="ab")


def test_trainable_by_framing_train(tmp_path, units):
    from framing.cli import cli

    out = tmp_path / "labels.jsonl"
    s = LabelStore(out, dimension="alliance", annotator="ab")
    labels = ["threat", "hollow", "none"]
    for i, u in enumerate(units):
        s.label(u.id, u.text, u.group, labels[i % 3])
    s.skip("x:0", "skipped", "x")
    s.undo()
    rows = read_annotations(out)
    assert len(rows) == len(units) and {r["group"] for r in rows} == {"a1", "a2", "a3"}
    result = CliRunner().invoke(cli, ["train", "--annotations", str(out), "--dimension", "alliance", "--no-cv", "--out", str(tmp_path / "model"), "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "model" / "alliance.json").is_file()


# --- server -------------------------------------------------------------------------------------


@pytest.fixture()
def client(tmp_path, units, alliance):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's notice about httpx versions
        from starlette.testclient import TestClient

    from framing.annotate.server import Session, create_app

    session = Session(order_units(units, sample="random", seed=0), LabelStore(tmp_path / "l.jsonl", dimension="alliance", annotator="t"), alliance)
    app = create_app(session, token="tok", csrf="csrf-value")
    with TestClient(app) as c:
        c.session = session
        c.out = tmp_path / "l.jsonl"
        yield c


def test_token_required(client):
    assert client.get("/").status_code == 403
    assert client.get("/next").status_code == 403
    assert client.get("/?token=wrong").status_code == 403
    page = client.get("/?token=tok")
    assert page.status_code == 200 and "framing_annotate_token" in page.headers["set-cookie"]
    assert "HttpOnly" in page.headers["set-cookie"] and "SameSite=Strict" in page.headers["set-cookie"]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert client.get("/next").status_code == 200  # the cookie from here on
    assert client.get("/static/annotate.js").status_code == 200
    assert client.get("/static/../server.py").status_code in (403, 404)


def test_post_needs_csrf_header(client):
    client.get("/?token=tok")
    unit = client.get("/next").json()["unit"]
    r = client.post("/label", json={"id": unit["id"], "label": "threat"})
    assert r.status_code == 403
    r = client.post("/label", json={"id": unit["id"], "label": "threat"}, headers={"X-CSRF-Token": "other"})
    assert r.status_code == 403
    assert not client.out.exists()
    r = client.post("/label", json={"id": unit["id"], "label": "threat"}, headers={"X-CSRF-Token": "csrf-value"})
    assert r.status_code == 200 and r.json()["progress"]["done"] == 1 and r.json()["unit"]["id"] != unit["id"]
    bad = client.post("/label", json={"id": r.json()["unit"]["id"], "label": "nonsense"}, headers={"X-CSRF-Token": "csrf-value"})
    assert bad.status_code == 400
    again = client.post("/label", json={"id": unit["id"], "label": "hollow"}, headers={"X-CSRF-Token": "csrf-value"})
    assert again.status_code == 409
    undone = client.post("/undo", headers={"X-CSRF-Token": "csrf-value"}).json()
    assert undone["undone"]["id"] == unit["id"] and undone["unit"]["id"] == unit["id"]
    assert client.out.read_text() == ""


def test_keys_of_the_labels(tmp_path, lexicons):
    from framing.annotate.server import Session

    def keys(dim):
        session = Session([], LabelStore(tmp_path / f"{dim}.jsonl", dimension=dim, annotator="t"), find_lexicon(dim, lexicons))
        return {x["value"]: x["key"] for x in session.page_data("c")["labels"]}

    assert keys("alliance") == {"threat": "1", "hollow": "2", "legitimate": "3", "none": "4"}
    presc = keys("prescriptions")
    assert presc["military_deterrence:advocate"] == "1" and presc["none"] == "0"
    assert sorted(k for k in presc.values() if k) == [str(i) for i in range(10)]


def test_hostile_text_is_escaped(client):
    # show the hostile article's first unit first
    s = client.session
    hostile = s.by_id["a2:0"]
    s.units.remove(hostile)
    s.units.insert(0, hostile)
    page = client.get("/?token=tok").text
    assert HOSTILE in hostile.title and HOSTILE in hostile.text
    assert "<script>alert" not in page
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in page
    assert page.count("<script") == 2  # the JSON data element and the script file, nothing else
    nxt = client.get("/next")
    assert nxt.headers["content-type"].startswith("application/json") and nxt.headers["x-content-type-options"] == "nosniff"


def test_cli_errors_are_one_line(tmp_path, corpus):
    from framing.cli import cli

    r = CliRunner().invoke(cli, ["annotate", "nosuch", "--corpus", str(corpus), "--out", str(tmp_path / "o.jsonl"), "--no-browser"])
    assert r.exit_code == 2 and r.output.strip().count("\n") == 0
    assert "known dimensions: alliance, prescriptions, ideology" in r.output
    r = CliRunner().invoke(cli, ["annotate", "alliance", "--corpus", str(corpus), "--out", str(tmp_path / "o.csv"), "--no-browser"])
    assert r.exit_code == 2 and ".jsonl" in r.output and "Traceback" not in r.output


def test_without_the_extra_says_how_to_install(tmp_path, corpus, monkeypatch):
    from framing.cli import cli

    monkeypatch.setitem(sys.modules, "starlette", None)  # as if not installed
    r = CliRunner().invoke(cli, ["annotate", "alliance", "--corpus", str(corpus), "--out", str(tmp_path / "o.jsonl"), "--no-browser"])
    assert r.exit_code == 2 and "pip install 'framing[annotate]'" in r.output and r.output.strip().count("\n") == 0


# --- the real server in a browser ---------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    yield from chrome_driver(window="1280,1200")


class _Server:
    def __init__(self, corpus: Path, out: Path) -> None:
        cmd = [sys.executable, "-m", "framing", "annotate", "alliance", "--corpus", str(corpus), "--out", str(out),
               "--no-browser", "--sample", "random", "--annotator", "tester"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:") and "?token=" in self.url, self.proc.stderr.read()

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


@pytest.mark.browser
def test_browser_label_undo_skip_reload_restart(browser, corpus, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    out = tmp_path / "labels.jsonl"
    wait = WebDriverWait(browser, 10)

    def unit_id() -> str:
        return browser.find_element(By.ID, "unit-box").get_attribute("data-unit")

    def changes(before: str) -> str:
        wait.until(lambda d: unit_id() != before)
        return unit_id()

    def key(k: str) -> None:
        browser.find_element(By.TAG_NAME, "body").send_keys(k)

    server = _Server(corpus, out)
    try:
        browser.get(server.url)
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
        assert "token" not in browser.current_url  # the cookie carries it after the first load
        u1 = unit_id()
        assert browser.find_element(By.CSS_SELECTOR, "#context .unit").text
        browser.find_element(By.CSS_SELECTOR, "button[data-info='hollow']").click()
        assert "hollow" in browser.find_element(By.ID, "definition").text
        browser.find_element(By.CSS_SELECTOR, "button[data-label='threat']").click()  # by click
        u2 = changes(u1)
        key("2")  # hollow, by key
        u3 = changes(u2)
        key("u")  # undo: u2 comes back
        assert changes(u3) == u2
        key("s")  # skip u2
        u3 = changes(u2)
        key("f")
        key("3")  # legitimate, flagged
        u4 = changes(u3)
        browser.refresh()
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
        assert unit_id() == u4
        assert browser.find_element(By.ID, "unit-box").get_attribute("data-done") == "3"
        assert "done 3 / remaining 9" in browser.find_element(By.ID, "progress").text
    finally:
        server.stop()
    server = _Server(corpus, out)  # restart: resumes from the file
    try:
        browser.get(server.url)
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
        assert unit_id() == u4
        key("1")
        changes(u4)
    finally:
        server.stop()
    rows = read_annotations(out)
    assert [(r["id"], r["label"], r["hard_case"]) for r in rows] == [(u1, "threat", None), (u3, "legitimate", "flagged"), (u4, "threat", None)]
    assert all(r["annotator"] == "tester" and r["dimension"] == "alliance" for r in rows)
    assert [json.loads(x)["id"] for x in skips_path(out).read_text().splitlines()] == [u2]
