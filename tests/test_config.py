from __future__ import annotations

from pathlib import Path

import pytest

from bankmarketing_ops import ConfigurationError, get_settings
from bankmarketing_ops.config import find_workspace


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BANKOPS_WORKSPACE")
    monkeypatch.delenv("BANKOPS_CACHE_DIR")
    monkeypatch.chdir(tmp_path)
    settings = get_settings()
    assert settings.backend == "local"
    assert settings.workspace is None  # found upward, else ./.bankops
    assert settings.resolved_workspace() == tmp_path / ".bankops"
    assert (settings.azure_config, settings.azure_auth) == (None, "interactive")
    assert settings.data is None
    assert "bankmarketing_ops" in str(settings.resolved_cache_dir())


def test_environment_variables_use_the_bankops_prefix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BANKOPS_DATA", str(tmp_path / "x.csv"))
    monkeypatch.setenv("BANKOPS_DOWNLOAD_MAX_ATTEMPTS", "7")
    settings = get_settings()
    assert settings.data == tmp_path / "x.csv"
    assert settings.download_max_attempts == 7
    assert settings.resolved_cache_dir() == tmp_path / "cache"


@pytest.mark.parametrize(
    ("name", "value"),
    [("BANKOPS_DOWNLOAD_MAX_ATTEMPTS", "many"), ("BANKOPS_DATA_SHA256", "abc")],
)
def test_an_invalid_variable_is_a_configuration_error_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=name):
        get_settings()


def test_the_workspace_is_found_upward_like_git(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("BANKOPS_WORKSPACE")
    (tmp_path / ".bankops").mkdir()
    deep = tmp_path / "project" / "notebooks"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert get_settings().resolved_workspace() == tmp_path / ".bankops"
    assert find_workspace(deep) == tmp_path / ".bankops"
    # a file of that name is not a workspace: the search goes on past it
    (deep / ".bankops").write_text("")
    assert find_workspace(deep) == tmp_path / ".bankops"


def test_bankops_workspace_wins_over_the_search(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".bankops").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BANKOPS_WORKSPACE", str(tmp_path / "elsewhere"))
    assert get_settings().resolved_workspace() == tmp_path / "elsewhere"


def test_backend_and_azure_connection_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BANKOPS_BACKEND", "azureml")
    monkeypatch.setenv("BANKOPS_AZURE_CONFIG", str(tmp_path / "config.json"))
    monkeypatch.setenv("BANKOPS_AZURE_AUTH", "service_principal")
    settings = get_settings()
    assert (settings.backend, settings.azure_config, settings.azure_auth) == (
        "azureml",
        tmp_path / "config.json",
        "service_principal",
    )


@pytest.mark.parametrize(
    ("name", "value"), [("BANKOPS_BACKEND", "aws"), ("BANKOPS_AZURE_AUTH", "password")]
)
def test_an_unknown_backend_or_auth_kind_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=name):
        get_settings()
