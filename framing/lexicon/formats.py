"""Import and export: LIWC `.dic`, quanteda YAML dictionaries and CSV term lists, both ways.

Everything here is text in, text out (the CLI reads and writes the files), so it is easy to test
and never touches the installed package.

How foreign dictionaries map onto framing lexicons:

- One dictionary becomes one dimension of `kind: dictionary` named after the file, with LIWC
  semantics: its categories are independent, an entry listed in several categories counts in
  each, and it gets no scope rules (so its scores equal a plain count). Categories keep their
  source names (a nested quanteda key `economy: {jobs: [...]}` becomes `economy.jobs`); a
  character a column name cannot hold becomes `_`, the original kept for export.
- `split_categories=True` gives the older mapping instead: one `kind: categories` dimension per
  category (`liwc_affect`, `liwc_posemo`).
- What the framing format has no place for is kept in `params.origin` (LIWC category numbers,
  original labels, the order and nesting of categories), so exporting an imported dictionary
  gives back the original file.
- What the foreign format cannot express is reported, never silently dropped: LIWC and quanteda
  have no weights, notes or scope rules; framing has no wildcards except a trailing `*` with at
  least three letters before it.
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence

import yaml

from ..errors import LexiconError
from ..io.lexicon_files import Located, parse_lexicon_text
from ..models import Lexicon
from .build import DICTIONARY_PER_1000, DICTIONARY_RESERVED, entry_key, parse_entry

__all__ = [
    "FORMATS",
    "ForeignTerm",
    "ForeignCategory",
    "ForeignDictionary",
    "ImportResult",
    "ExportResult",
    "format_for_path",
    "parse_liwc",
    "parse_quanteda",
    "parse_csv",
    "parse_foreign",
    "to_lexicon_files",
    "lexicons_to_foreign",
    "write_liwc",
    "write_quanteda",
    "write_csv",
    "export_lexicons",
    "lexicon_yaml",
    "yaml_scalar",
    "safe_name",
]

FORMATS = ("liwc", "quanteda", "csv")
_NAME_RE = re.compile(r"[^a-z0-9_]+")


@dataclass(frozen=True)
class ForeignTerm:
    term: str
    weight: float = 1.0
    note: str = ""
    line: int = 0


@dataclass(frozen=True)
class ForeignCategory:
    name: str  # a framing category name (lower-case letters, digits and _)
    label: str  # as written in the foreign file
    terms: tuple[ForeignTerm, ...]
    code: str | None = None  # LIWC category number
    path: tuple[str, ...] = ()  # quanteda: the keys from the root down to this category
    group: str | None = None  # the dimension it belongs to (nested quanteda key, CSV dimension column)
    description: str = ""
    scalar: bool = False  # quanteda: one term written as a plain value, not a list
    line: int = 0


@dataclass(frozen=True)
class ForeignDictionary:
    format: str
    name: str
    categories: tuple[ForeignCategory, ...]
    warnings: tuple[str, ...] = ()


def safe_name(text: str, *, fallback: str = "x") -> str:
    """A lexicon name (lower-case letters, digits, _) from any label."""
    name = _NAME_RE.sub("_", str(text).strip().lower()).strip("_")
    if not name:
        name = fallback
    if not name[0].isalpha():
        name = f"c_{name}"
    return name


def format_for_path(path: str) -> str | None:
    low = path.lower()
    if low.endswith(".dic"):
        return "liwc"
    if low.endswith((".yml", ".yaml")):
        return "quanteda"
    if low.endswith((".csv", ".tsv")):
        return "csv"
    return None


# --- reading foreign formats -------------------------------------------------------------------


def _unique_names(labels: Sequence[str], clean: Callable[[str], str] = safe_name) -> list[str]:
    """`clean` of each label, made unique with a `_2`, `_3`, ... suffix."""
    out: list[str] = []
    seen: set[str] = set()
    for label in labels:
        base = clean(label)
        name, n = base, 2
        while name in seen:
            name, n = f"{base}_{n}", n + 1
        seen.add(name)
        out.append(name)
    return out


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith(("#", "//"))


def parse_liwc(text: str, *, path: str, name: str | None = None) -> ForeignDictionary:
    """A LIWC `.dic`: category lines between two `%` lines, then `term<TAB>code code ...` lines.

    Accepts BOMs, CRLF, spaces instead of tabs, multi-word entries (`kind of<TAB>12`), blank
    lines and comment lines (starting with `#` or `//`).
    LIWC2007's conditional codes (`like<TAB>02 134/125(131)`) have no framing equivalent: those
    entries are skipped with a warning naming the line.
    """
    lines = ["" if _is_comment(raw) else raw for raw in text.lstrip("\ufeff").splitlines()]
    warnings: list[str] = []
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or lines[i].strip() != "%":
        raise LexiconError(path, "a LIWC .dic starts with a line holding only %", line=i + 1 if i < len(lines) else 1)
    i += 1
    header: list[tuple[str, str, str, int]] = []  # code, label, rest, line
    codes_seen: dict[str, int] = {}
    while True:
        if i >= len(lines):
            raise LexiconError(path, "the category list is never closed by a line holding only %", line=len(lines))
        raw = lines[i].strip()
        if raw == "%":
            i += 1
            break
        if raw:
            parts = raw.split(None, 2)
            if len(parts) < 2 or not parts[0].isdigit():
                raise LexiconError(path, f"expected a category line 'number<TAB>name', got {raw[:60]!r}", line=i + 1)
            code = parts[0]
            if code in codes_seen:
                raise LexiconError(path, f"category number {code} is defined twice (first on line {codes_seen[code]})", line=i + 1)
            codes_seen[code] = i + 1
            header.append((code, parts[1], parts[2] if len(parts) > 2 else "", i + 1))
        i += 1
    if not header:
        raise LexiconError(path, "no categories between the two % lines", line=i)
    names = _unique_names([label for _, label, _, _ in header])
    by_code = {code: n for (code, _, _, _), n in zip(header, names)}
    terms: dict[str, list[ForeignTerm]] = {n: [] for n in names}
    where: dict[tuple[str, str], int] = {}
    for j in range(i, len(lines)):
        raw = lines[j].strip()
        if not raw:
            continue
        line = j + 1
        if "\t" in raw:
            term, _, rest = raw.partition("\t")
            codes = rest.split()
        else:
            parts = raw.split()
            k = len(parts)
            while k > 1 and parts[k - 1].isdigit():
                k -= 1
            term, codes = " ".join(parts[:k]), parts[k:]
        term = " ".join(term.split())
        if not codes:
            warnings.append(f"{path}:{line}: {term!r} has no category numbers; skipped")
            continue
        if any(not c.isdigit() for c in codes):
            warnings.append(f"{path}:{line}: {term!r} uses LIWC2007 conditional codes ({' '.join(codes)[:40]}); skipped")
            continue
        for code in codes:
            cat = by_code.get(code)
            if cat is None:
                warnings.append(f"{path}:{line}: {term!r} refers to category {code}, which the header does not define; that code skipped")
                continue
            if (cat, entry_key(term)) in where:
                warnings.append(f"{path}:{line}: {term!r} is listed in category {code} twice (also line {where[(cat, entry_key(term))]}); kept once")
                continue
            where[(cat, entry_key(term))] = line
            terms[cat].append(ForeignTerm(term, line=line))
    cats = tuple(
        ForeignCategory(name=n, label=label, terms=tuple(terms[n]), code=code, description=rest, line=line)
        for (code, label, rest, line), n in zip(header, names)
    )
    return ForeignDictionary("liwc", name or "liwc", cats, tuple(warnings))


def _quanteda_terms(node: Located, path: str, key: str, warnings: list[str]) -> tuple[tuple[ForeignTerm, ...], bool]:
    if isinstance(node.value, list):
        items, scalar = node.value, False
    elif node.value is None:
        items, scalar = [], False
    else:
        items, scalar = [node], True
    out = []
    for item in items:
        if isinstance(item.value, (dict, list)):
            raise LexiconError(path, f"{key!r}: a dictionary value must be a term, not a {'mapping' if isinstance(item.value, dict) else 'list'}", line=item.line)
        if item.value is None:
            continue
        term = item.value if isinstance(item.value, str) else (item.raw or str(item.value))
        out.append(ForeignTerm(term, line=item.line))
    return tuple(out), scalar


def parse_quanteda(text: str, *, path: str, name: str | None = None) -> ForeignDictionary:
    """A quanteda dictionary in YAML: `key: [terms]` (a single term may be a plain value), keys
    nested to any depth. Glob wildcards other than a trailing `*` are reported and skipped."""
    root = parse_lexicon_text(text.lstrip("\ufeff"), path)
    if not isinstance(root.value, dict):
        raise LexiconError(path, "a quanteda dictionary is a mapping of keys to lists of terms", line=root.line)
    if "dimension" in root.value and "categories" in root.value:
        raise LexiconError(path, "this is already a framing lexicon file; layer it with --lexicons instead of importing it", line=root.line)
    warnings: list[str] = []
    leaves: list[tuple[tuple[str, ...], Located]] = []

    def walk(node: Located, keys: tuple[str, ...]) -> None:
        for key, child in node.value.items():
            if isinstance(child.value, dict):
                if not child.value:
                    warnings.append(f"{path}:{child.line}: key {key!r} is empty; skipped")
                    continue
                walk(child, keys + (key,))
            else:
                leaves.append((keys + (key,), child))

    walk(root, ())
    nested = any(len(p) > 1 for p, _ in leaves)
    cats: list[ForeignCategory] = []
    groups: dict[str | None, list[tuple[tuple[str, ...], Located]]] = {}
    for p, node in leaves:
        groups.setdefault(p[0] if nested and len(p) > 1 else None, []).append((p, node))
    for group, items in groups.items():
        labels = ["_".join(p[1:]) if group is not None else "_".join(p) for p, _ in items]
        for (p, node), cname, label in zip(items, _unique_names(labels), labels):
            terms, scalar = _quanteda_terms(node, path, ".".join(p), warnings)
            cats.append(ForeignCategory(name=cname, label=label, terms=terms, path=p, group=group, scalar=scalar, line=node.line))
    return ForeignDictionary("quanteda", name or "dictionary", tuple(cats), tuple(warnings))


_CSV_ALIASES = {
    "term": ("term", "entry", "word", "pattern", "value"),
    "category": ("category", "cat", "class", "key", "label"),
    "dimension": ("dimension", "dictionary"),
    "weight": ("weight", "score"),
    "note": ("note", "comment"),
}


def parse_csv(text: str, *, path: str, name: str | None = None, category: str | None = None) -> ForeignDictionary:
    """A CSV (or tab-separated) term list with a header: `term` is required; `category`,
    `dimension`, `weight` and `note` are optional. A term in several categories is a row per
    category, or (without a `category` column) one row with a column per category (the NRC
    layout): a cell that is empty, 0, no or false leaves the term out of that category, 1, x,
    yes or true puts it in, another positive number puts it in with that weight. Without either,
    every term goes to `category` (default the dictionary name)."""
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise LexiconError(path, "the file is empty", line=1) from None
    except csv.Error as exc:
        raise LexiconError(path, f"malformed CSV header: {exc}", line=1) from None
    cols = [h.strip().lower() for h in header]
    index: dict[str, int] = {}
    for field_name, aliases in _CSV_ALIASES.items():
        for a in aliases:
            if a in cols:
                index[field_name] = cols.index(a)
                break
    if "term" not in index:
        raise LexiconError(path, f"no 'term' column in the header ({', '.join(header[:8])})", line=1)
    wide = [] if "category" in index or category else [(k, header[k].strip()) for k in range(len(cols)) if k not in index.values() and cols[k]]
    default_cat = category or name or "terms"
    order: list[tuple[str | None, str]] = []
    terms: dict[tuple[str | None, str], list[ForeignTerm]] = {}
    lines: dict[tuple[str | None, str], int] = {}
    warnings: list[str] = []
    seen: dict[tuple[str | None, str, str], int] = {}
    unmarked: list[int] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise LexiconError(path, f"malformed CSV row: {exc}", line=reader.line_num) from None
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue

        def cell(key: str) -> str:
            k = index.get(key)
            return row[k].strip() if k is not None and k < len(row) else ""

        term = " ".join(cell("term").split())
        if not term:
            raise LexiconError(path, "empty term", line=line)
        group = cell("dimension") or None
        weight = _csv_weight(cell("weight"), path=path, line=line)
        if wide:
            memberships = [(label, w) for k, label in wide if (w := _membership(row[k] if k < len(row) else "", path=path, line=line, column=label))]
            if not memberships:
                unmarked.append(line)
        else:
            memberships = [(cell("category") or default_cat, 1.0)]
        for cat_label, factor in memberships:
            key = (group, cat_label)
            dup = (group, cat_label, entry_key(term))
            if dup in seen:
                warnings.append(f"{path}:{line}: {term!r} is listed in {cat_label!r} twice (also line {seen[dup]}); kept the first")
                continue
            seen[dup] = line
            if key not in terms:
                order.append(key)
                terms[key] = []
                lines[key] = line
            terms[key].append(ForeignTerm(term, weight=weight * factor, note=cell("note"), line=line))
    if unmarked:  # one line, not one per word: a wide word list often marks most words nowhere
        warnings.append(f"{path}:{unmarked[0]}: {len(unmarked)} term(s) marked in none of the category columns (lines {_line_list(unmarked)}); skipped")
    by_group: dict[str | None, list[tuple[str | None, str]]] = {}
    for key in order:
        by_group.setdefault(key[0], []).append(key)
    cats: list[ForeignCategory] = []
    for group, keys in by_group.items():
        for key, cname in zip(keys, _unique_names([k[1] for k in keys])):
            cats.append(ForeignCategory(name=cname, label=key[1], terms=tuple(terms[key]), group=group, line=lines[key]))
    return ForeignDictionary("csv", name or "terms", tuple(cats), tuple(warnings))


def _line_list(lines: Sequence[int], most: int = 5) -> str:
    return ", ".join(map(str, lines[:most])) + (", ..." if len(lines) > most else "")


def _csv_weight(text: str, *, path: str, line: int) -> float:
    try:
        weight = float(text) if text else 1.0
    except ValueError:
        raise LexiconError(path, f"weight {text!r} is not a number", line=line) from None
    if not math.isfinite(weight) or weight <= 0 or weight > 100:
        raise LexiconError(path, f"weight must be above 0 and at most 100, not {text}", line=line)
    return weight


_NOT_IN = ("", "0", "0.0", "no", "n", "false", "f", "-")
_IN = ("1", "x", "yes", "y", "true", "t")


def _membership(text: str, *, path: str, line: int, column: str) -> float:
    """A category column's cell: 0.0 when the term is not in the category, else its weight."""
    cell = text.strip().lower()
    if cell in _NOT_IN:
        return 0.0
    if cell in _IN:
        return 1.0
    try:
        return _csv_weight(cell, path=path, line=line)
    except LexiconError:
        raise LexiconError(path, f"column {column!r}: {text.strip()!r} is neither a mark (1, x, yes; 0, no, empty) nor a weight above 0 "
                                 "(columns other than term, category, dimension, weight and note are read as categories; "
                                 "--category NAME reads the file as one category)", line=line) from None


