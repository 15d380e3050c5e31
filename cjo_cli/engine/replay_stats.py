"""Totals of a replay, added up one customer at a time (nothing per customer is kept).

Counting rules (docs/replay.md): `entered` and `converted` count treated
customers, once each however often they entered, in the group of their first
entry; `entries`, `exits` and a step's `total` count entries and visits. Holdout
customers are counted apart. A step's `unique` counts treated customers who
visited it at least once. What the totals may claim of an effect: `effects`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from fractions import Fraction

from cjo_cli.engine.effects import (
    Arm,
    Effect,
    HoldoutPlan,
    VariantResult,
    compare_variants,
    holdout_mismatch,
    holdout_plan,
    measured_effect,
)
from cjo_cli.engine.replay_plan import AB, Plan
from cjo_cli.engine.replay_records import CustomerReplay, EntryRecord, SendRecord, VisitRecord

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
    unreachable: int = 0
    """Skipped: the customer cannot receive it (the touchpoint's `requires`)."""
    deferred: int = 0
    """Of `sent`, those that quiet hours held first."""
    not_sent: int = 0
    """Held by quiet hours, and the entry ended (goal, exit event, log end) first."""
    rate_limited: int = 0
    """Held by the journey's rate limit, and the entry ended first."""
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


@dataclass
class JourneyTotals:
    id: str
    treated: GroupTotals = field(default_factory=GroupTotals)
    holdout: GroupTotals = field(default_factory=GroupTotals)
    exits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EXIT_REASONS, 0))
    sends: dict[str, SendTotals] = field(default_factory=dict)
    steps: dict[str, StepTotals] = field(default_factory=dict)
    variants: dict[str, GroupTotals] = field(default_factory=dict)
    """Entries per variant; under `variant_from` only those whose variant is recorded."""
    holdout_percent: float = 0.0
    recorded: bool = False
    """The journey names where the log records its real run (`assignment`)."""
    unrecorded: GroupTotals = field(default_factory=GroupTotals)
    """Of `treated`, customers whose group the log does not record (replayed as treated)."""
    recorded_variants: tuple[str, ...] = ()
    """The variants of ab steps with `variant_from`, in the YAML's order."""
    variants_unrecorded: int = 0
    """Entries that reached a `variant_from` step without a recorded variant."""
    revenue_property: str = ""
    """The goal's `value` property; empty: the journey counts no revenue."""
    revenue_sum: Fraction = Fraction(0)
    """The treated entries' goal values (their converting goal events), summed exactly:
    totals counted in any order, or on several cores and merged, are the same."""
    holdout_revenue_sum: Fraction = Fraction(0)

    @property
    def revenue(self) -> float:
        return float(self.revenue_sum)

    @property
    def holdout_revenue(self) -> float:
        return float(self.holdout_revenue_sum)

    def revenue_per_entrant(self, holdout: bool = False) -> float | None:
        group = self.holdout if holdout else self.treated
        total = self.holdout_revenue if holdout else self.revenue
        return total / group.entered if group.entered else None

    @property
    def assignment(self) -> str:
        return "recorded" if self.recorded else "simulated"

    def effect(self) -> Effect | None:
        """Treated against holdout as the log records them; None when simulated."""
        if not self.recorded:
            return None
        treated = Arm(
            self.treated.entered - self.unrecorded.entered,
            self.treated.converted - self.unrecorded.converted,
        )
        return measured_effect(treated, Arm(self.holdout.entered, self.holdout.converted))

    def holdout_plan(self, span_us: int) -> HoldoutPlan | None:
        """What the holdout could detect once the journey runs; None when the effect is
        measured, or when there is no holdout."""
        if self.recorded or self.holdout_percent <= 0:
            return None
        return holdout_plan(
            self.treated.entered + self.holdout.entered,
            self.treated.converted + self.holdout.converted,
            self.holdout_percent,
            span_us,
        )

    def variant_results(self) -> list[VariantResult]:
        """The recorded variants, measured; simulated variants have sizes only."""
        return compare_variants(
            [
                (name, Arm(self.variants[name].entries, self.variants[name].converted))
                for name in self.recorded_variants
            ]
        )

    def warnings(self) -> list[str]:
        found = []
        if self.recorded:
            treated = self.treated.entered - self.unrecorded.entered
            mismatch = holdout_mismatch(
                self.holdout_percent, self.holdout.entered, treated + self.holdout.entered
            )
            if mismatch:
                found.append(mismatch)
            if self.unrecorded.entered:
                found.append(
                    f"{self.unrecorded.entered:,} entrants have no recorded group: replayed "
                    "as treated, left out of the measured effect"
                )
        if self.variants_unrecorded:
            found.append(
                f"{self.variants_unrecorded:,} entries reached an A/B step with no recorded "
                "variant: their variant is simulated, and left out of the variant results"
            )
        return found


