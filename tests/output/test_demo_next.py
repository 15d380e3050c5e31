"""The end of `cjo demo`: commands for one's own export, each whole on its line, that
name only commands and options cjo has and docs pages that exist (or are being written)."""

from __future__ import annotations

import io
import shlex

from rich.console import Console
from typer.testing import CliRunner

from cjo_cli.cli.app import app
from cjo_cli.output.demo_next import OWN_EXPORT, print_own_export


def printed(width: int) -> str:
    out = io.StringIO()
    print_own_export(Console(file=out, width=width, highlight=False, color_system=None))
    return out.getvalue()


def test_each_command_is_on_one_line_whatever_the_width() -> None:
    """Each command whole on its line, under its comment; at 80 columns every line fits."""
    text = printed(40)
    lines = [line.rstrip() for line in text.splitlines()]
    assert "On your own export:" in lines
    for command, what in OWN_EXPORT:
        index = lines.index(f"  {command}")
        assert lines[index - 1] == f"  # {what}"
    assert "docs/exports/<vendor>.md" in text.replace("\n", "")
    assert max(len(line) for line in printed(80).splitlines()) <= 80


def test_the_sequence_starts_with_init_and_covers_the_loop() -> None:
    commands = [shlex.split(command)[1] for command, _ in OWN_EXPORT]
    assert commands[0] == "init"
    assert {"validate", "test", "report", "simulate", "map"} <= set(commands)


def test_every_command_and_option_exists() -> None:
    for command, _ in OWN_EXPORT:
        words = shlex.split(command)
        assert words[0] == "cjo"
        result = CliRunner().invoke(app, [words[1], "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        for option in (word for word in words if word.startswith("--")):
            assert option in result.output, (command, option)
