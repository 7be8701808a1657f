"""Real-text yardstick: framing's article readings against two careful human codings.

    python benchmarks/real_eval.py [--json FILE] [--split dev|test|all] [--no-classifiers]
                                   [--models DIR] [--debate PATH] [--abp PATH] [--gold-dir DIR]

Rebuilds the double-coded real articles (framing/data/real/, offsets only) from ../shared,
scores them with the shipped lexicons and classifiers, and prints for `dev` and `test`
separately (never pooled: tune on dev, quote test):

- article level, through `framing.evaluate_articles` (the code behind `framing evaluate
  --gold`): per-class precision/recall/F1 and confusion of `alliance.label`, accuracy, macro-F1,
  Krippendorff's alpha (tool vs gold), the AUC of `alliance.position` for threat against hollow,
  ideology accuracy and macro-F1, micro-F1 of the advocated and rejected prescriptions; for the
  main columns, the lexicon alone and the classifiers alone; by register; with the two human codings'
  agreement (coder B read against coder A) beside them as the ceiling; and 95% bootstrap
  intervals of the main figures, resampling whole outlets (`framing.evaluate_intervals`);
- Krippendorff's alpha between the two coders for every dimension at every level;
- sentence level on the double-coded sentences (passages for ideology): the lexicon's and the
  classifier's unit labels against the adjudicated labels, as `heldout_eval.py` scores them.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Mapping, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from framing.errors import FramingError  # noqa: E402
from framing.evaluate import krippendorff_alpha_nominal, text_table  # noqa: E402
from framing.evaluate_articles import PRESCRIPTION_CATEGORIES, article_figures, coder_agreement, format_article_figures, label_report, set_report  # noqa: E402
from framing.evaluate_intervals import bootstrap_intervals, format_intervals  # noqa: E402
from framing.io.real_corpus import load_real  # noqa: E402
from framing.models import Article  # noqa: E402

SPLITS = ("dev", "test")


def gold_records(articles: Sequence[Mapping[str, Any]], which: str = "gold") -> list[dict[str, Any]]:
    """Article records in the shape `framing.io.gold.read_gold` returns: the adjudicated labels
    (`gold`) or one coder's (`coder_a`, `coder_b`), grouped by the adjudicated register and split."""
    out = []
    for a in articles:
        src = a if which == "gold" else a[which]
        out.append({"id": a["id"], "alliance": src["alliance"], "ideology": src["ideology"],
                    "advocated": frozenset(src["advocated"]), "rejected": frozenset(src["rejected"]),
                    "register": a["register"], "split": a["split"]})
    return out


def score_rows(articles: Sequence[Mapping[str, Any]], *, classifiers: bool = True, models: str | None = None) -> dict[str, dict[str, Any]]:
    """Score rows (as in scores.csv) of the yardstick articles, by id; `models` is a model
    folder to use instead of the shipped one."""
    from dataclasses import replace

    from framing.pipeline import build_scorer, score_article_stream

    scorer = build_scorer(classifiers=classifiers)
    if models is not None and classifiers:
        from framing.scoring.classifiers import default_classifier_scorers

        scorer = replace(scorer, extras=default_classifier_scorers(scorer.lexicons, model_dir=models))
    stream = (Article(id=a["id"], text=a["text"], title=a.get("title", "")) for a in articles)
    return {r.article.id: dict(r.scores) for r in score_article_stream(stream, scorer)}


def coder_alphas(data: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, Any]:
    """Krippendorff's alpha (nominal) between the two codings, per dimension and level."""
    arts = data["articles"]
    out: dict[str, Any] = {}
    for field in ("register", "alliance", "ideology"):
        out[f"article.{field}"] = {"n": len(arts), "alpha": krippendorff_alpha_nominal([a["coder_a"][field] for a in arts], [a["coder_b"][field] for a in arts])}
    for field in ("advocated", "rejected"):
        da = [c in a["coder_a"][field] for a in arts for c in PRESCRIPTION_CATEGORIES]
        db = [c in a["coder_b"][field] for a in arts for c in PRESCRIPTION_CATEGORIES]
        out[f"article.{field}"] = {"n": len(arts), "unit": "article x category", "alpha": krippendorff_alpha_nominal(da, db)}
    sents = data["sentences"]
    out["sentence.alliance"] = {"n": len(sents), "alpha": krippendorff_alpha_nominal([s["coder_a"]["alliance"] for s in sents], [s["coder_b"]["alliance"] for s in sents])}
    cats = lambda labels: {lab.split(":")[0] for lab in labels}  # noqa: E731
    da = [c in cats(s["coder_a"]["prescriptions"]) for s in sents for c in PRESCRIPTION_CATEGORIES]
    db = [c in cats(s["coder_b"]["prescriptions"]) for s in sents for c in PRESCRIPTION_CATEGORIES]
    out["sentence.prescription_category"] = {"n": len(sents), "unit": "sentence x category", "alpha": krippendorff_alpha_nominal(da, db)}
    roles = [f"{c}:{r}" for c in PRESCRIPTION_CATEGORIES for r in ("advocate", "reject")]
    da = [r in s["coder_a"]["prescriptions"] for s in sents for r in roles]
    db = [r in s["coder_b"]["prescriptions"] for s in sents for r in roles]
    out["sentence.prescription_advocate_reject"] = {"n": len(sents), "unit": "sentence x category:role", "alpha": krippendorff_alpha_nominal(da, db)}
    pas = data["passages"]
    out["passage.ideology"] = {"n": len(pas), "alpha": krippendorff_alpha_nominal([p["coder_a"] for p in pas], [p["coder_b"] for p in pas])}
    return out


