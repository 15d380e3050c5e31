"""The journey flow chart (`html_flow`): a box per step under its name as written, an
arrow per way out labelled with what takes it (a split's condition, not its number) and
how many moves took it, every arrow but the loops pointing down, and every text
escaped."""

from __future__ import annotations

import re
from datetime import time

import pytest

from cjo_cli.engine.replay_stats import GroupTotals, JourneyTotals, StepTotals
from cjo_cli.model import (
    AbStep,
    AttributeCondition,
    Duration,
    Entry,
    EventFilter,
    ExitStep,
    Journey,
    PropertyFilter,
    SendStep,
    SplitBranch,
    SplitStep,
    Step,
    Touchpoint,
    Variant,
    WaitForStep,
    WaitStep,
    WaitUntilStep,
    Workspace,
)
from cjo_cli.output.html_flow import BOX_H, GAP_Y, TALL, _describe, flow_svg
from cjo_cli.output.html_svg import BLUE, PINK, _clip
from cjo_cli.output.text import html_text

HOSTILE = "<script>alert(1)</script>\"&'"


def workspace() -> Workspace:
    return Workspace(touchpoints={"mail": Touchpoint("mail", "Reminder mail", "email")})


def flow_journey() -> Journey:
    steps: dict[str, Step] = {
        "wait_open": WaitForStep(
            "wait_open",
            "開封を待つ",
            event=EventFilter("email_open"),
            timeout=Duration(2 * 86400, "2d"),
            next="check",
            on_timeout="remind",
        ),
        "remind": SendStep("remind", "remind", touchpoint="mail", next="test"),
        "check": SplitStep(
            "check",
            "VIP で分岐",
            branches=(
                SplitBranch(AttributeCondition("vip", "eq", True), "test"),
                SplitBranch(None, "done"),
            ),
        ),
        "test": AbStep(
            "test",
            "test",
            variants=(Variant("short", 50, "done"), Variant("long", 50, "pause")),
        ),
        "pause": WaitStep("pause", "pause", duration=Duration(3600, "1h"), next="done"),
        "done": ExitStep("done", "done"),
        "orphan": ExitStep("orphan", "orphan"),
    }
    return Journey("cart", "Cart", Entry(EventFilter("add_to_cart")), steps, start="wait_open")


def labels(svg: str) -> list[str]:
    return [text.strip() for text in re.findall(r'<tspan fill="#555">([^<]*)</tspan>', svg)]


def arrow_counts(svg: str) -> dict[str, int]:
    """source → target: the count on its arrow, read from the arrow's tooltip and label."""
    found = {}
    for title, count in re.findall(
        r'<g class="edge"><title>([^<:(]*)[^<]*</title><path [^>]*/><text [^>]*>'
        rf'<tspan font-weight="bold" fill="{BLUE}">([0-9,]+)</tspan>',
        svg,
    ):
        found[title.strip()] = int(count.replace(",", ""))
    return found


def test_flow_has_a_box_per_step_and_an_arrow_per_way_out() -> None:
    journey = flow_journey()
    svg = flow_svg(journey, None, workspace())
    assert svg.count('<g class="step">') == len(journey.steps)
    for step in journey.steps.values():
        assert f'font-weight="bold">{step.name}</text>' in svg
    # The id the name stands for is in the box's tooltip.
    assert "<title>開封を待つ (wait_open): wait for email_open (≤ 2d)</title>" in svg
    # wait_for: 2, send: 1, split: 2, ab: 2, wait: 1 (exits have none).
    assert svg.count('marker-end="url(#arrow)"') == 8
    assert sorted(labels(svg)) == sorted(
        ["email_open", "timeout", "vip = true", "else", "short", "long"]
    )
    assert "if #" not in svg
    assert "customers ·" not in svg  # no counts without totals
    # The start is drawn in pink, the others not.
    assert svg.count(f'stroke="{PINK}"') == 1


def test_flow_layers_by_the_longest_path_and_puts_unreachable_steps_last() -> None:
    svg = flow_svg(flow_journey(), None, workspace())
    boxes = re.findall(
        r'<rect x="[0-9.]+" y="([0-9.]+)"[^>]*rx="8"[^/]*/>\s*<text[^>]*>([^<]+)<', svg
    )
    depth = {step: round((float(y) - GAP_Y / 2) / (BOX_H + GAP_Y)) for y, step in boxes}
    assert depth == {
        "開封を待つ": 0,
        "VIP で分岐": 1,
        "remind": 1,
        "test": 2,
        "pause": 3,
        "done": 4,  # the exit at the bottom: every arrow points down
        "orphan": 5,
    }
    assert 'class="flow-chart tall"' in svg  # six layers: a printed page of its own
    assert TALL == 6


