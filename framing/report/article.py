"""The context of one article page: its scores, highlighted text, evidence tables, actor tone,
classifier sentences, metadata, distinctive words and neighbours."""
from __future__ import annotations

from collections import Counter
from types import SimpleNamespace as _ns
from typing import Any, Mapping, Sequence

from markupsafe import Markup

from ..compare.narratives import Quote, humanize
from ..compare.schema import Schema
from .dimensions import DimensionView
from .html import category_tbody, css_token, fmt_signed, highlight, is_missing, meta_value, to_float

__all__ = ["article_context"]


def article_context(
    i: int, row: Mapping[str, Any], art: Mapping[str, Any] | None, evidence: Sequence[Mapping[str, Any]], schema: Schema, name: str, *,
    kinds: Mapping[str, str], colour_class: Mapping[tuple[str, str], str], keyterms: Sequence[Any], lexicon_words: set[str],
    neighbours: Sequence[Mapping[str, Any]], quotes: Mapping[str, Sequence[Quote]], views: Mapping[str, DimensionView],
    off_topic: str | None = None,
) -> Any:
    """off_topic: the dimension an off-topic article has no evidence on (None when on topic)."""
    matches = [r for r in evidence if r.get("type", "match") == "match"]
    model_sents = [r for r in evidence if r.get("type") == "sentence" and not str(r.get("dimension", "")).endswith(".article")]
    # the article heads' traces: the sentences that moved each article-level decision most
    decision_sents = [r for r in evidence if r.get("type") == "sentence" and str(r.get("dimension", "")).endswith(".article")]
    text = (art or {}).get("text") if art else None
    spans = (art or {}).get("sentences") or []
    tone = (art or {}).get("sentence_tone") or []

    if isinstance(text, str):
        body = highlight(text, spans, matches, kinds=kinds, colour_class=colour_class)
    else:
        body = _evidence_only_text(evidence, matches, kinds=kinds, colour_class=colour_class)

    by_cat: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for m in matches:  # a dictionary match counts in each of its categories
        cats = m.get("categories") if isinstance(m.get("categories"), Mapping) else {m.get("category"): None}
        for cat in cats:
            by_cat.setdefault((str(m.get("dimension")), str(cat)), []).append(m)

    dims = []
    for dim in schema.dimensions:
        if dim.kind == "actors":
            continue
        cats = []
        ranked: list[list[tuple[str, Quote]]] = []  # per category, its best sentences
        for cat, col in zip(dim.categories, dim.columns):
            ms = by_cat.get((dim.name, cat), [])
            if dim.kind == "prescriptions":
                ranked.append([(f"{humanize(cat)} ({role}d)", q) for role in ("advocate", "reject") for q in quotes.get(f"{dim.name}:{role}:{cat}", ())])
            elif dim.kind == "lean":
                ranked.append([(humanize(cat), q) for q in quotes.get(f"model:{dim.name}:{cat}", ())])
            else:
                ranked.append([(humanize(cat), q) for q in quotes.get(f"{dim.name}:{cat}", ())])
            cats.append(category_tbody(dim, cat, row.get(col), ms))
        dims.append(_ns(**{
            "name": dim.name, "kind": dim.kind, "anchor": f"dim-{css_token(dim.name)}",
            "positive": views[dim.name].positive, "negative": views[dim.name].negative,
            "label": row.get(f"{dim.name}.label"), "position": row.get(f"{dim.name}.position"),
            "ci_low": row.get(f"{dim.name}.ci_low"), "ci_high": row.get(f"{dim.name}.ci_high"),
            "intensity": row.get(f"{dim.name}.intensity"),
            "advocated": [c for c in str(row.get(f"{dim.name}.advocated") or "").split(";") if c],
            "rejected": [c for c in str(row.get(f"{dim.name}.rejected") or "").split(";") if c],
            "dist": [(c, to_float(row.get(col))) for c, col in zip(dim.categories, dim.columns)] if dim.kind in ("stances", "lean", "dictionary") else [],
            "coverage": to_float(row.get(dim.coverage)) if dim.coverage else None,
            "top": _top_evidence(ranked),
            "table_body": Markup("".join(cats)),
        }))

    actors = []
    for dim in schema.of_kind("actors"):
        for cat, col in zip(dim.categories, dim.columns):
            ms = by_cat.get((dim.name, cat), [])
            sent_idx = sorted({int(m.get("sentence_index", -1)) for m in ms})
            actors.append(_ns(**{
                "name": cat, "dimension": dim.name, "anchor": f"ev-{css_token(dim.name)}-{css_token(cat)}", "tone_anchor": f"tone-{css_token(cat)}",
                "count": row.get(col), "tone": row.get(f"tone.{cat}"),
                "sentences": Markup(", ".join(
                    f'<a href="#s-{k}">{k + 1}</a>' + (f" ({fmt_signed(tone[k])})" if 0 <= k < len(tone) else "") for k in sent_idx)),
                "neg": quotes.get(f"tone:{cat}:neg", ()), "pos": quotes.get(f"tone:{cat}:pos", ()),
            }))
    known_actor_tone = {a.name for a in actors}
    extra_tone = [a for a in schema.actors_with_tone if a not in known_actor_tone]

    models: dict[str, list[dict[str, Any]]] = {}
    for r in model_sents:
        models.setdefault(str(r.get("dimension")), []).append(r)
    model_blocks = []
    for dname, rs in models.items():
        classes = sorted({c for r in rs for c in (r.get("probabilities") or {})})
        top = {c: sorted(rs, key=lambda r: -float((r.get("probabilities") or {}).get(c, 0.0)))[:3] for c in classes}
        model_blocks.append(_ns(**{"dimension": dname, "anchor": f"model-{css_token(dname)}", "classes": classes, "n": len(rs),
                             "top": [(c, [{"i": int(r.get("sentence_index", -1)), "p": float((r.get("probabilities") or {}).get(c, 0.0)),
                                            "sentence": str(r.get("sentence", ""))} for r in top[c]]) for c in classes]}))

    decisions: dict[str, list[dict[str, Any]]] = {}
    for r in decision_sents:
        for what, value in (r.get("probabilities") or {}).items():
            decisions.setdefault(str(r.get("dimension"))[: -len(".article")], []).append(
                {"what": str(what), "i": int(r.get("sentence_index", -1)), "v": float(value), "sentence": str(r.get("sentence", ""))})
    decision_blocks = [_ns(dimension=d, anchor=f"decision-{css_token(d)}", rows=sorted(rs, key=lambda x: (not x["what"].startswith("for "), -x["v"])))
                       for d, rs in decisions.items()]

    meta = []
    if art and isinstance(art.get("metadata"), Mapping):
        meta = [(str(k), meta_value(v)) for k, v in art["metadata"].items()]
    else:
        meta = [(c, meta_value(row.get(c))) for c in schema.metadata if not is_missing(row.get(c))]


    return _ns(**{
        "id": str(row.get("id")), "name": name, "n_tokens": row.get("n_tokens"), "n_sentences": row.get("n_sentences"),
        "has_text": isinstance(text, str), "body": body, "dims": dims, "actors": actors, "extra_tone": extra_tone,
        "tone": row.get("tone.compound"), "has_tone": schema.has_tone, "models": model_blocks, "decisions": decision_blocks,
        "other": [(c, row.get(c)) for c in schema.other_columns], "meta": meta,
        "keyterms": [{"t": k, "lex": k.term in lexicon_words} for k in keyterms], "neighbours": neighbours, "off_topic": off_topic,
        "kinds": {d.kind for d in schema.dimensions}, "n_matches": len(matches), "flags": Counter(f for m in matches for f in ("negated", "hedged", "quoted") if m.get(f)),
    })


