"""The labels file: one JSON line per decision, appended and flushed to disk at once.

The file is exactly what `framing train --annotations` and `framing evaluate --annotations` read:
every line has `id`, `text`, `label`, `group` (the article), `annotator`, `dimension`,
`hard_case` ("flagged" or null) and `time`. `read_annotations` requires a label on every line, so a
skipped unit goes to a sidecar file `<out>.skips.jsonl` (same fields, `"skipped": true`, no
label). Undo removes the last decision from its file by rewriting that file (a temporary file
and `os.replace`, so a crash leaves the old or the new file, never half of one). On start the
files are read back and the units already decided are not shown again (resume).
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from ..errors import ConfigError
from ..io.writers import atomic_open

__all__ = ["LabelStore", "skips_path"]


def skips_path(out: Path) -> Path:
    return out.with_name(out.name.removesuffix(".jsonl") + ".skips.jsonl")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def json_lines(path: Path, *, written_by: str) -> Iterator[tuple[int, Any]]:
    """(line number, record) of every non-empty line of a JSONL file this tool wrote; a line that
    is not JSON stops with one line naming the file, the line and the command that writes it."""
    with open(path, encoding="utf-8") as fh:
        for line_no, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                yield line_no, json.loads(raw)
            except json.JSONDecodeError:
                raise ConfigError(f"{path}:{line_no}: not a JSON line; is this a file written by `{written_by}`?") from None


def _read_lines(path: Path, dimension: str) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    records = []
    try:
        for line_no, rec in json_lines(path, written_by="framing annotate"):
            if not isinstance(rec, dict) or "id" not in rec:
                raise ConfigError(f"{path}:{line_no}: a line without a unit `id`; is this a labels file written by `framing annotate`?")
            if rec.get("dimension") not in (None, dimension):
                raise ConfigError(f"{path} holds labels of dimension {rec.get('dimension')!r}, not {dimension!r}; give another --out")
            records.append(rec)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return records


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class LabelStore:
    """The decisions of one labels file (and its skips sidecar), in the order they were made."""

    def __init__(self, out: str | os.PathLike[str], *, dimension: str, annotator: str) -> None:
        self.path = Path(out)
        if not self.path.name.endswith(".jsonl"):
            raise ConfigError(f"--out {self.path}: the labels file must end in .jsonl")
        if self.path.is_dir():
            raise ConfigError(f"--out {self.path} is a folder; give a file name ending in .jsonl")
        if not self.path.parent.exists():
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"--out {self.path}: cannot create its folder: {exc}") from None
        self.skips = skips_path(self.path)
        self.dimension = dimension
        self.annotator = annotator
        labels = [(r, "label") for r in _read_lines(self.path, dimension)]
        skipped = [(r, "skip") for r in _read_lines(self.skips, dimension)]
        # decisions in time order (labels first on a tie): what undo walks back through
        merged = sorted(enumerate(labels + skipped), key=lambda t: (str(t[1][0].get("time", "")), t[1][1] != "label", t[0]))
        self.history: list[tuple[str, dict[str, Any]]] = [(kind, rec) for _, (rec, kind) in merged]

    # -- reading -------------------------------------------------------------------------------

    @property
    def decided(self) -> set[str]:
        return {str(rec["id"]) for _, rec in self.history}

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for kind, rec in self.history:
            key = str(rec.get("label")) if kind == "label" else "skipped"
            out[key] = out.get(key, 0) + 1
        return out

    # -- writing -------------------------------------------------------------------------------

    def _append(self, path: Path, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        try:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise ConfigError(f"{path}: cannot write: {exc}") from None

    def _record(self, unit_id: str, text: str, group: str, hard_case: bool) -> dict[str, Any]:
        return {
            "id": unit_id, "text": text, "label": None, "group": group, "annotator": self.annotator,
            "dimension": self.dimension, "hard_case": "flagged" if hard_case else None, "time": _now(),
        }

    def label(self, unit_id: str, text: str, group: str, label: str, *, hard_case: bool = False) -> dict[str, Any]:
        rec = self._record(unit_id, text, group, hard_case)
        rec["label"] = label
        self._append(self.path, rec)
        self.history.append(("label", rec))
        return rec

    def skip(self, unit_id: str, text: str, group: str, *, hard_case: bool = False) -> dict[str, Any]:
        rec = self._record(unit_id, text, group, hard_case)
        del rec["label"]
        rec["skipped"] = True
        self._append(self.skips, rec)
        self.history.append(("skip", rec))
        return rec

    def undo(self) -> dict[str, Any] | None:
        """Take back the last decision (label or skip); returns it, or None when there is none."""
        if not self.history:
            return None
        kind, rec = self.history[-1]
        path = self.path if kind == "label" else self.skips
        self._drop_last(path, str(rec["id"]))
        self.history.pop()
        return rec

    def _drop_last(self, path: Path, unit_id: str) -> None:
        try:
            with open(path, encoding="utf-8") as fh:
                lines = [ln for ln in fh.read().splitlines(keepends=True) if ln.strip()]
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from None
        for i in range(len(lines) - 1, -1, -1):
            try:
                if str(json.loads(lines[i]).get("id")) == unit_id:
                    del lines[i]
                    break
            except (json.JSONDecodeError, AttributeError):
                continue
        try:
            with atomic_open(path) as fh:
                fh.writelines(ln if ln.endswith("\n") else ln + "\n" for ln in lines)
        except OSError as exc:
            raise ConfigError(f"{path}: cannot rewrite for undo: {exc}") from None
        _fsync_dir(path)
