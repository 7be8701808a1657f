"""What a worker returns for one article: a *payload*, its scores, sentence spans and tones and its
evidence lines, as compressed JSON; and the keys the cache and the de-duplication find it by.

Workers make payloads (`score_payloads`, the one function every engine runs), the cache stores
them, and the batch run (`framing.batch`) writes the outputs from a decoded payload, whether it
was scored just now, by another process or machine, or in an earlier run.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import weakref
import zlib
from typing import Any, Mapping, Sequence

from .models import Article

__all__ = ["score_payloads", "decode_payload", "evidence_lines", "text_key", "scorer_key"]


def text_key(text: str) -> bytes:
    """The key of an article's text: exact duplicates and cache entries are found by it."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


_SCORER_KEYS: dict[int, str] = {}


def scorer_key(scorer: Any) -> str:
    """Everything besides the text that decides an article's outputs: the compiled lexicons
    (their full content, however the scorer was built), the lexicon files' and models'
    fingerprint, whether sentiment is on, and framing's scoring code. Computed once per scorer."""
    key = _SCORER_KEYS.get(id(scorer))
    if key is None:
        key = _SCORER_KEYS[id(scorer)] = _scorer_key(scorer)
        weakref.finalize(scorer, _SCORER_KEYS.pop, id(scorer), None)
    return key


def _scorer_key(scorer: Any) -> str:
    from .io.cache import scoring_code_digest

    h = hashlib.sha256()
    h.update(scorer.fingerprint.encode())
    h.update(repr(_canonical(scorer.lexicons)).encode("utf-8", "surrogatepass"))
    h.update(b"sentiment" if scorer.sentiment else b"no-sentiment")
    for extra in scorer.extras:
        h.update(f"{extra.name}:{getattr(extra, 'fingerprint', '')}".encode())
    h.update(scoring_code_digest().encode())
    return h.hexdigest()[:32]


def _canonical(value: Any) -> Any:
    """A representation of lexicon data that is the same in every process: sets are sorted (their
    iteration order changes with Python's per-process string hashing)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, tuple((f.name, _canonical(getattr(value, f.name))) for f in dataclasses.fields(value)))
    if isinstance(value, Mapping):
        return ("map", tuple(sorted(((repr(_canonical(k)), _canonical(v)) for k, v in value.items()), key=lambda kv: kv[0])))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted(repr(_canonical(v)) for v in value)))
    if isinstance(value, (list, tuple)):
        return tuple(_canonical(v) for v in value)
    return value


# json.dumps(rec, ensure_ascii=False) builds a new JSONEncoder at every call (any non-default
# option does); one encoder, made once, writes the same text and saves that for each of the ~80
# evidence records of an article.
_encode_evidence = json.JSONEncoder(ensure_ascii=False).encode


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _score_chunk(articles: Sequence[Article], scorer: Any) -> list[Any]:
    """Each article's `ArticleResult`, or the exception that stopped it. The chunk is scored as
    one batch; if that fails, article by article, so one bad article loses only itself."""
    from .pipeline import score_article, score_articles

    try:
        return list(score_articles(articles, scorer))
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception:
        if os.environ.get("FRAMING_DEBUG"):
            raise
    out: list[Any] = []
    for article in articles:
        try:
            out.append(score_article(article, scorer))
        except (KeyboardInterrupt, MemoryError):
            raise
        except Exception as exc:
            out.append(exc)
    return out


def score_payloads(articles: Sequence[Article], scorer: Any) -> list[bytes | str]:
    """Score a chunk of articles: a payload per article, or a one-line reason when one could not
    be scored (the rest of the chunk is unaffected). Runs on workers.

    A payload is compressed text: one JSON line (scores, sentence spans and tones, the number of
    evidence records), then the evidence records as JSON lines without their `article_id`
    (added when written, as ids are made unique per run)."""
    from .pipeline import evidence_records

    out: list[bytes | str] = []
    for article, result in zip(articles, _score_chunk(articles, scorer)):
        try:
            if isinstance(result, Exception):
                raise result
            evidence = []
            for rec in evidence_records(result, article.id):
                del rec["article_id"]
                evidence.append(_encode_evidence(rec))
            header = {
                "scores": result.scores,
                "sentences": result.sentences,
                "tone": [round(t, 4) for t in result.sentence_tone],
                "n_evidence": len(evidence),
            }
            text = json.dumps(header, ensure_ascii=False, default=_json_default) + "\n" + "\n".join(evidence)
            out.append(zlib.compress(text.encode("utf-8", "surrogatepass"), 1))
        except (KeyboardInterrupt, MemoryError):
            raise
        except Exception as exc:  # one article's failure must not lose the others
            if os.environ.get("FRAMING_DEBUG"):
                raise
            first = str(exc).splitlines()[0][:200] if str(exc) else ""
            out.append(f"could not be scored ({exc.__class__.__name__}{': ' + first if first else ''}); skipped")
    return out


def decode_payload(blob: bytes) -> tuple[dict[str, Any], str]:
    """(the payload's JSON header, its evidence lines without article ids, newline-separated)."""
    header, _, evidence = zlib.decompress(blob).decode("utf-8", "surrogatepass").partition("\n")
    return json.loads(header), evidence


def evidence_lines(article_id: str, evidence: str) -> str:
    """The evidence.jsonl lines of one article: each record with `article_id` put first. (A JSON
    line never holds a raw newline, so "\\n{" only ever starts a record.)"""
    if not evidence:
        return ""
    prefix = '{"article_id": ' + json.dumps(article_id, ensure_ascii=False) + ", "
    return prefix + evidence[1:].replace("\n{", "\n" + prefix) + "\n"
