"""Lexicons: the YAML format, layering, checks and the compiled matcher."""
from .build import KINDS, build_lexicons, entry_key, lexicon_hashes, load_lexicons, parse_entry
from .matcher import PhraseMatcher

__all__ = ["KINDS", "build_lexicons", "entry_key", "lexicon_hashes", "load_lexicons", "parse_entry", "PhraseMatcher"]
