from __future__ import annotations

import json
from pathlib import Path

import pytest

from bankmarketing_ops import data
from bankmarketing_ops.data.schema import SCHEMA


def test_schema_has_20_inputs_and_the_target_in_file_order() -> None:
    assert len(SCHEMA.inputs) == 20
    assert SCHEMA.column_names[-1] == "y"
    assert len(set(SCHEMA.column_names)) == 21
    assert SCHEMA.target.labels == ("no", "yes")


def test_kinds_partition_the_inputs() -> None:
    groups = data.INTEGER_COLUMNS + data.FLOAT_COLUMNS + data.CATEGORICAL_COLUMNS
    assert sorted(groups) == sorted(data.INPUT_COLUMNS)
    assert data.INTEGER_COLUMNS == ("age", "duration", "campaign", "pdays", "previous")
    assert "emp.var.rate" in data.FLOAT_COLUMNS


def test_duration_is_the_leaky_column_and_says_why() -> None:
    assert data.LEAKY_COLUMNS == ("duration",)
    assert "after the call" in (SCHEMA.column("duration").leak_reason or "")


@pytest.mark.parametrize("spec", SCHEMA.inputs, ids=lambda s: s.name)
def test_every_column_is_consistent(spec: data.ColumnSpec) -> None:
    if spec.kind == "categorical":
        assert spec.categories
        assert len(spec.frequencies) == len(spec.categories)
        assert sum(spec.frequencies) == pytest.approx(1.0, abs=0.01)
        assert spec.example in spec.categories
    else:
        assert spec.minimum is not None
        assert spec.maximum is not None
        assert isinstance(spec.example, int | float)
        assert spec.minimum <= spec.example <= spec.maximum


def test_unknown_column_lookup_raises_key_error() -> None:
    with pytest.raises(KeyError):
        SCHEMA.column("salary")


def test_schema_matches_the_azure_swagger_fixture(azure_swagger_fixtures: Path) -> None:
    """Azure's generated spec for this model agrees with our names and kinds."""
    path = azure_swagger_fixtures / "azureml_swagger_bankmarketing.json"
    spec = json.loads(path.read_text())
    fields = spec["definitions"]["ServiceInput"]["properties"]["data"]["items"]["properties"]
    kinds = {"integer": "integer", "number": "float", "string": "categorical"}
    assert list(fields) == list(SCHEMA.input_names)
    assert {name: kinds[f["type"]] for name, f in fields.items()} == {
        c.name: c.kind for c in SCHEMA.inputs
    }
    example = spec["definitions"]["ServiceInput"]["example"]["data"][0]
    assert example == SCHEMA.example_row()
