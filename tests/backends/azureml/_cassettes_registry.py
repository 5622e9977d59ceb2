"""Cassettes of the Azure registry's updates (built by hand, as the others): Models -
Get, then Models - Patch with the json-patch our registry sends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.backends.azureml import _cassette_builder as B

MODULE = "test_azure_registry"
UPDATE = "Machine Learning Services (v1 model management): Models - Get, Models - Patch"
MODEL_URL = f"{B.MMS}/models/bankmarketing-automl%3A2"


def model_get(**changes: Any) -> dict[str, Any]:
    """Models - Get of `bankmarketing-automl:2` (our property and the registry test's tags)."""
    return B.interaction("GET", MODEL_URL, body={**B.registered(2), **changes})


def patch(operations: list[dict[str, Any]]) -> dict[str, Any]:
    """Models - Patch: `operations` must be in the json-patch sent."""
    return B.interaction("PATCH", MODEL_URL, request_body=operations, body="")


def update_interactions() -> list[dict[str, Any]]:
    """Empty tags and description are sent (the SDK's `Model.update` would skip them); a
    new property is added beside ours; nothing new means no request."""
    added = {"team": "marketing", B.PROPERTY: B.bankops_property(2), "owner": "ops"}
    return [
        B.discovery(),
        model_get(),
        patch(
            [
                {"op": "replace", "path": "/kvTags", "value": {}},
                {"op": "replace", "path": "/description", "value": ""},
            ]
        ),
        model_get(kvTags={}, tags={}, description=""),
        model_get(),
        patch([{"op": "add", "path": "/properties", "value": added}]),
        model_get(properties=added),
        # nothing new: the model is read, no patch, read again for the answer
        model_get(properties=added),
        model_get(properties=added),
        # changing a property Azure keeps: refused after the read, before any patch
        model_get(properties=added),
    ]


def write_all() -> list[Path]:
    return [
        B.write(
            MODULE,
            "test_update_sends_every_value_given",
            UPDATE,
            [*B.session_interactions(), *update_interactions()],
        )
    ]
