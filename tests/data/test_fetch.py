"""fetch() against a real HTTP server on loopback."""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from bankmarketing_ops import (
    ChecksumMismatchError,
    DownloadError,
    NetworkUnavailableError,
    Settings,
    data,
)
from tests.conftest import frame_to_csv_text
from tests.http_server import FileServer, Route, serve


@pytest.fixture(scope="module")
def payload() -> bytes:
    return frame_to_csv_text(data.synthetic(3_000, seed=21)).encode()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(cache_dir=tmp_path / "cache", download_max_attempts=3)


@pytest.fixture
def server(payload: bytes) -> Iterator[FileServer]:
    with serve({"/bank.csv": Route(body=payload)}) as running:
        yield running


def _sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def test_downloads_verifies_and_caches(
    server: FileServer, payload: bytes, settings: Settings
) -> None:
    progress: list[tuple[int, int | None]] = []
    result = data.fetch(
        url=server.url("/bank.csv"),
        sha256=_sha(payload),
        settings=settings,
        on_progress=lambda done, total: progress.append((done, total)),
    )
    path = Path(result.path)
    assert path.read_bytes() == payload
    assert path.parent == settings.cache_dir
    assert path.name == "bank.csv"
    assert not result.from_cache
    assert result.size_bytes == len(payload)
    assert progress[-1] == (len(payload), len(payload))
    assert len(progress) > 1
    assert len(data.load(path)) == 3_000


def test_a_verified_cached_copy_is_not_downloaded_again(
    server: FileServer, payload: bytes, settings: Settings
) -> None:
    url, sha = server.url("/bank.csv"), _sha(payload)
    data.fetch(url=url, sha256=sha, settings=settings)
    again = data.fetch(url=url, sha256=sha, settings=settings)
    assert again.from_cache
    assert server.hits["/bank.csv"] == 1
    forced = data.fetch(url=url, sha256=sha, settings=settings, force=True)
    assert not forced.from_cache
    assert server.hits["/bank.csv"] == 2


def test_a_tampered_cache_is_downloaded_again(
    server: FileServer, payload: bytes, settings: Settings
) -> None:
    url, sha = server.url("/bank.csv"), _sha(payload)
    path = Path(data.fetch(url=url, sha256=sha, settings=settings).path)
    path.write_bytes(b"tampered")
    result = data.fetch(url=url, sha256=sha, settings=settings)
    assert not result.from_cache
    assert path.read_bytes() == payload


def test_checksum_mismatch_caches_nothing(payload: bytes, settings: Settings) -> None:
    corrupt = payload.replace(b"married", b"marryed", 1)
    with (
        serve({"/bank.csv": Route(body=corrupt)}) as server,
        pytest.raises(ChecksumMismatchError) as caught,
    ):
        data.fetch(url=server.url("/bank.csv"), sha256=_sha(payload), settings=settings)
    assert caught.value.actual == _sha(corrupt)
    assert [p.name for p in settings.resolved_cache_dir().iterdir()] == [".lock"]


def test_connection_dropped_mid_file_resumes_with_a_range_request(
    payload: bytes, settings: Settings
) -> None:
    route = Route(body=payload, drop_first=1)
    with serve({"/bank.csv": route}) as server:
        result = data.fetch(url=server.url("/bank.csv"), sha256=_sha(payload), settings=settings)
    assert Path(result.path).read_bytes() == payload
    assert route.seen == 2
    [range_header] = route.range_headers  # resumed from what reached the disk
    offset = int(range_header.removeprefix("bytes=").rstrip("-"))
    assert 0 < offset <= len(payload) // 2


def test_a_server_without_ranges_gets_a_fresh_download(payload: bytes, settings: Settings) -> None:
    route = Route(body=payload, drop_first=1, ranges=False)
    with serve({"/bank.csv": route}) as server:
        result = data.fetch(url=server.url("/bank.csv"), sha256=_sha(payload), settings=settings)
    assert Path(result.path).read_bytes() == payload


def test_drops_that_outlast_the_retries_leave_no_complete_looking_file(
    payload: bytes, settings: Settings
) -> None:
    route = Route(body=payload, drop_first=10, ranges=False)
    with (
        serve({"/bank.csv": route}) as server,
        pytest.raises(DownloadError, match="after 3 attempts") as caught,
    ):
        data.fetch(url=server.url("/bank.csv"), sha256=_sha(payload), settings=settings)
    assert not isinstance(caught.value, ChecksumMismatchError)
    assert route.seen == 3
    names = [p.name for p in settings.resolved_cache_dir().iterdir() if p.name != ".lock"]
    assert "bank.csv" not in names
    assert names == ["bank.csv.part"]


def test_transient_503_is_retried(payload: bytes, settings: Settings) -> None:
    route = Route(body=payload, fail_first=2)
    with serve({"/bank.csv": route}) as server:
        result = data.fetch(url=server.url("/bank.csv"), sha256=_sha(payload), settings=settings)
    assert route.seen == 3
    assert Path(result.path).read_bytes() == payload


def test_404_is_not_retried(settings: Settings) -> None:
    with serve({}) as server:
        with pytest.raises(DownloadError, match="HTTP 404"):
            data.fetch(url=server.url("/missing.csv"), sha256="0" * 64, settings=settings)
        assert server.hits["/missing.csv"] == 1


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_no_network_fails_fast_and_says_how_to_work_offline(settings: Settings) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/bank.csv"
    started = time.monotonic()
    with pytest.raises(NetworkUnavailableError) as caught:
        data.fetch(url=url, settings=settings)
    assert time.monotonic() - started < 2
    assert "--data PATH" in str(caught.value)
    assert "BANKOPS_DATA" in str(caught.value)


def test_cached_path_is_under_the_cache_dir(settings: Settings) -> None:
    assert data.cached_path(settings=settings) == settings.cache_dir / "bankmarketing_train.csv"


def test_default_url_and_checksum_are_the_published_file() -> None:
    settings = Settings()
    assert settings.data_url.endswith("/automl-sample-notebook-data/bankmarketing_train.csv")
    assert settings.data_sha256.startswith("8486deac")


def test_fetched_file_loads_like_the_original(payload: bytes, settings: Settings) -> None:
    with serve({"/bank.csv": Route(body=payload)}) as server:
        path = data.fetch(url=server.url("/bank.csv"), sha256=_sha(payload), settings=settings).path
    pd.testing.assert_frame_equal(data.load(path), data.synthetic(3_000, seed=21), check_like=False)


def test_concurrent_fetches_download_once(
    server: FileServer, payload: bytes, settings: Settings
) -> None:
    import threading

    results: list[data.FetchResult] = []
    url, sha = server.url("/bank.csv"), _sha(payload)
    threads = [
        threading.Thread(
            target=lambda: results.append(data.fetch(url=url, sha256=sha, settings=settings))
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert server.hits["/bank.csv"] == 1
    assert sorted(r.from_cache for r in results) == [False, True, True, True]
    assert Path(results[0].path).read_bytes() == payload
