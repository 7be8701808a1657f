"""The HTML report: read saved outputs, structure them with framing.compare, render the Jinja2
templates (autoescaped; templates are package data named *.html).

What a report folder holds:
  index.html            the comparison dashboard
  articles/<slug>.html  one page per article: highlighted text, evidence, neighbours
  pairs.html            pairwise narratives
  table-NNNN.html       further pages of the summary table (large reports only)

Everything is computed from the folder `framing score` wrote (scores.csv, evidence.jsonl,
articles.jsonl, manifest.json), so `framing report` re-renders without re-scoring. Evidence and
article texts are streamed twice (digests, then pages), so memory does not grow with the
corpus beyond the score table and one small digest per article.
"""
from __future__ import annotations

import functools
import gc
import hashlib
import html
import json
import math
import os
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace as _ns
from typing import Any, Iterator, Mapping, Sequence

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

_esc = functools.partial(html.escape, quote=True)  # str -> str; the hot loops call it ~1,000 times a page

from .. import __version__
from ..compare import (
    REST,
    Dimension,
    Quote,
    Schema,
    compare_groups,
    digest_evidence,
    distance_percentiles,
    group_labels,
    humanize,
    infer_schema,
    keyness_arrays,
    keyness_terms,
    nearest_and_farthest,
    pair_narrative,
    pairwise_distances,
    parse_group_spec,
    profile_columns,
    profile_matrix,
)
from ..errors import ConfigError, InputError, OutputError
from ..io.writers import atomic_write_text, ensure_output_dir

__all__ = ["render_report", "environment", "page_name", "highlight", "ReportLimits"]

_STATIC = Path(__file__).resolve().parent / "static"
_UMASK = os.umask(0)
os.umask(_UMASK)


@dataclass(frozen=True)
class ReportLimits:
    """Where the report switches from showing every article to summarising them."""

    detail: int = 60  # up to this many articles, figures show one row per article
    page_size: int = 200  # rows of the summary table per page
    all_pairs: int = 20  # up to this many articles, pairs.html holds every pair
    top_pairs: int = 10  # otherwise: this many most different and most similar pairs
    distance_table: int = 25  # up to this many articles, the full distance table
    clustermap: int = 150  # the clustermap shows at most this many articles (a random sample)
    figure_groups: int = 25  # groups drawn in group figures (the largest ones)


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("framing", "report/templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _fmt_num
    env.filters["signed"] = _fmt_signed
    env.filters["pct"] = lambda x: "" if x is None else f"{100 * float(x):.0f}%"
    env.filters["human"] = humanize
    env.filters["actor"] = actor_name
    env.globals["quote_html"] = quote_html
    env.globals["pill_html"] = pill_html
    return env


_LABELS = ("threat", "hollow", "legitimate", "mixed", "absent")


def actor_name(name: str) -> str:
    """`united_states` -> `United States`, `us` -> `US`."""
    text = humanize(name)
    return text.upper() if len(text) <= 3 else text.title()


def pill_html(label: Any) -> Markup:
    """A label as a coloured pill (the alliance labels have their own colours)."""
    text = "" if label is None else str(label)
    cls = text if text in _LABELS else "other"
    return Markup(f'<span class="pill lab-{cls}">{_esc(humanize(text))}</span>')


def quote_html(q: Quote, href: str) -> Markup:
    """An evidence sentence with a link to it in its article (a Python function, not a macro:
    it runs for every quote of 10,000 pages)."""
    label = {"tone": "tone", "probability": "probability"}.get(getattr(q, "measure", "weight"), "weight")
    shown = _fmt_signed(q.weight) if label == "tone" else _fmt_num(q.weight)
    value = f" \u00b7 {label} {_esc(shown)}" if q.weight else ""
    return Markup(f'<blockquote>{_esc(q.sentence)}<span class="src"><a href="{_esc(href)}#s-{int(q.sentence_index)}">'
                  f"sentence {int(q.sentence_index) + 1}</a>{value}</span></blockquote>")


# --- reading saved outputs ------------------------------------------------------------------


@dataclass
class SavedOutputs:
    scores_dir: Path
    table: Any  # pandas DataFrame, strings for text columns
    manifest: dict[str, Any]
    evidence: Path | None
    articles: Path | None


def read_outputs(scores_dir: str | Path) -> SavedOutputs:
    import pandas as pd

    d = Path(scores_dir)
    for name in ("scores.csv", "scores.jsonl", "scores.parquet"):
        path = d / name
        if path.exists():
            break
    else:
        raise ConfigError(f"{d}: no scores.csv (or .jsonl/.parquet) here; run `framing score` first")
    try:
        if path.suffix == ".csv":
            table = pd.read_csv(path, dtype={"id": str, "title": str}, keep_default_na=False, na_values=[""], low_memory=False)
        elif path.suffix == ".jsonl":
            table = pd.read_json(path, lines=True, dtype={"id": str, "title": str})
        else:
            try:
                table = pd.read_parquet(path)
            except ImportError:
                raise ConfigError(f"{path}: reading parquet needs pyarrow: pip install 'framing[parquet]'") from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise InputError(str(path), f"cannot read the scores table ({exc})") from None
    if "id" not in table.columns:
        raise InputError(str(path), "no `id` column: not a table written by `framing score`")
    table["id"] = table["id"].astype(str)
    if "title" not in table.columns:
        table["title"] = ""
    table["title"] = table["title"].fillna("").astype(str)
    manifest: dict[str, Any] = {}
    mpath = d / "manifest.json"
    if mpath.exists():
        try:
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            raise InputError(str(mpath), f"not valid JSON ({exc})") from None
        if not isinstance(manifest, dict):
            manifest = {}
    ev = d / "evidence.jsonl"
    art = d / "articles.jsonl"
    return SavedOutputs(d, table, manifest, ev if ev.exists() else None, art if art.exists() else None)


def _jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as exc:
                raise InputError(str(path), f"not valid JSON ({exc.args[0] if exc.args else exc})", line=lineno) from None
            if isinstance(rec, dict):
                yield lineno, rec


def iter_saved_articles(outputs: SavedOutputs, ids: Sequence[str]) -> Iterator[tuple[int, dict[str, Any] | None, list[dict[str, Any]]]]:
    """(row index, the article record or None, its evidence records), in table order.

    articles.jsonl is written in the table's order with the number of evidence lines of each
    article, so both files stream side by side. Without it (an older scores folder) evidence is
    grouped by article id and the pages show the evidence sentences only."""
    by_row = {i: rid for i, rid in enumerate(ids)}
    if outputs.articles is not None:
        evidence = _jsonl(outputs.evidence) if outputs.evidence is not None else iter(())
        row = 0
        for _, rec in _jsonl(outputs.articles):
            if row >= len(ids):
                break
            rid = by_row[row]
            k = int(rec.get("n_evidence", 0) or 0)
            items = [r for _, r in (next(evidence, (0, None)) for _ in range(k)) if r is not None]
            if str(rec.get("id")) != rid and not rid.startswith(f"{rec.get('id')}~"):
                break  # the table was edited or re-sorted: fall back to matching by id
            yield row, rec, items
            row += 1
        else:
            return
        if row >= len(ids):
            return
        yield from _by_id(outputs, ids, start=row)
        return
    yield from _by_id(outputs, ids, start=0)


def _by_id(outputs: SavedOutputs, ids: Sequence[str], *, start: int) -> Iterator[tuple[int, dict[str, Any] | None, list[dict[str, Any]]]]:
    wanted = set(ids[start:])
    evidence: dict[str, list[dict[str, Any]]] = {}
    if outputs.evidence is not None:
        for _, r in _jsonl(outputs.evidence):
            aid = str(r.get("article_id"))
            if aid in wanted:
                evidence.setdefault(aid, []).append(r)
    articles: dict[str, dict[str, Any]] = {}
    if outputs.articles is not None:
        for _, r in _jsonl(outputs.articles):
            if str(r.get("id")) in wanted:
                articles.setdefault(str(r.get("id")), r)
    for i in range(start, len(ids)):
        yield i, articles.get(ids[i]), evidence.get(ids[i], [])


# --- names, anchors, formatting -------------------------------------------------------------

_PAGE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}-[0-9a-f]{10}(?:-\d+)?\.html$")


