"""The shape every numbers table of cjo's terminal output shares: names on the left,
counts and rates right-aligned.

Nothing in these tables is ever cut with an ellipsis (`cart_abandonm…`): every column
folds what does not fit onto the next line, and when the table is wider than the
terminal the columns give up room in an order that keeps ids whole for as long as
possible (`fit_widths`). rich's own order (the widest column first, whatever it holds)
folds an id to save one cell while a header such as "Not sent" could have wrapped, and
`no_wrap=True` would cut silently once the table is squeezed, so no column has it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console, ConsoleOptions
from rich.table import Table
from rich.text import Text

# Folded below this many cells an id becomes hard to read; numbers give way first.
NAME_FLOOR = 8


class NumbersTable(Table):
    """A rich Table whose first `names` columns are names and the others numbers."""

    def __init__(self, *args: Any, names: int = 1, **options: Any) -> None:
        super().__init__(*args, **options)
        self.names = names

    def _calculate_column_widths(self, console: Console, options: ConsoleOptions) -> list[int]:
        # rich's hook for the column widths (padding included, borders not); the
        # measuring helpers it uses are rich's own, so a cell measures as rich draws it.
        measured = [self._measure_column(console, options, column) for column in self.columns]
        most = [measure.maximum for measure in measured]
        if sum(most) <= options.max_width:
            return super()._calculate_column_widths(console, options)
        least = [measure.minimum for measure in measured]
        padding = [self._get_padding_width(index) for index in range(len(self.columns))]
        is_name = [index < self.names for index in range(len(self.columns))]
        return fit_widths(most, least, padding, is_name, options.max_width)


def fit_widths(
    most: Sequence[int],
    least: Sequence[int],
    padding: Sequence[int],
    is_name: Sequence[bool],
    room: int,
) -> list[int]:
    """Column widths (padding included) adding up to at most `room`, from each column's
    widest line (`most`) and longest word (`least`).

    In turn, as far as needed: names wrap at their spaces (ids have none and stay
    whole), numbers and headers wrap at theirs ("Not sent", "23 (39.0%)"), names fold
    down to NAME_FLOOR cells, numbers fold, names fold further. Within a turn the
    widest column gives a cell first, so the columns end up as even as they can be.
    """
    widths = list(most)
    numbers = [not name for name in is_name]
    turns = (
        (is_name, list(least)),
        (numbers, list(least)),
        (is_name, [min(low, pad + NAME_FLOOR) for low, pad in zip(least, padding, strict=True)]),
        (numbers, [pad + 1 for pad in padding]),
        (is_name, [pad + 1 for pad in padding]),
    )
    excess = sum(widths) - room
    for group, floors in turns:
        excess = _shrink(widths, floors, group, excess)
    return widths


def _shrink(widths: list[int], floors: list[int], group: Sequence[bool], excess: int) -> int:
    """Take up to `excess` cells from the group's columns, widest first, none below its
    floor; the excess still left."""
    while excess > 0:
        open_ = [
            index for index, width in enumerate(widths) if group[index] and width > floors[index]
        ]
        if not open_:
            break
        widest = max(open_, key=lambda index: widths[index])
        widths[widest] -= 1
        excess -= 1
    return excess


def numbers_table(titles: Sequence[str], left: int = 1, **options: Any) -> Table:
    """A table whose first `left` columns are names and the others numbers; `options`
    go to rich's Table (title, box, padding...). A first column's `ratio` makes it
    take the room left over."""
    table = NumbersTable(names=left, **options)
    for number, title in enumerate(titles):
        table.add_column(Text(title), justify="left" if number < left else "right", overflow="fold")
    return table


def plain_table(titles: Sequence[str], left: int = 1) -> Table:
    """A numbers table without borders, for lists under a headline."""
    return numbers_table(titles, left, box=None, pad_edge=False, padding=(0, 1))
