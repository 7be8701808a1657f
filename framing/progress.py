"""The one progress bar: articles scored so far, for the command line and for notebooks.

tqdm's auto mode draws a widget in Jupyter and text on a terminal; a disabled bar does nothing,
so callers never test for it. tqdm is imported only when a bar is shown.
"""
from __future__ import annotations

import sys
from typing import Any

__all__ = ["ProgressBar"]


class ProgressBar:
    """A tqdm bar counting articles, with rate and ETA once `set_total` gives the total; silent
    when `enabled` is false.

        >>> bar = ProgressBar("scoring", enabled=False)
        >>> bar(64); bar.close()
    """

    def __init__(self, desc: str, *, enabled: bool) -> None:
        self.bar: Any = None
        if enabled:
            self.bar = _new_bar(desc)

    @classmethod
    def on_terminal(cls, desc: str, *, quiet: bool) -> "ProgressBar":
        """The command line's bar: shown on an interactive terminal, never with --quiet."""
        return cls(desc, enabled=not quiet and sys.stderr.isatty())

    @property
    def enabled(self) -> bool:
        return self.bar is not None

    def __call__(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def set_total(self, total: int) -> None:
        if self.bar is not None and total >= self.bar.n:
            self.bar.total = total
            self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _new_bar(desc: str) -> Any:
    from tqdm.auto import tqdm

    options = dict(desc=desc, unit=" articles", file=sys.stderr, dynamic_ncols=True, smoothing=0.05, mininterval=0.5)
    try:
        return tqdm(**options)
    except ImportError:  # a notebook without ipywidgets: tqdm's widget cannot draw, text can
        from tqdm.std import tqdm as text_tqdm

        return text_tqdm(**options)
