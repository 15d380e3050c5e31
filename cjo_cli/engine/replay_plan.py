"""Journeys compiled for replay (docs/replay.md): event filters become bits, steps become indices.

Every event filter the replay looks at (entries, goals, exit_on, wait_for,
the events that segments, entry conditions and splits count, and the message
events of touchpoints) gets one bit. DuckDB computes each log row's bits once,
with the same parameterised SQL as every other command, and the per-customer
state machine only tests bits: it never parses JSON except for the properties
of entry events that a `property` condition reads.

The plan holds no DuckDB state, so the same plan runs under any executor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cjo_cli.conditions.bits import (
    BitMoment,
    BitRegistry,
    Predicate,
    compile_condition,
    reads_properties,
    reads_traits,
)
from cjo_cli.conditions.sql import Sql, filters_sql
from cjo_cli.engine.delivery import Cap, JourneyLimit, PlanTouchpoint
from cjo_cli.model import (
    AbStep,
    ExitStep,
    Journey,
    Policy,
    QuietHours,
    SendStep,
    SplitStep,
    Touchpoint,
    WaitAnyStep,
    WaitForStep,
    WaitStep,
    WaitUntilStep,
    Workspace,
)
from cjo_cli.model.clock import SECOND
from cjo_cli.model.conditions import AllOf, Condition, EventFilter

# ---- steps and journeys -----------------------------------------------------

WAIT, WAIT_UNTIL, WAIT_FOR, SEND, SPLIT, AB, EXIT = range(7)


@dataclass(frozen=True)
class PlanStep:
    id: str
    kind: int
    next: int = -1
    seconds: int = 0
    """wait: the duration; wait_for: the timeout (microseconds)."""
    at: dt.time | None = None
    tz: str = "UTC"
    bit: int = 0
    """wait_for: the awaited event."""
    on_timeout: int = -1
    touchpoint: str = ""
    channel: str = ""
    branches: tuple[tuple[Predicate | None, int], ...] = ()
    variants: tuple[tuple[str, float, int], ...] = ()
    """ab: (name, cumulative weight, next)."""
    seed: str = ""
    variant_from: str = ""
    """ab: the property (or trait) recording the real variant; empty: a stable hash."""
    paths: tuple[tuple[int, int], ...] = ()
    """wait_any: (event bit, next step) in order; `bit` is their union, `on_timeout` else."""

    def answered(self, mask: int) -> int:
        """wait_for / wait_any: the step an awaited event with these bits leads to."""
        for bit, target in self.paths:
            if mask & bit:
                return target
        return self.next

    def branch(self, moment: BitMoment) -> tuple[int, bool, int]:
        """split: the first branch whose condition holds, as (its number from 1, whether
        it is the else branch, the next step)."""
        for number, (check, target) in enumerate(self.branches, 1):
            if check is None or check(moment):
                return number, check is None, target
        raise AssertionError("a split ends with its else branch")

    def variant(self, fraction: float, recorded: str | None = None) -> tuple[str, int, bool]:
        """ab: the recorded variant when it names one, else the variant a stable fraction
        in [0, 1) falls in; its next step; and whether it was the recorded one."""
        for name, _, target in self.variants:
            if name == recorded:
                return name, target, True
        total = self.variants[-1][1]
        name, _, target = next(
            (v for v in self.variants if fraction * total < v[1]), self.variants[-1]
        )
        return name, target, False


@dataclass(frozen=True)
class PlanJourney:
    id: str
    rank: int
    """Its place in the send priority: lower sends first at the same instant."""
    steps: tuple[PlanStep, ...]
    start: int
    entry_bit: int
    entry_checks: tuple[tuple[str, Predicate], ...]
    """(what it is, check): the entry `if` and the persona segment."""
    entry_reads_properties: bool
    re_entry: str
    re_entry_after: int
    re_entry_text: str
    goal_bit: int
    goal_within: int | None
    exit_bits: int
    holdout_percent: float
    limit: JourneyLimit | None
    quiet_hours: tuple[QuietHours, ...]
    bits: int
    """Every bit this journey reacts to (entry, goal, exits, its wait_for events)."""
    assignment: tuple[str, str] | None = None
    """(property, holdout value): where the log records the journey's real run."""
    goal_value: str = ""
    """The goal event's property holding its value; empty: no revenue."""


