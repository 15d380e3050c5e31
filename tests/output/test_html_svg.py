"""The HTML report's inline SVG: funnel bars as long as each step's share of step 1, a
journey flow with a box per step and labelled arrows, the holdout bars, and labels
clipped by display cells (wide characters count two) and escaped."""

from __future__ import annotations

import re
from datetime import time

import pytest
from rich.cells import cell_len

from cjo_cli.engine.effects import Arm, measured_effect
from cjo_cli.engine.funnel_result import FunnelGroup, FunnelResult, StepStats
from cjo_cli.engine.replay_stats import GroupTotals, JourneyTotals, StepTotals
from cjo_cli.model import (
    AbStep,
    AttributeCondition,
    Duration,
    Entry,
    EventFilter,
    ExitStep,
    Funnel,
    FunnelStep,
    Journey,
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
from cjo_cli.output.html_svg import BOX_H, PINK, _clip, _describe, flow_svg, funnel_svg, holdout_svg

HOSTILE = "<script>alert(1)</script>\"&'"
BAR = re.compile(r'<rect x="240" y="[0-9.]+" width="([0-9.]+)" height="24" fill="#d6336c">')


def funnel_result(counts: list[int], names: list[str] | None = None) -> FunnelResult:
    names = names or [f"step {n}" for n in range(1, len(counts) + 1)]
    funnel = Funnel("f", "F", tuple(FunnelStep(EventFilter(f"e{n}"), n) for n in names))
    steps = []
    for index, (name, count) in enumerate(zip(names, counts, strict=True)):
        previous = counts[index - 1] if index else count
        steps.append(
            StepStats(
                name,
                f"e{index}",
                count,
                count / counts[0] if counts[0] else None,
                count / previous if previous else None,
                90.0 if index else None,
                100.0 if index else None,
            )
        )
    return FunnelResult(funnel, FunnelGroup(None, tuple(steps)))


# ---- _clip ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cells", "clipped"),
    [
        ("abc", 5, "abc"),
        ("abcde", 5, "abcde"),
        ("abcdef", 5, "abcd…"),
        ("日本語", 6, "日本語"),
        ("日本語", 5, "日本…"),
        ("日本語テキスト", 6, "日本…"),
        ("日本語テキスト", 7, "日本語…"),
        ("a日本", 4, "a日…"),
        ("ab日本", 4, "ab…"),
        ("", 3, ""),
        # Control characters are clipped as they are shown: as escapes.
        ("\x1b[2J\x1b[2J", 6, "\\x1b[…"),
        ("a\nb", 4, "a\\nb"),
    ],
)
def test_clip(text: str, cells: int, clipped: str) -> None:
    assert _clip(text, cells) == clipped
    assert cell_len(clipped) <= cells


# ---- funnels --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "widths"),
    [
        ([200, 100, 50, 0], ["400.0", "200.0", "100.0", "0.0"]),
        ([3, 2, 1], ["400.0", "266.7", "133.3"]),
        ([10, 10], ["400.0", "400.0"]),
        ([0, 0], ["0.0", "0.0"]),
    ],
)
def test_funnel_bars_are_as_long_as_the_share_of_step_1(
    counts: list[int], widths: list[str]
) -> None:
    svg = funnel_svg(funnel_result(counts))
    assert BAR.findall(svg) == widths
    assert svg.count('width="400" height="24" fill="#f1f3f5"') == len(counts)  # the tracks
    assert f'viewBox="0 0 1160 {34 * len(counts) + 30}"' in svg


def test_funnel_detail_texts() -> None:
    svg = funnel_svg(funnel_result([200, 100]))
    assert ">200 · 100.0% of step 1</text>" in svg
    assert ">100 · 50.0% of step 1 · 50.0% of previous · median 1m 30s</text>" in svg
    assert "<title>step 2: 100</title>" in svg


def test_funnel_labels_are_clipped_and_escaped() -> None:
    long_name = "カート追加からの購入手続きの開始までの道のりがとても長い"
    svg = funnel_svg(funnel_result([2, 1], [HOSTILE, long_name]))
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;&#x27;</text>" in svg
    assert f"<title>{long_name}: 1</title>" in svg  # the tooltip keeps the whole name
    assert f">{_clip(long_name, 34)}</text>" in svg
    assert cell_len(_clip(long_name, 34)) == 33


# ---- journeys -------------------------------------------------------------------------


