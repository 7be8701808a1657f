"""`framing train`, `framing evaluate` and `framing agreement`: bring your own annotations (CSV or JSONL with `text`,
`label` and optionally `group`)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .common import cli, handle_errors, lexicons_option, quiet_option

annotations_option = click.option(
    "--annotations", "annotations", required=True, type=click.Path(path_type=Path),
    help="CSV or JSONL with `text`, `label` and optionally `group` (document or author, for grouped cross-validation).",
)
folds_option = click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 50), help="Grouped cross-validation folds.")
no_shipped_option = click.option("--no-shipped-lexicons", "no_shipped", is_flag=True, help="Use only the --lexicons folders, not the shipped lexicons.")


def _lexicon_for(dimension: str, lexicon_dirs, include_shipped: bool = True) -> object | None:
    from ..lexicon.build import load_lexicons

    for lx in load_lexicons(list(lexicon_dirs), include_shipped=include_shipped):
        if lx.dimension == dimension:
            return lx
    return None


def _check_labels(rows, lexicon, dimension: str, quiet: bool) -> None:
    from ..evaluate import expected_labels

    known = expected_labels(lexicon)
    if lexicon is None:
        if not quiet:
            click.echo(f"warning: no lexicon for dimension {dimension!r}: the model uses n-grams only and there is no lexicon comparison", err=True)
        return
    unknown = sorted({r["label"] for r in rows} - (known or set()))
    if unknown and not quiet:
        click.echo(f"warning: label(s) the {dimension} lexicon never gives: {', '.join(unknown)}", err=True)


def _cv_line(cv) -> str:
    parts = []
    for source in ("classifier", "lexicon", "baseline"):
        rep = cv.get(source)
        if rep:
            alpha = rep.get("alpha")
            parts.append(f"{source} macro-F1 {rep['macro_f1']:.3f} (alpha {'n/a' if alpha is None else f'{alpha:.3f}'})")
    return "; ".join(parts)


@cli.command("train")
@annotations_option
@click.option("--dimension", required=True, help="The dimension the labels belong to (alliance, prescriptions, ideology, or your own lexicon's).")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Folder for <dimension>.json + <dimension>.npz.")
@lexicons_option
@no_shipped_option
@folds_option
@click.option("--no-cv", is_flag=True, help="Skip cross-validation (blend weight 0.5, no validation figures).")
@quiet_option
@handle_errors
def train_cmd(annotations, dimension, out_dir, lexicon_dirs, no_shipped, folds, no_cv, quiet):
    """Train a dimension's classifier on your annotations (grouped cross-validation first)."""
    from ..io.annotations import read_annotations
    from ..io.writers import ensure_output_dir, write_json
    from ..scoring.ngram_model import save_ngram_model
    from ..training.frames import TrainingConfig, cross_validate, train

    rows = read_annotations(annotations)
    include_shipped = not no_shipped
    lexicon = _lexicon_for(dimension, lexicon_dirs, include_shipped)
    _check_labels(rows, lexicon, dimension, quiet)
    config = TrainingConfig(folds=folds, lexicon_features=lexicon is not None)
    cv = None
    if not no_cv:
        cv = cross_validate(rows, dimension=dimension, config=config, lexicon_dirs=lexicon_dirs, include_shipped=include_shipped)
        if not quiet:
            click.echo(f"{dimension}: grouped {cv['folds']}-fold cross-validation on {cv['n']} units: {_cv_line(cv)}", err=True)
    model = train(rows, dimension=dimension, config=config, lexicon_dirs=lexicon_dirs, include_shipped=include_shipped, cv=cv)
    out = ensure_output_dir(out_dir)
    written = save_ngram_model(model, out / dimension)
    if cv is not None:
        write_json(out / f"{dimension}.evaluation.json", cv)
        written.append(out / f"{dimension}.evaluation.json")
    if not quiet:
        click.echo(f"{dimension}: trained on {len(rows)} units (blend weight {model.blend_weight:.2f}) -> " + ", ".join(str(p) for p in written), err=True)


@cli.command("evaluate")
@click.argument("scores_dir", required=False, type=click.Path(path_type=Path))
@click.option("--annotations", "annotations", default=None, type=click.Path(path_type=Path),
              help="Unit level: CSV or JSONL with `text`, `label` and optionally `group`; human labels vs the lexicon and the classifier.")
@click.option("--gold", "gold", default=None, type=click.Path(path_type=Path),
              help="Article level: CSV or JSONL of article ids with any of alliance, ideology, advocated, rejected, or a user-defined dimension's label; compared with SCORES_DIR (a `framing score` output).")
@click.option("--coder2", "coder2", default=None, type=click.Path(path_type=Path),
              help="With --gold: a second coder's labels of the same articles; adds the agreement between the two coders (the human ceiling).")
