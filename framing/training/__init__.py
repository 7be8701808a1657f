"""Training scripts that produce the shipped model weights (``framing/data/models``).

The training runs are runnable modules, e.g. ``python -m framing.training.lean --corpus ... --out
...`` (its corpus preparation, fitting and model card in ``lean_corpus``, ``lean_fit`` and
``lean_card``); they read corpora from outside the repository and write only derived weights and
model cards.
"""
