"""Funnel conversion (docs/funnels.md) over the canonical `events` relation, in DuckDB.

`funnel_sql` finds each customer's counted attempt (`cjo_att`: level, the time of
each step, excluded or not); this module counts them per step, with the times
between steps and the breakdown groups (`funnel_timing` adds the trend and the
distribution of the times to each step), and keeps what `--db` asks for. A run
leaves no temporary table behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import duckdb
import pyarrow as pa

from cjo_cli.engine.funnel_clean import counted_attempts
from cjo_cli.engine.funnel_result import (
    NONE_LABEL,
    FunnelGroup,
    FunnelOptions,
    FunnelResult,
    VariantGroups,
    empty_group,
    full_trend,
    group_from_values,
    parse_breakdown,
    step_rows,
    variant_groups,
    with_times,
)
from cjo_cli.engine.funnel_sql import breakdown_values, drop_temp_tables, key_sql
from cjo_cli.engine.funnel_timing import log_end, step_times, trend
from cjo_cli.events.tables import CREATE_CUSTOMERS
from cjo_cli.json_pointer import key_pointer
from cjo_cli.model import Funnel
from cjo_cli.model.clock import SECOND

# ---- stage 4: counts ------------------------------------------------------------------


def _group_stats(
    con: duckdb.DuckDBPyConnection, funnel: Funnel, group_sql: str, params: Sequence[Any]
) -> dict[str | None, FunnelGroup]:
    """Per group (the value of `group_sql` over cjo_att aliased `a`), the step stats."""
    steps = len(funnel.steps)
    columns = []
    for step in range(1, steps + 1):
        columns.append(f"count(*) FILTER (WHERE level >= {step})")
        if step > 1:
            # Integer microseconds, summed exactly: the mean does not depend on the
            # order threads add up the rows in.
            gap = f"(t{step} - t{step - 1})"
            reached = f"FILTER (WHERE level >= {step})"
            columns.append(f"median({gap}) {reached} / {SECOND}.0")
            columns.append(
                f"CAST(sum({gap}::HUGEINT) {reached} AS DOUBLE) / count(*) {reached} / {SECOND}.0"
            )
    rows = con.execute(
        f"""
        SELECT grp, count(*) FILTER (WHERE excluded), {", ".join(columns)}
        FROM (SELECT *, {group_sql} AS grp FROM cjo_att a) GROUP BY grp
        """,
        list(params),
    ).fetchall()
    groups: dict[str | None, FunnelGroup] = {}
    for row in rows:
        label, excluded, values = row[0], int(row[1]), list(row[2:])
        # Excluded customers are in the group's rows: take them out of the counts.
        groups[label] = group_from_values(funnel, values, excluded)
    return groups


def _stats(
    con: duckdb.DuckDBPyConnection,
    funnel: Funnel,
    group_sql: str,
    end_us: int | None,
    interval: str,
) -> dict[str | None, FunnelGroup]:
    """`_group_stats` with the times to each step and the trend of each group."""
    times = step_times(con, funnel, group_sql)
    trends = trend(con, funnel, group_sql, end_us, interval)
    return {
        label: with_times(group, times.get(label, {}), full_trend(trends.get(label, []), interval))
        for label, group in _group_stats(con, funnel, group_sql, []).items()
    }


def run_funnel(
    con: duckdb.DuckDBPyConnection,
    funnel: Funnel,
    options: FunnelOptions = FunnelOptions(),
    end_us: int | None = None,
) -> FunnelResult:
    """Compute one funnel over the `events` relation of `con`; `end_us`: the log's end
    (`funnel_timing.log_end`) when already known."""
    try:
        return _run(con, funnel, options, end_us)
    finally:
        drop_temp_tables(con)


def run_funnels(
    con: duckdb.DuckDBPyConnection,
    funnels: Sequence[Funnel],
    options: FunnelOptions = FunnelOptions(),
) -> list[FunnelResult]:
    results: list[FunnelResult] = []
    end_us: int | None = None
    for funnel in funnels:
        # The log's end is the same for every funnel: found once.
        results.append(run_funnel(con, funnel, options, end_us))
        end_us = results[-1].log_end_us
    return results


def _run(
    con: duckdb.DuckDBPyConnection, funnel: Funnel, options: FunnelOptions, end_us: int | None
) -> FunnelResult:
    con.execute(CREATE_CUSTOMERS)
    persona = options.personas.get(funnel.persona) if funnel.persona else None
    breakdown = parse_breakdown(funnel, options)
    value_path = (
        key_pointer(breakdown.key)
        if breakdown is not None and breakdown.by == "property" and breakdown.key
        else None
    )
    engine, key = counted_attempts(con, funnel, persona, options, value_path)
    if end_us is None:
        ((floor,),) = con.execute("SELECT max(t) FROM cjo_fs").fetchall()
        end_us = log_end(con, options, None if floor is None else int(floor))
    interval = options.interval
    empty = with_times(empty_group(funnel), {}, [])
    included = "CASE WHEN a.excluded THEN NULL ELSE 'all' END"
    total = _stats(con, funnel, included, end_us, interval).get("all", empty)
    total = replace(total, excluded=_count_excluded(con))
    if options.keep_customers:
        _keep_customers(con, funnel, key)
    if breakdown is None:
        return FunnelResult(funnel, total, engine=engine, interval=interval, log_end_us=end_us)
    groups: list[FunnelGroup] = []
    if breakdown.by == "property" and breakdown.attribution == "all_steps":
        # PostHog's "All steps": a funnel per value, on the step events that carry it.
        labels = con.execute("SELECT DISTINCT coalesce(bv, ?) FROM cjo_fs", [NONE_LABEL]).fetchall()
        for (label,) in sorted(labels):
            counted_attempts(con, funnel, persona, options, value_path, label)
            group = _stats(con, funnel, included, end_us, interval).get("all", empty)
            # A value no one enters with (only on later steps' events) is no group.
            if group.steps[0].customers:
                groups.append(replace(group, label=label, excluded=_count_excluded(con)))
        return FunnelResult(
            funnel, total, breakdown.label, tuple(groups), engine, interval, end_us, True
        )
    variants = variant_groups(funnel, breakdown, options) if breakdown.by == "variant" else None
    if variants is not None:
        _variant_values(con, key, variants)
    elif breakdown.by == "property":
        breakdown_values(con, funnel, breakdown.attribution)
    if breakdown.by == "property" or variants is not None:
        found = _stats(
            con,
            funnel,
            f"CASE WHEN a.excluded THEN NULL ELSE coalesce(a.bv, '{NONE_LABEL}') END",
            end_us,
            interval,
        )
        for label in sorted(name for name in found if name is not None):
            groups.append(replace(found[label], label=label, excluded=0))
    elif breakdown.by == "persona":
        for persona_id, group_persona in sorted(options.personas.items()):
            counted_attempts(con, funnel, group_persona, options, None)
            group = _stats(con, funnel, included, end_us, interval).get("all", empty)
            groups.append(replace(group, label=persona_id, excluded=_count_excluded(con)))
    else:
        raise ValueError(f"breakdown by {breakdown.by} needs the journey replay")
    if variants is not None:
        label = f"variant of {variants.journey}"
        return FunnelResult(
            funnel,
            total,
            label,
            tuple(groups),
            engine,
            interval,
            end_us,
            False,
            variants.assignment,
        )
    return FunnelResult(funnel, total, breakdown.label, tuple(groups), engine, interval, end_us)


def _variant_values(con: duckdb.DuckDBPyConnection, key: str, variants: VariantGroups) -> None:
    """Add `bv` to `cjo_att`: each customer's variant (customer-level, from the replay)."""
    table = pa.table(
        {
            "customer_id": pa.array(list(variants.variants), pa.string()),
            "variant": pa.array(list(variants.variants.values()), pa.string()),
        }
    )
    con.execute("ALTER TABLE cjo_att ADD COLUMN bv VARCHAR")
    con.register("cjo_variant_arrow", table)
    try:
        con.execute(
            "UPDATE cjo_att SET bv = v.variant FROM (SELECT "
            f"{key_sql(key, 'customer_id')} AS k, variant FROM cjo_variant_arrow) v "
            "WHERE cjo_att.k = v.k"
        )
    finally:
        con.unregister("cjo_variant_arrow")


