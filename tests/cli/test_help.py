"""Every command's --help reads well at 80 columns: no sentence broken by a hard line
break, no bracketed word swallowed as Rich markup."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from rich.markup import RE_TAGS
from rich.style import Style
from typer.testing import CliRunner

from bankmarketing_ops.cli import app

runner = CliRunner()


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


def _description(output: str) -> list[list[str]]:
    """The paragraphs above the option panels, as their rendered lines."""
    paragraphs: list[list[str]] = [[]]
    for line in output.splitlines():
        if line.startswith(("╭", "│", "╰")):
            break
        text = line.strip()
        if not text or text.startswith("Usage:"):
            paragraphs.append([])
        else:
            paragraphs[-1].append(text)
    return [p for p in paragraphs if p]


def test_the_walk_finds_every_command() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"quickstart", "insights export", "services logs", "pipelines runs"} <= names
    assert len(names) > 40


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=lambda p: " ".join(p) or "root")
def test_help_wraps_only_where_the_line_is_full(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    for paragraph in _description(result.output):
        for line, following in itertools.pairwise(paragraph):
            # the next line's first word would have fitted: a hard break, not a wrap
            assert len(line) + 1 + len(following.split()[0]) > 78, (line, following)


def test_no_help_text_has_a_bracketed_word_rich_would_swallow() -> None:
    for _path, command in COMMANDS:
        texts = [command.help or "", *(getattr(p, "help", None) or "" for p in command.params)]
        for text in texts:
            for match in RE_TAGS.finditer(text):
                escapes, tag = match.group(2), match.group(3)
                if len(escapes) % 2 or tag.startswith("/"):
                    continue  # escaped (shown as written), or a closing tag
                Style.parse(tag.split("=", 1)[0])  # raises for "[otel]": not a style


def test_the_otel_extra_is_named_in_export_help() -> None:
    result = runner.invoke(app, ["insights", "export", "--help"], env={"COLUMNS": "80"})
    assert "[otel] extra" in " ".join(result.output.split())
