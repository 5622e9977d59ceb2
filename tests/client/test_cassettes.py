"""Replays a recorded conversation with a real local service (record mode `none` on CI).

The client is told the request form (`wire="v1"`): the recorded conversation has no
`/swagger.json` request for `auto` to read. Re-record after a change of the wire format
(it starts a service, trains a small model):

    pytest tests/client/test_cassettes.py --record-mode=rewrite
"""

from __future__ import annotations

import pytest

from bankmarketing_ops import AuthenticationError, UnprocessableEntityError, data
from bankmarketing_ops.client import EndpointClient

ROW = data.SCHEMA.example_row()


@pytest.mark.vcr
def test_scoring_conversation(cassette_endpoint: tuple[str, str]) -> None:
    uri, key = cassette_endpoint
    with EndpointClient(uri, key=key, max_retries=0, wire="v1") as client:
        assert client.health()
        labels = client.score([ROW, dict(ROW, duration=900)])
        assert len(labels.result) == 2
        assert set(labels.result) <= {"yes", "no"}
        assert labels.model_version is not None
        proba = client.score([ROW], method="predict_proba").result
        assert 0 <= proba[0] <= 1
        with pytest.raises(UnprocessableEntityError) as caught:
            client.score([dict(ROW, job="astronaut")])
        assert caught.value.errors[0].field == "job"
        assert client.swagger()["definitions"]["ServiceInput"]["example"]["data"][0] == ROW


@pytest.mark.vcr
def test_refused_key_conversation(cassette_endpoint: tuple[str, str]) -> None:
    uri, _ = cassette_endpoint
    with pytest.raises(AuthenticationError) as caught:
        EndpointClient(uri, key="not-a-key", max_retries=0, wire="v1").score([ROW])
    assert caught.value.status_code == 401
