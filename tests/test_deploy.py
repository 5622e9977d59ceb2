"""ModelDeployer with real server processes: lifecycle, keys, updates, crashes."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from bankmarketing_ops import (
    ConfigurationError,
    DeploymentError,
    ModelDeployer,
    ModelNotFoundError,
    ModelRegistry,
    ModelVersion,
    ServiceNotFoundError,
    TrainingRun,
    WebService,
    Workspace,
    data,
)

ROW = data.SCHEMA.example_row()


def _score(uri: str, key: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(uri, json={"data": [ROW]}, headers=headers, timeout=10)


def test_deploy_get_list_logs_delete(workspace: Workspace, model: ModelVersion) -> None:
    deployer = ModelDeployer(workspace)
    poller = deployer.begin_deploy("bank:1", "svc")
    service = poller.result()
    assert poller.done()
    assert service.state == "Healthy"
    assert service.model == "bank:1"
    assert service.scoring_uri.startswith("http://127.0.0.1:")
    assert service.pid is not None
    assert [s.name for s in deployer.list()] == ["svc"]
    assert any("listening on" in line for line in deployer.get_logs("svc", 10))
    keys = deployer.get_keys("svc")
    assert "**" in repr(keys)
    assert _score(service.scoring_uri, keys.primary_key.get_secret_value()).status_code == 200

    deployer.delete("svc")
    deployer.delete("svc")  # idempotent
    assert deployer.list() == []
    with pytest.raises(ProcessLookupError):
        os.kill(service.pid, 0)
    with pytest.raises(ServiceNotFoundError, match="no service named 'svc'"):
        deployer.get("svc")


def test_keys_rotate_without_restart(workspace: Workspace, model: ModelVersion) -> None:
    deployer = ModelDeployer(workspace)
    service = deployer.deploy(model, "svc")
    old = deployer.get_keys("svc")
    new = deployer.regenerate_key("svc", "primary")
    old_primary = old.primary_key.get_secret_value()
    assert new.primary_key.get_secret_value() != old_primary
    assert _score(service.scoring_uri, old_primary).status_code == 401
    assert _score(service.scoring_uri, new.primary_key.get_secret_value()).status_code == 200
    assert _score(service.scoring_uri, old.secondary_key.get_secret_value()).status_code == 200
    assert deployer.get("svc").pid == service.pid  # same process
    keys_file = Path(workspace.info().location) / "services" / "svc" / "keys.json"
    assert keys_file.stat().st_mode & 0o777 == 0o600
    with pytest.raises(ConfigurationError):
        deployer.regenerate_key("svc", "tertiary")  # type: ignore[arg-type]


def test_update_switches_models_with_no_failed_request(
    workspace: Workspace, model: ModelVersion, trained_run: TrainingRun
) -> None:
    deployer = ModelDeployer(workspace)
    service = deployer.deploy(model, "svc")
    second = ModelRegistry(workspace).register_run(trained_run, name="bank")
    key = deployer.get_keys("svc").primary_key.get_secret_value()
    statuses: list[int] = []
    versions: set[str] = set()
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=10) as client:
            while not stop.is_set():
                response = client.post(service.scoring_uri, json={"data": [ROW]})
                statuses.append(response.status_code)
                versions.add(response.headers.get("x-model-version", ""))

    worker = threading.Thread(target=load)
    worker.start()
    try:
        time.sleep(0.3)
        updated = deployer.update("svc", model=second)
        time.sleep(0.3)
    finally:
        stop.set()
        worker.join()
    assert updated.model == "bank:2"
    assert updated.pid == service.pid  # no restart
    assert len(statuses) > 20
    assert set(statuses) == {200}
    assert versions == {"bank:1", "bank:2"}


def _until(condition: Callable[[], WebService | None], seconds: float = 60) -> WebService:
    """Poll `condition` until it returns a service (bounded: fails after `seconds`)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found is not None:
            return found
        time.sleep(0.05)
    raise AssertionError(f"not reached within {seconds} s")


def _supervisor_pid(workspace: Workspace, name: str) -> int:
    path = Path(workspace.info().location) / "services" / name / "supervisor.json"
    return int(json.loads(path.read_text())["pid"])


def test_a_killed_worker_is_restarted_by_its_supervisor(
    workspace: Workspace, model: ModelVersion
) -> None:
    deployer = ModelDeployer(workspace)
    service = deployer.deploy(model, "svc")
    assert service.pid is not None
    assert (service.restarts, service.last_exit_reason) == (0, None)
    # A small process: the package's public API (pandas and the rest) is not loaded in it.
    supervisor_maps = Path(f"/proc/{_supervisor_pid(workspace, 'svc')}/maps").read_text()
    assert "pandas" not in supervisor_maps
    assert "numpy" not in supervisor_maps  # (maps lists compiled modules only)
    os.kill(service.pid, signal.SIGKILL)

    def healed() -> WebService | None:
        now = deployer.get("svc")
        return now if now.state == "Healthy" and now.restarts == 1 else None

    restarted = _until(healed)
    assert restarted.pid not in (None, service.pid)
    assert restarted.port == service.port
    assert restarted.last_exit_reason == f"worker 0 (pid {service.pid}) killed by SIGKILL"
    key = deployer.get_keys("svc").primary_key.get_secret_value()
    assert _score(restarted.scoring_uri, key).status_code == 200
    assert any("killed by SIGKILL; restarting it" in line for line in deployer.get_logs("svc"))


