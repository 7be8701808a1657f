"""What the columns of a score table mean: its dimensions, their kinds and category columns
(`infer_schema`), read from manifest.json when it declares them and from the header otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

__all__ = ["Dimension", "Schema", "infer_schema"]

_POLES_RESERVED = {"position", "ci_low", "ci_high", "label", "intensity"}
_RESERVED = _POLES_RESERVED | {"advocated", "rejected"}
_BASE = ("id", "title")
_COUNTS = ("n_tokens", "n_sentences")


@dataclass(frozen=True)
class Dimension:
    """One scored dimension as it appears in scores.csv.

    kind: poles | prescriptions | stances | categories | actors | dictionary | lean. `columns`
    holds the per-category columns in category order (for prescriptions:
    `prescription.<category>`). unit: what those numbers are, as manifest.json declares it ("" when
    read from the header); coverage: a dictionary's column of words matched by any entry;
    short_unit: the unit in a figure label's few words ("per 1,000 tokens"; "" when not declared).
    """

    name: str
    kind: str
    categories: tuple[str, ...]
    columns: tuple[str, ...]
    unit: str = ""
    coverage: str | None = None
    short_unit: str = ""

    def column(self, category: str) -> str:
        return self.columns[self.categories.index(category)]


@dataclass(frozen=True)
class Schema:
    dimensions: tuple[Dimension, ...]
    metadata: tuple[str, ...]
    actors_with_tone: tuple[str, ...]
    other_columns: tuple[str, ...]  # score columns no dimension claims (classifier outputs, ...)
    has_tone: bool = False  # tone.compound present

    def of_kind(self, *kinds: str) -> list[Dimension]:
        return [d for d in self.dimensions if d.kind in kinds]

    def get(self, name: str) -> Dimension | None:
        for d in self.dimensions:
            if d.name == name:
                return d
        return None


# Columns the classifiers add beside each dimension: each source's value and their agreement.
_SOURCE_SUFFIXES = ("_lexicon", "_classifier")


def _is_category_name(suffix: str) -> bool:
    return (suffix not in _RESERVED and suffix != "agreement" and not suffix.endswith(_SOURCE_SUFFIXES)
            and "classifier" not in suffix and "." not in suffix)


def kind_short_unit(kind: str) -> str:
    """The short unit of a kind's category columns, for a schema that does not declare it (a
    manifest written before it did, or none at all): the lexicon kind's own, and `probability`
    for the lean model, which is not a lexicon."""
    from ..scoring.kinds import KINDS

    return KINDS[kind].short_unit if kind in KINDS else ("probability" if kind == "lean" else "")


def _declared(name: str, entry: Mapping[str, Any], pos: Mapping[str, int]) -> Dimension | None:
    """A dimension as manifest.json declares it, with the category columns the table has."""
    present = [(cat, col) for cat, col in zip(entry["categories"], entry["category_columns"]) if col in pos]
    if not present:
        return None
    coverage = entry.get("coverage_column")
    return Dimension(name, str(entry["kind"]), tuple(c for c, _ in present), tuple(col for _, col in present), str(entry.get("unit") or ""),
                     coverage if coverage in pos else None, str(entry.get("short_unit") or "") or kind_short_unit(str(entry["kind"])))


def infer_schema(columns: Sequence[str], dimension_names: Sequence[str] | None = None,
                 declared: Mapping[str, Mapping[str, Any]] | None = None) -> Schema:
    """The dimensions, their kinds and category columns of a score table.

    `declared` (manifest.json `dimensions`, read by `framing.io.runs.declared_dimensions`) gives
    each lexicon dimension's kind, categories and columns, whatever the category names look like
    (`moral.care.virtue`). Without it (an older output folder), and for the dimensions added by
    models (`lean`), they are read from the header: it is written in a fixed order (id, title,
    metadata, counts, one block per dimension, tone, classifier columns), so a dimension's
    categories are the consecutive columns of its block. `dimension_names` (manifest.json
    `lexicon_dimensions`) fixes the order when known.
    """
    cols = list(columns)
    pos = {c: i for i, c in enumerate(cols)}
    names: list[str] = list(dict.fromkeys(dimension_names or ()))
    for c in cols:
        if "." in c:
            prefix = c.split(".", 1)[0]
            if prefix not in names and prefix not in ("tone", "meta"):
                names.append(prefix)
    consumed: set[str] = set()
    dims: list[Dimension] = []
    for name, entry in (declared or {}).items():
        dim = _declared(name, entry, pos)
        if dim is None:
            continue
        dims.append(dim)
        consumed.update(c for c in list(entry.get("columns") or ()) + list(entry["category_columns"]) if c in pos)
    names = [n for n in names if not any(d.name == n for d in dims)]

    def block_after(start: int, prefix: str) -> list[str]:
        out = []
        for c in cols[start:]:
            if not c.startswith(prefix + "."):
                break
            suffix = c[len(prefix) + 1:]
            if not _is_category_name(suffix):
                break
            out.append(c)
        return out

    # prescriptions first: their category columns use another prefix (`prescription.`)
    for name in names:
        adv = f"{name}.advocated"
        if adv in pos and f"{name}.rejected" in pos:
            i = pos[adv] - 1
            block: list[str] = []
            prefix = cols[i].rsplit(".", 1)[0] if i >= 0 and "." in cols[i] else None
            while prefix is not None and i >= 0 and cols[i].startswith(prefix + ".") and _is_category_name(cols[i][len(prefix) + 1:]):
                block.insert(0, cols[i])
                i -= 1
            cats = tuple(c[len(prefix) + 1:] for c in block) if prefix else ()
            dims.append(Dimension(name, "prescriptions", cats, tuple(block), short_unit=kind_short_unit("prescriptions")))
            consumed.update(block + [adv, f"{name}.rejected"])
    for name in names:
        if any(d.name == name for d in dims):
            continue
        own = [c for c in cols if c.startswith(name + ".") and c not in consumed]
        if not own:
            continue
        if f"{name}.position" in pos:
            start = pos.get(f"{name}.intensity", pos[f"{name}.position"]) + 1
            block = block_after(start, name) or [c for c in own if _is_category_name(c[len(name) + 1:])]
            kind = "poles"
            consumed.update(f"{name}.{s}" for s in _POLES_RESERVED)
        elif f"{name}.label" in pos:
            block = [c for c in own if _is_category_name(c[len(name) + 1:])]
            kind = "categories" if f"{name}.intensity" in pos else ("lean" if name == "lean" else "stances")
            consumed.update({f"{name}.label", f"{name}.intensity"})
        else:
            block = [c for c in own if _is_category_name(c[len(name) + 1:])]
            kind = "actors"
        if not block:
            continue
        consumed.update(block)
        dims.append(Dimension(name, kind, tuple(c[len(name) + 1:] for c in block), tuple(block), short_unit=kind_short_unit(kind)))
    # order as in the header
    dims.sort(key=lambda d: min((pos[c] for c in d.columns), default=len(cols)))
    if "n_tokens" in pos:
        metadata = tuple(c for c in cols[: pos["n_tokens"]] if c not in _BASE)
    else:
        metadata = tuple(c for c in cols if c not in _BASE and "." not in c and c not in _COUNTS)
    metadata += tuple(c for c in cols if c.startswith("meta.") and c not in metadata)
    tone = tuple(c[5:] for c in cols if c.startswith("tone.") and c != "tone.compound")
    consumed.update(f"tone.{a}" for a in tone)
    consumed.add("tone.compound")
    other = tuple(c for c in cols if "." in c and c not in consumed and not c.startswith("meta."))
    return Schema(tuple(dims), metadata, tone, other, has_tone="tone.compound" in pos)
