"""A funnel's trend and times to each step for people (output/funnel_times.py): under the
terminal table, in Markdown, in the JSON, and nothing where a result has none."""

from __future__ import annotations

import io
import json

from rich.cells import cell_len
from rich.console import Console

from cjo_cli.engine.funnel_result import (
    FunnelGroup,
    FunnelResult,
    StepStats,
    TimeToStep,
    TrendPoint,
)
from cjo_cli.model import Duration, EventFilter, Funnel, FunnelStep
from cjo_cli.model.clock import parse_instant
from cjo_cli.output.funnel_report import format_json, format_markdown, print_tables
from cjo_cli.output.funnel_times import (
    MAX_ROWS,
    bin_label,
    markdown_lines,
    times_table,
    trend_view,
)

END = parse_instant("2026-06-14T18:30:00+00:00")


def result(
    trend: tuple[TrendPoint, ...] = (),
    names: tuple[str, ...] = ("Viewed", "Carted", "Bought"),
    timed: bool = True,
) -> FunnelResult:
    funnel = Funnel(
        "checkout",
        "Checkout",
        tuple(FunnelStep(EventFilter(f"e{n}"), name) for n, name in enumerate(names, 1)),
        window=Duration(7 * 86400, "7d"),
    )
    counts = (10, 4, 2)
    steps = []
    for index, name in enumerate(names):
        previous = start = None
        if index and timed:
            histogram = (1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0) if index == 1 else (0,) * 9 + (1, 1)
            previous = TimeToStep((45.0, 200.0, 600.0, 3600.0 * index), histogram)
            start = TimeToStep((60.0, 300.0, 900.0, 86400.0 * index), histogram)
        steps.append(
            StepStats(name, f"e{index + 1}", counts[index], 1.0, 1.0, None, None, previous, start)
        )
    group = FunnelGroup(None, tuple(steps), 0, trend)
    return FunnelResult(funnel, group, interval="week", log_end_us=END)


WEEKS = (
    TrendPoint("2026-06-01", 6, 2, 0),
    TrendPoint("2026-06-08", 4, 0, 3),
)


def rendered(found: FunnelResult, width: int) -> str:
    console = Console(record=True, width=width, color_system=None, file=io.StringIO())
    print_tables([found], console)
    return console.export_text()


def test_bin_labels() -> None:
    assert [bin_label(i) for i in (0, 3, 4, 9, 10)] == ["≤1m", "≤1h", "≤6h", "≤30d", ">30d"]


def test_terminal_shows_percentiles_and_one_line_per_period() -> None:
    text = rendered(result(WEEKS), 80)
    assert "Time to each step from the one before" in text
    assert "45s" in text and "3m 20s" in text and "10m" in text and "2h" in text
    assert "p50 from 1" not in text  # only on wide terminals
    assert "Conversion by week of step 1 (UTC, weeks from Monday)" in text
    (first,) = [line for line in text.splitlines() if line.startswith("2026-06-01")]
    assert "33.3%" in first and "█" * 10 in first  # the best week has the full bar
    (second,) = [line for line in text.splitlines() if line.startswith("2026-06-08")]
    assert second.rstrip().endswith("3")  # open
    assert "open: 3 not converted yet" in text and "2026-06-14 18:30 UTC" in text
    assert all(cell_len(line) <= 80 for line in text.splitlines())
    assert "…" not in text


def test_wide_terminals_add_the_times_from_step_1() -> None:
    text = rendered(result(WEEKS), 120)
    assert "p50 from 1" in text and "p90 from 1" in text
    assert "2d" in text  # step 3's p90 from step 1


def test_many_periods_become_a_sparkline() -> None:
    days = tuple(TrendPoint(f"2026-05-{day:02d}", 10, day % 5, 0) for day in range(1, MAX_ROWS + 6))
    view = trend_view(result(days), 80)
    console = Console(record=True, width=80, color_system=None, file=io.StringIO())
    console.print(view)
    text = console.export_text()
    assert "▁" in text and "█" in text
    assert f"2026-05-01 to 2026-05-{MAX_ROWS + 5}, {MAX_ROWS + 5} weeks" in text
    assert "per period 0.0% to" in text and "40.0%" in text
    assert not [line for line in text.splitlines() if line.startswith("2026-05-02")]
    assert all(cell_len(line) <= 80 for line in text.splitlines())


def test_nothing_is_shown_without_times_or_trend() -> None:
    bare = result(timed=False)
    assert times_table(bare, 80) is None and trend_view(bare, 80) is None
    assert markdown_lines(bare) == []
    assert "Time to each step" not in rendered(bare, 80)


def test_markdown_tables() -> None:
    lines = format_markdown([result(WEEKS, names=("a|b", "Carted", "Bought"))], 0, 0).splitlines()
    assert "| 2 | Carted | 45s | 3m 20s | 10m | 1h | 5m | 1d |" in lines
    assert (
        "| # | Step | ≤1m | ≤5m | ≤15m | ≤1h | ≤6h | ≤1d | ≤3d | ≤7d | ≤14d | ≤30d | >30d |"
        in lines
    )
    assert "| 3 | Bought | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 1 | 1 |" in lines
    assert "| Week of | Entered | Converted | Rate | Open |" in lines
    assert "| 2026-06-08 | 4 | 0 | 0.0% | 3 |" in lines
    for line in lines:
        if line.startswith("| "):
            header = line.replace("\\|", "").count("|")
            assert header in {9, 6, 14, 5}


def test_json_keys() -> None:
    (funnel,) = json.loads(format_json([result(WEEKS)], 0, 0))["funnels"]
    assert funnel["interval"] == "week"
    assert funnel["log_end"] == "2026-06-14T18:30:00+00:00"
    assert funnel["trend"] == [
        {"period": "2026-06-01", "entered": 6, "converted": 2, "open": 0},
        {"period": "2026-06-08", "entered": 4, "converted": 0, "open": 3},
    ]
    first, second, third = funnel["steps"]
    assert first["percentiles"] is None and first["histogram"] is None
    assert first["percentiles_from_start"] is None and first["histogram_from_start"] is None
    assert second["percentiles"] == {"p25": 45.0, "p50": 200.0, "p75": 600.0, "p90": 3600.0}
    assert second["percentiles_from_start"]["p90"] == 86400.0
    assert [b["le_seconds"] for b in second["histogram"]] == [
        60,
        300,
        900,
        3600,
        21600,
        86400,
        259200,
        604800,
        1209600,
        2592000,
        None,
    ]
    assert sum(b["customers"] for b in second["histogram"]) == second["customers"]
    assert sum(b["customers"] for b in third["histogram_from_start"]) == third["customers"]
