"""One condition, every place the language is used, every engine: the same customers.

The condition language is compiled three ways (SQL for the DuckDB engine, Python
for the Spark engine's executors, bits for the replay). Each test below puts a
random condition where users write one, runs the real engine code on a random log
of a few customers, and holds the customers it picks equal to `python.holds` (or
`filters_match`) evaluated on the same data, as of the trigger event:

- funnel step filters (`where` on a step): DuckDB `run_funnel` and `FunnelProgram`;
- funnel exclusions (`where` on the excluded event);
- journey entry filters: `entry.where` (a mask bit) and `entry.if`-style conditions
  (compiled to bits), with the masks made by DuckDB (`simulate`) and by Python
  (the Spark engine's `RowMasks`);
- split branches (`if:` on a split right after entry);
- persona segments, in a funnel (SQL over the whole history) and in a journey (bits).

Logs put events at the trigger's own instant in random row order: a condition is
evaluated as of the instant, so every event at it counts, whatever the row order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from cjo_cli.conditions.python import HistoryEvent, Moment, filters_match, holds
from cjo_cli.engine.funnel_customer import EventRow, FunnelProgram
from cjo_cli.engine.funnel_result import FunnelOptions
from cjo_cli.engine.funnels import run_funnel
from cjo_cli.engine.replay import replay_customer
from cjo_cli.engine.replay_plan import build_plan
from cjo_cli.engine.replay_records import CustomerReplay
from cjo_cli.engine.simulate import simulate
from cjo_cli.events.tables import CREATE_CUSTOMERS, connect
from cjo_cli.model import (
    Condition,
    Entry,
    EventFilter,
    Exclusion,
    ExitStep,
    Funnel,
    FunnelStep,
    Journey,
    Persona,
    PropertyFilter,
    SplitBranch,
    SplitStep,
    Workspace,
)
from cjo_cli.model.clock import HOUR, to_datetime
from cjo_cli.spark.replay import RowMasks
from tests.conditions.strategies import (
    EVENTS,
    NOW,
    conditions,
    filters,
    history_events,
    properties,
)
from tests.conftest import examples

TRIGGER = "trigger"


@dataclass(frozen=True)
class Person:
    id: str
    trigger: dict[str, Any]
    """The trigger event's properties (at NOW)."""
    history: tuple[HistoryEvent, ...]
    traits: dict[str, Any] | None
    """None: not in the customers file."""
    trigger_first: bool
    """Whether the trigger row comes before the other rows at NOW."""

    def rows(self) -> list[HistoryEvent]:
        """The customer's rows in file order: history in time order, the trigger among
        the rows at NOW, first or last."""
        trigger = HistoryEvent(TRIGGER, NOW, self.trigger)
        before = [e for e in self.history if e.ts < NOW]
        at = [e for e in self.history if e.ts == NOW]
        after = [e for e in self.history if e.ts > NOW]
        middle = [trigger, *at] if self.trigger_first else [*at, trigger]
        return sorted(before, key=lambda e: e.ts) + middle + sorted(after, key=lambda e: e.ts)

    def moment(self) -> Moment:
        return Moment(NOW, self.trigger, self.traits or {}, self.rows())


# Events at the trigger's instant, which a condition counts whatever their row order.
at_the_trigger = st.lists(
    st.builds(HistoryEvent, st.sampled_from(EVENTS), st.just(NOW), properties), max_size=2
)


@st.composite
def people(draw: st.DrawFn) -> list[Person]:
    count = draw(st.integers(1, 5))
    return [
        Person(
            f"c{number}",
            draw(properties),
            tuple(draw(history_events) + draw(at_the_trigger)),
            draw(st.one_of(st.none(), properties)),
            draw(st.booleans()),
        )
        for number in range(count)
    ]


