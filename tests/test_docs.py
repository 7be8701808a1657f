"""The documentation: a short README whose quickstart is CI's, a screenshot regenerated with the
report, every page in the site's navigation, the CLI reference generated from the commands."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ("pip install . && framing compare seeds/ --out reports/seeds", "pip install -e '.[test]' && pytest")


def test_readme_is_short_and_its_quickstart_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode("utf-8")) < 10_000
    for command in QUICKSTART:
        assert command in readme
    assert QUICKSTART[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "docs/img/seed-report.png" in readme and (ROOT / "docs" / "img" / "seed-report.png").is_file()


def test_screenshot_is_regenerated_when_the_report_changes():
    spec = importlib.util.spec_from_file_location("screenshot", ROOT / "docs" / "screenshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    recorded = (ROOT / "docs" / "img" / "seed-report.sha256").read_text(encoding="utf-8").strip()
    assert recorded == module.report_digest(), "the report changed: run `python docs/screenshot.py` to refresh the README's screenshot"


def _nav_files(nav):
    for item in nav:
        for value in item.values():
            if isinstance(value, list):
                yield from _nav_files(value)
            else:
                yield value


def test_every_page_is_in_the_navigation_and_every_nav_entry_exists():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = set(_nav_files(config["nav"]))
    pages = {p.name for p in (ROOT / "docs").glob("*.md")}
    assert listed == pages


def test_cli_reference_is_generated_not_copied():
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert "::: mkdocs-click" in text and ":module: framing.cli" in text
    assert not re.search(r"^Usage: framing", text, flags=re.M)