def unit_labels(units: Sequence[Mapping[str, Any]], dimension: str, *, classifiers: bool, models: str | None = None) -> dict[str, list[str]]:
    """The lexicon's (and the classifier's) label of each unit scored on its own."""
    from heldout_eval import classifier_labels, lexicon_sentence_labels

    from framing.pipeline import build_scorer

    scorer = build_scorer(classifiers=False, sentiment=False)
    rows = [{"id": f"{u['article']}:{u['start']}", "text": u["text"]} for u in units]
    out = {"lexicon": lexicon_sentence_labels(rows, scorer, dimension)}
    if classifiers:
        if models is not None:
            from framing.scoring.ngram_model import load_model_dir

            model = load_model_dir(models, dimensions=[dimension]).get(dimension)
            lexicon = next((lx for lx in scorer.lexicons if lx.dimension == dimension), None)
            cls = None if model is None else list(model.predict_texts([r["text"] for r in rows], lexicon=lexicon))
        else:
            cls = classifier_labels(rows, scorer, dimension)
        if cls is not None:
            out["classifier"] = cls
    return out


def sentence_figures(data: Mapping[str, Sequence[Mapping[str, Any]]], split_of: Mapping[str, str], *, classifiers: bool, models: str | None = None,
                     splits: Sequence[str] = SPLITS) -> dict[str, Any]:
    """Sentence- and passage-level figures of the units of `splits` only (a `dev` run must not
    compute, store or print a `test` figure)."""
    sents = [s for s in data["sentences"] if split_of[s["article"]] in splits]
    pas = [p for p in data["passages"] if split_of[p["article"]] in splits]
    al = unit_labels(sents, "alliance", classifiers=classifiers, models=models)
    pr = unit_labels(sents, "prescriptions", classifiers=classifiers, models=models)
    ideo = unit_labels(pas, "ideology", classifiers=classifiers, models=models)
    out: dict[str, Any] = {}
    for split in splits:
        si = [i for i, s in enumerate(sents) if split_of[s["article"]] == split]
        pi = [i for i, p in enumerate(pas) if split_of[p["article"]] == split]
        entry: dict[str, Any] = {"n_sentences": len(si), "n_passages": len(pi), "alliance": {}, "prescription_category": {}, "prescription_advocate_reject": {}, "ideology_passages": {}}
        truth = [sents[i]["alliance"] for i in si]
        entry["alliance"]["humans"] = label_report([sents[i]["coder_a"]["alliance"] for i in si], [sents[i]["coder_b"]["alliance"] for i in si], labels=("threat", "hollow", "legitimate", "none"))
        for name, preds in al.items():
            entry["alliance"][name] = label_report(truth, [preds[i] for i in si], labels=("threat", "hollow", "legitimate", "none"))
        gold_cat = [frozenset(lab.split(":")[0] for lab in sents[i]["prescriptions"]) for i in si]
        gold_role = [frozenset(lab for lab in sents[i]["prescriptions"] if not lab.endswith(":describe")) for i in si]
        entry["prescription_category"]["humans"] = set_report([frozenset(x.split(":")[0] for x in sents[i]["coder_a"]["prescriptions"]) for i in si],
                                                              [frozenset(x.split(":")[0] for x in sents[i]["coder_b"]["prescriptions"]) for i in si])
        entry["prescription_advocate_reject"]["humans"] = set_report([frozenset(x for x in sents[i]["coder_a"]["prescriptions"] if not x.endswith(":describe")) for i in si],
                                                                     [frozenset(x for x in sents[i]["coder_b"]["prescriptions"] if not x.endswith(":describe")) for i in si], categories=())
        for name, preds in pr.items():
            p = [preds[i] for i in si]
            entry["prescription_category"][name] = set_report(gold_cat, [frozenset() if x == "none" else frozenset({x.split(":")[0]}) for x in p])
            entry["prescription_advocate_reject"][name] = set_report(gold_role, [frozenset() if x == "none" or x.endswith(":describe") else frozenset({x}) for x in p], categories=())
        ptruth = [pas[i]["ideology"] for i in pi]
        entry["ideology_passages"]["humans"] = label_report([pas[i]["coder_a"] for i in pi], [pas[i]["coder_b"] for i in pi])
        for name, preds in ideo.items():
            entry["ideology_passages"][name] = label_report(ptruth, [preds[i] for i in pi])
        out[split] = entry
    return out


