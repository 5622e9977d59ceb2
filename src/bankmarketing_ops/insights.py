"""`InsightsManager`: request telemetry of services (our Application Insights)."""

from __future__ import annotations

import builtins
import re
from collections import Counter, defaultdict

from bankmarketing_ops._exceptions import ConfigurationError
from bankmarketing_ops._stats import percentile
from bankmarketing_ops.backends.capabilities import DEPLOYMENT_IDS, TELEMETRY_PURGE, find, require
from bankmarketing_ops.types.deploy import WebService
from bankmarketing_ops.types.insights import RequestRecord, TelemetrySummary, TimelineBucket
from bankmarketing_ops.workspace import Workspace

__all__ = ["InsightsManager"]

_BUCKET = re.compile(r"^(\d+)([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class InsightsManager:
    """Switch telemetry on or off per service and read it back.

    With insights on, every request a service answers — scored, refused for a bad key
    or bad input, or answered while starting — becomes one record: in the workspace's
    `telemetry.db` on the local backend (written off the request path at least once a
    second), in the workspace's Application Insights on Azure ML (read back with an Entra
    token). Both read back as the same `RequestRecord` and `TelemetrySummary` models.

    Telemetry belongs to a deployment: a service deleted and deployed again under the same
    name starts with fresh numbers. `summary`, `requests` and `timeline` read the
    service's current deployment unless `all_deployments=True` (the name's whole history,
    records from before deployments were kept included).
    """

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace
        self._deployer = workspace.backend.deployer
        self._insights = workspace.backend.insights

    # --- switches -----------------------------------------------------------------------
    def enable(self, service: str) -> WebService:
        """Start recording, without a restart (Azure's `update(enable_app_insights=True)`)."""
        return self._deployer.update(service, insights_enabled=True).result()

    def disable(self, service: str) -> WebService:
        """Stop recording, without a restart; what was recorded stays."""
        return self._deployer.update(service, insights_enabled=False).result()

    # --- reading ------------------------------------------------------------------------
    def current_deployment(self, service: str) -> str | None:
        """The id of the service's running deployment; None when no such service runs now
        or the backend keeps no deployment ids."""
        ids = find(self._workspace.backend, DEPLOYMENT_IDS)
        return None if ids is None else ids.deployment_id(service)

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
        newest_first: bool = False,
        all_deployments: bool = False,
    ) -> builtins.list[RequestRecord]:
        """The raw records of the current deployment (or `all_deployments`), oldest first
        (or `newest_first`, where `limit` keeps the newest), filtered as asked."""
        return self._insights.requests(
            service,
            deployment_id=None if all_deployments else self.current_deployment(service),
            since=since,
            until=until,
            result_code=result_code,
            success=success,
            name=name,
            limit=limit,
            newest_first=newest_first,
        )

    def summary(
        self,
        service: str,
        *,
        since: float | None = None,
        until: float | None = None,
        name: str | None = None,
        all_deployments: bool = False,
    ) -> TelemetrySummary:
        """Requests, failures, failure rate, latency p50/p95/p99 and counts by result code
        of the service's current deployment (or of `all_deployments` of the name)."""
        deployment = None if all_deployments else self.current_deployment(service)
        records = self._insights.requests(
            service, deployment_id=deployment, since=since, until=until, name=name
        )
        durations = sorted(r.duration_ms for r in records)
        failures = sum(not r.success for r in records)
        return TelemetrySummary(
            service=service,
            deployment_id=deployment,
            since=since,
            until=until,
            requests=len(records),
            failures=failures,
            failure_rate=failures / len(records) if records else 0.0,
            latency_ms_p50=percentile(durations, 50),
            latency_ms_p95=percentile(durations, 95),
            latency_ms_p99=percentile(durations, 99),
            by_result_code={
                str(k): v for k, v in sorted(Counter(r.result_code for r in records).items())
            },
        )

    def timeline(
        self,
        service: str,
        *,
        bucket: str = "1m",
        since: float | None = None,
        until: float | None = None,
        all_deployments: bool = False,
    ) -> builtins.list[TimelineBucket]:
        """Requests, failures and latency per time bucket (`30s`, `1m`, `5m`, `1h`, `1d`),
        of the current deployment (or of `all_deployments`)."""
        match = _BUCKET.match(bucket)
        if not match:
            raise ConfigurationError(f"bucket must look like 30s, 1m, 1h or 1d, not {bucket!r}")
        width = int(match.group(1)) * _SECONDS[match.group(2)]
        if width <= 0:
            raise ConfigurationError("bucket must be longer than 0")
        groups: dict[float, builtins.list[RequestRecord]] = defaultdict(list)
        records = self.requests(service, since=since, until=until, all_deployments=all_deployments)
        for record in records:
            groups[record.timestamp // width * width].append(record)
        buckets = []
        for start in sorted(groups):
            durations = sorted(r.duration_ms for r in groups[start])
            buckets.append(
                TimelineBucket(
                    start=start,
                    requests=len(durations),
                    failures=sum(not r.success for r in groups[start]),
                    latency_ms_p50=percentile(durations, 50),
                    latency_ms_p95=percentile(durations, 95),
                )
            )
        return buckets

    def logs(self, service: str, *, num_lines: int = 50) -> builtins.list[str]:
        """The last lines of the service's own log."""
        return self._deployer.logs(service, num_lines)

    def export(
        self,
        service: str,
        *,
        otlp_endpoint: str | None = None,
        azure_connection_string: str | None = None,
        since: float | None = None,
    ) -> int:
        """Send the recorded requests as OpenTelemetry spans (OTLP/HTTP or Azure Monitor).

        Needs the `[otel]` (or `[azuremonitor]`) extra; returns how many were sent.
        """
        from bankmarketing_ops.telemetry.export import export_spans

        return export_spans(
            self.requests(service, since=since),
            otlp_endpoint=otlp_endpoint,
            azure_connection_string=azure_connection_string,
        )

    def purge(self, *, service: str | None = None, older_than_s: float = 0.0) -> int:
        """Delete records older than `older_than_s` seconds (all when 0) — request records,
        captured scoring inputs and logged labels alike; returns how many.

        Raises:
            UnsupportedFeatureError: the backend keeps telemetry elsewhere (on Azure ML
                the Application Insights resource's retention setting decides).
        """
        purger = require(self._workspace.backend, TELEMETRY_PURGE)
        return purger.purge(service=service, older_than_s=older_than_s)
