"""The exclusion preference of docs/funnels.md, on DuckDB: when an exclusion removes a
customer's counted attempt, another attempt of the same level with no excluded event
inside counts instead (PostHog's exclusion steps).

`funnel_sql.attempts` marks the excluded customers. When every exclusion starts at
step 1 (`between: [1, j]`) and the funnel is ordered with steps that match different
events, the answer is among the earliest chains of the starts: an excluded event
must then lie after step 1 and before step j, and the earliest chain from a start
has the earliest step j, so no other chain from that start is cleaner. Those chains
(`cjo_cand`, from `funnel_ordered`) are checked in SQL, for every excluded customer
at once. Otherwise the excluded customers are read back with their step instants
and the times of the events each exclusion matches, and `funnel_exact.clean_attempt`
searches their attempts one customer at a time (on the 10M-event benchmark log,
162,000 customers: tens of seconds).
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from cjo_cli.engine.funnel_exact import Barrier, clean_attempt
from cjo_cli.engine.funnel_result import FunnelOptions
from cjo_cli.engine.funnel_sql import (
    attempts,
    customer_instants,
    key_sql,
    match_sql,
    slice_sql,
    takes_ordered_path,
)
from cjo_cli.model import Funnel, Persona
from cjo_cli.model.clock import SECOND


def counted_attempts(
    con: duckdb.DuckDBPyConnection,
    funnel: Funnel,
    persona: Persona | None,
    options: FunnelOptions,
    value_path: str | None,
    only_value: str | None = None,
) -> tuple[str, str]:
    """`funnel_sql.attempts`, then the excluded customers' clean attempts."""
    candidates = bool(funnel.exclusions) and all(x.first_step == 1 for x in funnel.exclusions)
    engine, key = attempts(con, funnel, persona, options, value_path, only_value, candidates)
    prefer_clean_attempts(con, funnel, options, key, candidates and takes_ordered_path(funnel))
    return engine, key


def _barrier_times(
    con: duckdb.DuckDBPyConnection, funnel: Funnel, options: FunnelOptions, key: str
) -> dict[Any, list[list[int]]]:
    """Per excluded customer, per exclusion, the times of the events it matches."""
    customer_key = key_sql(key, "e.customer_id")
    time_filter = slice_sql(options)
    parts, params = [], []
    for index, exclusion in enumerate(funnel.exclusions):
        match = match_sql(exclusion.event)
        parts.append(
            f"SELECT {customer_key} AS k, {index} AS x, epoch_us(e.ts) AS t FROM events e "
            f"WHERE {match.text} AND {time_filter.text} "
            f"AND {customer_key} IN (SELECT k FROM cjo_ex)"
        )
        params += [*match.params, *time_filter.params]
    found: dict[Any, list[list[int]]] = {}
    rows = con.execute(f"{' UNION ALL '.join(parts)} ORDER BY k, x, t", params).fetchall()
    for customer, index, t in rows:
        found.setdefault(customer, [[] for _ in funnel.exclusions])[index].append(t)
    return found


def prefer_clean_attempts(
    con: duckdb.DuckDBPyConnection,
    funnel: Funnel,
    options: FunnelOptions,
    key: str,
    from_candidates: bool = False,
) -> None:
    """Give each excluded customer of `cjo_att` the earliest attempt of their level that no
    exclusion removes, when they have one (then they are no longer excluded).
    `from_candidates`: `attempts` left the candidate chains in `cjo_cand`."""
    if not funnel.exclusions:
        return
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cjo_ex AS SELECT k, level FROM cjo_att WHERE excluded"
    )
    try:
        if from_candidates:
            _rescue_from_candidates(con, funnel, options, key)
        else:
            _rescue(con, funnel, options, key)
    finally:
        con.execute("DROP TABLE IF EXISTS cjo_ex")
        con.execute("DROP TABLE IF EXISTS cjo_cand")


