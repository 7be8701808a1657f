"""`framing lexicon show` and `framing lexicon kwic`: what a lexicon holds and how it fires.

Both are plain functions returning frozen dataclasses; the CLI prints them as tables.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from ..errors import ConfigError, LexiconError
from ..io.lexicon_files import Located
from ..models import Article, Lexicon, LexiconCategory, ScopeRule
from ..scoring.lexicon_scores import CompiledLexicon, DocumentCache, match_document
from .build import entry_key, parse_entry
from .corpus import CorpusStats, find_lexicon, iter_documents, literal_needles, parse_target

__all__ = [
    "EntryView",
    "CategoryView",
    "ScopeView",
    "DimensionView",
    "ShowResult",
    "show",
    "KwicHit",
    "KwicResult",
    "kwic",
    "format_show",
    "format_kwic",
]


@dataclass(frozen=True)
class EntryView:
    term: str
    weight: float
    path: str
    line: int
    note: str = ""
    # with a corpus:
    hits: int | None = None
    counted: int | None = None
    negated: int | None = None
    hedged: int | None = None
    quoted: int | None = None
    articles: int | None = None
    score: float | None = None  # what the entry adds to its own category's score
    share: float | None = None  # ... as a share of that category's whole score
    forms: tuple[tuple[str, int], ...] = ()  # most frequent matched forms (wildcards)


@dataclass(frozen=True)
class CategoryView:
    dimension: str
    name: str
    description: str
    opposite: str | None
    entries: tuple[EntryView, ...]
    total_score: float | None = None
    from_other_categories: float | None = None  # score that arrived by negation flips
    dominant_term: str | None = None  # set when one entry carries at least the dominance share
    dominant_share: float | None = None
    silent_entries: int | None = None  # entries that never fired in the corpus


@dataclass(frozen=True)
class ScopeView:
    rule: str  # negation | hedging | quotation
    cues: tuple[str, ...]
    window: int
    factor: float
    action: str
    exceptions: tuple[str, ...]
    boundaries: tuple[str, ...]
    marks: bool


@dataclass(frozen=True)
class DimensionView:
    dimension: str
    kind: str
    description: str
    stem: bool
    params: Mapping[str, Any]
    sources: tuple[str, ...]
    scope: tuple[ScopeView, ...]
    stance_cues: Mapping[str, tuple[str, ...]]
    categories: tuple[CategoryView, ...]
    memberships: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # dictionaries: entry -> all its categories


@dataclass(frozen=True)
class ShowResult:
    dimensions: tuple[DimensionView, ...]
    selector: str | None
    n_articles: int | None = None
    n_tokens: int | None = None


def _scope_view(name: str, rule: ScopeRule) -> ScopeView:
    return ScopeView(
        rule=name,
        cues=tuple(e.term for e in rule.cues),
        window=rule.window,
        factor=rule.factor,
        action=rule.action,
        exceptions=tuple(e.term for e in rule.exceptions),
        boundaries=tuple(sorted(rule.boundaries)),
        marks=rule.marks,
    )


def _category_view(lx: Lexicon, cat: LexiconCategory, stats: CorpusStats | None, *, dominance: float, min_hits: int) -> CategoryView:
    if stats is None:
        entries = tuple(EntryView(e.term, e.weight, e.path, e.line, e.note) for e in cat.entries)
        return CategoryView(lx.dimension, cat.name, cat.description, cat.opposite, entries)
    total = stats.category_totals.get(lx.dimension, {}).get(cat.name, 0.0)
    views = []
    own = 0.0
    hits_total = 0
    for e in cat.entries:
        c = stats.counts(lx.dimension, e.term)
        score = c.contributions.get(cat.name, 0.0)
        own += score
        hits_total += c.hits
        views.append(
            EntryView(
                e.term, e.weight, e.path, e.line, e.note,
                hits=c.hits, counted=c.counted, negated=c.negated, hedged=c.hedged, quoted=c.quoted, articles=c.articles,
                score=round(score, 4), share=round(score / total, 4) if total > 0 else 0.0,
                forms=tuple(c.forms.most_common(5)),
            )
        )
    views.sort(key=lambda v: (-(v.score or 0.0), -(v.hits or 0), v.term))
    dominant = dominant_share = None
    if total > 0 and hits_total >= min_hits and views and (views[0].share or 0.0) >= dominance:
        dominant, dominant_share = views[0].term, views[0].share
    return CategoryView(
        lx.dimension, cat.name, cat.description, cat.opposite, tuple(views),
        total_score=round(total, 4), from_other_categories=round(max(0.0, total - own), 4),
        dominant_term=dominant, dominant_share=dominant_share,
        silent_entries=sum(1 for v in views if not v.hits),
    )


def show(
    lexicons: Sequence[Lexicon],
    selector: str | None = None,
    *,
    stats: CorpusStats | None = None,
    dominance: float = 0.5,
    min_hits: int = 5,
) -> ShowResult:
    """The entries, weights and scope rules of every dimension, one dimension (`alliance`) or one
    category (`alliance.threat`); with corpus `stats`, how each entry fires and what share of its
    category's score it carries. A category where one entry carries at least `dominance` of the
    score (over at least `min_hits` hits) is flagged."""
    chosen = list(lexicons)
    cat_name: str | None = None
    if selector:
        dim, cat_name = parse_target(selector)
        lx = find_lexicon(lexicons, dim)
        if lx is None:
            raise ConfigError(f"no dimension {dim!r}; dimensions: {', '.join(x.dimension for x in lexicons)}")
        if cat_name is not None and cat_name not in lx.category_names:
            raise ConfigError(f"no category {cat_name!r} in {dim!r}; categories: {', '.join(lx.category_names)}")
        chosen = [lx]
    views = []
    for lx in chosen:
        cats = [c for c in lx.categories if cat_name is None or c.name == cat_name]
        views.append(
            DimensionView(
                dimension=lx.dimension,
                kind=lx.kind,
                description=lx.description,
                stem=lx.stem,
                params=dict(lx.params),
                sources=lx.sources,
                scope=tuple(_scope_view(n, getattr(lx.scope, n)) for n in ("negation", "hedging", "quotation")) if lx.kind != "actors" else (),
                stance_cues={role: tuple(e.term for e in cues) for role, cues in lx.stance_cues.items()},
                categories=tuple(_category_view(lx, c, stats, dominance=dominance, min_hits=min_hits) for c in cats),
                memberships=_memberships(lx) if lx.kind == "dictionary" else {},
            )
        )
    return ShowResult(
        tuple(views), selector,
        n_articles=stats.n_articles if stats is not None else None,
        n_tokens=stats.n_tokens if stats is not None else None,
    )


# --- keyword in context ----------------------------------------------------------------------


@dataclass(frozen=True)
class KwicHit:
    article_id: str
    source: str
    sentence_index: int
    left: str
    match: str
    right: str
    dimension: str
    entry: str
    category: str | None  # the entry's category; None when the term is not in the lexicon
    counts_for: str | None  # where it counted after scope rules
    negated: bool
    hedged: bool
    quoted: bool
    weight: float
    effective_weight: float
    role: str = ""
    covered_by: str | None = None  # a term not in the lexicon: the entry that claims this text instead
    sentence: str = ""
    categories: tuple[str, ...] = ()  # a dictionary entry: every category it counts in


@dataclass(frozen=True)
class KwicResult:
    term: str
    dimensions: tuple[str, ...]
    in_lexicon: bool
    hits: tuple[KwicHit, ...]  # the first `limit` occurrences, in corpus order
    total: int  # occurrences where the term counts as itself (an entry's own matches)
    taken: int  # occurrences whose words another, longer entry matched instead
    n_articles: int  # articles read (after de-duplication and pre-filtering)


_SPACE_RE = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _SPACE_RE.sub(" ", text)


def _probe_lexicon(lx: Lexicon, term: str) -> Lexicon:
    """A one-entry lexicon with `lx`'s scope rules: where `term` occurs and how each occurrence
    would be flagged, whatever other entries claim."""
    entry = parse_entry(Located(term, 0, term), category="(not in lexicon)", stem=lx.stem, path="<kwic>")
    kind = "categories" if lx.kind in ("poles", "stances", "categories") else lx.kind
    return Lexicon(
        dimension=lx.dimension,
        kind=kind,
        description="",
        categories=(LexiconCategory("(not in lexicon)", "", (entry,)),),
        scope=lx.scope,
        params={},
        stem=lx.stem,
        stance_cues=lx.stance_cues,
    )


def kwic(
    lexicons: Sequence[Lexicon],
    term: str,
    articles: Iterable[Article],
    *,
    dimension: str | None = None,
    width: int = 50,
    limit: int = 100,
) -> KwicResult:
    """Every place `term` occurs in the corpus, with the category, negation, hedging and
    quotation flags each hit received.

    Each occurrence is found by matching the term on its own; the dimension's full compiled
    matcher (longest match first, as in scoring) then says whether the occurrence counted as the
    entry, or whose words they became (`covered_by`: "marriage" inside "marriage of
    convenience"). A term that is not an entry gets the scope rules of `dimension` (default: the
    first dimension with scope rules), so you see how it would fare if you added it.
    """
    term = term.strip()
    if not term:
        raise ConfigError("kwic needs a term")
    key = entry_key(term)
    candidates = [lx for lx in lexicons if dimension is None or lx.dimension == dimension]
    if dimension is not None and not candidates:
        raise ConfigError(f"no dimension {dimension!r}; dimensions: {', '.join(x.dimension for x in lexicons)}")
    holders = [lx for lx in candidates if any(entry_key(e.term) == key for c in lx.categories for e in c.entries)]
    in_lexicon = bool(holders)
    if not holders:
        base = next((lx for lx in candidates if lx.kind != "actors"), candidates[0] if candidates else None)
        if base is None:
            raise ConfigError("no lexicons loaded")
        holders = [base]
    plans: list[tuple[CompiledLexicon, CompiledLexicon]] = []  # (the term alone, the full lexicon)
    needles: list[str] | None = []
    for lx in holders:
        try:
            probe = _probe_lexicon(lx, term)
        except LexiconError as exc:
            raise ConfigError(f"cannot match {term!r}: {exc.message}") from None
        plans.append((CompiledLexicon(probe), CompiledLexicon(lx)))
        got = literal_needles(probe.categories[0].entries, stem=lx.stem)
        needles = None if got is None or needles is None else needles + got
    hits: list[KwicHit] = []
    total = taken = 0
    n_articles = 0
    for doc in iter_documents(articles, needles=needles):
        n_articles += 1
        text = doc.article.text
        cache = DocumentCache()
        for probe_c, full_c in plans:
            occurrences = match_document(doc, probe_c, cache=cache)
            if not occurrences:
                continue
            claimed = match_document(doc, full_c, cache=cache)
            for occ in occurrences:
                own = next((c for c in claimed if c.start == occ.start and c.end == occ.end and entry_key(c.entry) == key), None) if in_lexicon else None
                cover = None
                if own is None:
                    cover = next((c.entry for c in claimed if c.start < occ.end and occ.start < c.end), None)
                if own is not None:
                    total += 1
                elif in_lexicon:
                    taken += 1
                else:
                    total += 1
                if len(hits) >= limit:
                    continue
                m = own or occ
                s = doc.sentences[m.sentence_index]
                hits.append(
                    KwicHit(
                        article_id=doc.article.id,
                        source=doc.article.source,
                        sentence_index=m.sentence_index,
                        left=_squash(text[max(0, m.start - width) : m.start]).lstrip()[-width:],
                        match=_squash(m.text),
                        right=_squash(text[m.end : m.end + width]).rstrip()[:width],
                        dimension=m.dimension,
                        entry=own.entry if own is not None else term,
                        category=own.category if own is not None else None,
                        counts_for=own.counts_for if own is not None else None,
                        negated=m.negated,
                        hedged=m.hedged,
                        quoted=m.quoted,
                        weight=m.weight,
                        effective_weight=round(m.effective_weight, 4) if own is not None or not in_lexicon else 0.0,
                        role=m.role,
                        covered_by=cover,
                        sentence=_squash(text[s.start : s.end]),
                        categories=tuple(c for c, _ in own.categories) if own is not None else (),
                    )
                )
    return KwicResult(term, tuple(p[1].lexicon.dimension for p in plans), in_lexicon, tuple(hits), total, taken, n_articles)


# --- as text ---------------------------------------------------------------------------------


def format_show(result: ShowResult, *, limit: int = 0, corpus: str | None = None) -> str:
    """The result as `framing lexicon show` prints it: without a selector a table of dimensions
    and categories; with one, each dimension's files, parameters and scope rules and a table of
    entries per category (`limit` entries each; 0: all). With corpus statistics (`corpus` names
    the corpus), hits, shares and dominance flags."""
    import json
    from pathlib import Path

    from .table import text_table

    stats = result.n_articles is not None
    lines: list[str] = []
    if stats:
        lines.append(f"corpus: {corpus}: {result.n_articles:,} article(s), {result.n_tokens:,} tokens\n")
    if not result.selector:
        rows = []
        for d in result.dimensions:
            if d.kind == "dictionary":  # one row: its categories are read together
                row = [d.dimension, d.kind, f"({len(d.categories)} categories)", "", len(_dictionary_entries(d))]
                if stats:
                    row += [sum(e.hits or 0 for e in _dictionary_entries(d).values()), round(sum(c.total_score or 0.0 for c in d.categories), 4), ""]
                rows.append(row)
                continue
            for c in d.categories:
                row = [d.dimension, d.kind, c.name, c.opposite or "", len(c.entries)]
                if stats:
                    row += [sum(e.hits or 0 for e in c.entries), c.total_score, f"{c.dominant_term} ({c.dominant_share:.0%})" if c.dominant_term else ""]
                rows.append(row)
        headers = ["dimension", "kind", "category", "opposite", "entries"] + (["hits", "score mass", "dominated by"] if stats else [])
        lines.append(text_table(headers, rows, right=(4, 5, 6)))
        lines.append("\nfiles:")
        for d in result.dimensions:
            lines.append(f"  {d.dimension}: {', '.join(d.sources)}")
        return "\n".join(lines)
    for d in result.dimensions:
        lines.append(f"{d.dimension} ({d.kind}{', stemmed' if d.stem else ''}): {d.description}".rstrip(": "))
        lines.append(f"  files: {', '.join(d.sources)}")
        params = {k: v for k, v in d.params.items() if k != "origin"}
        if params:
            lines.append(f"  params: {json.dumps(params, ensure_ascii=False, default=str)}")
        scope = d.scope
        if d.kind == "dictionary" and not any(s.cues or s.marks for s in scope):
            lines.append("  scope rules: none (every match counts: a plain count)")
            scope = ()
        for s in scope:
            bits = [f"window {s.window}"]
            if s.rule == "negation":
                bits.append(f"action {s.action}")
            else:
                bits.append(f"factor {s.factor:g}")
            if s.marks:
                bits.append("quotation marks count")
            cues = ", ".join(s.cues[:12]) + (f", ... ({len(s.cues)} cues)" if len(s.cues) > 12 else "")
            lines.append(f"  {s.rule}: {'; '.join(bits)}; cues: {cues or '(none)'}")
        for role, cues in d.stance_cues.items():
            lines.append(f"  stance cues ({role}): {', '.join(cues[:12])}{' ...' if len(cues) > 12 else ''}")
        if d.kind == "dictionary":
            lines.extend(_dictionary_block(d, limit=limit, n_tokens=result.n_tokens))
            continue
        for c in d.categories:
            lines.append("")
            head = f"{d.dimension}.{c.name}" + (f" (opposite: {c.opposite})" if c.opposite else "") + f": {len(c.entries)} entries"
            if c.total_score is not None:
                head += f", score mass {c.total_score:g}"
                if c.from_other_categories:
                    head += f" ({c.from_other_categories:g} flipped in from negated entries of other categories)"
            lines.append(head)
            if c.description:
                lines.append(f"  {c.description}")
            if c.dominant_term:
                lines.append(f"  ! dominated by {c.dominant_term!r}: {c.dominant_share:.0%} of the category's score comes from this one entry")
            if c.silent_entries:
                lines.append(f"  {c.silent_entries} of {len(c.entries)} entries never fired in the corpus")
            entries = c.entries[:limit] if limit else c.entries
            if not stats:
                rows = [[e.term, e.weight, f"{Path(e.path).name}:{e.line}", e.note] for e in entries]
                lines.append(text_table(["entry", "weight", "file", "note"], rows, right=(1,)))
            else:
                rows = [
                    [e.term, e.weight, e.hits, e.counted, e.negated, e.hedged, e.quoted, e.score, f"{(e.share or 0):.1%}",
                     ", ".join(f"{f} {n}" for f, n in e.forms[:3]) if "*" in e.term else ""]
                    for e in entries
                ]
                lines.append(text_table(["entry", "weight", "hits", "counted", "negated", "hedged", "quoted", "score", "share", "forms"], rows, right=(1, 2, 3, 4, 5, 6, 7, 8)))
            if limit and len(c.entries) > limit:
                lines.append(f"  ... {len(c.entries) - limit} more (--limit 0 lists all)")
    return "\n".join(lines)


def _memberships(lx: Lexicon) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for c in lx.categories:
        for e in c.entries:
            out.setdefault(e.term, []).append(c.name)
    return {term: tuple(cats) for term, cats in out.items()}


def _dictionary_entries(d: DimensionView) -> dict[str, tuple[EntryView, tuple[str, ...]]]:
    """The distinct entries of a dictionary's shown categories, each with every category it is
    listed in (shown or not)."""
    out: dict[str, tuple[EntryView, tuple[str, ...]]] = {}
    for c in d.categories:
        for e in c.entries:
            out.setdefault(e.term, (e, d.memberships.get(e.term, (c.name,))))
    return out


def _dictionary_block(d: DimensionView, *, limit: int, n_tokens: int | None) -> list[str]:
    """A dictionary as one block: a table of its categories (entries, entries shared with other
    categories; with a corpus, hits and the category's share of the corpus's tokens), then one
    table of its entries with all their categories."""
    from pathlib import Path

    from .table import text_table

    entries = _dictionary_entries(d)
    stats = n_tokens is not None
    rows = []
    for c in d.categories:
        shared = sum(1 for e in c.entries if len(entries[e.term][1]) > 1)
        row: list[Any] = [c.name, len(c.entries), shared]
        if stats:
            mass = c.total_score or 0.0
            row += [sum(e.hits or 0 for e in c.entries), round(100.0 * mass / n_tokens, 4) if n_tokens else 0.0]
        rows.append(row)
    n_shared = sum(1 for _, cats in entries.values() if len(cats) > 1)
    lines = ["", f"{d.dimension}: {len(d.categories)} categor{'y' if len(d.categories) == 1 else 'ies'}, {len(entries)} entries ({n_shared} in several categories)"]
    lines.append(text_table(["category", "entries", "shared", *(["hits", "% of tokens"] if stats else [])], rows, right=(1, 2, 3, 4)))
    listed = list(entries.values())[:limit] if limit else list(entries.values())
    if stats:
        erows = [[e.term, ", ".join(cats), e.weight, e.hits, e.articles] for e, cats in listed]
        lines += ["", text_table(["entry", "categories", "weight", "hits", "articles"], erows, right=(2, 3, 4))]
    else:
        erows = [[e.term, ", ".join(cats), e.weight, f"{Path(e.path).name}:{e.line}"] for e, cats in listed]
        lines += ["", text_table(["entry", "categories", "weight", "file"], erows, right=(2,))]
    if limit and len(entries) > limit:
        lines.append(f"  ... {len(entries) - limit} more (--limit 0 lists all)")
    return lines


def format_kwic(result: KwicResult, *, width: int = 40) -> str:
    """The hits as `framing lexicon kwic` prints them: a summary line, then one row per hit with
    its context (`width` characters a side), category, flags and where it counted."""
    from .table import text_table

    term = result.term
    where = ", ".join(result.dimensions)
    if result.in_lexicon:
        msg = f"{term!r}: an entry of {where}; {result.total} hit(s)"
        if result.taken:
            msg += f", and {result.taken} occurrence(s) where a longer entry took its words"
    else:
        msg = f"{term!r} is not an entry; matched alone with the scope rules of {where}: {result.total} occurrence(s)"
    lines = [msg + f" ({result.n_articles} article(s) could hold it)"]
    if not result.hits:
        return "\n".join(lines)
    rows = []
    for h in result.hits:
        flags = " ".join(f for f, on in (("NEG", h.negated), ("HEDGE", h.hedged), ("QUOTE", h.quoted)) if on)
        if h.category is not None:
            counts = h.counts_for or "(nothing)"
            if h.role:
                counts = f"{counts} [{h.role}]"
            if h.categories and h.counts_for is not None:
                counts = ", ".join(h.categories)
            cat = f"{h.dimension}.{h.category}" + (f" (+{len(h.categories) - 1})" if len(h.categories) > 1 else "")
        else:
            counts = f"taken by {h.covered_by!r}" if h.covered_by else ("(not in lexicon)" if not result.in_lexicon else "")
            cat = "-"
        rows.append([h.article_id, h.left, f"[{h.match}]", h.right, cat, flags, counts, h.effective_weight])
    lines.append(text_table(["article", "left", "hit", "right", "category", "flags", "counts for", "weight"], rows, right=(1, 7), max_width=max(width, 30)))
    if result.total + result.taken > len(result.hits):
        lines.append(f"... {result.total + result.taken - len(result.hits)} more (--limit to list more)")
    return "\n".join(lines)
