"""The telemetry database: a file written before deployments were kept is migrated in place."""

from __future__ import annotations

import sqlite3
from functools import partial
from pathlib import Path

from bankmarketing_ops.telemetry.store import COLUMNS, TELEMETRY_DB, connect, insert
from tests.at_once import errors_when_run_at_once

# The `requests` table as releases before the deployment id wrote it.
_OLD_SCHEMA = """
CREATE TABLE requests (
    timestamp REAL NOT NULL, name TEXT NOT NULL, url TEXT NOT NULL,
    duration_ms REAL NOT NULL, result_code INTEGER NOT NULL, success INTEGER NOT NULL,
    method TEXT NOT NULL, request_id TEXT NOT NULL, client_request_id TEXT,
    service TEXT NOT NULL, model_version TEXT
);
CREATE INDEX requests_by_service_time ON requests (service, timestamp);
"""


def _old_database(root: Path, rows: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(root / TELEMETRY_DB)
    connection.executescript(_OLD_SCHEMA)
    with connection:
        connection.executemany(
            "INSERT INTO requests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (float(i), "POST /score", "u", 1.0, 200, 1, "POST", f"old{i}", None, "svc", "m:1")
                for i in range(rows)
            ],
        )
    connection.close()


def test_an_old_database_gains_the_column_and_keeps_its_rows(tmp_path: Path) -> None:
    _old_database(tmp_path, 40)
    connection = connect(tmp_path)
    try:
        names = [row[1] for row in connection.execute("PRAGMA table_info(requests)")]
        assert names == list(COLUMNS)
        old = connection.execute("SELECT COUNT(*), COUNT(deployment_id) FROM requests").fetchone()
        assert old == (40, 0)  # every old row kept; its deployment unknown (NULL)
        insert(
            connection,
            [(99.0, "POST /score", "u", 1.0, 200, 1, "POST", "new", None, "svc", "m:2", "d-2")],
        )
        assert connection.execute(
            "SELECT request_id FROM requests WHERE deployment_id = 'd-2'"
        ).fetchall() == [("new",)]
    finally:
        connection.close()


def _open_and_close(root: Path) -> None:
    connect(root).close()


def test_processes_opening_an_old_database_at_once_all_succeed(tmp_path: Path) -> None:
    # The race loses about one time in twenty without the retry, so run it many times.
    for attempt in range(100):
        root = tmp_path / str(attempt)
        _old_database(root, 5)
        assert errors_when_run_at_once(partial(_open_and_close, root), 6) == [], attempt
        connection = connect(root)
        try:
            assert connection.execute("SELECT COUNT(*) FROM requests").fetchone() == (5,)
            assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        finally:
            connection.close()
