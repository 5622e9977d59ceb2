"""`EndpointClient` against an Azure ML (v1) ACI endpoint, in the recorded form: the answer
is a JSON document encoded inside a JSON string; 401 without a valid key; Azure's swagger."""

from __future__ import annotations

from typing import Any

import pytest

from bankmarketing_ops import AuthenticationError
from bankmarketing_ops.client import EndpointClient
from tests.backends.azureml import _cassette_builder as B
from tests.backends.azureml.conftest import assert_all_played


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    # The request body is part of the contract: match on it too.
    return {
        "filter_headers": ["authorization", "idempotency-key"],
        "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
    }


@pytest.mark.vcr
def test_endpoint_client_speaks_to_an_aci_service(vcr: Any) -> None:
    with EndpointClient(B.SCORING_URI, key=B.PRIMARY, max_retries=0, wire="v1") as client:
        assert client.health()
        answer = client.score([B.ROW])
        assert answer.result == ["no"]
        assert answer.model_version is None  # Azure does not say
        swagger = client.swagger()
        assert swagger["swagger"] == "2.0"
        assert swagger["definitions"]["ServiceInput"]["example"]["data"][0] == B.ROW
    with pytest.raises(AuthenticationError) as caught:
        EndpointClient(B.SCORING_URI, key="wrong-key", max_retries=0, wire="v1").score([B.ROW])
    assert caught.value.status_code == 401
    assert_all_played(vcr)
