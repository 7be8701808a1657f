"""The compiled n-gram counting (framing/_accel/ngrams.c) against its references in
framing/scoring/ngram_counts.py (`_pure_word_ngram_columns`, `_CharNgramIds._pure_ngram_ids`,
the numpy gather of `_CharNgramIds.ids`, the dict lookup of `_token_types`, numpy's sort and
runs in `group_counts`) and the lean
model's regular expression (`TokenPattern`), in one process: random vocabularies and
hostile tokens, the shipped classifiers and lean model on the seeds and on real ABP sentences
(counts and logits bit for bit), a whole `framing score` run on both paths, bad arguments, and
no leak."""
from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framing import text
from framing.models import Article
from framing.scoring import ngram_counts, ngram_model
from framing.scoring.features import char_ngrams, word_ngrams
from framing.scoring.ngram_counts import NgramCounter, WordNgramTable, _CharNgramIds, _pure_word_ngram_columns, word_ngram_columns

from accel_helpers import PIECES, abp_articles, hostile_text, pure_python, traced_growth

NGRAMS = ngram_counts._NGRAMS
pytestmark = pytest.mark.skipif(NGRAMS is None, reason="the compiled accelerator is not active")
ROOT = Path(__file__).resolve().parent.parent

WORDS = ("a", "b", "ab", "the", "n't", "'s", "\x00", "\ud800", "é", "e\u0301", "İ", "ß", "x" * 300, "\U0010FFFF")
word = st.one_of(st.sampled_from(WORDS), hostile_text.map(lambda s: s[:5].replace(" ", "_")))
RANGES = [(1, 1), (1, 2), (2, 2), (1, 3), (2, 4), (3, 3)]


def _sorted_pairs(segments: np.ndarray, columns: np.ndarray) -> list[tuple[int, int]]:
    return sorted(zip(segments.tolist(), columns.tolist()))


def assert_same_word_ngrams(table: WordNgramTable, tokens: list[str], segments: np.ndarray) -> None:
    ids = np.fromiter((table.token_ids.get(t, table.unknown) for t in tokens), dtype=np.int64, count=len(tokens))
    compiled = word_ngram_columns(ids, segments, table)
    pure = _pure_word_ngram_columns(ids, segments, table)
    # the segments keep their type (the numpy walk may widen them to int64: group_counts gives the
    # same counts either way); the columns are int64 on both paths
    assert compiled[0].dtype == segments.dtype and compiled[1].dtype == pure[1].dtype == np.int64
    assert _sorted_pairs(*compiled) == _sorted_pairs(*pure), tokens


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(word, min_size=1, max_size=4), max_size=30),
    st.lists(word, max_size=60),
    st.sampled_from(RANGES),
    st.lists(st.integers(0, 3), max_size=60),
    st.sampled_from([np.int32, np.int64]),
)
def test_word_ngrams_on_random_vocabularies_and_hostile_tokens(terms, tokens, ngram_range, steps, seg_type):
    vocab: dict[str, int] = {}
    for t in terms:
        vocab.setdefault(" ".join(t), len(vocab))
    for n in range(1, len(tokens)):  # some terms the tokens do hold
        vocab.setdefault(" ".join(tokens[n - 1 : n + 1]), len(vocab))
    table = WordNgramTable.build(vocab, ngram_range)
    segments = np.cumsum([0] + (steps + [0] * len(tokens))[: max(len(tokens) - 1, 0)]).astype(seg_type)[: len(tokens)]
    assert_same_word_ngrams(table, tokens, segments)
    assert_same_word_ngrams(table, tokens, np.zeros(len(tokens), dtype=seg_type))


def _char_tables(vocab: dict[str, int], norms: list[str], words: np.ndarray, ngram_range=(3, 5)) -> tuple[_CharNgramIds, _CharNgramIds]:
    """The same new token types added to a compiled and a pure `_CharNgramIds` (twice: the second
    batch starts where the first ended)."""
    tables = []
    for path in ("compiled", "pure"):
        t = _CharNgramIds(vocab, ngram_range)
        half = len(norms) // 2
        if path == "pure":
            with pure_python(ngram_counts, "_NGRAMS"):
                t.add_types(0, norms[:half], words[:half])
                t.add_types(half, norms[half:], words[half:])
        else:
            t.add_types(0, norms[:half], words[:half])
            t.add_types(half, norms[half:], words[half:])
        tables.append(t)
    return tables[0], tables[1]


