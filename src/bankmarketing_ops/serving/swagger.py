"""The service's API description, generated from the model's input schema.

Swagger 2.0 in the layout Azure ML generates for its deployments (`securityDefinitions.Bearer`,
paths `/` and `/score`, definitions `ServiceInput`, `ServiceOutput`, `ErrorResponse`), with
a real example row, so that tools written for Azure endpoints work against ours; and the
same API as OpenAPI 3 for tools that want that.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bankmarketing_ops.data.schema import SCHEMA, ColumnSpec
from bankmarketing_ops.ml.features import FeatureSpec

__all__ = ["openapi3", "swagger2"]

_TYPES = {
    "integer": {"type": "integer", "format": "int64"},
    "float": {"type": "number", "format": "double"},
}


def _field(spec: ColumnSpec) -> dict[str, Any]:
    if spec.kind == "categorical":
        return {"type": "string", "enum": list(spec.categories), "description": spec.description}
    # the ranges the scorer checks, the same the training data is validated against
    limits = {
        key: int(bound) if spec.kind == "integer" else bound
        for key, bound in (("minimum", spec.minimum), ("maximum", spec.maximum))
        if bound is not None
    }
    return {**_TYPES[spec.kind], **limits, "description": spec.description}


def _record_schema(features: Sequence[FeatureSpec]) -> dict[str, Any]:
    # Every schema input is accepted (a model without `duration` still takes rows that
    # carry it); the model's own inputs are required.
    return {
        "type": "object",
        "properties": {spec.name: _field(spec) for spec in SCHEMA.inputs},
        "required": [f.name for f in features],
        "additionalProperties": False,
    }


def _definitions(features: Sequence[FeatureSpec]) -> dict[str, Any]:
    example = SCHEMA.example_row()
    target = SCHEMA.target
    return {
        "ServiceInput": {
            "type": "object",
            "properties": {
                "data": {"type": "array", "items": _record_schema(features)},
                "method": {
                    "type": "string",
                    "enum": ["predict", "predict_proba"],
                    "default": "predict",
                    "description": f"`predict`: labels ({target.negative!r}/{target.positive!r});"
                    f" `predict_proba`: P({target.name} = {target.positive!r}) per record.",
                },
            },
            "required": ["data"],
            "additionalProperties": False,
            "example": {"data": [example], "method": "predict"},
        },
        "ServiceOutput": {
            "type": "object",
            "properties": {
                "result": {
                    "type": "array",
                    "items": {},
                    "description": "One entry per record, in order: a label (string) for "
                    "`predict`, a probability (number) for `predict_proba`.",
                }
            },
            "example": {"result": [target.negative]},
        },
        "ErrorResponse": {
            "type": "object",
            "properties": {
                "status_code": {"type": "integer", "format": "int32"},
                "message": {"type": "string"},
            },
        },
    }


def _paths(ref: str) -> dict[str, Any]:
    error = {
        "description": "The service failed to execute due to an error.",
        "schema": {"$ref": f"{ref}/ErrorResponse"},
    }
    return {
        "/": {
            "get": {
                "operationId": "ServiceHealthCheck",
                "description": "Simple health check endpoint to ensure the service is up at any "
                "given point.",
                # "Healthy" as text/plain, as Azure's scoring server answers; errors are JSON
                "produces": ["text/plain", "application/json"],
                "responses": {
                    "200": {
                        "description": "If service is up and running, this response will be "
                        "returned with the content 'Healthy'",
                        "schema": {"type": "string"},
                        "examples": {"text/plain": "Healthy"},
                    },
                    "default": error,
                },
            }
        },
        "/score": {
            "post": {
                "operationId": "RunMLService",
                "description": "Run web service's model and get the prediction output",
                "security": [{"Bearer": []}],
                "parameters": [
                    {
                        "name": "serviceInputPayload",
                        "in": "body",
                        "required": True,  # a POST without a body is refused (415 or 400)
                        "description": "The input payload for executing the real-time "
                        "machine learning service.",
                        "schema": {"$ref": f"{ref}/ServiceInput"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The service processed the input correctly and provided "
                        "a result prediction, if applicable.",
                        "schema": {"$ref": f"{ref}/ServiceOutput"},
                    },
                    "default": error,
                },
            }
        },
    }


def swagger2(*, service_name: str, features: Sequence[FeatureSpec]) -> dict[str, Any]:
    """The Swagger 2.0 document of a service."""
    return {
        "swagger": "2.0",
        "info": {
            "title": service_name,
            "description": f"API specification for the bankmarketing_ops service {service_name}",
            "version": "1.0",
        },
        "schemes": ["http"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "securityDefinitions": {
            "Bearer": {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "description": "For example: Bearer abc123",
            },
        },
        "paths": _paths("#/definitions"),
        "definitions": _definitions(features),
    }


def openapi3(*, service_name: str, features: Sequence[FeatureSpec]) -> dict[str, Any]:
    """The same API as an OpenAPI 3.0 document."""
    paths = _paths("#/components/schemas")
    del paths["/"]["get"]["produces"]  # per response in OpenAPI 3
    health = paths["/"]["get"]["responses"]
    # The health answer and the /score operation as Azure's scoring server writes them in
    # its OpenAPI 3 document, key order included.
    health["200"] = {
        "description": health["200"]["description"],
        "content": {"text/plain": {"schema": {"type": "string", "example": "Healthy"}}},
    }
    score = paths["/score"]["post"]
    body = score.pop("parameters")[0]
    responses = score.pop("responses")
    score["requestBody"] = {
        "description": body["description"],
        "required": True,  # a POST without a body is refused (schemathesis holds us to it)
        "content": {"application/json": {"schema": body["schema"]}},
    }
    score["responses"] = responses
    for operation in (paths["/"]["get"], score):
        for code, response in operation["responses"].items():
            if "schema" in response:
                operation["responses"][code] = {
                    "description": response["description"],
                    "content": {"application/json": {"schema": response["schema"]}},
                }
    schemas = _definitions(features)
    item = schemas["ServiceOutput"]["properties"]["result"]["items"]
    item.update({"oneOf": [{"type": "string"}, {"type": "number"}]})
    return {
        "openapi": "3.0.3",
        "info": {
            "title": service_name,
            "version": "1.0",
            "description": f"API specification for the bankmarketing_ops service {service_name}",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"Bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
