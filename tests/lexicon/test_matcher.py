from framing.lexicon.matcher import PhraseMatcher


def _m(*entries):
    return PhraseMatcher((tuple(("prefix", w[:-1]) if w.endswith("*") else ("exact", w) for w in e.split()), e) for e in entries)


def test_longest_phrase_wins():
    m = _m("marriage", "marriage of convenience")
    assert m.find("a marriage of convenience".split()) == [(1, 4, "marriage of convenience")]


def test_shorter_entry_still_matches_when_the_phrase_is_incomplete():
    m = _m("marriage", "marriage of convenience")
    assert m.find("a marriage of equals".split()) == [(1, 2, "marriage")]


def test_prefix_wildcards_and_exact_preference():
    m = _m("coordinat*", "coordination")
    found = m.find("coordinated coordination coordinat".split())
    assert found == [(0, 1, "coordinat*"), (1, 2, "coordination"), (2, 3, "coordinat*")]


def test_wildcard_inside_a_phrase():
    m = _m("deepen* ties")
    assert m.find("they deepened ties and deepening ties".split()) == [(1, 3, "deepen* ties"), (4, 6, "deepen* ties")]


def test_matches_do_not_overlap():
    m = _m("axis of", "of upheaval", "upheaval")
    assert m.find("axis of upheaval".split()) == [(0, 2, "axis of"), (2, 3, "upheaval")]


def test_adversarial_wildcards_stay_linear():
    # Many wildcards sharing prefixes and a long repetitive text: no backtracking blow-up.
    import time

    m = PhraseMatcher([((("prefix", "a" * k),) * 3, k) for k in range(3, 60)])
    tokens = ["a" * 60] * 20000
    t0 = time.perf_counter()
    found = m.find(tokens)
    assert time.perf_counter() - t0 < 5.0
    assert len(found) == 20000 // 3
