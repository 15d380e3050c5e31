"""Journeys in the model (docs/language.md): entry, re-entry, goal, exits, limits, holdout and
the steps, each step a frozen dataclass that knows its successors."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Literal

from cjo_cli.model.conditions import Condition, EventFilter, Scalar
from cjo_cli.model.loc import Loc, loc_field, locs_field
from cjo_cli.model.timing import Duration


@dataclass(frozen=True)
class StepBase:
    id: str
    name: str
    loc: Loc = loc_field()
    locs: Mapping[str, Loc] = locs_field()

    def successors(self) -> tuple[tuple[str, Loc], ...]:
        """The step ids this step may lead to, each with where it is written."""
        return ()

    @property
    def waits(self) -> bool:
        """True when time passes in this step (so a cycle through it is not a busy loop)."""
        return False


@dataclass(frozen=True)
class WaitStep(StepBase):
    duration: Duration = Duration(0)
    next: str = ""

    def successors(self) -> tuple[tuple[str, Loc], ...]:
        return ((self.next, self.locs.get("next", self.loc)),)

    @property
    def waits(self) -> bool:
        return self.duration.seconds > 0


@dataclass(frozen=True)
class WaitUntilStep(StepBase):
    at: time = time(0, 0)
    tz: str = "UTC"
    next: str = ""

    def successors(self) -> tuple[tuple[str, Loc], ...]:
        return ((self.next, self.locs.get("next", self.loc)),)

    @property
    def waits(self) -> bool:
        return True


@dataclass(frozen=True)
class WaitForStep(StepBase):
    event: EventFilter = EventFilter("")
    timeout: Duration = Duration(0)
    next: str = ""
    on_timeout: str = ""

    def successors(self) -> tuple[tuple[str, Loc], ...]:
        return (
            (self.next, self.locs.get("next", self.loc)),
            (self.on_timeout, self.locs.get("on_timeout", self.loc)),
        )

    @property
    def waits(self) -> bool:
        return True


@dataclass(frozen=True)
class ActionPath:
    """One path of a `wait_any` step: this event (with `where`) leads to `next`."""

    event: EventFilter
    next: str
    loc: Loc = loc_field()
    next_loc: Loc = loc_field()


@dataclass(frozen=True)
class WaitAnyStep(StepBase):
    """An action path: the first of `paths` whose event comes within `within` moves the
    customer on by it; else, when the window ends, `else_step`."""

    within: Duration = Duration(0)
    paths: tuple[ActionPath, ...] = ()
    else_step: str = ""
    else_loc: Loc = loc_field()

    def successors(self) -> tuple[tuple[str, Loc], ...]:
        return (*((p.next, p.next_loc) for p in self.paths), (self.else_step, self.else_loc))

    @property
    def waits(self) -> bool:
        return True


@dataclass(frozen=True)
class SendStep(StepBase):
    touchpoint: str = ""
    next: str = ""

    def successors(self) -> tuple[tuple[str, Loc], ...]:
        return ((self.next, self.locs.get("next", self.loc)),)


@dataclass(frozen=True)
class SetStep(StepBase):
    """Sets the customer's trait `attribute` to `value` (None clears it) for the rest of
    the replay, as Braze's User Update and SFMC's Update Contact steps do."""

    attribute: str = ""
    value: Scalar = None
    next: str = ""

    def successors(self) -> tuple[tuple[str, Loc], ...]:
        return ((self.next, self.locs.get("next", self.loc)),)


@dataclass(frozen=True)
class SplitBranch:
    """`{if: condition, next: step}`, or the `else` branch when `condition` is None."""

    condition: Condition | None
    next: str
    loc: Loc = loc_field()
    next_loc: Loc = loc_field()

    @property
    def is_else(self) -> bool:
        return self.condition is None


@dataclass(frozen=True)
class SplitStep(StepBase):
    branches: tuple[SplitBranch, ...] = ()

    def successors(self) -> tuple[tuple[str, Loc], ...]:
        return tuple((branch.next, branch.next_loc) for branch in self.branches)


@dataclass(frozen=True)
class Variant:
    name: str
    weight: float
    next: str
    loc: Loc = loc_field()
    next_loc: Loc = loc_field()


@dataclass(frozen=True)
class AbStep(StepBase):
    variants: tuple[Variant, ...] = ()
    seed: str = ""
    variant_from: str | None = None
    """The property (or trait) where the log records each customer's real variant."""

    def successors(self) -> tuple[tuple[str, Loc], ...]:
        return tuple((variant.next, variant.next_loc) for variant in self.variants)


