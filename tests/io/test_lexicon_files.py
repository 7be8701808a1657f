"""Reading lexicon YAML: libyaml's parser, where present, gives what the Python one gives."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from framing.errors import LexiconError
from framing.io import lexicon_files
from framing.io.lexicon_files import parse_lexicon_text

SHIPPED = sorted((Path(__file__).resolve().parents[2] / "lexicons").glob("*.yaml"))
needs_libyaml = pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML built without libyaml")


def _tree(located):
    """A Located tree as plain data with every line, for comparison."""
    value = located.value
    if isinstance(value, dict):
        value = {k: _tree(v) for k, v in value.items()}
    elif isinstance(value, list):
        value = [_tree(v) for v in value]
    return (value, located.line, located.raw)


@needs_libyaml
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_both_parsers_read_every_shipped_lexicon_alike(path, monkeypatch):
    text = path.read_text(encoding="utf-8")
    fast = _tree(parse_lexicon_text(text, str(path)))
    monkeypatch.setattr(lexicon_files, "_LOADER", yaml.SafeLoader)
    assert fast == _tree(parse_lexicon_text(text, str(path)))


@needs_libyaml
@pytest.mark.parametrize("text", ["a: [1, 2\nb: 3\n", "a:\n  - x\n - y\n", "[" * 5000 + "]" * 5000, "a: *nothing\n", "a: b: c\n"])
def test_both_parsers_refuse_bad_yaml_with_a_line(text, monkeypatch):
    errors = []
    for loader in (yaml.CSafeLoader, yaml.SafeLoader):
        monkeypatch.setattr(lexicon_files, "_LOADER", loader)
        with pytest.raises(LexiconError) as exc:
            parse_lexicon_text(text, "bad.yaml")
        errors.append(exc.value)
    assert all("bad.yaml" in str(e) for e in errors)
    # the Python parser gives up on deep nesting by recursion, without a line; libyaml has its own limit
    assert errors[0].line is not None and (errors[1].line is not None or "nested too deeply" in errors[1].message)
