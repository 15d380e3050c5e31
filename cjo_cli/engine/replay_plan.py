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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from cjo_cli.conditions.bits import (
    BitRegistry,
    Predicate,
    compile_condition,
    reads_properties,
    reads_traits,
    required_bits,
)
from cjo_cli.conditions.sql import Sql, filters_sql, join
from cjo_cli.engine.delivery import Cap, JourneyLimit, PlanTouchpoint

# The step kinds and `PlanStep` live with the step compiler; importers find them here.
from cjo_cli.engine.replay_plan_steps import AB as AB
from cjo_cli.engine.replay_plan_steps import EXIT as EXIT
from cjo_cli.engine.replay_plan_steps import SEND as SEND
from cjo_cli.engine.replay_plan_steps import SET as SET
from cjo_cli.engine.replay_plan_steps import SPLIT as SPLIT
from cjo_cli.engine.replay_plan_steps import WAIT as WAIT
from cjo_cli.engine.replay_plan_steps import WAIT_FOR as WAIT_FOR
from cjo_cli.engine.replay_plan_steps import WAIT_UNTIL as WAIT_UNTIL
from cjo_cli.engine.replay_plan_steps import PlanStep as PlanStep
from cjo_cli.engine.replay_plan_steps import compile_steps
from cjo_cli.model import (
    Journey,
    Policy,
    QuietHours,
    Schedule,
    SendLimit,
    Workspace,
)
from cjo_cli.model.clock import CUSTOMER_TZ, SECOND, scheduled_instants
from cjo_cli.model.conditions import AllOf, Condition, EventFilter


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
    schedule: Schedule | None = None
    """An audience entry's schedule (`entry_bit` is then 0: no event enters)."""
    rate: JourneyLimit | None = None
    """`limits.rate`: sends of all customers together per window."""
    instants: tuple[int, ...] = ()
    """The schedule's instants within the log's span (`Plan.scheduled`)."""
    needs: tuple[int, ...] = ()
    """An audience's necessary events (`bits.required_bits`): before a customer has an
    event of each mask, no check can let it in, so the replay starts its checks after."""


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
    default_tz: str | None = None
    """Set when some time says `tz: customer`: the zone of a customer without one."""
    span: tuple[int, int] | None = None
    """The log's first and last instants, once `scheduled`."""
    _routes: dict[int, tuple[tuple[PlanJourney, ...], tuple[PlanJourney, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _zone_instants: dict[tuple[str, str], tuple[int, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def instants(self, journey: PlanJourney, zone: str | None) -> tuple[int, ...]:
        """An audience journey's instants for a customer in `zone` (its own under
        `tz: customer`, computed once per zone)."""
        schedule = journey.schedule
        if schedule is None or schedule.tz != CUSTOMER_TZ or self.span is None:
            return journey.instants
        key = (journey.id, zone or self.default_tz or "UTC")
        found = self._zone_instants.get(key)
        if found is None:
            found = _instants(schedule, key[1], *self.span)
            self._zone_instants[key] = found
        return found

    @property
    def reads_log(self) -> bool:
        """Some journey reacts to an event, or checks customers on a schedule."""
        return bool(self.filters or self.audiences)

    @property
    def rate_limited(self) -> bool:
        """Some journey limits its sends across customers: one time order for all."""
        return any(j.rate is not None for j in self.journeys)

    audiences: tuple[PlanJourney, ...] = field(init=False, compare=False, repr=False)
    """The journeys that enter on a schedule."""

    def __post_init__(self) -> None:
        # Asked for at every customer: computed once (`replace` computes it again).
        audiences = tuple(j for j in self.journeys if j.schedule is not None)
        object.__setattr__(self, "audiences", audiences)

    def scheduled(self, first: int, last: int) -> Plan:
        """This plan with the audience journeys' instants within [first, last]: every
        replay of a log calls it with the log's span before replaying customers."""
        if not self.audiences:
            return self
        journeys = tuple(
            replace(journey, instants=_instants(journey.schedule, journey.schedule.tz, first, last))
            if journey.schedule is not None and journey.schedule.tz != CUSTOMER_TZ
            else journey
            for journey in self.journeys
        )
        return replace(self, journeys=journeys, span=(first, last), _routes={}, _zone_instants={})

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

    def event_of(self, mask: int) -> str | None:
        """The event of a log row with these bits (each filter names one event); None for
        no bits (the feed's row of no events)."""
        return self.filters[(mask & -mask).bit_length() - 1].event if mask else None

    def property_events(self) -> list[str]:
        """The entry events whose properties some journey reads, and the goal events whose
        value some journey sums (the feed passes their properties; other rows need none)."""
        entries = {
            self.filters[j.entry_bit.bit_length() - 1].event
            for j in self.journeys
            if j.entry_reads_properties and j.entry_bit
        }
        goals = {
            event_filter.event
            for j in self.journeys
            if j.goal_value
            for number, event_filter in enumerate(self.filters)
            if j.goal_bit >> number & 1
        }
        return sorted(entries | goals)

    def mask_sql(self) -> list[Sql]:
        """One BIGINT expression per 62 bits: bit i of column i // 62 is filter i."""
        columns: list[Sql] = []
        for start in range(0, len(self.filters), 62):
            # One CASE on the event, each event's filters inside its branch: a row's
            # name is compared until it matches, not once per filter (a third of the
            # replay's scan of 10M events), and a `where` is read only on its event.
            by_event: dict[str, list[tuple[int, EventFilter]]] = {}
            for offset, event_filter in enumerate(self.filters[start : start + 62]):
                by_event.setdefault(event_filter.event, []).append((offset, event_filter))
            branches: list[str] = []
            params: list[Any] = []
            for event, filters in by_event.items():
                terms: list[str] = []
                params.append(event)
                for offset, event_filter in filters:
                    if not event_filter.where:
                        terms.append(str(1 << offset))
                        continue
                    where = filters_sql("properties", event_filter.where)
                    terms.append(f"CASE WHEN {where.text} THEN {1 << offset} ELSE 0 END")
                    params += where.params
                branches.append(f"WHEN ? THEN {' + '.join(terms)}")
            columns.append(Sql(f"(CASE event {' '.join(branches)} ELSE 0 END)::BIGINT", params))
        return columns

    def matched_sql(self) -> Sql:
        """Whether a row has some bit of `mask_sql`, without computing them: DuckDB
        pushes a filter on the masks down as a second copy of their expressions (which
        cost as much again); an event with a filter of no `where` always matches."""
        wheres: dict[str, list[Sql] | None] = {}
        for event_filter in self.filters:
            found = wheres.setdefault(event_filter.event, [])
            if found is None:
                continue
            if event_filter.where:
                found.append(filters_sql("properties", event_filter.where))
            else:
                wheres[event_filter.event] = None
        branches: list[str] = []
        params: list[Any] = []
        for event, where in wheres.items():
            test = Sql("true") if where is None else join("OR", where, "false")
            branches.append(f"WHEN ? THEN {test.text}")
            params += [event, *test.params]
        return Sql(f"CASE event {' '.join(branches)} ELSE false END", params)


def _instants(schedule: Schedule, tz: str, first: int, last: int) -> tuple[int, ...]:
    every = schedule.every.seconds * SECOND
    return scheduled_instants(every, schedule.at, tz, schedule.start, first, last)


def _customer_zones(ws: Workspace, journeys: Sequence[Journey]) -> bool:
    """Whether some time these journeys keep says `tz: customer`."""
    policy = ws.policy()
    zones = [policy.quiet_hours.tz] if policy and policy.quiet_hours else []
    for journey in journeys:
        zones += [tz for tz, _ in journey.zones()]
    return CUSTOMER_TZ in zones


def _priority(journeys: Sequence[Journey], policy: Policy | None) -> list[Journey]:
    """Policy priority first, in its order; the rest in workspace order."""
    listed = list(policy.priority) if policy else []
    ranked = sorted(journeys, key=lambda j: listed.index(j.id) if j.id in listed else len(listed))
    return ranked


def _journey_limit(limit: SendLimit | None) -> JourneyLimit | None:
    """`limits.per_customer` or `limits.rate`, in microseconds, with its text."""
    if limit is None:
        return None
    return JourneyLimit(limit.max, limit.per.seconds * SECOND, f"{limit.max} per {limit.per}")


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
        schedule = journey.entry.schedule
        if journey.entry.condition is not None:
            what = "the audience" if schedule is not None else "the entry condition"
            checks.append((what, journey.entry.condition))
        persona = ws.personas.get(journey.persona) if journey.persona else None
        if persona is not None and persona.segment is not None:
            checks.append((f"persona {persona.id}'s segment", persona.segment))
        entry_condition = AllOf(tuple(c for _, c in checks)) if checks else None
        entry_bit = bits.bit(journey.entry.event) if journey.entry.event is not None else 0
        entry_checks = tuple(
            (label, compile_condition(condition, bits, counted)) for label, condition in checks
        )
        uses_traits = uses_traits or reads_traits(entry_condition)
        own_bits = entry_bit
        # An audience has no entry event: its property conditions read nothing (the
        # `property-without-event` rule says so), and the feed passes no properties.
        reads = schedule is None and reads_properties(entry_condition)
        compiled_steps = compile_steps(ws, journey, bits, counted, touchpoints)
        steps = compiled_steps.steps
        own_bits |= compiled_steps.bits
        reads = reads or compiled_steps.reads_properties
        uses_traits = uses_traits or compiled_steps.reads_traits
        goal_bit = 0
        for goal_event in journey.goal.events if journey.goal else ():
            goal_bit |= bits.bit(goal_event)
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
                steps=steps,
                start=list(journey.steps).index(journey.start),
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
                limit=_journey_limit(journey.per_customer),
                quiet_hours=own_quiet + policy_quiet,
                bits=own_bits | goal_bit | exit_bits,
                assignment=(assignment.property, assignment.holdout) if assignment else None,
                goal_value=(journey.goal.value or "") if journey.goal else "",
                schedule=schedule,
                needs=(
                    required_bits(entry_condition, bits)
                    if schedule is not None and entry_condition is not None
                    else ()
                ),
                rate=_journey_limit(journey.rate),
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
    customer_zones = _customer_zones(ws, journeys)
    return Plan(
        journeys=tuple(compiled),
        touchpoints=touchpoints,
        filters=tuple(bits.filters),
        counted=tuple(sorted(counted)),
        history_bits=history_bits,
        observe_bits=observe,
        caps=caps,
        reads_properties=reads_props,
        reads_traits=uses_traits or customer_zones,
        default_tz=((policy.default_tz if policy else None) or "UTC") if customer_zones else None,
    )
