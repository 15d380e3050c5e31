"""Funnels on Spark equal funnels on DuckDB: the sample workspace's funnels with every
breakdown and a time slice, and hypothesis on random logs with all three orders,
windows, step filters, repeated steps, exclusions and property breakdowns."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cjo_cli.engine.funnel_result import FunnelOptions, FunnelResult
from cjo_cli.engine.funnels import run_funnel
from cjo_cli.events.customers import load_customers, read_traits
from cjo_cli.events.formats import with_formats
from cjo_cli.events.load import load_events
from cjo_cli.events.tables import connect
from cjo_cli.model import Funnel
from cjo_cli.model.clock import parse_instant
from cjo_cli.spark.funnels import run_funnel as spark_funnel
from cjo_cli.spark.funnels import run_funnels as spark_funnels
from cjo_cli.spark.read import read_events
from cjo_cli.spec.workspace import validate_paths
from tests.conftest import REPO
from tests.engine.funnel_helpers import load
from tests.engine.funnel_reference import LogEvent
from tests.engine.test_funnels import funnels, logs
from tests.spark.conftest import spark_log

LOG = REPO / "samples" / "events.jsonl"
CUSTOMERS = REPO / "samples" / "customers.csv"


def same(spark_result: FunnelResult, duck: FunnelResult) -> None:
    assert spark_result.total == duck.total
    assert spark_result.breakdown_by == duck.breakdown_by
    assert spark_result.groups == duck.groups


@pytest.fixture(scope="module")
def sample(spark: Any) -> tuple[Any, Any, Any, dict[str, Any]]:
    ws = validate_paths([REPO / "journeys"], keep_model=True).workspace
    con = connect()
    load_events(con, with_formats([LOG]))
    load_customers(con, CUSTOMERS)
    traits, _ = read_traits(CUSTOMERS)
    return ws, con, read_events(spark, with_formats([Path(LOG)])), traits


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"breakdown": "persona"},
        {"breakdown": "category:last_touch"},
        {
            "since_us": parse_instant("2026-08-20T00:00:00+00:00"),
            "until_us": parse_instant("2026-09-30T12:00:00+00:00"),
        },
    ],
    ids=["own-breakdowns", "persona", "property-last-touch", "since-until"],
)
def test_sample_funnels(sample: Any, options: dict[str, Any]) -> None:
    ws, con, log, traits = sample
    chosen = FunnelOptions(personas=dict(ws.personas), **options)
    funnels = [
        replace(f, breakdown=None) if f.breakdown is not None and f.breakdown.by == "variant" else f
        for f in ws.funnels.values()
    ]
    # All at once, in one pass over the log, as `cjo report --engine spark` runs them.
    for found, funnel in zip(spark_funnels(log, funnels, chosen, traits), funnels, strict=True):
        same(found, run_funnel(con, funnel, chosen))


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    log=logs,
    funnel=funnels(),
    breakdown=st.sampled_from([None, "tier", "tier:last_touch"]),
)
def test_random_logs(
    spark: Any, log: list[LogEvent], funnel: Funnel, breakdown: str | None
) -> None:
    options = FunnelOptions(breakdown=breakdown)
    con = load(log)
    same(spark_funnel(spark_log(spark, con), funnel, options), run_funnel(con, funnel, options))
