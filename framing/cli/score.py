"""`framing score`, `framing compare`, `framing report`."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from . import (
    _Progress,
    _skip_printer,
    _warning_printer,
    cli,
    format_option,
    handle_errors,
    lexicons_option,
    no_classifiers_option,
    out_option,
    paths_argument,
    quiet_option,
    text_field_option,
    verbose_option,
)


def _run(paths, out_dir, lexicon_dirs, text_field, fmt, quiet, no_classifiers, desc):
    from ..pipeline import run_batch

    progress = _Progress(quiet, desc)
    try:
        return run_batch(
            list(paths), out_dir, lexicon_dirs=list(lexicon_dirs), text_field=text_field, fmt=fmt,
            classifiers=not no_classifiers, progress=progress, on_skip=_skip_printer(quiet),
            on_warn=_warning_printer(quiet),
        )
    finally:
        progress.close()


def _summary(result, verbose: bool, quiet: bool, extra: str = "") -> None:
    if quiet:
        return
    msg = f"scored {len(result.rows)} article(s) -> {result.out_dir}"
    if result.duplicates:
        msg += f"; {len(result.duplicates)} exact duplicate(s) reported once"
    if result.skipped:
        msg += f"; {len(result.skipped)} input(s) skipped (see manifest.json)"
    click.echo(msg + extra, err=True)
    if verbose:
        for name in result.manifest.get("outputs", []):
            click.echo(f"  wrote {result.out_dir / name}", err=True)


@cli.command("score")
@paths_argument
@out_option
@lexicons_option
@text_field_option
@format_option
@no_classifiers_option
@quiet_option
@verbose_option
@handle_errors
def score_cmd(paths, out_dir, lexicon_dirs, text_field, fmt, no_classifiers, quiet, verbose):
    """Score articles: writes scores.csv, evidence.jsonl and manifest.json into --out."""
    result = _run(paths, out_dir, lexicon_dirs, text_field, fmt, quiet, no_classifiers, "scoring")
    _summary(result, verbose, quiet)
    sys.exit(result.exit_code)


@cli.command("compare")
@paths_argument
@out_option
@lexicons_option
@text_field_option
@format_option
@click.option("--by", "group_by", default=None, help="Compare groups of articles by this metadata field (e.g. outlet).")
@no_classifiers_option
@quiet_option
@verbose_option
@handle_errors
def compare_cmd(paths, out_dir, lexicon_dirs, text_field, fmt, group_by, no_classifiers, quiet, verbose):
    """Score articles and write the HTML comparison report (index.html) beside the scores."""
    from ..report.render import render_report

    result = _run(paths, out_dir, lexicon_dirs, text_field, fmt, quiet, no_classifiers, "scoring")
    index = render_report(result.out_dir, group_by=group_by)
    _summary(result, verbose, quiet, extra=f"; report: {index}")
    sys.exit(result.exit_code)


@cli.command("report")
@click.argument("scores_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None, help="Where to write the report (default: SCORES_DIR).")
@click.option("--by", "group_by", default=None, help="Compare groups of articles by this metadata field.")
@handle_errors
def report_cmd(scores_dir, out_dir, group_by):
    """Re-render the HTML report from a folder written by `framing score` (no re-scoring)."""
    from ..report.render import render_report

    index = render_report(scores_dir, out_dir=out_dir, group_by=group_by)
    click.echo(f"report: {index}", err=True)
