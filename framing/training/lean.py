"""Train the political-lean classifier (left / center / right) on the ABP corpus.

    python -m framing.training.lean --corpus ../shared/corpora/abp/articles.jsonl.gz \\
        --out framing/data/models [--card docs/lean-model-card.md]

What it does, with fixed seeds (same data -> byte-identical weights):

1. streams the gzipped JSONL (only the label/split/outlet columns and a sparse count matrix are
   kept in memory): pass 1 finds boilerplate lines (a line repeated, after lower-casing and digit
   folding, in >= 3 training articles: bylines, bios, newsletter prompts); pass 2 cleans each
   article (title + body; drops those lines, the article's own author names, short caption/
   newsletter/copyright lines, gallery/video widget lines, URLs/e-mails/@handles/domains and
   ~190 outlet and programme names; JSON parsing and cleaning run in a worker process) and counts
   word 1-2-grams (letters only; house-style words such as Mr/Mrs/Ms and "ET" are stop words);
2. picks the vocabulary on the training split only: document frequency >= 5 and <= 50%, used
   by >= 3 outlets, no single outlet holding more than half of its documents (drops outlet
   boilerplate and house style), the 100k most frequent;
3. fits sublinear TF-IDF + logistic regression for each (C, class_weight) of a small grid and
   selects on the validation split by macro-F1 with each outlet counting for at most 100
   articles (the validation split is 59% New York Times);
4. fits a temperature on validation (outlet-capped, class-balanced NLL), evaluates on test
   (outlets unseen in training), compares with the majority baseline and with a random
   article-level stratified split of the same size, checks the saved files reproduce the
   in-memory model, and scores the raw test articles (a third pass) with the saved files;
5. writes ``lean.json`` + ``lean.npz`` (an n-gram model, framing.scoring.ngram_model, in the format of framing.io.model_files; no pickle) and the model
   card, and prints the figures.

The corpus text is never written anywhere; only weights, n-gram features and figures.

Step 1 (reading, cleaning, counting) is in `lean_corpus.py`, steps 2-4 (fitting, figures) in
`lean_fit.py`, the model card in `lean_card.py`; this module runs them and saves the model.
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import platform
import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from ..scoring.features import TokenNgrams
from ..scoring.ngram_model import NgramBlock, NgramModel, TokenPattern, load_ngram_model, save_ngram_model
from .lean_card import write_card
from .lean_corpus import (
    BOILERPLATE_MARKERS,
    HOUSE_STYLE_STOP_WORDS,
    LABELS,
    OUTLET_PHRASES,
    TOKEN_PATTERN,
    WIDGET_MARKERS,
    iter_articles,
    lean_preprocess,
    raw_text,
    vectorize,
)
from .lean_fit import Config, fit_temperature, metrics, random_split, run_split, softmax, top_features

__all__ = [
    "LABELS",
    "OUTLET_PHRASES",
    "BOILERPLATE_MARKERS",
    "WIDGET_MARKERS",
    "HOUSE_STYLE_STOP_WORDS",
    "TOKEN_PATTERN",
    "Config",
    "lean_preprocess",
    "fit_temperature",
    "top_features",
    "main",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpora" / "abp" / "articles.jsonl.gz"
DEFAULT_OUT = REPO_ROOT / "framing" / "data" / "models"
DEFAULT_CARD = REPO_ROOT / "docs" / "lean-model-card.md"


def _parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, Config]:
    ap = argparse.ArgumentParser(prog="python -m framing.training.lean", description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="ABP articles.jsonl.gz")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for lean.json + lean.npz")
    ap.add_argument("--card", type=Path, default=DEFAULT_CARD, help="model card to write (markdown)")
    ap.add_argument("--name", default="lean", help="model file name stem")
    ap.add_argument("--jobs", type=int, default=2, help="parallel fits")
    ap.add_argument("--min-df", type=int, default=Config.min_df)
    ap.add_argument("--min-outlets", type=int, default=Config.min_outlets)
    ap.add_argument("--max-outlet-share", type=float, default=Config.max_outlet_share)
    ap.add_argument("--max-features", type=int, default=Config.max_features)
    ap.add_argument("--boilerplate-min-articles", type=int, default=Config.boilerplate_min_articles)
    ap.add_argument("--grid-c", default=",".join(str(c) for c in Config.grid_C), help="comma-separated C values")
    ap.add_argument("--seed", type=int, default=Config.seed)
    args = ap.parse_args(argv)
    cfg = Config(
        min_df=args.min_df,
        min_outlets=args.min_outlets,
        max_outlet_share=args.max_outlet_share,
        max_features=args.max_features,
        boilerplate_min_articles=args.boilerplate_min_articles,
        grid_C=tuple(float(c) for c in args.grid_c.split(",") if c.strip()),
        seed=args.seed,
        jobs=max(1, args.jobs),
    )
    return args, cfg


def main(argv: Sequence[str] | None = None) -> int:
    args, cfg = _parse_args(argv)
    t_start = time.time()
    log = lambda msg: print(msg, flush=True)  # noqa: E731
    if not args.corpus.is_file():
        print(f"{args.corpus}: corpus not found (expected the ABP articles.jsonl.gz)", file=sys.stderr)
        return 2
    log(f"Reading {args.corpus} (streamed)")
    corpus = vectorize(args.corpus, ngram_range=cfg.ngram_range, min_df=cfg.min_df,
                       boilerplate_min_articles=cfg.boilerplate_min_articles, jobs=cfg.jobs, log=log)
    split = corpus.split
    train, valid, test = split == "train", split == "valid", split == "test"
    counts = {}
    for s, m in (("train", train), ("valid", valid), ("test", test)):
        counts[s] = {"labels": dict(collections.Counter(corpus.label[m].tolist())), "outlets": int(len(set(corpus.source[m].tolist())))}
    valid_top = collections.Counter(corpus.source[valid].tolist()).most_common(1)
    valid_top_outlet = f"{valid_top[0][0]}, {valid_top[0][1]:,} of {int(valid.sum()):,} articles" if valid_top else "none"

    log("Media-based split: select on valid, evaluate on test")
    media, state = run_split("media", corpus, train, valid, test, cfg, log=log)
    log(f"  chosen C={media.chosen['C']} class_weight={media.chosen['class_weight']}, temperature {media.temperature:.3f}")

    log("Random article-level split (stratified, same sizes, same hyperparameters)")
    r_train, r_test = random_split(corpus.label, int(train.sum()), int(test.sum()), cfg.seed)
    rnd, _ = run_split("random", corpus, r_train, None, r_test, cfg, fixed=media.chosen, log=log)

    # per-outlet test figures and unseen-outlet subset
    train_sources = collections.Counter(corpus.source[train].tolist())
    te_src, te_y, te_pred = corpus.source[test], corpus.label[test], state["test_pred"]
    per_outlet = []
    for s, n in collections.Counter(te_src.tolist()).most_common():
        m = te_src == s
        c = collections.Counter(te_pred[m].tolist())
        per_outlet.append({
            "source": s, "label": collections.Counter(te_y[m].tolist()).most_common(1)[0][0], "n": int(n),
            "n_train": int(train_sources.get(s, 0)), "accuracy": float((te_pred[m] == te_y[m]).mean()),
            "pred": {k: int(c.get(k, 0)) for k in LABELS},
        })
    unseen_mask = np.array([train_sources.get(s, 0) == 0 for s in te_src])
    unseen = metrics(te_y[unseen_mask], te_pred[unseen_mask]) if unseen_mask.any() else {"n": 0, "macro_f1": 0.0, "accuracy": 0.0}

    # the shipped model
    idx = state["idx"]
    block = NgramBlock(TokenNgrams("word", tuple(cfg.ngram_range)), [str(t) for t in corpus.terms[idx]], np.asarray(state["idf"], dtype=np.float64))
    import sklearn

    versions = f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, numpy {np.__version__}"
    metadata = {
        "task": "political lean of a news article: AllSides rating (left / center / right) of its outlet",
        "training_data": "ABP (Baly et al. 2020, Article-Bias-Prediction), media-based split; 2012-2020 US news",
        "card": "docs/lean-model-card.md",
        "input": "title and body of one article as one text",
        "training_only_cleaning": "dropped body lines repeated in >= %d training articles; removed the article's author names" % cfg.boilerplate_min_articles,
        "hyperparameters": {
            "ngram_range": list(cfg.ngram_range), "min_df": cfg.min_df, "max_df": cfg.max_df,
            "min_outlets": cfg.min_outlets, "max_outlet_share": cfg.max_outlet_share,
            "max_features": cfg.max_features, "sublinear_tf": True, "C": media.chosen["C"],
            "class_weight": media.chosen["class_weight"], "seed": cfg.seed,
            "selection": f"valid macro-F1, each outlet capped at {cfg.outlet_cap} articles",
            "calibration": "temperature, valid, outlet-capped class-balanced NLL",
        },
        "figures": {
            "test_macro_f1": round(media.test["macro_f1"], 4),
            "test_accuracy": round(media.test["accuracy"], 4),
            "test_majority_macro_f1": round(media.baseline["macro_f1"], 4),
            "test_majority_accuracy": round(media.baseline["accuracy"], 4),
            "random_split_macro_f1": round(rnd.test["macro_f1"], 4),
            "random_split_accuracy": round(rnd.test["accuracy"], 4),
            "valid_macro_f1": round(media.valid["macro_f1"], 4),
            "valid_macro_f1_outlet_capped": round(media.valid["macro_f1_outlet_capped"], 4),
        },
        "trained_with": versions,
    }
    # float64 products: the features exactly as `tfidf` computed them in training (scikit-learn's order)
    model = NgramModel(
        dimension=args.name, classes=list(LABELS), blocks=[block], lexicon_features=[],
        coef=np.asarray(state["coef"], dtype=np.float64), intercept=np.asarray(state["intercept"], dtype=np.float64),
        temperature=media.temperature, metadata=metadata, tokens=TokenPattern(TOKEN_PATTERN, True, HOUSE_STYLE_STOP_WORDS),
        preprocess=lean_preprocess(), products="float64",
    )
    json_path, npz_path = save_ngram_model(model, Path(args.out) / args.name)
    t0 = time.time()
    shipped = load_ngram_model(json_path)
    load_s = time.time() - t0

    # the saved files reproduce the in-memory model on cleaned test texts
    rows = [r for r, _ in corpus.check_texts]
    if rows:
        z_mem = state["test_logits"][np.searchsorted(np.flatnonzero(test), rows)]
        p_mem = softmax(z_mem / media.temperature)
        p_file = shipped.predict_proba_texts([t for _, t in corpus.check_texts])
        diff = float(np.abs(p_mem - p_file).max())
        log(f"  saved model vs in-memory on {len(rows)} cleaned test articles: max |dp| = {diff:.2e}")
        if diff > 1e-3:
            print(f"error: the saved model does not reproduce the trained one (max |dp| {diff:.3g})", file=sys.stderr)
            return 1

    # realistic use: raw test text, inference cleaning only
    raw_y, raw_texts = [], []
    for row in iter_articles(args.corpus):
        if row.get("split") == "test" and row.get("bias") in LABELS:
            raw_y.append(row["bias"])
            raw_texts.append(raw_text(row))
    inference = metrics(np.array(raw_y), np.array(shipped.predict_texts(raw_texts))) if raw_texts else {"macro_f1": 0.0, "accuracy": 0.0}
    del raw_texts

    files = [{"name": p.name, "bytes": p.stat().st_size, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in (json_path, npz_path)]
    info = {
        "media": media, "random": rnd, "config": cfg, "counts": counts, "valid_top_outlet": valid_top_outlet,
        "n_boilerplate_keys": corpus.n_boilerplate_keys, "lines_dropped": corpus.lines_dropped,
        "lines_total": corpus.lines_total, "per_outlet": per_outlet, "unseen": unseen,
        "top_features": top_features(shipped, 25), "inference": inference, "files": files,
        "runtime_s": time.time() - t_start, "cpus": cfg.jobs, "versions": versions, "load_s": load_s,
    }
    write_card(args.card, info)

    total = sum(f["bytes"] for f in files)
    log("")
    log("Political lean model (media-based split: test outlets unseen in training)")
    log(f"  test macro-F1 {media.test['macro_f1']:.3f}  accuracy {media.test['accuracy']:.3f}  (n={media.test['n']})")
    log(f"  majority baseline ('{media.baseline['label']}'): macro-F1 {media.baseline['macro_f1']:.3f}  accuracy {media.baseline['accuracy']:.3f}")
    log(f"  test outlets with no training article: macro-F1 {unseen['macro_f1']:.3f}  accuracy {unseen['accuracy']:.3f}  (n={unseen['n']})")
    log(f"  shipped files on raw test text: macro-F1 {inference['macro_f1']:.3f}  accuracy {inference['accuracy']:.3f}")
    log(f"  random article-level split: macro-F1 {rnd.test['macro_f1']:.3f}  accuracy {rnd.test['accuracy']:.3f}  (majority {rnd.baseline['macro_f1']:.3f} / {rnd.baseline['accuracy']:.3f})")
    for c in LABELS:
        pc = media.test["per_class"][c]
        log(f"  {c:<6} P {pc['precision']:.3f}  R {pc['recall']:.3f}  F1 {pc['f1']:.3f}  n={pc['support']}")
    log(f"  confusion (rows true {'/'.join(LABELS)}): {media.test['confusion']}")
    log(f"  temperature {media.temperature:.3f}; test log-loss {media.calibration['uncalibrated']['log_loss']:.3f} -> {media.calibration['calibrated']['log_loss']:.3f}, ECE {media.calibration['uncalibrated']['ece']:.3f} -> {media.calibration['calibrated']['ece']:.3f}")
    for c, feats in info["top_features"].items():
        log(f"  top {c}: " + ", ".join(t.split(":", 1)[1] for t, _ in feats[:12]))
    log(f"Wrote {json_path} and {npz_path} ({total / 1e6:.2f} MB; loads in {load_s * 1000:.0f} ms) and {args.card}")
    log(f"Done in {time.time() - t_start:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
