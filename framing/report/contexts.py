"""Structure: the computed report (`compute.ReportData`) arranged into typed page contexts, with
the figures drawn and the captions written. Templates only fill these in.

Every dimension is drawn from its own definition (`dimensions.DimensionView`): the ends of a
poles axis, its labels and their colours and shapes, the labels off the axis; nothing here
names a shipped dimension.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from .._version import __version__
from ..compare.groups import REST, GroupDifference, group_means
from ..compare.narratives import Claim, humanize, pair_narrative
from ..compare.profiles import OFF_TOPIC, profile_map
from ..compare.schema import Schema
from .compute import ReportData, ReportLimits
from .dimensions import NO_LABEL, DimensionView, ordered_labels
from .html import actor_name, css_token, summary_columns, summary_row
from ..io.runs import SCORE_FILES

__all__ = [
    "Figure", "ArticleRef", "PairLink", "Similarity", "KeywordBlock", "KeynessSection", "GroupsSection", "TablePage", "PairContext",
    "IndexContext", "index_context", "pair_contexts", "provenance", "colour_classes", "metric_label",
]


@dataclass(frozen=True)
class Figure:
    id: str
    title: str
    image: Any  # figures.Image
    caption: str
    counts: tuple[tuple[str, int], ...] = ()
    differences: tuple[GroupDifference, ...] = ()  # a dictionary block: its categories' group statistics
    labels: Mapping[str, str] = field(default_factory=dict)  # the differences' scores in words


@dataclass(frozen=True)
class ArticleRef:
    id: str
    name: str
    page: str


@dataclass(frozen=True)
class PairLink:
    a: str
    pa: str
    b: str
    pb: str
    d: float
    anchor: str


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float
    name: str
    page: str
    label: str


@dataclass(frozen=True)
class Similarity:
    features: tuple[str, ...]
    n_compared: int
    n_off_topic: int
    kind: str | None = None  # "articles" (clustermap), "groups" (clustermap of group means), "map", or None
    image: Any = None
    caption: str = ""
    points: tuple[MapPoint, ...] = ()
    matrix: tuple[Mapping[str, Any], ...] = ()
    short: tuple[str, ...] = ()
    most_different: tuple[PairLink, ...] = ()
    most_similar: tuple[PairLink, ...] = ()


@dataclass(frozen=True)
class KeywordBlock:
    name: str
    page: str | None
    terms: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class KeynessSection:
    mode: str | None  # "article", "group" or None (no texts)
    blocks: tuple[KeywordBlock, ...] = ()
    unit: str = ""  # "article" or "group (source)"
    rule: str = ""  # how words are chosen, for the caption


@dataclass(frozen=True)
class GroupsSection:
    by: str
    sizes: tuple[tuple[str, int], ...]
    figures: tuple[Figure, ...]
    shown: str
    differences: tuple[GroupDifference, ...]
    n_differences: int
    labels: Mapping[str, str]
    n_significant: int
    pairwise: bool
    rest: str
    small: tuple[str, ...]


@dataclass(frozen=True)
class TablePage:
    number: int
    file: str
    rows: Sequence[Any]
    columns: Sequence[Mapping[str, Any]]
    first: int
    last: int
    n: int


@dataclass(frozen=True)
class PairContext:
    a: ArticleRef
    b: ArticleRef
    why: str
    claims: Sequence[Claim]
    anchor: str


@dataclass(frozen=True)
class IndexContext:
    n: int
    sections: tuple[Figure, ...]
    notes: tuple[str, ...]
    similarity: Similarity
    keyness: KeynessSection
    groups: GroupsSection | None
    table_pages: tuple[TablePage, ...]
    howto: tuple[tuple[str, str], ...]
    glance: Mapping[str, Any]
    pairs_preview: tuple[PairContext, ...]
    n_pairs: int
    skipped: Sequence[Any]
    scores_link: str | None
    detail: bool
    limits: ReportLimits
    has_text: bool
    off_topic: Mapping[str, Any] = field(default_factory=dict)

    def template_values(self) -> dict[str, Any]:
        """The fields as template variables (shallow: the nested dataclasses stay objects)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


# --- helpers ----------------------------------------------------------------------------------


def _styles(view: DimensionView):
    from .figures import label_styles

    return label_styles(view.positive, view.negative, view.off_axis)


