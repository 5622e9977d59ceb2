"""Export recorded requests as OpenTelemetry spans: to an OTLP/HTTP collector, or to Azure
Monitor with a connection string. Behind extras (`[otel]`, `[azuremonitor]`), imported
only when used; nothing is exported unless asked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bankmarketing_ops._exceptions import ConfigurationError
from bankmarketing_ops._version import __version__
from bankmarketing_ops.types.insights import RequestRecord

__all__ = ["export_spans"]


def _exporter(otlp_endpoint: str | None, azure_connection_string: str | None) -> Any:
    if (otlp_endpoint is None) == (azure_connection_string is None):
        raise ConfigurationError(
            "export to one place: an OTLP endpoint or an Azure Monitor connection string"
        )
    if otlp_endpoint is not None:
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError:
            raise ConfigurationError(
                "OTLP export needs: pip install 'bankmarketing-ops[otel]'"
            ) from None
        return OTLPSpanExporter(endpoint=otlp_endpoint)
    try:
        from azure.monitor.opentelemetry.exporter import AzureMonitorTraceExporter
    except ImportError:
        raise ConfigurationError(
            "Azure Monitor export needs: pip install 'bankmarketing-ops[azuremonitor]'"
        ) from None
    return AzureMonitorTraceExporter(connection_string=azure_connection_string)


def export_spans(
    records: Sequence[RequestRecord],
    *,
    otlp_endpoint: str | None = None,
    azure_connection_string: str | None = None,
) -> int:
    """Send one SERVER span per record (its real start and end times); returns how many."""
    exporter = _exporter(otlp_endpoint, azure_connection_string)
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.trace import SpanKind, Status, StatusCode

    by_service: dict[str, list[RequestRecord]] = {}
    for record in records:
        by_service.setdefault(record.service, []).append(record)
    for service, mine in by_service.items():
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        processor = BatchSpanProcessor(exporter)
        provider.add_span_processor(processor)
        tracer = provider.get_tracer("bankmarketing_ops", __version__)
        for r in mine:
            end = int(r.timestamp * 1e9)
            span = tracer.start_span(
                r.name,
                kind=SpanKind.SERVER,
                start_time=end - int(r.duration_ms * 1e6),
                attributes={
                    "http.request.method": r.method,
                    "http.route": r.name.split(" ", 1)[-1],
                    "http.response.status_code": r.result_code,
                    "url.full": r.url,
                    "bankops.request_id": r.request_id,
                    "bankops.client_request_id": r.client_request_id or "",
                    "bankops.model_version": r.model_version or "",
                },
            )
            if not r.success:
                span.set_status(Status(StatusCode.ERROR, f"HTTP {r.result_code}"))
            span.end(end_time=end)
        processor.force_flush()
        provider.shutdown()
    return len(records)
