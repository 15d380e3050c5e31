"""DuckDB's part of a replay: reduce the log to the rows that matter, sorted per customer.

The `events` relation is filtered to the event names the plan looks at, each
row gets its filter bits (parameterised SQL, one BIGINT per 62 filters), rows
with no bit are dropped, and the rest come sorted by (customer, ts, file, row)
in Arrow batches. Python sees one customer at a time and keeps nothing of a
customer once it is done.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from cjo_cli.conditions.sql import Sql
from cjo_cli.engine.replay import replay_customer
from cjo_cli.engine.replay_plan import Plan
from cjo_cli.engine.replay_records import CustomerReplay

BATCH_ROWS = 65_536


@dataclass(frozen=True)
class CustomerRows:
    customer: str
    times: list[int]
    masks: list[int]
    properties: list[Any]
    names: list[str | None]
    """The event of each row; None for the row of no events that says since when an
    audience journey knows the customer (only when some journey enters on a schedule)."""

    @property
    def events(self) -> int:
        """How many of the rows are the log's events."""
        return sum(1 for name in self.names if name is not None)

    def replay(
        self,
        plan: Plan,
        log_end: int,
        traits: Mapping[str, dict[str, Any]],
        explain: bool = False,
    ) -> CustomerReplay:
        """This customer's replay through the plan (`replay.replay_customer`)."""
        return replay_customer(
            plan,
            self.customer,
            self.times,
            self.masks,
            self.properties,
            self.names,
            log_end,
            traits.get(self.customer),
            explain,
        )


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


def _presence(width: int, customer: str | None, customers: bool) -> tuple[str, list[Any]]:
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
        f"SELECT customer_id, min(t) AS t, 0 AS k, NULL::VARCHAR AS file, "
        f'-1::BIGINT AS "row", NULL::VARCHAR AS event, {zeros}, NULL::VARCHAR AS p '
        f"FROM ({known}) GROUP BY customer_id"
    )
    return sql, params


def _query(plan: Plan, customer: str | None, customers: bool = False) -> tuple[str, list[Any], int]:
    """The feed's SQL, its parameters and how many mask columns it has."""
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
    where = f"event IN ({', '.join('?' for _ in names)})" if names else "FALSE"
    params += names
    if customer is not None:
        where += " AND customer_id = ?"
        params.append(customer)
    keep = " OR ".join(f"m{number} <> 0" for number in range(len(masks)))
    mask_names = ", ".join(f"m{n}" for n in range(len(masks)))
    rows = (
        f'SELECT customer_id, epoch_us(ts) AS t, 1 AS k, file, "row", event, {mask_names}, p '
        f'FROM (SELECT customer_id, ts, file, "row", event, {", ".join(columns)} '
        f"FROM events WHERE {where}) WHERE {keep}"
    )
    if plan.audiences:
        presence, more = _presence(len(masks), customer, customers)
        rows = f"{rows} UNION ALL {presence}"
        params += more
    sql = (
        f"SELECT customer_id, t, {mask_names}, p, event FROM ({rows}) "
        'ORDER BY customer_id, t, k, file, "row"'
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
    if not plan.filters and not plan.audiences:
        return None
    sql, params, width = _query(plan, customer, bool(plan.audiences) and _has_customers(con))
    return con.sql(sql, params=params).to_arrow_reader(BATCH_ROWS), width


def group_customers(batches: Iterable[pa.RecordBatch], width: int) -> Iterator[CustomerRows]:
    """Batches of the reduced log (sorted by customer) as each customer's rows."""
    current: CustomerRows | None = None
    for batch in batches:
        ids = batch.column(0).to_pylist()
        times = batch.column(1).to_pylist()
        if width == 1:
            masks = batch.column(2).to_pylist()
        else:
            parts = [batch.column(2 + n).to_pylist() for n in range(width)]
            masks = [
                sum(int(part[i]) << (62 * n) for n, part in enumerate(parts))
                for i in range(len(ids))
            ]
        props = batch.column(2 + width).to_pylist()
        names = batch.column(3 + width).to_pylist()
        start = 0
        size = len(ids)
        while start < size:
            who = ids[start]
            end = start + 1
            while end < size and ids[end] == who:
                end += 1
            if current is not None and current.customer == who:
                current.times.extend(times[start:end])
                current.masks.extend(masks[start:end])
                current.properties.extend(props[start:end])
                current.names.extend(names[start:end])
            else:
                if current is not None:
                    yield current
                current = CustomerRows(
                    who, times[start:end], masks[start:end], props[start:end], names[start:end]
                )
            start = end
    if current is not None:
        yield current


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
        ids = batch.column(0)
        # Where a customer starts within the batch (row 0 may go on from the last batch).
        changes = pc.not_equal(ids.slice(1), ids.slice(0, size - 1))
        starts = [index + 1 for index in pc.indices_nonzero(changes).to_pylist()]
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
