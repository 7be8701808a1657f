"""What the `framing` commands share: the `cli` group, `handle_errors`, the common options and the
printers of skipped inputs and warnings. Each command module imports these from here;
`framing/cli/__init__.py` imports the command modules, which registers them on `cli`.
"""
from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Any, Callable

import click

from .._version import __version__
from ..errors import FramingError

__all__ = [
    "cli", "handle_errors", "skip_printer", "warning_printer", "paths_argument", "out_option", "lexicons_option", "text_field_option",
    "format_option", "quiet_option", "verbose_option", "no_classifiers_option",
]


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """User errors print one line and exit 2; no tracebacks (set FRAMING_DEBUG=1 to see them)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FramingError as exc:
            if os.environ.get("FRAMING_DEBUG"):
                raise
            _fail(str(exc), getattr(exc, "exit_code", 2))
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except MemoryError:
            _fail("out of memory; try a smaller batch or --jobs 1")

    return wrapper


def skip_printer(quiet: bool) -> Callable[[Any], None]:
    def _print(item: Any) -> None:
        if not quiet:
            click.echo(f"warning: skipped {item.source}: {item.reason}", err=True)

    return _print


def warning_printer(quiet: bool) -> Callable[[str], None]:
    def _print(message: str) -> None:
        if not quiet:
            click.echo(f"warning: {message}", err=True)

    return _print


paths_argument = click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
out_option = click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Output folder (created if missing).")
lexicons_option = click.option(
    "--lexicons", "lexicon_dirs", multiple=True, type=click.Path(path_type=Path),
    help="A folder (or file) of lexicons layered over the shipped ones; repeatable.",
)
text_field_option = click.option("--text-field", default="text", show_default=True, help="The text column of .jsonl and .csv inputs.")
format_option = click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet"]), default="csv", show_default=True, help="Format of the scores table.")
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar or warnings on stderr.")
verbose_option = click.option("--verbose", "-v", is_flag=True, help="Print a summary of what was written.")
no_classifiers_option = click.option("--no-classifiers", is_flag=True, help="Score with the lexicons only.")


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    # click's version_option prints one fixed message; the second line (which code runs the hot
    # loops) is decided only when asked, by framing.accel.
    if not value or ctx.resilient_parsing:
        return
    from ..accel import describe

    click.echo(f"framing, version {__version__}")
    click.echo(f"accelerator: {describe()}")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version, help="Show the version and exit.")
def cli() -> None:
    """Measure and compare how articles frame the China-Russia-North Korea-Iran alignment."""