def test_a_worker_that_keeps_failing_is_restarted_with_a_growing_backoff(
    workspace: Workspace, model: ModelVersion
) -> None:
    deployer = ModelDeployer(workspace)
    service = deployer.deploy(model, "svc")
    assert service.pid is not None
    for member in (Path(model.path) / "model").glob("member-*"):
        member.write_text("damaged after the service started")  # every restart now fails
    os.kill(service.pid, signal.SIGKILL)

    def backing_off() -> WebService | None:
        lines = [line for line in deployer.get_logs("svc", 200) if "restarting it in" in line]
        if len(lines) < 2:
            return None
        service = deployer.get("svc")  # its state file may lag the log line: ask again
        reason = service.last_exit_reason or ""
        return service if reason.endswith("exited with code 1") else None

    failing = _until(backing_off)
    delays = [
        line.rsplit("restarting it in ", 1)[1]
        for line in deployer.get_logs("svc", 200)
        if "restarting it in" in line
    ]
    assert delays[:2] == ["0.5 s", "1.0 s"]
    assert failing.state != "Healthy"
    assert failing.restarts >= 1
    assert failing.last_exit_reason is not None
    assert failing.last_exit_reason.endswith("exited with code 1")


def test_a_worker_nobody_restarts_is_unhealthy_with_its_log_until_restarted(
    workspace: Workspace, model: ModelVersion
) -> None:
    deployer = ModelDeployer(workspace)
    service = deployer.deploy(model, "svc")
    assert service.pid is not None
    os.kill(_supervisor_pid(workspace, "svc"), signal.SIGKILL)  # no supervisor any more …
    os.kill(service.pid, signal.SIGKILL)  # … so this worker stays dead
    broken = _until(lambda: s if (s := deployer.get("svc")).state == "Unhealthy" else None)
    assert broken.pid is None
    assert broken.last_log_lines
    restarted = deployer.restart("svc")
    assert restarted.state == "Healthy"
    assert restarted.port == service.port
    key = deployer.get_keys("svc").primary_key.get_secret_value()
    assert _score(restarted.scoring_uri, key).status_code == 200


