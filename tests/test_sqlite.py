"""Many processes opening one new SQLite file at once all get it in WAL mode."""

from __future__ import annotations

import sqlite3
from functools import partial
from pathlib import Path

from bankmarketing_ops._sqlite import BUSY_TIMEOUT_S, use_wal
from tests.at_once import errors_when_run_at_once


def _open_in_wal_mode(database: Path, modes: list[str]) -> None:
    connection = sqlite3.connect(database, timeout=BUSY_TIMEOUT_S)
    try:
        use_wal(connection)
        connection.execute("CREATE TABLE IF NOT EXISTS t (x)")
        modes.append(connection.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        connection.close()


def test_a_new_file_opened_by_many_at_once_ends_in_wal_mode_for_all(tmp_path: Path) -> None:
    # Without the retry, about one such race in four answers "database is locked".
    for attempt in range(50):
        modes: list[str] = []
        opening = partial(_open_in_wal_mode, tmp_path / f"{attempt}.db", modes)
        assert errors_when_run_at_once(opening, 6) == [], attempt
        assert modes == ["wal"] * 6
