"""`framing lexicon ...`: validate, show, kwic, suggest, diff, import and export lexicons.

Each command is a thin wrapper: it reads files, calls a plain function in `framing.lexicon`
that returns dataclasses, and prints them as tables (or JSON with --json). Nothing is ever
written into the installed package: files go to the user's own folders, atomically.
"""
from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import click

from .common import cli, handle_errors, lexicons_option, quiet_option, skip_printer, text_field_option, warning_printer
from ..errors import ConfigError, FramingError, LexiconError, OutputError

no_shipped_option = click.option(
    "--no-shipped", is_flag=True,
    help="Use only the --lexicons folders, not the shipped lexicons (to check or use a standalone set).",
)
corpus_option = click.option(
    "--corpus", "corpus", multiple=True, type=click.Path(path_type=Path),
    help="Articles to check against: files or folders (.txt .md .html .jsonl .csv, also .gz); repeatable.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON instead of tables.")

DEFAULT_USER_DIR = Path("my-lexicons")


@cli.group("lexicon")
def lexicon_group() -> None:
    """Check, inspect, extend, compare, import and export lexicons.

    Every command layers --lexicons DIR (repeatable) over the shipped lexicons; nothing is ever
    written into the installed package.
    """


# --- helpers -------------------------------------------------------------------------------------


def _load(lexicon_dirs: Sequence[Path], no_shipped: bool):
    from ..lexicon.build import load_lexicons

    if no_shipped and not lexicon_dirs:
        raise ConfigError("--no-shipped needs at least one --lexicons folder")
    return load_lexicons(list(lexicon_dirs), include_shipped=not no_shipped)


def _articles(corpus: Sequence[Path], text_field: str, quiet: bool, *, report: bool = True) -> Iterable:
    from ..io.readers import iter_articles

    if not corpus:
        raise ConfigError("this command needs --corpus PATH (a file or folder of articles)")
    missing = [str(p) for p in corpus if not Path(p).exists()]
    if missing:
        raise ConfigError(f"{missing[0]}: no such file or folder (--corpus)")
    silent: Callable[[Any], None] = lambda _item: None  # noqa: E731
    return iter_articles(
        list(corpus), text_field=text_field,
        on_skip=skip_printer(quiet) if report else silent,
        warn=warning_printer(quiet) if report else silent,
    )


def _corpus_label(corpus: Sequence[Path]) -> str:
    return ", ".join(str(p) for p in corpus)


def _inside_package(path: Path) -> bool:
    from ..io.lexicon_files import shipped_lexicon_dir
    import framing

    target = path.resolve()
    for root in (shipped_lexicon_dir().resolve(), Path(framing.__file__).resolve().parent):
        if target == root or root in target.parents:
            return True
    return False


def _refuse_package(path: Path) -> None:
    if _inside_package(path):
        raise ConfigError(
            f"{path}: this is inside the installed framing package (its shipped lexicons); write to your own folder "
            f"(e.g. {DEFAULT_USER_DIR}/) and layer it with --lexicons"
        )


def _json_default(value: Any) -> Any:
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if hasattr(value, "most_common"):
        return dict(value)
    return str(value)


def _print_json(obj: Any, *, drop: Sequence[str] = ()) -> None:
    data = dataclasses.asdict(obj) if dataclasses.is_dataclass(obj) else obj
    for key in drop:
        data.pop(key, None)
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default))


# --- validate --------------------------------------------------------------------------------


@lexicon_group.command("validate")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@lexicons_option
@no_shipped_option
@corpus_option
@text_field_option
@click.option("--max-wildcard-share", default=0.001, show_default=True, type=click.FloatRange(0, 1),
              help="With --corpus: warn about a wildcard matching more than this share of the corpus's tokens.")
