"""`bankops quickstart --backend azureml`, its sign-in and its calls, replayed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bankmarketing_ops import ConfigurationError
from bankmarketing_ops.cli.quickstart import TOKEN_VARIABLES, open_workspace
from tests.backends.azureml import _cassette_builder as B
from tests.backends.azureml.conftest import assert_all_played


@pytest.fixture
def fake_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZUREML_ARM_TOKEN", B.fake_jwt())
    monkeypatch.setenv("AZUREML_MONITOR_TOKEN", B.fake_jwt("https://api.loganalytics.io"))


@pytest.mark.vcr
@pytest.mark.usefixtures("fake_tokens")
def test_quickstart_opens_the_workspace_of_config_json_with_tokens(
    tmp_path: Path, vcr: object
) -> None:
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "subscription_id": B.SUBSCRIPTION,
                "resource_group": B.RESOURCE_GROUP,
                "workspace_name": B.WORKSPACE,
            }
        ),
        encoding="utf-8",
    )
    workspace = open_workspace("azureml", config=config, auth="token")
    assert workspace.kind == "azureml"
    assert B.WORKSPACE in repr(workspace)
    assert_all_played(vcr)


def test_token_sign_in_names_the_missing_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZUREML_ARM_TOKEN", B.fake_jwt())
    monkeypatch.delenv("AZUREML_MONITOR_TOKEN", raising=False)
    with pytest.raises(ConfigurationError, match=r"not set: AZUREML_MONITOR_TOKEN$"):
        open_workspace(
            "azureml",
            subscription_id=B.SUBSCRIPTION,
            resource_group=B.RESOURCE_GROUP,
            workspace_name=B.WORKSPACE,
            auth="token",
        )
    assert TOKEN_VARIABLES == ("AZUREML_ARM_TOKEN", "AZUREML_MONITOR_TOKEN")
