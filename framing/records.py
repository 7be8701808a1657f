"""Frozen slots dataclasses built fast: the most numerous objects framing makes (tokens,
sentences, lexicon matches) without a Python call per field. Apart from models.py, which
imports nothing of the package."""
from __future__ import annotations

from dataclasses import fields
from types import MemberDescriptorType
from typing import Any, Callable

from . import accel

__all__ = ["fast_constructor"]


def fast_constructor(cls: type) -> Callable[..., Any]:
    """A function building `cls(*values)` (every field, positionally) for a frozen slots dataclass
    without its generated __init__ (one object.__setattr__ call per field): the same object, made
    about twice as fast in Python and several times compiled (framing/_accel/records.c: the same
    slots set by the same member descriptors, without a Python call per field), which matters for
    the most numerous objects framing makes (tokens, sentences, matches). The class itself when
    it has a __post_init__ or no slots."""
    descriptors = tuple(getattr(cls, f.name, None) for f in fields(cls))
    if hasattr(cls, "__post_init__") or not all(isinstance(d, MemberDescriptorType) for d in descriptors):
        return cls
    compiled = accel.compiled("records")
    if compiled is not None:
        build = compiled.make

        def make_compiled(*values: Any) -> Any:
            return build(cls, descriptors, values)

        return make_compiled
    new = cls.__new__
    setters = tuple(d.__set__ for d in descriptors)
    if len(setters) == 3:  # tokens: unrolled
        set_a, set_b, set_c = setters

        def make3(a: Any, b: Any, c: Any) -> Any:
            obj = new(cls)
            set_a(obj, a)
            set_b(obj, b)
            set_c(obj, c)
            return obj

        return make3

    def make(*values: Any) -> Any:
        """The reference of the compiled `make`."""
        if len(values) != len(setters):
            raise TypeError(f"{cls.__name__} takes {len(setters)} values, {len(values)} given")
        obj = new(cls)
        for setter, value in zip(setters, values):
            setter(obj, value)
        return obj

    return make
