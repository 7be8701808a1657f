"""The comparison as data (`framing.compare`): group differences, profile distances, the most
similar and most different pairs, and distinctive words, as DataFrames.

Not a second implementation: the scores are laid out as a run folder (in a temporary folder,
as `framing.report` lays out its own) and computed by the report's `compute_report`, so every
number, every rule (off-topic articles left out of profiles, distances and pairs; outlet-template
and boilerplate words left out of distinctive words) and every limit is the report's.

read -> preprocess -> score -> **compare** -> render.
"""
from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from .compare.groups import GroupDifference
from .compare.keyness import KeyTerm
from .compare.profiles import pairwise_distances
from .compare.schema import Schema
from .io.runs import read_outputs, write_run
from .report.compute import ReportData, ReportLimits, compute_report
from .report.contexts import metric_label

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Comparison", "compare_table", "comparison_of", "MAX_DISTANCE_MATRIX"]

# Up to this many compared articles the full distance matrix is returned (n x n floats).
MAX_DISTANCE_MATRIX = 2000

_DIFFERENCE_COLUMNS = ["metric", "label"] + [f.name for f in fields(GroupDifference) if f.name != "metric"]
_KEYTERM_COLUMNS = [f.name for f in fields(KeyTerm)]


@dataclass(frozen=True)
class Comparison:
    """What `framing.compare` returns: the numbers the HTML report shows.

    - `differences`: one row per measure and pair of groups (with `by`; else empty): the
      difference in means with its 95% bootstrap interval, Cliff's delta, the Mann-Whitney p-value
      and its Holm adjustment over every row, most significant first (the report's order). All
      articles count, off topic or not.
    - `groups`: each article's group (with `by`), indexed by id; `group_sizes` their sizes.
    - `off_topic`: the ids of the articles without frame evidence (the report's "off topic"
      group); they are left out of `profiles`, `neighbours`, `distances` and the pairs, as in the
      report. `n_off_topic` counts them.
    - `profiles`: the standardised framing profile of each compared article (the distances' input).
    - `neighbours`: each compared article's closest and most different article and the distances.
    - `most_similar`, `most_different`: the pairs the report lists (columns a, b, distance).
    - `distances`: the article-by-article distance matrix of the compared articles (up to
      `MAX_DISTANCE_MATRIX` of them; else None).
    - `distinctive_words`: the words that set each group (`keyness_of == "group"`; grouped as
      `keyness_grouping` says: `by`, or the frame label past the report's per-article size) or each
      article (`"article"`) apart, by log-likelihood G2; empty without the articles' texts
      (`""`). Words of an outlet's page template and of boilerplate lines are left out, as in the
      report: `n_template_words` and `n_boilerplate_words` say how many.
    """

    differences: "pd.DataFrame"
    groups: "pd.Series | None"
    group_sizes: "pd.Series | None"
    off_topic: "pd.Index"
    profiles: "pd.DataFrame"
    neighbours: "pd.DataFrame"
    most_similar: "pd.DataFrame"
    most_different: "pd.DataFrame"
    distances: "pd.DataFrame | None"
    distinctive_words: "pd.DataFrame"
    keyness_of: str  # "group", "article", or "" (no texts)
    keyness_grouping: str
    n_template_words: int
    n_boilerplate_words: int
    by: str | None
    schema: Schema

    @property
    def n_off_topic(self) -> int:
        return len(self.off_topic)


