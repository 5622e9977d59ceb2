"""The HTTP transport of our servers (scoring services and the pipeline server), bounded
before any application code or authentication runs.

uvicorn's httptools protocol with four bounds it lacks:

- the request head (request line and headers) is limited in size: over the limit the
  client gets 431 and the connection closes (httptools alone buffers a header of any size);
- a request must arrive whole within a read deadline, counted from its first byte (or from
  the connection's opening): half-sent heads and bodies get 408 and are closed (uvicorn
  times out idle keep-alive connections only);
- connections over a cap get 503 instead of reaching the application;
- malformed HTTP gets the JSON error body every other error has, not uvicorn's plain text.

On SIGTERM the server drains: it stops accepting, answers requests still arriving on open
keep-alive connections with `Connection: close` for up to `drain_timeout_s`, then finishes
the requests in flight — so a client reusing an idle connection is answered, never reset.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any, ClassVar

import orjson
import uvicorn
from pydantic import BaseModel, ConfigDict, Field
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from bankmarketing_ops import _constants as C

__all__ = ["TransportGuard", "TransportLimits", "run_bounded"]

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
_OVER_CAPACITY = "bankops.over_capacity"
_CLOSE = (b"connection", b"close")


class TransportLimits(BaseModel):
    """Bounds of one server's HTTP transport (per server process)."""

    model_config = ConfigDict(frozen=True)

    max_header_bytes: int = Field(default=C.MAX_HEADER_BYTES, ge=1024)
    """Request line plus headers; more gets 431."""
    request_read_timeout_s: float = Field(default=C.REQUEST_READ_TIMEOUT_S, gt=0)
    """A request must arrive whole (head and body) within this; else 408 and close."""
    max_connections: int = Field(default=C.MAX_CONNECTIONS, ge=1)
    """Open connections served at once; requests on more get 503."""
    drain_timeout_s: float = Field(default=C.DRAIN_TIMEOUT_S, ge=0)
    """On SIGTERM, how long open keep-alive connections are still answered (with
    `Connection: close`) before they are closed."""

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> TransportLimits:
        """The limits named in `values` (a server's config file); the rest default."""
        return cls.model_validate({k: v for k, v in values.items() if k in cls.model_fields})


class _HeadTooLarge(Exception):
    """Raised from a parser callback: the request head passed the limit."""


class _BoundedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a head limit, a read deadline and a connection cap."""

    limits: ClassVar[TransportLimits]

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_bytes = 0  # parsed: URL and header names and values
        self._wire_head_bytes = 0  # received while the head is incomplete
        self._in_head = False
        self._head_too_large = False
        self._answered_error = False
        self._deadline: asyncio.TimerHandle | None = None
        self._over_capacity = len(self.connections) > self.limits.max_connections
        self._arm_deadline()  # a new connection must send its request in time too

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._answered_error:
            return  # what follows an error answer is read and dropped until we close
        super().data_received(data)
        if self._in_head and not self._answered_error:
            self._wire_head_bytes += len(data)
            if self._wire_head_bytes > self.limits.max_header_bytes:
                self._head_too_large = True
                self.send_400_response("")

    # --- parser callbacks ---------------------------------------------------------------
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._head_bytes, self._wire_head_bytes = True, 0, 0
        if self._deadline is None:  # the first byte of a request on a kept-alive connection
            self._arm_deadline()
        if self._over_capacity:
            self.scope[_OVER_CAPACITY] = True  # type: ignore[literal-required]

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm_deadline()  # the request is in: answering it is not bounded here
        super().on_message_complete()

    def _count_head(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self.limits.max_header_bytes:
            self._head_too_large = True
            raise _HeadTooLarge  # httptools turns it into a parser error: see below

    # --- answers ------------------------------------------------------------------------
    def send_400_response(self, msg: str) -> None:
        """uvicorn calls this for any parser error; ours answer in JSON."""
        if self._head_too_large:
            self._answer_error(
                431,
                f"request headers over {self.limits.max_header_bytes:,} bytes; send fewer "
                "or shorter headers",
            )
        else:
            self._answer_error(400, "malformed HTTP request; send HTTP/1.1 with valid headers")

    def _read_timed_out(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is not None and cycle.response_started:
            # Answered already (say, 401 before the body came): the rest never will.
            self.transport.close()
            return
        if cycle is not None:
            # The application waits for the rest of the body: it sees a disconnect, and
            # whatever it answers is dropped, so ours is the only answer on the wire.
            cycle.disconnected = True
            cycle.message_event.set()
        seconds = self.limits.request_read_timeout_s
        self._answer_error(
            408, f"the request did not arrive whole within {seconds:g} s; send it at once"
        )

    def _answer_error(self, status: int, message: str) -> None:
        self._answered_error = True
        self._disarm_deadline()
        self._unset_keepalive_if_required()
        body = orjson.dumps({"status_code": status, "message": message})
        head = (
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
            "content-type: application/json\r\n"
            f"content-length: {len(body)}\r\n"
            "connection: close\r\n\r\n"
        ).encode()
        self.transport.write(head + body)
        # Close our side, keep reading (and dropping) for a moment: closing with unread
        # bytes would send a reset that can destroy the answer before the client reads it.
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(C.ERROR_LINGER_S, self.transport.close)

    # --- deadline -----------------------------------------------------------------------
    def _arm_deadline(self) -> None:
        self._disarm_deadline()
        self._deadline = self.loop.call_later(
            self.limits.request_read_timeout_s, self._read_timed_out
        )

    def _disarm_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None


def _protocol_class(limits: TransportLimits) -> type[asyncio.Protocol]:
    return type("BoundedHttpProtocol", (_BoundedProtocol,), {"limits": limits})


class TransportGuard:
    """ASGI wrapper: answers requests over the connection cap with 503, and adds
    `Connection: close` to every answer once the server drains."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app
        self.draining = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get(_OVER_CAPACITY):
            body = orjson.dumps(
                {"status_code": 503, "message": "too many open connections; retry shortly"}
            )
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"1"),
                _CLOSE,
            ]
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return

        async def send_closing_when_draining(message: dict[str, Any]) -> None:
            if self.draining and message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), _CLOSE]
            await send(message)

        await self.app(scope, receive, send_closing_when_draining)


class _DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, guard: TransportGuard, drain_s: float) -> None:
        super().__init__(config)
        self._guard, self._drain_s = guard, drain_s

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # Stop accepting first, then keep answering open connections (each answer closes
        # its connection) until they are gone or the drain time is up; uvicorn's own
        # shutdown then closes what is idle and waits for what is in flight.
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        self._guard.draining = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._drain_s
        while self.server_state.connections and loop.time() < deadline and not self.force_exit:
            await asyncio.sleep(0.05)
        await super().shutdown(sockets)


def run_bounded(
    app: Callable[..., Awaitable[None]],
    sock: socket.socket,
    *,
    limits: TransportLimits,
    graceful_timeout_s: int | None = None,
) -> None:
    """Serve `app` on the listening `sock` until SIGTERM or SIGINT, then drain."""
    guard = TransportGuard(app)
    config = uvicorn.Config(
        guard,
        http=_protocol_class(limits),
        lifespan="on",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=graceful_timeout_s,
        server_header=False,
    )
    _DrainingServer(config, guard, limits.drain_timeout_s).run(sockets=[sock])
