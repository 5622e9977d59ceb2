"""Request telemetry of Azure ML web services, read from Application Insights.

Application Insights query API keys were retired (2026-03-31), so records are read with an
Entra token: `azure-monitor-query`'s `LogsQueryClient`, KQL over the `requests` table of
the workspace's Application Insights resource. Each row becomes the same `RequestRecord`
the local backend stores, so `InsightsManager.summary` means the same on both backends.

What Azure ML's scoring server (azureml-inference-server-http ≥ 1.0) writes for each
request, and so what the query reads: an OpenTelemetry server span whose resource's
`service.name` is the service's name (`SERVICE_NAME` in the container), which App
Insights keeps as `cloud_RoleName`; and span attributes, kept in `customDimensions`:
`Service Name`, `Workspace Name`, `Request Id` (the `x-ms-request-id` a client sees),
`Client Request Id`, `http_method`, `url`, `resultCode`, `success`, `Container Id`. The
span carries no standard HTTP attributes, so the standard columns say little: `name` is
the path alone (`/score`), `resultCode` is "0", `success` is always true and `url` is
empty. The query therefore picks rows by the service name in either place and takes
method, URL, status and outcome from `customDimensions`, falling back to the standard
columns for servers that fill them. The model version is not in the request telemetry:
it reads as None.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bankmarketing_ops._exceptions import ConfigurationError, DeploymentError
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.backends.azureml._sdk import require, translated
from bankmarketing_ops.types.insights import RequestRecord

__all__ = ["AzureInsights", "record_of", "requests_query"]

_log = get_logger(__name__)

_PROJECT = (
    "timestamp, name, url, duration, resultCode, success, request_id, client_request_id, "
    "operation_Id, cloud_RoleName"
)
# The inference server's own fields (see the module docs) over the standard columns.
_READ_DIMENSIONS = [
    '| extend method = tostring(customDimensions["http_method"])',
    '| extend name = iif(isnotempty(method) and not(name startswith strcat(method, " ")), '
    'strcat(method, " ", name), name)',
    '| extend resultCode = coalesce(tostring(customDimensions["resultCode"]), resultCode)',
    '| extend success = iif(isnotempty(tostring(customDimensions["success"])), '
    'tobool(customDimensions["success"]), success)',
    '| extend url = coalesce(tostring(customDimensions["url"]), url)',
    '| extend request_id = coalesce(tostring(customDimensions["Request Id"]), id)',
    '| extend client_request_id = tostring(customDimensions["Client Request Id"])',
]
_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}


def _literal(value: str) -> str:
    """A KQL string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _datetime(epoch: float) -> str:
    """A KQL datetime literal (UTC, microseconds)."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return f"datetime({moment.strftime('%Y-%m-%dT%H:%M:%S.%fZ')})"


def requests_query(
    service: str,
    *,
    until: float | None = None,
    result_code: int | None = None,
    success: bool | None = None,
    name: str | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> str:
    """The KQL that selects one service's requests, oldest (or newest) first.

    The time range is the query's `timespan`, whose end is inclusive; `until` is exclusive
    (as on the local backend), so it is a `where` of its own — before `take`, or a limit
    would count rows that are then dropped.
    """
    service_literal = _literal(service)
    lines = [
        "requests",
        f'| where cloud_RoleName == {service_literal} or tostring(customDimensions["Service '
        f'Name"]) == {service_literal}',
        *_READ_DIMENSIONS,
    ]
    if until is not None:
        lines.append(f"| where timestamp < {_datetime(until)}")
    if name is not None:
        lines.append(f"| where name == {_literal(name)}")
    if result_code is not None:
        lines.append(f"| where toint(resultCode) == {int(result_code)}")
    if success is not None:
        lines.append(f"| where success == {'true' if success else 'false'}")
    lines += [f"| project {_PROJECT}", f"| order by timestamp {'desc' if newest_first else 'asc'}"]
    if limit is not None:
        lines.append(f"| take {int(limit)}")
    return "\n".join(lines)


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.timestamp()
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def _result_code(value: Any) -> int:
    """App Insights keeps `resultCode` as text, empty or missing for some failures."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0


def record_of(row: Any, service: str) -> RequestRecord:
    """One `requests` row (indexable by column name) as a `RequestRecord`."""
    name = str(row["name"])
    first = name.split(" ", 1)[0]
    code = _result_code(row["resultCode"])
    success = row["success"]
    return RequestRecord(
        timestamp=_epoch(row["timestamp"]),
        name=name,
        url=str(row["url"]),
        duration_ms=float(row["duration"]),
        result_code=code,
        success=bool(success) if success is not None else code < 400,
        method=first if first in _METHODS else "POST",
        request_id=str(row["request_id"]),
        client_request_id=str(row["client_request_id"] or "") or None,
        service=str(row["cloud_RoleName"] or service),
        model_version=None,
    )


class AzureInsights:
    """Reads the workspace's Application Insights with an Entra credential."""

    def __init__(
        self, details: Callable[[], dict[str, Any]], credential: Any, *, client: Any = None
    ) -> None:
        self._details, self._credential, self._client = details, credential, client

    def _resource_id(self) -> str:
        with translated(DeploymentError, "read the workspace's Application Insights resource"):
            resource = self._details().get("applicationInsights")
        if not resource:
            raise ConfigurationError("this Azure ML workspace has no Application Insights")
        return str(resource)

    def _logs_client(self) -> Any:
        if self._client is None:
            query = require("azure.monitor.query")
            self._client = query.LogsQueryClient(self._credential)
        return self._client

    def requests(
        self,
        service: str,
        *,
        since: float | None = None,
        until: float | None = None,
        result_code: int | None = None,
        success: bool | None = None,
        name: str | None = None,
        limit: int | None = None,
        deployment_id: str | None = None,
        newest_first: bool = False,
    ) -> list[RequestRecord]:
        # App Insights keeps no deployment id (our services report none there): a
        # `deployment_id` cannot narrow the rows, and the records carry None.
        query = requests_query(
            service,
            until=until,
            result_code=result_code,
            success=success,
            name=name,
            limit=limit,
            newest_first=newest_first,
        )
        timespan: tuple[datetime, datetime] | timedelta | None = None
        if since is not None or until is not None:
            end = datetime.fromtimestamp(until, UTC) if until is not None else datetime.now(UTC)
            start = (
                datetime.fromtimestamp(since, UTC)
                if since is not None
                else end - timedelta(days=90)
            )
            timespan = (start, end)
        resource = self._resource_id()
        with translated(
            DeploymentError, f"read telemetry of {service!r} from Application Insights"
        ):
            answer = self._logs_client().query_resource(resource, query, timespan=timespan)
        tables = getattr(answer, "tables", None) or getattr(answer, "partial_data", None) or []
        if getattr(answer, "partial_error", None) is not None:
            _log.warning("Application Insights returned partial results for %s", service)
        return [record_of(row, service) for table in tables for row in table.rows]
