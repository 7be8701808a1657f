"""The lean model's fast paths give the same results as the code they replace.

- word counts / TF-IDF: an n-gram model with a token pattern and float64 products
  (`NgramCounter`: integer n-gram lookup by `word_ngram_columns`, own row norms) against
  scikit-learn's `CountVectorizer` + `normalize` + the sparse product, on the shipped model and on
  models of other settings;
- cleaning: `TextPreprocess.apply` against the original algorithm written out below (every line
  lower-cased and checked for every marker, and a flat alternation of the phrases sorted longest
  first); the @-address step against `_AT_RE.sub`, the regex it replaces.

The ABP corpus is only read by the slow test, when it is present.
"""
from __future__ import annotations

import gzip
import json
import platform
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from framing.scoring import lean
from framing.scoring.features import TokenNgrams
from framing.scoring.ngram_model import NgramBlock, NgramModel, TokenPattern
from framing.scoring.text_cleanup import _AT_RE, _DOMAIN_STARTS, _DOMAIN_TAIL_RE, TextPreprocess, _remove_at_addresses, _remove_urls

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
ABP = ROOT.parent / "shared" / "corpora" / "abp" / "articles.jsonl.gz"
# Same IEEE operations in the same order: bit-identical where compilers do not fuse multiply-adds
# into one instruction (they may in sklearn's compiled code on other CPUs).
EXACT_FLOATS = platform.machine().lower() in ("x86_64", "amd64")
SHIPPED = lean.load_lean_model()
SHIPPED_PRE = SHIPPED.preprocess
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- the original cleaning, as it was written --------------------------------------------------


def flat_phrase_re(phrases) -> re.Pattern[str]:
    alternation = "|".join(re.escape(p) for p in sorted(set(phrases), key=len, reverse=True))
    return re.compile(rf"(?<![\w@])(?:{alternation})(?!\w)")


def reference_apply(pre: TextPreprocess, text: str) -> str:
    phrase_re = flat_phrase_re(pre.remove_phrases) if pre.remove_phrases else None
    markers = [m.lower() for m in pre.drop_lines_containing]
    always = [m.lower() for m in pre.drop_any_line_containing]

    def clean(t: str) -> str:
        if pre.remove_urls:
            t = _remove_urls(t)  # without `low`; its @ step is checked against _AT_RE below
        if phrase_re is not None:
            t = phrase_re.sub(" ", t)
        return t

    def drop(line: str) -> bool:
        low = line.lower()
        if always and any(m in low for m in always):
            return True
        if markers and any(m in low for m in markers):
            limit = pre.drop_lines_max_chars
            return len(line) <= limit or len(clean(line)) <= limit
        return False

    if markers or always:
        text = "\n".join(line for line in text.split("\n") if not drop(line))
    return clean(text)


# --- generated hostile text ----------------------------------------------------------------------

# Phrases that are prefixes of one another, share prefixes, start or end with punctuation.
TRICKY_PHRASES = ("Fox", "Fox News", "Fox News Channel", "FoxNews", "Fox & Friends", "The Times", "the Times",
                  "Times", "L.A. Times", "Yahoo! News", "Yahoo", "C-SPAN", "AP", "A", "AB", "ABC", "ABC News",
                  "Vox.com", "Vox", ".com", "@home", "é-mail", "Σ news")
PIECES = (
    list(SHIPPED_PRE.remove_phrases) + list(TRICKY_PHRASES)
    + [m.upper() for m in SHIPPED_PRE.drop_lines_containing[:8]] + list(SHIPPED_PRE.drop_lines_containing)
    + list(SHIPPED_PRE.drop_any_line_containing)
    + [" ", " ", " ", "\n", "\n\n", "@", "_", "'", "’", "-", ".", ",", ":", "!", "&", "1", "42", "x", "é",
       "naïve", "café", "İstanbul", "ΣΑΣ", "ς", "straße", "ﬁne", "²", "½", "٣", "x2", "mr", "Mrs.", "the",
       "don't", "ma'am", "https://www.example.com/a?b=1", "www.foo.org", "pic.twitter.com/xyz", "a.b@c-d.org",
       "@handle", "news.co.uk", "example.com", "senator", "tax", "bill", "border", "climate", "said",
       "EXAMPLE.COM", "HTTP://X", "WWW.", "PIC.TWITTER.COM/", ".ıo", ".İo", "ſ", "K", "co", "com", "tv"]
)
hostile_text = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(alphabet="aZé1_ @.\n-'’Σς", max_size=6)), max_size=60
).map("".join)


