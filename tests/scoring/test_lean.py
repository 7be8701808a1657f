"""The political lean model: the shipped files, predict_lean, and the training script on a small
synthetic corpus (the real ABP corpus is never read here)."""
from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import numpy as np
import pytest

from framing.scoring import lean
from framing.scoring.ngram_model import load_ngram_model
from framing.training import lean as train_lean

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
MODEL_JSON = ROOT / "framing" / "data" / "models" / "lean.json"
KEYS = {"lean.left", "lean.center", "lean.right", "lean.label"}


# --- the shipped model -------------------------------------------------------------------------


def test_shipped_model_loads_and_is_cached():
    assert lean.lean_model_available()
    model = lean.load_lean_model()
    assert model is lean.load_lean_model()
    assert sorted(model.classes) == ["center", "left", "right"]
    assert model.products == "float64" and model.tokens is not None
    assert model.temperature > 0
    assert model.metadata["figures"]["test_macro_f1"] > model.metadata["figures"]["test_majority_macro_f1"]
    assert lean.model_fingerprint().startswith("lean:")
    size = MODEL_JSON.stat().st_size + MODEL_JSON.with_suffix(".npz").stat().st_size
    assert size < 5_000_000


def test_predict_lean_on_seed_articles():
    texts = [p.read_text(encoding="utf-8") for p in SEEDS]
    assert texts, "seeds/*.txt missing"
    rows = lean.predict_lean(texts)
    assert len(rows) == len(texts)
    for row in rows:
        assert set(row) == KEYS
        probs = [row["lean.left"], row["lean.center"], row["lean.right"]]
        assert all(isinstance(p, float) and 0.0 <= p <= 1.0 for p in probs)
        assert sum(probs) == pytest.approx(1.0, abs=1e-9)
        assert row["lean.label"] == ("left", "center", "right")[int(np.argmax(probs))]
    # the same text gives the same answer, alone or in a batch
    assert lean.predict_lean(texts[:1]) == rows[:1]


def test_predict_lean_edge_cases():
    assert lean.predict_lean([]) == []
    with pytest.raises(TypeError):
        lean.predict_lean("one string")
    (row,) = lean.predict_lean([""])
    assert sum(row[k] for k in ("lean.left", "lean.center", "lean.right")) == pytest.approx(1.0)
    (rounded,) = lean.predict_lean(["The senator said the bill would cut taxes."], decimals=3)
    values = [rounded["lean.left"], rounded["lean.center"], rounded["lean.right"]]
    assert round(sum(values), 9) == 1.0
    assert all(round(v, 3) == v for v in values)


def test_outlet_names_are_removed_before_scoring():
    pre = lean.load_lean_model().preprocess
    text = "Fox News and CNN reported, as did Breitbart (AP Photo/J. Doe).\nVice President Pence spoke.\nSee foxnews.com."
    out = pre.apply(text)
    for gone in ("Fox News", "CNN", "Breitbart", "foxnews.com", "AP Photo"):
        assert gone not in out
    assert "Vice President Pence spoke." in out
    a, b = lean.predict_lean(["Fox News reported that the senator opposed the tax plan.", "reported that the senator opposed the tax plan."])
    assert a == b


# --- the training script on a synthetic corpus ----------------------------------------------------

LEAN_WORDS = {
    "left": "climate inequality workers healthcare voting rights progressive union immigrants",
    "center": "budget committee analysts economy forecast quarterly officials agency",
    "right": "taxes border freedom liberty conservative faith crime regulations",
}
OUTLETS = {
    "train": {"left": ["CNN", "Vox"], "center": ["Reuters", "The Hill"], "right": ["Breitbart", "Townhall"]},
    "valid": {"left": ["Salon"], "center": ["Axios"], "right": ["Newsmax"]},
    "test": {"left": ["The Guardian"], "center": ["Associated Press"], "right": ["Daily Caller"]},
}
FILLER = "the a of and to in on that said this week government report people new".split()


def write_fixture(path: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    n = 0
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for split, per_label in OUTLETS.items():
            for label, outlets in per_label.items():
                for i in range({"train": 20, "valid": 6, "test": 6}[split]):
                    outlet = outlets[i % len(outlets)]
                    words = LEAN_WORDS[label].split()
                    other = LEAN_WORDS[rng.choice([k for k in LEAN_WORDS if k != label])].split()
                    body = []
                    for _ in range(4):
                        toks = [rng.choice(words) for _ in range(5)] + [rng.choice(other)] + [rng.choice(FILLER) for _ in range(8)]
                        rng.shuffle(toks)
                        body.append(" ".join(toks) + f", {outlet} reported.")
                    body.append(f"Copyright {2015 + i % 5} {outlet}. All rights reserved.")
                    body.append("Sign up for our newsletter")
                    row = {
                        "id": f"a{n}", "title": f"{outlet}: {rng.choice(words)} {rng.choice(FILLER)}", "source": outlet,
                        "date": "2019-01-01", "authors": "Jane Writer, John Reporter", "topic": "politics",
                        "url": f"https://example.com/{n}", "bias": label, "split": split,
                        "text": "By Jane Writer\n" + "\n\n".join(body),
                    }
                    fh.write(json.dumps(row) + "\n")
                    n += 1


def run_training(corpus: Path, out: Path) -> tuple[Path, Path, Path]:
    card = out / "card.md"
    code = train_lean.main([
        "--corpus", str(corpus), "--out", str(out), "--card", str(card), "--jobs", "1",
        "--min-df", "2", "--min-outlets", "1", "--max-outlet-share", "1.0",
        "--boilerplate-min-articles", "3", "--grid-c", "1,10",
    ])
    assert code == 0
    return out / "lean.json", out / "lean.npz", card


def test_training_script_is_deterministic_and_cleans_outlets(tmp_path, capsys):
    corpus = tmp_path / "articles.jsonl.gz"
    write_fixture(corpus)
    ja, na, card = run_training(corpus, tmp_path / "a")
    jb, nb, _ = run_training(corpus, tmp_path / "b")
    assert na.read_bytes() == nb.read_bytes()
    assert ja.read_bytes() == jb.read_bytes()
    printed = capsys.readouterr().out
    assert "test macro-F1" in printed and "majority baseline" in printed and "random article-level split" in printed

    model = load_ngram_model(ja)
    assert model.classes == ["left", "center", "right"]
    vocab = set(model.blocks[0].terms)
    for leaked in ("cnn", "breitbart", "reuters", "townhall", "jane", "writer", "copyright", "newsletter", "mr"):
        assert not any(leaked in term.split() for term in vocab), leaked
    assert {"climate", "taxes", "budget"} <= vocab
    # the synthetic lean words are easy: the model must find them
    assert model.metadata["figures"]["test_macro_f1"] > 0.8
    top = train_lean.top_features(model, 5)
    assert top["right"][0][0].split(":", 1)[1].split()[0] in LEAN_WORDS["right"].split()

    text = card.read_text(encoding="utf-8")
    for section in ("## Headline figures", "## Preprocessing", "## Top 25 features per class", "## Limitations", "Confusion matrix", "random"):
        assert section in text
    # the card holds figures and n-grams, never article text
    assert "By Jane Writer" not in text
