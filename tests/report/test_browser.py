"""The report in a real browser: headless Chromium opens it from disk (file://), runs its scripts
under the page's Content-Security-Policy, and shows the figures and the evidence behind links.

Skipped when Chromium or chromedriver is missing, except on CI (CI=true), where that fails.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_helpers import chrome_driver

from framing.batch import run_batch
from framing.report.render import render_report
from report_corpus import write_corpus, write_hostile

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def browser():
    yield from chrome_driver(window="1280,1600", browser_logs=True)


@pytest.fixture(scope="module")
def report(tmp_path_factory, fixture_scorer, seeds_dir) -> Path:
    base = tmp_path_factory.mktemp("browser")
    corpus = write_corpus(base / "corpus.jsonl", 6, seed=4)
    hostile = write_hostile(base / "hostile.jsonl")
    run_batch([seeds_dir, corpus, hostile], base / "scores", scorer=fixture_scorer, cache=False)
    render_report(base / "scores", out_dir=base / "report", group_by="outlet")
    return base / "report"


def _problems(driver) -> list[dict]:
    """Console errors and warnings (CSP violations, failed loads, script errors) and alert dialogs."""
    logs = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    return logs


def test_index_loads_cleanly_with_figures_and_working_scripts(browser, report, tmp_path):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get((report / "index.html").as_uri())
    assert browser.title.startswith("How ")
    assert not _problems(browser)
    images = browser.find_elements(By.TAG_NAME, "img")
    assert len(images) >= 6
    # Lazy images start loading only while near the viewport, and load and decode
    # asynchronously: scroll to each and wait for it there before moving on (scrolling on at
    # once can leave a busy machine's browser with a deferred image that never starts). A broken
    # image never becomes complete with a width: it times out and fails below.
    def ready(image) -> bool:
        return bool(browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", image))

    for img in images:
        browser.execute_script("arguments[0].scrollIntoView()", img)
        try:
            WebDriverWait(browser, 20, poll_frequency=0.1).until(lambda _d, image=img: ready(image))
        except TimeoutException:
            pass
    browser.execute_script("window.scrollTo(0, 0)")
    loaded = browser.execute_script("return Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
    assert all(loaded), loaded
    # the sorting script runs under the page's CSP: sort the table by a numeric column
    table = browser.find_element(By.ID, "summary")
    header = table.find_elements(By.CSS_SELECTOR, "thead th")[-1]
    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    values = [float(td.get_attribute("data-sort")) for td in table.find_elements(By.CSS_SELECTOR, "tbody tr td:last-child")
              if td.get_attribute("data-sort")]
    assert values == sorted(values)
    # the filter box shows only with JavaScript on, and hides rows
    box = browser.find_element(By.CSS_SELECTOR, "input.filter[data-table=summary]")
    assert box.is_displayed()
    box.send_keys("seed-that-matches-nothing")
    assert not [r for r in table.find_elements(By.CSS_SELECTOR, "tbody tr") if r.is_displayed()]
    # the hostile title is text, not a script: no alert was raised
    assert browser.execute_script("return document.querySelectorAll('script').length") == 1
    shot = tmp_path / "index.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    assert not _problems(browser)


def test_links_to_evidence_resolve_in_the_browser(browser, report, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get((report / "index.html").as_uri())
    hrefs = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#summary a")]
    targets: dict[str, set[str]] = {}
    for href in hrefs:
        parts = urlsplit(href)
        assert parts.scheme == "file", href
        targets.setdefault(parts._replace(fragment="").geturl(), set()).add(parts.fragment)
    assert len(targets) >= 8
    for page, fragments in targets.items():
        browser.get(page)
        assert not _problems(browser), page
        missing = browser.execute_script(
            "return arguments[0].filter(id => id && !document.getElementById(id))", sorted(fragments))
        assert missing == [], (page, missing)
    # follow one evidence link as a reader would: the target is on screen and highlighted
    browser.get((report / "index.html").as_uri())
    link = browser.find_element(By.CSS_SELECTOR, "#summary a[href*='#ev-alliance-']")
    fragment = urlsplit(link.get_attribute("href")).fragment
    browser.execute_script("arguments[0].click()", link)
    assert browser.execute_script("return location.hash") == f"#{fragment}"
    assert browser.execute_script("return document.getElementById(arguments[0]).getBoundingClientRect().top < innerHeight", fragment)
    # an article page: highlights present, the highlight toggles work, sentence links resolve
    assert browser.find_elements(By.CSS_SELECTOR, "#text-body mark.hl")
    toggle = browser.find_element(By.CSS_SELECTOR, ".toggles input[data-kind=poles]")
    browser.execute_script("arguments[0].click()", toggle)
    assert "off-poles" in browser.find_element(By.ID, "text-body").get_attribute("class")
    bad = browser.execute_script(
        "return Array.from(document.querySelectorAll('a[href^=\"#\"]')).map(a => a.hash.slice(1))"
        ".filter(id => id && !document.getElementById(decodeURIComponent(id)))")
    assert bad == []
    browser.save_screenshot(str(tmp_path / "article.png"))
    assert not _problems(browser)


def test_pairs_page_picker(browser, report):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get((report / "pairs.html").as_uri())
    assert not _problems(browser)
    pairs = browser.find_elements(By.CSS_SELECTOR, ".pair")
    assert len(pairs) > 10
    first = pairs[0]
    a, b = first.get_attribute("data-a"), first.get_attribute("data-b")
    Select(browser.find_element(By.ID, "pick-a")).select_by_value(a)
    Select(browser.find_element(By.ID, "pick-b")).select_by_value(b)
    shown = [p for p in browser.find_elements(By.CSS_SELECTOR, ".pair") if p.is_displayed()]
    assert len(shown) == 1 and shown[0].get_attribute("data-a") == a
    assert not _problems(browser)
