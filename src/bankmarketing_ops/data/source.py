"""Decide which data file to use: an explicit path, BANKOPS_DATA, the cache, or a download."""

from __future__ import annotations

from pathlib import Path

from bankmarketing_ops import _constants as C
from bankmarketing_ops._exceptions import DataNotFoundError
from bankmarketing_ops.config import Settings, get_settings
from bankmarketing_ops.data.fetch import ProgressCallback, fetch
from bankmarketing_ops.data.models import DataSource

__all__ = ["locate"]


def locate(
    path: str | Path | None = None,
    *,
    download: bool = True,
    on_progress: ProgressCallback | None = None,
    settings: Settings | None = None,
) -> DataSource:
    """Find the data file: `path`, else `BANKOPS_DATA`, else `fetch()` (cache or download).

    Raises:
        DataNotFoundError: a named file does not exist, or `download=False` and
            there is nothing else.
        DownloadError: downloading was needed and failed.
    """
    settings = settings or get_settings()
    if path is not None:
        return DataSource(path=str(_existing(Path(path), "--data")), origin="argument")
    if settings.data is not None:
        return DataSource(path=str(_existing(settings.data, C.ENV_DATA)), origin="environment")
    if not download:
        raise DataNotFoundError(f"no data file given: pass --data PATH or set {C.ENV_DATA}")
    result = fetch(on_progress=on_progress, settings=settings)
    return DataSource(path=result.path, origin="cache" if result.from_cache else "download")


def _existing(path: Path, named_by: str) -> Path:
    if not path.is_file():
        raise DataNotFoundError(f"{named_by} names {path}, but no file is there")
    return path.resolve()
