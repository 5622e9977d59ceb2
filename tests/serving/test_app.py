"""The scoring server over real HTTP on loopback: forms, methods, auth, every error code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bankmarketing_ops import ModelDeployer, WebService, Workspace, data

ROW = data.SCHEMA.example_row()


@pytest.fixture(scope="module")
def key(automl_workspace: Workspace, deployed: WebService) -> str:
    return ModelDeployer(automl_workspace).get_keys(deployed.name).primary_key.get_secret_value()


@pytest.fixture
def client(deployed: WebService, key: str) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=deployed.scoring_uri.removesuffix("/score"),
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    ) as client:
        yield client


def _healthy(client: httpx.Client) -> None:
    response = client.get("/")
    assert (response.status_code, response.text) == (200, "Healthy")


def _error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status_code"] == status
    assert body["message"]
    return body


@pytest.mark.parametrize("method", ["predict", "predict_proba"])
def test_v1_form(client: httpx.Client, method: str) -> None:
    response = client.post(
        "/score", json={"data": [ROW, dict(ROW, duration=900)], "method": method}
    )
    assert response.status_code == 200
    result = response.json()["result"]
    assert len(result) == 2
    if method == "predict":
        assert set(result) <= {"yes", "no"}
    else:
        assert all(0 <= p <= 1 for p in result)
        assert result[1] > result[0]  # a long call: more likely to subscribe


@pytest.mark.parametrize("method", ["predict", "predict_proba"])
def test_v2_form(client: httpx.Client, method: str) -> None:
    response = client.post(
        "/score", json={"Inputs": {"data": [ROW]}, "GlobalParameters": {"method": method}}
    )
    assert response.status_code == 200
    assert len(response.json()["Results"]) == 1


def test_both_forms_and_the_scorer_agree(
    client: httpx.Client, automl_workspace: Workspace, deployed: WebService
) -> None:
    from bankmarketing_ops import ModelRegistry

    proba = client.post("/score", json={"data": [ROW], "method": "predict_proba"}).json()
    scorer = ModelRegistry(automl_workspace).load_scorer(*deployed.model.split(":"))
    assert proba["result"] == scorer.predict_proba([ROW]).tolist()
    assert client.post("/score", json={"data": []}).json() == {"result": []}


def test_health_needs_no_key(deployed: WebService) -> None:
    response = httpx.get(deployed.scoring_uri.removesuffix("score"))
    assert response.text == "Healthy"
    assert response.headers["x-model-version"] == deployed.model


def test_missing_and_wrong_keys_are_401(deployed: WebService) -> None:
    anonymous = httpx.post(deployed.scoring_uri, json={"data": [ROW]})
    assert "Authorization: Bearer" in _error(anonymous, 401)["message"]
    assert anonymous.headers["www-authenticate"] == "Bearer"
    wrong = httpx.post(
        deployed.scoring_uri, json={"data": [ROW]}, headers={"Authorization": "Bearer not-the-key"}
    )
    assert _error(wrong, 401)["message"] == "invalid key"
    basic = httpx.post(deployed.scoring_uri, json={"data": [ROW]}, auth=("a", "b"))
    _error(basic, 401)


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b'{"data": [', "application/json", 400),  # truncated
        (b"", "application/json", 400),
        (b"\xff\xfe\x00garbage", "application/json", 400),
        (b"[" * 5_000 + b"]" * 5_000, "application/json", 400),  # deeply nested
        (b'{"data": {"age": 3}}', "application/json", 400),  # wrong shape
        (b'{"Inputs": {"rows": []}}', "application/json", 400),
        (b'{"data": [], "method": "explain"}', "application/json", 400),
        (b'{"data": [], "extra": 1}', "application/json", 400),
        (b"[1, 2, 3]", "application/json", 400),
        (b'{"data": [1, "x"]}', "application/json", 400),  # records that are not objects
        (b'{"data": []}', "text/plain", 415),
        (b'{"data": []}', "application/x-www-form-urlencoded", 415),
        (json.dumps({"data": [dict(ROW, age="x")]}).encode(), "application/json", 422),
        (json.dumps({"data": [dict(ROW, job="pilot")]}).encode(), "application/json", 422),
        (json.dumps({"data": [{"age": 30}]}).encode(), "application/json", 422),
        # out of the range the training data is validated against
        (json.dumps({"data": [dict(ROW, age=-5)]}).encode(), "application/json", 422),
        (json.dumps({"data": [dict(ROW, duration=-250)]}).encode(), "application/json", 422),
        (json.dumps({"data": [dict(ROW, age=2**70)]}).encode(), "application/json", 422),
    ],
)
def test_bad_requests_get_4xx_and_the_server_stays_healthy(
    client: httpx.Client, body: bytes, content_type: str, status: int
) -> None:
    response = client.post("/score", content=body, headers={"content-type": content_type})
    _error(response, status)
    _healthy(client)


@pytest.mark.parametrize(
    ("parameters", "kind"), [(["x"], "an array"), ("predict", "a string"), (0, "a number")]
)
def test_global_parameters_that_are_not_an_object_are_named(
    client: httpx.Client, parameters: object, kind: str
) -> None:
    body = {"Inputs": {"data": [ROW]}, "GlobalParameters": parameters}
    message = _error(client.post("/score", json=body), 400)["message"]
    assert message == (
        'GlobalParameters must be an object such as {"method": "predict_proba"}, not ' + kind
    )


def test_422_names_row_and_field(client: httpx.Client) -> None:
    response = client.post("/score", json={"data": [ROW, dict(ROW, age="forty")]})
    body = _error(response, 422)
    assert body["errors"] == [
        {"row": 1, "field": "age", "message": "expected an integer, got a string ('forty')"}
    ]


def test_huge_bodies_are_413(client: httpx.Client) -> None:
    huge = b'{"data": [' + b",".join([json.dumps(ROW).encode()] * 40_000) + b"]}"
    assert len(huge) > 8 * 1024 * 1024
    _error(client.post("/score", content=huge, headers={"content-type": "application/json"}), 413)

    def chunks() -> Any:  # no Content-Length: the limit is enforced while reading
        for _ in range(40):
            yield b" " * (256 * 1024)

    _error(
        client.post("/score", content=chunks(), headers={"content-type": "application/json"}), 413
    )
    _healthy(client)


def test_large_valid_batches_are_scored(client: httpx.Client) -> None:
    response = client.post("/score", json={"data": [ROW] * 5_000})
    assert response.status_code == 200
    assert len(response.json()["result"]) == 5_000


def test_unknown_routes_and_methods(client: httpx.Client) -> None:
    _error(client.get("/nope"), 404)
    assert client.get("/score").status_code == 405
    _error(client.delete("/"), 405)


def test_metrics_count_requests_by_code(client: httpx.Client) -> None:
    client.post("/score", json={"data": [ROW]})
    client.post("/score", content=b"{", headers={"content-type": "application/json"})
    text = client.get("/metrics").text
    assert 'bankops_requests_total{code="200",route="/score"}' in text
    assert 'bankops_requests_total{code="400",route="/score"}' in text
    assert "bankops_request_duration_seconds_bucket" in text
    assert 'bankops_model_info{model="shared-model:1"} 1.0' in text


def test_cors_swagger_is_open_score_is_not(client: httpx.Client) -> None:
    origin = {"Origin": "http://localhost:8080"}
    spec = client.get("/swagger.json", headers=origin)
    assert spec.headers["access-control-allow-origin"] == "*"
    preflight = client.options(
        "/score", headers={**origin, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 403
    scored = client.post("/score", json={"data": [ROW]}, headers=origin)
    assert scored.status_code == 200
    assert "access-control-allow-origin" not in scored.headers
