"""A bounded memo: the per-token caches of the hot loops (news vocabulary repeats heavily)."""
from __future__ import annotations

from typing import Any, Callable

__all__ = ["BoundedMemo"]


class BoundedMemo(dict):
    """key -> derive(key), computed on first sight (a C-level dict look-up after that); cleared
    when it grows past `limit` keys, so memory stays bounded on any input."""

    __slots__ = ("derive", "limit")

    def __init__(self, derive: Callable[[Any], Any], limit: int) -> None:
        super().__init__()
        self.derive = derive
        self.limit = limit

    def __missing__(self, key: Any) -> Any:
        value = self.derive(key)
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value