def parse_foreign(text: str, *, path: str, fmt: str, name: str | None = None, category: str | None = None) -> ForeignDictionary:
    if fmt == "liwc":
        return parse_liwc(text, path=path, name=name)
    if fmt == "quanteda":
        return parse_quanteda(text, path=path, name=name)
    if fmt == "csv":
        return parse_csv(text, path=path, name=name, category=category)
    raise LexiconError(path, f"unknown format {fmt!r}; use {', '.join(FORMATS)}")


# --- writing framing YAML ----------------------------------------------------------------------


def yaml_scalar(value: Any) -> str:
    """One YAML scalar, quoted only when it must be (`no`, `2022`, `*foo`, `a: b` are quoted)."""
    dumped = yaml.safe_dump([value], default_flow_style=True, allow_unicode=True, width=10**9).strip()
    return dumped[1:-1]


def lexicon_yaml(
    *,
    dimension: str,
    categories: Sequence[tuple[str, str, Sequence[ForeignTerm]]],
    kind: str = "categories",
    description: str = "",
    params: Mapping[str, Any] | None = None,
    comment: str = "",
) -> str:
    """A framing lexicon file, one entry per line (easy to edit and to diff)."""
    out: list[str] = []
    for line in comment.splitlines():
        out.append(f"# {line}".rstrip())
    out.append(f"dimension: {dimension}")
    out.append(f"kind: {kind}")
    if description:
        out.append(f"description: {yaml_scalar(description)}")
    if params:
        block = yaml.safe_dump({"params": dict(params)}, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100)
        out.extend(block.rstrip("\n").splitlines())
    out.append("categories:")
    for name, desc, terms in categories:
        out.append(f"  {name}:")
        if desc:
            out.append(f"    description: {yaml_scalar(desc)}")
        if not terms:
            out.append("    entries: []")
            continue
        out.append("    entries:")
        for t in terms:
            if t.note:
                out.append(f"      - {yaml_scalar(t.term)}: {{weight: {_num(t.weight)}, note: {yaml_scalar(t.note)}}}")
            elif t.weight != 1.0:
                out.append(f"      - {yaml_scalar(t.term)}: {_num(t.weight)}")
            else:
                out.append(f"      - {yaml_scalar(t.term)}")
    return "\n".join(out) + "\n"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


