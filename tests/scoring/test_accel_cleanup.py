"""The compiled clean-up of the lean model (framing/_accel/cleanup.c) against its references in
framing/scoring/text_cleanup.py (`_pure_markers_in`, the phrase regex `_phrase_re`), in one
process: hostile texts, markers (overlapping, repeated, one character, wider than the text,
empty) and phrases (prefixes of one another, of one character, around @, _ and non-ASCII word
characters), the shipped lean model's clean-up on the seeds and on real ABP texts (the markers
found, the phrases removed, the cleaned text), bad arguments, and no leak."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framing.scoring import text_cleanup
from framing.scoring.text_cleanup import TextPreprocess, _pure_markers_in

from accel_helpers import PIECES, abp_articles, hostile_text, pure_python, traced_growth

CLEANUP = text_cleanup._CLEANUP
pytestmark = pytest.mark.skipif(CLEANUP is None, reason="the compiled accelerator is not active")

# markers of the kinds the walk treats apart: sharing a first character or a character pair,
# overlapping, one character (of each width), the same low byte as another (the filter's false
# positives), repeated, and the empty string
MARKERS = ("ab", "abc", "a\u0162c", "bc", "b", "a", "©", "\u0100", "\u01a9", "\U0001F600", "\U0001F600x", "ca", "cab", "ab", "", "i\u0307", "ß", "σ", "\x00")


# phrases that are prefixes of one another, of one character, next to @, _, digits and other
# scripts' word characters (what \w and the lookbehind decide)
PHRASES = ("Fox", "Fox News", "Fox News Channel", "FoxNews", "AP", "A", "ab", "b", "the Times", "Times", "Vox.com", ".com", "@home",
           "é-mail", "Σ news", "\u0100", "\U0001F600", "x_", "٣", "\x00", "İ")
PHRASE_PIECES = PHRASES + ("@", "_", "1", "٣", "é", "\u0301", " ", "\n", "News", "Channel", "x")


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
    for text in ("", "a", "ab", "abc", "a\u0162c", "abb\u0162c", "bca", "©", "x©", "\u0100", "\u01a9", "\U0001F600", "\U0001F600x", "cab", "i\u0307", "\x00\x00", "a" * 5000 + "bc"):
        assert_same_markers(text, MARKERS)
        assert_same_markers(text, ())
        assert_same_markers(text, (text,))
        assert_same_markers(text, (text + "a",))


def assert_same_phrases(text: str, pre: TextPreprocess) -> None:
    assert CLEANUP.remove_phrases(text, pre._phrases_by_head) == pre._phrase_re.sub(" ", text), text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(PHRASE_PIECES), hostile_text.map(lambda s: s[:8])), max_size=30).map("".join))
def test_remove_phrases_on_hostile_text(text):
    for pre in (TextPreprocess(remove_phrases=PHRASES), _shipped_preprocess()):
        assert_same_phrases(text, pre)


def test_remove_phrases_edges():
    pre = TextPreprocess(remove_phrases=PHRASES)
    for text in ("", "A", "AP", "APx", "xAP", "@AP", "_AP", "1AP", "AP_", "AP1", "Fox News Channels", "Fox News Chan", "FoxNewsFox",
                 "A A A", "AAA", "ab b", "bab", "Vox.com.", "a.com", "@home@home", "\U0001F600\U0001F600", "٣٣ ٣", "é-mails", "İİ"):
        assert_same_phrases(text, pre)
        assert_same_phrases(text * 3, pre)


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
            assert_same_phrases(text, clean)
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
        with pytest.raises(TypeError):
            CLEANUP.remove_phrases(*args)
    for phrases in (("",), ("b", "a"), ("a", "ab"), ("ab", ""), ("\u0100", "a")):  # empty, or not by first character, longest first
        with pytest.raises(ValueError):
            CLEANUP.remove_phrases("a ab b", phrases)


def _exercise(rounds: int) -> None:
    text = "Photo: a caption ©, click here" * 20
    for _ in range(rounds):
        CLEANUP.markers_in(text, MARKERS)
        CLEANUP.markers_in(text, ("photo:", "caption", "x"))
        CLEANUP.remove_phrases(text, PREPROCESS._phrases_by_head)
        for bad in (("b", "a"), ("a", 1)):
            try:
                CLEANUP.remove_phrases(text, bad)
            except (TypeError, ValueError):
                pass
        try:
            CLEANUP.markers_in(text, ("a", 1))
        except TypeError:
            pass


PREPROCESS = TextPreprocess(remove_phrases=PHRASES)


def test_repeated_calls_and_errors_do_not_leak():
    grown = traced_growth(_exercise, 500)
    assert grown < 2000, f"{grown} bytes more after 500 rounds"
