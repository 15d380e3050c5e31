"""Worked funnel cases, each computed by hand in its comment, on the reference semantics.
The DuckDB engine will be held to the same cases and to the reference under hypothesis."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from cjo_cli.model import Duration, EventFilter, Exclusion, Funnel, FunnelStep, PropertyFilter
from tests.engine.funnel_reference import LogEvent, counted_attempt, funnel_counts

H, D = 3600, 86400


def funnel(*events: str, window: int = 7 * D, order: str = "ordered", **extra: object) -> Funnel:
    steps = tuple(FunnelStep(EventFilter(name), name) for name in events)
    return Funnel("f", "f", steps, Duration(window), order, **extra)  # type: ignore[arg-type]


def counts(f: Funnel, log: list[LogEvent]) -> list[int]:
    return [step.customers for step in funnel_counts(f, log)]


def ev(customer: str, name: str, ts: int, **props: object) -> LogEvent:
    return LogEvent(customer, name, ts, dict(props))


CART = funnel("product_view", "add_to_cart", "checkout_start", "purchase")


def test_cart_examples() -> None:
    # lisa: view, cart, abandons (no checkout) -> reaches step 2.
    # kenji: view, cart, checkout, purchase within a day -> all four.
    # mika: buys without a product_view -> never enters (step 1 is required).
    log = [
        ev("lisa", "product_view", 0),
        ev("lisa", "add_to_cart", 60),
        ev("kenji", "product_view", 0),
        ev("kenji", "add_to_cart", 10),
        ev("kenji", "checkout_start", 20),
        ev("kenji", "purchase", 30),
        ev("mika", "add_to_cart", 0),
        ev("mika", "purchase", 10),
    ]
    assert counts(CART, log) == [2, 2, 1, 1]
    times = funnel_counts(CART, log)
    # From the previous step: lisa 60 s and kenji 10 s to the cart -> median 35, mean 35.
    assert (times[1].median_seconds, times[1].mean_seconds) == (35.0, 35.0)
    assert times[0].median_seconds is None


def test_equal_timestamps_fill_consecutive_steps_in_either_row_order() -> None:
    # All four at the same instant: sorted by (ts, step), they make a full chain.
    log = [
        ev("c", name, 100) for name in ("purchase", "checkout_start", "add_to_cart", "product_view")
    ]
    assert counts(CART, log) == [1, 1, 1, 1]


def test_one_event_fills_one_step() -> None:
    # view -> view needs two distinct views; one view is only step 1.
    twice = funnel("product_view", "product_view")
    assert counts(twice, [ev("c", "product_view", 0)]) == [1, 0]
    assert counts(twice, [ev("c", "product_view", 0), ev("c", "product_view", 0)]) == [1, 1]


def test_a_later_step_one_event_can_give_the_better_attempt() -> None:
    # Window 1 day. view at 0, view at 3 days, cart at 3 days + 1 h.
    # The first attempt expires before the cart; the second reaches step 2.
    f = funnel("product_view", "add_to_cart", window=D)
    log = [
        ev("c", "product_view", 0),
        ev("c", "product_view", 3 * D),
        ev("c", "add_to_cart", 3 * D + H),
    ]
    assert counts(f, log) == [1, 1]
    assert [e.ts for e in counted_attempt(f, log)] == [3 * D, 3 * D + H]


def test_window_is_inclusive_to_the_second() -> None:
    # cart exactly `window` after the view counts; one second later it does not.
    f = funnel("product_view", "add_to_cart", window=D)
    assert counts(f, [ev("c", "product_view", 0), ev("c", "add_to_cart", D)]) == [1, 1]
    assert counts(f, [ev("c", "product_view", 0), ev("c", "add_to_cart", D + 1)]) == [1, 0]


def test_strict_is_broken_by_an_interleaved_event() -> None:
    # view, page_view, cart: ordered reaches 2; strict only 1 (page_view between).
    log = [ev("c", "product_view", 0), ev("c", "page_view", 5), ev("c", "add_to_cart", 10)]
    assert counts(funnel("product_view", "add_to_cart"), log) == [1, 1]
    assert counts(funnel("product_view", "add_to_cart", order="strict"), log) == [1, 0]
    # A simultaneous other event does not break it.
    same = [ev("c", "product_view", 0), ev("c", "page_view", 0), ev("c", "add_to_cart", 10)]
    assert counts(funnel("product_view", "add_to_cart", order="strict"), same) == [1, 1]


def test_unordered_counts_steps_done_in_any_order() -> None:
    # purchase before view: ordered reaches 1 (the view), unordered completes 2 steps.
    log = [ev("c", "purchase", 0), ev("c", "product_view", 10)]
    assert counts(funnel("product_view", "purchase"), log) == [1, 0]
    assert counts(funnel("product_view", "purchase", order="unordered"), log) == [1, 1]


def test_exclusion_between_steps_removes_the_customer() -> None:
    # refund between cart (step 2) and purchase (step 4) removes c1 entirely;
    # c2's refund comes after the purchase, outside [2, 4]: c2 stays.
    f = funnel(
        "product_view",
        "add_to_cart",
        "checkout_start",
        "purchase",
        exclusions=(Exclusion(EventFilter("refund"), 2, 4),),
    )
    steps = ["product_view", "add_to_cart", "checkout_start", "purchase"]
    # c1: steps at 0, 10, 20, 30 and a refund at 15 (after the cart at 10, before 30).
    c1 = [ev("c1", name, t * 10) for t, name in enumerate(steps)] + [ev("c1", "refund", 15)]
    c2 = [ev("c2", name, t * 10) for t, name in enumerate(steps)] + [ev("c2", "refund", 100)]
    assert counts(f, [*c1, *c2]) == [1, 1, 1, 1]


def test_step_filters() -> None:
    # Only purchases with amount > 0 fill step 2.
    f = Funnel(
        "f",
        "f",
        (
            FunnelStep(EventFilter("add_to_cart"), "cart"),
            FunnelStep(EventFilter("purchase", (PropertyFilter("amount", "gt", 0),)), "paid"),
        ),
        Duration(D),
    )
    log = [
        ev("a", "add_to_cart", 0),
        ev("a", "purchase", 5, amount=0),
        ev("b", "add_to_cart", 0),
        ev("b", "purchase", 5, amount="1200"),
    ]
    assert counts(f, log) == [2, 1]


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
