"""`bankops deploy`, `bankops services …` and `bankops serve` as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from bankmarketing_ops import ModelRegistry, TrainingRun, Workspace, data
from bankmarketing_ops._locks import exclusive
from bankmarketing_ops.cli import app

runner = CliRunner()
ROW = data.SCHEMA.example_row()


def _register(tmp_path: Path, run: TrainingRun) -> None:
    ModelRegistry(Workspace.local(tmp_path / "workspace")).register_run(run, name="bank")


def test_deploy_score_rotate_and_delete(tmp_path: Path, trained_run: TrainingRun) -> None:
    _register(tmp_path, trained_run)
    deployed = runner.invoke(app, ["deploy", "bank:1", "--service", "svc"])
    assert deployed.exit_code == 0, deployed.output
    for text in ("Healthy", "scoring URI", "swagger URI", "bankops services keys svc"):
        assert text in deployed.stdout
    service = json.loads(runner.invoke(app, ["services", "show", "svc", "--json"]).stdout)
    keys = json.loads(runner.invoke(app, ["services", "keys", "svc", "--json"]).stdout)
    headers = {"Authorization": f"Bearer {keys['primary_key']}"}
    assert (
        httpx.post(service["scoring_uri"], json={"data": [ROW]}, headers=headers).status_code == 200
    )

    assert runner.invoke(app, ["services", "regenerate-key", "svc", "primary"]).exit_code == 0
    assert (
        httpx.post(service["scoring_uri"], json={"data": [ROW]}, headers=headers).status_code == 401
    )
    listed = runner.invoke(app, ["services", "list"])
    assert "svc" in listed.stdout
    assert "bank:1" in listed.stdout
    logs = runner.invoke(app, ["services", "logs", "svc", "-n", "50"])  # request lines too
    assert "listening on" in logs.stdout
    assert runner.invoke(app, ["services", "delete", "svc"]).exit_code == 0
    assert runner.invoke(app, ["services", "delete", "svc"]).exit_code == 0
    missing = runner.invoke(app, ["services", "show", "svc"])
    assert missing.exit_code == 1
    assert "no service named 'svc'" in missing.stderr
    # where it looked: the workspace found may not be the one meant
    assert f"in workspace {tmp_path / 'workspace'}" in " ".join(missing.stderr.split())


def test_deploy_again_switches_the_model(tmp_path: Path, trained_run: TrainingRun) -> None:
    _register(tmp_path, trained_run)
    _register(tmp_path, trained_run)
    assert runner.invoke(app, ["deploy", "bank:1", "--service", "svc"]).exit_code == 0
    switched = runner.invoke(app, ["deploy", "bank", "--service", "svc", "--json"])
    assert switched.exit_code == 0, switched.output
    assert json.loads(switched.stdout)["model"] == "bank:2"


def test_a_crash_heals_itself_and_show_reports_it(tmp_path: Path, trained_run: TrainingRun) -> None:
    _register(tmp_path, trained_run)
    runner.invoke(app, ["deploy", "bank:1", "--service", "svc"])
    pid = json.loads(runner.invoke(app, ["services", "show", "svc", "--json"]).stdout)["pid"]
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        shown = json.loads(runner.invoke(app, ["services", "show", "svc", "--json"]).stdout)
        if shown["state"] == "Healthy" and shown["restarts"] == 1:
            break
        time.sleep(0.1)
    assert (shown["state"], shown["restarts"]) == ("Healthy", 1)
    assert shown["last_exit_reason"] == f"worker 0 (pid {pid}) killed by SIGKILL"
    text = runner.invoke(app, ["services", "show", "svc"]).stdout
    assert f"restarts     1   last exit: worker 0 (pid {pid}) killed by SIGKILL" in text


def _waiting_for_a_lock(pids: set[int]) -> set[int]:
    """Which of `pids` wait for a file lock (Linux's /proc/locks marks waiters with ->)."""
    waiting = set()
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if len(fields) > 5 and fields[1] == "->" and int(fields[5]) in pids:
            waiting.add(int(fields[5]))
    return waiting


def test_two_deploys_at_once_of_a_new_service_both_succeed(
    tmp_path: Path, trained_run: TrainingRun
) -> None:
    _register(tmp_path, trained_run)
    env = {**os.environ, "BANKOPS_WORKSPACE": str(tmp_path / "workspace")}
    command = [sys.executable, "-m", "bankmarketing_ops", "deploy", "bank:1", "--service", "x"]
    services = tmp_path / "workspace" / "services"
    # Hold the deployer's lock until both have seen no service "x" and wait to create it:
    # the race, every time.
    with exclusive(services):
        processes = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)
        ]
        pids = {p.pid for p in processes}
        deadline = time.monotonic() + 60
        while _waiting_for_a_lock(pids) != pids and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_for_a_lock(pids) == pids
    results = [p.communicate(timeout=120) for p in processes]
    for process, (_, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err.decode()
    assert [p.name for p in services.iterdir() if (p / "service.json").exists()] == ["x"]
    shown = json.loads(runner.invoke(app, ["services", "show", "x", "--json"]).stdout)
    assert shown["state"] == "Healthy"
    assert shown["restarts"] == 0


def test_deploy_of_a_missing_model_is_an_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["deploy", "nothing:1"])
    assert result.exit_code == 1
    assert "no model named 'nothing'" in result.stderr