def _rescue_from_candidates(
    con: duckdb.DuckDBPyConnection, funnel: Funnel, options: FunnelOptions, key: str
) -> None:
    """The earliest candidate chain (`cjo_cand`) of each excluded customer with no
    excluded event inside: after step 1 and before step j, or before the window's end
    when the chain stops short of step j (the rule of `_apply_exclusions`)."""
    steps = len(funnel.steps)
    window = funnel.window.seconds * SECOND
    customer_key = key_sql(key, "e.customer_id")
    time_filter = slice_sql(options)
    dirty, params = [], []
    for exclusion in funnel.exclusions:
        match = match_sql(exclusion.event)
        last = exclusion.last_step
        dirty.append(
            f"SELECT c.k, c.t1 FROM cjo_cand c JOIN ("
            f"SELECT {customer_key} AS k, epoch_us(e.ts) AS t FROM events e "
            f"WHERE {match.text} AND {time_filter.text} "
            f"AND {customer_key} IN (SELECT k FROM cjo_ex)) x ON x.k = c.k AND x.t > c.t1 "
            f"AND x.t < CASE WHEN c.level >= {last} THEN c.t{last} ELSE c.t1 + ? END"
        )
        params += [*match.params, *time_filter.params, window]
    times = ", ".join(f"t{step}" for step in range(1, steps + 1))
    assignments = ", ".join(f"t{step} = c.t{step}" for step in range(1, steps + 1))
    con.execute(
        f"""
        UPDATE cjo_att SET {assignments}, excluded = false FROM (
            SELECT k, unnest(arg_min(struct_pack({times}), t1)) FROM (
                SELECT * FROM cjo_cand WHERE k IN (SELECT k FROM cjo_ex)
            ) c ANTI JOIN ({" UNION ALL ".join(dirty)}) d ON d.k = c.k AND d.t1 = c.t1
            GROUP BY k
        ) c WHERE cjo_att.k = c.k
        """,
        params,
    )


def _rescue(
    con: duckdb.DuckDBPyConnection, funnel: Funnel, options: FunnelOptions, key: str
) -> None:
    levels = dict(con.execute("SELECT k, level FROM cjo_ex").fetchall())
    if not levels:
        return
    times = _barrier_times(con, funnel, options, key)
    steps = len(funnel.steps)
    if funnel.order == "strict":
        # `cjo_rank` is left by the exact path, which every strict funnel takes.
        source = "SELECT f.k, f.t, f.mask, r.r FROM cjo_fs f JOIN cjo_rank r USING (k, t)"
    else:
        source = "SELECT k, t, mask, 0 AS r FROM cjo_fs"
    reader = con.sql(
        f"SELECT * FROM ({source}) s WHERE s.k IN (SELECT k FROM cjo_ex) ORDER BY k, t, mask"
    ).to_arrow_reader(65_536)
    key_type = reader.schema.field("k").type
    window = funnel.window.seconds * SECOND
    keys: list[Any] = []
    columns: list[list[int | None]] = [[] for _ in range(steps)]
    for customer, instants in customer_instants(reader):
        empty: list[list[int]] = [[] for _ in funnel.exclusions]
        barriers = [
            Barrier(exclusion.first_step, exclusion.last_step, tuple(found))
            for exclusion, found in zip(funnel.exclusions, times.get(customer, empty), strict=True)
        ]
        level = levels[customer]
        clean = clean_attempt(instants, steps, window, funnel.order, level, barriers)
        if clean is None:
            continue
        keys.append(customer)
        for index in range(steps):
            columns[index].append(clean[index] if index < level else None)
    if not keys:
        return
    table = pa.table(
        {
            "k": pa.array(keys, key_type),
            **{f"t{i + 1}": pa.array(columns[i], pa.int64()) for i in range(steps)},
        }
    )
    con.register("cjo_clean_arrow", table)
    try:
        assignments = ", ".join(f"t{i} = c.t{i}" for i in range(1, steps + 1))
        con.execute(
            f"UPDATE cjo_att SET {assignments}, excluded = false "
            "FROM cjo_clean_arrow c WHERE cjo_att.k = c.k"
        )
    finally:
        con.unregister("cjo_clean_arrow")