def page_name(article_id: str, taken: set[str] | None = None) -> str:
    """A safe file name for an untrusted article id: a lower-case ASCII slug plus a hash of the
    full id (never a slash, `..` or NUL; unique within `taken`, which it updates)."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(article_id).lower()).strip("-")[:40].strip("-") or "article"
    digest = hashlib.blake2b(str(article_id).encode("utf-8", "surrogatepass"), digest_size=5).hexdigest()
    name = f"{slug}-{digest}.html"
    if taken is not None:
        k = 2
        while name in taken:
            name = f"{slug}-{digest}-{k}.html"
            k += 1
        taken.add(name)
    return name


def css_token(name: str) -> str:
    """An id/class fragment from a dimension or category name (ASCII letters, digits, _ and -)."""
    token = re.sub(r"[^A-Za-z0-9_-]+", "_", str(name))
    if token != str(name):
        token += "_" + hashlib.blake2b(str(name).encode("utf-8", "surrogatepass"), digest_size=3).hexdigest()
    return token or "_"


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and v == "")


def _float(v: Any) -> float | None:
    if _is_missing(v):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def _fmt_num(v: Any, digits: int = 2) -> str:
    f = _float(v)
    if f is None:
        return "" if _is_missing(v) else str(v)
    if f == int(f) and abs(f) >= 100:
        return f"{int(f):,}"
    return f"{f:.{digits}f}"


def _fmt_signed(v: Any) -> str:
    f = _float(v)
    if f is None:
        return ""
    return f"{f:+.2f}".replace("-", "\u2212")


def _display_name(title: Any, article_id: str) -> str:
    t = " ".join(str(title).split()) if not _is_missing(title) else ""
    t = t.strip("*# ")
    return t or article_id


def _opening(text: str, limit: int = 60) -> str:
    """The first words of an untitled article, cut at a word boundary."""
    words = " ".join(text[:400].split()).strip("*# ")
    if len(words) <= limit:
        return words
    cut = words[:limit].rsplit(" ", 1)[0]
    return cut + "\u2026"


# --- highlighting ---------------------------------------------------------------------------

_KIND_ORDER = {"poles": 0, "categories": 1, "prescriptions": 2, "stances": 3, "lean": 4, "actors": 9}


def _mark_class(m: Mapping[str, Any], kind: str, colour_class: Mapping[tuple[str, str], str]) -> str:
    if kind == "actors":
        cls = "act"
    elif kind == "prescriptions":
        cls = {"advocate": "hl adv", "reject": "hl rej"}.get(m.get("role") or "", "hl dsc")
    elif kind == "stances":
        cls = "hl stn"
    elif kind == "poles":
        cls = "hl pol " + colour_class.get((str(m.get("dimension")), str(m.get("category"))), "")
    else:
        cls = "hl cat " + colour_class.get((str(m.get("dimension")), str(m.get("category"))), "")
    if kind != "actors":
        if m.get("negated"):
            cls += " neg"
        if m.get("hedged"):
            cls += " hdg"
        if m.get("quoted"):
            cls += " quo"
    return cls


def _mark_title(m: Mapping[str, Any], kind: str) -> str:
    """The hover text of a highlight: category (and dimension unless it is the frame), role,
    scope flags and where the match counted when that differs."""
    cat = humanize(str(m.get("category")))
    parts = [cat if kind == "poles" else f"{humanize(str(m.get('dimension')))}: {cat}"]
    role = m.get("role")
    if role:
        parts.append(str(role))
    parts.extend(f for f in ("negated", "hedged", "quoted") if m.get(f))
    if m.get("counts_for") is None and not role:
        parts.append("counts for nothing")
    elif m.get("counts_for") not in (None, m.get("category")):
        parts.append(f"counts for {humanize(str(m.get('counts_for')))}")
    return ", ".join(parts)


def highlight(
    text: str, sentences: Sequence[Sequence[int]], matches: Sequence[Mapping[str, Any]], *, kinds: Mapping[str, str],
    colour_class: Mapping[tuple[str, str], str] | None = None, sentence_numbers: Sequence[int] | None = None,
) -> Markup:
    """The article text as HTML: every sentence a `<span id="s-N">` target, every match a
    `<mark>` classed by dimension kind, category, role and scope flags. All text is escaped.

    Overlapping matches (an actor name inside a frame phrase) split the text into segments; a
    segment takes the style of its most important match and the hover text of all of them."""
    colour_class = colour_class or {}
    style_cache: dict[tuple[Any, ...], tuple[int, str, str]] = {}
    by_sentence: dict[int, list[tuple[int, int, int, str, str]]] = {}
    for m in matches:
        dim = str(m.get("dimension"))
        kind = kinds.get(dim, "categories")
        key = (dim, m.get("category"), m.get("role"), m.get("negated"), m.get("hedged"), m.get("quoted"), m.get("counts_for"))
        style = style_cache.get(key)
        if style is None:
            title = "" if kind == "actors" else _esc(_mark_title(m, kind))
            style = style_cache[key] = (_KIND_ORDER.get(kind, 5), _mark_class(m, kind, colour_class), title)
        by_sentence.setdefault(int(m.get("sentence_index", -1)), []).append((int(m.get("start", -1)), int(m.get("end", -1)), *style))
    out: list[str] = []
    pos = 0
    n = len(text)
    for i, (s, e) in enumerate(sentences):
        s, e = max(pos, min(int(s), n)), max(pos, min(int(e), n))
        if s > pos:
            out.append(_esc(text[pos:s]))
        out.append(f'<span id="s-{i if sentence_numbers is None else int(sentence_numbers[i])}">')
        ms = [m for m in by_sentence.get(i, ()) if s <= m[0] < m[1] <= e]
        if not ms:
            out.append(_esc(text[s:e]))
        else:
            cuts = sorted({s, e, *(m[0] for m in ms), *(m[1] for m in ms)})
            for a, b in zip(cuts, cuts[1:]):
                cover = [m for m in ms if m[0] <= a and m[1] >= b]
                piece = _esc(text[a:b])
                if not cover:
                    out.append(piece)
                    continue
                if len(cover) > 1:
                    cover.sort(key=lambda m: m[2])
                titles = "; ".join(m[4] for m in cover if m[4])
                title = f' title="{titles}"' if titles else ""
                out.append(f'<mark class="{cover[0][3]}"{title}>{piece}</mark>')
        out.append("</span>")
        pos = e
    out.append(_esc(text[pos:]))
    return Markup("".join(out))


# --- the report -----------------------------------------------------------------------------


class _Terms:
    """Terms of an article by vocabulary id, indexed like a list (no per-article string list)."""

    __slots__ = ("ids", "vocab")

    def __init__(self, ids: Any, vocab: Sequence[str]) -> None:
        self.ids = ids
        self.vocab = vocab

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, k: int) -> str:
        return self.vocab[int(self.ids[k])]


def _provenance(manifest: Mapping[str, Any], scores_dir: Path) -> dict[str, Any]:
    lexicons = []
    for path, digest in sorted((manifest.get("lexicons") or {}).items()):
        lexicons.append({"name": Path(str(path)).name, "path": str(path), "sha256": str(digest)[:12]})
    inputs = [str(x) for x in manifest.get("inputs") or []]
    versions = manifest.get("versions") or {}
    return {
        "version": manifest.get("version", "unknown"),
        "report_version": __version__,
        "created": manifest.get("created", "unknown"),
        "rendered": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": sorted((str(k), str(v)) for k, v in versions.items()),
        "lexicons": lexicons,
        "models": sorted((str(k), str(v)) for k, v in (manifest.get("models") or {}).items()),
        "inputs": inputs[:20],
        "more_inputs": max(0, len(inputs) - 20),
        "n_articles": manifest.get("n_articles"),
        "n_skipped": manifest.get("n_skipped", 0),
        "scores_dir": str(scores_dir),
    }


def _colour_classes(schema: Schema) -> tuple[dict[tuple[str, str], str], str, list[dict[str, str]]]:
    """CSS classes and rules for the categories of poles and user dimensions, and the legend."""
    from .figures import category_colours

    classes: dict[tuple[str, str], str] = {}
    rules: list[str] = []
    legend: list[dict[str, str]] = []
    k = 0
    for dim in schema.of_kind("poles", "categories"):
        colours = category_colours(dim.categories)
        for cat in dim.categories:
            cls = f"k{k}"
            k += 1
            colour = colours[cat]
            classes[(dim.name, cat)] = cls
            rules.append(f"mark.{cls}{{--c:{colour};--bg:{colour}33}}")
            legend.append({"cls": f"hl {'pol' if dim.kind == 'poles' else 'cat'} {cls}", "label": f"{humanize(dim.name)}: {humanize(cat)}"})
    return classes, "\n".join(rules), legend


def _static(name: str) -> str:
    return (_STATIC / name).read_text(encoding="utf-8")


def _write(path: Path, text: str, written: list[Path], *, durable: bool = True) -> None:
    """Atomic: written under a temporary name and renamed into place, so a reader never sees a
    half-written page. Article pages skip the fsync (`durable=False`): they are re-created by
    `framing report` at any time, and 10,000 fsyncs cost more than rendering the pages."""
    if durable:
        atomic_write_text(path, text)
    else:
        import tempfile

        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    written.append(path)


def render_report(
    scores_dir: str | Path, *, out_dir: str | Path | None = None, group_by: str | None = None,
    pairs: Sequence[tuple[str, str]] = (), limits: ReportLimits = ReportLimits(),
) -> Path:
    """Write the report for the scores in scores_dir into out_dir (default: scores_dir); returns
    the path of index.html.

    group_by: a metadata column (`outlet`), or a date column with a bucket (`date:month`; year,
    quarter, month, week, day). pairs: (id, id) pairs to compare on pairs.html besides the ones
    chosen automatically."""
    try:
        return _render_report(Path(scores_dir), out_dir=out_dir, group_by=group_by, pairs=pairs, limits=limits)
    finally:
        gc.unfreeze()


def _render_report(scores_dir: Path, *, out_dir, group_by, pairs, limits) -> Path:
    import numpy as np

    outputs = read_outputs(scores_dir)
    out = ensure_output_dir(out_dir if out_dir is not None else scores_dir)
    pages_dir = _new_pages_dir(out)
    table = outputs.table
    manifest = outputs.manifest
    schema = infer_schema(list(table.columns), manifest.get("lexicon_dimensions"))
    n = len(table)
    ids = table["id"].tolist()
    names = [_display_name(t, i) for t, i in zip(table["title"], ids)]
    taken: set[str] = set()
    pages = [page_name(i, taken) for i in ids]
    records = table.astype(object).where(table.notna(), None).to_dict("records")

    # groups
    group_field = bucket = None
    groups: list[str] | None = None
    if group_by:
        group_field, bucket = parse_group_spec(group_by)
        if group_field not in table.columns:
            candidates = ", ".join(schema.metadata) or "none"
            raise ConfigError(f"--by {group_by}: no column {group_field!r} in the scores table (metadata columns: {candidates})")
        groups = group_labels(table[group_field].tolist(), bucket)

    # profiles and distances
    pcols = profile_columns(schema)
    z = profile_matrix(table, pcols)
    near, near_d, far, far_d = nearest_and_farthest(z)
    dist_sample = distance_percentiles(z)

    def rank(d: float) -> float | None:
        if not len(dist_sample) or d is None or math.isnan(d):
            return None
        return float(np.searchsorted(dist_sample, d, side="left") / len(dist_sample))

    kinds = {d.name: d.kind for d in schema.dimensions}
    actor_dims = [d.name for d in schema.of_kind("actors")]
    colour_class, colour_css, colour_legend = _colour_classes(schema)

    # pass one: digests (quotes for narratives), term counts for keyness
    digests: list[dict[str, tuple[Quote, ...]]] = [{} for _ in range(n)]
    vocab: dict[str, int] = {}
    doc_terms: list[tuple[Any, Any]] = [(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32))] * n
    sizes = np.zeros(n, dtype=np.int64)
    has_text = False
    matched_texts: set[str] = set()
    keyness_groups = groups if groups is not None else (None if n <= limits.detail else _default_groups(records, schema))
    for i, art, evidence in iter_saved_articles(outputs, ids):
        tone = (art or {}).get("sentence_tone") or ()
        digests[i] = digest_evidence(evidence, actor_dimensions=actor_dims, sentence_tone=tone, per_key=2)
        for r in evidence:
            if r.get("type") != "sentence" and kinds.get(str(r.get("dimension"))) != "actors":
                matched_texts.add(str(r.get("text", "")).lower())
        text = (art or {}).get("text")
        if isinstance(text, str) and text:
            has_text = True
            if names[i] == ids[i]:  # untitled: name it by its opening words rather than a file name
                names[i] = _opening(text) or ids[i]
            terms = keyness_terms(text)
            sizes[i] = len(terms)
            c = Counter(terms)
            doc_terms[i] = (np.fromiter((vocab.setdefault(t, len(vocab)) for t in c), dtype=np.int32, count=len(c)),
                            np.fromiter(c.values(), dtype=np.int32, count=len(c)))
    vocab_list = list(vocab)
    all_ids = np.concatenate([t[0] for t in doc_terms]) if n else np.zeros(0, dtype=np.int32)
    all_counts = np.concatenate([t[1] for t in doc_terms]) if n else np.zeros(0, dtype=np.int32)
    totals = np.bincount(all_ids, weights=all_counts, minlength=len(vocab_list))
    del all_ids, all_counts
    group_counts: dict[str, Any] = {}
    if keyness_groups is not None and has_text:  # the groups the report shows: the largest ones
        docs: dict[str, list[int]] = {}
        for i, g in enumerate(keyness_groups):
            docs.setdefault(g, []).append(i)
        for g, _ in Counter(keyness_groups).most_common(limits.figure_groups):
            g_ids = np.concatenate([doc_terms[i][0] for i in docs[g]])
            g_counts = np.concatenate([doc_terms[i][1] for i in docs[g]])
            group_counts[g] = (np.bincount(g_ids, weights=g_counts, minlength=len(vocab_list)), int(sizes[docs[g]].sum()))
    total_size = int(sizes.sum())
    lexicon_words = {w for t in matched_texts for w in keyness_terms(t)}
    # what pass one keeps lives to the end: keep the garbage collector from walking it per page
    gc.freeze()

    env = environment()
    css = _minify_css(_static("report.css") + "\n" + colour_css)
    prov = _provenance(manifest, scores_dir)

    footer = Markup(env.get_template("_footer.html").render(prov=prov))

    def assets(script: str, *, css_href: str | None = None) -> dict[str, Any]:
        """index.html and pairs.html carry their stylesheet (each is one self-contained file);
        the many article and table pages link the report's report.css instead."""
        js = _static(script)
        return {"css": Markup(css), "css_href": css_href, "js": Markup(js), "csp": Markup(_csp(js)), "footer": footer}

    written: list[Path] = []
    _write(out / "report.css", css, written)


    # pass two: one page per article
    article_tpl = env.get_template("article.html")
    article_assets = assets("article.js", css_href="../report.css")
    article_keyness: list[list[Any]] = [[] for _ in range(n)]
    for i, art, evidence in iter_saved_articles(outputs, ids):
        ids_i, counts_i = doc_terms[i]
        kt = keyness_arrays(_Terms(ids_i, vocab_list), counts_i, totals[ids_i], int(sizes[i]), total_size, top=15) if n > 1 else []
        article_keyness[i] = kt
        neighbours = []
        for label, j, d in (("closest", near[i], near_d[i]), ("most different", far[i], far_d[i])):
            if j < 0 or j == i:
                continue
            claims = pair_narrative(records[i], records[j], schema, quotes_a=digests[i], quotes_b=digests[j], distance=float(d), distance_rank=rank(float(d)))
            neighbours.append({"label": label, "name": names[j], "page": pages[j], "claims": claims})
        ctx = _article_context(i, records[i], art, evidence, schema, names[i], kinds=kinds, colour_class=colour_class,
                               keyterms=kt, lexicon_words=lexicon_words, neighbours=neighbours, quotes=digests[i])
        html = article_tpl.render(**article_assets, a=ctx, root="../", colour_legend=colour_legend, page_title=names[i])
        with open(pages_dir / pages[i], "w", encoding="utf-8") as fh:  # the folder is not visible yet
            fh.write(html)

    # pairs
    poles = schema.of_kind("poles")
    informative = [str(r.get(f"{poles[0].name}.label") or "absent") != "absent" for r in records] if poles else [True] * n
    top = _top_pairs(near, near_d, far, far_d, informative, limits.top_pairs)
    pair_list = _choose_pairs(n, z, ids, pairs, limits, top)
    pair_ctx = []
    for i, j, why in pair_list:
        d = float(np.sqrt(((z[i] - z[j]) ** 2).sum() / max(z.shape[1], 1))) if z.size else None
        claims = pair_narrative(records[i], records[j], schema, quotes_a=digests[i], quotes_b=digests[j], distance=d, distance_rank=rank(d) if d is not None else None)
        pair_ctx.append({"a": {"id": ids[i], "name": names[i], "page": pages[i]}, "b": {"id": ids[j], "name": names[j], "page": pages[j]},
                         "why": why, "claims": claims, "anchor": f"pair-{i}-{j}"})
    all_pairs = n <= limits.all_pairs
    _write(out / "pairs.html", env.get_template("pairs.html").render(
        **assets("pairs.js"), root="", page_title="Pairwise comparisons", pairs=pair_ctx, all_pairs=all_pairs, n=n, limits=limits,
        articles=[{"id": ids[i], "name": names[i]} for i in range(n)] if n <= 2000 else [],
    ), written)

    # the index
    index_ctx = _index_context(
        table=table, records=records, schema=schema, ids=ids, names=names, pages=pages, z=z, pcols=pcols, groups=groups,
        group_by=group_by, group_field=group_field, limits=limits, near=near, near_d=near_d, far=far, far_d=far_d,
        article_keyness=article_keyness, group_counts=group_counts, totals=totals, total_size=total_size, vocab_list=vocab_list,
        keyness_groups=keyness_groups, lexicon_words=lexicon_words, has_text=has_text, pair_ctx=pair_ctx, manifest=manifest, top_pairs=top,
        outputs=outputs, out=out,
    )
    table_pages = index_ctx.pop("table_pages")
    table_tpl = env.get_template("table.html")
    for p in table_pages[1:]:
        html = table_tpl.render(**assets("tables.js", css_href="report.css"), root="", page_title=f"Articles, page {p['number']}", t=p, pager=table_pages)
        _write(out / p["file"], html, written, durable=False)
    index = out / "index.html"
    _write(index, env.get_template("index.html").render(**assets("tables.js"), root="", page_title=f"How {n} articles frame the story", **index_ctx,
                                                         pager=table_pages), written)
    _swap_pages_dir(out, pages_dir)
    _remove_stale(out, written)
    return index


