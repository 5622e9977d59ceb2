"""Lazy access to the Azure ML SDK v1, and its errors turned into ours.

Nothing here imports `azureml` at module import.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from bankmarketing_ops._exceptions import BankOpsError, CredentialError, MissingExtraError

__all__ = [
    "EXTRA",
    "masked",
    "python_note",
    "require",
    "sdk_error_text",
    "sdk_status",
    "translated",
]

EXTRA = "azureml"

_STATUS_IN_TEXT = re.compile(
    r"\b(?:status(?:[ _]code)?|Response Code|Request failed)\W{0,3}([45]\d\d)\b", re.I
)
_NOT_FOUND_TEXT = re.compile(r"\bnot found\b|\bno \w+ (?:with|named)\b|does not exist", re.I)
#: Secrets an SDK message may quote: storage signatures in signed URLs, bearer tokens,
#: bare JWTs and service keys. They are masked before any text reaches an error or a log.
_SECRETS = (
    re.compile(r"(?i)(\bsig=)[^&\s'\"]+"),
    re.compile(r"(?i)(\bBearer\s+)[^\s'\",]+"),
    re.compile(r"()\beyJ[\w-]+\.[\w-]+\.[\w-]*"),
    re.compile(r"(?i)((?:primary|secondary)_?key[\"']?\s*[:=]\s*[\"']?)[^\s'\",}]+"),
)


def require(module: str) -> ModuleType:
    """Import `module` from the `[azureml]` extra, or raise `MissingExtraError`."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(EXTRA, missing=exc.name or module, note=python_note()) from None


def python_note() -> str:
    """What the install needs beyond pip: the SDK v1 installs on Python < 3.12 only."""
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    note = (
        "the [azureml] extra needs Python < 3.12, as azureml-train-automl-client does; "
        f"this is Python {running}"
    )
    if sys.version_info >= (3, 12):
        note += ": use a Python 3.11 environment"
    return note


def masked(text: str) -> str:
    """`text` with storage signatures, bearer tokens, JWTs and service keys masked."""
    for pattern in _SECRETS:
        text = pattern.sub(r"\1***", text)
    return text


def sdk_error_text(exc: BaseException) -> str:
    """A one-line description of an SDK error: its message, never its request headers,
    with any secret it quotes (a signed URL, a token, a key) masked.

    The REST clients' errors (msrest's `HttpOperationError`, e.g. the pipelines
    service's) say only "Operation returned an invalid status code 'Bad Request'" when
    they cannot read Azure's error body: Azure's message is then taken from the body."""
    message: Any = getattr(exc, "message", None) or str(exc)
    text = " ".join(str(message).split())
    if text.startswith("Operation returned an invalid status code"):
        azure = _response_message(getattr(exc, "response", None))
        if azure:
            text = f"{text}: {azure}"
    return masked(text)[:500]


def _response_message(response: Any) -> str | None:
    """Azure's error message in an error response's JSON body (`{"error": {"message"}}`,
    or `{"message"}`), if there is one."""
    try:
        body = json.loads(response.text)
    except (AttributeError, TypeError, ValueError):
        return None
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    found = error.get("message") if isinstance(error, dict) else body.get("message")
    return " ".join(str(found).split()) if found else None


def _raised_by_us(exc: BaseException) -> bool:
    """Whether `exc` comes from a mistake in this library's own code (its innermost
    frame is ours), which must surface as itself, not as an Azure failure."""
    if not isinstance(exc, (AttributeError, TypeError, KeyError, IndexError, ValueError)):
        return False
    trace = exc.__traceback__
    while trace is not None and trace.tb_next is not None:
        trace = trace.tb_next
    return trace is not None and "bankmarketing_ops" in trace.tb_frame.f_code.co_filename


def sdk_status(exc: BaseException) -> int | None:
    """The HTTP status behind an SDK error, when it tells one.

    The SDK v1 is inconsistent: REST-client errors carry `status_code` or a `response`,
    `WebserviceException` often only says the code in its message.
    """
    for candidate in (
        getattr(exc, "status_code", None),
        getattr(getattr(exc, "response", None), "status_code", None),
    ):
        if isinstance(candidate, int):
            return candidate
    found = _STATUS_IN_TEXT.search(str(getattr(exc, "message", None) or exc))
    return int(found.group(1)) if found else None


def _is_credential_problem(exc: BaseException, status: int | None) -> bool:
    if status == 401:
        return True
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"AuthenticationException", "ClientAuthenticationError"})


@contextmanager
def translated(
    error: type[BankOpsError],
    action: str,
    *,
    not_found: type[BankOpsError] | None = None,
    not_found_message: str | None = None,
) -> Iterator[None]:
    """Raise SDK and transport errors inside the block as our own, saying what failed.

    `error(f"cannot {action}: <the SDK's message>")` by default; a 404 (or, when no
    status is known, a message that says not found) as `not_found`; a 401 or an
    authentication failure as `CredentialError`. Our own errors, and mistakes of our own
    code (an `AttributeError` raised in this library), pass through unchanged. The SDK's
    exception is not chained: its text may hold secrets, masked in ours.
    """
    try:
        yield
    except BankOpsError:
        raise
    except Exception as exc:  # the SDK raises many untyped exceptions, and requests' own
        if _raised_by_us(exc):
            raise
        text = sdk_error_text(exc)
        status = sdk_status(exc)
        if _is_credential_problem(exc, status):
            raise CredentialError(
                f"Azure refused the credentials while trying to {action}: {text}. Sign in "
                "again (az login), or check the service principal's variables and role"
            ) from None
        # a message saying "not found" counts only when no status says otherwise
        missing = status == 404 or (status is None and bool(_NOT_FOUND_TEXT.search(text)))
        if not_found is not None and missing:
            message = f"{not_found_message} ({text})" if not_found_message else None
            raise not_found(message or f"cannot {action}: {text}") from None
        raise error(f"cannot {action}: {text}") from None
