"""The per-customer attempt functions (`engine.funnel_exact.ATTEMPTS`) on hand-made
instants, then held to the reference (`tests/engine/funnel_reference.py`) on small logs.

An instant is (ts, one step mask per event at that time, rank): bit i of a mask set
means the event matches step i+1; the rank is the dense rank of the time among all the
customer's events (strict funnels only)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from cjo_cli.conditions.python import filters_match
from cjo_cli.engine.funnel_exact import (
    ATTEMPTS,
    Barrier,
    Instant,
    clean_attempt,
    ordered_attempt,
    strict_attempt,
    unordered_attempt,
)
from cjo_cli.model import Funnel
from tests.engine.funnel_helpers import LATE_BEST_ATTEMPT, ev, funnel
from tests.engine.funnel_reference import LogEvent, counted_attempt


def instants(*specs: tuple[int, tuple[int, ...]]) -> list[Instant]:
    """Instants ranked 1, 2, 3... (no other events between them)."""
    return [Instant(ts, masks, rank) for rank, (ts, masks) in enumerate(specs, 1)]


def test_attempts_table() -> None:
    assert {
        "ordered": ordered_attempt,
        "strict": strict_attempt,
        "unordered": unordered_attempt,
    } == ATTEMPTS


Case = tuple[str, list[Instant], int, int, dict[str, tuple[int, ...]]]
CASES: list[Case] = [
    # (name, instants, steps, window, {order: expected times})
    ("nothing", [], 2, 10, {"ordered": (), "strict": (), "unordered": ()}),
    # One event matching both steps of view → view fills one of them.
    ("one event, two steps", instants((0, (3,))), 2, 10, dict.fromkeys(ATTEMPTS, (0,))),
    # Two such events at one instant fill both.
    ("two events, two steps", instants((0, (3, 3))), 2, 10, dict.fromkeys(ATTEMPTS, (0, 0))),
    # Equal instants fill consecutive steps, whatever the mask order.
    ("same instant", instants((5, (4, 2, 1))), 3, 10, dict.fromkeys(ATTEMPTS, (5, 5, 5))),
    # The window is inclusive: t2 - t1 == window counts...
    ("window edge", instants((0, (1,)), (10, (2,))), 2, 10, dict.fromkeys(ATTEMPTS, (0, 10))),
    # ...one unit more does not.
    ("past window", instants((0, (1,)), (11, (2,))), 2, 10, dict.fromkeys(ATTEMPTS, (0,))),
    # Step 2 before step 1: only unordered takes it.
    (
        "reversed",
        instants((0, (2,)), (5, (1,))),
        2,
        10,
        {"ordered": (5,), "strict": (5,), "unordered": (0, 5)},
    ),
    # Only step 2: ordered and strict never enter; unordered counts one step.
    ("no step 1", instants((0, (2,))), 2, 10, {"ordered": (), "strict": (), "unordered": (0,)}),
    # The first start expires; the second reaches step 2 and counts.
    (
        "second start",
        instants((0, (1,)), (30, (1,)), (35, (2,))),
        2,
        10,
        dict.fromkeys(ATTEMPTS, (30, 35)),
    ),
    # Two attempts both reach step 2: the earliest counts.
    (
        "earliest of equals",
        instants((0, (1,)), (4, (2,)), (20, (1,)), (21, (2,))),
        2,
        10,
        dict.fromkeys(ATTEMPTS, (0, 4)),
    ),
    # A@0 B@0 B@1 C@2: strict cannot use B@0 (C would have to be at rank 2, time 1),
    # so it takes B@1; ordered takes the earliest, B@0.
    (
        "strict takes the later choice",
        instants((0, (1, 2)), (1, (2,)), (2, (4,))),
        3,
        10,
        {"ordered": (0, 0, 2), "strict": (0, 1, 2), "unordered": (0, 0, 2)},
    ),
    # A window of 0: only one instant, whose events may still fill two steps.
    ("zero window", instants((0, (1,)), (1, (2,))), 2, 0, dict.fromkeys(ATTEMPTS, (0,))),
    ("zero window, one instant", instants((0, (2, 1))), 2, 0, dict.fromkeys(ATTEMPTS, (0, 0))),
    # An event matching steps 1 and 2 beside one matching step 1 only: matched to
    # distinct steps, both are used.
    ("matching", instants((0, (3, 1))), 2, 10, dict.fromkeys(ATTEMPTS, (0, 0))),
]


@pytest.mark.parametrize(
    ("order", "case"),
    [(order, case) for case in CASES for order in ATTEMPTS],
    ids=[f"{case[0]}-{order}" for case in CASES for order in ATTEMPTS],
)
def test_attempts(
    order: str, case: tuple[str, list[Instant], int, int, dict[str, tuple[int, ...]]]
) -> None:
    _, given, steps, window, expected = case
    assert ATTEMPTS[order](given, steps, window) == expected[order]


@pytest.mark.parametrize(
    ("ranks", "expected"),
    [
        # Adjacent ranks: strict reaches step 2.
        ((1, 2), (0, 10)),
        # Another event of the customer between them (rank 2 is not a step event).
        ((1, 3), (0,)),
    ],
)
def test_strict_adjacency_is_by_rank(ranks: tuple[int, int], expected: tuple[int, ...]) -> None:
    given = [Instant(0, (1,), ranks[0]), Instant(10, (2,), ranks[1])]
    assert strict_attempt(given, 2, 100) == expected
    # Ordered and unordered ignore the ranks.
    assert ordered_attempt(given, 2, 100) == (0, 10)
    assert unordered_attempt(given, 2, 100) == (0, 10)


def test_strict_can_restart_after_a_break() -> None:
    # A@0, (other), A@20, B@21: the first attempt breaks, the second reaches step 2.
    given = [Instant(0, (1,), 1), Instant(20, (1,), 3), Instant(21, (2,), 4)]
    assert strict_attempt(given, 2, 100) == (20, 21)


def test_strict_window_is_inclusive() -> None:
    given = [Instant(0, (1,), 1), Instant(10, (2,), 2)]
    assert strict_attempt(given, 2, 10) == (0, 10)
    assert strict_attempt(given, 2, 9) == (0,)


def test_unordered_any_order_within_the_window() -> None:
    # C, A, B: all three within 10 of the earliest.
    given = instants((0, (4,)), (3, (1,)), (10, (2,)))
    assert unordered_attempt(given, 3, 10) == (0, 3, 10)
    # With a window of 9 the best set is two events: {C@0, A@3} from the earliest
    # start (start at 3 also has two, later).
    assert unordered_attempt(given, 3, 9) == (0, 3)
    # A repeated step does not count twice.
    assert unordered_attempt(instants((0, (1,)), (1, (1,)), (2, (2,))), 3, 10) == (0, 2)


def test_ordered_stops_at_the_last_step() -> None:
    given = instants((0, (1,)), (1, (2,)), (2, (1,)), (3, (2,)))
    assert ordered_attempt(given, 2, 10) == (0, 1)


# ---- against the reference --------------------------------------------------------


def to_instants(f: Funnel, log: Sequence[LogEvent]) -> list[Instant]:
    """What DuckDB hands the exact path: matching events' masks per distinct time, and
    the dense rank of each time among all the customer's events."""
    ranks = {ts: rank for rank, ts in enumerate(sorted({e.ts for e in log}), 1)}
    by_time: dict[int, list[int]] = {}
    for e in log:
        mask = sum(
            1 << i
            for i, step in enumerate(f.steps)
            if e.event == step.event.event and filters_match(e.properties, step.event.where)
        )
        if mask:
            by_time.setdefault(e.ts, []).append(mask)
    return [Instant(ts, tuple(sorted(masks)), ranks[ts]) for ts, masks in sorted(by_time.items())]


