"""Each breakdown group's conversion against the rest of the funnel's customers.

A group's conversion is its customers at the last step over its customers at
step 1; the rest are the funnel's customers outside the group (the total minus
the group), which only holds when the groups partition the customers: property
groups do, persona groups may overlap (a customer can be in several personas or
in none), so those are not compared.

Per group: the difference in percentage points with a 95% Newcombe interval
(`effects.newcombe`), and the two-sided p-value of the pooled two-proportion
z-test. Testing every group of a funnel at once inflates the chance of a false
alarm, so the p-values are adjusted with Holm's step-down method (Holm 1979, "A
simple sequentially rejective multiple test procedure", Scand. J. Statist. 6,
65-70) and a group is significant when its adjusted p-value is below ALPHA. The
interval is each group's own 95% interval, not adjusted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from cjo_cli.engine.effects import Arm, Difference, enough, newcombe
from cjo_cli.engine.funnel_result import FunnelGroup, FunnelResult

ALPHA = 0.05
"""The family-wise error rate of a funnel's comparisons."""
COMPARED = "each group against the rest, Holm-corrected"
OVERLAPPING = (
    "not compared: persona groups may overlap, so the customers outside a group "
    "are not the total minus the group"
)
OVERLAPPING_VALUES = (
    "not compared: with all_steps attribution a customer is in every value's group they "
    "enter, so the customers outside a group are not the total minus the group"
)
NOT_ADDING_UP = (
    "not compared: the groups do not add up to the funnel's customers, so the "
    "customers outside a group are not the total minus the group"
)


@dataclass(frozen=True)
class GroupComparison:
    """One group against the rest; no difference when either has too few customers."""

    group: Arm
    rest: Arm
    difference: Difference | None
    """Group minus rest (fractions); None: too few to tell."""
    p_value: float | None = None
    p_adjusted: float | None = None
    """Holm-adjusted over the funnel's compared groups."""

    @property
    def significant(self) -> bool:
        return self.p_adjusted is not None and self.p_adjusted < ALPHA

    @property
    def verdict(self) -> str:
        if self.difference is None:
            return "too few to tell"
        return "significant" if self.significant else "not significant"


@dataclass(frozen=True)
class Comparisons:
    groups: tuple[GroupComparison | None, ...]
    """One per result.groups, in order; all None when the groups are not compared."""
    method: str
    """COMPARED, or why not (OVERLAPPING, NOT_ADDING_UP)."""


def two_proportion_p(a: Arm, b: Arm) -> float:
    """The two-sided p-value of the pooled two-proportion z-test of a's rate against b's."""
    pooled = (a.converted + b.converted) / (a.customers + b.customers)
    se = math.sqrt(pooled * (1 - pooled) * (1 / a.customers + 1 / b.customers))
    if se == 0:
        # Everyone converted, or nobody did, on both sides: no difference at all.
        return 1.0
    z = (a.converted / a.customers - b.converted / b.customers) / se
    # P(|Z| >= |z|) = erfc(|z| / sqrt 2): erfc keeps its precision far in the tail.
    return math.erfc(abs(z) / math.sqrt(2))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's adjusted p-values, in the order given: the i-th smallest p times (m - i + 1),
    kept from falling below the one before it (step-down), at most 1."""
    m = len(p_values)
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(sorted(range(m), key=lambda i: p_values[i])):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def _arm(group: FunnelGroup) -> Arm:
    return Arm(group.steps[0].customers, group.steps[-1].customers) if group.steps else Arm(0, 0)


def compare_groups(result: FunnelResult) -> Comparisons:
    """Every group of the result's breakdown against the rest of its customers."""
    if not result.groups:
        return Comparisons((), COMPARED)
    none = tuple(None for _ in result.groups)
    # breakdown_by is "persona" only for a persona breakdown: a property's label names
    # its attribution ("persona (first touch)").
    if result.breakdown_by == "persona":
        return Comparisons(none, OVERLAPPING)
    if result.groups_overlap:
        return Comparisons(none, OVERLAPPING_VALUES)
    total = _arm(result.total)
    arms = [_arm(group) for group in result.groups]
    if (sum(a.customers for a in arms), sum(a.converted for a in arms)) != (
        total.customers,
        total.converted,
    ):
        return Comparisons(none, NOT_ADDING_UP)
    pairs = [
        (arm, Arm(total.customers - arm.customers, total.converted - arm.converted)) for arm in arms
    ]
    tested = [i for i, (arm, rest) in enumerate(pairs) if enough(arm, rest)]
    adjusted = dict(zip(tested, holm([two_proportion_p(*pairs[i]) for i in tested]), strict=True))
    found: list[GroupComparison | None] = []
    for index, (arm, rest) in enumerate(pairs):
        if index not in adjusted:
            found.append(GroupComparison(arm, rest, None))
            continue
        found.append(
            GroupComparison(
                arm, rest, newcombe(arm, rest), two_proportion_p(arm, rest), adjusted[index]
            )
        )
    return Comparisons(tuple(found), COMPARED)
