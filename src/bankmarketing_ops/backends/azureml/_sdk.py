"""Lazy access to the Azure ML SDK v1, and its errors turned into ours.

Nothing here imports `azureml` at module import.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from types import ModuleType

from bankmarketing_ops._exceptions import BankOpsError, CredentialError, MissingExtraError

__all__ = [
    "EXTRA",
    "masked",
    "python_note",
    "reading",
    "require",
    "sdk_error_text",
    "sdk_status",
    "translated",
]

EXTRA = "azureml"

_STATUS_IN_TEXT = re.compile(
    r"\b(?:status(?:[ _]code)?|Response Code|Request failed)\W{0,3}([45]\d\d)\b", re.I
)
#: The SDK's dump of a refused response (azureml.core.compute and others): "Response
#: Code: 400\nHeaders: {…}\nContent: b'{"error": …}'".
_DUMPED_RESPONSE = re.compile(
    r"Response Code: (?P<status>\d{3})\s+Headers: .*?\s+Content: (?P<body>.*)\Z", re.S
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

    Azure's own error is taken from the response body where the SDK hides it: the REST
    clients' errors (msrest's `HttpOperationError`, e.g. the pipelines service's) say only
    "Operation returned an invalid status code 'Bad Request'"; where the SDK dumps a
    refused response (status, response headers, body), the headers would push Azure's
    message past the length kept ("Azure answered 400: QuotaExceeded: …" instead).
    """
    message = str(getattr(exc, "message", None) or exc)
    dumped = _DUMPED_RESPONSE.search(message)
    if dumped:
        error = _azure_error(dumped.group("body"))
        if error:
            message = f"{message[: dumped.start()]}Azure answered {dumped['status']}: {error}"
    elif message.startswith("Operation returned an invalid status code"):
        error = _azure_error(str(getattr(getattr(exc, "response", None), "text", "") or ""))
        if error:
            message = f"{message}: {error}"
    return masked(" ".join(message.split()))[:500]


def _azure_error(body: str) -> str | None:
    """`code: message` of an Azure error body (`{"error": {"code", "message"}}`, or
    `{"message"}`), given as text or as the repr of the response's bytes; None when it is
    not one."""
    text = body.strip()
    if text[:2] in ("b'", 'b"'):
        try:
            text = ast.literal_eval(text).decode("utf-8", "replace")
        except (ValueError, SyntaxError):
            return None
    try:
        document = json.loads(text)
    except ValueError:
        return None
    error = document.get("error", document) if isinstance(document, dict) else None
    if not isinstance(error, dict) or not error.get("message"):
        return None
    code = error.get("code")
    message = " ".join(str(error["message"]).split())
    return f"{code}: {message}" if code else message


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


def reading(
    error: type[BankOpsError], thing: str, *, not_found: type[BankOpsError]
) -> AbstractContextManager[None]:
    """`translated` for reading one `thing` ("web service 'svc'"): a 404 is `not_found`
    ("no web service 'svc' in the workspace"), anything else `error`."""
    return translated(
        error,
        f"read {thing}",
        not_found=not_found,
        not_found_message=f"no {thing} in the workspace",
    )
