"""Agreement between two coders of the same units (the files `framing annotate` writes, or any
annotation files with an `id` per unit): Krippendorff's alpha per dimension and per label, the
confusion between the coders, the list of disagreements for adjudication, and the settled
file once they are adjudicated.

Pure functions of the records `framing.io.annotations.read_annotations` returns.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from .errors import InputError
from .evaluate import confusion_lines, krippendorff_alpha_nominal, text_table

__all__ = ["pair_units", "agreement", "disagreements", "settled_records", "format_agreement"]


def _by_id(records: Sequence[Mapping[str, Any]], source: str) -> dict[tuple[str, str], Mapping[str, Any]]:
    out: dict[tuple[str, str], Mapping[str, Any]] = {}
    for rec in records:
        uid = rec.get("id")
        if uid in (None, ""):
            raise InputError(source, "a record has no `id`: agreement pairs units by id (framing annotate writes one)", line=rec.get("_line"))
        out[(str(rec.get("dimension") or "labels"), str(uid))] = rec  # a later decision of a unit replaces an earlier one
    return out


def pair_units(first: Sequence[Mapping[str, Any]], second: Sequence[Mapping[str, Any]], *, sources: tuple[str, str] = ("first", "second")) -> dict[str, list[tuple[Mapping[str, Any], Mapping[str, Any]]]]:
    """The units both coders labelled, per dimension, as (first coder's record, second's)."""
    a, b = _by_id(first, sources[0]), _by_id(second, sources[1])
    out: dict[str, list[tuple[Mapping[str, Any], Mapping[str, Any]]]] = {}
    for key in sorted(set(a) & set(b)):
        out.setdefault(key[0], []).append((a[key], b[key]))
    return out


def agreement(first: Sequence[Mapping[str, Any]], second: Sequence[Mapping[str, Any]], *, sources: tuple[str, str] = ("first", "second")) -> dict[str, Any]:
    """Per dimension: units both coded, observed agreement, Krippendorff's alpha (nominal), alpha
    of each label against the rest, and the confusion matrix (rows: first coder)."""
    pairs = pair_units(first, second, sources=sources)
    out: dict[str, Any] = {"only_first": 0, "only_second": 0, "dimensions": {}}
    a_keys, b_keys = set(_by_id(first, sources[0])), set(_by_id(second, sources[1]))
    out["only_first"], out["only_second"] = len(a_keys - b_keys), len(b_keys - a_keys)
    for dim, units in pairs.items():
        la = [str(x["label"]) for x, _ in units]
        lb = [str(y["label"]) for _, y in units]
        labels = sorted(set(la) | set(lb))
        index = {lab: i for i, lab in enumerate(labels)}
        matrix = [[0] * len(labels) for _ in labels]
        for x, y in zip(la, lb):
            matrix[index[x]][index[y]] += 1
        per_label = {}
        for lab in labels:
            per_label[lab] = {"first": la.count(lab), "second": lb.count(lab),
                              "alpha": krippendorff_alpha_nominal([x == lab for x in la], [y == lab for y in lb])}
        out["dimensions"][dim] = {
            "n": len(units), "agreement": round(sum(x == y for x, y in zip(la, lb)) / len(units), 4) if units else None,
            "alpha": krippendorff_alpha_nominal(la, lb), "per_label": per_label, "confusion": {"labels": labels, "matrix": matrix},
        }
    return out


def disagreements(first: Sequence[Mapping[str, Any]], second: Sequence[Mapping[str, Any]], *, sources: tuple[str, str] = ("first", "second")) -> list[dict[str, Any]]:
    """One record per unit the coders labelled differently, ready for a third reading: the unit,
    both labels and annotators, and an empty `label` and `reason` for the adjudicator."""
    out = []
    for dim, units in pair_units(first, second, sources=sources).items():
        for x, y in units:
            if str(x["label"]) != str(y["label"]):
                out.append({"id": x["id"], "dimension": dim, "text": x["text"], "group": x.get("group"),
                            "label_first": x["label"], "label_second": y["label"],
                            "annotator_first": x.get("annotator"), "annotator_second": y.get("annotator"), "label": None, "reason": ""})
    return out


def settled_records(first: Sequence[Mapping[str, Any]], second: Sequence[Mapping[str, Any]], decisions: Mapping[tuple[str, str], Mapping[str, Any]], *, sources: tuple[str, str] = ("first", "second")) -> list[dict[str, Any]]:
    """The settled coding, in the `framing train` format: every unit both coders labelled the same
    keeps that label; every disputed unit with a decision in `decisions` ((dimension, id) ->
    `label`, `reason`, optionally `time`) gets it, with `reason` and `adjudicated: true`; disputed
    units not decided yet are left out."""
    out = []
    for dim, units in pair_units(first, second, sources=sources).items():
        for x, y in units:
            rec = {"id": x["id"], "text": x["text"], "label": x["label"], "group": x.get("group"), "dimension": dim}
            if str(x["label"]) == str(y["label"]):
                out.append(rec)
                continue
            decision = decisions.get((dim, str(x["id"])))
            if decision is not None:
                rec.update(label=decision["label"], reason=decision["reason"], adjudicated=True,
                           label_first=x["label"], label_second=y["label"], time=decision.get("time"))
                out.append(rec)
    return out


def _fmt(x: Any) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def format_agreement(result: Mapping[str, Any], *, names: tuple[str, str] = ("first", "second")) -> str:
    lines = []
    if result["only_first"] or result["only_second"]:
        lines.append(f"units coded by one coder only: {result['only_first']} ({names[0]}), {result['only_second']} ({names[1]}); they are left out")
    for dim, d in result["dimensions"].items():
        lines.append(f"{dim}: {d['n']} units coded by both; agreement {_fmt(d['agreement'])}; Krippendorff's alpha {_fmt(d['alpha'])}")
        table = [["label", names[0], names[1], "alpha (label vs rest)"]]
        for lab, m in d["per_label"].items():
            table.append([lab, str(m["first"]), str(m["second"]), _fmt(m["alpha"])])
        lines += ["  " + ln for ln in text_table(table)]
        lines += confusion_lines(d["confusion"], rows=names[0], columns=names[1])
    return "\n".join(lines)
