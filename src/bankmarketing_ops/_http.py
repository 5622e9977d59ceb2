"""The one HTTP policy every HTTP caller of the package follows (clients, data download).

Timeouts on every call; retries with tenacity on connection errors, timeouts, 408, 409,
429 and 5xx — never on other 4xx — with exponential backoff (`min(0.5·2ⁿ, 8)` s, jittered)
or the server's `Retry-After` when it gives one of at most 60 s; one `Idempotency-Key`
per logical POST, reused by its retries, so a server can tell a retry from a new request;
a `User-Agent` naming the package; and a typed exception per status.
"""

from __future__ import annotations

import email.utils
import platform
import random
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

import httpx
from tenacity import AsyncRetrying, RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from bankmarketing_ops import _constants as C
from bankmarketing_ops._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    ScoringScriptError,
    UnprocessableEntityError,
    UnsupportedMediaTypeError,
)
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops._version import __version__

__all__ = [
    "RETRYABLE_STATUS",
    "HttpPolicy",
    "script_failed",
    "send",
    "send_async",
    "status_error",
    "user_agent",
]

_log = get_logger(__name__)
RETRYABLE_STATUS: Final = frozenset({408, 409, 429, 500, 502, 503, 504})
_BY_STATUS: Final[dict[int, type[APIStatusError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    413: RequestTooLargeError,
    415: UnsupportedMediaTypeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def user_agent() -> str:
    """`bankmarketing-ops/<version> python/<version>`: who is calling, for server logs."""
    return f"{C.DISTRIBUTION_NAME}/{__version__} python/{platform.python_version()}"


@dataclass(frozen=True)
class HttpPolicy:
    """Timeouts and retries, shared by every client; `with_options` makes a changed copy."""

    timeout: float = C.CLIENT_TIMEOUT_S
    connect_timeout: float = C.CLIENT_CONNECT_TIMEOUT_S
    max_retries: int = C.CLIENT_MAX_RETRIES
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 60.0

    def with_options(self, **changes: Any) -> HttpPolicy:
        return replace(self, **changes)

    def httpx_timeout(self) -> httpx.Timeout:
        return httpx.Timeout(self.timeout, connect=self.connect_timeout)

    def headers(self) -> dict[str, str]:
        return {"User-Agent": user_agent(), "Accept": "application/json"}

    def delay(self, attempt: int, response: httpx.Response | None) -> float:
        """Seconds to wait before retry number `attempt` (1-based)."""
        if response is not None:
            asked = _retry_after(response.headers)
            if asked is not None and 0 <= asked <= self.max_retry_after:
                return asked
        backoff = min(self.initial_backoff * 2.0 ** (attempt - 1), self.max_backoff)
        return float(backoff * (1 - 0.25 * random.random()))


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def _retry_after(headers: Mapping[str, str]) -> float | None:
    if "retry-after-ms" in headers:
        try:
            return float(headers["retry-after-ms"]) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None  # not a number of seconds, not a date: fall back to the backoff
    return parsed.timestamp() - time.time()


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, _RetryableStatus | APIConnectionError)


def _wait(policy: HttpPolicy) -> Any:
    def wait(state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        response = failure.response if isinstance(failure, _RetryableStatus) else None
        seconds = policy.delay(state.attempt_number, response)
        _log.info("retrying after %s in %.2f s", failure, seconds)
        return seconds

    return wait


def _prepare(policy: HttpPolicy, method: str, headers: Mapping[str, str] | None) -> dict[str, str]:
    merged = {**policy.headers(), **(headers or {})}
    if method == "POST":
        merged.setdefault("Idempotency-Key", uuid.uuid4().hex)  # one per call, kept on retries
    return merged


def script_failed(response: httpx.Response) -> bool:
    """Azure's inference server says the scoring script itself raised (or timed out)."""
    return str(response.headers.get("x-ms-run-function-failed", "")).lower() == "true"


def _check(response: httpx.Response) -> httpx.Response:
    # A scoring script that raised fails the same way on the same records: not retried.
    if response.status_code in RETRYABLE_STATUS and not script_failed(response):
        raise _RetryableStatus(response)
    return response


def _transport_error(exc: httpx.HTTPError, method: str, url: str) -> APIConnectionError:
    kind = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    what = "timed out" if kind is APITimeoutError else f"failed ({type(exc).__name__}: {exc})"
    return kind(f"{method} {url} {what}", method=method, url=url)


def status_error(response: httpx.Response) -> APIStatusError:
    """The typed exception for an error response (message from its JSON body if any)."""
    try:
        body: object = response.json()
    except ValueError:
        body = response.text
    message = body.get("message") if isinstance(body, dict) else None
    method, url = response.request.method, str(response.request.url)
    request_id = response.headers.get("x-ms-request-id")
    kind = _BY_STATUS.get(
        response.status_code, InternalServerError if response.status_code >= 500 else APIStatusError
    )
    where = f"{response.status_code} from {method} {url}"
    if script_failed(response):
        kind = ScoringScriptError
        where = f"the endpoint's scoring script failed ({where})"
    return kind(
        f"{where}: {message or body}" + (f" [x-ms-request-id {request_id}]" if request_id else ""),
        status_code=response.status_code,
        body=body,
        method=method,
        url=url,
        request_id=request_id,
    )


def _finish(outcome: httpx.Response | _RetryableStatus) -> httpx.Response:
    response = outcome.response if isinstance(outcome, _RetryableStatus) else outcome
    if response.status_code >= 400:
        raise status_error(response)
    return response


def _retry_options(policy: HttpPolicy) -> dict[str, Any]:
    """What `send` and `send_async` hand tenacity: the same rules for both."""
    return {
        "retry": retry_if_exception(_retryable),
        "wait": _wait(policy),
        "stop": stop_after_attempt(policy.max_retries + 1),
        "reraise": True,
    }


def send(
    client: httpx.Client,
    policy: HttpPolicy,
    method: str,
    url: str,
    *,
    content: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """One logical request under the policy (retries included); raises a typed `APIError`."""
    merged = _prepare(policy, method, headers)
    retrying = Retrying(**_retry_options(policy))
    try:
        for attempt in retrying:
            with attempt:
                try:
                    response = client.request(method, url, content=content, headers=merged)
                except httpx.HTTPError as exc:
                    raise _transport_error(exc, method, url) from None
                _check(response)
    except _RetryableStatus as exc:
        return _finish(exc)
    return _finish(response)


async def send_async(
    client: httpx.AsyncClient,
    policy: HttpPolicy,
    method: str,
    url: str,
    *,
    content: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """`send` for `httpx.AsyncClient`."""
    merged = _prepare(policy, method, headers)
    retrying = AsyncRetrying(**_retry_options(policy))
    try:
        async for attempt in retrying:
            with attempt:
                try:
                    response = await client.request(method, url, content=content, headers=merged)
                except httpx.HTTPError as exc:
                    raise _transport_error(exc, method, url) from None
                _check(response)
    except _RetryableStatus as exc:
        return _finish(exc)
    return _finish(response)
