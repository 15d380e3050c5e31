"""Totals of a replay, added up one customer at a time (nothing per customer is kept).

Counting rules (SPEC §4): `entered` and `converted` count treated customers,
once each however often they entered; `entries`, `exits` and a step's `total`
count entries and visits. Holdout customers are counted apart. A step's
`unique` counts treated customers who visited it at least once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

from cjo_cli.engine.replay_plan import Plan
from cjo_cli.engine.replay_records import CustomerReplay

EXIT_REASONS = ("goal", "exit_event", "end", "censored")


@dataclass
class StepTotals:
    id: str
    unique: int = 0
    total: int = 0
    left: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EXIT_REASONS, 0))

    @property
    def drop_off(self) -> int:
        """Entries lost at this step: ended by an exit_on event."""
        return self.left["exit_event"]


@dataclass
class SendTotals:
    touchpoint: str
    channel: str
    sent: int = 0
    """Sends that went out, deferred ones included."""
    capped: int = 0
    deferred: int = 0
    """Of `sent`, those that quiet hours held first."""
    not_sent: int = 0
    """Held by quiet hours, and the entry ended (goal, exit event, log end) first."""
    delivered: int = 0
    opened: int = 0
    clicked: int = 0
    observable: bool = False
    """The touchpoint names message events, so delivered/opened/clicked are measured."""


@dataclass
class GroupTotals:
    entered: int = 0
    converted: int = 0
    entries: int = 0

    @property
    def rate(self) -> float | None:
        return self.converted / self.entered if self.entered else None


@dataclass(frozen=True)
class Lift:
    """Treated minus holdout conversion rate, with a 95% Newcombe (Wilson) interval."""

    difference: float
    low: float
    high: float


def _wilson(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return centre - half, centre + half


def lift(treated: GroupTotals, holdout: GroupTotals) -> Lift | None:
    if not treated.entered or not holdout.entered:
        return None
    p1 = treated.converted / treated.entered
    p2 = holdout.converted / holdout.entered
    l1, u1 = _wilson(treated.converted, treated.entered)
    l2, u2 = _wilson(holdout.converted, holdout.entered)
    d = p1 - p2
    return Lift(
        d,
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


@dataclass
class JourneyTotals:
    id: str
    treated: GroupTotals = field(default_factory=GroupTotals)
    holdout: GroupTotals = field(default_factory=GroupTotals)
    exits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EXIT_REASONS, 0))
    sends: dict[str, SendTotals] = field(default_factory=dict)
    steps: dict[str, StepTotals] = field(default_factory=dict)
    variants: dict[str, GroupTotals] = field(default_factory=dict)

    @property
    def lift(self) -> Lift | None:
        """Treated minus holdout conversion (None unless both groups have customers)."""
        return lift(self.treated, self.holdout)


class ReplayTotals:
    def __init__(self, plan: Plan) -> None:
        self.customers = 0
        self.events = 0
        self.journeys: dict[str, JourneyTotals] = {}
        for journey in plan.journeys:
            totals = JourneyTotals(journey.id)
            for step in journey.steps:
                totals.steps[step.id] = StepTotals(step.id)
                if step.touchpoint and step.touchpoint not in totals.sends:
                    tp = plan.touchpoints[step.touchpoint]
                    totals.sends[step.touchpoint] = SendTotals(
                        tp.id, tp.channel, observable=bool(tp.delivered or tp.opened or tp.clicked)
                    )
                for name, _, _ in step.variants:
                    totals.variants.setdefault(name, GroupTotals())
            self.journeys[journey.id] = totals

    def merge(self, other: ReplayTotals) -> None:
        """Add totals counted elsewhere (another partition of the customers) to these."""
        self.customers += other.customers
        self.events += other.events
        for journey_id, theirs in other.journeys.items():
            mine = self.journeys[journey_id]
            _add_counts(mine.treated, theirs.treated)
            _add_counts(mine.holdout, theirs.holdout)
            for name, group in theirs.variants.items():
                _add_counts(mine.variants.setdefault(name, GroupTotals()), group)
            _add_keyed(mine.exits, theirs.exits)
            for step_id, step in theirs.steps.items():
                _add_counts(mine.steps[step_id], step)
                _add_keyed(mine.steps[step_id].left, step.left)
            for touchpoint, send in theirs.sends.items():
                _add_counts(mine.sends[touchpoint], send)

    def add(self, replay: CustomerReplay, events: int = 0) -> None:
        self.customers += 1
        self.events += events
        if not replay.entries:
            return
        entered: dict[str, list[bool]] = {}
        for record in replay.entries:
            totals = self.journeys[record.journey]
            group = totals.holdout if record.holdout else totals.treated
            group.entries += 1
            flags = entered.setdefault(record.journey, [record.holdout, False])
            converted = record.converted_ts is not None
            flags[1] = flags[1] or converted
            if record.holdout:
                continue
            totals.exits[record.exit_reason] += 1
            if record.exit_step:
                totals.steps[record.exit_step].left[record.exit_reason] += 1
            if record.variant is not None:
                variant = totals.variants.setdefault(record.variant, GroupTotals())
                variant.entries += 1
                variant.converted += converted
        for journey_id, (holdout, converted) in entered.items():
            totals = self.journeys[journey_id]
            group = totals.holdout if holdout else totals.treated
            group.entered += 1
            group.converted += converted
        seen: set[tuple[str, str]] = set()
        for visit in replay.visits:
            if visit.holdout:
                continue
            step = self.journeys[visit.journey].steps[visit.step]
            step.total += 1
            if (visit.journey, visit.step) not in seen:
                seen.add((visit.journey, visit.step))
                step.unique += 1
        for send in replay.sends:
            totals_send = self.journeys[send.journey].sends[send.touchpoint]
            if send.status == "capped":
                totals_send.capped += 1
                continue
            if send.status == "not_sent":
                totals_send.not_sent += 1
                continue
            totals_send.sent += 1
            totals_send.deferred += send.ts > send.planned_ts
            totals_send.delivered += send.delivered_ts is not None
            totals_send.opened += send.opened_ts is not None
            totals_send.clicked += send.clicked_ts is not None


def _add_counts(into: object, other: object) -> None:
    """Add every int field of a totals record (not flags, not names) into another."""
    for item in fields(into):  # type: ignore[arg-type]
        value = getattr(other, item.name)
        if isinstance(value, int) and not isinstance(value, bool):
            setattr(into, item.name, getattr(into, item.name) + value)


def _add_keyed(into: dict[str, int], other: dict[str, int]) -> None:
    for key, count in other.items():
        into[key] = into.get(key, 0) + count


def channel_totals(sends: Sequence[SendTotals]) -> dict[str, int]:
    found: dict[str, int] = {}
    for send in sends:
        found[send.channel] = found.get(send.channel, 0) + send.sent
    return dict(sorted(found.items()))
