from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The tests mirror the package (tests/scoring/, tests/io/, ...); the helpers they share
# (batch_helpers, browser_helpers, report_corpus) stay here, importable from every folder.
if str(FIXTURES.parent) not in sys.path:
    sys.path.insert(0, str(FIXTURES.parent))


@pytest.fixture(scope="session")
def fixture_lexicons() -> Path:
    return FIXTURES / "lexicons"


@pytest.fixture(scope="session")
def fixture_scorer(fixture_lexicons):
    from framing.pipeline import build_scorer

    return build_scorer([fixture_lexicons], include_shipped=False, classifiers=False)


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return ROOT / "seeds"
