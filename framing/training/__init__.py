"""Training scripts that produce the shipped model weights (``framing/data/models``).

Each module is runnable, e.g. ``python -m framing.training.lean --corpus ... --out ...``; they
read corpora from outside the repository and write only derived weights and model cards.
"""
