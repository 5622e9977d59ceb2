from __future__ import annotations

import logging

import pytest

from bankmarketing_ops._logging import get_logger, redact


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: Bearer abc.def-123", "abc.def-123"),
        ('{"primaryKey": "s3cr3tvalue", "x": 1}', "s3cr3tvalue"),
        ("url?sig=AbCdEf&sv=2020", "AbCdEf"),
        ("api_key=hunter2 next", "hunter2"),
        ("client_secret: topsecret", "topsecret"),
    ],
)
def test_secrets_are_masked(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert "***" in cleaned


def test_plain_text_is_untouched() -> None:
    assert redact("loaded 32950 rows from bank.csv") == "loaded 32950 rows from bank.csv"


def test_records_of_package_loggers_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    logger = get_logger("bankmarketing_ops.some.module")
    with caplog.at_level(logging.INFO, logger="bankmarketing_ops"):
        logger.info("calling with Bearer %s", "tok-123456")
    assert "tok-123456" not in caplog.text
    assert "Bearer ***" in caplog.text


def test_foreign_names_are_placed_under_the_package_logger() -> None:
    assert get_logger("plugin").name == "bankmarketing_ops.plugin"
