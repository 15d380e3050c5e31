"""The trend and the times to each step on Spark (spark/funnel_timing.py) equal DuckDB's:
random logs whose times cross the histogram bounds, the periods and the windows' ends,
every interval and property breakdowns; and the log's end within a time slice."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cjo_cli.engine.funnel_result import INTERVALS, FunnelOptions
from cjo_cli.engine.funnels import run_funnel
from cjo_cli.model import Funnel
from cjo_cli.spark.funnel_timing import log_end
from cjo_cli.spark.funnels import run_funnel as spark_funnel
from tests.engine.funnel_helpers import D, ev, funnel, load
from tests.engine.funnel_reference import LogEvent
from tests.engine.test_funnel_timing import at, timed_funnels, timed_logs
from tests.spark.conftest import spark_log


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    log=timed_logs(),
    funnel=timed_funnels(),
    interval=st.sampled_from(INTERVALS),
    breakdown=st.sampled_from([None, "tier", "tier:last_touch"]),
)
def test_random_logs(
    spark: Any, log: list[LogEvent], funnel: Funnel, interval: str, breakdown: str | None
) -> None:
    options = FunnelOptions(breakdown=breakdown, interval=interval)
    con = load(log)
    found = spark_funnel(spark_log(spark, con), funnel, options)
    expected = run_funnel(con, funnel, options)
    assert (found.total, found.groups) == (expected.total, expected.groups)
    assert (found.interval, found.log_end_us) == (expected.interval, expected.log_end_us)


def test_log_end_within_the_slice(spark: Any) -> None:
    con = load([ev("a", "view", 0), ev("a", "other", 5 * D), ev("b", "other", 9 * D)])
    events = spark_log(spark, con).events
    assert log_end(events, FunnelOptions()) == at(9 * D)
    assert log_end(events, FunnelOptions(until_us=at(9 * D))) == at(5 * D)
    assert log_end(events, FunnelOptions(since_us=at(10 * D))) is None


def test_an_unknown_interval_is_refused(spark: Any) -> None:
    con = load([ev("a", "view", 0)])
    with pytest.raises(ValueError, match="interval"):
        spark_funnel(spark_log(spark, con), funnel("view"), FunnelOptions(interval="year"))