@dataclass(frozen=True)
class ImportResult:
    files: Mapping[str, str]  # file name -> YAML text
    dimensions: tuple[str, ...]
    split: bool  # categories became dimensions of their own (`split_categories`)
    n_terms: int
    skipped: int
    warnings: tuple[str, ...]


def _check_term(term: ForeignTerm, fmt: str, path: str, category: str) -> str | None:
    """Why framing cannot hold this term, or None."""
    t = term.term
    if fmt == "quanteda" and "?" in t:
        return "uses the '?' glob wildcard, which framing does not have"
    try:
        parse_entry(Located(t, term.line, t), category=category, stem=False, path=path)
    except LexiconError as exc:
        return exc.message
    return None


def _usable_terms(dictionary: ForeignDictionary, path: str, warnings: list[str]) -> tuple[list[ForeignCategory], int]:
    """The categories with the terms framing can hold (the others reported and skipped)."""
    skipped = 0
    kept: list[ForeignCategory] = []
    for cat in dictionary.categories:
        good = []
        for t in cat.terms:
            why = _check_term(t, dictionary.format, path, cat.name)
            if why is not None:
                warnings.append(f"{path}:{t.line}: {t.term!r} ({cat.label}) {why}; skipped")
                skipped += 1
                continue
            good.append(t)
        kept.append(replace(cat, terms=tuple(good)))
    return kept, skipped


