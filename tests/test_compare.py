"""framing.compare: schema inference, distances, keyness, group statistics, narratives."""
import math

import numpy as np
import pandas as pd
import pytest

from framing.compare import (
    MISSING_GROUP,
    REST,
    BoilerplateLines,
    Quote,
    bootstrap_means,
    cliffs_delta,
    compare_groups,
    digest_evidence,
    group_labels,
    group_means,
    holm,
    infer_schema,
    keyness,
    keyness_terms,
    log_likelihood,
    nearest_and_farthest,
    on_topic,
    pair_narrative,
    pairwise_distances,
    parse_group_spec,
    profile_columns,
    profile_map,
    profile_matrix,
    template_terms,
)

HEADER = [
    "id", "title", "outlet", "date", "n_tokens", "n_sentences",
    "alliance.position", "alliance.ci_low", "alliance.ci_high", "alliance.label", "alliance.intensity",
    "alliance.threat", "alliance.hollow", "alliance.legitimate",
    "prescription.sanctions", "prescription.diplomacy", "prescriptions.advocated", "prescriptions.rejected",
    "ideology.realist", "ideology.hawk", "ideology.neutral", "ideology.label",
    "actors.china", "actors.russia",
    "tone.compound", "tone.china", "tone.russia",
    "lean.left", "lean.center", "lean.right", "lean.label",
    "alliance.position_classifier",
]


def test_infer_schema_reads_every_kind_from_the_header():
    schema = infer_schema(HEADER, ["alliance", "prescriptions", "ideology", "actors"])
    kinds = {d.name: (d.kind, d.categories) for d in schema.dimensions}
    assert kinds == {
        "alliance": ("poles", ("threat", "hollow", "legitimate")),
        "prescriptions": ("prescriptions", ("sanctions", "diplomacy")),
        "ideology": ("stances", ("realist", "hawk", "neutral")),
        "actors": ("actors", ("china", "russia")),
        "lean": ("lean", ("left", "center", "right")),
    }
    assert schema.get("prescriptions").column("sanctions") == "prescription.sanctions"
    assert schema.metadata == ("outlet", "date")
    assert schema.actors_with_tone == ("china", "russia")
    assert schema.has_tone
    assert schema.other_columns == ("alliance.position_classifier",)
    assert "alliance.position_classifier" not in profile_columns(schema)
    assert "actors.china" not in profile_columns(schema)


def test_infer_schema_without_manifest_or_optional_columns():
    header = ["id", "title", "n_tokens", "alliance.position", "alliance.ci_low", "alliance.ci_high", "alliance.label",
              "alliance.intensity", "alliance.threat", "alliance.hollow"]
    schema = infer_schema(header)
    assert [d.name for d in schema.dimensions] == ["alliance"]
    assert not schema.has_tone and schema.actors_with_tone == () and schema.metadata == ()
    assert infer_schema(["id", "title"]).dimensions == ()


def test_profile_matrix_standardises_and_fills_missing_values():
    table = pd.DataFrame({"a": [1.0, 2.0, 3.0, None], "b": [5.0, 5.0, 5.0, 5.0], "c": ["x", "1", "2", "3"]})
    z = profile_matrix(table, ["a", "b", "c"])
    assert z.shape == (4, 3)
    assert np.allclose(z[:, 0].mean(), 0) and z[3, 0] == pytest.approx(0.0)  # missing -> mean
    assert np.all(z[:, 1] == 0)  # constant column weighs nothing
    assert not np.isnan(z).any()


def test_distances_agree_with_brute_force():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((37, 5))
    d = pairwise_distances(z)
    brute = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(-1) / 5)
    assert np.allclose(d, brute) and np.allclose(d, d.T) and np.all(np.diag(d) == 0)
    near, near_d, far, far_d = nearest_and_farthest(z, chunk=8)
    off = brute + np.diag([np.inf] * 37)
    assert np.array_equal(near, off.argmin(1)) and np.allclose(near_d, off.min(1))
    off = brute - np.diag([np.inf] * 37)
    assert np.array_equal(far, off.argmax(1)) and np.allclose(far_d, off.max(1))


def test_log_likelihood_matches_the_textbook_formula():
    a, b, c, d = 30.0, 10.0, 10_000.0, 50_000.0
    e1, e2 = c * (a + b) / (c + d), d * (a + b) / (c + d)
    expected = 2 * (a * math.log(a / e1) + b * math.log(b / e2))
    assert log_likelihood(np.array([a]), np.array([b]), c, d)[0] == pytest.approx(expected)
    # same relative frequency: nothing distinctive; a zero count is not an error
    assert log_likelihood(np.array([10.0]), np.array([50.0]), 1000, 5000)[0] == pytest.approx(0.0, abs=1e-9)
    assert np.isfinite(log_likelihood(np.array([0.0]), np.array([5.0]), 100, 100)).all()


