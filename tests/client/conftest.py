"""Cassettes for the client: recorded from a real local service, replayed on CI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes"


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(CASSETTES / request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    # Keys never reach a cassette; the port of the recording server does not matter; only
    # the client's own requests are kept (not the deployer's health probes while it starts).
    return {
        "filter_headers": [("authorization", "Bearer <filtered>"), "idempotency-key"],
        "match_on": ["method", "path", "query", "body"],
        "before_record_request": _clients_only,
    }


def _clients_only(request: Any) -> Any:
    agent = request.headers.get("user-agent") or request.headers.get("User-Agent") or ""
    return request if agent.startswith("bankmarketing-ops/") else None


@pytest.fixture
def cassette_endpoint(request: pytest.FixtureRequest) -> tuple[str, str]:
    """A live service while recording; a stand-in URI and key while replaying."""
    if request.config.getoption("--record-mode") in (None, "none"):
        return "http://127.0.0.1:5001/score", "replayed-key"
    from bankmarketing_ops import ModelDeployer

    service = request.getfixturevalue("deployed")
    workspace = request.getfixturevalue("automl_workspace")
    key = ModelDeployer(workspace).get_keys(service.name).primary_key.get_secret_value()
    return service.scoring_uri, key
