"""What hostile clients cost a scoring service: huge headers and half-sent requests.

Run:  python benchmarks/transport_limits.py [--workspace DIR --model NAME[:VERSION]]
          [--half-sent 200]

Without `--model`, a small model is trained on 3,000 synthetic rows (about 10 s). Deploys
one service (default limits) and measures, with raw sockets on loopback:
- one 64 MB header without a key: the answer, its time, and how long a health check from
  another client takes meanwhile;
- four 32 MB headers: the worker's resident memory before and after;
- `--half-sent` connections that send half a body (with a valid key) and as many that
  send half a head, then stall: how many are still open
  2 s after the read deadline (bounded: the script waits deadline + 2 s).
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from pathlib import Path

import httpx
from _machine import print_machine
from _models import model_or_small

from bankmarketing_ops import ModelDeployer, Workspace
from bankmarketing_ops.serving.config import ServiceConfig


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _huge_header(port: int, size: int) -> tuple[str, float]:
    """Send a header of `size` bytes; the status line answered (or the error) and seconds."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        try:
            sock.sendall(b"POST /score HTTP/1.1\r\nHost: x\r\nX-Big: ")
            chunk = b"a" * (1024 * 1024)
            for _ in range(size // len(chunk)):
                sock.sendall(chunk)
            sock.sendall(b"\r\nContent-Length: 0\r\n\r\n")
        except OSError as error:
            if not isinstance(error, ConnectionResetError | BrokenPipeError):
                raise
        try:
            answer = sock.recv(200).split(b"\r\n", 1)[0].decode() or "closed"
        except OSError as error:
            answer = type(error).__name__
    return answer, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path)
    parser.add_argument("--model", help="NAME[:VERSION] (default: train a small one)")
    parser.add_argument("--half-sent", type=int, default=200)
    args = parser.parse_args()
    root = args.workspace or Path(tempfile.mkdtemp(prefix="transport-"))
    workspace = Workspace.local(root)
    model = model_or_small(workspace, args.model, name="transport")
    print_machine()
    deployer = ModelDeployer(workspace)
    deployer.delete("transport")
    service = deployer.deploy(model, "transport")
    assert service.pid is not None
    config = ServiceConfig.read(Path(workspace.info().location) / "services" / "transport")
    # Versions before the limits (for a comparison) have none of these fields.
    deadline = float(getattr(config, "request_read_timeout_s", 15.0))
    print(
        f"limits: headers {getattr(config, 'max_header_bytes', None)} B, read deadline "
        f"{getattr(config, 'request_read_timeout_s', None)} s, "
        f"{getattr(config, 'max_connections', None)} connections per worker"
    )
    try:
        health: list[float] = []

        def check_health() -> None:
            time.sleep(0.05)
            started = time.monotonic()
            httpx.get(f"http://127.0.0.1:{service.port}/", timeout=30)
            health.append(time.monotonic() - started)

        checker = threading.Thread(target=check_health)
        checker.start()
        answer, seconds = _huge_header(service.port, 64 * 1024 * 1024)
        checker.join()
        print(
            f"64 MB header: {answer!r} after {seconds:.2f} s; "
            f"a health check meanwhile took {health[0] * 1000:.0f} ms"
        )

        before = _rss_mb(service.pid)
        for _ in range(4):
            _huge_header(service.port, 32 * 1024 * 1024)
        print(f"4 x 32 MB headers: worker RSS {before:.0f} MB -> {_rss_mb(service.pid):.0f} MB")

        key = deployer.get_keys("transport").primary_key.get_secret_value()
        half_body = (
            b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + key.encode() + b"\r\n"
            b'Content-Length: 1000\r\n\r\n{"data": ['
        )
        half_head = b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Le"
        sockets = []
        for partial in (half_body, half_head):
            for _ in range(args.half_sent):
                sock = socket.create_connection(("127.0.0.1", service.port), timeout=5)
                sock.sendall(partial)
                sockets.append(sock)
        time.sleep(deadline + 2)
        still_open = 0
        for sock in sockets:
            sock.setblocking(False)
            try:
                while sock.recv(65536):  # the answers, if any, then the end of the stream
                    pass
            except BlockingIOError:
                still_open += 1  # no end of stream: the server still holds it
            except OSError:
                pass
            sock.close()
        print(
            f"{args.half_sent} half-sent bodies (with a key) and {args.half_sent} half-sent "
            f"heads: {still_open} still open "
            f"{deadline + 2:g} s later"
        )
    finally:
        deployer.delete("transport")


if __name__ == "__main__":
    main()
