"""The held-out evaluation sets of real news sentences (framing/data/heldout/).

The files store only references into the ABP news corpus (article id, character offsets, the
SHA-1 of the sentence) and the human label; the sentence text is never stored. `load_heldout`
rebuilds the sentences from the corpus at run time, streaming the gzip file once, and refuses a
corpus whose text no longer matches the recorded SHA-1s.
"""
from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path
from typing import Any, Mapping, Sequence

from .errors import FramingError

__all__ = ["HeldoutError", "HELDOUT_SETS", "HELDOUT_LABELS", "default_corpus_path", "heldout_records", "load_heldout", "attach_text"]

HELDOUT_SETS = ("news_alliance", "news_prescriptions")
_CATEGORIES = (
    "military_deterrence", "sanctions_economic_pressure", "diplomacy_engagement", "alliance_building",
    "restraint_retrenchment", "multilateral_governance", "anti_militarist_solidarity",
)
HELDOUT_LABELS: dict[str, frozenset[str]] = {
    "news_alliance": frozenset({"threat", "hollow", "legitimate", "none"}),
    "news_prescriptions": frozenset({f"{c}:{s}" for c in _CATEGORIES for s in ("advocate", "reject", "describe")} | {"none"}),
}
ENV_VAR = "FRAMING_ABP"


class HeldoutError(FramingError):
    """The corpus the held-out sets point into is missing, unreadable or has changed."""


def default_corpus_path() -> Path:
    """$FRAMING_ABP, else ../shared/corpora/abp/articles.jsonl.gz relative to the repository root."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    repo_root = Path(__file__).resolve().parent.parent
    return repo_root.parent / "shared" / "corpora" / "abp" / "articles.jsonl.gz"


def heldout_records(name: str) -> list[dict[str, Any]]:
    """The stored records of one held-out set (references and labels, no text)."""
    if name not in HELDOUT_SETS:
        raise HeldoutError(f"unknown held-out set {name!r}; choose one of {', '.join(HELDOUT_SETS)}")
    from .io.real_corpus import reference_records

    return reference_records(resources.files("framing").joinpath("data", "heldout", f"{name}.jsonl"), error=HeldoutError)


def load_heldout(name: str, *, corpus_path: str | Path | None = None) -> list[dict[str, Any]]:
    """The held-out set `name` with each record's `text` rebuilt from the ABP corpus.

    Streams the corpus once. Raises HeldoutError (a FramingError) when the corpus is absent or
    unreadable, when an article is missing from it, or when a sentence's SHA-1 differs from the
    recorded one (a different version of the corpus).
    """
    return attach_text(heldout_records(name), corpus_path=corpus_path)


def attach_text(records: Sequence[Mapping[str, Any]], *, corpus_path: str | Path | None = None) -> list[dict[str, Any]]:
    """Copies of `records` (article_id, start, end, sha1, ...) with `text` taken from the corpus."""
    path = Path(corpus_path) if corpus_path is not None else default_corpus_path()
    if not path.is_file():
        raise HeldoutError(
            f"{path}: ABP corpus not found; the held-out sets store only offsets into it "
            f"(pass corpus_path= or set ${ENV_VAR})"
        )
    from .io.real_corpus import read_corpus_rows

    rows = read_corpus_rows(path, {r["article_id"] for r in records}, label="ABP", error=HeldoutError)
    texts = {aid: str(row.get("text") or "") for aid, row in rows.items()}
    out = []
    for rec in records:
        text = texts.get(rec["article_id"])
        if text is None:
            raise HeldoutError(f"{path}: article {rec['article_id']} (held-out record {rec['id']}) is not in the corpus")
        sentence = text[rec["start"] : rec["end"]]
        if hashlib.sha1(sentence.encode("utf-8")).hexdigest() != rec["sha1"]:
            raise HeldoutError(
                f"{path}: the text of held-out record {rec['id']} does not match its recorded SHA-1; "
                f"the corpus differs from the one the set was labelled on"
            )
        out.append({**rec, "text": sentence})
    return out
