"""Download the public data file: progress, checksum, cache, atomic write, retries.

The bytes go to `<cache>/<name>.part` first; only after the sha256 matches is the file
renamed to its final name, so a file with the final name is always complete and verified.
An interrupted download keeps its `.part`, and the next attempt resumes it with an HTTP
range request when the server allows (otherwise it starts over).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import httpx
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from bankmarketing_ops import _constants as C
from bankmarketing_ops._exceptions import (
    ChecksumMismatchError,
    DownloadError,
    NetworkUnavailableError,
)
from bankmarketing_ops._http import RETRYABLE_STATUS, user_agent
from bankmarketing_ops._locks import exclusive
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.config import Settings, get_settings
from bankmarketing_ops.data.models import FetchResult

__all__ = ["ProgressCallback", "cached_path", "fetch"]

ProgressCallback = Callable[[int, int | None], None]
"""Called with `(bytes_done, bytes_total_or_None)` as the download advances."""

_log = get_logger(__name__)
_NO_NETWORK_HINT = (
    "If this machine has no internet access, use a local copy of the file: "
    f"pass --data PATH or set {C.ENV_DATA}=PATH."
)


class _TransientError(DownloadError):
    """A failure worth another attempt (dropped connection, timeout, 5xx)."""


def cached_path(*, url: str | None = None, settings: Settings | None = None) -> Path:
    """Where `fetch` keeps the file for `url` (it may not exist yet)."""
    settings = settings or get_settings()
    url = url or settings.data_url
    name = Path(urlparse(url).path).name or C.DEFAULT_DATA_FILENAME
    return settings.resolved_cache_dir() / name


def fetch(
    *,
    url: str | None = None,
    sha256: str | None = None,
    cache_dir: str | Path | None = None,
    force: bool = False,
    on_progress: ProgressCallback | None = None,
    settings: Settings | None = None,
) -> FetchResult:
    """Download the data file (or reuse the verified cached copy) and return where it is.

    Args:
        url: Where to download from (default: `BANKOPS_DATA_URL`, else the public file).
        sha256: The expected checksum (default: the published file's).
        cache_dir: Where to keep it (default: `BANKOPS_CACHE_DIR`, else the user cache).
        force: Download again even when a verified copy is cached.
        on_progress: Called with `(bytes_done, bytes_total)` while downloading.
        settings: Settings to use instead of reading the environment.

    Raises:
        NetworkUnavailableError: the host cannot be reached; the message says how to
            use a local copy instead (`--data PATH` / `BANKOPS_DATA`).
        ChecksumMismatchError: the bytes are not the expected file; nothing is cached.
        DownloadError: the server refused, or transient failures outlasted the retries.
    """
    settings = settings or get_settings()
    if cache_dir is not None:
        settings = settings.model_copy(update={"cache_dir": Path(cache_dir)})
    url = url or settings.data_url
    expected = (sha256 or settings.data_sha256).lower()
    target = cached_path(url=url, settings=settings)

    # One download at a time per cache: a second caller waits, then finds the verified copy.
    with exclusive(target.parent):
        return _fetch_locked(
            target, url, expected, force=force, on_progress=on_progress, settings=settings
        )


def _fetch_locked(
    target: Path,
    url: str,
    expected: str,
    *,
    force: bool,
    on_progress: ProgressCallback | None,
    settings: Settings,
) -> FetchResult:
    if target.is_file() and not force:
        actual = _sha256_of(target)
        if actual == expected:
            _log.info("using cached %s", target)
            return _result(target, url, actual, from_cache=True)
        _log.warning(
            "cached %s has sha256 %s, expected %s; downloading again", target, actual, expected
        )

    partial = target.with_name(target.name + C.PARTIAL_DOWNLOAD_SUFFIX)
    if force:
        partial.unlink(missing_ok=True)
    timeout = httpx.Timeout(
        settings.download_read_timeout_s, connect=settings.download_connect_timeout_s
    )
    with httpx.Client(
        timeout=timeout, headers={"User-Agent": user_agent()}, follow_redirects=True
    ) as client:
        retrying = Retrying(
            retry=retry_if_exception_type(_TransientError),
            stop=stop_after_attempt(settings.download_max_attempts),
            wait=wait_random_exponential(
                multiplier=C.DOWNLOAD_BACKOFF_INITIAL_S, max=C.DOWNLOAD_BACKOFF_MAX_S
            ),
            before_sleep=lambda state: _log.warning(
                "download attempt %d failed (%s); retrying",
                state.attempt_number,
                state.outcome.exception() if state.outcome else "?",
            ),
            reraise=True,
        )
        try:
            retrying(_download_once, client, url, partial, on_progress)
        except _TransientError as exc:
            raise DownloadError(
                f"download of {url} failed after {settings.download_max_attempts} attempts: "
                f"{exc}. Run the command again to resume. {_NO_NETWORK_HINT}"
            ) from None

    actual = _sha256_of(partial)
    if actual != expected:
        partial.unlink(missing_ok=True)
        raise ChecksumMismatchError(url=url, expected=expected, actual=actual)
    partial.replace(target)
    _log.info("downloaded %s to %s", url, target)
    return _result(target, url, actual, from_cache=False)


def _download_once(
    client: httpx.Client, url: str, partial: Path, on_progress: ProgressCallback | None
) -> None:
    offset = partial.stat().st_size if partial.exists() else 0
    # identity: the byte counts (Content-Length, Range) must be those of the file itself
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 416 and offset:  # the .part may already be whole
                return  # the caller checks its sha256 and starts over only if it is wrong
            if response.status_code in RETRYABLE_STATUS:
                raise _TransientError(f"HTTP {response.status_code} from {url}")
            if response.status_code >= 400:
                raise DownloadError(
                    f"HTTP {response.status_code} from {url}; check the URL "
                    f"(BANKOPS_DATA_URL) or use a local copy. {_NO_NETWORK_HINT}"
                )
            resumed = response.status_code == 206
            if not resumed:
                offset = 0
            length = response.headers.get("Content-Length")
            total = offset + int(length) if length and length.isdigit() else None
            done = offset
            with partial.open("ab" if resumed else "wb") as handle:
                for chunk in response.iter_bytes(C.DOWNLOAD_CHUNK_BYTES):
                    handle.write(chunk)
                    done += len(chunk)
                    if on_progress is not None:
                        on_progress(done, total)
            if total is not None and done != total:
                raise _TransientError(f"connection closed after {done} of {total} bytes")
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise NetworkUnavailableError(f"cannot reach {url}: {exc}. {_NO_NETWORK_HINT}") from None
    except (httpx.TransportError, httpx.StreamError) as exc:
        raise _TransientError(f"{type(exc).__name__}: {exc}") from None


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _result(path: Path, url: str, sha256: str, *, from_cache: bool) -> FetchResult:
    return FetchResult(
        path=str(path.absolute()),
        url=url,
        sha256=sha256,
        size_bytes=path.stat().st_size,
        from_cache=from_cache,
    )
