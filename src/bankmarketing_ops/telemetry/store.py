"""The telemetry database: `<workspace>/telemetry.db`, SQLite in WAL mode.

Servers append (many writers, one transaction per batch); the `InsightsManager` reads.
WAL lets readers and writers work at once; a busy timeout absorbs short write overlaps.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

__all__ = ["COLUMNS", "TELEMETRY_DB", "connect", "insert"]

TELEMETRY_DB: Final = "telemetry.db"
#: The fields App Insights keeps for a request (DESIGN §3), in table order.
COLUMNS: Final = (
    "timestamp",
    "name",
    "url",
    "duration_ms",
    "result_code",
    "success",
    "method",
    "request_id",
    "client_request_id",
    "service",
    "model_version",
)
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS requests (
    timestamp REAL NOT NULL,          -- seconds since the epoch, UTC
    name TEXT NOT NULL,               -- "POST /score"
    url TEXT NOT NULL,
    duration_ms REAL NOT NULL,
    result_code INTEGER NOT NULL,
    success INTEGER NOT NULL,         -- result_code < 400
    method TEXT NOT NULL,
    request_id TEXT NOT NULL,
    client_request_id TEXT,
    service TEXT NOT NULL,
    model_version TEXT
);
CREATE INDEX IF NOT EXISTS requests_by_service_time ON requests (service, timestamp);
"""

Row = tuple[float, str, str, float, int, int, str, str, str | None, str, str | None]


def connect(root: Path) -> sqlite3.Connection:
    """Open (creating if needed) the workspace's telemetry database."""
    root.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(root / TELEMETRY_DB, timeout=30, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.executescript(_SCHEMA)
    return connection


def insert(connection: sqlite3.Connection, rows: Sequence[Row] | Iterable[Row]) -> None:
    placeholders = ", ".join("?" for _ in COLUMNS)
    with connection:  # one transaction per batch
        connection.executemany(
            f"INSERT INTO requests ({', '.join(COLUMNS)}) VALUES ({placeholders})", rows
        )
