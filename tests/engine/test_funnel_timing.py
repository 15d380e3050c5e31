"""Conversion over time and the time to each step (engine/funnel_timing.py): worked cases
computed by hand, then hypothesis against the reference (tests/engine/funnel_reference.py)
on logs whose times cross the histogram bounds, the periods and the window's end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cjo_cli.engine.funnel_result import (
    HISTOGRAM_BOUNDS,
    INTERVALS,
    FunnelOptions,
    FunnelResult,
    TimeToStep,
)
from cjo_cli.engine.funnel_timing import log_end
from cjo_cli.engine.funnels import run_funnel, run_funnels
from cjo_cli.model import Duration, EventFilter, Exclusion, Funnel, FunnelStep, PropertyFilter
from cjo_cli.model.clock import SECOND, to_us
from tests.conftest import examples
from tests.engine.funnel_helpers import EPOCH, D, H, ev, funnel, load
from tests.engine.funnel_reference import (
    BIN_BOUNDS,
    LogEvent,
    Times,
    funnel_trend,
    time_to_steps,
)


def run(f: Funnel, log: Sequence[LogEvent], **options: object) -> FunnelResult:
    return run_funnel(load(log), f, FunnelOptions(**options))  # type: ignore[arg-type]


def trend(result: FunnelResult) -> list[tuple[str, int, int, int]]:
    return [(p.period, p.entered, p.converted, p.open) for p in result.total.trend]


def at(seconds: int) -> int:
    return to_us(EPOCH + dt.timedelta(seconds=seconds))


def previous(result: FunnelResult, step: int) -> TimeToStep:
    found = result.total.steps[step - 1].time_from_previous
    assert found is not None
    return found


# ---- worked cases ---------------------------------------------------------------------


def test_the_engine_and_the_reference_name_the_same_bins() -> None:
    assert HISTOGRAM_BOUNDS == BIN_BOUNDS


def test_histogram_bounds_are_inclusive() -> None:
    # Times to the cart: 60 s (≤1m), 61 s (≤5m), exactly 30 days (≤30d), 30 days + 1 s
    # (the open bin).
    f = funnel("view", "cart", window=40 * D)
    log = []
    for customer, gap in (("a", 60), ("b", 61), ("c", 30 * D), ("d", 30 * D + 1)):
        log += [ev(customer, "view", 0), ev(customer, "cart", gap)]
    assert previous(run(f, log), 2).histogram == (1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1)


def test_percentiles_are_nearest_rank() -> None:
    # Times to the cart 10, 20, 30, 40 s: p25 is the 1st (ceil(4 * 0.25) = 1), p50 the
    # 2nd (20 s, where the median averages to 25 s), p75 the 3rd, p90 the 4th
    # (ceil(3.6) = 4).
    f = funnel("view", "cart")
    log = []
    for customer, gap in (("a", 40), ("b", 10), ("c", 30), ("d", 20)):
        log += [ev(customer, "view", 0), ev(customer, "cart", gap)]
    result = run(f, log)
    assert previous(result, 2).percentiles == (10.0, 20.0, 30.0, 40.0)
    assert result.total.steps[1].median_seconds == 25.0


def test_from_start_and_from_previous() -> None:
    # view 0, cart 100, buy 250 (and one customer who stops at the cart): the buy is
    # 150 s after the cart, 250 s after the view.
    f = funnel("view", "cart", "buy")
    log = [ev("a", "view", 0), ev("a", "cart", 100), ev("a", "buy", 250)]
    log += [ev("b", "view", 0), ev("b", "cart", 2 * H)]
    steps = run(f, log).total.steps
    assert steps[0].time_from_previous is None and steps[0].time_from_start is None
    cart, buy = steps[1], steps[2]
    assert cart.time_from_previous == cart.time_from_start
    assert cart.time_from_previous == TimeToStep(
        (100.0, 100.0, 2.0 * H, 2.0 * H), (0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0)
    )
    assert buy.time_from_previous is not None and buy.time_from_start is not None
    assert buy.time_from_previous.percentiles == (150.0,) * 4
    assert buy.time_from_start.percentiles == (250.0,) * 4
    assert sum(buy.time_from_start.histogram) == buy.customers == 1


def test_a_step_nobody_reached_has_an_empty_histogram() -> None:
    steps = run(funnel("view", "cart"), [ev("a", "view", 0)]).total.steps
    assert steps[1].time_from_previous == TimeToStep(None, (0,) * 11)
    nobody = run(funnel("view", "cart"), [])
    assert nobody.total.steps[1].time_from_start == TimeToStep(None, (0,) * 11)
    assert nobody.total.trend == () and nobody.log_end_us is None


def test_open_is_a_window_reaching_past_the_log_end() -> None:
    # Window 1 day; the log ends at 10 days (z's page view, not a funnel event).
    # a starts at 9 d: its window closes exactly at the end, fully seen -> a drop-off.
    # b starts 1 s later: its window reaches past the end -> open.
    # c starts later still but converted -> not open.
    f = funnel("view", "cart", window=D)
    log = [
        ev("a", "view", 9 * D),
        ev("b", "view", 9 * D + 1),
        ev("c", "view", 9 * D + 2),
        ev("c", "cart", 9 * D + 3),
        ev("z", "page_view", 10 * D),
    ]
    result = run(f, log)
    assert result.log_end_us == at(10 * D)
    assert trend(result) == [("2026-03-09", 3, 1, 1)]


def test_periods() -> None:
    # EPOCH (2026-03-01) is a Sunday: its week started on Monday 2026-02-23; the next
    # day starts a new week. Day 31 is April 1st. Periods in which nobody started are
    # listed with zeros.
    f = funnel("view", "cart")
    log = [ev("a", "view", 0), ev("b", "view", D), ev("c", "view", 31 * D)]
    log += [ev("b", "cart", D + 5)]
    assert trend(run(f, log, interval="week")) == [
        ("2026-02-23", 1, 0, 0),
        ("2026-03-02", 1, 1, 0),
        ("2026-03-09", 0, 0, 0),
        ("2026-03-16", 0, 0, 0),
        ("2026-03-23", 0, 0, 0),
        ("2026-03-30", 1, 0, 1),
    ]
    days = trend(run(f, log, interval="day"))
    assert [p[0] for p in days[:3]] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert len(days) == 32 and days[-1] == ("2026-04-01", 1, 0, 1)
    assert trend(run(f, log, interval="month")) == [
        ("2026-03-01", 2, 1, 0),
        ("2026-04-01", 1, 0, 1),
    ]
    with pytest.raises(ValueError, match="interval"):
        run(f, log, interval="year")


def test_the_trend_counts_the_step_1_time_of_the_counted_attempt() -> None:
    # Window 1 day: the view at 0 expires; the counted attempt starts at 3 days.
    f = funnel("view", "cart", window=D)
    log = [ev("c", "view", 0), ev("c", "view", 3 * D), ev("c", "cart", 3 * D + H)]
    assert trend(run(f, log, interval="day")) == [("2026-03-04", 1, 1, 0)]


def test_log_end_is_the_last_event_in_the_slice() -> None:
    con = load([ev("a", "view", 0), ev("a", "other", 5 * D), ev("b", "other", 9 * D)])
    assert log_end(con, FunnelOptions(), None) == at(9 * D)
    assert log_end(con, FunnelOptions(), at(0)) == at(9 * D)
    # A floor past every event: nothing later, the floor is the end.
    assert log_end(con, FunnelOptions(), at(20 * D)) == at(20 * D)
    assert log_end(con, FunnelOptions(until_us=at(9 * D)), at(0)) == at(5 * D)
    assert log_end(con, FunnelOptions(since_us=at(10 * D)), None) is None


def test_every_funnel_of_a_run_measures_open_against_the_same_end() -> None:
    # The first funnel's events stop at 1 day; the log (and the second funnel) goes on.
    log = [ev("a", "view", 0), ev("a", "buy", D), ev("b", "cart", 9 * D)]
    first, second = run_funnels(load(log), [funnel("view", "buy"), funnel("cart", "buy")])
    assert first.log_end_us == second.log_end_us == at(9 * D)


def test_breakdown_groups_have_their_own_trend() -> None:
    f = funnel("view", "cart")
    log = [
        ev("a", "view", 0, channel="web"),
        ev("a", "cart", 5),
        ev("b", "view", 8 * D, channel="app"),
        ev("c", "view", 8 * D, channel="web"),
    ]
    result = run(f, log, breakdown="channel")
    by_label = {
        g.label: [(p.period, p.entered, p.converted, p.open) for p in g.trend]
        for g in result.groups
    }
    assert by_label == {
        "app": [("2026-03-09", 1, 0, 1)],
        "web": [("2026-02-23", 1, 1, 0), ("2026-03-02", 0, 0, 0), ("2026-03-09", 1, 0, 1)],
    }
    web = next(g for g in result.groups if g.label == "web")
    assert web.steps[1].time_from_previous == TimeToStep((5.0,) * 4, (1,) + (0,) * 10)


# ---- the engine equals the reference ------------------------------------------------

CUSTOMERS = ["a", "b", "c", "d"]
NAMES = ["view", "cart", "buy", "other"]
# Visits: a customer's events from a start, each some gap after the one before. Starts
# cross days and weeks (EPOCH is a Sunday) and months (day 31 is April 1st); gaps cross
# the histogram bounds (60 s, 30 days) and the windows.
STARTS = [0, D - 1, D, 3 * D, 8 * D, 30 * D, 31 * D]
GAPS = [0, 1, 60, 61, 300, H, 6 * H, D, 3 * D + 1, 7 * D, 30 * D, 30 * D + 1]
WINDOWS = [0, 60, H, D, 7 * D, 30 * D, 45 * D]


@st.composite
def timed_logs(draw: st.DrawFn) -> list[LogEvent]:
    log = []
    for customer in draw(st.lists(st.sampled_from(CUSTOMERS), min_size=1, max_size=3)):
        t = draw(st.sampled_from(STARTS))
        # Often the steps in some order (so that attempts go far), else any names.
        names = draw(
            st.one_of(
                st.just(NAMES[:3]),
                st.permutations(NAMES[:3]),
                st.lists(st.sampled_from(NAMES), min_size=1, max_size=4),
            )
        )
        for name in names[: draw(st.integers(1, 4))]:
            t += draw(st.sampled_from(GAPS))
            log.append(ev(customer, name, t, tier=draw(st.sampled_from([1, 2]))))
    return list(draw(st.permutations(log)))


@st.composite
def timed_funnels(draw: st.DrawFn, distinct: bool = False) -> Funnel:
    """Mostly the visits' steps in order (so that customers convert), sometimes repeated
    steps, any order, a step filter, an exclusion."""
    if distinct or draw(st.booleans()):
        order = draw(st.one_of(st.just(NAMES[:3]), st.permutations(NAMES[:3])))
        names = list(order)[: draw(st.integers(2, 3))]
    else:
        names = draw(st.lists(st.sampled_from(NAMES[:3]), min_size=1, max_size=3))
    steps = [FunnelStep(EventFilter(name), f"s{index}") for index, name in enumerate(names)]
    if draw(st.integers(0, 4)) == 0:
        index = draw(st.integers(0, len(steps) - 1))
        where = (PropertyFilter("tier", "eq", 1),)
        steps[index] = FunnelStep(EventFilter(names[index], where), f"s{index}")
    exclusions: tuple[Exclusion, ...] = ()
    if len(steps) >= 2 and draw(st.integers(0, 3)) == 0:
        exclusions = (Exclusion(EventFilter(draw(st.sampled_from(NAMES))), 1, len(steps)),)
    kind = "ordered" if distinct else draw(st.sampled_from(["ordered", "strict", "unordered"]))
    window = Duration(draw(st.sampled_from(WINDOWS)))
    return Funnel("f", "f", tuple(steps), window, kind, exclusions)  # type: ignore[arg-type]


def seconds(times: Times) -> TimeToStep:
    percentiles = None
    if times.percentiles is not None:
        percentiles = tuple(float(p) for p in times.percentiles)
    return TimeToStep(percentiles, times.histogram)


def assert_adds_up(result: FunnelResult) -> None:
    for group in (result.total, *result.groups):
        steps = group.steps
        assert sum(p.entered for p in group.trend) == steps[0].customers
        assert sum(p.converted for p in group.trend) == steps[-1].customers
        assert all(0 <= p.open <= p.entered - p.converted for p in group.trend)
        assert [p.period for p in group.trend] == sorted({p.period for p in group.trend})
        assert not group.trend or (group.trend[0].entered and group.trend[-1].entered)
        for step in steps[1:]:
            for times in (step.time_from_previous, step.time_from_start):
                assert times is not None and sum(times.histogram) == step.customers


def assert_same(f: Funnel, log: list[LogEvent], interval: str) -> FunnelResult:
    result = run(f, log, interval=interval)
    assert trend(result) == funnel_trend(f, log, interval, EPOCH)
    for step, expected in zip(result.total.steps, time_to_steps(f, log), strict=True):
        if expected is None:
            assert (step.time_from_previous, step.time_from_start) == (None, None)
        else:
            assert step.time_from_previous == seconds(expected[0])
            assert step.time_from_start == seconds(expected[1])
    assert_adds_up(result)
    return result


@settings(max_examples=examples(75), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timed_logs(), timed_funnels(), st.sampled_from(INTERVALS))
def test_engine_equals_reference(log: list[LogEvent], f: Funnel, interval: str) -> None:
    assert_same(f, log, interval)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timed_logs(), timed_funnels(distinct=True), st.sampled_from(INTERVALS))
def test_sql_path_equals_reference(log: list[LogEvent], f: Funnel, interval: str) -> None:
    assert assert_same(f, log, interval).engine == "sql"


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timed_logs(), timed_funnels(), st.sampled_from(["tier", "tier:last_touch", "persona"]))
def test_groups_add_up_and_partition_the_total(log: list[LogEvent], f: Funnel, by: str) -> None:
    result = run(f, log, breakdown=by)
    assert_adds_up(result)
    if by != "persona":  # property groups partition the customers; personas may overlap
        periods: dict[str, list[int]] = {}
        for group in result.groups:
            for p in group.trend:
                counts = periods.setdefault(p.period, [0, 0, 0])
                for index, value in enumerate((p.entered, p.converted, p.open)):
                    counts[index] += value
        entered = sorted((k, *v) for k, v in periods.items() if v[0])
        assert entered == [point for point in trend(result) if point[1]]


def test_percentiles_are_whole_microseconds_in_seconds() -> None:
    # A time of 1.5 s (sub-second times are kept): divided once, exactly.
    con = load([])
    con.execute(
        "INSERT INTO events VALUES ('a', 'view', make_timestamptz(?), '{}', 'log', 0), "
        "('a', 'cart', make_timestamptz(?), '{}', 'log', 1)",
        [at(0), at(0) + 3 * SECOND // 2],
    )
    step = run_funnel(con, funnel("view", "cart")).total.steps[1]
    assert step.time_from_previous == TimeToStep((1.5,) * 4, (1,) + (0,) * 10)
