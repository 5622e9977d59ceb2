"""Check a data source against the schema, reporting every problem at once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from bankmarketing_ops.data.models import ValidationIssue, ValidationReport
from bankmarketing_ops.data.reader import RawTable, read_raw, table_from_frame
from bankmarketing_ops.data.schema import SCHEMA, ColumnSpec

__all__ = ["check_table", "validate"]


def validate(source: str | Path | pd.DataFrame, *, require_target: bool = True) -> ValidationReport:
    """Validate a file (either format) or a data frame against the schema.

    Every problem is reported, each with its row, file line and column where it has one:
    missing, extra or duplicated columns, rows of the wrong width, empty cells, text in
    numeric columns, values outside the plausible range, unknown categories and bad
    target labels. Set `require_target=False` for scoring data without `y`.

    Raises:
        DataNotFoundError: `source` is a path and no file is there.
    """
    table = table_from_frame(source) if isinstance(source, pd.DataFrame) else read_raw(source)
    return check_table(table, require_target=require_target)


def check_table(table: RawTable, *, require_target: bool = True) -> ValidationReport:
    """Validate already-read raw cells (see `validate`)."""
    issues = list(table.issues)
    if table.format is not None:
        issues.extend(_check_header(table, require_target=require_target))
        if table.n_rows == 0 and not any(i.kind == "bad_separator" for i in issues):
            issues.append(
                ValidationIssue(
                    kind="no_data_rows", line=2, message="the file has a header but no data rows"
                )
            )
        cell_issues: list[ValidationIssue] = []
        for spec in SCHEMA.inputs:
            if spec.name in table.cells:
                cell_issues.extend(_check_column(table, spec))
        if SCHEMA.target.name in table.cells:
            cell_issues.extend(_check_target(table))
        order = {name: position for position, name in enumerate(SCHEMA.column_names)}
        # Rows in file order, columns in schema order: the order people fix a file in.
        issues.extend(sorted(cell_issues, key=lambda i: (i.row or 0, order[i.column or ""])))
    return ValidationReport(
        source=table.source,
        format=table.format,
        rows=table.n_rows,
        columns=list(table.header),
        issues=issues,
    )


def _check_header(table: RawTable, *, require_target: bool) -> Iterator[ValidationIssue]:
    expected = SCHEMA.input_names + ((SCHEMA.target.name,) if require_target else ())
    known = set(SCHEMA.column_names)
    present = set(table.header)
    for name, count in Counter(table.header).items():
        if count > 1:
            yield ValidationIssue(
                kind="duplicate_column",
                column=name,
                line=1,
                message=f"column {name!r} appears {count} times",
            )
    for name in expected:
        if name not in present:
            yield ValidationIssue(
                kind="missing_column",
                column=name,
                line=1,
                message=f"required column {name!r} is missing",
            )
    for name in table.header:
        if name not in known:
            yield ValidationIssue(
                kind="extra_column",
                column=name,
                line=1,
                message=f"column {name!r} is not part of the schema; "
                "remove it (expected: " + ", ".join(SCHEMA.column_names) + ")",
            )


def _check_column(table: RawTable, spec: ColumnSpec) -> Iterator[ValidationIssue]:
    values = np.asarray(table.cells[spec.name], dtype=object)
    missing = values == ""
    yield from _issues(
        table,
        spec.name,
        missing,
        values,
        "missing_value",
        "the cell is empty; every input needs a value "
        "(categorical inputs code missing as 'unknown')",
    )
    if spec.kind == "categorical":
        unknown = ~missing & ~np.isin(values, spec.categories)
        allowed = ", ".join(spec.categories)
        yield from _issues(
            table,
            spec.name,
            unknown,
            values,
            "unknown_category",
            f"unknown category; allowed: {allowed}",
            quote=True,
        )
        return
    numbers = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    not_number = ~missing & ~np.isfinite(numbers)
    wanted = "an integer" if spec.kind == "integer" else "a number"
    yield from _issues(
        table, spec.name, not_number, values, "wrong_type", f"expected {wanted}", quote=True
    )
    finite = np.isfinite(numbers)
    if spec.kind == "integer":
        fractional = finite & (np.floor(numbers) != numbers)
        yield from _issues(
            table,
            spec.name,
            fractional,
            values,
            "wrong_type",
            "expected an integer, got a fraction",
            quote=True,
        )
    low, high = spec.bounds
    with np.errstate(invalid="ignore"):
        outside = finite & ((numbers < low) | (numbers > high))
    yield from _issues(
        table,
        spec.name,
        outside,
        values,
        "out_of_range",
        spec.range_message,
        quote=True,
    )


def _check_target(table: RawTable) -> Iterator[ValidationIssue]:
    target = SCHEMA.target
    values = np.asarray(table.cells[target.name], dtype=object)
    bad = ~np.isin(values, target.labels)
    yield from _issues(
        table,
        target.name,
        bad,
        values,
        "bad_target",
        f"target must be {target.negative!r} or {target.positive!r}",
        quote=True,
    )


def _issues(
    table: RawTable,
    column: str,
    mask: npt.NDArray[np.bool_],
    values: npt.NDArray[np.object_],
    kind: str,
    message: str,
    *,
    quote: bool = False,
) -> Iterator[ValidationIssue]:
    for index in np.flatnonzero(mask):
        value = str(values[index])
        yield ValidationIssue.model_validate(
            {
                "kind": kind,
                "column": column,
                "row": table.rows[index],
                "line": table.lines[index] if table.lines is not None else None,
                "value": value,
                "message": f"{value!r}: {message}" if quote else message,
            }
        )
