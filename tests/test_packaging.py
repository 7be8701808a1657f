"""Every subpackage ships, and the lexicons ship inside the package."""
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "framing").rglob("__init__.py")}
    assert found <= listed, found - listed
    assert "framing.shipped_lexicons" in listed


def test_shipped_lexicon_dir_is_the_top_level_lexicons_folder():
    from framing.io.lexicon_files import shipped_lexicon_dir

    assert (shipped_lexicon_dir() / "README.md").exists()