def _top_evidence(ranked: Sequence[Sequence[tuple[str, Quote]]], limit: int = 3) -> list[tuple[str, Quote]]:
    """The top evidence sentences of a dimension: the best sentence of each category first (so
    both poles show when both are present), strongest first, without repeating a sentence."""
    out: list[tuple[str, Quote]] = []
    seen: set[int] = set()
    depth = max((len(r) for r in ranked), default=0)
    for level in range(depth):
        tier = sorted((r[level] for r in ranked if len(r) > level), key=lambda cq: -abs(cq[1].weight))
        for cat, q in tier:
            if q.sentence_index not in seen and len(out) < limit:
                seen.add(q.sentence_index)
                out.append((cat, q))
    return out


def _evidence_only_text(evidence, matches, *, kinds, colour_class) -> Markup:
    """Without articles.jsonl (a scores folder from an older version): the sentences that carry
    evidence, in order, highlighted, keeping the article's sentence numbers as anchors."""
    sents: dict[int, str] = {}
    for r in evidence:
        sents.setdefault(int(r.get("sentence_index", -1)), str(r.get("sentence", "")))
    order = sorted(k for k in sents if k >= 0)
    spans, pieces, offset = [], [], 0
    where: dict[int, int] = {}
    for k in order:
        where[k] = offset
        spans.append((offset, offset + len(sents[k])))
        pieces.append(sents[k])
        offset += len(sents[k]) + 2
    remapped = []
    cursor: dict[int, int] = {}
    for m in sorted(matches, key=lambda m: (int(m.get("sentence_index", -1)), int(m.get("start", 0)))):
        k = int(m.get("sentence_index", -1))
        if k not in where:
            continue
        found = sents[k].find(str(m.get("text", "")), cursor.get(k, 0))
        if found < 0:
            continue
        cursor[k] = found
        a = where[k] + found
        remapped.append({**m, "sentence_index": order.index(k), "start": a, "end": a + len(str(m.get("text", "")))})
    return highlight("\n\n".join(pieces), spans, remapped, kinds=kinds, colour_class=colour_class, sentence_numbers=order)
