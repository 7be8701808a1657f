import textwrap

import pytest

from framing.errors import LexiconError
from framing.lexicon import load_lexicons


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def _load(fixture_lexicons, *layers):
    return {lx.dimension: lx for lx in load_lexicons([fixture_lexicons, *layers], include_shipped=False)}


def test_fixture_lexicons_load_with_scope_inherited(fixture_lexicons):
    lx = _load(fixture_lexicons)
    assert set(lx) == {"alliance", "prescriptions", "ideology", "actors"}
    alliance = lx["alliance"]
    assert alliance.scope.negation.action == "flip"  # overridden in alliance.yaml
    assert lx["ideology"].scope.negation.action == "ignore"  # inherited from scope.yaml
    assert [e.term for e in alliance.scope.negation.cues][:3] == ["not", "n't", "no"]  # `no` stays text


def test_weights_and_wildcards_are_parsed(fixture_lexicons):
    entries = {e.term: e for c in _load(fixture_lexicons)["alliance"].categories for e in c.entries}
    assert entries["axis of upheaval"].weight == 2.0
    assert entries["coordinat*"].pattern == (("prefix", "coordinat"),)
    assert entries["axis of upheaval"].line > 0 and entries["axis of upheaval"].path.endswith("alliance.yaml")


@pytest.mark.parametrize(
    "body, message, line",
    [
        ("dimension: x\ncategories:\n  a:\n    entries: [foo\n", "YAML syntax error", None),
        ("dimension: x\ncategories:\n  a:\n    entries: foo\n", "must be a list", 4),
        ("dimension: x\ncategories:\n  a:\n    entries:\n      - fo*\n", "at least 3 letters", 5),
        ("dimension: x\ncategories:\n  a:\n    entries:\n      - foo: -1\n", "weight must be a number above 0", 5),
        ("dimension: x\ncategories:\n  a:\n    entries: [foo]\n  b:\n    entries: [bar, Foo]\n", "already in category 'a'", 6),
        ("dimension: x\nkind: bogus\ncategories: {a: {entries: [foo]}}\n", "is not one of", 2),
        ("dimension: x\ncolour: red\ncategories: {a: {entries: [foo]}}\n", "unknown top-level key", 2),
        ("base: &a [x, x]\ndimension: x\ncategories: {a: {entries: *a}}\n", None, None),
        ("dimension: x\ncategories:\n  a:\n    entries: [foo]\n    remove: [bar]\n", "cannot remove", 5),
        ("categories: {a: {entries: [foo]}}\n", "missing 'dimension:'", 1),
    ],
)
def test_malformed_lexicons_name_the_file_and_line(tmp_path, body, message, line):
    path = _write(tmp_path, "bad.yaml", body)
    with pytest.raises(LexiconError) as info:
        load_lexicons([path], include_shipped=False)
    text = str(info.value)
    assert text.startswith(str(path))
    assert "\n" not in text
    if message:
        assert message in text
    if line:
        assert info.value.line == line


def test_alias_bomb_is_refused_quickly(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(10)
    ) + "dimension: x\ncategories: {a: {entries: [foo]}}\n"
    path = _write(tmp_path, "bomb.yaml", bomb)
    with pytest.raises(LexiconError, match="aliases"):
        load_lexicons([path], include_shipped=False)


def test_layering_adds_overrides_removes_and_adds_dimensions(fixture_lexicons, tmp_path):
    layer = tmp_path / "mine"
    layer.mkdir()
    _write(layer, "alliance.yaml", """
        dimension: alliance
        categories:
          threat:
            entries:
              - bloc: 3.0
              - arsenal of autocracy
            remove:
              - coordinat*
    """)
    _write(layer, "climate.yaml", """
        dimension: climate_policy
        categories:
          mitigation: {entries: [emissions cuts]}
          adaptation: {entries: [sea walls]}
    """)
    lx = _load(fixture_lexicons, layer)
    threat = {e.term: e for e in lx["alliance"].category("threat").entries}
    assert threat["bloc"].weight == 3.0
    assert "arsenal of autocracy" in threat
    assert "coordinat*" not in threat
    assert lx["climate_policy"].kind == "categories"
    assert lx["alliance"].sources[-1].endswith("mine/alliance.yaml")