_DICTIONARY_NAME_BAD = re.compile(r"[^\w.\-]+")


def _dictionary_name(label: str) -> str:
    base = _DICTIONARY_NAME_BAD.sub("_", str(label).strip()).strip("_.-") or "category"
    if not base[0].isalnum():
        base = f"c{base}"
    return f"{base}_" if base in DICTIONARY_RESERVED or base.endswith(DICTIONARY_PER_1000) else base


def dictionary_category_names(labels: Sequence[str]) -> list[str]:
    """Category names for a dictionary dimension: the source's own names where a column name can
    hold them, otherwise with each run of other characters as `_`; unique, never a score column."""
    return _unique_names(labels, _dictionary_name)


def _origin_info(cat: ForeignCategory, order: int, fmt: str, name: str) -> dict[str, Any]:
    """What the framing file has no place for, kept so export gives the source file back."""
    info: dict[str, Any] = {"order": order}
    if cat.label != name:
        info["label"] = cat.label
    if cat.code is not None:
        info["code"] = cat.code
    if fmt == "quanteda":
        info["path"] = list(cat.path)
        if cat.scalar:
            info["scalar"] = True
    if cat.description:
        info["header"] = cat.description
    return info


def to_lexicon_files(
    dictionary: ForeignDictionary,
    *,
    path: str,
    dimension: str | None = None,
    split_categories: bool = False,
    provenance: str = "",
) -> ImportResult:
    """Turn a foreign dictionary into framing lexicon files (file name -> YAML text): one
    `kind: dictionary` dimension (one per `dimension` of a CSV that has that column), or with
    `split_categories` one `kind: categories` dimension per category."""
    base = safe_name(dimension or dictionary.name, fallback="imported")
    warnings = list(dictionary.warnings)
    kept, skipped = _usable_terms(dictionary, path, warnings)
    groups: dict[str | None, list[tuple[int, ForeignCategory]]] = {}
    for order, cat in enumerate(kept):
        # a nested quanteda dictionary is one dimension, its keys flattened with `.`
        group = cat.group if dictionary.format == "csv" or split_categories else None
        groups.setdefault(group, []).append((order, cat))
    files: dict[str, str] = {}
    dims: list[str] = []
    n_terms = 0
    for group, members in groups.items():
        gname = base if group is None else (safe_name(group) if dictionary.format == "csv" else f"{base}_{safe_name(group)}")
        if split_categories:
            parts = [(f"{gname}_{cat.name}", [(order, cat, cat.name)]) for order, cat in members]
        else:
            labels = [".".join(cat.path) if dictionary.format == "quanteda" else cat.label for _, cat in members]
            parts = [(gname, [(order, replace(cat, label=label), name) for (order, cat), label, name in zip(members, labels, dictionary_category_names(labels))])]
        for dim_name, cats in parts:
            origin: dict[str, Any] = {"format": dictionary.format, "dictionary": dictionary.name}
            if dictionary.format != "csv":
                origin["categories"] = {name: _origin_info(cat, order, dictionary.format, name) for order, cat, name in cats}
            body = [(name, "", list(cat.terms)) for _, cat, name in cats]
            n_terms += sum(len(terms) for _, _, terms in body)
            labels = ", ".join(c.label for _, c, _ in cats)
            files[f"{dim_name}.yaml"] = lexicon_yaml(
                dimension=dim_name,
                kind="categories" if split_categories else "dictionary",
                categories=body,
                description=f"{dictionary.name}: {labels}" if split_categories else f"Imported from {dictionary.name}",
                params={"origin": origin},
                comment=provenance,
            )
            dims.append(dim_name)
    return ImportResult(files, tuple(dims), split_categories, n_terms, skipped, tuple(warnings))


