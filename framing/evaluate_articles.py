"""Article-level validation: hand-coded article labels against a `framing score` table.

Pure functions of plain records: `gold` is a list of dicts from `framing.io.gold.read_gold`
(id plus any of alliance, ideology, advocated, rejected, register, split, or a user-defined
dimension's label), `rows` maps article id to a row of `scores.csv`. The figures are the ones a
researcher quotes: per-class precision, recall and F1 with the confusion matrix, accuracy,
macro-F1 and Krippendorff's alpha (tool vs gold) for every label; the AUC of
`alliance.position` for threat against hollow; micro-F1 of the advocated and rejected
prescription sets. Each for the main columns (what `scores.csv` reports), the lexicon alone (`*_lexicon`)
and the classifiers alone (`*_classifier`) wherever those columns exist, and broken down by
`register` and `split` when the gold file has them. `coder_agreement` gives the same figures for
two human codings: the ceiling a tool is judged against.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from .evaluate import classification_report, confusion_lines, krippendorff_alpha_nominal, text_table

__all__ = [
    "PRESCRIPTION_CATEGORIES",
    "ALLIANCE_LABELS",
    "IDEOLOGY_LABELS",
    "VARIANTS",
    "auc",
    "set_report",
    "label_report",
    "article_figures",
    "coder_agreement",
    "format_article_figures",
    "parse_set",
    "label_dimensions",
    "known_labels",
    "label_text",
    "number_or_none",
]

PRESCRIPTION_CATEGORIES = (
    "military_deterrence", "sanctions_economic_pressure", "diplomacy_engagement", "alliance_building",
    "restraint_retrenchment", "multilateral_governance", "anti_militarist_solidarity",
)
ALLIANCE_LABELS = ("threat", "hollow", "legitimate", "mixed", "absent")
IDEOLOGY_LABELS = ("progressive_left", "liberal_internationalist", "realist_restraint", "conservative_hawk", "sovereigntist", "neutral")
# (variant name, column suffix): `main` is the plain column, the one scores.csv leads with.
VARIANTS = (("main", ""), ("lexicon", "_lexicon"), ("classifier", "_classifier"))
_SKIP_KEYS = {"id", "_line", "register", "split", "advocated", "rejected"}


def parse_set(value: Any) -> frozenset[str]:
    """A prescriptions cell of `scores.csv` (`a;b`, empty or None) as a set."""
    if value is None:
        return frozenset()
    if isinstance(value, (list, tuple, set, frozenset)):
        return frozenset(str(v) for v in value if str(v))
    text = str(value).strip()
    if not text or text.lower() == "nan":
        return frozenset()
    return frozenset(p.strip() for p in text.split(";") if p.strip())


def auc(positive: Sequence[float], negative: Sequence[float]) -> float | None:
    """Area under the ROC curve: the chance that a random positive scores above a random
    negative (ties count half). None when either side is empty."""
    if not positive or not negative:
        return None
    wins = 0.0
    for p in positive:
        for n in negative:
            wins += 1.0 if p > n else 0.5 if p == n else 0.0
    return round(wins / (len(positive) * len(negative)), 4)


def set_report(gold: Sequence[frozenset[str]], predicted: Sequence[frozenset[str]], *, categories: Sequence[str] = PRESCRIPTION_CATEGORIES) -> dict[str, Any]:
    """Multi-label figures over articles: micro precision/recall/F1 over (article, category)
    pairs, per-category figures, macro-F1 over categories that occur in gold, exact-set
    accuracy, and Krippendorff's alpha on the article x category presence decisions."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold sets but {len(predicted)} predictions")
    cats = list(categories) + sorted({c for s in list(gold) + list(predicted) for c in s} - set(categories))
    tp = fp = fn = 0
    per: dict[str, dict[str, float]] = {}
    for cat in cats:
        ctp = sum(1 for g, p in zip(gold, predicted) if cat in g and cat in p)
        cfp = sum(1 for g, p in zip(gold, predicted) if cat not in g and cat in p)
        cfn = sum(1 for g, p in zip(gold, predicted) if cat in g and cat not in p)
        tp, fp, fn = tp + ctp, fp + cfp, fn + cfn
        prec = ctp / (ctp + cfp) if ctp + cfp else 0.0
        rec = ctp / (ctp + cfn) if ctp + cfn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[cat] = {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4), "support": ctp + cfn, "predicted": ctp + cfp}
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    if tp + fp + fn == 0:
        micro = 1.0  # nothing to find and nothing claimed: perfect agreement, not zero
    else:
        micro = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    supported = [c for c in cats if per[c]["support"]]
    macro = sum(per[c]["f1"] for c in supported) / len(supported) if supported else None
    decisions_g = [cat in g for g in gold for cat in cats]
    decisions_p = [cat in p for p in predicted for cat in cats]
    return {
        "n": len(gold),
        "micro_precision": round(precision, 4),
        "micro_recall": round(recall, 4),
        "micro_f1": round(micro, 4),
        "macro_f1": None if macro is None else round(macro, 4),
        "exact_match": round(sum(1 for g, p in zip(gold, predicted) if g == p) / len(gold), 4) if gold else 0.0,
        "alpha": krippendorff_alpha_nominal(decisions_g, decisions_p) if gold else None,
        "gold_pairs": tp + fn,
        "predicted_pairs": tp + fp,
        "per_category": per,
    }