@click.option("--all", "show_all", is_flag=True, help="List every warning, including the shipped lexicons' and repeated kinds.")
@click.option("--max-per-kind", default=20, show_default=True, help="Warnings of one kind listed before the rest are counted.")
@json_option
@quiet_option
@handle_errors
def validate_cmd(directory, lexicon_dirs, no_shipped, corpus, text_field, max_wildcard_share, show_all, max_per_kind, as_json, quiet):
    """Check lexicons: errors with file and line, duplicates, entries in opposite poles, dead
    entries, overlapping phrases, and (with --corpus) over-broad wildcards.

    DIRECTORY is a lexicon folder (or file) layered over the shipped lexicons (and any
    --lexicons); without it the shipped lexicons themselves are checked. Exit code: 0 no errors
    (warnings allowed), 1 errors found, 2 usage error.
    """
    from ..lexicon.validate import format_validation, validate_paths

    layers = list(lexicon_dirs) + ([directory] if directory is not None else [])
    if no_shipped and not layers:
        raise ConfigError("--no-shipped needs a DIRECTORY or --lexicons folder to check")
    articles = _articles(corpus, text_field, quiet) if corpus else None
    report = validate_paths(
        layers, include_shipped=not no_shipped, report_shipped=True if show_all else None,
        articles=articles, max_wildcard_share=max_wildcard_share,
    )
    if as_json:
        _print_json(report)
        sys.exit(0 if report.ok else 1)
    click.echo(format_validation(report, show_all=show_all, max_per_kind=max_per_kind))
    sys.exit(0 if report.ok else 1)


# --- show ----------------------------------------------------------------------------------------


@lexicon_group.command("show")
@click.argument("selector", required=False, metavar="[DIMENSION[.CATEGORY]]")
@lexicons_option
@no_shipped_option
@corpus_option
@text_field_option
@click.option("--limit", default=0, show_default="all", help="Entries listed per category (the strongest first with --corpus).")
@click.option("--dominance", default=0.5, show_default=True, type=click.FloatRange(0, 1),
              help="Flag a category when one entry carries at least this share of its score.")
@click.option("--min-hits", default=5, show_default=True, help="Hits a category needs before it can be flagged as dominated.")
@json_option
@quiet_option
@handle_errors
def show_cmd(selector, lexicon_dirs, no_shipped, corpus, text_field, limit, dominance, min_hits, as_json, quiet):
    """Entries, weights and scope rules; with --corpus, how often each entry fires and what share
    of its category's score it carries (a category dominated by one entry is flagged).

    Without an argument, lists the dimensions and their categories.
    """
    from ..lexicon.corpus import collect_stats
    from ..lexicon.inspect import format_show, show

    lexicons = _load(lexicon_dirs, no_shipped)
    stats = collect_stats(lexicons, _articles(corpus, text_field, quiet)) if corpus else None
    result = show(lexicons, selector, stats=stats, dominance=dominance, min_hits=min_hits)
    if as_json:
        _print_json(result)
        return
    click.echo(format_show(result, limit=limit, corpus=_corpus_label(corpus)))


# --- kwic ----------------------------------------------------------------------------------------


@lexicon_group.command("kwic")
@click.argument("term")
@lexicons_option
@no_shipped_option
@corpus_option
@text_field_option
@click.option("--dimension", default=None, help="Only this dimension (and its scope rules, for a term not in the lexicons).")
@click.option("--width", default=40, show_default=True, help="Characters of context on each side.")
@click.option("--limit", default=50, show_default=True, help="Hits listed (all are counted).")
@json_option
@quiet_option
@handle_errors
def kwic_cmd(term, lexicon_dirs, no_shipped, corpus, text_field, dimension, width, limit, as_json, quiet):
    """Keyword in context: every hit of TERM in the corpus with the category, negation, hedging
    and quotation flags it received. TERM is an entry as written (`coordinat*`, `axis of upheaval`);
    a term not in the lexicons is matched with the scope rules it would get if it were added.
    """
    from ..lexicon.inspect import format_kwic, kwic

    lexicons = _load(lexicon_dirs, no_shipped)
    result = kwic(lexicons, term, _articles(corpus, text_field, quiet), dimension=dimension, width=width, limit=limit)
    if as_json:
        _print_json(result)
        return
    click.echo(format_kwic(result, width=width))


# --- suggest -------------------------------------------------------------------------------------


