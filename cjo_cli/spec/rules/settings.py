"""Journey and policy settings: windows, zones, holdouts, splits and A/B weights."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from typing import Any

from cjo_cli.findings import Level
from cjo_cli.model import (
    AbStep,
    Duration,
    Loc,
    SplitStep,
    WaitAnyStep,
    WaitForStep,
    WaitStep,
    WaitUntilStep,
)
from cjo_cli.model.clock import CUSTOMER_TZ, known_zone
from cjo_cli.model.conditions import EventCondition
from cjo_cli.model.timing import MAX_DURATION_SECONDS
from cjo_cli.spec.rules import RuleResult, WorkspaceIndex, rule


@rule(
    "timeout-beyond-goal",
    Level.WARNING,
    "A wait_for timeout or wait_any window longer than the journey's goal window.",
)
def timeout_beyond_goal(index: WorkspaceIndex) -> RuleResult:
    for journey in index.workspace.journeys.values():
        if journey.goal is None or journey.goal.within is None:
            continue
        within = journey.goal.within
        for step in journey.steps.values():
            timeout = _timeout(step)
            if timeout is not None and timeout > within:
                yield (
                    step.locs.get(_timeout_key(step), step.loc),
                    (
                        f"step {step.id!r} waits up to {timeout}, longer than the goal window "
                        f"{within} of journey {journey.id!r}: its timeout branch can only run "
                        "after a conversion could still count"
                    ),
                )


def _timeout(step: Any) -> Duration | None:
    """How long a wait_for or wait_any step waits for its events."""
    if isinstance(step, WaitForStep):
        return step.timeout
    if isinstance(step, WaitAnyStep):
        return step.within
    return None


def _timeout_key(step: Any) -> str:
    return "wait_any" if isinstance(step, WaitAnyStep) else "timeout"


# How many distinct elapsed times per step `_timer_ends` follows before it gives up.
_MAX_PATH_TIMES = 64


@rule(
    "timer-at-goal-window",
    Level.WARNING,
    "A wait, wait_for timeout or wait_any window that ends exactly when the goal window does.",
)
def timer_at_goal_window(index: WorkspaceIndex) -> RuleResult:
    for journey in index.workspace.journeys.values():
        if journey.goal is None or journey.goal.within is None:
            continue
        within = journey.goal.within.seconds
        for step_id in sorted(_timer_ends(journey.steps, journey.start).get(within, set())):
            step = journey.steps[step_id]
            key = _timeout_key(step) if _timeout(step) is not None else "wait"
            yield (
                step.locs.get(key, step.loc),
                f"step {step_id!r} can end exactly {journey.goal.within} after entry, when the "
                f"goal window of journey {journey.id!r} closes: a goal at that instant is "
                "judged after the timer, so the step acts first (shorten or lengthen one)",
            )


def _timer_ends(steps: Mapping[str, Any], start: str) -> dict[int, set[str]]:
    """For each time after entry at which a wait or a wait_for's timeout can end, the
    steps whose timer ends then (along timeout paths; wait_until ends no fixed time)."""
    ends: dict[int, set[str]] = {}
    seen: dict[str, set[int]] = {}
    todo = [(start, 0)]
    while todo:
        step_id, elapsed = todo.pop()
        known = seen.setdefault(step_id, set())
        step = steps.get(step_id)
        if step is None or elapsed in known or len(known) >= _MAX_PATH_TIMES:
            continue
        known.add(elapsed)
        if isinstance(step, WaitUntilStep):
            continue
        timeout = _timeout(step)
        if isinstance(step, WaitStep) or timeout is not None:
            seconds = step.duration if isinstance(step, WaitStep) else timeout
            assert seconds is not None
            elapsed += seconds.seconds
            ends.setdefault(elapsed, set()).add(step_id)
            if isinstance(step, WaitForStep):
                todo.append((step.on_timeout, elapsed))
                continue
            if isinstance(step, WaitAnyStep):
                todo.append((step.else_step, elapsed))
                continue
        todo.extend((target, elapsed) for target, _ in step.successors())
    return ends


def _zones(index: WorkspaceIndex) -> Iterator[tuple[str, Loc]]:
    ws = index.workspace
    for journey in ws.journeys.values():
        yield from journey.zones()
    for policy in ws.policies.values():
        if policy.quiet_hours is not None:
            qh = policy.quiet_hours
            yield qh.tz, qh.locs.get("tz", qh.loc)


@rule("bad-timezone", Level.ERROR, "A time zone that is not an IANA zone name.")
def bad_timezones(index: WorkspaceIndex) -> RuleResult:
    for name, loc in _zones(index):
        if name != CUSTOMER_TZ and not known_zone(name):
            yield loc, f"unknown time zone {name!r} (use an IANA name such as Asia/Tokyo or UTC)"
    for policy in index.workspace.policies.values():
        if policy.default_tz is not None and not known_zone(policy.default_tz):
            yield (
                policy.locs.get("default_tz", policy.loc),
                f"unknown time zone {policy.default_tz!r} for default_tz "
                "(use an IANA name such as Asia/Tokyo or UTC)",
            )


@rule(
    "customer-tz-default",
    Level.ERROR,
    "A `tz: customer` without the policy's `default_tz` for customers who have no zone.",
    scope="workspace",
)
def customer_tz_default(index: WorkspaceIndex) -> RuleResult:
    if index.provided.get("default_tz"):
        return
    for ref in index.references:
        if ref.namespace == "default_tz":
            yield (
                ref.loc,
                f"{ref.where}: tz: customer reads each customer's `timezone` attribute; say "
                "which zone applies to a customer without one: `default_tz: Asia/Tokyo` in "
                "the policy",
            )


def _durations(index: WorkspaceIndex) -> Iterator[tuple[Duration, Loc, str]]:
    ws = index.workspace
    for journey in ws.journeys.values():
        if (schedule := journey.entry.schedule) is not None:
            yield schedule.every, schedule.locs.get("every", schedule.loc), "entry.every"
        if journey.goal is not None and journey.goal.within is not None:
            yield journey.goal.within, journey.locs.get("goal", journey.loc), "goal.within"
        if journey.re_entry.after is not None:
            yield (
                journey.re_entry.after,
                journey.locs.get("re_entry", journey.loc),
                "re_entry.after",
            )
        if journey.per_customer is not None:
            yield (
                journey.per_customer.per,
                journey.locs.get("limits", journey.loc),
                "limits.per_customer.per",
            )
        for step in journey.steps.values():
            if isinstance(step, WaitStep):
                yield step.duration, step.locs.get("wait", step.loc), f"step {step.id!r} wait"
            if isinstance(step, WaitForStep):
                yield step.timeout, step.locs.get("timeout", step.loc), f"step {step.id!r} timeout"
            if isinstance(step, WaitAnyStep):
                yield step.within, step.locs.get("wait_any", step.loc), f"step {step.id!r} within"
        for step in journey.steps.values():
            for within in _condition_windows(step):
                yield within, step.loc, f"a condition's within in step {step.id!r}"
        for within in _condition_windows(journey, skip="steps"):
            yield within, journey.loc, f"a condition's within in journey {journey.id!r}"
    for persona in ws.personas.values():
        for within in _condition_windows(persona):
            yield within, persona.loc, f"a condition's within in persona {persona.id!r}"
    for funnel in ws.funnels.values():
        yield funnel.window, funnel.locs.get("window", funnel.loc), f"funnel {funnel.id!r} window"
    for policy in ws.policies.values():
        for cap in policy.frequency_caps:
            yield cap.per, policy.locs.get("frequency_caps", policy.loc), "frequency cap period"


@rule("zero-duration", Level.ERROR, "A window, wait, timeout or period of zero length.")
def zero_durations(index: WorkspaceIndex) -> RuleResult:
    for duration, loc, what in _durations(index):
        if duration.seconds == 0:
            yield loc, f"{what} is {duration}: it must be longer than zero"


def _condition_windows(node: object, skip: str = "") -> Iterator[Duration]:
    """The `within` of every event condition inside a model object."""
    if isinstance(node, EventCondition):
        if node.within is not None:
            yield node.within
    elif dataclasses.is_dataclass(node) and not isinstance(node, type):
        for item in dataclasses.fields(node):
            if item.name not in (skip, "loc", "locs"):
                yield from _condition_windows(getattr(node, item.name))
    elif isinstance(node, (tuple, list)):
        for item in node:
            yield from _condition_windows(item)


@rule(
    "duration-too-long",
    Level.ERROR,
    f"A window, wait, timeout or period longer than {MAX_DURATION_SECONDS // 86400}d.",
)
def long_durations(index: WorkspaceIndex) -> RuleResult:
    for duration, loc, what in _durations(index):
        if duration.seconds > MAX_DURATION_SECONDS:
            yield (
                loc,
                f"{what} is {duration}: at most {MAX_DURATION_SECONDS // 86400}d (about ten "
                "years) is allowed",
            )


@rule("holdout", Level.ERROR, "A holdout that is not between 0% and 100% (exclusive).")
def holdout_range(index: WorkspaceIndex) -> RuleResult:
    for journey in index.workspace.journeys.values():
        if "holdout" not in journey.locs:
            continue
        percent = journey.holdout_percent
        loc = journey.locs["holdout"]
        if not math.isfinite(percent):
            yield loc, f"holdout of {percent}% is not a number of percent"
        elif percent >= 100:
            yield loc, f"holdout of {percent:g}% leaves no customer to treat; use less than 100%"
        elif percent <= 0:
            yield (
                loc,
                "a holdout of 0% measures nothing; remove `holdout` or give a share such as 10%",
            )


@rule(
    "holdout-fraction",
    Level.ERROR,
    "A holdout written as a fraction (`0.1`) where a percentage is meant (`10%`).",
)
def holdout_fraction(index: WorkspaceIndex) -> RuleResult:
    for journey in index.workspace.journeys.values():
        written = journey.holdout_text
        if "%" in written or not 0 < journey.holdout_percent < 1:
            continue
        yield (
            journey.locs["holdout"],
            f"holdout: {written} is {journey.holdout_percent:g}% of customers, not "
            f"{journey.holdout_percent * 100:g}%: write `holdout: "
            f"{journey.holdout_percent * 100:g}%` (or `{written}%` if you mean "
            f"{journey.holdout_percent:g}%)",
        )


@rule("holdout-large", Level.WARNING, "A holdout of half the customers or more.")
def holdout_large(index: WorkspaceIndex) -> RuleResult:
    for journey in index.workspace.journeys.values():
        if 50 <= journey.holdout_percent < 100:
            yield (
                journey.locs["holdout"],
                (
                    f"holdout of {journey.holdout_percent:g}% withholds the journey from most "
                    "customers; "
                    "a control group of 5-20% is usual"
                ),
            )


@rule("ab-weights", Level.ERROR, "The weights of an ab step do not add up to 100.")
def ab_weights(index: WorkspaceIndex) -> RuleResult:
    for journey in index.workspace.journeys.values():
        for step in journey.steps.values():
            if isinstance(step, AbStep):
                total = sum(variant.weight for variant in step.variants)
                if not math.isclose(total, 100):  # also catches a .nan weight
                    shown = " + ".join(f"{v.weight:g}" for v in step.variants)
                    yield (
                        step.locs.get("ab", step.loc),
                        (f"ab step {step.id!r} weights add up to {shown} = {total:g}, not 100"),
                    )


@rule("missing-else", Level.ERROR, "A split without an `else` branch.")
def missing_else(index: WorkspaceIndex) -> RuleResult:
    for journey in index.workspace.journeys.values():
        for step in journey.steps.values():
            if isinstance(step, SplitStep) and not any(b.is_else for b in step.branches):
                yield (
                    step.locs.get("split", step.loc),
                    (
                        f"split {step.id!r} has no `else` branch: say where customers go "
                        "when no branch matches"
                    ),
                )


@rule("dead-branch", Level.WARNING, "A split branch after the `else`, which can never be taken.")
def dead_branches(index: WorkspaceIndex) -> RuleResult:
    for journey in index.workspace.journeys.values():
        for step in journey.steps.values():
            if not isinstance(step, SplitStep):
                continue
            seen_else = False
            for branch in step.branches:
                if seen_else:
                    yield (
                        branch.loc,
                        f"split {step.id!r}: this branch comes after `else` and is never taken",
                    )
                seen_else = seen_else or branch.is_else