def label_report(gold: Sequence[str], predicted: Sequence[str], *, labels: Sequence[str] | None = None) -> dict[str, Any]:
    """Classification report (precision/recall/F1 per class, confusion, accuracy, macro-F1 over
    the classes present in gold) plus Krippendorff's alpha between the two codings."""
    all_labels = list(labels or ()) + sorted((set(gold) | set(predicted)) - set(labels or ()))
    rep = classification_report(gold, predicted, labels=all_labels)
    present = [lab for lab in all_labels if rep["per_class"][lab]["support"]]
    rep["macro_f1"] = round(sum(rep["per_class"][lab]["f1"] for lab in present) / len(present), 4) if present else 0.0
    rep["alpha"] = krippendorff_alpha_nominal(list(gold), list(predicted))
    return rep


def label_dimensions(gold: Sequence[Mapping[str, Any]]) -> list[str]:
    """The label dimensions gold records code (every key but the id, groups and sets), in order of appearance."""
    dims: list[str] = []
    for rec in gold:
        for key in rec:
            if key not in _SKIP_KEYS and key not in dims:
                dims.append(key)
    return dims


def known_labels(dim: str) -> tuple[str, ...]:
    """A shipped dimension's labels in their reporting order (none for a user's dimension)."""
    return {"alliance": ALLIANCE_LABELS, "ideology": IDEOLOGY_LABELS}.get(dim, ())


def label_text(value: Any) -> str | None:
    """A label cell of a scores table as text: None when empty, missing or NaN."""
    if value is None:
        return None
    text = str(value).strip()
    return text if text and text.lower() != "nan" else None