class ReplayTotals:
    def __init__(self, plan: Plan, span_us: int = 0) -> None:
        self.customers = 0
        self.events = 0
        self.rate_limited = {j.id for j in plan.journeys if j.rate is not None}
        """The journeys with a send rate (their not-sent counts say how many it held)."""
        self.default_tz = plan.default_tz
        self.without_zone = 0
        """Under `tz: customer`: customers without a valid `timezone` trait."""
        self.span_us = span_us
        """The log's span (last event minus first), for the holdout plans."""
        self.journeys: dict[str, JourneyTotals] = {}
        for journey in plan.journeys:
            totals = JourneyTotals(
                journey.id,
                holdout_percent=journey.holdout_percent,
                recorded=journey.assignment is not None,
                revenue_property=journey.goal_value,
                recorded_variants=tuple(
                    name
                    for step in journey.steps
                    if step.kind == AB and step.variant_from
                    for name, _, _ in step.variants
                ),
            )
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
        # The same records by (journey, step) and (journey, touchpoint): looked up at every
        # visit and send.
        self._steps = {
            (journey_id, step_id): step
            for journey_id, totals in self.journeys.items()
            for step_id, step in totals.steps.items()
        }
        self._sends = {
            (journey_id, touchpoint): send
            for journey_id, totals in self.journeys.items()
            for touchpoint, send in totals.sends.items()
        }

    def merge(self, other: ReplayTotals) -> None:
        """Add totals counted elsewhere (another partition of the customers) to these."""
        self.customers += other.customers
        self.events += other.events
        self.without_zone += other.without_zone
        for journey_id, theirs in other.journeys.items():
            mine = self.journeys[journey_id]
            _add_counts(mine, theirs)
            for kept in ("treated", "holdout", "unrecorded"):
                _add_counts(getattr(mine, kept), getattr(theirs, kept))
            for name, group in theirs.variants.items():
                _add_counts(mine.variants.setdefault(name, GroupTotals()), group)
            _add_keyed(mine.exits, theirs.exits)
            mine.revenue_sum += theirs.revenue_sum
            mine.holdout_revenue_sum += theirs.holdout_revenue_sum
            for step_id, step in theirs.steps.items():
                _add_counts(mine.steps[step_id], step)
                _add_keyed(mine.steps[step_id].left, step.left)
            for touchpoint, send in theirs.sends.items():
                _add_counts(mine.sends[touchpoint], send)

    def add(self, replay: CustomerReplay, events: int = 0) -> None:
        self.customers += 1
        self.events += events
        self.without_zone += replay.zone_fallback
        if not replay.entries:
            return
        journeys = self.journeys
        first: dict[str, EntryRecord] = {}
        converted_once: set[str] = set()
        for record in replay.entries:
            totals = journeys[record.journey]
            group = totals.holdout if record.holdout else totals.treated
            group.entries += 1
            if record.converted_value is not None:
                if record.holdout:
                    totals.holdout_revenue_sum += Fraction(record.converted_value)
                else:
                    totals.revenue_sum += Fraction(record.converted_value)
            if record.journey not in first:
                first[record.journey] = record
            converted = record.converted_ts is not None
            if converted:
                converted_once.add(record.journey)
            if record.holdout:
                continue
            totals.exits[record.exit_reason] += 1
            if record.exit_step:
                totals.steps[record.exit_step].left[record.exit_reason] += 1
            if record.variant_recorded is False:
                totals.variants_unrecorded += 1
            elif record.variant is not None:
                variant = totals.variants.setdefault(record.variant, GroupTotals())
                variant.entries += 1
                variant.converted += converted
        for journey_id, record in first.items():
            totals = journeys[journey_id]
            converted = journey_id in converted_once
            group = totals.holdout if record.holdout else totals.treated
            group.entered += 1
            group.converted += converted
            if record.group == "unrecorded":
                totals.unrecorded.entered += 1
                totals.unrecorded.converted += converted
        self._add_visits(replay.visits)
        self._add_sends(replay.sends)

    def _add_visits(self, visits: Sequence[VisitRecord]) -> None:
        steps = self._steps
        seen: set[tuple[str, str]] = set()
        for visit in visits:
            if visit.holdout:
                continue
            key = (visit.journey, visit.step)
            step = steps[key]
            step.total += 1
            if key not in seen:
                seen.add(key)
                step.unique += 1

    def _add_sends(self, sends: Sequence[SendRecord]) -> None:
        by_touchpoint = self._sends
        for send in sends:
            totals = by_touchpoint[send.journey, send.touchpoint]
            status = send.status
            if status == "sent":
                totals.sent += 1
                totals.deferred += send.ts > send.planned_ts
                totals.delivered += send.delivered_ts is not None
                totals.opened += send.opened_ts is not None
                totals.clicked += send.clicked_ts is not None
            elif status == "capped":
                totals.capped += 1
            elif status == "unreachable":
                totals.unreachable += 1
            elif status == "not_sent":
                totals.not_sent += 1
            else:
                assert status == "rate_limited", status
                totals.rate_limited += 1


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
