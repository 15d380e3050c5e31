"""The Spark SQL path for ordered funnels of distinct plain steps: which funnels take
it, that `run_funnels` does take it (and only then), and that it counts what DuckDB
counts on random logs (ties, window edges, time slices), alone and beside funnels
of the Python path in the same run."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cjo_cli.spark.funnels as spark_funnels_module
from cjo_cli.engine.funnel_result import FunnelOptions
from cjo_cli.engine.funnels import run_funnel
from cjo_cli.model import (
    Breakdown,
    EventFilter,
    Exclusion,
    Funnel,
    FunnelStep,
    Persona,
    PropertyFilter,
)
from cjo_cli.model.clock import SECOND
from cjo_cli.model.conditions import EventCondition
from cjo_cli.spark.funnel_sql import qualifies
from cjo_cli.spark.funnels import run_funnels
from tests.engine.funnel_helpers import EPOCH, ev, funnel, load
from tests.engine.funnel_reference import LogEvent
from tests.spark.conftest import spark_log

NAMES = ["view", "cart", "buy", "pay", "other"]
CUSTOMERS = ["a", "b", "c"]


@dataclass(frozen=True)
class OddStep(FunnelStep):
    """A step kind the SQL path does not know (as a future model's might be)."""


def test_which_funnels_qualify() -> None:
    plain = funnel("view", "cart", "buy", "pay")
    assert qualifies(plain, None, None)
    assert qualifies(funnel("view"), None, None)
    assert qualifies(plain, Persona("p", "p"), None)  # a persona without a segment
    cart = EventFilter("cart")
    rejected = [
        replace(plain, order="strict"),
        replace(plain, order="unordered"),
        funnel("view", "cart", "view"),
        replace(
            plain, steps=(FunnelStep(EventFilter("view", (PropertyFilter("x", "eq", 1),)), "v"),)
        ),
        replace(plain, steps=(FunnelStep(cart, "c", any_of=(cart, EventFilter("buy"))),)),
        replace(plain, steps=(OddStep(cart, "c"),)),
        replace(plain, exclusions=(Exclusion(EventFilter("other"), 1, 4),)),
        replace(plain, steps=()),
    ]
    for odd in rejected:
        assert not qualifies(odd, None, None), odd
    assert not qualifies(plain, None, "/channel")
    assert not qualifies(plain, Persona("p", "p", EventCondition("view")), None)


def test_the_sql_path_is_taken_only_for_funnels_that_qualify(
    spark: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    used: list[str] = []
    python_path, sql_path = spark_funnels_module.attempts, spark_funnels_module.attempts_sql

    def python(*args: Any) -> Any:
        used.append("python")
        return python_path(*args)

    def sql(*args: Any, **kwargs: Any) -> Any:
        used.append("sql")
        return sql_path(*args, **kwargs)

    monkeypatch.setattr(spark_funnels_module, "attempts", python)
    monkeypatch.setattr(spark_funnels_module, "attempts_sql", sql)
    log = [ev("a", "view", 0), ev("a", "cart", 5), ev("b", "view", 1), ev("b", "view", 2)]
    con = load(log)
    plain = funnel("view", "cart")
    found = run_funnels(spark_log(spark, con), [plain], FunnelOptions())
    assert used == ["sql"]
    assert found[0].total == run_funnel(con, plain, FunnelOptions()).total
    used.clear()
    repeated = funnel("view", "view")
    run_funnels(spark_log(spark, con), [repeated], FunnelOptions())
    assert used == ["python"]
    used.clear()
    run_funnels(spark_log(spark, con), [plain], FunnelOptions(breakdown="tier"))
    assert used == ["python"]


@st.composite
def plain_funnels(draw: st.DrawFn) -> Funnel:
    names = draw(st.permutations(NAMES[:4]).map(lambda p: p[: draw(st.integers(1, 4))]))
    return funnel(*names, window=draw(st.integers(0, 6)))


events = st.builds(
    ev, st.sampled_from(CUSTOMERS), st.sampled_from(NAMES), st.integers(0, 9), tier=st.just(1)
)
slices = st.sampled_from([{}, {"since_us": 2_000_000, "until_us": 8_000_000}])


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    log=st.lists(events, max_size=30),
    chosen=st.lists(plain_funnels(), min_size=1, max_size=5),
    window_slice=slices,
)
def test_random_logs_equal_duckdb(
    spark: Any, log: list[LogEvent], chosen: list[Funnel], window_slice: dict[str, int]
) -> None:
    con = load(log)
    # The slice is in µs after the epoch: shift it to the helpers' EPOCH.
    start = int(EPOCH.timestamp()) * SECOND
    options = FunnelOptions(**{key: start + value for key, value in window_slice.items()})
    # A funnel of the Python path rides along: both paths in one run, one union.
    mixed = [*chosen, funnel("view", "cart", "view", window=5)]
    found = run_funnels(spark_log(spark, con), mixed, options)
    for result, f in zip(found, mixed, strict=True):
        expected = run_funnel(con, f, options)
        assert (result.total, result.groups) == (expected.total, expected.groups), f


def test_breakdown_funnel_beside_a_plain_one(spark: Any) -> None:
    """A breakdown funnel goes the Python way; a plain one beside it the SQL way."""
    log = [ev("a", "view", 0, tier=1), ev("a", "cart", 3), ev("b", "view", 1, tier=2)]
    con = load(log)
    split = replace(funnel("view", "cart"), breakdown=Breakdown("property", "tier"))
    both = [split, funnel("view", "cart", window=1)]
    for result, f in zip(run_funnels(spark_log(spark, con), both), both, strict=True):
        expected = run_funnel(con, f, FunnelOptions())
        assert (result.total, result.groups) == (expected.total, expected.groups)


def test_nothing_stays_cached_after_the_funnels(spark: Any) -> None:
    """The SQL path caches its intermediate frames (each is read twice); a session that
    outlives the run (a notebook's, this suite's) must get its memory back."""
    log = [ev("a", "view", 0), ev("a", "cart", 2), ev("a", "buy", 3), ev("b", "view", 1)]
    con = load(log)
    held = spark.sparkContext._jsc.getPersistentRDDs()  # other tests' frames may be held
    before = held.size()
    chosen = [funnel("view", "cart", "buy", window=9), funnel("view", "cart", "view", window=5)]
    found = run_funnels(spark_log(spark, con), chosen, FunnelOptions())
    for result, f in zip(found, chosen, strict=True):
        assert result.total == run_funnel(con, f, FunnelOptions()).total
    assert spark.sparkContext._jsc.getPersistentRDDs().size() == before
