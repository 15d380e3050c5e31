"""Run a replay over the `events` relation: DuckDB feeds, the state machine decides.

This is the one place that ties the feed, the per-customer machine, the totals
and the optional `--db` tables together; another executor (Spark) would call
`replay_customer` the same way on its own customer groups.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import duckdb

from cjo_cli.engine.replay import replay_customer, replay_together
from cjo_cli.engine.replay_feed import customer_rows, load_traits, reduced_log
from cjo_cli.engine.replay_parallel import Workers, replay_in_workers
from cjo_cli.engine.replay_plan import Plan
from cjo_cli.engine.replay_records import CustomerReplay
from cjo_cli.engine.replay_rows import CustomerRows
from cjo_cli.engine.replay_stats import ReplayTotals
from cjo_cli.engine.replay_tables import ReplayTables
from cjo_cli.events.tables import log_span


@dataclass
class Simulation:
    plan: Plan
    totals: ReplayTotals
    log_start: int | None
    log_end: int | None
    explained: CustomerReplay | None = None


def simulate(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    *,
    keep_tables: bool = False,
    on_customer: Callable[[CustomerReplay], None] | None = None,
    progress: Callable[[int], None] | None = None,
    workers: Workers | None = None,
) -> Simulation:
    """Replay every customer of the log; with `keep_tables`, write the `--db` tables.
    With `workers` (more than one process), customers are replayed on several cores,
    unless the replay needs each customer's records here (`keep_tables`, `on_customer`)
    or one time order for all of them (a send rate)."""
    start, end = log_span(con)
    totals = ReplayTotals(plan, end - start if start is not None and end is not None else 0)
    result = Simulation(plan, totals, start, end)
    if start is None or end is None:
        return result
    plan = plan.scheduled(start, end)
    traits = load_traits(con, plan)
    if (
        workers is not None
        and workers.processes > 1
        and not keep_tables
        and on_customer is None
        and not plan.rate_limited
    ):
        if plan.reads_log:
            feed = partial(reduced_log, con, plan)
            replay_in_workers(workers, plan, feed, end, traits, totals, progress)
        return result
    tables = ReplayTables(con.cursor()) if keep_tables else None
    for rows, replay in _replays(con, plan, end, traits):
        totals.add(replay, rows.events)
        if tables is not None:
            tables.add(replay)
        if on_customer is not None:
            on_customer(replay)
        if progress is not None and totals.customers % 1024 == 0:
            progress(totals.events)
    if tables is not None:
        tables.finish(totals)
    if progress is not None:
        progress(totals.events)
    return result


def _replays(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    end: int,
    traits: Mapping[str, dict[str, Any]],
    explain: str | None = None,
) -> Iterator[tuple[CustomerRows, CustomerReplay]]:
    """Each customer's rows and replay: one at a time, or, when a journey limits its
    send rate across customers, all in one time order (`replay_together`)."""
    if plan.rate_limited:
        everyone = list(customer_rows(con, plan))
        replays = replay_together(
            plan,
            [
                (r.customer, r.times, r.masks, r.properties, r.names(plan) if explain else [])
                for r in everyone
            ],
            end,
            traits,
            explain,
        )
        yield from zip(everyone, replays, strict=True)
        return
    for rows in customer_rows(con, plan, explain):
        replay = rows.replay(plan, end, traits, explain is not None)
        yield rows, replay


def explain(
    con: duckdb.DuckDBPyConnection, plan: Plan, customer: str, until: int | None = None
) -> CustomerReplay | None:
    """One customer's replay with the reason for every move; None if the log lacks them.
    The log ends at its last event, or at `until` (a test's story may run on)."""
    ((found,),) = con.execute(
        "SELECT count(*) FROM events WHERE customer_id = ?", [customer]
    ).fetchall()
    if not found:
        return None
    first, last = log_span(con)
    assert first is not None and last is not None
    end = max(last, until) if until is not None else last
    plan = plan.scheduled(first, end)
    traits = load_traits(con, plan)
    for rows, replay in _replays(con, plan, end, traits, customer):
        if rows.customer == customer:
            return replay
    return replay_customer(plan, customer, [], [], [], [], end, traits.get(customer), True)


def relevant_events(con: duckdb.DuckDBPyConnection, plan: Plan) -> int:
    """How many rows the replay reads (for the progress bar's total)."""
    names = plan.event_names()
    if not names:
        return 0
    row = con.execute(
        f"SELECT count(*) FROM events WHERE event IN ({', '.join('?' for _ in names)})", names
    ).fetchall()[0]
    return int(row[0]) if row else 0


def customer_events(
    con: duckdb.DuckDBPyConnection, plan: Plan, customer: str
) -> list[tuple[int, str, str]]:
    """(ts µs, event, properties JSON) of the customer's events the plan reads, in the
    replay's order: what a test needs to replay this customer."""
    names = plan.event_names()
    if not names:
        return []
    rows = con.execute(
        "SELECT epoch_us(ts), event, CAST(properties AS VARCHAR) FROM events "
        f"WHERE customer_id = ? AND event IN ({', '.join('?' for _ in names)}) "
        'ORDER BY ts, file, "row"',
        [customer, *names],
    ).fetchall()
    return [(int(ts), str(event), str(props)) for ts, event, props in rows]
