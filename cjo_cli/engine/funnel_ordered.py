"""Stage 2 of `funnel_sql` for ordered funnels whose steps match disjoint events: each
customer's counted attempt (docs/funnels.md) from `cjo_fs`, as `cjo_att(k, level,
t1..tN)` (times in microseconds).

From a step-1 event at t1 the earliest chain takes, for each next step, its first
event at or after the previous one; the attempt's level is the last step whose event
is within the window of t1. The counted attempt is the earliest start of the
customer's best level (the rule of `funnel_exact.ordered_attempt`).

The chains of all starts are followed at once, with arrays over the step rows sorted
by (customer, time): for each step, a reversed running minimum gives every row the
index of the next row of that step, so one gather moves every chain one step. The
rows come in batches of whole customers, which bounds the memory. On 10M events this
is several times faster than the SQL it replaced (ASOF joins per step, grouping and an
arg_min per customer), and it is exact for any key type (a hash or, after a
collision, the id itself).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from cjo_cli.model import Funnel
from cjo_cli.model.clock import SECOND

BATCH_ROWS = 1 << 18
"""Step rows worked on at once; a customer's rows are never split between two."""

Ints = npt.NDArray[np.int64]
Columns = dict[str, npt.NDArray[Any]]

_NUMPY_TYPES = {pa.int64(): np.int64, pa.uint64(): np.uint64, pa.int32(): np.int32}


def ordered_attempts(
    con: duckdb.DuckDBPyConnection,
    funnel: Funnel,
    candidates: bool = False,
    presorted: bool = False,
) -> bool:
    """Create `cjo_att` for `funnel` from `cjo_fs`; with `candidates`, also `cjo_cand`:
    the earliest chain of every start that reaches its customer's level (the attempts
    `funnel_clean` chooses from when an exclusion removes the counted one). False when
    two customer ids share a key (their second hashes, `k2`, differ): `cjo_att` then
    merges them, and the caller must compute it again keyed on the ids
    (`funnel_sql.attempts`).

    `presorted`: `cjo_fs` was created in (k, t) order, which a plain scan keeps (DuckDB
    preserves insertion order), so the rows are read without sorting them again. The
    order is checked as the rows come; should it not hold, they are read sorted."""
    steps = len(funnel.steps)
    window = funnel.window.seconds * SECOND
    columns = "SELECT k, k2, t, mask FROM cjo_fs"
    found = None
    if presorted:
        found = _attempts(con, columns, steps, window, candidates, check_order=True)
    if found is None:
        found = _attempts(con, f"{columns} ORDER BY k, t", steps, window, candidates)
    assert found is not None  # rows read sorted are not checked
    attempts, tied, distinct = found
    _store(con, "cjo_att", steps, attempts)
    if tied is not None:
        _store(con, "cjo_cand", steps, tied)
    return distinct


Found = tuple[list[Columns], list[Columns] | None, bool]


def _attempts(
    con: duckdb.DuckDBPyConnection,
    query: str,
    steps: int,
    window: int,
    candidates: bool,
    check_order: bool = False,
) -> Found | None:
    """The attempts (and with `candidates`, the tied chains) of the rows of `query`, and
    whether the keys are distinct; None when `check_order` finds rows out of order.

    Batches of whole customers are worked on by a pool of threads (numpy lets go of the
    interpreter in its loops), as many as DuckDB's threads, in order."""
    ((threads,),) = con.execute("SELECT current_setting('threads')").fetchall()
    workers = max(1, int(threads))
    parts: list[Future[tuple[Columns, Columns | None, bool]]] = []
    reader = con.sql(query).to_arrow_reader(BATCH_ROWS)
    with ThreadPoolExecutor(workers) as pool, reader:
        try:
            for rows, keys in _whole_customers(reader, check_order):
                # At most a batch ahead of each thread: the batches waiting hold memory.
                wait(parts[:-workers])
                parts.append(pool.submit(_customer_attempts, rows, keys, steps, window, candidates))
        except _OutOfOrder:
            return None
        results = [part.result() for part in parts]
    attempts = [found for found, _, _ in results]
    tied = [chains for _, chains, _ in results if chains is not None] if candidates else None
    return attempts, tied, all(distinct for _, _, distinct in results)


class _OutOfOrder(Exception):
    """Rows read without ORDER BY were not in (k, t) order."""


def _whole_customers(
    reader: pa.RecordBatchReader, check_order: bool
) -> Iterator[tuple[pa.Table, npt.NDArray[Any]]]:
    """The rows in tables of whole customers (about BATCH_ROWS each), with their keys;
    _OutOfOrder when `check_order` finds them unsorted."""

    def keyed(batches: list[pa.RecordBatch]) -> tuple[pa.Table, npt.NDArray[Any]]:
        rows = pa.Table.from_batches(batches)
        keys = _values(rows.column("k"))
        if check_order and not _in_order(keys, _values(rows.column("t"))):
            raise _OutOfOrder
        return rows, keys

    pending: list[pa.RecordBatch] = []
    held = 0
    enough = BATCH_ROWS
    for batch in reader:
        pending.append(batch)
        held += batch.num_rows
        if held < enough:
            continue
        rows, keys = keyed(pending)
        last = _last_customer_start(keys)
        if last:
            yield rows.slice(0, last), keys[:last]
        rest = rows.slice(last)
        pending, held = rest.to_batches(), rest.num_rows
        # One customer longer than a batch: wait for twice as many rows before looking
        # for its end again, so a long customer costs linear time, not quadratic.
        enough = BATCH_ROWS if last else 2 * held
    if held:
        yield keyed(pending)