# --- cleaning ---------------------------------------------------------------------------------------


@SETTINGS
@given(hostile_text)
def test_phrase_regex_equals_the_flat_longest_first_alternation(text):
    for phrases in (SHIPPED_PRE.remove_phrases, TRICKY_PHRASES):
        ours = TextPreprocess(remove_phrases=phrases)._phrase_re
        flat = flat_phrase_re(phrases)
        assert [m.span() for m in ours.finditer(text)] == [m.span() for m in flat.finditer(text)]
        assert ours.sub(" ", text) == flat.sub(" ", text)


def test_phrase_regex_on_chosen_cases():
    pre = TextPreprocess(remove_phrases=TRICKY_PHRASES)
    flat = flat_phrase_re(TRICKY_PHRASES)
    for text in ("Fox News Channel", "Fox News Channels", "Fox Newsroom", "xFox News", "@Fox News", "Fox & Friends",
                 "Fox &", "the Times.", "L.A. Times!", "ABCD ABC AB A", "Vox.com.", "a.com", "Σ news", "(Fox)"):
        assert pre._phrase_re.sub(" ", text) == flat.sub(" ", text), text


@SETTINGS
@given(hostile_text)
def test_cleaning_equals_the_original(text):
    assert SHIPPED_PRE.apply(text) == reference_apply(SHIPPED_PRE, text)
    # short line limit: long marked lines are kept or dropped by their cleaned length
    small = TextPreprocess(remove_phrases=TRICKY_PHRASES, drop_lines_containing=("caption", "Σ", "photo:", "ı", "tion", "capt", "ca"),
                           drop_lines_max_chars=12, drop_any_line_containing=("must watch", "İ"), remove_urls=True)
    assert small.apply(text) == reference_apply(small, text)


@SETTINGS
@given(st.text(alphabet="ab1_.+-@ \n\u00e9\u00b2\u0661x", max_size=40))
def test_at_addresses_equal_the_regex(text):
    assert _remove_at_addresses(text) == _AT_RE.sub(" ", text)


def test_lowercasing_lines_equals_lowercasing_the_text():
    # what the line dropping relies on, including the final-sigma rule at line ends
    text = "ΑΣ\nΣΑ\nΟΔΟΣ\n'Σ'\nΣ\nİI\nMΣ.\nΣ\u0301\nX"
    assert text.lower().split("\n") == [line.lower() for line in text.split("\n")]


def test_domain_starts_cover_every_code_point_that_can_start_a_domain_ending():
    """`_DOMAIN_STARTS`: for every code point the domain regex (re.IGNORECASE) lets follow the
    ".", the lower-cased "." and code point begin with one of them."""
    alternatives = re.fullmatch(r"\\\.\(\?:(.*)\)\\b", _DOMAIN_TAIL_RE.pattern).group(1).split("|")
    first = re.compile("|".join(a[0] for a in alternatives), re.IGNORECASE)
    starts = [chr(c) for c in range(0x110000) if first.fullmatch(chr(c))]
    assert "ı" in starts and "İ" in starts
    for ch in starts:
        assert f".{ch}".lower().startswith(_DOMAIN_STARTS), ch


def test_cleaning_never_makes_a_domain_it_did_not_look_for():
    """A text looked at once for URLs and domains, then cleaned: dropped lines, removed URLs and
    addresses leave a newline or a space, so no "." meets a domain ending that was not beside it."""
    pre = TextPreprocess(drop_lines_containing=("caption",), drop_any_line_containing=("must watch",), remove_urls=True)
    for text in ("a.\ncaption\ncom", "a.\nmust watch\ncom x", "x.https://a.b/c com", "y.a@b.c com", "EXAMPLE.COM", "a.ıo", "a.İo b",
                 "HTTPS://X.Y", "WWW.X", "PIC.TWITTER.COM/x", "ſ.org", "a .com", "photo.\n.com", "a.K"):
        assert pre.apply(text) == reference_apply(pre, text), text


