"""`fast_constructor`: the same objects as the dataclass's own constructor, or the class itself
where it could not be."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from framing.models import Match, Sentence, Token, fast_constructor


def test_the_same_objects_as_the_dataclass_builds():
    make = fast_constructor(Match)
    values = ("a1", "alliance", "axis", "axis of upheaval", 3, 10, 27, "axis of upheaval", 1.5, True, False, True, None, 0.0, "reject", True, (("x", 1.0),))
    made = make(*values)
    assert made == Match(*values) and type(made) is Match
    assert fast_constructor(Token)("russia", 0, 6) == Token("russia", 0, 6)
    sentence = fast_constructor(Sentence)(0, 0, 6, ("russia",), "Russia")
    assert sentence == Sentence(0, 0, 6, ("russia",), "Russia") and sentence.article_text == "Russia"
    with pytest.raises(TypeError):  # every field, or nothing is built
        make(*values[:-1])
    with pytest.raises(TypeError):
        make(*values, "one too many")
    with pytest.raises(AttributeError):  # still frozen
        made.weight = 2.0


def test_the_class_itself_where_its_own_init_is_needed():
    @dataclass(frozen=True, slots=True)
    class WithPostInit:
        x: int

        def __post_init__(self) -> None:
            pass

    @dataclass(frozen=True)
    class WithoutSlots:
        x: int

    for cls in (WithPostInit, WithoutSlots):
        assert fast_constructor(cls) is cls
