"""The background writer: batches, flushes on close, loses at most a second on a crash."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bankmarketing_ops.telemetry.store import connect
from bankmarketing_ops.telemetry.writer import TelemetryWriter


def _row(i: int) -> tuple[float, str, str, float, int, int, str, str, None, str, str, str]:
    return (time.time(), "POST /score", "u", 1.0, 200, 1, "POST", f"r{i}", None, "svc", "m:1", "d1")


def _count(root: Path) -> int:
    connection = connect(root)
    try:
        return int(connection.execute("SELECT COUNT(*) FROM requests").fetchone()[0])
    finally:
        connection.close()


def test_close_writes_everything_queued(tmp_path: Path) -> None:
    writer = TelemetryWriter(tmp_path, flush_interval_s=60)  # only close() can flush here
    for i in range(5_000):
        writer.record(_row(i))
    writer.close()
    assert _count(tmp_path) == 5_000


def test_records_reach_the_database_within_the_flush_interval(tmp_path: Path) -> None:
    writer = TelemetryWriter(tmp_path, flush_interval_s=0.2)
    writer.record(_row(1))
    deadline = time.monotonic() + 2
    while _count(tmp_path) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _count(tmp_path) == 1
    writer.close()


def test_a_crash_loses_at_most_the_last_interval(tmp_path: Path) -> None:
    script = f"""
import os, time
from bankmarketing_ops.telemetry.writer import TelemetryWriter
w = TelemetryWriter({str(tmp_path)!r})
row = lambda i: (
    time.time(), "POST /score", "u", 1.0, 200, 1, "POST", f"r{{i}}", None, "s", "m", "d"
)
for i in range(100):
    w.record(row(i))
time.sleep(1.5)          # more than the 1 s flush interval
for i in range(100, 200):
    w.record(row(i))
os._exit(1)              # a crash: no flush, no cleanup
"""
    subprocess.run([sys.executable, "-c", script], check=False)
    assert 100 <= _count(tmp_path) <= 200


def test_records_past_the_retention_are_deleted_at_start(tmp_path: Path) -> None:
    old = (time.time() - 40 * 86400, *_row(0)[1:])
    writer = TelemetryWriter(tmp_path, retention_days=30)
    writer.record(old)  # type: ignore[arg-type]
    writer.close()
    assert _count(tmp_path) == 1  # written after the start-up sweep
    again = TelemetryWriter(tmp_path, retention_days=30)
    again.record(_row(1))
    again.close()
    assert _count(tmp_path) == 1  # the old one went, the new one stays


def test_a_running_writer_keeps_deleting_what_ages_past_the_retention(tmp_path: Path) -> None:
    writer = TelemetryWriter(
        tmp_path, retention_days=30, flush_interval_s=0.05, retention_interval_s=0.0
    )
    writer.record((time.time() - 40 * 86400, *_row(0)[1:]))  # type: ignore[arg-type]
    deadline = time.monotonic() + 10
    while _count(tmp_path) < 1:  # written after that flush's sweep
        assert time.monotonic() < deadline
        time.sleep(0.02)
    writer.record(_row(1))
    while _count(tmp_path) != 1 or not _newest_is_recent(tmp_path):
        assert time.monotonic() < deadline, "the old record outlived the next sweep"
        time.sleep(0.02)
    writer.close()


def _newest_is_recent(root: Path) -> bool:
    connection = connect(root)
    try:
        (oldest,) = connection.execute("SELECT MIN(timestamp) FROM requests").fetchone()
    finally:
        connection.close()
    return oldest is not None and oldest > time.time() - 86400


def _capture(
    i: int, *, age: float = 0.0
) -> tuple[float, str, str, str, int, dict[str, object], float, str]:
    return (
        time.time() - age,
        "svc",
        "m:1",
        f"r{i}",
        0,
        {"age": 30 + i, "job": "admin."},
        0.25,
        "no",
    )


def _captures(root: Path) -> list[tuple[object, ...]]:
    connection = connect(root)
    try:
        return connection.execute("SELECT request_id, input, probability FROM captures").fetchall()
    finally:
        connection.close()


def test_captured_inputs_are_written_as_json_beside_the_requests(tmp_path: Path) -> None:
    writer = TelemetryWriter(tmp_path, flush_interval_s=60)
    for i in range(3):
        writer.capture(_capture(i))
        writer.record(_row(i))
    writer.close()
    assert _count(tmp_path) == 3
    assert _captures(tmp_path) == [
        (f"r{i}", f'{{"age":{30 + i},"job":"admin."}}', 0.25) for i in range(3)
    ]


def test_captured_inputs_past_the_retention_are_deleted_at_start(tmp_path: Path) -> None:
    writer = TelemetryWriter(tmp_path, retention_days=30)
    writer.capture(_capture(0, age=40 * 86400))
    writer.close()
    assert len(_captures(tmp_path)) == 1
    again = TelemetryWriter(tmp_path, retention_days=30)
    again.capture(_capture(1))
    again.close()
    assert [row[0] for row in _captures(tmp_path)] == ["r1"]
