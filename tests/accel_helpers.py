"""What the accelerator's tests share: hostile text (as a hypothesis strategy and as atheris
builds it from bytes), real ABP sentences when ../shared is present, and a pure-Python switch."""
from __future__ import annotations

import contextlib
import gc
import gzip
import tracemalloc
import json
from pathlib import Path
from typing import Callable, Iterator

import pytest
from hypothesis import strategies as st

ABP = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "abp" / "articles.jsonl.gz"

# Pieces the tokenizer, the sentence splitter and the matchers treat specially, and characters
# whose classes or case mappings are unusual: every alternative of _TOKEN_RE and its edges,
# apostrophes and hyphens of both kinds, decimal digits of other scripts, letters that lower-case
# to two characters or depend on context (İ, final sigma), combining marks, RTL and bidi controls,
# emoji with joiners and skin tones, NUL and other control characters, lone surrogates, separators
# str.isspace knows, private use, unassigned code points, the last code point.
PIECES = (
    "n't", "n’t", "N'T", "'s", "’re", "'ve", "’ll", "'d", "'m", "'S", "don't", "won’t", "nn't", "n't'", "isn't3",
    "U.S.", "e.g.", "A.B", "a.b.c.d.", "Z.", "1,000", "3.5", "1.2.3,4", "1.", ",5", "٣٫٥", "١,٢", "५.५", "１，０００",
    "anti-Western", "a‐b‑c", "a--b", "-a", "a-", "_", "__init__", "x_y-z",
    "İstanbul", "ΣΑΣ", "ὈΔΥΣΣΕΎΣ", "ß", "ẞ", "ﬁ", "Ǆ", "ǅ", "K", "Å",
    "e\u0301", "\u0301", "a\u0300\u0316\u0317\u0318", "\u05e9\u05dc\u05d5\u05dd", "\u0645\u0631\u062d\u0628\u0627", "\u202e", "\u200f", "\u2066",
    "\U0001F600", "\U0001F468\u200d\U0001F469\u200d\U0001F467", "\U0001F44D\U0001F3FD", "\u2764\ufe0f", ":-)", "<3",
    "\x00", "\x01", "\x1c", "\x1f", "\x7f", "\x85", "\xa0", "\u1680", "\u2000", "\u2028", "\u2029", "\u3000", "\ufeff", "\u200b",
    "\ud800", "\udfff", "\udc80abc", "\ue000", "\U0010FFFF", "\U000E0001", "\u0378",
    "“", "”", "‘", "’", "«", "»", "\"", "'", "(", ")", "[", "]", "{", "}", ".", "...", "!", "?", "?!", ";", ":", "--",
    "Mr.", "Gen.", "Lt.Gen.", "p.m.", "No.", "J.", "Ph.D.", "i.e.",
    " ", "  ", "\t", "\n", "\n\n", "\r\n",
)

hostile_text = st.lists(
    st.one_of(
        st.sampled_from(PIECES),
        st.text(st.characters(exclude_categories=()), max_size=8),  # any code point, surrogates included
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=12),
        st.integers(1, 3000).map(lambda n: "x" * n),  # a huge token
    ),
    max_size=40,
).map("".join)


def text_from_bytes(data: bytes) -> str:
    """Hostile text from fuzzer bytes: each 4-byte group is one of PIECES, one code point (any,
    surrogates included) or a run of up to 4,095 of one code point (a huge token), so a short
    input reaches all three."""
    out = []
    for k in range(0, len(data) - 3, 4):
        value = int.from_bytes(data[k : k + 4], "little")
        kind, value = value & 3, value >> 2
        if kind == 0:
            out.append(PIECES[value % len(PIECES)])
        elif kind == 3:
            out.append(chr((value >> 12) % 0x110000) * (value & 0xFFF))
        else:
            out.append(chr(value % 0x110000))
    return "".join(out)


def abp_articles(n: int) -> list[str]:
    """The texts of the first n ABP articles; the test is skipped without ../shared."""
    if not ABP.exists():
        pytest.skip(f"{ABP} not present")
    texts = []
    with gzip.open(ABP, "rt", encoding="utf-8") as fh:
        for line in fh:
            texts.append(json.loads(line)["text"])
            if len(texts) >= n:
                break
    return texts


@contextlib.contextmanager
def pure_python(module, name: str) -> Iterator[None]:
    """Within the block, `module.name` (a module's handle on a compiled module) is None, so the
    module runs its pure-Python reference, in this process."""
    saved = getattr(module, name)
    setattr(module, name, None)
    try:
        yield
    finally:
        setattr(module, name, saved)


@contextlib.contextmanager
def pure_text() -> Iterator[None]:
    """Within the block, framing.text runs its pure-Python tokenizer and sentence splitter."""
    from framing import text

    with pure_python(text, "_TOKENS"), pure_python(text, "_PUNKT"):
        yield


def traced_growth(exercise: Callable[[int], None], rounds: int, *, warmup: int = 50) -> int:
    """Bytes still allocated (through Python's allocators, which tracemalloc sees: PyMem_*,
    objects) after `exercise(rounds)`, measured after a warm-up that fills memos, interned
    strings and free lists. A reference leaked per call keeps 16 bytes or more per round."""
    exercise(warmup)
    gc.collect()
    tracemalloc.start()
    try:
        exercise(warmup)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        exercise(rounds)
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