# --- export ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    text: str
    n_categories: int
    n_terms: int
    warnings: tuple[str, ...] = ()


@dataclass
class _ExportCategory:
    name: str
    label: str
    terms: list[tuple[str, float, str]]  # term, weight, note
    dimension: str
    code: str | None = None
    path: tuple[str, ...] = ()
    scalar: bool = False
    header: str = ""
    sort_key: tuple = ()
    origin: Mapping[str, Any] = field(default_factory=dict)


def _origin(lx: Lexicon) -> Mapping[str, Any]:
    origin = lx.params.get("origin") if isinstance(lx.params, Mapping) else None
    return origin if isinstance(origin, Mapping) else {}


def lexicons_to_foreign(lexicons: Sequence[Lexicon]) -> list[_ExportCategory]:
    """Every category of the lexicons, in the order of the file they were imported from when
    they were imported, otherwise in lexicon order."""
    out: list[_ExportCategory] = []
    for li, lx in enumerate(lexicons):
        origin = _origin(lx)
        info_all = origin.get("categories") if isinstance(origin.get("categories"), Mapping) else {}
        for ci, cat in enumerate(lx.categories):
            info = info_all.get(cat.name, {}) if isinstance(info_all.get(cat.name, {}), Mapping) else {}
            order = info.get("order")
            key = (str(origin.get("dictionary", "")), order, 0, 0) if isinstance(order, int) else ("\uffff", None, li, ci)
            path = info.get("path")
            out.append(
                _ExportCategory(
                    name=cat.name,
                    label=str(info.get("label", cat.name)),
                    terms=[(e.term, e.weight, e.note) for e in cat.entries],
                    dimension=lx.dimension,
                    code=str(info["code"]) if "code" in info else None,
                    path=tuple(str(p) for p in path) if isinstance(path, list) else (),
                    scalar=bool(info.get("scalar", False)),
                    header=str(info.get("header", "")),
                    sort_key=key if key[1] is not None else ("\uffff", 0, li, ci),
                    origin=origin,
                )
            )
    out.sort(key=lambda c: c.sort_key)
    return out


