"""What the workspace expects of the inputs that they do not hold.

`cjo validate --log`: every event the workspace names — funnel steps and
exclusions, journey entries, goals, `exit_on`, `wait_for`, touchpoint message
events, events inside segments and conditions — that the log never shows, and
every event property read in a `where`, a condition or a breakdown that no such
event in the log carries. A name that never occurs is most often a typo or a
renamed tracking event (`add_to_cart` vs `Add To Cart`): a journey that waits for
it never runs, and one that exits on it (`unsubscribe`) never lets anyone go.

`report`, `simulate`, `map --log` and `demo` say the same of the events their
documents use, and which documents read customer attributes when no
`--customers` file was given.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Set
from dataclasses import dataclass

from cjo_cli.findings import Finding
from cjo_cli.model import Loc, Workspace
from cjo_cli.model import conditions as c
from cjo_cli.model.journeys import (
    Journey,
    SendStep,
    SetStep,
    SplitStep,
    WaitAnyStep,
    WaitForStep,
)
from cjo_cli.spec.rules import INPUT_RULES
from cjo_cli.spec.suggest import did_you_mean

RULE = "event-not-in-log"
PROPERTY_RULE = "property-not-in-log"
Owner = tuple[str, str]
"""(kind, id) of the document a reference belongs to."""


@dataclass(frozen=True)
class Watched:
    owner: Owner
    where: str
    loc: Loc
    event: str
    keys: tuple[str, ...] = ()
    """The properties of this event that the document reads."""
    why: str = ""
    """What goes wrong when the event never comes."""


def _filter_keys(where: Iterable[c.PropertyFilter]) -> tuple[str, ...]:
    return tuple(f.key for f in where)


def _condition_events(
    owner: Owner, where: str, loc: Loc, condition: c.Condition | None
) -> Iterator[Watched]:
    for leaf in c.leaves(condition):
        if isinstance(leaf, c.EventCondition):
            yield Watched(owner, where, loc, leaf.event, _filter_keys(leaf.where))


def _property_keys(condition: c.Condition | None) -> tuple[str, ...]:
    return tuple(
        leaf.property for leaf in c.leaves(condition) if isinstance(leaf, c.PropertyCondition)
    )


def _journey(journey: Journey) -> Iterator[Watched]:
    owner = ("journey", journey.id)
    name = f"journey {journey.id!r}"
    entry_loc = journey.locs.get("entry", journey.loc)
    # Property conditions in the entry `if` and in splits read the entry event.
    entry_event = journey.entry.event
    keys = list(_filter_keys(entry_event.where) if entry_event else ()) + list(
        _property_keys(journey.entry.condition)
    )
    in_steps: list[Watched] = []
    for step in journey.steps.values():
        if isinstance(step, SplitStep):
            for branch in step.branches:
                keys += _property_keys(branch.condition)
                in_steps += _condition_events(
                    owner, f"{name} split {step.id!r}", step.loc, branch.condition
                )
        elif isinstance(step, WaitAnyStep):
            for number, path in enumerate(step.paths, start=1):
                in_steps.append(
                    Watched(
                        owner,
                        f"{name} step {step.id!r} wait_any path {number}",
                        path.loc,
                        path.event.event,
                        _filter_keys(path.event.where),
                        " (the path is never taken)",
                    )
                )
        elif isinstance(step, WaitForStep):
            in_steps.append(
                Watched(
                    owner,
                    f"{name} step {step.id!r} wait_for",
                    step.loc,
                    step.event.event,
                    _filter_keys(step.event.where),
                    " (every customer waits for the timeout)",
                )
            )
    if entry_event is not None:
        yield Watched(
            owner, f"{name} entry", entry_loc, entry_event.event, tuple(dict.fromkeys(keys))
        )
    what = "entry `if`" if entry_event is not None else "audience"
    yield from _condition_events(owner, f"{name} {what}", entry_loc, journey.entry.condition)
    if journey.goal is not None:
        alone = len(journey.goal.events) == 1
        for goal_event in journey.goal.events:
            yield Watched(
                owner,
                f"{name} goal",
                journey.locs.get("goal", journey.loc),
                goal_event.event,
                _filter_keys(goal_event.where),
                " (nobody can convert)" if alone else " (nobody converts by it)",
            )
    for exit_filter in journey.exit_on:
        yield Watched(
            owner,
            f"{name} exit_on",
            journey.locs.get("exit_on", journey.loc),
            exit_filter.event,
            _filter_keys(exit_filter.where),
            " (customers who do it would not leave the journey: for an unsubscribe, a "
            "compliance risk)",
        )
    yield from in_steps


def watched(ws: Workspace) -> Iterator[Watched]:
    """Every event (and the properties read on it) that the workspace names."""
    for funnel in ws.funnels.values():
        owner = ("funnel", funnel.id)
        breakdown = funnel.breakdown
        # `attribution: step` reads one step's event; the other attributions take the
        # first or last step event that has the property, so no single event must carry it.
        by_step = breakdown.step if breakdown and breakdown.attribution == "step" else None
        extra = (breakdown.property,) if breakdown and breakdown.property and by_step else ()
        for number, step in enumerate(funnel.steps, start=1):
            for spec in step.alternatives:
                keys = _filter_keys(spec.where) + (extra if number == by_step else ())
                yield Watched(
                    owner, f"funnel {funnel.id!r} step {number}", step.loc, spec.event, keys
                )
        for exclusion in funnel.exclusions:
            yield Watched(
                owner,
                f"funnel {funnel.id!r} exclusion",
                exclusion.loc,
                exclusion.event.event,
                _filter_keys(exclusion.event.where),
            )
    for journey in ws.journeys.values():
        yield from _journey(journey)
    for touchpoint in ws.touchpoints.values():
        owner = ("touchpoint", touchpoint.id)
        yield from _condition_events(
            owner,
            f"touchpoint {touchpoint.id!r} requires",
            touchpoint.locs.get("requires", touchpoint.loc),
            touchpoint.requires,
        )
        for kind in ("delivered", "opened", "clicked"):
            event = getattr(touchpoint, f"{kind}_event")
            if event:
                loc = touchpoint.locs.get("events", touchpoint.loc)
                yield Watched(
                    owner,
                    f"touchpoint {touchpoint.id!r} {kind}",
                    loc,
                    event,
                    why=f" (no send can be seen {kind})",
                )
    for persona in ws.personas.values():
        yield from _condition_events(
            ("persona", persona.id),
            f"persona {persona.id!r} segment",
            persona.locs.get("segment", persona.loc),
            persona.segment,
        )


def _finding(loc: Loc, rule: str, message: str) -> Finding:
    return Finding(loc.path, loc.line, loc.col, INPUT_RULES[rule][0], rule, message)


def events_missing_from_log(
    ws: Workspace,
    seen: Set[str],
    reported: Set[str] | None = None,
    keys: Mapping[str, Set[str]] | None = None,
    owners: Set[Owner] | None = None,
) -> list[Finding]:
    """Findings for the events (and, given `keys`, the properties) the log lacks: of the
    files in `reported` (default all), of the documents in `owners` (default all)."""
    findings = []
    done: set[tuple[str, str, str]] = set()
    for item in watched(ws):
        if reported is not None and item.loc.path not in reported:
            continue
        if owners is not None and item.owner not in owners:
            continue
        if item.event not in seen:
            if (item.where, item.event, "") not in done:
                done.add((item.where, item.event, ""))
                hint = did_you_mean(item.event, seen)
                findings.append(
                    _finding(
                        item.loc,
                        RULE,
                        f"{item.where}: event {item.event!r} never occurs in the log"
                        f"{item.why}{hint}",
                    )
                )
            continue
        if keys is None:
            continue
        carried = keys.get(item.event, set())
        for key in item.keys:
            if key not in carried and (item.where, item.event, key) not in done:
                done.add((item.where, item.event, key))
                hint = did_you_mean(key, carried)
                findings.append(
                    _finding(
                        item.loc,
                        PROPERTY_RULE,
                        f"{item.where}: no {item.event!r} event in the log has the property "
                        f"{key!r}{hint}",
                    )
                )
    return findings


def concerned(
    ws: Workspace, funnels: Iterable[str] = (), journeys: Iterable[str] = ()
) -> set[Owner]:
    """The documents a run of these funnels and journeys reads: them, their personas
    (a persona breakdown reads every persona) and the touchpoints they send."""
    owners: set[Owner] = set()
    for funnel_id in funnels:
        funnel = ws.funnels[funnel_id]
        owners.add(("funnel", funnel_id))
        if funnel.persona:
            owners.add(("persona", funnel.persona))
        if funnel.breakdown is not None and funnel.breakdown.by == "persona":
            owners.update(("persona", p) for p in ws.personas)
    for journey_id in journeys:
        journey = ws.journeys[journey_id]
        owners.add(("journey", journey_id))
        if journey.persona:
            owners.add(("persona", journey.persona))
        for step in journey.steps.values():
            if isinstance(step, SendStep):
                owners.add(("touchpoint", step.touchpoint))
    return owners


def trait_readers(ws: Workspace, owners: Set[Owner]) -> list[tuple[str, tuple[str, ...]]]:
    """(what, attributes) for each of the documents that compares customer attributes
    that only a customers file could give (not those a journey's set step writes)."""
    found = []
    written = {
        step.attribute
        for kind, ident in owners
        if kind == "journey"
        for step in ws.journeys[ident].steps.values()
        if isinstance(step, SetStep)
    }
    for kind, ident in sorted(owners):
        if kind == "persona":
            conditions: list[c.Condition | None] = [ws.personas[ident].segment]
            what = f"persona {ident!r} segment"
        elif kind == "touchpoint":
            conditions = [ws.touchpoints[ident].requires]
            what = f"touchpoint {ident!r} requires"
        elif kind == "journey":
            journey = ws.journeys[ident]
            conditions = [journey.entry.condition] + [
                branch.condition
                for step in journey.steps.values()
                if isinstance(step, SplitStep)
                for branch in step.branches
            ]
            what = f"journey {ident!r}"
        else:
            continue
        attributes = tuple(
            dict.fromkeys(
                leaf.attribute
                for condition in conditions
                for leaf in c.leaves(condition)
                if isinstance(leaf, c.AttributeCondition) and leaf.attribute not in written
            )
        )
        if attributes:
            found.append((what, attributes))
    return found
