"""Each breakdown group against the rest: the pooled z-test, Holm's correction, who is
compared (property groups partition, persona groups may overlap) and "too few"."""

from __future__ import annotations

import math

import pytest

from cjo_cli.engine.effects import Arm, newcombe
from cjo_cli.engine.funnel_result import FunnelGroup, FunnelResult, StepStats
from cjo_cli.engine.group_compare import (
    COMPARED,
    NOT_ADDING_UP,
    OVERLAPPING,
    compare_groups,
    holm,
    two_proportion_p,
)
from cjo_cli.model import Duration, EventFilter, Funnel, FunnelStep

FUNNEL = Funnel(
    "checkout",
    "Checkout",
    (FunnelStep(EventFilter("view"), "Viewed"), FunnelStep(EventFilter("buy"), "Bought")),
    window=Duration(86400, "1d"),
)


def group(label: str | None, entered: int, converted: int) -> FunnelGroup:
    # Only step 1's and the last step's customers matter to the comparison.
    steps = (
        StepStats("Viewed", "view", entered, 1.0, 1.0, None, None),
        StepStats("Bought", "buy", converted, None, None, None, None),
    )
    return FunnelGroup(label, steps)


def result(
    by: str, groups: dict[str, tuple[int, int]], total: tuple[int, int] | None = None
) -> FunnelResult:
    entered = sum(g[0] for g in groups.values())
    converted = sum(g[1] for g in groups.values())
    whole = group(None, *(total or (entered, converted)))
    return FunnelResult(FUNNEL, whole, by, tuple(group(k, *v) for k, v in groups.items()))


def test_a_worked_example_checked_by_hand() -> None:
    # web 60/100 = 60% against the rest 40/100 = 40%: pooled p = 100/200 = 0.5,
    # se = sqrt(0.5 * 0.5 * (1/100 + 1/100)) = sqrt(0.005) = 0.070711,
    # z = 0.2 / 0.070711 = 2.828427 = 2 * sqrt 2, so p = erfc(z / sqrt 2) = erfc(2)
    # = 0.0046777. Wilson (z 1.96) of 60/100: centre (0.6 + 0.019208) / 1.038415 =
    # 0.596301, half 1.96 * sqrt(0.0024 + 0.000096) / 1.038415 = 0.094300, so
    # 0.502001 .. 0.690601; of 40/100 its mirror, 0.309399 .. 0.497999. Newcombe:
    # 0.2 -/+ sqrt(0.097999^2 + 0.097999^2) = 0.2 -/+ 0.138593 for the low end and
    # 0.2 + sqrt(0.090601^2 * 2) = 0.2 + 0.128130 for the high: 0.0614 .. 0.3281.
    found = compare_groups(result("channel (first touch)", {"web": (100, 60), "app": (100, 40)}))
    assert found.method == COMPARED
    web, app = found.groups
    assert web is not None and app is not None
    assert web.rest == Arm(100, 40)
    assert web.difference is not None
    assert web.difference.difference == pytest.approx(0.2)
    assert web.difference.low == pytest.approx(0.0614, abs=1e-4)
    assert web.difference.high == pytest.approx(0.3281, abs=1e-4)
    assert web.p_value == pytest.approx(0.0046777349810, rel=1e-9)
    # Two tests with the same p: Holm doubles both.
    assert web.p_adjusted == pytest.approx(2 * 0.0046777349810, rel=1e-9)
    assert web.verdict == "significant" and web.significant
    assert app.difference is not None and app.difference.difference == pytest.approx(-0.2)
    assert app.p_adjusted == web.p_adjusted


def test_holm_on_wikipedias_worked_example() -> None:
    # https://en.wikipedia.org/wiki/Holm%E2%80%93Bonferroni_method#Example: p1 = 0.01,
    # p2 = 0.04, p3 = 0.03, p4 = 0.005 at alpha 0.05 reject H1 and H4 only. Adjusted:
    # 4 * 0.005 = 0.02, 3 * 0.01 = 0.03, 2 * 0.03 = 0.06, then 1 * 0.04 is raised to
    # the 0.06 before it.
    adjusted = holm([0.01, 0.04, 0.03, 0.005])
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert [p < 0.05 for p in adjusted] == [True, False, False, True]


def test_holm_caps_at_one_and_keeps_an_empty_family() -> None:
    assert holm([0.6, 0.9]) == [1.0, 1.0]
    assert holm([]) == []


def test_the_z_test_of_equal_rates_and_of_no_variance() -> None:
    assert two_proportion_p(Arm(50, 10), Arm(80, 16)) == pytest.approx(1.0)
    assert two_proportion_p(Arm(50, 0), Arm(80, 0)) == 1.0
    assert two_proportion_p(Arm(50, 50), Arm(80, 80)) == 1.0
    # Far in the tail erfc keeps a p-value that 1 - cdf would round to 0.
    assert 0 < two_proportion_p(Arm(1000, 900), Arm(1000, 100)) < 1e-100


def test_a_small_group_or_a_small_rest_is_too_few_to_tell() -> None:
    found = compare_groups(
        result("channel (first touch)", {"web": (200, 50), "sms": (29, 20), "app": (100, 10)})
    )
    web, sms, app = found.groups
    assert sms is not None and sms.difference is None and sms.p_value is None
    assert sms.verdict == "too few to tell" and not sms.significant
    # Holm counts only the two tests made.
    assert web is not None and app is not None and web.p_value is not None
    assert app.p_value is not None
    assert [web.p_adjusted, app.p_adjusted] == holm([web.p_value, app.p_value])
    assert app.p_adjusted == pytest.approx(2 * app.p_value)
    alone = compare_groups(result("channel (first touch)", {"web": (200, 50)})).groups[0]
    assert alone is not None and alone.rest == Arm(0, 0) and alone.verdict == "too few to tell"


def test_not_significant_after_the_correction() -> None:
    # 55/100 against 45/100: p = erfc(0.1 / sqrt(0.005) / sqrt 2) = erfc(1) = 0.1573.
    found = compare_groups(result("plan (first touch)", {"a": (100, 55), "b": (100, 45)}))
    a = found.groups[0]
    assert a is not None and a.p_value == pytest.approx(math.erfc(1.0))
    assert a.verdict == "not significant"
    assert a.difference == newcombe(Arm(100, 55), Arm(100, 45))


def test_persona_groups_may_overlap_and_are_not_compared() -> None:
    found = compare_groups(result("persona", {"lisa": (100, 60), "ken": (100, 40)}))
    assert found.method == OVERLAPPING
    assert found.groups == (None, None)


def test_groups_that_do_not_add_up_are_not_compared() -> None:
    found = compare_groups(result("plan (first touch)", {"a": (100, 60)}, total=(300, 90)))
    assert found.method == NOT_ADDING_UP and found.groups == (None,)


def test_no_breakdown_no_comparison() -> None:
    whole = group(None, 10, 5)
    assert compare_groups(FunnelResult(FUNNEL, whole)).groups == ()
