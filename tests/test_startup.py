"""`framing --help` and `framing --version` start at once: they import no numerical library."""
from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("numpy", "scipy", "sklearn", "matplotlib", "pandas", "nltk", "seaborn", "vaderSentiment", "py3langid")


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["score", "--help"], ["lexicon", "--help"]])
def test_help_and_version_import_no_numerical_library(args):
    code = (
        "import sys\n"
        "from framing.cli import cli\n"
        f"try:\n    cli({args!r}, prog_name='framing')\nexcept SystemExit:\n    pass\n"
        f"print('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    heavy = out.stdout.strip().splitlines()[-1]
    assert heavy == "HEAVY:", f"framing {' '.join(args)} imported {heavy[6:]}"


def test_a_cached_rerun_imports_no_text_or_plotting_library(tmp_path):
    """Every article of an unchanged corpus comes from the cache: no sentence splitting (NLTK,
    which loads scikit-learn), no sentiment, no figures (benchmarks/rerun.py measures the time)."""
    from pathlib import Path

    seeds = Path(__file__).resolve().parent.parent / "seeds"
    out = tmp_path / "out"
    code = (
        "import sys\n"
        "from framing.cli import cli\n"
        f"try:\n    cli(['score', {str(seeds)!r}, '--out', {str(out)!r}, '-j', '1', '-q'], prog_name='framing')\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        f"print('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "nltk" in first.stdout.strip().splitlines()[-1]  # the first run does split sentences
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    heavy = set(again.stdout.strip().splitlines()[-1][6:].split(",")) - {""}
    assert not heavy & {"nltk", "sklearn", "matplotlib", "seaborn", "vaderSentiment", "pandas"}, heavy
