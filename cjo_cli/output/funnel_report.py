"""`cjo report` output: funnel results as rich tables with bars, JSON, CSV or Markdown.

The JSON shape is the contract of docs/funnels.md, one object per funnel, wrapped as
`{"funnels": [...], "log": {"read": N, "rejected": M}}`:

    {"funnel": id, "name": ..., "order": ..., "window_seconds": ..., "engine": ...,
     "excluded": n,
     "steps": [{"name", "event", "customers", "from_start", "from_previous",
                "median_seconds", "mean_seconds", "percentiles", "histogram",
                "percentiles_from_start", "histogram_from_start"}],
     "breakdown": {"by": ..., "comparison": ...,
                   "groups": [{"value": ..., "excluded": n, "steps": [...],
                               "trend": [...], "compared": null | {...}}]},
     "interval": "week", "log_end": ISO instant, "trend": [{"period", "entered",
     "converted", "open"}]}

`from_start` and `from_previous` are shares (0..1), null when the step they divide
by has no customers; times are seconds from the previous step of the counted
attempt, null for step 1 and when nobody reached the step. `percentiles` is
`{"p25", "p50", "p75", "p90"}` (nearest rank; null likewise) and `histogram` a list
of `{"le_seconds", "customers"}` (`le_seconds` null for the open last bin; null on
step 1); the `_from_start` pair measures from step 1. `breakdown` is null when the
funnel has none; `compared` is a group against the rest of the customers
(`engine.group_compare`: `difference_points`, `ci_low`, `ci_high` in percentage
points, `p_value`, `p_adjusted`, `significant`, `verdict`), null with every group
when `comparison` says why they are not compared. CSV keeps one row per funnel, group
and step, without the trend, the distributions (those are lists per step) and the
comparison.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from cjo_cli.engine.funnel_result import (
    HISTOGRAM_BOUNDS,
    PERCENTILES,
    FunnelResult,
    StepStats,
    TimeToStep,
    TrendPoint,
    step_rows,
)
from cjo_cli.engine.funnel_variant import assignment_note
from cjo_cli.engine.group_compare import COMPARED, GroupComparison, compare_groups
from cjo_cli.model.clock import iso
from cjo_cli.output import numbers
from cjo_cli.output.tables import numbers_table
from cjo_cli.output.text import csv_text, markdown, markdown_code, rich_text

BAR_WIDTH = 24


def _percentiles_json(times: TimeToStep | None) -> dict[str, float] | None:
    if times is None or times.percentiles is None:
        return None
    return {f"p{p}": value for p, value in zip(PERCENTILES, times.percentiles, strict=True)}


def _histogram_json(times: TimeToStep | None) -> list[dict[str, Any]] | None:
    if times is None:
        return None
    bounds: list[int | None] = [*HISTOGRAM_BOUNDS, None]
    return [
        {"le_seconds": bound, "customers": count}
        for bound, count in zip(bounds, times.histogram, strict=True)
    ]


def _step_json(step: StepStats) -> dict[str, Any]:
    return {
        "name": step.name,
        "event": step.event,
        "customers": step.customers,
        "from_start": step.from_start,
        "from_previous": step.from_previous,
        "median_seconds": step.median_seconds,
        "mean_seconds": step.mean_seconds,
        "percentiles": _percentiles_json(step.time_from_previous),
        "histogram": _histogram_json(step.time_from_previous),
        "percentiles_from_start": _percentiles_json(step.time_from_start),
        "histogram_from_start": _histogram_json(step.time_from_start),
    }


def _trend_json(points: Sequence[TrendPoint]) -> list[dict[str, Any]]:
    return [
        {"period": p.period, "entered": p.entered, "converted": p.converted, "open": p.open}
        for p in points
    ]


def _compared_json(compared: GroupComparison | None) -> dict[str, Any] | None:
    if compared is None:
        return None
    difference = compared.difference
    return {
        "difference_points": None if difference is None else difference.difference * 100,
        "ci_low": None if difference is None else difference.low * 100,
        "ci_high": None if difference is None else difference.high * 100,
        "p_value": compared.p_value,
        "p_adjusted": compared.p_adjusted,
        "significant": compared.significant,
        "verdict": compared.verdict,
    }


def funnel_json(result: FunnelResult) -> dict[str, Any]:
    funnel = result.funnel
    breakdown = None
    if result.breakdown_by is not None:
        comparisons = compare_groups(result)
        breakdown = {
            "by": result.breakdown_by,
            "assignment": result.assignment,
            "comparison": comparisons.method,
            "groups": [
                {
                    "value": group.label,
                    "excluded": group.excluded,
                    "steps": [_step_json(step) for step in group.steps],
                    "trend": _trend_json(group.trend),
                    "compared": _compared_json(compared),
                }
                for group, compared in zip(result.groups, comparisons.groups, strict=True)
            ],
        }
    return {
        "funnel": funnel.id,
        "name": funnel.name,
        "order": funnel.order,
        "window_seconds": funnel.window.seconds,
        "engine": result.engine,
        "excluded": result.total.excluded,
        "steps": [_step_json(step) for step in result.total.steps],
        "breakdown": breakdown,
        "interval": result.interval,
        "log_end": None if result.log_end_us is None else iso(result.log_end_us),
        "trend": _trend_json(result.total.trend),
    }


def format_json(
    results: Sequence[FunnelResult], read: int, rejected: int, properties_checked: bool = True
) -> str:
    log: dict[str, Any] = {"read": read, "rejected": rejected}
    if not properties_checked:
        # Rows whose properties are not JSON objects were not looked for (docs/funnels.md).
        log["properties_checked"] = False
    document = {"funnels": [funnel_json(result) for result in results], "log": log}
    return json.dumps(document, ensure_ascii=False, indent=2)


CSV_COLUMNS = (
    "funnel",
    "breakdown",
    "group",
    "step",
    "name",
    "event",
    "customers",
    "from_start",
    "from_previous",
    "median_seconds",
    "mean_seconds",
)


class _CsvRows(io.StringIO):
    """The CSV writer's rows, each ending in "\n" rather than the "\r\n" it is given:
    with "\r" among its line-end characters it quotes a value holding a lone "\r", which
    a reader (or a spreadsheet) would otherwise take for the start of a new row."""

    def write(self, row: str) -> int:
        return super().write(row.removesuffix("\r\n") + "\n")


def rejects_csv(rows: Sequence[tuple[str, int, str, str]]) -> str:
    """The rejects as CSV (file, row, reason, raw), text cells guarded against formulas."""
    out = _CsvRows()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["file", "row", "reason", "raw"])
    for file, row, reason, raw in rows:
        writer.writerow([csv_text(file), row, csv_text(reason), csv_text(raw)])
    return out.getvalue()


def format_csv(results: Sequence[FunnelResult]) -> str:
    out = _CsvRows()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for funnel, by, group, step, name, event, customers, *measures in step_rows(results):
        # Texts from the workspace and the log are guarded against formulas; the numbers
        # cjo computes (step, customers, shares, seconds) stay numbers, `-3.5` included.
        texts = [csv_text(text or "") for text in (funnel, by, group)]
        writer.writerow(
            [*texts, step, csv_text(name), csv_text(event), customers]
            + [_plain(value) for value in measures]
        )
    return out.getvalue()


def _plain(value: float | None) -> str:
    return "" if value is None else repr(round(value, 6))


def percent(value: float | None) -> str:
    """A funnel's rate; an en dash where no customer reached the step before."""
    return numbers.percent(value, "–")


