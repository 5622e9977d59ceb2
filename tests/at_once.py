"""Run one action in several threads released together, to provoke a race."""

from __future__ import annotations

import threading
from collections.abc import Callable


def errors_when_run_at_once(action: Callable[[], None], times: int) -> list[BaseException]:
    """Run `action` in `times` threads that start it at the same instant; what they raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(times)

    def run() -> None:
        try:
            barrier.wait()
            action()
        except BaseException as exc:  # returned to the caller
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
