"""A funnel's trend and times to each step, for people: under the funnel's terminal table
and in its Markdown section (`cjo report`). The numbers are `FunnelResult`'s
(`engine/funnel_timing.py`); nothing is shown where an executor left them out.

- Times: per step after the first, the nearest-rank p25 / p50 / p75 / p90 from the
  previous step; wide terminals and Markdown add p50 and p90 from step 1, Markdown
  the customers per bin.
- Trend: one line per period with the conversion and a bar scaled to the best period,
  and the open attempts (window still open at the log's end: not drop-offs). Beyond
  MAX_ROWS periods the terminal shows the conversion as a sparkline instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.text import Text

from cjo_cli.engine.funnel_result import HISTOGRAM_BOUNDS, FunnelResult, TrendPoint
from cjo_cli.model.clock import utc_text
from cjo_cli.output.funnel_report import duration, percent
from cjo_cli.output.tables import plain_table
from cjo_cli.output.text import markdown, rich_text

MAX_ROWS = 26
"""Periods shown one per line; more become a sparkline (a year of weeks is 52 lines)."""

SPARKS = "▁▂▃▄▅▆▇█"
PERIOD_NAMES = {"day": "Day", "week": "Week of", "month": "Month"}


def bin_label(index: int) -> str:
    """`≤1m`, `≤6h`, `≤30d`, then `>30d` for the open bin."""
    if index < len(HISTOGRAM_BOUNDS):
        return "≤" + duration(HISTOGRAM_BOUNDS[index])
    return ">" + duration(HISTOGRAM_BOUNDS[-1])


def _rate(point: TrendPoint) -> float | None:
    return point.converted / point.entered if point.entered else None


def _percentiles(values: tuple[float, ...] | None) -> list[str]:
    return [duration(value) for value in values] if values is not None else ["–"] * 4


def times_table(result: FunnelResult, width: int) -> RenderableType | None:
    """The percentiles of the time to each step; None when the result has none."""
    steps = list(enumerate(result.total.steps, 1))[1:]
    if not any(step.time_from_previous is not None for _, step in steps):
        return None
    wide = width >= 110
    titles = ["#", "Step", "p25", "p50", "p75", "p90"]
    if wide:
        titles += ["p50 from 1", "p90 from 1"]
    table = plain_table(titles, left=2)
    table.columns[1].ratio = 1
    for number, step in steps:
        previous, start = step.time_from_previous, step.time_from_start
        cells = _percentiles(previous.percentiles if previous is not None else None)
        if wide:
            chosen = _percentiles(start.percentiles if start is not None else None)
            cells += [chosen[1], chosen[3]]
        table.add_row(str(number), rich_text(step.name), *cells)
    head = Text("Time to each step from the one before (of the customers who reached it)")
    return Group(head, table)


def trend_view(result: FunnelResult, width: int) -> RenderableType | None:
    """The conversion per period of step 1; None without a trend."""
    points = result.total.trend
    if not points:
        return None
    head = f"Conversion by {result.interval} of step 1 (UTC"
    head += ", weeks from Monday)" if result.interval == "week" else ")"
    opened = sum(point.open for point in points)
    notes = []
    if opened and result.log_end_us is not None:
        end = utc_text(result.log_end_us, "%Y-%m-%d %H:%M")
        notes.append(
            f"open: {opened:,} not converted yet whose window was still open at the "
            f"log's end ({end} UTC); not drop-offs"
        )
    if len(points) > MAX_ROWS:
        return Group(Text(head), *_sparkline(points, width, result.interval), *map(Text, notes))
    best = max((_rate(point) or 0.0 for point in points), default=0.0)
    bar_width = 20 if width >= 110 else 10
    table = plain_table(
        [PERIOD_NAMES.get(result.interval, "Period"), "Entered", "Converted", "Rate", "", "Open"]
    )
    for point in points:
        rate = _rate(point)
        filled = round((rate or 0.0) / best * bar_width) if best else 0
        bar = Text("█" * filled, style="cyan") + Text("░" * (bar_width - filled), style="dim")
        table.add_row(
            point.period,
            f"{point.entered:,}",
            f"{point.converted:,}",
            percent(rate),
            bar,
            f"{point.open:,}" if point.open else "",
        )
    return Group(Text(head), table, *map(Text, notes))


def _sparkline(points: Sequence[TrendPoint], width: int, interval: str) -> list[Text]:
    """The conversion per period as block characters, lowest to highest rate, in lines
    that fit `width`, with the span and the range."""
    rates = [_rate(point) for point in points]
    known = [rate for rate in rates if rate is not None]
    low, high = min(known, default=0.0), max(known, default=0.0)
    marks = []
    for rate in rates:
        if rate is None:
            marks.append(" ")
        elif high == low:
            marks.append(SPARKS[-1])
        else:
            marks.append(SPARKS[round((rate - low) / (high - low) * (len(SPARKS) - 1))])
    per_line = max(width - 1, 10)
    lines = [Text("".join(marks[i : i + per_line])) for i in range(0, len(marks), per_line)]
    entered = sum(point.entered for point in points)
    converted = sum(point.converted for point in points)
    summary = (
        f"{points[0].period} to {points[-1].period}, {len(points)} {interval}s: "
        f"{converted:,} of {entered:,} converted; per period {percent(low)} to {percent(high)}"
    )
    return [*lines, Text(summary)]


# ---- Markdown -------------------------------------------------------------------------


def markdown_lines(result: FunnelResult) -> list[str]:
    """The times and trend sections of a funnel's Markdown (empty when it has none)."""
    lines: list[str] = []
    steps = list(enumerate(result.total.steps, 1))[1:]
    if any(step.time_from_previous is not None for _, step in steps):
        lines += [
            "",
            "Time to each step (from the previous step; nearest-rank percentiles):",
            "",
            "| # | Step | p25 | p50 | p75 | p90 | p50 from step 1 | p90 from step 1 |",
            "|---|---|--:|--:|--:|--:|--:|--:|",
        ]
        for number, step in steps:
            previous, start = step.time_from_previous, step.time_from_start
            cells = _percentiles(previous.percentiles if previous is not None else None)
            chosen = _percentiles(start.percentiles if start is not None else None)
            row = [str(number), markdown(step.name), *cells, chosen[1], chosen[3]]
            lines.append("| " + " | ".join(row) + " |")
        labels = [bin_label(index) for index in range(len(HISTOGRAM_BOUNDS) + 1)]
        lines += [
            "",
            "Customers by time from the previous step:",
            "",
            "| # | Step | " + " | ".join(labels) + " |",
            "|---|---|" + "--:|" * len(labels),
        ]
        for number, step in steps:
            counts = step.time_from_previous.histogram if step.time_from_previous else ()
            cells = [f"{count:,}" for count in counts] or ["–"] * len(labels)
            lines.append(f"| {number} | {markdown(step.name)} | " + " | ".join(cells) + " |")
    if result.total.trend:
        name = PERIOD_NAMES.get(result.interval, "Period")
        lines += [
            "",
            f"Conversion by {markdown(result.interval)} of step 1 (UTC); open: not converted, "
            "window still open at the log's end:",
            "",
            f"| {name} | Entered | Converted | Rate | Open |",
            "|---|--:|--:|--:|--:|",
        ]
        for point in result.total.trend:
            lines.append(
                f"| {point.period} | {point.entered:,} | {point.converted:,} | "
                f"{percent(_rate(point))} | {point.open:,} |"
            )
    return lines
