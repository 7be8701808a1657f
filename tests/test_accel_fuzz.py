"""Memory safety of the compiled accelerator on untrusted text: a bounded fuzzing run (atheris,
slow) and a check that calling the compiled functions, errors included, does not leak."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from framing import accel, text
from framing.lexicon import matcher as matcher_module
from framing.lexicon.matcher import MatcherGroup, PhraseMatcher
from framing.models import Match
from framing.records import fast_constructor
from framing.scoring import sentiment

from accel_helpers import PIECES, traced_growth

HERE = Path(__file__).resolve().parent
compiled = pytest.mark.skipif(None in (text._TOKENS, text._PUNKT, matcher_module._MATCHER, sentiment._VADER), reason="the compiled accelerator is not active")


@compiled
@pytest.mark.slow
def test_fuzzing_finds_no_crash_and_no_difference(tmp_path):
    """Runs tests/fuzz_accel.py for FRAMING_FUZZ_SECONDS (default 60): compiled == pure on every
    input, and no crash."""
    pytest.importorskip("atheris", reason="pip install -e '.[fuzz]'")
    seconds = int(os.environ.get("FRAMING_FUZZ_SECONDS", "60"))
    proc = subprocess.run(
        [sys.executable, str(HERE / "fuzz_accel.py"), f"-max_total_time={seconds}", "-max_len=65536", "-rss_limit_mb=2048",
         f"-artifact_prefix={tmp_path}/"],
        capture_output=True, text=True, timeout=seconds + 300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "Done" in proc.stderr and not list(tmp_path.glob("crash-*"))


def _exercise(rounds: int) -> None:
    tokens, find = text._TOKENS, matcher_module._MATCHER.find
    s = " ".join(PIECES) * 3
    m = PhraseMatcher([((("prefix", "ab"), ("exact", "n't")), 1), ((("exact", "u.s."),), 2), ((("prefix", ""),), 3)])
    exact = PhraseMatcher([((("exact", "u.s."), ("exact", "navy")), 4)])
    norms = list(tokens.norms(s, 0, len(s), str.lower))
    group, tiny = MatcherGroup([m, exact]), MatcherGroup([exact, m])
    make_match, slots = fast_constructor(Match), tuple(getattr(Match, name) for name in Match.__slots__)
    match_values = ("a", "alliance", "axis", "axis", 1, 10, 14, s[:4], 1.0, False, True, False, "axis", 0.5, "", False, ())
    find_group, by_sentence, joined = matcher_module._MATCHER.find_group, matcher_module._MATCHER.by_sentence, matcher_module._MATCHER.joined
    splitter = text._CompiledPunktSpans(text._sentence_tokenizer())
    lines = s.replace("\n", " ").split("\r")

    def fail(context):
        raise ZeroDivisionError(context)

    records = accel.compiled("records")
    vader, state = sentiment._VADER.compound, sentiment._vader().state
    broken = ({"good": "x"}, *state[1:])  # a lexicon value that is not a number
    for _ in range(rounds):
        for line in lines:
            splitter(line)
            vader(state, line)
        vader(state, "Not a VERY good deal, but kind of great \U0001F600!!")
        tokens.spans(s, 0, len(s))
        make_match(*match_values)
        tokens.range_spans(s, 0, len(s), [(0, 1), (1, 4, "payload"), (-1, 0)])
        tokens.norms(s, 5, len(s) - 5, str.lower)
        find(m._memo, norms, m._root, 50_000)
        find(exact._memo, norms)
        group.find(norms)
        find_group(tiny._memo, norms, tiny._specs, 3)  # the memo cleared over and over
        by_sentence([(0, 2, "a"), (1, 3, None), (7, 8, "b")], [0, 5, 7])
        joined([norms, (), norms[:3]], "\x00")
        for bad in (lambda: tokens.norms(s, 0, len(s), lambda raw: 1 / 0), lambda: tokens.norms(s, 0, len(s), lambda raw: 1),
                    lambda: find(m._memo, [*norms, 3], m._root, 50_000), lambda: group.find([*norms, 3]),
                    lambda: find_group({"ab": (1,)}, ["ab"], group._specs, 10), lambda: find_group({}, ["ab"], ((1,),), 10),
                    lambda: by_sentence([(3, 4, "a"), (0, 1, "b")], [1]), lambda: by_sentence([(3, 4, "a"), ("x", 1, "b")], [1]),
                    lambda: joined([norms, 3], "\x00"),
                    lambda: tokens.spans(s, 0), lambda: tokens.range_spans(s, 0, len(s), [(0, 1), (0, 10**6)]),
                    lambda: tokens.range_spans(s, 0, len(s), [(0, 1), ("x", 1)]), lambda: splitter("a\nb"),
                    lambda: make_match(*match_values[:-1]), lambda: records.make(Match, slots[:3], ("a", 1, 2)),
                    lambda: text._PUNKT.spans("He met Ök. Smith. Then", splitter.abbrev_types, fail), lambda: vader(broken, "good")):
            try:
                bad()
            except (ZeroDivisionError, TypeError, ValueError, IndexError):
                pass


@compiled
def test_repeated_calls_and_errors_do_not_leak():
    """tracemalloc sees every allocation through Python's allocators (PyMem_*, objects): after a
    warm-up, 300 more rounds must leave allocated memory where it was. A leaked reference
    per call keeps an object (16 bytes or more) alive per round: 4,800 bytes or more in all."""
    grown = traced_growth(_exercise, 300)
    assert grown < 1500, f"{grown} bytes more after 300 rounds"
