"""DuckDB's part of a replay: reduce the log to the rows that matter, sorted per customer.

The `events` relation is filtered to the event names the plan looks at, each
row gets its filter bits (parameterised SQL, one BIGINT per 62 filters), rows
with no bit are dropped, and the rest come sorted by (customer, ts, file, row)
in Arrow batches. Python sees one customer at a time and keeps nothing of a
customer once it is done. The sort carries as little as it can: no event name
(a row's bits name its event, `Plan.event_of`) and, for a log of one file, no
file name.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from cjo_cli.conditions.sql import Sql, one_of_sql
from cjo_cli.engine.replay_plan import Plan
from cjo_cli.engine.replay_rows import CustomerRows, Rows

BATCH_ROWS = 65_536


def load_traits(con: duckdb.DuckDBPyConnection, plan: Plan) -> dict[str, dict[str, Any]]:
    """Traits of every customer in the customers table (empty when none was given)."""
    if not plan.reads_traits or not _has_customers(con):
        return {}
    traits: dict[str, dict[str, Any]] = {}
    for customer, text in con.execute("SELECT customer_id, traits FROM customers").fetchall():
        value = json.loads(text) if isinstance(text, str) else text
        traits[customer] = value if isinstance(value, dict) else {}
    return traits


def _has_customers(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'customers'"
    ).fetchall()[0]
    return bool(found and found[0])


def _several_files(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the log's rows come from more than one file (a scan of one column)."""
    ((found,),) = con.execute("SELECT count(*) FROM (SELECT DISTINCT file FROM events)").fetchall()
    return bool(found > 1)


def _presence(
    width: int, customer: str | None, customers: bool, files: bool
) -> tuple[str, list[Any]]:
    """A row of no events per known customer at the instant it became known: its first
    event in the log, or the log's start for a customer the customers file lists. An
    audience journey checks every known customer."""
    zeros = ", ".join(f"0::BIGINT AS m{n}" for n in range(width))
    only = " WHERE customer_id = ?" if customer is not None else ""
    params: list[Any] = [customer] if customer is not None else []
    known = f"SELECT customer_id, epoch_us(ts) AS t FROM events{only}"
    if customers:
        known += (
            " UNION ALL SELECT customer_id, (SELECT min(epoch_us(ts)) FROM events) "
            f"FROM customers{only}"
        )
        params += params
    sql = (
        f"SELECT customer_id, min(t) AS t, 0 AS k, {'NULL::VARCHAR AS file, ' if files else ''}"
        f'-1::BIGINT AS "row", {zeros}, NULL::VARCHAR AS p '
        f"FROM ({known}) GROUP BY customer_id"
    )
    return sql, params


def _query(
    plan: Plan, customer: str | None, customers: bool = False, files: bool = True
) -> tuple[str, list[Any], int]:
    """The feed's SQL, its parameters and how many mask columns it has. `files`: the log
    has rows of several files, so the file orders the rows of one instant before the row
    number (else the sort carries no file name: less memory)."""
    # An audience on traits alone reads no event: one mask column of zeros, no rows.
    masks = plan.mask_sql() or [Sql("0::BIGINT", [])]
    names = plan.event_names()
    params: list[Any] = []
    columns = []
    for number, mask in enumerate(masks):
        columns.append(f"{mask.text} AS m{number}")
        params += mask.params
    prop_names = plan.property_events()
    if prop_names:
        marks = ", ".join("?" for _ in prop_names)
        columns.append(f"CASE WHEN event IN ({marks}) THEN CAST(properties AS VARCHAR) END AS p")
        params += prop_names
    else:
        columns.append("NULL::VARCHAR AS p")
    wanted = one_of_sql("event", names)
    matched = plan.matched_sql()
    # Rows of no bit are left out by `matched`, not by a filter on the masks (see there).
    where = f"{wanted.text} AND {matched.text}" if names else "FALSE"
    params += [*wanted.params, *matched.params] if names else []
    if customer is not None:
        where += " AND customer_id = ?"
        params.append(customer)
    mask_names = ", ".join(f"m{n}" for n in range(len(masks)))
    file = "file, " if files else ""
    rows = (
        f'SELECT customer_id, epoch_us(ts) AS t, 1 AS k, {file}"row", {mask_names}, p '
        f'FROM (SELECT customer_id, ts, {file}"row", event, {", ".join(columns)} '
        f"FROM events WHERE {where})"
    )
    if plan.audiences:
        presence, more = _presence(len(masks), customer, customers, files)
        rows = f"{rows} UNION ALL {presence}"
        params += more
    sql = (
        f"SELECT customer_id, t, {mask_names}, p FROM ({rows}) "
        f'ORDER BY customer_id, t, k, {file}"row"'
    )
    return sql, params, len(masks)


