"""The lexicon tools for Python and notebooks: `framing.lexicon.validate`, `show`, `kwic`,
`suggest` and `diff`, each returning the dataclass the matching `framing lexicon` command prints.

Each takes lexicon folders (layered over the shipped lexicons unless `include_shipped=False`)
and, where it reads a corpus, anything `framing.score` accepts: paths, a DataFrame, a dict or a
list of texts. Unreadable articles are skipped with a warning, as on the command line. The
`format_*` functions beside each result's definition give the command's text.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from ..errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from ..models import Article, Lexicon
    from .diff import LexiconDiff
    from .inspect import KwicResult, ShowResult
    from .suggest import SuggestResult
    from .validate import ValidationReport

__all__ = ["validate", "show", "kwic", "suggest", "diff"]

LexiconDirs = Iterable["str | Path"]


def _warn(message: str) -> None:
    warnings.warn(message, UserWarning, stacklevel=4)


def _load(lexicons: LexiconDirs, include_shipped: bool) -> tuple["Lexicon", ...]:
    from .build import load_lexicons

    layers = list(lexicons)
    if not include_shipped and not layers:
        raise ConfigError("include_shipped=False needs at least one lexicon folder (lexicons=[...])")
    return load_lexicons(layers, include_shipped=include_shipped)


def _corpus(corpus: Any, text: str, *, report: bool = True) -> Iterator["Article"]:
    from ..io.memory import as_inputs
    from ..io.readers import iter_articles

    if corpus is None:
        raise ConfigError("this tool needs a corpus: paths of files or folders, a DataFrame, a dict or a list of texts")
    quiet: Callable[[Any], None] = lambda _item: None  # noqa: E731
    on_skip = (lambda item: _warn(f"skipped {item.source}: {item.reason}")) if report else quiet
    inputs = as_inputs(corpus, text=text, on_skip=on_skip)
    return iter_articles(inputs, text_field=text, on_skip=on_skip, warn=_warn if report else quiet)


def validate(
    lexicons: LexiconDirs = (), *, include_shipped: bool = True, corpus: Any = None, text: str = "text",
    max_wildcard_share: float = 0.001, report_shipped: bool | None = None,
) -> "ValidationReport":
    """Check lexicon folders layered over the shipped lexicons (or the shipped ones alone): errors
    with file and line, duplicates, entries in opposite poles, dead entries, overlapping phrases
    and, with a `corpus`, wildcards matching more than `max_wildcard_share` of its tokens.

        >>> report = framing.lexicon.validate(["my-lexicons/"])
        >>> report.ok, [str(issue) for issue in report.errors]
        (True, [])
    """
    from .validate import validate_paths

    layers = list(lexicons)
    if not include_shipped and not layers:
        raise ConfigError("include_shipped=False needs at least one lexicon folder to check")
    articles = _corpus(corpus, text) if corpus is not None else None
    return validate_paths(layers, include_shipped=include_shipped, report_shipped=report_shipped, articles=articles,
                          max_wildcard_share=max_wildcard_share)


def show(
    selector: str | None = None, *, lexicons: LexiconDirs = (), include_shipped: bool = True, corpus: Any = None,
    text: str = "text", dominance: float = 0.5, min_hits: int = 5,
) -> "ShowResult":
    """The entries, weights and scope rules of every dimension, of one (`"alliance"`) or of one
    category (`"alliance.threat"`); with a `corpus`, how often each entry fires and what share of
    its category's score it carries (a category where one entry carries `dominance` is flagged).

        >>> result = framing.lexicon.show("alliance.threat")
        >>> [e.term for e in result.dimensions[0].categories[0].entries][:3]
    """
    from .corpus import collect_stats
    from .inspect import show as show_lexicons

    loaded = _load(lexicons, include_shipped)
    stats = collect_stats(loaded, _corpus(corpus, text)) if corpus is not None else None
    return show_lexicons(loaded, selector, stats=stats, dominance=dominance, min_hits=min_hits)


def kwic(
    term: str, corpus: Any, *, lexicons: LexiconDirs = (), include_shipped: bool = True, text: str = "text",
    dimension: str | None = None, width: int = 40, limit: int = 50,
) -> "KwicResult":
    """Keyword in context: every hit of `term` (an entry as written, `coordinat*`) in the corpus,
    with the category, negation, hedging and quotation flags it received; a term not in the
    lexicons is matched with the scope rules it would get if added.

        >>> hits = framing.lexicon.kwic("coordinat*", df).hits
        >>> [(h.article_id, h.match, h.negated) for h in hits]
    """
    from .inspect import kwic as keyword_in_context

    return keyword_in_context(_load(lexicons, include_shipped), term, _corpus(corpus, text), dimension=dimension,
                              width=width, limit=limit)


def suggest(
    target: str, corpus: Any, *, lexicons: LexiconDirs = (), include_shipped: bool = True, text: str = "text",
    top: int = 20, min_count: int = 3, max_words: int = 3, method: str = "both", statistic: str = "llr",
    space: str = "ppmi", n_components: int = 100, window: int = 5, n_examples: int = 2, max_articles: int | None = None,
) -> "SuggestResult":
    """Candidate new entries for the category `target` (`"alliance.threat"`), mined offline from
    the corpus: words that co-occur with its matches (G2 or PMI) and words near them in a latent
    space trained on the corpus, each with example sentences.

        >>> result = framing.lexicon.suggest("alliance.threat", df, top=5)
        >>> [c.term for c in result.candidates]
    """
    from .suggest import suggest as suggest_entries

    passes = iter((True,))  # the corpus is read more than once; warn about bad articles once

    def stream() -> Iterator["Article"]:
        return _corpus(corpus, text, report=next(passes, False))

    return suggest_entries(
        _load(lexicons, include_shipped), target, stream, top=top, min_count=min_count, max_words=max_words, method=method,
        statistic=statistic, space=space, n_components=n_components, window=window, n_examples=n_examples,
        max_articles=max_articles,
    )


def diff(
    old: str | Path | None, new: str | Path | None, corpus: Any, *, lexicons: LexiconDirs = (), include_shipped: bool = True,
    text: str = "text", sort_column: str | None = None,
) -> "LexiconDiff":
    """Which articles' scores move between two lexicon versions, by how much, and which entries
    caused it. `old` and `new` are lexicon folders layered over the shipped lexicons and
    `lexicons` (None: no extra layer, so `diff(None, "my-lexicons/", df)` shows what a layer changes).

        >>> changes = framing.lexicon.diff(None, "my-lexicons/", df)
        >>> [(a.article_id, [c.column for c in a.changes]) for a in changes.articles]
    """
    from .diff import diff_lexicons

    def version(folder: str | Path | None) -> tuple["Lexicon", ...]:
        return _load([*lexicons, *([] if folder is None else [folder])], include_shipped)

    return diff_lexicons(version(old), version(new), _corpus(corpus, text), old_label=str(old or "-"), new_label=str(new or "-"),
                         sort_column=sort_column)
