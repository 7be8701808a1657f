"""framing.compare.narratives: evidence digests and pairwise narratives."""
from framing.compare.narratives import Quote, digest_evidence, pair_narrative
from framing.compare.schema import infer_schema
from score_header import SCORE_HEADER


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
    schema = infer_schema(SCORE_HEADER)
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
    schema = infer_schema(SCORE_HEADER)
    a = _row("hollow", -0.5, -0.7, -0.1)
    b = _row("hollow", -0.45, -0.6, 0.0)
    claims = pair_narrative(a, b, schema)
    assert claims[0].text.startswith("Both frame the alignment as hollow, with similar positions")
    assert claims[0].quotes_a == () and claims[0].quotes_b == ()
    # a header without these dimensions, and rows without the columns: nothing to say, no error
    assert pair_narrative({}, {}, infer_schema(["id", "title"])) == []
    assert pair_narrative({}, {}, schema) == []
