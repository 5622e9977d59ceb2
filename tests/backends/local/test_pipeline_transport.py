"""The pipeline server's transport bounds (set in `pipelines/server-config.json`), probed
with raw sockets on loopback, before its token is checked."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

from bankmarketing_ops import PipelinePublisher, Workspace


def _answer(port: int, request: bytes) -> tuple[int, dict[str, str], dict[str, object], float]:
    """Send `request`, read until the server closes: status, headers, JSON body, seconds."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.settimeout(10)
        sock.sendall(request)
        started, data = time.monotonic(), b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body), time.monotonic() - started


def test_the_pipeline_server_bounds_headers_reads_and_malformed_http(
    workspace: Workspace,
) -> None:
    pipelines = Path(workspace.info().location) / "pipelines"
    pipelines.mkdir(parents=True, exist_ok=True)
    (pipelines / "server-config.json").write_text(
        json.dumps({"max_header_bytes": 4096, "request_read_timeout_s": 1.0})
    )
    port = urlsplit(PipelinePublisher(workspace).start_server()).port
    assert port is not None

    status, headers, body, _ = _answer(
        port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8_000 + b"\r\n\r\n"
    )
    assert (status, headers["content-type"]) == (431, "application/json")
    assert body["message"] == "request headers over 4,096 bytes; send fewer or shorter headers"

    status, _, body, waited = _answer(port, b"POST /PipelineRuns/PipelineSubmit/x HTTP/1.1\r\nHo")
    assert (status, body["status_code"]) == (408, 408)
    assert 0.9 <= waited < 6

    status, headers, body, _ = _answer(port, b"\x16\x03\x01 not http\r\n\r\n")
    assert (status, headers["content-type"], body["status_code"]) == (400, "application/json", 400)

    # the limits kept the port: a later start reads the same file
    assert json.loads((pipelines / "server-config.json").read_text())["max_header_bytes"] == 4096
