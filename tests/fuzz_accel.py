"""Fuzz target for the compiled accelerator (atheris): every input is hostile text (any code
point, lone surrogates, NULs, huge tokens, the tokenizer's special pieces: tests/accel_helpers.py)
run through each compiled function and its pure-Python reference; a crash, an exception or a
difference stops the fuzzer with a non-zero exit.

    python tests/fuzz_accel.py -max_total_time=60      # tests/test_accel_fuzz.py runs this

The C code is not instrumented (it is built with gcc, not with libFuzzer), so coverage guidance
comes from the Python side; build with FRAMING_ACCEL_CFLAGS=-fsanitize=address and preload libasan
to check memory errors while fuzzing (docs/development.md).
"""
import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports():
    from accel_helpers import text_from_bytes

from framing import text  # noqa: E402
from framing.lexicon import matcher as matcher_module  # noqa: E402
from framing.lexicon.matcher import PhraseMatcher  # noqa: E402
from framing.scoring import sentiment  # noqa: E402

TOKENS, MATCHER = text._TOKENS, matcher_module._MATCHER
if None in (TOKENS, MATCHER, text._PUNKT, sentiment._VADER):
    sys.exit("the compiled accelerator is not active: nothing to fuzz")
NORMALIZE = text._NORMS.__getitem__
REFERENCE_SPLITTER = text._PunktSpans(text._sentence_tokenizer())
COMPILED_SPLITTER = text._CompiledPunktSpans(text._sentence_tokenizer())
SHIPPED = []
VADER_WORDS = ("no", "not", "but", "very", "kind", "of", "least", "never", "so", "without", "doubt", "good", "bad", "GREAT", "the shit",
               "\U0001F600", "!", "??", "isn't", "at", "or", "nor")


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
    for line in s.split("\n"):
        assert COMPILED_SPLITTER(line) == REFERENCE_SPLITTER(line), line
    vader = sentiment._vader()
    for sentence in (s, s.upper(), " ".join(VADER_WORDS[b % len(VADER_WORDS)] for b in data[:40])):
        assert repr(sentiment._VADER.compound(vader.state, sentence)) == repr(vader.compound(sentence)), sentence
    norms = list(text._pure_norms(s, 0, len(s)))
    # a trie made of the input's own tokens (exact and as wildcard prefixes), then the shipped ones
    patterns = [((("prefix" if k % 3 == 0 else "exact", tok[: 1 + k % 4] if k % 3 == 0 else tok),), k) for k, tok in enumerate(norms[:8])]
    patterns += [(tuple(("exact", t) for t in norms[k : k + 3]), -k) for k in range(0, min(len(norms), 12), 3)]
    for m in [PhraseMatcher(patterns), *_shipped_matchers()]:
        assert m.find(norms) == m._pure_find(norms), norms


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
