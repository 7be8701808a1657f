"""Lexicons: the YAML format, layering, checks and the compiled matcher, and the tools.

The tools behind `framing lexicon ...` are plain functions returning data, here for Python:
`validate`, `show`, `kwic`, `suggest` and `diff` (in `tools`). Their machinery lives in its own
modules, imported on demand so scoring never pays for them: `validate`, `inspect` (show, kwic),
`suggest`, `accept` (accepted suggestions added to a user lexicon file), `diff`, `formats`
(import/export) and `corpus` (streaming a corpus through the compiled lexicons). Each result's
`format_*` function, beside it, gives the command's text.
"""
from .._shadowing import prefer_functions_to_submodules
from .build import KINDS, build_lexicons, entry_key, lexicon_hashes, load_lexicons, parse_entry
from .matcher import PhraseMatcher
from .tools import diff, kwic, show, suggest, validate

__all__ = ["KINDS", "build_lexicons", "entry_key", "lexicon_hashes", "load_lexicons", "parse_entry", "PhraseMatcher",
           "validate", "show", "kwic", "suggest", "diff"]

# `validate`, `suggest` and `diff` are also submodules; importing them keeps these functions.
prefer_functions_to_submodules(__name__, ("validate", "suggest", "diff"))