@lexicon_group.command("suggest")
@click.argument("target", metavar="DIMENSION.CATEGORY")
@click.argument("terms", nargs=-1, metavar="[TERM]...")
@lexicons_option
@no_shipped_option
@corpus_option
@text_field_option
@click.option("--top", default=20, show_default=True, help="Candidates listed.")
@click.option("--min-count", default=3, show_default=True, help="A candidate must occur at least this often in category sentences.")
@click.option("--max-words", default=3, show_default=True, type=click.IntRange(1, 3), help="Longest phrase suggested.")
@click.option("--method", type=click.Choice(["both", "cooccurrence", "latent"]), default="both", show_default=True,
              help="Co-occurrence with the category's matches, closeness in a corpus-trained latent space, or both (fused by rank).")
@click.option("--statistic", type=click.Choice(["llr", "pmi"]), default="llr", show_default=True, help="Co-occurrence ranking: log-likelihood G² or PMI.")
@click.option("--space", type=click.Choice(["ppmi", "tfidf"]), default="ppmi", show_default=True, help="Latent space: TruncatedSVD over PPMI word contexts or TF-IDF sentences.")
@click.option("--components", default=100, show_default=True, help="Dimensions of the latent space.")
@click.option("--window", default=5, show_default=True, help="Context window (words each side) of the PPMI space.")
@click.option("--examples", default=2, show_default=True, help="Example sentences per candidate.")
@click.option("--max-articles", default=0, help="Read only the first N articles (0: all), for a quick first look.")
@click.option("--accept", "accept", is_flag=True, help="Append the TERMs (given after the category or after --accept) to --to FILE.")
@click.option("--accept-top", default=0, help="Append the best N suggestions to --to FILE.")
@click.option("--to", "to_file", type=click.Path(path_type=Path), default=None,
              help=f"The user lexicon file to append to (default: {DEFAULT_USER_DIR}/DIMENSION.yaml); never the installed package.")
@json_option
@quiet_option
@handle_errors
def suggest_cmd(target, terms, lexicon_dirs, no_shipped, corpus, text_field, top, min_count, max_words, method, statistic, space,
                components, window, examples, max_articles, accept, accept_top, to_file, as_json, quiet):
    """Candidate new entries for a category, mined offline from your corpus: words and phrases that
    co-occur with the category's matches (G² or PMI) and words near them in a latent space trained
    on the corpus (TruncatedSVD). Each comes with example sentences.

    To add some: `framing lexicon suggest alliance.threat --corpus c/ --accept "joint drills" "arms pipeline"`
    appends them to my-lexicons/alliance.yaml (or --to FILE) with a provenance comment; layer
    that folder with --lexicons my-lexicons.
    """
    from ..lexicon.suggest import format_suggestions, suggest

    if terms and not accept:
        raise ConfigError(f"unexpected argument(s) {' '.join(terms)!r}: to add terms, use --accept TERM...")
    if accept and not terms:
        raise ConfigError("--accept needs the terms to add: --accept \"term one\" \"term two\"")
    lexicons = _load(lexicon_dirs, no_shipped)
    first = [True]

    def stream():
        report = first[0]
        first[0] = False
        return _articles(corpus, text_field, quiet, report=report)

    if not corpus:
        raise ConfigError("suggest needs --corpus PATH (a file or folder of articles)")
    result = suggest(
        lexicons, target, stream, top=max(top, accept_top), min_count=min_count, max_words=max_words, method=method,
        statistic=statistic, space=space, n_components=components, window=window, n_examples=examples,
        max_articles=max_articles or None,
    )
    if as_json:
        _print_json(result, drop=("pool",))
    else:
        click.echo(format_suggestions(result, top=top))
    chosen = list(terms) + [c.term for c in result.candidates[:accept_top]]
    if chosen:
        _accept(chosen, result, lexicons, target_file=to_file, corpus=corpus, quiet=quiet)