def test_keyness_ranks_the_overused_term_and_ignores_underused_and_rare_ones():
    target = {"sanctions": 40, "the": 50, "rare": 2, "market": 1}
    rest = {"sanctions": 10, "the": 950, "rare": 0, "market": 300, "weather": 400}
    total = {k: target.get(k, 0) + rest.get(k, 0) for k in set(target) | set(rest)}
    terms = keyness(target, total, min_count=3)
    assert [t.term for t in terms] == ["sanctions"]
    top = terms[0]
    assert top.count == 40 and top.reference_count == 10 and top.g2 > 10.83 and top.log_ratio > 3
    assert keyness(target, target) == []  # no reference corpus


def test_keyness_terms_fold_case_possessives_and_function_words():
    assert keyness_terms("Russia’s and China's SANCTIONS were not the anti-Western bloc of it") == [
        "russia", "china", "sanctions", "anti-western", "bloc"]


def test_cliffs_delta_and_holm():
    assert cliffs_delta([1, 2, 3], [1, 2, 3]) == 0
    assert cliffs_delta([4, 5], [1, 2]) == 1
    assert cliffs_delta([1, 2], [4, 5]) == -1
    assert cliffs_delta([1, 3], [2]) == 0
    assert np.allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    assert np.all(holm([0.5, 0.9]) <= 1) and len(holm([])) == 0


def test_bootstrap_means_centre_on_the_mean_in_both_regimes():
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(2.0, 1.0, size=300), rng.normal(-1.0, 3.0, size=300)])
    x[::10, 1] = np.nan  # missing values: the mean of the values present
    exact = bootstrap_means(x, n_boot=500, rng=rng)
    approx = bootstrap_means(x, n_boot=500, rng=rng, exact_below=10)
    for reps in (exact, approx):
        assert reps.shape == (500, 2)
        for k in range(2):
            col = x[:, k][~np.isnan(x[:, k])]
            assert abs(reps[:, k].mean() - col.mean()) < 0.05 * col.std() * 3
            assert reps[:, k].std() == pytest.approx(col.std() / math.sqrt(len(col)), rel=0.25)


def _groups_data(shift: float, n: int = 40, seed: int = 3):
    rng = np.random.default_rng(seed)
    a = rng.normal(0.0, 1.0, n)
    b = rng.normal(shift, 1.0, n)
    return {"score": np.concatenate([a, b]), "flat": np.ones(2 * n)}, ["A"] * n + ["B"] * n


def test_compare_groups_finds_a_real_difference_and_not_a_null_one():
    values, groups = _groups_data(shift=1.5)
    diffs = {d.metric: d for d in compare_groups(values, groups)}
    d = diffs["score"]
    assert (d.group_a, d.group_b) == ("A", "B")
    assert d.difference == pytest.approx(d.mean_a - d.mean_b)
    assert d.ci_low < d.difference < d.ci_high and d.ci_high < 0
    assert d.cliffs_delta < -0.5 and d.significant and d.p_adjusted >= d.p_value
    assert not diffs["flat"].significant and diffs["flat"].p_value == 1.0
    values, groups = _groups_data(shift=0.0, seed=5)
    assert not any(x.significant for x in compare_groups(values, groups))


def test_compare_groups_with_many_groups_compares_each_with_the_rest():
    rng = np.random.default_rng(7)
    groups = [f"g{i % 8}" for i in range(240)] + ["tiny"]
    values = {"x": rng.normal(size=241)}
    diffs = compare_groups(values, groups, pairwise_max_groups=6, n_boot=200)
    assert {d.group_b for d in diffs} == {REST}
    assert {d.group_a for d in diffs} == {f"g{i}" for i in range(8)}  # "tiny" (1 article) left out
    again = compare_groups(values, groups, pairwise_max_groups=6, n_boot=200)
    assert [(d.ci_low, d.p_value) for d in diffs] == [(d.ci_low, d.p_value) for d in again]  # seeded


def test_group_specs_and_date_buckets():
    assert parse_group_spec("outlet") == ("outlet", None)
    assert parse_group_spec("date:month") == ("date", "month")
    assert parse_group_spec("source:url") == ("source:url", None)
    assert group_labels(["A", None, "", float("nan"), 3]) == ["A", MISSING_GROUP, MISSING_GROUP, MISSING_GROUP, "3"]
    dates = ["2024-01-31", "2024-02-01T10:00:00Z", "not a date", None]
    assert group_labels(dates, "month") == ["2024-01", "2024-02", MISSING_GROUP, MISSING_GROUP]
    assert group_labels(dates[:2], "quarter") == ["2024Q1", "2024Q1"]


