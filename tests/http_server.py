"""A real HTTP server on loopback that serves files well, badly, or not at all."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    """How one path answers.

    `drop_first`: the first N requests send half the bytes, then close the connection.
    `fail_first`: the first N requests answer `fail_status`.
    `ranges`: honour `Range: bytes=N-` with 206.
    """

    body: bytes
    status: int = 200
    drop_first: int = 0
    fail_first: int = 0
    fail_status: int = 503
    ranges: bool = True
    seen: int = 0
    range_headers: list[str] = field(default_factory=list)


@dataclass
class FileServer:
    base_url: str
    routes: dict[str, Route]
    hits: Counter[str]

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # silence stderr
        return

    def do_GET(self) -> None:
        route = self.server.routes.get(self.path)
        self.server.hits[self.path] += 1
        if route is None:
            self.send_error(404)
            return
        route.seen += 1
        range_header = self.headers.get("Range")
        if range_header:
            route.range_headers.append(range_header)
        if route.seen <= route.fail_first:
            self.send_response(route.fail_status)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body, status = route.body, route.status
        if range_header and route.ranges and status == 200:
            start = int(range_header.removeprefix("bytes=").rstrip("-"))
            body, status = body[start:], 206
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if route.seen <= route.fail_first + route.drop_first:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    routes: dict[str, Route]
    hits: Counter[str]


@contextmanager
def serve(routes: dict[str, Route]) -> Iterator[FileServer]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.routes = routes
    server.hits = Counter()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield FileServer(base_url=f"http://{host!s}:{port}", routes=routes, hits=server.hits)
    finally:
        server.shutdown()
        server.server_close()