def _minify_css(css: str) -> str:
    """Comments and layout whitespace out: the stylesheet is inlined into every page."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"\s+", " ", css)
    css = re.sub(r"\s*([{};,>])\s*", r"\1", css)
    return css.replace(";}", "}").strip()


def _csp(js: str) -> str:
    import base64

    digest = base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode("ascii")
    return (f"default-src 'none'; img-src data:; style-src 'self' file: 'unsafe-inline'; script-src 'sha256-{digest}'; "
            "base-uri 'none'; form-action 'none'")


def _new_pages_dir(out: Path) -> Path:
    """Article pages are written into a hidden folder that replaces `articles/` when complete:
    readers never see a half-written report, stale pages vanish with the old folder, and no page
    is renamed over an old one (which ext4 turns into a flush per file)."""
    import shutil
    import tempfile

    final = out / "articles"
    if final.exists() and (not final.is_dir() or any(not _PAGE_RE.match(p.name) for p in final.iterdir())):
        raise OutputError(f"{final}: holds files the report did not write; choose another --out folder for the report")
    for leftover in out.glob(".articles-*"):  # from an interrupted run
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
    try:
        tmp = Path(tempfile.mkdtemp(dir=out, prefix=".articles-"))
        os.chmod(tmp, 0o777 & ~_UMASK)  # mkdtemp makes 0700; a report folder is an ordinary folder
    except OSError as exc:
        raise OutputError(f"{out}: cannot write ({exc.strerror or exc})") from None
    return tmp


def _swap_pages_dir(out: Path, pages_dir: Path) -> None:
    import shutil

    final = out / "articles"
    old = None
    if final.exists():
        old = pages_dir.with_name(pages_dir.name + "-old")
        os.rename(final, old)
    os.rename(pages_dir, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _remove_stale(out: Path, written: Sequence[Path]) -> None:
    """Table pages of a previous report in the same folder that this one did not write."""
    keep = {p.resolve() for p in written}
    for p in out.glob("table-*.html"):
        if re.fullmatch(r"table-\d{4,}\.html", p.name) and p.resolve() not in keep:
            p.unlink(missing_ok=True)


def _default_groups(records: Sequence[Mapping[str, Any]], schema: Schema) -> list[str]:
    """Without --by, a large report groups its summaries by the first poles dimension's label."""
    poles = schema.of_kind("poles")
    if not poles:
        return ["all articles"] * len(records)
    col = f"{poles[0].name}.label"
    return [str(r.get(col) or "absent") for r in records]


