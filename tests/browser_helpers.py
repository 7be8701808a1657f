"""Headless Chromium for the browser tests (the report, the annotation page)."""
from __future__ import annotations

import os
import shutil
import tempfile
from typing import Iterator

import pytest


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}: install the Debian packages chromium and chromium-driver")
    pytest.skip(reason)


def chrome_driver(*, window: str, browser_logs: bool = False) -> Iterator[object]:
    """A selenium driver of headless Chromium, for a fixture to yield; skipped when Chromium or
    chromedriver is missing, except on CI (CI=true), where that fails."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (pip install -e '.[test]')")
    chrome = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    driver_path = shutil.which("chromedriver")
    if chrome is None or driver_path is None:
        _unavailable("headless Chromium or chromedriver not found")
    profile = tempfile.mkdtemp(prefix="framing-chrome-")
    options = Options()
    for arg in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", f"--window-size={window}", f"--user-data-dir={profile}"]:
        options.add_argument(arg)
    options.binary_location = chrome
    if browser_logs:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # an explicit driver path: Selenium Manager would otherwise try to download one
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
