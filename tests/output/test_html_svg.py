"""The HTML report's inline SVG: funnel bars as long as each step's share of step 1, the
holdout bars, and labels clipped by display cells (wide characters count two) and
escaped. The journey flow: test_html_flow.py."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len

from cjo_cli.engine.effects import Arm, measured_effect
from cjo_cli.engine.funnel_result import FunnelGroup, FunnelResult, StepStats
from cjo_cli.model import (
    EventFilter,
    Funnel,
    FunnelStep,
)
from cjo_cli.output.html_svg import _clip, funnel_svg, holdout_svg

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
