"""framing: measure and compare how articles frame a story, with traceable lexicons and classifiers.

    >>> import framing
    >>> table = framing.score(["seeds/"])                     # one row per article
    >>> table, evidence = framing.score(["seeds/"], evidence=True)
"""
from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .models import Article

__all__ = ["__version__", "score"]


def score(
    inputs: "Iterable[str | Article] | str",
    *,
    lexicons: Iterable[str] = (),
    text_field: str = "text",
    evidence: bool = False,
    classifiers: bool = True,
) -> "pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]":
    """Score paths (files or folders) or `Article` objects; one row per article, indexed by id.

    With `evidence=True`, also return every lexicon match (one row per match, with its sentence).
    Unreadable inputs are skipped with a warning, as on the command line.
    """
    import warnings

    import pandas as pd

    from .io.readers import iter_articles
    from .models import Article
    from .pipeline import build_scorer, evidence_records, score_columns, score_documents

    items = [inputs] if isinstance(inputs, str) else list(inputs)
    scorer = build_scorer(list(lexicons), classifiers=classifiers)
    paths = [i for i in items if not isinstance(i, Article)]
    arts = [i for i in items if isinstance(i, Article)]

    def _warn(item) -> None:
        warnings.warn(f"skipped {item.source}: {item.reason}", stacklevel=3)

    stream = list(arts)
    rows: list[dict[str, Any]] = []
    ev: list[dict[str, Any]] = []

    def _articles():
        yield from stream
        yield from iter_articles(paths, text_field=text_field, on_skip=_warn)

    from .language import is_readable
    from .pipeline import language_warning

    for result in score_documents(_articles(), scorer):
        language = str(result.scores.get("language", "en"))
        if not is_readable(language):
            warnings.warn(language_warning(result.article.source or result.article.id, language), stacklevel=2)
        row = {"id": result.article.id, "title": result.article.title, **dict(result.article.metadata), **dict(result.scores)}
        rows.append(row)
        if evidence:
            ev.extend(evidence_records(result, result.article.id))
    cols = ["id", "title"] + [c for c in score_columns(scorer)]
    table = pd.DataFrame(rows)
    ordered = [c for c in table.columns if c not in cols[2:]] + [c for c in cols[2:] if c in table.columns]
    table = table[ordered].set_index("id") if rows else pd.DataFrame(columns=cols).set_index("id")
    if evidence:
        return table, pd.DataFrame(ev)
    return table