def _accept(terms, result, lexicons, *, target_file, corpus, quiet) -> None:
    from ..io.writers import atomic_write_text
    from ..lexicon.accept import add_entries_to_yaml, provenance_comment
    from ..text import normalize_token

    path = Path(target_file) if target_file is not None else DEFAULT_USER_DIR / f"{result.dimension}.yaml"
    _refuse_package(path)
    today = date.today().isoformat()
    pairs = []
    for term in terms:
        cand = result.pool.get(" ".join(normalize_token(term).split()))
        pairs.append((term, provenance_comment(cand, corpus=_corpus_label(corpus), date=today, category=f"{result.dimension}.{result.category}")))
    existing = None
    if path.exists():
        try:
            existing = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LexiconError(str(path), f"cannot read: {exc}") from None
    header = (f"Your own {result.dimension} entries, layered over the shipped lexicons with --lexicons {path.parent}\n"
              f"(framing never writes into the installed package).")
    new_text, added, skipped = add_entries_to_yaml(
        existing, dimension=result.dimension, category=result.category, entries=pairs, path=str(path), header=header,
    )
    if added:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{path.parent}: cannot create folder ({exc.strerror or exc})") from None
        atomic_write_text(path, new_text)
    if not quiet:
        if added:
            click.echo(f"\nadded {len(added)} entr{'y' if len(added) == 1 else 'ies'} to {result.dimension}.{result.category} in {path}: {', '.join(added)}", err=True)
            click.echo(f"use them with --lexicons {path.parent}; check with: framing lexicon validate {path.parent}", err=True)
        if skipped:
            click.echo(f"already in {path}: {', '.join(skipped)}", err=True)


# --- diff ----------------------------------------------------------------------------------------


@lexicon_group.command("diff")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@lexicons_option
@no_shipped_option
@corpus_option
@text_field_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None, help="Also write diff.html and diff.csv into this folder.")
@click.option("--top", default=20, show_default=True, help="Articles listed.")
@click.option("--sort", "sort_column", default=None, help="Sort articles by the change in this column (default: labels, then the largest change).")
@json_option
@quiet_option
@handle_errors
def diff_cmd(old, new, lexicon_dirs, no_shipped, corpus, text_field, out_dir, top, sort_column, as_json, quiet):
    """Which articles' scores move between two lexicon versions, by how much, and which entries
    caused it.

    OLD and NEW are lexicon folders (or files), each layered over the shipped lexicons and any
    --lexicons; `-` stands for no extra layer (`diff - my-lexicons` shows what your layer changes).
    With --no-shipped, OLD and NEW are complete lexicon sets.
    """
    from ..lexicon.build import load_lexicons
    from ..lexicon.diff import DIFF_CSV_COLUMNS, diff_lexicons, diff_rows, format_diff, render_diff_html

    def version(arg: str):
        layers = list(lexicon_dirs) + ([] if arg == "-" else [Path(arg)])
        if no_shipped and not layers:
            raise ConfigError("with --no-shipped, OLD and NEW must be lexicon folders")
        return load_lexicons(layers, include_shipped=not no_shipped)

    old_lx, new_lx = version(old), version(new)
    result = diff_lexicons(old_lx, new_lx, _articles(corpus, text_field, quiet), old_label=old, new_label=new, sort_column=sort_column)
    if as_json:
        _print_json(result)
    else:
        click.echo(format_diff(result, top=top))
    if out_dir is not None:
        from ..io.writers import atomic_write_text, ensure_output_dir, write_table

        out = ensure_output_dir(out_dir)
        atomic_write_text(out / "diff.html", render_diff_html(result, corpus=_corpus_label(corpus)))
        write_table(out / "diff.csv", diff_rows(result), DIFF_CSV_COLUMNS)
        if not quiet:
            click.echo(f"\nwrote {out / 'diff.html'} and {out / 'diff.csv'}", err=True)


# --- import / export ---------------------------------------------------------------------------


@lexicon_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["liwc", "quanteda", "csv"]), default=None,
              help="Input format (default: from the extension: .dic liwc, .yml/.yaml quanteda, .csv/.tsv csv).")