def colour_classes(schema: Schema, views: Mapping[str, DimensionView]) -> tuple[dict[tuple[str, str], str], str, list[dict[str, str]]]:
    """CSS classes and rules for the categories of poles and user dimensions (highlights and
    label pills take the colours the figures use), and the highlight legend."""
    from .figures import category_colours

    classes: dict[tuple[str, str], str] = {}
    rules: list[str] = []
    legend: list[dict[str, str]] = []
    pills: dict[str, str] = {}
    k = 0
    for dim in schema.of_kind("poles", "categories", "dictionary"):
        view = views[dim.name]
        if dim.kind == "poles":
            styles = _styles(view)
            colours = {label: styles[label].colour for label in view.labels}
        else:
            colours = category_colours(view.labels)
        for label in view.labels:
            pills.setdefault(label, colours[label])
        for cat in dim.categories:
            cls = f"k{k}"
            k += 1
            colour = colours[cat]
            classes[(dim.name, cat)] = cls
            rules.append(f"mark.{cls}{{--c:{colour};--bg:{colour}33}}")
            legend.append({"cls": f"hl {'pol' if dim.kind == 'poles' else 'cat'} {cls}", "label": f"{humanize(dim.name)}: {humanize(cat)}"})
    if NO_LABEL in pills:  # white text needs a darker grey than the figures' marker
        pills[NO_LABEL] = "#8a8a8a"
    rules.extend(f".lab-{css_token(label)}{{background:{colour}}}" for label, colour in pills.items())
    return classes, "\n".join(rules), legend


def provenance(manifest: Mapping[str, Any], scores_dir: Path) -> dict[str, Any]:
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


def metric_label(col: str, schema: Schema) -> str:
    """A score column in words: `alliance.hollow` -> `alliance: hollow (per 1,000 tokens)`, the unit
    as the dimension's kind declares it."""
    if col == "tone.compound":
        return "tone (all sentences)"
    if col.startswith("tone."):
        return f"tone towards {actor_name(col[5:])}"
    for dim in schema.dimensions:
        if col in dim.columns:
            cat = humanize(dim.categories[dim.columns.index(col)])
            return f"{humanize(dim.name)}: {cat}" + (f" ({dim.short_unit})" if dim.short_unit else "")
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


class _Grouping:
    """Articles in groups, the largest `limit` of them drawn: row names and group means."""

    def __init__(self, data: ReportData, groups: Sequence[str], limit: int, rows: np.ndarray | None = None) -> None:
        self.data = data
        self.rows = np.arange(data.n) if rows is None else rows
        self.groups = [groups[i] for i in self.rows]
        self.sizes = Counter(self.groups)
        self.order = [g for g, _ in self.sizes.most_common(limit)]

    @property
    def names(self) -> list[str]:
        return [f"{g} (n={self.sizes[g]})" for g in self.order]

    def means(self, columns: Sequence[str]) -> np.ndarray:
        values = np.column_stack([self.data.column(c)[self.rows] for c in columns]) if columns else np.zeros((len(self.rows), 0))
        return group_means(values, self.groups, self.order)


def _describe_dimension(view: DimensionView) -> str:
    if view.description:
        return view.description[:1].lower() + view.description[1:]
    dim = view.dimension
    cats = ", ".join(humanize(c) for c in dim.categories)
    return {
        "poles": f"where the article stands between {humanize(view.negative or '')} (\u22121) and {humanize(view.positive or '')} (+1)",
        "prescriptions": f"the policies an article advocates or rejects ({cats})",
        "stances": f"the share of its vocabulary from each of: {cats}",
        "actors": f"which of these it names: {cats}",
        "dictionary": f"the share of its words in each category of this dictionary ({cats}; an entry may count in several)",
        "lean": "a model's estimate of the article's political lean",
    }.get(dim.kind, f"a user-defined dimension ({cats})")


# --- the index sections -----------------------------------------------------------------------


