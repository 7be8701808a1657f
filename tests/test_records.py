"""`fast_constructor`: the same objects as the dataclass's own constructor, compiled
(framing/_accel/records.c) and in Python, or the class itself where it could not be."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import pytest

from framing import accel
from framing.models import Match, Sentence, Token
from framing.records import fast_constructor

VALUES = ("a1", "alliance", "axis", "axis of upheaval", 3, 10, 27, "axis of upheaval", 1.5, True, False, True, None, 0.0, "reject", True, (("x", 1.0),))
records = accel.compiled("records")


@pytest.fixture(params=["compiled", "pure"])
def constructor(request, monkeypatch):
    if request.param == "pure":
        monkeypatch.setattr(accel, "compiled", lambda name: None)
    elif records is None:
        pytest.skip("the compiled accelerator is not active")
    return fast_constructor


def test_the_same_objects_as_the_dataclass_builds(constructor):
    make = constructor(Match)
    made = make(*VALUES)
    assert made == Match(*VALUES) and type(made) is Match
    assert constructor(Token)("russia", 0, 6) == Token("russia", 0, 6)
    sentence = constructor(Sentence)(0, 0, 6, ("russia",), "Russia")
    assert sentence == Sentence(0, 0, 6, ("russia",), "Russia") and sentence.article_text == "Russia"
    with pytest.raises(TypeError):  # every field, or nothing is built
        make(*VALUES[:-1])
    with pytest.raises(TypeError):
        make(*VALUES, "one too many")
    with pytest.raises(AttributeError):  # still frozen
        made.weight = 2.0


def test_the_class_itself_where_its_own_init_is_needed(constructor):
    @dataclass(frozen=True, slots=True)
    class WithPostInit:
        x: int

        def __post_init__(self) -> None:
            pass

    @dataclass(frozen=True)
    class WithoutSlots:
        x: int

    for cls in (WithPostInit, WithoutSlots):
        assert constructor(cls) is cls


@pytest.mark.skipif(records is None, reason="the compiled accelerator is not active")
def test_the_compiled_make_refuses_what_could_write_outside_an_object():
    descriptors = tuple(getattr(Match, name) for name in Match.__slots__)
    token_slots = (Token.norm, Token.start, Token.end)

    class Slotted(dict):  # a C base with a __new__ of its own: left uninitialised by tp_alloc
        __slots__ = ("x",)

    class Abstract(ABC):
        __slots__ = ("x",)

        @abstractmethod
        def f(self) -> None: ...

    bad = [
        (Match, token_slots, ("a", 1, 2)),  # another class's slots
        (Token, descriptors[:3], ("a", 1, 2)),
        (Match, descriptors, VALUES[:3]),  # a value per descriptor
        (int, (), ()),
        ("Match", descriptors, VALUES),
        (Match, list(descriptors), VALUES),
        (Match, (Match.as_dict,) + descriptors[1:], VALUES),
        (Slotted, (Slotted.x,), (1,)),
        (Abstract, (Abstract.x,), (1,)),
    ]
    for cls, slots, values in bad:
        with pytest.raises(TypeError):
            records.make(cls, slots, values)
    assert records.make(Match, descriptors, VALUES) == Match(*VALUES)
