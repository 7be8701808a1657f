"""`fast_constructor`: the same objects as the dataclass's own constructor, or the class itself
where it could not be."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from framing.models import Match, Sentence, Token, fast_constructor


def test_the_same_objects_with_positional_keyword_and_default_arguments():
    make = fast_constructor(Match)
    args = ("a1", "alliance", "axis", "axis of upheaval", 3, 10, 27, "axis of upheaval", 1.5)
    assert make(*args) == Match(*args)
    assert make(*args, True, False, True, None, 0.0, "reject", True, (("x", 1.0),)) == Match(*args, True, False, True, None, 0.0, "reject", True, (("x", 1.0),))
    assert make(*args, quoted=True, role="advocate") == Match(*args, quoted=True, role="advocate")
    assert type(make(*args)) is Match
    assert fast_constructor(Token)("russia", 0, 6) == Token("russia", 0, 6)
    sentence = fast_constructor(Sentence)(0, 0, 6, ("russia",), "Russia")
    assert sentence == Sentence(0, 0, 6, ("russia",), "Russia") and sentence.article_text == "Russia"
    with pytest.raises(TypeError):
        make("too", "few")
    with pytest.raises(AttributeError):  # still frozen
        make(*args).weight = 2.0


def test_the_class_itself_where_the_fields_need_its_own_init():
    @dataclass(frozen=True, slots=True)
    class WithFactory:
        items: list = field(default_factory=list)

    @dataclass(frozen=True, slots=True)
    class WithPostInit:
        x: int

        def __post_init__(self) -> None:
            pass

    @dataclass(frozen=True)
    class WithoutSlots:
        x: int

    for cls in (WithFactory, WithPostInit, WithoutSlots):
        assert fast_constructor(cls) is cls