def _dropped(lexicons: Sequence[Lexicon], cats: Sequence[_ExportCategory], fmt: str) -> list[str]:
    notes = []
    if fmt != "csv" and any(w != 1.0 for c in cats for _, w, _ in c.terms):
        notes.append(f"a {fmt} dictionary has no weights: entry weights were dropped")
    if fmt != "csv" and any(n for c in cats for _, _, n in c.terms):
        notes.append(f"a {fmt} dictionary has no notes: entry notes were dropped")
    if any(lx.kind not in ("categories", "actors", "dictionary") for lx in lexicons):
        notes.append(f"scope rules, stance cues and kind-specific parameters have no place in a {fmt} file; only terms and categories were exported")
    return notes


def write_liwc(lexicons: Sequence[Lexicon]) -> ExportResult:
    """A LIWC `.dic`: categories numbered (their original numbers when imported from LIWC),
    entries in alphabetical order, an entry in several categories on one line."""
    cats = lexicons_to_foreign(lexicons)
    labels_seen: dict[str, int] = {}
    for c in cats:
        labels_seen[c.label] = labels_seen.get(c.label, 0) + 1
    used: set[str] = set()
    numbered: list[tuple[str, _ExportCategory, str]] = []
    next_code = 1
    for c in cats:
        code = c.code if c.code is not None and c.code not in used else None
        if code is None:
            while str(next_code) in used:
                next_code += 1
            code = str(next_code)
        used.add(code)
        label = c.label if labels_seen[c.label] == 1 else f"{c.dimension}_{c.name}"
        label = "_".join(label.split()) or c.name
        numbered.append((code, c, label))
    lines = ["%"]
    for code, c, label in numbered:
        lines.append(f"{code}\t{label}" + (f"\t{c.header}" if c.header else ""))
    lines.append("%")
    entries: dict[str, tuple[str, list[str]]] = {}
    for code, c, _ in numbered:
        for term, _, _ in c.terms:
            k = entry_key(term)
            if k not in entries:
                entries[k] = (term, [])
            if code not in entries[k][1]:
                entries[k][1].append(code)
    for term, codes in sorted(entries.values(), key=lambda tc: (tc[0].lower(), tc[0])):
        lines.append(f"{term}\t" + "\t".join(codes))
    n_terms = sum(len(c.terms) for c in cats)
    return ExportResult("\n".join(lines) + "\n", len(cats), n_terms, tuple(_dropped(lexicons, cats, "LIWC")))


