"""Validation on real news the lexicons and classifiers were never tuned on.

    python benchmarks/heldout_eval.py [--corpus PATH] [--json OUT]

Scores every held-out sentence (framing/data/heldout/, rebuilt from the ABP corpus at run time)
as its own one-sentence article with the shipped lexicons and, when their model files are
present, the shipped classifiers, then compares with the human labels: precision, recall and F1
per class, macro-F1, accuracy, a majority baseline and Krippendorff's alpha (nominal).
Figures are printed for the whole set and for the sentences from the corpus's test/valid splits
(articles the lean model never trained on; almost all drawn without frame-word enrichment).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from framing.errors import FramingError  # noqa: E402
from framing.evaluate import HARD_CASE_SUBSETS, classification_report, evaluate_predictions, format_report, majority_baseline  # noqa: E402
from framing.heldout import load_heldout  # noqa: E402
from framing.models import Article  # noqa: E402
from framing.pipeline import build_scorer, score_article  # noqa: E402
from framing.scoring.features import lexicon_unit_label  # noqa: E402

DIMENSIONS = {"news_alliance": "alliance", "news_prescriptions": "prescriptions"}


def lexicon_sentence_labels(rows: Sequence[dict[str, Any]], scorer: Any, dimension: str) -> list[str]:
    """The lexicon's label of each held-out sentence, scored as a one-sentence article."""
    lexicon = next(lx for lx in scorer.lexicons if lx.dimension == dimension)
    labels = []
    for row in rows:
        result = score_article(Article(id=row["id"], text=row["text"]), scorer)
        labels.append(lexicon_unit_label(lexicon, result.matches, n_tokens=result.scores.get("n_tokens", 0), n_sentences=result.scores.get("n_sentences", 1)))
    return labels


def classifier_labels(rows: Sequence[dict[str, Any]], scorer: Any, dimension: str) -> list[str] | None:
    """The shipped classifier's label of each sentence, or None when no model is shipped."""
    try:
        from framing.scoring.ngram_model import load_model_dir, shipped_model_dir
    except ImportError:
        return None
    try:
        models = load_model_dir(shipped_model_dir(), dimensions=[dimension])
    except (FramingError, OSError, ImportError):  # no model files, or the model store is absent
        return None
    model = models.get(dimension)
    if model is None:
        return None
    lexicon = next((lx for lx in scorer.lexicons if lx.dimension == dimension), None)
    return list(model.predict_texts([r["text"] for r in rows], lexicon=lexicon))


def evaluate_set(name: str, *, corpus: str | None, scorer: Any) -> dict[str, Any]:
    rows = load_heldout(name, corpus_path=corpus)
    dimension = DIMENSIONS[name]
    lex = lexicon_sentence_labels(rows, scorer, dimension)
    cls = classifier_labels(rows, scorer, dimension)
    # Majority baseline: the most frequent human label of the set itself (an upper bound for
    # any constant predictor on this set).
    base = majority_baseline([r["label"] for r in rows], len(rows))
    out: dict[str, Any] = {"set": name, "label_counts": dict(Counter(r["label"] for r in rows).most_common())}
    subsets = {"all": list(range(len(rows))), "test+valid splits": [i for i, r in enumerate(rows) if r["split"] in ("test", "valid")]}
    for sub, idx in subsets.items():
        sub_rows = [rows[i] for i in idx]
        res = _evaluate(sub_rows, dimension, [lex[i] for i in idx], None if cls is None else [cls[i] for i in idx], [base[i] for i in idx])
        out[sub] = res
        if dimension == "prescriptions":
            # The policy category alone (stance ignored): most items are `describe`, and the
            # 22-way label spreads the few advocate/reject items over many rare classes.
            def cat(label: str) -> str:
                return label.split(":")[0]

            cat_rows = [{**r, "label": cat(r["label"])} for r in sub_rows]
            cat_base = majority_baseline([r["label"] for r in cat_rows], len(cat_rows))
            out[f"{sub} (category only)"] = _evaluate(cat_rows, "prescriptions (category only)", [cat(lex[i]) for i in idx], None if cls is None else [cat(cls[i]) for i in idx], cat_base)
    out["classifier_present"] = cls is not None
    return out


def _evaluate(rows: Sequence[dict[str, Any]], dimension: str, lex: list[str], cls: list[str] | None, base: list[str]) -> dict[str, Any]:
    """Reports in the shape `framing.evaluate.format_report` prints, from precomputed labels."""
    y_true = [r["label"] for r in rows]
    preds = {"lexicon": lex, "baseline": base}
    if cls is not None:
        preds["classifier"] = cls
    labels = sorted(set(y_true) | set(lex) | set(cls or ()))
    res: dict[str, Any] = {"dimension": dimension, "n": len(rows), "labels": labels}
    if cls is not None:
        res["classifier_source"] = "shipped model (never trained on these sentences)"
    for source, p in preds.items():
        res[source] = evaluate_predictions(y_true, p, labels=sorted(set(y_true)) if source == "baseline" else labels)
    subsets: dict[str, Any] = {}
    for hc in HARD_CASE_SUBSETS:
        idx = [i for i, r in enumerate(rows) if r.get("hard_case") == hc]
        if not idx:
            continue
        entry: dict[str, Any] = {"n": len(idx)}
        for source, p in preds.items():
            sub_true, sub_pred = [y_true[i] for i in idx], [p[i] for i in idx]
            rep = classification_report(sub_true, sub_pred, labels=sorted(set(sub_true) | set(sub_pred)))
            entry[source] = {"accuracy": rep["accuracy"], "macro_f1": rep["macro_f1"]}
        subsets[f"hard_case={hc}"] = entry
    res["subsets"] = subsets
    return res


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", help="path to articles.jsonl.gz (default: $FRAMING_ABP or ../shared/corpora/abp/)")
    ap.add_argument("--json", help="also write the full results as JSON here")
    args = ap.parse_args(argv)
    scorer = build_scorer(classifiers=False, sentiment=False)
    results = {}
    try:
        for name in DIMENSIONS:
            results[name] = evaluate_set(name, corpus=args.corpus, scorer=scorer)
    except FramingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name, res in results.items():
        print("=" * 78)
        print(f"held-out set: {name}   labels: {res['label_counts']}")
        if not res["classifier_present"]:
            print("classifier: no shipped model found (framing/data/models/); lexicon only")
        for sub in [k for k in res if k == "all" or k.startswith(("all ", "test+valid"))]:
            print("-" * 78)
            print(f"[{sub}]")
            print(format_report(res[sub]))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
