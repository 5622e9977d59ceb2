"""Shared fixtures. Every test runs with its own cache and workspace directories."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from bankmarketing_ops import (
    AutoMLTrainer,
    BankOpsError,
    ModelDeployer,
    ModelRegistry,
    ModelVersion,
    PipelinePublisher,
    TrainingRun,
    WebService,
    Workspace,
    data,
)

_NO_DATA = "no real data file"

# Captured before any test clears the environment: where the real data file may be.
_STARTING_ENVIRONMENT = {
    name: value for name, value in os.environ.items() if name.startswith("BANKOPS_")
}

# Services would compile their models with gcc in the background: CPU the other tests need,
# and scores that change in the last float32 digit when the compiled code takes over. Set
# here as well as per test, so the session's shared service runs without it too; native
# scoring's own tests turn it on.
os.environ["BANKOPS_NATIVE_SCORING"] = "0"

WriteCsv = Callable[..., Path]


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("BANKOPS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("BANKOPS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("BANKOPS_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.setenv("BANKOPS_NATIVE_SCORING", "0")
    yield
    stop_pipelines(tmp_path / "workspace")
    stop_services(tmp_path / "workspace")


@pytest.fixture(autouse=True)
def _isolated_logging() -> Iterator[None]:
    """Logging as it was before the test: in-process commands (`bankops serve`, the CLI's
    -v, a server's dictConfig) reconfigure the package's loggers, and a later test that
    reads its log records (caplog) must not see their handlers, levels or switches."""
    root = logging.getLogger()
    saved_root = (list(root.handlers), root.level)
    package = {
        name: (list(logger.handlers), logger.level, logger.propagate, logger.disabled)
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger) and name.split(".")[0] == "bankmarketing_ops"
    }
    yield
    root.handlers[:], root.level = saved_root
    for name, (handlers, level, propagate, disabled) in package.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate, logger.disabled = propagate, disabled
    for name, logger in logging.root.manager.loggerDict.items():  # made during the test
        if isinstance(logger, logging.Logger) and name not in package:
            logger.disabled = False
            if name.split(".")[0] == "bankmarketing_ops":  # as a fresh import leaves it
                logger.handlers.clear()
                logger.setLevel(logging.NOTSET)
                logger.propagate = True


def stop_pipelines(root: Path) -> None:
    """Stop the pipeline server and the runs a test left going (detached processes)."""
    if not (root / "pipelines").is_dir():
        return
    publisher = PipelinePublisher(Workspace.local(root))
    publisher.stop_server()
    for run in publisher.list_runs(status="Running") + publisher.list_runs(status="Queued"):
        publisher.cancel_run(run.id)
    deadline = time.monotonic() + 15
    while publisher.list_runs(status="Running") and time.monotonic() < deadline:
        time.sleep(0.1)


def stop_services(root: Path) -> None:
    """Stop every service a test started (they are detached processes)."""
    if (root / "services").is_dir():
        deployer = ModelDeployer(Workspace.local(root))
        for service in (root / "services").iterdir():
            if (service / "service.json").exists():
                deployer.delete(service.name)


@pytest.fixture(scope="session")
def real_data_path() -> Path:
    """The real data file, found the way the product finds it (`data.locate()`).

    `BANKOPS_DATA`, else a verified copy in the user's download cache (the one
    `bankops quickstart` filled), else a download checked against the published sha256.
    The environment is the one pytest started with, not a test's isolated one. A
    session fixture is set up before pytest-recording blocks the network for a test, so
    the download can run. On CI the file must be found; elsewhere the integration tests
    skip, and the run ends with a line that counts them.
    """
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("BANKOPS_")]:
            patch.delenv(name)
        for name, value in _STARTING_ENVIRONMENT.items():
            patch.setenv(name, value)
        try:
            source = data.locate()
        except BankOpsError as exc:
            if os.environ.get("CI"):
                pytest.fail(f"the real data file is required on CI: {exc}")
            pytest.skip(f"{_NO_DATA} ({exc})")
    return Path(source.path)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test that reads the real file is an integration test, marked or not.
    for item in items:
        if "real_data_path" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.integration)


def pytest_unconfigure(config: pytest.Config) -> None:
    # Written after pytest's totals, so that it is the run's last line.
    terminalreporter = config.pluginmanager.get_plugin("terminalreporter")
    if terminalreporter is None:
        return
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "integration" in getattr(report, "keywords", {}) and _NO_DATA in str(report.longrepr)
    ]
    if skipped:
        terminalreporter.write_sep(
            "!",
            f"{len(skipped)} integration test(s) did not run: no real data file. "
            "export BANKOPS_DATA=path/to/bankmarketing_train.csv (or allow the download)",
            red=True,
            bold=True,
        )


FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def azure_swagger_fixtures() -> Path:
    """`tests/fixtures/azureml`: two swagger.json files Azure ML generated (see its README)."""
    return FIXTURES / "azureml"


@pytest.fixture(scope="session")
def small_frame() -> pd.DataFrame:
    """300 synthetic rows of the real schema (typed as `load` returns them)."""
    return data.synthetic(300, seed=11)


def frame_to_csv_text(frame: pd.DataFrame, *, fmt: str = "azure") -> str:
    """Render a frame as the Azure (`,`) or UCI (`;`, every field quoted) format."""
    if fmt == "azure":
        return frame.to_csv(index=False, lineterminator="\n")
    lines = [";".join(f'"{c}"' for c in frame.columns)]
    for row in frame.astype(str).itertuples(index=False):
        lines.append(";".join(f'"{v}"' for v in row))
    return "\n".join(lines) + "\n"


@pytest.fixture
def write_csv(tmp_path: Path, small_frame: pd.DataFrame) -> WriteCsv:
    """Write a data file and return its path: `write_csv(frame=None, fmt="azure", text=None)`."""
    counter = iter(range(1_000))

    def write(
        frame: pd.DataFrame | None = None, *, fmt: str = "azure", text: str | None = None
    ) -> Path:
        path = tmp_path / f"data-{next(counter)}.csv"
        if text is None:
            text = frame_to_csv_text(small_frame if frame is None else frame, fmt=fmt)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def automl_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A workspace shared by the tests that only read a finished run."""
    return Workspace.local(tmp_path_factory.mktemp("automl-ws"))


@pytest.fixture(scope="session")
def trained_run(automl_workspace: Workspace) -> TrainingRun:
    """One short AutoML run on 3,000 synthetic rows (about 10 s), shared by many tests."""
    trainer = AutoMLTrainer(automl_workspace, experiment_timeout_minutes=0.1, random_seed=1)
    return trainer.train(data.synthetic(3_000, seed=5))


@pytest.fixture(scope="session")
def registered_model(automl_workspace: Workspace, trained_run: TrainingRun) -> ModelVersion:
    return ModelRegistry(automl_workspace).register_run(trained_run, name="shared-model")


@pytest.fixture(scope="session")
def deployed(automl_workspace: Workspace, registered_model: ModelVersion) -> Iterator[WebService]:
    """One running service shared by the tests that only call it."""
    deployer = ModelDeployer(automl_workspace)
    service = deployer.deploy(registered_model, "shared-service")
    yield service
    stop_services(Path(automl_workspace.info().location))


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """This test's own workspace (BANKOPS_WORKSPACE); its services stop after the test."""
    return Workspace.local(tmp_path / "workspace")


@pytest.fixture
def model(workspace: Workspace, trained_run: TrainingRun) -> ModelVersion:
    """The shared run registered as `bank:1` in this test's workspace."""
    return ModelRegistry(workspace).register_run(trained_run, name="bank")
