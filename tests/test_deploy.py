"""ModelDeployer with real server processes: lifecycle, keys, updates, crashes."""

from __future__ import annotations

import os
import signal
import threading
import time
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


def test_a_killed_server_is_unhealthy_with_its_log_and_restarts(
    workspace: Workspace, model: ModelVersion
) -> None:
    deployer = ModelDeployer(workspace)
    service = deployer.deploy(model, "svc")
    assert service.pid is not None
    os.kill(service.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while deployer.get("svc").state != "Unhealthy" and time.monotonic() < deadline:
        time.sleep(0.05)
    broken = deployer.get("svc")
    assert broken.state == "Unhealthy"
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
    # The last line is written after uvicorn's graceful shutdown returns: not a kill.
    assert deployer.get_logs("svc", 1)[0].endswith("service svc stopped")


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
    deadline = time.monotonic() + 10
    while deployer.get("svc").state != "Unhealthy" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert deployer.get("svc").state == "Unhealthy"  # one worker down is worth a restart
    restarted = deployer.restart("svc")
    assert len(restarted.pids) == 2
    deployer.delete("svc")
    for pid in restarted.pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_pid_reused_by_another_process_is_never_signalled(
    workspace: Workspace, model: ModelVersion
) -> None:
    import json
    import subprocess

    deployer = ModelDeployer(workspace)
    service = deployer.deploy(model, "svc")
    assert service.pid is not None
    os.kill(service.pid, signal.SIGKILL)  # the server died long ago …
    stranger = subprocess.Popen(["sleep", "30"])  # … and its pid now names someone else
    try:
        runtime = Path(workspace.info().location) / "services" / "svc" / "runtime-0.json"
        runtime.write_text(json.dumps({"pid": stranger.pid, "started": "1", "port": 1}))
        assert deployer.get("svc").state == "Unhealthy"
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
