from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bankmarketing_ops import data
from bankmarketing_ops.cli import app

runner = CliRunner()


def _csv(tmp_path: Path) -> str:
    path = tmp_path / "bank.csv"
    data.synthetic(1_200, seed=4).to_csv(path, index=False)
    return str(path)


def test_train_shows_leaderboard_metrics_and_registers(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "train",
            "--data",
            _csv(tmp_path),
            "--timeout-minutes",
            "0.1",
            "--allowed-model",
            "LightGBM",
            "--model-name",
            "cli-model",
        ],
    )
    assert result.exit_code == 0, result.output
    for text in (
        "Leaderboard",
        " ± ",  # each candidate's CV mean ± std
        "10-fold out-of-fold",  # 960 training rows: under 1,000, Azure's rule says 10
        "default LightGBM",
        "AUC_weighted",
        "plots:",
        "registered cli-model:1",
    ):
        assert text in result.stdout, text


def test_train_json_then_models_commands(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "train",
            "--data",
            _csv(tmp_path),
            "--timeout-minutes",
            "0.1",
            "--drop-leaky",
            "--allowed-model",
            "LightGBM",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["registered"]["name"] == "bankmarketing"
    assert report["run"]["leak_cost"]["dropped"] == ["duration"]

    listed = json.loads(runner.invoke(app, ["models", "list", "--json"]).stdout)
    assert [v["version"] for v in listed] == [1]
    shown = runner.invoke(app, ["models", "show", "bankmarketing:1"])
    assert "Model card: bankmarketing:1" in shown.stdout
    assert "Trained without the leaky" in shown.stdout
    assert (
        json.loads(runner.invoke(app, ["models", "show", "bankmarketing", "--json"]).stdout)[
            "version"
        ]
        == 1
    )

    refused = runner.invoke(app, ["models", "delete", "bankmarketing"])
    assert refused.exit_code == 1
    assert "--all" in refused.stderr
    assert runner.invoke(app, ["models", "delete", "bankmarketing:1"]).exit_code == 0
    assert runner.invoke(app, ["models", "delete", "bankmarketing:1"]).exit_code == 0
    assert json.loads(runner.invoke(app, ["models", "list", "--json"]).stdout) == []


def test_train_refuses_invalid_data_and_bad_options(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    frame = data.synthetic(200, seed=1).astype({"age": "object"})
    frame.loc[frame.index[0], "age"] = "old"
    frame.to_csv(bad, index=False)
    result = runner.invoke(app, ["train", "--data", str(bad)])
    assert result.exit_code == 1
    assert "row 1, column 'age'" in result.stderr
    assert "Traceback" not in result.output
    tiny = runner.invoke(app, ["train", "--data", str(bad), "--timeout-minutes", "0.001"])
    assert tiny.exit_code == 1
    assert "too small for one iteration" in tiny.stderr
    family = runner.invoke(app, ["train", "--data", str(bad), "--allowed-model", "SVM"])
    assert family.exit_code == 1
    assert "allowed_models" in family.stderr


def test_models_show_of_a_missing_model(tmp_path: Path) -> None:
    result = runner.invoke(app, ["models", "show", "nothing:3"])
    assert result.exit_code == 1
    assert "no model named 'nothing'" in result.stderr
    bad_ref = runner.invoke(app, ["models", "show", "x:abc"])
    assert bad_ref.exit_code == 1
    assert "NAME:VERSION" in bad_ref.stderr


def test_ctrl_c_cancels_shows_the_partial_leaderboard_and_registers_nothing(
    tmp_path: Path,
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    # faulthandler: if it hangs, SIGABRT makes it print every thread's stack
    env = {
        **os.environ,
        "BANKOPS_WORKSPACE": str(tmp_path / "ws"),
        "COLUMNS": "120",
        "PYTHONFAULTHANDLER": "1",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bankmarketing_ops",
            "train",
            "--data",
            _csv(tmp_path),
            "--timeout-minutes",
            "5",
            "--allowed-model",
            "LightGBM",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # Ctrl-C as a terminal delivers it: a test run started in the background (`cmd &`)
        # ignores SIGINT, its children inherit that, and Python then keeps it ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    runs = tmp_path / "ws" / "runs"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until a few iterations are logged
        logs = list(runs.glob("*/flaml.log")) if runs.exists() else []
        if logs and len(logs[0].read_text().splitlines()) >= 3:
            break
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    try:
        stdout, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)
        _, stderr = process.communicate(timeout=30)
        pytest.fail(f"train went on for 60 s after Ctrl-C; its threads then:\n{stderr}")
    finally:
        if process.poll() is None:  # never leave it running, nor its pipes open
            process.kill()
            process.communicate()
    assert process.returncode == 130, stderr
    assert "Leaderboard" in stdout
    assert "canceled" in stderr
    assert "registry is unchanged" in stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "ws" / "models").exists()
