"""Text clean-up before the lean model (an n-gram model of whole texts) reads an article:
literal phrases, boilerplate lines, URLs, e-mail addresses and handles, as plain data (no regex
or code comes from a file).

``TextPreprocess``
    Data-only cleaning before vectorizing (no regex or code comes from a file):
    ``remove_phrases`` (literal, case-sensitive, whole words), ``drop_lines_containing``
    (literal, case-insensitive; only lines of at most ``drop_lines_max_chars`` characters),
    ``drop_any_line_containing`` (literal, case-insensitive; lines of any length),
    ``remove_urls`` (URLs, e-mail addresses, @handles, bare domains such as example.com).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Container, Iterable, Mapping

from .. import accel

__all__ = ["TextPreprocess"]

# The compiled clean-up (framing/_accel/cleanup.c: `marker_lines`, `remove_phrases`), or None on the pure-Python
# path; read at each call, so a test can compare both paths in one process.
_CLEANUP = accel.compiled("cleanup")

_URL_RE = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S+", re.IGNORECASE)
_AT_RE = re.compile(r"[\w.+-]*@[\w-]+(?:\.[\w-]+)*")  # e-mail addresses and @handles
_AT_TAIL_RE = re.compile(r"@[\w-]+(?:\.[\w-]+)*")  # the part from the @ on
_DOMAIN_TAIL_RE = re.compile(r"\.(?:com|org|net|gov|edu|co\.uk|io|tv)\b", re.IGNORECASE)
_DOMAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
# A text is searched for URLs only when its lower-cased form holds one of these.
_URL_STARTS = ("http", "www.", "pic.twitter")
# A "." then a character that `_DOMAIN_TAIL_RE` (re.IGNORECASE) lets start a domain ending, as
# str.lower begins it ("İ" becomes "i̇"; "ı" stays): a text whose lower-cased form holds none has
# no bare domain, and cleaning cannot make one (what it removes becomes a space; dropped lines
# leave newlines). Found over every code point: tests/scoring/test_lean_fastpath.py.
_DOMAIN_STARTS = (".c", ".e", ".g", ".i", ".n", ".o", ".t", ".ı")


def _pure_marker_lines(low: str, markers: tuple[str, ...]) -> dict[str, list[int]]:
    return {m: sorted(lines) for m in markers if (lines := _marked_lines(low, (m,)))}


def _marker_lines(text: str, markers: tuple[str, ...]) -> dict[str, list[int]]:
    """{marker: the numbers of the lines of ``text.lower()`` holding it, ascending} for each of
    ``markers`` (one-line strings) that occurs: one walk over the text when compiled, lower-casing
    A-Z as it reads, unless str.lower would change other characters of the text (rare)."""
    compiled = _CLEANUP
    found = None if compiled is None else compiled.marker_lines(text, markers)
    return found if found is not None else _pure_marker_lines(text.lower(), markers)


def _marked_lines(text: str, markers: Iterable[str]) -> set[int]:
    """The numbers of the lines of ``text`` (its parts between newlines) holding one of ``markers``
    (which hold no newline), found by searching the whole text, at most once a line a marker."""
    marked: set[int] = set()
    for marker in markers:
        line, counted = 0, 0  # the line of position `counted`
        at = text.find(marker)
        while at >= 0:
            line += text.count("\n", counted, at)
            marked.add(line)
            counted = text.find("\n", at)
            if counted < 0:
                break
            at = text.find(marker, counted + 1)
    return marked


def _remove_urls(text: str, low: str | None = None, present: Container[str] | None = None) -> str:
    """Remove URLs, e-mail addresses, @handles and bare domains (example.com), cheaply.

    ``low``: ``text.lower()``, or that of the text ``text`` was made from by dropping whole lines
    (only used to decide whether to look for URLs at all: no URL start spans a newline).
    ``present``: which of `_URL_STARTS` and `_DOMAIN_STARTS` that lower-cased text holds, when
    the caller found them (with its line markers, in one walk), in place of ``low``."""
    if present is None:
        if low is None:
            low = text.lower()
        urls, domains = "http" in low or "www." in low or "pic.twitter" in low, True
    else:
        urls, domains = any(s in present for s in _URL_STARTS), any(s in present for s in _DOMAIN_STARTS)
    if urls:
        text = _URL_RE.sub(" ", text)
    if "@" in text:
        text = _remove_at_addresses(text)
    if not domains:
        return text
    spans = []
    for m in _DOMAIN_TAIL_RE.finditer(text):
        start = m.start()
        while start > 0 and (text[start - 1] in _DOMAIN_CHARS or text[start - 1].isalnum()):
            start -= 1
        if start < m.start() and (spans == [] or start >= spans[-1][1]):
            spans.append((start, m.end()))
    if spans:
        parts, last = [], 0
        for start, end in spans:
            parts.append(text[last:start])
            parts.append(" ")
            last = end
        parts.append(text[last:])
        text = "".join(parts)
    return text


def _remove_at_addresses(text: str) -> str:
    r"""``_AT_RE.sub(" ", text)``, without the regex trying a match at every character.

    The class ``[\w.+-]`` excludes ``@``, so a match of ``_AT_RE`` starting at p runs over
    class characters up to an ``@`` followed by its tail; the leftmost one therefore starts where
    the run of class characters before that ``@`` starts, or where the previous match ended if
    that is later. Each ``@`` with a tail gives one match (a tail holds no ``@``)."""
    parts: list[str] = []
    last = 0
    for m in _AT_TAIL_RE.finditer(text):
        start = m.start()
        while start > last and (text[start - 1].isalnum() or text[start - 1] in "_.+-"):
            start -= 1
        parts.append(text[last:start])
        parts.append(" ")
        last = m.end()
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


def _trie_pattern(words: Iterable[str], *, after_first: str = "") -> str:
    """A regex alternation of literal words, factored as a character trie (longest match first;
    much faster than a flat alternation of a few hundred phrases).

    The branches of every node start with distinct characters and a longer continuation is tried
    before stopping, so at any position the words that start there are tried from the longest to
    the shortest, also when backtracking from a failed assertion that follows: exactly what a
    flat alternation sorted longest first does. ``after_first`` is a regex fragment put after
    each word's first character, with ``{}`` standing for that character (escaped)."""
    trie: dict[str, Any] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any], top: bool = False) -> str:
        alts = [
            re.escape(ch) + (after_first.replace("{}", re.escape(ch)) if top else "") + build(sub)
            for ch, sub in sorted(node.items())
            if ch != ""
        ]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie, top=True)


