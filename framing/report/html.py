"""HTML fragments and formatting: safe page names and anchors, numbers, pills, quotes, the
highlighted article text, the rows of the article table and of the evidence tables. Every
value is escaped here; these run thousands of times a report, so they build strings rather
than templates.
"""
from __future__ import annotations

import functools
import hashlib
import html
import json
import math
import re
from collections import Counter
from typing import Any, Mapping, Sequence

from markupsafe import Markup

from ..compare.narratives import Quote, humanize
from ..compare.schema import Dimension, Schema

__all__ = ["actor_name", "pill_html", "quote_html", "page_name", "PAGE_RE", "css_token", "is_missing", "to_float", "fmt_num",
           "fmt_signed", "display_name", "opening", "highlight", "meta_value", "category_tbody", "column_anchor", "summary_columns",
           "summary_row"]

_esc = functools.partial(html.escape, quote=True)  # str -> str; the hot loops call it ~1,000 times a page

def actor_name(name: str) -> str:
    """`united_states` -> `United States`, `us` -> `US`."""
    text = humanize(name)
    return text.upper() if len(text) <= 3 else text.title()


def pill_html(label: Any) -> Markup:
    """A label as a coloured pill (its colour is a `lab-` rule the report writes from the
    dimension's definition; other labels are grey)."""
    text = "" if label is None else str(label)
    return Markup(f'<span class="pill lab-{css_token(text)}">{_esc(humanize(text))}</span>')


def quote_html(q: Quote, href: str) -> Markup:
    """An evidence sentence with a link to it in its article (a Python function, not a macro:
    it runs for every quote of 10,000 pages)."""
    label = {"tone": "tone", "probability": "probability"}.get(getattr(q, "measure", "weight"), "weight")
    shown = fmt_signed(q.weight) if label == "tone" else fmt_num(q.weight)
    value = f" \u00b7 {label} {_esc(shown)}" if q.weight else ""
    return Markup(f'<blockquote>{_esc(q.sentence)}<span class="src"><a href="{_esc(href)}#s-{int(q.sentence_index)}">'
                  f"sentence {int(q.sentence_index) + 1}</a>{value}</span></blockquote>")



PAGE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}-[0-9a-f]{10}(?:-\d+)?\.html$")


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


def is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and v == "")


def to_float(v: Any) -> float | None:
    if is_missing(v):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def fmt_num(v: Any, digits: int = 2) -> str:
    f = to_float(v)
    if f is None:
        return "" if is_missing(v) else str(v)
    if f == int(f) and abs(f) >= 100:
        return f"{int(f):,}"
    return f"{f:.{digits}f}"


def fmt_signed(v: Any) -> str:
    f = to_float(v)
    if f is None:
        return ""
    return f"{f:+.2f}".replace("-", "\u2212")


def display_name(title: Any, article_id: str) -> str:
    t = " ".join(str(title).split()) if not is_missing(title) else ""
    t = t.strip("*# ")
    return t or article_id


def opening(text: str, limit: int = 60) -> str:
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


def _categories(m: Mapping[str, Any]) -> str:
    """A dictionary match's categories (an entry may sit in several), "" for the other kinds."""
    cats = m.get("categories")
    return ", ".join(humanize(str(c)) for c in cats) if isinstance(cats, Mapping) else ""


def _mark_title(m: Mapping[str, Any], kind: str) -> str:
    """The hover text of a highlight: category (and dimension unless it is the frame), role,
    scope flags and where the match counted when that differs."""
    cat = _categories(m) or humanize(str(m.get("category")))
    parts = [cat if kind == "poles" else f"{humanize(str(m.get('dimension')))}: {cat}"]
    role = m.get("role")
    if role:
        parts.append(str(role))
    parts.extend(f for f in ("negated", "hedged", "quoted") if m.get(f))
    if m.get("counts_for") is None and not role:
        parts.append("counts for nothing")
    elif m.get("counts_for") not in (None, m.get("category")) and not m.get("categories"):
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
        key = (dim, m.get("category"), m.get("role"), m.get("negated"), m.get("hedged"), m.get("quoted"), m.get("counts_for"), _categories(m))
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



def meta_value(v: Any) -> str:
    if is_missing(v):
        return ""
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    if isinstance(v, Mapping):
        return json.dumps(v, ensure_ascii=False, default=str)
    return str(v)


def category_tbody(dim: Dimension, cat: str, value: Any, matches: Sequence[Mapping[str, Any]]) -> str:
    """One category of a dimension's evidence table: a heading row (the score, the number of
    matches) with the category's anchor, then a row per match. Built here, not in the template:
    it runs for every category of every page."""
    prescriptions = dim.kind == "prescriptions"
    shown = fmt_signed(value) if prescriptions else fmt_num(value)
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
            f"{_esc(humanize(cat))}: {_esc(shown)}{_esc(' ' + dim.short_unit if dim.short_unit else '')}{note}\n"
            f"{match_rows_html(matches, prescriptions=prescriptions)}</tbody>\n")


def match_rows_html(matches: Sequence[Mapping[str, Any]], *, prescriptions: bool) -> Markup:
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
            counted = _categories(m) if counts_for else ""
            last = f"<td>{_esc(counted or (humanize(counts_for) if counts_for else 'nothing'))}<td class=num>{_esc(fmt_num(m.get('effective_weight')))}"
        out.append(f'<tr><td><a href="#s-{i}">{i + 1}</a><td>{_esc(str(m.get("text", "")))}<td>{_esc(str(m.get("entry", "")))}'
                   f'<td class=num>{_esc(fmt_num(m.get("weight")))}<td>{flags}{last}\n')
    return Markup("".join(out))


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



def summary_columns(schema: Schema, group_field: str | None) -> list[dict[str, Any]]:
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
        elif dim.kind == "dictionary" and dim.coverage:  # its categories are in the block and on the article page
            cols.append({"key": dim.coverage, "label": f"{humanize(dim.name)}: % of words matched", "anchor": f"dim-{css_token(dim.name)}", "num": True})
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
        pos = to_float(v)
        lo, hi = to_float(row.get(f"{d}.ci_low")), to_float(row.get(f"{d}.ci_high"))
        text = "" if pos is None else f"{fmt_signed(pos)} [{fmt_signed(lo)}, {fmt_signed(hi)}]"
        return {"text": text, "sort": "" if pos is None else f"{pos:.4f}", "pill": None}
    if col.get("num"):
        f = to_float(v)
        return {"text": fmt_num(v), "sort": "" if f is None else repr(f), "pill": None}
    text = "" if is_missing(v) else str(v)
    if col.get("list"):
        text = ", ".join(humanize(x) for x in text.split(";") if x)
    elif col.get("human"):
        text = humanize(text)
    return {"text": text, "sort": None, "pill": text if col.get("pill") else None}


def summary_row(name: str, page: str, row: Mapping[str, Any], columns: Sequence[Mapping[str, Any]]) -> Markup:
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
