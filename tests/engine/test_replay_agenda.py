"""A customer's agenda of audience checks: from the instant it became known, each
journey's next instant, the earliest (then the highest priority) first."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from cjo_cli.engine.replay_agenda import Agenda
from cjo_cli.engine.replay_plan import PlanJourney, build_plan
from cjo_cli.engine.replay_records import NEVER
from tests.engine.replay_helpers import journey, load_workspace


def journeys(tmp_path: Path) -> tuple[PlanJourney, PlanJourney]:
    entry = "{audience: {attribute: vip, op: eq, value: true}, every: 1d}"
    ws = load_workspace(tmp_path, journey("a", entry=entry), journey("b", entry=entry))
    first, second = build_plan(ws, list(ws.journeys.values())).journeys
    return replace(first, instants=(10, 20, 30)), replace(second, instants=(20, 40))


def test_checks_from_the_instant_known(tmp_path: Path) -> None:
    a, b = journeys(tmp_path)
    agenda = Agenda([(a, a.instants), (b, b.instants)], known_from=20)
    # At one instant, the journey of lower rank (higher send priority) first.
    assert agenda.due == 20
    assert agenda.first(19) is None
    assert agenda.first(20) == (20, 0, a)
    agenda.done(a)
    assert agenda.first(20) == (20, 1, b)
    agenda.done(b)
    assert agenda.first(100) == (30, 0, a)
    agenda.done(a)
    assert agenda.first(100) == (40, 1, b)
    agenda.done(b)
    assert agenda.due == NEVER and agenda.items == []


def test_known_after_the_last_instant_nothing(tmp_path: Path) -> None:
    a, b = journeys(tmp_path)
    assert Agenda([(a, a.instants), (b, b.instants)], known_from=41).items == []


def test_checks_start_after_the_needed_events(tmp_path: Path) -> None:
    a, b = journeys(tmp_path)
    # a's first needed event at 20: the check at 20 sees only events before 20, so a's
    # first check is at 30; b's never comes (NEVER): no check at all.
    agenda = Agenda([(a, a.instants), (b, b.instants)], known_from=5, after={"a": 20, "b": NEVER})
    assert agenda.items == [(30, 0, a, 2)]
    # Known later than the needed event: the known instant decides.
    later = Agenda([(a, a.instants)], known_from=25, after={"a": 11})
    assert later.first(100) == (30, 0, a)
