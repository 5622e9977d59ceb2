"""Process identity, shared by the server (which records it) and the deployer (which checks it)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["process_started"]


def process_started(pid: int) -> str | None:
    """When `pid` started (clock ticks since boot, from /proc): with the pid, the process's
    identity — a reused pid has another start time. None where /proc is not readable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]
