"""Stage 2 of `funnel_sql` for ordered funnels whose steps match disjoint events: each
customer's counted attempt (docs/funnels.md) from `cjo_fs`, as `cjo_att(k, level,
t1..tN)` (times in microseconds). From a step-1 event at t1 the earliest chain takes,
for each next step, its first event at or after the previous one; the attempt's level
is the last step within the window of t1; the counted attempt is the earliest start
of the best level (`funnel_exact.ordered_attempt`).

Rows are sorted by (customer, time) by the compiled sort of `_funnel_kernels.c` in
memory (hashed keys, up to IN_MEMORY_ROWS rows), as `cjo_fs` was made (no kernel, or
after a hash collision; checked as read), or by DuckDB's ORDER BY. The chains are
followed per customer by the compiled loop, or a step at a time by `_attempts_numpy`
(held equal to it), in chunks of whole customers on a pool of threads. Exact for any
key type (a hash or, after a collision, the id itself).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from itertools import pairwise
from types import ModuleType
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from cjo_cli.conditions.sql import Sql
from cjo_cli.model import Funnel
from cjo_cli.model.clock import SECOND

_funnel_kernels: ModuleType | None
try:
    from cjo_cli.engine import _funnel_kernels
except ImportError:  # not compiled (no C compiler where cjo was installed): numpy does it
    _funnel_kernels = None

BATCH_ROWS = 1 << 18  # step rows worked on at once; a customer's are never split

Ints = npt.NDArray[np.int64]
Columns = dict[str, npt.NDArray[Any]]
_NUMPY_TYPES = {pa.int64(): np.int64, pa.uint64(): np.uint64, pa.int32(): np.int32}


def ordered_attempts(
    con: duckdb.DuckDBPyConnection,
    funnel: Funnel,
    candidates: bool = False,
    presorted: bool = False,
    source: Sql | None = None,
) -> bool:
    """Create `cjo_att` for `funnel` from `cjo_fs`; with `candidates`, also `cjo_cand`
    (every start's earliest chain that reaches its customer's level, for `funnel_clean`).
    False when two ids share a key (their `k2` differ): the caller must compute it again
    keyed on the ids. `presorted`: `cjo_fs` was made in (k, t) order (checked as read).
    `source`: the query of `cjo_fs`'s rows, not yet made (hashed keys, no `bv`): sorted
    by the compiled sort and kept as `cjo_fs` (`keep_sorted`), or, too many, made."""
    steps = len(funnel.steps)
    window = funnel.window.seconds * SECOND
    ((threads,),) = con.execute("SELECT current_setting('threads')").fetchall()
    workers = max(1, int(threads))
    columns = "SELECT k, k2, t, mask FROM"
    found = None
    if presorted:
        chunks = _read(con, f"{columns} cjo_fs", check_order=True)
        found = _attempts(chunks, workers, steps, window, candidates)
    elif _funnel_kernels is not None:
        read_from = "cjo_fs" if source is None else f"({source.text})"
        params = [] if source is None else source.params
        sorted_rows = _sorted_in_memory(con, f"{columns} {read_from}", params, workers)
        if sorted_rows is not None:
            if source is not None:
                keep_sorted(con, sorted_rows)
            found = _attempts(_chunks(sorted_rows), workers, steps, window, candidates)
    if found is None:
        if source is not None:
            con.execute(f"CREATE TEMP TABLE cjo_fs AS {source.text}", source.params)
        chunks = _read(con, f"{columns} cjo_fs ORDER BY k, t", check_order=False)
        found = _attempts(chunks, workers, steps, window, candidates)
    assert found is not None  # rows read sorted are not checked
    attempts, tied, distinct = found
    _store(con, "cjo_att", steps, attempts)
    if tied is not None:
        _store(con, "cjo_cand", steps, tied)
    return distinct


def sorts_hashed_keys() -> bool:
    """Does `ordered_attempts` sort a `cjo_fs` keyed on hashes itself (the compiled sort
    was built), so that it need not be made in order?"""
    return _funnel_kernels is not None


Found = tuple[list[Columns], list[Columns] | None, bool]


def _attempts(
    chunks: Iterable[Columns], workers: int, steps: int, window: int, candidates: bool
) -> Found | None:
    """The attempts (and with `candidates`, the tied chains) of the rows in `chunks` (of
    whole customers, in order), and whether the keys are distinct; None when the rows
    turn out to be out of order.

    The chunks are worked on by a pool of `workers` threads (numpy and the compiled
    loop let go of the interpreter), and their results gathered in order."""
    parts: list[Future[tuple[Columns, Columns | None, bool]]] = []
    with ThreadPoolExecutor(workers) as pool:
        try:
            for rows in chunks:
                # At most a chunk ahead of each thread: the chunks waiting hold memory.
                wait(parts[:-workers])
                parts.append(pool.submit(_customer_attempts, rows, steps, window, candidates))
        except _OutOfOrder:
            return None
        results = [part.result() for part in parts]
    attempts = [found for found, _, _ in results]
    tied = [chains for _, chains, _ in results if chains is not None] if candidates else None
    return attempts, tied, all(distinct for _, _, distinct in results)


def _read(con: duckdb.DuckDBPyConnection, query: str, check_order: bool) -> Iterator[Columns]:
    """The rows of `query` (in (k, t) order) in chunks of whole customers."""
    with con.sql(query).to_arrow_reader(BATCH_ROWS) as reader:
        yield from _whole_customers(reader, check_order)


IN_MEMORY_ROWS = 1 << 24
"""The most step rows `_sorted_in_memory` sorts (at about 90 bytes a row at the peak,
1.5 GB for these); more are sorted by DuckDB, which keeps to --memory-limit and can
spill to disk."""


def _sorted_in_memory(
    con: duckdb.DuckDBPyConnection, query: str, params: list[Any], threads: int
) -> Columns | None:
    """The rows of `query` (`k, k2, t, mask`) read whole and sorted by (k, t) by the
    compiled sort; None when its keys are not hashes or it has too many rows."""
    read: list[Columns] = []
    count = 0
    with con.sql(query, params=params).to_arrow_reader(BATCH_ROWS) as reader:
        if reader.schema.field("k").type != pa.uint64():
            return None
        for batch in reader:
            count += batch.num_rows
            if count > IN_MEMORY_ROWS:
                return None
            read.append(_arrays(batch))
    table = np.empty((count, 4), dtype=np.int64)  # key, time, second hash, mask per row
    # Pages faulted in order first: faulted at random by the scatter, they cost 2-3x more.
    table.fill(0)
    assert _funnel_kernels is not None
    columns = ([part[name] for part in read] for name in ("k", "t", "k2", "mask"))
    _funnel_kernels.order(*columns, table, threads)
    return {
        "k": table[:, 0].view(np.uint64),
        "t": table[:, 1],
        "k2": table[:, 2].view(np.uint64),
        "mask": table[:, 3],
    }


SORTED_STEPS = "cjo_fs_sorted"  # what `keep_sorted` registers the sorted rows as


def keep_sorted(con: duckdb.DuckDBPyConnection, rows: Columns) -> None:
    """`cjo_fs` as a view of the sorted rows in memory (no `bv`: no breakdown reads it)."""
    con.register(SORTED_STEPS, rows)
    con.execute(
        f"CREATE TEMP VIEW cjo_fs AS SELECT k, k2, t, mask, NULL::VARCHAR AS bv FROM {SORTED_STEPS}"
    )


def _chunks(rows: Columns) -> Iterator[Columns]:
    """Sorted rows in chunks of about BATCH_ROWS rows, cut where a customer begins."""
    keys = rows["k"]
    cuts = np.searchsorted(keys, keys[BATCH_ROWS::BATCH_ROWS], side="left")
    bounds = [0, *sorted(set(cuts.tolist()) - {0}), len(keys)]
    for start, end in pairwise(bounds):
        if end > start:
            # Views, not copies: the compiled loop reads columns of any stride.
            yield {name: values[start:end] for name, values in rows.items()}


class _OutOfOrder(Exception):
    """Rows read without ORDER BY were not in (k, t) order."""


def _whole_customers(reader: pa.RecordBatchReader, check_order: bool) -> Iterator[Columns]:
    """The rows as arrays of whole customers (about BATCH_ROWS rows each, never empty);
    _OutOfOrder when `check_order` finds them unsorted."""
    pending: list[Columns] = []
    held = 0
    enough = BATCH_ROWS
    for batch in reader:
        pending.append(_arrays(batch))
        held += batch.num_rows
        if held < enough:
            continue
        rows = _joined(pending, check_order)
        last = _last_customer_start(rows["k"])
        if last:
            yield {name: values[:last] for name, values in rows.items()}
        pending = [{name: values[last:] for name, values in rows.items()}]
        held -= last
        # One customer longer than a batch: wait for twice as many rows before looking
        # for its end again, so a long customer costs linear time, not quadratic.
        enough = BATCH_ROWS if last else 2 * held
    if held:
        yield _joined(pending, check_order)


_COLUMNS = ("k", "k2", "t", "mask")


def _arrays(batch: pa.RecordBatch) -> Columns:
    """A batch of `cjo_fs` rows as numpy arrays (read from Arrow's buffers, no copy)."""
    return {name: _values(batch.column(name)) for name in _COLUMNS}


def _joined(parts: list[Columns], check_order: bool) -> Columns:
    rows = {name: np.concatenate([part[name] for part in parts]) for name in _COLUMNS}
    if check_order and not _in_order(rows["k"], rows["t"]):
        raise _OutOfOrder
    return rows


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


def _values(column: pa.ChunkedArray | pa.Array) -> npt.NDArray[Any]:
    """A column without nulls as a numpy array. Numbers are read from Arrow's buffer:
    pyarrow's own conversions import pandas where it is installed (about 0.4 s of every
    report). Text keys (after a hash collision) come as Python strings."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
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
    rows: Columns, steps: int, window: int, candidates: bool
) -> tuple[Columns, Columns | None, bool]:
    """The counted attempts of the customers in `rows` (whole customers, sorted by k, t);
    with `candidates`, every start's chain that reaches its customer's level; and False
    when two ids share a key."""
    keys = rows["k"]
    masks = rows["mask"].astype(np.int64, copy=False)
    starts = np.flatnonzero(masks & 1)
    found = _attempts_numpy if _funnel_kernels is None else _attempts_compiled
    level, chain, chosen, reaches, distinct = found(
        keys, rows["t"], masks, rows["k2"], starts, steps, window
    )

    def columns(which: npt.NDArray[np.bool_]) -> Columns:
        picked = np.flatnonzero(which)  # indices once: faster than a mask per column
        attempts: Columns = {"k": keys[starts[picked]], "level": level[picked]}
        for step in range(1, steps + 1):
            attempts[f"t{step}"] = chain[step - 1][picked]
        return attempts

    return columns(chosen), columns(reaches) if candidates else None, distinct


Starts = tuple[
    npt.NDArray[np.int32], list[Ints], npt.NDArray[np.bool_], npt.NDArray[np.bool_], bool
]
"""Per start (a row that fills step 1): the level its earliest chain reaches within
the window, the chain's time at each step (0 past the level), whether it is its
customer's counted attempt (the earliest start of the best level), whether it
reaches that level; and whether the keys are distinct ids."""


def _attempts_compiled(
    keys: npt.NDArray[Any],
    times: Ints,
    masks: Ints,
    seconds: npt.NDArray[Any],
    starts: Ints,
    steps: int,
    window: int,
) -> Starts:
    """`_attempts_numpy`, by the compiled loop of `_funnel_kernels.c`."""
    assert _funnel_kernels is not None
    # The loop compares keys as 64-bit numbers: text keys (after a collision) go in as
    # their customers' run numbers.
    ids = keys.view(np.int64) if keys.dtype == np.uint64 else np.cumsum(_first_of_runs(keys))
    count = len(starts)
    level = np.empty(count, dtype=np.int64)
    chain = np.empty((steps, count), dtype=np.int64)
    chosen = np.empty(count, dtype=np.bool_)
    reaches = np.empty(count, dtype=np.bool_)
    distinct = _funnel_kernels.attempts(
        len(times),
        count,
        *(column.view(np.int64) for column in (ids, times, masks, seconds)),
        np.ascontiguousarray(starts).view(np.int64),
        steps,
        window,
        level,
        chain,
        chosen,
        reaches,
    )
    return level.astype(np.int32), list(chain), chosen, reaches, bool(distinct)


def _attempts_numpy(
    keys: npt.NDArray[Any],
    times: Ints,
    masks: Ints,
    seconds: npt.NDArray[Any],
    starts: Ints,
    steps: int,
    window: int,
) -> Starts:
    """`Starts` on arrays: for each step, a reversed running minimum gives every row the
    index of the next row of that step, and one gather moves every chain one step."""
    new_customer = _first_of_runs(keys)
    customer = np.cumsum(new_customer) - 1
    count = len(times)
    index = np.arange(count, dtype=np.int64)
    new_instant = new_customer.copy()
    new_instant[1:] |= times[1:] != times[:-1]
    # The first row of each row's instant: "at or after" a time includes its ties.
    instant_start = np.maximum.accumulate(np.where(new_instant, index, 0))
    # One past the end stands for "no such row": it belongs to no customer.
    instant_start = np.append(instant_start, count)
    customer_of = np.append(customer, -1)
    time_of = np.append(times, 0)
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
        chain.append(np.where(alive, time_of[nxt], 0))
        position = np.where(alive, nxt, count)
    chosen, reaches = _best_starts(start_customer, level)
    counted = np.zeros(len(starts), dtype=np.bool_)
    counted[chosen] = True
    return level, chain, counted, reaches, not _keys_collide(new_customer, seconds)


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