def test_real_articles_cleaned_as_the_original_on_both_paths():
    from framing.scoring import text_cleanup
    from accel_helpers import abp_articles, pure_python

    texts = abp_articles(10_000)
    assert len(texts) >= 10_000
    for k, text in enumerate(texts):
        expected = reference_apply(SHIPPED_PRE, text)
        assert SHIPPED_PRE.apply(text) == expected
        if k % 10 == 0:
            with pure_python(text_cleanup, "_CLEANUP"):
                assert SHIPPED_PRE.apply(text) == expected


# --- TF-IDF --------------------------------------------------------------------------------------

CORPUS = [
    "The senator said the tax bill would cut taxes for working families, Mr. Smith said.",
    "Climate policy and the border: the senator's bill, the border wall and climate change.",
    "Café naïve résumé -- the THE the; straße İstanbul ΣΑΣ ﬁne x2 h2o 3d don't ma'am",
    "Mrs. Jones et al. est edt: tax tax tax, bill bill, border climate senator said.",
    "working families want climate action; the senator wants border security and tax cuts",
    "",
]
CONFIGS = [
    dict(ngram_range=(1, 2), token_pattern=r"(?u)\b[^\W\d_][^\W\d_]+\b", stop_words=["mr", "mrs", "ms", "et", "est", "edt"]),
    dict(ngram_range=(1, 1)),
    dict(ngram_range=(2, 3), stop_words="english"),
    dict(ngram_range=(1, 3), stop_words=["the", "said"]),
    dict(lowercase=False, token_pattern=r"(?u)\b\w+\b"),
    dict(ngram_range=(1, 2), token_pattern=r"(?u)\b(\w)\w+\b"),  # one group: findall returns it
    dict(ngram_range=(1, 2), token_pattern=r"\w*", stop_words=[]),  # empty tokens
]


def as_model(vec: TfidfVectorizer, *, seed: int = 0) -> NgramModel:
    """A fitted `TfidfVectorizer` as an n-gram model of the lean model's kind, random weights."""
    params = vec.get_params()
    stop = sorted(vec.get_stop_words() or ())
    terms = [""] * len(vec.vocabulary_)
    for term, j in vec.vocabulary_.items():
        terms[j] = term
    rng = np.random.default_rng(seed)
    block = NgramBlock(TokenNgrams("word", params["ngram_range"]), terms, np.asarray(vec.idf_, dtype=np.float64))
    return NgramModel("m", ["a", "b", "c"], [block], [], rng.standard_normal((3, len(terms))), rng.standard_normal(3), 1.3,
                      tokens=TokenPattern(params["token_pattern"], params["lowercase"], tuple(stop)), products="float64")


def reference_features(model: NgramModel, texts) -> sp.csr_matrix:
    """scikit-learn's TF-IDF rows of the model's vocabulary (sublinear tf, idf, l2)."""
    (block,) = model.blocks
    tokens = model.tokens
    counter = CountVectorizer(token_pattern=tokens.pattern, lowercase=tokens.lowercase, stop_words=list(tokens.stop_words) or None,
                              ngram_range=block.analyzer.ngram_range, vocabulary={t: i for i, t in enumerate(block.terms)}, dtype=np.float64)
    if model.preprocess is not None:
        texts = [model.preprocess.apply(t) for t in texts]
    X = sp.csr_matrix(counter.transform(texts), dtype=np.float64)
    X.sort_indices()
    np.log(X.data, X.data)
    X.data += 1.0
    X.data *= block.idf[X.indices]
    return sp.csr_matrix(normalize(X, norm="l2", copy=False)) if X.shape[0] else X


def reference_logits(model: NgramModel, texts) -> np.ndarray:
    """The model's decision values the way scikit-learn's pipeline computes them."""
    return np.asarray(reference_features(model, texts) @ np.ascontiguousarray(model.coef.T)) + model.intercept


FITTED = [(cfg, as_model(TfidfVectorizer(sublinear_tf=True, **cfg).fit(CORPUS), seed=i)) for i, cfg in enumerate(CONFIGS)]
TEXTS = CORPUS + [
    "", " ", "\n\n", "1234 5678", "a", "mr mrs ms", "the the the the",
    "word" * 3000, " ".join(["senator said tax bill"] * 5000),
    "Fox News reported: https://www.foxnews.com/x (AP Photo) — the senator's bill.",
    "ÉCOLE école ÉCOLE e\u0301cole", "x2y 2x h2o__o under_score al-Qaeda",
]