LOGS = {
    "cart": [ev("c", "view", 0), ev("c", "cart", 3), ev("c", "other", 4), ev("c", "buy", 6)],
    "shuffled": [ev("c", "buy", 1), ev("c", "cart", 2), ev("c", "view", 2), ev("c", "buy", 2)],
    "repeats": [ev("c", "view", 0), ev("c", "view", 0), ev("c", "view", 5), ev("c", "cart", 5)],
    "late": LATE_BEST_ATTEMPT,
    "interleaved": [
        ev("c", "view", 0),
        ev("c", "other", 1),
        ev("c", "cart", 1),
        ev("c", "other", 2),
        ev("c", "buy", 3),
        ev("c", "view", 4),
        ev("c", "cart", 5),
    ],
}
FUNNELS = [
    ("view", "cart", "buy"),
    ("view", "view"),
    ("view", "view", "cart"),
    ("cart", "view"),
    ("buy", "cart", "view"),
]


@pytest.mark.parametrize("order", list(ATTEMPTS))
@pytest.mark.parametrize("window", [0, 3, 10])
@pytest.mark.parametrize("names", FUNNELS, ids="-".join)
@pytest.mark.parametrize("log_name", list(LOGS))
def test_equals_the_reference(
    log_name: str, names: tuple[str, ...], window: int, order: str
) -> None:
    f = funnel(*names, window=window, order=order)
    log = LOGS[log_name]
    expected = tuple(e.ts for e in counted_attempt(f, log))
    if order == "unordered":
        expected = tuple(sorted(expected))
    assert ATTEMPTS[order](to_instants(f, log), len(names), window) == expected


