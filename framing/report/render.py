"""Build the report context from saved outputs and render the Jinja2 templates (autoescaped)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from ..errors import ConfigError
from ..io.writers import atomic_write_text

__all__ = ["render_report", "environment"]


def environment() -> Environment:
    return Environment(
        loader=PackageLoader("framing", "report/templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=True),
    )


def _read_outputs(scores_dir: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    scores = scores_dir / "scores.csv"
    if not scores.exists():
        raise ConfigError(f"{scores_dir}: no scores.csv here; run `framing score` first")
    table = pd.read_csv(scores, dtype={"id": str, "title": str}, keep_default_na=False, na_values=[""])
    manifest_path = scores_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    return table, manifest


def render_report(scores_dir: str | Path, *, out_dir: str | Path | None = None, group_by: str | None = None) -> Path:
    """Write index.html for the scores in scores_dir; returns its path."""
    from .figures import alliance_axis_svg

    scores_dir = Path(scores_dir)
    out = Path(out_dir) if out_dir is not None else scores_dir
    out.mkdir(parents=True, exist_ok=True)
    table, manifest = _read_outputs(scores_dir)
    table["display"] = [t if isinstance(t, str) and t else i for t, i in zip(table["title"], table["id"])]
    figure = alliance_axis_svg(table) if len(table) and "alliance.position" in table else ""
    columns = [c for c in table.columns if c != "display"]
    rows = table[columns].astype(object).where(table[columns].notna(), "").to_dict("records")
    html = environment().get_template("index.html").render(
        rows=rows, columns=columns, alliance_figure=figure, manifest=manifest, group_by=group_by,
    )
    index = out / "index.html"
    atomic_write_text(index, html)
    return index