def _poles_sections(data: ReportData, detail: bool) -> list[Figure]:
    from . import figures

    out = []
    for dim in data.schema.of_kind("poles"):
        view = data.views[dim.name]
        neg, pos = view.negative or "negative", view.positive or "positive"
        styles = _styles(view)
        positions = data.column(f"{dim.name}.position")
        labels = data.labels(dim.name)
        if detail:
            img = figures.position_axis(data.names, np.nan_to_num(positions), np.nan_to_num(data.column(f"{dim.name}.ci_low")),
                                        np.nan_to_num(data.column(f"{dim.name}.ci_high")), labels, negative=neg, positive=pos, styles=styles)
            off = "".join(f" {humanize(c).capitalize()} ({styles[c].description}) is a label off this axis: "
                          f"{(view.describe(c) or 'its own category')[:1].lower() + (view.describe(c) or 'its own category')[1:]}." for c in view.off_axis)
            caption = (f"Each row is an article; the dot is its position from \u22121 ({humanize(neg)}) to +1 ({humanize(pos)}), read by the "
                       f"article-level model from its sentences and phrases (with --no-classifiers: the weighted phrases of each pole); the bar is "
                       f"the lexicon's 90% interval from resampling its sentences, moved with the position (wide bar: few sentences decide). "
                       f"Colour and shape give the label.{off}")
        else:
            img = figures.position_distribution(np.nan_to_num(positions), labels, negative=neg, positive=pos, styles=styles,
                                                order=view.labels)
            caption = (f"How the {data.n} articles spread along the axis, stacked by label. Open an article from the table to see its "
                       f"interval and evidence.")
        counts = Counter(labels)
        out.append(Figure(f"fig-{css_token(dim.name)}", f"{humanize(dim.name).capitalize()}: where each article stands", img, caption,
                          tuple((k, counts[k]) for k in ordered_labels(view, list(counts)))))
    return out


def _listed(data: ReportData, column: str, category: str) -> float:
    """The share of articles whose `;`-separated list column names the category."""
    return float(np.mean([category in str(r.get(column) or "").split(";") for r in data.records])) if data.n else 0.0


def _prescription_sections(data: ReportData, detail: bool, by_label: _Grouping, agg_title: str) -> list[Figure]:
    from . import figures

    out = []
    for dim in data.schema.of_kind("prescriptions"):
        if not dim.columns:
            continue
        if detail:
            img = figures.diverging_heatmap([[data.column(c)[i] for c in dim.columns] for i in range(data.n)], data.names, dim.categories,
                                            cbar_label="rejected \u2190 0 \u2192 advocated", title="")
            caption = ("Each cell is an article's net stance on a policy: purple it advocates it (e.g. 'the West should impose sanctions'), "
                       "orange it rejects it ('sanctions only push them closer'), white it is not argued either way. Mentions without "
                       "an advocacy or rejection cue count for nothing.")
        else:
            adv = [_listed(data, f"{dim.name}.advocated", c) for c in dim.categories]
            rej = [_listed(data, f"{dim.name}.rejected", c) for c in dim.categories]
            img = figures.advocacy_bars(dim.categories, adv, rej)
            threshold = (data.views[dim.name].params or {}).get("advocated_threshold")
            rule = f" (net score at least {threshold} either way)" if threshold is not None else ""
            caption = (f"The share of the {data.n} articles that advocate (right) or reject (left) each policy, as scores.csv lists them in "
                       f"{dim.name}.advocated and {dim.name}.rejected{rule}.")
        out.append(Figure(f"fig-{css_token(dim.name)}", "Policy prescriptions: advocated vs rejected", img, caption))
        if not detail:
            img2 = figures.diverging_heatmap(by_label.means(dim.columns), by_label.names, dim.categories, cbar_label="mean net stance")
            out.append(Figure(f"fig-{css_token(dim.name)}-groups", f"Policy prescriptions {agg_title}", img2,
                              "Average net stance per group: purple advocated on average, orange rejected."))
    return out


def _distribution_sections(data: ReportData, detail: bool, by_label: _Grouping, agg_title: str) -> list[Figure]:
    from . import figures

    out = []
    for dim in data.schema.of_kind("stances", "lean"):
        if detail:
            values = [[float(np.nan_to_num(data.column(c)[i])) for c in dim.columns] for i in range(data.n)]
            rows, caption_rows = data.names, "Each bar is an article"
        else:
            values, rows = by_label.means(dim.columns), by_label.names
            caption_rows = f"Each bar is the average of a group ({agg_title[3:]})"
        title = "Political lean" if dim.kind == "lean" else f"{humanize(dim.name).capitalize()}: stance vocabulary"
        what = ("the lean model's probabilities for left, centre and right" if dim.kind == "lean" else
                "the share of its stance vocabulary from each ideological family (a prior pulls articles with little such vocabulary towards neutral, grey)")
        img = figures.stacked_bars(values, rows, dim.categories, xlabel="share")
        out.append(Figure(f"fig-{css_token(dim.name)}", title, img, f"{caption_rows}, split into {what}."))
    return out


