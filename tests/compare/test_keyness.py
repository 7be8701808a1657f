"""framing.compare.keyness: G2 and Log Ratio, keyness terms, outlet templates, boilerplate lines."""
import math

import numpy as np
import pytest

from framing.compare.keyness import BoilerplateLines, keyness, keyness_terms, log_likelihood, template_terms


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
