"""The model card of the shipped framing classifiers (`docs/classifiers-model-card.md`),
generated from the grouped cross-validation results and the trained models.

Written by `python -m framing.training.frames` after training; regenerate it from the saved
models and their `<dimension>.evaluation.json` files with

    python -m framing.training.model_card --models framing/data/models --out docs/classifiers-model-card.md
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

__all__ = ["render_model_card", "write_model_card", "top_features"]

_SOURCES = ("classifier", "lexicon", "baseline")


def _f(x: Any) -> str:
    return "n/a" if x is None else f"{float(x):.3f}"


def top_features(model: Any, k: int = 8) -> dict[str, list[str]]:
    """The k features with the largest weight per class (word n-grams and lexicon features)."""
    names: list[str] = []
    kinds: list[str] = []
    for block in model.blocks:
        names += block.terms
        kinds += [block.analyzer.kind] * len(block.terms)
    names += [f"[lexicon {n}]" for n in model.lexicon_features]
    kinds += ["lexicon"] * len(model.lexicon_features)
    if getattr(model, "vector_block", None) is not None:  # dimensions of meaning, not words: not listed
        names += [f"[vector {j}]" for j in range(model.vector_block.n_dims)]
        kinds += ["vector"] * model.vector_block.n_dims
    keep = np.asarray([kd not in ("char_wb", "vector") for kd in kinds])
    out: dict[str, list[str]] = {}
    for ci, cls in enumerate(model.classes):
        w = np.where(keep, model.coef[ci], -np.inf)
        order = np.argsort(-w)[:k]
        out[cls] = [names[j] for j in order if np.isfinite(w[j])]
    return out


def _summary_table(results: Mapping[str, Any]) -> list[str]:
    lines = [
        "| dimension | units | groups | folds | classifier macro-F1 | lexicon macro-F1 | majority baseline macro-F1 | alpha (human, classifier) | alpha (human, lexicon) | blend weight |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for dim, res in results.items():
        cv = res["cv"]
        lines.append(
            f"| {dim} | {cv['n']} | {cv.get('groups')} | {cv.get('folds')} | **{_f(cv['classifier']['macro_f1'])}** | {_f(cv['lexicon']['macro_f1'])} | "
            f"{_f(cv['baseline']['macro_f1'])} | {_f(cv['classifier'].get('alpha'))} | {_f(cv['lexicon'].get('alpha'))} | {res['model'].blend_weight:.2f} |"
        )
    return lines


def _per_class(cv: Mapping[str, Any]) -> list[str]:
    labels = sorted(set(cv["classifier"]["per_class"]) | set(cv["lexicon"]["per_class"]))
    lines = ["| class | support | classifier P | R | F1 | lexicon P | R | F1 |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for lab in labels:
        c = cv["classifier"]["per_class"].get(lab, {})
        x = cv["lexicon"]["per_class"].get(lab, {})
        support = c.get("support", x.get("support", 0))
        lines.append(
            f"| {lab} | {support} | {_f(c.get('precision'))} | {_f(c.get('recall'))} | {_f(c.get('f1'))} | "
            f"{_f(x.get('precision'))} | {_f(x.get('recall'))} | {_f(x.get('f1'))} |"
        )
    return lines


def _confusion(rep: Mapping[str, Any], title: str) -> list[str]:
    labs = rep["confusion"]["labels"]
    lines = [f"{title} (rows: human label, columns: predicted):", "", "| human \\ predicted | " + " | ".join(labs) + " |", "|---|" + "---:|" * len(labs)]
    for lab, row in zip(labs, rep["confusion"]["matrix"]):
        lines.append(f"| {lab} | " + " | ".join(str(v) for v in row) + " |")
    return lines


def _subsets(cv: Mapping[str, Any]) -> list[str]:
    lines = ["| subset | units | classifier macro-F1 / acc. | lexicon macro-F1 / acc. | baseline macro-F1 / acc. |", "|---|---:|---:|---:|---:|"]
    for name, entry in cv.get("subsets", {}).items():
        cells = [f"{_f(entry[s]['macro_f1'])} / {_f(entry[s]['accuracy'])}" if s in entry else "n/a" for s in _SOURCES]
        lines.append(f"| {name} | {entry['n']} | " + " | ".join(cells) + " |")
    return lines


def _register_mix(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    labels = sorted({str(r["label"]) for r in rows})
    regs = sorted({str(r.get("register")) for r in rows if r.get("register")})
    if not regs:
        return []
    counts = Counter((str(r.get("register")), str(r["label"])) for r in rows)
    lines = ["| label | " + " | ".join(regs) + " | share in the largest register |", "|---|" + "---:|" * (len(regs) + 1)]
    for lab in labels:
        row = [counts[(reg, lab)] for reg in regs]
        total = sum(row) or 1
        top = max(range(len(regs)), key=lambda i: row[i])
        lines.append(f"| {lab} | " + " | ".join(str(v) for v in row) + f" | {100 * row[top] / total:.0f}% {regs[top]} |")
    return lines


def _recall_by_register(cv: Mapping[str, Any]) -> list[str]:
    subsets = {k.split("=", 1)[1]: v for k, v in cv.get("subsets", {}).items() if k.startswith("register=")}
    if not subsets or "recall" not in next(iter(subsets.values())).get("classifier", {}):
        return []
    labels = sorted({lab for v in subsets.values() for lab in v["classifier"]["recall"]})
    regs = sorted(subsets)
    lines = ["Recall (and precision) per label inside each register, classifier / lexicon:", "",
             "| label | " + " | ".join(regs) + " |", "|---|" + "---:|" * len(regs)]
    for lab in labels:
        cells = []
        for reg in regs:
            c, x = subsets[reg]["classifier"], subsets[reg]["lexicon"]
            if lab not in c["recall"]:
                cells.append("-")
                continue
            cells.append(f"R {_f(c['recall'][lab])} / {_f(x['recall'].get(lab))}, P {_f(c['precision'].get(lab))} / {_f(x['precision'].get(lab))}")
        lines.append(f"| {lab} | " + " | ".join(cells) + " |")
    return lines + [""]


def _vector_lines(results: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Which models also read the shipped word vectors (`framing.scoring.word_vectors`)."""
    using = {dim: r["model"].vector_block for dim, r in results.items() if getattr(r["model"], "vector_block", None) is not None}
    if not using:
        return []
    dims = ", ".join(f"{dim} (scale {vb.scale:g}, {vb.n_dims} dimensions)" for dim, vb in using.items())
    return [f"Word vectors, read by {dims}: each unit's L2-normalised sum of static word vectors distilled from",
            "all-MiniLM-L6-v2 (`framing/data/models/word-vectors.*`, `framing.scoring.word_vectors`), times the scale.", ""]


