"""Read a data file (either published format, detected) into raw string columns.

Nothing is converted here: the validator needs the cells exactly as written to say what
is wrong with them. Problems that stop a file from being read as a table (empty file,
undecodable bytes, an unknown separator, rows of the wrong width) become issues too.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from bankmarketing_ops._exceptions import DataNotFoundError
from bankmarketing_ops.data.models import FileFormat, ValidationIssue

__all__ = ["RawTable", "read_raw", "table_from_frame"]

_SEPARATORS: dict[FileFormat, str] = {"azure": ",", "uci": ";"}


@dataclass(frozen=True)
class RawTable:
    """A data source as columns of strings, with where each row came from."""

    source: str
    format: FileFormat | None
    header: tuple[str, ...] = ()
    #: First column of each name -> its cells, for the well-formed rows only.
    cells: dict[str, list[str]] = field(default_factory=dict)
    #: 1-based data row number of each well-formed row.
    rows: list[int] = field(default_factory=list)
    #: 1-based file line of each well-formed row (None for data frames).
    lines: list[int] | None = None
    #: Data rows read, well-formed or not.
    n_rows: int = 0
    issues: tuple[ValidationIssue, ...] = ()
    sha256: str | None = None


def read_raw(path: str | Path) -> RawTable:
    """Read `path` as the Azure (`,`) or UCI (`;`, quoted) format, whichever it is."""
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise DataNotFoundError(
            f"no data file at {source}; pass --data PATH or set BANKOPS_DATA to an existing file"
        )
    payload = path.read_bytes()
    digest = hashlib.sha256(payload).hexdigest()
    if not payload.strip():
        return RawTable(
            source=source,
            format=None,
            sha256=digest,
            issues=(
                ValidationIssue(
                    kind="empty_file",
                    message="the file is empty; expected a header row and data rows",
                ),
            ),
        )
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = payload[: exc.start].count(b"\n") + 1
        return RawTable(
            source=source,
            format=None,
            sha256=digest,
            issues=(
                ValidationIssue(
                    kind="unreadable",
                    line=line,
                    message=f"the file is not UTF-8 text (byte {exc.start}); is it a CSV export?",
                ),
            ),
        )
    header_line = text.split("\n", 1)[0]
    fmt = _detect_format(header_line)
    if fmt is None:
        return RawTable(
            source=source,
            format=None,
            sha256=digest,
            issues=(
                ValidationIssue(
                    kind="bad_separator",
                    line=1,
                    message=(
                        "the header has a single column; expected comma-separated values (the "
                        "Azure sample file) or semicolon-separated, quoted values (UCI's "
                        "bank-additional-full.csv)"
                    ),
                    value=header_line[:80],
                ),
            ),
        )
    return _read_delimited(text, source=source, fmt=fmt, digest=digest)


def _detect_format(header_line: str) -> FileFormat | None:
    semicolons, commas = header_line.count(";"), header_line.count(",")
    if semicolons == 0 and commas == 0:
        return None
    return "uci" if semicolons > commas else "azure"


def _read_delimited(text: str, *, source: str, fmt: FileFormat, digest: str) -> RawTable:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_SEPARATORS[fmt], quotechar='"')
    header = tuple(name.strip() for name in next(reader))
    width = len(header)
    issues: list[ValidationIssue] = []
    good_rows: list[list[str]] = []
    rows: list[int] = []
    lines: list[int] = []
    row_number = 0
    try:
        for record in reader:
            if not record:  # a blank line, e.g. a doubled trailing newline
                continue
            row_number += 1
            if len(record) != width:
                issues.append(
                    ValidationIssue(
                        kind="wrong_field_count",
                        row=row_number,
                        line=reader.line_num,
                        message=f"row has {len(record)} fields, the header has {width} "
                        "(a truncated file, or a stray separator or quote)",
                    )
                )
                continue
            good_rows.append(record)
            rows.append(row_number)
            lines.append(reader.line_num)
    except csv.Error as exc:
        issues.append(
            ValidationIssue(
                kind="unreadable", line=reader.line_num, message=f"cannot parse CSV: {exc}"
            )
        )
    columns = list(zip(*good_rows, strict=True)) if good_rows else [() for _ in header]
    cells: dict[str, list[str]] = {}
    for name, values in zip(header, columns, strict=True):
        cells.setdefault(name, list(values))
    return RawTable(
        source=source,
        format=fmt,
        header=header,
        cells=cells,
        rows=rows,
        lines=lines,
        n_rows=row_number,
        issues=tuple(issues),
        sha256=digest,
    )


def table_from_frame(frame: pd.DataFrame) -> RawTable:
    """View an in-memory frame as raw cells (missing values become empty strings)."""
    header = tuple(str(name) for name in frame.columns)
    cells: dict[str, list[str]] = {}
    for position, name in enumerate(header):
        if name in cells:
            continue
        series = frame.iloc[:, position]
        cells[name] = ["" if pd.isna(v) else str(v) for v in series.tolist()]
    n_rows = len(frame)
    return RawTable(
        source="<dataframe>",
        format="dataframe",
        header=header,
        cells=cells,
        rows=list(range(1, n_rows + 1)),
        lines=None,
        n_rows=n_rows,
    )
