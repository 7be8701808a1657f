"""The classifiers' fast scoring path gives exactly what the plain computation gives.

`NgramCounter` counts n-grams through per-token-type tables (`word_ngram_columns` finds a run of
tokens' word n-grams in integer tables), groups them with one sort, and
multiplies by the weights with scipy's compiled loop called directly, on just the columns of the
models being scored. Each piece is checked here against the straightforward version (analyzer
n-gram lists, `np.unique`, `csr_matrix @ weights` over every model's columns), bit for bit.
"""
from __future__ import annotations

import pickle
import threading
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framing.lexicon.build import load_lexicons
from framing.models import Article
from framing.scoring import classifiers as C
from framing.scoring import ngram_counts
from framing.scoring.classifiers import FramingClassifiers
from framing.scoring.ngram_model import NgramModel, NgramBlock
from framing.scoring.ngram_counts import NgramCounter, WordNgramTable, csr_dot, group_counts, word_ngram_columns
from framing.scoring.kinds import argmax_counts
from framing.scoring.features import TokenNgrams, lexicon_unit_label, lexicon_unit_labels
from framing.scoring.lexicon_scores import CompiledLexicon, match_document
from framing.text import preprocess

TEXTS = [
    "The axis of upheaval is closely coordinated.",
    "Yet mistrust runs deep, and the bond is fragile!",
    "Officials met in Geneva on Tuesday.",
    "A multipolar order is win-win, state media said.",
    "It remains a marriage of convenience; a marriage, nothing more.",
    "Don't trust Moscow's promises: restraint serves the national interest.",
    "Washington should impose sanctions, and talks should not resume.",
]


def synthetic_model(dimension: str, classes: list[str], *, seed: int, unit: str = "sentence", word_range=(1, 2), char_range=(3, 5)) -> NgramModel:
    """A model with random weights over n-grams that do occur in TEXTS (some of them) and some
    that never do: the counting and the products do not care what the weights mean."""
    rng = np.random.default_rng(seed)
    blocks = []
    for analyzer in (TokenNgrams("word", word_range), TokenNgrams("char_wb", char_range)):
        seen = sorted({g for t in TEXTS for g in analyzer(t)})
        # n-grams of TEXTS (some at random, and those the "split bigrams" article needs), and
        # n-grams no text has
        always = {"marriage of", "of convenience", "axis of", "of upheaval", " of ", "conv"}
        terms = [g for g in seen if g in always or rng.random() < 0.6] + ["zebra crossing", "qqq", "never seen"]
        rng.shuffle(terms)
        idf = rng.uniform(1.0, 6.0, len(terms)).astype(np.float32).astype(np.float64)
        blocks.append(NgramBlock(analyzer, terms, idf))
    n_features = sum(len(b.terms) for b in blocks)
    coef = rng.standard_normal((len(classes), n_features)).astype(np.float32).astype(np.float64)
    intercept = rng.standard_normal(len(classes)).astype(np.float32).astype(np.float64)
    return NgramModel(dimension, classes, blocks, [], coef, intercept, 1.3, {"unit": unit, "blend_weight": 0.5})


@pytest.fixture(scope="module")
def models() -> dict[str, NgramModel]:
    return {
        "alliance": synthetic_model("alliance", ["hollow", "legitimate", "none", "threat"], seed=1),
        # a (1, 3) word range exercises the third level of the n-gram tables
        "prescriptions": synthetic_model("prescriptions", ["diplomacy_engagement:advocate", "none", "sanctions_economic_pressure:advocate"], seed=2, word_range=(1, 3)),
        "ideology": synthetic_model("ideology", ["conservative_hawk", "neutral", "realist_restraint"], seed=3, unit="passage"),
    }


@pytest.fixture(scope="module")
def fixture_lexicon_map(fixture_lexicons):
    return {lx.dimension: lx for lx in load_lexicons([fixture_lexicons], include_shipped=False)}


def sentence_norms(text: str) -> list[list[str]]:
    return [list(s.norms) for s in preprocess(Article(id="t", text=text)).sentences]


