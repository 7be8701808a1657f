"""`framing lexicon validate`: every problem in a set of lexicon folders, each with file and line.

Errors (the lexicons cannot be used, or an entry sits in two opposite poles) make the command
exit non-zero; warnings do not:

- `schema`: anything `load_lexicons` would refuse (syntax, unknown keys, bad weights, ...). Each
  entry is also checked on its own, so one run lists every bad entry, not only the first.
- `opposite-poles` (error): two entries that match the same tokens sit in opposite poles; the
  matcher would silently count them for whichever comes first.
- `duplicate`: the same entry twice in one file, or two spellings that match the same tokens.
- `dead`: an entry the tokenizer can never produce, checked the way scikit-learn checks stop words
  against its own preprocessing: the entry's own text is run through the article pipeline
  (sentences, tokens, stemming) and the compiled matcher must find it there.
- `overlap`: phrases that share words across an edge ("axis of upheaval" / "upheaval in europe":
  where both could match, only the left one counts), an entry inside a longer entry of another
  category, and wildcards that cover an entry of another category.
- `redundant`: an exact entry already covered by a wildcard of the same category and weight.
- `broad-wildcard` (with a corpus): a wildcard matching more than a set share of the corpus's tokens.
- `new-category`: a layer adds a category to an existing dimension under a name close to an
  existing one (a likely typo: `threats` for `threat`).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from ..errors import LexiconError
from ..io.lexicon_files import LexiconFile, Located, read_lexicon_file, shipped_lexicon_dir
from ..lexicon.matcher import PhraseMatcher
from ..models import Article, Lexicon, LexiconEntry
from ..scoring.lexicon_scores import CompiledLexicon
from ..text import preprocess, stem as stem_token
from .build import build_lexicons, entry_key, parse_entry
from .corpus import CorpusStats, collect_stats

__all__ = ["Issue", "ValidationReport", "validate_paths", "validate_files", "read_layer_files", "lexicon_file_paths", "format_validation"]

# Continuations tried after a wildcard's prefix when probing whether it can ever match.
_CONTINUATIONS = ("", "s", "e", "es", "ed", "ing", "y", "ion", "al")


@dataclass(frozen=True, order=True)
class Issue:
    path: str
    line: int
    severity: str  # error | warning
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message} [{self.code}]"


@dataclass(frozen=True)
class ValidationReport:
    issues: tuple[Issue, ...]
    files: tuple[str, ...]  # the files whose warnings are reported
    dimensions: tuple[str, ...]
    n_entries: int
    n_tokens: int | None = None  # corpus size, when a corpus was given
    hidden_warnings: int = 0  # warnings in files not reported (the shipped lexicons, unless asked)

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors


def lexicon_file_paths(directory: str | Path) -> list[Path]:
    """The lexicon files `load_lexicons` reads from a folder (or the file itself)."""
    d = Path(directory)
    if d.is_file():
        return [d]
    if not d.is_dir():
        raise LexiconError(str(d), "no such lexicon folder")
    return sorted(p for p in d.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))


@dataclass
class _Collector:
    issues: dict[tuple, Issue] = field(default_factory=dict)

    def add(self, severity: str, code: str, path: str, line: int | None, message: str) -> None:
        issue = Issue(path, line or 0, severity, code, message)
        self.issues.setdefault((issue.path, issue.line, issue.message), issue)

    def error_from(self, exc: LexiconError) -> None:
        self.add("error", "schema", exc.path, exc.line, exc.message)


# --- checks on one file's tree ---------------------------------------------------------------


def _entry_nodes(root: Located) -> Iterable[tuple[str, str, Located]]:
    """(category, section, node) for every entry-like node of a dimension file; section is
    `entries`, `remove` or a stance-cue role."""
    if not isinstance(root.value, dict):
        return
    cats = root.value.get("categories")
    if cats is not None and isinstance(cats.value, dict):
        for name, cnode in cats.value.items():
            if isinstance(cnode.value, dict):
                for section in ("entries", "remove"):
                    lst = cnode.value.get(section)
                    if lst is not None and isinstance(lst.value, list):
                        for item in lst.value:
                            yield name, section, item
    cues = root.value.get("stance_cues")
    if cues is not None and isinstance(cues.value, dict):
        for role, lst in cues.value.items():
            if isinstance(lst.value, list):
                for item in lst.value:
                    yield role, "stance_cues", item


def _check_file_entries(lf: LexiconFile, stem: bool, out: _Collector) -> None:
    """Each entry parsed on its own (all bad entries, not only the first) and duplicates in a file."""
    seen: dict[tuple[str, str], tuple[str, int]] = {}
    for category, section, node in _entry_nodes(lf.root):
        if section == "remove":
            continue
        try:
            entry = parse_entry(node, category=category, stem=stem, path=lf.path)
        except LexiconError as exc:
            out.error_from(exc)
            continue
        scope = "stance" if section == "stance_cues" else "entries"
        k = (scope, entry_key(entry.term))
        if k in seen:
            first_cat, first_line = seen[k]
            where = f"category {first_cat!r}" if first_cat != category else "this category"
            if first_cat == category or scope == "stance":
                out.add("warning", "duplicate", lf.path, entry.line, f"entry {entry.term!r} is listed twice (also in {where}, line {first_line}); the later one wins")
        else:
            seen[k] = (category, entry.line)


# --- checks on the built lexicons ----------------------------------------------------------------


def _opposites(lx: Lexicon) -> set[frozenset[str]]:
    return {frozenset((c.name, c.opposite)) for c in lx.categories if c.opposite}


def _covers(prefix_item: tuple[str, str], item: tuple[str, str]) -> bool:
    kind, text = item
    return text.startswith(prefix_item[1])


def _items_match(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Could one token satisfy both pattern items?"""
    if a[0] == "exact" and b[0] == "exact":
        return a[1] == b[1]
    if a[0] == "prefix" and b[0] == "prefix":
        return a[1].startswith(b[1]) or b[1].startswith(a[1])
    p, x = (a, b) if a[0] == "prefix" else (b, a)
    return x[1].startswith(p[1])


