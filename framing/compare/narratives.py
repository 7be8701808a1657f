"""Evidence digests and pairwise narratives: the best evidence sentences of an article by what
they count for (`digest_evidence`), and a short comparison of two articles, every claim carrying
the sentences it rests on (`pair_narrative`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from .schema import Schema

__all__ = ["Quote", "Claim", "digest_evidence", "humanize", "pair_narrative"]

@dataclass(frozen=True)
class Quote:
    """An evidence sentence behind a claim."""

    sentence: str
    sentence_index: int
    weight: float  # summed effective weight of the matches, or the tone / probability
    measure: str = "weight"  # what `weight` is: weight | tone | probability


@dataclass(frozen=True)
class Claim:
    """One sentence of a narrative, with the quoted evidence for each side."""

    text: str
    quotes_a: tuple[Quote, ...] = ()
    quotes_b: tuple[Quote, ...] = ()
    caveat: str = ""


def digest_evidence(
    records: Iterable[Mapping[str, Any]], *, actor_dimensions: Iterable[str] = (), sentence_tone: Sequence[float] = (), per_key: int = 2,
) -> dict[str, tuple[Quote, ...]]:
    """The best evidence sentences of one article, by key:

    - `dim:category`: sentences whose matches count for the category, by summed effective weight;
    - `dim:advocate:category` / `dim:reject:category`: prescription sentences by role;
    - `tone:actor:neg` / `tone:actor:pos`: the most negative / positive sentence naming the actor
      (needs `sentence_tone`);
    - `model:dim:class`: sentences a classifier gives the highest probability for the class.
    """
    actor_dims = set(actor_dimensions)
    weight: dict[str, dict[int, float]] = {}
    text: dict[int, str] = {}
    actor_sents: dict[str, set[int]] = {}
    for r in records:
        i = int(r.get("sentence_index", -1))
        if "sentence" in r:
            text[i] = r["sentence"]
        if r.get("type") == "sentence":
            for cls, p in (r.get("probabilities") or {}).items():
                d = weight.setdefault(f"model:{r.get('dimension')}:{cls}", {})
                d[i] = max(d.get(i, 0.0), float(p))
            continue
        dim, cat, role = r.get("dimension"), r.get("category"), r.get("role") or ""
        if dim in actor_dims:
            actor_sents.setdefault(str(cat), set()).add(i)
            continue
        if role in ("advocate", "reject"):
            key, w = f"{dim}:{role}:{cat}", float(r.get("weight", 1.0))
        elif r.get("counts_for"):
            key, w = f"{dim}:{r['counts_for']}", float(r.get("effective_weight", 0.0))
        else:
            continue  # negated-and-ignored matches and prescription descriptions count nowhere
        d = weight.setdefault(key, {})
        d[i] = d.get(i, 0.0) + w
    out: dict[str, tuple[Quote, ...]] = {}
    for key, by_sent in weight.items():
        best = sorted(by_sent.items(), key=lambda kv: (-kv[1], kv[0]))[:per_key]
        measure = "probability" if key.startswith("model:") else "weight"
        quotes = tuple(Quote(text.get(i, ""), i, round(w, 4), measure) for i, w in best if w > 0)
        if quotes:
            out[key] = quotes
    if sentence_tone:
        for actor, idx in actor_sents.items():
            scored = sorted((float(sentence_tone[i]), i) for i in idx if 0 <= i < len(sentence_tone))
            neg = [Quote(text.get(i, ""), i, t, "tone") for t, i in scored[:per_key] if t < 0]
            pos = [Quote(text.get(i, ""), i, t, "tone") for t, i in sorted(scored, key=lambda ti: (-ti[0], ti[1]))[:per_key] if t > 0]
            if neg:
                out[f"tone:{actor}:neg"] = tuple(neg)
            if pos:
                out[f"tone:{actor}:pos"] = tuple(pos)
    return out


def humanize(name: str) -> str:
    """`alliance_building` -> `alliance building`."""
    return str(name).replace("_", " ").strip()


_POLE_PHRASES = {
    "threat": "a threat",
    "hollow": "hollow",
    "legitimate": "a legitimate partnership",
    "mixed": "mixed",
    "absent": "barely at all",
}
_SUBJECTS = {"alliance": "the alignment"}


def _num(row: Mapping[str, Any], col: str) -> float | None:
    v = row.get(col)
    if v is None or v == "":
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _split(value: Any) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return [v for v in str(value).split(";") if v]


def _join(items: Sequence[str]) -> str:
    items = [humanize(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _signed(x: float) -> str:
    return f"{x:+.2f}".replace("-", "\u2212")


def pair_narrative(
    row_a: Mapping[str, Any], row_b: Mapping[str, Any], schema: Schema, *,
    quotes_a: Mapping[str, Sequence[Quote]] | None = None, quotes_b: Mapping[str, Sequence[Quote]] | None = None,
    distance: float | None = None, distance_rank: float | None = None, min_tone_gap: float = 0.2,
) -> list[Claim]:
    """A short comparison of two articles, generated from their scores; every claim carries the
    evidence sentences (from `digest_evidence`) it rests on. A and B in the text stand for the two
    articles. `distance_rank` is the share of pairs that are closer than this one (0..1)."""
    qa = quotes_a or {}
    qb = quotes_b or {}
    claims: list[Claim] = []

    def q(quotes: Mapping[str, Sequence[Quote]], key: str, n: int = 1) -> tuple[Quote, ...]:
        return tuple(quotes.get(key, ()))[:n]

    for dim in schema.of_kind("poles"):
        la, lb = row_a.get(f"{dim.name}.label"), row_b.get(f"{dim.name}.label")
        pa, pb = _num(row_a, f"{dim.name}.position"), _num(row_b, f"{dim.name}.position")
        if not la or not lb or pa is None or pb is None or (la == "absent" and lb == "absent"):
            continue
        subject = _SUBJECTS.get(dim.name, f"the story on {humanize(dim.name)}")
        ia = (_num(row_a, f"{dim.name}.ci_low"), _num(row_a, f"{dim.name}.ci_high"))
        ib = (_num(row_b, f"{dim.name}.ci_low"), _num(row_b, f"{dim.name}.ci_high"))
        overlap = None not in ia + ib and ia[0] <= ib[1] and ib[0] <= ia[1]  # type: ignore[operator]
        verb = "frames" if dim.name == "alliance" else "scores"

        def phrase(label: str) -> str:
            return _POLE_PHRASES.get(label, humanize(label)) if dim.name == "alliance" else humanize(label)

        if la != lb:
            text = f"A {verb} {subject} as {phrase(la)} (position {_signed(pa)}), B as {phrase(lb)} ({_signed(pb)})."
            if la == "absent":
                text = f"A barely discusses {subject}; B frames it as {phrase(lb)} (position {_signed(pb)})."
            elif lb == "absent":
                text = f"A frames {subject} as {phrase(la)} (position {_signed(pa)}); B barely discusses it."
            caveat = "Their 90% intervals overlap, so the difference in position is not clear-cut." if overlap and "absent" not in (la, lb) else ""
        else:
            gap = abs(pa - pb)
            if gap >= 0.2 and not overlap:
                stronger = "A" if abs(pa) > abs(pb) else "B"
                text = f"Both frame {subject} as {phrase(la)}; {stronger} more strongly ({_signed(pa)} vs {_signed(pb)})."
            else:
                text = f"Both frame {subject} as {phrase(la)}, with similar positions ({_signed(pa)} vs {_signed(pb)})."
            caveat = ""
        claims.append(Claim(text, q(qa, f"{dim.name}:{la}"), q(qb, f"{dim.name}:{lb}"), caveat))

    for dim in schema.of_kind("prescriptions"):
        adv_a, rej_a = _split(row_a.get(f"{dim.name}.advocated")), _split(row_a.get(f"{dim.name}.rejected"))
        adv_b, rej_b = _split(row_b.get(f"{dim.name}.advocated")), _split(row_b.get(f"{dim.name}.rejected"))
        for x in adv_a:
            if x in rej_b:
                claims.append(Claim(f"A advocates {humanize(x)}, which B rejects.", q(qa, f"{dim.name}:advocate:{x}"), q(qb, f"{dim.name}:reject:{x}")))
        for x in adv_b:
            if x in rej_a:
                claims.append(Claim(f"B advocates {humanize(x)}, which A rejects.", q(qa, f"{dim.name}:reject:{x}"), q(qb, f"{dim.name}:advocate:{x}")))
        only_a = [x for x in adv_a if x not in adv_b and x not in rej_b]
        only_b = [x for x in adv_b if x not in adv_a and x not in rej_a]
        both = [x for x in adv_a if x in adv_b]
        ev_a = tuple(qq for x in only_a[:2] for qq in q(qa, f"{dim.name}:advocate:{x}"))
        ev_b = tuple(qq for x in only_b[:2] for qq in q(qb, f"{dim.name}:advocate:{x}"))
        if only_a and only_b:
            claims.append(Claim(f"A advocates {_join(only_a)} where B advocates {_join(only_b)}.", ev_a, ev_b))
        elif only_a:
            claims.append(Claim(f"A advocates {_join(only_a)}; B does not.", ev_a, ()))
        elif only_b:
            claims.append(Claim(f"B advocates {_join(only_b)}; A does not.", (), ev_b))
        if both:
            claims.append(Claim(f"Both advocate {_join(both)}.", q(qa, f"{dim.name}:advocate:{both[0]}"), q(qb, f"{dim.name}:advocate:{both[0]}")))

    for dim in schema.of_kind("stances", "categories"):
        la, lb = row_a.get(f"{dim.name}.label"), row_b.get(f"{dim.name}.label")
        if not la or not lb or la == lb or {la, lb} <= {"neutral", "absent"}:
            continue
        sa = _num(row_a, f"{dim.name}.{la}")
        sb = _num(row_b, f"{dim.name}.{lb}")
        what = "vocabulary reads as" if dim.kind == "stances" else f"emphasis on {humanize(dim.name)} is"
        text = f"A's {what} {humanize(la)}" + (f" ({sa:.2f})" if sa is not None and dim.kind == "stances" else "")
        text += f", B's as {humanize(lb)}" + (f" ({sb:.2f})" if sb is not None and dim.kind == "stances" else "") + "."
        claims.append(Claim(text, q(qa, f"{dim.name}:{la}"), q(qb, f"{dim.name}:{lb}")))

    for dim in schema.of_kind("lean"):
        la, lb = row_a.get(f"{dim.name}.label"), row_b.get(f"{dim.name}.label")
        if la and lb and la != lb:
            sa, sb = _num(row_a, f"{dim.name}.{la}"), _num(row_b, f"{dim.name}.{lb}")
            text = f"The lean model places A {humanize(la)}" + (f" ({sa:.2f})" if sa is not None else "")
            text += f" and B {humanize(lb)}" + (f" ({sb:.2f})" if sb is not None else "") + "."
            ev_a, ev_b = q(qa, f"model:{dim.name}:{la}"), q(qb, f"model:{dim.name}:{lb}")
            caveat = "" if ev_a or ev_b else "A model's judgement of the whole article; no sentence-level evidence was saved."
            claims.append(Claim(text, ev_a, ev_b, caveat))

    best: tuple[float, str, float, float] | None = None
    for actor in schema.actors_with_tone:
        ta, tb = _num(row_a, f"tone.{actor}"), _num(row_b, f"tone.{actor}")
        if ta is None or tb is None:
            continue
        gap = abs(ta - tb)
        if gap >= min_tone_gap and (best is None or gap > best[0]):
            best = (gap, actor, ta, tb)
    if best is not None:
        _, actor, ta, tb = best
        more, less = ("A", "B") if ta < tb else ("B", "A")
        name = humanize(actor).title() if len(actor) > 3 else actor.upper()
        how = "less positively" if min(ta, tb) > 0 else "more negatively"
        text = f"{more} writes about {name} {how} than {less} (average tone of the sentences naming it {_signed(ta)} for A, {_signed(tb)} for B)."
        claims.append(Claim(text, q(qa, f"tone:{actor}:{'neg' if ta < tb else 'pos'}"), q(qb, f"tone:{actor}:{'pos' if ta < tb else 'neg'}"),
                            "Tone is VADER sentiment of the sentences naming the actor: it measures wording, not attitude."))

    if distance is not None:
        if distance_rank is None:
            how = "close" if distance < 0.8 else "far apart" if distance > 1.4 else "moderately different"
            text = f"Overall their framing profiles are {how} (distance {distance:.2f})."
        else:
            share = round(100 * distance_rank)
            how = "close" if distance_rank < 0.25 else "far apart" if distance_rank > 0.75 else "moderately different"
            text = f"Overall their framing profiles are {how} (distance {distance:.2f}; {share}% of pairs in this report are closer)."
        claims.append(Claim(text))
    return claims