def _choose_pairs(n, z, ids, requested, limits, top_pairs) -> list[tuple[int, int, str]]:
    """The pairs on pairs.html: the requested ones, then every pair (few articles, most different
    first) or the most different and most similar ones."""
    chosen: dict[tuple[int, int], str] = {}
    index = {rid: i for i, rid in enumerate(ids)}
    for a, b in requested:
        if a not in index or b not in index:
            missing = a if a not in index else b
            raise ConfigError(f"--pair {a} {b}: no article with id {missing!r} in the scores table")
        i, j = index[a], index[b]
        if i != j:
            chosen[(min(i, j), max(i, j))] = "requested"
    if n <= limits.all_pairs:
        if z.size:
            d = pairwise_distances(z)
            order = sorted(((i, j) for i in range(n) for j in range(i + 1, n)), key=lambda p: -d[p])
        else:
            order = [(i, j) for i in range(n) for j in range(i + 1, n)]
        for p in order:
            chosen.setdefault(p, "")
        return [(i, j, why) for (i, j), why in chosen.items()]
    different, similar = top_pairs
    for i, j, _ in different:
        chosen.setdefault((i, j), "most different")
    for i, j, _ in similar:
        chosen.setdefault((i, j), "most similar")
    return [(int(i), int(j), why) for (i, j), why in chosen.items()]


