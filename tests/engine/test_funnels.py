"""The DuckDB funnel engine held to the reference semantics (tests/engine/funnel_reference.py):
the worked cases, then hypothesis on small logs with many equal timestamps, all three
orders, windows, step filters, repeated steps and exclusions, step by step."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cjo_cli.engine.funnel_result import FunnelOptions, FunnelResult
from cjo_cli.engine.funnels import run_funnel
from cjo_cli.model import Duration, EventFilter, Exclusion, Funnel, FunnelStep, PropertyFilter
from cjo_cli.model.clock import to_us
from tests.conftest import examples
from tests.engine import funnel_helpers as worked
from tests.engine.funnel_helpers import EPOCH, D, H, ev, funnel, load
from tests.engine.funnel_reference import (
    LogEvent,
    counted_attempt,
    funnel_counts,
)


def run(f: Funnel, log: Sequence[LogEvent], **options: object) -> FunnelResult:
    return run_funnel(load(log), f, FunnelOptions(**options))  # type: ignore[arg-type]


def counts(f: Funnel, log: Sequence[LogEvent]) -> list[int]:
    return [step.customers for step in run(f, log).total.steps]


def test_cart_examples() -> None:
    # lisa: view, cart, abandons -> step 2; kenji: all four within a day; mika buys
    # without a view -> never enters. Times to the cart: 60 s and 10 s.
    result = run(worked.CART, worked.CART_EXAMPLES)
    assert [s.customers for s in result.total.steps] == [2, 2, 1, 1]
    assert result.engine == "sql"
    cartstep = result.total.steps[1]
    assert (cartstep.median_seconds, cartstep.mean_seconds) == (35.0, 35.0)
    assert (cartstep.from_start, cartstep.from_previous) == (1.0, 1.0)
    assert result.total.steps[2].from_previous == 0.5
    assert result.total.steps[0].median_seconds is None


def test_equal_timestamps_fill_consecutive_steps_in_any_row_order() -> None:
    assert counts(worked.CART, worked.SAME_INSTANT) == [1, 1, 1, 1]


def test_repeated_step_one_event_is_not_two_steps() -> None:
    twice = funnel("product_view", "product_view")
    assert counts(twice, [ev("c", "product_view", 0)]) == [1, 0]
    assert counts(twice, [ev("c", "product_view", 0), ev("c", "product_view", 0)]) == [1, 1]
    assert run(twice, [ev("c", "product_view", 0)]).engine == "exact"


def test_second_attempt_is_the_better_one() -> None:
    # Window 1 day: view at 0 expires; view at 3 d + cart 1 h later reaches step 2,
    # and the time to the cart is that attempt's hour, not 3 days.
    result = run(funnel("product_view", "add_to_cart", window=D), worked.TWO_ATTEMPTS)
    assert [s.customers for s in result.total.steps] == [1, 1]
    assert result.total.steps[1].median_seconds == H


def test_window_boundary_is_inclusive() -> None:
    f = funnel("product_view", "add_to_cart", window=D)
    assert counts(f, [ev("c", "product_view", 0), ev("c", "add_to_cart", D)]) == [1, 1]
    assert counts(f, [ev("c", "product_view", 0), ev("c", "add_to_cart", D + 1)]) == [1, 0]


def test_strict_breaks_on_an_interleaved_event() -> None:
    strict = funnel("product_view", "add_to_cart", order="strict")
    assert counts(strict, worked.INTERLEAVED) == [1, 0]
    assert counts(strict, worked.SIMULTANEOUS) == [1, 1]


def test_strict_takes_the_later_of_two_simultaneous_choices() -> None:
    # A@0, B@0, B@1, C@2: A,B@0 would need C at the next instant (1): none. A@0, B@1,
    # C@2 has nothing between its events: strict reaches all three.
    log = [ev("c", "a", 0), ev("c", "b", 0), ev("c", "b", 1), ev("c", "c", 2)]
    assert counts(funnel("a", "b", "c", order="strict"), log) == [1, 1, 1]


def test_unordered() -> None:
    unordered = funnel("product_view", "purchase", order="unordered")
    assert counts(funnel("product_view", "purchase"), worked.PURCHASE_FIRST) == [1, 0]
    assert counts(unordered, worked.PURCHASE_FIRST) == [1, 1]


def test_exclusion_removes_the_customer() -> None:
    # c1's refund at 15 lies between its cart (10) and purchase (30): removed;
    # c2's refund at 100 comes after its purchase: stays.
    result = run(worked.NO_REFUND, worked.REFUNDS)
    assert [s.customers for s in result.total.steps] == [1, 1, 1, 1]
    assert result.total.excluded == 1


def test_step_filter_on_amount() -> None:
    assert counts(worked.PAID, worked.PAID_LOG) == [2, 1]


def test_since_until_slice_the_log() -> None:
    f = funnel("product_view", "add_to_cart")
    log = [ev("c", "product_view", 0), ev("c", "add_to_cart", 2 * D)]
    later = to_us(EPOCH + dt.timedelta(days=1))
    assert [s.customers for s in run(f, log, since_us=later).total.steps] == [0, 0]
    assert [s.customers for s in run(f, log, until_us=later).total.steps] == [1, 0]


def test_breakdown_first_and_last_touch() -> None:
    # a: view on web, cart on app; b: view on app only. First touch: web 1 (reached 2),
    # app 1. Last touch: a's last step is the cart on app -> app has both customers.
    f = funnel("product_view", "add_to_cart")
    log = [
        ev("a", "product_view", 0, channel="web"),
        ev("a", "add_to_cart", 5, channel="app"),
        ev("b", "product_view", 0, channel="app"),
    ]
    first = run(f, log, breakdown="channel")
    assert {g.label: [s.customers for s in g.steps] for g in first.groups} == {
        "web": [1, 1],
        "app": [1, 0],
    }
    last = run(f, log, breakdown="channel:last_touch")
    assert {g.label: [s.customers for s in g.steps] for g in last.groups} == {"app": [2, 1]}


def test_any_steps_on_both_paths() -> None:
    # Step alternatives that no other step names keep the SQL path.
    result = run(worked.BROWSE_THEN_CART, worked.BROWSE_LOG)
    assert (result.engine, [s.customers for s in result.total.steps]) == ("sql", [2, 1])
    assert result.total.steps[0].event == "view | search"
    # A cart in step 1's alternatives and in step 2: the exact path, one event one step.
    result = run(worked.VIEW_OR_CART_THEN_CART, worked.ONE_CART_LOG)
    assert (result.engine, [s.customers for s in result.total.steps]) == ("exact", [3, 2])


def test_exclusions_prefer_a_clean_attempt_as_posthog() -> None:
    # PostHog's tie cases (funnel_helpers.POSTHOG_TIES), on the SQL path.
    result = run(worked.POSTHOG_TIES, worked.POSTHOG_TIES_LOG)
    assert result.engine == "sql"
    assert [s.customers for s in result.total.steps] == [2, 0]
    assert result.total.excluded == 1
    # And on the exact path (a strict funnel), the later clean attempt with its times.
    for order in ("ordered", "strict"):
        f = replace(worked.CLEAN_LATER, order=order)  # type: ignore[arg-type]
        steps = run(f, worked.CLEAN_LATER_LOG).total.steps
        expected = [(1, None), (1, 3.0), (1, 1.0)] if order == "ordered" else [(0, None)] * 3
        assert [(s.customers, s.median_seconds) for s in steps] == expected


# ---- the engine equals the reference -----------------------------------------------

NAMES = ["view", "cart", "buy", "other"]
CUSTOMERS = ["a", "b", "c", "d"]
events = st.builds(
    ev,
    st.sampled_from(CUSTOMERS),
    st.sampled_from(NAMES),
    st.integers(0, 8),
    tier=st.sampled_from([1, 2]),
)
logs = st.lists(events, max_size=14)


@st.composite
def funnels(draw: st.DrawFn, distinct: bool = False) -> Funnel:
    if distinct:
        names = draw(st.permutations(NAMES[:3]).map(lambda p: p[: draw(st.integers(2, 3))]))
    else:
        names = draw(st.lists(st.sampled_from(NAMES[:3]), min_size=1, max_size=4))
    steps = []
    other_used = False
    for index, name in enumerate(names):
        where = ()
        if draw(st.integers(0, 4)) == 0:
            where = (PropertyFilter("tier", "eq", draw(st.sampled_from([1, 2]))),)
        spec = EventFilter(name, where)
        if draw(st.integers(0, 3)):
            steps.append(FunnelStep(spec, f"s{index}"))
            continue
        # An `any` step. On the SQL path no event name may be in two steps: the extra
        # alternative is the step's own event with a `where`, or `other` once.
        extra_name = draw(st.sampled_from([name, *(() if other_used else NAMES[3:])]))
        if not distinct:
            extra_name = draw(st.sampled_from(NAMES))
        other_used = other_used or extra_name == NAMES[3]
        extra = EventFilter(
            extra_name, (PropertyFilter("tier", "eq", 2),) if draw(st.booleans()) else ()
        )
        steps.append(FunnelStep(spec, f"s{index}", any_of=(spec, extra)))
    exclusions: tuple[Exclusion, ...] = ()
    if len(steps) >= 2 and draw(st.booleans()):
        first = draw(st.integers(1, len(steps) - 1))
        last = draw(st.integers(first + 1, len(steps)))
        exclusions = (Exclusion(EventFilter(draw(st.sampled_from(NAMES))), first, last),)
    order = "ordered" if distinct else draw(st.sampled_from(["ordered", "strict", "unordered"]))
    window = draw(st.integers(0, 6))
    return Funnel("f", "f", tuple(steps), Duration(window), order, exclusions)  # type: ignore[arg-type]


def assert_same(f: Funnel, log: list[LogEvent]) -> None:
    expected = funnel_counts(f, log)
    got = run(f, log).total.steps
    assert [s.customers for s in got] == [s.customers for s in expected]
    for mine, theirs in zip(got, expected, strict=True):
        assert mine.median_seconds == pytest.approx(theirs.median_seconds)
        assert mine.mean_seconds == pytest.approx(theirs.mean_seconds)


@settings(max_examples=examples(75), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs, funnels())
def test_engine_equals_reference(log: list[LogEvent], f: Funnel) -> None:
    assert_same(f, log)


@settings(max_examples=examples(50), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs, funnels(distinct=True))
def test_sql_path_equals_reference(log: list[LogEvent], f: Funnel) -> None:
    assert run(f, log).engine == "sql"
    assert_same(f, log)


@settings(max_examples=examples(30), deadline=None)
@given(logs, funnels(), st.randoms())
def test_engine_invariants(log: list[LogEvent], f: Funnel, rnd: random.Random) -> None:
    base = counts(f, log)
    assert base == sorted(base, reverse=True)
    shuffled = list(log)
    rnd.shuffle(shuffled)
    assert counts(f, shuffled) == base
    renamed = [LogEvent("x" + e.customer_id, e.event, e.ts, e.properties) for e in log]
    assert counts(f, renamed) == base
    if not f.exclusions:
        wider = Funnel("f", "f", f.steps, Duration(f.window.seconds + 3), f.order)
        assert all(w >= b for w, b in zip(counts(wider, log), base, strict=True))


def test_counted_attempt_times_match_the_reference() -> None:
    # A case where the earliest start does not reach the best level: its times must
    # come from the later attempt (the reference's counted attempt).
    f = funnel("view", "cart", "buy", window=10)
    attempt = counted_attempt(f, worked.LATE_BEST_ATTEMPT)
    assert [e.ts for e in attempt] == [9, 12, 15]
    steps = run(f, worked.LATE_BEST_ATTEMPT).total.steps
    assert [s.median_seconds for s in steps] == [None, 3.0, 3.0]