@click.option("--intervals", "resamples", default=2000, show_default=True, type=click.IntRange(min=0),
              help="With --gold: bootstrap resamples for the 95% intervals of the main figures (0: none).")
@click.option("--cluster-by", "cluster_by", default=None,
              help="With --gold: a column of the gold file (such as `outlet`) whose values are resampled whole for the intervals: articles of one outlet are not independent draws.")
@click.option("--dimension", default=None, help="With --annotations: the labels' dimension (default: the model's, or the file name's).")
@click.option("--model", "model_path", default=None, type=click.Path(path_type=Path),
              help="With --annotations: a trained model (path without .json/.npz) to test on these annotations; default: grouped cross-validation on them.")
@lexicons_option
@no_shipped_option
@folds_option
@click.option("--json", "json_out", default=None, type=click.Path(path_type=Path), help="Also write the full results as JSON.")
@quiet_option
@handle_errors
def evaluate_cmd(scores_dir, annotations, gold, coder2, resamples, cluster_by, dimension, model_path, lexicon_dirs, no_shipped, folds, json_out, quiet):
    """Validate against hand-coded labels.

    Article level (`--gold FILE SCORES_DIR`): per-class precision, recall and F1 with confusion
    matrices, accuracy, macro-F1 and Krippendorff's alpha of each article label, the AUC of
    alliance.position for threat against hollow, and micro-F1 of the advocated and rejected
    prescriptions; for the main columns, the lexicon alone and the classifiers alone, and by register and
    split when the gold file has those columns; and 95% bootstrap intervals of the main figures
    (`--cluster-by outlet` resamples whole outlets).

    Unit level (`--annotations FILE`): human labels of sentences or passages vs the lexicon and vs
    the classifier (cross-validated, or a trained --model).
    """
    from ..errors import ConfigError

    if (gold is None) == (annotations is None):
        raise ConfigError("give either --gold FILE SCORES_DIR (article level) or --annotations FILE (unit level)")
    if gold is not None:
        if scores_dir is None:
            raise ConfigError("--gold needs SCORES_DIR: the folder `framing score` wrote")
        _evaluate_articles(gold, scores_dir, coder2, json_out, resamples=resamples, cluster_by=cluster_by)
        sys.exit(0)
    if scores_dir is not None or coder2 is not None or cluster_by is not None:
        raise ConfigError("SCORES_DIR, --coder2 and --cluster-by go with --gold, not with --annotations")
    _evaluate_units(annotations, dimension, model_path, lexicon_dirs, no_shipped, folds, json_out, quiet)
    sys.exit(0)


def _evaluate_articles(gold, scores_dir, coder2, json_out, *, resamples: int = 0, cluster_by: str | None = None) -> None:
    from ..errors import ConfigError
    from ..evaluate_articles import article_figures, coder_agreement, format_article_figures
    from ..evaluate_intervals import bootstrap_intervals, format_intervals
    from ..io.gold import gold_column, read_gold
    from ..io.spool import read_scores
    from ..io.writers import write_json

    directory = Path(scores_dir)
    table = next((directory / n for n in ("scores.csv", "scores.jsonl", "scores.parquet") if (directory / n).is_file()), None)
    if table is None:
        raise ConfigError(f"{directory}: no scores.csv (or .jsonl/.parquet) here; run `framing score` first")
    rows = {str(r["id"]): r for r in read_scores(table)}
    gold_rows = read_gold(gold)
    result = article_figures(gold_rows, rows)
    if result["n_scored"] == 0:
        raise ConfigError(f"{gold}: none of its {len(gold_rows)} article ids is in {table} (ids must be the ones `framing score` gave)")
    ceiling = None
    if coder2 is not None:
        ceiling = coder_agreement(gold_rows, read_gold(coder2))
    clusters = gold_column(gold, cluster_by) if cluster_by is not None else None
    click.echo(format_article_figures(result, ceiling=ceiling, title=f"gold: {gold}    scores: {table}"))
    intervals = bootstrap_intervals(gold_rows, rows, resamples=resamples, clusters=clusters) if resamples else None
    if intervals is not None:
        click.echo("")
        click.echo(format_intervals(intervals))
    if json_out is not None:
        write_json(json_out, {"tool": result, "coders": ceiling, "intervals": intervals})


