"""The shape every numbers table of cjo's terminal output shares: names on the left,
counts and rates right-aligned."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table
from rich.text import Text


def numbers_table(titles: Sequence[str], left: int = 1, **options: Any) -> Table:
    """A table whose first `left` columns are names and the others numbers; `options`
    go to rich's Table (title, box, padding...). A first column's `ratio` makes it
    take the room left over."""
    table = Table(**options)
    for number, title in enumerate(titles):
        table.add_column(Text(title), justify="left" if number < left else "right")
    return table


def plain_table(titles: Sequence[str], left: int = 1) -> Table:
    """A numbers table without borders, for lists under a headline."""
    return numbers_table(titles, left, box=None, pad_edge=False, padding=(0, 1))