def reference_counts(counter: NgramCounter, sentences: list[list[str]], unit_of_sentence=None) -> dict:
    """{analyzer: {(unit, id): count}} from the analyzers' own n-gram lists."""
    out = {}
    for key, vocab in counter.vocab.items():
        analyzer = TokenNgrams(key[0], key[1])
        found: Counter = Counter()
        for si, norms in enumerate(sentences):
            unit = si if unit_of_sentence is None else unit_of_sentence[si]
            for g in analyzer.sentence_ngrams(norms):
                if g in vocab:
                    found[(unit, vocab[g])] += 1
        out[key] = dict(found)
    return out


def as_dict(uc) -> dict:
    return {(int(u), int(i)): int(c) for u, i, c in zip(uc.units, uc.ids, uc.counts)}


def reference_decisions(counter: NgramCounter, models: list[NgramModel], counts, n_units: int) -> dict:
    """The plain computation: a scipy `csr_matrix` per analyzer times every model's stacked
    weights, then each model's columns."""
    from scipy.sparse import csr_matrix

    numer, norms = {}, {}
    for key in {b.key for m in models for b in m.blocks}:
        uc = counts[key]
        tf = (1.0 + np.log(np.asarray(uc.counts, dtype=np.float64))).astype(np.float32)
        indptr = np.searchsorted(uc.units, np.arange(n_units + 1))
        x = csr_matrix((tf, np.asarray(uc.ids, dtype=np.int64), indptr), shape=(n_units, counter.stack_weights[key].shape[0]))
        numer[key] = (x @ counter.stack_weights[key]).astype(np.float64)
        x.data *= tf
        norms[key] = np.sqrt((x @ counter.stack_idf2[key]).astype(np.float64))
    out = {}
    for model in models:
        logits = np.tile(model.intercept, (n_units, 1))
        active = np.zeros(n_units, dtype=bool)
        position = next(i for i, m in enumerate(counter._models) if m is model)
        for bi, block in enumerate(model.blocks):
            key, start, col = counter.slots[(position, bi)]
            norm = norms[key][:, col].copy()
            active |= norm > 0
            norm[norm == 0] = 1.0
            logits += numer[key][:, start : start + len(model.classes)] / norm[:, None]
        out[id(model)] = (logits, active)
    return out


ARTICLES = {
    "several sentences": " ".join(TEXTS),
    "one sentence": TEXTS[0],
    "empty": "",
    "nothing known": "Zzz qqqx? Xyzzy plugh!!!",
    "repeats": "Marriage marriage marriage of convenience. " * 3 + "The bloc, the bloc.",
    "punctuation only": "... !!! ???",
    # known bigrams split by a sentence boundary must not count
    "split bigrams": "It remains a marriage. Of convenience, it is. The axis. Of upheaval, maybe.",
}


# --- pieces -----------------------------------------------------------------------------------


