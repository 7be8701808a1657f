"""`framing annotate`: label units in the browser, into a file `framing train --annotations` reads."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import cli, handle_errors, lexicons_option


def require_server_extra(command: str) -> None:
    from ..errors import ConfigError

    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise ConfigError(f"{command} needs starlette and uvicorn: install with pip install 'framing[annotate]'") from None


def serve_session(session, port: int, no_browser: bool, note: str) -> None:
    """Serve `session` on 127.0.0.1:`port` until Ctrl-C: the address is the first stdout line,
    `note` goes to stderr."""
    from ..annotate.server import bind_socket, create_app, new_token, serve
    from ..errors import ConfigError

    token = new_token()
    try:
        sock = bind_socket(port)
    except OSError as exc:
        raise ConfigError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/?token={token}"
    click.echo(url)
    sys.stdout.flush()
    click.echo(note, err=True)
    if not no_browser:
        import webbrowser

        try:
            webbrowser.open(url)
        except Exception:
            pass
    serve(create_app(session, token=token), sock)


@cli.command("annotate")
@click.argument("dimension")
@click.option("--corpus", "corpus", multiple=True, required=True, type=click.Path(path_type=Path),
              help="Articles to take units from (files or folders, as `framing score` reads); repeatable.")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="The labels file (.jsonl): appended to, and resumed from if it exists.")
@click.option("--annotator", default=None, help="Your name or initials, written on every label (default: your login name).")
@lexicons_option
@click.option("--sample", type=click.Choice(["active", "random"]), default="active", show_default=True,
              help="active: the shipped classifier's least certain units first (1 in 5 random); random: a seeded shuffle.")
@click.option("--like", "like", default=None, type=click.Path(path_type=Path),
              help="Another coder's labels file: its units first, in its order (for agreement).")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the random order (and of the random units of active order).")
@click.option("--text-field", default="text", show_default=True, help="The text column of .jsonl and .csv inputs.")
@click.option("--port", default=0, show_default=True, type=click.IntRange(0, 65535), help="Port on 127.0.0.1 (0: a free one).")
@click.option("--no-browser", is_flag=True, help="Do not open a browser; just print the address.")
@handle_errors
def annotate_cmd(dimension, corpus, out, annotator, lexicon_dirs, sample, like, seed, text_field, port, no_browser):
    """Label sentences (passages for stance dimensions) of DIMENSION in the browser.

    Prints the address to open (http://127.0.0.1:PORT/?token=...) as the first line. Keys: 1-9
    label, s skip, u undo, f flag a hard case. Stop with Ctrl-C; run again to resume.
    """
    import getpass

    from ..errors import ConfigError

    require_server_extra("framing annotate")
    from ..annotate.queue import build_units, classifier_uncertainty, find_lexicon, order_units
    from ..annotate.server import Session
    from ..annotate.store import LabelStore
    from ..io.readers import iter_articles
    from ..lexicon.build import load_lexicons

    lexicon = find_lexicon(dimension, load_lexicons(list(lexicon_dirs)))
    if annotator is None:
        try:
            annotator = getpass.getuser()
        except Exception:
            annotator = "anonymous"
    store = LabelStore(out, dimension=dimension, annotator=annotator)

    def _skipped(item) -> None:
        click.echo(f"warning: skipped {item.source}: {item.reason}", err=True)

    units = build_units(iter_articles(list(corpus), text_field=text_field, on_skip=_skipped), lexicon)
    if not units:
        raise ConfigError("no units to annotate: the --corpus inputs hold no readable text")
    like_ids = None
    if like is not None:
        from ..io.annotations import read_annotations

        rows = read_annotations(like)
        if any("id" not in r for r in rows):
            raise ConfigError(f"--like {like}: its records need an `id` (a file written by framing annotate)")
        like_ids = [str(r["id"]) for r in rows]
    uncertainty = classifier_uncertainty(units, lexicon) if sample == "active" else None
    ordered = order_units(units, sample=sample, seed=seed, uncertainty=uncertainty, like=like_ids)
    session = Session(ordered, store, lexicon)
    progress = session.progress()
    note = "" if sample != "active" or uncertainty is not None else " (no shipped classifier for this dimension: units with lexicon matches first)"
    serve_session(session, port, no_browser, f"{dimension}: {progress['total']} units, {progress['done']} already decided in {out}; order {sample}{note}. Ctrl-C to stop.")
    progress = session.progress()
    click.echo(f"{dimension}: {progress['done']} of {progress['total']} units decided; labels in {out}", err=True)
