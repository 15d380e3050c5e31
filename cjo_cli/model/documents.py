"""The checked model of a workspace: frozen dataclasses built from valid documents.

Every object keeps `loc`, where it was written, and `locs`, where each of its
fields was written, so that semantic rules and later commands can point at
`file:line:col`. Neither takes part in equality.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from cjo_cli.model.conditions import Condition, EventFilter
from cjo_cli.model.journey_tests import JourneyTest
from cjo_cli.model.journeys import Journey, QuietHours
from cjo_cli.model.loc import Loc, loc_field, locs_field
from cjo_cli.model.timing import Duration


@dataclass(frozen=True)
class Phase:
    id: str
    name: str
    description: str = ""
    loc: Loc = loc_field()


@dataclass(frozen=True)
class Phases:
    id: str
    name: str
    phases: tuple[Phase, ...]
    loop_to: str | None = None
    loc: Loc = loc_field()
    locs: Mapping[str, Loc] = locs_field()

    def ids(self) -> tuple[str, ...]:
        return tuple(phase.id for phase in self.phases)


Channel = Literal[
    "email",
    "sms",
    "web_push",
    "app_push",
    "in_app",
    "ad",
    "web",
    "store",
    "call_center",
    "social",
    "other",
]


@dataclass(frozen=True)
class Touchpoint:
    id: str
    name: str
    channel: Channel
    phase: str | None = None
    delivered_event: str | None = None
    opened_event: str | None = None
    clicked_event: str | None = None
    requires: Condition | None = None
    """Who can receive it; a send to anyone else is unreachable."""
    description: str = ""
    loc: Loc = loc_field()
    locs: Mapping[str, Loc] = locs_field()


@dataclass(frozen=True)
class Persona:
    id: str
    name: str
    segment: Condition | None = None
    description: str = ""
    profile: Mapping[str, object] = field(default_factory=dict, compare=False)
    loc: Loc = loc_field()
    locs: Mapping[str, Loc] = locs_field()


# ---- funnels --------------------------------------------------------------

FunnelOrder = Literal["ordered", "strict", "unordered"]


@dataclass(frozen=True)
class FunnelStep:
    event: EventFilter
    """The step's event; for a step written with `any`, its first alternative."""
    name: str
    loc: Loc = loc_field()
    any_of: tuple[EventFilter, ...] = ()
    """Every alternative of a step written with `any` (an event matching any one of them
    fills the step); empty for a step of one event."""

    @property
    def alternatives(self) -> tuple[EventFilter, ...]:
        """The filters an event may match to fill the step."""
        return self.any_of or (self.event,)

    @property
    def event_label(self) -> str:
        """How reports name the step's event: its name, or the alternatives' distinct
        names joined by ` | ` (two alternatives may name one event with two `where`s)."""
        return " | ".join(dict.fromkeys(spec.event for spec in self.alternatives))


@dataclass(frozen=True)
class Exclusion:
    event: EventFilter
    first_step: int
    """1-based step number the exclusion starts at (inclusive)."""
    last_step: int
    loc: Loc = loc_field()
    between_loc: Loc = loc_field()


@dataclass(frozen=True)
class Breakdown:
    """By an event property (with attribution), by persona, or by a journey's A/B variant."""

    by: Literal["property", "persona", "variant"]
    property: str | None = None
    attribution: Literal["first_touch", "last_touch", "step", "all_steps"] = "first_touch"
    step: int | None = None
    """The step number of `attribution: step` (1-based)."""
    journey: str | None = None


@dataclass(frozen=True)
class Kpi:
    name: str
    target_percent: float | None = None


DEFAULT_FUNNEL_WINDOW = Duration(14 * 86400, "14d")


@dataclass(frozen=True)
class Funnel:
    id: str
    name: str
    steps: tuple[FunnelStep, ...]
    window: Duration = DEFAULT_FUNNEL_WINDOW
    order: FunnelOrder = "ordered"
    exclusions: tuple[Exclusion, ...] = ()
    breakdown: Breakdown | None = None
    persona: str | None = None
    phase: str | None = None
    kpi: Kpi | None = None
    description: str = ""
    loc: Loc = loc_field()
    locs: Mapping[str, Loc] = locs_field()


# ---- maps -----------------------------------------------------------------


@dataclass(frozen=True)
class Emotion:
    score: int
    note: str = ""


@dataclass(frozen=True)
class KpiRef:
    funnel: str
    name: str = ""
    loc: Loc = loc_field()


@dataclass(frozen=True)
class Stage:
    phase: str
    actions: tuple[str, ...] = ()
    touchpoints: tuple[str, ...] = ()
    thoughts: tuple[str, ...] = ()
    emotion: Emotion | None = None
    info_needs: tuple[str, ...] = ()
    pain_points: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    kpis: tuple[KpiRef, ...] = ()
    journeys: tuple[str, ...] = ()
    loc: Loc = loc_field()
    touchpoint_locs: tuple[Loc, ...] = field(default=(), compare=False, repr=False)
    journey_locs: tuple[Loc, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Theme:
    product: str = ""
    start: str = ""
    goal: str = ""


@dataclass(frozen=True)
class JourneyMap:
    id: str
    name: str
    persona: str
    phases: str
    stages: Mapping[str, Stage]
    theme: Theme = Theme()
    description: str = ""
    loc: Loc = loc_field()
    locs: Mapping[str, Loc] = locs_field()


# ---- policy and workspace -------------------------------------------------


@dataclass(frozen=True)
class FrequencyCap:
    channel: str
    max: int
    per: Duration


@dataclass(frozen=True)
class Policy:
    id: str
    name: str
    frequency_caps: tuple[FrequencyCap, ...] = ()
    quiet_hours: QuietHours | None = None
    priority: tuple[str, ...] = ()
    default_tz: str | None = None
    """The zone of a customer without a valid `timezone` trait, for `tz: customer`."""
    description: str = ""
    loc: Loc = loc_field()
    locs: Mapping[str, Loc] = locs_field()
    priority_locs: tuple[Loc, ...] = field(default=(), compare=False, repr=False)


Document = Phases | Touchpoint | Persona | Journey | Funnel | JourneyMap | Policy | JourneyTest


@dataclass(frozen=True)
class Workspace:
    """Every valid document of a workspace, by kind and id, in file order."""

    phases: Mapping[str, Phases] = field(default_factory=dict)
    touchpoints: Mapping[str, Touchpoint] = field(default_factory=dict)
    personas: Mapping[str, Persona] = field(default_factory=dict)
    journeys: Mapping[str, Journey] = field(default_factory=dict)
    funnels: Mapping[str, Funnel] = field(default_factory=dict)
    maps: Mapping[str, JourneyMap] = field(default_factory=dict)
    policies: Mapping[str, Policy] = field(default_factory=dict)
    tests: Mapping[str, JourneyTest] = field(default_factory=dict)

    def policy(self) -> Policy | None:
        """The workspace policy: the one named `default`, else the first one."""
        if "default" in self.policies:
            return self.policies["default"]
        return next(iter(self.policies.values()), None)
