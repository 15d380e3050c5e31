"""What `cjo diff` prints: the two versions side by side, and the changed paths."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table

from cjo_cli.engine.journey_diff import JourneyDiff
from cjo_cli.output.numbers import percent, points
from cjo_cli.output.tables import numbers_table
from cjo_cli.output.text import rich_text


def format_json(diff: JourneyDiff, old: str, new: str, show: int) -> str:
    document = {
        "journey": diff.journey,
        "old": {"version": old, **diff.sides[0]},
        "new": {"version": new, **diff.sides[1]},
        "changed_customers": len(diff.changed),
        "examples": diff.examples(show),
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def _count(value: float | None) -> str:
    return "-" if value is None else f"{int(value):,}"


def comparison_table(diff: JourneyDiff, old: str, new: str) -> Table:
    """Entered, converted, exits, sends and steps of both versions, with the change."""
    table = numbers_table(
        ("", "Old", "New", "Change"),
        title=rich_text(f"{diff.journey}: {old} → {new}"),
        box=None,
        padding=(0, 1),
    )

    def row(label: str, a: float | None, b: float | None, rate: bool = False) -> None:
        show = percent if rate else _count
        change = ""
        if a is not None and b is not None:
            change = f"{points(b - a)} pt" if rate else f"{int(b - a):+,}"
        # Exit reasons, touchpoints and step ids come from the workspace and the log.
        table.add_row(rich_text(label), show(a), show(b), change)

    old_side, new_side = diff.sides
    row("entered", old_side["entered"], new_side["entered"])
    row("converted", old_side["converted"], new_side["converted"])
    row("conversion", old_side["conversion_rate"], new_side["conversion_rate"], rate=True)
    for reason in old_side["exits"]:
        row(f"exit: {reason}", old_side["exits"][reason], new_side["exits"][reason])
    for tp in dict.fromkeys([*old_side["sends"], *new_side["sends"]]):
        row(f"send {tp}", old_side["sends"].get(tp), new_side["sends"].get(tp))
    for step in dict.fromkeys([*new_side["steps"], *old_side["steps"]]):
        a: Any = old_side["steps"].get(step)
        b: Any = new_side["steps"].get(step)
        row(f"step {step} (unique)", a and a["unique"], b and b["unique"])
    return table


def print_diff(
    diff: JourneyDiff, old: str, new: str, show: int, console: Console | None = None
) -> None:
    console = console or Console()
    console.print(comparison_table(diff, old, new))
    console.print(f"customers whose path changed: {len(diff.changed):,}", highlight=False)
    for example in diff.examples(show):
        console.print()
        console.print(rich_text(str(example["customer_id"]), style="bold"))
        for name in ("old", "new"):
            moves = " → ".join(example[name]) or "(not in the journey)"
            console.print(rich_text(f"  {name}: {moves}"))