def compare_table(
    table: "pd.DataFrame", *, by: str | None = None, texts: Mapping[str, str] | None = None,
    manifest: Mapping[str, Any] | None = None, limits: ReportLimits = ReportLimits(),
) -> Comparison:
    """Compare the articles of a scores table (an `id` column and the columns of scores.csv):
    see `Comparison`. `by` is a metadata column or a date column with a bucket (`date:month`);
    `texts` (id -> text) gives the distinctive words; `manifest` (the run's, when known) names the
    dimensions' order and definitions. The table is written as the report's input and read back,
    so its values are the ones the report compares."""
    texts = texts or {}
    titles = table["title"] if "title" in table.columns else [""] * len(table)
    articles = [{"id": str(i), "title": t if isinstance(t, str) else "", "text": texts[str(i)]}
                for i, t in zip(table["id"], titles) if isinstance(texts.get(str(i)), str)]
    with tempfile.TemporaryDirectory(prefix="framing-compare-") as tmp:
        write_run(tmp, table.set_index("id"), articles=articles, manifest=manifest)
        return comparison_of(compute_report(read_outputs(tmp), group_by=by, limits=limits))


def comparison_of(data: ReportData) -> Comparison:
    """The computed report (`compute_report`) as a `Comparison` of DataFrames."""
    import numpy as np
    import pandas as pd

    ids = [str(i) for i in data.ids]
    prof = data.profiles
    compared = [ids[i] for i in prof.rows]
    index = pd.Index(compared, name="id")

    def partner(k: np.ndarray) -> list[str | None]:
        return [ids[j] if j >= 0 else None for j in k]

    rows = prof.rows
    neighbours = pd.DataFrame({"closest": partner(prof.near[rows]), "closest_distance": prof.near_d[rows],
                               "most_different": partner(prof.far[rows]), "most_different_distance": prof.far_d[rows]}, index=index)
    distances = None
    if len(compared) <= MAX_DISTANCE_MATRIX:
        d = pairwise_distances(prof.z) if prof.z.size else np.zeros((len(compared), len(compared)))
        distances = pd.DataFrame(d, index=index, columns=compared)
    different, similar = data.top_pairs
    groups = data.groups
    all_ids = pd.Index(ids, name="id")
    keyness_of = _keyness_of(data)
    return Comparison(
        differences=pd.DataFrame([{**asdict(d), "label": metric_label(d.metric, data.schema)} for d in data.differences],
                                 columns=_DIFFERENCE_COLUMNS),
        groups=pd.Series(list(groups), index=all_ids, name=data.group_by) if groups is not None else None,
        group_sizes=pd.Series(Counter(groups)).sort_values(ascending=False, kind="stable") if groups is not None else None,
        off_topic=pd.Index([ids[i] for i in np.flatnonzero(~data.on_topic)], name="id"),
        profiles=pd.DataFrame(prof.z, index=index, columns=list(prof.columns)),
        neighbours=neighbours,
        most_similar=_pairs(similar, ids),
        most_different=_pairs(different, ids),
        distances=distances,
        distinctive_words=_distinctive_words(data, ids),
        keyness_of=keyness_of,
        keyness_grouping=data.keyness.grouping if keyness_of else "",
        n_template_words=data.keyness.n_template,
        n_boilerplate_words=data.keyness.n_boilerplate,
        by=data.group_by,
        schema=data.schema,
    )


def _pairs(pairs: Sequence[tuple[int, int, float]], ids: Sequence[str]) -> "pd.DataFrame":
    import pandas as pd

    return pd.DataFrame([{"a": ids[i], "b": ids[j], "distance": d} for i, j, d in pairs], columns=["a", "b", "distance"])


def _keyness_of(data: ReportData) -> str:
    if not data.has_text or not data.keyness.total_size:
        return ""
    return "group" if data.keyness.groups is not None else "article"


def _distinctive_words(data: ReportData, ids: Sequence[str]) -> "pd.DataFrame":
    """Each shown group's (or each article's) distinctive words, as the report lists them."""
    import pandas as pd

    kind, kn = _keyness_of(data), data.keyness
    if kind == "group":
        rows = [{"group": g, **asdict(k)} for g in kn.shown_groups for k in kn.of_group(g)]
    else:
        rows = [{"article": ids[i], **asdict(k)} for i in range(data.n) for k in kn.of_article(i)] if kind else []
    return pd.DataFrame(rows, columns=["group" if kn.groups is not None else "article", *_KEYTERM_COLUMNS])
