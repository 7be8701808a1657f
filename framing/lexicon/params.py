"""The parameters a lexicon file may set under `params:`, declared once per kind.

Each parameter has a type, a range and a default here and nowhere else (as scikit-learn's
`_parameter_constraints` declare an estimator's). `check_params` runs when a lexicon file is
read, so a misspelt key or `smoothing: abc` is an error naming the file and line, not a value
silently ignored or a failure inside scoring; `param` gives the value in force (the file's or
the default) wherever scoring needs one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ..errors import LexiconError
from ..models import Lexicon

__all__ = ["Param", "PARAMETERS", "check_params", "param", "parameter_table"]


@dataclass(frozen=True)
class Param:
    """One parameter: `check` returns an error message for a bad value (None if it is good)."""

    name: str
    default: Any
    check: Callable[[Any], str | None]
    doc: str


def _number(low: float, high: float | None = None, *, low_open: bool = False) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            return f"must be a number, not {value!r}"
        if value < low or (low_open and value == low) or (high is not None and value > high):
            lo = f"> {low:g}" if low_open else f">= {low:g}"
            return f"must be {lo}" + (f" and <= {high:g}" if high is not None else "") + f", not {value!r}"
        return None

    return check


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else f"must be non-empty text, not {value!r}"


def _any(value: Any) -> str | None:
    return None


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, not {value!r}"


def _prior(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return f"must be a mapping of category to a number >= 0, not {value!r}"
    for category, mass in value.items():
        bad = _number(0.0)(mass)
        if bad:
            return f"{category}: {bad}"
    return None


def _topic(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return f"must be a mapping with categories (and optionally dimension and sentences), not {value!r}"
    unknown = set(value) - {"dimension", "categories", "sentences"}
    if unknown:
        return f"has unknown key(s) {sorted(unknown)}; expected dimension, categories, sentences"
    categories = value.get("categories")
    if not isinstance(categories, list) or not categories or not all(isinstance(c, str) for c in categories):
        return "needs categories: a non-empty list of category names"
    if "dimension" in value and _text(value["dimension"]):
        return "dimension must be a dimension name"
    sentences = value.get("sentences", 1)
    if isinstance(sentences, bool) or not isinstance(sentences, int) or sentences < 0:
        return f"sentences must be a whole number >= 0, not {sentences!r}"
    return None


_COMMON = (
    Param("topic", None, _topic, "matches count only within `sentences` sentences of a mention of `categories` of `dimension` (default actors)"),
    Param("origin", None, _any, "what an imported dictionary's format had no place for (kept for export)"),
)
PARAMETERS: Mapping[str, tuple[Param, ...]] = {
    "poles": _COMMON + (
        Param("smoothing", 1.0, _number(0.0), "added to positive + negative pole weight in the denominator of the position"),
        Param("min_intensity", 0.5, _number(0.0), "weighted matches per 1,000 tokens below which the label is `absent`"),
        Param("mixed_band", 0.2, _number(0.0, 1.0), "absolute position below which the label is `mixed`"),
        Param("positive", None, _text, "the category at +1 of the position (default: the first category with an opposite)"),
        Param("negative", None, _text, "the category at -1 of the position"),
    ),
    "prescriptions": _COMMON + (
        # only here: a prescriptions dimension's category columns are not named after it by
        # default (`prescription.<category>`, the set being `prescriptions.*`); every other kind
        # names its columns `<dimension>.<category>`, so renaming the dimension renames them
        Param("column_prefix", None, _text, "prefix of the per-category score columns (default: the dimension name without its final `s`)"),
        Param("smoothing", 1.0, _number(0.0), "added to advocate + reject weight in the denominator of each category's net score"),
        Param("advocated_threshold", 0.3, _number(0.0, 1.0, low_open=True), "net score at or above which a category is advocated (at or below minus it: rejected)"),
    ),
    "stances": _COMMON + (
        Param("prior", {}, _prior, "prior mass per 1,000 tokens of each stance"),
        Param("smoothing", 0.5, _number(0.0), "mass added to every stance before normalising"),
    ),
    "actors": _COMMON,
    "categories": _COMMON + (
        Param("min_intensity", 0.0, _number(0.0), "weighted matches per 1,000 tokens below which the label is `absent`"),
    ),
    "dictionary": _COMMON + (
        Param("label", False, _flag, "add a `label` column: the category with the highest score (`absent` without a match)"),
    ),
}


def _declared(kind: str) -> dict[str, Param]:
    return {p.name: p for p in PARAMETERS.get(kind, _COMMON)}


def check_params(kind: str, params: Mapping[str, Any], *, path: str, lines: Mapping[str, int], line: int) -> None:
    """Raise `LexiconError` (file and line) for a parameter `kind` does not have or a bad value;
    `lines` gives each key's line, `line` the `params:` line."""
    declared = _declared(kind)
    for name, value in params.items():
        where = lines.get(name, line)
        p = declared.get(name)
        if p is None:
            elsewhere = [k for k, ps in PARAMETERS.items() if any(q.name == name for q in ps)]
            hint = f" (it is one of {', '.join(elsewhere)} lexicons)" if elsewhere else ""
            raise LexiconError(path, f"params: {name!r} is not a parameter of a {kind} lexicon{hint}; expected one of {', '.join(sorted(declared))}", line=where)
        problem = p.check(value)
        if problem:
            raise LexiconError(path, f"params.{name} {problem}", line=where)


def param(lexicon: Lexicon, name: str) -> Any:
    """The value of a parameter in force for `lexicon`: its file's, else the declared default."""
    value = lexicon.params.get(name)
    if value is None:
        p = _declared(lexicon.kind).get(name)
        if p is None:
            raise KeyError(f"{name!r} is not a parameter of a {lexicon.kind} lexicon")
        return p.default
    return value


def parameter_table() -> str:
    """The declared parameters as a Markdown table (the one in `lexicons/README.md`; a test
    keeps the two the same)."""
    rows = ["| kind | parameter | default | meaning |", "|---|---|---|---|"]
    common = {p.name for p in _COMMON}
    for kind, params in (("every kind", _COMMON), *((k, tuple(p for p in ps if p.name not in common)) for k, ps in PARAMETERS.items())):
        for p in params:
            default = "-" if p.default is None else "`{}`" if p.default == {} else f"`{p.default!r}`"
            rows.append(f"| {kind} | `{p.name}` | {default} | {p.doc} |")
    return "\n".join(rows) + "\n"