def test_sigterm_lets_the_server_finish_its_shutdown(
    workspace: Workspace, model: ModelVersion
) -> None:
    deployer = ModelDeployer(workspace)
    service = deployer.deploy(model, "svc")
    assert service.pid is not None
    os.kill(service.pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while deployer.get("svc").pid is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    # Written after uvicorn's graceful shutdown returns: not a kill. A worker that stops
    # on purpose is not restarted, and its supervisor leaves with it.
    assert any(line.endswith("service svc stopped") for line in deployer.get_logs("svc", 5))
    assert deployer.get_logs("svc", 1)[0].endswith("every worker stopped; supervisor exits")
    assert deployer.get("svc").restarts == 0


def test_no_auth_is_allowed_and_says_so(
    workspace: Workspace, model: ModelVersion, caplog: pytest.LogCaptureFixture
) -> None:
    deployer = ModelDeployer(workspace)
    with caplog.at_level("WARNING", logger="bankmarketing_ops"):
        service = deployer.deploy(model, "open", auth_enabled=False)
    assert "WITHOUT authentication" in caplog.text
    assert _score(service.scoring_uri, None).status_code == 200
    assert any("WITHOUT authentication" in line for line in deployer.get_logs("open"))


def test_bad_deployments_are_clear_errors(workspace: Workspace, model: ModelVersion) -> None:
    deployer = ModelDeployer(workspace)
    deployer.deploy(model, "svc")
    with pytest.raises(DeploymentError, match="already exists"):
        deployer.begin_deploy(model, "svc")
    with pytest.raises(ModelNotFoundError):
        deployer.begin_deploy("missing:1", "other")
    with pytest.raises(ConfigurationError, match="workers must be between 1 and 32"):
        deployer.begin_deploy(model, "other", workers=0)
    with pytest.raises(ConfigurationError, match="invalid"):
        deployer.delete("..")  # a name, never a path out of the services folder
    with pytest.raises(ConfigurationError, match="invalid"):
        deployer.begin_deploy(model, "bad name")


def test_a_model_that_fails_to_load_is_reported_with_its_log(
    workspace: Workspace, model: ModelVersion
) -> None:
    for member in (Path(model.path) / "model").glob("member-*"):
        member.write_text("damaged after registration")
    deployer = ModelDeployer(workspace)
    poller = deployer.begin_deploy(model, "svc")
    with pytest.raises(DeploymentError, match="stopped while starting") as caught:
        poller.result(timeout=30)
    assert "cannot load model bank:1" in str(caught.value)
    service = deployer.get("svc")
    assert service.state == "Unhealthy"
    assert any("member-0" in line for line in service.last_log_lines)


def test_cors_origins_open_score_to_a_browser_origin(
    workspace: Workspace, model: ModelVersion
) -> None:
    deployer = ModelDeployer(workspace)
    service = deployer.deploy(model, "svc", cors_origins=["http://localhost:8080"])
    preflight = httpx.options(
        service.scoring_uri,
        headers={"Origin": "http://localhost:8080", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:8080"
    assert "authorization" in preflight.headers["access-control-allow-headers"]
    other = httpx.options(
        service.scoring_uri,
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert other.status_code == 403


def test_several_workers_share_the_port_and_switch_models_together(
    workspace: Workspace, model: ModelVersion, trained_run: TrainingRun
) -> None:
    deployer = ModelDeployer(workspace)
    service = deployer.deploy(model, "svc", workers=2)
    assert service.workers == 2
    assert len(set(service.pids)) == 2
    key = deployer.get_keys("svc").primary_key.get_secret_value()
    with httpx.Client(headers={"Authorization": f"Bearer {key}"}) as client:
        answers = [client.post(service.scoring_uri, json={"data": [ROW]}) for _ in range(20)]
        assert {a.status_code for a in answers} == {200}
        second = ModelRegistry(workspace).register_run(trained_run, name="bank")
        deployer.update("svc", model=second)
        # fresh connections land on either worker: all of them serve the new model
        versions = {
            httpx.post(
                service.scoring_uri,
                json={"data": [ROW]},
                headers={"Authorization": f"Bearer {key}"},
            ).headers["x-model-version"]
            for _ in range(20)
        }
    assert versions == {"bank:2"}
    os.kill(service.pids[1], signal.SIGKILL)
    _until(lambda: s if (s := deployer.get("svc")).last_exit_reason else None)
    # The survivor serves every fresh connection while the other worker restarts; the
    # restarted one takes connections only once its model is loaded.
    with httpx.Client(headers={"Authorization": f"Bearer {key}"}) as client:
        statuses = [
            client.post(
                service.scoring_uri, json={"data": [ROW]}, headers={"Connection": "close"}
            ).status_code
            for _ in range(20)
        ]
    assert set(statuses) == {200}
    restarted = _until(lambda: s if (s := deployer.get("svc")).state == "Healthy" else None)
    assert restarted.restarts == 1
    assert len(restarted.pids) == 2
    assert service.pids[1] not in restarted.pids
    deployer.delete("svc")
    for pid in restarted.pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_pid_reused_by_another_process_is_never_signalled(
    workspace: Workspace, model: ModelVersion
) -> None:
    import subprocess

    deployer = ModelDeployer(workspace)
    service = deployer.deploy(model, "svc")
    assert service.pid is not None
    os.kill(_supervisor_pid(workspace, "svc"), signal.SIGKILL)
    os.kill(service.pid, signal.SIGKILL)  # the server died long ago …
    stranger = subprocess.Popen(["sleep", "30"])  # … and its pid now names someone else
    try:
        runtime = Path(workspace.info().location) / "services" / "svc" / "runtime-0.json"
        runtime.write_text(json.dumps({"pid": stranger.pid, "started": "1", "port": 1}))
        _until(lambda: s if (s := deployer.get("svc")).state == "Unhealthy" else None)
        deployer.delete("svc")
        assert stranger.poll() is None  # not signalled: it is not ours
    finally:
        stranger.kill()
        stranger.wait()


def test_a_bad_service_name_is_called_a_service_name(
    workspace: Workspace, model: ModelVersion
) -> None:
    deployer = ModelDeployer(workspace)
    with pytest.raises(ConfigurationError, match=r"^invalid service name 'a b': use up to 64"):
        deployer.begin_deploy(model, "a b")
    with pytest.raises(ConfigurationError, match=r"^invalid service name '\.\.'"):
        deployer.get("..")
    assert deployer.list() == []


def _refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except (ConnectionRefusedError, ConnectionResetError):  # reset: caught closing
        return True


def test_a_request_on_an_idle_keep_alive_connection_is_answered_during_the_drain(
    workspace: Workspace, model: ModelVersion
) -> None:
    deployer = ModelDeployer(workspace)
    service = deployer.deploy(model, "svc")
    key = deployer.get_keys("svc").primary_key.get_secret_value()
    with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=10) as client:
        first = client.post(service.scoring_uri, json={"data": [ROW]})
        assert first.status_code == 200  # its connection now waits, idle, in the pool
        stopper = threading.Thread(target=deployer.delete, args=("svc",))
        stopper.start()
        try:
            deadline = time.monotonic() + 30
            while not _refuses_connections(service.port):  # the drain has begun
                assert time.monotonic() < deadline
                time.sleep(0.01)
            during = client.post(service.scoring_uri, json={"data": [ROW]})
        finally:
            stopper.join(timeout=30)
    assert during.status_code == 200
    assert during.headers["connection"] == "close"
    assert not stopper.is_alive()