def _match(dim, cat, i, sentence, *, counts_for=None, role="", weight=1.0, eff=None):
    return {"type": "match", "dimension": dim, "category": cat, "sentence_index": i, "sentence": sentence, "role": role,
            "counts_for": cat if counts_for is None and not role else counts_for, "weight": weight,
            "effective_weight": weight if eff is None else eff}


def test_digest_keeps_the_strongest_sentences_per_key():
    records = [
        _match("alliance", "threat", 0, "A bloc."),
        _match("alliance", "threat", 2, "An axis of upheaval, a bloc.", weight=2.0),
        _match("alliance", "threat", 2, "An axis of upheaval, a bloc.", weight=1.0),
        _match("alliance", "threat", 3, "Not a bloc.", counts_for="hollow", eff=1.0),
        _match("prescriptions", "sanctions", 1, "We should impose sanctions.", role="advocate"),
        _match("prescriptions", "sanctions", 4, "Sanctions were discussed.", role="describe"),
        _match("actors", "russia", 0, "A bloc.", counts_for="russia"),
        _match("actors", "russia", 2, "An axis of upheaval, a bloc.", counts_for="russia"),
        {"type": "sentence", "dimension": "lean", "sentence_index": 1, "sentence": "We should impose sanctions.",
         "probabilities": {"left": 0.2, "right": 0.8}},
    ]
    d = digest_evidence(records, actor_dimensions=["actors"], sentence_tone=[-0.5, 0.1, 0.4, 0.0, 0.0], per_key=1)
    assert d["alliance:threat"][0].sentence_index == 2 and d["alliance:threat"][0].weight == 3.0
    assert d["alliance:hollow"][0].sentence == "Not a bloc."
    assert d["prescriptions:advocate:sanctions"][0].sentence_index == 1
    assert not any(k.startswith("prescriptions:describe") for k in d)
    assert d["tone:russia:neg"][0].sentence_index == 0 and d["tone:russia:neg"][0].measure == "tone"
    assert d["tone:russia:pos"][0].sentence_index == 2
    assert d["model:lean:right"][0].weight == 0.8
    assert "actors:russia" not in d


def _row(label, position, lo, hi, advocated="", rejected="", tone_russia=None, ideology="neutral"):
    return {"alliance.label": label, "alliance.position": position, "alliance.ci_low": lo, "alliance.ci_high": hi,
            "prescriptions.advocated": advocated, "prescriptions.rejected": rejected, "ideology.label": ideology,
            "ideology.hawk": 0.6, "ideology.realist": 0.5, "ideology.neutral": 0.4, "tone.russia": tone_russia}


def test_pair_narrative_states_the_differences_with_their_evidence():
    schema = infer_schema(HEADER)
    a = _row("hollow", -0.6, -0.8, -0.4, advocated="diplomacy", rejected="sanctions", tone_russia=-0.4, ideology="realist")
    b = _row("threat", 0.5, 0.3, 0.7, advocated="sanctions", tone_russia=0.3, ideology="hawk")
    qa = {"alliance:hollow": (Quote("A marriage of convenience.", 3, 2.0),),
          "prescriptions:reject:sanctions": (Quote("Sanctions only push them closer.", 5, 1.0),)}
    qb = {"alliance:threat": (Quote("An axis of upheaval.", 1, 2.0),),
          "prescriptions:advocate:sanctions": (Quote("We should impose sanctions.", 2, 1.0),)}
    claims = pair_narrative(a, b, schema, quotes_a=qa, quotes_b=qb, distance=1.7, distance_rank=0.9)
    text = " ".join(c.text for c in claims)
    assert "A frames the alignment as hollow" in text and "B as a threat" in text
    assert "B advocates sanctions, which A rejects." in text
    assert "A advocates diplomacy; B does not." in text
    assert "realist" in text and "hawk" in text
    assert "Russia more negatively" in text
    assert "far apart" in text
    frame = claims[0]
    assert frame.quotes_a[0].sentence == "A marriage of convenience." and frame.quotes_b[0].sentence == "An axis of upheaval."
    conflict = next(c for c in claims if "which A rejects" in c.text)
    assert conflict.quotes_a[0].sentence_index == 5 and conflict.quotes_b[0].sentence_index == 2
    assert not frame.caveat  # the intervals do not overlap


def test_pair_narrative_of_similar_articles_and_missing_columns():
    schema = infer_schema(HEADER)
    a = _row("hollow", -0.5, -0.7, -0.1)
    b = _row("hollow", -0.45, -0.6, 0.0)
    claims = pair_narrative(a, b, schema)
    assert claims[0].text.startswith("Both frame the alignment as hollow, with similar positions")
    assert claims[0].quotes_a == () and claims[0].quotes_b == ()
    # a header without these dimensions, and rows without the columns: nothing to say, no error
    assert pair_narrative({}, {}, infer_schema(["id", "title"])) == []
    assert pair_narrative({}, {}, schema) == []


