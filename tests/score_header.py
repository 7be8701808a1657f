"""A scores.csv header of every kind of column, for the tests that read a schema from one."""

SCORE_HEADER = [
    "id", "title", "outlet", "date", "n_tokens", "n_sentences",
    "alliance.position", "alliance.ci_low", "alliance.ci_high", "alliance.label", "alliance.intensity",
    "alliance.threat", "alliance.hollow", "alliance.legitimate",
    "prescription.sanctions", "prescription.diplomacy", "prescriptions.advocated", "prescriptions.rejected",
    "ideology.realist", "ideology.hawk", "ideology.neutral", "ideology.label",
    "actors.china", "actors.russia",
    "tone.compound", "tone.china", "tone.russia",
    "lean.left", "lean.center", "lean.right", "lean.label",
    "alliance.position_classifier",
]
