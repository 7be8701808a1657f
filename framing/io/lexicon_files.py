"""Reading lexicon YAML files into a tree that remembers the line of every value.

Only this module touches the file system for lexicons; `framing.lexicon.build` turns the trees
into checked `Lexicon` objects. YAML aliases are refused (an alias bomb expands exponentially),
and files over a size limit are refused before parsing, so a hostile file costs bounded time.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..errors import LexiconError

__all__ = ["Located", "LexiconFile", "read_lexicon_file", "read_lexicon_dir", "shipped_lexicon_dir", "read_dictionary_text", "MAX_LEXICON_BYTES"]

MAX_LEXICON_BYTES = 20 * 1024 * 1024
MAX_NODES = 2_000_000


@dataclass(frozen=True, slots=True)
class Located:
    """A YAML value with the 1-based line it starts on. Mappings hold `dict[str, Located]`,
    sequences `list[Located]`, scalars plain Python values."""

    value: Any
    line: int
    raw: str | None = None  # a scalar's text as written: YAML 1.1 reads `no` as False

    def plain(self) -> Any:
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


@dataclass(frozen=True, slots=True)
class LexiconFile:
    path: str
    sha256: str
    root: Located


def shipped_lexicon_dir() -> Path:
    """The lexicons that ship with the package (the top-level `lexicons/` folder)."""
    return Path(str(resources.files("framing.shipped_lexicons")))


class _Converter:
    def __init__(self, path: str) -> None:
        self.path = path
        self.seen: set[int] = set()
        self.constructor = yaml.constructor.SafeConstructor()

    def convert(self, node: yaml.Node) -> Located:
        if id(node) in self.seen:
            raise LexiconError(self.path, "YAML aliases (&anchor / *alias) are not allowed in lexicon files", line=node.start_mark.line + 1)
        self.seen.add(id(node))
        if len(self.seen) > MAX_NODES:
            raise LexiconError(self.path, f"more than {MAX_NODES:,} YAML values; refusing to read", line=node.start_mark.line + 1)
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Located] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise LexiconError(self.path, "mapping keys must be plain text", line=key_node.start_mark.line + 1)
                key = str(self.constructor.construct_object(key_node))
                if key in out:
                    raise LexiconError(self.path, f"key {key!r} appears twice in the same mapping", line=key_node.start_mark.line + 1)
                out[key] = self.convert(value_node)
            return Located(out, line)
        if isinstance(node, yaml.SequenceNode):
            return Located([self.convert(v) for v in node.value], line)
        try:
            return Located(self.constructor.construct_object(node), line, str(node.value))
        except yaml.YAMLError as exc:
            raise LexiconError(self.path, f"unreadable value: {_first_line(exc)}", line=line) from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


# libyaml's parser where PyYAML was built with it (the same node tree, marks and resolver, some
# five times faster: reading the shipped lexicons was most of a cached rerun), else the Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_lexicon_text(text: str, path: str) -> Located:
    """Parse YAML text into a `Located` tree; every failure is a `LexiconError` with a line."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "YAML syntax error"
        raise LexiconError(path, f"YAML syntax error: {problem}", line=line) from None
    except yaml.YAMLError as exc:
        raise LexiconError(path, f"YAML error: {_first_line(exc)}") from None
    except RecursionError:
        raise LexiconError(path, "YAML nested too deeply") from None
    if node is None:
        raise LexiconError(path, "the file is empty", line=1)
    try:
        return _Converter(path).convert(node)
    except RecursionError:
        raise LexiconError(path, "YAML nested too deeply") from None


def read_lexicon_file(path: str | Path) -> LexiconFile:
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_LEXICON_BYTES:
            raise LexiconError(str(p), f"file is {size / 1e6:.0f} MB; lexicon files are limited to {MAX_LEXICON_BYTES // 2**20} MiB")
        raw = p.read_bytes()
    except OSError as exc:
        raise LexiconError(str(p), f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LexiconError(str(p), "not valid UTF-8", line=line) from None
    root = parse_lexicon_text(text, str(p))
    return LexiconFile(path=str(p), sha256=hashlib.sha256(raw).hexdigest(), root=root)


def read_lexicon_dir(directory: str | Path) -> list[LexiconFile]:
    """Every `*.yaml` / `*.yml` file directly in `directory`, in name order."""
    d = Path(directory)
    if d.is_file():
        return [read_lexicon_file(d)]
    if not d.is_dir():
        raise LexiconError(str(d), "no such lexicon folder")
    files = sorted(p for p in d.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))
    return [read_lexicon_file(p) for p in files]


def read_dictionary_text(path: str | Path) -> str:
    """The text of a dictionary in another tool's format (LIWC .dic, quanteda YAML, CSV): UTF-8
    (a byte-order mark dropped), else Windows-1252, which LIWC dictionaries made on Windows use.
    A file that is neither is a `LexiconError` naming the line of the first bad byte."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise LexiconError(str(path), f"cannot read: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            raise LexiconError(str(path), "not valid UTF-8", line=raw[: exc.start].count(b"\n") + 1) from None
