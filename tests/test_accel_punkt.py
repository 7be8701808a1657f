"""The compiled sentence splitter (framing/_accel/punkt.c) against its reference,
`framing.text._PunktSpans` (itself checked against NLTK in tests/test_batch_fastpaths.py), in one
process: hostile lines, Punkt's hard cases, real ABP lines, and whole documents."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framing import text
from framing.models import Article

from accel_helpers import PIECES, abp_articles, hostile_text, pure_text

pytestmark = pytest.mark.skipif(text._PUNKT is None, reason="the compiled accelerator is not active")

# Punkt's own hard cases: abbreviations (and their dashed forms), initials, numbers (and the
# "##number##." quirk), ellipses, spaced dots, closing quotes and brackets, double hyphens, and
# abbreviation candidates outside ASCII (handed back to Python).
PUNKT_PIECES = (
    "Mr.", "mr.", "MR.", "Gen.", "Lt.Gen.", "ex-Gen.", "U.S.", "e.g.", "i.e.", "p.m.", "No.", "no.", "vol.", "Jan.", "J.", "j.", "_.",
    "3.", "-3.", ".5.", ",5.", "1,000.", "1990.", "3-4.", "##number##.", "##NUMBER##.", "5.x.", "١.", "٣.", "Ö.", "Ök.", "Ⅻ.", "İ.", "ǅ.",
    "...", "..", ". . .", ". . . .", ". .", "--", "---", "-", "?", "!", "?!", "!?", ".", ",", ";", ":", ".)", '."', ".”", "?”", "!)", ".'",
    ".»", "»", "“", "(", ")", "[", "]", "{", "}", "'", '"', "`", "&", "#", "*", "@", "The", "the", "Moscow", "said", "été.", "\x1c", "\x1f",
    "\xa0", "\u2009", "\u3000", "\x0b", "\x0c", "\r", "\t",
)

line_text = st.lists(
    st.one_of(st.sampled_from(PUNKT_PIECES), st.sampled_from(PIECES), hostile_text.map(lambda s: s[:12])),
    max_size=40,
).map(lambda parts: " ".join(parts).replace("\n", " "))


def _splitters():
    punkt = text._sentence_tokenizer()
    return text._PunktSpans(punkt), text._CompiledPunktSpans(punkt)


REFERENCE, COMPILED = _splitters()


def assert_same_spans(line: str) -> None:
    assert COMPILED(line) == REFERENCE(line), line


def test_the_compiled_splitter_is_in_use():
    """NLTK's patterns are those punkt.c was written from (else text.py falls back silently)."""
    assert isinstance(text._sentence_splitter(), text._CompiledPunktSpans)
    assert text._punkt_patterns_digest(REFERENCE) == text._PUNKT_PATTERNS_DIGEST


def test_regex_whitespace_over_every_code_point():
    """punkt.c's \\s is that of `regex` (NLTK's engine) on every code point, not only the ones
    text.py checks at first use."""
    import regex

    every = "".join(map(chr, range(0x110000)))
    assert regex.findall(r"\s", every) == [c for c in every if c.isspace() and not "\x1c" <= c <= "\x1f"]


@pytest.mark.parametrize("piece", PUNKT_PIECES)
def test_every_hard_piece_in_context(piece):
    for line in (f"It ended {piece} Then it did not.", f"{piece} A b.", f"x{piece}y z. W", f"A {piece}", f"See {piece} and {piece} too. Yes",
                 f"He said {piece} the end. {piece}", f"{piece}{piece} B. c"):
        assert_same_spans(line)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line_text)
def test_hostile_lines(line):
    assert_same_spans(line)


def test_the_reference_checks_and_lines_only():
    for line in text._SPLITTER_CHECK:
        assert_same_spans(line)
    with pytest.raises(ValueError):
        COMPILED("two\nlines")
    with pytest.raises(TypeError):
        text._PUNKT.spans("x", ["not", "a", "set"], REFERENCE._is_break)


def test_an_exception_in_the_python_decision_propagates():
    def fail(context):
        raise RuntimeError(context)

    with pytest.raises(RuntimeError):
        text._PUNKT.spans("He met Ök. Smith. Then", REFERENCE.abbrev_types, fail)  # a non-ASCII candidate goes to Python


def test_at_least_ten_thousand_real_sentences():
    n = 0
    for article in abp_articles(400):
        for line in article.split("\n"):
            if line.strip():
                spans = COMPILED(line)
                assert spans == REFERENCE(line), line
                n += len(spans)
    assert n >= 10_000, n


def test_documents_split_the_same_on_both_paths(seeds_dir):
    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))]
    texts.append("Headline\n\nMr. Jones said “no.” Then (he left.) " + "x" * 5000 + ". Ök. End\r\nLast line")
    for s in texts:
        compiled = text.split_sentences(s), text.preprocess(Article("a", s))
        with pure_text():
            assert (text.split_sentences(s), text.preprocess(Article("a", s))) == compiled
