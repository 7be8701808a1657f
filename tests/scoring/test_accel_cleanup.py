"""The compiled clean-up of the lean model (framing/_accel/cleanup.c) against its reference in
framing/scoring/text_cleanup.py (`_pure_markers_in`), in one process: hostile texts and markers
(overlapping, repeated, one character, wider than the text, empty), the shipped lean model's
clean-up on the seeds and on real ABP texts (the markers found, and the cleaned text), bad
arguments, and no leak."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framing.scoring import text_cleanup
from framing.scoring.text_cleanup import _pure_markers_in

from accel_helpers import PIECES, abp_articles, hostile_text, pure_python, traced_growth

CLEANUP = text_cleanup._CLEANUP
pytestmark = pytest.mark.skipif(CLEANUP is None, reason="the compiled accelerator is not active")

# markers of the kinds the walk treats apart: sharing a first character or a character pair,
# overlapping, one character (of each width), the same low byte as another (the filter's false
# positives), repeated, and the empty string
MARKERS = ("ab", "abc", "bc", "b", "a", "©", "\u0100", "\u01a9", "\U0001F600", "\U0001F600x", "ca", "cab", "ab", "", "i\u0307", "ß", "σ", "\x00")


def _shipped_preprocess():
    from framing.scoring.lean import load_lean_model

    return load_lean_model().preprocess


def assert_same_markers(text: str, markers: tuple[str, ...]) -> None:
    assert CLEANUP.markers_in(text, markers) == _pure_markers_in(text, markers), (text, markers)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_text, st.lists(st.one_of(st.sampled_from(MARKERS + PIECES), hostile_text.map(lambda s: s[:6])), max_size=12), st.data())
def test_markers_in_hostile_text(text, markers, data):
    # some markers cut from the text itself, so that many occur (at its very start and end too)
    for _ in range(data.draw(st.integers(0, 4))):
        if text:
            a = data.draw(st.integers(0, len(text) - 1))
            markers.append(text[a : a + data.draw(st.integers(1, 5))])
    assert_same_markers(text, tuple(markers))
    assert_same_markers(text.lower(), tuple(m.lower() for m in markers))


def test_markers_in_edges():
    for text in ("", "a", "ab", "abc", "bca", "©", "x©", "\u0100", "\u01a9", "\U0001F600", "\U0001F600x", "cab", "i\u0307", "\x00\x00", "a" * 5000 + "bc"):
        assert_same_markers(text, MARKERS)
        assert_same_markers(text, ())
        assert_same_markers(text, (text,))
        assert_same_markers(text, (text + "a",))


def test_the_shipped_markers_on_the_seeds_and_real_texts(seeds_dir: Path):
    """The markers found in each lower-cased text and line, and each whole cleaned text, the same
    on both paths (the seeds, then 10,000 ABP texts when ../shared is present)."""
    clean = _shipped_preprocess()
    markers = (clean._always, clean._markers)

    def check(texts: list[str]) -> int:
        found = 0
        for text in texts:
            low = text.lower()
            for part in (low, *low.split("\n")[:5]):
                for group in markers:
                    assert_same_markers(part, group)
            found += bool(CLEANUP.markers_in(low, clean._markers))
        with pure_python(text_cleanup, "_CLEANUP"):
            expected = [clean.apply(t) for t in texts]
        assert [clean.apply(t) for t in texts] == expected
        return found

    check([p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))])
    assert check(abp_articles(10_000)) > 1000  # the shipped markers do occur: the test compares something


def test_bad_arguments_raise():
    for args in ((), ("a",), ("a", ["a"]), (b"a", ("a",)), ("a", ("a", 1)), ("a", ("a",), 1), (None, ())):
        with pytest.raises(TypeError):
            CLEANUP.markers_in(*args)


def _exercise(rounds: int) -> None:
    text = "Photo: a caption ©, click here" * 20
    for _ in range(rounds):
        CLEANUP.markers_in(text, MARKERS)
        CLEANUP.markers_in(text, ("photo:", "caption", "x"))
        try:
            CLEANUP.markers_in(text, ("a", 1))
        except TypeError:
            pass


def test_repeated_calls_and_errors_do_not_leak():
    grown = traced_growth(_exercise, 500)
    assert grown < 2000, f"{grown} bytes more after 500 rounds"