def assert_same(ours: np.ndarray, ref: np.ndarray) -> None:
    if EXACT_FLOATS:
        assert np.array_equal(ours, ref)
    else:
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("index", range(len(CONFIGS)))
def test_logits_equal_sklearn_on_chosen_texts(index):
    _, model = FITTED[index]
    assert_same(model.logits_texts(TEXTS), reference_logits(model, TEXTS))
    # one text per call, and a generator, give the same rows
    for text in TEXTS[:8]:
        assert_same(model.logits_texts([text]), reference_logits(model, [text]))
    assert_same(model.logits_texts(t for t in TEXTS), reference_logits(model, TEXTS))


@SETTINGS
@given(st.lists(hostile_text, min_size=1, max_size=4))
def test_logits_equal_sklearn_on_generated_texts(texts):
    for _, model in FITTED:
        assert_same(model.logits_texts(texts), reference_logits(model, texts))


def test_inputs():
    _, model = FITTED[0]
    with pytest.raises(ValueError):  # scikit-learn's own message for a bare string
        model.logits_texts("one string")
    with pytest.raises(TypeError):
        model.logits_texts(["a", b"bytes"])
    assert model.logits_texts([]).shape == (0, 3)
    # a token pattern that makes tokens with spaces is refused, not counted wrongly
    spaced = as_model(TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), token_pattern=r"(?u)\b\w+(?: \w+)?\b").fit(CORPUS))
    with pytest.raises(ValueError, match="a token holds a space"):
        spaced.logits_texts(["senator said tax bill"])


# --- the shipped model ---------------------------------------------------------------------------

MODEL_TEXTS = [p.read_text(encoding="utf-8") for p in SEEDS] + TEXTS + [
    "Sign up for our newsletter\nThe senator said the tax bill would pass. (AP Photo/Jane Doe)\nCopyright 2019 CNN",
    "hide caption\ntoggle caption\nFox News Channel host said, according to The New York Times.",
]


def reference_rows(texts) -> list[dict]:
    """`predict_lean` with scikit-learn's features and product."""
    z = reference_logits(SHIPPED, texts) / SHIPPED.temperature
    e = np.exp(z - z.max(axis=1, keepdims=True))
    proba = e / e.sum(axis=1, keepdims=True)
    cols = [SHIPPED.classes.index(c) for c in lean.LEAN_LABELS]
    return [{**dict(zip(lean.LEAN_COLUMNS, map(float, row[cols]))), "lean.label": lean.LEAN_LABELS[int(np.argmax(row[cols]))]} for row in proba]


def test_shipped_model_fast_path_equals_sklearn_path():
    assert SHIPPED.products == "float64" and SHIPPED.tokens is not None
    fast_rows = lean.predict_lean(MODEL_TEXTS)
    fast_single = [lean.predict_lean([t])[0] for t in MODEL_TEXTS]
    assert_same(SHIPPED.logits_texts(MODEL_TEXTS), reference_logits(SHIPPED, MODEL_TEXTS))
    ref_rows = reference_rows(MODEL_TEXTS)
    assert [r["lean.label"] for r in fast_rows] == [r["lean.label"] for r in ref_rows]
    assert fast_single == fast_rows
    if EXACT_FLOATS:
        assert fast_rows == ref_rows
    else:
        for a, b in zip(fast_rows, ref_rows):
            assert a == pytest.approx(b, rel=1e-12)


# --- on real articles (slow; needs the ABP corpus) ----------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not ABP.is_file(), reason="the ABP corpus is not present")
def test_abp_articles_fast_path_equals_sklearn_path():
    texts = []
    with gzip.open(ABP, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            texts.append(f"{row.get('title') or ''}\n\n{row['text']}")
            if len(texts) == 1500:
                break
    for text in texts:
        assert SHIPPED_PRE.apply(text) == reference_apply(SHIPPED_PRE, text)
    assert_same(SHIPPED.logits_texts(texts), reference_logits(SHIPPED, texts))
    fast, ref = lean.predict_lean(texts), reference_rows(texts)
    assert [r["lean.label"] for r in fast] == [r["lean.label"] for r in ref]
    if EXACT_FLOATS:
        assert fast == ref
