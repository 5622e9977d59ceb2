from __future__ import annotations

from pathlib import Path

import pytest

from bankmarketing_ops._atomic import atomic_write_text, open_atomic


def test_replaces_the_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    atomic_write_text(target, "old")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_a_failure_mid_write_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    atomic_write_text(target, "old")

    def crash_mid_write() -> None:
        with open_atomic(target) as handle:
            handle.write(b"half of the ne")
            raise RuntimeError("crash")

    with pytest.raises(RuntimeError, match="crash"):
        crash_mid_write()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_mode_is_applied(tmp_path: Path) -> None:
    target = tmp_path / "secret"
    atomic_write_text(target, "k", mode=0o600)
    assert target.stat().st_mode & 0o777 == 0o600
