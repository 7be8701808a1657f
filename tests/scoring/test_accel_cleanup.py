"""The compiled clean-up of the lean model (framing/_accel/cleanup.c) against its references in
framing/scoring/text_cleanup.py (`_pure_marker_lines` of the lower-cased text, the phrase regex
`_phrase_re`), in one process: hostile texts, every code point (lower-cased as read unless
str.lower changes more than A-Z), markers (overlapping, repeated, one character, wider than the
text) and phrases (prefixes of one another, of one character, around @, _ and non-ASCII word
characters), the shipped lean model's clean-up on the seeds and on real ABP texts (the marked
lines, the phrases removed, the cleaned text), bad arguments, and no leak."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framing.scoring import text_cleanup
from framing.scoring.text_cleanup import TextPreprocess, _pure_marker_lines

from accel_helpers import PIECES, abp_articles, hostile_text, pure_python, traced_growth

CLEANUP = text_cleanup._CLEANUP
pytestmark = pytest.mark.skipif(CLEANUP is None, reason="the compiled accelerator is not active")

# markers of the kinds the walk treats apart: sharing a first character or a character pair,
# overlapping, one character (of each width), the same low byte as another (the filter's false
# positives), repeated, upper-case
MARKERS = ("ab", "abc", "a\u0162c", "bc", "b", "a", "©", "\u0100", "\u01a9", "\U0001F600", "\U0001F600x", "ca", "cab", "ab", "i\u0307", "ß", "σ", "\x00",
           "AB", "ı", "ſ", " a", "c ")
FOLD_AZ = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


# phrases that are prefixes of one another, of one character, next to @, _, digits and other
# scripts' word characters (what \w and the lookbehind decide)
PHRASES = ("Fox", "Fox News", "Fox News Channel", "FoxNews", "AP", "A", "ab", "b", "the Times", "Times", "Vox.com", ".com", "@home",
           "é-mail", "Σ news", "\u0100", "\U0001F600", "x_", "٣", "\x00", "İ")
PHRASE_PIECES = PHRASES + ("@", "_", "1", "٣", "é", "\u0301", " ", "\n", "News", "Channel", "x")


def _shipped_preprocess():
    from framing.scoring.lean import load_lean_model

    return load_lean_model().preprocess


def one_line(markers) -> tuple[str, ...]:
    """The markers `marker_lines` takes: non-empty, without a newline."""
    return tuple(m for m in markers if m and "\n" not in m)


def assert_same_markers(text: str, markers: tuple[str, ...]) -> None:
    """The compiled walk equals the reference on text.lower() wherever str.lower changes only A-Z
    (and declines exactly where it changes more)."""
    got = CLEANUP.marker_lines(text, markers)
    low = text.lower()
    if low != text.translate(FOLD_AZ):
        assert got is None, (text, markers)
    else:
        assert got == _pure_marker_lines(low, markers) and list(got) == [m for m in dict.fromkeys(markers) if m in got], (text, markers)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_text, st.lists(st.one_of(st.sampled_from(MARKERS + PIECES), hostile_text.map(lambda s: s[:6])), max_size=12), st.data())
def test_marker_lines_of_hostile_text(text, markers, data):
    # some markers cut from the text itself, so that many occur (at its very start and end too)
    for _ in range(data.draw(st.integers(0, 4))):
        if text:
            a = data.draw(st.integers(0, len(text) - 1))
            markers.append(text[a : a + data.draw(st.integers(1, 5))])
    for text_ in (text, text.lower(), text.upper()):
        assert_same_markers(text_, one_line(markers))
        assert_same_markers(text_, one_line(m.lower() for m in markers))


def test_marker_lines_edges():
    for text in ("", "a", "ab", "abc", "a\u0162c", "abb\u0162c", "bca", "©", "x©", "\u0100", "\u01a9", "\U0001F600", "\U0001F600x", "cab", "i\u0307", "\x00\x00",
                 "a" * 5000 + "bc", "\n", "\n\nab\n", "ab\nab ab\n\nAB", "AB\nCAB\nı ſ", "Σ", "İ", "K", "ẞ"):
        assert_same_markers(text, MARKERS)
        assert_same_markers(text, ())
        for line in text.split("\n"):
            assert_same_markers(text, one_line((line, line + "a", line.lower())))


def test_every_code_point_is_lower_cased_as_str_lower_or_declined():
    """Each code point beside upper-case ASCII letters and alone, with markers of it: the lines
    str.lower then the search find, or None where str.lower changes more than A-Z."""
    for start in range(0, 0x110000, 0x1000):
        for c in range(start, start + 0x1000):
            ch = chr(c)
            markers = one_line(("ab", f"b{ch}".lower(), ch.lower(), f"{ch}c".lower()))
            assert_same_markers(f"AB{ch}C\n{ch}BA ab {ch}", markers)


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
    markers = (clean._always, clean._markers, clean._looked_for)

    def check(texts: list[str]) -> int:
        found = 0
        for text in texts:
            for part in (text, text.lower(), *text.split("\n")[:5]):
                for group in markers:
                    assert_same_markers(part, group)
            found += bool(CLEANUP.marker_lines(text.lower(), clean._markers))
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
            CLEANUP.marker_lines(*args)
        with pytest.raises(TypeError):
            CLEANUP.remove_phrases(*args)
    for markers in (("",), ("a", ""), ("a\nb",), ("\n",), ("x", "b\n")):  # empty, or more than one line
        with pytest.raises(ValueError):
            CLEANUP.marker_lines("a\nb", markers)
    for phrases in (("",), ("b", "a"), ("a", "ab"), ("ab", ""), ("\u0100", "a")):  # empty, or not by first character, longest first
        with pytest.raises(ValueError):
            CLEANUP.remove_phrases("a ab b", phrases)


def _exercise(rounds: int) -> None:
    text = "Photo: a caption ©, click here" * 20
    for _ in range(rounds):
        CLEANUP.marker_lines(text, MARKERS)
        CLEANUP.marker_lines(text + "\nİ", MARKERS)
        CLEANUP.marker_lines(text.replace(",", "\n"), ("photo:", "caption", "x"))
        CLEANUP.remove_phrases(text, PREPROCESS._phrases_by_head)
        for bad in (("b", "a"), ("a", 1)):
            try:
                CLEANUP.remove_phrases(text, bad)
            except (TypeError, ValueError):
                pass
        for bad in (("a", 1), ("a", ""), ("a\n",)):
            try:
                CLEANUP.marker_lines(text, bad)
            except (TypeError, ValueError):
                pass


PREPROCESS = TextPreprocess(remove_phrases=PHRASES)


def test_repeated_calls_and_errors_do_not_leak():
    grown = traced_growth(_exercise, 500)
    assert grown < 2000, f"{grown} bytes more after 500 rounds"