def _in_order(keys: npt.NDArray[Any], times: Ints) -> bool:
    """Are the rows sorted by (key, time)?"""
    if len(keys) < 2:
        return True
    later = keys[1:] > keys[:-1]
    same = keys[1:] == keys[:-1]
    return bool(np.all(later | (same & (times[1:] >= times[:-1]))))


def _store(con: duckdb.DuckDBPyConnection, table: str, steps: int, found: list[Columns]) -> None:
    """`table` (k, level, t1..tN) from the attempts found: the key's type is `cjo_fs`'s,
    times after the attempt's level are NULL."""
    names = ["k", "level", *(f"t{step}" for step in range(1, steps + 1))]
    reached = ", ".join(
        [
            "k",
            "level",
            "t1",
            *(f"CASE WHEN level >= {s} THEN t{s} END" for s in range(2, steps + 1)),
        ]
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT k, 1::INTEGER AS level, "
        f"{', '.join(f'0::BIGINT AS t{s}' for s in range(1, steps + 1))} FROM cjo_fs LIMIT 0"
    )
    if not found:
        return
    cjo_att_found = {name: np.concatenate([part[name] for part in found]) for name in names}
    con.register("cjo_att_found", cjo_att_found)
    con.execute(f"INSERT INTO {table} SELECT {reached} FROM cjo_att_found")
    con.unregister("cjo_att_found")


def _values(column: pa.ChunkedArray) -> npt.NDArray[Any]:
    """A column without nulls as a numpy array. Numbers are read from Arrow's buffer:
    pyarrow's own conversions import pandas where it is installed (about 0.4 s of every
    report). Text keys (after a hash collision) come as Python strings."""
    array = column.combine_chunks()
    kind = _NUMPY_TYPES.get(array.type)
    if kind is None:
        return np.array(array.to_pylist(), dtype=object)
    offset = array.offset * np.dtype(kind).itemsize
    return np.frombuffer(array.buffers()[1], dtype=kind, count=len(array), offset=offset)


def _first_of_runs(values: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """For values in sorted order: True where a run of equal values starts."""
    starts = np.ones(len(values), dtype=np.bool_)
    starts[1:] = values[1:] != values[:-1]
    return starts


def _last_customer_start(keys: npt.NDArray[Any]) -> int:
    """The index of the last customer's first row (0 when it is the only one)."""
    if not len(keys):
        return 0
    # Sorted keys: the last customer's rows are the tail where the key equals the last.
    others = np.flatnonzero(keys != keys[-1])
    return int(others[-1]) + 1 if len(others) else 0


def _keys_collide(new_customer: npt.NDArray[np.bool_], second: npt.NDArray[Any]) -> bool:
    """Does some key hold rows of two ids (two second hashes within one run of keys)?"""
    return bool(np.any(~new_customer[1:] & (second[1:] != second[:-1])))


def _customer_attempts(
    rows: pa.Table, keys: npt.NDArray[Any], steps: int, window: int, candidates: bool
) -> tuple[Columns, Columns | None, bool]:
    """The counted attempts of the customers in `rows` (whole customers, sorted by k, t;
    `keys` is their k); with `candidates`, every start's chain that reaches its
    customer's level; and False when two ids share a key."""
    count = rows.num_rows
    new_customer = _first_of_runs(keys)
    customer = np.cumsum(new_customer) - 1
    times: Ints = _values(rows.column("t"))
    masks = _values(rows.column("mask"))
    index = np.arange(count, dtype=np.int64)
    new_instant = new_customer.copy()
    new_instant[1:] |= times[1:] != times[:-1]
    # The first row of each row's instant: "at or after" a time includes its ties.
    instant_start = np.maximum.accumulate(np.where(new_instant, index, 0))
    # One past the end stands for "no such row": it belongs to no customer.
    instant_start = np.append(instant_start, count)
    customer_of = np.append(customer, -1)
    time_of = np.append(times, 0)

    starts = np.flatnonzero(masks & 1)
    start_time = times[starts]
    start_customer = customer[starts]
    level = np.ones(len(starts), dtype=np.int32)
    position = starts
    alive = np.ones(len(starts), dtype=np.bool_)
    chain: list[Ints] = [start_time]
    for step in range(1, steps):
        rows_of_step = np.where(masks & (1 << step), index, count)
        following = np.append(np.minimum.accumulate(rows_of_step[::-1])[::-1], count)
        nxt = following[instant_start[position]]
        alive &= (customer_of[nxt] == start_customer) & (time_of[nxt] - start_time <= window)
        level += alive
        chain.append(time_of[nxt])
        position = np.where(alive, nxt, count)

    chosen, best = _best_starts(start_customer, level)

    def columns(picked: npt.NDArray[Any]) -> Columns:
        attempts: Columns = {"k": keys[starts[picked]], "level": level[picked]}
        for step in range(1, steps + 1):
            attempts[f"t{step}"] = chain[step - 1][picked]
        return attempts

    distinct = not _keys_collide(new_customer, _values(rows.column("k2")))
    return columns(chosen), columns(best) if candidates else None, distinct


def _best_starts(
    customer: Ints, level: npt.NDArray[np.int32]
) -> tuple[Ints, npt.NDArray[np.bool_]]:
    """Per customer (runs of `customer`, starts in time order), the earliest start of the
    best level; and which starts reach their customer's best level."""
    if len(customer) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.bool_)
    first = np.ones(len(customer), dtype=np.bool_)
    first[1:] = customer[1:] != customer[:-1]
    run_starts = np.flatnonzero(first)
    best = np.maximum.reduceat(level, run_starts)
    run = np.cumsum(first) - 1
    reaches = level == best[run]
    candidates = np.flatnonzero(reaches)
    leading = np.ones(len(candidates), dtype=np.bool_)
    leading[1:] = run[candidates[1:]] != run[candidates[:-1]]
    return candidates[leading], reaches
