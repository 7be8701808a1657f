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
        # parameters: declared once per kind (framing.lexicon.params), checked at load
        ("dimension: x\nkind: poles\nparams:\n  smothing: 2\ncategories: {a: {entries: [foo]}}\n", "'smothing' is not a parameter of a poles lexicon", 4),
        ("dimension: x\nkind: poles\nparams:\n  min_intensity: 1\n  smoothing: abc\ncategories: {a: {entries: [foo]}}\n", "params.smoothing must be a number", 5),
        ("dimension: x\nkind: poles\nparams:\n  mixed_band: 1.5\ncategories: {a: {entries: [foo]}}\n", "params.mixed_band must be >= 0 and <= 1", 4),
        ("dimension: x\nkind: prescriptions\nparams:\n  advocated_threshold: 0\ncategories: {a: {entries: [foo]}}\n", "must be > 0", 4),
        ("dimension: x\nkind: stances\nparams:\n  prior: {a: -1}\ncategories: {a: {entries: [foo]}}\n", "params.prior a: must be >= 0", 4),
        ("dimension: x\nparams:\n  topic: {categories: []}\ncategories: {a: {entries: [foo]}}\n", "needs categories", 3),
        ("dimension: x\nparams:\n  mixed_band: 0.1\ncategories: {a: {entries: [foo]}}\n", "not a parameter of a categories lexicon", 3),
        # column_prefix renames only prescriptions' columns (the others are named after the dimension)
        ("dimension: x\nkind: poles\nparams:\n  column_prefix: y\ncategories: {a: {entries: [foo]}}\n",
         "'column_prefix' is not a parameter of a poles lexicon (it is one of prescriptions lexicons)", 4),
        ("dimension: x\nparams:\n  smoothing: 1\n  column_prefix: y\ncategories: {a: {entries: [foo]}}\n",
         "'smoothing' is not a parameter of a categories lexicon (it is one of poles, prescriptions, stances lexicons)", 3),
        ("dimension: x\nkind: prescriptions\nparams:\n  column_prefix: ''\ncategories: {a: {entries: [foo]}}\n", "params.column_prefix must be non-empty text", 4),
        ("dimension: x\nkind: poles\nparams: {positive: a, negative: c}\ncategories: {a: {entries: [foo]}, b: {entries: [bar]}}\n", "params.negative: 'c' is not a category", None),
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


def test_parameters_in_force_are_the_files_or_the_declared_default(tmp_path):
    from framing.lexicon.params import PARAMETERS, param

    path = _write(tmp_path, "mine.yaml", "dimension: x\nkind: poles\nparams: {smoothing: 3}\ncategories: {a: {opposite: b, entries: [foo]}, b: {entries: [bar]}}\n")
    lx = load_lexicons([path], include_shipped=False)[0]
    assert param(lx, "smoothing") == 3
    declared = {p.name: p.default for p in PARAMETERS["poles"]}
    assert param(lx, "min_intensity") == declared["min_intensity"] == 0.5 and param(lx, "mixed_band") == 0.2
    with pytest.raises(KeyError):
        param(lx, "advocated_threshold")
    # every shipped lexicon's parameters pass the declared checks (they load) and set only declared keys
    for shipped in load_lexicons():
        assert set(shipped.params) <= {p.name for p in PARAMETERS[shipped.kind]}


def test_the_lexicon_guide_lists_every_declared_parameter():
    from pathlib import Path

    from framing.lexicon.params import parameter_table

    guide = (Path(__file__).resolve().parents[2] / "lexicons" / "README.md").read_text(encoding="utf-8")
    assert parameter_table() in guide