def _top_pairs(near, near_d, far, far_d, informative, k: int) -> tuple[list[tuple[int, int, float]], list[tuple[int, int, float]]]:
    """The k most different and k most similar pairs (from each article's farthest and nearest
    neighbour). Similar pairs need evidence on both sides: two articles that never touch the
    subject have identical, empty profiles, which says nothing."""
    import numpy as np

    def pick(order, partner, dist, keep) -> list[tuple[int, int, float]]:
        out: list[tuple[int, int, float]] = []
        seen: set[tuple[int, int]] = set()
        for i in order:
            j = int(partner[i])
            if j < 0 or not keep(int(i), j):
                continue
            p = (min(int(i), j), max(int(i), j))
            if p not in seen:
                seen.add(p)
                out.append((p[0], p[1], float(dist[i])))
            if len(out) >= k:
                break
        return out

    if len(near) < 2:
        return [], []
    different = pick(np.argsort(-np.nan_to_num(far_d, nan=-1), kind="stable"), far, far_d, lambda i, j: informative[i] or informative[j])
    similar = pick(np.argsort(np.nan_to_num(near_d, nan=np.inf), kind="stable"), near, near_d, lambda i, j: informative[i] and informative[j])
    return different, similar


# --- the article page -----------------------------------------------------------------------


