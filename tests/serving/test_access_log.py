"""The access log: one line per request, emitted off the request path, never a secret."""

from __future__ import annotations

import logging
import time

import pytest

from bankmarketing_ops.serving.access_log import LOGGER_NAME, AccessLog, format_line


def test_close_emits_every_queued_line_with_its_own_time(caplog: pytest.LogCaptureFixture) -> None:
    log = AccessLog(flush_interval_s=60)  # only close() can emit here
    when = time.mktime((2026, 12, 5, 13, 49, 49, 0, 0, -1)) + 0.7875
    for i in range(3):
        log.record((when + i, "POST", "/score", 200, 0.5, f"r{i}", "bank:1", "d-1"))
    with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
        log.close()
    # one record, one write, for the whole batch (other loggers may write meanwhile)
    [record] = [r for r in caplog.records if r.name == LOGGER_NAME]
    assert record.getMessage().splitlines() == [
        f"2026-12-05 13:49:{49 + i},787 INFO {LOGGER_NAME}: POST /score 200 0.50 ms "
        f"request_id=r{i} model=bank:1 deployment=d-1"
        for i in range(3)
    ]


def test_a_path_that_is_not_a_route_is_redacted() -> None:
    secret = "Bearer abcdef123456"
    line = format_line((0.0, "GET", f"/x/{secret}", 404, 0.1, "r", None, None))
    assert secret not in line
    assert "/x/Bearer *** 404" in line
    assert ": GET /score 405 " in format_line((0.0, "GET", "/score", 405, 0.1, "r", None, None))
