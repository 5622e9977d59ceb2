"""Every command's --help reads well at 80 columns: plain text that wraps only where a
line is full, never cuts an option name or a word, and shows brackets as written."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from bankmarketing_ops.cli import app

runner = CliRunner()


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


def _description(output: str) -> list[list[str]]:
    """The paragraphs between the usage line and the first section (`Options:` …)."""
    paragraphs: list[list[str]] = [[]]
    for line in output.splitlines()[1:]:
        if line.endswith(":") and not line.startswith(" "):
            break
        if line.strip():
            paragraphs[-1].append(line.strip())
        else:
            paragraphs.append([])
    return [p for p in paragraphs if p]


def test_the_walk_finds_every_command() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"quickstart", "insights export", "services logs", "pipelines runs"} <= names
    assert len(names) > 40


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(p) or "root" for p, _ in COMMANDS]
)
def test_help_wraps_only_where_the_line_is_full_and_cuts_nothing(
    path: tuple[str, ...], command: Any
) -> None:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    for paragraph in _description(result.output):
        for line, following in itertools.pairwise(paragraph):
            # the next line's first word would have fitted: a hard break, not a wrap
            assert len(line) + 1 + len(following.split()[0]) > 76, (line, following)
    texts = [command.help or "", *(getattr(p, "help", None) or "" for p in command.params)]
    assert result.output.count("…") == "".join(texts).count("…"), result.output  # nothing cut
    assert "\\[" not in result.output  # an escape meant for a markup renderer
    for text in texts[1:]:
        assert "\n" not in text, text  # an option's help is one paragraph


def test_the_otel_extra_is_named_in_export_help() -> None:
    result = runner.invoke(app, ["insights", "export", "--help"], env={"COLUMNS": "80"})
    assert "(needs the [otel] extra)" in " ".join(result.output.split())


def test_long_option_names_are_whole() -> None:
    result = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "80"})
    assert "--max-concurrent-iterations" in result.output
