"""What the report knows of each dimension, from the dimension's own definition.

The schema in manifest.json says which dimensions, kinds and categories there are (the score
table's header for an older folder: `compare.infer_schema`); the lexicon files recorded in manifest.json say the rest: which two categories are the ends of a
poles axis, which categories are labels off the axis (`legitimate` for the alliance), and what
the dimension measures. A user-defined dimension renders from its own file; nothing here names
the shipped ones. When the files are gone or changed since scoring, the report falls back to
the score table's category order (the order the lexicon lists them in).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..compare.schema import Dimension, Schema

__all__ = ["DimensionView", "NO_LABEL", "MIXED_LABEL", "dimension_views", "read_definitions", "ordered_labels"]

NO_LABEL = "absent"  # the label of an article without (enough) evidence, for every labelled kind
MIXED_LABEL = "mixed"  # poles: evidence on both ends, unresolved


@dataclass(frozen=True)
class DimensionView:
    """A dimension as the report shows it.

    positive / negative: the +1 and -1 ends of a poles axis (None for other kinds). labels: every
    label the dimension gives, in the order legends and tables list them. off_axis: poles
    categories that are labels but not on the axis. description: what it measures, in a sentence.
    """

    dimension: Dimension
    description: str = ""
    positive: str | None = None
    negative: str | None = None
    off_axis: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    category_descriptions: Mapping[str, str] | None = None
    params: Mapping[str, Any] | None = None

    @property
    def name(self) -> str:
        return self.dimension.name

    def describe(self, category: str) -> str:
        return (self.category_descriptions or {}).get(category, "")


def _first_sentence(text: Any) -> str:
    words = " ".join(str(text or "").split())
    match = re.match(r"(.+?[.!?])(?:\s|$)", words)
    return (match.group(1) if match else words).rstrip(".")


def read_definitions(manifest: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The definitions of the scored dimensions, from the lexicon files manifest.json lists, when
    each is still there unchanged (same sha256). Layers over the same dimension add to it."""
    from ..errors import LexiconError
    from ..io.lexicon_files import read_lexicon_file

    out: dict[str, dict[str, Any]] = {}
    for path, digest in (manifest.get("lexicons") or {}).items():
        try:
            if not Path(str(path)).is_file():
                continue
            lexicon_file = read_lexicon_file(path)
        except (LexiconError, OSError):
            continue
        if lexicon_file.sha256 != str(digest):
            continue
        root = lexicon_file.root.plain()
        if not isinstance(root, dict) or not root.get("dimension"):
            continue
        definition = out.setdefault(str(root["dimension"]), {"description": "", "params": {}, "categories": {}})
        definition["description"] = definition["description"] or _first_sentence(root.get("description"))
        if isinstance(root.get("params"), dict):
            definition["params"].update(root["params"])
        for name, cat in (root.get("categories") or {}).items() if isinstance(root.get("categories"), dict) else ():
            known = definition["categories"].setdefault(str(name), {})
            if isinstance(cat, dict):
                known.setdefault("opposite", cat.get("opposite"))
                known.setdefault("description", _first_sentence(cat.get("description")))
    return out


def _axis(dim: Dimension, definition: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The (+1, -1) ends: `params.positive/negative`, else the first category that names an
    `opposite` (the scoring rule, framing.scoring.lexicon_scores), else the first two listed."""
    params = definition.get("params") or {}
    if params.get("positive") in dim.categories and params.get("negative") in dim.categories:
        return str(params["positive"]), str(params["negative"])
    for name in dim.categories:
        opposite = (definition.get("categories") or {}).get(name, {}).get("opposite")
        if opposite in dim.categories:
            return name, str(opposite)
    if len(dim.categories) >= 2:
        return dim.categories[0], dim.categories[1]
    return (dim.categories[0] if dim.categories else None), None


def dimension_views(schema: Schema, definitions: Mapping[str, Mapping[str, Any]]) -> dict[str, DimensionView]:
    views: dict[str, DimensionView] = {}
    for dim in schema.dimensions:
        definition = definitions.get(dim.name, {})
        cats = {name: str(c.get("description") or "") for name, c in (definition.get("categories") or {}).items()}
        common = {"dimension": dim, "description": str(definition.get("description") or ""), "category_descriptions": cats,
                  "params": dict(definition.get("params") or {})}
        if dim.kind == "poles":
            pos, neg = _axis(dim, definition)
            off = tuple(c for c in dim.categories if c not in (pos, neg))
            labels = tuple(c for c in (pos, neg) if c) + off + (MIXED_LABEL, NO_LABEL)
            views[dim.name] = DimensionView(**common, positive=pos, negative=neg, off_axis=off, labels=labels)
        elif dim.kind in ("categories",):
            views[dim.name] = DimensionView(**common, labels=tuple(dim.categories) + (NO_LABEL,))
        else:
            views[dim.name] = DimensionView(**common, labels=tuple(dim.categories))
    return views


def ordered_labels(view: DimensionView, present: Sequence[str]) -> list[str]:
    """The labels found in the scores, in the view's order, unknown ones last."""
    seen = set(present)
    return [k for k in view.labels if k in seen] + sorted(seen - set(view.labels))
