"""schemathesis against a live service: every answer is what its spec says.

The schemathesis CLI runs `--checks all` (server errors, status codes, media types,
response schemas, schema-valid bodies accepted, schema-invalid bodies refused, auth
enforced, unsupported methods answered 405) on the Swagger 2.0 and the OpenAPI 3
document the service serves, with a fixed seed and a bounded number of examples.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bankmarketing_ops import ModelDeployer, WebService, Workspace

MAX_EXAMPLES = 40
SEED = 16


@pytest.mark.parametrize("version", ["2", "3"])
def test_a_live_service_passes_schemathesis_with_every_check(
    automl_workspace: Workspace, deployed: WebService, tmp_path: Path, version: str
) -> None:
    key = ModelDeployer(automl_workspace).get_keys(deployed.name).primary_key.get_secret_value()
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{deployed.swagger_uri}?version={version}",
        "--checks=all",
        f"--header=Authorization: Bearer {key}",
        f"--max-examples={MAX_EXAMPLES}",
        f"--seed={SEED}",
        "--generation-database=none",  # nothing written, same cases every run
        "--workers=1",
        "--no-color",
    ]
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
    generated = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert generated is not None, result.stdout[-2000:]
    assert int(generated[1]) == int(generated[2]) > 100  # not a vacuous run
