"""Logging for the package: one `bankmarketing_ops` logger tree, secrets redacted.

The library never prints and never configures the root logger; it only emits records.
Every module logs through `get_logger(__name__)`, which attaches the redacting filter to
that logger, so a key or token that slips into a message is masked before any handler
(ours or the application's) sees it.
"""

from __future__ import annotations

import logging
import re
from typing import Final

from bankmarketing_ops._constants import PACKAGE_NAME

REDACTED: Final = "***"

_SECRET_PATTERNS: Final = (
    # Authorization headers: "Bearer abc.def", "Basic xyz"
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),
    # key=value and key: value pairs, JSON included: "primaryKey": "abc", token=abc
    re.compile(
        r"(?i)(\"?\b[\w.-]*(?:key|token|secret|password|passwd|signature|sig)\"?\s*[:=]\s*\"?)"
        r"([^\s\"',;&]+)"
    ),
)


def redact(text: str) -> str:
    """Return `text` with bearer credentials and `*key/token/secret=value` pairs masked."""
    text = _SECRET_PATTERNS[0].sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return _SECRET_PATTERNS[1].sub(lambda m: f"{m.group(1)}{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Masks secrets in a record's rendered message (arguments included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


_FILTER: Final = RedactingFilter()

logging.getLogger(PACKAGE_NAME).addHandler(logging.NullHandler())


def get_logger(name: str = PACKAGE_NAME) -> logging.Logger:
    """Return a logger under the package tree with secret redaction attached."""
    if name != PACKAGE_NAME and not name.startswith(PACKAGE_NAME + "."):
        name = f"{PACKAGE_NAME}.{name}"
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger
