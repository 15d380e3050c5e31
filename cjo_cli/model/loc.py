"""Where a model object was written: `loc` for the object, `locs` for its fields.

Semantic rules and later commands point at `file:line:col` with them; neither
takes part in equality.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Loc:
    """A place in a file, 1-based."""

    path: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


NOWHERE = Loc("<none>", 1, 1)


def _no_locs() -> Mapping[str, Loc]:
    return {}


def locs_field() -> Mapping[str, Loc]:
    return field(default_factory=_no_locs, compare=False, repr=False)


def loc_field() -> Loc:
    return field(default=NOWHERE, compare=False, repr=False)