def number_or_none(value: Any) -> float | None:
    """A number cell of a scores table: None when it is not a number or is NaN."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if x == x else None


def _figures(gold: Sequence[Mapping[str, Any]], rows: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(gold)}
    dims: dict[str, Any] = {}
    for dim in label_dimensions(gold):
        coded = [g for g in gold if dim in g]
        entry: dict[str, Any] = {"n": len(coded), "variants": {}}
        for variant, suffix in VARIANTS:
            column = f"{dim}.label{suffix}"
            if not coded or not any(column in rows[g["id"]] for g in coded):
                continue
            truth = [g[dim] for g in coded]
            pred = [label_text(rows[g["id"]].get(column)) or "(none)" for g in coded]
            entry["variants"][variant] = label_report(truth, pred, labels=known_labels(dim))
        if dim == "alliance":
            entry["auc_threat_vs_hollow"] = {}
            threat = [g for g in coded if g[dim] == "threat"]
            hollow = [g for g in coded if g[dim] == "hollow"]
            entry["auc_support"] = {"threat": len(threat), "hollow": len(hollow)}
            for variant, suffix in VARIANTS:
                column = f"alliance.position{suffix}"
                if not any(column in rows[g["id"]] for g in coded):
                    continue
                pos = [x for x in (number_or_none(rows[g["id"]].get(column)) for g in threat) if x is not None]
                neg = [x for x in (number_or_none(rows[g["id"]].get(column)) for g in hollow) if x is not None]
                entry["auc_threat_vs_hollow"][variant] = auc(pos, neg)
        if entry["variants"]:
            dims[dim] = entry
        else:
            dims[dim] = {"n": len(coded), "missing_column": f"{dim}.label"}
    for field in ("advocated", "rejected"):
        coded = [g for g in gold if field in g]
        if not coded:
            continue
        entry = {"n": len(coded), "variants": {}}
        for variant, suffix in VARIANTS:
            column = f"prescriptions.{field}{suffix}"
            if not any(column in rows[g["id"]] for g in coded):
                continue
            entry["variants"][variant] = set_report([g[field] for g in coded], [parse_set(rows[g["id"]].get(column)) for g in coded])
        dims[f"prescriptions.{field}"] = entry
    out["dimensions"] = dims
    return out


def article_figures(gold: Sequence[Mapping[str, Any]], rows: Mapping[str, Mapping[str, Any]], *, groups: Iterable[str] = ("split", "register")) -> dict[str, Any]:
    """Gold article labels against score rows (by article id): the figures for all matched
    articles, then for each value of each grouping field present in gold."""
    matched = [g for g in gold if g["id"] in rows]
    missing = [g["id"] for g in gold if g["id"] not in rows]
    out = {"n_gold": len(gold), "n_scored": len(matched), "not_scored": missing, **_figures(matched, rows)}
    by: dict[str, Any] = {}
    for field in groups:
        values = sorted({str(g[field]) for g in matched if g.get(field)})
        for value in values:
            sub = [g for g in matched if str(g.get(field)) == value]
            by[f"{field}={value}"] = _figures(sub, rows)
    out["groups"] = by
    return out


def coder_agreement(first: Sequence[Mapping[str, Any]], second: Sequence[Mapping[str, Any]], *, groups: Iterable[str] = ("split", "register")) -> dict[str, Any]:
    """Two codings of the same articles: every figure `article_figures` gives, with the second
    coder in the place of the tool (its labels as `D.label`, its sets as the prescriptions),
    on the articles both coded. Krippendorff's alpha is symmetric; precision and recall read the
    first coding as the reference."""
    rows: dict[str, dict[str, Any]] = {}
    for rec in second:
        row: dict[str, Any] = {}
        for key, value in rec.items():
            if key in ("advocated", "rejected"):
                row[f"prescriptions.{key}"] = ";".join(sorted(value))
            elif key not in _SKIP_KEYS:
                row[f"{key}.label"] = value
        rows[rec["id"]] = row
    both = [g for g in first if g["id"] in rows]
    # a second coder that has no groups of its own is grouped by the first coder's fields
    return article_figures(both, rows, groups=groups)


def _fmt(x: Any) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def format_article_figures(result: Mapping[str, Any], *, ceiling: Mapping[str, Any] | None = None, title: str = "") -> str:
    """The figures as plain text; with `ceiling` (a `coder_agreement` result) the two human
    codings' figures stand beside the tool's as `humans`."""
    lines = []
    if title:
        lines.append(title)
    lines.append(f"articles: {result['n_scored']} scored of {result['n_gold']} coded" + (f" ({len(result['not_scored'])} not in the scores table, e.g. {', '.join(result['not_scored'][:3])})" if result["not_scored"] else ""))
    human = (ceiling or {}).get("dimensions", {})
    for dim, entry in result["dimensions"].items():
        lines.append("")
        if "missing_column" in entry:
            lines.append(f"{dim}: {entry['n']} coded, but the scores table has no `{entry['missing_column']}` column")
            continue
        hv = human.get(dim, {}).get("variants", {}).get("main")
        if dim.startswith("prescriptions."):
            lines.append(f"{dim} ({entry['n']} articles)")
            table = [["", "micro-F1", "precision", "recall", "macro-F1", "exact", "alpha", "pairs gold/pred"]]
            items = list(entry["variants"].items()) + ([("humans", hv)] if hv else [])
            for name, rep in items:
                table.append([name, _fmt(rep["micro_f1"]), _fmt(rep["micro_precision"]), _fmt(rep["micro_recall"]), _fmt(rep["macro_f1"]), _fmt(rep["exact_match"]), _fmt(rep["alpha"]), f"{rep['gold_pairs']}/{rep['predicted_pairs']}"])
            lines += ["  " + ln for ln in text_table(table)]
            main = entry["variants"].get("main")
            if main:
                per = [["category", "precision", "recall", "f1", "support", "predicted"]]
                for cat, m in main["per_category"].items():
                    if m["support"] or m["predicted"]:
                        per.append([cat, _fmt(m["precision"]), _fmt(m["recall"]), _fmt(m["f1"]), str(m["support"]), str(m["predicted"])])
                lines += ["  " + ln for ln in text_table(per)]
            continue
        lines.append(f"{dim}.label ({entry['n']} articles)")
        table = [["", "accuracy", "macro-F1", "alpha"] + (["AUC threat/hollow"] if dim == "alliance" else [])]
        items = list(entry["variants"].items()) + ([("humans", hv)] if hv else [])
        for name, rep in items:
            row = [name, _fmt(rep["accuracy"]), _fmt(rep["macro_f1"]), _fmt(rep["alpha"])]
            if dim == "alliance":
                row.append(_fmt(entry.get("auc_threat_vs_hollow", {}).get(name)) if name != "humans" else "-")
            table.append(row)
        lines += ["  " + ln for ln in text_table(table)]
        if dim == "alliance" and entry.get("auc_support"):
            lines.append(f"  AUC of alliance.position on {entry['auc_support']['threat']} threat vs {entry['auc_support']['hollow']} hollow articles")
        main = entry["variants"].get("main")
        if main:
            per = [["class", "precision", "recall", "f1", "support"]]
            for lab, m in main["per_class"].items():
                per.append([lab, _fmt(m["precision"]), _fmt(m["recall"]), _fmt(m["f1"]), str(m["support"])])
            lines += ["  " + ln for ln in text_table(per)]
            lines += confusion_lines(main["confusion"], rows="gold", columns="main")
    if result.get("groups"):
        lines.append("")
        lines.append("by group (main columns; humans in brackets where a second coding is given):")
        hgroups = (ceiling or {}).get("groups", {})
        table = [["group", "n", "alliance acc", "AUC", "ideology acc", "advocated F1", "rejected F1"]]
        for name, sub in result["groups"].items():
            d = sub["dimensions"]
            hd = hgroups.get(name, {}).get("dimensions", {})

            def cell(dim: str, key: str, src: Mapping[str, Any]) -> str:
                rep = src.get(dim, {}).get("variants", {}).get("main")
                return _fmt(rep[key]) if rep else "-"

            def both(dim: str, key: str) -> str:
                tool = cell(dim, key, d)
                return tool + (f" [{cell(dim, key, hd)}]" if hd else "")

            auc_cell = _fmt(d.get("alliance", {}).get("auc_threat_vs_hollow", {}).get("main")) if "alliance" in d else "-"
            table.append([name, str(sub["n"]), both("alliance", "accuracy"), auc_cell, both("ideology", "accuracy"),
                          both("prescriptions.advocated", "micro_f1"), both("prescriptions.rejected", "micro_f1")])
        lines += ["  " + ln for ln in text_table(table)]
    return "\n".join(lines)
