"""The replay on several cores (`engine.replay_parallel`): the chunks hold whole
customers, and the totals are the serial replay's, number for number and key for key,
however the customers are cut into chunks."""

from __future__ import annotations

import json
import math
import tempfile
from dataclasses import asdict
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cjo_cli.engine.replay_feed import customer_chunks
from cjo_cli.engine.replay_parallel import Workers, available_cores
from cjo_cli.engine.replay_plan import build_plan
from cjo_cli.engine.replay_stats import ReplayTotals
from cjo_cli.engine.simulate import simulate
from cjo_cli.errors import InputError
from tests.conftest import examples
from tests.engine.replay_helpers import event, journey, load_workspace, log_connection, policy
from tests.engine.test_replay_invariants import EDGES, POLICIES, _iso, journeys


@st.composite
def sorted_batches(draw: st.DrawFn) -> list[pa.RecordBatch]:
    """Rows of customers in id order, cut into batches anywhere (a customer may span
    several)."""
    counts = draw(st.lists(st.integers(1, 6), min_size=0, max_size=12))
    ids = [f"c{number:02d}" for number, count in enumerate(counts) for _ in range(count)]
    rows = list(range(len(ids)))
    cuts = sorted(set(draw(st.lists(st.integers(0, len(ids)), max_size=8))) | {0, len(ids)})
    return [pa.record_batch({"customer_id": ids[a:b], "row": rows[a:b]}) for a, b in pairwise(cuts)]


@settings(max_examples=examples(200))
@given(batches=sorted_batches(), size=st.integers(1, 10))
def test_chunks_hold_whole_customers_in_order(batches: list[pa.RecordBatch], size: int) -> None:
    chunks = list(customer_chunks(batches, size))
    flat = [row for chunk in chunks for batch in chunk for row in batch.column(1).to_pylist()]
    assert flat == [row for batch in batches for row in batch.column(1).to_pylist()]
    seen: set[str] = set()
    for number, chunk in enumerate(chunks):
        ids = {customer for batch in chunk for customer in batch.column(0).to_pylist()}
        assert not ids & seen, "a customer is split between two chunks"
        seen |= ids
        rows = sum(batch.num_rows for batch in chunk)
        assert rows > 0
        if number + 1 < len(chunks):
            assert rows >= size, "only the last chunk may be short"


def _totals_text(totals: ReplayTotals) -> str:
    """Everything the totals hold, in their own key order (JSON keeps it)."""
    found = {
        "customers": totals.customers,
        "events": totals.events,
        "without_zone": totals.without_zone,
        "journeys": {key: asdict(value) for key, value in totals.journeys.items()},
    }
    return json.dumps(found, default=str)


def _both(docs: list[str], log: list[dict[str, Any]], chunk_rows: int) -> tuple[str, str]:
    with tempfile.TemporaryDirectory() as folder:
        ws = load_workspace(Path(folder), *docs)
        picked = list(ws.journeys.values())
        serial = simulate(log_connection(Path(folder), log), build_plan(ws, picked)).totals
        workers = Workers(ws, tuple(j.id for j in picked), 2, chunk_rows)
        parallel = simulate(
            log_connection(Path(folder), log), build_plan(ws, picked), workers=workers
        ).totals
    return _totals_text(serial), _totals_text(parallel)


@st.composite
def many_customers(draw: st.DrawFn) -> list[dict[str, Any]]:
    rows = []
    for number in range(draw(st.integers(1, 12))):
        for _ in range(draw(st.integers(1, 6))):
            name = draw(st.sampled_from(["e", "e", "x", "g", "q", "push_click"]))
            rows.append(event(f"c{number:02d}", name, _iso(draw(st.sampled_from(EDGES)))))
    return rows


@settings(max_examples=examples(12), deadline=None)
@given(
    made=journeys(coupled=False),
    log=many_customers(),
    rules=POLICIES,
    chunk_rows=st.integers(1, 8),
)
def test_parallel_totals_are_the_serial_ones(
    made: tuple[str, int], log: list[dict[str, Any]], rules: str, chunk_rows: int
) -> None:
    serial, parallel = _both([made[0], rules], log, chunk_rows)
    assert parallel == serial


REVENUE = journey(
    "shop",
    goal="{event: buy, within: 7d, value: amount}",
    steps="s: {send: mail, next: done}",
)


def test_revenue_is_summed_exactly_whatever_the_chunks() -> None:
    # 0.1 + 0.2 + 0.3 in float depends on the order of the additions; the exact sum
    # does not: the parallel replay adds chunks' sums, the serial one customer by customer.
    amounts = [0.1, 0.2, 0.3, 1e16, -1e16, 0.7]
    log = []
    for number, amount in enumerate(amounts):
        customer = f"c{number}"
        log.append(event(customer, "cart", "2026-06-01T00:00:00Z"))
        log.append(event(customer, "buy", "2026-06-01T01:00:00Z", amount=amount))
    serial, parallel = _both([REVENUE, policy()], log, 2)
    assert parallel == serial
    exact = Fraction(json.loads(serial)["journeys"]["shop"]["revenue_sum"])
    assert float(exact) == math.fsum(amounts)


def test_available_cores_is_at_least_one() -> None:
    assert available_cores() >= 1


def test_a_worker_that_dies_is_an_error_not_a_partial_count(tmp_path: Path) -> None:
    # A worker that cannot start (here: it is told of a journey the workspace lacks)
    # breaks the pool: the replay says so instead of returning the chunks that were done.
    ws = load_workspace(tmp_path, REVENUE)
    plan = build_plan(ws, list(ws.journeys.values()))
    log = [event(f"c{n}", "cart", "2026-06-01T00:00:00Z") for n in range(5)]
    broken = Workers(ws, ("no_such_journey",), 2, 1)
    with pytest.raises(InputError, match="a replay process died"):
        simulate(log_connection(tmp_path, log), plan, workers=broken)
