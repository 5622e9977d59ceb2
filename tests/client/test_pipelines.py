"""`PipelineClient` against the real local pipeline server, a connection that drops, and
scripted servers (for the retry and Azure answer shapes)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx
import pytest

from bankmarketing_ops import (
    APIResponseError,
    AuthenticationError,
    ConfigurationError,
    HttpPolicy,
    OperationTimeoutError,
    PipelineClient,
    PipelinePublisher,
    PipelineRunError,
    PublishedPipeline,
    UnprocessableEntityError,
    Workspace,
)
from tests.pipeline_steps import toy_pipeline
from tests.scripted_server import Reply, scripted

FAST = HttpPolicy(initial_backoff=0.01, max_backoff=0.02)


@pytest.fixture
def published(workspace: Workspace) -> PublishedPipeline:
    return PipelinePublisher(workspace).publish(toy_pipeline(), name="toy")


@pytest.fixture
def client(workspace: Workspace, published: PublishedPipeline) -> Iterator[PipelineClient]:
    with PipelinePublisher(workspace).client(policy=FAST) as pipeline_client:
        yield pipeline_client


def test_trigger_wait_list_and_logs(client: PipelineClient, published: PublishedPipeline) -> None:
    run_id = client.trigger(published, experiment_name="sdk", parameters={"word": "client"})
    run = client.wait(run_id, timeout=60, poll_interval=0.2)
    assert run.status == "Completed"
    assert run.experiment_name == "sdk"
    assert [r.id for r in client.list_runs(pipeline_id=published.id)] == [run_id]
    assert client.list_runs(status="Failed") == []
    logs = client.logs(run_id, step="produce")
    assert any("producing client" in line for line in logs["produce"])


def test_a_token_from_outside_works_with_a_url_alone(
    workspace: Workspace, published: PublishedPipeline
) -> None:
    token = PipelinePublisher(workspace).token()
    with PipelineClient(token=token, policy=FAST) as outsider:
        run_id = outsider.trigger(published.endpoint, experiment_name="outside")
        assert outsider.base_url == PipelinePublisher(workspace).server_url()
        assert outsider.wait(run_id, timeout=60, poll_interval=0.2).status == "Completed"
    with (
        PipelineClient(token="wrong", policy=FAST) as stranger,
        pytest.raises(AuthenticationError),
    ):
        stranger.trigger(published.endpoint, experiment_name="x")


def test_bad_parameters_raise_422_with_each_name(
    client: PipelineClient, published: PublishedPipeline
) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        client.trigger(published, experiment_name="x", parameters={"seconds": "x", "nope": 1})
    assert {e.field for e in caught.value.errors} == {"seconds", "nope"}


def test_wait_raises_on_failure_unless_told_not_to(
    client: PipelineClient, published: PublishedPipeline
) -> None:
    run_id = client.trigger(published, experiment_name="x", parameters={"fail": True})
    with pytest.raises(PipelineRunError, match="asked to fail"):
        client.wait(run_id, timeout=60, poll_interval=0.2)
    assert client.wait(run_id, raise_on_failure=False).status == "Failed"


def test_wait_times_out(client: PipelineClient, published: PublishedPipeline) -> None:
    run_id = client.trigger(published, experiment_name="x", parameters={"seconds": 30.0})
    with pytest.raises(OperationTimeoutError, match="still") as caught:
        client.wait(run_id, timeout=0.5, poll_interval=0.1)
    assert caught.value.operation_id == run_id
    assert isinstance(caught.value, TimeoutError)  # what callers caught before
    assert client.cancel(run_id).id == run_id


class _DropFirstAnswer(BaseHTTPRequestHandler):
    """Forwards each POST to the real server; drops the first answer on the floor, as a
    proxy that fails after the server has acted would."""

    protocol_version = "HTTP/1.1"
    target = ""
    dropped = 0
    keys: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        type(self).keys.append(self.headers.get("Idempotency-Key", ""))
        answer = httpx.post(self.target + self.path, content=body, headers=headers)
        if type(self).dropped == 0:
            type(self).dropped += 1
            self.close_connection = True  # the server acted; the client hears nothing
            return
        self.send_response(answer.status_code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)


def test_a_retry_after_a_lost_answer_starts_no_second_run(
    workspace: Workspace, published: PublishedPipeline
) -> None:
    publisher = PipelinePublisher(workspace)
    _DropFirstAnswer.target = publisher.server_url()
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _DropFirstAnswer)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        path = published.endpoint.removeprefix(publisher.server_url())
        with PipelineClient(token=publisher.token(), policy=FAST) as client:
            run_id = client.trigger(
                f"http://127.0.0.1:{proxy.server_address[1]}{path}", experiment_name="retry"
            )
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert _DropFirstAnswer.dropped == 1
    assert len(_DropFirstAnswer.keys) == 2
    assert len(set(_DropFirstAnswer.keys)) == 1
    assert [r.id for r in publisher.list_runs()] == [run_id]  # one run, not two


def test_retries_reuse_one_idempotency_key() -> None:
    ok = Reply(200, b'{"Id": "run-1", "Status": "Queued"}')
    with (
        scripted(Reply(503, b"{}"), ok) as server,
        PipelineClient(token="t", policy=FAST) as client,
    ):
        assert client.trigger(f"{server.base_url}/p", experiment_name="e") == "run-1"
    keys = {seen.headers["idempotency-key"] for seen in server.seen}
    assert len(server.seen) == 2
    assert len(keys) == 1


def test_the_azure_answer_form_and_a_workspace_auth_header() -> None:
    # Built by hand after Azure ML's PipelineSubmit answer: many fields, Id and Status among them.
    azure = (
        b'{"Description": null, "Status": {"StatusCode": 0, "StatusDetail": null}, '
        b'"Id": "3f2f8c1a-0000-4000-8000-000000000001", "RunType": "HTTP"}'
    )
    with scripted(Reply(200, azure)) as server:
        header = {"Authorization": "Bearer aad-token"}
        with PipelineClient(auth_header=header, policy=FAST) as client:
            run_id = client.trigger(
                f"{server.base_url}/pipelines/v1.0/subscriptions/s/PipelineRuns/PipelineSubmit/p",
                experiment_name="azure",
                parameters={"timeout_minutes": 20},
            )
    assert run_id == "3f2f8c1a-0000-4000-8000-000000000001"
    seen = server.seen[0]
    assert seen.headers["authorization"] == "Bearer aad-token"
    assert seen.body == b'{"ExperimentName":"azure","ParameterAssignments":{"timeout_minutes":20}}'


def test_an_answer_without_an_id_is_a_response_error() -> None:
    with (
        scripted(Reply(200, b'{"ok": true}')) as server,
        PipelineClient(token="t", policy=FAST) as client,
        pytest.raises(APIResponseError, match="without an Id"),
    ):
        client.trigger(f"{server.base_url}/p", experiment_name="e")


def test_reading_runs_needs_a_base_url_and_repr_hides_the_token() -> None:
    client = PipelineClient(token="secret-token")
    assert "secret-token" not in repr(client)
    with pytest.raises(ConfigurationError, match="base_url"):
        client.get_run("x")
    with pytest.raises(ConfigurationError, match="not both"):
        PipelineClient(token="a", auth_header={"Authorization": "b"})