def _word_only_lines(results: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Which models read no character n-grams (trained with `char_ngrams=None`)."""
    word_only = [dim for dim, r in results.items() if all(b.key[0] != "char_wb" for b in getattr(r["model"], "blocks", ()))]
    if not word_only:
        return []
    return [f"Without character n-grams: {', '.join(word_only)} (the word n-grams, lexicon counts and any word vectors only).", ""]


def render_model_card(results: Mapping[str, Mapping[str, Any]], *, config: Any = None) -> str:
    """`results`: dimension -> {"cv": cross_validate result, "model": NgramModel,
    "rows": annotation rows (optional)}."""
    first = next(iter(results.values()))["model"]
    cfg = (config.as_dict() if config is not None else first.metadata.get("config", {})) or {}
    out: list[str] = [
        "# Model card: framing classifiers (alliance, prescriptions, ideology)",
        "",
        "Generated by `python -m framing.training.frames --out framing/data/models` (which trains the",
        "models and writes this file); do not edit by hand. All figures are from **grouped",
        "cross-validation**: the units of one `group` (a document, or for ideology an author persona)",
        "are never in both the training and the test folds; the four seed articles are groups like any",
        "other, so they are held out in their own folds here, although the shipped models are trained on",
        "them (see *Seeds in the training data*).",
        "",
        "## What the models are",
        "",
        "One scikit-learn pipeline per dimension: word (1-2) and within-word character (3-5) n-gram",
        "TF-IDF over framing's own tokens (sublinear term frequency, L2-normalised, at most "
        f"{cfg.get('max_word_features')} word and {cfg.get('max_char_features')} character n-grams with",
        f"document frequency >= {cfg.get('min_df')}), plus the dimension's lexicon category counts",
        "(`LexiconFeatures`: log(1 + summed effective weight) per category, per category and role for",
        f"prescriptions), then a logistic regression (C = {cfg.get('C')}, class weights",
        f"`{cfg.get('class_weight')}`, newton-cg solver) whose probabilities are calibrated by temperature",
        f"scaling fitted on grouped {cfg.get('calibration_folds')}-fold out-of-fold predictions. Seed",
        f"{cfg.get('seed')} fixes every random choice. Hyperparameters were fixed before looking at these",
        "figures. The models are stored as JSON + NPZ (no pickle) and scored without scikit-learn.",
        "",
        *_vector_lines(results),
        *_word_only_lines(results),
        "Units: alliance and prescriptions classify **sentences**; ideology classifies **passages**",
        "(3-6 sentences in the annotations; in scoring, consecutive runs of 4 sentences, the article's",
        "ideology being the token-weighted mean of its passages' probabilities).",
        "",
        "The lexicon's label for a unit (the comparison below) is `framing.scoring.features.lexicon_unit_label`:",
        "alliance, the pole with the largest summed effective weight (`none` without a match);",
        "prescriptions, `category:role` of the strongest policy match (`none` without one); ideology,",
        "the stance with the largest share, priors included.",
        "",
        "## Summary (grouped cross-validation)",
        "",
        *_summary_table(results),
        "",
        "Krippendorff's alpha is nominal alpha between the human labels and each source's labels on",
        "the same units. The majority baseline predicts each training fold's most frequent label. The",
        "blend weight is the classifier's weight in the blended scores of `scores.csv`:",
        "alpha(classifier) / (alpha(classifier) + alpha(lexicon)), clipped to [0.2, 0.8].",
        "",
    ]
    for dim, res in results.items():
        cv, model, rows = res["cv"], res["model"], res.get("rows") or []
        out += [f"## {dim}", ""]
        meta = model.metadata
        counts = meta.get("label_counts", {})
        out += [
            f"Training data: `framing/data/annotations/{dim}.jsonl`"
            + (f" ({sum(1 for r in rows if r.get('source') != 'real')} written units) plus {sum(1 for r in rows if r.get('source') == 'real')} real units "
               f"of the yardstick's `dev` split (`framing/data/real/`, adjudicated labels, grouped by outlet)" if any(r.get("source") == "real" for r in rows) else "")
            + f", {meta.get('n_train')} units in "
            f"{meta.get('n_groups')} groups (sha256 `{str(meta.get('training_data_sha256', ''))[:12]}...`). Labels: "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])) + ".",
            "",
            "Lexicon features from: " + (", ".join(f"`{name}` (sha256 `{digest[:12]}...`)" for name, digest in (meta.get("lexicon_files_sha256") or {}).items()) or "none") + ".",
            "",
            f"Grouped {cv.get('folds')}-fold cross-validation: classifier macro-F1 **{_f(cv['classifier']['macro_f1'])}**"
            f" (accuracy {_f(cv['classifier']['accuracy'])}), lexicon {_f(cv['lexicon']['macro_f1'])}"
            f" (accuracy {_f(cv['lexicon']['accuracy'])}), majority baseline {_f(cv['baseline']['macro_f1'])}"
            f" (accuracy {_f(cv['baseline']['accuracy'])}).",
            "",
            *_per_class(cv),
            "",
            *_confusion(cv["classifier"], "Classifier confusion matrix"),
            "",
            *_confusion(cv["lexicon"], "Lexicon confusion matrix"),
            "",
            "Per register and on the hard-case subsets (macro-F1 over the labels present in the subset):",
            "",
            *_subsets(cv),
            "",
        ]
        if model.metadata.get("lexicon_kind") == "prescriptions":
            from ..evaluate import collapse_report

            def category(label: str) -> str:
                return label.split(":")[0]

            def role(label: str) -> str:
                return label.split(":")[1] if ":" in label else label

            lines = ["| view | classifier macro-F1 / acc. | lexicon macro-F1 / acc. |", "|---|---:|---:|"]
            for name, fn in (("category only (role ignored; 8 labels)", category), ("role only (category ignored; 4 labels)", role)):
                c, x = collapse_report(cv["classifier"], fn), collapse_report(cv["lexicon"], fn)
                lines.append(f"| {name} | {_f(c['macro_f1'])} / {_f(c['accuracy'])} | {_f(x['macro_f1'])} / {_f(x['accuracy'])} |")
            out += ["The 22 labels collapsed, from the same cross-validated predictions:", "", *lines, ""]
        mix = _register_mix(rows)
        if mix:
            out += ["Labels by register (a classifier can learn register as a shortcut where a label sits mostly in one register):", "", *mix, ""]
            out += _recall_by_register(cv)
        feats = top_features(model)
        out += ["Largest weights per class (word n-grams and lexicon features; character n-grams omitted):", ""]
        out += [f"- `{cls}`: " + ", ".join(f"`{f}`" for f in fs) for cls, fs in feats.items()]
        out.append("")
    out += [
        "## Caveats",
        "",
        "- **Register.** In the alliance data about 70% of `legitimate` sentences are state media, so",
        "  the classifier can partly learn the register (state-media diction) instead of the frame;",
        "  the per-register rows show how it does inside each register. Expect lower recall for",
        "  `legitimate` in Western outlets that adopt the partnership frame, and false `legitimate` on",
        "  state-media sentences that carry another frame.",
        "- **One annotator, written data.** Apart from the seed articles, the annotations were written",
        "  for this project following the codebook, by a single annotator; there is no inter-annotator",
        "  agreement figure, and figures on real corpora will be lower than these.",
        "- **Seeds in the training data.** The sentences and passages of the four seed articles are in",
        "  the training data of the shipped models, so the shipped models fit them; scores of the seeds",
        "  with classifiers are therefore not a validation. The figures above hold the seed groups out",
        "  like any other group.",
        "- **Small classes.** Prescriptions have 22 labels (7 categories x advocate/reject/describe, and",
        "  `none`), several with fewer than 20 examples; their per-class figures are noisy.",
        "- **Passages.** Ideology is trained on whole passages; in scoring a passage's n-grams are the",
        "  sum of its sentences' n-grams (an n-gram never spans a sentence boundary, in training too).",
        "",
        "## Reproduce",
        "",
        "```",
        "python -m framing.training.frames --out framing/data/models",
        "framing evaluate --annotations framing/data/annotations/alliance.jsonl   # one dimension, same figures",
        "```",
        "",
    ]
    return "\n".join(out)


def write_model_card(path: str | Path, results: Mapping[str, Mapping[str, Any]], *, config: Any = None) -> Path:
    from ..io.writers import atomic_write_text

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, render_model_card(results, config=config))
    return path


def main(argv: Sequence[str] | None = None) -> int:
    from ..io.annotations import read_annotations, shipped_annotation_path
    from ..scoring.ngram_model import load_model_dir

    parser = argparse.ArgumentParser(prog="python -m framing.training.model_card")
    parser.add_argument("--models", type=Path, default=Path("framing/data/models"))
    parser.add_argument("--out", type=Path, default=Path("docs/classifiers-model-card.md"))
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    for dim, model in load_model_dir(args.models).items():
        ev = args.models / f"{dim}.evaluation.json"
        if not ev.exists():
            continue
        path = shipped_annotation_path(dim)
        rows = read_annotations(path) if path.exists() else []
        results[dim] = {"cv": json.loads(ev.read_text(encoding="utf-8")), "model": model, "rows": rows}
    write_model_card(args.out, results)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
