"""Validation figures: precision, recall and F1 per class, confusion matrices, Krippendorff's
alpha, and the comparison of human labels with the lexicon and with a classifier.

Everything here is a pure function of label lists (plus, for `evaluate_annotations`, the
lexicons and a model), so the numbers in the README and the model card can be checked by hand on
a small file. Nominal Krippendorff's alpha is implemented here (it is short) rather than adding a
dependency; `tests/cli/test_train_cli.py` checks it against published worked examples.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Hashable, Mapping, Sequence

from .scoring.features import lexicon_unit_label, match_units

__all__ = [
    "classification_report",
    "krippendorff_alpha_nominal",
    "majority_baseline",
    "lexicon_labels",
    "evaluate_predictions",
    "evaluate_annotations",
    "format_report",
    "HARD_CASE_SUBSETS",
    "expected_labels",
    "evaluate_model",
    "collapse_report",
    "text_table",
    "confusion_lines",
]

# The hard-case subsets reported separately (annotation field `hard_case`).
HARD_CASE_SUBSETS = ("negation", "attributed", "hedge")


def _safe_div(a: float, b: float) -> float:
    return a / b if b else 0.0


def classification_report(y_true: Sequence[str], y_pred: Sequence[str], *, labels: Sequence[str] | None = None) -> dict[str, Any]:
    """Per-class precision, recall, F1 and support; macro-F1 (unweighted mean over `labels`);
    accuracy; and the confusion matrix (rows: human label, columns: predicted label).

    `labels` defaults to every label seen in either list, sorted. A class with no predictions
    has precision 0, a class with no true items has recall 0 (and F1 0): the sklearn
    `zero_division=0` convention.
    """
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} true labels but {len(y_pred)} predictions")
    labels = list(labels) if labels is not None else sorted(set(y_true) | set(y_pred))
    index = {lab: i for i, lab in enumerate(labels)}
    k = len(labels)
    matrix = [[0] * k for _ in range(k)]
    for t, p in zip(y_true, y_pred):
        if t in index and p in index:
            matrix[index[t]][index[p]] += 1
    per_class: dict[str, dict[str, float]] = {}
    for lab, i in index.items():
        tp = matrix[i][i]
        predicted = sum(matrix[r][i] for r in range(k))
        actual = sum(matrix[i])
        precision = _safe_div(tp, predicted)
        recall = _safe_div(tp, actual)
        f1 = _safe_div(2 * precision * recall, precision + recall)
        per_class[lab] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "support": actual}
    n = len(y_true)
    correct = sum(1 for t, p in zip(y_true, y_pred) if t == p)
    macro = sum(per_class[lab]["f1"] for lab in labels) / k if k else 0.0
    return {
        "n": n,
        "accuracy": round(_safe_div(correct, n), 4),
        "macro_f1": round(macro, 4),
        "per_class": per_class,
        "confusion": {"labels": labels, "matrix": matrix},
    }


def krippendorff_alpha_nominal(*coders: Sequence[Hashable | None]) -> float | None:
    """Krippendorff's alpha for nominal data; each argument is one coder's labels, unit by unit
    (`None` = missing). Units with fewer than two values are not pairable and are skipped.

    alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c * n_k, with o the coincidence
    matrix. Returns None when the expected disagreement is zero (every value identical), where
    alpha is undefined.
    """
    if not coders:
        return None
    n_units = len(coders[0])
    if any(len(c) != n_units for c in coders):
        raise ValueError("every coder needs one value per unit")
    coincidence: Counter[tuple[Hashable, Hashable]] = Counter()
    for u in range(n_units):
        values = [c[u] for c in coders if c[u] is not None]
        m = len(values)
        if m < 2:
            continue
        for i, a in enumerate(values):
            for j, b in enumerate(values):
                if i != j:
                    coincidence[(a, b)] += 1.0 / (m - 1)
    totals: Counter[Hashable] = Counter()
    for (a, _), v in coincidence.items():
        totals[a] += v
    n = sum(totals.values())
    observed = sum(v for (a, b), v in coincidence.items() if a != b)
    expected = sum(totals[a] * totals[b] for a in totals for b in totals if a != b)
    if n <= 1 or expected == 0:
        return None
    return round(1.0 - (n - 1) * observed / expected, 4)


def majority_baseline(y_train: Sequence[str], n: int) -> list[str]:
    """The most frequent training label, predicted n times (ties: alphabetical)."""
    counts = Counter(y_train)
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if counts else "none"
    return [top] * n


def lexicon_labels(texts: Sequence[str], lexicon: Any) -> list[str]:
    """The lexicon's label for each text (see `framing.scoring.features.lexicon_unit_label`)."""
    return [lexicon_unit_label(lexicon, m, n_tokens=nt, n_sentences=ns) for m, nt, ns in match_units(lexicon, texts)]


