"""Batches telemetry records and captured scoring inputs in memory, and writes them from a
background thread.

The request path only appends a tuple to a queue (well under a microsecond). The thread
writes whatever has queued at least every `FLUSH_INTERVAL_S` (1 s), so a crash loses at
most that much; `close()` — called on graceful shutdown, SIGTERM included — writes the
rest before returning. Captured inputs travel the same way, in the same flush, and
the same retention period applies to them.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from pathlib import Path
from typing import Final, TypeVar

from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.telemetry.store import CaptureRow, Row, connect, insert, insert_captures

__all__ = ["FLUSH_INTERVAL_S", "TelemetryWriter"]

FLUSH_INTERVAL_S: Final = 1.0
#: How often a running writer deletes records past the retention period, in seconds.
RETENTION_INTERVAL_S: Final = 3600.0
_log = get_logger(__name__)
T = TypeVar("T")


class TelemetryWriter:
    def __init__(
        self,
        root: str | Path,
        *,
        flush_interval_s: float = FLUSH_INTERVAL_S,
        retention_days: float | None = None,
        retention_interval_s: float = RETENTION_INTERVAL_S,
    ) -> None:
        self._root = Path(root)
        self._retention_interval = retention_interval_s
        self._retention_s = None if retention_days is None else retention_days * 86400
        self._interval = flush_interval_s
        self._queue: queue.SimpleQueue[Row] = queue.SimpleQueue()
        self._captures: queue.SimpleQueue[CaptureRow] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="telemetry-writer", daemon=True)
        self._thread.start()

    def record(self, row: Row) -> None:
        """Queue one record (called on the request path: never blocks, never raises)."""
        self._queue.put(row)

    def capture(self, row: CaptureRow) -> None:
        """Queue one captured record (request path: never blocks, never raises)."""
        self._captures.put(row)

    def close(self, timeout: float = 10.0) -> None:
        """Write everything queued, then stop the thread."""
        self._stop.set()
        self._thread.join(timeout)

    def _apply_retention(self, connection: sqlite3.Connection) -> None:
        if self._retention_s is not None:
            cutoff = (time.time() - self._retention_s,)
            with connection:
                deleted = connection.execute(
                    "DELETE FROM requests WHERE timestamp < ?", cutoff
                ).rowcount
                captured = connection.execute(
                    "DELETE FROM captures WHERE timestamp < ?", cutoff
                ).rowcount
                connection.execute("DELETE FROM labels WHERE timestamp < ?", cutoff)
            if deleted or captured:
                _log.info(
                    "deleted %d request records and %d captured inputs past the retention period",
                    deleted,
                    captured,
                )

    def _run(self) -> None:
        # One transaction per interval, whatever has queued: a busy service writes a few
        # large batches a second instead of many small ones (which cost it throughput).
        connection: sqlite3.Connection | None = None
        pending: list[Row] = []
        captured: list[CaptureRow] = []
        retention_due = 0.0  # at the first write, then hourly: a server may run for months
        while True:
            stopping = self._stop.wait(self._interval)
            _drain(self._queue, pending)
            _drain(self._captures, captured)
            if pending or captured:
                try:
                    if connection is None:
                        connection = connect(self._root)
                    if time.monotonic() >= retention_due:
                        self._apply_retention(connection)
                        retention_due = time.monotonic() + self._retention_interval
                    if pending:
                        insert(connection, pending)
                        pending = []
                    if captured:
                        insert_captures(connection, captured)
                        captured = []
                except Exception:  # the thread must outlive a bad moment of the database
                    _log.exception(
                        "cannot write %d telemetry records and %d captured inputs; will retry",
                        len(pending),
                        len(captured),
                    )
            if stopping:
                break
        if pending or captured:
            _log.error(
                "%d telemetry records and %d captured inputs could not be written before stopping",
                len(pending),
                len(captured),
            )
        if connection is not None:
            connection.close()


def _drain(source: queue.SimpleQueue[T], into: list[T]) -> None:
    while True:
        try:
            into.append(source.get_nowait())
        except queue.Empty:
            return