def duration(seconds: float | None) -> str:
    """A time between steps for people: 45s, 12m 5s, 3h 20m, 2d 4h."""
    if seconds is None:
        return "–"
    whole = round(seconds)
    if whole < 60:
        return f"{seconds:.0f}s" if seconds >= 1 or seconds == 0 else f"{seconds:.2f}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs}s" if secs else f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h" if hours else f"{days}d"


def format_markdown(results: Sequence[FunnelResult], read: int, rejected: int) -> str:
    # Imported here: funnel_times itself builds on this module's duration and percent.
    from cjo_cli.output.funnel_times import markdown_lines

    lines: list[str] = []
    for result in results:
        funnel = result.funnel
        window = funnel.window.text or str(funnel.window.seconds)
        lines += [
            f"## {markdown(funnel.name)} ({markdown_code(funnel.id)})",
            "",
            f"{markdown(funnel.order)}, window {markdown(window)}"
            + (f"; {result.total.excluded} excluded" if result.total.excluded else ""),
            "",
            "| # | Step | Event | Customers | From start | From previous | Median | Mean |",
            "|---|---|---|--:|--:|--:|--:|--:|",
        ]
        for number, step in enumerate(result.total.steps, 1):
            lines.append(
                f"| {number} | {markdown(step.name)} | {markdown_code(step.event)} | "
                f"{step.customers:,} | {percent(step.from_start)} | "
                f"{percent(step.from_previous)} | "
                f"{duration(step.median_seconds)} | {duration(step.mean_seconds)} |"
            )
        if result.breakdown_by is not None:
            names = " | ".join(markdown(step.name) for step in result.total.steps)
            lines += [
                "",
                f"By {markdown(result.breakdown_by)}:",
                "",
                f"| {markdown(result.breakdown_by)} | {names} | Conversion |",
                "|---|" + "--:|" * (len(result.total.steps) + 1),
            ]
            for group in result.groups:
                cells = " | ".join(f"{step.customers:,}" for step in group.steps)
                share = percent(group.steps[-1].from_start)
                lines.append(f"| {markdown(group.label or '')} | {cells} | {share} |")
            note = assignment_note(result)
            lines += ["", markdown(note)] if note else []
        lines += markdown_lines(result)
        lines.append("")
    lines.append(f"Log: read {read:,} rows, rejected {rejected:,}.")
    return "\n".join(lines) + "\n"


VS_REST_NOTE = (
    "vs rest: conversion minus the other customers', in points; "
    "* significant (Holm-corrected p < 0.05)"
)


