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
