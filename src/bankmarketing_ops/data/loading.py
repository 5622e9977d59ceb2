"""Load a data source into a typed frame, refusing data that breaks the schema."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bankmarketing_ops._exceptions import DataValidationError
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.data.reader import RawTable, read_raw, table_from_frame
from bankmarketing_ops.data.schema import SCHEMA
from bankmarketing_ops.data.validation import check_table

__all__ = ["is_typed", "load"]

_log = get_logger(__name__)


def load(source: str | Path | pd.DataFrame, *, require_target: bool = True) -> pd.DataFrame:
    """Read and validate a data source; return it as a typed frame.

    The format (Azure's comma-separated sample file or UCI's semicolon-separated
    `bank-additional-full.csv`) is detected from the header. Columns come back in schema
    order with `int64`, `float64` and `category` dtypes; categorical columns carry all
    allowed values of the schema as categories (so two loads always encode alike), and
    `y` is a category of `("no", "yes")`. `frame.attrs` holds `source`, `format` and the
    file's `sha256`.

    Raises:
        DataNotFoundError: no file at `source`.
        DataValidationError: the data breaks the schema; `.report` lists every problem.
    """
    table = table_from_frame(source) if isinstance(source, pd.DataFrame) else read_raw(source)
    report = check_table(table, require_target=require_target)
    if not report.valid:
        raise DataValidationError(report)
    frame = _typed_frame(table, with_target=SCHEMA.target.name in table.cells)
    if isinstance(source, pd.DataFrame) and source.attrs.get("sha256"):
        # A frame that came from a file keeps the file's identity through a re-validation.
        frame.attrs.update(
            {k: source.attrs[k] for k in ("source", "format", "sha256") if k in source.attrs}
        )
    _log.debug("loaded %s: %d rows (%s format)", table.source, len(frame), table.format)
    return frame


def is_typed(frame: pd.DataFrame) -> bool:
    """True when `frame` has exactly the columns and dtypes that `load` returns."""
    expected = _dtypes(with_target=SCHEMA.target.name in frame.columns)
    return list(frame.columns) == list(expected) and all(
        frame[name].dtype == dtype for name, dtype in expected.items()
    )


def _dtypes(*, with_target: bool) -> dict[str, object]:
    dtypes: dict[str, object] = {}
    for spec in SCHEMA.inputs:
        if spec.kind == "categorical":
            dtypes[spec.name] = pd.CategoricalDtype(list(spec.categories))
        else:
            dtypes[spec.name] = "int64" if spec.kind == "integer" else "float64"
    if with_target:
        dtypes[SCHEMA.target.name] = pd.CategoricalDtype(list(SCHEMA.target.labels))
    return dtypes


def _typed_frame(table: RawTable, *, with_target: bool) -> pd.DataFrame:
    columns: dict[str, pd.Series] = {}
    for name, dtype in _dtypes(with_target=with_target).items():
        cells = pd.Series(table.cells[name])
        if isinstance(dtype, pd.CategoricalDtype):
            columns[name] = cells.astype(dtype)
        else:
            columns[name] = pd.to_numeric(cells).astype(dtype)  # type: ignore[call-overload]
    frame = pd.DataFrame(columns)
    frame.attrs.update({"source": table.source, "format": table.format, "sha256": table.sha256})
    return frame
