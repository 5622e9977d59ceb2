"""The shared rules (`_rules`): the pipeline trigger refuses exactly what the steps refuse,
and a data path cannot leave the allowed places."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from bankmarketing_ops import (
    AutoMLConfig,
    ConfigurationError,
    PipelineParameterError,
    training_pipeline,
)
from bankmarketing_ops._rules import PathRoots, check_model_name, check_service_name


def _trigger_problem(name: str, value: object, workspace: Path | None = None) -> str | None:
    """What the trigger's check (`Pipeline.resolve`) says about one parameter value."""
    try:
        training_pipeline().resolve({name: value}, workspace_root=workspace)
    except PipelineParameterError as exc:
        problems = exc.problems
    else:
        return None
    assert [p.name for p in problems] == [name]
    return problems[0].message


def _step_refuses_budget(minutes: float) -> bool:
    try:
        AutoMLConfig(experiment_timeout_minutes=minutes)
    except ValidationError:
        return True
    return False


@pytest.mark.parametrize("minutes", [0, 0.05, 0.0999, 0.1, 1, 24 * 60, 24 * 60 + 0.5, 1e9])
def test_the_trigger_and_the_train_step_agree_on_the_budget(minutes: float) -> None:
    assert (_trigger_problem("timeout_minutes", minutes) is not None) == _step_refuses_budget(
        minutes
    )


@pytest.mark.parametrize(
    "name",
    ["../../evil", "a b", "", ".hidden", "x" * 65, "ok\n", "a/b", "bank", "bank-2.v_1", "x" * 64],
)
def test_the_trigger_and_the_steps_agree_on_names(name: str) -> None:
    rules = (("model_name", check_model_name), ("service_name", check_service_name))
    for parameter, check in rules:
        try:
            check(name)
            step_refuses = False
        except ConfigurationError:
            step_refuses = True
        problem = _trigger_problem(parameter, name)
        assert (problem is not None) == step_refuses, (parameter, name, problem)
        if problem is not None:
            assert "up to 64 letters, digits" in problem


def test_a_service_name_is_reported_as_a_service_name() -> None:
    with pytest.raises(ConfigurationError, match=r"^invalid service name 'a b'"):
        check_service_name("a b")
    with pytest.raises(ConfigurationError, match=r"^invalid model name 'a b'"):
        check_model_name("a b")


@pytest.fixture
def places(tmp_path: Path) -> dict[str, Path]:
    workspace = tmp_path / "workspace"
    (workspace / "data").mkdir(parents=True)
    (workspace / "data" / "mine.csv").write_text("x\n")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.csv").write_text("x\n")
    (workspace / "data" / "link.csv").symlink_to(outside / "secret.csv")
    return {"workspace": workspace, "outside": outside}


def test_paths_in_the_workspace_are_allowed_relative_or_absolute(places: dict[str, Path]) -> None:
    workspace = places["workspace"]
    assert _trigger_problem("data_path", "data/mine.csv", workspace) is None
    assert _trigger_problem("data_path", str(workspace / "data" / "mine.csv"), workspace) is None
    assert _trigger_problem("data_path", "", workspace) is None  # empty: the default source
    missing = _trigger_problem("data_path", "data/none.csv", workspace)
    assert missing == f"no file at {workspace.resolve() / 'data' / 'none.csv'}"


def test_a_path_outside_gets_one_answer_whether_a_file_is_there_or_not(
    places: dict[str, Path],
) -> None:
    workspace, outside = places["workspace"], places["outside"]
    answers = {
        _trigger_problem("data_path", value, workspace)
        for value in (
            str(outside / "secret.csv"),  # exists
            str(outside / "nothing.csv"),  # does not
            "../elsewhere/secret.csv",  # climbs out
            "data/../../elsewhere/nothing.csv",
            "data/link.csv",  # a link inside pointing outside
            "/etc/hostname",
            "bad\x00byte",
        )
    }
    assert len(answers) == 1
    (answer,) = answers
    assert answer is not None
    assert answer.startswith("must name a file in the workspace, the data cache, BANKOPS_DATA")


def test_the_cache_bankops_data_and_the_publishers_roots_are_allowed(
    places: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, outside = places["workspace"], places["outside"]
    cache = Path(os.environ["BANKOPS_CACHE_DIR"])
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "cached.csv").write_text("x\n")
    assert _trigger_problem("data_path", str(cache / "cached.csv"), workspace) is None
    secret = str(outside / "secret.csv")
    assert _trigger_problem("data_path", secret, workspace) is not None
    monkeypatch.setenv("BANKOPS_DATA", secret)
    assert _trigger_problem("data_path", secret, workspace) is None
    monkeypatch.delenv("BANKOPS_DATA")
    allowed = PathRoots.for_workspace(workspace, [outside])
    assert allowed.problem(secret) is None
    published = training_pipeline(data_roots=[outside])
    assert published.resolve({"data_path": secret}, workspace_root=workspace)["data_path"] == secret


def test_without_a_workspace_a_path_is_only_type_checked() -> None:
    # the Azure backend resolves on the caller's machine: the places are not known there
    assert training_pipeline().resolve({"data_path": "/anywhere.csv"})["data_path"] == (
        "/anywhere.csv"
    )
    assert _trigger_problem("data_path", 3) == "expected path, got int 3"


def test_roots_must_be_absolute() -> None:
    from bankmarketing_ops import PipelineParameter

    with pytest.raises(ValidationError, match="must be absolute"):
        PipelineParameter(name="p", type="path", default="", roots=("relative/dir",))
