"""A service compiles its model to native code in the background and swaps it in."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest

from bankmarketing_ops import ModelDeployer, ModelRegistry, ModelVersion, Workspace, data
from bankmarketing_ops.ml.features import records_of
from bankmarketing_ops.ml.native import find_compiler

pytestmark = pytest.mark.skipif(find_compiler() is None, reason="needs a C compiler")

ROWS = [dict(r) for r in records_of(data.synthetic(200, seed=21).drop(columns=["y"]))]


def _native_members(base: str) -> int | None:
    text = httpx.get(base + "metrics", timeout=10).text
    found = re.search(r"^bankops_native_members\{[^}]*\} (\S+)$", text, re.MULTILINE)
    return None if found is None else int(float(found.group(1)))


def test_a_service_scores_through_compiled_members_once_built(
    workspace: Workspace, model: ModelVersion, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BANKOPS_NATIVE_SCORING", "1")
    deployer = ModelDeployer(workspace)
    service = deployer.deploy(model, "native")
    key = deployer.get_keys("native").primary_key.get_secret_value()
    base = service.scoring_uri.removesuffix("score")
    scorer = ModelRegistry(workspace).load_scorer(model.name, model.version)
    expected = scorer.predict_proba(ROWS).tolist()

    deadline = time.monotonic() + 120
    while (_native_members(base) or 0) == 0:
        assert time.monotonic() < deadline, "the service never reported compiled members"
        time.sleep(0.2)

    tree_members = sum(m.kind in ("lightgbm", "xgboost") for m in scorer.model.manifest.members)
    assert _native_members(base) == tree_members
    answer = httpx.post(
        service.scoring_uri,
        json={"data": ROWS, "method": "predict_proba"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    assert answer.status_code == 200
    assert answer.json()["result"] == pytest.approx(expected, abs=1e-6)
    one = httpx.post(
        service.scoring_uri,
        json={"data": ROWS[:1], "method": "predict_proba"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    assert one.json()["result"] == pytest.approx(expected[:1], abs=1e-6)
    assert list((tmp_path / "cache" / "native").glob("*.so"))  # built in this test's cache
    log = "\n".join(deployer.get_logs("native", num_lines=200))
    assert "score through native code" in log
