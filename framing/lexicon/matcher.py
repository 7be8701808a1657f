"""A compiled phrase matcher: a token trie built once, then one walk per token position.

Exact words are dict look-ups; a trailing-* wildcard is looked up by cutting the token to each
prefix length the lexicon uses (a handful), never by scanning entries or running regular
expressions, so time is linear in the text and no entry list can cause backtracking. The first
step from the root is memoised per distinct token, because news vocabulary repeats heavily.
"""
from __future__ import annotations

from typing import Generic, Iterable, Sequence, TypeVar

__all__ = ["PhraseMatcher"]

T = TypeVar("T")
_MEMO_LIMIT = 200_000


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


class PhraseMatcher(Generic[T]):
    """Find non-overlapping occurrences of token patterns, longest first.

    `patterns` pairs a pattern (a sequence of ("exact", token) / ("prefix", start)) with a
    payload returned for each match. When two patterns of the same length match at the same
    position, an all-exact pattern beats one with wildcards, then the first added wins.
    """

    def __init__(self, patterns: Iterable[tuple[Sequence[tuple[str, str]], T]]) -> None:
        self._root = _Node()
        self._memo: dict[str, tuple[_Node, ...]] = {}
        self.size = 0
        for pattern, payload in patterns:
            self._add(pattern, payload)
        self._freeze(self._root)

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

    def _first(self, token: str) -> tuple[_Node, ...]:
        hit = self._memo.get(token)
        if hit is None:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            hit = tuple(self._root.step(token))
            self._memo[token] = hit
        return hit

    def longest_at(self, tokens: Sequence[str], i: int) -> tuple[int, T] | None:
        """The longest match starting at token i, as (end, payload), or None."""
        best: tuple[int, bool, T] | None = None
        frontier = [(n, i + 1) for n in self._first(tokens[i])]
        while frontier:
            node, end = frontier.pop()
            if node.payload is not None:
                if best is None or end > best[0] or (end == best[0] and node.payload_is_exact and not best[1]):
                    best = (end, node.payload_is_exact, node.payload)
            if end < len(tokens) and (node.exact or node.prefix):
                frontier.extend((child, end + 1) for child in node.step(tokens[end]))
        return None if best is None else (best[0], best[2])

    def find(self, tokens: Sequence[str]) -> list[tuple[int, int, T]]:
        """All non-overlapping matches as (start, end, payload), scanning left to right."""
        out: list[tuple[int, int, T]] = []
        i, n = 0, len(tokens)
        first = self._first
        while i < n:
            if first(tokens[i]):
                hit = self.longest_at(tokens, i)
                if hit is not None:
                    out.append((i, hit[0], hit[1]))
                    i = hit[0]
                    continue
            i += 1
        return out
