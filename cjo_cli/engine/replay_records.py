"""What a replay finds for one customer: entries with their exits, visits, sends and
the explained trace; and the stable hashes that assign holdout and A/B variants.

Plain records, filled in by `replay.replay_customer` and read by the totals, the
`--db` tables, `--explain` and `cjo diff`.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cjo_cli.conditions.bits import parse_properties
from cjo_cli.errors import InputError

if TYPE_CHECKING:  # the plan imports these records (through delivery)
    from cjo_cli.engine.replay_plan import PlanJourney, PlanStep

NEVER = 1 << 62
"""A due time later than any log."""


def stable_fraction(*parts: str) -> float:
    """A number in [0, 1) from the parts: the same on every run, machine and engine."""
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@lru_cache(maxsize=4096)  # a customer's entries into one journey come close together
def in_holdout(journey_id: str, customer: str, percent: float) -> bool:
    return percent > 0 and stable_fraction(journey_id, customer, "holdout") * 100 < percent


def recorded_text(value: Any) -> str | None:
    """A recorded property or trait as the text a YAML value is compared with."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def recorded_value(properties: Any, traits: Mapping[str, Any], name: str) -> str | None:
    """The entry event's property `name`, else the customer's trait of that name."""
    found = recorded_text(parse_properties(properties).get(name))
    return found if found is not None else recorded_text(traits.get(name))


def assign(
    journey: PlanJourney, customer: str, properties: Any, traits: Mapping[str, Any]
) -> tuple[bool, str]:
    """Whether an entry is held out, and its recorded group (`treated`, `holdout`,
    `unrecorded`; empty when the assignment is simulated)."""
    if journey.assignment is None:
        return in_holdout(journey.id, customer, journey.holdout_percent), ""
    name, holdout_value = journey.assignment
    value = recorded_value(properties, traits, name)
    if value is None:
        return False, "unrecorded"
    return (True, "holdout") if value == holdout_value else (False, "treated")


def goal_value(journey: PlanJourney, properties: Any) -> float | None:
    """The number in the goal event's `goal.value` property (a number, or text that is
    one); None without a value, or when the property holds something else."""
    if not journey.goal_value:
        return None
    found = parse_properties(properties).get(journey.goal_value)
    if isinstance(found, bool) or found is None:
        return None
    try:
        number = float(found)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def choose_variant(
    step: PlanStep, journey_id: str, customer: str, properties: Any, traits: Mapping[str, Any]
) -> tuple[str, int, bool | None, str]:
    """An ab step's variant and next step; whether it is the recorded variant (None when
    the step simulates it); and how it was chosen, for the trace."""
    fraction = stable_fraction(journey_id, customer, step.seed)
    if not step.variant_from:
        name, to, _ = step.variant(fraction)
        return name, to, None, ""
    recorded = recorded_value(properties, traits, step.variant_from)
    name, to, found = step.variant(fraction, recorded)
    how = " (recorded)" if found else f" (simulated: {step.variant_from} records no variant)"
    return name, to, found, how


@dataclass(slots=True)
class EntryRecord:
    journey: str
    entry: int
    """1 for the customer's first entry into the journey, 2 for the second..."""
    ts: int
    holdout: bool
    variant: str | None = None
    group: str = ""
    """The recorded group (see `assign`); empty when the assignment is simulated."""
    variant_recorded: bool | None = None
    """Whether the variant is the recorded one; None when the step simulates it."""
    exit_ts: int = 0
    exit_reason: str = ""
    exit_step: str = ""
    converted_ts: int | None = None
    converted_value: float | None = None
    """The goal event's value (`goal.value`), when it has a number there."""


@dataclass(slots=True)
class VisitRecord:
    journey: str
    entry: int
    step: str
    ts: int
    holdout: bool
    variant: str | None


@dataclass(frozen=True)
class AttributeRecord:
    """A set step changed the customer's trait `attribute` to `value` at `ts`."""

    journey: str
    entry: int
    step: str
    ts: int
    attribute: str
    value: str | int | float | bool | None


@dataclass(slots=True)
class SendRecord:
    journey: str
    entry: int
    step: str
    touchpoint: str
    channel: str
    ts: int
    status: str
    """`sent`; `capped` (skipped by a frequency cap); `unreachable` (the touchpoint's
    `requires` does not hold for the customer); or `not_sent` (held by quiet hours,
    and the entry ended before the window did)."""
    reason: str = ""
    planned_ts: int = 0
    """When the step was reached; later than `ts` only when quiet hours deferred it."""
    delivered_ts: int | None = None
    opened_ts: int | None = None
    clicked_ts: int | None = None


@dataclass
class TraceLine:
    ts: int
    journey: str
    text: str


@dataclass
class CustomerReplay:
    customer: str
    entries: list[EntryRecord] = field(default_factory=list)
    visits: list[VisitRecord] = field(default_factory=list)
    sends: list[SendRecord] = field(default_factory=list)
    attributes: list[AttributeRecord] = field(default_factory=list)
    trace: list[TraceLine] = field(default_factory=list)
    zone_fallback: bool = False
    """Under `tz: customer`: the customer had no valid `timezone` trait (`default_tz`)."""


class ReplayError(InputError):
    """The journey cannot be replayed (a loop of steps that never waits)."""


@dataclass(slots=True)
class OpenEntry:
    """An entry in progress: where it is and what it waits for (the replay's state)."""

    journey: PlanJourney
    record: EntryRecord
    properties: Any
    step: int = -1
    due: int = NEVER
    waiting_bit: int = 0
    deferred: bool = False
    """Waiting in a send step for quiet hours to end, or for its rate window."""
    held_by: str = ""
    """Why it waits: `quiet_hours` or `rate`."""
    rate_slot: bool = False
    """The send has its place under the journey's rate limit (claimed once per send)."""
    planned: int = 0
