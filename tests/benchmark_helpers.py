"""Importing a script of benchmarks/ as a module, afresh for each test."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def benchmark_module(monkeypatch, name: str) -> ModuleType:
    """`benchmarks/<name>.py`, imported anew (a test may patch its globals), with benchmarks/ on
    sys.path for the test's duration."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    sys.modules.pop(name, None)
    return importlib.import_module(name)