def _seq_match(a: Sequence[tuple[str, str]], b: Sequence[tuple[str, str]]) -> bool:
    return len(a) == len(b) and all(_items_match(x, y) for x, y in zip(a, b))


def _probe_text(term: str, continuation: str) -> str:
    return " ".join(w[:-1] + continuation if w.endswith("*") else w for w in term.split())


def _is_dead(entry: LexiconEntry, matcher: PhraseMatcher, *, stem: bool) -> tuple[bool, LexiconEntry | None]:
    """(dead, other): run the entry's own text through the article pipeline and the compiled
    matcher. `other` is the entry that matched the text instead (same tokens, other spelling)."""
    other = None
    conts = _CONTINUATIONS if any(kind == "prefix" for kind, _ in entry.pattern) else ("",)
    for cont in conts:
        text = f"x {_probe_text(entry.term, cont)} x"
        doc = preprocess(Article(id="probe", text=text))
        for sent in doc.sentences:
            norms = list(sent.norms)
            if stem:
                norms = [stem_token(n) for n in norms]
            for _s, _e, payload in matcher.find(norms):
                if payload is entry:
                    return False, None
                if payload.pattern == entry.pattern:
                    other = payload
    return other is None, other


def _where(e: LexiconEntry) -> str:
    return f"{Path(e.path).name}:{e.line}" if e.path else "?"


def _check_dimension(lx: Lexicon, out: _Collector) -> None:
    dim = lx.dimension
    opposite_pairs = _opposites(lx)
    entries = [e for c in lx.categories for e in c.entries]
    compiled = CompiledLexicon(lx)
    by_pattern: dict[tuple, list[LexiconEntry]] = {}
    for e in entries:
        by_pattern.setdefault(e.pattern, []).append(e)
    for group in by_pattern.values():
        first = group[0]
        for e in group[1:]:
            if lx.kind == "dictionary" and e.category != first.category:
                continue  # a dictionary entry listed in several categories counts in each
            if e.category != first.category and frozenset((e.category, first.category)) in opposite_pairs:
                out.add("error", "opposite-poles", e.path, e.line,
                        f"{dim}: {e.term!r} ({e.category}) and {first.term!r} ({first.category}, {_where(first)}) match the same tokens in opposite poles; only {first.term!r} ever counts")
            else:
                out.add("warning", "duplicate", e.path, e.line,
                        f"{dim}: {e.term!r} ({e.category}) matches the same tokens as {first.term!r} ({first.category}, {_where(first)}); only {first.term!r} ever counts")
    # dead entries: the tokenizer never produces them
    for e in entries:
        if len(by_pattern[e.pattern]) > 1 and by_pattern[e.pattern][0] is not e:
            continue  # already reported as a duplicate
        dead, _ = _is_dead(e, compiled.terms, stem=lx.stem)
        if dead:
            out.add("warning", "dead", e.path, e.line, f"{dim}.{e.category}: {e.term!r} can never match: {_dead_reason(e, lx.stem)}")
    for role, cues in lx.stance_cues.items():
        matcher = PhraseMatcher((c.pattern, c) for c in cues)
        for cue in cues:
            if _is_dead(cue, matcher, stem=lx.stem)[0]:
                out.add("warning", "dead", cue.path, cue.line, f"{dim} stance cue ({role}) {cue.term!r} can never match: {_dead_reason(cue, lx.stem)}")
    for rule_name in ("negation", "hedging", "quotation"):
        rule = getattr(lx.scope, rule_name)
        cues = list(rule.cues) + list(rule.exceptions)
        if not cues:
            continue
        matcher = PhraseMatcher((c.pattern, c) for c in cues)
        for cue in cues:
            if _is_dead(cue, matcher, stem=lx.stem)[0]:
                out.add("warning", "dead", cue.path, cue.line, f"{rule_name} cue {cue.term!r} can never match: {_dead_reason(cue, lx.stem)}")
    _check_overlaps(lx, entries, opposite_pairs, out)


