"""Worked funnel cases, each computed by hand in its comment, on the reference semantics.
The DuckDB engine will be held to the same cases and to the reference under hypothesis."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cjo_cli.model import Funnel
from tests.engine import funnel_helpers as worked
from tests.engine.funnel_helpers import EPOCH, D, H, ev, funnel
from tests.engine.funnel_reference import (
    LogEvent,
    Times,
    breakdown_counts,
    counted_attempt,
    counted_attempts,
    funnel_counts,
    funnel_trend,
    time_to_steps,
)


def counts(f: Funnel, log: list[LogEvent]) -> list[int]:
    return [step.customers for step in funnel_counts(f, log)]


def test_cart_examples() -> None:
    # lisa: view, cart, abandons (no checkout) -> reaches step 2.
    # kenji: view, cart, checkout, purchase within a day -> all four.
    # mika: buys without a product_view -> never enters (step 1 is required).
    assert counts(worked.CART, worked.CART_EXAMPLES) == [2, 2, 1, 1]
    times = funnel_counts(worked.CART, worked.CART_EXAMPLES)
    # From the previous step: lisa 60 s and kenji 10 s to the cart -> median 35, mean 35.
    assert (times[1].median_seconds, times[1].mean_seconds) == (35.0, 35.0)
    assert times[0].median_seconds is None


def test_equal_timestamps_fill_consecutive_steps_in_either_row_order() -> None:
    # All four at the same instant: sorted by (ts, step), they make a full chain.
    assert counts(worked.CART, worked.SAME_INSTANT) == [1, 1, 1, 1]


def test_one_event_fills_one_step() -> None:
    # view -> view needs two distinct views; one view is only step 1.
    twice = funnel("product_view", "product_view")
    assert counts(twice, [ev("c", "product_view", 0)]) == [1, 0]
    assert counts(twice, [ev("c", "product_view", 0), ev("c", "product_view", 0)]) == [1, 1]


def test_a_later_step_one_event_can_give_the_better_attempt() -> None:
    # Window 1 day. view at 0, view at 3 days, cart at 3 days + 1 h.
    # The first attempt expires before the cart; the second reaches step 2.
    f = funnel("product_view", "add_to_cart", window=D)
    assert counts(f, worked.TWO_ATTEMPTS) == [1, 1]
    assert [e.ts for e in counted_attempt(f, worked.TWO_ATTEMPTS)] == [3 * D, 3 * D + H]


def test_any_step_takes_any_alternative_one_event_one_step() -> None:
    result = funnel_counts(worked.BROWSE_THEN_CART, worked.BROWSE_LOG)
    assert [s.customers for s in result] == [2, 1]
    result = funnel_counts(worked.VIEW_OR_CART_THEN_CART, worked.ONE_CART_LOG)
    assert [s.customers for s in result] == [3, 2]


def test_window_is_inclusive_to_the_second() -> None:
    # cart exactly `window` after the view counts; one second later it does not.
    f = funnel("product_view", "add_to_cart", window=D)
    assert counts(f, [ev("c", "product_view", 0), ev("c", "add_to_cart", D)]) == [1, 1]
    assert counts(f, [ev("c", "product_view", 0), ev("c", "add_to_cart", D + 1)]) == [1, 0]


def test_strict_is_broken_by_an_interleaved_event() -> None:
    # view, page_view, cart: ordered reaches 2; strict only 1 (page_view between).
    strict = funnel("product_view", "add_to_cart", order="strict")
    assert counts(funnel("product_view", "add_to_cart"), worked.INTERLEAVED) == [1, 1]
    assert counts(strict, worked.INTERLEAVED) == [1, 0]
    # A simultaneous other event does not break it.
    assert counts(strict, worked.SIMULTANEOUS) == [1, 1]


def test_unordered_counts_steps_done_in_any_order() -> None:
    # purchase before view: ordered reaches 1 (the view), unordered completes 2 steps.
    unordered = funnel("product_view", "purchase", order="unordered")
    assert counts(funnel("product_view", "purchase"), worked.PURCHASE_FIRST) == [1, 0]
    assert counts(unordered, worked.PURCHASE_FIRST) == [1, 1]


def test_exclusion_between_steps_removes_the_customer() -> None:
    # refund between cart (step 2) and purchase (step 4) removes c1 entirely;
    # c2's refund comes after the purchase, outside [2, 4]: c2 stays.
    # c1: steps at 0, 10, 20, 30 and a refund at 15 (after the cart at 10, before 30).
    assert counts(worked.NO_REFUND, worked.REFUNDS) == [1, 1, 1, 1]


def test_exclusions_prefer_a_clean_attempt_as_posthog() -> None:
    # The tie cases of PostHog's test suite (funnel_helpers.POSTHOG_TIES): one and two
    # count at step 1, three is excluded.
    attempts = counted_attempts(worked.POSTHOG_TIES, worked.POSTHOG_TIES_LOG)
    assert sorted((a[0].customer_id, a[0].ts) for a in attempts) == [("one", 31), ("two", 0)]
    assert counts(worked.POSTHOG_TIES, worked.POSTHOG_TIES_LOG) == [2, 0]
    # A later clean attempt to the last step counts; its cart is the one at 3.
    result = funnel_counts(worked.CLEAN_LATER, worked.CLEAN_LATER_LOG)
    assert [(s.customers, s.median_seconds) for s in result] == [(1, None), (1, 3.0), (1, 1.0)]


@pytest.mark.parametrize(
    ("attribution", "groups"),
    [
        ("first_touch", {"Chrome": [1, 1], "Firefox": [1, 1]}),
        ("last_touch", {"Firefox": [2, 2]}),
        ("step_1", {"Chrome": [1, 1], "(none)": [1, 1]}),
        ("step_2", {"Firefox": [2, 2]}),
    ],
)
def test_attribution_as_posthog(attribution: str, groups: dict[str, list[int]]) -> None:
    # PostHog's examples (funnel_helpers.ATTRIBUTION_LOG). Unlike PostHog's specific
    # step, a customer without the property on that step's event is in `(none)`, not out.
    assert breakdown_counts(worked.SIGNUP, worked.ATTRIBUTION_LOG, "browser", attribution) == (
        groups
    )


def test_all_steps_as_posthog() -> None:
    found = breakdown_counts(worked.POSTED, worked.ALL_STEPS_LOG, "browser", "all_steps")
    assert found == {"Chrome": [1, 1, 1], "Firefox": [1, 0, 0]}


def test_step_filters() -> None:
    # Only purchases with amount > 0 fill step 2.
    assert counts(worked.PAID, worked.PAID_LOG) == [2, 1]


def test_trend_open_and_periods() -> None:
    # Window 1 day; the log ends at 10 days (z's event). a starts at 9 d: its window
    # ends exactly at the log's end, all of it seen -> a drop-off. b starts 1 s later:
    # open. c converts. d starts on the EPOCH, a Sunday: the week of Monday 02-23.
    f = funnel("view", "cart", window=D)
    log = [
        ev("a", "view", 9 * D),
        ev("b", "view", 9 * D + 1),
        ev("c", "view", 9 * D + 2),
        ev("c", "cart", 9 * D + 3),
        ev("d", "view", 0),
        ev("z", "other", 10 * D),
    ]
    assert funnel_trend(f, log, "week", EPOCH) == [
        ("2026-02-23", 1, 0, 0),
        ("2026-03-02", 0, 0, 0),
        ("2026-03-09", 3, 1, 1),
    ]
    assert funnel_trend(f, log, "month", EPOCH) == [("2026-03-01", 4, 1, 1)]
    days = funnel_trend(f, log, "day", EPOCH)
    assert [p[0] for p in days] == [f"2026-03-{day:02d}" for day in range(1, 11)]
    assert [p[1] for p in days] == [1] + [0] * 8 + [3]
    assert funnel_trend(f, [], "week", EPOCH) == []


def test_times_to_steps() -> None:
    # To the cart 10, 20, 30 and 40 s; to the buy 60 s after one cart (≤1m, the bound
    # included) and 61 s after another (≤5m).
    f = funnel("view", "cart", "buy")
    log = []
    for customer, gap in (("a", 40), ("b", 10), ("c", 30), ("d", 20)):
        log += [ev(customer, "view", 0), ev(customer, "cart", gap)]
    log += [ev("a", "buy", 100), ev("b", "buy", 71)]
    first, cart, buy = time_to_steps(f, log)
    assert first is None and cart is not None and buy is not None
    assert cart[0] == cart[1] == Times((10, 20, 30, 40), (4,) + (0,) * 10)
    assert buy[0] == Times((60, 60, 61, 61), (1, 1) + (0,) * 9)
    assert buy[1] == Times((71, 71, 100, 100), (0, 2) + (0,) * 9)
    assert time_to_steps(funnel("view", "cart"), [ev("a", "view", 0)])[1] == (
        Times(None, (0,) * 11),
        Times(None, (0,) * 11),
    )


# ---- invariants of the reference (the engine will be held to the reference) ----

NAMES = ["view", "cart", "buy", "other"]
logs = st.lists(
    st.builds(ev, st.sampled_from(["a", "b", "c"]), st.sampled_from(NAMES), st.integers(0, 6)),
    max_size=9,
)
shapes = st.tuples(
    st.lists(st.sampled_from(NAMES[:3]), min_size=2, max_size=3),
    st.integers(1, 6),
    st.sampled_from(["ordered", "strict", "unordered"]),
)


@settings(max_examples=150, deadline=None)
@given(logs, shapes, st.randoms())
def test_reference_invariants(
    log: list[LogEvent], shape: tuple[list[str], int, str], rnd: random.Random
) -> None:
    names, window, order = shape
    f = funnel(*names, window=window, order=order)
    base = counts(f, log)
    assert base == sorted(base, reverse=True)  # counts never increase along the funnel
    shuffled = list(log)
    rnd.shuffle(shuffled)
    assert counts(f, shuffled) == base  # row order changes nothing
    renamed = [LogEvent("x" + e.customer_id, e.event, e.ts, e.properties) for e in log]
    assert counts(f, renamed) == base  # customer ids are only labels
    wider = counts(funnel(*names, window=window + 3, order=order), log)
    assert all(w >= b for w, b in zip(wider, base, strict=True))  # a wider window never lowers
