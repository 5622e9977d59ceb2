"""The transport bounds of a real scoring service, probed with raw sockets on loopback:
header size, read deadline, connection cap and malformed HTTP, all before authentication."""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from bankmarketing_ops import ModelDeployer, ModelRegistry, TrainingRun, WebService, Workspace
from bankmarketing_ops.serving.config import ServiceConfig
from tests.conftest import stop_services

READ_TIMEOUT_S = 1.0
MAX_CONNECTIONS = 4


class Served(NamedTuple):
    service: WebService
    key: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, trained_run: TrainingRun) -> Iterator[Served]:
    """One service with a short read deadline and a small connection cap (set in its
    service file, as a user would, then restarted)."""
    root = tmp_path_factory.mktemp("transport-ws")
    workspace = Workspace.local(root)
    model = ModelRegistry(workspace).register_run(trained_run, name="bank")
    deployer = ModelDeployer(workspace)
    deployer.deploy(model, "svc")
    folder = root / "services" / "svc"
    limits = {"request_read_timeout_s": READ_TIMEOUT_S, "max_connections": MAX_CONNECTIONS}
    ServiceConfig.read(folder).model_copy(update=limits).write(folder)
    restarted = deployer.restart("svc")
    yield Served(restarted, deployer.get_keys("svc").primary_key.get_secret_value())
    stop_services(Path(root))


@pytest.fixture
def service(served: Served) -> WebService:
    return served.service


def _connect(service: WebService) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", service.port), timeout=10)
    sock.settimeout(10)
    return sock


def _read_answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one answer; the server closes after it."""
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def test_the_default_limits_are_modest() -> None:
    from bankmarketing_ops.serving.transport import TransportLimits

    limits = TransportLimits()
    assert limits.max_header_bytes == 64 * 1024
    assert limits.request_read_timeout_s <= 30
    assert limits.max_connections >= 100


def test_headers_over_the_limit_get_431_in_json(service: WebService) -> None:
    with _connect(service) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n")
        status, headers, body = _read_answer(sock)
    assert status == 431
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {
        "status_code": 431,
        "message": "request headers over 65,536 bytes; send fewer or shorter headers",
    }


def test_headers_under_the_limit_are_served(service: WebService) -> None:
    with _connect(service) as sock:
        sock.sendall(
            b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: "
            + b"a" * 30_000
            + b"\r\n\r\n"
        )
        status, _, body = _read_answer(sock)
    assert (status, body) == (200, b"Healthy")


def test_a_huge_header_sent_in_pieces_is_cut_off_at_the_limit(service: WebService) -> None:
    # Many small writes: the head never completes, so only the byte count can stop it.
    with _connect(service) as sock:
        sock.sendall(b"POST /score HTTP/1.1\r\nHost: x\r\nX-Big: ")
        sent = 0
        while not select.select([sock], [], [], 0)[0] and sent < 64 * 1024 * 1024:
            sock.sendall(b"a" * 16_384)
            sent += 16_384
        status, _, body = _read_answer(sock)
    assert status == 431
    assert json.loads(body)["status_code"] == 431
    assert sent < 64 * 1024 * 1024  # answered long before the client was done


def test_malformed_http_gets_the_json_error_body(service: WebService) -> None:
    with _connect(service) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        status, headers, body = _read_answer(sock)
    assert status == 400
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["status_code"] == 400
    assert "malformed HTTP request" in json.loads(body)["message"]


@pytest.mark.parametrize(
    "partial",
    [
        b"",  # a connection that never sends
        b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Le",  # half a head
        b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Authorization: Bearer {key}\r\nContent-Length: 1000\r\n\r\n{"data": [',  # half a body
    ],
    ids=["nothing", "half-head", "half-body"],
)
def test_a_half_sent_request_is_answered_408_and_closed(served: Served, partial: bytes) -> None:
    with _connect(served.service) as sock:
        sock.sendall(partial.replace(b"{key}", served.key.encode()))
        started = time.monotonic()
        status, headers, body = _read_answer(sock)
        waited = time.monotonic() - started
    assert status == 408
    assert headers["connection"] == "close"
    assert json.loads(body)["status_code"] == 408
    assert READ_TIMEOUT_S * 0.9 <= waited < READ_TIMEOUT_S + 5


def test_connections_over_the_cap_get_503_and_the_cap_frees_up(service: WebService) -> None:
    # Keep-alive clients fill the cap: each is answered, then holds its idle connection
    # (idle connections are bounded by the 5 s keep-alive timeout, not the read deadline).
    held = [_connect(service) for _ in range(MAX_CONNECTIONS)]
    try:
        for sock in held:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = b""
            while not answer.endswith(b"Healthy"):
                answer += sock.recv(65536)
            assert answer.startswith(b"HTTP/1.1 200")
        with _connect(service) as extra:
            extra.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            status, headers, body = _read_answer(extra)
        assert status == 503
        assert headers["retry-after"] == "1"
        assert json.loads(body)["message"] == "too many open connections; retry shortly"
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.1)
    with _connect(service) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert _read_answer(sock)[0] == 200
