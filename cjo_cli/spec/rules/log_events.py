"""`cjo validate --log`: events the workspace waits for that the log never shows.

A funnel step, a journey entry or goal whose event name never occurs in the
given log is most often a typo or a renamed tracking event (`add_to_cart` vs
`Add To Cart`); a journey that waits for it would never run.
"""

from __future__ import annotations

from collections.abc import Iterator, Set

from cjo_cli.findings import Finding
from cjo_cli.model import Loc, Workspace
from cjo_cli.spec.rules import INPUT_RULES
from cjo_cli.spec.suggest import did_you_mean

RULE = "event-not-in-log"


def _watched(ws: Workspace) -> Iterator[tuple[str, Loc, str]]:
    for funnel in ws.funnels.values():
        for number, step in enumerate(funnel.steps, start=1):
            yield step.event.event, step.loc, f"funnel {funnel.id!r} step {number}"
    for journey in ws.journeys.values():
        yield (
            journey.entry.event.event,
            journey.locs.get("entry", journey.loc),
            (f"journey {journey.id!r} entry"),
        )
        if journey.goal is not None:
            yield (
                journey.goal.event.event,
                journey.locs.get("goal", journey.loc),
                (f"journey {journey.id!r} goal"),
            )


def events_missing_from_log(ws: Workspace, seen: Set[str], reported: Set[str]) -> list[Finding]:
    findings = []
    for event, loc, where in _watched(ws):
        if event not in seen and loc.path in reported:
            hint = did_you_mean(event, seen)
            message = f"{where}: event {event!r} never occurs in the log{hint}"
            findings.append(
                Finding(loc.path, loc.line, loc.col, INPUT_RULES[RULE][0], RULE, message)
            )
    return findings
