"""The `framing` command line: thin click wrappers over plain functions that return data.

One module per command group (spaCy style): `score.py` (score, compare, report), `lexicon.py`,
`train.py`, `annotate.py`; what they share (the `cli` group, `handle_errors`, options, printers)
is in `common.py`. Importing this package imports the command modules, which registers them.

Exit codes: 0 every input scored; 1 some inputs skipped (listed in manifest.json); 2 usage or
configuration error (bad option, malformed lexicon, unwritable output folder).
"""
from __future__ import annotations

from . import annotate, lexicon, score, train  # noqa: F401  (each registers its commands on `cli`)
from .common import cli, handle_errors

__all__ = ["main", "cli", "handle_errors"]


def main() -> None:
    cli(prog_name="framing")
