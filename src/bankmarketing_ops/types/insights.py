"""What request telemetry says about a service."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["RequestRecord", "TelemetrySummary", "TimelineBucket"]


class RequestRecord(BaseModel):
    """One request, as App Insights keeps it."""

    model_config = ConfigDict(frozen=True)

    timestamp: float
    """Seconds since the epoch (UTC) when the answer was sent."""
    name: str
    """Method and route, e.g. `POST /score`."""
    url: str
    duration_ms: float
    result_code: int
    success: bool
    """`result_code < 400`."""
    method: str
    request_id: str
    """The `x-ms-request-id` the answer carried."""
    client_request_id: str | None
    """The client's `x-ms-client-request-id` or `Idempotency-Key`, if it sent one."""
    service: str
    model_version: str | None
    deployment_id: str | None = None
    """The deployment of the service that answered (a service deleted and deployed again
    under the same name is a new deployment). None: recorded before deployments were kept,
    or by a backend that does not keep them."""


class TelemetrySummary(BaseModel):
    """Request volume, failures and latency of a service over a period."""

    model_config = ConfigDict(frozen=True)

    service: str
    deployment_id: str | None = None
    """The deployment summarized: the service's current one by default. None: the whole
    history of the name (asked for, or the backend keeps no deployments, or no such
    service runs now)."""
    since: float | None
    until: float | None
    requests: int
    failures: int
    failure_rate: float
    latency_ms_p50: float | None
    latency_ms_p95: float | None
    latency_ms_p99: float | None
    by_result_code: dict[str, int]


class TimelineBucket(BaseModel):
    """Requests in one time bucket."""

    model_config = ConfigDict(frozen=True)

    start: float
    requests: int
    failures: int
    latency_ms_p50: float | None
    latency_ms_p95: float | None
