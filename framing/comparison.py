"""The comparison as data (`framing.compare`): group differences, profile distances, the most
similar and most different pairs, and distinctive words, as DataFrames.

Computed with the functions the HTML report uses (`framing.compare` for the statistics,
`framing.report.render` for the report's choices: which pairs, which groups, which metrics), with
the report's limits, so every number here is the number the report shows.

read -> preprocess -> score -> **compare** -> render.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from .compare import (
    GroupDifference,
    KeyTerm,
    Schema,
    compare_groups,
    group_labels,
    infer_schema,
    keyness_arrays,
    keyness_terms,
    nearest_and_farthest,
    pairwise_distances,
    parse_group_spec,
    profile_columns,
    profile_matrix,
)
from .errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

    from .report.render import ReportLimits

__all__ = ["Comparison", "compare_table", "group_metrics", "MAX_DISTANCE_MATRIX"]

# Up to this many articles the full distance matrix is returned (n x n floats).
MAX_DISTANCE_MATRIX = 2000

_DIFFERENCE_COLUMNS = ["metric", "label"] + [f.name for f in fields(GroupDifference) if f.name != "metric"]
_KEYTERM_COLUMNS = [f.name for f in fields(KeyTerm)]


@dataclass(frozen=True)
class Comparison:
    """What `framing.compare` returns.

    - `differences`: one row per metric and pair of groups (with `by`; else empty): the
      difference in means with its 95% bootstrap interval, Cliff's delta, the Mann-Whitney p-value
      and its Holm adjustment over every row, most significant first (the report's order).
    - `groups`: each article's group (with `by`), indexed by id; `group_sizes` their sizes.
    - `profiles`: the standardised framing profile of each article (the distances' input).
    - `neighbours`: each article's closest and most different article and the distances.
    - `most_similar`, `most_different`: the pairs the report lists (columns a, b, distance).
    - `distances`: the article-by-article distance matrix (up to `MAX_DISTANCE_MATRIX` articles).
    - `distinctive_words`: the words that set each group (or, without groups, each article) apart,
      by log-likelihood G2 (`keyness_of` says which); empty without the articles' texts.
    """

    differences: "pd.DataFrame"
    groups: "pd.Series | None"
    group_sizes: "pd.Series | None"
    profiles: "pd.DataFrame"
    neighbours: "pd.DataFrame"
    most_similar: "pd.DataFrame"
    most_different: "pd.DataFrame"
    distances: "pd.DataFrame | None"
    distinctive_words: "pd.DataFrame"
    keyness_of: str  # "group", "article", or "" (no texts)
    by: str | None
    schema: Schema


def group_metrics(schema: Schema, columns: Sequence[str]) -> list[str]:
    """The metrics the report compares between groups: the profile columns, each poles dimension's
    intensity after its position, overall tone and the tone towards each actor."""
    metrics = list(profile_columns(schema))
    for dim in schema.of_kind("poles"):
        metrics.insert(metrics.index(f"{dim.name}.position") + 1, f"{dim.name}.intensity")
    if schema.has_tone:
        metrics.append("tone.compound")
    metrics += [f"tone.{a}" for a in schema.actors_with_tone]
    return [m for m in metrics if m in columns]


def _numeric(table: "pd.DataFrame", column: str) -> "np.ndarray":
    import pandas as pd

    return pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)


def _differences(table: "pd.DataFrame", schema: Schema, groups: Sequence[str]) -> "pd.DataFrame":
    import pandas as pd

    from .report.render import metric_label

    metrics = group_metrics(schema, list(table.columns))
    diffs: list[GroupDifference] = compare_groups({m: _numeric(table, m) for m in metrics}, groups, metrics=metrics)
    diffs.sort(key=lambda d: (d.p_adjusted, -abs(d.cliffs_delta)))
    rows = [{**asdict(d), "label": metric_label(d.metric, schema)} for d in diffs]
    return pd.DataFrame(rows, columns=_DIFFERENCE_COLUMNS)


def _pairs(pairs: Sequence[tuple[int, int, float]], ids: Sequence[str]) -> "pd.DataFrame":
    import pandas as pd

    return pd.DataFrame([{"a": ids[i], "b": ids[j], "distance": d} for i, j, d in pairs], columns=["a", "b", "distance"])


def _distinctive_words(
    ids: Sequence[str], texts: Mapping[str, str], keyness_groups: Sequence[str] | None, limits: "ReportLimits",
) -> tuple["pd.DataFrame", str]:
    """Keyness as the report computes it: each article's (or group's) word counts against the
    whole corpus's."""
    import numpy as np
    import pandas as pd

    vocab: dict[str, int] = {}
    doc_terms: list[tuple[np.ndarray, np.ndarray]] = []
    sizes = np.zeros(len(ids), dtype=np.int64)
    for i, article_id in enumerate(ids):
        text = texts.get(article_id)
        terms = keyness_terms(text) if isinstance(text, str) and text else []
        sizes[i] = len(terms)
        c = Counter(terms)
        doc_terms.append((np.fromiter((vocab.setdefault(t, len(vocab)) for t in c), dtype=np.int64, count=len(c)),
                          np.fromiter(c.values(), dtype=np.int64, count=len(c))))
    total_size = int(sizes.sum())
    if not total_size:
        return pd.DataFrame(columns=["group", *_KEYTERM_COLUMNS]), ""
    vocab_list = list(vocab)
    totals = np.zeros(len(vocab_list))
    for term_ids, counts in doc_terms:
        np.add.at(totals, term_ids, counts)
    rows: list[dict[str, Any]] = []
    if keyness_groups is not None:
        members: dict[str, list[int]] = {}
        for i, g in enumerate(keyness_groups):
            members.setdefault(g, []).append(i)
        for g, _ in Counter(keyness_groups).most_common(limits.figure_groups):
            counts = np.zeros(len(vocab_list))
            for i in members[g]:
                np.add.at(counts, doc_terms[i][0], doc_terms[i][1])
            nz = np.flatnonzero(counts)
            found = keyness_arrays([vocab_list[k] for k in nz], counts[nz], totals[nz], int(sizes[members[g]].sum()), total_size,
                                   top=12, min_count=5)
            rows += [{"group": g, **asdict(k)} for k in found]
        return pd.DataFrame(rows, columns=["group", *_KEYTERM_COLUMNS]), "group"
    if len(ids) > 1:
        for i, article_id in enumerate(ids):
            term_ids, counts = doc_terms[i]
            found = keyness_arrays([vocab_list[k] for k in term_ids], counts, totals[term_ids], int(sizes[i]), total_size, top=15)
            rows += [{"article": article_id, **asdict(k)} for k in found]
    return pd.DataFrame(rows, columns=["article", *_KEYTERM_COLUMNS]), "article"


def compare_table(
    table: "pd.DataFrame", *, by: str | None = None, texts: Mapping[str, str] | None = None,
    dimension_names: Sequence[str] | None = None, limits: "ReportLimits | None" = None,
) -> Comparison:
    """Compare the articles of a scores table (an `id` column and the columns of scores.csv):
    see `Comparison`. `by` is a metadata column or a date column with a bucket (`date:month`);
    `texts` (id -> text) gives the distinctive words; `dimension_names` (the manifest's
    `lexicon_dimensions`) fixes the order of the dimensions."""
    import numpy as np
    import pandas as pd

    from .report.render import ReportLimits, _default_groups, _top_pairs

    limits = limits or ReportLimits()
    schema = infer_schema(list(table.columns), dimension_names)
    ids = [str(i) for i in table["id"]]
    records = table.astype(object).where(table.notna(), None).to_dict("records")
    groups: list[str] | None = None
    if by:
        field_name, bucket = parse_group_spec(by)
        if field_name not in table.columns:
            candidates = ", ".join(schema.metadata) or "none"
            raise ConfigError(f"by={by!r}: no column {field_name!r} in the scores table (metadata columns: {candidates})")
        groups = group_labels(table[field_name].tolist(), bucket)

    pcols = profile_columns(schema)
    z = profile_matrix(table, pcols)
    near, near_d, far, far_d = nearest_and_farthest(z)
    poles = schema.of_kind("poles")
    informative = [str(r.get(f"{poles[0].name}.label") or "absent") != "absent" for r in records] if poles else [True] * len(ids)
    different, similar = _top_pairs(near, near_d, far, far_d, informative, limits.top_pairs)

    def partner(k: np.ndarray) -> list[str | None]:
        return [ids[j] if j >= 0 else None for j in k]

    index = pd.Index(ids, name="id")
    neighbours = pd.DataFrame({"closest": partner(near), "closest_distance": near_d,
                               "most_different": partner(far), "most_different_distance": far_d}, index=index)
    distances = None
    if len(ids) <= MAX_DISTANCE_MATRIX:
        distances = pd.DataFrame(pairwise_distances(z) if z.size else np.zeros((len(ids), len(ids))), index=index, columns=ids)
    keyness_groups = groups if groups is not None else (None if len(ids) <= limits.detail else _default_groups(records, schema))
    words, keyness_of = _distinctive_words(ids, texts or {}, keyness_groups, limits)
    return Comparison(
        differences=_differences(table, schema, groups) if groups is not None else pd.DataFrame(columns=_DIFFERENCE_COLUMNS),
        groups=pd.Series(groups, index=index, name=by) if groups is not None else None,
        group_sizes=pd.Series(Counter(groups)).sort_values(ascending=False, kind="stable") if groups is not None else None,
        profiles=pd.DataFrame(z, index=index, columns=pcols),
        neighbours=neighbours,
        most_similar=_pairs(similar, ids),
        most_different=_pairs(different, ids),
        distances=distances,
        distinctive_words=words,
        keyness_of=keyness_of,
        by=by,
        schema=schema,
    )
