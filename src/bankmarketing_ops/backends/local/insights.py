"""Local request telemetry: the workspace's SQLite store (`telemetry.db`)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from bankmarketing_ops.telemetry.store import COLUMNS, TELEMETRY_DB, connect
from bankmarketing_ops.types.insights import RequestRecord

__all__ = ["LocalInsights"]


class LocalInsights:
    """Reads and purges the request records the local services write, and keeps the
    scoring inputs they capture and the labels logged for them (same `telemetry.db`)."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def _recorded(self) -> bool:
        """Whether any service has recorded here (reading must not create the store)."""
        return (self._root / TELEMETRY_DB).exists()

    def _query(self, sql: str, parameters: Sequence[object]) -> list[tuple[object, ...]]:
        if not self._recorded():
            return []
        connection = connect(self._root)
        try:
            return connection.execute(sql, parameters).fetchall()
        finally:
            connection.close()

    def requests(
        self,
        service: str,
        *,
        since: float | None = None,
        until: float | None = None,
        result_code: int | None = None,
        success: bool | None = None,
        name: str | None = None,
        limit: int | None = None,
        deployment_id: str | None = None,
        newest_first: bool = False,
    ) -> list[RequestRecord]:
        where, parameters = ["service = ?"], [service]
        for column, value, op in (
            ("timestamp", since, ">="),
            ("timestamp", until, "<"),
            ("result_code", result_code, "="),
            ("name", name, "="),
            ("deployment_id", deployment_id, "="),
        ):
            if value is not None:
                where.append(f"{column} {op} ?")
                parameters.append(value)  # type: ignore[arg-type]
        if success is not None:
            where.append("success = ?")
            parameters.append(int(success))  # type: ignore[arg-type]
        sql = (
            f"SELECT {', '.join(COLUMNS)} FROM requests WHERE {' AND '.join(where)} "
            f"ORDER BY timestamp{' DESC' if newest_first else ''}"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self._query(sql, parameters)
        return [RequestRecord.model_validate(dict(zip(COLUMNS, row, strict=True))) for row in rows]

    def purge(self, *, service: str | None = None, older_than_s: float = 0.0) -> int:
        """Delete request records, captured scoring inputs and logged labels older than
        `older_than_s` seconds (all when 0); returns how many."""
        cutoff = time.time() - older_than_s
        condition, parameters = "timestamp < ?", [cutoff]
        if service is not None:
            condition += " AND service = ?"
            parameters.append(service)  # type: ignore[arg-type]
        if not self._recorded():
            return 0
        connection = connect(self._root)
        try:
            with connection:
                return sum(
                    connection.execute(
                        f"DELETE FROM {table} WHERE {condition}", parameters
                    ).rowcount
                    for table in ("requests", "captures", "labels")
                )
        finally:
            connection.close()

    # --- capture (drift) ----------------------------------------------------------------
    def captured_rows(
        self,
        service: str,
        columns: Sequence[str],
        *,
        since: float | None = None,
        until: float | None = None,
    ) -> list[tuple[object, ...]]:
        where, parameters = ["service = ?"], [service]
        if since is not None:
            where.append("timestamp >= ?")
            parameters.append(since)  # type: ignore[arg-type]
        if until is not None:
            where.append("timestamp < ?")
            parameters.append(until)  # type: ignore[arg-type]
        return self._query(
            f"SELECT {', '.join(columns)} FROM captures WHERE {' AND '.join(where)} "
            "ORDER BY timestamp, row_index",
            parameters,
        )

    def store_labels(self, service: str, labels: Sequence[tuple[float, str, int, str]]) -> int:
        connection = connect(self._root)
        try:
            with connection:
                connection.executemany(
                    "INSERT OR REPLACE INTO labels (timestamp, service, request_id, row_index, "
                    "label) VALUES (?, ?, ?, ?, ?)",
                    [(at, service, request_id, row, text) for at, request_id, row, text in labels],
                )
            matched = 0
            for _, request_id, row_index, _ in labels:
                matched += connection.execute(
                    "SELECT COUNT(*) FROM captures WHERE service = ? AND request_id = ? "
                    "AND row_index = ?",
                    (service, request_id, row_index),
                ).fetchone()[0]
        finally:
            connection.close()
        return matched

    def labels(self, service: str) -> dict[tuple[str, int], str]:
        rows = self._query(
            "SELECT request_id, row_index, label FROM labels WHERE service = ?", [service]
        )
        return {(str(r[0]), int(r[1])): str(r[2]) for r in rows}  # type: ignore[call-overload]