def assert_same_char_ids(vocab: dict[str, int], norms: list[str], ngram_range=(3, 5)) -> None:
    words = np.fromiter((len(t) > 1 or t.isalnum() for t in norms), dtype=bool, count=len(norms))
    compiled, pure = _char_tables(vocab, norms, words, ngram_range)
    n = len(norms)
    assert compiled.filled == pure.filled
    assert np.array_equal(compiled.start[:n], pure.start[:n]) and np.array_equal(compiled.length[:n], pure.length[:n])
    assert np.array_equal(compiled.buffer[: compiled.filled], pure.buffer[: pure.filled])
    rng = np.random.default_rng(len(norms))
    types = rng.integers(0, max(n, 1), size=3 * n).astype(np.int64) if n else np.zeros(0, dtype=np.int64)
    sents = np.sort(rng.integers(0, 5, size=types.size)).astype(np.int32)
    got = compiled.ids(types, sents)
    with pure_python(ngram_counts, "_NGRAMS"):
        expected = pure.ids(types, sents)
    for a, b in zip(got, expected):
        assert a.dtype == b.dtype and np.array_equal(a, b)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(word, max_size=40), st.sampled_from([(3, 5), (1, 1), (2, 3), (1, 6)]))
def test_char_ngram_ids_of_hostile_tokens(norms, ngram_range):
    # a vocabulary holding about half of the tokens' own n-grams, so that there are hits
    own = char_ngrams(norms, ngram_range)
    vocab = {g: j for j, g in enumerate(dict.fromkeys(own[::2]))}
    vocab.update({"ab": 7, " a": 8, "a ": 9})
    assert_same_char_ids(vocab, norms, ngram_range)


def test_char_ngram_ids_of_every_special_piece_and_a_huge_token():
    norms = [p.strip() or p for p in PIECES] + ["x" * 5000, "\ud800" * 40, "\x00\x00"]
    own = char_ngrams(norms, (3, 5))
    assert_same_char_ids({g: j for j, g in enumerate(dict.fromkeys(own))}, norms)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(word, max_size=50), st.lists(word, max_size=20))
def test_token_type_lookup(norms, known):
    """`NgramCounter._token_types`' dict lookup."""
    numbers = {t: i for i, t in enumerate(dict.fromkeys(known))}
    out = np.empty(len(norms), dtype=np.int64)
    NGRAMS.lookup(norms, numbers, out)
    assert out.tolist() == [numbers.get(t, -1) for t in norms]


def assert_same_groups(units: np.ndarray, ids: np.ndarray, size: int, unit_of: np.ndarray | None = None) -> None:
    """`group_counts` on the compiled path (`unit_runs`, or `key_runs` after the sort) equals
    numpy's, dtypes included."""
    got = ngram_counts.group_counts(units, ids, size=size, unit_of=unit_of)
    with pure_python(ngram_counts, "_NGRAMS"):
        expected = ngram_counts.group_counts(units, ids, size=size, unit_of=unit_of)
    for a, b in ((got.units, expected.units), (got.ids, expected.ids), (got.counts, expected.counts)):
        assert a.dtype == b.dtype and a.tolist() == b.tolist()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(0, 2**14)), max_size=200),
    st.sampled_from([1, 2, 7, 2**14 + 1, 2**16, 2**26]),
    st.sampled_from([np.int32, np.int64]),
    st.booleans(),
)
def test_grouped_counts_of_random_occurrences(pairs, size, dtype, in_order):
    """Units in any order or unit after unit, repeated pairs, one-id vocabularies, and keys
    past int32 (the keys are then int64)."""
    pairs = sorted(pairs) if in_order else pairs
    units = np.array([u for u, _ in pairs], dtype=dtype)
    ids = np.array([i % size for _, i in pairs], dtype=dtype)
    assert_same_groups(units, ids, size)
    assert_same_groups(units * 2**10, ids, size)  # units far apart (more than 2**31 keys at the largest size)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 2**14)), max_size=300),
    st.lists(st.integers(0, 2), min_size=31, max_size=31),
    st.sampled_from([1, 3, 64, 65, 6177, 2**14 + 1, 2**24]),
    st.sampled_from([np.int32, np.int64]),
    st.sampled_from([np.int32, np.int64]),
    st.sampled_from(["sorted", "shuffled", "decreasing"]),
)
def test_grouped_counts_of_sentences_mapped_to_units(pairs, steps, size, seg_type, map_type, mapping_kind):
    """Sentences mapped to units (`unit_of`, as passages): in order, merged (several sentences to
    one unit), skipping units, a mapping that goes back (the sort then), every array type (the
    compiled pass's fast case and its general one)."""
    pairs = sorted(pairs)
    segments = np.array([u for u, _ in pairs], dtype=seg_type)
    ids = np.array([i % size for _, i in pairs], dtype=seg_type)
    unit_of = np.cumsum(steps).astype(map_type)
    if mapping_kind == "shuffled":
        unit_of = np.random.default_rng(len(pairs)).permutation(unit_of)
    elif mapping_kind == "decreasing":
        unit_of = unit_of[::-1].copy()
    assert_same_groups(segments, ids, size, unit_of)
    assert_same_groups(segments, ids, size, unit_of * 2**20)  # units past int32 keys (int64 outputs)


