"""`framing score`, `framing compare`, `framing report`."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..models import CHUNK_SIZE, BatchOptions
from ..progress import ProgressBar
from .common import (
    cli,
    format_option,
    handle_errors,
    lexicons_option,
    no_classifiers_option,
    out_option,
    paths_argument,
    quiet_option,
    skip_printer,
    text_field_option,
    verbose_option,
    warning_printer,
)


def batch_options(func):
    """--jobs, --engine, --scheduler, --cache, --no-cache (and a hidden --chunk-size)."""
    options = [
        click.option("--jobs", "-j", type=click.IntRange(min=0), default=None,
                     help="Worker processes (default: all cores; 1: score in this process). With --engine dask and no "
                          "--scheduler: workers of the local cluster."),
        click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                     help="Where to score: this machine, or a Dask cluster (pip install 'framing[dask]')."),
        click.option("--scheduler", metavar="ADDRESS", default=None,
                     help="Address of a running dask.distributed scheduler (e.g. tcp://10.0.0.5:8786) for --engine dask; "
                          "without it a local cluster is started."),
        click.option("--cache", "cache_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
                     help="SQLite file of scored results reused by later runs (default: OUT/.framing-cache.sqlite)."),
        click.option("--no-cache", is_flag=True, help="Score everything and keep no cache."),
        click.option("--chunk-size", type=click.IntRange(min=1), default=CHUNK_SIZE, hidden=True),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _run(paths, out_dir, lexicon_dirs, text_field, fmt, quiet, no_classifiers, desc, batch=None):
    from ..batch import run_batch

    batch = dict(batch or {})
    no_cache = batch.pop("no_cache", False)
    cache_path = batch.pop("cache_path", None)
    if no_cache and cache_path is not None:
        raise click.UsageError("--cache and --no-cache contradict each other")
    progress = ProgressBar.on_terminal(desc, quiet=quiet)
    try:
        options = BatchOptions(lexicon_dirs=tuple(lexicon_dirs), text_field=text_field, fmt=fmt, classifiers=not no_classifiers,
                               cache=False if no_cache else (cache_path or True), **batch)
        return run_batch(
            list(paths), out_dir, options, progress=progress, on_skip=skip_printer(quiet),
            on_warn=warning_printer(quiet), on_total=progress.set_total if progress.enabled else None,
        )
    finally:
        progress.close()


def _summary(result, verbose: bool, quiet: bool, extra: str = "") -> None:
    if quiet:
        return
    msg = f"scored {result.n_articles} article(s) -> {result.out_dir}"
    if result.duplicates:
        msg += f"; {len(result.duplicates)} exact duplicate(s) reported once"
    if result.skipped:
        msg += f"; {len(result.skipped)} input(s) skipped (see manifest.json)"
    click.echo(msg + extra, err=True)
    if verbose:
        run = result.manifest.get("run", {})
        seconds = result.manifest.get("duration_seconds") or 0
        rate = f", {result.n_articles / seconds:,.1f} articles/s" if seconds else ""
        click.echo(f"  {run.get('scored', 0)} scored now, {run.get('from_cache', 0)} from the cache"
                   f" ({run.get('cache') or 'no cache'}); engine {run.get('engine')} with {run.get('jobs')} job(s)"
                   f"; {seconds:.1f} s{rate}", err=True)
        for name in result.manifest.get("outputs", []):
            click.echo(f"  wrote {result.out_dir / name}", err=True)


@cli.command("score")
@paths_argument
@out_option
@lexicons_option
@text_field_option
@format_option
@no_classifiers_option
@batch_options
@quiet_option
@verbose_option
@handle_errors
def score_cmd(paths, out_dir, lexicon_dirs, text_field, fmt, no_classifiers, quiet, verbose, **batch):
    """Score articles: writes scores.csv, evidence.jsonl and manifest.json into --out."""
    result = _run(paths, out_dir, lexicon_dirs, text_field, fmt, quiet, no_classifiers, "scoring", batch)
    _summary(result, verbose, quiet)
    sys.exit(result.exit_code)


# Report options of `compare` and `report` (framing/report/render.py: render_report).
by_option = click.option(
    "--by", "group_by", default=None, metavar="FIELD[:BUCKET]",
    help="Compare groups of articles by a metadata column (e.g. outlet); a date column takes a bucket: "
         "date:year, date:quarter, date:month, date:week or date:day.",
)
pair_option = click.option(
    "--pair", "pairs", nargs=2, multiple=True, metavar="ID_A ID_B",
    help="Also compare these two articles on pairs.html (by article id); repeatable.",
)


@cli.command("compare")
@paths_argument
@out_option
@lexicons_option
@text_field_option
@format_option
@by_option
@pair_option
@no_classifiers_option
@batch_options
@quiet_option
@verbose_option
@handle_errors
def compare_cmd(paths, out_dir, lexicon_dirs, text_field, fmt, group_by, pairs, no_classifiers, quiet, verbose, **batch):
    """Score articles and write the HTML comparison report (index.html) beside the scores."""
    from ..report.render import render_report

    result = _run(paths, out_dir, lexicon_dirs, text_field, fmt, quiet, no_classifiers, "scoring", batch)
    index = render_report(result.out_dir, group_by=group_by, pairs=list(pairs))
    _summary(result, verbose, quiet, extra=f"; report: {index}")
    sys.exit(result.exit_code)


@cli.command("report")
@click.argument("scores_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None, help="Where to write the report (default: SCORES_DIR).")
@by_option
@pair_option
@handle_errors
def report_cmd(scores_dir, out_dir, group_by, pairs):
    """Re-render the HTML report from a folder written by `framing score` (no re-scoring)."""
    from ..report.render import render_report

    index = render_report(scores_dir, out_dir=out_dir, group_by=group_by, pairs=list(pairs))
    click.echo(f"report: {index}", err=True)
