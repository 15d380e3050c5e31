"""Findings: what validation says about a file, with where it says it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at one place. Lines and columns are 1-based, as editors show them."""

    path: str
    line: int
    col: int
    level: Level
    rule: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "level": self.level.value,
            "rule": self.rule,
            "message": self.message,
        }