def _dead_reason(e: LexiconEntry, stem: bool) -> str:
    text = _probe_text(e.term, "")
    doc = preprocess(Article(id="probe", text=text))
    if len(doc.sentences) > 1:
        return "the sentence splitter cuts it in two, and matches never cross sentences"
    toks = [n for s in doc.sentences for n in s.norms]
    if stem:
        toks = [stem_token(t) for t in toks]
    wanted = " | ".join((t + "*" if k == "prefix" else t) for k, t in e.pattern)
    return f"articles are tokenized as {' | '.join(toks)!r}, the entry as {wanted!r}"


def _check_overlaps(lx: Lexicon, entries: list[LexiconEntry], opposite_pairs: set, out: _Collector) -> None:
    dim = lx.dimension
    single_exact: dict[str, list[LexiconEntry]] = {}
    single_prefix: list[LexiconEntry] = []
    multi: list[LexiconEntry] = []
    for e in entries:
        if len(e.pattern) == 1:
            if e.pattern[0][0] == "exact":
                single_exact.setdefault(e.pattern[0][1], []).append(e)
            else:
                single_prefix.append(e)
        else:
            multi.append(e)
    # a wildcard covering a one-word entry
    for w in single_prefix:
        for token, es in single_exact.items():
            if not token.startswith(w.pattern[0][1]):
                continue
            for e in es:
                if e.category != w.category:
                    pole = " (the opposite pole)" if frozenset((e.category, w.category)) in opposite_pairs else ""
                    out.add("warning", "overlap", w.path, w.line,
                            f"{dim}: wildcard {w.term!r} ({w.category}) also covers {e.term!r} ({e.category}{pole}, {_where(e)}); the exact entry wins there")
                elif e.weight == w.weight:
                    out.add("warning", "redundant", e.path, e.line,
                            f"{dim}.{e.category}: {e.term!r} is already covered by {w.term!r} ({_where(w)}) with the same weight")
        for w2 in single_prefix:
            if w2 is not w and w2.category != w.category and w2.pattern[0][1].startswith(w.pattern[0][1]) and w2.pattern[0][1] != w.pattern[0][1]:
                out.add("warning", "overlap", w.path, w.line,
                        f"{dim}: wildcard {w.term!r} ({w.category}) also covers {w2.term!r} ({w2.category}, {_where(w2)}); the longer prefix wins there")
    # a one-word entry inside a longer phrase of another category
    for m in multi:
        reported: set[int] = set()
        for item in m.pattern:
            inner = list(single_exact.get(item[1], [])) if item[0] == "exact" else []
            inner += [w for w in single_prefix if _covers(w.pattern[0], item)]
            for e in inner:
                if e.category != m.category and id(e) not in reported:
                    reported.add(id(e))
                    out.add("warning", "overlap", e.path, e.line,
                            f"{dim}: {e.term!r} ({e.category}) is part of {m.term!r} ({m.category}, {_where(m)}); where the phrase matches, {e.term!r} does not count")
    # phrases: one inside another of another category, or sharing words across an edge. Both
    # need a word of one phrase to match the first word of the other, so only such pairs are tried.
    by_token: dict[str, list[int]] = {}
    with_prefix: list[int] = []
    for i, m in enumerate(multi):
        for kind, text in m.pattern:
            if kind == "exact":
                by_token.setdefault(text, []).append(i)
            elif not with_prefix or with_prefix[-1] != i:
                with_prefix.append(i)
    pairs: set[tuple[int, int]] = set()
    for j, y in enumerate(multi):
        kind, text = y.pattern[0]
        near = set(with_prefix)
        if kind == "exact":
            near.update(by_token.get(text, ()))
        else:
            near.update(i for t, ids in by_token.items() if t.startswith(text) for i in ids)
        pairs.update((min(i, j), max(i, j)) for i in near if i != j)
    for i, j in sorted(pairs):
        a, b = multi[i], multi[j]
        if True:
            for x, y in ((a, b), (b, a)):
                lx_, ly = len(x.pattern), len(y.pattern)
                if lx_ < ly and x.category != y.category and any(_seq_match(x.pattern, y.pattern[k : k + lx_]) for k in range(ly - lx_ + 1)):
                    out.add("warning", "overlap", x.path, x.line,
                            f"{dim}: {x.term!r} ({x.category}) is part of {y.term!r} ({y.category}, {_where(y)}); where the longer phrase matches, {x.term!r} does not count")
                if x.category == y.category:
                    continue  # the same category either way: nothing changes in the scores
                for k in range(1, min(lx_, ly)):
                    if _seq_match(x.pattern[lx_ - k :], y.pattern[:k]):
                        shared = " ".join(t for _, t in y.pattern[:k])
                        out.add("warning", "overlap", y.path, y.line,
                                f"{dim}: {x.term!r} ({x.category}, {_where(x)}) and {y.term!r} ({y.category}) overlap on {shared!r}; where both could match, only {x.term!r} counts")
                        break


