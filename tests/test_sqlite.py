"""Many processes opening one new SQLite file at once all get it in WAL mode."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from bankmarketing_ops._sqlite import BUSY_TIMEOUT_S, use_wal


def _switch_at_once(database: Path, openers: int) -> tuple[list[str], list[BaseException]]:
    modes: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(openers)

    def open_it() -> None:
        connection = sqlite3.connect(database, timeout=BUSY_TIMEOUT_S)
        try:
            barrier.wait()
            use_wal(connection)
            connection.execute("CREATE TABLE IF NOT EXISTS t (x)")
            modes.append(connection.execute("PRAGMA journal_mode").fetchone()[0])
        except BaseException as exc:  # reported by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_it) for _ in range(openers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return modes, errors


def test_a_new_file_opened_by_many_at_once_ends_in_wal_mode_for_all(tmp_path: Path) -> None:
    # Without the retry, about one such race in four answers "database is locked".
    for attempt in range(50):
        modes, errors = _switch_at_once(tmp_path / f"{attempt}.db", 6)
        assert errors == [], f"attempt {attempt}"
        assert modes == ["wal"] * 6