def _phrase_pattern(phrases: Iterable[str]) -> str:
    r"""Literal phrases as whole words, longest first: the same matches as
    ``(?<![\w@])(?:<the phrases, longest first>)(?!\w)``, found faster. The "not after a word
    character or @" test is a lookbehind put after each phrase's first character X
    (``X(?<![\w@]X)`` holds exactly where ``(?<![\w@])X`` does), so the pattern starts with a
    set of literal characters and the regex engine skips straight to candidate positions."""
    return _trie_pattern(phrases, after_first=r"(?<![\w@]{})") + r"(?!\w)"


_PREPROCESS_KEYS = ("remove_phrases", "drop_lines_containing", "drop_lines_max_chars", "drop_any_line_containing", "remove_urls")


@dataclass(frozen=True)
class TextPreprocess:
    """Data-only text cleaning run before the vectorizers (no regex or code comes from files).

    remove_phrases: literal phrases removed where they stand as whole words (case-sensitive,
        longest first), e.g. outlet names.
    drop_lines_containing: literal markers (case-insensitive); a line of at most
        ``drop_lines_max_chars`` characters (once cleaned) containing one is dropped (captions,
        newsletter prompts, copyright lines).
    drop_any_line_containing: literal markers (case-insensitive); a line of any length containing
        one is dropped (photo-gallery and video-playlist widgets).
    remove_urls: remove URLs, e-mail addresses, @handles and bare domains (example.com).
    """

    remove_phrases: tuple[str, ...] = ()
    drop_lines_containing: tuple[str, ...] = ()
    drop_lines_max_chars: int = 200
    drop_any_line_containing: tuple[str, ...] = ()
    remove_urls: bool = False
    _phrase_re: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)
    _markers: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)
    _always: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)
    _looked_for: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)
    _phrases_by_head: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for attr in ("remove_phrases", "drop_lines_containing", "drop_any_line_containing"):
            values = getattr(self, attr)
            if isinstance(values, str) or not all(isinstance(v, str) and v.strip() and "\n" not in v for v in values):
                raise ValueError(f"{attr} must be a list of non-empty one-line strings")
            object.__setattr__(self, attr, tuple(values))
        if isinstance(self.drop_lines_max_chars, bool) or not isinstance(self.drop_lines_max_chars, int) \
                or self.drop_lines_max_chars < 0:
            raise ValueError("drop_lines_max_chars must be a non-negative integer")
        if not isinstance(self.remove_urls, bool):
            raise ValueError("remove_urls must be true or false")
        if self.remove_phrases:
            object.__setattr__(self, "_phrase_re", re.compile(_phrase_pattern(set(self.remove_phrases))))
            # the order framing/_accel/cleanup.c's remove_phrases tries them in
            object.__setattr__(self, "_phrases_by_head", tuple(sorted(set(self.remove_phrases), key=lambda p: (p[0], -len(p)))))
        object.__setattr__(self, "_markers", tuple(m.lower() for m in self.drop_lines_containing))
        object.__setattr__(self, "_always", tuple(m.lower() for m in self.drop_any_line_containing))
        # both lists, and what decides whether to look for URLs and domains, looked for in one walk
        # over the text (apply)
        urls = _URL_STARTS + _DOMAIN_STARTS if self.remove_urls else ()
        object.__setattr__(self, "_looked_for", tuple(dict.fromkeys(self._always + self._markers + urls)))

    @property
    def is_identity(self) -> bool:
        return not (self.remove_phrases or self.drop_lines_containing or self.drop_any_line_containing or self.remove_urls)

    def _clean(self, text: str, low: str | None = None, present: Container[str] | None = None) -> str:
        if self.remove_urls:
            text = _remove_urls(text, low, present)
        if self._phrase_re is not None:
            compiled = _CLEANUP
            text = compiled.remove_phrases(text, self._phrases_by_head) if compiled is not None else self._phrase_re.sub(" ", text)
        return text

    def _kept_lines(self, text: str, dropped: set[int], marked: set[int]) -> str:
        """``text`` without the lines to drop: ``dropped`` (holding a marker of any line's length)
        and those of ``marked`` (holding a marker of short lines) short once cleaned."""
        lines = text.split("\n")
        limit = self.drop_lines_max_chars
        for k in marked - dropped:
            if len(lines[k]) > limit and len(self._clean(lines[k])) > limit:
                continue
            dropped.add(k)
        if not dropped:
            return text
        for k in sorted(dropped, reverse=True):  # (a few lines: cheaper than filtering them all)
            del lines[k]
        return "\n".join(lines)

    def apply(self, text: str) -> str:
        """Drop marked lines, then remove URLs and phrases. Short lines are measured once
        cleaned, so applying the cleaning twice gives the same text."""
        if not self._looked_for:
            return self._clean(text)
        # The markers are looked for in the whole text lower-cased: str.lower maps characters
        # one by one (its one context rule, the final sigma, never looks across a newline), so
        # the lines of text.lower() are the lower-cased lines.
        found = _marker_lines(text, self._looked_for)
        if found:
            dropped = {k for m in self._always if m in found for k in found[m]}
            marked = {k for m in self._markers if m in found for k in found[m]}
            if dropped or marked:
                text = self._kept_lines(text, dropped, marked)
        return self._clean(text, None, found)

    def to_dict(self) -> dict[str, Any]:
        return {
            "remove_phrases": list(self.remove_phrases),
            "drop_lines_containing": list(self.drop_lines_containing),
            "drop_lines_max_chars": self.drop_lines_max_chars,
            "drop_any_line_containing": list(self.drop_any_line_containing),
            "remove_urls": self.remove_urls,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TextPreprocess":
        if not isinstance(data, Mapping):
            raise ValueError("preprocess must be an object")
        unknown = set(data) - set(_PREPROCESS_KEYS)
        if unknown:
            raise ValueError(f"unknown preprocess option(s): {', '.join(sorted(unknown))}")
        for key in ("remove_phrases", "drop_lines_containing", "drop_any_line_containing"):
            if key in data and not isinstance(data[key], list):
                raise ValueError(f"preprocess {key} must be a list of strings")
        return cls(
            remove_phrases=tuple(data.get("remove_phrases", ())),
            drop_lines_containing=tuple(data.get("drop_lines_containing", ())),
            drop_lines_max_chars=data.get("drop_lines_max_chars", 200),
            drop_any_line_containing=tuple(data.get("drop_any_line_containing", ())),
            remove_urls=data.get("remove_urls", False),
        )