def _dictionary_sections(data: ReportData) -> list[Figure]:
    """A dictionary as one block: groups (with --by) or articles by categories, each cell the
    category's percent of words, then the group statistics of its categories."""
    from . import figures

    out = []
    for dim in data.schema.of_kind("dictionary"):
        unit = dim.unit or "percent of words"
        if data.groups is not None:
            grouping = _Grouping(data, data.groups, data.limits.figure_groups)
            values, rows = grouping.means(dim.columns), grouping.names
            shown = (f" (the {len(grouping.order)} largest of {len(grouping.sizes)} groups)" if len(grouping.sizes) > len(grouping.order) else "")
            what = f"Each row is a group of articles by {data.group_by}{shown}, n its articles; each cell is the group's average share of words"
        else:
            cap = data.limits.clustermap
            rows_i = np.arange(data.n)
            if data.n > cap:  # the articles with most matched words, in table order
                coverage = np.nan_to_num(data.column(dim.coverage)) if dim.coverage else np.nan_to_num(
                    np.column_stack([data.column(c) for c in dim.columns]).sum(axis=1))
                rows_i = np.sort(np.argsort(-coverage, kind="stable")[:cap])
            values = [[data.column(c)[i] for c in dim.columns] for i in rows_i]
            rows = [data.names[i] for i in rows_i]
            shown = f" (the {len(rows_i)} of the {data.n} articles with the most matched words)" if len(rows_i) < data.n else ""
            what = f"Each row is an article{shown}; each cell is the share of its words"
        img = figures.rate_heatmap(values, rows, dim.categories, cbar_label=unit)
        caption = (f"{what} that match the category's entries, in {unit} (LIWC's measure; an entry listed "
                   f"in several categories counts in each). Darker: more of the category's words. The columns are "
                   f"scores.csv's {dim.name}.<category>; the per 1,000 words and coverage columns are there too.")
        mine = set(dim.columns)
        diffs = tuple(d for d in data.differences if d.metric in mine)
        out.append(Figure(f"fig-{css_token(dim.name)}", f"{humanize(dim.name).capitalize()}: {unit} in each category", img, caption,
                          differences=diffs, labels={m: metric_label(m, data.schema) for m in dim.columns}))
    return out


def _tone_section(data: ReportData, detail: bool, by_label: _Grouping, agg_title: str) -> list[Figure]:
    from . import figures

    actors = list(data.schema.actors_with_tone)
    if not actors:
        return []
    columns = [f"tone.{a}" for a in actors]
    if detail:
        vals, rows = [[data.column(c)[i] for c in columns] for i in range(data.n)], data.names
    else:
        vals, rows = by_label.means(columns), by_label.names
    img = figures.diverging_heatmap(vals, rows, actors, cmap="RdBu", cbar_label="average sentence tone", missing_label="actor not named")
    return [Figure("fig-tone", "Tone towards each actor" + ("" if detail else f" ({agg_title})"), img,
                   "Average VADER sentiment (\u22121 negative, red; +1 positive, blue) of the sentences that name each actor; hatched: "
                   "the actor is not named. It measures the wording around a name, not the writer's attitude.")]


def _pair_link(data: ReportData, i: int, j: int, d: float) -> PairLink:
    return PairLink(data.names[i], data.pages[i], data.names[j], data.pages[j], d, f"pair-{i}-{j}")


def _axis_words(loadings: Sequence[tuple[str, float]], schema: Schema) -> str:
    """The scores that move an article along a map axis most, in words."""
    def names(sign: int) -> str:
        picked = [metric_label(c, schema).split(" (")[0] for c, w in loadings[:6] if sign * w > 0.2][:3]
        return ", ".join(picked) or "no single score"

    return f"higher {names(1)} and lower {names(-1)}"


