"""What a replay may say about a journey's effect, and what it may only plan.

A replay of a log recorded before the journey existed predicts who would enter
and what would be sent; the log itself is the world without the journey, so the
replay cannot measure an effect. It can say how large an effect a holdout of the
journey's share could detect once the journey runs: the minimum detectable
difference of a two-sided two-proportion z-test (alpha 0.05, power 0.8), with
the unpooled variance of the two arms:

    delta = (z_{1-alpha/2} + z_{1-beta}) * sqrt(p(1-p)/n_h + (p+delta)(1-p-delta)/n_t)

the formula of Chow, Shao & Wang, *Sample Size Calculations in Clinical
Research* (2nd ed., 2008), section 4.2 (two-sample parallel design, test for
equality), solved for the difference instead of the sample size.

When the log does hold the journey's real run (the journey's `assignment` or an
A/B step's `variant_from` names where it is recorded), the arms are measured:
each arm's conversion with a 95% Wilson interval and the difference with a 95%
Newcombe (hybrid score) interval. Arms with fewer than `MIN_PER_ARM` customers
are "too few to tell": no difference is given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054
"""z_{1-alpha/2} for a two-sided alpha of 0.05."""
Z_POWER_80 = 0.8416212335729143
"""z_{1-beta} for a power of 0.8."""
MIN_PER_ARM = 30
"""Fewer customers than this in an arm: too few to tell."""
PLAN_WEEKS = (2, 4, 8)
WEEK_US = 7 * 86_400 * 1_000_000
MISMATCH_Z = 3.29
"""A recorded holdout share this many standard errors from the planned one (p < 0.001)."""


@dataclass(frozen=True)
class Difference:
    """A minus B conversion rate (fractions), with a 95% Newcombe interval."""

    difference: float
    low: float
    high: float

    @property
    def significant(self) -> bool:
        return self.low > 0 or self.high < 0


@dataclass(frozen=True)
class Arm:
    customers: int
    converted: int

    @property
    def rate(self) -> float | None:
        return self.converted / self.customers if self.customers else None


@dataclass(frozen=True)
class Effect:
    """Treated against holdout, as the log recorded them."""

    treated: Arm
    holdout: Arm
    difference: Difference | None
    """None when either arm has fewer than MIN_PER_ARM customers."""

    @property
    def verdict(self) -> str:
        if self.difference is None:
            return "too few to tell"
        return "significant" if self.difference.significant else "not significant"


@dataclass(frozen=True)
class HoldoutPlan:
    """How large a difference the journey's holdout could detect once it runs."""

    holdout_percent: float
    entrants_per_week: float | None
    baseline_conversion: float | None
    mde: float | None
    """Over the log's span, as a fraction (None: no difference is detectable)."""
    weeks: tuple[tuple[int, float | None], ...]


def wilson(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion."""
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return centre - half, centre + half


def newcombe(a: Arm, b: Arm) -> Difference | None:
    """Rate of a minus rate of b with Newcombe's hybrid score interval (method 10)."""
    if not a.customers or not b.customers:
        return None
    p1, p2 = a.converted / a.customers, b.converted / b.customers
    l1, u1 = wilson(a.converted, a.customers)
    l2, u2 = wilson(b.converted, b.customers)
    d = p1 - p2
    return Difference(
        d,
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


def enough(*arms: Arm) -> bool:
    return all(arm.customers >= MIN_PER_ARM for arm in arms)


def measured_effect(treated: Arm, holdout: Arm) -> Effect:
    return Effect(
        treated, holdout, newcombe(treated, holdout) if enough(treated, holdout) else None
    )


def minimum_detectable(p: float, n_treated: float, n_holdout: float) -> float | None:
    """The smallest increase over baseline p that the test detects (a fraction), or None
    when even a rise to 100% would not be detected."""
    if n_treated < 1 or n_holdout < 1 or not 0 <= p < 1:
        return None
    z = Z_95 + Z_POWER_80

    def gap(delta: float) -> float:
        q = p + delta
        return delta - z * math.sqrt(p * (1 - p) / n_holdout + q * (1 - q) / n_treated)

    top = 1 - p
    if gap(top) < 0:
        return None
    low, high = 0.0, top
    for _ in range(100):  # gap is negative at 0 and rises: bisect its root
        middle = (low + high) / 2
        if gap(middle) < 0:
            low = middle
        else:
            high = middle
    return high


def holdout_plan(
    entrants: int, converted: int, holdout_percent: float, span_us: int
) -> HoldoutPlan:
    """From the would-be entrants of the log (holdout included) and the log's span."""
    share = holdout_percent / 100
    baseline = converted / entrants if entrants else None
    weeks_in_log = span_us / WEEK_US
    per_week = entrants / weeks_in_log if entrants and weeks_in_log > 0 else None

    def mde(n: float) -> float | None:
        if baseline is None:
            return None
        return minimum_detectable(baseline, n * (1 - share), n * share)

    return HoldoutPlan(
        holdout_percent,
        per_week,
        baseline,
        mde(entrants),
        tuple((w, None if per_week is None else mde(per_week * w)) for w in PLAN_WEEKS),
    )


def holdout_mismatch(planned_percent: float, holdout: int, total: int) -> str | None:
    """A warning when the recorded holdout share is far from the YAML's plan."""
    if not total:
        return None
    share = holdout / total
    if planned_percent <= 0:
        if holdout:
            return (
                f"the log records {holdout:,} of {total:,} entrants as holdout, but the "
                "journey plans no holdout"
            )
        return None
    planned = planned_percent / 100
    z = (share - planned) / math.sqrt(planned * (1 - planned) / total)
    if abs(z) <= MISMATCH_Z:
        return None
    return (
        f"the log records {share * 100:.1f}% of {total:,} entrants as holdout, the journey "
        f"plans {planned_percent:g}%: check the assignment property and the holdout value"
    )


@dataclass(frozen=True)
class VariantResult:
    name: str
    arm: Arm
    interval: tuple[float, float] | None
    against_first: Difference | None
    """This variant minus the first variant, when both have enough entries."""


def compare_variants(arms: Sequence[tuple[str, Arm]]) -> list[VariantResult]:
    """Each recorded variant's conversion, and its difference from the first variant."""
    found = []
    first = arms[0][1] if arms else None
    for index, (name, arm) in enumerate(arms):
        interval = wilson(arm.converted, arm.customers) if arm.customers else None
        against = None
        if index and first is not None and enough(arm, first):
            against = newcombe(arm, first)
        found.append(VariantResult(name, arm, interval, against))
    return found
