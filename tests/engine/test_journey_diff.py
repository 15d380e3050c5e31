"""Two versions of a journey on one log (`engine.journey_diff`): each customer's path,
one version's numbers, and the customers whose path changed.

Worked case (all on 2026-06-01 UTC; the log runs to June 2):

    amy: cart (value 20) at 00:00, buy at 03:00   same path in both versions
    bob: cart (value 20) at 00:00, unsubscribe 00:30
         old: wait 1h, push at 01:00, exit step; new: leaves at `wait` (exit_on)
    zed: cart (value 5) at 00:00    old: enters; new: the entry needs value >= 10
    cy:  page views only            in neither
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cjo_cli.engine.journey_diff import Paths, diff_versions, side
from cjo_cli.engine.replay_plan import build_plan
from cjo_cli.engine.replay_records import CustomerReplay, EntryRecord, SendRecord, VisitRecord
from cjo_cli.engine.simulate import simulate
from cjo_cli.model import Journey, Workspace
from cjo_cli.model.clock import parse_instant
from tests.engine.replay_helpers import event, journey, load_workspace, log_connection

STEPS = """
    wait: {wait: 1h, next: push}
    push: {send: push, next: done}
"""
OLD = journey("j", STEPS, goal="{event: buy, within: 1d}")
NEW = journey(
    "j",
    STEPS,
    entry="{event: cart, where: {value: {gte: 10}}}",
    goal="{event: buy, within: 1d}",
    exit_on="[{event: unsubscribe}]",
)

EVENTS = [
    event("zed", "cart", "2026-06-01T00:00:00Z", value=5),
    event("amy", "cart", "2026-06-01T00:00:00Z", value=20),
    event("amy", "buy", "2026-06-01T03:00:00Z"),
    event("bob", "cart", "2026-06-01T00:00:00Z", value=20),
    event("bob", "unsubscribe", "2026-06-01T00:30:00Z"),
    event("cy", "page_view", "2026-06-01T00:00:00Z"),
    event("cy", "page_view", "2026-06-02T00:00:00Z"),
]

FULL_PATH = (
    "wait@2026-06-01 00:00",
    "push@2026-06-01 01:00 (sent@06-01 01:00)",
    "done@2026-06-01 01:00",
    "exit:end",
)


Versions = list[tuple[Workspace, Journey]]


def versions(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, Versions]:
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    old = load_workspace(tmp_path / "old", OLD)
    new = load_workspace(tmp_path / "new", NEW)
    con = log_connection(tmp_path, EVENTS)
    return con, [(old, old.journeys["j"]), (new, new.journeys["j"])]


def test_diff_versions(tmp_path: Path) -> None:
    con, pair = versions(tmp_path)
    diff = diff_versions(con, pair)
    assert diff.journey == "j"
    assert diff.changed == ("bob", "zed")
    old, new = diff.paths
    assert old == {"amy": FULL_PATH, "bob": FULL_PATH, "zed": FULL_PATH}
    assert new == {"amy": FULL_PATH, "bob": ("wait@2026-06-01 00:00", "exit:exit_event")}
    assert diff.sides == (
        {
            "entered": 3,
            "converted": 1,
            "conversion_rate": 1 / 3,
            "exits": {"goal": 0, "exit_event": 0, "end": 3, "censored": 0},
            "sends": {"push": 3},
            "steps": {
                "wait": {"unique": 3, "total": 3},
                "push": {"unique": 3, "total": 3},
                "done": {"unique": 3, "total": 3},
            },
        },
        {
            "entered": 2,
            "converted": 1,
            "conversion_rate": 0.5,
            "exits": {"goal": 0, "exit_event": 1, "end": 1, "censored": 0},
            "sends": {"push": 1},
            "steps": {
                "wait": {"unique": 2, "total": 2},
                "push": {"unique": 1, "total": 1},
                "done": {"unique": 1, "total": 1},
            },
        },
    )


@pytest.mark.parametrize(
    ("show", "customers"),
    [(0, []), (1, ["bob"]), (2, ["bob", "zed"]), (10, ["bob", "zed"])],
)
def test_examples(tmp_path: Path, show: int, customers: list[str]) -> None:
    con, pair = versions(tmp_path)
    examples = diff_versions(con, pair).examples(show)
    expected = {
        "bob": {
            "customer_id": "bob",
            "old": list(FULL_PATH),
            "new": ["wait@2026-06-01 00:00", "exit:exit_event"],
        },
        # zed never entered the new version: an empty path.
        "zed": {"customer_id": "zed", "old": list(FULL_PATH), "new": []},
    }
    assert examples == [expected[c] for c in customers]


def test_the_same_version_twice_changes_nobody(tmp_path: Path) -> None:
    con, pair = versions(tmp_path)
    diff = diff_versions(con, [pair[0], pair[0]])
    assert diff.changed == ()
    assert diff.sides[0] == diff.sides[1]
    assert diff.examples(5) == []


def test_side(tmp_path: Path) -> None:
    con, pair = versions(tmp_path)
    ws, journey = pair[1]
    totals = simulate(con, build_plan(ws, [journey])).totals
    assert side(totals, "j")["exits"] == {"goal": 0, "exit_event": 1, "end": 1, "censored": 0}
    assert list(side(totals, "j")) == [
        "entered",
        "converted",
        "conversion_rate",
        "exits",
        "sends",
        "steps",
    ]


# ---- Paths on hand-made records ------------------------------------------------------


def at(text: str) -> int:
    return parse_instant(text)


def test_paths_match_sends_to_their_visit() -> None:
    first, second = at("2026-06-01T23:00:00+00:00"), at("2026-06-08T00:00:00+00:00")
    morning = at("2026-06-02T08:00:00+00:00")
    replay = CustomerReplay(
        "x",
        entries=[
            EntryRecord("j", 1, first, False, exit_reason="end"),
            EntryRecord("j", 2, second, False, exit_reason="censored"),
        ],
        visits=[
            VisitRecord("j", 1, "push", first, False, None),
            VisitRecord("j", 1, "done", morning, False, None),
            VisitRecord("j", 2, "push", second, False, None),
            VisitRecord("j", 2, "push", second, False, None),
            VisitRecord("j", 2, "wait", second, False, None),
        ],
        sends=[
            # Deferred by quiet hours: the visit's time and the send's differ.
            SendRecord("j", 1, "push", "push", "web_push", morning, "sent", planned_ts=first),
            SendRecord("j", 2, "push", "push", "web_push", second, "capped"),
            SendRecord("j", 2, "push", "push", "web_push", second + 60_000_000, "sent"),
        ],
    )
    paths = Paths()
    paths.add(replay)
    assert paths.by_customer == {
        "x": (
            "push@2026-06-01 23:00 (sent@06-02 08:00)",
            "done@2026-06-02 08:00",
            # Two visits of one step in one entry take its sends in order.
            "push@2026-06-08 00:00 (capped@06-08 00:00)",
            "push@2026-06-08 00:00 (sent@06-08 00:01)",
            "wait@2026-06-08 00:00",
            "exit:end",
            "exit:censored",
        )
    }


def test_paths_skip_customers_who_never_entered() -> None:
    paths = Paths()
    paths.add(CustomerReplay("nobody"))
    assert paths.by_customer == {}
