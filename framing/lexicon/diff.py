"""`framing lexicon diff`: which articles' scores move between two lexicon versions, by how much,
and which entries caused it.

Each article is preprocessed once and matched with both versions of every dimension that changed
(a dimension whose entries, weights, scope rules and parameters are the same in both versions
scores the same, so it is skipped). When only entries changed, an article that contains none of
the changed entries' words cannot move, and is not even preprocessed: diffing a small edit over a
large corpus costs little more than reading it.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

from ..models import Article, Lexicon, LexiconEntry, Scope, ScopeRule
from ..scoring.kinds import score_dimension, word_count
from ..scoring.lexicon_scores import CompiledLexicon, DocumentCache, match_document
from ..text import normalize_token
from .build import entry_key
from .corpus import contributions, iter_documents, literal_needles

__all__ = ["EntryChange", "Cause", "ColumnChange", "ArticleDiff", "ColumnSummary", "EntryImpact", "LexiconDiff", "entry_changes", "diff_lexicons", "render_diff_html", "format_diff", "diff_rows", "DIFF_CSV_COLUMNS"]


@dataclass(frozen=True)
class EntryChange:
    dimension: str
    term: str
    change: str  # added | removed | reweighted | moved
    old_category: str | None = None
    new_category: str | None = None
    old_weight: float | None = None
    new_weight: float | None = None
    where: str = ""  # file:line of the new entry (or of the old one, if removed)


@dataclass(frozen=True)
class Cause:
    dimension: str
    entry: str
    category: str  # the category whose score it changed
    old: float  # what the entry added to that category's score, before and after
    new: float
    hits_old: int
    hits_new: int
    change: str = ""  # the entry's change between versions, if any

    @property
    def delta(self) -> float:
        return round(self.new - self.old, 6)


@dataclass(frozen=True)
class ColumnChange:
    column: str
    old: Any
    new: Any
    delta: float | None  # None for text columns (labels)


@dataclass(frozen=True)
class ArticleDiff:
    article_id: str
    title: str
    source: str
    changes: tuple[ColumnChange, ...]
    causes: tuple[Cause, ...]
    magnitude: float


@dataclass(frozen=True)
class ColumnSummary:
    column: str
    n_changed: int
    mean_delta: float | None
    max_abs_delta: float | None
    transitions: tuple[tuple[str, int], ...] = ()  # label columns: "old -> new" and how often


@dataclass(frozen=True)
class EntryImpact:
    dimension: str
    entry: str
    n_articles: int
    total_delta: float  # summed change of its contribution over articles (signed)
    total_abs_delta: float
    change: str = ""


@dataclass(frozen=True)
class LexiconDiff:
    old_label: str
    new_label: str
    entry_changes: tuple[EntryChange, ...]
    changed_dimensions: tuple[str, ...]
    setting_changes: tuple[str, ...]  # dimensions whose scope rules or parameters changed
    added_columns: tuple[str, ...]
    removed_columns: tuple[str, ...]
    n_articles: int
    n_preprocessed: int
    articles: tuple[ArticleDiff, ...]  # every article that moved, biggest move first
    columns: tuple[ColumnSummary, ...]
    impacts: tuple[EntryImpact, ...]

    @property
    def n_changed(self) -> int:
        return len(self.articles)


# --- what changed in the lexicons -----------------------------------------------------------


def _cue_fingerprint(entries) -> tuple:
    return tuple((e.pattern, e.weight, getattr(e, "window", None)) for e in entries)


def _rule_fingerprint(rule: ScopeRule) -> tuple:
    return (
        _cue_fingerprint(rule.cues), rule.window, rule.factor, rule.action,
        _cue_fingerprint(rule.exceptions), tuple(sorted(rule.boundaries)), rule.marks,
    )


def _settings(lx: Lexicon) -> tuple:
    scope: Scope = lx.scope
    params = tuple(sorted((k, repr(v)) for k, v in lx.params.items() if k != "origin"))
    cues = tuple(sorted((role, _cue_fingerprint(es)) for role, es in lx.stance_cues.items()))
    return (lx.kind, lx.stem, params, cues, _rule_fingerprint(scope.negation), _rule_fingerprint(scope.hedging),
            _rule_fingerprint(scope.quotation), tuple((c.name, c.opposite) for c in lx.categories))


def _entries(lx: Lexicon) -> dict[str, LexiconEntry]:
    return {entry_key(e.term): e for c in lx.categories for e in c.entries}


def _where(e: LexiconEntry) -> str:
    return f"{e.path}:{e.line}" if e.path else ""


def entry_changes(old: Sequence[Lexicon], new: Sequence[Lexicon]) -> list[EntryChange]:
    """Entries added, removed, re-weighted or moved to another category, per dimension present
    in both versions (a dimension in only one version is reported as added or removed columns)."""
    out: list[EntryChange] = []
    new_by = {lx.dimension: lx for lx in new}
    for lo in old:
        ln = new_by.get(lo.dimension)
        if ln is None:
            continue
        a, b = _entries(lo), _entries(ln)
        for k, e in b.items():
            if k not in a:
                out.append(EntryChange(lo.dimension, e.term, "added", new_category=e.category, new_weight=e.weight, where=_where(e)))
            else:
                o = a[k]
                if o.category != e.category:
                    out.append(EntryChange(lo.dimension, e.term, "moved", o.category, e.category, o.weight, e.weight, _where(e)))
                elif o.weight != e.weight or o.pattern != e.pattern:
                    out.append(EntryChange(lo.dimension, e.term, "reweighted", o.category, e.category, o.weight, e.weight, _where(e)))
        for k, o in a.items():
            if k not in b:
                out.append(EntryChange(lo.dimension, o.term, "removed", old_category=o.category, old_weight=o.weight, where=_where(o)))
    return out


# --- scoring both versions ------------------------------------------------------------------


@dataclass
class _Plan:
    dimension: str
    old: CompiledLexicon
    new: CompiledLexicon
    needles: list[str] | None  # None: every article must be scored


@dataclass
class _ColumnAcc:
    n: int = 0
    total: float = 0.0
    max_abs: float = 0.0
    transitions: Counter = field(default_factory=Counter)


def _contributions(lx: Lexicon, matches) -> dict[tuple[str, str], tuple[float, int, str]]:
    """(entry key, category) -> (what the entry added to the category, its hits, the entry as written)."""
    out: dict[tuple[str, str], list] = {}
    for m in matches:
        added = contributions(lx, m)
        for target, amount in added or [(m.category, 0.0)]:
            acc = out.setdefault((entry_key(m.entry), target), [0.0, 0, m.entry])
            acc[0] += amount
            acc[1] += 1
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def _bounded_columns(lexicons: Sequence[Lexicon]) -> set[str]:
    """Columns on a fixed scale (positions, stance shares, prescription balances), where an
    absolute change means the same in every article; the other numeric columns are rates and
    counts, compared by relative change."""
    out: set[str] = set()
    for lx in lexicons:
        cols = score_dimension(lx, [], n_tokens=1, n_sentences=1)
        if lx.kind == "poles":
            out.add(f"{lx.dimension}.position")
        elif lx.kind in ("stances", "prescriptions"):
            out.update(c for c, v in cols.items() if _is_number(v))
    return out


def _column_rank(change: "ColumnChange", bounded: set[str]) -> int:
    if change.delta is None:
        return 0
    if change.column in bounded:
        return 1
    if change.column.endswith((".ci_low", ".ci_high")):
        return 3
    return 2


def _magnitude(changes: Sequence["ColumnChange"], bounded: set[str]) -> float:
    """How far an article moved: one per changed label, plus the largest change on a fixed scale
    or, for rates and counts, relative to the larger of the two values (intervals are left out)."""
    labels = sum(1 for ch in changes if ch.delta is None)
    biggest = 0.0
    for ch in changes:
        if ch.delta is None or ch.column.endswith((".ci_low", ".ci_high")):
            continue
        if ch.column in bounded:
            biggest = max(biggest, abs(ch.delta))
        else:
            biggest = max(biggest, abs(ch.delta) / max(abs(ch.old), abs(ch.new), 1e-12))
    return labels + biggest


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def diff_lexicons(
    old: Sequence[Lexicon],
    new: Sequence[Lexicon],
    articles: Iterable[Article],
    *,
    old_label: str = "old",
    new_label: str = "new",
    sort_column: str | None = None,
    max_causes: int = 5,
) -> LexiconDiff:
    """Score a corpus with both lexicon versions; every article whose scores differ, with the
    entries behind the difference. Articles are sorted by how far they moved: one point per label
    that changed, plus the largest change in a position, share or balance column (or the largest
    relative change of a rate or count); `sort_column` sorts by the change in that column instead."""
    changes = entry_changes(old, new)
    change_of = {(c.dimension, entry_key(c.term)): c.change for c in changes}
    old_by = {lx.dimension: lx for lx in old}
    new_by = {lx.dimension: lx for lx in new}
    plans: list[_Plan] = []
    setting_changes: list[str] = []
    for dim, lo in old_by.items():
        ln = new_by.get(dim)
        if ln is None:
            continue
        settings_differ = _settings(lo) != _settings(ln)
        entries_differ = any(c.dimension == dim for c in changes)
        if not settings_differ and not entries_differ:
            continue
        if settings_differ:
            setting_changes.append(dim)
            needles = None
        else:
            touched = [e for k, e in _entries(lo).items() if (dim, k) in change_of] + [e for k, e in _entries(ln).items() if (dim, k) in change_of]
            needles = literal_needles(touched, stem=lo.stem or ln.stem)
        plans.append(_Plan(dim, CompiledLexicon(lo), CompiledLexicon(ln), needles))

    def columns_of(lexicons: Sequence[Lexicon]) -> list[str]:
        cols: list[str] = []
        for lx in lexicons:
            cols.extend(score_dimension(lx, [], n_tokens=1, n_sentences=1).keys())
        return cols

    old_cols, new_cols = columns_of(old), columns_of(new)
    added_cols = tuple(c for c in new_cols if c not in set(old_cols))
    removed_cols = tuple(c for c in old_cols if c not in set(new_cols))

    bounded = _bounded_columns([p.new.lexicon for p in plans])
    all_needles: list[str] | None = []
    for p in plans:
        if p.needles is None:
            all_needles = None
            break
        all_needles.extend(p.needles)
    n_articles = 0

    def counted(stream: Iterable[Article]) -> Iterable[Article]:
        nonlocal n_articles
        for a in stream:
            n_articles += 1
            yield a

    moved: list[ArticleDiff] = []
    col_acc: dict[str, _ColumnAcc] = {}
    impact_acc: dict[tuple[str, str], list] = {}
    n_pre = 0
    docs = iter_documents(counted(articles), needles=all_needles) if plans else iter(())
    if not plans:
        for _ in counted(articles):
            pass
    for doc in docs:
        n_pre += 1
        folded: str | None = None
        col_changes: list[ColumnChange] = []
        causes: list[Cause] = []
        cache = DocumentCache()
        for p in plans:
            if p.needles is not None:
                if folded is None:
                    folded = normalize_token(doc.article.text)
                if not any(n in folded for n in p.needles):
                    continue
            mo = match_document(doc, p.old, cache=cache)
            mn = match_document(doc, p.new, cache=cache)
            so = score_dimension(p.old.lexicon, mo, n_tokens=doc.n_tokens, n_sentences=len(doc.sentences), n_words=word_count(p.old.lexicon, doc))
            sn = score_dimension(p.new.lexicon, mn, n_tokens=doc.n_tokens, n_sentences=len(doc.sentences), n_words=word_count(p.new.lexicon, doc))
            for col in so.keys() & sn.keys():
                a, b = so[col], sn[col]
                if _is_number(a) and _is_number(b):
                    if abs(a - b) > 1e-9:
                        col_changes.append(ColumnChange(col, a, b, round(b - a, 6)))
                elif a != b:
                    col_changes.append(ColumnChange(col, a, b, None))
            co = _contributions(p.old.lexicon, mo)
            cn = _contributions(p.new.lexicon, mn)
            for key in co.keys() | cn.keys():
                vo, ho, to = co.get(key, (0.0, 0, None))
                vn, hn, tn = cn.get(key, (0.0, 0, None))
                if abs(vn - vo) > 1e-9 or ho != hn:
                    causes.append(Cause(p.dimension, tn or to or key[0], key[1], round(vo, 6), round(vn, 6), ho, hn, change_of.get((p.dimension, key[0]), "")))
        if not col_changes:
            continue
        causes.sort(key=lambda c: (-abs(c.delta), -abs(c.hits_new - c.hits_old), c.entry))
        for c in causes:
            acc = impact_acc.setdefault((c.dimension, entry_key(c.entry)), [c.entry, 0, 0.0, 0.0, c.change])
            acc[1] += 1
            acc[2] += c.delta
            acc[3] += abs(c.delta)
        for ch in col_changes:
            acc2 = col_acc.setdefault(ch.column, _ColumnAcc())
            acc2.n += 1
            if ch.delta is not None:
                acc2.total += ch.delta
                acc2.max_abs = max(acc2.max_abs, abs(ch.delta))
            else:
                acc2.transitions[f"{ch.old or '(none)'} -> {ch.new or '(none)'}"] += 1
        if sort_column is not None:
            magnitude = next((abs(ch.delta) if ch.delta is not None else 1.0 for ch in col_changes if ch.column == sort_column), 0.0)
        else:
            magnitude = _magnitude(col_changes, bounded)
        art = doc.article
        ordered = sorted(col_changes, key=lambda c: (_column_rank(c, bounded), c.column))
        moved.append(ArticleDiff(art.id, art.title, art.source, tuple(ordered), tuple(causes[:max_causes]), round(magnitude, 6)))
    moved.sort(key=lambda d: (-d.magnitude, d.article_id))
    summaries = []
    for col in sorted(col_acc):
        acc = col_acc[col]
        numeric = not acc.transitions
        summaries.append(ColumnSummary(
            col, acc.n,
            round(acc.total / acc.n, 6) if numeric and acc.n else None,
            round(acc.max_abs, 6) if numeric else None,
            tuple(acc.transitions.most_common(5)),
        ))
    impacts = sorted(
        (EntryImpact(dim, v[0], v[1], round(v[2], 6), round(v[3], 6), v[4]) for (dim, _), v in impact_acc.items()),
        key=lambda i: (-i.total_abs_delta, i.dimension, i.entry),
    )
    return LexiconDiff(
        old_label=old_label,
        new_label=new_label,
        entry_changes=tuple(changes),
        changed_dimensions=tuple(p.dimension for p in plans),
        setting_changes=tuple(setting_changes),
        added_columns=added_cols,
        removed_columns=removed_cols,
        n_articles=n_articles,
        n_preprocessed=n_pre,
        articles=tuple(moved),
        columns=tuple(summaries),
        impacts=tuple(impacts),
    )


def render_diff_html(diff: LexiconDiff, *, corpus: str = "", max_articles: int = 500) -> str:
    """The diff as one self-contained, autoescaped HTML page (templates/lexicon_diff.html)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("framing", "report/templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=True),
    )
    biggest = max((abs(ch.delta) for a in diff.articles for ch in a.changes if ch.delta is not None), default=0.0) or 1.0
    return env.get_template("lexicon_diff.html").render(
        diff=diff,
        articles=diff.articles[:max_articles],
        corpus=corpus,
        biggest=biggest,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


# --- as text and table rows --------------------------------------------------------------------


def format_diff(diff: LexiconDiff, *, top: int = 20) -> str:
    """The diff as `framing lexicon diff` prints it: the entries that changed, the columns that
    moved and the `top` articles that moved most, with their causes."""
    from .table import text_table

    lines = [f"{diff.n_changed} of {diff.n_articles} article(s) score differently "
             f"({diff.n_preprocessed} re-scored; the others contain none of the changed entries, or repeat an earlier article)"]
    if diff.entry_changes:
        lines.append("\nentries that changed:")
        rows = []
        for c in diff.entry_changes:
            cat = f"{c.old_category} -> {c.new_category}" if c.change == "moved" else (c.new_category or c.old_category)
            weight = f"{c.old_weight:g} -> {c.new_weight:g}" if c.change in ("reweighted", "moved") else f"{(c.new_weight or c.old_weight):g}"
            rows.append([c.dimension, c.term, c.change, cat, weight])
        lines.append(text_table(["dimension", "entry", "change", "category", "weight"], rows))
    if diff.setting_changes:
        lines.append(f"\nscope rules or parameters changed in: {', '.join(diff.setting_changes)}")
    if diff.added_columns:
        lines.append(f"new columns: {', '.join(diff.added_columns)}")
    if diff.removed_columns:
        lines.append(f"columns no longer produced: {', '.join(diff.removed_columns)}")
    if diff.columns:
        lines.append("\ncolumns that moved:")
        rows = [[c.column, c.n_changed, c.mean_delta, c.max_abs_delta, "; ".join(f"{t} ({n})" for t, n in c.transitions)] for c in diff.columns]
        lines.append(text_table(["column", "articles", "mean change", "max |change|", "label changes"], rows, right=(1, 2, 3)))
    if diff.articles:
        lines.append(f"\narticles that moved most (of {diff.n_changed}):")
        rows = []
        for a in diff.articles[:top]:
            causes = "; ".join(f"{c.entry} ({c.category}) {c.delta:+.2f}" + (f" ({c.change})" if c.change else "") for c in a.causes[:3])
            for k, ch in enumerate(a.changes):
                delta = f"{ch.delta:+.4f}" if ch.delta is not None else "label"
                rows.append([a.article_id if k == 0 else "", ch.column, ch.old, ch.new, delta, causes if k == 0 else ""])
        lines.append(text_table(["article", "column", "old", "new", "change", "caused by"], rows, right=(2, 3, 4), max_width=70))
    return "\n".join(lines)


DIFF_CSV_COLUMNS = ("article_id", "title", "column", "old", "new", "delta", "caused_by")


def diff_rows(diff: LexiconDiff) -> list[dict[str, Any]]:
    """One row per changed column of each article that moved (the rows of diff.csv), with every
    cause as `dimension.category:entry:delta`."""
    rows = []
    for a in diff.articles:
        causes = "; ".join(f"{c.dimension}.{c.category}:{c.entry}:{c.delta:+.4f}" for c in a.causes)
        for ch in a.changes:
            rows.append({"article_id": a.article_id, "title": a.title, "column": ch.column, "old": ch.old, "new": ch.new,
                         "delta": ch.delta, "caused_by": causes})
    return rows
