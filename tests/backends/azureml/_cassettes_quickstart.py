"""Cassettes of `bankops quickstart --backend azureml` (built by hand, as the others)."""

from __future__ import annotations

from pathlib import Path

from tests.backends.azureml import _cassette_builder as B

MODULE = "test_azure_quickstart"


def write_all() -> list[Path]:
    return [
        B.write(
            MODULE,
            "test_quickstart_opens_the_workspace_of_config_json_with_tokens",
            B.SESSION,
            B.session_interactions(),
        ),
    ]
