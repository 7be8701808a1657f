"""A compiled phrase matcher: a token trie built once, then one walk per token position.

Exact words are dict look-ups; a trailing-* wildcard is looked up by cutting the token to each
prefix length the lexicon uses (a handful), never by scanning entries or running regular
expressions, so time is linear in the text and no entry list can cause backtracking. The first
step from the root is a table look-up for a whole sentence at once, so only positions where a
pattern can start are visited in Python: a fixed table when no pattern starts with a wildcard,
otherwise a memo of the tokens seen (bounded: it is cleared when it grows past `_MEMO_LIMIT`).
With the compiled accelerator, `find` walks the same trie in C (framing/_accel/matcher.c; its
reference is `_pure_find`, tests/lexicon/test_accel_matcher.py). A `MatcherGroup` runs several
matchers over one token list (a document's, for every lexicon and cue list) in one pass.
"""
from __future__ import annotations

from bisect import bisect_right
from itertools import compress
from typing import Any, Generic, Iterable, Sequence, TypeVar

from .. import accel

__all__ = ["PhraseMatcher", "MatcherGroup"]

T = TypeVar("T")
_MEMO_LIMIT = 50_000  # distinct tokens (a few MB): covers the bulk of a news vocabulary

# The compiled walk (framing/_accel/matcher.c: `find` over the same trie and memo), or None on the
# pure-Python path; read at each call, so a test can set it to None and compare both paths.
_MATCHER = accel.compiled("matcher")


class _Node:
    __slots__ = ("exact", "prefix", "prefix_lengths", "payload", "payload_is_exact")

    def __init__(self) -> None:
        self.exact: dict[str, _Node] = {}
        self.prefix: dict[str, _Node] = {}
        self.prefix_lengths: tuple[int, ...] = ()
        self.payload = None
        self.payload_is_exact = True

    def step(self, token: str) -> list["_Node"]:
        out = []
        child = self.exact.get(token)
        if child is not None:
            out.append(child)
        if self.prefix_lengths:
            n = len(token)
            for length in self.prefix_lengths:
                if length > n:
                    break
                child = self.prefix.get(token[:length])
                if child is not None:
                    out.append(child)
        return out


class _FirstSteps(dict):
    """token -> the root's children it leads to, computed on first sight; cleared when it grows
    past a bound."""

    def __init__(self, root: _Node) -> None:
        super().__init__()
        self.root = root

    def __missing__(self, token: str) -> tuple[_Node, ...]:
        if len(self) >= _MEMO_LIMIT:
            self.clear()
        hit = self[token] = tuple(self.root.step(token))
        return hit

    def __reduce__(self):  # pickled (for Dask workers) empty: it is only a cache
        return (_FirstSteps, (self.root,))


class PhraseMatcher(Generic[T]):
    """Find non-overlapping occurrences of token patterns, longest first.

    `patterns` pairs a pattern (a sequence of ("exact", token) / ("prefix", start)) with a
    payload returned for each match. When two patterns of the same length match at the same
    position, an all-exact pattern beats one with wildcards, then the first added wins.
    """

    def __init__(self, patterns: Iterable[tuple[Sequence[tuple[str, str]], T]]) -> None:
        self._root = _Node()
        self._memo = _FirstSteps(self._root)
        self.size = 0
        for pattern, payload in patterns:
            self._add(pattern, payload)
        self._freeze(self._root)
        # Without wildcards at the start, the first step is fixed: token -> (child,), nothing
        # to remember per token, so memory does not grow with the vocabulary.
        self._exact_start = not self._root.prefix
        if self._exact_start:
            self._memo = {token: (child,) for token, child in self._root.exact.items()}  # type: ignore[assignment]

    def _add(self, pattern: Sequence[tuple[str, str]], payload: T) -> None:
        node = self._root
        exact = True
        for kind, text in pattern:
            table = node.exact if kind == "exact" else node.prefix
            exact = exact and kind == "exact"
            node = table.setdefault(text, _Node())
        if node.payload is None:
            node.payload = payload
            node.payload_is_exact = exact
            self.size += 1

    def _freeze(self, root: _Node) -> None:
        stack = [root]
        while stack:
            node = stack.pop()
            node.prefix_lengths = tuple(sorted({len(p) for p in node.prefix}))
            stack.extend(node.exact.values())
            stack.extend(node.prefix.values())

    def never_matches(self, token: str) -> bool:
        """True when no pattern can use `token` at any position (no exact step and no wildcard
        prefix of it anywhere in the trie)."""
        stack = [self._root]
        while stack:
            node = stack.pop()
            if node.step(token):
                return False
            stack.extend(node.exact.values())
            stack.extend(node.prefix.values())
        return True

    def _first(self, token: str) -> tuple[_Node, ...]:
        return self._memo.get(token, ()) if self._exact_start else self._memo[token]

    def _firsts(self, tokens: Sequence[str]) -> list[tuple[_Node, ...] | None]:
        """The first step for every token (None or () where no pattern starts): a C-level
        look-up per token, the trie walked only for tokens not seen before."""
        if self._exact_start:
            return list(map(self._memo.get, tokens))
        return list(map(self._memo.__getitem__, tokens))

    def longest_at(self, tokens: Sequence[str], i: int) -> tuple[int, T] | None:
        """The longest match starting at token i, as (end, payload), or None."""
        return self._longest(self._first(tokens[i]), tokens, i)

    @staticmethod
    def _longest(starts: tuple[_Node, ...], tokens: Sequence[str], i: int) -> tuple[int, T] | None:
        best: tuple[int, bool, T] | None = None
        n = len(tokens)
        frontier = [(node, i + 1) for node in starts]
        while frontier:
            node, end = frontier.pop()
            if node.payload is not None:
                if best is None or end > best[0] or (end == best[0] and node.payload_is_exact and not best[1]):
                    best = (end, node.payload_is_exact, node.payload)
            if end < n and (node.exact or node.prefix):
                frontier.extend((child, end + 1) for child in node.step(tokens[end]))
        return None if best is None else (best[0], best[2])

    def find(self, tokens: Sequence[str]) -> list[tuple[int, int, T]]:
        """All non-overlapping matches as (start, end, payload), scanning left to right."""
        if _MATCHER is not None:
            if self._exact_start:
                return _MATCHER.find(self._memo, tokens)
            return _MATCHER.find(self._memo, tokens, self._root, _MEMO_LIMIT)  # misses as _FirstSteps computes them
        return self._pure_find(tokens)

    def _pure_find(self, tokens: Sequence[str]) -> list[tuple[int, int, T]]:
        """`find` in Python: the reference of the compiled walk."""
        out: list[tuple[int, int, T]] = []
        firsts = self._firsts(tokens)
        longest = self._longest
        n = len(tokens)
        resume = 0
        # Only positions where some pattern can start are visited (most tokens start none).
        for i in compress(range(n), firsts):
            if i < resume:
                continue
            starts = firsts[i]
            if len(starts) == 1:
                node = starts[0]
                if node.payload is None:
                    # Only longer phrases start here ("the", "in"): most of the time the next
                    # token already rules them all out.
                    if i + 1 == n:
                        continue
                    following = tokens[i + 1]
                    if following not in node.exact and (not node.prefix_lengths or not node.step(following)):
                        continue
                elif not node.exact and not node.prefix:
                    out.append((i, i + 1, node.payload))  # a one-token entry that nothing extends
                    resume = i + 1
                    continue
            hit = longest(starts, tokens, i)
            if hit is not None:
                out.append((i, hit[0], hit[1]))
                resume = hit[0]
        return out


