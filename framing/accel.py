"""Which code runs the hot loops: the compiled accelerator or the pure-Python reference.

The accelerator is optional: C extension modules built from `framing/_accel/*.c` by `pip install`
where a compiler is present (see `setup.py`). Each is a drop-in for pure-Python functions that
stay in the package as its reference, and tests/test_accel*.py check that both give the same
results. This module is the one place that decides which is active, once per process:

- `FRAMING_PURE_PYTHON=1` in the environment forces the pure-Python code;
- otherwise the compiled modules are used when every one of them imports, else none is (so a
  half-built install never mixes the two).

`describe()` is the line `framing --version` prints and `manifest.json` records. Importing this
module imports nothing else of framing and no third-party library.
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType

__all__ = ["ENV_PURE_PYTHON", "MODULES", "Accelerator", "active", "compiled", "describe"]

ENV_PURE_PYTHON = "FRAMING_PURE_PYTHON"

# One name per C source in framing/_accel/ (setup.py lists the same; tests/test_accel.py checks).
MODULES = ("tokens", "matcher", "punkt", "vader", "ngrams", "records", "cleanup")


@dataclass(frozen=True)
class Accelerator:
    """The path this process runs: `modules` maps each accelerated concern to its compiled module
    (empty on the pure-Python path), `reason` says why the pure path runs."""

    modules: dict[str, ModuleType]
    reason: str = ""

    @property
    def is_compiled(self) -> bool:
        return bool(self.modules)


def _load(env: str | None) -> Accelerator:
    if env not in (None, "", "0"):
        return Accelerator({}, f"{ENV_PURE_PYTHON}={env}")
    loaded: dict[str, ModuleType] = {}
    for name in MODULES:
        try:
            loaded[name] = importlib.import_module(f"framing._accel.{name}")
        except ImportError as exc:
            return Accelerator({}, f"the compiled accelerator is not built or does not load: {exc}")
    return Accelerator(loaded)


@lru_cache(maxsize=1)
def active() -> Accelerator:
    """The path of this process, decided on first call from the environment and what imports."""
    return _load(os.environ.get(ENV_PURE_PYTHON))


def compiled(name: str) -> ModuleType | None:
    """The compiled module for `name` (one of MODULES), or None on the pure-Python path."""
    return active().modules.get(name)


def describe() -> str:
    """One line: which path is active, and why when it is the pure-Python one."""
    acc = active()
    if acc.is_compiled:
        return f"compiled ({', '.join(acc.modules)})"
    return f"pure Python ({acc.reason})"