def test_group_versus_rest_statistics_match_scipy():
    from scipy.stats import mannwhitneyu

    rng = np.random.default_rng(11)
    groups = [f"g{i % 9}" for i in range(450)]
    x = rng.normal(size=450).round(1)  # rounded: ties
    x[np.array(groups) == "g3"] += 0.8
    x[::17] = np.nan
    diffs = {d.group_a: d for d in compare_groups({"x": x}, groups, n_boot=300)}
    labels = np.array(groups)
    for g in ("g0", "g3"):
        a, b = x[(labels == g) & ~np.isnan(x)], x[(labels != g) & ~np.isnan(x)]
        expected = mannwhitneyu(a, b, alternative="two-sided", method="asymptotic").pvalue
        assert diffs[g].p_value == pytest.approx(expected, rel=1e-6)
        assert diffs[g].cliffs_delta == pytest.approx(cliffs_delta(a, b))
        assert diffs[g].n_a == len(a) and diffs[g].n_b == len(b)
    assert diffs["g3"].significant and diffs["g3"].ci_low > 0


# --- issue 18: off topic, the article map, group means, template and boilerplate words ----------


def test_off_topic_is_absent_with_no_frame_evidence():
    table = pd.DataFrame({"id": list("abcd"), "alliance.position": [0.5, 0.0, 0.0, 0.0], "alliance.label": ["threat", "absent", "absent", "threat"],
                          "alliance.intensity": [3.0, 0.4, 0.0, 0.0], "alliance.threat": [3.0, 0.4, 0.0, 0.0]})
    schema = infer_schema(list(table.columns))
    # absent with a little evidence stays on topic; a label without lexicon intensity (a classifier's) too
    assert on_topic(table, schema).tolist() == [True, True, False, True]
    no_poles = infer_schema(["id", "title", "ideology.left", "ideology.label"])
    assert on_topic(pd.DataFrame({"id": ["a"], "ideology.left": [1.0], "ideology.label": ["left"]}), no_poles).tolist() == [True]


def test_profile_map_is_principal_components_with_fixed_signs():
    rng = np.random.default_rng(1)
    z = np.column_stack([rng.normal(0, 3, 200), rng.normal(0, 1, 200), rng.normal(0, 0.1, 200)])
    m = profile_map(z, ["big", "mid", "tiny"])
    assert m.loadings[0][0][0] == "big" and m.loadings[0][0][1] > 0 and m.loadings[1][0][0] == "mid"
    assert m.explained[0] > 0.8 > m.explained[1] > 0.05
    assert np.allclose(np.abs(m.xy[:, 0]), np.abs(z[:, 0] - z[:, 0].mean()), atol=0.05 * 3)
    again = profile_map(-z, ["big", "mid", "tiny"])  # the same cloud mirrored: the same map up to the sign rule
    assert np.allclose(np.abs(again.xy), np.abs(m.xy))


def test_group_means_ignore_missing_values():
    values = np.array([[1.0, np.nan], [3.0, 4.0], [10.0, np.nan]])
    out = group_means(values, ["a", "a", "b"], ["b", "a", "c"])
    assert out[0, 0] == 10 and np.isnan(out[0, 1]) and out[1].tolist() == [2.0, 4.0] and np.isnan(out[2]).all()


def test_template_terms_are_in_every_article_of_one_outlet_and_nowhere_else():
    # term 0: outlet A's template; 1: A's topic, in some of A and some others; 2: everywhere
    docs = [np.array([0, 1, 2]), np.array([0, 2]), np.array([0, 2]), np.array([1, 2]), np.array([2]), np.array([1, 2])]
    outlets = ["A", "A", "A", "B", "B", "B"]
    assert template_terms(docs, outlets, 3).tolist() == [0]
    assert template_terms(docs, outlets, 3, min_articles=4).tolist() == []  # too few articles to tell


def test_boilerplate_lines_are_repeated_lines_of_several_articles():
    lines = BoilerplateLines()
    for k, day in enumerate(("Monday", "Tuesday", "Friday")):  # digits are folded: years and counts do not tell lines apart
        lines.add(f"Sanctions were debated on {day}.\nAdvertisement\nAdvertisement\nCopyright 20{k}9 Daily LLC")
    lines.add("Sanctions again.\nAdvertisement")
    counts = lines.term_counts(min_articles=3)
    assert counts["advertisement"] == 7 and counts["llc"] == 3 and "sanctions" not in counts
