"""`--help` that names what to type: `--log FILE`, `--threads N`, `PATHS`, and nothing
after a flag, where typer would print Python types (`<list[str]>`, `<bool>`, `<int range>`).

Every option that takes a value declares its metavar where it is declared; these classes
make typer show that and nothing else (tests/cli/test_readable_help.py holds every
command to it):

- an option shows its metavar, a flag nothing, a choice its values as `a|b|c`;
- an argument shows its metavar as its name (`PATHS`, `MAP_ID`) and no type beside it,
  and the usage line writes a required one bare (`cjo map [OPTIONS] MAP_ID`).

typer builds the parameters itself, so the command classes give each one of these
classes when its command is asked for them (the help panels and the parser ask the same
way); only how a parameter is shown changes, never how it is parsed. typer versions
without `display_type_rich` show the metavar alone already: there the overrides are
never called.
"""

from __future__ import annotations

import inspect
from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


class ReadableOption(TyperOption):
    def display_type_rich(self, ctx: Any) -> str | None:
        if self.is_flag or self.count:
            return None  # `--strict`, `--json`, `--help`: there is no value to type
        if self.metavar is not None:
            return self.metavar
        shown: str | None = super().display_type_rich(ctx)
        # What is left is a choice, `<text|json>`: the values, as click has always shown them.
        if shown is not None and shown.startswith("<") and shown.endswith(">"):
            return shown[1:-1]
        return shown


class ReadableArgument(TyperArgument):
    def display_type_rich(self, ctx: Any) -> str | None:
        return None  # the name column shows the metavar: a type beside it says it twice

    def _usage_display_name(self) -> str:
        # `cjo map [OPTIONS] MAP_ID`, as man pages write it; typer's `{MAP_ID}` reads
        # as a literal brace.
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return f"{name}..." if self.nargs != 1 else name


def readable(params: list[Any]) -> list[Any]:
    """The same parameters, each now of the class above for its kind (in place, and
    again harmlessly on the next call: typer keeps the objects)."""
    for param in params:
        if isinstance(param, TyperOption) and not isinstance(param, ReadableOption):
            param.__class__ = ReadableOption
        elif isinstance(param, TyperArgument) and not isinstance(param, ReadableArgument):
            param.__class__ = ReadableArgument
    return params


def reflowed(text: str | None) -> str | None:
    """A docstring's paragraphs each on one line: rich mode keeps the source's line
    breaks, which then cut the help's lines wherever the source was wrapped."""
    if text is None:
        return None
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in paragraphs)


class ReadableCommand(TyperCommand):
    """Every `cjo COMMAND`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = reflowed(self.help)

    def get_params(self, ctx: Any) -> list[Any]:
        return readable(super().get_params(ctx))


class ReadableGroup(TyperGroup):
    """`cjo` itself (`--version`, `--help`)."""

    def get_params(self, ctx: Any) -> list[Any]:
        return readable(super().get_params(ctx))