def _similarity(data: ReportData) -> tuple[Similarity, list[str]]:
    from . import figures

    limits = data.limits
    prof = data.profiles
    rows = prof.rows
    n_compared = len(rows)
    notes: list[str] = []
    base = {"features": tuple(humanize(c) for c in prof.columns), "n_compared": n_compared, "n_off_topic": data.n_off_topic}
    extra: dict[str, Any] = {}
    keep = prof.z.std(axis=0) > 0 if prof.z.size else np.zeros(0, dtype=bool)
    columns = [c for c, k in zip(prof.columns, keep) if k]
    if n_compared >= 3 and keep.any():
        if n_compared <= limits.clustermap:
            extra["kind"] = "articles"
            extra["image"] = figures.clustermap(prof.z[:, keep], [data.names[i] for i in rows], [humanize(c) for c in columns])
            extra["caption"] = ("Clustermap: one row per article, one column per score; red above the average, blue below. Articles with "
                                "similar profiles sit next to each other and join early in the tree on the left; scores that move "
                                "together join in the tree on top.")
        elif data.groups is not None:
            grouping = _Grouping(data, data.groups, limits.figure_groups, rows=rows)
            order = [g for g in grouping.order if grouping.sizes[g] >= 3]
            if len(order) >= 2:
                means = group_means(prof.z[:, keep], grouping.groups, order)
                extra["kind"] = "groups"
                extra["image"] = figures.clustermap(means, [f"{g} (n={grouping.sizes[g]})" for g in order], [humanize(c) for c in columns],
                                                    what=f"group profiles by {data.group_by}")
                extra["caption"] = (f"One row per group ({data.group_by}: the {len(order)} of the {len(grouping.order)} largest groups that "
                                    f"have at least 3 compared articles; n: its compared articles), one column per score: the group's average standardised score, red above "
                                    f"the average of all compared articles, blue below. Groups that frame the story alike sit next to "
                                    f"each other and join early in the tree on the left; scores that move together join in the tree on top.")
        else:
            pm = profile_map(prof.z[:, keep], columns)
            label_dim = data.label_dimension
            all_labels = data.labels(label_dim) if label_dim else ["article"] * data.n
            labels = [all_labels[i] for i in rows]
            view = data.views.get(label_dim) if label_dim else None
            xlabel = f"axis 1 ({100 * pm.explained[0]:.0f}% of the differences) \u2192"
            ylabel = f"axis 2 ({100 * pm.explained[1]:.0f}% of the differences) \u2192"
            linked = figures.profile_map(pm.xy, labels, xlabel=xlabel, ylabel=ylabel, styles=_styles(view) if view else None,
                                         order=view.labels if view else (), max_links=limits.map_links)
            extra["kind"] = "map"
            extra["image"] = linked.image
            extra["points"] = tuple(MapPoint(x, y, data.names[rows[k]], data.pages[rows[k]], labels[k]) for (x, y), k in zip(linked.points, linked.items))
            what = f"{label_dim} label" if label_dim else "article"
            extra["caption"] = (f"Each point is an article, placed so that articles with similar framing profiles are close together: "
                                f"the two axes are the two directions in which the {n_compared} compared profiles differ most (principal "
                                f"components of the standardised scores; the axis titles give the share of all differences each shows). "
                                f"Further right: {_axis_words(pm.loadings[0], data.schema)}. Further up: "
                                f"{_axis_words(pm.loadings[1], data.schema)}. Colour and shape give the {what}. Click a point to open "
                                f"the article. Where points would hide each other the map shows grey hexagons instead, darker where "
                                f"more articles fall.")
            if len(linked.points) < n_compared:
                extra["caption"] += f" {len(linked.points)} of the {n_compared} articles are drawn as points."
    if n_compared >= 2:
        if n_compared <= limits.distance_table:
            from ..compare.profiles import pairwise_distances

            d = pairwise_distances(prof.z)
            extra["matrix"] = tuple({"name": data.names[i], "page": data.pages[i],
                                     "cells": [{"d": float(d[a, b]), "shade": _shade(float(d[a, b]))} for b in range(n_compared)]}
                                    for a, i in enumerate(rows))
            extra["short"] = tuple(str(k + 1) for k in range(n_compared))
        different, similar = data.top_pairs
        extra["most_different"] = tuple(_pair_link(data, i, j, d) for i, j, d in different[:5])
        extra["most_similar"] = tuple(_pair_link(data, i, j, d) for i, j, d in similar[:5])
    return Similarity(**base, **extra), notes


