"""Select the ABP articles of the real-text yardstick (framing/data/real/).

Reproducible selection, kept for the record: which ABP articles were coded and why. Articles
that name at least two of the four countries at least four times in all (so the article
discusses them, not just mentions one in passing), 1,500-6,000 characters (long enough to carry
a frame, short enough to be read whole by a coder), at most three per outlet, shuffled with a
fixed seed; 40 from opinion outlets and 75 from the rest, so the opinion pieces among the news
are present. Prints one ABP id per line.

`--opinion-dev` gives the second round (coded to have more real advocacy to learn from): every
ABP article from an opinion outlet (the same outlet pattern), 1,500-6,000 characters, that names
at least one of the four countries at least four times, is not in the yardstick yet, and whose
outlet family falls in the `dev` split (so `test` is left exactly as it was), sorted by id.

    python benchmarks/real_select_news.py [--corpus PATH] > ids.txt
    python benchmarks/real_select_news.py --opinion-dev > ids-round2.txt
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


def select_opinion_dev(corpus: Path, coded: set[str]) -> list[str]:
    """The second round: uncoded opinion pieces on any of the four, from `dev` outlets only."""
    from real_coding import _outlet_family, split_of  # noqa: PLC0415 (a sibling script)

    pats = [re.compile(p) for p in COUNTRIES.values()]
    ids = []
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            text = row["text"]
            if row["id"] in coded or not OPINION_SOURCE.search(row["source"]) or not 1500 <= len(text) <= 6000:
                continue
            if sum(len(p.findall(text)) for p in pats) >= 4 and split_of(_outlet_family(row["source"])) == "dev":
                ids.append(row["id"])
    return sorted(ids)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared/corpora/abp/articles.jsonl.gz")
    ap.add_argument("--opinion-dev", action="store_true", help="the second round (see above)")
    args = ap.parse_args()
    if args.opinion_dev:
        codes = Path(__file__).resolve().parents[1] / "framing" / "data" / "real" / "article_codes.jsonl"
        coded = {json.loads(line)["corpus_id"] for line in codes.read_text(encoding="utf-8").splitlines() if line.strip()}
        chosen = select_opinion_dev(args.corpus, coded)
    else:
        chosen = select(args.corpus)
    for article_id in chosen:
        print(article_id)


if __name__ == "__main__":
    main()
