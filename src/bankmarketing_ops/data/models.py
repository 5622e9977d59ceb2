"""Typed results of the data layer."""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

__all__ = [
    "CategoricalProfile",
    "DataProfile",
    "DataSource",
    "FetchResult",
    "FileFormat",
    "IssueKind",
    "LeakyColumnNote",
    "NumericProfile",
    "TargetBalance",
    "ValidationIssue",
    "ValidationReport",
]

FileFormat = Literal["azure", "uci", "dataframe"]
"""`azure`: the comma-separated sample file; `uci`: `bank-additional-full.csv`
(`;`-separated, quoted); `dataframe`: validated from memory."""

IssueKind = Literal[
    "empty_file",
    "no_data_rows",
    "unreadable",
    "bad_separator",
    "missing_column",
    "extra_column",
    "duplicate_column",
    "wrong_field_count",
    "missing_value",
    "wrong_type",
    "unknown_category",
    "out_of_range",
    "bad_target",
]


class _Result(BaseModel):
    # Results allow extra fields so a newer producer never breaks an older reader.
    model_config = ConfigDict(extra="allow", frozen=True)


class ValidationIssue(_Result):
    """One problem in the data, located as precisely as it can be."""

    kind: IssueKind
    """What is wrong."""
    message: str
    """A sentence for people: what is wrong and what is expected."""
    column: str | None = None
    """The column concerned, if any."""
    row: int | None = None
    """1-based data row (the first row after the header is 1), if any."""
    line: int | None = None
    """1-based line in the file (the header is line 1), when read from a file."""
    value: str | None = None
    """The offending cell as it was written, if any."""

    def location(self) -> str:
        """`line 7, row 6, column 'age'` — the parts that are known."""
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts) or "file"


class ValidationReport(_Result):
    """Every problem found in one data source, all at once."""

    source: str
    """The file path, or `<dataframe>`."""
    format: FileFormat | None
    """The detected format, or None when the file could not be read that far."""
    rows: int
    """Data rows read (header excluded)."""
    columns: list[str]
    """Column names in the order found."""
    issues: list[ValidationIssue] = Field(default_factory=list)
    """Every problem: reading, then header, then cell problems by row and column."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def valid(self) -> bool:
        """True when there is no issue at all."""
        return not self.issues

    @computed_field  # type: ignore[prop-decorator]
    @property
    def issue_counts(self) -> dict[str, int]:
        """How many issues of each kind."""
        return dict(Counter(issue.kind for issue in self.issues))

    def summary(self) -> str:
        """One line: valid, or how many problems of which kinds, and the first one."""
        if self.valid:
            return f"{self.source}: valid ({self.rows} rows)"
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.issue_counts.items()))
        first = self.issues[0]
        return (
            f"{self.source}: {len(self.issues)} problem(s) ({kinds}); first at "
            f"{first.location()}: {first.message}"
        )


class FetchResult(_Result):
    """Where the downloaded data file is, and how it got there."""

    path: str
    """Absolute path of the verified file."""
    url: str
    """Where it came from."""
    sha256: str
    """Its verified checksum."""
    size_bytes: int
    from_cache: bool
    """True when a verified cached copy was used and nothing was downloaded."""


class TargetBalance(_Result):
    """Counts of each target label."""

    counts: dict[str, int]
    positive_label: str
    positive_rate: float
    """Share of rows with the positive label, 0..1."""


class NumericProfile(_Result):
    """Summary of an integer or float column."""

    name: str
    kind: Literal["integer", "float"]
    minimum: float
    maximum: float
    mean: float
    std: float
    p25: float
    median: float
    p75: float
    distinct: int


class CategoricalProfile(_Result):
    """Summary of a categorical column."""

    name: str
    distinct: int
    top: dict[str, int]
    """Up to five most frequent values with their counts."""
    unknown_rate: float
    """Share of rows coded `unknown` (UCI's missing value)."""


class LeakyColumnNote(_Result):
    """An input that leaks the target, and why."""

    name: str
    reason: str


class DataProfile(_Result):
    """What a valid data set looks like: size, balance, and each column."""

    source: str
    format: FileFormat
    rows: int
    columns: int
    target: TargetBalance
    numeric: list[NumericProfile]
    categorical: list[CategoricalProfile]
    duplicate_rows: int
    """Rows that repeat an earlier row exactly."""
    leaky_columns: list[LeakyColumnNote]


class DataSource(_Result):
    """Which data file a command uses, and why that one."""

    path: str
    origin: Literal["argument", "environment", "cache", "download"]
    """`argument` (--data / path=), `environment` (BANKOPS_DATA), `cache`, `download`."""