def write_quanteda(lexicons: Sequence[Lexicon]) -> ExportResult:
    """A quanteda YAML dictionary: the original nesting when imported from quanteda; otherwise
    flat (`category: [terms]`) for one dimension, nested (`dimension: {category: [terms]}`) for several."""
    cats = lexicons_to_foreign(lexicons)
    dims = {c.dimension for c in cats}
    tree: dict[str, Any] = {}
    for c in cats:
        if c.path and c.origin.get("format") == "quanteda":
            keys = list(c.path)
        elif len(dims) == 1:
            keys = [c.label]
        else:
            keys = [c.dimension, c.label]
        node = tree
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        terms = [t for t, _, _ in c.terms]
        node[keys[-1]] = terms[0] if c.scalar and len(terms) == 1 else terms
    text = yaml.safe_dump(tree, sort_keys=False, allow_unicode=True, default_flow_style=False, width=10**9) if tree else "{}\n"
    return ExportResult(text, len(cats), sum(len(c.terms) for c in cats), tuple(_dropped(lexicons, cats, "quanteda")))


def write_csv(lexicons: Sequence[Lexicon]) -> ExportResult:
    """A CSV term list: dimension, category, term, weight, note (one row per entry; lossless for
    entries and categories)."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["dimension", "category", "term", "weight", "note"])
    n = 0
    n_cats = 0
    for lx in lexicons:
        for cat in lx.categories:
            n_cats += 1
            for e in cat.entries:
                writer.writerow([lx.dimension, cat.name, e.term, _num(e.weight), e.note])
                n += 1
    notes = []
    if any(lx.kind not in ("categories", "actors", "dictionary") for lx in lexicons):
        notes.append("scope rules, stance cues and kind-specific parameters have no place in a CSV term list; only entries were exported")
    return ExportResult(buf.getvalue(), n_cats, n, tuple(notes))


def export_lexicons(lexicons: Sequence[Lexicon], fmt: str) -> ExportResult:
    if fmt == "liwc":
        return write_liwc(lexicons)
    if fmt == "quanteda":
        return write_quanteda(lexicons)
    if fmt == "csv":
        return write_csv(lexicons)
    raise ValueError(f"unknown format {fmt!r}; use {', '.join(FORMATS)}")
