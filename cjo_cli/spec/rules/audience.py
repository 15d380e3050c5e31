"""Audience entries (`entry: {audience, every}`): what a scheduled entry cannot read, and
how often it may run."""

from __future__ import annotations

from cjo_cli.findings import Level
from cjo_cli.model import Loc, SplitStep
from cjo_cli.model import conditions as c
from cjo_cli.model.timing import Duration
from cjo_cli.spec.rules import RuleResult, WorkspaceIndex, rule

ABSENT = ": the property is always absent there (use an `attribute` of the customer instead)"


@rule(
    "property-without-event",
    Level.WARNING,
    "A `property` condition in a journey that enters on a schedule, where no event is read.",
)
def property_without_event(index: WorkspaceIndex) -> RuleResult:
    ws = index.workspace
    for journey in ws.journeys.values():
        if journey.entry.schedule is None:
            continue
        # An audience enters at an instant, not on an event: a property condition has no
        # event to read, so every property is absent there (`eq` never holds, `ne` always).
        places: list[tuple[str, c.Condition | None, Loc]] = [
            ("the audience", journey.entry.condition, journey.locs.get("entry", journey.loc))
        ]
        for step in journey.steps.values():
            if isinstance(step, SplitStep):
                for branch in step.branches:
                    places.append((f"split {step.id!r}", branch.condition, branch.loc))
        for what, condition, loc in places:
            for leaf in c.leaves(condition):
                if isinstance(leaf, c.PropertyCondition):
                    yield (
                        loc,
                        f"journey {journey.id!r} enters on a schedule, so {what} has no event "
                        f"whose property {leaf.property!r} it could read{ABSENT}",
                    )


MIN_EVERY = Duration(3600, "1h")


@rule(
    "schedule-too-frequent",
    Level.ERROR,
    f"An audience schedule whose `every` is shorter than {MIN_EVERY}.",
)
def schedule_too_frequent(index: WorkspaceIndex) -> RuleResult:
    for journey in index.workspace.journeys.values():
        schedule = journey.entry.schedule
        # Every instant checks every known customer: a period of seconds or minutes would
        # cost millions of checks a day and no platform runs audiences that often.
        if schedule is not None and 0 < schedule.every.seconds < MIN_EVERY.seconds:
            yield (
                schedule.locs.get("every", schedule.loc),
                f"journey {journey.id!r}: an audience every {schedule.every} is too often; "
                f"the shortest period is {MIN_EVERY}",
            )


@rule(
    "property-without-event",
    Level.WARNING,
    "A `property` condition in a journey that enters on a schedule, where no event is read.",
    scope="workspace",
)
def segment_without_event(index: WorkspaceIndex) -> RuleResult:
    # The persona may be in another file: its segment is known from what files provide.
    reading = index.provided.get("persona_reads_property", set())
    for ref in index.references:
        if ref.namespace == "persona_reads_property" and ref.ident in reading:
            yield (
                ref.loc,
                f"{ref.where} enters on a schedule, so persona {ref.ident!r}'s segment has no "
                f"event whose property it could read{ABSENT}",
            )