@dataclass(frozen=True)
class ExitStep(StepBase):
    pass


Step = (
    WaitStep
    | WaitUntilStep
    | WaitForStep
    | WaitAnyStep
    | SendStep
    | SetStep
    | SplitStep
    | AbStep
    | ExitStep
)


@dataclass(frozen=True)
class Schedule:
    """When an audience enters: from `start` (a day in `tz`; None: the log's first day)
    at the clock time `at`, then every `every`."""

    every: Duration
    at: time = time(0, 0)
    tz: str = "UTC"
    start: date | None = None
    loc: Loc = loc_field()
    locs: Mapping[str, Loc] = locs_field()


@dataclass(frozen=True)
class Entry:
    """On an event (`event`, with `condition` as its `if`), or, with `schedule`, an audience:
    the customers for whom `condition` holds at each scheduled instant (`event` is None)."""

    event: EventFilter | None
    condition: Condition | None = None
    schedule: Schedule | None = None


@dataclass(frozen=True)
class Goal:
    """The conversion: the first of `events` to come (one, or several under `any`)."""

    events: tuple[EventFilter, ...]
    within: Duration | None = None
    value: str | None = None
    """The goal event's property that holds its value (revenue)."""


@dataclass(frozen=True)
class ReEntry:
    """`never`, `always`, or `after` a duration since the last entry."""

    mode: Literal["never", "always", "after"] = "never"
    after: Duration | None = None


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    tz: str
    loc: Loc = loc_field()
    locs: Mapping[str, Loc] = locs_field()


@dataclass(frozen=True)
class Assignment:
    """Where the log records the journey's real run: the property (of the entry event,
    else the customer's trait) naming each customer's group, and the holdout value."""

    property: str
    holdout: str


@dataclass(frozen=True)
class SendLimit:
    max: int
    per: Duration


@dataclass(frozen=True)
class Journey:
    id: str
    name: str
    entry: Entry
    steps: Mapping[str, Step]
    start: str
    persona: str | None = None
    phase: str | None = None
    re_entry: ReEntry = ReEntry()
    goal: Goal | None = None
    exit_on: tuple[EventFilter, ...] = ()
    per_customer: SendLimit | None = None
    quiet_hours: QuietHours | None = None
    rate: SendLimit | None = None
    """At most `max` sends per window of `per`, all customers together."""
    holdout_percent: float = 0.0
    holdout_text: str = ""
    """The holdout as written (`10%`, `0.1`), for the rule that catches fractions."""
    assignment: Assignment | None = None
    description: str = ""
    loc: Loc = loc_field()
    locs: Mapping[str, Loc] = locs_field()

    def zones(self) -> Iterator[tuple[str, Loc]]:
        """Every time zone the journey's times are written in, with where: its quiet
        hours, its audience schedule and its `wait_until` steps (`customer` included)."""
        if self.quiet_hours is not None:
            yield self.quiet_hours.tz, self.quiet_hours.locs.get("tz", self.quiet_hours.loc)
        if (schedule := self.entry.schedule) is not None:
            yield schedule.tz, schedule.locs.get("tz", schedule.loc)
        for step in self.steps.values():
            if isinstance(step, WaitUntilStep):
                yield step.tz, step.locs.get("tz", step.loc)

    def ab_steps(self) -> Iterator[AbStep]:
        return (step for step in self.steps.values() if isinstance(step, AbStep))
