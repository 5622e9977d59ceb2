"""Batches telemetry records in memory and writes them from a background thread.

The request path only appends a tuple to a queue (well under a microsecond). The thread
writes whatever has queued at least every `FLUSH_INTERVAL_S` (1 s), so a crash loses at
most that much; `close()` — called on graceful shutdown, SIGTERM included — writes the
rest before returning.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from pathlib import Path
from typing import Final

from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.telemetry.store import Row, connect, insert

__all__ = ["FLUSH_INTERVAL_S", "TelemetryWriter"]

FLUSH_INTERVAL_S: Final = 1.0
_BATCH: Final = 2_000
_log = get_logger(__name__)


class TelemetryWriter:
    def __init__(self, root: Path, *, flush_interval_s: float = FLUSH_INTERVAL_S) -> None:
        self._root = root
        self._interval = flush_interval_s
        self._queue: queue.SimpleQueue[Row | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="telemetry-writer", daemon=True)
        self._thread.start()

    def record(self, row: Row) -> None:
        """Queue one record (called on the request path: never blocks, never raises)."""
        self._queue.put(row)

    def close(self, timeout: float = 10.0) -> None:
        """Write everything queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        stopping = False
        while not stopping:
            batch: list[Row] = []
            try:
                item = self._queue.get(timeout=self._interval)
                if item is None:
                    stopping = True
                else:
                    batch.append(item)
                while len(batch) < _BATCH:  # take what else has queued, without waiting
                    item = self._queue.get_nowait()
                    if item is None:
                        stopping = True
                        break
                    batch.append(item)
            except queue.Empty:
                pass
            if not batch:
                continue
            try:
                connection = connection or connect(self._root)
                insert(connection, batch)
            except sqlite3.Error:
                _log.exception(
                    "cannot write %d telemetry records; retrying with the next batch", len(batch)
                )
                for row in batch:  # keep them: they are retried with the next batch
                    self._queue.put(row)
                if stopping:
                    break
        if connection is not None:
            connection.close()
