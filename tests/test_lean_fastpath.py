"""The lean model's fast paths give the same results as the code they replace.

- word counts / TF-IDF: `TfidfFeatures` (own tokenizing, integer n-gram lookup, own row norms)
  against sklearn's `CountVectorizer` + `normalize` (`_sklearn_counts`, `_sklearn_transform`, and
  the whole model with `tfidf._FAST_PATH` off);
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

from framing.scoring import lean
from framing.scoring import tfidf
from framing.scoring.text_cleanup import _AT_RE, TextPreprocess, _remove_at_addresses, _remove_urls
from framing.scoring.tfidf import TfidfFeatures

ROOT = Path(__file__).resolve().parent.parent
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
       "@handle", "news.co.uk", "example.com", "senator", "tax", "bill", "border", "climate", "said"]
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
    small = TextPreprocess(remove_phrases=TRICKY_PHRASES, drop_lines_containing=("caption", "Σ", "photo:", "ı"),
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
    dict(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b[^\W\d_][^\W\d_]+\b",
         stop_words=["mr", "mrs", "ms", "et", "est", "edt"]),
    dict(ngram_range=(1, 1)),
    dict(ngram_range=(2, 3), norm="l1", stop_words="english"),
    dict(ngram_range=(1, 3), sublinear_tf=True, stop_words=["the", "said"]),
    dict(binary=True, use_idf=False, lowercase=False, token_pattern=r"(?u)\b\w+\b", norm=None),
    dict(ngram_range=(1, 2), token_pattern=r"(?u)\b(\w)\w+\b"),  # one group: findall returns it
    dict(ngram_range=(1, 2), token_pattern=r"(?u)\b\w+(?: \w+)?\b"),  # tokens with spaces: string path
    dict(ngram_range=(1, 2), token_pattern=r"\w*", stop_words=[]),  # empty tokens
]
FITTED = [(cfg, TfidfFeatures.from_sklearn(TfidfVectorizer(**cfg).fit(CORPUS), "v")) for cfg in CONFIGS]
TEXTS = CORPUS + [
    "", " ", "\n\n", "1234 5678", "a", "mr mrs ms", "the the the the",
    "word" * 3000, " ".join(["senator said tax bill"] * 5000),
    "Fox News reported: https://www.foxnews.com/x (AP Photo) — the senator's bill.",
    "ÉCOLE école ÉCOLE e\u0301cole", "x2y 2x h2o__o under_score al-Qaeda",
]


def assert_same_matrix(ours, ref, *, exact: bool) -> None:
    ours, ref = ours.tocsr(), ref.tocsr()
    ours.sort_indices()
    ref.sort_indices()
    assert ours.shape == ref.shape
    assert np.array_equal(ours.indptr, ref.indptr)
    assert np.array_equal(ours.indices, ref.indices)
    if exact:
        assert np.array_equal(ours.data, ref.data)
    else:
        np.testing.assert_allclose(ours.data, ref.data, rtol=1e-12, atol=0)


@pytest.mark.parametrize("index", range(len(CONFIGS)))
def test_counts_and_tfidf_equal_sklearn_on_chosen_texts(index):
    cfg, feats = FITTED[index]
    assert_same_matrix(feats.counts(TEXTS), feats._sklearn_counts(TEXTS), exact=True)
    assert_same_matrix(feats.transform(TEXTS), feats._sklearn_transform(TEXTS), exact=EXACT_FLOATS)
    # one text per call, and a generator, give the same rows
    for text in TEXTS[:8]:
        assert_same_matrix(feats.transform([text]), feats._sklearn_transform([text]), exact=EXACT_FLOATS)
    assert_same_matrix(feats.transform(t for t in TEXTS), feats._sklearn_transform(TEXTS), exact=EXACT_FLOATS)


@SETTINGS
@given(st.lists(hostile_text, min_size=1, max_size=4))
def test_counts_and_tfidf_equal_sklearn_on_generated_texts(texts):
    for cfg, feats in FITTED:
        assert_same_matrix(feats.counts(texts), feats._sklearn_counts(texts), exact=True)
        assert_same_matrix(feats.transform(texts), feats._sklearn_transform(texts), exact=EXACT_FLOATS)


def test_other_settings_and_inputs_use_sklearn():
    char = TfidfFeatures.from_sklearn(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3)).fit(CORPUS), "c")
    accents = TfidfFeatures.from_sklearn(TfidfVectorizer(strip_accents="unicode").fit(CORPUS), "a")
    for feats in (char, accents):
        assert feats._fast_texts(CORPUS)[0] is False
        assert_same_matrix(feats.transform(CORPUS), feats._sklearn_transform(CORPUS), exact=True)
    _, word = FITTED[0]
    with pytest.raises(ValueError):  # sklearn's own error for a bare string
        word.transform("one string")
    assert word._fast_texts(["a", b"bytes"])[0] is False
    # no texts: an empty matrix (sklearn's normalize refuses one)
    assert word.transform([]).shape == (0, word.n_features)
    assert word.counts([]).shape == (0, word.n_features)


# --- the shipped model ---------------------------------------------------------------------------

MODEL_TEXTS = [p.read_text(encoding="utf-8") for p in SEEDS] + TEXTS + [
    "Sign up for our newsletter\nThe senator said the tax bill would pass. (AP Photo/Jane Doe)\nCopyright 2019 CNN",
    "hide caption\ntoggle caption\nFox News Channel host said, according to The New York Times.",
]


def test_shipped_model_fast_path_equals_sklearn_path(monkeypatch):
    fast_logits = SHIPPED.decision_function(MODEL_TEXTS)
    fast_rows = lean.predict_lean(MODEL_TEXTS)
    fast_single = [lean.predict_lean([t])[0] for t in MODEL_TEXTS]
    fast_X = SHIPPED.transform(MODEL_TEXTS)
    monkeypatch.setattr(tfidf, "_FAST_PATH", False)
    ref_logits = SHIPPED.decision_function(MODEL_TEXTS)
    ref_rows = lean.predict_lean(MODEL_TEXTS)
    assert_same_matrix(fast_X, SHIPPED.transform(MODEL_TEXTS), exact=EXACT_FLOATS)
    np.testing.assert_allclose(fast_logits, ref_logits, rtol=1e-12, atol=1e-300)
    assert [r["lean.label"] for r in fast_rows] == [r["lean.label"] for r in ref_rows]
    assert fast_single == fast_rows
    if EXACT_FLOATS:
        assert fast_rows == ref_rows
    else:
        for a, b in zip(fast_rows, ref_rows):
            assert a == pytest.approx(b, rel=1e-12)


def test_shipped_model_does_not_need_sklearn_for_predictions(monkeypatch):
    # the fast path never builds sklearn's CountVectorizer
    (vec,) = SHIPPED.vectorizers
    counter_before = vec._counter
    lean.predict_lean(MODEL_TEXTS[:3])
    assert vec._counter is counter_before


# --- on real articles (slow; needs the ABP corpus) ----------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not ABP.is_file(), reason="the ABP corpus is not present")
def test_abp_articles_fast_path_equals_sklearn_path(monkeypatch):
    texts = []
    with gzip.open(ABP, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            texts.append(f"{row.get('title') or ''}\n\n{row['text']}")
            if len(texts) == 1500:
                break
    for text in texts:
        assert SHIPPED_PRE.apply(text) == reference_apply(SHIPPED_PRE, text)
    fast = lean.predict_lean(texts)
    fast_logits = SHIPPED.decision_function(texts)
    monkeypatch.setattr(tfidf, "_FAST_PATH", False)
    ref = lean.predict_lean(texts)
    np.testing.assert_allclose(fast_logits, SHIPPED.decision_function(texts), rtol=1e-12, atol=1e-300)
    assert [r["lean.label"] for r in fast] == [r["lean.label"] for r in ref]
    if EXACT_FLOATS:
        assert fast == ref
