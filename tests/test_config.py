from __future__ import annotations

from pathlib import Path

import pytest

from bankmarketing_ops import ConfigurationError, get_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BANKOPS_WORKSPACE")
    monkeypatch.delenv("BANKOPS_CACHE_DIR")
    settings = get_settings()
    assert settings.workspace == Path(".bankops")
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