@click.option("--dimension", default=None, help="Dimension name (default: from the file name).")
@click.option("--category", default=None, help="CSV without a category column: the category of every term.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=DEFAULT_USER_DIR, show_default=True, help="Folder to write lexicon files into.")
@click.option("--split-categories", "split", is_flag=True,
              help="One `kind: categories` dimension per category (the older import) instead of one `kind: dictionary` dimension.")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@quiet_option
@handle_errors
def import_cmd(file, fmt, dimension, category, out_dir, split, force, quiet):
    """Import a LIWC .dic, a quanteda YAML dictionary or a CSV term list as one dimension of
    `kind: dictionary` (independent categories, scored as a plain count; see docs/dictionaries.md)."""
    from ..io.lexicon_files import read_dictionary_text
    from ..io.writers import atomic_write_text
    from ..lexicon.formats import format_for_path, parse_foreign, safe_name, to_lexicon_files

    fmt = fmt or format_for_path(file.name)
    if fmt is None:
        raise ConfigError(f"{file}: cannot tell the format from the extension; use --format liwc|quanteda|csv")
    text = read_dictionary_text(file)
    name = dimension or safe_name(file.stem, fallback="imported")
    dictionary = parse_foreign(text, path=str(file), fmt=fmt, name=name, category=category)
    provenance = f"Imported by `framing lexicon import` from {file.name} ({fmt}) on {date.today().isoformat()}.\nLayer it over the shipped lexicons with --lexicons {out_dir}."
    result = to_lexicon_files(dictionary, path=str(file), dimension=name, split_categories=split, provenance=provenance)
    if not result.n_terms:
        for w in result.warnings:
            click.echo(f"warning: {w}", err=True)
        raise LexiconError(str(file), "no entries to import" + (" (all were skipped; see the warnings)" if result.skipped else ""))
    _refuse_package(out_dir)
    clashes = [n for n in result.files if (out_dir / n).exists()]
    if clashes and not force:
        raise ConfigError(f"{out_dir}: {', '.join(clashes[:5])} already exist(s); use --force to overwrite or --out another folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create folder ({exc.strerror or exc})") from None
    for fname, body in result.files.items():
        atomic_write_text(out_dir / fname, body)
    if not quiet:
        for w in result.warnings:
            click.echo(f"warning: {w}", err=True)
        try:
            shipped = {lx.dimension for lx in _load([], False)}
        except FramingError:
            shipped = set()
        for d in result.dimensions:
            if d in shipped:
                click.echo(f"warning: dimension {d!r} is also a shipped dimension: these entries will be layered into it", err=True)
        how = " (one dimension per category)" if result.split else ""
        click.echo(
            f"imported {result.n_terms} entries into {len(result.dimensions)} dimension(s){how} -> {out_dir}"
            + (f"; {result.skipped} skipped (see warnings)" if result.skipped else ""),
            err=True,
        )
        click.echo(f"check them with: framing lexicon validate {out_dir}", err=True)


@lexicon_group.command("export")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--to", "fmt", type=click.Choice(["liwc", "quanteda", "csv"]), required=True, help="Output format.")
@click.option("--out", "out_file", type=click.Path(path_type=Path), default=None, help="File to write (default: standard output).")
@click.option("--dimension", "dimensions", multiple=True, help="Only these dimensions (repeatable).")
@lexicons_option
@no_shipped_option
@quiet_option
@handle_errors
def export_cmd(directory, fmt, out_file, dimensions, lexicon_dirs, no_shipped, quiet):
    """Export lexicons as a LIWC .dic, a quanteda YAML dictionary or a CSV term list.

    DIRECTORY is a lexicon folder exported on its own (as imported: a dictionary imported with
    `framing lexicon import` exports back to the original file); without it, the lexicons in use
    (shipped, plus --lexicons) are exported.
    """
    from ..io.writers import atomic_write_text
    from ..lexicon.build import load_lexicons
    from ..lexicon.formats import export_lexicons

    if directory is not None:
        lexicons = load_lexicons([directory, *lexicon_dirs], include_shipped=False)
    else:
        lexicons = _load(lexicon_dirs, no_shipped)
    if dimensions:
        unknown = set(dimensions) - {lx.dimension for lx in lexicons}
        if unknown:
            raise ConfigError(f"no dimension(s) {', '.join(sorted(unknown))}; dimensions: {', '.join(lx.dimension for lx in lexicons)}")
        lexicons = tuple(lx for lx in lexicons if lx.dimension in dimensions)
    result = export_lexicons(lexicons, fmt)
    if out_file is None:
        click.echo(result.text, nl=False)
    else:
        _refuse_package(out_file)
        atomic_write_text(out_file, result.text)
    if not quiet:
        for w in result.warnings:
            click.echo(f"note: {w}", err=True)
        if out_file is not None:
            click.echo(f"exported {result.n_terms} entries in {result.n_categories} categories -> {out_file}", err=True)
