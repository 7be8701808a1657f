"""Fuzz target for the compiled accelerator (atheris): every input is hostile text (any code
point, lone surrogates, NULs, huge tokens, the tokenizer's special pieces: tests/accel_helpers.py)
run through each compiled function and its pure-Python reference; a crash, an exception or a
difference stops the fuzzer with a non-zero exit.

    python tests/fuzz_accel.py -max_total_time=60      # tests/test_accel_fuzz.py runs this

The C code is not instrumented (it is built with gcc, not with libFuzzer), so coverage guidance
comes from the Python side; build with FRAMING_ACCEL_CFLAGS=-fsanitize=address and preload libasan
to check memory errors while fuzzing (docs/development.md).
"""
import re
import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports():
    from accel_helpers import text_from_bytes

from framing import accel, text  # noqa: E402
from framing.lexicon import matcher as matcher_module  # noqa: E402
from framing.lexicon.matcher import MatcherGroup, PhraseMatcher  # noqa: E402
from framing.models import Match  # noqa: E402
from framing.records import fast_constructor  # noqa: E402
from framing.scoring import ngram_counts, ngram_model, sentiment, text_cleanup  # noqa: E402

import numpy as np  # noqa: E402

TOKENS, MATCHER, NGRAMS = text._TOKENS, matcher_module._MATCHER, ngram_counts._NGRAMS
if None in (TOKENS, MATCHER, NGRAMS, text._PUNKT, sentiment._VADER, accel.compiled("records"), text_cleanup._CLEANUP):
    sys.exit("the compiled accelerator is not active: nothing to fuzz")
NORMALIZE = text._NORMS.__getitem__
MAKE_MATCH = fast_constructor(Match)
REFERENCE_SPLITTER = text._PunktSpans(text._sentence_tokenizer())
COMPILED_SPLITTER = text._CompiledPunktSpans(text._sentence_tokenizer())
SHIPPED = []
LEAN_PREPROCESS = []
VADER_WORDS = ("no", "not", "but", "very", "kind", "of", "least", "never", "so", "without", "doubt", "good", "bad", "GREAT", "the shit",
               "\U0001F600", "!", "??", "isn't", "at", "or", "nor")
LETTER_RUNS = re.compile(ngram_model.LETTER_RUNS).findall
FOLD_AZ = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")  # what marker_lines lower-cases as it reads


def _shipped_preprocess():
    if not LEAN_PREPROCESS:
        from framing.scoring.lean import load_lean_model

        LEAN_PREPROCESS.append(load_lean_model().preprocess)
    return LEAN_PREPROCESS[0]


