"""The HTML report's charts over time and of the time to each step (output/html_times_svg.py):
a point per period on the conversion line (hollow where attempts are still open), a bar
per bin per step, every text escaped, and nothing drawn where a result has none; and the
report's funnel section shows them."""

from __future__ import annotations

import re
from html import escape
from xml.etree import ElementTree

from cjo_cli.engine.funnel_result import (
    FunnelGroup,
    FunnelResult,
    StepStats,
    TimeToStep,
    TrendPoint,
)
from cjo_cli.model import Duration, EventFilter, Funnel, FunnelStep, Workspace
from cjo_cli.output.html_report import LogFacts, render_report
from cjo_cli.output.html_times_svg import times_svg, trend_svg

HOSTILE = "<script>alert(1)</script>\"&'"
NS = {"svg": "http://www.w3.org/2000/svg"}


def result(trend: tuple[TrendPoint, ...], timed: bool = True) -> FunnelResult:
    names = (f"{HOSTILE} one", f"{HOSTILE} two")
    funnel = Funnel(
        f"f{HOSTILE}",
        f"{HOSTILE} funnel",
        tuple(FunnelStep(EventFilter(f"e{n}"), name) for n, name in enumerate(names)),
        window=Duration(86400, "1d"),
    )
    times = TimeToStep((30.0, 90.0, 400.0, 7200.0), (3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0))
    steps = (
        StepStats(names[0], "e0", 8, 1.0, 1.0, None, None),
        StepStats(names[1], "e1", 4, 0.5, 0.5, 90.0, 100.0, *((times, times) if timed else ())),
    )
    return FunnelResult(funnel, FunnelGroup(None, steps, 0, trend), interval="week")


WEEKS = (
    TrendPoint("2026-06-01", 5, 3, 0),
    TrendPoint("2026-06-08", 3, 1, 2),
)


def parsed(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def test_trend_has_a_point_per_period_hollow_when_open() -> None:
    svg = trend_svg(result(WEEKS))
    root = parsed(svg)
    circles = root.findall("svg:circle", NS)
    assert [c.get("fill") for c in circles] == ["#d6336c", "#fff"]
    titles = [c.find("svg:title", NS).text for c in circles]  # type: ignore[union-attr]
    assert titles == [
        "2026-06-01: 5 entered, 3 converted (60.0%)",
        "2026-06-08: 3 entered, 1 converted (33.3%), 2 still open",
    ]
    assert len(root.findall("svg:polyline", NS)) == 1
    assert "60.0%" in svg  # the top of the axis is the best period
    assert "<script" not in svg


def test_times_have_a_bar_per_bin_and_escape_the_step_name() -> None:
    svg = times_svg(result(WEEKS))
    root = parsed(svg)
    bars = root.findall("svg:rect", NS)
    assert len(bars) == 11
    first = bars[0].find("svg:title", NS)
    assert first is not None and first.text == f"{HOSTILE} two, ≤1m: 3 customers (75.0%)"
    assert escape(HOSTILE) in svg and HOSTILE not in svg
    assert "p50 1m 30s · p90 2h · 4 customers" in svg


def test_nothing_is_drawn_without_trend_or_times() -> None:
    assert trend_svg(result(())) == ""
    assert times_svg(result((), timed=False)) == ""


def test_the_report_shows_both_charts_escaped_and_without_scripts() -> None:
    page = render_report(
        Workspace(),
        LogFacts(("log",), 1, 0, None, None, 8),
        [result(WEEKS)],
        None,
        {},
    )
    assert 'class="trend-chart"' in page and 'class="times-chart"' in page
    assert "<h4>Conversion by week of step 1</h4>" in page
    assert "<h4>Time to each step, from the one before</h4>" in page
    assert "<script" not in page
    assert not re.search(r"\son[a-z]+=", page)  # no event handlers either


def test_the_line_breaks_at_a_period_nobody_entered() -> None:
    weeks = (
        TrendPoint("2026-06-01", 5, 3, 0),
        TrendPoint("2026-06-08", 0, 0, 0),
        TrendPoint("2026-06-15", 4, 1, 0),
        TrendPoint("2026-06-22", 2, 1, 1),
    )
    root = parsed(trend_svg(result(weeks)))
    assert len(root.findall("svg:circle", NS)) == 3
    (line,) = root.findall("svg:polyline", NS)
    assert len(line.get("points", "").split()) == 2  # the last two weeks
    labels = [t.text for t in root.findall("svg:text", NS)]
    assert {"2026-06-01", "2026-06-08", "2026-06-15", "2026-06-22"} <= set(labels)
