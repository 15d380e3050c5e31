"""The numbers tables: names left, numbers right, headers never read as markup, and
nothing cut with an ellipsis: ids stay whole while headers and numbers can wrap, and
fold when they cannot."""

from __future__ import annotations

import io

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from cjo_cli.output.tables import NAME_FLOOR, fit_widths, numbers_table, plain_table


def test_the_first_columns_are_names_the_rest_numbers() -> None:
    table = numbers_table(("Touchpoint", "Channel", "Sent"), left=2, title="t")
    assert [column.justify for column in table.columns] == ["left", "left", "right"]
    assert table.title == "t"


def test_a_plain_table_has_no_border_and_one_name_column() -> None:
    table = plain_table(("Step", "Unique", "Total"))
    assert table.box is None
    assert [column.justify for column in table.columns] == ["left", "right", "right"]


def test_headers_are_text_not_markup() -> None:
    table = plain_table(("[bold]step[/]", "[/]"))
    table.add_row("a", "1")
    console = Console(record=True, width=60)
    console.print(table)
    shown = console.export_text()
    assert "[bold]step[/]" in shown and "[/]" in shown


# ---- nothing is cut -------------------------------------------------------------------


def rendered(table: Table, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    console.print(table)
    assert isinstance(console.file, io.StringIO)
    return console.file.getvalue().splitlines()


def sends_table() -> Table:
    titles = ("Touchpoint", "Channel", "Sent", "Capped", "Deferred", "Not sent", "Delivered")
    table = plain_table((*titles, "Opened", "Clicked"), left=2)
    # The sample's widest: 84 cells with two between columns.
    table.add_row("signup_page_a", "web", "32", "0", "0", "0", "-", "-", "-")
    table.add_row("replenish_sms", "sms", "0", "0", "0", "0", "0", "0", "0")
    return table


def test_ids_stay_whole_while_headers_and_numbers_can_wrap() -> None:
    lines = rendered(sends_table(), 80)
    assert all(cell_len(line) <= 80 for line in lines)
    text = "\n".join(lines)
    assert "…" not in text
    assert "signup_page_a" in text and "replenish_sms" in text
    # "Not sent" gave way (two lines), not an id.
    assert lines[0].split()[-1] == "Not" and "sent" in lines[1]


@pytest.mark.parametrize("width", [40, 50, 60])
def test_an_id_wider_than_its_column_folds_whole(width: int) -> None:
    table = numbers_table(("Journey", "Entered", "Converted"), box=None)
    journey = "loyalty_signup_abandonment_for_new_members"
    table.add_row(journey, "86", "23 (26.7%)")
    lines = rendered(table, width)
    assert all(cell_len(line) <= width for line in lines)
    assert "…" not in "\n".join(lines)
    assert "".join(line.split()[0] for line in lines[1:] if line.split()).startswith(journey)


def test_a_table_that_fits_keeps_rich_s_layout() -> None:
    table = numbers_table(("Funnel", "Started"), title="Funnels", title_justify="left")
    table.add_row("purchase_funnel", "400")
    lines = rendered(table, 80)
    assert lines[0].rstrip() == "Funnels"
    assert "│ purchase_funnel │     400 │" in lines


@pytest.mark.parametrize(
    ("most", "least", "names", "room", "widths"),
    [
        # Fits: nothing changes.
        ([20, 5, 5], [20, 5, 5], 1, 30, [20, 5, 5]),
        # Names wrap at their spaces first (a name 20 wide whose longest word is 8).
        ([20, 10, 5], [8, 4, 5], 1, 30, [15, 10, 5]),
        # Then numbers wrap at theirs, the widest first, before an id folds.
        ([20, 10, 8], [20, 4, 4], 1, 30, [20, 5, 5]),
        # Then ids fold, down to NAME_FLOOR, before a number folds.
        ([20, 10, 8], [20, 4, 4], 1, 18, [10, 4, 4]),
        # Then numbers fold, then names below the floor; one cell each at the least.
        ([20, 10, 8], [20, 4, 4], 1, 8, [6, 1, 1]),
        ([20, 10, 8], [20, 4, 4], 1, 3, [1, 1, 1]),
    ],
)
def test_fit_widths_gives_way_in_turn(
    most: list[int], least: list[int], names: int, room: int, widths: list[int]
) -> None:
    is_name = [index < names for index in range(len(most))]
    assert fit_widths(most, least, [0] * len(most), is_name, room) == widths
    assert NAME_FLOOR == 8
