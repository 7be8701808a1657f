"""A cached rerun against the first run, whole process, as a user runs `framing score`.

    python benchmarks/rerun.py [--corpus FILE] [--n 600] [--repeat 3]

Scores the first `--n` articles of the corpus (default: the ABP corpus) into a fresh folder,
then again into the same folder with its cache unchanged, each as its own `framing score`
process (imports, model loading, reading and writing included), and prints the wall times, the
speed-up, and the numerical libraries the rerun imported. The fastest of `--repeat` rounds is
kept for each.
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("sklearn", "scipy", "matplotlib", "seaborn", "nltk", "pandas", "vaderSentiment", "numpy")
_PROBE = """
import atexit, sys
from framing.cli import main
heavy = set(sys.argv[1].split(","))
atexit.register(lambda: print("imported:", ",".join(sorted({m.split(".")[0] for m in sys.modules} & heavy)), file=sys.stderr))
sys.argv = ["framing", "score", sys.argv[2], "--out", sys.argv[3], "-j", "1", "-q"]
main()
"""


def _run(corpus: Path, out: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _PROBE, ",".join(HEAVY), str(corpus), str(out)], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    imported = next((ln.split(":", 1)[1].strip() for ln in done.stderr.splitlines() if ln.startswith("imported:")), "")
    return seconds, imported


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "abp" / "articles.jsonl.gz")
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    opener = gzip.open if args.corpus.suffix == ".gz" else open
    with tempfile.TemporaryDirectory(prefix="framing-rerun-") as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        with opener(args.corpus, "rt", encoding="utf-8") as src, open(corpus, "w", encoding="utf-8") as dst:
            dst.writelines(itertools.islice(src, args.n))
        first, rerun, imported = [], [], ""
        for r in range(args.repeat):
            out = Path(tmp) / f"out-{r}"
            first.append(_run(corpus, out)[0])
            seconds, imported = _run(corpus, out)
            rerun.append(seconds)
    print(f"{args.n} articles of {args.corpus.name}, whole `framing score` process, fastest of {args.repeat}:")
    print(f"  first run          {min(first):6.2f} s")
    print(f"  cached rerun       {min(rerun):6.2f} s   ({min(first) / min(rerun):.1f}x faster)")
    print(f"  the rerun imported: {imported or 'none of ' + ', '.join(HEAVY)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
