"""Each lexicon and cue list is matched once over a document's token list (sentences joined by a
sentinel token) instead of sentence by sentence: the same matches and scope flags, and the
sentence-by-sentence way still runs for an entry the sentinel does not stop (a bare `*`)."""
from __future__ import annotations

from dataclasses import replace

from framing.lexicon.matcher import MatcherGroup
from framing.models import Article, LexiconEntry
from framing.pipeline import build_scorer
from framing.scoring.lexicon_scores import CompiledLexicon, DocumentCache, match_document
from framing.text import preprocess

ANY_TOKEN = (("prefix", ""),)  # a bare `*`: matches every token, the sentinel too


def _documents(seeds_dir):
    return [preprocess(Article(p.name, p.read_text(encoding="utf-8"))) for p in sorted(seeds_dir.glob("*.txt"))]


def test_the_document_pass_finds_what_sentence_by_sentence_finds(seeds_dir):
    docs = _documents(seeds_dir)
    for compiled in build_scorer(classifiers=False).compiled:
        by_sentence = CompiledLexicon(compiled.lexicon)
        by_sentence.sentinel_safe = False  # the terms sentence by sentence
        for name in ("negation", "hedging", "quotation"):
            setattr(by_sentence, name, replace(getattr(by_sentence, name), sentinel_safe=False))
        by_sentence.group = MatcherGroup(by_sentence.document_matchers())
        assert not by_sentence.document_matchers()
        for doc in docs:
            assert match_document(doc, compiled, cache=DocumentCache()) == match_document(doc, by_sentence)


def test_a_bare_wildcard_cue_is_matched_sentence_by_sentence():
    lexicon = next(c.lexicon for c in build_scorer(classifiers=False).compiled if c.lexicon.kind == "stances")
    negation = lexicon.scope.negation
    wild = replace(lexicon, scope=replace(lexicon.scope, negation=replace(negation, cues=(LexiconEntry("*", "cue", 1.0, ANY_TOKEN),), boundaries=frozenset())))
    compiled = CompiledLexicon(wild)
    assert not compiled.negation.sentinel_safe and compiled.sentinel_safe
    term = next(e for c in lexicon.categories for e in c.entries if len(e.pattern) == 1 and e.pattern[0][0] == "exact")
    word = term.pattern[0][1]
    doc = preprocess(Article("x", f"{word} first. Then {word} again.\n{word}"))
    found = match_document(doc, compiled)
    # every token is a cue: a term is negated unless it opens its sentence (no cue before it)
    assert [(m.sentence_index, m.negated) for m in found] == [(0, False), (1, True), (2, False)]
