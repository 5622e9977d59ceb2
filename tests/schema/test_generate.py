"""Models generated from specs: ours are committed and current; Azure's accept their examples."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from bankmarketing_ops import ConfigurationError
from bankmarketing_ops.ml.features import feature_specs
from bankmarketing_ops.schema import generate
from bankmarketing_ops.serving.swagger import swagger2

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "src" / "bankmarketing_ops" / "schema" / "bankmarketing.py"
SOURCE = "the swagger.json of a bankops service (bankmarketing_ops.serving.swagger.swagger2)"


def _module(code: str, name: str) -> types.ModuleType:
    """Import generated code as a real module (pydantic resolves its annotations there)."""
    module = types.ModuleType(name)
    sys.modules[name] = module
    exec(compile(code, name, "exec"), module.__dict__)  # our own generator's output
    return module


def test_committed_models_match_our_spec() -> None:
    fresh = generate.generate_models(
        swagger2(service_name="bankmarketing", features=feature_specs()), source=SOURCE
    )
    assert COMMITTED.read_text() == fresh, (
        "src/bankmarketing_ops/schema/bankmarketing.py is stale: regenerate it with\n"
        "  bankops schema generate <service>/swagger.json -o "
        "src/bankmarketing_ops/schema/bankmarketing.py"
    )
    assert COMMITTED.read_text().startswith("# DO NOT EDIT")


@pytest.mark.parametrize(
    "fixture",
    ["azureml_swagger_bankmarketing.json", "azureml_swagger_bankmarketing_inputs_variant.json"],
)
def test_azure_specs_generate_models_that_accept_their_examples(
    azure_swagger_fixtures: Path, fixture: str
) -> None:
    spec = json.loads((azure_swagger_fixtures / fixture).read_text())
    module = _module(generate.generate_models(spec, source=fixture), fixture.removesuffix(".json"))
    definitions = spec["definitions"]
    for name in ("ServiceInput", "ServiceOutput"):
        example: Any = definitions[name]["example"]
        model = getattr(module, name)
        parsed = model.model_validate(example)
        assert parsed.model_dump(mode="json", by_alias=True, exclude_none=True) == example


def test_dotted_names_become_aliases(azure_swagger_fixtures: Path) -> None:
    spec = json.loads((azure_swagger_fixtures / "azureml_swagger_bankmarketing.json").read_text())
    code = generate.generate_models(spec, source="x")
    assert "emp_var_rate: Annotated[float | None, Field(alias='emp.var.rate')]" in code


def test_openapi3_input_and_bad_specs(tmp_path: Path) -> None:
    three = generate.to_openapi3(swagger2(service_name="s", features=feature_specs()))
    assert "ServiceInput" in three["components"]["schemas"]
    assert generate.to_openapi3(three) is three
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    with pytest.raises(ConfigurationError, match="neither a Swagger"):
        generate.load_spec(bad)
    with pytest.raises(ConfigurationError, match="no spec file"):
        generate.load_spec(tmp_path / "missing.json")
