"""Throughput of framing's scoring, stage by stage, against stock VADER on the same sentences.

    python benchmarks/throughput.py [--n 1000] [--batch-n 4000] [--offset 0] [--repeat 3] [--jobs 2]
                                    [--no-batch | --batch-only] [--corpus PATH] [--json OUT]

Scores a fixed slice of the ABP corpus (`../shared/corpora/abp/articles.jsonl.gz`; a generated
news-like corpus when it is absent) and prints articles/s and MB/s for:

- each stage alone: sentences and tokens, the lexicons (matching and scoring), sentiment, and each
  of `Scorer.extras` (the classifiers, whichever are installed: they are picked up automatically);
- the whole pipeline on one core (`score_articles` on chunks of `CHUNK_SIZE` articles, as the
  batch engine scores them; everything above);
- stock vaderSentiment `SentimentIntensityAnalyzer().polarity_scores` over exactly the sentences
  the pipeline scores: the yardstick. The ratio pipeline / VADER is the headline figure (>= 1.0:
  the whole framing pipeline is at least as fast as VADER alone);
- which path ran the hot loops: the compiled accelerator or, with FRAMING_PURE_PYTHON=1, the
  pure-Python code (`framing.accel`);
- unless --no-batch: `run_batch` end to end (read, score, write all outputs, no cache) with
  `--jobs 1` and `--jobs N`, and the speed-up, on its own slice of --batch-n articles (default
  4,000, from the same --offset): a batch run has fixed costs (starting workers, the last chunk,
  writing the score table) that a slice as small as the stage slice would overstate.

Every stage runs --repeat times, interleaved with the others, and the fastest run of each is kept,
so the ratios hold on a noisy machine; single-core stages are timed in CPU seconds of this
process (immune to other programs' load), the batch runs in wall-clock seconds. Stages run with
the garbage-collector settings the batch engine uses. Peak RSS of this process (and of the batch
workers) is printed at the end.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from framing.accel import describe as describe_accelerator  # noqa: E402
from framing.engines import tuned_gc  # noqa: E402
from framing.models import Article  # noqa: E402
from framing.batch import run_batch  # noqa: E402
from framing.pipeline import CHUNK_SIZE, build_scorer, extra_outputs, score_articles  # noqa: E402
from framing.scoring.kinds import score_dimension  # noqa: E402
from framing.scoring.lexicon_scores import DocumentCache, match_document  # noqa: E402
from framing.scoring.sentiment import analyzer, sentence_compounds  # noqa: E402
from framing.text import preprocess  # noqa: E402

ABP = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "abp" / "articles.jsonl.gz"


def load_slice(corpus: Path, n: int, offset: int = 0) -> list[Article]:
    """Articles offset..offset+n-1 of a JSONL(.gz) corpus with id, title and text fields."""
    arts: list[Article] = []
    opener = gzip.open if corpus.name.endswith(".gz") else open
    with opener(corpus, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i < offset:
                continue
            if len(arts) >= n:
                break
            rec = json.loads(line)
            meta = {k: v for k, v in rec.items() if k not in ("id", "title", "text") and isinstance(v, (str, int, float))}
            arts.append(Article(id=str(rec.get("id", i)), text=rec["text"], title=rec.get("title") or "", metadata=meta, source=f"{corpus}:{i + 1}"))
    return arts


_SUBJECTS = ["Russia", "China", "Iran", "North Korea", "Beijing", "Moscow", "Tehran", "Pyongyang", "The alliance", "Washington", "The bloc", "Officials"]
_VERBS = ["coordinated with", "deepened ties with", "distrusts", "warned", "signed a deal with", "criticized", "praised",
          "is not really aligned with", "condemned", "rejected talks with", "welcomed", "hardly trusts"]
_OBJECTS = ["its partners", "the axis of upheaval", "a marriage of convenience", "the West", "sanctions", "a multipolar order",
            "new arms transfers", "the United States", "an uneasy partnership", "diplomacy", "the strategic partnership", "NATO"]
_TAILS = ["", ", analysts said", ", but the partnership remains fragile", ", a very worrying sign", " despite deep mistrust",
          ", which is great news for Beijing", " -- a terrible mistake", ", officials said on Tuesday", "!", "?"]


def generated_corpus(n: int, *, seed: int = 7) -> list[Article]:
    """Deterministic news-like articles (about 45 sentences each) built from alignment vocabulary,
    for machines without the ABP corpus."""
    rng = random.Random(seed)
    arts = []
    for i in range(n):
        paras = []
        for _ in range(rng.randint(8, 14)):
            sents = []
            for _ in range(rng.randint(2, 6)):
                tail = rng.choice(_TAILS)
                end = "" if tail in ("!", "?") else "."
                sents.append(f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}{tail}{end}")
            paras.append(" ".join(sents))
        arts.append(Article(id=f"gen-{i}", text="\n\n".join(paras), title=f"Generated article {i}", source=f"generated:{i}"))
    return arts


def _lexicon_outputs(doc: Any, scorer: Any) -> tuple[dict[str, Any], list[Any]]:
    """What `score_document` hands to the extras: the lexicon columns and every match."""
    scores: dict[str, Any] = {"n_tokens": doc.n_tokens, "n_sentences": len(doc.sentences)}
    matches: list[Any] = []
    cache = DocumentCache()
    for compiled in scorer.compiled:
        found = match_document(doc, compiled, cache=cache)
        scores.update(score_dimension(compiled.lexicon, found, n_tokens=doc.n_tokens, n_sentences=len(doc.sentences)))
        matches.extend(found)
    return scores, matches


def measure(stages: list[tuple[str, Callable[[], Any]]], repeat: int) -> dict[str, float]:
    """Fastest time of each stage over `repeat` interleaved rounds, in CPU seconds of this process
    (single-core stages: other programs' load does not inflate them)."""
    best = {name: float("inf") for name, _ in stages}
    for _ in range(repeat):
        for name, fn in stages:
            t = time.process_time()
            fn()
            best[name] = min(best[name], time.process_time() - t)
    return best


def _busy_seconds() -> float | None:
    """CPU seconds all programs have used on this machine (Linux), to see how much of a run's
    machine other programs took."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _batch_speed(arts: list[Article], scorer: Any, *, jobs: int, repeat: int) -> dict[str, tuple[float, float | None]]:
    """Fastest wall-clock time of run_batch per job count, with the share of the machine's two
    cores other programs used during that run (None when unknown)."""
    with tempfile.TemporaryDirectory(prefix="framing-bench-") as tmp:
        corpus = Path(tmp) / "slice.jsonl"
        with open(corpus, "w", encoding="utf-8") as fh:
            for a in arts:
                fh.write(json.dumps({"id": a.id, "title": a.title, "text": a.text, **a.metadata}, ensure_ascii=False) + "\n")
        runs = [(f"--jobs {j}", j) for j in sorted({1, jobs})]
        best: dict[str, tuple[float, float | None]] = {label: (float("inf"), None) for label, _ in runs}
        cores = os.cpu_count() or 1
        for r in range(repeat):
            for label, j in runs:
                busy0, own0, t = _busy_seconds(), _own_seconds(), time.perf_counter()
                run_batch([corpus], Path(tmp) / f"out-{j}-{r}", scorer=scorer, jobs=j, cache=False)
                wall = time.perf_counter() - t
                busy1, own1 = _busy_seconds(), _own_seconds()
                others = None if busy0 is None or busy1 is None else max(0.0, (busy1 - busy0) - (own1 - own0)) / (wall * cores)
                if wall < best[label][0]:
                    best[label] = (wall, others)
    return best


def _stage_figures(arts: list[Article], where: str, scorer: Any, *, repeat: int) -> dict[str, Any]:
    """Each stage alone, the whole pipeline and stock VADER on `arts`, in CPU seconds of one core."""
    mb = sum(len(a.text.encode("utf-8")) for a in arts) / 1e6
    docs = [preprocess(a) for a in arts]
    sentences = [[a.text[s.start:s.end] for s in d.sentences] for a, d in zip(arts, docs)]
    n_sent = sum(map(len, sentences))
    lexicon_out = [_lexicon_outputs(d, scorer) for d in docs]
    stock = analyzer().polarity_scores
    print(f"corpus: {where}: {len(arts)} articles, {mb:.1f} MB, {n_sent:,} sentences", flush=True)

    def lexicons() -> None:
        for d in docs:
            _lexicon_outputs(d, scorer)

    def extra_stage(extra: Any) -> Callable[[], None]:
        def run() -> None:  # on the batch engine's chunks, as the pipeline calls it
            for i in range(0, len(docs), CHUNK_SIZE):
                outputs = lexicon_out[i : i + CHUNK_SIZE]
                extra_outputs(extra, docs[i : i + CHUNK_SIZE], [dict(scores) for scores, _ in outputs], [matches for _, matches in outputs])
        return run

    def sentences_and_tokens() -> None:
        for a in arts:
            preprocess(a)  # not kept: as in the pipeline, each document lives for one article

    def full_pipeline() -> None:
        for i in range(0, len(arts), CHUNK_SIZE):
            score_articles(arts[i : i + CHUNK_SIZE], scorer)

    stages: list[tuple[str, Callable[[], Any]]] = [
        ("sentences + tokens", sentences_and_tokens),
        ("lexicons", lexicons),
        ("sentiment (framing's VADER)", lambda: [sentence_compounds(s) for s in sentences]),
        *[(f"extra: {e.name}", extra_stage(e)) for e in scorer.extras],
        ("full pipeline, one core", full_pipeline),
        ("stock VADER polarity_scores", lambda: [[stock(s) for s in sents] for sents in sentences]),
    ]
    figures: dict[str, Any] = {"corpus": where, "articles": len(arts), "megabytes": round(mb, 2), "sentences": n_sent, "stages": {}}
    with tuned_gc():
        best = measure(stages, repeat)
    print(f"\n{'stage (CPU time, one core)':32s} {'seconds':>8s} {'articles/s':>11s} {'MB/s':>7s}")
    for name, seconds in best.items():
        figures["stages"][name] = {"seconds": round(seconds, 6), "articles_per_s": round(len(arts) / seconds, 1), "mb_per_s": round(mb / seconds, 2)}
        print(f"{name:32s} {seconds:8.2f} {len(arts) / seconds:11.1f} {mb / seconds:7.2f}")
    ratio = best["stock VADER polarity_scores"] / best["full pipeline, one core"]
    figures["ratio_pipeline_vs_stock_vader"] = round(ratio, 2)
    print(f"\nwhole pipeline vs stock VADER alone on the same sentences: {ratio:.2f}x (>= 1.0: the pipeline is faster)")
    return figures


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=ABP, help="JSONL(.gz) corpus (default: the ABP corpus)")
    ap.add_argument("--n", type=int, default=1000, help="articles in the slice (default 1000)")
    ap.add_argument("--batch-n", type=int, default=4000, help="articles in the batch (--jobs) comparison's slice (default 4000)")
    ap.add_argument("--offset", type=int, default=0, help="first article of the slices (default 0)")
    ap.add_argument("--repeat", type=int, default=3, help="rounds; the fastest of each stage is kept (default 3)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes for the batch comparison (default 2)")
    ap.add_argument("--no-batch", action="store_true", help="skip the run_batch --jobs comparison")
    ap.add_argument("--batch-only", action="store_true", help="only the run_batch --jobs comparison")
    ap.add_argument("--no-classifiers", action="store_true", help="lexicons and sentiment only")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args(argv)

    if args.corpus.exists():
        def take(n: int) -> tuple[list[Article], str]:
            part = load_slice(args.corpus, n, args.offset)
            return part, f"{args.corpus.name} articles {args.offset}-{args.offset + len(part) - 1}"
    else:
        def take(n: int) -> tuple[list[Article], str]:
            return generated_corpus(n), f"generated corpus ({args.corpus} not found)"
    scorer = build_scorer(classifiers=not args.no_classifiers)
    extras = list(scorer.extras)
    figures: dict[str, Any] = {"extras": [e.name for e in extras], "accelerator": describe_accelerator(), "load_average_before": os.getloadavg()[0], "stages": {}}
    print(f"accelerator: {figures['accelerator']} (FRAMING_PURE_PYTHON=1 measures the pure-Python path)", flush=True)
    print(f"lexicons: {', '.join(lx.dimension for lx in scorer.lexicons)}; extras: {', '.join(e.name for e in extras) or 'none installed'}", flush=True)
    if not args.batch_only:
        figures.update(_stage_figures(*take(args.n), scorer, repeat=args.repeat))

    if not args.no_batch:
        batch_arts, batch_where = take(args.batch_n)
        batch_mb = sum(len(a.text.encode("utf-8")) for a in batch_arts) / 1e6
        print(f"\nload average before the batch runs: {os.getloadavg()[0]:.2f} (other programs' load slows the --jobs runs)")
        batch = _batch_speed(batch_arts, scorer, jobs=args.jobs, repeat=args.repeat)
        t1 = batch["--jobs 1"][0]
        figures["batch_corpus"] = batch_where
        figures["batch_articles"] = len(batch_arts)
        figures["batch"] = {
            label: {"seconds": round(t, 2), "articles_per_s": round(len(batch_arts) / t, 1), "other_programs_share": None if o is None else round(o, 3)}
            for label, (t, o) in batch.items()
        }
        print(f"\nrun_batch end to end (read, score, write; no cache) on {batch_where}: {len(batch_arts)} articles, {batch_mb:.1f} MB")
        for label, (t, others) in batch.items():
            busy = "" if others is None else f"   (other programs used {others:.0%} of the machine meanwhile)"
            print(f"  {label:9s} {t:7.2f} s {len(batch_arts) / t:9.1f} articles/s {batch_mb / t:6.2f} MB/s   speed-up {t1 / t:.2f}x{busy}")
        if args.jobs > 1:
            figures["batch_speedup"] = round(t1 / batch[f"--jobs {args.jobs}"][0], 2)

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    figures["peak_rss_mb"] = {"this_process": round(own, 1), "largest_worker": round(children, 1)}
    print(f"\npeak RSS: this process {own:.0f} MB (held the stage slice and its documents, then the batch slice); largest worker {children:.0f} MB")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return figures


if __name__ == "__main__":
    main()
