"""Comparing scored articles, one module per concern: what the score columns mean (`schema`),
framing profiles and their distances (`profiles`), keyness (`keyness`), group statistics
(`groups`), evidence digests and pairwise narratives (`narratives`). Pure functions of score rows
and evidence records; the report (framing/report/) arranges their results and the templates
render them. The public names are re-exported here: `from framing.compare import holm`.

read -> preprocess -> score -> **compare** -> render.
"""
from __future__ import annotations

from .groups import (
    MISSING_GROUP,
    REST,
    GroupDifference,
    bootstrap_means,
    cliffs_delta,
    compare_groups,
    group_labels,
    group_means,
    group_metrics,
    holm,
    parse_group_spec,
)
from .keyness import (
    KEYNESS_STOPWORDS,
    BoilerplateLines,
    KeyTerm,
    keyness,
    keyness_arrays,
    keyness_terms,
    log_likelihood,
    log_ratio,
    template_terms,
)
from .narratives import Claim, Quote, digest_evidence, humanize, pair_narrative
from .profiles import (
    OFF_TOPIC,
    ProfileMap,
    distance_percentiles,
    nearest_and_farthest,
    on_topic,
    pairwise_distances,
    profile_columns,
    profile_map,
    profile_matrix,
)
from .schema import Dimension, Schema, infer_schema

__all__ = [
    "Dimension",
    "Schema",
    "infer_schema",
    "profile_columns",
    "profile_matrix",
    "group_metrics",
    "OFF_TOPIC",
    "on_topic",
    "profile_map",
    "ProfileMap",
    "group_means",
    "template_terms",
    "BoilerplateLines",
    "pairwise_distances",
    "nearest_and_farthest",
    "distance_percentiles",
    "KEYNESS_STOPWORDS",
    "keyness_terms",
    "log_likelihood",
    "log_ratio",
    "KeyTerm",
    "keyness",
    "keyness_arrays",
    "cliffs_delta",
    "holm",
    "bootstrap_means",
    "GroupDifference",
    "compare_groups",
    "parse_group_spec",
    "group_labels",
    "MISSING_GROUP",
    "REST",
    "Quote",
    "Claim",
    "digest_evidence",
    "pair_narrative",
    "humanize",
]
