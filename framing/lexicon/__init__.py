"""Lexicons: the YAML format, layering, checks and the compiled matcher.

The tools behind `framing lexicon ...` live in their own modules (imported on demand, so scoring
never pays for them): `validate`, `inspect` (show, kwic), `suggest`, `diff`, `formats`
(import/export) and `corpus` (what they share: streaming a corpus through the compiled lexicons).
"""
from .build import KINDS, build_lexicons, entry_key, lexicon_hashes, load_lexicons, parse_entry
from .matcher import PhraseMatcher

__all__ = ["KINDS", "build_lexicons", "entry_key", "lexicon_hashes", "load_lexicons", "parse_entry", "PhraseMatcher"]
