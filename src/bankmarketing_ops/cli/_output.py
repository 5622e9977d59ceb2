"""How commands talk to people and scripts: consoles, JSON, errors, progress, logging."""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, ParamSpec, TextIO, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from bankmarketing_ops._constants import PACKAGE_NAME
from bankmarketing_ops._exceptions import BankOpsError, TrainingCanceledError

P = ParamSpec("P")
R = TypeVar("R")

#: `--json`: one JSON document on stdout and nothing else.
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else.")
]


def stdout() -> Console:
    # Made per call so that test runners that swap sys.stdout see the output.
    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


def stderr() -> Console:
    # soft_wrap: a message is one line however long (paths), so scripts can grep it.
    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


_json_stream: list[TextIO] = []  # set while other stdout output is sent to stderr


def emit_json(model: BaseModel) -> None:
    """Write `model` as JSON to stdout: plain text, no markup, no wrapping."""
    stream = _json_stream[-1] if _json_stream else sys.stdout
    stream.write(model.model_dump_json(indent=2) + "\n")
    stream.flush()


@contextmanager
def stdout_for_json_only() -> Iterator[None]:
    """Send whatever else writes to stdout meanwhile (third-party SDKs `print`) to
    stderr, so that `--json` output stays one JSON document."""
    _json_stream.append(sys.stdout)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        _json_stream.pop()


def fail(message: str, *, code: int = 1) -> typer.Exit:
    """Print `error: message` to stderr and return the Exit to raise."""
    # the message is text, not markup: "[azureml]" in an install command must survive
    stderr().print(f"[bold red]error:[/] {escape(message)}", markup=True)
    return typer.Exit(code)


def handle_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn library errors into a one-line message on stderr and exit code 1, Ctrl-C into 130;
    with `--json`, keep stdout for the JSON document (see `stdout_for_json_only`)."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        guard = stdout_for_json_only() if kwargs.get("json_output") else contextlib.nullcontext()
        try:
            with guard:
                return command(*args, **kwargs)
        except TrainingCanceledError as exc:  # Ctrl-C during training: exit as interrupted
            raise fail(str(exc), code=130) from None
        except BankOpsError as exc:
            raise fail(str(exc)) from None
        except KeyboardInterrupt:
            raise fail("interrupted", code=130) from None

    return wrapper


@contextmanager
def download_progress(description: str) -> Iterator[Callable[[int, int | None], None]]:
    """A progress bar on stderr (so `--json` stdout stays clean); yields the callback."""
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=stderr(),
        transient=True,
    )
    task = progress.add_task(description, total=None)

    def advance(done: int, total: int | None) -> None:
        if not progress.live.is_started:
            progress.start()
        progress.update(task, completed=done, total=total)

    try:
        yield advance
    finally:
        progress.stop()


_CLI_HANDLER_NAME = "bankops-cli"


def configure_logging(verbosity: int) -> None:
    """Send the package's log records to stderr: warnings by default, -v info, -vv debug."""
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logger = logging.getLogger(PACKAGE_NAME)
    for handler in [h for h in logger.handlers if h.get_name() == _CLI_HANDLER_NAME]:
        logger.removeHandler(handler)
    handler = RichHandler(console=stderr(), show_path=False, rich_tracebacks=False)
    handler.set_name(_CLI_HANDLER_NAME)
    logger.addHandler(handler)
    logger.setLevel(level)
