"""The generated spec: valid Swagger 2.0 / OpenAPI 3, in Azure's layout, with a real row."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from openapi_spec_validator import validate

from bankmarketing_ops import WebService, data
from bankmarketing_ops.ml.features import feature_specs
from bankmarketing_ops.serving.swagger import openapi3, swagger2


def test_swagger_is_valid_and_matches_the_azure_layout(azure_swagger_fixtures: Path) -> None:
    ours = swagger2(service_name="svc", features=feature_specs())
    validate(ours)
    azure = json.loads((azure_swagger_fixtures / "azureml_swagger_bankmarketing.json").read_text())
    assert ours["swagger"] == azure["swagger"] == "2.0"
    assert ours["paths"].keys() == azure["paths"].keys()
    assert ours["securityDefinitions"] == azure["securityDefinitions"]
    assert ours["definitions"].keys() == azure["definitions"].keys()
    for path, operations in azure["paths"].items():
        for verb, operation in operations.items():
            assert ours["paths"][path][verb]["operationId"] == operation["operationId"]
    ours_fields = ours["definitions"]["ServiceInput"]["properties"]["data"]["items"]["properties"]
    azure_fields = azure["definitions"]["ServiceInput"]["properties"]["data"]["items"]["properties"]
    assert {k: (v["type"], v.get("format")) for k, v in ours_fields.items()} == {
        k: (v["type"], v.get("format")) for k, v in azure_fields.items()
    }


def test_the_example_is_a_real_row_the_scorer_accepts() -> None:
    spec = swagger2(service_name="svc", features=feature_specs())
    example = spec["definitions"]["ServiceInput"]["example"]["data"][0]
    assert example == data.SCHEMA.example_row()
    frame = data.load(__import__("pandas").DataFrame([example]), require_target=False)
    assert len(frame) == 1


def test_a_model_without_duration_does_not_require_it() -> None:
    spec = swagger2(service_name="svc", features=feature_specs(drop_leaky=True))
    items = spec["definitions"]["ServiceInput"]["properties"]["data"]["items"]
    assert "duration" in items["properties"]
    assert "duration" not in items["required"]


def test_openapi3_is_valid() -> None:
    validate(openapi3(service_name="svc", features=feature_specs()))


def test_the_server_serves_both_versions(deployed: WebService) -> None:
    two = httpx.get(deployed.swagger_uri).json()
    three = httpx.get(deployed.swagger_uri, params={"version": "3"}).json()
    validate(two)
    validate(three)
    assert two["info"]["title"] == deployed.name
    assert httpx.get(deployed.swagger_uri, params={"version": "9"}).status_code == 400


def test_the_spec_says_what_the_server_does() -> None:
    for spec, schemas in (
        (swagger2(service_name="svc", features=feature_specs()), "definitions"),
        (openapi3(service_name="svc", features=feature_specs()), "components"),
    ):
        service_input = (
            spec["definitions"]["ServiceInput"]
            if schemas == "definitions"
            else spec["components"]["schemas"]["ServiceInput"]
        )
        # unknown top-level fields are refused (400)
        assert service_input["additionalProperties"] is False
        # numbers are checked against the ranges the training data is validated against
        fields = service_input["properties"]["data"]["items"]["properties"]
        for column in data.SCHEMA.inputs:
            if column.kind != "categorical":
                low, high = column.bounds
                assert (fields[column.name]["minimum"], fields[column.name]["maximum"]) == (
                    low,
                    high,
                )
    # GET / answers text/plain "Healthy", as Azure's scoring server does
    two = swagger2(service_name="svc", features=feature_specs())["paths"]["/"]["get"]
    assert two["produces"][0] == "text/plain"
    assert two["responses"]["200"]["examples"] == {"text/plain": "Healthy"}
    three = openapi3(service_name="svc", features=feature_specs())["paths"]["/"]["get"]
    assert list(three["responses"]["200"]["content"]) == ["text/plain"]


def test_the_live_health_answer_is_the_documented_media_type(deployed: WebService) -> None:
    spec = httpx.get(deployed.swagger_uri).json()
    health = httpx.get(deployed.scoring_uri.removesuffix("score"))
    media_type = health.headers["content-type"].split(";")[0]
    assert media_type in spec["paths"]["/"]["get"]["produces"]
    assert media_type == "text/plain"
