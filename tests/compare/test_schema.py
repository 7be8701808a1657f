"""framing.compare.schema: the dimensions of a score table, read from its header."""
from framing.compare.profiles import profile_columns
from framing.compare.schema import infer_schema
from score_header import SCORE_HEADER


def test_infer_schema_reads_every_kind_from_the_header():
    schema = infer_schema(SCORE_HEADER, ["alliance", "prescriptions", "ideology", "actors"])
    kinds = {d.name: (d.kind, d.categories) for d in schema.dimensions}
    assert kinds == {
        "alliance": ("poles", ("threat", "hollow", "legitimate")),
        "prescriptions": ("prescriptions", ("sanctions", "diplomacy")),
        "ideology": ("stances", ("realist", "hawk", "neutral")),
        "actors": ("actors", ("china", "russia")),
        "lean": ("lean", ("left", "center", "right")),
    }
    assert schema.get("prescriptions").column("sanctions") == "prescription.sanctions"
    assert schema.metadata == ("outlet", "date")
    assert schema.actors_with_tone == ("china", "russia")
    assert schema.has_tone
    assert schema.other_columns == ("alliance.position_classifier",)
    assert "alliance.position_classifier" not in profile_columns(schema)
    assert "actors.china" not in profile_columns(schema)


def test_infer_schema_without_manifest_or_optional_columns():
    header = ["id", "title", "n_tokens", "alliance.position", "alliance.ci_low", "alliance.ci_high", "alliance.label",
              "alliance.intensity", "alliance.threat", "alliance.hollow"]
    schema = infer_schema(header)
    assert [d.name for d in schema.dimensions] == ["alliance"]
    assert not schema.has_tone and schema.actors_with_tone == () and schema.metadata == ()
    assert infer_schema(["id", "title"]).dimensions == ()


def test_each_dimension_carries_its_kinds_short_unit_declared_or_not():
    """The report's labels name the unit the kind declares (scoring.kinds), whether the manifest
    gives it, an older manifest leaves it out, or the schema is read from the header alone."""
    from framing.report.contexts import metric_label

    declared = {"alliance": {"kind": "poles", "categories": ["threat", "hollow", "legitimate"],
                             "category_columns": ["alliance.threat", "alliance.hollow", "alliance.legitimate"]}}
    old_manifest = infer_schema(SCORE_HEADER, ["alliance", "prescriptions", "ideology", "actors"], declared)
    header_only = infer_schema(SCORE_HEADER, ["alliance", "prescriptions", "ideology", "actors"])
    new_manifest = infer_schema(SCORE_HEADER, ["alliance"], {"alliance": {**declared["alliance"], "short_unit": "per 1,000 words"}})
    assert old_manifest.get("alliance").short_unit == header_only.get("alliance").short_unit == "per 1,000 tokens"
    assert new_manifest.get("alliance").short_unit == "per 1,000 words"
    units = {d.name: d.short_unit for d in header_only.dimensions}
    assert units["prescriptions"] == "net stance" and units["ideology"] == "share" and units["lean"] == "probability"
    assert metric_label("alliance.hollow", header_only) == "alliance: hollow (per 1,000 tokens)"
