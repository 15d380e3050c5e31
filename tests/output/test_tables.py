"""The numbers tables: names left, numbers right, headers never read as markup."""

from __future__ import annotations

from rich.console import Console

from cjo_cli.output.tables import numbers_table, plain_table


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
