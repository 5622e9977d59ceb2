"""Run one scoring service in this process: `python -m bankmarketing_ops.serving.server DIR`.

A service's supervisor (`serving.supervisor`) starts one of these per worker. It binds the
configured port, writes `runtime-<worker>.json` (pid and port) so the deployer can find it,
loads the model in the background (answering 503 until then) and stops gracefully on
SIGTERM: it takes no new connections, answers what still arrives on open connections with
`Connection: close` for a moment (`serving.transport`), and finishes the requests in flight.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson
import prometheus_client

from bankmarketing_ops._atomic import atomic_write_text
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.serving.access_log import configure_access_logging
from bankmarketing_ops.serving.app import ScoringApp
from bankmarketing_ops.serving.config import runtime_file
from bankmarketing_ops.serving.process import process_started
from bankmarketing_ops.serving.transport import TransportLimits, run_bounded

__all__ = ["bind", "main", "serve"]

_log = get_logger("bankmarketing_ops.serving.server")


def bind(host: str, port: int, *, shared: bool = False) -> socket.socket:
    """A listening socket (port 0: any free port); `shared` lets sibling workers bind it too."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(service_dir: Path, *, worker: int = 0, load_first: bool = False) -> None:
    """Serve the service described in `service_dir` until SIGTERM or SIGINT.

    With `load_first` (a worker restarted by its supervisor) the model is loaded before the
    port is bound: the kernel hands connections only to workers that can score, so the
    surviving workers keep answering and nobody sees a 503 while this one loads.
    """
    app = ScoringApp(service_dir)
    if load_first:
        app.load_model()
    sock = bind(app.config.host, app.config.port, shared=app.config.workers > 1)
    port = sock.getsockname()[1]
    runtime = {
        "pid": os.getpid(),
        "started": process_started(os.getpid()),
        "port": port,
        "worker": worker,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    atomic_write_text(service_dir / runtime_file(worker), orjson.dumps(runtime).decode())
    _log.info("service %s listening on http://%s:%d", app.config.name, app.config.host, port)
    limits = TransportLimits(
        max_header_bytes=app.config.max_header_bytes,
        request_read_timeout_s=app.config.request_read_timeout_s,
        max_connections=app.config.max_connections,
        drain_timeout_s=app.config.drain_timeout_s,
    )
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal to the
    # handler it found: with these in place the process then exits 0, not by the signal.
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, lambda *_: None)
    run_bounded(app, sock, limits=limits, graceful_timeout_s=10)
    _log.info("service %s stopped", app.config.name)


def configure_server_logging() -> None:
    """Timestamped lines on stderr (the service log): the package at INFO, others WARNING."""
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    package = logging.getLogger("bankmarketing_ops")
    for handler in list(package.handlers):  # the CLI's console handler: the root one logs
        if not isinstance(handler, logging.NullHandler):
            package.removeHandler(handler)
    package.setLevel(logging.INFO)
    configure_access_logging(sys.stderr)
    prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("service_dir", type=Path)
    parser.add_argument("--worker", type=int, default=0, help="this process's worker number")
    parser.add_argument(
        "--load-first", action="store_true", help="load the model before binding the port"
    )
    args = parser.parse_args(argv)
    configure_server_logging()
    serve(args.service_dir, worker=args.worker, load_first=args.load_first)


if __name__ == "__main__":
    main()
