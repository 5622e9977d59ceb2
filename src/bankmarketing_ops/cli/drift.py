"""`bankops drift …`: capture served inputs, compare them with the training data, log
labels. `--fail-on-drift` exits with code 3 when the data set drifts (for schedules and CI)."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bankmarketing_ops import _constants as C
from bankmarketing_ops._exceptions import ConfigurationError, DataNotFoundError, DriftError
from bankmarketing_ops.cli._output import JsonOption, emit_json, handle_errors, stdout
from bankmarketing_ops.cli._workspace import open_workspace
from bankmarketing_ops.drift import DriftMonitor
from bankmarketing_ops.types.drift import DriftReport

app = typer.Typer(
    help="Data drift, prediction drift and model performance of services.",
    no_args_is_help=True,
)
capture_app = typer.Typer(
    help="Store the inputs and outputs a service scores (personal data: retention and "
    "purge apply).",
    no_args_is_help=True,
)
app.add_typer(capture_app, name="capture")

ServiceArgument = Annotated[str, typer.Argument(help="The service name.")]
HtmlOption = Annotated[
    Path | None, typer.Option("--html", help="Also write the report as one offline HTML page.")
]
FailOption = Annotated[
    bool,
    typer.Option(
        "--fail-on-drift",
        help=f"Exit with code {C.EXIT_DRIFT} when the data set drifts (0: no drift, 1: error).",
    ),
]
ThresholdOption = Annotated[
    float,
    typer.Option(help="A feature drifts above this (normalized Wasserstein / Jensen–Shannon)."),
]
ShareOption = Annotated[
    float, typer.Option(help="The data set drifts when at least this share of features drift.")
]
MinRowsOption = Annotated[
    int, typer.Option(help="Fewer rows than this are 'insufficient_data' and never alarm.")
]
FeatureOption = Annotated[
    list[str] | None,
    typer.Option("--feature", help="Only this input (repeat for more; default: every input)."),
]


@capture_app.command("enable")
@handle_errors
def capture_enable_command(
    service: ServiceArgument,
    sample_rate: Annotated[
        float, typer.Option(help="Share of scored records to store, in (0, 1].")
    ] = C.DEFAULT_CAPTURE_SAMPLE_RATE,
) -> None:
    """Store SERVICE's scored inputs and outputs from now on (no restart)."""
    DriftMonitor(open_workspace()).enable_capture(service, sample_rate=sample_rate)
    stdout().print(
        f"capture on for {service} (sample rate {sample_rate:g}); "
        f"read drift with bankops drift report --service {service}"
    )


@capture_app.command("disable")
@handle_errors
def capture_disable_command(service: ServiceArgument) -> None:
    """Stop storing SERVICE's inputs (what was stored stays: bankops insights purge)."""
    DriftMonitor(open_workspace()).disable_capture(service)
    stdout().print(f"capture off for {service}")


_SHORT = {"wasserstein_normalized": "W / std", "jensen_shannon": "JS"}


def render_report(report: DriftReport) -> None:
    console = stdout()
    console.print(f"reference: {report.reference}\ncurrent:   {report.current}")
    if report.status == "no_data":
        console.print("[yellow]no data[/]: nothing to compare in this period")
        return
    table = Table(title=f"{report.current_rows:,} rows compared", title_justify="left")
    for header in ("feature", "statistic", "value", "threshold", "PSI", "drift"):
        table.add_column(header, justify="left" if header == "feature" else "right", no_wrap=True)
    for f in [*report.features, *([report.prediction] if report.prediction else [])]:
        table.add_row(
            f.name,
            _SHORT[f.statistic],
            f"{f.value:.3f}",
            f"{f.threshold:g}",
            f"{f.psi:.3f}",
            "[bold red]yes[/]" if f.drifted else "no",
        )
    console.print(table)
    for window in report.windows:
        console.print(
            f"window {time.strftime('%Y-%m-%d %H:%M', time.gmtime(window.start))} UTC: "
            f"{window.rows:,} rows, {window.status}, {window.drift_share:.0%} drifted"
        )
    for p in report.performance:
        if p.labelled_rows:
            where = (
                "whole period"
                if p.start is None
                else time.strftime("%Y-%m-%d %H:%M", time.gmtime(p.start))
            )
            auc = "—" if p.auc is None else f"{p.auc:.3f}"
            training = "—" if p.training_auc is None else f"{p.training_auc:.3f}"
            console.print(
                f"performance ({where}): {p.labelled_rows:,} labelled, AUC {auc} "
                f"(training {training}), accuracy {p.accuracy:.3f}"
            )
    for alert in report.alerts:
        console.print(f"[bold]{alert.severity}[/]: {alert.message}")
    if report.status == "insufficient_data":
        console.print(
            f"[yellow]insufficient data[/]: {report.current_rows} rows, fewer than "
            f"{report.options.min_rows}; measured but not judged"
        )
    elif report.dataset_drift:
        console.print(
            f"[bold red]DATA-SET DRIFT[/]: {len(report.drifted_features)} of "
            f"{len(report.features)} features drifted ({report.drift_share:.0%})"
        )
    else:
        console.print(
            f"[green]no data-set drift[/]: {len(report.drifted_features)} of "
            f"{len(report.features)} features drifted ({report.drift_share:.0%})"
        )