def _article_context(
    i: int, row: Mapping[str, Any], art: Mapping[str, Any] | None, evidence: Sequence[Mapping[str, Any]], schema: Schema, name: str, *,
    kinds: Mapping[str, str], colour_class: Mapping[tuple[str, str], str], keyterms: Sequence[Any], lexicon_words: set[str],
    neighbours: Sequence[Mapping[str, Any]], quotes: Mapping[str, Sequence[Quote]],
) -> Any:
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
    for m in matches:
        by_cat.setdefault((str(m.get("dimension")), str(m.get("category"))), []).append(m)

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
            cats.append(_category_tbody(dim, cat, row.get(col), ms))
        dims.append(_ns(**{
            "name": dim.name, "kind": dim.kind, "anchor": f"dim-{css_token(dim.name)}",
            "label": row.get(f"{dim.name}.label"), "position": row.get(f"{dim.name}.position"),
            "ci_low": row.get(f"{dim.name}.ci_low"), "ci_high": row.get(f"{dim.name}.ci_high"),
            "intensity": row.get(f"{dim.name}.intensity"),
            "advocated": [c for c in str(row.get(f"{dim.name}.advocated") or "").split(";") if c],
            "rejected": [c for c in str(row.get(f"{dim.name}.rejected") or "").split(";") if c],
            "dist": [(c, _float(row.get(col))) for c, col in zip(dim.categories, dim.columns)] if dim.kind in ("stances", "lean") else [],
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
                    f'<a href="#s-{k}">{k + 1}</a>' + (f" ({_fmt_signed(tone[k])})" if 0 <= k < len(tone) else "") for k in sent_idx)),
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
        meta = [(str(k), _meta_value(v)) for k, v in art["metadata"].items()]
    else:
        meta = [(c, _meta_value(row.get(c))) for c in schema.metadata if not _is_missing(row.get(c))]


    return _ns(**{
        "id": str(row.get("id")), "name": name, "n_tokens": row.get("n_tokens"), "n_sentences": row.get("n_sentences"),
        "has_text": isinstance(text, str), "body": body, "dims": dims, "actors": actors, "extra_tone": extra_tone,
        "tone": row.get("tone.compound"), "has_tone": schema.has_tone, "models": model_blocks, "decisions": decision_blocks,
        "other": [(c, row.get(c)) for c in schema.other_columns], "meta": meta,
        "keyterms": [{"t": k, "lex": k.term in lexicon_words} for k in keyterms], "neighbours": neighbours,
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


def _meta_value(v: Any) -> str:
    if _is_missing(v):
        return ""
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    if isinstance(v, Mapping):
        return json.dumps(v, ensure_ascii=False, default=str)
    return str(v)


_UNITS = {"poles": " per 1,000 words", "categories": " per 1,000 words"}


def _category_tbody(dim: Dimension, cat: str, value: Any, matches: Sequence[Mapping[str, Any]]) -> str:
    """One category of a dimension's evidence table: a heading row (the score, the number of
    matches) with the category's anchor, then a row per match. Built here, not in the template:
    it runs for every category of every page."""
    prescriptions = dim.kind == "prescriptions"
    shown = _fmt_signed(value) if prescriptions else _fmt_num(value)
    note = ""
    if dim.kind != "lean":
        if matches:
            note = f"{len(matches)} match{'es' if len(matches) != 1 else ''}"
            if prescriptions:
                roles = Counter(str(m.get("role") or "") for m in matches)
                note += f": {roles['advocate']} advocate, {roles['reject']} reject, {roles['describe']} describe"
        else:
            note = "no matches"
        note = f' <span class="muted">({note})</span>'
    return (f'<tbody id="ev-{css_token(dim.name)}-{css_token(cat)}"><tr class="cat"><th colspan="{6 if prescriptions else 7}">'
            f"{_esc(humanize(cat))}: {_esc(shown)}{_UNITS.get(dim.kind, '')}{note}\n"
            f"{_match_rows_html(matches, prescriptions=prescriptions)}</tbody>\n")


def _match_rows_html(matches: Sequence[Mapping[str, Any]], *, prescriptions: bool) -> Markup:
    """The rows of an evidence table (built here rather than in the template: with 10,000
    article pages this loop is the hot path). Every value is escaped."""
    out = []
    for m in matches:
        i = int(m.get("sentence_index", -1))
        flags = ", ".join(f for f in ("negated", "hedged", "quoted") if m.get(f))
        # end tags of td and tr are optional in HTML: left out, they are a fifth of a table's bytes
        if prescriptions:
            last = f"<td>{_esc(str(m.get('role') or ''))}"
        else:
            counts_for = m.get("counts_for")
            last = f"<td>{_esc(humanize(counts_for) if counts_for else 'nothing')}<td class=num>{_esc(_fmt_num(m.get('effective_weight')))}"
        out.append(f'<tr><td><a href="#s-{i}">{i + 1}</a><td>{_esc(str(m.get("text", "")))}<td>{_esc(str(m.get("entry", "")))}'
                   f'<td class=num>{_esc(_fmt_num(m.get("weight")))}<td>{flags}{last}\n')
    return Markup("".join(out))


@functools.lru_cache(maxsize=4096)
def _column_anchor_cached(col: str, schema: Schema) -> str:
    return column_anchor(col, schema)


def column_anchor(col: str, schema: Schema) -> str:
    """The id on an article page that shows the evidence behind a scores.csv column."""
    if col in ("n_tokens", "n_sentences"):
        return "text"
    if col in schema.metadata:
        return "meta"
    if col == "tone.compound":
        return "tone"
    if col.startswith("tone."):
        return f"tone-{css_token(col[5:])}"
    for dim in schema.dimensions:
        if col in dim.columns:
            cat = dim.categories[dim.columns.index(col)]
            if dim.kind == "lean":
                return f"dim-{css_token(dim.name)}"
            return f"ev-{css_token(dim.name)}-{css_token(cat)}"
        if col.startswith(dim.name + ".") and col not in schema.other_columns:
            return f"dim-{css_token(dim.name)}"
    return "models"


# --- the index ------------------------------------------------------------------------------

_HOWTO_DIMENSIONS = {
    "alliance": "how the article frames the alignment of China, Russia, North Korea and Iran: a cohesive threat, a hollow marriage of convenience, or (the language of state media) a legitimate partnership",
    "prescriptions": "the policies an article advocates or rejects",
    "ideology": "the ideological vocabulary it uses",
    "actors": "which countries it names",
    "lean": "a model's estimate of the article's political lean",
}


def _summary_columns(schema: Schema, group_field: str | None) -> list[dict[str, Any]]:
    cols: list[dict[str, Any]] = []
    meta_pick = [c for c in schema.metadata if c in (group_field, "outlet", "source", "date", "site", "publisher")]
    for c in dict.fromkeys(meta_pick):
        cols.append({"key": c, "label": c, "anchor": "meta", "num": False})
    for dim in schema.dimensions:
        if dim.kind == "poles":
            cols.append({"key": f"{dim.name}.label", "label": f"{dim.name} label", "anchor": f"dim-{css_token(dim.name)}", "num": False, "pill": True})
            cols.append({"key": f"{dim.name}.position", "label": f"{dim.name} position [90% interval]", "anchor": f"dim-{css_token(dim.name)}", "num": True, "interval": dim.name})
            for cat, col in zip(dim.categories, dim.columns):
                cols.append({"key": col, "label": f"{humanize(cat)} /1k words", "anchor": f"ev-{css_token(dim.name)}-{css_token(cat)}", "num": True})
        elif dim.kind == "prescriptions":
            cols.append({"key": f"{dim.name}.advocated", "label": "advocates", "anchor": f"dim-{css_token(dim.name)}", "num": False, "list": True})
            cols.append({"key": f"{dim.name}.rejected", "label": "rejects", "anchor": f"dim-{css_token(dim.name)}", "num": False, "list": True})
        elif dim.kind in ("stances", "categories", "lean"):
            cols.append({"key": f"{dim.name}.label", "label": f"{humanize(dim.name)}", "anchor": f"dim-{css_token(dim.name)}", "num": False, "human": True})
    if schema.has_tone:
        cols.append({"key": "tone.compound", "label": "tone", "anchor": "tone", "num": True})
    for c in schema.other_columns[:4]:
        cols.append({"key": c, "label": c, "anchor": column_anchor(c, schema), "num": True})
    cols.append({"key": "n_tokens", "label": "words", "anchor": "text", "num": True})
    return cols


def _cell(row: Mapping[str, Any], col: Mapping[str, Any]) -> dict[str, Any]:
    v = row.get(col["key"])
    if col.get("interval"):
        d = col["interval"]
        pos = _float(v)
        lo, hi = _float(row.get(f"{d}.ci_low")), _float(row.get(f"{d}.ci_high"))
        text = "" if pos is None else f"{_fmt_signed(pos)} [{_fmt_signed(lo)}, {_fmt_signed(hi)}]"
        return {"text": text, "sort": "" if pos is None else f"{pos:.4f}", "pill": None}
    if col.get("num"):
        f = _float(v)
        return {"text": _fmt_num(v), "sort": "" if f is None else repr(f), "pill": None}
    text = "" if _is_missing(v) else str(v)
    if col.get("list"):
        text = ", ".join(humanize(x) for x in text.split(";") if x)
    elif col.get("human"):
        text = humanize(text)
    return {"text": text, "sort": None, "pill": text if col.get("pill") else None}


def _summary_row(name: str, page: str, row: Mapping[str, Any], columns: Sequence[Mapping[str, Any]]) -> Markup:
    """One row of the article table, every cell a link to the evidence behind it (built here:
    10,000 rows of 15 cells are the index's hot loop)."""
    href = f"articles/{page}"
    short = name if len(name) <= 80 else name[:79] + "\u2026"
    out = [f'<tr><td data-sort="{_esc(name)}"><a href="{href}">{_esc(short)}</a>']
    for col in columns:
        c = _cell(row, col)
        attrs = ' class="num"' if col.get("num") else ""
        if c["sort"] is not None:
            attrs += f' data-sort="{_esc(c["sort"])}"'
        if c["pill"]:
            inner = str(pill_html(c["pill"]))
        elif c["text"]:
            inner = _esc(c["text"])
        else:
            inner = '<span class="muted">&ndash;</span>'
        out.append(f'<td{attrs}><a href="{href}#{col["anchor"]}">{inner}</a>')
    out.append("\n")
    return Markup("".join(out))


def _index_context(**kw: Any) -> dict[str, Any]:
    import numpy as np

    from . import figures

    table = kw["table"]
    records: list[Mapping[str, Any]] = kw["records"]
    schema: Schema = kw["schema"]
    names, pages = kw["names"], kw["pages"]
    limits: ReportLimits = kw["limits"]
    groups = kw["groups"]
    n = len(records)
    detail = n <= limits.detail
    # many articles: the figures above the groups section summarise them by their frame label (the
    # --by groups have their own section)
    agg_groups = _default_groups(records, schema)
    agg_title = "by alliance label"
    notes: list[str] = []
    sections: list[dict[str, Any]] = []

    def col(name: str) -> np.ndarray:
        import pandas as pd

        if name not in table.columns:
            return np.full(n, np.nan)
        return pd.to_numeric(table[name], errors="coerce").to_numpy(dtype=float)

    order_groups = [g for g, _ in Counter(agg_groups).most_common(limits.figure_groups)]

    def group_matrix(columns: Sequence[str]) -> np.ndarray:
        labels = np.asarray(agg_groups, dtype=object)
        mat = np.full((len(order_groups), len(columns)), np.nan)
        for gi, g in enumerate(order_groups):
            mask = labels == g
            for ci, c in enumerate(columns):
                v = col(c)[mask]
                v = v[~np.isnan(v)]
                if len(v):
                    mat[gi, ci] = v.mean()
        return mat

    def group_rows() -> list[str]:
        sizes = Counter(agg_groups)
        return [f"{g} (n={sizes[g]})" for g in order_groups]

    if n == 0:
        return {"n": 0, "sections": [], "notes": ["The scores table is empty: no article was scored."],
                "table_pages": [{"number": 1, "file": "index.html", "rows": [], "columns": [], "first": 0, "last": 0, "n": 0}],
                "howto": [], "glance": {}, "groups": None, "pairs_preview": [], "n_pairs": 0, "keyness": {"mode": None},
                "similarity": {"image": None, "features": []}, "skipped": kw["manifest"].get("skipped") or [],
                "scores_link": None, "detail": True, "limits": limits, "has_text": False, "schema_other": []}

    # 1. poles axes
    for dim in schema.of_kind("poles"):
        positions = col(f"{dim.name}.position")
        labels = [str(r.get(f"{dim.name}.label") or "absent") for r in records]
        neg, pos = ("hollow", "threat") if dim.name == "alliance" else (dim.categories[1] if len(dim.categories) > 1 else "negative", dim.categories[0])
        if detail:
            img = figures.position_axis(names, np.nan_to_num(positions), np.nan_to_num(col(f"{dim.name}.ci_low")),
                                        np.nan_to_num(col(f"{dim.name}.ci_high")), labels, negative=neg, positive=pos)
            caption = (f"Each row is an article; the dot is its position from \u22121 ({humanize(neg)}) to +1 ({humanize(pos)}), read by the "
                       f"article-level model from its sentences and phrases (with --no-classifiers: the weighted phrases of each pole); the bar is "
                       f"the lexicon's 90% interval from resampling its sentences, moved with the position (wide bar: few sentences decide). "
                       f"Colour and shape give the label; legitimate (green diamond) marks partnership language, which is not on this axis.")
        else:
            img = figures.position_distribution(np.nan_to_num(positions), labels, negative=neg, positive=pos)
            caption = f"How the {n} articles spread along the axis, stacked by label. Open an article from the table to see its interval and evidence."
        counts = Counter(labels)
        sections.append({"id": f"fig-{css_token(dim.name)}", "title": f"{humanize(dim.name).capitalize()}: where each article stands",
                         "image": img, "caption": caption, "counts": sorted(counts.items(), key=lambda kv: -kv[1])})

    # 2. prescriptions
    for dim in schema.of_kind("prescriptions"):
        if not dim.columns:
            continue
        if detail:
            img = figures.diverging_heatmap([[_float(r.get(c)) for c in dim.columns] for r in records], names, dim.categories,
                                            cbar_label="rejected \u2190 0 \u2192 advocated", title="")
            caption = ("Each cell is an article's net stance on a policy: purple it advocates it (e.g. 'the West should impose sanctions'), "
                       "orange it rejects it ('sanctions only push them closer'), white it is not argued either way. Mentions without "
                       "an advocacy or rejection cue count for nothing.")
        else:
            adv = [float(np.mean(col(c) >= 0.3)) for c in dim.columns]
            rej = [float(np.mean(col(c) <= -0.3)) for c in dim.columns]
            img = figures.advocacy_bars(dim.categories, adv, rej)
            caption = f"The share of the {n} articles that advocate (right) or reject (left) each policy (net score at least 0.3 either way)."
        sections.append({"id": f"fig-{css_token(dim.name)}", "title": "Policy prescriptions: advocated vs rejected", "image": img, "caption": caption})
        if not detail:
            img2 = figures.diverging_heatmap(group_matrix(dim.columns), group_rows(), dim.categories, cbar_label="mean net stance")
            sections.append({"id": f"fig-{css_token(dim.name)}-groups", "title": f"Policy prescriptions {agg_title}", "image": img2,
                             "caption": "Average net stance per group: purple advocated on average, orange rejected."})

    # 3. stances and lean
    for dim in schema.of_kind("stances", "lean"):
        if detail:
            values = [[_float(r.get(c)) or 0.0 for c in dim.columns] for r in records]
            rows = names
            caption_rows = "Each bar is an article"
        else:
            values = group_matrix(dim.columns)
            rows = group_rows()
            caption_rows = f"Each bar is the average of a group ({agg_title[3:]})"
        title = "Political lean" if dim.kind == "lean" else f"{humanize(dim.name).capitalize()}: stance vocabulary"
        what = ("the lean model's probabilities for left, centre and right" if dim.kind == "lean" else
                "the share of its stance vocabulary from each ideological family (a prior pulls articles with little such vocabulary towards neutral, grey)")
        img = figures.stacked_bars(values, rows, dim.categories, xlabel="share")
        sections.append({"id": f"fig-{css_token(dim.name)}", "title": title, "image": img, "caption": f"{caption_rows}, split into {what}."})
    if not schema.of_kind("lean"):
        notes.append("Political lean: not in these scores (no lean model was used).")

    # 4. actor tone
    actors = list(schema.actors_with_tone)
    if actors:
        if detail:
            vals = [[_float(r.get(f"tone.{a}")) for a in actors] for r in records]
            rows = names
        else:
            vals = group_matrix([f"tone.{a}" for a in actors])
            rows = group_rows()
        img = figures.diverging_heatmap(vals, rows, actors, cmap="RdBu", cbar_label="average sentence tone", missing_label="actor not named")
        sections.append({"id": "fig-tone", "title": "Tone towards each actor" + ("" if detail else f" ({agg_title})"), "image": img,
                         "caption": ("Average VADER sentiment (\u22121 negative, red; +1 positive, blue) of the sentences that name each actor; hatched: "
                                     "the actor is not named. It measures the wording around a name, not the writer's attitude.")})

    # 5. profiles: clustermap and distances
    z, pcols = kw["z"], kw["pcols"]
    similarity: dict[str, Any] = {"image": None}
    if z.size and n >= 3:
        rows_idx = np.arange(n)
        if n > limits.clustermap:
            rows_idx = np.sort(np.random.default_rng(0).choice(n, size=limits.clustermap, replace=False))
            notes.append(f"The clustermap shows a random sample of {limits.clustermap} of the {n} articles (drawing all is slow and unreadable).")
        keep = z[rows_idx].std(axis=0) > 0
        if keep.any():
            similarity["image"] = figures.clustermap(z[rows_idx][:, keep], [names[i] for i in rows_idx], [c for c, k in zip(pcols, keep) if k])
            similarity["sampled"] = n > limits.clustermap
    if z.size and n >= 2:
        if n <= limits.distance_table:
            d = pairwise_distances(z)
            similarity["matrix"] = [{"name": names[i], "page": pages[i], "cells": [{"d": float(d[i, j]), "shade": _shade(float(d[i, j]))} for j in range(n)]} for i in range(n)]
            similarity["short"] = [f"{k + 1}" for k in range(n)]
        different, similar = kw["top_pairs"]
        most_diff = [{"a": names[i], "pa": pages[i], "b": names[j], "pb": pages[j], "d": d, "anchor": f"pair-{i}-{j}"} for i, j, d in different[:5]]
        most_sim = [{"a": names[i], "pa": pages[i], "b": names[j], "pb": pages[j], "d": d, "anchor": f"pair-{i}-{j}"} for i, j, d in similar[:5]]
        similarity["most_different"] = most_diff
        similarity["most_similar"] = most_sim
    similarity["features"] = [humanize(c) for c in pcols]

    # 6. keyness
    totals, total_size = kw["totals"], kw["total_size"]
    key_blocks = []
    key_mode = None
    if kw["has_text"] and total_size:
        lex = kw["lexicon_words"]
        if kw["keyness_groups"] is not None:
            key_mode = "group"
            vocab_list = kw["vocab_list"]
            for g, _ in Counter(kw["keyness_groups"]).most_common(limits.figure_groups):
                counts, size = kw["group_counts"].get(g, (np.zeros(len(vocab_list)), 0))
                nz = np.flatnonzero(counts)
                kt = keyness_arrays(_Terms(nz, vocab_list), counts[nz], totals[nz], size, total_size, top=12, min_count=5)
                key_blocks.append({"name": g, "page": None, "terms": [{"t": k, "lex": k.term in lex} for k in kt]})
        else:
            key_mode = "article"
            for i in range(n):
                key_blocks.append({"name": names[i], "page": pages[i], "terms": [{"t": k, "lex": k.term in lex} for k in kw["article_keyness"][i][:8]]})

    # 7. groups
    group_ctx = None
    if groups is not None:
        group_ctx = _group_context(table, records, schema, groups, kw["group_by"], limits, col, figures, pcols)

    # 8. the summary table, paginated
    columns = _summary_columns(schema, kw["group_field"])
    all_rows = [_summary_row(names[i], pages[i], r, columns) for i, r in enumerate(records)]
    table_pages = []
    size = max(1, limits.page_size)
    n_pages = max(1, math.ceil(n / size))
    for p in range(n_pages):
        table_pages.append({"number": p + 1, "file": "index.html" if p == 0 else f"table-{p + 1:04d}.html",
                            "rows": all_rows[p * size:(p + 1) * size], "columns": columns, "first": p * size + 1,
                            "last": min(n, (p + 1) * size), "n": n})

    howto_dims = [(d.name, _HOWTO_DIMENSIONS.get(d.name, f"a user-defined dimension ({', '.join(humanize(c) for c in d.categories)})"))
                  for d in schema.dimensions]
    scores_file = next((p.name for p in (kw["outputs"].scores_dir / f for f in ("scores.csv", "scores.jsonl", "scores.parquet")) if p.exists()), None)
    scores_link = None
    if scores_file and kw["outputs"].scores_dir.resolve() == kw["out"].resolve():
        scores_link = scores_file
    glance = {}
    poles = schema.of_kind("poles")
    if poles:
        lab = Counter(str(r.get(f"{poles[0].name}.label") or "absent") for r in records)
        glance["labels"] = [(k, lab[k]) for k in ("threat", "hollow", "legitimate", "mixed", "absent") if lab.get(k)] + \
                           [(k, v) for k, v in lab.items() if k not in ("threat", "hollow", "legitimate", "mixed", "absent")]
        glance["dimension"] = poles[0].name
    return {
        "n": n, "sections": sections, "notes": notes, "similarity": similarity, "keyness": {"mode": key_mode, "blocks": key_blocks, "agg": agg_title},
        "groups": group_ctx, "table_pages": table_pages, "howto": howto_dims, "glance": glance, "pairs_preview": kw["pair_ctx"][:3],
        "n_pairs": len(kw["pair_ctx"]), "skipped": kw["manifest"].get("skipped") or [], "scores_link": scores_link, "detail": detail,
        "limits": limits, "has_text": kw["has_text"], "schema_other": list(schema.other_columns),
    }


def metric_label(col: str, schema: Schema) -> str:
    """A score column in words: `alliance.hollow` -> `alliance: hollow (per 1,000 words)`."""
    if col == "tone.compound":
        return "tone (all sentences)"
    if col.startswith("tone."):
        return f"tone towards {actor_name(col[5:])}"
    for dim in schema.dimensions:
        if col in dim.columns:
            cat = humanize(dim.categories[dim.columns.index(col)])
            unit = {"poles": " (per 1,000 words)", "categories": " (per 1,000 words)", "prescriptions": " (net stance)",
                    "stances": " (share)", "lean": " (probability)"}.get(dim.kind, "")
            return f"{humanize(dim.name)}: {cat}{unit}"
        if col.startswith(dim.name + "."):
            return f"{humanize(dim.name)} {humanize(col[len(dim.name) + 1:])}"
    return col


def _shade(d: float) -> str:
    """Background for a distance cell: light to dark blue (0 .. 2). Computed here, never from data."""
    t = max(0.0, min(1.0, d / 2.0))
    r = int(247 - t * (247 - 33))
    g = int(251 - t * (251 - 102))
    b = int(255 - t * (255 - 172))
    return f"#{r:02x}{g:02x}{b:02x}"


def _group_context(table, records, schema: Schema, groups: Sequence[str], group_by: str, limits: ReportLimits, col, figures, pcols) -> dict[str, Any]:
    import numpy as np

    sizes = Counter(groups)
    order = [g for g, _ in sizes.most_common(limits.figure_groups)]
    shown = f"The figures show the {len(order)} largest of {len(sizes)} groups." if len(sizes) > len(order) else ""
    figs = []
    for dim in schema.of_kind("poles"):
        v = col(f"{dim.name}.position")
        figs.append({"title": f"{humanize(dim.name).capitalize()} position by {group_by}", "image": figures.group_distributions(v, groups, order, ylabel=f"{dim.name} position"),
                     "caption": "Each dot is an article; the box spans the middle half of the group, the line inside is its median."})
        labels = [str(r.get(f"{dim.name}.label") or "absent") for r in records]
        cats = [k for k in ("threat", "hollow", "legitimate", "mixed", "absent") if k in set(labels)] + sorted(set(labels) - {"threat", "hollow", "legitimate", "mixed", "absent"})
        shares = [[sum(1 for g2, l2 in zip(groups, labels) if g2 == g and l2 == c) / sizes[g] for c in cats] for g in order]
        figs.append({"title": f"{humanize(dim.name).capitalize()} labels by {group_by}", "image": figures.label_composition(shares, [f"{g} (n={sizes[g]})" for g in order], cats),
                     "caption": "The share of each group's articles with each label."})
    labels_arr = np.asarray(groups, dtype=object)
    row_names = [f"{g} (n={sizes[g]})" for g in order]

    def means(columns: Sequence[str]) -> list[list[float]]:
        out = []
        for g in order:
            mask = labels_arr == g
            row = []
            for c in columns:
                v = col(c)[mask]
                v = v[~np.isnan(v)]
                row.append(float(v.mean()) if len(v) else float("nan"))
            out.append(row)
        return out

    for dim in schema.of_kind("prescriptions"):
        if dim.columns:
            figs.append({"title": f"Policy prescriptions by {group_by}", "caption": "Average net stance of each group's articles: purple advocated, orange rejected.",
                         "image": figures.diverging_heatmap(means(dim.columns), row_names, dim.categories, cbar_label="mean net stance")})
    for dim in schema.of_kind("stances", "lean"):
        figs.append({"title": f"{'Political lean' if dim.kind == 'lean' else humanize(dim.name).capitalize()} by {group_by}",
                     "caption": "The average distribution of each group's articles.",
                     "image": figures.stacked_bars(means(dim.columns), row_names, dim.categories, xlabel="share")})
    if schema.actors_with_tone:
        actors = list(schema.actors_with_tone)
        figs.append({"title": f"Tone towards each actor by {group_by}", "caption": "Average tone of the sentences naming each actor (red negative, blue positive); hatched: not named.",
                     "image": figures.diverging_heatmap(means([f"tone.{a}" for a in actors]), row_names, actors, cmap="RdBu", cbar_label="average sentence tone")})
    metrics = list(pcols)
    for dim in schema.of_kind("poles"):
        metrics.insert(metrics.index(f"{dim.name}.position") + 1, f"{dim.name}.intensity")
    if schema.has_tone:
        metrics.append("tone.compound")
    metrics += [f"tone.{a}" for a in schema.actors_with_tone]
    metrics = [m for m in metrics if m in table.columns]
    values = {m: col(m) for m in metrics}
    diffs = compare_groups(values, groups, metrics=metrics)
    diffs.sort(key=lambda d: (d.p_adjusted, -abs(d.cliffs_delta)))
    n_groups = len([g for g, k in sizes.items() if k >= 3])
    labels = {m: metric_label(m, schema) for m in metrics}
    return {
        "by": group_by, "sizes": sizes.most_common(), "figures": figs, "shown": shown, "differences": diffs[:500], "n_differences": len(diffs), "labels": labels,
        "n_significant": sum(d.significant for d in diffs), "pairwise": n_groups <= 6, "rest": REST, "small": [g for g, k in sizes.items() if k < 3],
    }