def _keyness(data: ReportData) -> KeynessSection:
    kn = data.keyness
    if not data.has_text or not kn.total_size:
        return KeynessSection(None)
    left_out = []
    if kn.outlet_field:
        left_out.append(f"words of an outlet's page template (in at least 80% of the articles of one {kn.outlet_field} and at most 5% "
                        f"of the others: {kn.n_template} words here)")
    left_out.append(f"words that occur mostly in boilerplate lines, lines repeated word for word in 3 or more articles such as "
                    f"copyright notices ({kn.n_boilerplate} words here)")
    rule = ("ranked by log-likelihood (G2; shown only when G2 \u2265 10.8, p < 0.001 for one word), leaving out common function words and "
            + " and ".join(left_out) + ".")
    lex = kn.lexicon_words
    blocks = []
    if kn.groups is not None:
        for g in kn.shown_groups:
            blocks.append(KeywordBlock(g, None, tuple({"t": k, "lex": k.term in lex} for k in kn.of_group(g))))
        return KeynessSection("group", tuple(blocks), f"group ({kn.grouping})", rule)
    for i in range(data.n):
        blocks.append(KeywordBlock(data.names[i], data.pages[i], tuple({"t": k, "lex": k.term in lex} for k in kn.of_article(i)[:8])))
    return KeynessSection("article", tuple(blocks), "article", rule)


def _groups(data: ReportData) -> GroupsSection | None:
    from . import figures

    if data.groups is None:
        return None
    schema, limits, by = data.schema, data.limits, str(data.group_by)
    grouping = _Grouping(data, data.groups, limits.figure_groups)
    sizes, order = grouping.sizes, grouping.order
    shown = f"The figures show the {len(order)} largest of {len(sizes)} groups." if len(sizes) > len(order) else ""
    figs = []
    for dim in schema.of_kind("poles"):
        view = data.views[dim.name]
        figs.append(Figure("", f"{humanize(dim.name).capitalize()} position by {by}",
                           figures.group_distributions(data.column(f"{dim.name}.position"), data.groups, order, ylabel=f"{dim.name} position"),
                           "Each dot is an article; the box spans the middle half of the group, the line inside is its median."))
        labels = data.labels(dim.name)
        cats = ordered_labels(view, labels)
        shares = [[sum(1 for g2, l2 in zip(data.groups, labels) if g2 == g and l2 == c) / sizes[g] for c in cats] for g in order]
        figs.append(Figure("", f"{humanize(dim.name).capitalize()} labels by {by}",
                           figures.label_composition(shares, grouping.names, cats, styles=_styles(view)),
                           "The share of each group's articles with each label."))
    for dim in schema.of_kind("prescriptions"):
        if dim.columns:
            figs.append(Figure("", f"Policy prescriptions by {by}",
                               figures.diverging_heatmap(grouping.means(dim.columns), grouping.names, dim.categories, cbar_label="mean net stance"),
                               "Average net stance of each group's articles: purple advocated, orange rejected."))
    for dim in schema.of_kind("stances", "lean"):
        figs.append(Figure("", f"{'Political lean' if dim.kind == 'lean' else humanize(dim.name).capitalize()} by {by}",
                           figures.stacked_bars(grouping.means(dim.columns), grouping.names, dim.categories, xlabel="share"),
                           "The average distribution of each group's articles."))
    if schema.actors_with_tone:
        actors = list(schema.actors_with_tone)
        figs.append(Figure("", f"Tone towards each actor by {by}",
                           figures.diverging_heatmap(grouping.means([f"tone.{a}" for a in actors]), grouping.names, actors, cmap="RdBu",
                                                     cbar_label="average sentence tone"),
                           "Average tone of the sentences naming each actor (red negative, blue positive); hatched: not named."))
    metrics, diffs = data.metrics, data.differences
    n_groups = len([g for g, k in sizes.items() if k >= 3])
    return GroupsSection(
        by=by, sizes=tuple(sizes.most_common()), figures=tuple(figs), shown=shown, differences=tuple(diffs[:500]), n_differences=len(diffs),
        labels={m: metric_label(m, schema) for m in metrics}, n_significant=sum(d.significant for d in diffs), pairwise=n_groups <= 6,
        rest=REST, small=tuple(g for g, k in sizes.items() if k < 3),
    )


