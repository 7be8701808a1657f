"""Writing a report folder: pages written atomically, article pages swapped in as a whole
folder, stale table pages removed, the stylesheet and scripts read from package data."""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Sequence

from ..errors import OutputError
from ..io.writers import atomic_write_text
from .html import PAGE_RE

__all__ = ["static_text", "write_page", "minify_css", "csp", "new_pages_dir", "swap_pages_dir", "remove_stale"]

_STATIC = Path(__file__).resolve().parent / "static"
_UMASK = os.umask(0)
os.umask(_UMASK)


def static_text(name: str) -> str:
    return (_STATIC / name).read_text(encoding="utf-8")


def write_page(path: Path, text: str, written: list[Path], *, durable: bool = True) -> None:
    """Atomic: written under a temporary name and renamed into place, so a reader never sees a
    half-written page. Article pages skip the fsync (`durable=False`): they are re-created by
    `framing report` at any time, and 10,000 fsyncs cost more than rendering the pages."""
    atomic_write_text(path, text, durable=durable)
    written.append(path)



def minify_css(css: str) -> str:
    """Comments and layout whitespace out: the stylesheet is inlined into every page."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"\s+", " ", css)
    css = re.sub(r"\s*([{};,>])\s*", r"\1", css)
    return css.replace(";}", "}").strip()


def csp(js: str) -> str:
    import base64

    digest = base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode("ascii")
    return (f"default-src 'none'; img-src data:; style-src 'self' file: 'unsafe-inline'; script-src 'sha256-{digest}'; "
            "base-uri 'none'; form-action 'none'")


def new_pages_dir(out: Path) -> Path:
    """Article pages are written into a hidden folder that replaces `articles/` when complete:
    readers never see a half-written report, stale pages vanish with the old folder, and no page
    is renamed over an old one (which ext4 turns into a flush per file)."""
    import shutil
    import tempfile

    final = out / "articles"
    if final.exists() and (not final.is_dir() or any(not PAGE_RE.match(p.name) for p in final.iterdir())):
        raise OutputError(f"{final}: holds files the report did not write; choose another --out folder for the report")
    for leftover in out.glob(".articles-*"):  # from an interrupted run
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
    try:
        tmp = Path(tempfile.mkdtemp(dir=out, prefix=".articles-"))
        os.chmod(tmp, 0o777 & ~_UMASK)  # mkdtemp makes 0700; a report folder is an ordinary folder
    except OSError as exc:
        raise OutputError(f"{out}: cannot write ({exc.strerror or exc})") from None
    return tmp


def swap_pages_dir(out: Path, pages_dir: Path) -> None:
    import shutil

    final = out / "articles"
    old = None
    if final.exists():
        old = pages_dir.with_name(pages_dir.name + "-old")
        os.rename(final, old)
    os.rename(pages_dir, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def remove_stale(out: Path, written: Sequence[Path]) -> None:
    """Table pages of a previous report in the same folder that this one did not write."""
    keep = {p.resolve() for p in written}
    for p in out.glob("table-*.html"):
        if re.fullmatch(r"table-\d{4,}\.html", p.name) and p.resolve() not in keep:
            p.unlink(missing_ok=True)
