"""`--help` that names what to type: `--log FILE`, `--threads N`, `PATHS`, and nothing
after a flag, where typer would print Python types (`<str>`, `<bool>`, `<int range>`).

Every option that takes a value declares its metavar where it is declared; these classes
make typer show that and nothing else (tests/cli/test_readable_help.py holds every
command to it):

- an option shows its metavar, a flag nothing, a choice its values as `a|b|c`;
- an argument shows its metavar as its name (`PATHS`, `MAP_ID`) and no type beside it,
  and the usage line writes a required one bare (`cjo map [OPTIONS] MAP_ID`).

typer builds the parameters itself, so the command classes give each one of these
classes when its command is asked for them (the help panels and the parser ask the same
way); only how a parameter is shown changes, never how it is parsed. It is written for
the typer that pyproject.toml pins (0.28: typer 0.29 builds a pydantic validator for
every option on every start, 0.2 s of each command).
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


class ReadableOption(TyperOption):
    def make_metavar(self, ctx: Any) -> str:
        if self.is_flag or self.count:
            return ""  # `--strict`, `--json`, `--help`: there is no value to type
        shown: str = super().make_metavar(ctx)
        # Undeclared is a choice, `<text|json>`: the values, as click has always shown them.
        if self.metavar is None and shown.startswith("<") and shown.endswith(">"):
            return shown[1:-1]
        return shown


class ReadableArgument(TyperArgument):
    def make_metavar(self, ctx: Any, *, usage: bool = False) -> str:
        if not usage:
            return super().make_metavar(ctx)
        # `cjo map [OPTIONS] MAP_ID`, as man pages write it; typer's `{MAP_ID}` reads
        # as a literal brace.
        name = self.metavar or (self.name or "").upper()
        name = name if self.required else f"[{name}]"
        return f"{name}..." if self.nargs != 1 else name


_TYPELESS: dict[type, type] = {}


def _typeless(kind: type) -> type:
    """`kind`, parsing the same, whose metavar is empty: the help's type column of an
    argument reads the type itself, and the name column already shows the metavar."""

    def get_metavar(self: Any, param: Any, ctx: Any) -> str:
        return ""

    if kind not in _TYPELESS:
        _TYPELESS[kind] = type(f"Typeless{kind.__name__}", (kind,), {"get_metavar": get_metavar})
    return _TYPELESS[kind]


def readable(params: list[Any]) -> list[Any]:
    """The same parameters, each now of the class above for its kind (in place, and
    again harmlessly on the next call: typer keeps the objects)."""
    for param in params:
        if isinstance(param, TyperOption) and not isinstance(param, ReadableOption):
            param.__class__ = ReadableOption
        elif isinstance(param, TyperArgument) and not isinstance(param, ReadableArgument):
            param.__class__ = ReadableArgument
            # A copy: click shares one instance of a type (STRING) among parameters.
            param.type = copy.copy(param.type)
            param.type.__class__ = _typeless(type(param.type))
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
