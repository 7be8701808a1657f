"""docs/notebook.md runs: its ```python blocks, executed in order in one namespace in a fresh
folder holding a copy of the seeds, must run and leave the report they describe."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "notebook.md"


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", markdown, flags=re.S | re.M)


def test_the_notebook_page_runs_end_to_end_on_the_seeds(tmp_path, monkeypatch):
    blocks = python_blocks(PAGE.read_text(encoding="utf-8"))
    assert len(blocks) >= 10
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "notebook"}
    for k, block in enumerate(blocks, 1):
        exec(compile(block, f"{PAGE.name} block {k}", "exec"), namespace)
    assert (tmp_path / "report" / "index.html").is_file()
    assert len(namespace["scores"]) == len(namespace["df"]) > 20
    assert not namespace["comparison"].differences.empty  # the page shows real group differences
    assert namespace["hits"].total > 0
