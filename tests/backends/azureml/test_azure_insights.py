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
    assert [r.client_request_id for r in records] == ["client-0000", None]
    assert records[0].timestamp == pytest.approx(start + 0.5)
    assert records[0].method == "POST"
    assert records[0].service == B.SERVICE
    assert_all_played(vcr)


def test_query_filters_and_escapes() -> None:
    query = requests_query('svc"x', result_code=401, success=False, name="POST /score", limit=5)
    assert 'cloud_RoleName == "svc\\"x"' in query
    assert 'tostring(customDimensions["Service Name"]) == "svc\\"x"' in query
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


def test_the_query_reads_what_azures_scoring_server_writes() -> None:
    """The real inference server's request telemetry, turned into the App Insights item
    the Azure Monitor exporter sends: every `customDimensions` key the KQL reads is there,
    the role name is the service name, and the standard columns say little (why the
    query reads the dimensions)."""
    import re

    import flask
    from azure.monitor.opentelemetry.exporter.export.trace._exporter import (
        _convert_span_to_envelope,
    )
    from azureml_inference_server_http.server.appinsights_client import AppInsightsClient
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": B.SERVICE}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    server = AppInsightsClient()  # no key here: switched on by hand, spans kept in memory
    server.enabled, server.tracer, server._container_id = True, provider.get_tracer("t"), "c-1"
    app = flask.Flask("scoring")
    with app.test_request_context("/score", method="POST", base_url="http://svc"):
        server.log_request(
            flask.request,
            flask.Response('{"message": "no"}', status=401),
            start_datetime=datetime(2026, 11, 2, 11, 0),
            duration_ms=12.5,
            request_id="req-1",
            client_request_id="client-1",
        )
    (span,) = exporter.get_finished_spans()
    item = _convert_span_to_envelope(span)
    row = item.data.base_data
    assert item.tags["ai.cloud.role"] == B.SERVICE  # cloud_RoleName
    assert (row.name, row.response_code, row.success) == ("/score", "0", True)
    dimensions = row.properties
    query = requests_query(B.SERVICE)
    read = set(re.findall(r'customDimensions\["([^"]+)"\]', query))
    assert read == {
        "Service Name",
        "http_method",
        "resultCode",
        "success",
        "url",
        "Request Id",
        "Client Request Id",
    }
    assert read <= set(dimensions)
    assert dimensions["resultCode"] == "401"
    assert dimensions["http_method"] == "POST"
    assert dimensions["Request Id"] == "req-1"
    assert dimensions["Client Request Id"] == "client-1"
