"""The local pipeline server over real HTTP: triggers, errors, idempotency, concurrency,
restarts. Runs execute in real runner processes (tests/pipeline_steps.py)."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bankmarketing_ops import PipelinePublisher, PipelineRun, PublishedPipeline, Workspace
from bankmarketing_ops.backends.local.pipelines.store import PipelineStore
from tests.pipeline_steps import toy_pipeline


@dataclass
class Served:
    publisher: PipelinePublisher
    pipeline: PublishedPipeline
    token: str
    root: Path

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def base(self) -> str:
        return self.publisher.server_url()

    def trigger(self, parameters: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
        return httpx.post(
            self.pipeline.endpoint,
            json={"ExperimentName": "tests", "ParameterAssignments": parameters or {}},
            headers={**self.auth, **headers},
            timeout=10,
        )

    def run(self, run_id: str) -> PipelineRun:
        response = httpx.get(f"{self.base}/PipelineRuns/{run_id}", headers=self.auth, timeout=10)
        assert response.status_code == 200, response.text
        return PipelineRun.model_validate_json(response.content)

    def wait(self, run_id: str, *, timeout: float = 60) -> PipelineRun:
        deadline = time.monotonic() + timeout
        while True:
            run = self.run(run_id)
            if run.done:
                return run
            assert time.monotonic() < deadline, f"run still {run.status}: {run}"
            time.sleep(0.2)

    def wait_step(self, run_id: str, step: str, status: str = "Running") -> None:
        deadline = time.monotonic() + 60
        while self.run(run_id).step(step).status != status:
            assert time.monotonic() < deadline
            time.sleep(0.1)


def _serve(workspace: Workspace, *, max_concurrent_runs: int = 2) -> Served:
    publisher = PipelinePublisher(workspace)
    publisher.start_server(max_concurrent_runs=max_concurrent_runs)
    published = publisher.publish(toy_pipeline(), name="toy")
    return Served(publisher, published, publisher.token(), Path(workspace.info().location))


@pytest.fixture
def served(workspace: Workspace) -> Iterator[Served]:
    return _serve(workspace)


def test_trigger_answers_id_and_status_and_the_run_completes(served: Served) -> None:
    response = served.trigger({"word": "rest"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) >= {"Id", "Status"}
    assert body["Status"] in ("Queued", "Running")
    run = served.wait(body["Id"])
    assert run.status == "Completed"
    assert run.parameters == {"word": "rest", "seconds": 0.0, "fail": False}
    assert run.experiment_name == "tests"
    assert run.pipeline_id == served.pipeline.id


def test_the_named_endpoint_runs_its_default_version(served: Served) -> None:
    newer = served.publisher.publish(toy_pipeline(), name="toy")
    url = f"{served.base}/PipelineRuns/PipelineEndpointSubmit/Name/toy"
    response = httpx.post(url, json={"ExperimentName": "e"}, headers=served.auth)
    assert response.status_code == 200, response.text
    run = served.wait(response.json()["Id"])
    assert (run.pipeline_id, run.endpoint_name) == (newer.id, "toy")
    missing = httpx.post(
        f"{served.base}/PipelineRuns/PipelineEndpointSubmit/Name/nope",
        json={"ExperimentName": "e"},
        headers=served.auth,
    )
    assert missing.status_code == 404
    assert "no pipeline endpoint named 'nope'" in missing.json()["message"]


def test_a_missing_or_wrong_token_is_401(served: Served) -> None:
    bare = httpx.post(served.pipeline.endpoint, json={"ExperimentName": "e"})
    assert bare.status_code == 401
    assert bare.headers["www-authenticate"] == "Bearer"
    assert "bankops pipelines token" in bare.json()["message"]
    wrong = httpx.post(
        served.pipeline.endpoint,
        json={"ExperimentName": "e"},
        headers={"Authorization": "Bearer not-the-token"},
    )
    assert wrong.status_code == 401
    assert httpx.get(f"{served.base}/PipelineRuns").status_code == 401
    assert served.publisher.list_runs() == []  # nothing started


def test_a_regenerated_token_replaces_the_old_one_without_restart(served: Served) -> None:
    old = served.token
    served.token = served.publisher.regenerate_token()
    assert served.token != old
    assert served.trigger().status_code == 200
    served.token = old
    assert served.trigger().status_code == 401


def test_unknown_and_ill_typed_parameters_are_422_naming_each(served: Served) -> None:
    response = served.trigger({"wrod": "x", "seconds": "soon", "fail": "yes"})
    assert response.status_code == 422
    body = response.json()
    assert body["status_code"] == 422
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert set(fields) == {"wrod", "seconds", "fail"}
    assert "unknown parameter" in fields["wrod"]
    assert "expected float" in fields["seconds"]
    assert served.publisher.list_runs() == []


def test_the_training_pipeline_refuses_what_its_steps_would_refuse_before_any_run(
    workspace: Workspace, tmp_path: Path
) -> None:
    publisher = PipelinePublisher(workspace)
    published = publisher.publish()  # the built-in training pipeline
    auth = {"Authorization": f"Bearer {publisher.token()}"}

    def trigger(parameters: dict[str, Any]) -> httpx.Response:
        body = {"ExperimentName": "tests", "ParameterAssignments": parameters}
        return httpx.post(published.endpoint, json=body, headers=auth, timeout=10)

    response = trigger(
        {
            "timeout_minutes": 0.05,
            "model_name": "../../evil",
            "service_name": "a b",
            "data_path": "/etc/hostname",
        }
    )
    assert response.status_code == 422, response.text
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(fields) == {"timeout_minutes", "model_name", "service_name", "data_path"}
    assert fields["timeout_minutes"] == "must be at least 0.1; got 0.05"
    assert fields["model_name"].startswith("'../../evil' is not valid: use up to 64 letters")
    # the token cannot tell which files exist outside the allowed places
    (tmp_path / "secret.csv").write_text("x\n")
    there, absent = (
        trigger({"data_path": str(tmp_path / name)}) for name in ("secret.csv", "absent.csv")
    )
    assert (there.status_code, there.json()) == (absent.status_code, absent.json())
    assert there.status_code == 422
    assert publisher.list_runs() == []  # nothing started


@pytest.mark.parametrize(
    ("content", "content_type", "status", "message"),
    [
        (b'{"ExperimentName": ', "application/json", 400, "malformed JSON"),
        (b"[1, 2]", "application/json", 400, "expected {"),
        (b'{"ExperimentName": "e", "Extra": 1}', "application/json", 400, "Extra"),
        (b'{"ExperimentName": 3}', "application/json", 400, "ExperimentName"),
        (b'{"ExperimentName": "[/]"}', "application/json", 400, "ExperimentName"),
        (b'{"ParameterAssignments": []}', "application/json", 400, "ParameterAssignments"),
        (b'{"ParameterAssignments": [1]}', "application/json", 400, "ParameterAssignments"),
        (b'{"ExperimentName": "e"}', "text/plain", 415, "application/json"),
        (b"{" + b" " * (1024 * 1024 + 1) + b"}", "application/json", 413, "over"),
    ],
)
def test_bad_requests_are_4xx_with_a_message(
    served: Served, content: bytes, content_type: str, status: int, message: str
) -> None:
    response = httpx.post(
        served.pipeline.endpoint,
        content=content,
        headers={**served.auth, "Content-Type": content_type},
    )
    assert response.status_code == status, response.text
    assert response.json()["status_code"] == status
    assert message in response.json()["message"]
    assert httpx.get(f"{served.base}/").text == "Healthy"  # the server is still up


def test_unknown_pipeline_is_404_and_a_disabled_one_403(served: Served) -> None:
    unknown = httpx.post(
        f"{served.base}/PipelineRuns/PipelineSubmit/nope",
        json={"ExperimentName": "e"},
        headers=served.auth,
    )
    assert unknown.status_code == 404
    served.publisher.disable(served.pipeline.id)
    refused = served.trigger()
    assert refused.status_code == 403
    assert "bankops pipelines enable" in refused.json()["message"]
    served.publisher.enable(served.pipeline.id)
    assert served.trigger().status_code == 200


def test_a_retry_with_the_same_idempotency_key_starts_no_second_run(served: Served) -> None:
    first = served.trigger({"word": "once"}, **{"Idempotency-Key": "k-1"})
    again = served.trigger({"word": "once"}, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 200
    assert first.json()["Id"] == again.json()["Id"]
    assert again.headers["idempotent-replayed"] == "true"
    other = served.trigger({"word": "else"}, **{"Idempotency-Key": "k-1"})
    assert other.status_code == 422
    assert "different request" in other.json()["message"]
    fresh = served.trigger({"word": "once"}, **{"Idempotency-Key": "k-2"})
    assert fresh.json()["Id"] != first.json()["Id"]
    assert len(served.publisher.list_runs()) == 2


def _max_overlap(runs: list[PipelineRun]) -> int:
    events = []
    for run in runs:
        assert run.started_at
        assert run.finished_at
        events.append((datetime.fromisoformat(run.started_at), 1))
        events.append((datetime.fromisoformat(run.finished_at), -1))
    current = peak = 0
    for _, change in sorted(events, key=lambda e: (e[0], e[1])):
        current += change
        peak = max(peak, current)
    return peak


def test_concurrent_triggers_all_run_at_most_the_limit_at_once(served: Served) -> None:
    ids: list[str] = []
    lock = threading.Lock()

    def fire() -> None:
        response = served.trigger({"seconds": 3.0})  # long enough to overlap on a busy box
        assert response.status_code == 200
        with lock:
            ids.append(response.json()["Id"])

    threads = [threading.Thread(target=fire) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 6
    runs = [served.wait(run_id, timeout=120) for run_id in ids]
    assert [r.status for r in runs] == ["Completed"] * 6
    assert _max_overlap(runs) == 2  # the limit, reached: runs did go two at a time


def test_a_server_restart_during_a_run_loses_nothing(workspace: Workspace) -> None:
    served = _serve(workspace, max_concurrent_runs=1)
    running = served.trigger({"seconds": 10.0}).json()["Id"]
    queued = [served.trigger({"word": f"q{i}"}).json()["Id"] for i in range(2)]
    served.wait_step(running, "nap")
    assert served.publisher.stop_server()
    assert served.publisher.server_status() is None
    # With no server, the run goes on in its runner; the queued ones wait.
    assert served.publisher.get_run(running).status == "Running"
    assert {served.publisher.get_run(q).status for q in queued} == {"Queued"}
    served.publisher.start_server()
    finished = [served.wait(run_id) for run_id in [running, *queued]]
    assert [r.status for r in finished] == ["Completed"] * 3


def test_a_run_whose_runner_dies_with_the_server_is_marked_failed(workspace: Workspace) -> None:
    served = _serve(workspace)
    run_id = served.trigger({"seconds": 60.0}).json()["Id"]
    served.wait_step(run_id, "nap")
    status = served.publisher.server_status()
    assert status is not None
    (runner_pid,) = [pid for rid, pid, _, _ in PipelineStore(served.root / "pipelines").running()]
    assert runner_pid is not None
    os.kill(int(str(status["pid"])), signal.SIGKILL)  # a crash: no graceful anything
    os.kill(runner_pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while served.publisher.server_status() is not None:  # until the kill has landed
        assert time.monotonic() < deadline
        time.sleep(0.05)
    served.publisher.start_server()
    run = served.wait(run_id)
    assert run.status == "Failed"
    assert "runner process ended before the run finished" in (run.error or "")
    assert run.step("nap").status == "Failed"
    assert run.step("consume").status == "Skipped"


def test_runs_listing_logs_and_cancel_over_http(served: Served) -> None:
    done = served.trigger({"word": "logged"}).json()["Id"]
    served.wait(done)
    slow = served.trigger({"seconds": 60.0}).json()["Id"]
    served.wait_step(slow, "nap")
    listed = httpx.get(
        f"{served.base}/PipelineRuns",
        params={"pipeline_id": served.pipeline.id, "status": "Completed"},
        headers=served.auth,
    ).json()
    assert [r["id"] for r in listed] == [done]
    logs = httpx.get(
        f"{served.base}/PipelineRuns/{done}/logs", params={"step": "produce"}, headers=served.auth
    ).json()
    assert list(logs) == ["produce"]
    assert any("producing logged" in line for line in logs["produce"])
    bad_step = httpx.get(
        f"{served.base}/PipelineRuns/{done}/logs", params={"step": "nope"}, headers=served.auth
    )
    assert bad_step.status_code == 404
    canceled = httpx.post(f"{served.base}/PipelineRuns/{slow}/cancel", headers=served.auth)
    assert canceled.status_code == 200
    assert served.wait(slow).status == "Canceled"
    bad_limit = httpx.get(f"{served.base}/PipelineRuns?limit=x", headers=served.auth)
    assert bad_limit.status_code == 400
    bad_status = httpx.get(f"{served.base}/PipelineRuns?status=Done", headers=served.auth)
    assert bad_status.status_code == 400
