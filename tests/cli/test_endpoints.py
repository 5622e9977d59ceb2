"""`bankops endpoints test|benchmark` and `bankops schema generate`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bankmarketing_ops import ModelDeployer, ModelRegistry, TrainingRun, Workspace
from bankmarketing_ops.cli import app

runner = CliRunner()


@pytest.fixture
def service(tmp_path: Path, trained_run: TrainingRun) -> str:
    workspace = Workspace.local(tmp_path / "workspace")  # BANKOPS_WORKSPACE of this test
    version = ModelRegistry(workspace).register_run(trained_run, name="bank")
    ModelDeployer(workspace).deploy(version, "svc")
    return "svc"


def test_endpoint_test_prints_request_and_response(service: str) -> None:
    result = runner.invoke(app, ["endpoints", "test", "--service", service])
    assert result.exit_code == 0, result.output
    assert '"data"' in result.stdout
    assert '"result"' in result.stdout
    report = json.loads(
        runner.invoke(app, ["endpoints", "test", "--service", service, "--json"]).stdout
    )
    assert len(report["request"]["data"]) == 2
    assert len(report["response"]) == 2


def test_endpoint_test_fails_on_a_wrong_key(service: str) -> None:
    uri = json.loads(runner.invoke(app, ["services", "show", service, "--json"]).stdout)[
        "scoring_uri"
    ]
    result = runner.invoke(app, ["endpoints", "test", "--uri", uri, "--key", "wrong"])
    assert result.exit_code == 1
    assert "401" in result.stderr
    assert "Traceback" not in result.output
    nothing = runner.invoke(app, ["endpoints", "test"])
    assert nothing.exit_code == 1
    assert "--service NAME" in nothing.stderr


def test_endpoint_benchmark_reports_like_ab(service: str, tmp_path: Path) -> None:
    payload = tmp_path / "data.json"
    result = runner.invoke(
        app,
        [
            "endpoints",
            "benchmark",
            "--service",
            service,
            "-n",
            "60",
            "-c",
            "4",
            "--payload-file",
            str(payload),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["failures"] == 0
    assert report["requests_per_second"] > 0
    assert report["latency_ms_p50"] <= report["latency_ms_p95"] <= report["latency_ms_p99"]
    assert report["ab_command"].startswith(f"ab -n 60 -c 4 -p {payload} -T application/json")
    assert len(json.loads(payload.read_text())["data"]) == 2


def test_schema_generate_writes_models(azure_swagger_fixtures: Path, tmp_path: Path) -> None:
    out = tmp_path / "models.py"
    spec = azure_swagger_fixtures / "azureml_swagger_bankmarketing_inputs_variant.json"
    result = runner.invoke(app, ["schema", "generate", str(spec), "-o", str(out)])
    assert result.exit_code == 0, result.output
    code = out.read_text()
    assert code.startswith("# DO NOT EDIT")
    assert "class ServiceInput(BaseModel):" in code
    assert "alias='nr.employed'" in code
    bad = runner.invoke(app, ["schema", "generate", str(tmp_path / "nope.json")])
    assert bad.exit_code == 1
    assert "no spec file" in bad.stderr
