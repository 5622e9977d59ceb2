"""Rules for values that come in through more than one door.

A model name, a service name, a search budget or a data path can arrive from code, from
the CLI, in a pipeline trigger over REST, and again inside the pipeline step that uses
it. Each rule is written once, here; the pipeline's parameter declarations carry the
same pattern and bounds (`steps/training.py`), so a trigger is refused with a 422 for
exactly what the step would refuse after training.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bankmarketing_ops._exceptions import ConfigurationError

__all__ = [
    "MAX_BUDGET_MINUTES",
    "MIN_BUDGET_MINUTES",
    "MODEL_NAME_HINT",
    "MODEL_NAME_PATTERN",
    "SERVICE_NAME_HINT",
    "SERVICE_NAME_PATTERN",
    "PathRoots",
    "check_model_name",
    "check_service_name",
]

#: Model names become directory names in the local registry (and URL parts on Azure).
MODEL_NAME_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
MODEL_NAME_HINT: Final = (
    "up to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
)
#: Service names become directory names too, and appear in scoring URLs and logs.
SERVICE_NAME_PATTERN: Final = MODEL_NAME_PATTERN
SERVICE_NAME_HINT: Final = MODEL_NAME_HINT

#: Below this the search cannot finish one iteration on the real data on a small machine.
MIN_BUDGET_MINUTES: Final = 0.1
#: A day: longer searches are almost surely a unit mistake (seconds for minutes).
MAX_BUDGET_MINUTES: Final = 24 * 60.0

_MODEL_NAME = re.compile(MODEL_NAME_PATTERN)
_SERVICE_NAME = re.compile(SERVICE_NAME_PATTERN)


def check_model_name(name: str) -> None:
    """Raise `ConfigurationError` unless `name` is a valid model name."""
    if not _MODEL_NAME.fullmatch(name):
        raise ConfigurationError(f"invalid model name {name!r}: use {MODEL_NAME_HINT}")


def check_service_name(name: str) -> None:
    """Raise `ConfigurationError` unless `name` is a valid service name."""
    if not _SERVICE_NAME.fullmatch(name):
        raise ConfigurationError(f"invalid service name {name!r}: use {SERVICE_NAME_HINT}")


@dataclass(frozen=True)
class PathRoots:
    """Where a path parameter may point on the machine that runs a pipeline.

    The allowed places are the workspace, the data cache, the file `BANKOPS_DATA` names,
    and whatever the publisher listed. A path outside them is refused with the same
    answer whether a file is there or not, so that a trigger token cannot be used to
    find out which files exist on the server's machine.
    """

    base: Path
    """Relative paths are taken from here (the workspace)."""
    roots: tuple[Path, ...]
    """Directories (anything below them) and files a path may name, resolved."""

    @classmethod
    def for_workspace(cls, workspace_root: Path, extra: Iterable[str | Path] = ()) -> PathRoots:
        """The workspace's allowed places, plus `extra` (absolute paths)."""
        from bankmarketing_ops.config import get_settings

        settings = get_settings()
        places = [workspace_root, settings.resolved_cache_dir()]
        if settings.data is not None:
            places.append(settings.data)
        places.extend(Path(p) for p in extra)
        base = _real(workspace_root) or workspace_root.absolute()
        return cls(
            base=base,
            roots=tuple(r for p in places if (r := _real(p.expanduser())) is not None),
        )

    def resolve(self, value: str) -> Path | None:
        """`value` as an absolute path with links and `..` resolved, if it is allowed."""
        target = _real(self.base / value)
        if target is None:
            return None
        for root in self.roots:
            if target == root or target.is_relative_to(root):
                return target
        return None

    def problem(self, value: str) -> str | None:
        """Why `value` cannot be used (None: it names a file in an allowed place)."""
        target = self.resolve(value)
        if target is None:
            shown = ", ".join(str(r) for r in self.roots)
            return (
                "must name a file in the workspace, the data cache, BANKOPS_DATA or a place "
                f"the publisher allowed ({shown})"
            )
        if not target.is_file():
            return f"no file at {target}"
        return None


def _real(path: Path) -> Path | None:
    """`path` made absolute with links resolved; None when it cannot be a path at all."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):  # NUL bytes, loops, names too long
        return None
