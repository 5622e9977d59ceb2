"""How commands talk to people and scripts: consoles, JSON, errors, progress, logging."""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import sys
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from typing import Annotated, ParamSpec, TextIO, TypeVar

import typer
from pydantic import BaseModel
from rich import box
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
from rich.table import Table
from rich.text import Text

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


class CopyableTable:
    """Rows for people, where nothing a user copies is ever cut or folded.

    The `copyable` columns (ids, model references, URIs) keep their values on one line:
    as a table when the table fits the console so, else as one block of `column  value`
    lines per row. Other columns wrap; no cell is ever ellipsized. Scripts use `--json`.
    """

    def __init__(
        self,
        *headers: str,
        title: str | None = None,
        copyable: Collection[str] = (),
        right: Collection[str] = (),
    ) -> None:
        unknown = set(copyable) - set(headers) | set(right) - set(headers)
        if unknown:
            raise ValueError(f"no column(s) {sorted(unknown)}")
        self.headers, self.title = headers, title
        self._copyable, self._right = [h in copyable for h in headers], set(right)
        self.rows: list[tuple[str | Text, ...]] = []

    def add_row(self, *cells: str | Text) -> None:
        """Strings are markup, except in copyable columns (plain text there: `[x]` stays)."""
        if len(cells) != len(self.headers):
            raise ValueError(f"{len(self.headers)} cells expected, not {len(cells)}")
        self.rows.append(
            tuple(
                Text(c) if copy and isinstance(c, str) else c
                for c, copy in zip(cells, self._copyable, strict=True)
            )
        )

    def table(self) -> Table:
        """The rows as a table, each copyable column exactly as wide as its widest value
        (the other columns give way)."""
        # no vertical rules: more room for values, and a copied row has no "│" in it
        table = Table(
            title=self.title,
            title_justify="left",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
        )
        for index, header in enumerate(self.headers):
            width = None
            if self._copyable[index]:
                width = max([len(header)] + [_width(row[index]) for row in self.rows])
            table.add_column(
                header,
                overflow="fold",
                width=width,
                justify="right" if header in self._right else "left",
            )
        for row in self.rows:
            table.add_row(*row)
        return table

    def print(self, console: Console) -> None:
        if self._fits(console):
            console.print(self.table())
            return
        if self.title:
            console.print(self.title, markup=False)
        label = max(len(h) for h in self.headers)
        for row in self.rows:
            console.print()
            for header, cell in zip(self.headers, row, strict=True):
                value = Text.from_markup(cell) if isinstance(cell, str) else cell
                # one line however long (soft wrap): the terminal wraps it, copying keeps it
                console.print(
                    Text.assemble((header.ljust(label), "bold"), "  ", value),
                    soft_wrap=True,
                )

    def _fits(self, console: Console) -> bool:
        """Whether the table shows every copyable value whole on one line at this width,
        and folds no word of the other columns (a column squeezed to nothing loses data)."""
        probe = Console(width=console.width, file=io.StringIO(), color_system=None)
        with probe.capture() as captured:
            probe.print(self.table())
        text = captured.get()
        lines = text.splitlines()
        for row in self.rows:
            for cell, copy in zip(row, self._copyable, strict=True):
                value = _plain(cell)
                if copy and value and not any(value in line for line in lines):
                    return False
                words = [] if copy else [w for w in value.split() if len(w) <= _LONG_WORD]
                if any(word not in text for word in words):
                    return False
        return True


#: Words longer than this (paths in an error, say) may fold in a table's free-text column.
_LONG_WORD = 20


def _plain(cell: str | Text) -> str:
    return Text.from_markup(cell).plain if isinstance(cell, str) else cell.plain


def _width(cell: str | Text) -> int:
    return Text(_plain(cell)).cell_len


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
