"""Peak memory of a whole batch run, as a user runs it.

    python benchmarks/memory.py [--corpus PATH] [--jobs 1] [--engine local] [--limit N] [-- extra score options]

Runs `framing score CORPUS --out TMP --quiet --no-cache --jobs N` (default corpus: all 29,561
articles of `../shared/corpora/abp/articles.jsonl.gz`; a generated corpus of --limit articles,
default 5,000, when it is absent) and samples the memory of the process and its workers ten times
a second. Prints the peak resident set size (RSS) of the main process, of the largest worker and
of all of them together, and the peak proportional set size (PSS: shared pages counted once, so
forked workers sharing the scorer are not counted twice) when the system reports it, with the
run time and throughput.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ABP = ROOT.parent / "shared" / "corpora" / "abp" / "articles.jsonl.gz"


def _tree(pid: int) -> list[int]:
    """pid and its descendants (from /proc; Linux)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, stack = [], [pid]
    while stack:
        p = stack.pop()
        out.append(p)
        stack.extend(children.get(p, []))
    return out


def _memory_kb(pid: int) -> tuple[int, int | None]:
    """(RSS, PSS) of one process in kB; PSS None when unavailable."""
    rss = pss = None
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                    break
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                    break
    except OSError:
        pass
    return rss or 0, pss


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=ABP)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--engine", default="local")
    ap.add_argument("--limit", type=int, default=5000, help="articles in the generated corpus (when --corpus is absent)")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args, extra = ap.parse_known_args(argv)
    if not Path("/proc/self/status").exists():
        sys.exit("memory.py samples /proc: Linux only")

    with tempfile.TemporaryDirectory(prefix="framing-mem-") as tmp:
        corpus = args.corpus
        if not corpus.exists():
            sys.path.insert(0, str(HERE))
            from throughput import generated_corpus

            corpus = Path(tmp) / "generated.jsonl"
            with open(corpus, "w", encoding="utf-8") as fh:
                for a in generated_corpus(args.limit):
                    fh.write(json.dumps({"id": a.id, "title": a.title, "text": a.text}) + "\n")
        cmd = [sys.executable, "-m", "framing", "score", str(corpus), "--out", str(Path(tmp) / "out"), "--quiet", "--no-cache",
               "--jobs", str(args.jobs), "--engine", args.engine, *[a for a in extra if a != "--"]]
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env)
        peak = {"main_rss": 0, "worker_rss": 0, "total_rss": 0, "total_pss": 0}
        while proc.poll() is None:
            pids = _tree(proc.pid)
            sizes = {p: _memory_kb(p) for p in pids}
            main_rss = sizes.get(proc.pid, (0, None))[0]
            workers = [rss for p, (rss, _) in sizes.items() if p != proc.pid]
            peak["main_rss"] = max(peak["main_rss"], main_rss)
            peak["worker_rss"] = max([peak["worker_rss"], *workers])
            peak["total_rss"] = max(peak["total_rss"], sum(rss for rss, _ in sizes.values()))
            if all(pss is not None for _, pss in sizes.values()):
                peak["total_pss"] = max(peak["total_pss"], sum(pss for _, pss in sizes.values()))
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        if proc.returncode not in (0, 1):
            sys.exit(f"framing score failed with exit code {proc.returncode}")
        manifest = json.loads((Path(tmp) / "out" / "manifest.json").read_text(encoding="utf-8"))

    n = manifest["n_articles"]
    figures = {
        "command": " ".join(["framing", *cmd[3:5], "--out", "OUT", *cmd[7:]]),
        "articles": n, "seconds": round(seconds, 1), "articles_per_s": round(n / seconds, 1),
        **{k: round(v / 1024, 1) for k, v in peak.items()},
    }
    print(f"{figures['command']}\n{n:,} articles in {seconds:.1f} s ({n / seconds:.1f} articles/s)")
    print(f"peak RSS: main process {peak['main_rss'] / 1024:.0f} MB; largest worker {peak['worker_rss'] / 1024:.0f} MB; "
          f"all processes {peak['total_rss'] / 1024:.0f} MB"
          + (f" (PSS, shared pages counted once: {peak['total_pss'] / 1024:.0f} MB)" if peak["total_pss"] else ""))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return figures


if __name__ == "__main__":
    main()
