"""benchmarks/feature_experiment.py: its grid and the adoption rule it applies (the runs need
../shared), and that a sentence model without character n-grams trains, saves and scores."""
from __future__ import annotations

import numpy as np
import pytest
from benchmark_helpers import EXPERIMENT_BASELINE, benchmark_module


@pytest.fixture()
def experiment(monkeypatch):
    return benchmark_module(monkeypatch, "feature_experiment")


BASE = EXPERIMENT_BASELINE


def test_a_dimension_adopts_only_a_configuration_that_loses_at_most_a_point_on_each_of_its_figures(experiment):
    results = {
        "baseline": BASE,
        "no-char": {**BASE, "ideology.label accuracy": 0.671, "ideology.label macro_f1": 0.52, "alliance.sentence macro_f1": 0.5389},
        "no-char-words-10k": {**BASE, "ideology.label accuracy": 0.70, "ideology.label macro_f1": 0.53},
    }
    assert experiment.verdict(results, "ideology")[0] == "no-char-words-10k"  # the higher mean of the two that pass
    assert experiment.verdict(results, "alliance")[0] == "no-char-words-10k"  # no-char's sentence figure fell 0.0111
    assert experiment.verdict({**results, "no-char-words-10k": {**BASE, "prescriptions.rejected micro_f1": 0.4399}}, "prescriptions")[0] == "no-char"
    worse = {name: {**f, "prescriptions.rejected micro_f1": 0.40} for name, f in results.items() if name != "baseline"}
    chosen, why = experiment.verdict({"baseline": BASE, **worse}, "prescriptions")
    assert chosen == "baseline" and all(text.startswith("fails") for text in why.values())


def test_the_grid_changes_only_the_character_block_and_what_it_names(experiment):
    from framing.training.articles import REAL_CONFIGS

    base = experiment.config_of("baseline")
    assert all(c.char_ngrams == (3, 5) for c in base.values())
    assert {dim: c.char_ngrams for dim, c in REAL_CONFIGS.items()} == {"alliance": (3, 5), "prescriptions": (3, 5), "ideology": None}
    assert all(c.char_ngrams is None for c in experiment.config_of("no-char").values())
    assert all(c.word_vectors for c in experiment.config_of("no-char-vectors").values())
    words = experiment.config_of("no-char-words-10k")
    assert all(c.max_word_features == 10_000 for c in words.values()) and words["alliance"].word_vectors and not words["ideology"].word_vectors
    with pytest.raises(SystemExit):
        experiment.config_of("no-words")


def test_a_model_without_character_ngrams_has_one_block_and_scores_the_same_after_saving(tmp_path):
    from dataclasses import replace

    from framing.scoring.ngram_model import load_ngram_model, save_ngram_model
    from framing.training.frames import TrainingConfig, train

    texts = ["the axis is a grave threat to the west", "a hollow marriage of convenience", "a partnership of equals for peace",
             "the weather was mild today", "they pose a threat together", "their ties are shallow and hollow", "a win-win partnership", "markets closed higher"] * 3
    labels = ["threat", "hollow", "legitimate", "none"] * 6
    rows = [{"text": t, "label": y, "group": str(i % 6)} for i, (t, y) in enumerate(zip(texts, labels))]
    config = replace(TrainingConfig(folds=2, calibration_folds=2, min_df=1), char_ngrams=None)
    model = train(rows, dimension="alliance", config=config)
    assert [b.key[0] for b in model.blocks] == ["word"]
    save_ngram_model(model, tmp_path / "alliance")
    again = load_ngram_model(tmp_path / "alliance")
    probe = ["a grave threat", "a hollow partnership", "nothing known here"]
    assert np.array_equal(model.predict_proba_texts(probe), again.predict_proba_texts(probe))
    assert model.predict_texts(["the axis is a grave threat"]) == ["threat"]