def _check_broad_wildcards(lexicons: Sequence[Lexicon], stats: CorpusStats, max_share: float, out: _Collector) -> None:
    if not stats.n_tokens:
        return
    for lx in lexicons:
        for c in lx.categories:
            for e in c.entries:
                if not any(kind == "prefix" for kind, _ in e.pattern):
                    continue
                counts = stats.counts(lx.dimension, e.term)
                share = counts.hits / stats.n_tokens
                if share > max_share:
                    top = ", ".join(f"{form} ({n})" for form, n in counts.forms.most_common(6))
                    out.add("warning", "broad-wildcard", e.path, e.line,
                            f"{lx.dimension}.{c.name}: {e.term!r} matches {share:.2%} of the corpus's tokens "
                            f"({counts.hits:,} hits, {len(counts.forms)}{'+' if len(counts.forms) >= 200 else ''} distinct words: {top}); "
                            f"the limit is {max_share:.2%}")


def _new_category_typos(before: Sequence[Lexicon], after: Sequence[Lexicon], lf: LexiconFile, out: _Collector) -> None:
    old = {lx.dimension: set(lx.category_names) for lx in before}
    root = lf.root.value if isinstance(lf.root.value, dict) else {}
    dim_node = root.get("dimension")
    cats = root.get("categories")
    if dim_node is None or cats is None or not isinstance(cats.value, dict) or dim_node.value not in old:
        return
    existing = old[dim_node.value]
    for name, node in cats.value.items():
        if name in existing:
            continue
        close = difflib.get_close_matches(name, sorted(existing), n=1, cutoff=0.75)
        if close:
            out.add("warning", "new-category", lf.path, node.line,
                    f"this layer adds a new category {name!r} to {dim_node.value!r}; did you mean {close[0]!r}?")


# --- the whole run -----------------------------------------------------------------------------


