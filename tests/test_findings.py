"""Findings: ordered by where they are, and as JSON outputs show them."""

from __future__ import annotations

import json

import pytest

from cjo_cli.findings import Finding, Level


def finding(
    path: str = "a.yaml",
    line: int = 1,
    col: int = 1,
    level: Level = Level.ERROR,
    rule: str = "bad-value",
    message: str = "m",
) -> Finding:
    return Finding(path, line, col, level, rule, message)


def test_levels() -> None:
    assert [level.value for level in Level] == ["error", "warning"]
    assert isinstance(Level.ERROR, str) and str(Level.ERROR) == "error"
    assert Level("warning") is Level.WARNING


def test_findings_sort_by_path_line_col_then_level_rule_message() -> None:
    given = [
        finding("b.yaml", 1, 1),
        finding("a.yaml", 10, 1),
        finding("a.yaml", 9, 12),
        finding("a.yaml", 9, 2, level=Level.WARNING),
        finding("a.yaml", 9, 2, rule="unknown-key"),
        finding("a.yaml", 9, 2, rule="bad-type", message="z"),
        finding("a.yaml", 9, 2, rule="bad-type", message="a"),
    ]
    assert sorted(given) == [
        finding("a.yaml", 9, 2, rule="bad-type", message="a"),
        finding("a.yaml", 9, 2, rule="bad-type", message="z"),
        finding("a.yaml", 9, 2, rule="unknown-key"),
        finding("a.yaml", 9, 2, level=Level.WARNING),  # errors before warnings at one place
        finding("a.yaml", 9, 12),  # columns as numbers
        finding("a.yaml", 10, 1),  # lines as numbers: 9 before 10
        finding("b.yaml", 1, 1),
    ]


def test_findings_are_values() -> None:
    assert finding() == finding()
    assert len({finding(), finding(), finding(line=2)}) == 2
    with pytest.raises(AttributeError):
        finding().line = 3  # type: ignore[misc]


def test_as_dict() -> None:
    got = Finding("journeys/cart.yaml", 12, 5, Level.WARNING, "dead-branch", "never taken")
    assert got.as_dict() == {
        "path": "journeys/cart.yaml",
        "line": 12,
        "col": 5,
        "level": "warning",
        "rule": "dead-branch",
        "message": "never taken",
    }
    assert list(got.as_dict()) == ["path", "line", "col", "level", "rule", "message"]
    assert type(got.as_dict()["level"]) is str
    assert json.loads(json.dumps(got.as_dict()))["level"] == "warning"