def workspace() -> Workspace:
    return Workspace(touchpoints={"mail": Touchpoint("mail", "Reminder mail", "email")})


def flow_journey() -> Journey:
    steps: dict[str, Step] = {
        "wait_open": WaitForStep(
            "wait_open",
            "wait_open",
            event=EventFilter("email_open"),
            timeout=Duration(2 * 86400, "2d"),
            next="check",
            on_timeout="remind",
        ),
        "remind": SendStep("remind", "remind", touchpoint="mail", next="test"),
        "check": SplitStep(
            "check",
            "check",
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
    return re.findall(r'<text [^>]*font-size="12" fill="#555">([^<]*)</text>', svg)


def test_flow_has_a_box_per_step_and_an_arrow_per_way_out() -> None:
    journey = flow_journey()
    svg = flow_svg(journey, None, workspace())
    assert svg.count('<g class="step">') == len(journey.steps)
    for step_id in journey.steps:
        assert f'font-weight="bold">{step_id}</text>' in svg
    # wait_for: 2, send: 1, split: 2, ab: 2, wait: 1 (exits have none).
    assert svg.count('marker-end="url(#arrow)"') == 8
    assert sorted(labels(svg)) == sorted(
        ["email_open", "timeout", "if #1", "else", "short", "long"]
    )
    assert "customers ·" not in svg  # no counts without totals
    # The start is drawn in pink, the others not.
    assert svg.count(f'stroke="{PINK}"') == 1


def test_flow_puts_each_step_at_its_depth_and_unreachable_steps_last() -> None:
    svg = flow_svg(flow_journey(), None, workspace())
    boxes = re.findall(
        r'<rect x="[0-9.]+" y="([0-9.]+)"[^>]*rx="8"[^/]*/>\s*<text[^>]*>(\w+)<', svg
    )
    depth = {step: round((float(y) - 28) / (BOX_H + 56)) for y, step in boxes}
    assert depth == {
        "wait_open": 0,
        "check": 1,
        "remind": 1,
        "test": 2,
        "done": 2,
        "pause": 3,
        "orphan": 4,
    }


def test_flow_counts_and_outcomes() -> None:
    journey = flow_journey()
    totals = JourneyTotals("cart", GroupTotals(5, 2, 6))
    totals.steps = {step_id: StepTotals(step_id) for step_id in journey.steps}
    totals.steps["wait_open"] = StepTotals("wait_open", unique=1234, total=1500)
    totals.steps["wait_open"].left.update(goal=7, exit_event=3, censored=2)
    svg = flow_svg(journey, totals, workspace())
    assert ">1,234 customers · 1,500 visits</text>" in svg
    assert ">goal 7</text>" in svg
    assert ">exit event −3</text>" in svg
    assert ">open at log end 2</text>" in svg
    assert svg.count(" customers · ") == len(journey.steps)


def test_flow_skips_arrows_to_unknown_steps_and_escapes_labels() -> None:
    steps: dict[str, Step] = {
        "wait": WaitForStep(
            "wait",
            "wait",
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
    assert labels(svg) == [_clip(HOSTILE, 22).replace("<", "&lt;").replace(">", "&gt;")]
    assert (
        "<title>wait: wait for &lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;&#x27; (≤ 60s)"
        in svg
    )


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


# ---- holdout --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("treated", "holdout", "widths", "texts"),
    [
        (Arm(100, 30), Arm(10, 2), ["420.0", "280.0"], ["30.0% (30 of 100)", "20.0% (2 of 10)"]),
        (
            Arm(1000, 10),
            Arm(100, 5),
            ["84.0", "420.0"],
            ["1.0% (10 of 1,000)", "5.0% (5 of 100)"],
        ),
        (Arm(0, 0), Arm(0, 0), ["0.0", "0.0"], ["– (0 of 0)", "– (0 of 0)"]),
        (Arm(1000, 1), Arm(0, 0), ["42.0", "0.0"], ["0.1% (1 of 1,000)", "– (0 of 0)"]),
    ],
)
def test_holdout_bars(treated: Arm, holdout: Arm, widths: list[str], texts: list[str]) -> None:
    """Drawn only for a measured effect: the recorded arms."""
    svg = holdout_svg(measured_effect(treated, holdout))
    assert re.findall(r'<rect x="90" y="[0-9.]+" width="([0-9.]+)"', svg) == widths
    assert re.findall(r'font-size="13">([^<]*)</text>', svg) == texts
    assert ">treated</text>" in svg and ">holdout</text>" in svg
