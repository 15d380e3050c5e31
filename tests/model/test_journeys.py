"""Journey steps know their successors and whether time passes in them."""

from __future__ import annotations

from datetime import time

import pytest

from cjo_cli.model import (
    AbStep,
    Entry,
    ExitStep,
    Journey,
    Loc,
    SendStep,
    SplitBranch,
    SplitStep,
    Step,
    Variant,
    WaitForStep,
    WaitStep,
    WaitUntilStep,
)
from cjo_cli.model.conditions import EventFilter, PropertyCondition
from cjo_cli.model.journeys import ReEntry
from cjo_cli.model.timing import Duration

HERE = Loc("j.yaml", 5, 3)
NEXT = Loc("j.yaml", 5, 20)
OTHER = Loc("j.yaml", 5, 40)
HOUR = Duration(3600, "1h")


def test_successors_with_and_without_locs_of_their_own() -> None:
    with_locs = {"next": NEXT}
    assert WaitStep("w", "w", HERE, with_locs, HOUR, "b").successors() == (("b", NEXT),)
    assert WaitStep("w", "w", HERE, {}, HOUR, "b").successors() == (("b", HERE),)
    assert WaitUntilStep("u", "u", HERE, with_locs, time(19), "UTC", "b").successors() == (
        ("b", NEXT),
    )
    assert SendStep("s", "s", HERE, {}, "mail", "b").successors() == (("b", HERE),)
    wait_for = WaitForStep(
        "f", "f", HERE, {"next": NEXT, "on_timeout": OTHER}, EventFilter("click"), HOUR, "b", "c"
    )
    assert wait_for.successors() == (("b", NEXT), ("c", OTHER))
    half = WaitForStep("f", "f", HERE, {"on_timeout": OTHER}, EventFilter("click"), HOUR, "b", "c")
    assert half.successors() == (("b", HERE), ("c", OTHER))
    assert ExitStep("x", "x", HERE).successors() == ()


def test_split_and_ab_successors_are_their_branches_in_order() -> None:
    branch_locs = [Loc("j.yaml", n, 7) for n in range(1, 4)]
    condition = PropertyCondition("v", "gt", 1)
    split = SplitStep(
        "s",
        "s",
        HERE,
        {},
        (
            SplitBranch(condition, "a", next_loc=branch_locs[0]),
            SplitBranch(None, "b", next_loc=branch_locs[1]),
            SplitBranch(condition, "a", next_loc=branch_locs[2]),
        ),
    )
    assert split.successors() == (
        ("a", branch_locs[0]),
        ("b", branch_locs[1]),
        ("a", branch_locs[2]),
    )
    assert [branch.is_else for branch in split.branches] == [False, True, False]
    ab = AbStep(
        "t",
        "t",
        HERE,
        {},
        (Variant("a", 50, "x", next_loc=NEXT), Variant("b", 50, "y", next_loc=OTHER)),
    )
    assert ab.successors() == (("x", NEXT), ("y", OTHER))
    assert SplitStep("s", "s").successors() == ()


@pytest.mark.parametrize(
    ("step", "waits"),
    [
        (WaitStep("w", "w", duration=HOUR, next="b"), True),
        (WaitStep("w", "w", duration=Duration(1, "1s"), next="b"), True),
        (WaitStep("w", "w", duration=Duration(0, "0s"), next="b"), False),  # no time passes
        (WaitUntilStep("u", "u", at=time(0), next="b"), True),
        (WaitForStep("f", "f", timeout=Duration(0, "0s"), next="b", on_timeout="c"), True),
        (SendStep("s", "s", touchpoint="t", next="b"), False),
        (SplitStep("s", "s"), False),
        (AbStep("a", "a"), False),
        (ExitStep("x", "x"), False),
    ],
    ids=["wait", "wait-1s", "wait-0s", "wait_until", "wait_for", "send", "split", "ab", "exit"],
)
def test_waits(step: Step, waits: bool) -> None:
    assert step.waits is waits


def journey(steps: list[Step]) -> Journey:
    return Journey("j", "J", Entry(EventFilter("e")), {s.id: s for s in steps}, steps[0].id)


def test_ab_steps_in_step_order() -> None:
    first = AbStep("first", "first", variants=(Variant("a", 100, "mid"),))
    last = AbStep("last", "last", variants=(Variant("a", 100, "done"),))
    steps: list[Step] = [
        WaitStep("w", "w", duration=HOUR, next="first"),
        first,
        SendStep("mid", "mid", touchpoint="t", next="last"),
        last,
        ExitStep("done", "done"),
    ]
    assert list(journey(steps).ab_steps()) == [first, last]
    assert list(journey([ExitStep("done", "done")]).ab_steps()) == []


def test_journey_defaults() -> None:
    j = journey([ExitStep("done", "done")])
    assert j.re_entry == ReEntry("never", None)
    assert (j.goal, j.exit_on, j.per_customer, j.quiet_hours) == (None, (), None, None)
    assert j.holdout_percent == 0.0
    assert j.start == "done"
