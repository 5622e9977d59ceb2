"""OTLP export to a real (fake) collector on loopback: every record arrives as a span."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from bankmarketing_ops import ConfigurationError, InsightsManager, Workspace
from bankmarketing_ops.telemetry.store import connect, insert


@pytest.fixture
def collector() -> Iterator[tuple[str, list[ExportTraceServiceRequest]]]:
    received: list[ExportTraceServiceRequest] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(ExportTraceServiceRequest.FromString(body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/traces", received
    finally:
        server.shutdown()
        server.server_close()


def test_every_record_becomes_a_span(
    tmp_path: Path, collector: tuple[str, list[ExportTraceServiceRequest]]
) -> None:
    workspace = Workspace.local(tmp_path)
    now = time.time()
    rows = [
        (
            now - 60 + i,
            "POST /score",
            "http://127.0.0.1:1/score",
            2.5,
            [200, 401, 422][i % 3],
            int(i % 3 == 0),
            "POST",
            f"req-{i}",
            None,
            "svc",
            "m:1",
            None,
        )
        for i in range(30)
    ]
    connection = connect(tmp_path)
    insert(connection, rows)
    connection.close()
    url, received = collector
    assert InsightsManager(workspace).export("svc", otlp_endpoint=url) == 30
    spans = [
        span
        for request in received
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    assert len(spans) == 30
    codes = Counter(
        attr.value.int_value
        for span in spans
        for attr in span.attributes
        if attr.key == "http.response.status_code"
    )
    assert codes == {200: 10, 401: 10, 422: 10}
    first = min(spans, key=lambda s: s.start_time_unix_nano)
    assert first.end_time_unix_nano - first.start_time_unix_nano == pytest.approx(2.5e6, abs=2)
    service_names = {
        attr.value.string_value
        for request in received
        for resource in request.resource_spans
        for attr in resource.resource.attributes
        if attr.key == "service.name"
    }
    assert service_names == {"svc"}


def test_export_needs_exactly_one_destination(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="one place"):
        InsightsManager(Workspace.local(tmp_path)).export("svc")
