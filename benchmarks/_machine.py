"""Machine facts printed with every benchmark, so figures can be compared honestly."""

from __future__ import annotations

import contextlib
import os
import platform
from importlib import metadata


def machine_info() -> dict[str, str]:
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(
                line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    memory = "?"
    try:
        with open("/proc/meminfo") as handle:
            kib = int(next(line.split()[1] for line in handle if line.startswith("MemTotal")))
            memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    info = {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "os": platform.platform(),
    }
    for name in (
        "bankmarketing-ops",
        "flaml",
        "lightgbm",
        "xgboost",
        "catboost",
        "scikit-learn",
        "numpy",
        "pandas",
    ):
        with contextlib.suppress(metadata.PackageNotFoundError):
            info[name] = metadata.version(name)
    return info


def print_machine() -> None:
    print("machine: " + ", ".join(f"{k} {v}" for k, v in machine_info().items()))
    with contextlib.suppress(OSError):
        print("load average (1, 5, 15 min): " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
