"""DuckDB's part of a replay (`engine.replay_feed`): the reduced log, one customer at a
time in (ts, file, row) order, with bits, names and only the properties the plan
reads; and the customers' traits.

The journey's filters: bit 1 `cart` with ok = true (its entry), bit 2 `unsubscribe`
(exit_on); a split reads the cart's `value`, so cart rows carry their properties.
Each cart has a property `n` to tell the rows apart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from cjo_cli.engine import replay_feed
from cjo_cli.engine.replay_feed import customer_rows, load_traits
from cjo_cli.engine.replay_plan import Plan, build_plan
from cjo_cli.engine.replay_rows import CustomerRows
from cjo_cli.events.load import load_events
from cjo_cli.events.tables import CREATE_CUSTOMERS, connect
from cjo_cli.model.clock import parse_instant
from tests.engine.replay_helpers import event, journey, load_workspace, write_log

READS_VALUE = journey(
    "j",
    entry="{event: cart, where: {ok: true}}",
    exit_on="[{event: unsubscribe}]",
    steps="""
        split:
          split:
            - {if: {property: value, op: gte, value: 10}, next: done}
            - {else: done}
    """,
)

# The split counts unsubscribe events instead: the exit_on filter, so the same bits.
READS_NOTHING = READS_VALUE.replace("{property: value, op: gte, value: 10}", "{event: unsubscribe}")

READS_TRAITS = journey("t", entry="{event: cart, if: {attribute: tier, op: eq, value: gold}}")

FILE_A = [
    event("x", "cart", "2026-06-01T10:00:00Z", ok=True, n=1),
    event("x", "unsubscribe", "2026-06-01T09:00:00Z"),
    event("x", "page_view", "2026-06-01T08:00:00Z"),  # not an event the plan reads
    event("x", "cart", "2026-06-01T11:00:00Z", ok=False, n=2),  # no bit: dropped
    event("y", "cart", "2026-06-01T10:00:00Z", ok=True, n=3),
    event("x", "cart", "2026-06-01T10:00:00Z", ok=True, n=5),  # same time, later row
]
FILE_B = [
    event("x", "cart", "2026-06-01T10:00:00Z", ok=True, n=4),  # same time, later file
    event("w", "unsubscribe", "2026-06-01T12:00:00Z"),
    event("v", "page_view", "2026-06-01T12:00:00Z"),  # no row at all: no customer
]


def setup(tmp_path: Path, document: str) -> tuple[duckdb.DuckDBPyConnection, Plan]:
    ws = load_workspace(tmp_path, document)
    con = connect()
    files = (("a.jsonl", FILE_A), ("b.jsonl", FILE_B))
    load_events(con, [(write_log(tmp_path / name, events), "jsonl") for name, events in files])
    return con, build_plan(ws, list(ws.journeys.values()))


def at(text: str) -> int:
    return parse_instant(text)


def number(text: Any) -> int | None:
    return None if text is None else int(json.loads(text)["n"])


def summary(rows: CustomerRows, plan: Plan) -> list[tuple[str | None, int, int, int | None]]:
    """(name, time, mask, n of the properties) per row."""
    assert len(rows.times) == len(rows.masks) == len(rows.properties)
    return [
        (name, ts, mask, number(props))
        for ts, mask, props, name in zip(
            rows.times, rows.masks, rows.properties, rows.names(plan), strict=True
        )
    ]


EXPECTED = {
    "w": [("unsubscribe", at("2026-06-01T12:00:00Z"), 2, None)],
    "x": [
        ("unsubscribe", at("2026-06-01T09:00:00Z"), 2, None),
        # Three carts at 10:00: file a's rows in row order, then file b's.
        ("cart", at("2026-06-01T10:00:00Z"), 1, 1),
        ("cart", at("2026-06-01T10:00:00Z"), 1, 5),
        ("cart", at("2026-06-01T10:00:00Z"), 1, 4),
    ],
    "y": [("cart", at("2026-06-01T10:00:00Z"), 1, 3)],
}


def test_the_plan_of_the_case(tmp_path: Path) -> None:
    _, plan = setup(tmp_path, READS_VALUE)
    assert [(f.event, len(f.where)) for f in plan.filters] == [("cart", 1), ("unsubscribe", 0)]
    assert plan.property_events() == ["cart"]


def test_customer_rows(tmp_path: Path) -> None:
    con, plan = setup(tmp_path, READS_VALUE)
    found = list(customer_rows(con, plan))
    # One customer at a time, by id; v (page views only) has no rows.
    assert [rows.customer for rows in found] == ["w", "x", "y"]
    assert {rows.customer: summary(rows, plan) for rows in found} == EXPECTED


@pytest.mark.parametrize("batch", [1, 2, 3, 5])
def test_batch_boundaries_change_nothing(
    tmp_path: Path, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    con, plan = setup(tmp_path, READS_VALUE)
    monkeypatch.setattr(replay_feed, "BATCH_ROWS", batch)
    found = list(customer_rows(con, plan))
    assert [rows.customer for rows in found] == ["w", "x", "y"]
    assert {rows.customer: summary(rows, plan) for rows in found} == EXPECTED


def test_one_customer(tmp_path: Path) -> None:
    con, plan = setup(tmp_path, READS_VALUE)
    found = list(customer_rows(con, plan, "x"))
    assert [summary(rows, plan) for rows in found] == [EXPECTED["x"]]
    assert list(customer_rows(con, plan, "v")) == []
    assert list(customer_rows(con, plan, "nobody")) == []


def test_properties_only_when_the_plan_reads_them(tmp_path: Path) -> None:
    con, plan = setup(tmp_path, READS_NOTHING)
    assert plan.property_events() == []
    assert [f.event for f in plan.filters] == ["cart", "unsubscribe"]
    found = {rows.customer: rows for rows in customer_rows(con, plan)}
    assert [rows.properties for rows in found.values()] == [[None], [None] * 4, [None]]
    # The rest is the same.
    assert found["x"].masks == [2, 1, 1, 1]


def test_the_properties_are_the_rows_json(tmp_path: Path) -> None:
    con, plan = setup(tmp_path, READS_VALUE)
    (y,) = [rows for rows in customer_rows(con, plan) if rows.customer == "y"]
    assert json.loads(y.properties[0]) == {"ok": True, "n": 3}


def test_a_plan_without_filters_feeds_nothing(tmp_path: Path) -> None:
    con, _ = setup(tmp_path, READS_VALUE)
    ws = load_workspace(tmp_path, READS_VALUE)
    assert list(customer_rows(con, build_plan(ws, []))) == []


# ---- traits ------------------------------------------------------------------------


def test_load_traits(tmp_path: Path) -> None:
    con, plan = setup(tmp_path, READS_TRAITS)
    assert plan.reads_traits
    # No customers table: no traits.
    assert load_traits(con, plan) == {}
    con.execute(CREATE_CUSTOMERS)
    assert load_traits(con, plan) == {}
    for customer, traits in [("a", {"tier": "gold", "n": 1}), ("b", [1, 2]), ("c", "x")]:
        con.execute("INSERT INTO customers VALUES (?, ?)", [customer, json.dumps(traits)])
    # Traits that are no JSON object are empty.
    assert load_traits(con, plan) == {"a": {"tier": "gold", "n": 1}, "b": {}, "c": {}}


def test_no_traits_when_the_plan_reads_none(tmp_path: Path) -> None:
    con, plan = setup(tmp_path, READS_VALUE)
    assert not plan.reads_traits
    con.execute(CREATE_CUSTOMERS)
    con.execute("INSERT INTO customers VALUES ('a', '{\"tier\": \"gold\"}')")
    assert load_traits(con, plan) == {}


# ---- audiences -----------------------------------------------------------------------

AUDIENCE = journey("a", entry="{audience: {event: unsubscribe}, every: 1d}")


def test_an_audience_plan_feeds_every_known_customer_from_when_it_is_known(
    tmp_path: Path,
) -> None:
    con, plan = setup(tmp_path, AUDIENCE)
    con.execute(CREATE_CUSTOMERS)
    for customer in ("x", "z"):  # x is in the log too; z only in the customers file
        con.execute("INSERT INTO customers VALUES (?, '{}')", [customer])
    found = {rows.customer: rows for rows in customer_rows(con, plan)}
    assert sorted(found) == ["v", "w", "x", "y", "z"]
    start = at("2026-06-01T08:00:00Z")  # the log's first event (x's page view)
    # A row of no events first, at the instant the customer became known: the log's
    # start for the customers file's, else its first event of any name.
    assert (found["z"].times, found["z"].names(plan), found["z"].events) == ([start], [None], 0)
    assert found["v"].times == [at("2026-06-01T12:00:00Z")] and found["v"].events == 0
    x = found["x"]
    assert (x.times[0], x.names(plan)[0], x.masks[0]) == (start, None, 0)
    assert x.names(plan)[1:] == ["unsubscribe"] and x.events == 1
    # w's first event is the unsubscribe the plan reads: the row of no events comes first.
    assert found["w"].names(plan) == [None, "unsubscribe"]
    assert found["w"].times == [at("2026-06-01T12:00:00Z")] * 2
    # One customer: only its rows.
    assert [rows.customer for rows in customer_rows(con, plan, "z")] == ["z"]


def test_cutting_batches_into_customers_loads_no_pandas() -> None:
    # An Arrow array made from Python values imports pandas (half a second, and its
    # memory): the feed cuts DuckDB's batches with Arrow's own arrays only.
    code = """
import sys
import duckdb
from cjo_cli.engine.replay_feed import customer_chunks, group_customers
sql = "SELECT * FROM (VALUES ('a', 1, 1, NULL), ('a', 2, 1, NULL), ('b', 3, 2, '{}')) t(c, t, m, p)"
batches = list(duckdb.sql(sql).to_arrow_reader(2))
found = [(r.customer, r.times) for r in group_customers(batches, 1)]
assert found == [("a", [1, 2]), ("b", [3])], found
assert sum(b.num_rows for chunk in customer_chunks(batches, 1) for b in chunk) == 3
print("pandas" in sys.modules)
"""
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert found.strip() == "False"
