"""Request telemetry under real load: every request counted, toggles and SIGTERM lose none."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from bankmarketing_ops import (
    ConfigurationError,
    InsightsManager,
    ModelDeployer,
    ModelVersion,
    WebService,
    Workspace,
    data,
)
from bankmarketing_ops.telemetry.store import connect, insert

ROW = data.SCHEMA.example_row()
SCORE = "POST /score"


def _wait_for(insights: InsightsManager, service: str, count: int) -> None:
    deadline = time.monotonic() + 10
    while insights.summary(service, name=SCORE).requests < count and time.monotonic() < deadline:
        time.sleep(0.1)


async def _load(service: WebService, key: str, total: int, concurrency: int) -> Counter[int]:
    """`total` requests: 80 % good, 10 % without a key, 10 % malformed."""
    sent: Counter[int] = Counter()
    plan = iter(range(total))
    good = {"Authorization": f"Bearer {key}"}

    async with httpx.AsyncClient(timeout=30) as client:

        async def worker() -> None:
            for i in plan:
                if i % 10 == 8:
                    response = await client.post(service.scoring_uri, json={"data": [ROW]})
                elif i % 10 == 9:
                    response = await client.post(
                        service.scoring_uri,
                        content=b"{",
                        headers={**good, "content-type": "application/json"},
                    )
                else:
                    response = await client.post(
                        service.scoring_uri, json={"data": [ROW]}, headers=good
                    )
                sent[response.status_code] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return sent


def test_every_request_is_recorded_by_result_code(
    workspace: Workspace, model: ModelVersion
) -> None:
    deployer, insights = ModelDeployer(workspace), InsightsManager(workspace)
    service = deployer.deploy(model, "svc", insights_enabled=True)
    key = deployer.get_keys("svc").primary_key.get_secret_value()
    sent = asyncio.run(_load(service, key, total=2_000, concurrency=16))
    assert sent == Counter({200: 1_600, 401: 200, 400: 200})
    _wait_for(insights, "svc", 2_000)
    summary = insights.summary("svc", name=SCORE)
    assert summary.requests == 2_000
    assert summary.by_result_code == {"200": 1_600, "400": 200, "401": 200}
    assert summary.failures == 400
    assert summary.failure_rate == pytest.approx(0.2)
    assert summary.latency_ms_p50 is not None
    assert summary.latency_ms_p50 <= summary.latency_ms_p95 <= summary.latency_ms_p99  # type: ignore[operator]
    [record] = insights.requests("svc", result_code=401, limit=1)
    assert (record.name, record.success, record.model_version) == (SCORE, False, "bank:1")
    assert (
        sum(b.requests for b in insights.timeline("svc", bucket="1h"))
        == insights.summary("svc").requests
    )


def test_toggling_during_load_fails_no_request(workspace: Workspace, model: ModelVersion) -> None:
    deployer, insights = ModelDeployer(workspace), InsightsManager(workspace)
    service = deployer.deploy(model, "svc")
    key = deployer.get_keys("svc").primary_key.get_secret_value()
    answered: list[tuple[int, str]] = []
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
            while not stop.is_set():
                response = client.post(service.scoring_uri, json={"data": [ROW]})
                answered.append((response.status_code, response.headers["x-ms-request-id"]))

    worker = threading.Thread(target=load)
    worker.start()
    try:
        for _ in range(3):
            insights.enable("svc")
            time.sleep(0.2)
            insights.disable("svc")
            time.sleep(0.1)
        insights.enable("svc")
        time.sleep(0.3)
    finally:
        stop.set()
        worker.join()
    assert len(answered) > 50
    assert {status for status, _ in answered} == {200}
    _wait_for(insights, "svc", 1)
    time.sleep(1.2)  # one flush interval
    recorded = {r.request_id for r in insights.requests("svc", name=SCORE)}
    assert recorded  # recorded while on …
    assert recorded <= {request_id for _, request_id in answered}  # … and only real answers
    assert len(recorded) < len(answered)  # … and nothing while off


def test_sigterm_during_load_writes_every_record(workspace: Workspace, model: ModelVersion) -> None:
    deployer, insights = ModelDeployer(workspace), InsightsManager(workspace)
    service = deployer.deploy(model, "svc", insights_enabled=True)
    key = deployer.get_keys("svc").primary_key.get_secret_value()
    answered: list[str] = []
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
            while not stop.is_set():
                try:
                    response = client.post(service.scoring_uri, json={"data": [ROW]})
                except httpx.HTTPError:
                    return  # the server has gone
                if response.status_code == 200:
                    answered.append(response.headers["x-ms-request-id"])

    worker = threading.Thread(target=load)
    worker.start()
    time.sleep(0.5)
    deployer.delete("svc")  # SIGTERM while requests are flowing
    stop.set()
    worker.join()
    recorded = {r.request_id for r in insights.requests("svc", name=SCORE)}
    assert len(answered) > 20
    assert set(answered) <= recorded  # every answered request was written before exit


def test_summary_timeline_and_purge_on_known_records(workspace: Workspace) -> None:
    root = Path(workspace.info().location)
    now = time.time()
    rows = [
        (
            now - 3600 + i,
            SCORE,
            "u",
            float(i + 1),
            200 if i % 4 else 500,
            int(bool(i % 4)),
            "POST",
            f"r{i}",
            None,
            "known",
            "m:1",
            None,
        )
        for i in range(100)
    ]
    connection = connect(root)
    insert(connection, rows)
    connection.close()
    insights = InsightsManager(workspace)
    summary = insights.summary("known")
    assert (summary.requests, summary.failures) == (100, 25)
    assert (summary.latency_ms_p50, summary.latency_ms_p95, summary.latency_ms_p99) == (
        50.0,
        95.0,
        99.0,
    )
    assert summary.by_result_code == {"200": 75, "500": 25}
    buckets = insights.timeline("known", bucket="30s")
    assert sum(b.requests for b in buckets) == 100
    assert len(buckets) in (4, 5)
    assert insights.summary("known", since=now - 3600 + 50).requests == 50
    with pytest.raises(ConfigurationError, match="bucket"):
        insights.timeline("known", bucket="soon")
    assert insights.purge(service="known", older_than_s=1800) == 100
    assert insights.summary("known").requests == 0


def test_a_summary_counts_the_running_deployment_only(
    workspace: Workspace, model: ModelVersion
) -> None:
    root = Path(workspace.info().location)
    old = [
        (time.time() - 600 + i, SCORE, "u", 1.0, 200, 1, "POST", f"gone{i}", None, "svc", "m:1", d)
        for i, d in enumerate(["deleted-deployment"] * 30 + [None] * 10)
    ]
    connection = connect(root)
    insert(connection, old)
    connection.close()
    deployer = ModelDeployer(workspace)
    service = deployer.deploy(model, "svc", insights_enabled=True)
    assert service.deployment_id
    key = deployer.get_keys("svc").primary_key.get_secret_value()
    with httpx.Client() as client:
        for _ in range(5):
            client.post(
                service.scoring_uri,
                json={"data": [ROW]},
                headers={"Authorization": f"Bearer {key}"},
            )
    insights = InsightsManager(workspace)
    _wait_for(insights, "svc", 5)
    summary = insights.summary("svc", name=SCORE)
    assert (summary.requests, summary.deployment_id) == (5, service.deployment_id)
    history = insights.summary("svc", name=SCORE, all_deployments=True)
    assert (history.requests, history.deployment_id) == (45, None)
    records = insights.requests("svc", name=SCORE)
    assert {r.deployment_id for r in records} == {service.deployment_id}
    newest = insights.requests("svc", limit=2, newest_first=True, all_deployments=True)
    assert newest[0].timestamp >= newest[1].timestamp >= max(r[0] for r in old)
    deployer.delete("svc")  # no service: the whole history of the name
    assert insights.summary("svc", name=SCORE).requests == 45
