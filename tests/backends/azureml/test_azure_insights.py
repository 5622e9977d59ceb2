"""Request telemetry from Application Insights (Entra token, KQL), replayed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bankmarketing_ops import ConfigurationError, CredentialError, InsightsManager, Workspace
from bankmarketing_ops.backends.azureml.insights import record_of, requests_query
from tests.backends.azureml import _cassette_builder as B
from tests.backends.azureml.conftest import assert_all_played


@pytest.mark.vcr
def test_telemetry_summary(azure_workspace: Workspace, vcr: Any) -> None:
    insights = InsightsManager(azure_workspace)
    summary = insights.summary(B.SERVICE, name="POST /score")
    assert summary.requests == 10
    assert summary.failures == 3
    assert summary.by_result_code == {"200": 7, "400": 1, "401": 2}
    assert summary.latency_ms_p50 == pytest.approx(60.0)
    start = datetime(2026, 11, 2, 11, 0, tzinfo=UTC).timestamp()
    records = insights.requests(B.SERVICE, since=start, until=start + 60, limit=2)
    assert [r.request_id for r in records] == ["req-0000", "req-0001"]
    assert records[0].timestamp == pytest.approx(start + 0.5)
    assert records[0].method == "POST"
    assert records[0].service == B.SERVICE
    assert_all_played(vcr)


def test_query_filters_and_escapes() -> None:
    query = requests_query('svc"x', result_code=401, success=False, name="POST /score", limit=5)
    assert 'cloud_RoleName == "svc\\"x"' in query
    assert "toint(resultCode) == 401" in query
    assert "success == false" in query
    assert query.endswith("| take 5")


def test_a_row_maps_to_the_local_record_model() -> None:
    row = dict(zip([c for c, _ in B._COLUMNS], B.request_rows()[8], strict=True))
    record = record_of(row, B.SERVICE)
    assert record.result_code == 401
    assert record.success is False
    assert record.duration_ms == 100.0
    assert record.client_request_id is None


@pytest.mark.parametrize("code", [None, "", "n/a"])
def test_a_row_without_a_result_code_still_maps(code: str | None) -> None:
    row = dict(zip([c for c, _ in B._COLUMNS], B.request_rows()[8], strict=True))
    row.update(resultCode=code, success=False)
    record = record_of(row, B.SERVICE)
    assert (record.result_code, record.success) == (0, False)


@pytest.mark.vcr("test_telemetry_summary.yaml")
def test_purge_is_left_to_the_retention_setting(azure_workspace: Workspace) -> None:
    with pytest.raises(ConfigurationError, match="retention"):
        InsightsManager(azure_workspace).purge()


@pytest.mark.vcr
def test_until_is_applied_before_the_limit(azure_workspace: Workspace, vcr: Any) -> None:
    """The KQL filters by `until` before `take` (the cassette's request body holds the
    whole query); Azure's 401 becomes `CredentialError`."""
    insights = InsightsManager(azure_workspace)
    start = datetime(2026, 11, 2, 11, 0, tzinfo=UTC).timestamp()
    records = insights.requests(B.SERVICE, since=start, until=start + 1.5, limit=5)
    assert [r.request_id for r in records] == ["req-0000"]
    with pytest.raises(CredentialError):
        insights.requests("other-svc")
    assert_all_played(vcr)


def test_until_comes_before_take_in_the_query() -> None:
    query = requests_query("svc", until=90.0, limit=3).splitlines()
    assert query.index("| where timestamp < datetime(1970-01-01T00:01:30.000000Z)") < (
        query.index("| take 3")
    )