def validate_files(
    files: Sequence[tuple[LexiconFile | LexiconError, bool]],
    *,
    report: set[str] | None = None,
    articles: Iterable[Article] | None = None,
    max_wildcard_share: float = 0.001,
) -> tuple[ValidationReport, tuple[Lexicon, ...]]:
    """Check parsed files (each paired with `shipped`), in layering order.

    Errors are always reported; warnings only for files in `report` (all when None). With
    `articles`, wildcards are checked against that corpus. Returns the report and the lexicons
    built from the files that passed.
    """
    out = _Collector()
    good: list[tuple[LexiconFile, bool]] = []
    built: tuple[Lexicon, ...] = ()

    def _build(items: list[tuple[LexiconFile, bool]]) -> tuple[Lexicon, ...]:
        return build_lexicons([f for f, s in items if s], [[f for f, s in items if not s]])

    for item, shipped in files:
        if isinstance(item, LexiconError):
            out.error_from(item)
            continue
        trial = good + [(item, shipped)]
        try:
            after = _build(trial)
        except LexiconError as exc:
            out.error_from(exc)
        else:
            if not shipped:
                _new_category_typos(built, after, item, out)
            good = trial
            built = after
        root = item.root.value if isinstance(item.root.value, dict) else {}
        stem_node = root.get("stem")
        stem = bool(stem_node.value) if stem_node is not None and isinstance(stem_node.value, bool) else False
        dim_node = root.get("dimension")
        if stem_node is None and dim_node is not None:
            prior = next((lx for lx in built if lx.dimension == dim_node.value), None)
            stem = prior.stem if prior is not None else False
        _check_file_entries(item, stem, out)
    # the final build can still fail on whole-dimension rules (e.g. an `opposite` that no file defines)
    try:
        built = _build(good)
    except LexiconError as exc:  # pragma: no cover - each file passed on its own above
        out.error_from(exc)
    for lx in built:
        _check_dimension(lx, out)
    stats: CorpusStats | None = None
    if articles is not None:
        stats = collect_stats(built, articles, collisions=True)
        _check_broad_wildcards(built, stats, max_wildcard_share, out)
        for col in stats.collisions.values():
            w, lo = col.winner, col.loser
            out.add("warning", "collision", lo.path, lo.line,
                    f"{col.dimension}: in the corpus, {w.term!r} ({w.category}, {_where(w)}) took the words of {lo.term!r} ({lo.category}) "
                    f"{col.count} time(s), e.g. {' '.join(col.example.split())!r}")
    issues = sorted(out.issues.values(), key=lambda i: (i.path, i.line, i.severity != "error", i.code))
    shown = [i for i in issues if i.severity == "error" or report is None or i.path in report]
    paths = tuple(lf.path for lf, _ in good) if report is None else tuple(sorted(report))
    return (
        ValidationReport(
            issues=tuple(shown),
            files=paths,
            dimensions=tuple(lx.dimension for lx in built),
            n_entries=sum(len(c.entries) for lx in built for c in lx.categories),
            n_tokens=stats.n_tokens if stats is not None else None,
            hidden_warnings=len(issues) - len(shown),
        ),
        built,
    )


def read_layer_files(layers: Sequence[str | Path], *, include_shipped: bool) -> list[tuple[LexiconFile | LexiconError, bool]]:
    """Every lexicon file, shipped first, each read on its own so one bad file hides no other."""
    out: list[tuple[LexiconFile | LexiconError, bool]] = []
    sources = ([(shipped_lexicon_dir(), True)] if include_shipped else []) + [(Path(p), False) for p in layers]
    for directory, shipped in sources:
        try:
            paths = lexicon_file_paths(directory)
        except LexiconError as exc:
            out.append((exc, shipped))
            continue
        for p in paths:
            try:
                out.append((read_lexicon_file(p), shipped))
            except LexiconError as exc:
                out.append((exc, shipped))
    return out


def validate_paths(
    layers: Sequence[str | Path] = (),
    *,
    include_shipped: bool = True,
    report_shipped: bool | None = None,
    articles: Iterable[Article] | None = None,
    max_wildcard_share: float = 0.001,
) -> ValidationReport:
    """Validate the shipped lexicons (optional) and each layer folder over them.

    Warnings are reported for the layers' files, or for the shipped files when no layer is given
    (or `report_shipped` is true); errors are reported wherever they are.
    """
    files = read_layer_files(layers, include_shipped=include_shipped)
    if report_shipped is None:
        report_shipped = not layers
    report: set[str] = set()
    for item, shipped in files:
        if shipped and not report_shipped:
            continue
        report.add(item.path if isinstance(item, LexiconFile) else item.path)
    report_, _ = validate_files(files, report=report, articles=articles, max_wildcard_share=max_wildcard_share)
    return report_


def format_validation(report: ValidationReport, *, show_all: bool = False, max_per_kind: int = 20) -> str:
    """The report as `framing lexicon validate` prints it: one line per issue (warnings of one
    kind listed up to `max_per_kind` unless `show_all`), then a summary line."""
    lines: list[str] = []
    shown: dict[str, int] = {}
    hidden: dict[str, int] = {}
    for issue in report.issues:
        if issue.severity == "warning" and not show_all:
            shown[issue.code] = shown.get(issue.code, 0) + 1
            if shown[issue.code] > max_per_kind:
                hidden[issue.code] = hidden.get(issue.code, 0) + 1
                continue
        lines.append(str(issue))
    for code, n in sorted(hidden.items()):
        lines.append(f"... and {n} more [{code}] warning(s) (--all to list them)")
    summary = (
        f"checked {len(report.files)} file(s), {len(report.dimensions)} dimension(s), {report.n_entries:,} entries"
        + (f" against {report.n_tokens:,} corpus tokens" if report.n_tokens is not None else "")
        + f": {len(report.errors)} error(s), {len(report.warnings)} warning(s)"
    )
    if report.hidden_warnings:
        summary += f" ({report.hidden_warnings} more in the shipped lexicons: --all to list them)"
    lines.append(summary)
    return "\n".join(lines)
