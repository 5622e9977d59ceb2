"""The client, `bankops endpoints` and `bankops schema generate` against Azure's own scoring
server (`azmlinfsrv`), run on loopback with scoring scripts in the two forms Azure AutoML
writes (`azure_scoring/score_v1.py`, `score_v2.py`) and a model trained here. No cassette:
every answer is the real server's.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from bankmarketing_ops import (
    BadRequestError,
    ModelDeployer,
    ProbabilitiesNotSupportedError,
    ScoringScriptError,
    WebService,
    Workspace,
    data,
)
from bankmarketing_ops.cli import app
from bankmarketing_ops.client import AsyncEndpointClient, EndpointClient, HttpPolicy
from bankmarketing_ops.client.endpoint import DEFAULT_CLASSES, wire_of_swagger
from tests.azure_inference_server import SCRIPTS, InferenceServer, inference_servers

sys.path.insert(0, str(SCRIPTS))
import bank_model

runner = CliRunner()
FORMS = ("score_v1.py", "score_v2.py")
RECORDS = [dict(r) for r in data.synthetic(12, seed=21).drop(columns=["y"]).to_dict("records")]
FAST = HttpPolicy(initial_backoff=0.01, max_backoff=0.02)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bank_model.train(
        data.synthetic(1_000, seed=3), tmp_path_factory.mktemp("azure-model") / "1"
    )


@pytest.fixture(scope="module")
def servers(
    model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, InferenceServer]]:
    with inference_servers(FORMS, model_dir, tmp_path_factory.mktemp("azure-logs")) as running:
        yield running


@pytest.fixture(params=FORMS)
def server(request: pytest.FixtureRequest, servers: dict[str, InferenceServer]) -> InferenceServer:
    return servers[request.param]


@pytest.fixture(scope="module")
def expected(model_dir: Path) -> dict[str, Any]:
    """What the model itself says about RECORDS (what the servers must hand back)."""
    import pandas as pd

    model = bank_model.BankModel.load(model_dir)
    frame = pd.DataFrame(RECORDS)
    return {"labels": model.predict(frame).tolist(), "proba": model.predict_proba(frame).tolist()}


def _counting() -> tuple[httpx.Client, list[str]]:
    seen: list[str] = []
    client = httpx.Client(event_hooks={"request": [lambda r: seen.append(r.url.path)]})
    return client, seen


def _other_form(server: InferenceServer) -> str:
    return "v2" if server.script == "score_v1.py" else "v1"


# --- the request form --------------------------------------------------------------------
def test_auto_reads_the_form_from_the_swagger_once(server: InferenceServer) -> None:
    http, seen = _counting()
    with EndpointClient(server.scoring_uri, http_client=http) as client:
        assert client.wire is None
        client.score(RECORDS[:1])
        client.score(RECORDS[:1])
        assert client.wire == ("v1" if server.script == "score_v1.py" else "v2")
    assert seen == ["/swagger.json", "/score", "/score"]


def test_the_wrong_form_gets_azures_own_answer(servers: dict[str, InferenceServer]) -> None:
    with (
        EndpointClient(servers["score_v2.py"].scoring_uri, wire="v1", policy=FAST) as client,
        pytest.raises(BadRequestError) as caught,
    ):
        client.score(RECORDS[:1])
    assert "A value is not provided for the 'Inputs' parameter." in str(caught.value)
    assert caught.value.request_id


def test_no_swagger_means_v1(servers: dict[str, InferenceServer]) -> None:
    # A URI whose /swagger.json is a 404 (Azure's answer to an unknown route).
    client = EndpointClient(servers["score_v1.py"].base_url + "/nothing/score")
    with client:
        assert client.resolve_wire() == "v1"


# --- results -----------------------------------------------------------------------------
def test_predict_gives_the_models_labels(server: InferenceServer, expected: dict[str, Any]) -> None:
    with EndpointClient(server.scoring_uri) as client:
        answer = client.score(RECORDS)
    assert answer.result == expected["labels"]
    assert answer.request_id


def test_predict_proba_gives_p_yes_and_the_matrix_on_request(
    servers: dict[str, InferenceServer], expected: dict[str, Any]
) -> None:
    with EndpointClient(servers["score_v2.py"].scoring_uri) as client:
        plain = client.score(RECORDS, method="predict_proba")
        full = client.score(RECORDS, method="predict_proba", all_classes=True)
    p_yes = [row[1] for row in expected["proba"]]
    assert plain.result == pytest.approx(p_yes)
    assert plain.probabilities is None
    assert full.probabilities is not None
    flat = [p for row in full.probabilities for p in row]
    assert flat == pytest.approx([p for row in expected["proba"] for p in row])
    assert full.classes == list(DEFAULT_CLASSES) == sorted(data.SCHEMA.target.labels)


def test_predict_proba_never_returns_labels(servers: dict[str, InferenceServer]) -> None:
    with (
        EndpointClient(servers["score_v1.py"].scoring_uri) as client,
        pytest.raises(ProbabilitiesNotSupportedError, match="does not support probabilities"),
    ):
        client.score(RECORDS[:2], method="predict_proba")


def test_classes_in_another_order_pick_the_other_column(
    servers: dict[str, InferenceServer], expected: dict[str, Any]
) -> None:
    # A model whose classes_ are ("yes", "no") would put P(yes) first; the client is told.
    uri = servers["score_v2.py"].scoring_uri
    with EndpointClient(uri, classes=("yes", "no")) as client:
        answer = client.score(RECORDS[:3], method="predict_proba")
    assert answer.result == pytest.approx([row[0] for row in expected["proba"][:3]])


# --- errors keep Azure's words -----------------------------------------------------------
def test_v1_error_body_is_a_typed_error_sent_once(servers: dict[str, InferenceServer]) -> None:
    http, seen = _counting()
    uri = servers["score_v1.py"].scoring_uri
    with (
        EndpointClient(uri, wire="v1", max_retries=3, policy=FAST, http_client=http) as client,
        pytest.raises(ScoringScriptError) as caught,
    ):
        client.score([dict(RECORDS[0], job="astronaut")])
    error = caught.value
    assert error.status_code == 200
    assert "unknown value(s) ['astronaut'] in column 'job'" in error.server_message
    assert error.request_id
    assert error.request_id in str(error)
    assert seen == ["/score"]


def test_failed_scoring_function_is_a_typed_error_sent_once(
    servers: dict[str, InferenceServer],
) -> None:
    http, seen = _counting()
    uri = servers["score_v2.py"].scoring_uri
    with (
        EndpointClient(uri, wire="v2", max_retries=3, policy=FAST, http_client=http) as client,
        pytest.raises(ScoringScriptError) as caught,
    ):
        client.score([dict(RECORDS[0], job="astronaut")])
    error = caught.value
    assert error.status_code == 500
    assert error.server_message == (
        "An unexpected error occurred in scoring script. Check the logs for more info."
    )
    assert error.request_id
    assert seen == ["/score"]


# --- async and batch ---------------------------------------------------------------------
def test_async_and_batch_calls_use_the_same_form(
    server: InferenceServer, expected: dict[str, Any]
) -> None:
    with EndpointClient(server.scoring_uri) as client:
        batched = list(client.score_batch(RECORDS, chunk_size=5, concurrency=2))

    async def both() -> tuple[list[Any], list[Any]]:
        async with AsyncEndpointClient(server.scoring_uri) as client:
            one = (await client.score(RECORDS)).result
            streamed = [v async for v in client.score_batch(RECORDS, chunk_size=5, concurrency=2)]
        return list(one), streamed

    one, streamed = asyncio.run(both())
    assert batched == one == streamed == expected["labels"]


# --- the CLI -----------------------------------------------------------------------------
def test_endpoints_test_speaks_the_endpoints_form(server: InferenceServer) -> None:
    result = runner.invoke(app, ["endpoints", "test", "--uri", server.scoring_uri, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    body = report["request"]
    rows = body["Inputs"]["data"] if server.script == "score_v2.py" else body["data"]
    assert len(rows) == len(report["response"]) == 2
    assert set(report["response"]) <= set(data.SCHEMA.target.labels)


def test_endpoints_benchmark_on_both_forms(server: InferenceServer, tmp_path: Path) -> None:
    payload = tmp_path / "payload.json"
    result = runner.invoke(
        app,
        [
            "endpoints",
            "benchmark",
            "--uri",
            server.scoring_uri,
            "-n",
            "12",
            "-c",
            "2",
            "--payload-file",
            str(payload),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["failures"] == 0
    assert report["requests"] == 12
    # The payload file is in the endpoint's form: `ab` with it gets 200 too.
    reply = httpx.post(
        server.scoring_uri,
        content=payload.read_bytes(),
        headers={"Content-Type": "application/json"},
    )
    assert reply.status_code == 200, reply.text


def test_endpoints_test_with_the_wrong_form_says_azures_words(
    servers: dict[str, InferenceServer],
) -> None:
    uri = servers["score_v2.py"].scoring_uri
    result = runner.invoke(app, ["endpoints", "test", "--uri", uri, "--wire", "v1"])
    assert result.exit_code == 1
    assert "A value is not provided for the 'Inputs' parameter." in result.output


def test_schema_generate_from_the_servers_swagger(server: InferenceServer) -> None:
    result = runner.invoke(app, ["schema", "generate", f"{server.base_url}/swagger.json"])
    assert result.exit_code == 0, result.output
    code = result.stdout
    namespace: dict[str, Any] = {}
    exec(compile(code, "generated.py", "exec"), namespace)
    service_input = namespace["ServiceInput"]
    if server.script == "score_v2.py":
        assert "Inputs" in service_input.model_fields or "inputs" in service_input.model_fields
    else:
        assert "data" in service_input.model_fields
    assert "emp.var.rate" in code  # the dotted wire name kept as an alias


# --- our server's wire beside Azure's, on the same requests ------------------------------
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def ours(deployed: WebService, automl_workspace: Workspace) -> tuple[str, str]:
    """Our local service: base URL and key."""
    key = ModelDeployer(automl_workspace).get_keys(deployed.name).primary_key
    return deployed.scoring_uri.rsplit("/", 1)[0], key.get_secret_value()


def test_health_answers_alike(servers: dict[str, InferenceServer], ours: tuple[str, str]) -> None:
    azure = httpx.get(servers["score_v1.py"].base_url + "/")
    local = httpx.get(ours[0] + "/")
    assert (local.status_code, local.content) == (azure.status_code, azure.content)
    assert local.content == b"Healthy"


@pytest.mark.parametrize(
    "sent",
    [{}, {"x-request-id": "trace-42"}],
)
def test_request_id_headers_alike(
    servers: dict[str, InferenceServer], ours: tuple[str, str], sent: dict[str, str]
) -> None:
    azure = httpx.get(servers["score_v1.py"].base_url + "/", headers=sent).headers
    local = httpx.get(ours[0] + "/", headers=sent).headers
    for headers in (azure, local):
        assert headers["x-ms-request-id"] == headers["x-request-id"]
    if "x-request-id" in sent:
        assert local["x-ms-request-id"] == azure["x-ms-request-id"] == sent["x-request-id"]
    else:
        assert UUID.match(azure["x-ms-request-id"])
        assert UUID.match(local["x-ms-request-id"])


def test_a_client_request_id_is_echoed_but_does_not_become_ours(
    servers: dict[str, InferenceServer], ours: tuple[str, str]
) -> None:
    """The one deliberate difference in the ids: Azure copies a client's
    `x-ms-client-request-id` into `x-ms-request-id`; ours keeps the request's own id there
    (it keys the request's telemetry, captured inputs and labels)."""
    sent = {"x-request-id": "trace-43", "x-ms-client-request-id": "client-7"}
    azure = httpx.get(servers["score_v1.py"].base_url + "/", headers=sent).headers
    local = httpx.get(ours[0] + "/", headers=sent).headers
    assert azure["x-ms-client-request-id"] == local["x-ms-client-request-id"] == "client-7"
    assert azure["x-request-id"] == local["x-request-id"] == "trace-43"
    assert (azure["x-ms-request-id"], local["x-ms-request-id"]) == ("client-7", "trace-43")


@pytest.mark.parametrize("version", [None, "2", "3", "3.1"])
def test_swagger_versions_alike_where_they_overlap(
    servers: dict[str, InferenceServer], ours: tuple[str, str], version: str | None
) -> None:
    query = {"version": version} if version else {}
    azure = httpx.get(servers["score_v1.py"].base_url + "/swagger.json", params=query)
    local = httpx.get(ours[0] + "/swagger.json", params=query)
    assert (local.status_code, local.headers["content-type"]) == (
        azure.status_code,
        azure.headers["content-type"],
    )
    a, b = azure.json(), local.json()
    shared = ["swagger", "consumes", "produces", "securityDefinitions"] if "swagger" in a else []
    for key in [*shared, "openapi"] if "openapi" in a else shared:
        assert json.dumps(b[key]) == json.dumps(a[key]), key
    for path, verb in (("/", "get"), ("/score", "post")):
        # key order kept: the serialized operations are the same bytes, but for what our
        # spec states on purpose (docs/deploy.md lists it)
        ours_ = _without_stated_differences(b["paths"][path][verb])
        assert json.dumps(ours_) == json.dumps(a["paths"][path][verb])


def _without_stated_differences(operation: dict[str, Any]) -> dict[str, Any]:
    """Our operation less what our spec states and Azure's does not: the health answer is
    `text/plain` (Azure's Swagger 2.0 calls it `application/json`), and `/score` needs a
    body (`required`; Azure's spec leaves it optional)."""
    operation = json.loads(json.dumps(operation))  # a copy, key order kept
    if operation.get("produces") == ["text/plain", "application/json"]:
        del operation["produces"]
        examples = operation["responses"]["200"].get("examples")
        if examples == {"text/plain": "Healthy"}:
            operation["responses"]["200"]["examples"] = {"application/json": "Healthy"}
    operation.get("requestBody", {}).pop("required", None)
    for parameter in operation.get("parameters", []):  # Swagger 2.0's body parameter
        parameter.pop("required", None)
    return operation


def test_the_json_string_answer_is_azures_v1_form(
    servers: dict[str, InferenceServer], ours: tuple[str, str]
) -> None:
    body = json.dumps({"data": RECORDS[:2]})
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {ours[1]}"}
    azure = httpx.post(servers["score_v1.py"].scoring_uri, content=body, headers=headers)
    local = httpx.post(f"{ours[0]}/score?answer=json-string", content=body, headers=headers)
    plain = httpx.post(f"{ours[0]}/score", content=body, headers=headers)
    for answer in (azure, local):
        assert answer.headers["content-type"] == "application/json"
        document = json.loads(json.loads(answer.content))
        assert answer.content == json.dumps(json.dumps(document)).encode()
        assert list(document) == ["result"]
    assert json.loads(json.loads(local.content)) == plain.json()
    with EndpointClient(f"{ours[0]}/score", key=ours[1]) as client:  # reads both forms
        assert client.score(RECORDS[:2]).result == plain.json()["result"]


def test_the_example_runs_against_both_forms(server: InferenceServer) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "score_azure_endpoint.py"
    out = subprocess.run(
        [sys.executable, str(example), "--uri", server.scoring_uri],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    v2 = server.script == "score_v2.py"
    assert f"request form: {'v2' if v2 else 'v1'}" in out
    assert ("P(yes):" in out) is v2
    assert ("no probabilities:" in out) is not v2
    assert f"script failed ({500 if v2 else 200})" in out


def test_an_overlong_request_id_is_refused_alike(
    servers: dict[str, InferenceServer], ours: tuple[str, str]
) -> None:
    sent = {"x-request-id": "x" * 101}
    azure = httpx.get(servers["score_v1.py"].base_url + "/", headers=sent)
    local = httpx.get(ours[0] + "/", headers=sent)
    assert local.status_code == azure.status_code == 431
    assert "x-request-id must not exceed 100 characters" in azure.json()["message"]
    assert local.json()["message"] == azure.json()["message"]


@pytest.mark.parametrize(
    ("fixture", "form"),
    [
        ("azureml_swagger_bankmarketing.json", "v1"),
        ("azureml_swagger_bankmarketing_inputs_variant.json", "v2"),
    ],
)
def test_the_form_of_real_azure_specs(
    azure_swagger_fixtures: Path, fixture: str, form: str
) -> None:
    """The two swagger.json files Azure generated for real AutoML deployments."""
    document = json.loads((azure_swagger_fixtures / fixture).read_text())
    assert wire_of_swagger(document) == form
