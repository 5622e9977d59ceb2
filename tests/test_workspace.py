from __future__ import annotations

import json
from pathlib import Path

import pytest

from bankmarketing_ops import Workspace, WorkspaceError


def test_local_workspace_is_created_on_first_use(tmp_path: Path) -> None:
    ws = Workspace.local(tmp_path / "ws")
    assert ws.kind == "local"
    assert not (tmp_path / "ws").exists()
    info = ws.info()
    assert info.backend == "local"
    assert info.location == str(tmp_path / "ws")
    manifest = json.loads((tmp_path / "ws" / "workspace.json").read_text())
    assert manifest["format_version"] == info.format_version == 1
    assert ws.info().created_at == info.created_at  # stable across opens


def test_default_root_comes_from_bankops_workspace(tmp_path: Path) -> None:
    # the autouse fixture sets BANKOPS_WORKSPACE to tmp_path / "workspace"
    assert Workspace.local().info().location == str(tmp_path / "workspace")
    assert Workspace.from_settings().info().location == str(tmp_path / "workspace")


def test_a_file_in_the_way_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("not a directory")
    with pytest.raises(WorkspaceError, match="not a directory"):
        Workspace.local(tmp_path / "taken").info()


def test_a_corrupt_manifest_is_reported(tmp_path: Path) -> None:
    (tmp_path / "workspace.json").write_text("{not json")
    with pytest.raises(WorkspaceError, match="manifest"):
        Workspace.local(tmp_path).info()


def test_a_newer_layout_is_refused(tmp_path: Path) -> None:
    (tmp_path / "workspace.json").write_text('{"format_version": 99, "created_at": "x"}')
    with pytest.raises(WorkspaceError, match="upgrade"):
        Workspace.local(tmp_path).info()


def test_repr_names_the_backend(tmp_path: Path) -> None:
    assert "LocalBackend" in repr(Workspace.local(tmp_path))