def _shipped_matchers():
    if not SHIPPED:
        from framing.pipeline import build_scorer

        for compiled in build_scorer(classifiers=False).compiled:
            SHIPPED.extend([compiled.terms, compiled.advocate, compiled.reject])
            SHIPPED.extend(c.matcher for c in (compiled.negation, compiled.hedging, compiled.quotation) if c.matcher is not None)
    return SHIPPED


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    start, end = fdp.ConsumeIntInRange(-3, 600), fdp.ConsumeIntInRange(-3, 600)
    s = text_from_bytes(fdp.ConsumeBytes(fdp.remaining_bytes()))
    for a, b in ((0, len(s)), (start, end)):
        assert TOKENS.spans(s, a, b) == text._pure_spans(s, a, b), (s, a, b)
        assert TOKENS.norms(s, a, b, NORMALIZE) == text._pure_norms(s, a, b), (s, a, b)
        spans = text._pure_spans(s, a, b)
        ranges = [(k, min(len(spans), k + 1 + k % 3)) for k in range(len(spans))]
        assert TOKENS.range_spans(s, a, b, ranges) == [(spans[i][0], spans[j - 1][1]) for i, j in ranges], (s, a, b)
    for line in s.split("\n"):
        assert COMPILED_SPLITTER(line) == REFERENCE_SPLITTER(line), line
    vader = sentiment._vader()
    for sentence in (s, s.upper(), " ".join(VADER_WORDS[b % len(VADER_WORDS)] for b in data[:40])):
        assert repr(sentiment._VADER.compound(vader.state, sentence)) == repr(vader.compound(sentence)), sentence
    norms = list(text._pure_norms(s, 0, len(s)))
    # a trie made of the input's own tokens (exact and as wildcard prefixes), then the shipped ones
    patterns = [((("prefix" if k % 3 == 0 else "exact", tok[: 1 + k % 4] if k % 3 == 0 else tok),), k) for k, tok in enumerate(norms[:8])]
    patterns += [(tuple(("exact", t) for t in norms[k : k + 3]), -k) for k in range(0, min(len(norms), 12), 3)]
    matchers = [PhraseMatcher(patterns), *_shipped_matchers()]
    for m in matchers:
        assert m.find(norms) == m._pure_find(norms), norms
    # all of them in one group pass, over a document-like list (sentences joined by the sentinel)
    group, document = MatcherGroup(matchers), [*norms, "\x00", *norms[::-1]]
    parts = [norms, (), norms[::-1], norms[start % 5 :]]
    assert MATCHER.joined(parts, "\x00") == matcher_module._pure_joined(parts, "\x00"), parts
    assert group.find(document) == [m._pure_find(document) for m in group.matchers], document
    # those matches grouped by sentence (framing/_accel/matcher.c's by_sentence), with the real
    # sentence starts and with starts made of the input (unsorted, negative, past the end)
    for starts in ([0, len(norms) + 1], [start, end, start % 7, -end]):
        for hits in group.find(document):
            try:
                expected = matcher_module._pure_by_sentence(hits, starts)
            except ValueError:
                expected = ValueError
            try:
                got = MATCHER.by_sentence(hits, starts)
            except ValueError:
                got = ValueError
            assert got == expected, (hits, starts)
    _ngrams(norms, start, end)
    # a match made of the input, compiled (framing/_accel/records.c) and by the dataclass
    values = (s[:9], s[9:20], s[:3], s, start, end, end - start, s[start:end], float(len(s)), bool(start % 2), bool(end % 2), False, s[-3:] or None, 0.5, "", True, ())
    assert MAKE_MATCH(*values) == Match(*values), values
    # the lean model's marked lines (framing/_accel/cleanup.c), on markers cut from the input
    markers = tuple(m for m in (*(s[k : k + 1 + k % 5] for k in range(0, min(len(s), 60), 3)), s[-4:] + "x", "caption", "©") if "\n" not in m)
    markers += tuple(m.lower() for m in markers)
    for haystack in (s, s.lower(), s[::-1]):
        got = text_cleanup._CLEANUP.marker_lines(haystack, markers)
        if haystack.lower() == haystack.translate(FOLD_AZ):
            assert got == text_cleanup._pure_marker_lines(haystack.lower(), markers), (haystack, markers)
        else:
            assert got is None, (haystack, markers)
    # the phrase removal, with phrases cut from the input and with the shipped ones
    for pre in (text_cleanup.TextPreprocess(remove_phrases=[m for m in markers if m.strip()] or ["x"]), _shipped_preprocess()):
        assert text_cleanup._CLEANUP.remove_phrases(s, pre._phrases_by_head) == pre._phrase_re.sub(" ", s), (s, pre.remove_phrases)
    # the lean model's tokens numbered in C (cleanup.c's TokenTypes), with every other type known
    type_of = {t: k for k, t in enumerate(dict.fromkeys(LETTER_RUNS(s.lower())[::2]))}
    token_types = text_cleanup._CLEANUP.TokenTypes()
    token_types.add(list(type_of), 0)
    for lowercase in (True, False):
        numbers, lengths, unseen = token_types.letter_runs([s, s.upper()], lowercase)
        tokens = [LETTER_RUNS(t.lower() if lowercase else t) for t in (s, s.upper())]
        assert np.frombuffer(numbers, dtype=np.int64).tolist() == [type_of.get(t, -1) for toks in tokens for t in toks], (s, lowercase)
        assert lengths == list(map(len, tokens)) and unseen == [t for toks in tokens for t in toks if t not in type_of], (s, lowercase)


