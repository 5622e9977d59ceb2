"""The telemetry database: `<workspace>/telemetry.db`, SQLite in WAL mode.

Servers append (many writers, one transaction per batch); the `InsightsManager` reads.
WAL lets readers and writers work at once; a busy timeout absorbs short write overlaps.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

import orjson

from bankmarketing_ops._sqlite import BUSY_TIMEOUT_S, use_wal

__all__ = [
    "CAPTURE_COLUMNS",
    "COLUMNS",
    "TELEMETRY_DB",
    "CaptureRow",
    "connect",
    "insert",
    "insert_captures",
]

TELEMETRY_DB: Final = "telemetry.db"
#: The fields App Insights keeps for a request, and the deployment that answered it, in
#: table order.
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
    "deployment_id",
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
    model_version TEXT,
    deployment_id TEXT DEFAULT NULL   -- which deployment of the service answered
);
CREATE INDEX IF NOT EXISTS requests_by_service_time ON requests (service, timestamp);
-- Captured scoring inputs and outputs (opt-in per service): personal data, like requests.
CREATE TABLE IF NOT EXISTS captures (
    timestamp REAL NOT NULL,
    service TEXT NOT NULL,
    model_version TEXT,
    request_id TEXT NOT NULL,         -- the x-ms-request-id of the answer
    row_index INTEGER NOT NULL,       -- position of the record in the request
    input TEXT NOT NULL,              -- the record as JSON, wire names
    probability REAL NOT NULL,        -- P(y = "yes")
    label TEXT NOT NULL               -- "yes" / "no" as answered
);
CREATE INDEX IF NOT EXISTS captures_by_service_time ON captures (service, timestamp);
CREATE INDEX IF NOT EXISTS captures_by_request ON captures (request_id);
-- Ground truth that arrived later, keyed like the captures.
CREATE TABLE IF NOT EXISTS labels (
    timestamp REAL NOT NULL,          -- when the label was logged
    service TEXT NOT NULL,
    request_id TEXT NOT NULL,
    row_index INTEGER NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (service, request_id, row_index)
);
"""
#: Columns of the `captures` table, in order.
CAPTURE_COLUMNS: Final = (
    "timestamp",
    "service",
    "model_version",
    "request_id",
    "row_index",
    "input",
    "probability",
    "label",
)

Row = tuple[float, str, str, float, int, int, str, str, str | None, str, str | None, str | None]
#: A captured record as queued on the request path: the input is still a dict (it is
#: serialized by the writer thread, off the request path).
CaptureRow = tuple[float, str, str | None, str, int, dict[str, object], float, str]


def connect(root: Path) -> sqlite3.Connection:
    """Open (creating if needed) the workspace's telemetry database."""
    root.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(
        root / TELEMETRY_DB, timeout=BUSY_TIMEOUT_S, check_same_thread=False
    )
    use_wal(connection)
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.executescript(_SCHEMA)
    _add_deployment_column(connection)
    return connection


def _add_deployment_column(connection: sqlite3.Connection) -> None:
    """Databases written before deployments were recorded get the column, NULL in the old
    rows (their deployment is unknown). Adding a column with a default rewrites no row, so
    this is instant whatever the size; two processes doing it at once is fine."""
    columns = {row[1] for row in connection.execute("PRAGMA table_info(requests)")}
    if "deployment_id" not in columns:
        try:
            with connection:
                connection.execute(
                    "ALTER TABLE requests ADD COLUMN deployment_id TEXT DEFAULT NULL"
                )
        except sqlite3.OperationalError as exc:  # another process added it meanwhile
            if "duplicate column" not in str(exc):
                raise


def insert(connection: sqlite3.Connection, rows: Sequence[Row] | Iterable[Row]) -> None:
    placeholders = ", ".join("?" for _ in COLUMNS)
    with connection:  # one transaction per batch
        connection.executemany(
            f"INSERT INTO requests ({', '.join(COLUMNS)}) VALUES ({placeholders})", rows
        )


def insert_captures(connection: sqlite3.Connection, rows: Sequence[CaptureRow]) -> None:
    """Append captured records (their inputs serialized to JSON here)."""
    placeholders = ", ".join("?" for _ in CAPTURE_COLUMNS)
    with connection:
        connection.executemany(
            f"INSERT INTO captures ({', '.join(CAPTURE_COLUMNS)}) VALUES ({placeholders})",
            [(*row[:5], orjson.dumps(row[5]).decode(), *row[6:]) for row in rows],
        )