def customer_rows(
    con: duckdb.DuckDBPyConnection, plan: Plan, customer: str | None = None
) -> Iterator[CustomerRows]:
    """The reduced log, one customer at a time, in (ts, file, row) order."""
    found = reduced_log(con, plan, customer)
    if found is not None:
        yield from group_customers(*found)


def reduced_log(
    con: duckdb.DuckDBPyConnection, plan: Plan, customer: str | None = None
) -> tuple[pa.RecordBatchReader, int] | None:
    """The reduced log's Arrow batches, sorted by customer, and how many mask columns
    they have; None when the plan reads nothing."""
    if not plan.reads_log:
        return None
    customers = bool(plan.audiences) and _has_customers(con)
    sql, params, width = _query(plan, customer, customers, _several_files(con))
    return con.sql(sql, params=params).to_arrow_reader(BATCH_ROWS), width


def group_customers(batches: Iterable[pa.RecordBatch], width: int) -> Iterator[CustomerRows]:
    """Batches of the reduced log (sorted by customer) as each customer's rows."""
    current: CustomerRows | None = None
    for batch in batches:
        if not batch.num_rows:
            continue
        for rows in batch_rows(batch, width).split():
            if current is not None and current.customer == rows.customer:
                current.times.extend(rows.times)
                current.masks.extend(rows.masks)
                current.properties.extend(rows.properties)
            else:
                if current is not None:
                    yield current
                current = rows
    if current is not None:
        yield current


def batch_rows(batch: pa.RecordBatch, width: int) -> Rows:
    """A batch of the reduced log (sorted by customer, not empty) as Python lists."""
    ids = batch.column(0)
    changes = _changes(ids)
    if width == 1:
        masks = batch.column(2).to_pylist()
    else:
        parts = [batch.column(2 + n).to_pylist() for n in range(width)]
        masks = [
            sum(int(part[i]) << (62 * n) for n, part in enumerate(parts))
            for i in range(batch.num_rows)
        ]
    return Rows(
        [ids[0].as_py(), *ids.slice(1).filter(changes).to_pylist()],
        [0, *_starts(changes)],
        batch.column(1).to_pylist(),
        masks,
        batch.column(2 + width).to_pylist(),
    )


def _changes(ids: pa.Array) -> pa.BooleanArray:
    """For each row of a batch (sorted by customer) but the first: whether another
    customer starts there. (No Arrow array is made from Python values: that would load
    pandas.)"""
    return pc.not_equal(ids.slice(1), ids.slice(0, max(len(ids) - 1, 0)))


def _starts(changes: pa.BooleanArray) -> list[int]:
    """The rows where another customer starts, row 0 not counted (it may go on from the
    last batch)."""
    return [index + 1 for index in pc.indices_nonzero(changes).to_pylist()]


def customer_chunks(
    batches: Iterable[pa.RecordBatch], rows: int = BATCH_ROWS
) -> Iterator[list[pa.RecordBatch]]:
    """The reduced log (sorted by customer) cut into chunks of whole customers, of at
    least `rows` rows each but the last (a customer is never split between two chunks)."""
    held: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        size = batch.num_rows
        if not size:
            continue
        starts = _starts(_changes(batch.column(0)))
        position = 0
        while True:
            found = bisect_left(starts, position + max(rows - count, 1))
            if found == len(starts):
                break
            cut = starts[found]
            held.append(batch.slice(position, cut - position))
            yield held
            held, count, position = [], 0, cut
        held.append(batch.slice(position))
        count += size - position
    if held:
        yield held
