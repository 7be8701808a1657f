from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


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
