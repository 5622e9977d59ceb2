"""What every SQLite file of a workspace needs when it is opened: WAL mode, reached safely
when several processes open the file at once."""

from __future__ import annotations

import sqlite3
from typing import Final

from tenacity import retry, retry_if_exception, stop_after_delay, wait_random_exponential

__all__ = ["BUSY_TIMEOUT_S", "use_wal"]

#: How long a connection waits for another one's write lock before it gives up.
BUSY_TIMEOUT_S: Final = 30


def _is_locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


@retry(
    retry=retry_if_exception(_is_locked),
    wait=wait_random_exponential(multiplier=0.01, max=0.5),
    stop=stop_after_delay(BUSY_TIMEOUT_S),
    reraise=True,
)
def use_wal(connection: sqlite3.Connection) -> None:
    """Put the file in WAL mode. Switching a new or rollback-journal file needs it alone,
    and SQLite answers "locked" at once, without its busy timeout, while another process
    switches it too; so this waits and retries. A file already in WAL mode switches
    instantly."""
    connection.execute("PRAGMA journal_mode=WAL")