def _table_pages(data: ReportData) -> tuple[TablePage, ...]:
    columns = summary_columns(data.schema, data.group_field)
    rows = [summary_row(data.names[i], data.pages[i], r, columns) for i, r in enumerate(data.records)]
    size = max(1, data.limits.page_size)
    n = data.n
    return tuple(TablePage(p + 1, "index.html" if p == 0 else f"table-{p + 1:04d}.html", rows[p * size:(p + 1) * size], columns,
                           p * size + 1, min(n, (p + 1) * size), n) for p in range(max(1, math.ceil(n / size))))


def pair_contexts(data: ReportData) -> list[PairContext]:
    out = []
    prof = data.profiles
    for i, j, why in data.pairs:
        d = prof.distance(i, j)
        claims = pair_narrative(data.records[i], data.records[j], data.schema, quotes_a=data.digests[i], quotes_b=data.digests[j],
                                distance=d, distance_rank=prof.rank(d))
        out.append(PairContext(ArticleRef(data.ids[i], data.names[i], data.pages[i]), ArticleRef(data.ids[j], data.names[j], data.pages[j]),
                               why, claims, f"pair-{i}-{j}"))
    return out


def _off_topic(data: ReportData) -> dict[str, Any]:
    if data.label_dimension is None or not data.n_off_topic:
        return {}
    return {"n": data.n_off_topic, "dimension": data.label_dimension, "group": OFF_TOPIC}


def index_context(data: ReportData, pairs: Sequence[PairContext], *, out_dir: Path) -> IndexContext:
    limits = data.limits
    n = data.n
    skipped = data.outputs.manifest.get("skipped") or []
    if n == 0:
        return IndexContext(0, (), ("The scores table is empty: no article was scored.",), Similarity((), 0, 0), KeynessSection(None), None,
                            (TablePage(1, "index.html", [], [], 0, 0, 0),), (), {}, (), 0, skipped, None, True, limits, False)
    detail = n <= limits.detail
    # many articles: the figures above the groups section summarise them by their frame label (the
    # --by groups have their own section)
    label_dim = data.label_dimension
    by_label = _Grouping(data, data.labels(label_dim) if label_dim else ["all articles"] * n, limits.figure_groups)
    agg_title = f"by {label_dim} label" if label_dim else "over all articles"
    notes: list[str] = []
    sections = _poles_sections(data, detail) + _prescription_sections(data, detail, by_label, agg_title)
    sections += _distribution_sections(data, detail, by_label, agg_title) + _dictionary_sections(data)
    if not data.schema.of_kind("lean"):
        notes.append("Political lean: not in these scores (no lean model was used).")
    sections += _tone_section(data, detail, by_label, agg_title)
    similarity, sim_notes = _similarity(data)
    notes += sim_notes
    scores_file = data.outputs.scores_file.name if data.outputs.scores_file.name in SCORE_FILES else None
    scores_link = scores_file if scores_file and data.outputs.scores_dir.resolve() == out_dir.resolve() else None
    glance: dict[str, Any] = {}
    if label_dim:
        counts = Counter(data.labels(label_dim))
        glance = {"labels": [(k, counts[k]) for k in ordered_labels(data.views[label_dim], list(counts))], "dimension": label_dim}
    return IndexContext(
        n=n, sections=tuple(sections), notes=tuple(notes), similarity=similarity, keyness=_keyness(data), groups=_groups(data),
        table_pages=_table_pages(data), howto=tuple((d.name, _describe_dimension(data.views[d.name])) for d in data.schema.dimensions),
        glance=glance, pairs_preview=tuple(pairs[:3]), n_pairs=len(pairs), skipped=skipped, scores_link=scores_link, detail=detail,
        limits=limits, has_text=data.has_text, off_topic=_off_topic(data),
    )


def neighbour_claims(data: ReportData, i: int) -> list[dict[str, Any]]:
    """An article page's comparisons with its closest and its most different compared article."""
    prof = data.profiles
    out = []
    for label, j, d in (("closest", prof.near[i], prof.near_d[i]), ("most different", prof.far[i], prof.far_d[i])):
        j = int(j)
        if j < 0 or j == i:
            continue
        claims = pair_narrative(data.records[i], data.records[j], data.schema, quotes_a=data.digests[i], quotes_b=data.digests[j],
                                distance=float(d), distance_rank=prof.rank(float(d)))
        out.append({"label": label, "name": data.names[j], "page": data.pages[j], "claims": claims})
    return out

