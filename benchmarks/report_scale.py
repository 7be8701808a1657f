"""How long `framing report` takes and how big the report gets, as the number of articles grows.

    python benchmarks/report_scale.py                       # 100 and 10,000 articles
    python benchmarks/report_scale.py --articles 100 1000 --corpus my.jsonl.gz

Articles come from --corpus (JSONL, optionally gzipped; default: the ABP news corpus in
/work/shared/corpora/abp when present) or are synthesised (--synthetic). Each size is scored once
with `framing score --no-classifiers` (kept in --workdir for later runs), then rendered with
`framing report` in a child process pinned to one CPU core. Reported: wall and CPU time, peak
memory, the size of index.html, pairs.html, all pages, and the number of article pages.

Run on demand; the machine should be otherwise idle for the times to mean anything.
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ABP = Path("/work/shared/corpora/abp/articles.jsonl.gz")


def _open(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")


def _synthetic(path: Path, n: int) -> None:
    rng = random.Random(0)
    frames = ["China and Russia coordinate as a bloc, an axis of upheaval.", "Their partnership is a fragile marriage of convenience.",
              "Beijing calls the multipolar order a win-win partnership."]
    policy = ["Washington should impose sanctions.", "Sanctions only push them closer.", "The West must pursue diplomacy and talks."]
    filler = [f"Officials discussed item {k} of the trade agenda on Tuesday." for k in range(50)]
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            sentences = rng.sample(frames, 2) + rng.sample(policy, 2) + rng.sample(filler, 30)
            rng.shuffle(sentences)
            fh.write(json.dumps({"id": f"a{i}", "title": f"Article {i}", "outlet": f"outlet {i % 7}", "text": " ".join(sentences)}) + "\n")


def prepare(n: int, workdir: Path, corpus: Path | None) -> Path:
    scores = workdir / f"scores-{n}"
    if (scores / "manifest.json").exists():
        return scores
    source = workdir / f"articles-{n}.jsonl"
    if corpus is not None:
        with _open(corpus) as fh, open(source, "w", encoding="utf-8") as out:
            for line in itertools.islice(fh, n):
                out.write(line)
    else:
        _synthetic(source, n)
    print(f"scoring {n} articles (once) ...", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "framing", "score", str(source), "--out", str(scores), "--no-classifiers", "--quiet"], check=False)
    return scores


def _one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def render(scores: Path, out: Path, extra: list[str]) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "framing", "report", str(scores), "--out", str(out), *extra], check=True, preexec_fn=_one_core)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    pages = list((out / "articles").glob("*.html"))
    html = list(out.glob("*.html")) + pages
    return {
        "wall_s": wall,
        "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "peak_mb": after.ru_maxrss / 1024,
        "index_mb": (out / "index.html").stat().st_size / 1e6,
        "pairs_mb": (out / "pairs.html").stat().st_size / 1e6,
        "all_mb": (sum(p.stat().st_size for p in html) + (out / "report.css").stat().st_size) / 1e6,
        "pages": len(pages),
        "table_pages": len(list(out.glob("table-*.html"))) + 1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[100, 10_000])
    parser.add_argument("--corpus", type=Path, default=ABP if ABP.exists() else None)
    parser.add_argument("--synthetic", action="store_true", help="synthesise articles instead of reading a corpus")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/framing-report-bench"))
    parser.add_argument("--by", default=None, help="also pass --by FIELD to the report")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    corpus = None if args.synthetic else args.corpus
    extra = ["--by", args.by] if args.by else []
    print(f"corpus: {corpus or 'synthetic'}; one core; {os.cpu_count()} cores on this machine, load {os.getloadavg()[0]:.1f}")
    print("| articles | wall s | CPU s | peak MB | index.html MB | pairs.html MB | all pages MB | article pages | table pages |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.articles:
        scores = prepare(n, args.workdir, corpus)
        r = render(scores, args.workdir / f"report-{n}", extra)
        print(f"| {n:,} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['peak_mb']:.0f} | {r['index_mb']:.2f} | {r['pairs_mb']:.2f} | "
              f"{r['all_mb']:.1f} | {r['pages']:,} | {r['table_pages']} |", flush=True)


if __name__ == "__main__":
    main()
