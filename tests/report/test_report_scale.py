"""The report at the sizes users run (issue 18): 300 and 2,000 generated articles, with and
without --by. Every figure fits a browser window's width, labelled figures carry their labels,
off-topic articles are counted and left out of the comparisons, and the index loads in
Chromium without sideways scrolling. Slow (scoring 2,000 articles): run with -m slow."""
from __future__ import annotations

import base64
import io
import re
import time
from html.parser import HTMLParser

import pytest
from browser_helpers import chrome_driver

from framing.batch import run_batch
from framing.report.render import render_report
from report_corpus import write_corpus

pytestmark = pytest.mark.slow

BROWSER_WIDTH = 1280  # px: a laptop window; the page's main column is narrower
OUTLETS = tuple(f"Outlet {k:02d}" for k in range(12))


class _Figures(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[dict[str, str]] = []
        self.map_links: list[str] = []
        self._in_map = False

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag in ("img", "image"):
            self.images.append(a)
        if tag == "svg" and "map" in a.get("class", ""):
            self._in_map = True
        if tag == "a" and self._in_map:
            self.map_links.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "svg":
            self._in_map = False


def _png_size(src: str) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))) as im:
        return im.size


@pytest.fixture(scope="module", params=[(300, None), (2000, "outlet")], ids=["300", "2000-by-outlet"])
def scaled(request, tmp_path_factory, fixture_scorer):
    n, by = request.param
    base = tmp_path_factory.mktemp(f"scale{n}")
    corpus = write_corpus(base / "corpus.jsonl", n, seed=7, outlets=OUTLETS, off_topic=0.2)
    run_batch([corpus], base / "scores", scorer=fixture_scorer, cache=False)
    render_report(base / "scores", out_dir=base / "report", group_by=by)
    return n, by, base / "report"


def test_every_figure_fits_the_window_and_carries_its_labels(scaled):
    n, by, report = scaled
    raw = (report / "index.html").read_text(encoding="utf-8")
    page = _Figures()
    page.feed(raw)
    assert len(page.images) >= 6
    for img in page.images:
        src = img.get("src") or img.get("href")
        width, height = _png_size(src)
        assert width <= BROWSER_WIDTH - 100, (img.get("alt"), width)
        assert height <= 2000, (img.get("alt"), height)
    alts = [img.get("alt", "") for img in page.images if img.get("alt")]
    if by:  # the groups' figures and their clustered profiles name every group drawn
        labelled = [a for a in alts if "rows:" in a and "Outlet" in a]
        assert labelled and all(all(o in a for o in OUTLETS) for a in labelled)
        assert "group profiles by outlet" in raw and 'id="fig-map"' not in raw
    else:  # the article map: points linked to their pages, a legend, the axes explained
        assert 'id="fig-map"' in raw and page.map_links
        assert all((report / h).is_file() for h in page.map_links)
        assert "Further right:" in raw and "Further up:" in raw
        assert any("rows: threat" in a or "rows: hollow" in a for a in alts)  # summaries by label name their rows
    # off topic: counted, and never in a comparison
    import pandas as pd

    scores = pd.read_csv(report.parent / "scores" / "scores.csv", dtype={"id": str})  # duplicate texts are scored once
    found = re.search(r"<strong>(\d+) of the (\d+) articles are off topic</strong>", raw)
    assert found and int(found.group(2)) == len(scores) > 0.8 * n and 0 < int(found.group(1)) < n
    off = set(scores.loc[(scores["alliance.label"] == "absent") & (scores["alliance.intensity"] == 0), "id"])
    assert len(off) == int(found.group(1))
    pairs = (report / "pairs.html").read_text(encoding="utf-8")
    compared = set(re.findall(r'data-a="([^"]+)" data-b="([^"]+)"', pairs))
    assert compared and not {x for p in compared for x in p} & off
    assert (report / "index.html").stat().st_size < 1_000_000


@pytest.mark.browser
def test_index_loads_in_chromium_without_sideways_scrolling(scaled):
    report = scaled[2]
    for driver in chrome_driver(window=f"{BROWSER_WIDTH},900"):
        start = time.perf_counter()
        driver.get((report / "index.html").as_uri())
        elapsed = time.perf_counter() - start
        assert elapsed < 20, elapsed  # generous: a shared CI machine; typically well under 2 s
        assert driver.execute_script("return document.documentElement.scrollWidth") <= BROWSER_WIDTH
        widths = driver.execute_script("return Array.from(document.querySelectorAll('main img, main svg.map'))"
                                       ".map(e => e.getBoundingClientRect().right)")
        assert widths and max(widths) <= BROWSER_WIDTH
