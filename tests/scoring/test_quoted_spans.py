"""`quoted_spans` finds the double quotation marks with str.find: the same spans as the regular
expression walk it replaced (kept here as the reference), on any text."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from framing.scoring.lexicon_scores import _SINGLE_QUOTED_RE, _merge_spans, _single_quoted_spans, quoted_spans

from accel_helpers import abp_articles

_QUOTE_RE = re.compile(r"[\"“”«»\n]")


def reference(text: str) -> list[tuple[int, int]]:
    """The regular-expression walk: every quotation mark and line break in one pass."""
    spans: list[tuple[int, int]] = []
    open_at = None
    for m in _QUOTE_RE.finditer(text):
        ch = m.group()
        if ch == "\n":
            if open_at is not None:
                spans.append((open_at, m.start()))
                open_at = None
        elif ch in "“«":
            if open_at is None:
                open_at = m.end()
        elif ch in "”»":
            if open_at is not None:
                spans.append((open_at, m.start()))
                open_at = None
        elif open_at is None:
            open_at = m.end()
        else:
            spans.append((open_at, m.start()))
            open_at = None
    if open_at is not None:
        spans.append((open_at, len(text)))
    spans.extend((m.start(1), m.end(1)) for m in _SINGLE_QUOTED_RE.finditer(text) if not m.group(1)[:1].isspace())
    spans.sort()
    return _merge_spans(spans)


quotey = st.text(alphabet=st.sampled_from(list("ab \n\"“”«»'‘’.\u00e9\ud800\U0001F600")), max_size=80)


@settings(max_examples=600, deadline=None)
@given(st.one_of(quotey, st.text(max_size=60)))
def test_the_same_spans_as_the_regular_expression_walk(text):
    assert quoted_spans(text) == reference(text)


def test_news_text():
    cases = ['He said "no\nmore" and “left', '«a» "b" “c” \'d\' ‘e’', '"open to the end', "\n\"\n\"\n", '“', "”x“y\n"]
    for text in cases:
        assert quoted_spans(text) == reference(text), text


def test_real_articles():
    for text in abp_articles(300):
        assert quoted_spans(text) == reference(text)


single_quotey = st.text(alphabet=st.sampled_from(list("ab 1_\n'‘’\"é")), max_size=120)


@settings(max_examples=600, deadline=None)
@given(single_quotey)
def test_single_quotes_tried_where_they_are_find_what_the_regex_scan_finds(text):
    expected = [(m.start(1), m.end(1)) for m in _SINGLE_QUOTED_RE.finditer(text) if not m.group(1)[:1].isspace()]
    assert _single_quoted_spans(text) == expected
