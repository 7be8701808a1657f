"""Accepting suggestions into a user lexicon file (`framing lexicon suggest --accept`): the
provenance comment of each accepted term, and `add_entries_to_yaml`, which adds entries to a
category in the file's text line by line, keeping everything already there (comments included),
and checks the result reads back. The CLI reads and writes the file.
"""
from __future__ import annotations

from typing import Sequence

from ..errors import LexiconError
from ..io.lexicon_files import Located, parse_lexicon_text
from .build import entry_key, parse_entry
from .formats import yaml_scalar
from .suggest import Candidate, candidate_statistics

__all__ = ["provenance_comment", "add_entries_to_yaml"]


def provenance_comment(candidate: Candidate | None, *, corpus: str, date: str, category: str) -> str:
    if candidate is None:
        return f"added by framing lexicon suggest --accept on {date} (not among the suggestions from {corpus})"
    parts = candidate_statistics(candidate, g2="G2")  # plain ASCII in the user's YAML file
    parts.append(f"{candidate.in_category} of {candidate.total} occurrences in {category} sentences")
    return f"suggested by framing lexicon suggest from {corpus} on {date}: " + ", ".join(parts)


def _compose(text: str, path: str):
    import yaml

    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise LexiconError(path, f"YAML syntax error: {exc.problem or 'syntax error'}", line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise LexiconError(path, f"YAML error: {exc}") from None


def _insert_point(text: str, node) -> int:
    """Where to insert lines after a block node: at the start of the line its end mark is on
    (the next key), moved up over blank lines so spacing between sections stays."""
    idx = node.end_mark.index
    line_start = text.rfind("\n", 0, idx) + 1
    if text[line_start:idx].strip():
        nl = text.find("\n", idx)
        return len(text) if nl < 0 else nl + 1
    pos = line_start
    while pos > 0:
        prev_start = text.rfind("\n", 0, pos - 1) + 1
        if text[prev_start : pos - 1].strip():
            break
        pos = prev_start
    return pos


def add_entries_to_yaml(
    text: str | None,
    *,
    dimension: str,
    category: str,
    entries: Sequence[tuple[str, str]],
    path: str,
    header: str = "",
) -> tuple[str, list[str], list[str]]:
    """Add `(term, comment)` entries to `dimension.category` in a user lexicon file's text,
    keeping everything already there (comments included). Returns (new text, added, already present).

    Raises LexiconError when the file is for another dimension or is written in a style
    (flow mappings) that cannot be extended line by line.
    """
    import yaml

    for term, _ in entries:
        parse_entry(Located(term, 0, term), category=category, stem=False, path=path)  # refuse bad terms early
    if text is None or not text.strip():
        lines = [f"# {h}" for h in header.splitlines()] + [f"dimension: {dimension}", "categories:", f"  {category}:", "    entries:"]
        added = []
        seen: set[str] = set()
        for term, comment in entries:
            if entry_key(term) in seen:
                continue
            seen.add(entry_key(term))
            lines += [f"      # {comment}", f"      - {yaml_scalar(term)}"]
            added.append(term)
        return "\n".join(lines) + "\n", added, []
    if not text.endswith("\n"):
        text += "\n"
    tree = parse_lexicon_text(text, path)
    root = _compose(text, path)
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        raise LexiconError(path, "cannot add entries: the file is not a block-style YAML mapping; add them by hand", line=1)
    top = {k.value: (k, v) for k, v in root.value}
    if "dimension" not in top:
        raise LexiconError(path, "cannot add entries: the file has no 'dimension:'", line=1)
    if top["dimension"][1].value != dimension:
        raise LexiconError(path, f"this file is for dimension {top['dimension'][1].value!r}, not {dimension!r}; use --to another file", line=top["dimension"][0].start_mark.line + 1)
    present: set[str] = set()
    cats_tree = tree.value.get("categories")
    if cats_tree is not None and isinstance(cats_tree.value, dict) and category in cats_tree.value:
        cnode = cats_tree.value[category]
        if isinstance(cnode.value, dict) and "entries" in cnode.value and isinstance(cnode.value["entries"].value, list):
            for item in cnode.value["entries"].value:
                try:
                    present.add(entry_key(parse_entry(item, category=category, stem=False, path=path).term))
                except LexiconError:
                    pass
    todo: list[tuple[str, str]] = []
    skipped: list[str] = []
    for term, comment in entries:
        k = entry_key(term)
        if k in present:
            skipped.append(term)
            continue
        present.add(k)
        todo.append((term, comment))
    if not todo:
        return text, [], skipped

    def items(indent: int) -> str:
        pad = " " * indent
        return "".join(f"{pad}# {c}\n{pad}- {yaml_scalar(t)}\n" for t, c in todo)

    def insert(at: int, block: str) -> str:
        return text[:at] + block + text[at:]

    if "categories" not in top:
        new = text + f"categories:\n  {category}:\n    entries:\n" + items(6)
    else:
        key_node, cats = top["categories"]
        if isinstance(cats, yaml.ScalarNode) and cats.tag.endswith("null"):
            line_start = text.rfind("\n", 0, key_node.start_mark.index) + 1
            at = text.find("\n", key_node.end_mark.index) + 1
            new = text[:line_start] + f"categories:\n  {category}:\n    entries:\n" + items(6) + text[at:]
        elif not isinstance(cats, yaml.MappingNode) or cats.flow_style:
            raise LexiconError(path, "cannot add entries: 'categories:' is not a block-style mapping; add them by hand", line=key_node.start_mark.line + 1)
        else:
            cat_pair = next(((k, v) for k, v in cats.value if k.value == category), None)
            indent = cats.value[0][0].start_mark.column if cats.value else 2
            if cat_pair is None:
                new = insert(_insert_point(text, cats), f"{' ' * indent}{category}:\n{' ' * indent}  entries:\n" + items(indent + 4))
            else:
                ck, cv = cat_pair
                if isinstance(cv, yaml.ScalarNode) and cv.value == "" and cv.tag.endswith("null"):
                    at = text.find("\n", ck.end_mark.index) + 1
                    new = insert(at, f"{' ' * (indent + 2)}entries:\n" + items(indent + 4))
                elif not isinstance(cv, yaml.MappingNode) or cv.flow_style:
                    raise LexiconError(path, f"cannot add entries: category {category!r} is not a block-style mapping; add them by hand", line=ck.start_mark.line + 1)
                else:
                    inner = cv.value[0][0].start_mark.column if cv.value else indent + 2
                    ent = next(((k, v) for k, v in cv.value if k.value == "entries"), None)
                    if ent is None:
                        new = insert(_insert_point(text, cv), f"{' ' * inner}entries:\n" + items(inner + 2))
                    else:
                        ek, ev = ent
                        if isinstance(ev, yaml.SequenceNode) and not ev.flow_style:
                            new = insert(_insert_point(text, ev), items(ev.start_mark.column))
                        elif isinstance(ev, yaml.SequenceNode):  # entries: [a, b]
                            close = ev.end_mark.index - 1
                            if text[close] != "]":
                                raise LexiconError(path, "cannot add entries to this list; add them by hand", line=ek.start_mark.line + 1)
                            sep = ", " if ev.value else ""
                            joined = ", ".join(yaml_scalar(t) for t, _ in todo)
                            line_start = text.rfind("\n", 0, ek.start_mark.index) + 1
                            comments = "".join(f"{' ' * ek.start_mark.column}# {yaml_scalar(t)}: {c}\n" for t, c in todo)
                            new = text[:line_start] + comments + text[line_start:close] + sep + joined + text[close:]
                        elif isinstance(ev, yaml.ScalarNode) and ev.value == "" and ev.tag.endswith("null"):
                            at = text.find("\n", ek.end_mark.index) + 1
                            new = insert(at, items(inner + 2))
                        else:
                            raise LexiconError(path, f"cannot add entries: {category}.entries is not a list", line=ek.start_mark.line + 1)
    # Check the result reads back with the new entries where they belong.
    check = parse_lexicon_text(new, path)
    got: set[str] = set()
    try:
        for item in check.value["categories"].value[category].value["entries"].value:
            got.add(entry_key(parse_entry(item, category=category, stem=False, path=path).term))
    except (KeyError, AttributeError, TypeError):
        got = set()
    if not all(entry_key(t) in got for t, _ in todo):
        raise LexiconError(path, "could not add the entries safely; add them by hand")
    return new, [t for t, _ in todo], skipped


