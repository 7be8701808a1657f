"""Cost of the lexicon tools (`framing lexicon ...`) on a real corpus, with the shipped lexicons.

    python benchmarks/bench_lexicon_tools.py [--corpus PATH] [--n 3000]

Uses the first N articles of the ABP corpus (`../shared/corpora/abp/articles.jsonl.gz`), written
to a temporary JSONL file so every tool reads it the way a user's corpus is read. Each tool runs
in its own process (so peak memory is its own); printed: wall seconds, CPU seconds and peak RSS.
The diff is run twice: a layer that changes entries (only articles holding a changed entry are
re-scored) and one that changes a parameter (every article is re-scored).
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "abp" / "articles.jsonl.gz"

ENTRY_LAYER = """dimension: alliance
categories:
  threat:
    entries:
      - collusion: 2
      - joint exercises
    remove:
      - collu*
  hollow:
    entries:
      - uneasy partners
"""
PARAM_LAYER = """dimension: alliance
params:
  mixed_band: 0.25
"""


def _run(label: str, args: list[str]) -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "framing", "lexicon", *args], capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    status = "" if proc.returncode in (0, 1) else f"  (exit {proc.returncode}: {proc.stderr.strip()[:120]})"
    # ru_maxrss of children is the largest of any child so far; each tool here is run in order of
    # increasing memory, so the figure is this tool's own peak.
    print(f"{label:<34} {wall:8.1f} s wall {cpu:8.1f} s CPU {after.ru_maxrss / 1024:8.0f} MB peak{status}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--n", type=int, default=3000)
    args = parser.parse_args()
    if not args.corpus.exists():
        print(f"{args.corpus}: not found; pass --corpus", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        opener = gzip.open if args.corpus.suffix == ".gz" else open
        with opener(args.corpus, "rt", encoding="utf-8") as src, open(corpus, "w", encoding="utf-8") as out:
            n = 0
            for line in itertools.islice(src, args.n):
                out.write(line)
                n += 1
        entries, params = Path(tmp) / "entries", Path(tmp) / "params"
        entries.mkdir()
        params.mkdir()
        (entries / "alliance.yaml").write_text(ENTRY_LAYER)
        (params / "alliance.yaml").write_text(PARAM_LAYER)
        size = corpus.stat().st_size / 1e6
        print(f"corpus: {n} articles, {size:.1f} MB ({args.corpus})")
        _run("validate (shipped, no corpus)", ["validate"])
        _run("kwic collu*", ["kwic", "collu*", "--corpus", str(corpus), "--limit", "5"])
        _run("diff, entries changed", ["diff", "-", str(entries), "--corpus", str(corpus)])
        _run("diff, a parameter changed", ["diff", "-", str(params), "--corpus", str(corpus)])
        _run("show alliance --corpus", ["show", "alliance", "--corpus", str(corpus)])
        _run("validate --corpus", ["validate", "--corpus", str(corpus)])
        _run("suggest alliance.hollow", ["suggest", "alliance.hollow", "--corpus", str(corpus), "--examples", "1"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
