"""`bankops insights …`: switch request telemetry on or off, read it, draw it."""

from __future__ import annotations

import http.server
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel, RootModel
from rich.markup import escape
from rich.table import Table

from bankmarketing_ops.cli._output import (
    CopyableTable,
    JsonOption,
    emit_json,
    handle_errors,
    stdout,
)
from bankmarketing_ops.cli._workspace import open_workspace
from bankmarketing_ops.insights import InsightsManager
from bankmarketing_ops.telemetry.dashboard import render_dashboard
from bankmarketing_ops.types.insights import RequestRecord, TelemetrySummary

app = typer.Typer(
    help="Request telemetry of services (our Application Insights).", no_args_is_help=True
)

ServiceArgument = Annotated[str, typer.Argument(help="The service name.")]
SinceOption = Annotated[
    float | None, typer.Option(help="Only the last N minutes (default: everything kept).")
]


AllDeploymentsOption = Annotated[
    bool,
    typer.Option(
        "--all-deployments",
        help="Every record kept under the name, of services since deleted included "
        "(default: the running deployment only).",
    ),
]


def _since(minutes: float | None) -> float | None:
    return None if minutes is None else time.time() - minutes * 60


class _Records(RootModel[list[RequestRecord]]):
    pass


def render_summary(summary: TelemetrySummary) -> None:
    console = stdout()
    p = {
        k: "—" if v is None else f"{v:.2f} ms"
        for k, v in (
            ("p50", summary.latency_ms_p50),
            ("p95", summary.latency_ms_p95),
            ("p99", summary.latency_ms_p99),
        )
    }
    scope = (
        f"deployment {summary.deployment_id}"
        if summary.deployment_id
        else "every deployment of the name"
    )
    console.print(
        f"[bold]{escape(summary.service)}[/] ({scope}): {summary.requests:,} requests, "
        f"{summary.failures:,} failed ({summary.failure_rate:.1%}); latency "
        f"p50 {p['p50']}, p95 {p['p95']}, p99 {p['p99']}"
    )
    table = Table(title="by result code", title_justify="left")
    table.add_column("code")
    table.add_column("requests", justify="right")
    for code, count in summary.by_result_code.items():
        table.add_row(code, f"{count:,}")
    console.print(table)


@app.command("enable")
@handle_errors
def enable_command(service: ServiceArgument) -> None:
    """Record every request of SERVICE from now on (no restart, no failed request)."""
    InsightsManager(open_workspace()).enable(service)
    stdout().print(f"insights on for {service}; read them with bankops insights show {service}")


@app.command("disable")
@handle_errors
def disable_command(service: ServiceArgument) -> None:
    """Stop recording SERVICE's requests (what was recorded stays)."""
    InsightsManager(open_workspace()).disable(service)
    stdout().print(f"insights off for {service}")


@app.command("show")
@handle_errors
def show_command(
    service: ServiceArgument,
    since: SinceOption = None,
    all_deployments: AllDeploymentsOption = False,
    json_output: JsonOption = False,
) -> None:
    """Requests, failures, failure rate, latency percentiles, counts by result code (of the
    running deployment; --all-deployments for the name's whole history)."""
    summary = InsightsManager(open_workspace()).summary(
        service, since=_since(since), all_deployments=all_deployments
    )
    if json_output:
        emit_json(summary)
    else:
        render_summary(summary)