def test_the_reference_comparison_is_not_vacuous() -> None:
    # The worked case of test_funnels (LATE_BEST_ATTEMPT): the earliest start (view@0)
    # does not reach the best level; the counted attempt is view@9, cart@12, buy@15.
    f = funnel("view", "cart", "buy", window=10, order="ordered")
    assert ordered_attempt(to_instants(f, LOGS["late"]), 3, 10) == (9, 12, 15)
    strict = funnel("view", "cart", "buy", window=10, order="strict")
    # "other" at 1 shares cart's instant (no break); "other" at 2 breaks cart@1 → buy@3.
    assert strict_attempt(to_instants(strict, LOGS["interleaved"]), 3, 10) == (0, 1)


# ---- clean_attempt: the attempt no exclusion removes -----------------------------------


def test_clean_attempt_takes_the_earliest_attempt_without_an_excluded_event() -> None:
    # view 0, cart 1, cart 3, buy 4; an excluded event at 2 between the cart and the buy:
    # the greedy cart at 1 has it inside, the cart at 3 does not.
    found = instants((0, (1,)), (1, (2,)), (3, (2,)), (4, (4,)))
    barrier = Barrier(2, 3, (2,))
    assert ordered_attempt(found, 3, 10) == (0, 1, 4)
    assert clean_attempt(found, 3, 10, "ordered", 3, [barrier]) == (0, 3, 4)
    # Strict: the cart at 3 does not follow the view, and (0, 1) stops before the buy;
    # there is then no clean attempt of level 3.
    assert clean_attempt(found, 3, 10, "strict", 3, [barrier]) is None
    # Unordered: the events in time order, the exclusion between the 2nd and the 3rd.
    assert clean_attempt(found, 3, 10, "unordered", 3, [barrier]) == (0, 3, 4)


def test_clean_attempt_looks_to_the_window_end_when_the_last_step_is_not_reached() -> None:
    # PostHog's tie case: step one at 0 and at 31, the excluded event at 1, a 10 s window.
    found = instants((0, (1,)), (31, (1,)))
    assert clean_attempt(found, 2, 10, "ordered", 1, [Barrier(1, 2, (1,))]) == (31,)
    # The excluded event exactly at the window's end is outside it.
    assert clean_attempt(found, 2, 10, "ordered", 1, [Barrier(1, 2, (10,))]) == (0,)
    assert clean_attempt(found, 2, 10, "ordered", 1, [Barrier(1, 2, (5, 35))]) is None
    # An exclusion whose first step is past the level never removes the attempt.
    assert clean_attempt(found, 3, 10, "ordered", 1, [Barrier(2, 3, (1,))]) == (0,)


def test_clean_attempt_at_one_instant_keeps_one_event_per_step() -> None:
    # Two events at 5 that can fill steps 2 and 3 (one each), after the view at 0; the
    # exclusion between steps 1 and 2 has an event at 3, so the view at 4 must start.
    found = instants((0, (1,)), (3, (8,)), (4, (1,)), (5, (2, 4)))
    assert clean_attempt(found, 3, 10, "ordered", 3, [Barrier(1, 2, (3,))]) == (4, 5, 5)
