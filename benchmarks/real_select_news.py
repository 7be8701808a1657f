"""Select the ABP articles of the real-text yardstick (framing/data/real/).

Reproducible selection, kept for the record: which ABP articles were coded and why. Articles
that name at least two of the four countries at least four times in all (so the article
discusses them, not just mentions one in passing), 1,500-6,000 characters (long enough to carry
a frame, short enough to be read whole by a coder), at most three per outlet, shuffled with a
fixed seed; 40 from opinion outlets and 75 from the rest, so the opinion pieces among the news
are present. Prints one ABP id per line.

    python benchmarks/real_select_news.py [--corpus PATH] > ids.txt
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import re
from collections import Counter
from pathlib import Path

COUNTRIES = {
    "china": r"\b(China|Chinese|Beijing)\b",
    "russia": r"\b(Russia|Russian|Russians|Moscow|Kremlin|Putin)\b",
    "north_korea": r"\b(North Korea|North Korean|North Koreans|Pyongyang|Kim Jong[- ]?(Un|Il))\b",
    "iran": r"\b(Iran|Iranian|Iranians|Tehran)\b",
}
OPINION_SOURCE = re.compile(r"(Guest Writer|Editorial|Opinion|National Review|Townhall|Victor Hanson|"
                            r"Daily Kos|Flip Side|Reason|American Spectator|Jacobin|Mother Jones|"
                            r"The Nation|Vox|Slate|Salon|Federalist|American Conservative)", re.I)
SEED = 20261201
N_OPINION, N_OTHER, PER_OUTLET = 40, 75, 3


def candidates(corpus: Path):
    pats = [re.compile(p) for p in COUNTRIES.values()]
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            text = row["text"]
            if not 1500 <= len(text) <= 6000:
                continue
            hits = [len(p.findall(text)) for p in pats]
            if sum(1 for h in hits if h) >= 2 and sum(hits) >= 4:
                yield row


def select(corpus: Path) -> list[str]:
    rows = sorted(candidates(corpus), key=lambda r: r["id"])
    random.Random(SEED).shuffle(rows)
    per_outlet: Counter = Counter()
    opinion, other = [], []
    for row in rows:
        if per_outlet[row["source"]] >= PER_OUTLET:
            continue
        bucket, quota = (opinion, N_OPINION) if OPINION_SOURCE.search(row["source"]) else (other, N_OTHER)
        if len(bucket) < quota:
            bucket.append(row["id"])
            per_outlet[row["source"]] += 1
    return opinion + other


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared/corpora/abp/articles.jsonl.gz")
    args = ap.parse_args()
    for article_id in select(args.corpus):
        print(article_id)


if __name__ == "__main__":
    main()
