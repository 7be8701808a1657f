"""framing: measure and compare how articles frame a story, with traceable lexicons and classifiers.

    >>> import framing
    >>> scores = framing.score(df)                              # a DataFrame, texts, or paths
    >>> comparison = framing.compare(scores, by="outlet")       # the comparison as DataFrames
    >>> framing.report(scores, out="report/", by="outlet")      # the HTML report
    >>> run = framing.load("out/")                              # a `framing score` run

Importing framing is light: pandas and the models load when a function first needs them.
"""
from __future__ import annotations

import importlib
from typing import Any

from ._shadowing import prefer_functions_to_submodules
from ._version import __version__
from .api import compare, load, report, score

__all__ = ["__version__", "score", "compare", "report", "load", "lexicon"]

# `framing.compare` and `framing.report` are also submodules; importing them must not replace
# the functions of the same names.
prefer_functions_to_submodules(__name__, ("compare", "report"))


def __getattr__(name: str) -> Any:
    """`framing.lexicon` (the lexicon tools) on first use, so `import framing` stays light."""
    if name == "lexicon":
        return importlib.import_module(".lexicon", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