def _evaluate_units(annotations, dimension, model_path, lexicon_dirs, no_shipped, folds, json_out, quiet) -> None:
    from ..errors import ConfigError
    from ..evaluate import evaluate_model, format_report
    from ..io.annotations import read_annotations
    from ..io.writers import write_json
    from ..training.frames import TrainingConfig, cross_validate

    rows = read_annotations(annotations)
    model = None
    if model_path is not None:
        from ..scoring.ngram_model import load_ngram_model

        model = load_ngram_model(Path(str(model_path)).with_suffix("") if str(model_path).endswith((".json", ".npz")) else model_path)
        dimension = dimension or model.dimension
    if dimension is None:
        stem = Path(annotations).name.split(".")[0]
        if _lexicon_for(stem, lexicon_dirs, not no_shipped) is None:
            raise ConfigError(f"{annotations}: give --dimension (the file name {stem!r} is not a lexicon dimension)")
        dimension = stem
    lexicon = _lexicon_for(dimension, lexicon_dirs, not no_shipped)
    _check_labels(rows, lexicon, dimension, quiet)
    if model is not None:
        result = evaluate_model(rows, model=model, lexicon=lexicon, source=f"model {model_path}")
    else:
        config = TrainingConfig(folds=folds, lexicon_features=lexicon is not None)
        result = cross_validate(rows, dimension=dimension, config=config, lexicon_dirs=lexicon_dirs, include_shipped=not no_shipped)
    click.echo(format_report(result))
    if json_out is not None:
        write_json(json_out, result)


@cli.command("agreement")
@click.argument("first", type=click.Path(path_type=Path))
@click.argument("second", type=click.Path(path_type=Path))
@click.option("--out", "out_path", default=None, type=click.Path(path_type=Path),
              help="Where to write the disagreements for adjudication (JSONL; default FIRST with .disagreements.jsonl).")
@click.option("--json", "json_out", default=None, type=click.Path(path_type=Path), help="Also write the figures as JSON.")
@click.option("--adjudicate", is_flag=True, help="Then settle the disagreements one at a time in the browser (as framing annotate).")
@click.option("--settled", "settled", default=None, type=click.Path(path_type=Path),
              help="--adjudicate: the settled file (.jsonl; default FIRST with .settled.jsonl), resumed from if it exists.")
@click.option("--port", default=0, show_default=True, type=click.IntRange(0, 65535), help="--adjudicate: port on 127.0.0.1 (0: a free one).")
@click.option("--no-browser", is_flag=True, help="--adjudicate: do not open a browser; just print the address.")
@handle_errors
def agreement_cmd(first, second, out_path, json_out, adjudicate, settled, port, no_browser):
    """Agreement between two coders of the same units (e.g. two `framing annotate` files):
    Krippendorff's alpha per dimension and per label, the confusion between the coders, and the
    disagreements written out for a third reading.

    With --adjudicate, a page like framing annotate's shows each disagreement (the two codings in
    a random order per unit) and writes the settled file after every decision: agreed units with
    their label, settled ones with the adjudicated label and its reason. The address to open is
    the first stdout line (the figures go to stderr); Ctrl-C to stop, run again to resume."""
    from ..agreement import agreement, disagreements, format_agreement
    from ..io.annotations import read_annotations
    from ..io.writers import atomic_write_text, write_json

    if adjudicate:
        from .annotate import require_server_extra

        require_server_extra("framing agreement --adjudicate")
    a, b = read_annotations(first), read_annotations(second)
    sources = (str(first), str(second))
    result = agreement(a, b, sources=sources)
    if not result["dimensions"]:
        from ..errors import ConfigError

        raise ConfigError(f"{first} and {second} share no unit id: nothing to compare")
    click.echo(format_agreement(result, names=(Path(first).name, Path(second).name)), err=adjudicate)
    rows = disagreements(a, b, sources=sources)
    target = out_path or Path(first).with_name(Path(first).name.removesuffix(".jsonl") + ".disagreements.jsonl")
    atomic_write_text(target, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    click.echo(f"{len(rows)} disagreement(s) -> {target}", err=adjudicate)
    if json_out is not None:
        write_json(json_out, result)
    if adjudicate:
        _adjudicate(a, b, sources, settled or Path(first).with_name(Path(first).name.removesuffix(".jsonl") + ".settled.jsonl"), port, no_browser)


def _adjudicate(a, b, sources, settled, port, no_browser) -> None:
    from ..annotate.server import AdjudicationSession
    from ..lexicon.build import load_lexicons
    from .annotate import serve_session

    if any(Path(settled).resolve() == Path(s).resolve() for s in sources):
        from ..errors import ConfigError

        raise ConfigError(f"--settled {settled} is one of the two codings; give another file")
    session = AdjudicationSession(a, b, settled, lexicons=load_lexicons([]), sources=sources)
    progress = session.progress()
    if not progress["remaining"]:
        click.echo(f"all {progress['total']} disagreement(s) settled -> {settled}", err=True)
        return
    serve_session(session, port, no_browser, f"{progress['total']} disagreement(s), {progress['done']} already settled in {settled}. Ctrl-C to stop.")
    progress = session.progress()
    click.echo(f"{progress['done']} of {progress['total']} disagreement(s) settled -> {settled}", err=True)