def log_of(group: list[Person]) -> duckdb.DuckDBPyConnection:
    """The people's events and traits in the canonical tables."""
    con = connect()
    rows = []
    for person in group:
        for event in person.rows():
            rows.append(
                (
                    person.id,
                    event.event,
                    to_datetime(event.ts),
                    json.dumps(event.properties),
                    len(rows) + 1,
                )
            )
    con.executemany("INSERT INTO events VALUES (?, ?, ?, ?, 'log', ?)", rows)
    con.execute(CREATE_CUSTOMERS)
    traits = [(p.id, json.dumps(p.traits)) for p in group if p.traits is not None]
    if traits:
        con.executemany("INSERT INTO customers VALUES (?, ?)", traits)
    return con


def event_rows(person: Person) -> list[EventRow]:
    return [EventRow(e.ts, e.event, json.dumps(e.properties)) for e in person.rows()]


# ---- funnels ---------------------------------------------------------------------------


def funnel_customers(con: duckdb.DuckDBPyConnection, funnel: Funnel, ws: Workspace) -> dict:
    """customer → excluded, for every customer the DuckDB engine counts at step 1."""
    options = FunnelOptions(keep_customers=True, personas=dict(ws.personas))
    run_funnel(con, funnel, options)
    found = con.execute(
        "SELECT customer_id, excluded FROM funnel_customers WHERE funnel = ?", [funnel.id]
    ).fetchall()
    con.execute("DROP TABLE funnel_customers")
    return dict(found)


def program_customers(group: list[Person], funnel: Funnel, ws: Workspace) -> dict:
    """The same, by the Spark engine's per-customer Python (`FunnelProgram`)."""
    persona = ws.personas.get(funnel.persona) if funnel.persona else None
    program = FunnelProgram(funnel, persona)
    found = {}
    for person in group:
        attempt = program.attempt(event_rows(person), person.traits)
        if attempt is not None:
            found[person.id] = attempt.excluded
    return found


@settings(max_examples=examples(30), deadline=None)
@given(people(), st.lists(filters(), max_size=2).map(tuple))
def test_funnel_step_filters(group: list[Person], where: tuple[PropertyFilter, ...]) -> None:
    funnel = Funnel("f", "f", (FunnelStep(EventFilter(TRIGGER, where), "trigger"),))
    ws = Workspace(funnels={"f": funnel})
    expected = {p.id: False for p in group if filters_match(p.trigger, where)}
    assert funnel_customers(log_of(group), funnel, ws) == expected
    assert program_customers(group, funnel, ws) == expected


@settings(max_examples=examples(30), deadline=None)
@given(people(), st.lists(filters(), max_size=2).map(tuple))
def test_funnel_exclusions(group: list[Person], where: tuple[PropertyFilter, ...]) -> None:
    """start (an hour before) → end (an hour after), the trigger excluded between them."""
    funnel = Funnel(
        "f",
        "f",
        (FunnelStep(EventFilter("start"), "start"), FunnelStep(EventFilter("end"), "end")),
        exclusions=(Exclusion(EventFilter(TRIGGER, where), 1, 2),),
    )
    ws = Workspace(funnels={"f": funnel})
    bracketed = [
        Person(
            p.id,
            p.trigger,
            (HistoryEvent("start", NOW - HOUR), HistoryEvent("end", NOW + HOUR)),
            p.traits,
            p.trigger_first,
        )
        for p in group
    ]
    expected = {p.id: filters_match(p.trigger, where) for p in bracketed}
    assert funnel_customers(log_of(bracketed), funnel, ws) == expected
    assert program_customers(bracketed, funnel, ws) == expected


@settings(max_examples=examples(30), deadline=None)
@given(people(), conditions())
def test_persona_segments_in_funnels(group: list[Person], segment: Condition) -> None:
    persona = Persona("p", "p", segment)
    funnel = Funnel("f", "f", (FunnelStep(EventFilter(TRIGGER), "trigger"),), persona="p")
    ws = Workspace(personas={"p": persona}, funnels={"f": funnel})
    expected = {p.id: False for p in group if holds(segment, p.moment())}
    assert funnel_customers(log_of(group), funnel, ws) == expected
    assert program_customers(group, funnel, ws) == expected