def _fmt(x: Any) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def format_sentence_figures(figs: Mapping[str, Any]) -> str:
    lines = []
    for split, e in figs.items():
        lines.append(f"[{split}] {e['n_sentences']} sentences, {e['n_passages']} passages (humans = coder B read against coder A)")
        table = [["", "source", "macro-F1", "accuracy", "alpha"]]
        for name, rep in e["alliance"].items():
            table.append(["alliance (sentence)", name, _fmt(rep["macro_f1"]), _fmt(rep["accuracy"]), _fmt(rep["alpha"])])
        for name, rep in e["ideology_passages"].items():
            table.append(["ideology (passage)", name, _fmt(rep["macro_f1"]), _fmt(rep["accuracy"]), _fmt(rep["alpha"])])
        lines += ["  " + ln for ln in text_table(table)]
        table = [["", "source", "micro-F1", "precision", "recall", "pairs gold/pred"]]
        for key, label in (("prescription_category", "policy category (sentence)"), ("prescription_advocate_reject", "advocate/reject (sentence)")):
            for name, rep in e[key].items():
                table.append([label, name, _fmt(rep["micro_f1"]), _fmt(rep["micro_precision"]), _fmt(rep["micro_recall"]), f"{rep['gold_pairs']}/{rep['predicted_pairs']}"])
        lines += ["  " + ln for ln in text_table(table)]
        lines.append("")
    return "\n".join(lines)


def run(*, splits: Sequence[str], classifiers: bool, debate: str | None, abp: str | None, gold_dir: str | None, models: str | None = None) -> tuple[dict[str, Any], str]:
    data = load_real(directory=gold_dir, debate_path=debate, abp_path=abp)
    arts = data["articles"]
    rows = score_rows(arts, classifiers=classifiers, models=models)
    split_of = {a["id"]: a["split"] for a in arts}
    text: list[str] = []
    results: dict[str, Any] = {"n_articles": len(arts), "n_sentences": len(data["sentences"]), "n_passages": len(data["passages"])}
    for split in splits:
        sub = [a for a in arts if a["split"] == split]
        gold = gold_records(sub)
        tool = article_figures(gold, rows, groups=("register",))
        ceiling = coder_agreement(gold_records(sub, "coder_a"), gold_records(sub, "coder_b"), groups=("register",))
        # the split is by outlet, so the intervals resample whole outlets
        intervals = bootstrap_intervals(gold, rows, clusters={a["id"]: a["outlet_family"] for a in sub})
        results[split] = {"tool": tool, "humans": ceiling, "intervals": intervals}
        text.append("=" * 78)
        text.append(format_article_figures(tool, ceiling=ceiling, title=f"ARTICLE LEVEL, {split} split ({len(sub)} articles, {len({a['outlet_family'] for a in sub})} outlets); humans = coder B read against coder A"))
        text.append("")
        text.append(format_intervals(intervals))
    alphas = coder_alphas(data)
    results["coder_alpha"] = alphas
    text.append("=" * 78)
    text.append("Krippendorff's alpha between the two coders (all articles; the ceiling, an optimistic one: both coders share a model)")
    table = [["dimension", "units", "alpha"]] + [[k, str(v["n"]) + (f" ({v['unit']})" if v.get("unit") else ""), _fmt(v["alpha"])] for k, v in alphas.items()]
    text += ["  " + ln for ln in text_table(table)]
    sent = sentence_figures(data, split_of, classifiers=classifiers, models=models, splits=splits)
    results["sentence_level"] = sent
    text.append("=" * 78)
    text.append("SENTENCE LEVEL (debate articles, every sentence double-coded; ideology on four-sentence passages)")
    text.append(format_sentence_figures(sent))
    return results, "\n".join(text)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="also write every figure as JSON here")
    ap.add_argument("--split", choices=["dev", "test", "all"], default="all", help="which split(s) to print (default both, separately)")
    ap.add_argument("--no-classifiers", action="store_true", help="score with the lexicons only")
    ap.add_argument("--debate", help="the debate corpus (default $FRAMING_DEBATE or ../shared/corpora/debate/articles.jsonl)")
    ap.add_argument("--abp", help="the ABP corpus (default $FRAMING_ABP or ../shared/corpora/abp/articles.jsonl.gz)")
    ap.add_argument("--models", help="a model folder (sentence models and article heads) instead of the shipped one")
    ap.add_argument("--gold-dir", help="a folder with article_codes/sentence_codes/passage_codes.jsonl instead of the shipped yardstick (tests)")
    args = ap.parse_args(argv)
    splits = SPLITS if args.split == "all" else (args.split,)
    try:
        results, text = run(splits=splits, classifiers=not args.no_classifiers, debate=args.debate, abp=args.abp, gold_dir=args.gold_dir, models=args.models)
    except FramingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("The yardstick stores only offsets into ../shared/corpora/; without the corpora there is nothing to score.", file=sys.stderr)
        return 2
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=sorted), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
