"""validate(): every problem at once, each located by line, row and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bankmarketing_ops import DataNotFoundError, data
from bankmarketing_ops.data.models import ValidationReport
from tests.conftest import WriteCsv, frame_to_csv_text


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def _replace_cell(text: str, *, line: int, column: str, value: str, sep: str = ",") -> str:
    lines = text.splitlines()
    header = [h.strip('"') for h in lines[0].split(sep)]
    cells = lines[line - 1].split(sep)
    cells[header.index(column)] = value
    lines[line - 1] = sep.join(cells)
    return "\n".join(lines) + "\n"


def _kinds(report: ValidationReport) -> set[str]:
    return {issue.kind for issue in report.issues}


@pytest.mark.parametrize("fmt", ["azure", "uci"])
def test_a_clean_file_of_either_format_is_valid(write_csv: WriteCsv, fmt: str) -> None:
    report = data.validate(write_csv(fmt=fmt))
    assert report.valid, report.summary()
    assert report.format == fmt
    assert report.rows == 300
    assert report.columns == list(data.SCHEMA.column_names)


def test_several_defects_are_all_reported_with_line_row_and_column(
    write_csv: WriteCsv, small_frame: pd.DataFrame
) -> None:
    text = frame_to_csv_text(small_frame)
    text = _replace_cell(text, line=5, column="age", value="forty")
    text = _replace_cell(text, line=9, column="job", value="astronaut")
    text = _replace_cell(text, line=12, column="campaign", value="-3")
    text = _replace_cell(text, line=20, column="y", value="maybe")
    text = _replace_cell(text, line=33, column="euribor3m", value="")
    text = _replace_cell(text, line=40, column="pdays", value="2.5")
    report = data.validate(write_csv(text=text))

    found = {(i.kind, i.line, i.row, i.column) for i in report.issues}
    assert found == {
        ("wrong_type", 5, 4, "age"),
        ("unknown_category", 9, 8, "job"),
        ("out_of_range", 12, 11, "campaign"),
        ("bad_target", 20, 19, "y"),
        ("missing_value", 33, 32, "euribor3m"),
        ("wrong_type", 40, 39, "pdays"),
    }
    assert not report.valid
    by_column = {i.column: i for i in report.issues}
    assert by_column["job"].value == "astronaut"
    assert "allowed: admin." in by_column["job"].message
    assert "'forty'" in by_column["age"].message


def test_missing_and_extra_columns(write_csv: WriteCsv, small_frame: pd.DataFrame) -> None:
    frame = small_frame.drop(columns=["marital", "y"]).assign(salary=1000)
    report = data.validate(write_csv(frame))
    assert {(i.kind, i.column) for i in report.issues} == {
        ("missing_column", "marital"),
        ("missing_column", "y"),
        ("extra_column", "salary"),
    }


def test_target_is_optional_for_scoring_data(
    write_csv: WriteCsv, small_frame: pd.DataFrame
) -> None:
    path = write_csv(small_frame.drop(columns=["y"]))
    assert data.validate(path, require_target=False).valid
    assert not data.validate(path).valid


def test_duplicated_column_is_reported(write_csv: WriteCsv, small_frame: pd.DataFrame) -> None:
    text = frame_to_csv_text(small_frame)
    lines = text.splitlines()
    lines = [line + "," + line.split(",")[0] for line in lines]
    report = data.validate(write_csv(text="\n".join(lines) + "\n"))
    assert ("duplicate_column", "age") in {(i.kind, i.column) for i in report.issues}


def test_empty_file(write_csv: WriteCsv) -> None:
    report = data.validate(write_csv(text=""))
    assert _kinds(report) == {"empty_file"}
    assert report.format is None


def test_header_only_file(write_csv: WriteCsv) -> None:
    report = data.validate(write_csv(text=",".join(data.SCHEMA.column_names) + "\n"))
    assert _kinds(report) == {"no_data_rows"}


def test_wrong_separator_is_named(write_csv: WriteCsv, small_frame: pd.DataFrame) -> None:
    text = small_frame.to_csv(index=False, sep="\t")
    report = data.validate(write_csv(text=text))
    assert _kinds(report) == {"bad_separator"}
    assert "semicolon" in report.issues[0].message


def test_truncated_file_reports_the_short_last_row(
    write_csv: WriteCsv, small_frame: pd.DataFrame
) -> None:
    text = frame_to_csv_text(small_frame)
    cut = text[: len(text) - 40]  # mid-way through the last row, as a dropped download leaves it
    report = data.validate(write_csv(text=cut))
    assert [(i.kind, i.line, i.row) for i in report.issues] == [("wrong_field_count", 301, 300)]
    assert report.rows == 300


def test_uci_format_problems_are_located_too(
    write_csv: WriteCsv, small_frame: pd.DataFrame
) -> None:
    text = frame_to_csv_text(small_frame, fmt="uci")
    text = _replace_cell(text, line=3, column="month", value='"smarch"', sep=";")
    report = data.validate(write_csv(text=text))
    assert [(i.kind, i.line, i.column, i.value) for i in report.issues] == [
        ("unknown_category", 3, "month", "smarch")
    ]


def test_non_utf8_bytes_are_reported(tmp_path: Path, small_frame: pd.DataFrame) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(frame_to_csv_text(small_frame).encode() + b"\xff\xfe\n")
    report = data.validate(path)
    assert _kinds(report) == {"unreadable"}
    assert report.issues[0].line == 302


def test_every_issue_is_reported_not_only_the_first(
    write_csv: WriteCsv, small_frame: pd.DataFrame
) -> None:
    frame = small_frame.astype({"age": "object"})
    frame["age"] = "old"
    report = data.validate(write_csv(frame))
    assert report.issue_counts == {"wrong_type": 300}
    assert [i.row for i in report.issues] == list(range(1, 301))


def test_a_data_frame_is_validated_without_line_numbers(small_frame: pd.DataFrame) -> None:
    frame = small_frame.astype({"loan": "object"})
    frame.loc[frame.index[7], "loan"] = "perhaps"
    report = data.validate(frame)
    assert report.format == "dataframe"
    [issue] = report.issues
    assert (issue.kind, issue.row, issue.line, issue.column) == (
        "unknown_category",
        8,
        None,
        "loan",
    )


def test_a_missing_file_raises_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="BANKOPS_DATA"):
        data.validate(tmp_path / "nope.csv")


def test_summary_counts_kinds_and_names_the_first_problem(
    write_csv: WriteCsv, small_frame: pd.DataFrame
) -> None:
    text = _replace_cell(frame_to_csv_text(small_frame), line=2, column="age", value="x")
    summary = data.validate(write_csv(text=text)).summary()
    assert "1 problem(s) (1 wrong_type)" in summary
    assert "line 2, row 1, column 'age'" in summary