class _Calls:
    """The compiled module, counting the calls of each function."""

    def __init__(self, module) -> None:
        self.module, self.calls = module, []

    def __getattr__(self, name):
        def call(*args):
            self.calls.append(name)
            return getattr(self.module, name)(*args)

        return call


def test_units_in_order_are_grouped_without_a_sort(monkeypatch):
    """Units that never decrease (the classifiers' occurrences) take the one-pass `unit_runs`;
    units out of order, and vocabularies past its table, the sort and `key_runs`."""
    spy = _Calls(NGRAMS)
    monkeypatch.setattr(ngram_counts, "_NGRAMS", spy)
    units, ids = np.array([0, 0, 1, 3, 3], dtype=np.int32), np.array([4, 1, 4, 2, 2], dtype=np.int32)
    got = ngram_counts.group_counts(units, ids, size=5)
    assert spy.calls == ["unit_runs"]
    assert [got.units.tolist(), got.ids.tolist(), got.counts.tolist()] == [[0, 0, 1, 3], [1, 4, 4, 2], [1, 1, 1, 2]]
    ngram_counts.group_counts(units, ids, size=5, unit_of=np.array([0, 0, 1, 1], dtype=np.int32))
    assert spy.calls == ["unit_runs"] * 2
    ngram_counts.group_counts(units[::-1].copy(), ids, size=5)
    assert spy.calls == ["unit_runs"] * 3 + ["key_runs"]
    ngram_counts.group_counts(units, ids, size=2**24 + 1)
    assert spy.calls[-1] == "key_runs" and spy.calls.count("unit_runs") == 3


def _unit_runs(segments, ids, size, unit_of=None, types=(np.int32, np.int32, np.int64)) -> tuple[int, list[list[int]]]:
    out = [np.full(len(segments), -7, dtype=t) for t in types]
    m = NGRAMS.unit_runs(segments, ids, size, unit_of, *out)
    return m, [o[: max(m, 0)].tolist() for o in out]


