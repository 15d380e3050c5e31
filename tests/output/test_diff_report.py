"""`cjo diff`'s output: the JSON document, the side-by-side table with the change, and
the changed customers' paths."""

from __future__ import annotations

import io
import json
from typing import Any

from rich.console import Console

from cjo_cli.engine.journey_diff import JourneyDiff
from cjo_cli.output.diff_report import comparison_table, format_json, print_diff


def side(
    entered: int,
    converted: int,
    sends: dict[str, int],
    steps: dict[str, tuple[int, int]],
    exits: tuple[int, int, int, int] = (1, 2, 0, 0),
) -> dict[str, Any]:
    return {
        "entered": entered,
        "converted": converted,
        "conversion_rate": converted / entered if entered else None,
        "exits": dict(zip(("goal", "exit_event", "end", "censored"), exits, strict=True)),
        "sends": sends,
        "steps": {step: {"unique": u, "total": t} for step, (u, t) in steps.items()},
    }


def make_diff() -> JourneyDiff:
    old = side(10, 2, {"mail": 8}, {"wait": (10, 10), "remind": (8, 8)})
    new = side(10, 4, {"mail": 6, "push": 3}, {"wait": (10, 10), "nudge": (3, 3)}, (4, 1, 0, 0))
    old_paths = {
        "c1": ("wait@2026-06-01 10:00", "remind@2026-06-02 10:00 (sent@06-02 10:00)", "exit:end"),
        "c2": ("wait@2026-06-01 11:00", "exit:goal"),
        "[bold]c3": ("wait@2026-06-01 12:00", "exit:end"),
    }
    new_paths = {
        "c1": ("wait@2026-06-01 10:00", "nudge@2026-06-01 12:00 (sent@06-01 12:00)", "exit:goal"),
        "c2": ("wait@2026-06-01 11:00", "exit:goal"),
        "[bold]c3": ("wait@2026-06-01 12:00", "exit:goal"),
        "c4": ("wait@2026-06-03 09:00", "exit:goal"),
    }
    return JourneyDiff("cart", (old, new), ("[bold]c3", "c1", "c4"), (old_paths, new_paths))


def recorded() -> Console:
    return Console(record=True, width=120, file=io.StringIO(), color_system=None)


def test_format_json() -> None:
    document = json.loads(format_json(make_diff(), "HEAD~1", "working tree", show=2))
    assert list(document) == ["journey", "old", "new", "changed_customers", "examples"]
    assert document["journey"] == "cart"
    assert document["old"]["version"] == "HEAD~1"
    assert document["new"]["version"] == "working tree"
    assert document["old"]["entered"] == 10 and document["new"]["converted"] == 4
    assert document["new"]["sends"] == {"mail": 6, "push": 3}
    assert document["changed_customers"] == 3
    assert document["examples"] == [
        {
            "customer_id": "[bold]c3",
            "old": ["wait@2026-06-01 12:00", "exit:end"],
            "new": ["wait@2026-06-01 12:00", "exit:goal"],
        },
        {
            "customer_id": "c1",
            "old": [
                "wait@2026-06-01 10:00",
                "remind@2026-06-02 10:00 (sent@06-02 10:00)",
                "exit:end",
            ],
            "new": [
                "wait@2026-06-01 10:00",
                "nudge@2026-06-01 12:00 (sent@06-01 12:00)",
                "exit:goal",
            ],
        },
    ]
    assert json.loads(format_json(make_diff(), "a", "b", show=0))["examples"] == []


def test_comparison_table() -> None:
    console = recorded()
    console.print(comparison_table(make_diff(), "v1", "v2"))
    lines = [line.split() for line in console.export_text().splitlines()]
    assert lines == [
        ["cart:", "v1", "→", "v2"],
        ["Old", "New", "Change"],
        ["entered", "10", "10", "+0"],
        ["converted", "2", "4", "+2"],
        ["conversion", "20.0%", "40.0%", "+20.0", "pt"],
        ["exit:", "goal", "1", "4", "+3"],
        ["exit:", "exit_event", "2", "1", "-1"],
        ["exit:", "end", "0", "0", "+0"],
        ["exit:", "censored", "0", "0", "+0"],
        ["send", "mail", "8", "6", "-2"],
        ["send", "push", "-", "3"],
        # Steps: the new version's order, then the steps only the old one had.
        ["step", "wait", "(unique)", "10", "10", "+0"],
        ["step", "nudge", "(unique)", "-", "3"],
        ["step", "remind", "(unique)", "8", "-"],
    ]


def test_comparison_table_shows_labels_as_written() -> None:
    old = side(1, 0, {"[red]mail": 1}, {})
    diff = JourneyDiff("[bold]j", (old, old), (), ({}, {}))
    console = recorded()
    console.print(comparison_table(diff, "[v1]", "[v2]"))
    text = console.export_text()
    assert "[bold]j: [v1] → [v2]" in text
    assert "send [red]mail" in text


def test_comparison_table_of_an_empty_side() -> None:
    empty = side(0, 0, {}, {"wait": (0, 0)})
    diff = JourneyDiff("j", (empty, side(2, 1, {}, {"wait": (2, 2)})), (), ({}, {}))
    console = recorded()
    console.print(comparison_table(diff, "a", "b"))
    text = console.export_text()
    conversion = next(line for line in text.splitlines() if "conversion" in line)
    assert conversion.split() == ["conversion", "-", "50.0%"]
    unique = next(line for line in text.splitlines() if "step wait" in line)
    assert unique.split() == ["step", "wait", "(unique)", "0", "2", "+2"]


def test_print_diff() -> None:
    console = recorded()
    print_diff(make_diff(), "v1", "v2", show=3, console=console)
    lines = [line.rstrip() for line in console.export_text().splitlines()]
    assert "customers whose path changed: 3" in lines
    start = lines.index("customers whose path changed: 3")
    assert lines[start + 1 :] == [
        "",
        "[bold]c3",
        "  old: wait@2026-06-01 12:00 → exit:end",
        "  new: wait@2026-06-01 12:00 → exit:goal",
        "",
        "c1",
        "  old: wait@2026-06-01 10:00 → remind@2026-06-02 10:00 (sent@06-02 10:00) → exit:end",
        "  new: wait@2026-06-01 10:00 → nudge@2026-06-01 12:00 (sent@06-01 12:00) → exit:goal",
        "",
        "c4",
        "  old: (not in the journey)",
        "  new: wait@2026-06-03 09:00 → exit:goal",
    ]


def test_print_diff_shows_at_most_show_examples() -> None:
    console = recorded()
    print_diff(make_diff(), "v1", "v2", show=1, console=console)
    text = console.export_text()
    assert "[bold]c3" in text and "c1\n" not in text and "c4" not in text