@app.command("requests")
@handle_errors
def requests_command(
    service: ServiceArgument,
    since: SinceOption = None,
    code: Annotated[int | None, typer.Option(help="Only this result code.")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Only failed requests.")] = False,
    tail: Annotated[
        int, typer.Option("--tail", "-n", "--limit", help="The newest N requests.", min=1)
    ] = 50,
    oldest_first: Annotated[
        bool, typer.Option("--oldest-first", help="The oldest N instead, oldest first.")
    ] = False,
    all_deployments: AllDeploymentsOption = False,
    json_output: JsonOption = False,
) -> None:
    """The raw request records, newest first (--oldest-first for the other end)."""
    records = InsightsManager(open_workspace()).requests(
        service,
        since=_since(since),
        result_code=code,
        success=False if failed else None,
        limit=tail,
        newest_first=not oldest_first,
        all_deployments=all_deployments,
    )
    if json_output:
        emit_json(_Records(records))
        return
    order = "oldest first" if oldest_first else "newest first"
    listing = CopyableTable(
        "time (UTC)",
        "request",
        "code",
        "ms",
        "request id",
        title=f"{len(records)} request(s), {order}",
        copyable=("request id",),
        right=("code", "ms"),
    )
    for r in records:
        listing.add_row(
            datetime.fromtimestamp(r.timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
            r.name,
            str(r.result_code),
            f"{r.duration_ms:.2f}",
            r.request_id,
        )
    listing.print(stdout())


class _Purged(BaseModel):
    deleted: int


@app.command("purge")
@handle_errors
def purge_command(
    service: Annotated[str | None, typer.Option(help="Only this service.")] = None,
    older_than_days: Annotated[float, typer.Option(help="Keep the last N days.")] = 0.0,
    json_output: JsonOption = False,
) -> None:
    """Delete recorded requests (all, or older than N days). Telemetry is personal data."""
    deleted = InsightsManager(open_workspace()).purge(
        service=service, older_than_s=older_than_days * 86400
    )
    if json_output:
        emit_json(_Purged(deleted=deleted))
    else:
        stdout().print(f"deleted {deleted:,} request record(s)")


@app.command("dashboard")
@handle_errors
def dashboard_command(
    service: ServiceArgument,
    since: SinceOption = None,
    bucket: Annotated[str, typer.Option(help="Time bucket: 30s, 1m, 5m, 1h …")] = "1m",
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file.")] = Path(
        "insights.html"
    ),
    serve: Annotated[bool, typer.Option("--serve", help="Also serve it on 127.0.0.1.")] = False,
    port: Annotated[int, typer.Option(help="Port for --serve.")] = 8050,
    all_deployments: AllDeploymentsOption = False,
) -> None:
    """Write an HTML dashboard (works offline): requests per bucket, failures, latency
    percentiles and result codes; --serve serves it until Ctrl-C."""
    manager = InsightsManager(open_workspace())
    summary = manager.summary(service, since=_since(since), all_deployments=all_deployments)
    timeline = manager.timeline(
        service, bucket=bucket, since=_since(since), all_deployments=all_deployments
    )
    output.write_text(render_dashboard(summary, timeline, generated_at=time.time()))
    stdout().print(f"wrote {output} ({summary.requests:,} requests)")
    if serve:
        directory = str(output.resolve().parent)

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args: object, **kwargs: object) -> None:
                super().__init__(*args, directory=directory, **kwargs)  # type: ignore[arg-type]

            def log_message(self, format: str, *args: object) -> None:
                return

        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        stdout().print(f"serving http://127.0.0.1:{port}/{output.name} (Ctrl-C stops)")
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            thread.join()
        except KeyboardInterrupt:
            server.shutdown()


class _Exported(BaseModel):
    service: str
    spans: int
    destination: str


@app.command("export")
@handle_errors
def export_command(
    service: ServiceArgument,
    otlp_endpoint: Annotated[
        str | None, typer.Option(help="OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces")
    ] = None,
    azure_connection_string: Annotated[
        str | None,
        typer.Option(
            envvar="APPLICATIONINSIGHTS_CONNECTION_STRING", help="Azure Monitor connection string."
        ),
    ] = None,
    since: SinceOption = None,
    json_output: JsonOption = False,
) -> None:
    """Send SERVICE's recorded requests (every deployment's) as OpenTelemetry spans (needs
    the [otel] extra)."""
    count = InsightsManager(open_workspace()).export(
        service,
        otlp_endpoint=otlp_endpoint,
        azure_connection_string=azure_connection_string,
        since=_since(since),
    )
    destination = otlp_endpoint or "Azure Monitor"
    if json_output:
        emit_json(_Exported(service=service, spans=count, destination=destination))
    else:
        stdout().print(f"exported {count:,} span(s) of {service} to {destination}")