def _count_excluded(con: duckdb.DuckDBPyConnection) -> int:
    ((count,),) = con.execute("SELECT count(*) FROM cjo_att WHERE excluded").fetchall()
    return int(count)


def _keep_customers(con: duckdb.DuckDBPyConnection, funnel: Funnel, key: str) -> None:
    """Append every entered customer's attempt to `funnel_customers` (for --db)."""
    steps = len(funnel.steps)
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS funnel_customers (
            funnel VARCHAR, customer_id VARCHAR, level INTEGER, excluded BOOLEAN,
            step_times TIMESTAMPTZ[]
        )
        """
    )
    times = ", ".join(f"make_timestamptz(a.t{n})" for n in range(1, steps + 1))
    customer_key = key_sql(key, "customer_id")
    ids = (
        f"(SELECT DISTINCT {customer_key} AS k, customer_id AS cid FROM events "
        f"WHERE {customer_key} IN (SELECT k FROM cjo_att))"
    )
    con.execute(
        f"""
        INSERT INTO funnel_customers
        SELECT ?, ids.cid, a.level, a.excluded, list_filter([{times}], lambda x: x IS NOT NULL)
        FROM cjo_att a JOIN {ids} ids ON ids.k = a.k
        ORDER BY ids.cid
        """,
        [funnel.id],
    )


def keep_results(con: duckdb.DuckDBPyConnection, results: Sequence[FunnelResult]) -> None:
    """The `funnel_steps` table of a `--db` file: `funnel_result.step_rows`."""
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS funnel_steps (
            funnel VARCHAR, breakdown VARCHAR, "group" VARCHAR, step INTEGER, name VARCHAR,
            event VARCHAR, customers BIGINT, from_start DOUBLE, from_previous DOUBLE,
            median_seconds DOUBLE, mean_seconds DOUBLE
        )
        """
    )
    rows = step_rows(results)
    if rows:
        con.executemany("INSERT INTO funnel_steps VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