def _finish(
    report: DriftReport, *, html: Path | None, json_output: bool, fail_on_drift: bool
) -> None:
    if html is not None:
        try:
            html.write_text(DriftMonitor.render_html(report), encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(
                f"cannot write the HTML report to {html}: {exc.strerror or exc}"
            ) from None
    if json_output:
        emit_json(report)
    else:
        render_report(report)
        if html is not None:
            stdout().print(f"wrote {html}")
    if fail_on_drift and report.dataset_drift:
        raise typer.Exit(C.EXIT_DRIFT)


def _minutes_ago(minutes: float | None) -> float | None:
    return None if minutes is None else time.time() - minutes * 60


@app.command("report")
@handle_errors
def report_command(
    service: Annotated[str, typer.Option("--service", help="The service name.")],
    since: Annotated[
        float | None, typer.Option(help="Only the last N minutes (default: everything kept).")
    ] = None,
    until: Annotated[
        float | None, typer.Option(help="Only up to N minutes ago (default: now).")
    ] = None,
    window: Annotated[
        str | None, typer.Option(help="Also judge each time window: 30m, 1h, 1d …")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(help="Compare with this model's training data (default: the served one)."),
    ] = None,
    threshold: ThresholdOption = C.DRIFT_THRESHOLD,
    drift_share: ShareOption = C.DRIFT_SHARE,
    min_rows: MinRowsOption = C.DRIFT_MIN_ROWS,
    feature: FeatureOption = None,
    html: HtmlOption = None,
    json_output: JsonOption = False,
    fail_on_drift: FailOption = False,
) -> None:
    """Drift of SERVICE's captured inputs against its model's training data, prediction
    drift, and AUC/accuracy where labels arrived."""
    monitor = DriftMonitor(
        open_workspace(),
        threshold=threshold,
        drift_share=drift_share,
        min_rows=min_rows,
        features=feature or None,
    )
    report = monitor.report(
        service, since=_minutes_ago(since), until=_minutes_ago(until), window=window, model=model
    )
    _finish(report, html=html, json_output=json_output, fail_on_drift=fail_on_drift)


@app.command("compare")
@handle_errors
def compare_command(
    reference: Annotated[Path, typer.Argument(help="The reference data (e.g. training) file.")],
    current: Annotated[Path, typer.Argument(help="The data to compare with it.")],
    threshold: ThresholdOption = C.DRIFT_THRESHOLD,
    drift_share: ShareOption = C.DRIFT_SHARE,
    min_rows: MinRowsOption = C.DRIFT_MIN_ROWS,
    feature: FeatureOption = None,
    html: HtmlOption = None,
    json_output: JsonOption = False,
    fail_on_drift: FailOption = False,
) -> None:
    """Drift of CURRENT against REFERENCE: two files of the Bank Marketing schema (the
    target column is optional)."""
    monitor = DriftMonitor(
        open_workspace(),
        threshold=threshold,
        drift_share=drift_share,
        min_rows=min_rows,
        features=feature or None,
    )
    report = monitor.compare(reference, current)
    _finish(report, html=html, json_output=json_output, fail_on_drift=fail_on_drift)


def read_labels(path: Path) -> dict[str, str]:
    """`request_id,label` rows of a CSV file, or a DriftError naming the file and line."""
    if not path.is_file():
        raise DataNotFoundError(f"no labels file at {path}")
    labels: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:  # spreadsheets add a BOM
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"request_id", "label"} <= set(reader.fieldnames):
            raise DriftError(
                f"{path}: the header must name the columns request_id and label "
                f"(found: {', '.join(reader.fieldnames or []) or 'nothing'})"
            )
        for row in reader:
            request_id, label = (row.get("request_id") or "").strip(), (row.get("label") or "")
            if not request_id:
                raise DriftError(f"{path} line {reader.line_num}: request_id is empty")
            if label.strip() not in ("yes", "no"):
                raise DriftError(
                    f"{path} line {reader.line_num}, field 'label': must be yes or no, "
                    f"not {label!r}"
                )
            labels[request_id] = label.strip()
    return labels


@app.command("labels")
@handle_errors
def labels_command(
    service: ServiceArgument,
    file: Annotated[Path, typer.Argument(help="CSV with columns request_id,label (yes/no).")],
    json_output: JsonOption = False,
) -> None:
    """Log the true outcomes of scored records (request_id: the x-ms-request-id of the
    answer; request-id#row for a record of a batch)."""
    logged = DriftMonitor(open_workspace()).log_labels(service, read_labels(file))
    if json_output:
        emit_json(logged)
    else:
        stdout().print(
            f"stored {logged.stored:,} label(s) for {service}; "
            f"{logged.matched:,} match a captured record"
        )


@app.command("set-reference")
@handle_errors
def set_reference_command(
    model: Annotated[str, typer.Argument(help="NAME[:VERSION] of a registered model.")],
    training_data: Annotated[Path, typer.Argument(help="The data the model was trained on.")],
) -> None:
    """Store a reference profile for a model registered before drift monitoring existed."""
    profile = DriftMonitor(open_workspace()).set_reference(model, training_data)
    stdout().print(f"stored the reference profile of {model} ({profile.rows:,} rows)")
