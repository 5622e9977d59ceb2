"""EndpointClient / AsyncEndpointClient against a real local service."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from bankmarketing_ops import (
    AuthenticationError,
    ModelDeployer,
    ModelRegistry,
    UnprocessableEntityError,
    WebService,
    Workspace,
    data,
)
from bankmarketing_ops.client import AsyncEndpointClient, EndpointClient
from bankmarketing_ops.ml.features import records_of
from bankmarketing_ops.schema import ScoringRecord

ROW = data.SCHEMA.example_row()


@pytest.fixture(scope="module")
def key(automl_workspace: Workspace, deployed: WebService) -> str:
    return ModelDeployer(automl_workspace).get_keys(deployed.name).primary_key.get_secret_value()


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    return [dict(r) for r in records_of(data.synthetic(2_500, seed=31).drop(columns=["y"]))]


@pytest.fixture
def client(deployed: WebService, key: str) -> Iterator[EndpointClient]:
    with EndpointClient.from_service(deployed, key=key) as client:
        yield client


def test_score_both_methods(client: EndpointClient, deployed: WebService) -> None:
    labels = client.score([ROW, ROW])
    assert labels.result == ["no", "no"] or set(labels.result) <= {"yes", "no"}
    assert labels.model_version == deployed.model
    proba = client.score([ROW], method="predict_proba").result
    assert isinstance(proba[0], float)


def test_generated_records_are_accepted(client: EndpointClient) -> None:
    record = ScoringRecord.model_validate(ROW)
    assert record.emp_var_rate == 1.4
    assert client.score([record]).result == client.score([ROW]).result


def test_health_and_swagger(client: EndpointClient) -> None:
    assert client.health()
    spec = client.swagger()
    assert spec["swagger"] == "2.0"
    assert "/score" in spec["paths"]


def test_score_batch_keeps_order_and_matches_the_scorer(
    client: EndpointClient,
    rows: list[dict[str, Any]],
    automl_workspace: Workspace,
    deployed: WebService,
) -> None:
    streamed = list(
        client.score_batch(iter(rows), method="predict_proba", chunk_size=300, concurrency=3)
    )
    scorer = ModelRegistry(automl_workspace).load_scorer(*deployed.model.split(":"))
    assert streamed == scorer.predict_proba(rows).tolist()


def test_score_batch_streams_with_bounded_memory(client: EndpointClient) -> None:
    produced = 0

    def endless() -> Iterator[dict[str, Any]]:
        nonlocal produced
        while True:
            produced += 1
            yield ROW

    results = client.score_batch(endless(), chunk_size=100, concurrency=2)
    first = [next(results) for _ in range(150)]
    assert len(first) == 150
    assert produced <= 100 * 4  # only the chunks in flight were read, not the endless input


def test_wrong_key_and_bad_rows_raise_typed_errors(deployed: WebService) -> None:
    with (
        EndpointClient(deployed.scoring_uri, key="wrong") as wrong,
        pytest.raises(AuthenticationError) as caught,
    ):
        wrong.score([ROW])
    assert caught.value.status_code == 401
    assert "wrong" not in repr(wrong)


def test_422_carries_row_and_field(client: EndpointClient) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        client.score([ROW, dict(ROW, month="smarch")])
    [error] = caught.value.errors
    assert (error.row, error.field) == (1, "month")


def test_async_client(deployed: WebService, key: str, rows: list[dict[str, Any]]) -> None:
    async def run() -> tuple[list[Any], list[Any], bool]:
        async with AsyncEndpointClient.from_service(deployed, key=key) as client:
            single = (await client.score([ROW], method="predict_proba")).result

            async def source() -> Any:
                for row in rows[:700]:
                    yield row

            batch = [v async for v in client.score_batch(source(), chunk_size=250)]
            return single, batch, await client.health()

    single, batch, healthy = asyncio.run(run())
    assert healthy
    assert len(batch) == 700
    with EndpointClient(deployed.scoring_uri, key=key) as sync:
        assert batch == sync.score(rows[:700]).result
        assert single == sync.score([ROW], method="predict_proba").result
