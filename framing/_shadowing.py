"""Functions that share their name with a submodule: `framing.compare` (the function) beside
`framing/compare/` (the package), `framing.lexicon.diff` beside `framing/lexicon/diff.py`.

Importing a submodule sets it as an attribute of its package, which would replace the function
of the same name the first time the submodule loads. The package's module class refuses that
one assignment; the submodule stays importable by its dotted name (`from framing.compare import
holm`), as `sys.modules` holds it.
"""
from __future__ import annotations

import sys
import types
from typing import Any, Iterable

__all__ = ["prefer_functions_to_submodules"]


class _FunctionsFirst(types.ModuleType):
    _function_names: frozenset[str] = frozenset()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._function_names and isinstance(value, types.ModuleType) and name in self.__dict__:
            return  # the import system announcing the submodule: the function keeps the name
        super().__setattr__(name, value)


def prefer_functions_to_submodules(package: str, names: Iterable[str]) -> None:
    """Keep `package.<name>` the function for each of `names` when the submodule is imported."""
    module = sys.modules[package]
    cls = type(f"_FunctionsFirst_{package.replace('.', '_')}", (_FunctionsFirst,), {"_function_names": frozenset(names)})
    module.__class__ = cls
