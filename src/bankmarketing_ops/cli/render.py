"""Rich renderings of the data layer's results (presentation only)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from bankmarketing_ops._constants import CLI_MAX_LISTED_ISSUES
from bankmarketing_ops.data import DataProfile, ValidationReport


def validation_report(console: Console, report: ValidationReport) -> None:
    if report.valid:
        console.print(
            f"[green]✔ valid[/]  {report.source}  ({report.format} format, "
            f"{report.rows:,} rows, {len(report.columns)} columns)"
        )
        return
    table = Table(
        title=f"{len(report.issues):,} problem(s) in {report.source}", title_justify="left"
    )
    for header in ("line", "row", "column", "problem"):
        table.add_column(header, overflow="fold")
    for issue in report.issues[:CLI_MAX_LISTED_ISSUES]:
        table.add_row(
            "" if issue.line is None else str(issue.line),
            "" if issue.row is None else str(issue.row),
            issue.column or "",
            f"[bold]{issue.kind}[/]: {issue.message}",
        )
    console.print(table)
    hidden = len(report.issues) - CLI_MAX_LISTED_ISSUES
    if hidden > 0:
        console.print(f"… and {hidden:,} more (use --json for the full list).")
    counts = ", ".join(f"{n:,} {kind}" for kind, n in sorted(report.issue_counts.items()))
    console.print(f"[red]✘ invalid[/]: {counts}. Fix the file and run validate again.")


def data_profile(console: Console, profile: DataProfile) -> None:
    target = profile.target
    counts = ", ".join(f"{label} {n:,}" for label, n in target.counts.items())
    console.print(
        f"[bold]{profile.rows:,} rows[/] × {profile.columns} columns ({profile.format} format)  "
        f"target: {counts} — [bold]{target.positive_rate:.1%} {target.positive_label}[/]"
    )
    numeric = Table(title="numeric columns", title_justify="left")
    for header in ("column", "min", "median", "mean", "max", "std", "distinct"):
        numeric.add_column(header, justify="left" if header == "column" else "right")
    for col in profile.numeric:
        numeric.add_row(
            col.name,
            f"{col.minimum:g}",
            f"{col.median:g}",
            f"{col.mean:.3g}",
            f"{col.maximum:g}",
            f"{col.std:.3g}",
            f"{col.distinct:,}",
        )
    console.print(numeric)
    categorical = Table(title="categorical columns", title_justify="left")
    for header in ("column", "distinct", "unknown", "most frequent"):
        categorical.add_column(header)
    for cat in profile.categorical:
        share = ", ".join(f"{value} {n / profile.rows:.0%}" for value, n in cat.top.items())
        categorical.add_row(cat.name, str(cat.distinct), f"{cat.unknown_rate:.1%}", share)
    console.print(categorical)
    if profile.duplicate_rows:
        console.print(f"{profile.duplicate_rows:,} rows repeat an earlier row exactly.")
    for note in profile.leaky_columns:
        console.print(f"[yellow]⚠ leaky column {note.name!r}[/]: {note.reason}")
