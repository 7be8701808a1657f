"""The report on real news, as docs/report.md shows it: `python docs/news_screenshots.py`.

Picks 300 ABP articles (../shared/corpora/abp, never committed) that name at least two of China,
Russia, North Korea and Iran, runs `framing compare --by source` and `framing report` without
--by, opens both in headless Chromium 1280 pixels wide and saves three sections as small PNGs in
docs/img/ (report-news-groups.png, report-news-keyness.png, report-news-map.png). Needs selenium,
chromium and chromedriver.
"""
from __future__ import annotations

import gzip
import io
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ABP = ROOT.parent / "shared" / "corpora" / "abp" / "articles.jsonl.gz"
IMG = ROOT / "docs" / "img"
STATES = [r"\b(China|Chinese|Beijing)\b", r"\b(Russia|Russian|Moscow|Kremlin)\b", r"\b(North Korea|North Korean|Pyongyang)\b",
          r"\b(Iran|Iranian|Tehran)\b"]


def select(path: Path, n: int = 300) -> None:
    patterns = [re.compile(p) for p in STATES]
    rows = []
    with gzip.open(ABP, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if sum(1 for p in patterns if p.search(rec["text"])) >= 2:
                rows.append(line)
    random.Random(0).shuffle(rows)
    path.write_text("".join(rows[:n]), encoding="utf-8")


def shoot(index: Path, shots: dict[str, tuple[str, int]]) -> None:
    """Screenshot each element id (at most `height` pixels of it) into docs/img/NAME."""
    from PIL import Image
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    options = Options()
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1280,1000"):
        options.add_argument(arg)
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"
    driver = webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver")), options=options)
    try:
        driver.get(index.as_uri())
        for name, (element_id, height) in shots.items():
            element = driver.find_element(By.ID, element_id)
            driver.execute_script("arguments[0].scrollIntoView()", element)
            driver.execute_script("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
            png = Image.open(io.BytesIO(element.screenshot_as_png))
            png = png.crop((0, 0, png.width, min(png.height, height))).convert("RGB")
            png.quantize(colors=256).save(IMG / name, optimize=True)
            print(f"wrote docs/img/{name} ({(IMG / name).stat().st_size // 1000} KB)")
    finally:
        driver.quit()


def main() -> int:
    if not ABP.exists():
        print(f"error: {ABP} not found", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "abp300.jsonl"
        select(corpus)
        framing = [sys.executable, "-m", "framing"]
        subprocess.run([*framing, "compare", str(corpus), "--by", "source", "--out", f"{tmp}/by-source", "-q", "--no-cache"], check=True)
        subprocess.run([*framing, "report", f"{tmp}/by-source", "--out", f"{tmp}/no-by"], check=True, capture_output=True)
        shoot(Path(tmp) / "by-source" / "index.html", {"report-news-groups.png": ("sec-similarity", 1100),
                                                       "report-news-keyness.png": ("sec-keyness", 900)})
        shoot(Path(tmp) / "no-by" / "index.html", {"report-news-map.png": ("sec-similarity", 1000)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
