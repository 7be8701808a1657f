"""Cost of the framing classifiers: model load time and scoring throughput, beside stock VADER.

    python benchmarks/bench_classifiers.py [--corpus PATH] [--n 500] [--repeat 3]

Uses the first N articles of the ABP corpus (`../shared/corpora/abp/articles.jsonl.gz`) or, when
it is absent, the seed articles repeated. Articles are preprocessed once; the figures are CPU
seconds (process time, best of --repeat runs) so that other jobs on the machine disturb them
less. Printed: load time of the shipped models, then MB/s and sentences/s for
(a) the classifiers' `score()` alone (all shipped framing models, given the lexicon matches),
(b) the lexicon dimensions alone, (c) stock vaderSentiment `polarity_scores` per sentence.
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from framing.models import Article  # noqa: E402
from framing.text import preprocess  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "abp" / "articles.jsonl.gz"


def _articles(corpus: Path, n: int) -> list[Article]:
    if corpus.exists():
        with gzip.open(corpus, "rt", encoding="utf-8") as fh:
            return [Article(id=r["id"], text=r["text"]) for r in (json.loads(line) for line in itertools.islice(fh, n))]
    seeds = [Article(id=p.stem, text=p.read_text(encoding="utf-8")) for p in sorted((ROOT / "seeds").glob("*.txt"))]
    return [Article(id=f"{a.id}-{i}", text=a.text) for i, a in enumerate(itertools.islice(itertools.cycle(seeds), n))]


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from framing.lexicon.build import load_lexicons
    from framing.scoring.classifiers import FramingClassifiers
    from framing.scoring.ngram_model import load_model_dir, shipped_model_dir

    lexicons = load_lexicons([])
    t = time.perf_counter()
    models = load_model_dir(shipped_model_dir())
    extra = FramingClassifiers(models, lexicons=lexicons)
    load_seconds = time.perf_counter() - t
    print(f"load {len(models)} framing models ({', '.join(models)}) and build the shared vocabulary: {load_seconds:.2f} s wall")

    from framing.scoring.kinds import score_dimension
    from framing.scoring.lexicon_scores import compile_lexicons, match_document

    compiled = compile_lexicons(lexicons)
    articles = _articles(args.corpus, args.n)
    docs = [preprocess(a) for a in articles]
    megabytes = sum(len(a.text.encode("utf-8")) for a in articles) / 1e6
    n_sentences = sum(len(d.sentences) for d in docs)
    prepared = []
    for d in docs:
        matches, scores = [], {}
        for c in compiled:
            ms = match_document(d, c)
            scores.update(score_dimension(c.lexicon, ms, n_tokens=d.n_tokens, n_sentences=len(d.sentences)))
            matches.extend(ms)
        prepared.append((d, scores, matches))
    extra.score(*prepared[0])  # warm the per-token caches the way a long run would

    def classifiers() -> None:
        for d, scores, matches in prepared:
            extra.score(d, scores, matches)

    def lexicon() -> None:
        for d in docs:
            for c in compiled:
                score_dimension(c.lexicon, match_document(d, c), n_tokens=d.n_tokens, n_sentences=len(d.sentences))

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    sentences = [d.sentence_text(i) for d in docs for i in range(len(d.sentences))]

    def vader() -> None:
        for s in sentences:
            analyzer.polarity_scores(s)

    print(f"{len(docs)} articles, {n_sentences} sentences, {megabytes:.2f} MB ({'ABP corpus' if args.corpus.exists() else 'seeds repeated'})")
    results = {name: _best(fn, args.repeat) for name, fn in (("classifiers", classifiers), ("lexicons", lexicon), ("stock VADER", vader))}
    for name, seconds in results.items():
        print(f"{name:12s} {seconds:6.2f} CPU s   {megabytes / seconds:5.2f} MB/s   {n_sentences / seconds:8.0f} sentences/s")
    print(f"classifiers cost {results['classifiers'] / results['stock VADER']:.2f} x stock VADER")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
