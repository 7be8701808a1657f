"""Turn parsed lexicon files (shipped, then user layers) into checked `Lexicon` objects.

Every problem is a `LexiconError` naming the file and line. Layering rules are documented in
`lexicons/README.md`: a later file with the same `dimension:` adds or re-weights entries, removes
those under `remove:`, and overrides description, params and scope key by key.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..errors import LexiconError
from ..io.lexicon_files import LexiconFile, Located, read_lexicon_dir, shipped_lexicon_dir
from ..models import Lexicon, LexiconCategory, LexiconEntry, Scope, ScopeRule
from .params import PARAMETERS, check_params
from ..text import normalize_token, stem as stem_token, tokenize

__all__ = ["KINDS", "load_lexicons", "build_lexicons", "parse_entry", "entry_key"]

KINDS = tuple(PARAMETERS)  # every kind declares its parameters, so that list is the list of kinds
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# A dictionary keeps its source's category names (LIWC `Care.Virtue`, quanteda `economy.jobs`):
# letters, digits, `_`, `.` and `-`, nothing that would break a column name or a CSV header.
_DICTIONARY_CATEGORY_RE = re.compile(r"^[^\W_][\w.\-]*$")
# A dictionary's own score columns (`<dim>.coverage`, `<dim>.label`, `<dim>.<category>_per_1000`):
# no category may take one of these names.
DICTIONARY_COVERAGE = "coverage"
DICTIONARY_PER_1000 = "_per_1000"
DICTIONARY_RESERVED = (DICTIONARY_COVERAGE, "label")
_MAX_PHRASE_WORDS = 12
_MIN_PREFIX = 3
# Shipped dimensions come first in scores.csv, in this order; user dimensions follow by name.
_SHIPPED_ORDER = {"alliance": 0, "prescriptions": 1, "ideology": 2, "actors": 3}


def entry_key(term: str) -> str:
    """Two spellings of an entry that match the same text share a key."""
    return " ".join(normalize_token(term).split())


def _pattern(term: str, *, stem: bool, path: str, line: int) -> tuple[tuple[str, str], ...]:
    words = term.split()
    if not words:
        raise LexiconError(path, "empty entry", line=line)
    if len(words) > _MAX_PHRASE_WORDS:
        raise LexiconError(path, f"entry {term!r} has {len(words)} words; at most {_MAX_PHRASE_WORDS}", line=line)
    out: list[tuple[str, str]] = []
    for word in words:
        if word.endswith("*"):
            prefix = normalize_token(word[:-1])
            if "*" in prefix:
                raise LexiconError(path, f"entry {term!r}: '*' is allowed only at the end of a word", line=line)
            if len(prefix) < _MIN_PREFIX:
                raise LexiconError(path, f"entry {term!r}: a wildcard needs at least {_MIN_PREFIX} letters before '*'", line=line)
            out.append(("prefix", prefix))
            continue
        if "*" in word:
            raise LexiconError(path, f"entry {term!r}: '*' is allowed only at the end of a word", line=line)
        for tok in tokenize(word):
            out.append(("exact", stem_token(tok.norm) if stem else tok.norm))
    if not out:
        raise LexiconError(path, f"entry {term!r} has no word characters", line=line)
    return tuple(out)


def parse_entry(node: Located, *, category: str, stem: bool, path: str) -> LexiconEntry:
    """An entry is `term`, `term: weight` or `term: {weight: w, note: text}`."""
    weight: Any = 1.0
    note = ""
    window: Any = None
    if isinstance(node.value, str):
        term = node.value
    elif node.raw is not None and not isinstance(node.value, (dict, list)) and node.value is not None:
        term = node.raw  # `no`, `on`, `2022`: the entry is the text as written
    elif isinstance(node.value, dict) and len(node.value) == 1:
        term, spec = next(iter(node.value.items()))  # keys are already text
        if isinstance(spec.value, dict):
            unknown = set(spec.value) - {"weight", "note", "window"}
            if unknown:
                raise LexiconError(path, f"entry {term!r}: unknown key(s) {sorted(unknown)}; use weight, note (and window for scope cues)", line=spec.line)
            weight = spec.value["weight"].value if "weight" in spec.value else 1.0
            note = str(spec.value["note"].value) if "note" in spec.value else ""
            window = spec.value["window"].value if "window" in spec.value else None
            if window is not None and (isinstance(window, bool) or not isinstance(window, int) or not 0 <= window <= 100):
                raise LexiconError(path, f"entry {term!r}: window must be a whole number from 0 to 100, not {window!r}", line=spec.line)
        else:
            weight = spec.value
    else:
        raise LexiconError(path, "an entry must be a term, or a one-key mapping 'term: weight'", line=node.line)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight <= 0 or weight > 100:
        raise LexiconError(path, f"entry {term!r}: weight must be a number above 0 and at most 100, not {weight!r}", line=node.line)
    if not isinstance(term, str):
        raise LexiconError(path, f"an entry must be text, not {type(term).__name__}", line=node.line)
    term = term.strip()
    return LexiconEntry(
        term=term,
        category=category,
        weight=float(weight),
        pattern=_pattern(term, stem=stem, path=path, line=node.line),
        path=path,
        line=node.line,
        note=note,
        window=window,
    )


def _expect(node: Located | None, kind: type | tuple[type, ...], what: str, path: str, line: int) -> Any:
    if node is None:
        return None
    if not isinstance(node.value, kind) or isinstance(node.value, bool) and kind is not bool:
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        names = names.replace("dict", "a mapping").replace("list", "a list").replace("str", "text")
        raise LexiconError(path, f"{what} must be {names}, not {type(node.value).__name__}", line=node.line)
    return node.value


@dataclass
class _CategoryDraft:
    description: str = ""
    opposite: str | None = None
    entries: dict[str, LexiconEntry] = field(default_factory=dict)


@dataclass
class _Draft:
    dimension: str
    kind: str
    description: str = ""
    stem: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    scope: dict[str, dict[str, tuple[Located, str]]] = field(default_factory=dict)
    categories: dict[str, _CategoryDraft] = field(default_factory=dict)
    stance_cues: dict[str, dict[str, LexiconEntry]] = field(default_factory=dict)
    stance_boundaries: frozenset[str] = frozenset()
    sources: list[str] = field(default_factory=list)
    shipped: bool = True


_SCOPE_KEYS = {"cues", "window", "factor", "action", "exceptions", "boundaries", "marks"}


def _merge_scope(target: dict[str, dict[str, tuple[Located, str]]], node: Located | None, path: str) -> None:
    if node is None:
        return
    rules = _expect(node, dict, "scope", path, node.line)
    for rule_name, rule in rules.items():
        if rule_name not in ("negation", "hedging", "quotation"):
            raise LexiconError(path, f"unknown scope rule {rule_name!r}; use negation, hedging, quotation", line=rule.line)
        values = _expect(rule, dict, f"scope.{rule_name}", path, rule.line)
        for key, value in values.items():
            if key not in _SCOPE_KEYS:
                raise LexiconError(path, f"unknown key {key!r} in scope.{rule_name}", line=value.line)
            target.setdefault(rule_name, {})[key] = (value, path)


def _build_rule(name: str, raw: dict[str, tuple[Located, str]], *, stem: bool) -> ScopeRule:
    def entries(key: str) -> tuple[LexiconEntry, ...]:
        if key not in raw:
            return ()
        node, path = raw[key]
        items = _expect(node, list, f"scope.{name}.{key}", path, node.line)
        return tuple(parse_entry(item, category=f"{name}:{key}", stem=stem, path=path) for item in items)

    def number(key: str, default: float, lo: float, hi: float) -> float:
        if key not in raw:
            return default
        node, path = raw[key]
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
            raise LexiconError(path, f"scope.{name}.{key} must be a number from {lo} to {hi}, not {v!r}", line=node.line)
        return float(v)

    action = "ignore" if name == "negation" else "keep"
    if "action" in raw:
        node, path = raw["action"]
        if node.value not in ("ignore", "flip", "keep"):
            raise LexiconError(path, f"scope.{name}.action must be ignore, flip or keep, not {node.value!r}", line=node.line)
        action = node.value
    boundaries: frozenset[str] = frozenset()
    if "boundaries" in raw:
        node, path = raw["boundaries"]
        items = _expect(node, list, f"scope.{name}.boundaries", path, node.line)
        boundaries = frozenset(normalize_token(str(i.value)) for i in items)
    marks = False
    if "marks" in raw:
        node, path = raw["marks"]
        marks = bool(_expect(node, bool, f"scope.{name}.marks", path, node.line))
    return ScopeRule(
        cues=entries("cues"),
        window=int(number("window", 4, 0, 100)),
        factor=number("factor", 1.0, 0.0, 1.0),
        action=action,
        exceptions=entries("exceptions"),
        boundaries=boundaries,
        marks=marks,
    )


def _apply_entries(
    cat: _CategoryDraft,
    node: Located | None,
    *,
    name: str,
    stem: bool,
    path: str,
    all_keys: dict[str, tuple[str, LexiconEntry]],
    opposites: dict[str, set[str]],
    shared: bool = False,
) -> None:
    """Add a category's entries; unless `shared` (a dictionary, whose categories are
    independent), an entry already in another category is an error."""
    if node is None:
        return
    items = _expect(node, list, f"categories.{name}.entries", path, node.line)
    for item in items:
        entry = parse_entry(item, category=name, stem=stem, path=path)
        key = entry_key(entry.term)
        if shared:
            cat.entries[key] = entry
            continue
        owner = all_keys.get(key)
        if owner is not None and owner[0] != name:
            poles = " (its opposite pole)" if owner[0] in opposites.get(name, ()) else ""
            how = f"; to move it, list it under remove: in {owner[0]!r}" if owner[1].path != path else ""
            raise LexiconError(
                path,
                f"entry {entry.term!r} is already in category {owner[0]!r}{poles} ({owner[1].path}:{owner[1].line}); an entry may belong to one category{how}",
                line=entry.line,
            )
        cat.entries[key] = entry
        all_keys[key] = (name, entry)


def _apply_file(drafts: dict[str, _Draft], scope_defaults: dict, lf: LexiconFile, *, shipped: bool) -> None:
    path = lf.path
    root = _expect(lf.root, dict, "a lexicon file", path, lf.root.line)
    kind_node = root.get("kind")
    if kind_node is not None and kind_node.value == "scope":
        unknown = set(root) - {"kind", "description", "negation", "hedging", "quotation"}
        if unknown:
            raise LexiconError(path, f"unknown key(s) in a scope file: {sorted(unknown)}", line=root[sorted(unknown)[0]].line)
        _merge_scope(scope_defaults, Located({k: v for k, v in root.items() if k in ("negation", "hedging", "quotation")}, lf.root.line), path)
        return
    if "dimension" not in root:
        raise LexiconError(path, "missing 'dimension:' (or 'kind: scope' for a scope file)", line=lf.root.line)
    known = {"dimension", "kind", "description", "stem", "params", "scope", "categories", "stance_cues", "version"}
    for key, value in root.items():
        if key not in known:
            raise LexiconError(path, f"unknown top-level key {key!r}; expected one of {sorted(known)}", line=value.line)
    dim_node = root["dimension"]
    dimension = _expect(dim_node, str, "dimension", path, dim_node.line)
    if not _NAME_RE.match(dimension):
        raise LexiconError(path, f"dimension {dimension!r} must be lower-case letters, digits and _", line=dim_node.line)
    draft = drafts.get(dimension)
    if draft is None:
        kind = "categories"
        if "kind" in root:
            kind = _expect(root["kind"], str, "kind", path, root["kind"].line)
            if kind not in KINDS:
                raise LexiconError(path, f"kind {kind!r} is not one of {', '.join(KINDS)}", line=root["kind"].line)
        draft = _Draft(dimension=dimension, kind=kind, shipped=shipped)
        drafts[dimension] = draft
    elif "kind" in root and root["kind"].value != draft.kind:
        raise LexiconError(path, f"kind {root['kind'].value!r} differs from the {draft.kind!r} this dimension already has", line=root["kind"].line)
    draft.sources.append(path)
    if "description" in root:
        draft.description = str(root["description"].value or "").strip()
    if "stem" in root:
        stem_value = bool(_expect(root["stem"], bool, "stem", path, root["stem"].line))
        if draft.sources[:-1] and stem_value != draft.stem:
            # Entries already read were compiled with the other setting; mixing the two would
            # silently stop them matching.
            raise LexiconError(path, f"stem: {str(stem_value).lower()} differs from the dimension's earlier files; a layer cannot change stemming", line=root["stem"].line)
        draft.stem = stem_value
    if "params" in root and root["params"].value is not None:
        node = root["params"]
        given = _expect(node, dict, "params", path, node.line) and node.plain()
        check_params(draft.kind, given, path=path, lines={k: v.line for k, v in node.value.items()}, line=node.line)
        draft.params.update(given)
    _merge_scope(draft.scope, root.get("scope"), path)

    all_keys = {k: (c, e) for c, cd in draft.categories.items() for k, e in cd.entries.items()}
    cats = root.get("categories")
    if cats is not None:
        specs: list[tuple[str, dict[str, Located]]] = []
        for name, cnode in _expect(cats, dict, "categories", path, cats.line).items():
            if draft.kind == "dictionary":
                if not _DICTIONARY_CATEGORY_RE.match(name) or name in DICTIONARY_RESERVED or name.endswith(DICTIONARY_PER_1000):
                    raise LexiconError(path, f"category {name!r} of a dictionary must be letters, digits, _, . and - (starting with a letter or digit), "
                                             f"and not {', '.join(DICTIONARY_RESERVED)} or end in {DICTIONARY_PER_1000} (those are score columns)", line=cnode.line)
            elif not _NAME_RE.match(name):
                raise LexiconError(path, f"category {name!r} must be lower-case letters, digits and _", line=cnode.line)
            spec = _expect(cnode, dict, f"category {name}", path, cnode.line) if cnode.value is not None else {}
            for key, value in spec.items():
                if key not in ("description", "opposite", "entries", "remove"):
                    raise LexiconError(path, f"unknown key {key!r} in category {name!r}", line=value.line)
            cat = draft.categories.setdefault(name, _CategoryDraft())
            if "description" in spec:
                cat.description = str(spec["description"].value or "").strip()
            if "opposite" in spec:
                cat.opposite = _expect(spec["opposite"], str, f"categories.{name}.opposite", path, spec["opposite"].line)
            specs.append((name, spec))
        # Every removal in a file happens before any addition, so a layer can move an entry from
        # one category to another whatever order it lists the two categories in.
        for name, spec in specs:
            cat = draft.categories[name]
            for item in (_expect(spec["remove"], list, f"categories.{name}.remove", path, spec["remove"].line) if "remove" in spec else []):
                term = item.value if isinstance(item.value, str) else next(iter(item.value)) if isinstance(item.value, dict) and item.value else item.raw
                key = entry_key(str(term)) if term is not None else None
                if key is None or key not in cat.entries:
                    raise LexiconError(path, f"cannot remove {term!r}: not an entry of {dimension}.{name}", line=item.line)
                del cat.entries[key]
                all_keys.pop(key, None)
        opposites: dict[str, set[str]] = {}
        for name, cd in draft.categories.items():
            if cd.opposite:
                opposites.setdefault(name, set()).add(cd.opposite)
                opposites.setdefault(cd.opposite, set()).add(name)
        for name, spec in specs:
            _apply_entries(draft.categories[name], spec.get("entries"), name=name, stem=draft.stem, path=path, all_keys=all_keys, opposites=opposites,
                           shared=draft.kind == "dictionary")
    cues = root.get("stance_cues")
    if cues is not None:
        for role, lnode in _expect(cues, dict, "stance_cues", path, cues.line).items():
            if role == "boundaries":
                items = _expect(lnode, list, "stance_cues.boundaries", path, lnode.line)
                draft.stance_boundaries = frozenset(normalize_token(str(i.raw if i.raw is not None else i.value)) for i in items)
                continue
            if role not in ("advocate", "reject"):
                raise LexiconError(path, f"stance_cues has {role!r}; use advocate, reject and boundaries", line=lnode.line)
            bucket = draft.stance_cues.setdefault(role, {})
            for item in _expect(lnode, list, f"stance_cues.{role}", path, lnode.line):
                e = parse_entry(item, category=role, stem=draft.stem, path=path)
                bucket[entry_key(e.term)] = e


def _finish(draft: _Draft, scope_defaults: dict) -> Lexicon:
    path = draft.sources[-1]
    if not draft.categories:
        raise LexiconError(path, f"dimension {draft.dimension!r} has no categories")
    for name, cat in draft.categories.items():
        if cat.opposite is not None and cat.opposite not in draft.categories:
            raise LexiconError(path, f"category {name!r}: opposite {cat.opposite!r} is not a category of {draft.dimension!r}")
    for pole in ("positive", "negative"):
        if draft.params.get(pole) is not None and draft.params[pole] not in draft.categories:
            raise LexiconError(path, f"params.{pole}: {draft.params[pole]!r} is not a category of {draft.dimension!r}")
    if draft.kind == "prescriptions" and not draft.stance_cues.get("advocate"):
        raise LexiconError(path, "a prescriptions lexicon needs stance_cues.advocate (and usually stance_cues.reject)")
    # A dictionary takes scope rules only from its own files: an imported LIWC or quanteda
    # dictionary then scores as a plain count, as its users expect.
    defaults = {} if draft.kind == "dictionary" else scope_defaults
    merged = {rule: dict(defaults.get(rule, {})) for rule in ("negation", "hedging", "quotation")}
    for rule, values in draft.scope.items():
        merged[rule].update(values)
    scope = Scope(
        negation=_build_rule("negation", merged["negation"], stem=draft.stem),
        hedging=_build_rule("hedging", merged["hedging"], stem=draft.stem),
        quotation=_build_rule("quotation", merged["quotation"], stem=draft.stem),
    )
    categories = tuple(
        LexiconCategory(name=name, description=c.description, entries=tuple(c.entries.values()), opposite=c.opposite)
        for name, c in draft.categories.items()
    )
    return Lexicon(
        dimension=draft.dimension,
        kind=draft.kind,
        description=draft.description,
        categories=categories,
        scope=scope,
        params=dict(draft.params),
        stem=draft.stem,
        stance_cues={role: tuple(v.values()) for role, v in draft.stance_cues.items()},
        stance_boundaries=draft.stance_boundaries,
        sources=tuple(draft.sources),
        order=_SHIPPED_ORDER.get(draft.dimension, 50) if draft.shipped else 100,
    )


def build_lexicons(shipped: Sequence[LexiconFile], layers: Sequence[Sequence[LexiconFile]] = ()) -> tuple[Lexicon, ...]:
    """Merge shipped files and user layers (in order) into one checked lexicon per dimension."""
    drafts: dict[str, _Draft] = {}
    scope_defaults: dict = {}
    for lf in shipped:
        _apply_file(drafts, scope_defaults, lf, shipped=True)
    for layer in layers:
        for lf in layer:
            _apply_file(drafts, scope_defaults, lf, shipped=False)
    lexicons = [_finish(d, scope_defaults) for d in drafts.values()]
    return tuple(sorted(lexicons, key=lambda lx: (lx.order, lx.dimension)))


def load_lexicons(layers: Iterable[str | Path] = (), *, include_shipped: bool = True) -> tuple[Lexicon, ...]:
    """Read the shipped lexicons and layer each user folder (or file) over them."""
    shipped = read_lexicon_dir(shipped_lexicon_dir()) if include_shipped else []
    return build_lexicons(shipped, [read_lexicon_dir(p) for p in layers])


def lexicon_hashes(layers: Iterable[str | Path] = (), *, include_shipped: bool = True) -> dict[str, str]:
    """sha256 of every lexicon file in use, for the manifest and the incremental cache key."""
    files = list(read_lexicon_dir(shipped_lexicon_dir())) if include_shipped else []
    for p in layers:
        files.extend(read_lexicon_dir(p))
    return {lf.path: lf.sha256 for lf in files}
