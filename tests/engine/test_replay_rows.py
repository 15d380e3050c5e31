"""The reduced log's rows as plain lists (`engine.replay_rows`): a run of whole customers
cut into each one's rows, the events among them, and their names read from the bits;
and a replay worker that loads neither DuckDB nor Arrow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cjo_cli.engine.replay_plan import build_plan
from cjo_cli.engine.replay_rows import CustomerRows, Rows
from cjo_cli.engine.simulate import explain, simulate
from tests.engine.replay_helpers import event, journey, load_workspace, log_connection

CART = journey("cart_flow", "  wait: {wait: 1h, next: done}\n", exit_on="[{event: unsubscribe}]")


def test_rows_split_into_each_customers_rows() -> None:
    rows = Rows(["a", "b", "c"], [0, 2, 3], [1, 2, 3, 4, 5], [0, 1, 2, 1, 1], [None] * 5)
    found = list(rows.split())
    assert [r.customer for r in found] == ["a", "b", "c"]
    assert [r.times for r in found] == [[1, 2], [3], [4, 5]]
    assert [r.masks for r in found] == [[0, 1], [2], [1, 1]]
    assert [r.events for r in found] == [1, 1, 2]  # a row of no bits is no event
    assert len(rows) == 5
    assert list(Rows([], [], [], [], []).split()) == []


def test_names_come_from_the_bits(tmp_path: Path) -> None:
    ws = load_workspace(tmp_path, CART)
    plan = build_plan(ws, list(ws.journeys.values()))
    cart, unsubscribe = (1 << n for n in range(2))
    assert [f.event for f in plan.filters] == ["cart", "unsubscribe"]
    rows = CustomerRows("a", [1, 2, 3], [0, cart, unsubscribe], [None] * 3)
    assert rows.names(plan) == [None, "cart", "unsubscribe"]
    assert plan.event_of(cart | unsubscribe) == "cart"  # one event: any bit names it


def test_the_trace_names_the_events(tmp_path: Path) -> None:
    ws = load_workspace(tmp_path, CART)
    plan = build_plan(ws, list(ws.journeys.values()))
    log = [
        event("a", "cart", "2026-06-01T10:00:00Z"),
        event("a", "unsubscribe", "2026-06-01T10:10:00Z"),
    ]
    found: list[str] = []
    simulate(
        log_connection(tmp_path, log),
        plan,
        on_customer=lambda replay: found.extend(line.text for line in replay.trace),
    )
    assert found == []  # not explaining: no trace
    replay = explain(log_connection(tmp_path, log), plan, "a")
    assert replay is not None
    texts = [line.text for line in replay.trace]
    assert texts[0] == "entered on 'cart' (entry 1)"
    assert "exit_on event 'unsubscribe'" in texts


def test_a_replay_worker_imports_neither_duckdb_nor_arrow() -> None:
    # What the fork server preloads and each worker runs: kept small, so that a replay
    # on several cores takes little more memory than on one.
    code = (
        "import sys, cjo_cli.engine.replay_parallel; "
        "print(sorted(m for m in ('duckdb', 'pyarrow') if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert found.strip() == "[]"
