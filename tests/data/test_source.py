from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bankmarketing_ops import DataNotFoundError, Settings, data
from tests.conftest import WriteCsv
from tests.http_server import Route, serve


def test_an_explicit_path_wins(write_csv: WriteCsv, tmp_path: Path) -> None:
    path = write_csv()
    settings = Settings(data=tmp_path / "elsewhere.csv")
    source = data.locate(path, settings=settings)
    assert source.origin == "argument"
    assert source.path == str(path.resolve())


def test_the_environment_comes_next(write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_csv()
    monkeypatch.setenv("BANKOPS_DATA", str(path))
    source = data.locate()
    assert (source.origin, source.path) == ("environment", str(path.resolve()))


def test_a_named_file_that_is_missing_says_who_named_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(DataNotFoundError, match="--data"):
        data.locate(tmp_path / "gone.csv")
    monkeypatch.setenv("BANKOPS_DATA", str(tmp_path / "gone.csv"))
    with pytest.raises(DataNotFoundError, match="BANKOPS_DATA"):
        data.locate()


def test_without_a_path_it_downloads_then_uses_the_cache(tmp_path: Path) -> None:
    body = b"not checked here\n"
    with serve({"/f.csv": Route(body=body)}) as server:
        settings = Settings(
            cache_dir=tmp_path / "c",
            data_url=server.url("/f.csv"),
            data_sha256=hashlib.sha256(body).hexdigest(),
        )
        assert data.locate(settings=settings).origin == "download"
        assert data.locate(settings=settings).origin == "cache"


def test_download_can_be_refused() -> None:
    with pytest.raises(DataNotFoundError, match="BANKOPS_DATA"):
        data.locate(download=False)
