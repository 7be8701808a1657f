"""The units to annotate, the labels offered for them and the order they are shown in.

Everything here is a plain function of its inputs (the corpus, the lexicon, a seed): the same
corpus and options give the same queue, so a second coder can be shown the same units.

- A unit is a sentence, or a passage of `PASSAGE_SENTENCES` consecutive sentences for `stances`
  dimensions (ideology), the units the shipped classifiers are trained on. Its id is
  `<article id>:<first character offset>`, its group the article id.
- `order_units` puts them in the order asked for: `random` (a seeded shuffle) or `active`
  (the shipped classifier's least certain units first, and units where the lexicon and the
  classifier disagree before those, with one random unit in every five so the labels stay
  representative); `like` puts another file's units first, in that file's order.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from ..errors import ConfigError
from ..models import Article, Lexicon, Match

__all__ = [
    "Unit",
    "LabelOption",
    "ANNOTATABLE_KINDS",
    "annotatable_dimensions",
    "find_lexicon",
    "label_options",
    "unit_kind",
    "build_units",
    "lexicon_labels",
    "order_units",
    "classifier_uncertainty",
    "RANDOM_EVERY",
]

ANNOTATABLE_KINDS = ("poles", "prescriptions", "stances", "categories")
PRESCRIPTION_ROLES = ("advocate", "reject", "describe")
ROLE_TEXT = {
    "advocate": "the text argues for this policy",
    "reject": "the text argues against this policy",
    "describe": "the policy is reported or attributed, without the text taking a side",
}
NONE_TEXT = "Nothing of this dimension in the unit."
RANDOM_EVERY = 5  # active order: every fifth unit is a random one
_PARAGRAPH_RE = re.compile(r"[^\n]+")


@dataclass(frozen=True)
class LabelOption:
    value: str  # the label written to the file
    name: str  # what the button says
    group: str  # prescriptions: the policy category (buttons are grouped by it); else ""
    definition: str  # the lexicon category's description, shown on click


@dataclass(frozen=True)
class Unit:
    id: str
    text: str
    group: str  # the article id (grouped cross-validation)
    title: str = ""
    context: str = ""  # the paragraph(s) around the unit
    unit_start: int = 0  # the unit's span inside `context`
    unit_end: int = 0
    marks: tuple[tuple[int, int, str], ...] = ()  # lexicon matches inside `context`: start, end, category
    lexicon_label: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "text": self.text, "group": self.group, "title": self.title,
            "context": self.context, "unit_start": self.unit_start, "unit_end": self.unit_end,
            "marks": [list(m) for m in self.marks], "lexicon_label": self.lexicon_label,
        }


def annotatable_dimensions(lexicons: Iterable[Lexicon]) -> list[str]:
    return [lx.dimension for lx in lexicons if lx.kind in ANNOTATABLE_KINDS]


def find_lexicon(dimension: str, lexicons: Sequence[Lexicon]) -> Lexicon:
    """The lexicon of `dimension`; a ConfigError naming the known dimensions otherwise."""
    for lx in lexicons:
        if lx.dimension == dimension and lx.kind in ANNOTATABLE_KINDS:
            return lx
    known = ", ".join(annotatable_dimensions(lexicons)) or "none"
    raise ConfigError(f"unknown dimension {dimension!r}; known dimensions: {known}")


def unit_kind(lexicon: Lexicon) -> str:
    return "passage" if lexicon.kind == "stances" else "sentence"


def label_options(lexicon: Lexicon) -> list[LabelOption]:
    """The labels of a dimension, in the order of the buttons (the codebook's label sets)."""
    opts: list[LabelOption] = []
    if lexicon.kind == "prescriptions":
        for c in lexicon.categories:
            for role in PRESCRIPTION_ROLES:
                opts.append(LabelOption(f"{c.name}:{role}", role, c.name, f"{c.description} ({role}: {ROLE_TEXT[role]})"))
        opts.append(LabelOption("none", "none", "", "No policy prescription in the unit."))
        return opts
    for c in lexicon.categories:
        opts.append(LabelOption(c.name, c.name, "", c.description))
    if lexicon.kind != "stances":
        opts.append(LabelOption("none", "none", "", NONE_TEXT))
    return opts


def _paragraph_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The paragraphs (runs of text between newlines) that the span [start, end) touches."""
    a, b = start, end
    for m in _PARAGRAPH_RE.finditer(text):
        if m.end() <= start:
            continue
        if m.start() >= end:
            break
        a, b = min(a, m.start()), max(b, m.end())
    return a, b


def _units_of_article(article: Article, lexicon: Lexicon, compiled: Any) -> list[Unit]:
    from ..scoring.classifiers import passages_of
    from ..scoring.features import lexicon_unit_label
    from ..scoring.lexicon_scores import match_document
    from ..text import preprocess

    doc = preprocess(article)
    if not doc.sentences:
        return []
    matches: list[Match] = [m for m in match_document(doc, compiled) if m.dimension == lexicon.dimension]
    if unit_kind(lexicon) == "passage":
        unit_of = passages_of(len(doc.sentences))
    else:
        unit_of = list(range(len(doc.sentences)))
    spans: dict[int, list[int]] = {}
    for i, u in enumerate(unit_of):
        spans.setdefault(u, []).append(i)
    text = article.text
    out: list[Unit] = []
    for u, idx in sorted(spans.items()):
        sents = [doc.sentences[i] for i in idx]
        start, end = sents[0].start, sents[-1].end
        a, b = _paragraph_span(text, start, end)
        own = [m for m in matches if m.sentence_index in set(idx)]
        marks = tuple(sorted((m.start - a, m.end - a, m.category) for m in matches if a <= m.start and m.end <= b))
        label = lexicon_unit_label(lexicon, own, n_tokens=sum(len(s.norms) for s in sents), n_sentences=len(sents))
        out.append(Unit(
            id=f"{article.id}:{start}", text=text[start:end], group=str(article.id), title=article.title,
            context=text[a:b], unit_start=start - a, unit_end=end - a, marks=marks, lexicon_label=label,
        ))
    return out


def build_units(articles: Iterable[Article], lexicon: Lexicon) -> list[Unit]:
    """Every unit of every article, in corpus order (a repeated unit id is kept once)."""
    from ..scoring.lexicon_scores import CompiledLexicon

    compiled = CompiledLexicon(lexicon)
    seen: set[str] = set()
    units: list[Unit] = []
    for article in articles:
        for unit in _units_of_article(article, lexicon, compiled):
            if unit.id not in seen and unit.text.strip():
                seen.add(unit.id)
                units.append(unit)
    return units


def lexicon_labels(units: Sequence[Unit]) -> dict[str, str | None]:
    return {u.id: u.lexicon_label for u in units}


def classifier_uncertainty(units: Sequence[Unit], lexicon: Lexicon, model_dir: Any = None) -> dict[str, tuple[float, str]] | None:
    """unit id -> (top probability, most probable label) of the shipped classifier of the
    dimension, or None when there is none (or it cannot read this lexicon)."""
    from pathlib import Path

    from ..scoring.ngram_model import load_ngram_model, shipped_model_dir

    base = Path(model_dir) if model_dir is not None else shipped_model_dir()
    stem = base / lexicon.dimension
    if not (stem.with_suffix(".json").is_file() and stem.with_suffix(".npz").is_file()):
        return None
    try:
        model = load_ngram_model(stem)
        if not units:
            return {}
        proba = model.predict_proba_texts([u.text for u in units], lexicon=lexicon)
    except Exception:  # a model that does not fit a user's layered lexicon: fall back
        return None
    out: dict[str, tuple[float, str]] = {}
    for u, row in zip(units, proba.tolist()):
        k = max(range(len(row)), key=row.__getitem__)
        out[u.id] = (float(row[k]), str(model.classes[k]))
    return out


def _active_ranked(units: Sequence[Unit], uncertainty: Mapping[str, tuple[float, str]] | None, rng: random.Random) -> list[Unit]:
    if uncertainty is None:
        # no classifier: units with lexicon evidence first (shuffled), then the rest (shuffled)
        hit = [u for u in units if u.marks]
        rest = [u for u in units if not u.marks]
        rng.shuffle(hit)
        rng.shuffle(rest)
        return hit + rest

    def key(item: tuple[int, Unit]) -> tuple[int, float, int]:
        i, u = item
        top, label = uncertainty.get(u.id, (1.0, u.lexicon_label or ""))
        disagree = u.lexicon_label is not None and label != u.lexicon_label
        return (0 if disagree else 1, top, i)

    return [u for _, u in sorted(enumerate(units), key=key)]


def _interleave(ranked: Sequence[Unit], shuffled: Sequence[Unit], every: int) -> list[Unit]:
    """`ranked` with every `every`-th place given to the next unused unit of `shuffled`."""
    out: list[Unit] = []
    used: set[str] = set()
    by_rank, at_random = iter(ranked), iter(shuffled)

    def following(it: Any) -> Unit | None:
        for u in it:
            if u.id not in used:
                return u
        return None

    while len(out) < len(ranked):
        unit = following(at_random) if (len(out) + 1) % every == 0 else following(by_rank)
        if unit is None:
            unit = following(by_rank) or following(at_random)
        if unit is None:
            break
        used.add(unit.id)
        out.append(unit)
    return out


def order_units(
    units: Sequence[Unit], *, sample: str = "active", seed: int = 0,
    uncertainty: Mapping[str, tuple[float, str]] | None = None, like: Sequence[str] | None = None,
) -> list[Unit]:
    """The units in the order they are shown.

    `like`: unit ids (another coder's file, in its order) that come first, exactly in that order;
    every one of them must be a unit of this corpus. The remaining units follow in `sample` order.
    """
    if sample not in ("active", "random"):
        raise ConfigError(f"--sample must be active or random, not {sample!r}")
    head: list[Unit] = []
    if like:
        by_id = {u.id: u for u in units}
        missing = [i for i in dict.fromkeys(like) if i not in by_id]
        if missing:
            raise ConfigError(f"{len(missing)} of the --like file's units are not in this corpus (first: {missing[0]}); give the same --corpus as the first coder")
        head = [by_id[i] for i in dict.fromkeys(like)]
    taken = {u.id for u in head}
    rest = [u for u in units if u.id not in taken]
    rng = random.Random(seed)
    shuffled = list(rest)
    rng.shuffle(shuffled)
    if sample == "random":
        return head + shuffled
    ranked = _active_ranked(rest, uncertainty, random.Random(seed + 1))
    return head + _interleave(ranked, shuffled, RANDOM_EVERY)
