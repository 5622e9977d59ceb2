"""`bankops drift …`: exit codes for schedules and CI, JSON, HTML, labels, capture."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from bankmarketing_ops import (
    DriftMonitor,
    EndpointClient,
    ModelDeployer,
    ModelVersion,
    Workspace,
    data,
)
from bankmarketing_ops.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A reference file, a file from the same source, and one whose economy moved."""
    folder = tmp_path_factory.mktemp("drift-files")
    reference = data.synthetic(3_000, seed=1)
    same = data.synthetic(3_000, seed=2).drop(columns="y")
    moved = same.copy()
    for column in data.ECONOMIC_COLUMNS:
        moved[column] = moved[column] + 2 * reference[column].std()
    moved["month"] = "oct"
    moved["contact"] = "telephone"
    moved["poutcome"] = "success"
    moved["pdays"] = 3
    moved["previous"] = 2
    paths = {
        "reference": folder / "ref.csv",
        "same": folder / "same.csv",
        "moved": folder / "moved.csv",
    }
    for name, frame in (("reference", reference), ("same", same), ("moved", moved)):
        frame.to_csv(paths[name], index=False)
    return paths


def test_compare_without_drift_exits_0_and_says_so(files: dict[str, Path]) -> None:
    result = runner.invoke(
        app, ["drift", "compare", str(files["reference"]), str(files["same"]), "--fail-on-drift"]
    )
    assert result.exit_code == 0, result.output
    assert "no data-set drift" in result.stdout


def test_compare_with_drift_exits_3_only_when_asked(files: dict[str, Path], tmp_path: Path) -> None:
    arguments = ["drift", "compare", str(files["reference"]), str(files["moved"]), "--json"]
    plain = runner.invoke(app, arguments)
    assert plain.exit_code == 0
    document = json.loads(plain.stdout)
    assert document["dataset_drift"] is True
    assert {"euribor3m", "nr.employed", "emp.var.rate", "month"} <= set(
        document["drifted_features"]
    )
    html = tmp_path / "drift.html"
    failing = runner.invoke(app, [*arguments, "--fail-on-drift", "--html", str(html)])
    assert failing.exit_code == 3
    assert json.loads(failing.stdout)["dataset_drift"] is True
    assert html.read_text().count("<figure") == 20


def test_compare_options_change_the_verdict(files: dict[str, Path]) -> None:
    arguments = ["drift", "compare", str(files["reference"]), str(files["moved"]), "--json"]
    lenient = runner.invoke(app, [*arguments, "--drift-share", "0.9"])
    assert json.loads(lenient.stdout)["dataset_drift"] is False
    only_age = runner.invoke(app, [*arguments, "--feature", "age", "--feature", "job"])
    assert json.loads(only_age.stdout)["drifted_features"] == []
    tiny = runner.invoke(app, [*arguments, "--min-rows", "10000"])
    assert json.loads(tiny.stdout)["status"] == "insufficient_data"


def test_user_mistakes_are_one_line_errors(files: dict[str, Path], tmp_path: Path) -> None:
    missing = runner.invoke(app, ["drift", "compare", str(tmp_path / "no.csv"), str(files["same"])])
    assert missing.exit_code == 1
    assert "no.csv" in missing.stderr.replace("\n", "")
    assert "Traceback" not in missing.output
    broken = tmp_path / "broken.csv"
    broken.write_text(files["same"].read_text().replace(",cellular,", ",carrier-pigeon,", 1))
    invalid = runner.invoke(app, ["drift", "compare", str(files["reference"]), str(broken)])
    assert invalid.exit_code == 1
    assert "contact" in " ".join(invalid.stderr.split())
    assert "carrier-pigeon" in invalid.stderr.replace("\n", "")
    unknown = runner.invoke(
        app, ["drift", "compare", str(files["reference"]), str(files["same"]), "--feature", "agee"]
    )
    assert unknown.exit_code == 1
    assert "agee" in " ".join(unknown.stderr.split())


def test_labels_file_errors_name_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "labels.csv"
    bad.write_text("request_id,label\nabc,yes\ndef,maybe\n")
    result = runner.invoke(app, ["drift", "labels", "svc", str(bad)])
    assert result.exit_code == 1
    # Rich wraps long temporary paths: compare words, and the file name without breaks.
    assert "line 3, field 'label': must be yes or no" in " ".join(result.stderr.split())
    assert "labels.csv" in result.stderr.replace("\n", "")
    bad.write_text("id,outcome\nabc,yes\n")
    header = runner.invoke(app, ["drift", "labels", "svc", str(bad)])
    assert header.exit_code == 1
    assert "request_id and label" in " ".join(header.stderr.split())


def test_capture_report_and_labels_through_the_cli(
    workspace: Workspace, model: ModelVersion, tmp_path: Path
) -> None:
    deployer = ModelDeployer(workspace)
    service = deployer.deploy(model, "svc")
    enabled = runner.invoke(app, ["drift", "capture", "enable", "svc", "--sample-rate", "1"])
    assert enabled.exit_code == 0, enabled.output
    key = deployer.get_keys("svc").primary_key.get_secret_value()
    rows = data.synthetic(40, seed=9)
    records = rows[list(data.SCHEMA.input_names)].astype(object).to_dict(orient="records")
    with EndpointClient.from_service(service, key=key) as client:
        answers = [client.score([record]) for record in records]
    monitor = DriftMonitor(workspace)
    deadline = time.monotonic() + 20
    while len(monitor.captured("svc")) < 40 and time.monotonic() < deadline:
        time.sleep(0.2)
    report = runner.invoke(
        app, ["drift", "report", "--service", "svc", "--json", "--fail-on-drift"]
    )
    assert report.exit_code == 0  # 40 rows: insufficient, never an alarm
    document = json.loads(report.stdout)
    assert (document["status"], document["dataset_drift"], document["current_rows"]) == (
        "insufficient_data",
        False,
        40,
    )
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "request_id,label\n"
        + "".join(
            f"{a.request_id},{y}\n" for a, y in zip(answers, rows["y"].astype(str), strict=True)
        )
    )
    logged = runner.invoke(app, ["drift", "labels", "svc", str(labels), "--json"])
    assert json.loads(logged.stdout) == {"stored": 40, "matched": 40}
    text = runner.invoke(app, ["drift", "report", "--service", "svc", "--min-rows", "10"])
    assert text.exit_code == 0
    assert "40 labelled" in text.stdout
    assert runner.invoke(app, ["drift", "capture", "disable", "svc"]).exit_code == 0
    assert deployer.get("svc").capture_sample_rate == 0.0


def test_report_of_a_model_without_a_profile_is_a_clear_error(
    workspace: Workspace, model: ModelVersion, small_frame: pd.DataFrame, tmp_path: Path
) -> None:
    ModelDeployer(workspace).deploy(model, "svc")
    (Path(model.path) / "reference.json").unlink()
    result = runner.invoke(app, ["drift", "report", "--service", "svc"])
    assert result.exit_code == 1
    assert "bankops drift set-reference bank:1" in " ".join(result.stderr.split())
    training = tmp_path / "training.csv"
    small_frame.to_csv(training, index=False)
    fixed = runner.invoke(app, ["drift", "set-reference", "bank:1", str(training)])
    assert fixed.exit_code == 0, fixed.output
    assert runner.invoke(app, ["drift", "report", "--service", "svc", "--json"]).exit_code == 0