def evaluate_predictions(y_true: Sequence[str], y_pred: Sequence[str], *, labels: Sequence[str]) -> dict[str, Any]:
    """A classification report plus Krippendorff's alpha between the two label lists."""
    report = classification_report(y_true, y_pred, labels=labels)
    report["alpha"] = krippendorff_alpha_nominal(list(y_true), list(y_pred))
    return report


def _subsets(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[int]]:
    """Row indices per register and per hard-case subset, when the fields are present."""
    out: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        reg = row.get("register")
        if reg:
            out.setdefault(f"register={reg}", []).append(i)
        hc = row.get("hard_case")
        if hc in HARD_CASE_SUBSETS:
            out.setdefault(f"hard_case={hc}", []).append(i)
    return dict(sorted(out.items()))


def evaluate_annotations(
    rows: Sequence[Mapping[str, Any]],
    *,
    dimension: str,
    lexicon: Any = None,
    classifier_labels: Sequence[str] | None = None,
    classifier_source: str = "",
    baseline_labels: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Human labels (`rows[i]["label"]`) against the lexicon and, when given, the classifier's
    labels (cross-validated or from a held-out model: `classifier_source` says which).

    Returns {"dimension", "n", "labels", "lexicon": report, "classifier": report,
    "baseline": report, "subsets": {name: {"n", "lexicon": {...}, "classifier": {...}}}}; every
    report has precision/recall/F1 per class, macro-F1, the confusion matrix and alpha.
    """
    y_true = [str(r["label"]) for r in rows]
    texts = [str(r["text"]) for r in rows]
    predictions: dict[str, list[str]] = {}
    if lexicon is not None:
        predictions["lexicon"] = lexicon_labels(texts, lexicon)
    if classifier_labels is not None:
        predictions["classifier"] = list(classifier_labels)
    if baseline_labels is not None:
        predictions["baseline"] = list(baseline_labels)
    labels = sorted(set(y_true) | {p for preds in predictions.values() for p in preds})
    out: dict[str, Any] = {"dimension": dimension, "n": len(rows), "labels": labels}
    if classifier_source:
        out["classifier_source"] = classifier_source
    for name, preds in predictions.items():
        out[name] = evaluate_predictions(y_true, preds, labels=sorted(set(y_true)) if name == "baseline" else labels)
    subsets: dict[str, Any] = {}
    for name, idx in _subsets(rows).items():
        sub_true = [y_true[i] for i in idx]
        entry: dict[str, Any] = {"n": len(idx)}
        for source, preds in predictions.items():
            sub_pred = [preds[i] for i in idx]
            sub_labels = sorted(set(sub_true) | set(sub_pred))
            rep = classification_report(sub_true, sub_pred, labels=sub_labels)
            entry[source] = {
                "accuracy": rep["accuracy"], "macro_f1": rep["macro_f1"],
                "recall": {lab: m["recall"] for lab, m in rep["per_class"].items() if m["support"]},
                "precision": {lab: m["precision"] for lab, m in rep["per_class"].items() if any(p == lab for p in sub_pred)},
            }
        subsets[name] = entry
    out["subsets"] = subsets
    return out


def confusion_lines(confusion: Mapping[str, Any], *, rows: str, columns: str) -> list[str]:
    """A confusion matrix (`{"labels", "matrix"}`) as indented text lines, classes numbered."""
    labs = confusion["labels"]
    cm = [[""] + [str(i) for i in range(len(labs))]]
    for i, (lab, row) in enumerate(zip(labs, confusion["matrix"])):
        cm.append([f"{i} {lab}"] + [str(v) for v in row])
    return [f"  confusion (rows: {rows}, columns: {columns})"] + ["  " + ln for ln in text_table(cm)]


def text_table(rows: list[list[str]]) -> list[str]:
    """Rows of cells as aligned text lines: the first column left-aligned, the rest right."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.rjust(w) if j else cell.ljust(w) for j, (cell, w) in enumerate(zip(r, widths))) for r in rows]


def format_report(result: Mapping[str, Any]) -> str:
    """The evaluation as plain text for the terminal."""
    lines = [f"dimension: {result['dimension']}    units: {result['n']}"]
    if result.get("classifier_source"):
        lines.append(f"classifier: {result['classifier_source']}")
    for source in ("lexicon", "classifier", "baseline"):
        rep = result.get(source)
        if not rep:
            continue
        alpha = rep.get("alpha")
        lines.append("")
        lines.append(
            f"{source}: macro-F1 {rep['macro_f1']:.3f}   accuracy {rep['accuracy']:.3f}   "
            f"Krippendorff's alpha (human vs {source}) {'n/a' if alpha is None else f'{alpha:.3f}'}"
        )
        table = [["class", "precision", "recall", "f1", "support"]]
        for lab, m in rep["per_class"].items():
            table.append([lab, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", str(m["support"])])
        lines += ["  " + ln for ln in text_table(table)]
        if source != "baseline":
            lines += confusion_lines(rep["confusion"], rows="human", columns=source)
    if result.get("subsets"):
        lines.append("")
        lines.append("subsets (macro-F1 / accuracy):")
        sources = [s for s in ("lexicon", "classifier", "baseline") if s in result]
        table = [["subset", "n"] + sources]
        for name, entry in result["subsets"].items():
            table.append([name, str(entry["n"])] + [f"{entry[s]['macro_f1']:.3f} / {entry[s]['accuracy']:.3f}" for s in sources])
        lines += ["  " + ln for ln in text_table(table)]
    return "\n".join(lines)


def expected_labels(lexicon: Any) -> set[str] | None:
    """The labels a dimension's lexicon can give a unit (None for an unknown dimension)."""
    if lexicon is None:
        return None
    if lexicon.kind == "prescriptions":
        from .scoring.features import ROLES

        return {f"{c}:{r}" for c in lexicon.category_names for r in ROLES} | {"none"}
    if lexicon.kind == "stances":
        return set(lexicon.category_names)
    return set(lexicon.category_names) | {"none"}


def evaluate_model(rows: Sequence[Mapping[str, Any]], *, model: Any, lexicon: Any = None, source: str = "") -> dict[str, Any]:
    """Human labels against a trained model (held-out data: the model never saw these rows) and
    against the lexicon."""
    texts = [str(r["text"]) for r in rows]
    predicted = model.predict_texts(texts, lexicon=lexicon)
    return evaluate_annotations(rows, dimension=model.dimension, lexicon=lexicon, classifier_labels=predicted, classifier_source=source or "trained model")


def collapse_report(report: Mapping[str, Any], relabel: Any) -> dict[str, Any]:
    """The report recomputed after merging labels with `relabel` (e.g. prescriptions'
    `category:role` -> `category`), from the confusion matrix alone; alpha is left out."""
    labels = report["confusion"]["labels"]
    matrix = report["confusion"]["matrix"]
    y_true: list[str] = []
    y_pred: list[str] = []
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            y_true += [relabel(labels[i])] * count
            y_pred += [relabel(labels[j])] * count
    return classification_report(y_true, y_pred)