def test_flow_counts_boxes_outcomes_and_arrows() -> None:
    journey = flow_journey()
    totals = JourneyTotals("cart", GroupTotals(5, 2, 1500))
    totals.steps = {step_id: StepTotals(step_id) for step_id in journey.steps}
    visits = {"wait_open": 1500, "check": 900, "remind": 588, "test": 1088, "pause": 500}
    for step_id, count in visits.items():
        totals.steps[step_id].total = count
    totals.steps["wait_open"].unique = 1234
    totals.steps["wait_open"].left.update(goal=7, exit_event=3, censored=2)
    totals.steps["done"].total = 1488
    totals.steps["done"].left.update(end=1488)
    svg = flow_svg(journey, totals, workspace())
    assert ">1,234 customers · 1,500 visits</text>" in svg
    assert (
        '<tspan fill="#2b8a3e">goal 7</tspan> · <tspan fill="#b02a37">exit event −3</tspan>'
        ' · <tspan fill="#555">open 2</tspan>'
    ) in svg
    assert svg.count(" customers · ") == len(journey.steps)
    assert arrow_counts(svg) == {
        "wait_open → check": 900,
        "wait_open → remind": 588,
        "remind → test": 588,
        "check → test": 500,
        "check → done": 400,
        "test → pause": 500,
        "test → done": 588,
        "pause → done": 500,
    }


def test_two_ways_to_one_step_are_one_arrow_with_both_labels() -> None:
    steps: dict[str, Step] = {
        "wait": WaitForStep(
            "wait",
            "wait",
            event=EventFilter("click", (PropertyFilter("campaign", "eq", "loyalty"),)),
            timeout=Duration(60),
            next="end",
            on_timeout="end",
        ),
        "end": ExitStep("end", "end"),
    }
    journey = Journey("j", "J", Entry(EventFilter("x")), steps, start="wait")
    svg = flow_svg(journey, None, Workspace())
    assert svg.count('marker-end="url(#arrow)"') == 1
    assert labels(svg) == ["click with campaign = loyalty / timeout"]


def test_a_loop_goes_around_the_side() -> None:
    steps: dict[str, Step] = {
        "wait": WaitStep("wait", "wait", duration=Duration(60), next="check"),
        "check": SplitStep(
            "check",
            "check",
            branches=(
                SplitBranch(AttributeCondition("vip", "eq", True), "end"),
                SplitBranch(None, "wait"),
            ),
        ),
        "end": ExitStep("end", "end"),
    }
    journey = Journey("j", "J", Entry(EventFilter("x")), steps, start="wait")
    svg = flow_svg(journey, None, Workspace())
    assert svg.count('marker-end="url(#arrow)"') == 3
    # The loop back bends right of the boxes (a curve whose control points lie there).
    loop = re.search(
        r"<title>check → wait: else</title><path d=\"M ([0-9.]+) [^C]*C ([0-9.]+)", svg
    )
    assert loop is not None and float(loop.group(2)) > float(loop.group(1))


def test_flow_skips_arrows_to_unknown_steps_and_escapes_labels() -> None:
    steps: dict[str, Step] = {
        "wait": WaitForStep(
            "wait",
            HOSTILE,
            event=EventFilter(HOSTILE),
            timeout=Duration(60),
            next="end",
            on_timeout="missing",
        ),
        "end": ExitStep("end", "end"),
    }
    journey = Journey("j", "J", Entry(EventFilter("x")), steps, start="wait")
    svg = flow_svg(journey, None, Workspace())
    assert svg.count('marker-end="url(#arrow)"') == 1
    assert "<script" not in svg
    assert labels(svg) == [html_text(_clip(HOSTILE, 40))]
    assert "wait for &lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;&#x27; (≤ 60s)" in svg


@pytest.mark.parametrize(
    ("step", "text"),
    [
        (WaitStep("s", "s", duration=Duration(3600, "1h")), "wait 1h"),
        (WaitStep("s", "s", duration=Duration(90)), "wait 90s"),
        (WaitUntilStep("s", "s", at=time(10, 5), tz="Asia/Tokyo"), "wait until 10:05 Asia/Tokyo"),
        (
            WaitForStep("s", "s", event=EventFilter("open"), timeout=Duration(172800, "2d")),
            "wait for open (≤ 2d)",
        ),
        (SendStep("s", "s", touchpoint="mail"), "send Reminder mail · email"),
        (SendStep("s", "s", touchpoint="ghost"), "send ghost"),
        (SplitStep("s", "s", branches=(SplitBranch(None, "x"),)), "split (1 branches)"),
        (
            AbStep("s", "s", variants=(Variant("a", 70, "x"), Variant("b", 30.5, "y"))),
            "A/B a 70 / b 30.5",
        ),
        (ExitStep("s", "s"), "exit"),
    ],
)
def test_describe(step: Step, text: str) -> None:
    assert _describe(step, workspace()) == text
