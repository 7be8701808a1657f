from framing.models import Article
from framing.text import normalize_token, preprocess, sentence_tokens, split_sentences, tokenize


def test_token_offsets_point_into_the_text():
    text = "Mr. Jones said the U.S. Navy won’t leave Russia’s “zone”."
    for tok in tokenize(text):
        assert normalize_token(text[tok.start : tok.end]) == tok.norm


def test_treebank_conventions():
    norms = [t.norm for t in tokenize("They don’t trust Russia's anti-Western bloc in the U.S.")]
    assert norms == ["they", "do", "n't", "trust", "russia", "'s", "anti-western", "bloc", "in", "the", "u.s."]


def test_abbreviations_do_not_end_sentences():
    text = "Mr. Jones met Gen. Smith in Washington. The U.S. Navy sailed on. Then it stopped."
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "Mr. Jones met Gen. Smith in Washington.",
        "The U.S. Navy sailed on.",
        "Then it stopped.",
    ]


def test_lines_are_sentence_boundaries_so_headlines_stand_alone():
    text = "A Headline Without a Full Stop\nThe body starts here. It goes on."
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans][0] == "A Headline Without a Full Stop"
    assert len(spans) == 3


def test_document_sentences_and_tokens_keep_offsets():
    text = "First sentence here.\n\nSecond one, with a comma."
    doc = preprocess(Article("a", text))
    assert [doc.sentence_text(i) for i in range(len(doc.sentences))] == ["First sentence here.", "Second one, with a comma."]
    assert doc.n_tokens == 4 + 7
    for s in doc.sentences:
        assert all(s.start <= t.start < t.end <= s.end for t in sentence_tokens(s))


def test_a_huge_single_sentence_is_cut_into_bounded_pieces():
    text = "word " * 5000
    spans = split_sentences(text)
    assert len(spans) > 1
    assert all(e - s <= 2000 for s, e in spans)
    assert text[spans[0][0]:spans[-1][1]].split() == text.split()
