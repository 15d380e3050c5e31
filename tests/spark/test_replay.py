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


def _blocks() -> list[tuple[str, list[str], list[dict[str, Any]], dict[str, dict[str, Any]]]]:
    """(name, documents, log, traits): the building blocks' hand-worked scenarios."""
    from tests.engine import (
        test_replay_audience,
        test_replay_customer_tz,
        test_replay_eligibility,
        test_replay_rate_limit,
        test_replay_revenue,
        test_replay_set_attribute,
    )
    from tests.engine.replay_helpers import event, policy

    zones = {"la": {"timezone": "America/Los_Angeles"}, "bad": {"timezone": "PST"}}
    eligibility = [
        event("keen", "asked", "2026-06-01T10:00:00Z"),
        event("gone", "unsubscribe", "2026-06-01T09:00:00Z"),
        event("gone", "asked", "2026-06-01T10:00:00Z"),
    ]
    plain_cart = test_replay_rate_limit.CART.replace("limits: {rate: {max: 2, per: 1h}}\n", "")
    return [
        ("audience", [test_replay_audience.winback("always")], test_replay_audience.LOG, {}),
        (
            "audience with the customers file",
            [test_replay_audience.winback()],
            test_replay_audience.LOG,
            {"x": {}, "a": {"vip": True}},
        ),
        (
            "set attribute",
            [test_replay_set_attribute.WELCOME, test_replay_set_attribute.UPSELL],
            test_replay_set_attribute.LOG,
            {},
        ),
        (
            "tz: customer",
            [test_replay_customer_tz.CART, policy(default_tz="Asia/Tokyo")],
            test_replay_customer_tz.LOG,
            zones,
        ),
        (
            "requires",
            [test_replay_eligibility.OPTED, test_replay_eligibility.ASK],
            eligibility,
            {},
        ),
        (
            "revenue, several goals",
            [test_replay_revenue.SEVERAL],
            [
                event("a", "cart", "2026-06-01T10:00:00Z"),
                event("a", "subscribe", "2026-06-01T11:00:00Z", plan="paid", amount=30),
                event("b", "cart", "2026-06-01T10:00:00Z"),
                event("b", "buy", "2026-06-01T11:00:00Z", amount=500),
            ],
            {},
        ),
        ("goal after exit", [plain_cart], test_replay_rate_limit.LOG, {}),
    ]


def test_journey_building_blocks(spark: Any, tmp_path: Path) -> None:
    for number, (name, documents, rows, traits) in enumerate(_blocks()):
        folder = tmp_path / str(number)
        folder.mkdir()
        ws = load_workspace(folder, *documents)
        con = log_connection(folder, rows)
        if traits:
            people = folder / "customers.jsonl"
            people.write_text(
                "".join(json.dumps({"customer_id": c, **t}) + "\n" for c, t in traits.items()),
                encoding="utf-8",
            )
            load_customers(con, people)
        expected, expected_totals = duck_replays(con, ws)
        found = spark_simulate(
            spark_log(spark, con), ws, list(ws.journeys), traits, keep_replays=True
        )
        assert found.replays == expected, name
        totals = json.dumps(to_json_data(found.totals, {}, {}, []), sort_keys=True)
        assert totals == expected_totals, name
