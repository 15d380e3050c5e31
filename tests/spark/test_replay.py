"""Replays on Spark equal replays on DuckDB, customer by customer: the sample workspace's
12 journeys on the sample log, and hypothesis on random logs through a workspace with
caps, quiet hours, holdout, ab, wait_for, re-entry and splits on properties and on
history (the replay property tests' workspace)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings

from cjo_cli.engine.replay_plan import build_plan
from cjo_cli.engine.replay_records import CustomerReplay
from cjo_cli.events.customers import load_customers, read_traits
from cjo_cli.events.formats import with_formats
from cjo_cli.events.load import load_events
from cjo_cli.events.tables import connect
from cjo_cli.output.simulate_report import to_json_data
from cjo_cli.spark.read import read_events
from cjo_cli.spark.replay import simulate as spark_simulate
from cjo_cli.spec.workspace import validate_paths
from tests.conftest import REPO
from tests.engine.replay_helpers import load_workspace, log_connection, replay_each
from tests.engine.test_replay_properties import CART, POLICY, WELCOME, _iso, logs
from tests.spark.conftest import spark_log


def duck_replays(con: Any, ws: Any) -> tuple[dict[str, CustomerReplay], str]:
    found, result = replay_each(con, build_plan(ws, list(ws.journeys.values())))
    return found, json.dumps(to_json_data(result.totals, {}, {}, []), sort_keys=True)


def test_sample_customer_by_customer(spark: Any) -> None:
    ws = validate_paths([REPO / "journeys"], keep_model=True).workspace
    log_path = REPO / "samples" / "events.jsonl"
    customers = REPO / "samples" / "customers.csv"
    con = connect()
    load_events(con, with_formats([log_path]))
    load_customers(con, customers)
    expected, expected_totals = duck_replays(con, ws)
    traits, _ = read_traits(customers)
    found = spark_simulate(
        read_events(spark, with_formats([Path(log_path)])),
        ws,
        list(ws.journeys),
        traits,
        keep_replays=True,
    )
    assert len(found.replays) == len(expected) == 2000
    assert found.replays == expected
    assert json.dumps(to_json_data(found.totals, {}, {}, []), sort_keys=True) == expected_totals


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=logs())
def test_random_logs(spark: Any, rows: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        ws = load_workspace(Path(folder), POLICY, CART, WELCOME)
        con = log_connection(Path(folder), _iso(rows))
    expected, expected_totals = duck_replays(con, ws)
    found = spark_simulate(spark_log(spark, con), ws, list(ws.journeys), {}, keep_replays=True)
    assert found.replays == expected
    assert json.dumps(to_json_data(found.totals, {}, {}, []), sort_keys=True) == expected_totals
