"""`cjo test`: replay a test's story with the engine of `cjo simulate --explain`, and
check what happened against what the test expects.

The story is loaded into the same `events` (and `customers`) tables a real log
fills, and replayed by `simulate.explain`, so a test sees exactly what a replay of
that customer in a real log would: conditions, caps, quiet hours and priorities
(with `journeys: all`, every journey of the workspace runs beside the one tested).
The test pins what a real replay leaves to a hash: `group: holdout` or `treated`,
and `variant` for the journey's A/B steps.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace

from cjo_cli.engine.replay_plan import AB, Plan, PlanJourney, build_plan
from cjo_cli.engine.replay_records import CustomerReplay, EntryRecord
from cjo_cli.engine.simulate import explain
from cjo_cli.events.tables import CREATE_CUSTOMERS, connect
from cjo_cli.model import Loc, Workspace
from cjo_cli.model.clock import SECOND, iso, parse_instant, to_datetime
from cjo_cli.model.journey_tests import (
    EXIT_NAMES,
    ExpectedSend,
    JourneyTest,
    offset_seconds,
    story_times,
)

STORY_FILE = "(test)"


@dataclass(frozen=True)
class Failure:
    """One expectation that did not hold: where it is written, and both sides."""

    loc: Loc
    what: str
    expected: str
    got: str


@dataclass(frozen=True)
class StoryResult:
    test: JourneyTest
    failures: tuple[Failure, ...]
    replay: CustomerReplay

    @property
    def passed(self) -> bool:
        return not self.failures


def customer_of(test: JourneyTest) -> str:
    return f"test:{test.id}"


def _pinned(journey: PlanJourney, test: JourneyTest) -> PlanJourney:
    """The journey with the test's group and variant instead of the hashes."""
    steps = journey.steps
    if test.variant is not None:
        steps = tuple(
            replace(
                step,
                variants=tuple(v for v in step.variants if v[0] == test.variant) or step.variants,
                variant_from="",
            )
            if step.kind == AB
            else step
            for step in steps
        )
    return replace(
        journey,
        steps=steps,
        assignment=None,
        holdout_percent=100.0 if test.group == "holdout" else 0.0,
    )


def story_plan(ws: Workspace, test: JourneyTest) -> Plan:
    journeys = list(ws.journeys.values()) if test.all_journeys else [ws.journeys[test.journey]]
    plan = build_plan(ws, journeys)
    pinned = tuple(_pinned(j, test) if j.id == test.journey else j for j in plan.journeys)
    return replace(plan, journeys=pinned, _routes={})


def replay_story(ws: Workspace, test: JourneyTest) -> CustomerReplay:
    """The test's customer replayed, with the explained trace."""
    times, end, problem = story_times(test)
    if problem is not None:
        raise ValueError(f"{problem[0]}: {problem[1]}")  # validate reports it first
    plan = story_plan(ws, test)
    customer = customer_of(test)
    with connect() as con:
        con.executemany(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    customer,
                    item.event,
                    to_datetime(ts),
                    json.dumps(dict(item.properties), ensure_ascii=False),
                    STORY_FILE,
                    row,
                )
                for row, (item, ts) in enumerate(zip(test.events, times, strict=True), start=1)
            ],
        )
        if test.customer:
            con.execute(CREATE_CUSTOMERS)
            con.execute(
                "INSERT INTO customers VALUES (?, ?)",
                [customer, json.dumps(dict(test.customer), ensure_ascii=False)],
            )
        found = explain(con, plan, customer, until=end)
    assert found is not None  # the story has at least one event
    return found


def _sends(replay: CustomerReplay, journey: str, status: str) -> list[tuple[str, int]]:
    return [
        (s.touchpoint, s.ts)
        for s in replay.sends
        if s.journey == journey
        and (
            s.status == status
            or (status == "deferred" and s.status == "sent" and s.ts > s.planned_ts)
        )
    ]


def _send_text(sends: Sequence[tuple[str, int]], with_times: bool) -> str:
    if not sends:
        return "none"
    return ", ".join(f"{tp} at {iso(ts)}" if with_times else tp for tp, ts in sends)


def _check_sends(
    expected: tuple[ExpectedSend, ...],
    got: list[tuple[str, int]],
    what: str,
    loc: Loc,
    entered: int | None,
) -> Failure | None:
    with_times = any(send.at is not None for send in expected)
    wanted = (
        ", ".join(
            f"{s.touchpoint} at {s.at}" if s.at is not None else s.touchpoint for s in expected
        )
        or "none"
    )
    if [s.touchpoint for s in expected] != [tp for tp, _ in got]:
        return Failure(loc, what, wanted, _send_text(got, with_times))
    for send, (_, ts) in zip(expected, got, strict=True):
        if send.at is not None and not _at(send.at, ts, entered):
            return Failure(loc, what, wanted, _send_text(got, True))
    return None


def _at(text: str, ts: int, entered: int | None) -> bool:
    """Whether a send at `ts` is at the time written: an instant, or `+1h` after entry."""
    offset = offset_seconds(text)
    if offset is not None:
        return entered is not None and entered + offset * SECOND == ts
    try:
        return parse_instant(text) == ts
    except ValueError:
        return False


def check(test: JourneyTest, replay: CustomerReplay) -> tuple[Failure, ...]:
    """Every set expectation that does not hold, in the order they are written."""
    expect, journey = test.expect, test.journey
    entries: list[EntryRecord] = [e for e in replay.entries if e.journey == journey]
    locs = expect.locs
    failures: list[Failure] = []

    def differ(key: str, wanted: object, got: object) -> None:
        if wanted != got:
            failures.append(Failure(locs.get(key, expect.loc), key, _text(wanted), _text(got)))

    for key in ("entered", "path", "sends", "capped", "deferred", "not_sent", "converted", "exit"):
        if key not in locs:
            continue
        if key == "entered":
            differ(key, expect.entered, bool(entries))
        elif key == "path":
            visited = [v.step for v in replay.visits if v.journey == journey]
            differ(key, list(expect.path or ()), visited)
        elif key == "converted":
            differ(key, expect.converted, any(e.converted_ts is not None for e in entries))
        elif key == "exit":
            wanted = EXIT_NAMES.get(expect.exit or "", expect.exit)
            differ(key, wanted, entries[-1].exit_reason if entries else "not entered")
        else:
            status = {"sends": "sent"}.get(key, key)
            found = _check_sends(
                getattr(expect, key),
                _sends(replay, journey, status),
                key,
                locs[key],
                entries[0].ts if entries else None,
            )
            if found is not None:
                failures.append(found)
    return tuple(failures)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def run_test(ws: Workspace, test: JourneyTest) -> StoryResult:
    replay = replay_story(ws, test)
    return StoryResult(test, check(test, replay), replay)
