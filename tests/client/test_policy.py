"""The shared HTTP policy against a real server on loopback that misbehaves on purpose."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from bankmarketing_ops import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    RateLimitError,
    UnprocessableEntityError,
    __version__,
)
from bankmarketing_ops.client import EndpointClient, HttpPolicy
from tests.scripted_server import Reply, scripted

OK = Reply(200, b'{"result": ["yes", "no"]}')
FAST = HttpPolicy(initial_backoff=0.01, max_backoff=0.02)
_opened: list[EndpointClient] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _opened:
        _opened.pop().close()


def _client(base_url: str, **options: object) -> EndpointClient:
    """A client closed when the test ends (its connection is to a loopback server)."""
    # The request form is fixed: these tests script every answer, with no /swagger.json.
    uri = f"{base_url}/score"
    client = EndpointClient(uri, key="k", policy=FAST, wire="v1", **options)  # type: ignore[arg-type]
    _opened.append(client)
    return client


def test_503_with_retry_after_is_retried_then_succeeds() -> None:
    with scripted(
        Reply(503, b'{"status_code": 503, "message": "starting"}', {"Retry-After": "0.2"}), OK
    ) as server:
        started = time.monotonic()
        assert _client(server.base_url).score([{}]).result == ["yes", "no"]
        waited = time.monotonic() - started
    assert len(server.seen) == 2
    assert waited >= 0.2  # Retry-After was honoured, not the 10 ms backoff


def test_429_is_retried_and_one_idempotency_key_covers_the_retries() -> None:
    with scripted(Reply(429, b"{}", {"Retry-After": "0"}), Reply(500, b"{}"), OK) as server:
        _client(server.base_url).score([{}])
        _client(server.base_url).score([{}])
    keys = [seen.headers["idempotency-key"] for seen in server.seen]
    assert len(keys) == 4
    assert keys[0] == keys[1] == keys[2]  # one logical request, three attempts
    assert keys[3] != keys[0]  # the next request is a new one


def test_retries_are_bounded_and_end_in_a_typed_error() -> None:
    busy = Reply(503, b'{"status_code": 503, "message": "busy"}')
    with scripted(busy) as server, pytest.raises(InternalServerError) as caught:
        _client(server.base_url, max_retries=3).score([{}])
    assert len(server.seen) == 4
    assert caught.value.status_code == 503
    assert "busy" in str(caught.value)
    with scripted(Reply(429, b"{}")) as server, pytest.raises(RateLimitError):
        _client(server.base_url, max_retries=1).score([{}])


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, BadRequestError), (401, AuthenticationError), (422, UnprocessableEntityError)],
)
def test_other_4xx_are_not_retried(status: int, error: type[Exception]) -> None:
    body = (
        b'{"status_code": %d, "message": "no", "errors": [{"row": 1, "field": "age", '
        b'"message": "bad"}]}' % status
    )
    with scripted(Reply(status, body)) as server, pytest.raises(error) as caught:
        _client(server.base_url).score([{}])
    assert len(server.seen) == 1
    if status == 422:
        assert caught.value.errors[0].field == "age"  # type: ignore[attr-defined]
        assert caught.value.errors[0].row == 1  # type: ignore[attr-defined]


def test_a_slow_server_times_out_after_the_retries() -> None:
    with scripted(Reply(200, b'{"result": []}', delay_s=1.0)) as server:
        client = _client(server.base_url, timeout=0.2, max_retries=1)
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            client.score([{}])
        assert time.monotonic() - started < 1.5
    assert len(server.seen) == 2


def test_a_closed_port_is_a_connection_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(APIConnectionError, match="failed"):
        _client(f"http://127.0.0.1:{port}").score([{}])


def test_user_agent_and_bearer_header() -> None:
    with scripted(OK) as server:
        _client(server.base_url).score([{}])
    headers = server.seen[0].headers
    assert headers["user-agent"].startswith(f"bankmarketing-ops/{__version__}")
    assert headers["authorization"] == "Bearer k"
    assert headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    "body",
    [
        b'{"result": ["yes"]}',
        b'{"Results": ["yes"]}',
        b'["yes"]',
        b'"{\\"result\\": [\\"yes\\"]}"',
    ],  # Azure v1 AutoML: JSON inside a JSON string
)
def test_every_answer_form_is_read(body: bytes) -> None:
    with scripted(Reply(200, body)) as server:
        assert _client(server.base_url).score([{}]).result == ["yes"]


def test_backoff_grows_and_is_capped() -> None:
    policy = HttpPolicy()
    delays = [policy.delay(n, None) for n in range(1, 8)]
    assert 0.375 <= delays[0] <= 0.5
    assert all(d <= 8.0 for d in delays)
    assert delays[5] >= 6.0  # 0.5·2⁵ = 16, capped at 8 and jittered by at most 25 %


def test_an_unreadable_retry_after_falls_back_to_the_backoff() -> None:
    with scripted(Reply(503, b"{}", {"Retry-After": "soon"}), OK) as server:
        assert _client(server.base_url).score([{}]).result == ["yes", "no"]
    assert len(server.seen) == 2


def test_health_is_false_while_the_service_starts() -> None:
    with scripted(Reply(503, b'{"status_code": 503, "message": "starting"}')) as server:
        assert _client(server.base_url, max_retries=0).health() is False
