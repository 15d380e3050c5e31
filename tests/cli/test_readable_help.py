"""`cjo --help` and every `cjo COMMAND --help` name what to type (FILE, DIR, N, a choice's
values), never a Python type; flags show no value; and the documents the help cites are
the docs pages cjo has (or is writing), not a SPEC that does not ship."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from cjo_cli.cli.app import app
from cjo_cli.cli.readable_help import ReadableArgument, ReadableOption, reflowed

COMMANDS = sorted(str(info.name) for info in app.registered_commands)
PYTHON_TYPES = re.compile(r"<(?:list\[|bool>|str>|int|float|path>|file>|dir>|text>)")
VENDORS = ("segment", "mixpanel", "amplitude", "ga4")
DOCS = {
    "docs/replay.md",
    "docs/funnels.md",
    "docs/language.md",
    "docs/ci.md",
    "docs/exports/<vendor>.md",
    *(f"docs/exports/{vendor}.md" for vendor in VENDORS),
}
CITED = re.compile(r"docs/[\w/<>.-]*?\.md")


def help_of(*args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_is_covered() -> None:
    assert {"demo", "validate", "report", "simulate", "diff", "map", "init"} <= set(COMMANDS)


@pytest.mark.parametrize("args", [[], *([name] for name in COMMANDS)], ids=lambda a: " ".join(a))
def test_help_shows_no_python_types_and_cites_real_docs(args: list[str]) -> None:
    text = help_of(*args)
    assert not PYTHON_TYPES.findall(text), PYTHON_TYPES.findall(text)
    assert "SPEC" not in text and "§" not in text
    (usage,) = [line for line in text.splitlines() if "Usage:" in line]
    assert "{" not in usage, usage  # typer's `{MAP_ID}` for a required argument
    assert set(CITED.findall(text)) <= DOCS, CITED.findall(text)


def command_params(name: str) -> tuple[typer.Context, list[object]]:
    group = typer.main.get_command(app)
    context = typer.Context(group)
    command = group.get_command(context, name)  # type: ignore[attr-defined]
    return context, list(command.get_params(context))


@pytest.mark.parametrize("name", COMMANDS)
def test_every_value_has_a_name_a_person_reads(name: str) -> None:
    context, params = command_params(name)
    for param in params:
        assert isinstance(param, (ReadableOption, ReadableArgument)), param
        if isinstance(param, ReadableOption) and (param.is_flag or param.count):
            assert param.make_metavar(context) == "", param.name
            continue
        shown = param.metavar or param.make_metavar(context)
        # an upper-case name (FILE, N|N%, KEY=VALUE, CANONICAL=SOURCE), or a choice's values
        assert re.fullmatch(r"[A-Z][A-Z_]*(?:[=|][A-Z_%]+)*", shown) or "|" in shown, shown


def test_flags_show_no_value() -> None:
    text = help_of("validate")
    (strict,) = [line for line in text.splitlines() if "--strict" in line]
    assert strict.split("--strict")[1].split()[0] == "Treat", strict
    (line,) = [line for line in help_of().splitlines() if "--version" in line]
    assert line.split("--version")[1].split()[0] == "Print", line


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("validate", ["[PATHS]...", "--log  ", "FILE", "--max-bytes", "BYTES", "text|json"]),
        ("report", ["[FUNNEL_IDS]...", "--since", "TIME", "--threads", "N [x>=1]"]),
        ("init", ["[DIR]", "docs/ci.md"]),
        ("diff", ["cjo diff [OPTIONS] OLD NEW ", "--show", "N [x>=0]"]),
        ("map", ["cjo map [OPTIONS] MAP_ID "]),
        ("simulate", ["--explain", "CUSTOMER_ID", "docs/replay.md"]),
    ],
)
def test_examples(command: str, expected: list[str]) -> None:
    text = help_of(command)
    for part in expected:
        assert part in text, part


def test_reflowed_keeps_paragraphs_and_joins_their_lines() -> None:
    assert reflowed(None) is None
    assert reflowed("One line\n    and its end.\n\n    Two.") == "One line and its end.\n\nTwo."
