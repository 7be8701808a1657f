"""`framing --help` and `framing --version` start at once: they import no numerical library."""
from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("numpy", "scipy", "sklearn", "matplotlib", "pandas", "nltk", "seaborn", "vaderSentiment", "py3langid")


def _heavy_imported(call: str) -> set[str]:
    """Run `call` (a `cli([...])` expression) in a fresh interpreter; the heavy modules it imported."""
    code = (
        "import sys\n"
        "from framing.cli import cli\n"
        f"try:\n    {call}\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        f"print('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return set(out.stdout.strip().splitlines()[-1][len("HEAVY:"):].split(",")) - {""}


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["score", "--help"], ["lexicon", "--help"]])
def test_help_and_version_import_no_numerical_library(args):
    heavy = _heavy_imported(f"cli({args!r}, prog_name='framing')")
    assert not heavy, f"framing {' '.join(args)} imported {sorted(heavy)}"


def test_a_cached_rerun_imports_no_text_or_plotting_library(tmp_path):
    """Every article of an unchanged corpus comes from the cache: no sentence splitting (NLTK,
    which loads scikit-learn), no sentiment, no figures (benchmarks/rerun.py measures the time)."""
    from pathlib import Path

    seeds = Path(__file__).resolve().parents[2] / "seeds"
    call = f"cli(['score', {str(seeds)!r}, '--out', {str(tmp_path / 'out')!r}, '-j', '1', '-q'], prog_name='framing')"
    assert "nltk" in _heavy_imported(call)  # the first run does split sentences
    heavy = _heavy_imported(call)
    assert not heavy & {"nltk", "sklearn", "matplotlib", "seaborn", "vaderSentiment", "pandas"}, heavy


def test_a_cached_rerun_reads_no_model(tmp_path, monkeypatch):
    """The shipped classifiers are read on first use: a rerun whose every article comes from the
    cache never loads them (the first run does)."""
    from pathlib import Path

    from click.testing import CliRunner

    from framing.cli import cli
    from framing.scoring import classifiers

    loads: list[object] = []
    real_load = classifiers.FolderClassifiers.load

    def counted(self):
        if not self.loaded:
            loads.append(self)
        return real_load(self)

    monkeypatch.setattr(classifiers.FolderClassifiers, "load", counted)
    seeds = Path(__file__).resolve().parents[2] / "seeds"
    args = ["score", str(seeds), "--out", str(tmp_path / "out"), "-j", "1", "-q"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert len(loads) == 1
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert len(loads) == 1, "the cached rerun loaded the models"