def vs_rest(compared: GroupComparison | None) -> str:
    """A group against the rest, short: `+5.2 pt*` (* significant), `-0.3 pt`, `too few`."""
    if compared is None:
        return "–"
    if compared.difference is None:
        return "too few"
    mark = "*" if compared.significant else ""
    # + 0.0 turns a rounded -0.0 into 0.0: no sign on a difference that rounds to none.
    points = round(compared.difference.difference * 100, 1) + 0.0
    return f"{points:+.1f} pt{mark}"


def _bar(share: float | None, width: int) -> Text:
    filled = 0 if share is None else round(share * width)
    return Text("█" * filled, style="cyan") + Text("░" * (width - filled), style="dim")


def funnel_table(result: FunnelResult, width: int = 120) -> RenderableType:
    """The funnel as a table, the times to its steps under it, the breakdown, then the
    trend; on narrow terminals shorter bars and no event names."""
    from cjo_cli.output.funnel_times import times_table, trend_view  # see format_markdown

    wide = width >= 110
    bar_width = BAR_WIDTH if wide else 8
    funnel = result.funnel
    title = f"{funnel.name} ({funnel.id})"
    caption = f"{funnel.order}, window {funnel.window.text or str(funnel.window.seconds) + 's'}"
    if result.total.excluded:
        caption += f"; {result.total.excluded:,} removed by exclusions"
    # Names come from the workspace: rich_text, never markup (`[beta]`, `[/]`), nothing hidden.
    table = Table(
        title=rich_text(title),
        caption=rich_text(caption),
        title_justify="left",
        caption_justify="left",
    )
    table.add_column("#", justify="right")
    table.add_column("Step", min_width=10, ratio=1)
    table.add_column("Customers", justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("Start" if not wide else "From start", justify="right", no_wrap=True)
    table.add_column("Prev." if not wide else "From prev.", justify="right", no_wrap=True)
    table.add_column("Median", justify="right", no_wrap=True)
    if wide:
        table.add_column("Mean", justify="right", no_wrap=True)
    for number, step in enumerate(result.total.steps, 1):
        label = rich_text(step.name)
        if wide and step.name != step.event:
            label += rich_text(f" {step.event}", style="dim")
        table.add_row(
            str(number),
            label,
            f"{step.customers:,}",
            _bar(step.from_start, bar_width),
            percent(step.from_start),
            percent(step.from_previous),
            duration(step.median_seconds),
            *([duration(step.mean_seconds)] if wide else []),
        )
    times, trend = times_table(result, width), trend_view(result, width)
    # A blank line before each section under the table.
    parts: list[RenderableType] = [table, *([Text(""), times] if times is not None else [])]
    ending = [Text(""), trend] if trend is not None else []
    if result.breakdown_by is None:
        return Group(*parts, *ending)
    by = Table(title=rich_text(f"by {result.breakdown_by}"), title_justify="left")
    by.add_column(rich_text(result.breakdown_by), overflow="fold")
    for step in result.total.steps:
        # Fold, not cut, a name wider than the numbers leave room for (also the labels).
        by.add_column(rich_text(step.name), justify="right", overflow="fold")
    by.add_column("Conversion" if wide else "Conv.", justify="right")
    comparisons = compare_groups(result)
    compared = comparisons.method == COMPARED
    if compared:
        # No min_width: forcing one crops the table's right edge on narrow terminals;
        # a long difference wraps (`-36.9` over `pt*`) instead.
        by.add_column("vs rest", justify="right")
        by.caption = VS_REST_NOTE
    else:
        by.caption = comparisons.method
    note = assignment_note(result)
    by.caption = f"{by.caption}\n{note}" if note else by.caption
    by.caption_justify = "left"
    for group, comparison in zip(result.groups, comparisons.groups, strict=True):
        by.add_row(
            rich_text(group.label or ""),
            *(f"{step.customers:,}" for step in group.steps),
            percent(group.steps[-1].from_start),
            *([vs_rest(comparison)] if compared else []),
        )
    gap = [Text("")] if times is not None else []
    return Group(*parts, *gap, by, *ending)


def print_tables(results: Sequence[FunnelResult], console: Console | None = None) -> None:
    """Every funnel's table, on stdout unless another console is given."""
    console = console or Console()
    for result in results:
        console.print(funnel_table(result, console.width))
        console.print()


def overview_table(results: Sequence[FunnelResult]) -> Table:
    """One line per funnel: first and last step, conversion, and the KPI's target."""
    table = numbers_table(
        ("Funnel", "Steps", "Started", "Completed", "Conversion", "KPI target"),
        title="Funnels",
        title_justify="left",
    )
    table.columns[0].ratio = 1
    for result in results:
        steps = result.total.steps
        conversion = steps[-1].from_start if steps else None
        target = result.funnel.kpi.target_percent if result.funnel.kpi else None
        verdict = Text("–")
        if target is not None and conversion is not None:
            met = conversion * 100 >= target
            verdict = Text(f"{target:g}% {'met' if met else 'missed'}", "green" if met else "red")
        table.add_row(
            rich_text(result.funnel.id),
            str(len(steps)),
            f"{steps[0].customers:,}" if steps else "0",
            f"{steps[-1].customers:,}" if steps else "0",
            percent(conversion),
            verdict,
        )
    return table
