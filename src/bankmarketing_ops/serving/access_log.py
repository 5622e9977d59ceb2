"""The service log's request lines, emitted off the scoring path.

One `INFO` record per request on the `bankmarketing_ops.serving.access` logger — method,
path, status, duration, request id, model, deployment — which the server's log setup
writes to the service log like its other lines:

    … INFO bankmarketing_ops.serving.access: POST /score 200 0.54 ms request_id=…

The request path only queues a tuple (well under a microsecond); a thread formats what has
queued every `FLUSH_INTERVAL_S` — each line stamped with its request's own time — and
emits it as one record (one write), and `close()` emits the rest. A record per request
cost about 40 µs a line on a busy 2-core machine (a record, a format, a lock, a write and
a flush each), on the request path or off it. The server's log setup writes this logger's
records as they are (`configure_access_logging`). Nothing from the request's headers or
query string is logged, and a path that is not one of the server's routes is redacted
like any logged text.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Final, TextIO

from bankmarketing_ops._constants import PACKAGE_NAME
from bankmarketing_ops._logging import redact

__all__ = ["FLUSH_INTERVAL_S", "LOGGER_NAME", "AccessLog", "configure_access_logging"]

FLUSH_INTERVAL_S: Final = 0.2
LOGGER_NAME: Final = f"{PACKAGE_NAME}.serving.access"
_ROUTES: Final = frozenset({"/", "/score", "/swagger.json", "/metrics", "/docs", "/docs/"})
# Not `get_logger`: its redacting filter would scan every line, and the fields here are
# the server's own apart from the path, which is redacted below when it is not a route.
_access = logging.getLogger(LOGGER_NAME)

# when (epoch s), method, path, status, milliseconds, request id, model, deployment
Entry = tuple[float, str, str, int, float, str, str | None, str | None]


class AccessLog:
    """Queues request lines and emits them as log records from a thread."""

    def __init__(self, *, flush_interval_s: float = FLUSH_INTERVAL_S) -> None:
        self._interval = flush_interval_s
        self._queue: queue.SimpleQueue[Entry] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="access-log", daemon=True)
        self._thread.start()

    def record(self, entry: Entry) -> None:
        """Queue one request's line (request path: never blocks, never raises)."""
        self._queue.put(entry)

    def close(self, timeout: float = 5.0) -> None:
        """Emit everything queued, then stop the thread."""
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            stopping = self._stop.wait(self._interval)
            lines = []
            while True:
                try:
                    lines.append(format_line(self._queue.get_nowait()))
                except queue.Empty:
                    break
            if lines and _access.isEnabledFor(logging.INFO):
                try:
                    _access.info("%s", "\n".join(lines))
                except Exception:  # a broken handler must not stop the thread
                    logging.getLogger(PACKAGE_NAME).exception("cannot write request lines")
            if stopping:
                return


_stamps: dict[int, str] = {}


def format_line(entry: Entry) -> str:
    """One request as a line in the layout of the server's other log lines."""
    when, method, path, status, milliseconds, request_id, model, deployment = entry
    second = int(when)
    stamp = _stamps.get(second)
    if stamp is None:  # one strftime per second of traffic, not per line
        _stamps.clear()
        stamp = _stamps[second] = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
    shown = path if path in _ROUTES else redact(path[:200])
    return (
        f"{stamp},{int(when % 1 * 1000):03d} INFO {LOGGER_NAME}: {method[:16]} {shown} "
        f"{status} {milliseconds:.2f} ms request_id={request_id} model={model} "
        f"deployment={deployment}"
    )


def configure_access_logging(stream: TextIO) -> None:
    """Write the access logger's records to `stream` as they are: each is a batch of
    lines already in the server's log layout."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for old in list(_access.handlers):
        _access.removeHandler(old)
    _access.addHandler(handler)
    _access.propagate = False
