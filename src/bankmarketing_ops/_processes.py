"""Detached helper processes (scoring workers, the pipeline server, pipeline runners):
starting them, and telling whether a recorded one is still the same process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from bankmarketing_ops import _constants as C
from bankmarketing_ops.serving.process import process_started

__all__ = ["alive", "free_port", "is_same_process", "process_started", "start_detached"]


def start_detached(
    module: str,
    arguments: Sequence[str],
    *,
    log: Path,
    sigterm_ignored_at_start: bool = False,
    without_package_init: bool = False,
) -> subprocess.Popen[bytes]:
    """`python -m module arguments…` in its own session (it outlives its parent, and a
    Ctrl-C in the parent's terminal does not reach it), output appended to `log`.

    With `sigterm_ignored_at_start`, SIGTERM is ignored until the module installs its own
    handler: a process told to stop while still importing is not killed half-way.

    With `without_package_init`, the package's `__init__` (the public API: pandas and the
    rest) is not run: for small long-lived helpers that import only light modules
    (a service's supervisor: 29 MB instead of 134 MB, and 2 s less to start on a busy
    machine).
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    if without_package_init:
        package = str(Path(__file__).resolve().parent)
        command = [
            sys.executable,
            "-c",
            "import runpy, sys, types; "
            f"package = types.ModuleType({C.PACKAGE_NAME!r}); package.__path__ = [{package!r}]; "
            f"sys.modules[{C.PACKAGE_NAME!r}] = package; "
            f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)",
            *arguments,
        ]
    elif sigterm_ignored_at_start:
        command = [
            sys.executable,
            "-c",
            "import signal, runpy; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)",
            *arguments,
        ]
    else:
        command = [sys.executable, "-m", module, *arguments]
    with log.open("ab") as output:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            start_new_session=True,
            close_fds=True,
        )


def is_same_process(pid: int, started: str | None) -> bool:
    """Whether `pid` is still the process that was recorded with start time `started` —
    after a crash or a reboot the pid may belong to someone else."""
    return started is None or process_started(pid) in (started, None)


def alive(pid: int) -> bool:
    """Whether `pid` runs (reaping it first if it is our own exited child)."""
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
        if finished == pid:
            return False
    except ChildProcessError:
        pass  # not our child: fall through to a signal-0 probe
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # gone, or someone else's process
        return False
    return True


def free_port() -> int:
    """A TCP port on the loopback address that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((C.SERVER_HOST, 0))
        return int(sock.getsockname()[1])