class MatcherGroup:
    """Several matchers run over the same tokens: `find(tokens)` is `[m.find(tokens) for m in
    matchers]`. Compiled, it is one pass that looks each token up once, in the group's memo (token
    -> each matcher's first steps), instead of once in each matcher's: a document's tokens are
    looked up once for all the lexicons and cue lists instead of seven times."""

    def __init__(self, matchers: Iterable[PhraseMatcher]) -> None:
        self.matchers = tuple(dict.fromkeys(matchers))  # each once
        self.position = {id(m): k for k, m in enumerate(self.matchers)}  # where `find` puts its matches
        self._memo: dict = {}  # bounded at _MEMO_LIMIT tokens, as a matcher's
        # each matcher's (root, fixed first-step table or None when a pattern starts with a wildcard)
        self._specs = tuple((m._root, m._memo if m._exact_start else None) for m in self.matchers)

    def find(self, tokens: Sequence[str]) -> list[list[tuple[int, int, object]]]:
        if _MATCHER is None:
            return [m.find(tokens) for m in self.matchers]
        return _MATCHER.find_group(self._memo, tokens, self._specs, _MEMO_LIMIT)

    def __reduce__(self):  # pickled (for Dask workers) without the memo: it is only a cache
        return (MatcherGroup, (self.matchers,))


def by_sentence(hits: Sequence[tuple[int, int, Any]], starts: Sequence[int]) -> list[tuple[int, int, list[tuple[int, int, Any]]]]:
    """Matches found over a document's token list (`MatcherGroup.find` on the sentences' tokens
    end to end), grouped by sentence: for each run of matches in one sentence k (the last of
    `starts` at or before the match), (k, starts[k], the matches with positions from there).
    Compiled, without Python work per match (a document has dozens)."""
    if _MATCHER is not None:
        return _MATCHER.by_sentence(hits, starts)
    return _pure_by_sentence(hits, starts)


def _pure_by_sentence(hits: Sequence[tuple[int, int, Any]], starts: Sequence[int]) -> list[tuple[int, int, list[tuple[int, int, Any]]]]:
    """`by_sentence` in Python: the reference of the compiled one."""
    out: list[tuple[int, int, list[tuple[int, int, Any]]]] = []
    current, base, group = -1, 0, []
    for s, e, payload in hits:
        k = bisect_right(starts, s) - 1
        if k < 0:
            raise ValueError("by_sentence(): a match starts before the first sentence")
        if k != current:
            current, base, group = k, starts[k], []
            out.append((k, base, group))
        group.append((s - base, e - base, payload))
    return out


def joined(parts: Iterable[Sequence[T]], separator: T) -> tuple[list[T], list[int]]:
    """The items of every part end to end, `separator` after each part, and where each part
    starts: a document's token list for `MatcherGroup.find` (its sentences' norms with a
    sentinel between them, which no pattern matches). Compiled, without a Python call per part."""
    if _MATCHER is not None:
        return _MATCHER.joined(parts, separator)
    return _pure_joined(parts, separator)


def _pure_joined(parts: Iterable[Sequence[T]], separator: T) -> tuple[list[T], list[int]]:
    """`joined` in Python: the reference of the compiled one."""
    items: list[T] = []
    starts: list[int] = []
    for part in parts:
        starts.append(len(items))
        items.extend(part)
        items.append(separator)
    return items, starts
