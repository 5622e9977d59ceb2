"""`bankops insights …` and the dashboard, checked in headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bankmarketing_ops import ModelDeployer, ModelRegistry, TrainingRun, Workspace, data
from bankmarketing_ops.cli import app

runner = CliRunner()
ROW = data.SCHEMA.example_row()


@pytest.fixture
def traffic(tmp_path: Path, trained_run: TrainingRun) -> dict[str, int]:
    """A service with insights switched on by the CLI, and 30 requests of three kinds."""
    workspace = Workspace.local(tmp_path / "workspace")  # BANKOPS_WORKSPACE of this test
    version = ModelRegistry(workspace).register_run(trained_run, name="bank")
    deployer = ModelDeployer(workspace)
    service = deployer.deploy(version, "svc")
    assert runner.invoke(app, ["insights", "enable", "svc"]).exit_code == 0
    key = deployer.get_keys("svc").primary_key.get_secret_value()
    with httpx.Client() as client:
        for _ in range(24):
            client.post(
                service.scoring_uri,
                json={"data": [ROW]},
                headers={"Authorization": f"Bearer {key}"},
            )
        for _ in range(4):
            client.post(service.scoring_uri, json={"data": [ROW]})
        for _ in range(2):
            client.post(
                service.scoring_uri,
                json={"data": [dict(ROW, age="x")]},
                headers={"Authorization": f"Bearer {key}"},
            )
    time.sleep(1.3)  # one flush interval
    return {"200": 24, "401": 4, "422": 2}


def test_show_and_requests(traffic: dict[str, int]) -> None:
    shown = json.loads(runner.invoke(app, ["insights", "show", "svc", "--json"]).stdout)
    score_codes = {k: v for k, v in shown["by_result_code"].items() if k != "200"}
    assert score_codes == {"401": 4, "422": 2}
    assert shown["failures"] == 6
    text = runner.invoke(app, ["insights", "show", "svc"])
    assert "failed" in text.stdout
    failed = json.loads(
        runner.invoke(app, ["insights", "requests", "svc", "--failed", "--json"]).stdout
    )
    assert len(failed) == 6
    assert {r["result_code"] for r in failed} == {401, 422}
    newest = json.loads(
        runner.invoke(app, ["insights", "requests", "svc", "--tail", "5", "--json"]).stdout
    )
    assert len(newest) == 5
    stamps = [r["timestamp"] for r in newest]
    assert stamps == sorted(stamps, reverse=True)  # newest first
    every = json.loads(runner.invoke(app, ["insights", "requests", "svc", "--json"]).stdout)
    assert stamps[0] == max(r["timestamp"] for r in every)
    table = runner.invoke(
        app, ["insights", "requests", "svc", "--tail", "5"], env={"COLUMNS": "80"}
    )
    assert "5 request(s), newest first" in table.stdout
    lines = table.stdout.splitlines()
    for record in newest:  # the ids a user copies into drift labels, whole
        assert any(record["request_id"] in line for line in lines), table.stdout
    assert "…" not in table.stdout
    assert "(deployment " in runner.invoke(app, ["insights", "show", "svc"]).stdout


def test_disable_then_purge(traffic: dict[str, int]) -> None:
    assert runner.invoke(app, ["insights", "disable", "svc"]).exit_code == 0
    time.sleep(1.3)  # the records of the last second (disable's own checks) are written
    purged = json.loads(
        runner.invoke(app, ["insights", "purge", "--service", "svc", "--json"]).stdout
    )
    assert purged["deleted"] >= 30
    shown = json.loads(runner.invoke(app, ["insights", "show", "svc", "--json"]).stdout)
    assert shown["requests"] == 0


def test_dashboard_renders_in_chromium_with_the_summary_numbers(
    traffic: dict[str, int], tmp_path: Path
) -> None:
    chromium = shutil.which("chromium")
    if not chromium:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium must be installed on CI")
        pytest.skip("chromium is not installed")
    page_file = tmp_path / "insights.html"
    result = runner.invoke(app, ["insights", "dashboard", "svc", "-o", str(page_file)])
    assert result.exit_code == 0, result.output
    summary = json.loads(runner.invoke(app, ["insights", "show", "svc", "--json"]).stdout)

    from playwright.sync_api import sync_playwright

    from tests.serving.test_swagger_ui import FLAGS

    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.goto(page_file.as_uri())
            shown = page.inner_text('[data-metric="requests"]')
            failures = page.inner_text('[data-metric="failures"]')
            codes = {
                c: page.inner_text(f'#codes [data-code="{c}"]') for c in summary["by_result_code"]
            }
            lines = page.locator("svg.chart polyline.series").count()
            if os.environ.get("DASHBOARD_SCREENSHOT"):
                page.screenshot(path=os.environ["DASHBOARD_SCREENSHOT"], full_page=True)
        finally:
            browser.close()
    assert int(shown.replace(",", "")) == summary["requests"]
    assert int(failures.replace(",", "")) == summary["failures"]
    assert {c: int(v.replace(",", "")) for c, v in codes.items()} == summary["by_result_code"]
    assert lines == 4  # requests, failures, latency p50 and p95
    assert all(url.startswith("file://") for url in requested)  # nothing from elsewhere
