"""The lean model's tokens numbered in C (framing/_accel/cleanup.c, `TokenTypes`) against the
reference path (`TokenPattern.all_tokens`: str.lower, then the token regex; the types' numbers
from a dict), in one process: hostile texts, every code point (the lower-casing as the text is
read must be str.lower's), real ABP texts cleaned as the lean model cleans them, a counter that
switches between both paths and starts afresh, the shipped lean model's probabilities on both
paths, bad arguments, and no leak."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framing.scoring import ngram_counts, ngram_model
from framing.scoring.ngram_counts import NgramCounter

from accel_helpers import PIECES, abp_articles, hostile_text, pure_python, traced_growth

CLEANUP = ngram_model._CLEANUP
pytestmark = pytest.mark.skipif(CLEANUP is None, reason="the compiled accelerator is not active")

LETTER_RUNS = re.compile(ngram_model.LETTER_RUNS).findall


def reference(type_of: dict[str, int], texts: list[str], lowercase: bool) -> tuple[list[int], list[int], list[str]]:
    tokens = [LETTER_RUNS(t.lower() if lowercase else t) for t in texts]
    numbers = [type_of.get(tok, -1) for toks in tokens for tok in toks]
    unseen = [tok for toks in tokens for tok in toks if tok not in type_of]
    return numbers, [len(toks) for toks in tokens], unseen


def table_of(tokens: list[str]) -> tuple[dict[str, int], object]:
    type_of = {t: k for k, t in enumerate(dict.fromkeys(tokens))}
    table = CLEANUP.TokenTypes()
    table.add(list(type_of), 0)
    return type_of, table


def assert_same(type_of: dict[str, int], table, texts: list[str]) -> None:
    for lowercase in (True, False):
        numbers, lengths, unseen = table.letter_runs(texts, lowercase)
        got = (np.frombuffer(numbers, dtype=np.int64).tolist(), lengths, unseen)
        assert got == reference(type_of, texts, lowercase), (texts, lowercase)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hostile_text, max_size=5), st.data())
def test_hostile_texts(texts, data):
    # a table of some of the texts' own tokens, as they are and lower-cased, so that both known
    # and unseen types occur
    tokens = [tok for t in texts for tok in LETTER_RUNS(t) + LETTER_RUNS(t.lower())]
    known = [tok for k, tok in enumerate(tokens) if k % 2 == data.draw(st.integers(0, 1))]
    assert_same(*table_of(known + ["x", "ab", "\U0001F600"]), texts)


@pytest.mark.parametrize("piece", PIECES)
def test_every_special_piece(piece):
    type_of, table = table_of(["ab", "cd", "yz", piece.lower(), *LETTER_RUNS(piece.lower())])
    assert_same(type_of, table, [piece, f"ab {piece} cd", f"AB{piece}CD", piece * 3, f"x{piece}", f"{piece}YZ", f"1{piece}2", f"_{piece}_", ""])


def test_every_code_point_lower_cases_as_str_lower():
    """Each code point next to upper-case ASCII letters (lower-cased as read unless str.lower
    changes the code point) and alone: the same tokens as str.lower then the regex."""
    type_of, table = table_of(["ab", "abc", "ba"])
    for start in range(0, 0x110000, 0x10000):
        texts = [f"AB{chr(c)}C {chr(c)}BA ab {chr(c)}" for c in range(start, start + 0x10000)]
        assert_same(type_of, table, texts)


def test_real_texts_cleaned_as_the_lean_model_cleans_them():
    from framing.scoring.lean import load_lean_model

    clean = load_lean_model().preprocess
    texts = [clean.apply(t) for t in abp_articles(10_000)]
    assert len(texts) >= 10_000
    # the types of the first half known, so the second half has both
    type_of, table = table_of([tok for t in texts[:5000] for tok in LETTER_RUNS(t.lower())])
    for start in range(0, len(texts), 500):
        assert_same(type_of, table, texts[start : start + 500])


def _counts(counter: NgramCounter, texts: list[str], fused: bool) -> list[list[int]]:
    if fused:
        found = counter.letter_run_counts(texts, lowercase=True)
    else:
        found = counter.counts([LETTER_RUNS(t.lower()) for t in texts])
    return [x.tolist() for uc in found.values() for x in vars(uc).values()]


def test_a_counter_switching_paths_and_starting_afresh(monkeypatch):
    """The C table follows the counter's dict of types: types numbered on either path are known
    to the other, and a fresh dict (the cache limit reached) gets a fresh table."""
    from framing.scoring.lean import load_lean_model

    model = load_lean_model()
    texts = [t.replace("\n", " ") for t in abp_articles(400)]
    expected = [_counts(NgramCounter([model]), texts[k : k + 40], False) for k in range(0, len(texts), 40)]
    counter = NgramCounter([model])
    monkeypatch.setattr(NgramCounter, "_CACHE_LIMIT", 5_000)
    resets = 0
    for n, k in enumerate(range(0, len(texts), 40)):
        before = counter._type_of
        assert _counts(counter, texts[k : k + 40], fused=n % 3 != 1) == expected[n]
        resets += counter._type_of is not before
        if counter._letter_types is not None:  # reset with the dict: it always mirrors the current one
            assert len(counter._letter_types) == len(counter._type_of)
    assert resets >= 2  # the test reached resets


def test_the_shipped_lean_model_gives_the_same_probabilities(seeds_dir: Path):
    from framing.scoring.lean import load_lean_model

    model = load_lean_model()
    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))]
    try:
        texts += abp_articles(1000)
    except pytest.skip.Exception:
        pass
    got = model.predict_proba_texts(texts)
    with pure_python(ngram_model, "_CLEANUP"):
        model.__dict__.pop("_counter", None)
        expected = model.predict_proba_texts(texts)
    model.__dict__.pop("_counter", None)
    assert got.tobytes() == expected.tobytes()


class Text(str):
    def lower(self):  # a subclass could lower-case otherwise: refused
        return "other"


def test_bad_arguments_raise():
    table = CLEANUP.TokenTypes()
    for call, error in (
        (lambda: CLEANUP.TokenTypes(1), TypeError),
        (lambda: CLEANUP.TokenTypes(x=1), TypeError),
        (lambda: table.add(("a",), 0), TypeError),
        (lambda: table.add(["a", 1], 0), TypeError),
        (lambda: table.add(["a"], "0"), TypeError),
        (lambda: table.add(["a"], 1), ValueError),
        (lambda: table.add(["a"], -1), ValueError),
        (lambda: table.add(["a"], 2**70), OverflowError),
        (lambda: table.add(["a"]), TypeError),
        (lambda: table.letter_runs("ab cd", True), TypeError),
        (lambda: table.letter_runs([b"ab"], True), TypeError),
        (lambda: table.letter_runs(["ab", None], True), TypeError),
        (lambda: table.letter_runs([Text("AB")], True), TypeError),
        (lambda: table.letter_runs(["ab"], 1), TypeError),
        (lambda: table.letter_runs(["ab"]), TypeError),
    ):
        with pytest.raises(error):
            call()
    assert len(table) == 0  # nothing was added by a refused call
    table.add(["ab", "ab", "cd"], 0)  # a repeated token keeps its first number
    assert len(table) == 3
    numbers, lengths, unseen = table.letter_runs(["AB cd ef"], True)
    assert np.frombuffer(numbers, dtype=np.int64).tolist() == [0, 2, -1] and lengths == [3] and unseen == ["ef"]


def _exercise(rounds: int) -> None:
    texts = ["The Senate's vote: \u00c9cole, \u0130stanbul and naïve ab12 " * 20, "x" * 300, ""]
    for _ in range(rounds):
        table = CLEANUP.TokenTypes()
        table.add(["the", "senate", "vote"], 0)
        numbers, lengths, unseen = table.letter_runs(texts, True)
        table.add(list(dict.fromkeys(unseen)), len(table))
        table.letter_runs(texts, False)
        for bad in ((["a", 1], 3), (["a"], 0)):
            try:
                table.add(*bad)
            except (TypeError, ValueError):
                pass
        try:
            table.letter_runs(["a", b"b"], True)
        except TypeError:
            pass


def test_repeated_calls_and_errors_do_not_leak():
    grown = traced_growth(_exercise, 1000)
    assert grown < 2000, f"{grown} bytes more after 1,000 rounds"