@dataclass(frozen=True)
class Plan:
    journeys: tuple[PlanJourney, ...]
    touchpoints: Mapping[str, PlanTouchpoint]
    filters: tuple[EventFilter, ...]
    counted: tuple[int, ...]
    """Bits that conditions count, kept in each customer's history."""
    history_bits: int
    observe_bits: int
    caps: tuple[Cap, ...] = ()
    reads_properties: bool = False
    reads_traits: bool = False
    _routes: dict[int, tuple[tuple[PlanJourney, ...], tuple[PlanJourney, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def routes(self, mask: int) -> tuple[tuple[PlanJourney, ...], tuple[PlanJourney, ...]]:
        """The journeys an event with these bits concerns, and those it may enter."""
        found = self._routes.get(mask)
        if found is None:
            found = (
                tuple(j for j in self.journeys if mask & j.bits),
                tuple(j for j in self.journeys if mask & j.entry_bit),
            )
            self._routes[mask] = found
        return found

    def event_names(self) -> list[str]:
        return sorted({f.event for f in self.filters})

    def property_events(self) -> list[str]:
        """The entry events whose properties some journey reads, and the goal events whose
        value some journey sums (the feed passes their properties; other rows need none)."""
        entries = {
            self.filters[j.entry_bit.bit_length() - 1].event
            for j in self.journeys
            if j.entry_reads_properties
        }
        goals = {
            self.filters[j.goal_bit.bit_length() - 1].event
            for j in self.journeys
            if j.goal_value and j.goal_bit
        }
        return sorted(entries | goals)

    def mask_sql(self) -> list[Sql]:
        """One BIGINT expression per 62 bits: bit i of column i // 62 is filter i."""
        columns: list[Sql] = []
        for start in range(0, len(self.filters), 62):
            parts: list[str] = []
            params: list[Any] = []
            for offset, event_filter in enumerate(self.filters[start : start + 62]):
                where = filters_sql("properties", event_filter.where)
                parts.append(f"CASE WHEN event = ? AND {where.text} THEN {1 << offset} ELSE 0 END")
                params += [event_filter.event, *where.params]
            columns.append(Sql("(" + " + ".join(parts) + ")::BIGINT", params))
        return columns


def _priority(journeys: Sequence[Journey], policy: Policy | None) -> list[Journey]:
    """Policy priority first, in its order; the rest in workspace order."""
    listed = list(policy.priority) if policy else []
    ranked = sorted(journeys, key=lambda j: listed.index(j.id) if j.id in listed else len(listed))
    return ranked


def _touchpoint(tp: Touchpoint, bits: BitRegistry, counted: set[int]) -> PlanTouchpoint:
    def bit(name: str | None) -> int:
        return bits.bit(EventFilter(name)) if name else 0

    return PlanTouchpoint(
        tp.id,
        tp.channel,
        bit(tp.delivered_event),
        bit(tp.opened_event),
        bit(tp.clicked_event),
        None if tp.requires is None else compile_condition(tp.requires, bits, counted),
    )


def build_plan(ws: Workspace, journeys: Sequence[Journey]) -> Plan:
    """Compile the journeys (with the workspace's personas, touchpoints and policy)."""
    bits = BitRegistry()
    counted: set[int] = set()
    policy = ws.policy()
    policy_quiet = (policy.quiet_hours,) if policy and policy.quiet_hours else ()
    touchpoints: dict[str, PlanTouchpoint] = {}
    reads_props = False
    uses_traits = False
    compiled = []
    for rank, journey in enumerate(_priority(journeys, policy)):
        checks: list[tuple[str, Condition]] = []
        if journey.entry.condition is not None:
            checks.append(("the entry condition", journey.entry.condition))
        persona = ws.personas.get(journey.persona) if journey.persona else None
        if persona is not None and persona.segment is not None:
            checks.append((f"persona {persona.id}'s segment", persona.segment))
        entry_condition = AllOf(tuple(c for _, c in checks)) if checks else None
        entry_bit = bits.bit(journey.entry.event)
        entry_checks = tuple(
            (label, compile_condition(condition, bits, counted)) for label, condition in checks
        )
        uses_traits = uses_traits or reads_traits(entry_condition)
        order = list(journey.steps)
        index = {step_id: number for number, step_id in enumerate(order)}
        steps = []
        own_bits = entry_bit
        reads = reads_properties(entry_condition)
        for step_id in order:
            step = journey.steps[step_id]
            if isinstance(step, WaitStep):
                steps.append(
                    PlanStep(step_id, WAIT, index[step.next], step.duration.seconds * SECOND)
                )
            elif isinstance(step, WaitUntilStep):
                steps.append(
                    PlanStep(step_id, WAIT_UNTIL, index[step.next], at=step.at, tz=step.tz)
                )
            elif isinstance(step, WaitForStep):
                bit = bits.bit(step.event)
                own_bits |= bit
                steps.append(
                    PlanStep(
                        step_id,
                        WAIT_FOR,
                        index[step.next],
                        step.timeout.seconds * SECOND,
                        bit=bit,
                        on_timeout=index[step.on_timeout],
                    )
                )
            elif isinstance(step, WaitAnyStep):
                paths = tuple((bits.bit(path.event), index[path.next]) for path in step.paths)
                union = 0
                for bit, _ in paths:
                    union |= bit
                own_bits |= union
                steps.append(
                    PlanStep(
                        step_id,
                        WAIT_FOR,
                        -1,
                        step.within.seconds * SECOND,
                        bit=union,
                        on_timeout=index[step.else_step],
                        paths=paths,
                    )
                )
            elif isinstance(step, SendStep):
                if step.touchpoint not in touchpoints:
                    spec_tp = ws.touchpoints[step.touchpoint]
                    touchpoints[step.touchpoint] = _touchpoint(spec_tp, bits, counted)
                    uses_traits = uses_traits or reads_traits(spec_tp.requires)
                tp = touchpoints[step.touchpoint]
                steps.append(
                    PlanStep(step_id, SEND, index[step.next], touchpoint=tp.id, channel=tp.channel)
                )
            elif isinstance(step, SplitStep):
                branches = []
                for branch in step.branches:
                    check = (
                        None
                        if branch.condition is None
                        else compile_condition(branch.condition, bits, counted)
                    )
                    reads = reads or reads_properties(branch.condition)
                    uses_traits = uses_traits or reads_traits(branch.condition)
                    branches.append((check, index[branch.next]))
                steps.append(PlanStep(step_id, SPLIT, branches=tuple(branches)))
            elif isinstance(step, AbStep):
                total = 0.0
                variants = []
                for variant in step.variants:
                    total += variant.weight
                    variants.append((variant.name, total, index[variant.next]))
                reads = reads or step.variant_from is not None
                uses_traits = uses_traits or step.variant_from is not None
                steps.append(
                    PlanStep(
                        step_id,
                        AB,
                        variants=tuple(variants),
                        seed=step.seed,
                        variant_from=step.variant_from or "",
                    )
                )
            else:
                assert isinstance(step, ExitStep)
                steps.append(PlanStep(step_id, EXIT))
        goal_bit = bits.bit(journey.goal.event) if journey.goal else 0
        goal_within = (
            journey.goal.within.seconds * SECOND
            if journey.goal is not None and journey.goal.within is not None
            else None
        )
        exit_bits = 0
        for event_filter in journey.exit_on:
            exit_bits |= bits.bit(event_filter)
        assignment = journey.assignment
        reads = reads or assignment is not None
        uses_traits = uses_traits or assignment is not None
        reads_props = reads_props or reads
        own_quiet = (journey.quiet_hours,) if journey.quiet_hours else ()
        compiled.append(
            PlanJourney(
                id=journey.id,
                rank=rank,
                steps=tuple(steps),
                start=index[journey.start],
                entry_bit=entry_bit,
                entry_checks=entry_checks,
                entry_reads_properties=reads,
                re_entry=journey.re_entry.mode,
                re_entry_after=(journey.re_entry.after.seconds * SECOND)
                if journey.re_entry.after
                else 0,
                re_entry_text=str(journey.re_entry.after or ""),
                goal_bit=goal_bit,
                goal_within=goal_within,
                exit_bits=exit_bits,
                holdout_percent=journey.holdout_percent,
                limit=(
                    JourneyLimit(
                        journey.per_customer.max,
                        journey.per_customer.per.seconds * SECOND,
                        f"{journey.per_customer.max} per {journey.per_customer.per}",
                    )
                    if journey.per_customer
                    else None
                ),
                quiet_hours=own_quiet + policy_quiet,
                bits=own_bits | goal_bit | exit_bits,
                assignment=(assignment.property, assignment.holdout) if assignment else None,
                goal_value=(journey.goal.value or "") if journey.goal else "",
            )
        )
    observe = 0
    for tp in touchpoints.values():
        observe |= tp.delivered | tp.opened | tp.clicked
    history_bits = 0
    for bit in counted:
        history_bits |= bit
    caps = tuple(
        Cap(cap.channel, cap.max, cap.per.seconds * SECOND, f"{cap.max} per {cap.per}")
        for cap in (policy.frequency_caps if policy else ())
    )
    return Plan(
        journeys=tuple(compiled),
        touchpoints=touchpoints,
        filters=tuple(bits.filters),
        counted=tuple(sorted(counted)),
        history_bits=history_bits,
        observe_bits=observe,
        caps=caps,
        reads_properties=reads_props,
        reads_traits=uses_traits,
    )
