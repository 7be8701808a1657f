"""The HTML report: compute -> structure -> render. `compute.compute_report` turns the saved
outputs into typed data, `contexts` arranges it into page contexts (figures drawn, captions
written), and this module fills the Jinja2 templates (autoescaped; package data named *.html)
and writes the folder.

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

import gc
from pathlib import Path
from typing import Any, Sequence

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ..compare.narratives import humanize
from ..io.runs import iter_saved_articles, read_outputs
from ..io.writers import ensure_output_dir
from .article import article_context
from .compute import ReportData, ReportLimits, compute_report
from .contexts import colour_classes, index_context, neighbour_claims, pair_contexts, provenance
from .files import csp, minify_css, new_pages_dir, remove_stale, static_text, swap_pages_dir, write_page
from .html import actor_name, css_token, fmt_num, fmt_signed, highlight, page_name, pill_html, quote_html

__all__ = ["render_report", "environment", "page_name", "highlight", "css_token", "ReportLimits"]


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("framing", "report/templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = fmt_num
    env.filters["signed"] = fmt_signed
    env.filters["pct"] = lambda x: "" if x is None else f"{100 * float(x):.0f}%"
    env.filters["human"] = humanize
    env.filters["actor"] = actor_name
    env.globals["quote_html"] = quote_html
    env.globals["pill_html"] = pill_html
    return env


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
        outputs = read_outputs(scores_dir)
        out = ensure_output_dir(out_dir if out_dir is not None else scores_dir)
        data = compute_report(outputs, group_by=group_by, pairs=pairs, limits=limits)
        # what compute keeps lives to the end: keep the garbage collector from walking it per page
        gc.freeze()
        return _write_report(data, out)
    finally:
        gc.unfreeze()


class _Pages:
    """The templates and the assets every page carries."""

    def __init__(self, data: ReportData) -> None:
        self.env = environment()
        self.classes, colour_css, self.legend = colour_classes(data.schema, data.views)
        self.css = minify_css(static_text("report.css") + "\n" + colour_css)
        self.footer = Markup(self.env.get_template("_footer.html").render(prov=provenance(data.outputs.manifest, data.outputs.scores_dir)))

    def assets(self, script: str, *, css_href: str | None = None) -> dict[str, Any]:
        """index.html and pairs.html carry their stylesheet (each is one self-contained file);
        the many article and table pages link the report's report.css instead."""
        js = static_text(script)
        return {"css": Markup(self.css), "css_href": css_href, "js": Markup(js), "csp": Markup(csp(js)), "footer": self.footer}

    def render(self, template: str, **values: Any) -> str:
        return self.env.get_template(template).render(**values)


def _write_report(data: ReportData, out: Path) -> Path:
    pages_dir = new_pages_dir(out)
    site = _Pages(data)
    written: list[Path] = []
    write_page(out / "report.css", site.css, written)
    _write_article_pages(data, site, pages_dir)

    pairs = pair_contexts(data)
    n = data.n
    write_page(out / "pairs.html", site.render(
        "pairs.html", **site.assets("pairs.js"), root="", page_title="Pairwise comparisons", pairs=pairs, all_pairs=n <= data.limits.all_pairs,
        n=n, limits=data.limits, articles=[{"id": data.ids[i], "name": data.names[i]} for i in range(n)] if n <= 2000 else [],
        n_off_topic=data.n_off_topic,
    ), written)

    index = index_context(data, pairs, out_dir=out)
    for p in index.table_pages[1:]:
        html = site.render("table.html", **site.assets("tables.js", css_href="report.css"), root="", page_title=f"Articles, page {p.number}",
                           t=p, pager=index.table_pages)
        write_page(out / p.file, html, written, durable=False)
    index_path = out / "index.html"
    write_page(index_path, site.render("index.html", **site.assets("tables.js"), root="", page_title=f"How {n} articles frame the story",
                                       **index.template_values(), pager=index.table_pages), written)
    swap_pages_dir(out, pages_dir)
    remove_stale(out, written)
    return index_path


def _write_article_pages(data: ReportData, site: _Pages, pages_dir: Path) -> None:
    """Pass two: one page per article, streamed (written into the hidden folder that becomes
    `articles/` when the report is complete, so no atomic rename per page is needed)."""
    template = site.env.get_template("article.html")
    assets = site.assets("article.js", css_href="../report.css")
    kinds = {d.name: d.kind for d in data.schema.dimensions}
    for i, art, evidence in iter_saved_articles(data.outputs, data.ids):
        keyterms = data.keyness.of_article(i)
        off_topic = None if data.on_topic[i] else data.label_dimension
        ctx = article_context(i, data.records[i], art, evidence, data.schema, data.names[i], kinds=kinds, colour_class=site.classes,
                              keyterms=keyterms, lexicon_words=data.keyness.lexicon_words, neighbours=neighbour_claims(data, i),
                              quotes=data.digests[i], views=data.views, off_topic=off_topic)
        html = template.render(**assets, a=ctx, root="../", colour_legend=site.legend, page_title=data.names[i])
        with open(pages_dir / data.pages[i], "w", encoding="utf-8") as fh:  # the folder is not visible yet
            fh.write(html)
