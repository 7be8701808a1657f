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


# A baseline of the experiments' `dev` figures (`feature_experiment.flat`'s names), for the
# tests of their adoption rules.
EXPERIMENT_BASELINE = {"alliance.label accuracy": 0.79, "alliance.label macro_f1": 0.60, "alliance.position auc": 0.91, "alliance.sentence macro_f1": 0.55,
                       "ideology.label accuracy": 0.68, "ideology.label macro_f1": 0.52, "prescriptions.advocated micro_f1": 0.29, "prescriptions.rejected micro_f1": 0.45}
