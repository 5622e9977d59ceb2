"""Backend-only features are optional protocols: the facades and the CLI never ask which
backend they sit on, the docs' table comes from the code, and a missing feature is one
clear error."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

import bankmarketing_ops
from bankmarketing_ops import (
    ConfigurationError,
    DriftMonitor,
    InsightsManager,
    ModelDeployer,
    PipelinePublisher,
    UnsupportedFeatureError,
    Workspace,
)
from bankmarketing_ops.backends import capabilities
from bankmarketing_ops.backends.capabilities import CAPABILITIES, capability_table

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "bankmarketing_ops"
FACADES = ("automl", "deploy", "insights", "pipelines", "drift", "registry", "workspace", "poller")
#: What a backend check looks like: a comparison or lookup of the backend's name, an
#: isinstance against a backend's class, or reaching for the local backend's modules.
BACKEND_CHECKS = re.compile(
    r"\bkind\s*(==|!=)|(==|!=)\s*\S*\.kind\b|\.kind\s+(not\s+)?in\b|\[[^\]]*\.kind\]"
    r"|isinstance\([^)]*\b(Local|Azure)\w*"
)
LOCAL_MODULES = re.compile(r"bankmarketing_ops\.backends\.local\b")


def _sources() -> list[Path]:
    return [PACKAGE / f"{name}.py" for name in FACADES] + sorted((PACKAGE / "cli").glob("*.py"))


def test_facades_and_cli_do_not_check_the_backend() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources()
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if BACKEND_CHECKS.search(line)
        or (LOCAL_MODULES.search(line) and path.name != "workspace.py")
    ]
    assert not found, "ask for a capability instead:\n" + "\n".join(found)


def test_the_backend_check_pattern_catches_what_it_should() -> None:
    for line in (
        'if workspace.kind == "local":',
        "if self._workspace.kind != 'local':",
        "hint = _TOKEN_HINT[workspace.kind]",
        "if not isinstance(self._backend, LocalPipelines):",
        "azure = workspace.kind in ('azureml',)",
    ):
        assert BACKEND_CHECKS.search(line), line
    assert not BACKEND_CHECKS.search("return Poller(job, backend=self._workspace.kind)")


def test_the_docs_table_is_the_codes() -> None:
    page = (ROOT / "docs" / "capabilities.md").read_text("utf-8")
    generated = page.split("-->\n", 1)[1].split("<!-- END capability table -->")[0]
    assert generated == capability_table(), (
        "regenerate docs/capabilities.md from capabilities.capability_table()"
    )
    for line in generated.splitlines():
        if line.startswith("|"):
            assert len(line) <= 80, line


def test_the_table_says_which_backend_has_what() -> None:
    rows = {
        line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:4]]
        for line in capability_table().splitlines()
        if line.startswith("| ") and not line.startswith("| feature")
    }
    assert rows["AutoML training"] == ["yes", "yes"]
    assert rows["published pipelines and runs"] == ["yes", "yes"]
    for capability in CAPABILITIES:
        assert rows[f"{capability.feature} (`{capability.name}`)"] == ["yes", "no"]


def test_every_method_a_capability_names_exists() -> None:
    for capability in CAPABILITIES:
        for qualified in capability.methods:
            owner, _, method = qualified.partition(".")
            assert callable(getattr(getattr(bankmarketing_ops, owner), method)), qualified


def test_the_local_backend_has_every_feature(tmp_path: Path) -> None:
    ws = Workspace.local(tmp_path)
    assert all(ws.supports(c.name) for c in CAPABILITIES)
    assert ws.timings.telemetry_delay_s < 60
    with pytest.raises(ConfigurationError, match="known: pipeline_server"):
        ws.supports("teleport")  # type: ignore[arg-type]


def test_without_a_feature_the_error_names_the_backend_and_what_to_use(tmp_path: Path) -> None:
    """The Azure backend over a stand-in of the SDK's workspace: nothing is asked of it,
    the capability check comes before any request."""
    from bankmarketing_ops.backends.azureml import AzureMLBackend

    ws = Workspace(AzureMLBackend(SimpleNamespace(name="ws"), cache_dir=tmp_path))
    assert not any(ws.supports(c.name) for c in CAPABILITIES)
    calls = {
        "pipeline server of its own": lambda: PipelinePublisher(ws).start_server(),
        "input capture and labels": lambda: DriftMonitor(ws).log_labels("svc", {"r": "yes"}),
        "service restart": lambda: ModelDeployer(ws).restart("svc"),
        "telemetry purge": lambda: InsightsManager(ws).purge(),
    }
    for feature, call in calls.items():
        with pytest.raises(UnsupportedFeatureError) as caught:
            call()
        error = caught.value
        assert (error.backend, error.feature) == ("azureml", feature)
        assert str(error).startswith(f"the azureml backend has no {feature}; ")
        assert error.instead
    with pytest.raises(UnsupportedFeatureError, match=r"DriftMonitor\.compare"):
        DriftMonitor(ws).report("svc")  # before it reads the service from Azure
    assert capabilities.find(ws.backend, capabilities.CAPTURE) is None