def test_serve_in_the_foreground_until_sigterm(tmp_path: Path, trained_run: TrainingRun) -> None:
    _register(tmp_path, trained_run)
    with __import__("socket").socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "BANKOPS_WORKSPACE": str(tmp_path / "workspace"),
        "BANKOPS_SERVICE_KEY": "a-key-for-the-container",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bankmarketing_ops", "serve", "bank:1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/").status_code
                if status == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        assert status == 200
        scored = httpx.post(
            f"http://127.0.0.1:{port}/score",
            json={"data": [ROW]},
            headers={"Authorization": "Bearer a-key-for-the-container"},
        )
        assert scored.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert f"http://127.0.0.1:{port}/score" in out


def test_the_log_has_one_access_line_per_request_and_follows(
    tmp_path: Path, trained_run: TrainingRun
) -> None:
    _register(tmp_path, trained_run)
    assert runner.invoke(app, ["deploy", "bank:1", "--service", "svc"]).exit_code == 0
    service = json.loads(runner.invoke(app, ["services", "show", "svc", "--json"]).stdout)
    key = json.loads(runner.invoke(app, ["services", "keys", "svc", "--json"]).stdout)[
        "primary_key"
    ]
    scored = httpx.post(
        service["scoring_uri"], json={"data": [ROW]}, headers={"Authorization": f"Bearer {key}"}
    )
    refused = httpx.post(service["scoring_uri"], json={"data": [ROW]})
    deadline = time.monotonic() + 5  # lines are written within a fifth of a second
    while True:
        lines = runner.invoke(app, ["services", "logs", "svc", "-n", "20"]).stdout.splitlines()
        last = f"request_id={refused.headers['x-ms-request-id']}"
        if any(last in line for line in lines) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    for answer, status in ((scored, 200), (refused, 401)):
        request_id = answer.headers["x-ms-request-id"]
        [line] = [line for line in lines if f"request_id={request_id}" in line]
        assert f"POST /score {status} " in line
        assert "model=bank:1" in line
        assert f"deployment={service['deployment_id']}" in line
    assert key not in "\n".join(lines)

    def later() -> None:
        time.sleep(0.8)
        httpx.get(service["scoring_uri"].removesuffix("score") + "swagger.json")

    sender = threading.Thread(target=later)
    sender.start()
    followed = runner.invoke(
        app, ["services", "logs", "svc", "-n", "1", "--follow", "--follow-seconds", "2.5"]
    )
    sender.join()
    assert followed.exit_code == 0, followed.output
    assert "GET /swagger.json 200" in followed.stdout
    deleted = runner.invoke(app, ["services", "delete", "svc"])  # and what of its telemetry
    assert deleted.exit_code == 0
    text = " ".join(deleted.stdout.split())
    assert "recorded requests stay" in text
    assert "bankops insights show svc --all-deployments" in text
    assert "bankops insights purge --service svc" in text