def test_unit_runs_reads_every_id_back_in_order():
    # ids at both ends of a word and of the vocabulary (size not a multiple of 64: the batched
    # read-back touches the count after the last id), a unit holding every id of a word, repeats
    size = 130
    full_word = list(range(64, 128))[::-1]
    ids = [129, 0, 63, 64, 0, 129] + full_word + [5, 5, 5] + [127, 1]
    segments = [0] * 6 + [2] * 64 + [3] * 3 + [7, 7]
    expected_ids = [0, 63, 64, 129] + list(range(64, 128)) + [5] + [1, 127]
    expected = [[0] * 4 + [2] * 64 + [3] + [7, 7], expected_ids, [2, 1, 1, 2] + [1] * 64 + [3] + [1, 1]]
    for seg_type in (np.int32, np.int64):
        for out_types in ((np.int32, np.int32, np.int64), (np.int64, np.int64, np.int64), (np.int32, np.int64, np.int32)):
            assert _unit_runs(np.array(segments, dtype=seg_type), np.array(ids, dtype=seg_type), size, types=out_types) == (len(expected_ids), expected)
    # long enough for the batched read-back, then its last rows one at a time
    rng = np.random.default_rng(3)
    segments = np.sort(rng.integers(0, 40, size=5000)).astype(np.int32)
    ids = rng.integers(0, 200, size=5000).astype(np.int32)
    keys, counts = np.unique(segments.astype(np.int64) * 200 + ids, return_counts=True)
    assert _unit_runs(segments, ids, 200) == (keys.size, [(keys // 200).tolist(), (keys % 200).tolist(), counts.tolist()])
    assert _unit_runs(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32), 1) == (0, [[], [], []])


def test_unit_runs_maps_segments_to_units_and_refuses_units_that_go_back():
    segments = np.array([0, 0, 1, 2, 2, 4], dtype=np.int32)
    ids = np.array([3, 1, 3, 0, 3, 2], dtype=np.int32)
    unit_of = np.array([0, 0, 1, 1, 5], dtype=np.int32)
    assert _unit_runs(segments, ids, 4, unit_of) == (5, [[0, 0, 1, 1, 5], [1, 3, 0, 3, 2], [1, 2, 1, 1, 1]])
    assert _unit_runs(segments, ids, 4, unit_of.astype(np.int64)) == _unit_runs(segments, ids, 4, unit_of)
    assert _unit_runs(segments, ids, 4, np.array([0, 0, 1, 1, 0], dtype=np.int32))[0] == -1  # a unit goes back
    assert _unit_runs(segments[::-1].copy(), ids, 4)[0] == -1
    assert _unit_runs(np.array([2, 2, 1], dtype=np.int64), np.zeros(3, dtype=np.int64), 1)[0] == -1  # the general loop too


def test_key_runs_reads_every_run():
    keys = np.array([0, 0, 5, 6, 6, 6, 13, 2**31 - 1], dtype=np.int32)
    out = [np.empty(keys.size, dtype=t) for t in (np.int32, np.int32, np.int64)]
    m = NGRAMS.key_runs(keys, 7, *out)
    assert m == 5 and [o[:m].tolist() for o in out] == [[0, 0, 0, 1, (2**31 - 1) // 7], [0, 5, 6, 6, (2**31 - 1) % 7], [2, 1, 3, 1, 1]]
    wide = [np.empty(keys.size, dtype=np.int64) for _ in range(3)]
    assert NGRAMS.key_runs(keys.astype(np.int64), 7, *wide) == m and [o[:m].tolist() for o in wide] == [o[:m].tolist() for o in out]
    assert NGRAMS.key_runs(np.zeros(0, dtype=np.int32), 3, *out) == 0


LETTER_RUNS = re.compile(ngram_model.LETTER_RUNS)


def assert_same_letter_runs(s: str) -> None:
    assert NGRAMS.letter_runs(s) == LETTER_RUNS.findall(s), s


@pytest.mark.parametrize("piece", PIECES)
def test_letter_runs_of_every_special_piece(piece):
    for s in (piece, f"ab {piece} cd", f"ab{piece}cd", piece * 3, f"x{piece}", f"{piece}yz", f"1{piece}2", f"_{piece}_"):
        assert_same_letter_runs(s)
        assert_same_letter_runs(s.lower())


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_text)
def test_letter_runs_of_hostile_text(s):
    assert_same_letter_runs(s)
    assert_same_letter_runs(s.lower())


def test_letter_runs_of_digits_underscores_and_marks_of_every_script():
    # every character re calls a word character but not a letter of [^\W\d_], and the marks
    # that are neither, between letters
    odd = "".join(chr(c) for c in range(0x110000) if (chr(c).isalnum() and chr(c).isdecimal()) or (c % 97 == 0 and not chr(c).isalnum()))
    assert_same_letter_runs("ab".join(odd))
    assert_same_letter_runs(" ".join(f"a{c}b" for c in odd))


def test_the_lean_model_reads_letter_runs():
    from framing.scoring.lean import load_lean_model

    tokens = load_lean_model().tokens
    assert tokens.pattern == ngram_model.LETTER_RUNS  # else the compiled tokenizer is never used
    s = "The U.S. Senate's 2nd vote_count: Ünïcode naïve façade e\u0301te ab12 ΣΑΣ"
    with pure_counting():
        expected = tokens.all_tokens(s)
    assert tokens.all_tokens(s) == expected and "senate" in expected


# --- the shipped models -------------------------------------------------------------------


_MODELS: list = []


def _shipped():
    """(the frame classifiers' counter, the lean model), loaded once."""
    if not _MODELS:
        from framing.scoring.classifiers import FramingClassifiers, default_classifier_scorers
        from framing.scoring.lean import load_lean_model

        classifiers = next(e for e in default_classifier_scorers() if isinstance(e, FramingClassifiers))
        _MODELS.extend([classifiers.counter, load_lean_model()])
    return _MODELS[0], _MODELS[1]


def _frame_counts(counter: NgramCounter, sentence_norms: list[list[str]]) -> tuple:
    """Every number the frame classifiers' counter computes for these sentences (counts per
    sentence and per pair of sentences, each model's logits), from fresh token tables."""
    counter._reset_types()
    counts = counter.counts(sentence_norms)
    pairs = counter.counts(sentence_norms, unit_of_sentence=[i // 2 for i in range(len(sentence_norms))])
    n = len(sentence_norms)
    lex = {id(m): np.zeros((n, len(m.lexicon_features))) for m in counter._models}
    decided = counter.decisions(counter._models, counts, lex, n)
    flat = []
    for found in (counts, pairs):
        for key in sorted(found):
            uc = found[key]
            flat += [uc.units, uc.ids, uc.counts]
    return tuple(flat) + tuple(a for m in counter._models for a in decided[id(m)])


def _lean_logits(model, texts: list[str]) -> np.ndarray:
    model.counter._reset_types()
    return model.logits_texts(texts)


def assert_same_arrays(got: tuple, expected: tuple) -> None:
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@contextlib.contextmanager
def pure_counting():
    """Both modules' handles on the compiled n-gram loops set to None."""
    with pure_python(ngram_counts, "_NGRAMS"), pure_python(ngram_model, "_NGRAMS"):
        yield


def assert_both_paths_agree(sentence_norms: list[list[str]], texts: list[str]) -> None:
    counter, lean = _shipped()
    compiled = _frame_counts(counter, sentence_norms), _lean_logits(lean, texts)
    with pure_counting():
        pure = _frame_counts(counter, sentence_norms), _lean_logits(lean, texts)
    assert_same_arrays(compiled[0], pure[0])
    assert compiled[1].tobytes() == pure[1].tobytes()


def _sentences(texts: list[str]) -> list[list[str]]:
    return [list(s.norms) for t in texts for s in text.preprocess(Article("x", t)).sentences]


def test_seed_counts_and_logits_are_the_same_on_both_paths(seeds_dir):
    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))]
    sentences = _sentences(texts)
    assert len(sentences) > 100
    assert_both_paths_agree(sentences, texts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hostile_text, min_size=1, max_size=4))
def test_hostile_texts_count_and_score_the_same_on_both_paths(texts):
    texts = [f"Russia and China: a marriage of convenience. {t} The axis of upheaval? {t}" for t in texts] + [t for t in texts]
    sentences = _sentences(texts) + [[], ["\ud800", "x" * 3000, "\x00"], []]  # empty units too
    assert_both_paths_agree(sentences, texts)


def test_at_least_ten_thousand_real_sentences():
    texts = abp_articles(300)
    for t in texts:
        assert_same_letter_runs(t.lower())
    sentences = _sentences(texts)
    assert len(sentences) >= 10_000, len(sentences)
    counter, _ = _shipped()
    # in batches of articles, as the pipeline counts them
    for start in range(0, len(texts), 50):
        assert_both_paths_agree(_sentences(texts[start : start + 50]), texts[start : start + 50])


def test_a_whole_run_is_byte_identical_on_both_paths(seeds_dir, tmp_path):
    outputs = []
    for pure in (False, True):
        env = {k: v for k, v in os.environ.items() if k != "FRAMING_PURE_PYTHON"}
        if pure:
            env["FRAMING_PURE_PYTHON"] = "1"
        out = tmp_path / ("pure" if pure else "compiled")
        proc = subprocess.run([sys.executable, "-m", "framing", "score", str(seeds_dir), "--out", str(out), "--no-cache", "-j", "1", "-q"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
        outputs.append({name: (out / name).read_bytes() for name in ("scores.csv", "evidence.jsonl", "articles.jsonl")})
    assert outputs[0] == outputs[1]
    assert b"alliance.agreement" in outputs[0]["scores.csv"]  # the classifiers ran


# --- bad arguments and memory ---------------------------------------------------------------


def _table() -> WordNgramTable:
    return WordNgramTable.build({"a": 0, "a b": 1, "b c d": 2, "c": 3}, (1, 3))


def _word_args(table: WordNgramTable, ids: np.ndarray, segments: np.ndarray, room: int | None = None) -> list:
    room = ids.size * 3 if room is None else room
    return [ids, segments, table.unigram_column, table.at_position, table.levels, table.state_starts, table.n_ids, 1, 3,
            np.empty(room, dtype=segments.dtype), np.empty(room, dtype=np.int64)]


def _bad_calls() -> list:
    table = _table()
    ids = np.array([0, 1, 2, 3, 1], dtype=np.int64)
    seg = np.zeros(5, dtype=np.int64)
    words = np.ones(2, dtype=bool)
    lengths = np.empty(2, dtype=np.int64)
    calls = [
        (IndexError, NGRAMS.word_ngrams, _word_args(table, np.array([0, 99], dtype=np.int64), seg[:2])),
        (IndexError, NGRAMS.word_ngrams, _word_args(table, np.array([-1], dtype=np.int64), seg[:1])),
        (ValueError, NGRAMS.word_ngrams, _word_args(table, ids, seg[:3])),
        (ValueError, NGRAMS.word_ngrams, _word_args(table, ids, seg, room=1)),
        (TypeError, NGRAMS.word_ngrams, _word_args(table, ids.astype(np.float64), seg)),
        (ValueError, NGRAMS.word_ngrams, _word_args(table, ids[::2], seg[::2])),  # not contiguous (numpy refuses the buffer)
        (TypeError, NGRAMS.word_ngrams, _word_args(table, ids, seg)[:5]),
        (TypeError, NGRAMS.lookup, ["a", "b"], {"a": 1}, np.empty(2, dtype=np.float32)),
        (ValueError, NGRAMS.lookup, ["a", "b"], {"a": 1}, np.empty(1, dtype=np.int64)),
        (TypeError, NGRAMS.lookup, ("a",), {"a": 1}, np.empty(1, dtype=np.int64)),
        (TypeError, NGRAMS.lookup, ["a"], {"a": "one"}, np.empty(1, dtype=np.int64)),
        (TypeError, NGRAMS.lookup, [["unhashable"]], {"a": 1}, np.empty(1, dtype=np.int64)),
        (OverflowError, NGRAMS.lookup, ["a"], {"a": 2**40}, np.empty(1, dtype=np.int32)),
        (TypeError, NGRAMS.char_ngram_ids, ["ab", 3], words, {"ab": 1}, 1, 2, lengths),
        (ValueError, NGRAMS.char_ngram_ids, ["ab"], words, {"ab": 1}, 0, 2, lengths),
        (ValueError, NGRAMS.char_ngram_ids, ["ab", "c", "d"], words, {"ab": 1}, 1, 2, lengths),
        (OverflowError, NGRAMS.char_ngram_ids, ["ab"], words, {"ab": 2**40}, 1, 2, lengths),
        (TypeError, NGRAMS.char_ngram_ids, ["ab"], words, {"ab": None}, 1, 2, lengths),
        (IndexError, NGRAMS.char_gather, np.array([5], dtype=np.int64), np.zeros(1, dtype=np.int32), np.zeros(2, dtype=np.int64),
         np.ones(2, dtype=np.int64), np.zeros(4, dtype=np.int32), np.empty(4, dtype=np.int32), np.empty(4, dtype=np.int32)),
        (IndexError, NGRAMS.char_gather, np.array([1], dtype=np.int64), np.zeros(1, dtype=np.int32), np.array([0, 3], dtype=np.int64),
         np.array([1, 2], dtype=np.int64), np.zeros(4, dtype=np.int32), np.empty(4, dtype=np.int32), np.empty(4, dtype=np.int32)),
        (TypeError, NGRAMS.letter_runs, b"bytes"),
        (TypeError, NGRAMS.char_gather, np.array([0], dtype=np.int64), np.zeros(1, dtype=np.int32), np.zeros(1, dtype=np.int64),
         np.ones(1, dtype=np.int64), np.zeros(1, dtype=np.int64), np.empty(1, dtype=np.int32), np.empty(1, dtype=np.int32)),
        (ValueError, NGRAMS.char_gather, np.array([1, 1], dtype=np.int64), np.zeros(2, dtype=np.int32), np.array([0, 1], dtype=np.int64),
         np.array([1, 3], dtype=np.int64), np.zeros(4, dtype=np.int32), np.empty(4, dtype=np.int32), np.empty(4, dtype=np.int32)),
    ]
    runs_out = (np.empty(3, dtype=np.int32), np.empty(3, dtype=np.int32), np.empty(3, dtype=np.int64))
    calls += [
        (ValueError, NGRAMS.key_runs, np.array([3, 1, 2], dtype=np.int32), 2, *runs_out),  # not sorted
        (ValueError, NGRAMS.key_runs, np.array([3, 1, 2], dtype=np.int64), 2, *runs_out),
        (ValueError, NGRAMS.key_runs, np.array([-1, 1, 2], dtype=np.int32), 2, *runs_out),  # negative
        (ValueError, NGRAMS.key_runs, np.array([1, 2], dtype=np.int32), 0, *runs_out),  # no vocabulary
        (ValueError, NGRAMS.key_runs, np.array([1, 2, 3], dtype=np.int32), 1, *(a[:2] for a in runs_out)),  # outputs too small
        (OverflowError, NGRAMS.key_runs, np.array([2**40], dtype=np.int64), 1, *runs_out),  # a unit past int32
        (TypeError, NGRAMS.key_runs, np.array([1.0]), 1, *runs_out),
        (TypeError, NGRAMS.key_runs, np.array([1], dtype=np.int32), 1, *runs_out[:2]),
    ]
    seg, ids3 = np.array([0, 1, 1], dtype=np.int32), np.array([0, 1, 2], dtype=np.int32)
    calls += [
        (ValueError, NGRAMS.unit_runs, np.array([-1, 0, 0], dtype=np.int32), ids3, 3, None, *runs_out),  # a negative unit
        (ValueError, NGRAMS.unit_runs, seg, ids3, 3, np.array([0, -1], dtype=np.int32), *runs_out),  # mapped to one
        (ValueError, NGRAMS.unit_runs, seg, np.array([0, 1, 3], dtype=np.int32), 3, None, *runs_out),  # an id past size
        (ValueError, NGRAMS.unit_runs, seg, np.array([0, -1, 1], dtype=np.int32), 3, None, *runs_out),  # a negative id
        (ValueError, NGRAMS.unit_runs, seg.astype(np.int64), np.array([0, 1, 2**40], dtype=np.int64), 3, None, *runs_out),
        (ValueError, NGRAMS.unit_runs, seg, ids3, 0, None, *runs_out),  # no vocabulary
        (ValueError, NGRAMS.unit_runs, seg, ids3, 2**24 + 1, None, *runs_out),  # a vocabulary past the table
        (ValueError, NGRAMS.unit_runs, seg, ids3[:2], 3, None, *runs_out),  # lengths differ
        (ValueError, NGRAMS.unit_runs, seg, ids3, 3, None, *(a[:2] for a in runs_out)),  # outputs too small
        (IndexError, NGRAMS.unit_runs, seg, ids3, 3, np.array([0], dtype=np.int32), *runs_out),  # a segment past unit_of
        (IndexError, NGRAMS.unit_runs, np.array([-1, 0, 0], dtype=np.int32), ids3, 3, np.array([0], dtype=np.int32), *runs_out),
        (OverflowError, NGRAMS.unit_runs, seg.astype(np.int64) + 2**40, ids3.astype(np.int64), 3, None, *runs_out),  # a unit past int32
        (TypeError, NGRAMS.unit_runs, seg.astype(np.float64), ids3, 3, None, *runs_out),
        (TypeError, NGRAMS.unit_runs, seg, ids3, 3, [0, 1], *runs_out),  # unit_of neither an array nor None
        (TypeError, NGRAMS.unit_runs, seg, ids3, 3, *runs_out),  # unit_of left out
    ]
    return calls


N_BAD_CALLS = 46


@pytest.mark.parametrize("case", range(N_BAD_CALLS))
def test_bad_arguments_raise_instead_of_crashing(case):
    calls = _bad_calls()
    assert len(calls) == N_BAD_CALLS
    error, fn, *args = calls[case]
    if len(args) == 1 and isinstance(args[0], list):
        args = args[0]
    with pytest.raises(error):
        fn(*args)


def _exercise(rounds: int) -> None:
    table = _table()
    ids = np.array([0, 1, 2, 3, 1, 4, 0, 1], dtype=np.int64)
    seg = np.array([0, 0, 0, 0, 1, 1, 1, 1], dtype=np.int32)
    norms = [p for p in PIECES if p.strip()] * 2
    vocab = {g: j for j, g in enumerate(dict.fromkeys(char_ngrams(norms, (3, 5))))}
    words = np.ones(len(norms), dtype=bool)
    numbers = {t: i for i, t in enumerate(norms[::3])}
    calls = _bad_calls()
    word_args = _word_args(table, ids, seg)
    types = np.empty(len(norms), dtype=np.int64)
    lengths = np.empty(len(norms), dtype=np.int64)
    NGRAMS.char_ngram_ids(norms, words, vocab, 3, 5, lengths)
    start, total = np.cumsum(lengths) - lengths, int(lengths.sum())  # numpy's own caches stay out of the rounds
    gather_args = (np.arange(len(norms), dtype=np.int64), np.zeros(len(norms), dtype=np.int32), start, lengths, np.zeros(total, dtype=np.int32),
                   np.empty(total, dtype=np.int32), np.empty(total, dtype=np.int32))
    keys = np.sort(np.arange(64, dtype=np.int32) % 9)
    runs_args = (keys, 4, np.empty(64, dtype=np.int32), np.empty(64, dtype=np.int32), np.empty(64, dtype=np.int64))
    segments, unit_of = np.arange(200, dtype=np.int32) // 7, np.arange(29, dtype=np.int32) // 3
    unit_ids = (np.arange(200, dtype=np.int32) * 37) % 101
    unit_outs = (np.empty(200, dtype=np.int32), np.empty(200, dtype=np.int32), np.empty(200, dtype=np.int64))
    wide = [a.astype(np.int64) for a in (segments, unit_ids, unit_of)]
    for _ in range(rounds):
        NGRAMS.word_ngrams(*word_args)
        NGRAMS.lookup(norms, numbers, types)
        NGRAMS.char_ngram_ids(norms, words, vocab, 3, 5, lengths)
        NGRAMS.char_gather(*gather_args)
        NGRAMS.letter_runs(" ".join(norms))
        NGRAMS.key_runs(*runs_args)
        NGRAMS.unit_runs(segments, unit_ids, 101, None, *unit_outs)
        NGRAMS.unit_runs(segments, unit_ids, 101, unit_of, *unit_outs)
        NGRAMS.unit_runs(wide[0], wide[1], 101, wide[2], *unit_outs)
        NGRAMS.unit_runs(segments[::-1].copy(), unit_ids, 101, None, *unit_outs)  # -1
        for error, fn, *args in calls:
            if len(args) == 1 and isinstance(args[0], list):
                args = args[0]
            try:
                fn(*args)
            except error:
                pass


def test_repeated_calls_and_errors_do_not_leak():
    """As tests/test_accel_fuzz.py checks the tokenizer and the matcher: after a warm-up, 500 more
    rounds (error paths included) leave allocated memory where it was."""
    grown = traced_growth(_exercise, 500)
    assert grown < 2000, f"{grown} bytes more after 500 rounds"


def test_word_ngrams_still_equal_joined_strings():
    """The compiled walk against the n-gram strings themselves (not only against the numpy walk)."""
    norms = "the axis of upheaval is not an axis of the upheaval , it is a marriage of convenience".split()
    vocab = {g: j for j, g in enumerate(dict.fromkeys(word_ngrams(norms, (1, 3))[::3]))}
    table = WordNgramTable.build(vocab, (1, 3))
    ids = np.fromiter((table.token_ids.get(t, table.unknown) for t in norms if t != ","), dtype=np.int64)
    segs, cols = word_ngram_columns(ids, np.zeros(ids.size, dtype=np.int64), table)
    expected = sorted(vocab[g] for g in word_ngrams([t for t in norms if t != ","], (1, 3)) if g in vocab)
    assert sorted(cols.tolist()) == expected and len(expected) > 5
