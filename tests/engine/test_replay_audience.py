"""Audience entry on a schedule (docs/replay.md, "Audience entry"), worked by hand.

The audience: customers who bought before, but not in the last 14 days; checked
every Monday at 09:00 Tokyo time (00:00 UTC) from 2026-06-01. The log runs from
2026-05-10 to 2026-07-01, so the instants are June 1, 8, 15, 22 and 29, 00:00 UTC.

- a bought on May 10: 22 days before June 1, so a enters at the first instant.
- b bought on May 25, 12:00: on June 1 and 8 that is less than 14 days before
  (June 8 minus 14 days is May 25, 00:00, and the purchase comes after it), on
  June 15 it is 20.5 days: b enters then, and buys again on June 18, within the
  goal's 7 days: converted.
- c never bought: never in the audience.
- d first appears (and buys) on June 10: known from then, lapsed on June 29.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from cjo_cli.engine.replay_plan import build_plan
from cjo_cli.engine.replay_records import CustomerReplay
from cjo_cli.engine.simulate import explain
from tests.conftest import examples
from tests.engine.replay_helpers import (
    event,
    exits,
    journey,
    load_workspace,
    log_connection,
    replay_each,
    run,
    sends,
)

AUDIENCE = (
    "{audience: {all: [{event: buy}, {not: {event: buy, within: 14d}}]}, "
    'every: 1w, at: "09:00", tz: Asia/Tokyo, start: 2026-06-01}'
)


def winback(re_entry: str = "never") -> str:
    return journey(
        "winback",
        entry=AUDIENCE,
        re_entry=re_entry,
        goal="{event: buy, within: 7d}",
        steps="coupon: {send: mail, next: done}",
    )


LOG = [
    event("a", "buy", "2026-05-10T08:00:00Z"),
    event("b", "buy", "2026-05-25T12:00:00Z"),
    event("b", "buy", "2026-06-18T10:00:00Z"),
    event("c", "page_view", "2026-05-20T10:00:00Z"),
    event("d", "buy", "2026-06-10T10:00:00Z"),
    event("c", "page_view", "2026-07-01T00:00:00Z"),
]


def entered(replays: dict[str, CustomerReplay], customer: str) -> list[str]:
    """When the customer got the coupon: the instant of each entry."""
    return [iso for iso, *_ in sends(replays[customer])] if customer in replays else []


def test_each_customer_enters_at_the_first_instant_the_audience_holds(tmp_path: Path) -> None:
    replays, totals = run(tmp_path, [winback()], LOG)
    assert entered(replays, "a") == ["2026-06-01T00:00:00Z"]
    assert entered(replays, "b") == ["2026-06-15T00:00:00Z"]
    assert entered(replays, "c") == []
    assert entered(replays, "d") == ["2026-06-29T00:00:00Z"]
    # The send is the step right after entry; the entry ends at its exit step, and b's
    # purchase three days later converts it (within goal.within, after the exit).
    assert exits(replays["b"], "winback") == [("2026-06-15T00:00:00Z", "end", "done", True)]
    journey_totals = totals.journeys["winback"]
    assert journey_totals.treated.entries == 3
    # Every known customer is replayed, also c, who has no event a journey reads.
    assert totals.customers == 4


def test_re_entry_applies_at_each_instant(tmp_path: Path) -> None:
    replays, _ = run(tmp_path, [winback("always")], LOG)
    weekly = ["2026-06-01", "2026-06-08", "2026-06-15", "2026-06-22", "2026-06-29"]
    assert entered(replays, "a") == [f"{day}T00:00:00Z" for day in weekly]
    # b bought on June 18: not lapsed again by June 29 (11 days).
    assert entered(replays, "b") == ["2026-06-15T00:00:00Z"]


def test_the_first_day_defaults_to_the_logs(tmp_path: Path) -> None:
    # No start: the log starts on May 10 at 08:00 UTC, 17:00 in Tokyo, so the schedule
    # starts that day at 09:00 Tokyo time (00:00 UTC), before the log: that instant is
    # skipped, and the next are May 17, 24 and 31. On May 24 a's purchase is 13 days 16
    # hours old, within 14 days; on May 31 a is lapsed and enters.
    text = winback().replace(", start: 2026-06-01", "")
    replays, _ = run(tmp_path, [text], LOG)
    assert entered(replays, "a") == ["2026-05-31T00:00:00Z"]


def test_explain_tells_the_scheduled_checks(tmp_path: Path) -> None:
    ws = load_workspace(tmp_path, winback())
    con = log_connection(tmp_path, LOG)
    replay = explain(con, build_plan(ws, list(ws.journeys.values())), "b")
    assert replay is not None
    lines = [line.text for line in replay.trace]
    assert lines[:3] == [
        "the schedule: no entry, the audience does not hold",
        "the schedule: no entry, the audience does not hold",
        "entered on the schedule (entry 1)",
    ]


def test_a_customer_only_in_the_feed_once(tmp_path: Path) -> None:
    ws = load_workspace(tmp_path, winback())
    con = log_connection(tmp_path, LOG)
    replays, simulation = replay_each(con, build_plan(ws, list(ws.journeys.values())))
    assert sorted(replays) == ["a", "b", "c", "d"]
    # The events read are the four purchases: the page views concern no journey, and
    # the rows that make every customer known are not events.
    assert simulation.totals.events == 4


# -- the checks an audience's necessary events let the replay skip ---------------------

LEAVES = [
    "{event: e}",
    "{event: e, within: 2d}",
    "{event: x, count: {min: 2}}",
    "{event: x, count: {max: 1}}",
    "{event: x, count: {min: 0, max: 1}}",
    "{event: g, within: 1d}",
    "{attribute: tier, op: eq, value: gold}",
]


@st.composite
def audience_conditions(draw: st.DrawFn, depth: int = 2) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(LEAVES))
    kind = draw(st.sampled_from(["all", "any", "not"]))
    if kind == "not":
        return f"{{not: {draw(audience_conditions(depth - 1))}}}"
    items = draw(st.lists(audience_conditions(depth - 1), min_size=1, max_size=3))
    return f"{{{kind}: [{', '.join(items)}]}}"


@st.composite
def audience_logs(draw: st.DrawFn) -> list[dict[str, object]]:
    rows = []
    for customer in ("a", "b", "c"):
        for _ in range(draw(st.integers(1, 6))):
            day = draw(st.integers(1, 9))
            hour = draw(st.sampled_from([0, 8, 9, 23]))
            name = draw(st.sampled_from(["e", "x", "x", "g", "view"]))
            rows.append(event(customer, name, f"2026-06-{day:02d}T{hour:02d}:00:00Z"))
    rows.append(event("z", "view", "2026-06-12T00:00:00Z"))
    return rows


def _moves(replay: CustomerReplay) -> tuple[object, ...]:
    return (replay.entries, replay.visits, replay.sends, replay.attributes)


@settings(max_examples=examples(40), deadline=None)
@given(
    condition=audience_conditions(),
    log=audience_logs(),
    re_entry=st.sampled_from(["always", "never", "{after: 2d}"]),
)
def test_skipping_checks_before_the_needed_events_changes_nothing(
    condition: str, log: list[dict[str, object]], re_entry: str
) -> None:
    # `--explain` makes every check; a plain replay skips those before the customer
    # has the events the audience cannot hold without. The moves must be the same.
    doc = journey(
        "j",
        entry=f'{{audience: {condition}, every: 1d, at: "09:00", tz: UTC, start: 2026-06-01}}',
        re_entry=re_entry,
        goal="{event: g, within: 1d}",
        steps="s: {send: mail, next: w}\nw: {wait: 1d, next: done}",
    )
    with tempfile.TemporaryDirectory() as folder:
        ws = load_workspace(Path(folder), doc)
        con = log_connection(Path(folder), log)
        plan = build_plan(ws, list(ws.journeys.values()))
        replays, _ = replay_each(con, plan)
        for customer, replay in replays.items():
            traced = explain(con, plan, customer)
            assert traced is not None
            assert _moves(traced) == _moves(replay), customer


def test_required_events_of_the_sample_audience(tmp_path: Path) -> None:
    ws = load_workspace(tmp_path, winback())
    plan = build_plan(ws, list(ws.journeys.values()))
    (winback_plan,) = plan.journeys
    buy = next(bit for bit, f in enumerate(plan.filters) if f.event == "buy")
    # all: [{event: buy}, {not: ...}]: the purchase is needed; the `not` needs nothing.
    assert winback_plan.needs == (1 << buy,)