def test_csr_dot_equals_the_scipy_product_bit_for_bit(monkeypatch):
    from scipy.sparse import random as sparse_random

    rng = np.random.default_rng(0)
    for trial in range(30):
        n_rows, n_cols, k = int(rng.integers(0, 40)), int(rng.integers(1, 500)), int(rng.integers(1, 30))
        x = sparse_random(n_rows, n_cols, density=float(rng.uniform(0, 0.2)), format="csr", random_state=trial, dtype=np.float32)
        if trial % 5 == 0:  # whole rows without a term
            x = x.multiply(rng.random((n_rows, 1)) < 0.5).tocsr()
        dense = rng.standard_normal((n_cols, k)).astype(np.float32)
        expected = x @ dense
        for index_type in (np.int32, np.int64):
            got = csr_dot(n_rows, x.indptr.astype(index_type), x.indices.astype(index_type), x.data, dense)
            assert got.dtype == expected.dtype and np.array_equal(got.view(np.int32), np.asarray(expected).view(np.int32))
        # a product on some of the columns is those columns of the full product
        cols = np.ascontiguousarray(dense[:, : max(1, k // 2)])
        assert np.array_equal(csr_dot(n_rows, x.indptr, x.indices, x.data, cols), np.asarray(expected)[:, : max(1, k // 2)])
    monkeypatch.setattr(ngram_counts, "_matvecs", lambda: None)  # a scipy without the compiled loop
    assert np.array_equal(csr_dot(n_rows, x.indptr, x.indices, x.data, dense), np.asarray(expected))


def test_the_compiled_loop_is_found():
    assert ngram_counts._matvecs() is not None  # otherwise scoring silently takes the slower public path


def test_group_counts_equals_np_unique():
    rng = np.random.default_rng(1)
    for size, n_units, n in [(1, 1, 0), (7, 3, 50), (20592, 60, 20000), (3, 1, 10)]:
        units = rng.integers(0, n_units, n)
        ids = rng.integers(0, size, n).astype(np.int32)
        uc = group_counts(units, ids, size=size)
        flat, counts = np.unique(units * size + ids, return_counts=True)
        assert np.array_equal(uc.units, flat // size) and np.array_equal(uc.ids, flat % size) and np.array_equal(uc.counts, counts)


def test_sublinear_tf_table_equals_the_formula(models):
    counter = NgramCounter(models.values())
    counts = np.array([1, 2, 3, 1, 17, 250, 4, 1000], dtype=np.int64)
    tf, tf2 = counter._sublinear_tf(counts)
    expected = (1.0 + np.log(counts.astype(np.float64))).astype(np.float32)
    assert np.array_equal(tf, expected) and np.array_equal(tf2, expected * expected)
    tf_float, _ = counter._sublinear_tf(counts.astype(np.float64))
    assert np.array_equal(tf_float, expected)


@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_counts_equal_the_analyzers_ngrams(models, name):
    counter = NgramCounter(models.values())
    sentences = sentence_norms(ARTICLES[name])
    expected = reference_counts(counter, sentences)
    got = counter.counts(sentences)
    assert {k: as_dict(v) for k, v in got.items()} == expected
    passages = C.passages_of(len(sentences))
    got = counter.counts(sentences, unit_of_sentence=passages)
    assert {k: as_dict(v) for k, v in got.items()} == reference_counts(counter, sentences, passages)


def test_counts_do_not_depend_on_what_was_counted_before(models, monkeypatch):
    """The token-type tables fill up as articles come and start afresh past a limit."""
    fresh = NgramCounter(models.values())
    reused = NgramCounter(models.values())
    monkeypatch.setattr(reused, "_CACHE_LIMIT", 5)
    for text in list(ARTICLES.values()) * 2:
        sentences = sentence_norms(text)
        a = {k: as_dict(v) for k, v in fresh.counts(sentences).items()}
        b = {k: as_dict(v) for k, v in reused.counts(sentences).items()}
        assert a == b == reference_counts(fresh, sentences)
        fresh = NgramCounter(models.values())


WORDS = ["a", "b", "c", "d", "the", "axis", "of", "upheaval", ""]
# every n-gram of two short texts, some three- and four-word terms, and terms no text can have
NGRAM_TERMS = sorted({" ".join(t[i : i + n]) for t in (["a", "b", "c", "a", "b"], ["the", "axis", "of", "upheaval", "of", "the", "axis"])
                      for n in (1, 2, 3) for i in range(len(t) - n + 1)} | {"a b c d", "b b b", "c c", "zzz", "d", ""})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.booleans()), max_size=40), st.sampled_from([(1, 1), (1, 2), (2, 3), (1, 4), (3, 4)]))
def test_word_ngram_columns_equal_joined_strings(tokens, ngram_range):
    """The inner loop (to be compiled one day) against the plain definition: every n of the range,
    every run of n tokens within one segment, joined with spaces and looked up."""
    vocab = {t: j for j, t in enumerate(NGRAM_TERMS)}
    table = WordNgramTable.build(vocab, ngram_range)
    words = [w for w, _ in tokens]
    segments = np.cumsum([cut for _, cut in tokens], dtype=np.int64)  # a new segment where True
    ids = np.asarray([table.token_ids.get(w, table.unknown) for w in words], dtype=np.int64)
    found_segments, columns = word_ngram_columns(ids, segments, table)
    lo, hi = ngram_range
    expected = Counter(
        (int(segments[i]), vocab[" ".join(words[i : i + n])])
        for n in range(lo, hi + 1) for i in range(len(words) - n + 1)
        if segments[i] == segments[i + n - 1] and " ".join(words[i : i + n]) in vocab
    )
    assert Counter(zip(found_segments.tolist(), columns.tolist())) == expected


def test_tokens_with_spaces_are_refused():
    """A term is its tokens joined by spaces: a token holding a space would make that ambiguous
    (framing's tokenizer never makes one; a token pattern might), so counting refuses it."""
    word = TokenNgrams("word", (1, 2))
    terms = ["new york", "new york city", "city", "york"]
    model = NgramModel("d", ["a", "b"], [NgramBlock(word, terms, np.ones(len(terms)))], [], np.ones((2, len(terms))), np.zeros(2), 1.0)
    counter = NgramCounter([model])
    sentences = [["new", "york", "city"]]
    assert {k: as_dict(v) for k, v in counter.counts(sentences).items()} == reference_counts(counter, sentences)
    with pytest.raises(ValueError, match="a token holds a space"):
        counter.counts([["new york", "city"]])


@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_decisions_equal_the_sparse_matrix_product_bit_for_bit(models, name):
    counter = NgramCounter(models.values())
    sentences = sentence_norms(ARTICLES[name])
    counts = counter.counts(sentences)
    group = [models["alliance"], models["prescriptions"]]  # a subset of the stacked models
    got = counter.decisions(group, counts, {}, len(sentences))
    expected = reference_decisions(counter, group, counts, len(sentences))
    for model in group:
        assert np.array_equal(got[id(model)][0], expected[id(model)][0])
        assert np.array_equal(got[id(model)][1], expected[id(model)][1])
    passages = C.passages_of(len(sentences))
    n_pass = max(passages, default=-1) + 1
    counts = counter.counts(sentences, unit_of_sentence=passages)
    got = counter.decisions([models["ideology"]], counts, {}, n_pass)[id(models["ideology"])]
    expected = reference_decisions(counter, [models["ideology"]], counts, n_pass)[id(models["ideology"])]
    assert np.array_equal(got[0], expected[0]) and np.array_equal(got[1], expected[1])


def test_a_sentence_scored_in_an_article_is_scored_as_alone(models):
    """A sentence model's probabilities for a sentence inside an article equal its
    probabilities for that sentence as a text of its own (the path checked against sklearn)."""
    model = models["alliance"]
    extra = FramingClassifiers({"alliance": model}, lexicons=())
    doc = preprocess(Article(id="a", text=" ".join(TEXTS)))
    _, evidence = extra.score(doc, {}, [])
    assert evidence
    for record in evidence:
        alone = model.predict_proba_texts([doc.sentence_text(record.sentence_index)])[0]
        assert record.probabilities == {c: float(p) for c, p in zip(model.classes, alone) if p >= C.MIN_EVIDENCE_PROBABILITY}


def test_argmax_counts_add_up_in_unit_order():
    rng = np.random.default_rng(3)
    classes = ["a", "b", "c", "d"]
    proba = rng.dirichlet(np.ones(4), size=200)
    expected = {c: 0.0 for c in classes}
    for row in proba:
        k = int(np.argmax(row))
        expected[classes[k]] += float(row[k])
    assert argmax_counts(classes, proba) == expected  # exactly, not approximately
    assert argmax_counts(classes, np.zeros((0, 4))) == {c: 0.0 for c in classes}


def test_lexicon_unit_labels_equal_the_one_unit_label(fixture_lexicon_map):
    text = " ".join(TEXTS + ["Restraint, restraint and appeasement, it was said.", "Peace through strength; the national interest."])
    doc = preprocess(Article(id="l", text=text))
    n = len(doc.sentences)
    passages = C.passages_of(n)
    n_pass = max(passages) + 1
    stance_labels: dict[tuple[float, bool], list[str]] = {}
    for dim, lx in fixture_lexicon_map.items():
        matches = match_document(doc, CompiledLexicon(lx))
        # x 300: units as long as in news, where one stance term is a rate below the priors
        for scale in (1.0, 300.0):
            tokens = scale * np.asarray([len(s.norms) for s in doc.sentences], dtype=float)
            layouts = [
                (None, n, tokens, np.ones(n, dtype=int)),
                (passages, n_pass, np.bincount(passages, weights=tokens, minlength=n_pass), np.bincount(passages, minlength=n_pass)),
            ]
            for unit_of, n_units, unit_tokens, unit_sents in layouts:
                got = lexicon_unit_labels(lx, matches, n_units=n_units, unit_tokens=unit_tokens, unit_sentences=unit_sents, unit_of_sentence=unit_of)
                expected = []
                for u in range(n_units):
                    own = [m for m in matches if (m.sentence_index if unit_of is None else unit_of[m.sentence_index]) == u]
                    expected.append(lexicon_unit_label(lx, own, n_tokens=int(unit_tokens[u]), n_sentences=int(unit_sents[u])))
                assert got == expected, (dim, scale, unit_of is None)
                if lx.kind == "stances":
                    stance_labels[(scale, unit_of is None)] = got
    # the direct stance path was exercised both ways: stance terms winning, and losing to a prior
    assert set(stance_labels[(1.0, True)]) > {"neutral"}
    assert stance_labels[(300.0, True)].count("neutral") > stance_labels[(1.0, True)].count("neutral")


def reference_evidence(doc, dim, model, proba, lex_labels, unit_of, active):
    """The evidence rule written as a loop over sentences."""
    out = []
    quiet = {"none", "neutral"}
    cls_labels = [model.classes[k] for k in np.argmax(proba, axis=1)]
    for si in range(len(doc.sentences)):
        u = si if unit_of is None else unit_of[si]
        if not active[u] or cls_labels[u] in quiet and (unit_of is not None or not lex_labels or lex_labels[u] in quiet):
            continue
        probs = {c: float(p) for c, p in zip(model.classes, proba[u]) if p >= C.MIN_EVIDENCE_PROBABILITY}
        out.append(C.SentenceProbabilities(doc.article.id, dim, si, probs))
    return out


def test_evidence_follows_the_rule_sentence_by_sentence(models):
    """The evidence of a batch of articles (here the same text three times, each with its own
    probabilities; the middle one has no unit at all) is each article's by the rule."""
    rng = np.random.default_rng(5)
    extra = FramingClassifiers(models, lexicons=())
    doc = preprocess(Article(id="e", text=" ".join(TEXTS * 2)))
    empty = preprocess(Article(id="empty", text=""))
    n = len(doc.sentences)
    for model in models.values():
        quiet_class = np.asarray([c in C._QUIET for c in model.classes], dtype=bool)
        for unit_of in (None, C.passages_of(n)):
            n_units = n if unit_of is None else max(unit_of) + 1
            bounds = [0, n_units, n_units, 2 * n_units]
            unit_of_all = None if unit_of is None else np.asarray(unit_of + [u + n_units for u in unit_of])
            for trial in range(20):
                proba = rng.dirichlet(np.full(len(model.classes), 0.3), size=2 * n_units)
                proba[rng.random(2 * n_units) < 0.2] = np.eye(len(model.classes))[0]  # some certain rows
                active = rng.random(2 * n_units) < 0.8
                lex_labels = [] if trial % 4 == 0 or unit_of is not None else list(rng.choice(model.classes + ["none", "neutral"], size=2 * n_units))
                got = extra._evidence([doc, empty, doc], model.dimension, model, proba, np.argmax(proba, axis=1), lex_labels, active, bounds, unit_of_all,
                                      np.array([0, n, n, 2 * n]), quiet_class)
                halves = [slice(0, n_units), slice(n_units, 2 * n_units)]
                expected = [reference_evidence(doc, model.dimension, model, proba[h], lex_labels[h], unit_of, active[h]) for h in halves]
                assert got == [expected[0], [], expected[1]]


# --- the scorer as a whole -----------------------------------------------------------------------


def score_all(extra, lexicon_map):
    from framing.scoring.kinds import score_dimension

    out = []
    for name in sorted(ARTICLES):
        doc = preprocess(Article(id=name, text=ARTICLES[name]))
        scores, matches = {}, []
        for lx in lexicon_map.values():
            found = match_document(doc, CompiledLexicon(lx))
            scores.update(score_dimension(lx, found, n_tokens=doc.n_tokens, n_sentences=len(doc.sentences)))
            matches.extend(found)
        out.append(extra.score(doc, scores, matches))
    return out


def test_scorer_survives_pickling_with_identical_output(models, fixture_lexicon_map):
    """Worker processes that are not forked, and Dask workers, get an unpickled scorer."""
    extra = FramingClassifiers(models, lexicons=list(fixture_lexicon_map.values()))
    before = score_all(extra, fixture_lexicon_map)
    copy = pickle.loads(pickle.dumps(extra))
    assert score_all(copy, fixture_lexicon_map) == before
    assert any(evidence for _, evidence in before)
    assert before[sorted(ARTICLES).index("empty")][1] == []  # an empty article: no sentence, no evidence


def test_scorer_gives_the_same_results_from_several_threads(models, fixture_lexicon_map, monkeypatch):
    extra = FramingClassifiers(models, lexicons=list(fixture_lexicon_map.values()))
    expected = score_all(FramingClassifiers(models, lexicons=list(fixture_lexicon_map.values())), fixture_lexicon_map)
    monkeypatch.setattr(extra.counter, "_CACHE_LIMIT", 20)  # tables start afresh often
    results: list = []

    def work() -> None:
        for _ in range(5):
            results.append(score_all(extra, fixture_lexicon_map))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 15 and all(r == expected for r in results)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=12), st.integers(0, 10**6))
def test_stance_mass_is_the_rate_plus_prior_plus_smoothing(totals, n_tokens):
    # stance_mass writes _rate out for speed: the same float operations in the same order, bit for bit
    from framing.scoring.lexicon_scores import _rate, stance_mass
    from framing.lexicon.params import param

    stances = [lx for lx in load_lexicons() if lx.kind == "stances"]
    assert stances
    for lx in stances:
        names = lx.category_names
        found = {c: totals[i % len(totals)] for i, c in enumerate(names)}
        prior, smoothing = param(lx, "prior") or {}, float(param(lx, "smoothing"))
        expected = {c: _rate(found[c], n_tokens) + float(prior.get(c, 0.0)) + smoothing for c in names}
        got = stance_mass(lx, found, n_tokens=n_tokens)
        assert list(got) == list(expected) and [v.hex() for v in got.values()] == [v.hex() for v in expected.values()]


def _batch_of_documents():
    """Three articles of the fixture texts (one without a sentence), their sentences' passages."""
    docs = [preprocess(Article(id=f"b{k}", text=text)) for k, text in enumerate([
        " ".join(TEXTS + ["Restraint, restraint and appeasement, it was said.", "Peace through strength; the national interest."]),
        "",
        " ".join(reversed(TEXTS)),
    ])]
    return docs, [C.passages_of(len(d.sentences)) for d in docs]


def _reference_feature_matrix(lexicon, matches, n_units, names, unit_of):
    """`lexicon_feature_matrix` as a loop over the matches, one cell at a time from 0.0."""
    index = {n: i for i, n in enumerate(names)}
    out = np.zeros((n_units, len(names)))
    for m in matches:
        if m.dimension != lexicon.dimension:
            continue
        if lexicon.kind == "prescriptions":
            key = f"{m.category}:{m.role}" if m.role else None
            w = m.weight * (lexicon.scope.hedging.factor if m.hedged else 1.0) * (lexicon.scope.quotation.factor if m.quoted else 1.0)
        elif lexicon.kind == "actors":
            key, w = m.category, 1.0
        else:
            key, w = m.counts_for, m.effective_weight
        j = index.get(key) if key is not None else None
        unit = m.sentence_index if unit_of is None else unit_of[m.sentence_index]
        if j is not None and w != 0.0 and 0 <= unit < n_units:
            out[unit, j] += w
    return out


def test_lexicon_features_of_a_batch_equal_each_article_alone_bit_for_bit(fixture_lexicon_map):
    from framing.scoring.features import lexicon_feature_matrix, lexicon_feature_names, lexicon_feature_rows

    docs, passages = _batch_of_documents()
    all_matches = [[m for lx in fixture_lexicon_map.values() for m in match_document(doc, CompiledLexicon(lx))] for doc in docs]
    found = set()
    for lx in fixture_lexicon_map.values():
        names = lexicon_feature_names(lx)[::-1] + ["not a feature"]  # a model's own order, and a name the lexicon lacks
        for unit_of in (None, passages):
            n_units = [len(d.sentences) if unit_of is None else max(p, default=-1) + 1 for d, p in zip(docs, passages)]
            bounds = np.concatenate([[0], np.cumsum(n_units)]).astype(int).tolist()
            together = lexicon_feature_rows(lx, all_matches, bounds, names=names, unit_of_sentence=unit_of)
            for i, matches in enumerate(all_matches):
                own_units = None if unit_of is None else unit_of[i]
                expected = _reference_feature_matrix(lx, matches, n_units[i], names, own_units)
                alone = lexicon_feature_matrix(lx, matches, n_units[i], names=names, unit_of_sentence=own_units)
                assert together[bounds[i] : bounds[i + 1]].tobytes() == alone.tobytes() == expected.tobytes(), (lx.dimension, i)
            if together.any():
                found.add(lx.kind)
        whole = lexicon_feature_matrix(lx, all_matches[0], 1, names=names, whole=True)
        assert whole.tobytes() == _reference_feature_matrix(lx, all_matches[0], 1, names, [0] * len(docs[0].sentences)).tobytes()
    assert {"poles", "prescriptions", "stances"} <= found  # every kind's rule had matches to add up


def test_unit_labels_of_a_batch_equal_each_unit_alone(fixture_lexicon_map):
    from framing.scoring.features import UnitLabeler

    docs, passages = _batch_of_documents()
    for lx in fixture_lexicon_map.values():
        matches = [match_document(doc, CompiledLexicon(lx)) for doc in docs]
        for unit_of in (None, passages):
            n_units = [len(d.sentences) if unit_of is None else max(p, default=-1) + 1 for d, p in zip(docs, passages)]
            bounds = np.concatenate([[0], np.cumsum(n_units)]).astype(int).tolist()
            tokens = np.zeros(bounds[-1])
            expected = []
            for i, doc in enumerate(docs):
                units = list(range(len(doc.sentences))) if unit_of is None else unit_of[i]
                unit_tokens = np.bincount(units, weights=[len(s.norms) for s in doc.sentences], minlength=n_units[i]) if units else np.zeros(0)
                tokens[bounds[i] : bounds[i + 1]] = unit_tokens
                for u in range(n_units[i]):
                    own = [m for m in matches[i] if units[m.sentence_index] == u]
                    expected.append(lexicon_unit_label(lx, own, n_tokens=int(unit_tokens[u]), n_sentences=units.count(u)))
            assert UnitLabeler.of(lx).labels(matches, bounds, tokens, unit_of) == expected, (lx.dimension, unit_of is None)


def test_argmax_counts_of_a_batch_equal_each_article_alone():
    from framing.scoring.kinds import argmax_counts_many

    rng = np.random.default_rng(5)
    classes = ["a", "b", "c"]
    sizes = [0, 3, 40, 0, 1, 17]
    proba = rng.dirichlet(np.ones(3), size=sum(sizes))
    proba[::7] = np.eye(3)[1]  # certain rows: ties for the top
    bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(int).tolist()
    together = argmax_counts_many(classes, proba, bounds)
    assert together == [argmax_counts(classes, proba[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]  # exactly
    assert argmax_counts_many(classes, np.zeros((0, 3)), [0, 0, 0]) == [{c: 0.0 for c in classes}] * 2
