"""What a comparison in the condition language means, defined once (docs/language.md).

A `where` entry, a `property` condition and an `attribute` condition all compare
one value (an event property or a customer trait) with `op wanted`. `lower`
turns that comparison into a small tree of primitive tests on the value; the
compilers (`python.py` evaluates a tree on a Python value, `sql.py` writes it
as parameterised SQL over a JSON column, `bits.py` uses the Python form for the
replay) implement only the primitives, so none of them can give a comparison a
meaning of its own. The rules:

- a value is *absent* when the key is missing or its value is null;
- the condition's value directs the comparison: a string matches a string
  property equal to it; a number matches a number property, or a string that
  is a plain decimal number ("12000"), numerically; true/false match a boolean
  property; null matches an absent one;
- `ne` is the negation of `eq` (so an absent property is `ne` anything but
  null); `in` is `eq` to any member;
- `gt`/`gte`/`lt`/`lte` compare numbers numerically (as above) and strings by
  code points; a null, boolean or list bound compares with nothing;
  `between [low, high]` is inclusive at both ends;
- `exists: true` holds for a present value, `exists: false` for an absent one;
- `contains` holds for a string containing the value's text (a non-string
  value as JSON text, `5` → "5"), or a list with a member `eq` to the value.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Literal

from cjo_cli.model.conditions import Value


class _Missing:
    """The value of a key that is not there (None is JSON null)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        # Pickled (to Spark workers) and back, it stays the one instance.
        return "MISSING"


MISSING = _Missing()

Symbol = Literal["=", "<", "<=", ">", ">="]


@dataclass(frozen=True)
class Absent:
    """The key is missing or its value is null."""


@dataclass(frozen=True)
class TextIs:
    """The value is a string equal to `text`."""

    text: str


@dataclass(frozen=True)
class BoolIs:
    """The value is the boolean `value`."""

    value: bool


@dataclass(frozen=True)
class NumberCompare:
    """The value is a number (not a boolean), or a string that is a plain decimal
    number, and `value <symbol> bound` holds numerically."""

    symbol: Symbol
    bound: float


@dataclass(frozen=True)
class TextCompare:
    """The value is a string and `value <symbol> bound` holds by code points."""

    symbol: Symbol
    bound: str


@dataclass(frozen=True)
class TextContains:
    """The value is a string containing `needle`."""

    needle: str


@dataclass(frozen=True)
class ListHas:
    """The value is a list with a member for which `member` holds."""

    member: Test


@dataclass(frozen=True)
class Either:
    """At least one of the tests holds (none: false)."""

    tests: tuple[Test, ...]


@dataclass(frozen=True)
class Both:
    """Every one of the tests holds (none: true)."""

    tests: tuple[Test, ...]


@dataclass(frozen=True)
class Negate:
    test: Test


@dataclass(frozen=True)
class Constant:
    value: bool


Test = (
    Absent
    | TextIs
    | BoolIs
    | NumberCompare
    | TextCompare
    | TextContains
    | ListHas
    | Either
    | Both
    | Negate
    | Constant
)

_ORDER: dict[str, Symbol] = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def _float(number: int | float) -> float:
    """A condition's number as a double; an integer past a double's range is ±inf."""
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf


def equals(wanted: Value) -> Test:
    """The value is `eq` to `wanted`."""
    if wanted is None:
        return Absent()
    if isinstance(wanted, bool):
        return BoolIs(wanted)
    if isinstance(wanted, (int, float)):
        return NumberCompare("=", _float(wanted))
    if isinstance(wanted, str):
        return TextIs(wanted)
    return Constant(False)  # a list is never a property's value in `eq`


def ordered(symbol: Symbol, bound: Value) -> Test:
    """The value compares with `bound` as `symbol` says (numbers and strings only)."""
    if isinstance(bound, bool) or bound is None or isinstance(bound, tuple):
        return Constant(False)
    if isinstance(bound, (int, float)):
        return NumberCompare(symbol, _float(bound))
    return TextCompare(symbol, bound)


def as_text(value: Value) -> str:
    """A condition value as the text `contains` looks for."""
    if isinstance(value, str):
        return value
    return json.dumps(list(value) if isinstance(value, tuple) else value)


def lower(op: str, wanted: Value) -> Test:
    """The comparison `op wanted` as primitive tests (see the module doc)."""
    if op == "eq":
        return equals(wanted)
    if op == "ne":
        return Negate(equals(wanted))
    if op == "in":
        members = wanted if isinstance(wanted, tuple) else (wanted,)
        return Either(tuple(equals(member) for member in members))
    if op == "exists":
        return Absent() if wanted is False else Negate(Absent())
    if op == "contains":
        return Either((TextContains(as_text(wanted)), ListHas(equals(wanted))))
    if op == "between":
        if not isinstance(wanted, tuple) or len(wanted) != 2:
            return Constant(False)
        return Both((ordered(">=", wanted[0]), ordered("<=", wanted[1])))
    if op in _ORDER:
        return ordered(_ORDER[op], wanted)
    raise ValueError(f"unknown comparison {op!r}")