# ---- journeys --------------------------------------------------------------------------


def entered(ws: Workspace, group: list[Person]) -> tuple[dict[str, str], dict[str, str]]:
    """customer → the first step after entry (or "" when they did not enter), replayed with
    DuckDB's masks (`simulate`) and with Python's (the Spark engine's `RowMasks`)."""
    plan = build_plan(ws, list(ws.journeys.values()))
    con = log_of(group)
    by_duckdb: dict[str, str] = {p.id: "" for p in group}

    def keep(replay: CustomerReplay) -> None:
        by_duckdb[replay.customer] = next((v.step for v in replay.visits[1:2]), "")

    simulate(con, plan, on_customer=keep)
    _, end = con.execute("SELECT 0, epoch_us(max(ts)) FROM events").fetchall()[0]
    masks = RowMasks(plan)
    reads = set(plan.property_events())
    by_python: dict[str, str] = {}
    for person in group:
        times, bits, props, names = [], [], [], []
        for event in person.rows():
            text = json.dumps(event.properties)
            mask = masks.mask(event.event, text)
            if mask:
                times.append(event.ts)
                bits.append(mask)
                props.append(text if event.event in reads else None)
                names.append(event.event)
        replay = replay_customer(plan, person.id, times, bits, props, names, end, person.traits)
        by_python[person.id] = next((v.step for v in replay.visits[1:2]), "")
    return by_duckdb, by_python


def assert_entered(ws: Workspace, group: list[Person], expected: dict[str, str]) -> None:
    """Both replays agree with `expected`, customer → first step after entry ("" for none)."""
    by_duckdb, by_python = entered(ws, group)
    assert by_duckdb == expected
    assert by_python == expected


def split_journey(entry: Entry, branch: Condition | None, persona: str | None = None) -> Journey:
    """Enter on the trigger, then a split: `yes` when `branch` holds, else `no`."""
    steps = {
        "split": SplitStep(
            "split",
            "split",
            branches=(
                SplitBranch(branch, "yes") if branch is not None else SplitBranch(None, "yes"),
                SplitBranch(None, "no"),
            ),
        ),
        "yes": ExitStep("yes", "yes"),
        "no": ExitStep("no", "no"),
    }
    return Journey("j", "j", entry, steps, "split", persona=persona)


@settings(max_examples=examples(30), deadline=None)
@given(people(), st.lists(filters(), max_size=2).map(tuple))
def test_journey_entry_where(group: list[Person], where: tuple[PropertyFilter, ...]) -> None:
    ws = Workspace(journeys={"j": split_journey(Entry(EventFilter(TRIGGER, where)), None)})
    expected = {p.id: "yes" if filters_match(p.trigger, where) else "" for p in group}
    assert_entered(ws, group, expected)


@settings(max_examples=examples(40), deadline=None)
@given(people(), conditions())
def test_journey_entry_conditions(group: list[Person], condition: Condition) -> None:
    ws = Workspace(journeys={"j": split_journey(Entry(EventFilter(TRIGGER), condition), None)})
    expected = {p.id: "yes" if holds(condition, p.moment()) else "" for p in group}
    assert_entered(ws, group, expected)


@settings(max_examples=examples(40), deadline=None)
@given(people(), conditions())
def test_split_branches(group: list[Person], condition: Condition) -> None:
    ws = Workspace(journeys={"j": split_journey(Entry(EventFilter(TRIGGER)), condition)})
    expected = {p.id: "yes" if holds(condition, p.moment()) else "no" for p in group}
    assert_entered(ws, group, expected)


@settings(max_examples=examples(30), deadline=None)
@given(people(), conditions())
def test_persona_segments_in_journeys(group: list[Person], segment: Condition) -> None:
    journey = split_journey(Entry(EventFilter(TRIGGER)), None, persona="p")
    ws = Workspace(personas={"p": Persona("p", "p", segment)}, journeys={"j": journey})
    expected = {p.id: "yes" if holds(segment, p.moment()) else "" for p in group}
    assert_entered(ws, group, expected)