def _ngrams(norms: list, a: int, b: int) -> None:
    """The compiled n-gram counting against its references, on vocabularies made of the input's
    own tokens (every other n-gram of them, so that there are hits and misses)."""
    from framing.scoring.features import char_ngrams, word_ngrams

    norms = [t.replace(" ", "_") for t in norms]  # n-gram terms are tokens joined by spaces
    lo, hi = 1 + abs(a) % 3, 1 + abs(a) % 3 + abs(b) % 3
    vocab = {g: j for j, g in enumerate(dict.fromkeys(word_ngrams(norms, (1, 4))[::2]))}
    table = ngram_counts.WordNgramTable.build(vocab, (lo, hi))
    ids = np.fromiter((table.token_ids.get(t, table.unknown) for t in norms), dtype=np.int64, count=len(norms))
    segments = (np.arange(len(norms)) // (1 + abs(b) % 7)).astype(np.int32)
    got = ngram_counts.word_ngram_columns(ids, segments, table)
    expected = ngram_counts._pure_word_ngram_columns(ids, segments, table)
    assert sorted(zip(*(x.tolist() for x in got))) == sorted(zip(*(x.tolist() for x in expected))), norms
    chars = {g: j for j, g in enumerate(dict.fromkeys(char_ngrams(norms, (lo, hi))[1::2]))}
    words = np.fromiter((len(t) > 1 or t.isalnum() for t in norms), dtype=bool, count=len(norms))
    table_c = ngram_counts._CharNgramIds(chars, (lo, hi))
    lengths = np.empty(len(norms), dtype=np.int64)
    found = np.frombuffer(NGRAMS.char_ngram_ids(norms, words, chars, lo, hi, lengths), dtype=np.int32)
    pure_lengths, pure_found = table_c._pure_ngram_ids(norms, words)
    assert lengths.tolist() == pure_lengths.tolist() and found.tolist() == pure_found, norms
    raw = "".join(norms)
    assert NGRAMS.letter_runs(raw) == LETTER_RUNS(raw), raw
    numbers = {t: k for k, t in enumerate(norms[::2])}
    out = np.empty(len(norms), dtype=np.int64)
    NGRAMS.lookup(norms, numbers, out)
    assert out.tolist() == [numbers.get(t, -1) for t in norms], norms
    # group_counts (the compiled unit_runs, or key_runs after the sort) against numpy's sort and
    # runs, on the n-grams found above: sentences in order and reversed, as they are and mapped
    # to units (runs of sentences, and a mapping that goes back)
    size = max(len(vocab), 1)
    found_segments, found_columns = got
    n_segments = int(segments[-1]) + 1 if segments.size else 1
    mappings = (None, (np.arange(n_segments) // (1 + abs(a) % 4)).astype(np.int32), (np.arange(n_segments)[::-1] // 2).astype(np.int64))
    for units in (found_segments, found_segments[::-1].copy()):
        for unit_of in mappings:
            grouped = ngram_counts.group_counts(units, found_columns, size=size, unit_of=unit_of)
            compiled, ngram_counts._NGRAMS = ngram_counts._NGRAMS, None
            try:
                reference = ngram_counts.group_counts(units, found_columns, size=size, unit_of=unit_of)
            finally:
                ngram_counts._NGRAMS = compiled
            assert all(x.dtype == y.dtype and x.tolist() == y.tolist() for x, y in zip(vars(grouped).values(), vars(reference).values())), norms
    # unit_runs itself on int64 arrays (its general loop), and on units that go back
    wide = [np.empty(found_columns.size, dtype=np.int64) for _ in range(3)]
    m = NGRAMS.unit_runs(found_segments.astype(np.int64), found_columns, size, None, *wide)
    keys, counts = np.unique(found_segments.astype(np.int64) * size + found_columns, return_counts=True)
    assert m == keys.size and [w[:m].tolist() for w in wide] == [(keys // size).tolist(), (keys % size).tolist(), counts.tolist()], norms
    if np.any(found_segments[1:] > found_segments[:-1]):
        assert NGRAMS.unit_runs(found_segments[::-1].copy(), found_columns, size, None, *wide) == -1, norms


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
