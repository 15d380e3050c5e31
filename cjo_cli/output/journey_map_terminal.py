"""A journey map in the terminal: the emotion curve first, then the phases' details.

The curve is one chart over every phase, a band per phase, so that it reads across
the whole journey at any width: paging the phases (two at a time at 80 columns)
would cut it into pieces. Each phase's details follow it full width, or side by side
when the terminal has room for more than one. Nothing is cut with an ellipsis: text
wraps, and a word wider than its column (a Japanese phrase, an id) folds onto the
next line. Widths are display cells, so full-width characters count twice.
"""

from __future__ import annotations

from rich import box
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cjo_cli.engine.map_overlay import MapOverlay
from cjo_cli.model import JourneyMap, Workspace
from cjo_cli.output.journey_map import (
    FACES,
    Column,
    cell_items,
    columns,
    map_header,
    measured_note,
    rows,
    share_text,
    where_lost,
)
from cjo_cli.output.text import rich_text, visible

LEVELS = (2, 1, 0, -1, -2)
# A phase's details need about this many cells to keep their labels beside the items;
# a terminal with room for two or more such blocks shows them side by side.
DETAILS_WIDTH = 56
_DETAIL_LABEL = 11  # "Touchpoints"
_GAP = 2


def _band_widths(room: int, count: int) -> list[int]:
    """`room` cells shared by `count` bands, the first ones a cell wider when it does
    not divide evenly; a band is at least one cell."""
    base, extra = divmod(max(room, count), count)
    return [base + 1 if index < extra else base for index in range(count)]


def _dots(score: int | None, width: int) -> Text:
    """A band of the curve: five lines from +2 down to -2, a dot at the score and the
    zero line dotted, so that the dots of all bands draw the curve against it."""
    lines = []
    for level in LEVELS:
        line = "·" * width if level == 0 else " " * width
        if score == level:
            middle = (width - 1) // 2
            line = line[:middle] + "●" + line[middle + 1 :]
        lines.append(line)
    # Left-justified: centring would strip the spaces that put the dot in the middle.
    return Text("\n".join(lines), justify="left", no_wrap=True, overflow="crop")


def _chart_numbers(column: Column, customers: int) -> tuple[str, str]:
    """A phase's measured numbers in the chart: who reached it, and each KPI's
    conversion with its verdict; the details name the funnels."""
    measured = column.measured
    if column.stage is None:
        return "", ""
    if measured is None or measured.reached is None:
        return "–", "–"
    reached = f"{measured.reached:,}\n{share_text(measured.reached, customers)}"
    kpis = []
    for kpi in measured.kpis:
        verdict = "" if kpi.met is None else (" met" if kpi.met else " below")
        kpis.append(f"{share_text(kpi.completed, kpi.started)}{verdict}")
    return reached, "\n".join(kpis) or "–"


def emotion_chart(cols: list[Column], width: int, overlay: MapOverlay | None = None) -> Table:
    """The emotion curve over every phase: a band per phase, in the details' order,
    with the emotion's note under the curve and, measured, the customers who reached
    the phase and its KPIs' conversion."""
    scale = [f"{level:+d} {FACES[level]}" for level in LEVELS]
    labels = [*scale, "Reached", "KPIs"] if overlay is not None else scale
    label_width = max(cell_len(label) for label in labels) + 1
    # One cell per band for the line between bands.
    bands = _band_widths(width - label_width - len(cols), len(cols))
    chart = Table(box=box.MINIMAL, show_edge=False, padding=0, collapse_padding=True)
    chart.add_column("", width=label_width, no_wrap=True)
    for column, band in zip(cols, bands, strict=True):
        chart.add_column(
            rich_text(column.title, style="bold"), width=band, justify="center", overflow="fold"
        )
    scores = [c.stage.emotion.score if c.stage and c.stage.emotion else None for c in cols]
    chart.add_row(
        Text("\n".join(scale)),
        *(_dots(score, band) for score, band in zip(scores, bands, strict=True)),
    )
    notes = [c.stage.emotion.note if c.stage and c.stage.emotion else "" for c in cols]
    chart.add_row("", *(rich_text(note) for note in notes), end_section=overlay is not None)
    if overlay is not None:
        numbers = [_chart_numbers(column, overlay.customers) for column in cols]
        chart.add_row(Text("Reached"), *(Text(reached) for reached, _ in numbers))
        chart.add_row(Text("KPIs"), *(Text(kpis) for _, kpis in numbers))
    return chart


def _items(items: list[str]) -> Table:
    """A cell's items, one per line behind a bullet; a long item wraps under its own
    text, not under the bullet. Every item comes from the workspace or the log: escaped,
    never markup."""
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(width=1, no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for item in items:
        grid.add_row("•", rich_text(item))
    return grid


def phase_details(column: Column, ws: Workspace, overlay: MapOverlay | None = None) -> Group:
    """One phase: its name, then a labelled line per row that has items."""
    heading = rich_text(column.title, style="bold")
    if column.stage is None:
        return Group(heading, Text("(no stage for this phase in the map)", style="dim"))
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(width=_DETAIL_LABEL, style="bold", no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    customers = overlay.customers if overlay is not None else 0
    for row, label in rows(overlay):
        items = cell_items(column, row, ws, customers)
        if items:
            grid.add_row(Text(label), _items(items))
    return Group(heading, grid)


def details(
    cols: list[Column], ws: Workspace, width: int, overlay: MapOverlay | None = None
) -> list[RenderableType]:
    """Every phase's details in order, as many side by side as the width has room for."""
    blocks = [phase_details(column, ws, overlay) for column in cols]
    per_row = max(1, min(len(blocks), (width + _GAP) // (DETAILS_WIDTH + _GAP)))
    if per_row == 1:
        shown: list[RenderableType] = []
        for block in blocks:
            shown += [Text(""), block]
        return shown
    grid = Table.grid(padding=(0, _GAP, 0, 0), expand=True)
    for _ in range(per_row):
        grid.add_column(ratio=1)
    for start in range(0, len(blocks), per_row):
        if start:
            grid.add_row(*([""] * per_row))
        line: list[RenderableType] = list(blocks[start : start + per_row])
        grid.add_row(*line, *([""] * (per_row - len(line))))
    return [Text(""), grid]


def terminal_map(
    jmap: JourneyMap,
    ws: Workspace,
    overlay: MapOverlay | None = None,
    source: str = "",
    width: int = 80,
) -> Group:
    """The whole map for a terminal `width` cells wide: header, curve, details and,
    measured, where the map loses the persona."""
    persona, theme = map_header(jmap, ws)
    header = rich_text(jmap.name, style="bold")
    header.append(f"\npersona: {visible(persona)}")
    if theme:
        header.append(f"\n{visible(theme)}")
    if overlay is not None:
        header.append(f"\n{visible(measured_note(overlay, source))}", style="dim")
    cols = columns(jmap, ws, overlay)
    parts: list[RenderableType] = [header]
    if cols:
        parts += [Text(""), Text("Emotion curve", style="bold")]
        parts += [emotion_chart(cols, width, overlay), *details(cols, ws, width, overlay)]
    if overlay is not None:
        parts += [Text(""), rich_text(where_lost(jmap, ws, overlay), style="bold")]
    return Group(*parts)
