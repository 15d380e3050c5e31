"""Stage 2 of `funnel_sql` for ordered funnels whose steps match disjoint events: each
customer's counted attempt (docs/funnels.md) from `cjo_fs`, in SQL, as `cjo_att(k,
level, t1..tN)` (times in microseconds).

From a step-1 event at t1 the earliest chain takes, for each next step, its first
event at or after the previous one (an ASOF join). All step-1 events with the same
next step-2 event share the rest of that chain, so they are grouped (`cjo_g`; lo/hi:
their earliest and latest time) and the chain is followed once per group. Within a
group a later start only gains window, so the group's level is the one of `hi`; the
counted start is the earliest start of the earliest group that reaches the
customer's best level (the earliest start in that group still within the window of
the chain's last step).
"""

from __future__ import annotations

import duckdb

from cjo_cli.model import Funnel
from cjo_cli.model.clock import SECOND

_ROWS = "(SELECT k, t FROM cjo_fs WHERE mask = {bit})"


def _chain_sql(steps: int) -> list[str]:
    """`cjo_g(k, t2, lo, hi, t3..tN)`: per customer and step-2 event (or none), the
    step-1 events before it and the chain that follows."""
    if steps == 1:
        return [
            "CREATE OR REPLACE TEMP TABLE cjo_g AS "
            f"SELECT k, NULL::BIGINT AS t2, min(t) AS lo, max(t) AS hi FROM {_ROWS.format(bit=1)} "
            "GROUP BY k"
        ]
    statements = [
        "CREATE OR REPLACE TEMP TABLE cjo_g AS "
        f"SELECT a.k, b.t AS t2, min(a.t) AS lo, max(a.t) AS hi FROM {_ROWS.format(bit=1)} a "
        f"ASOF LEFT JOIN {_ROWS.format(bit=2)} b ON a.k = b.k AND a.t <= b.t "
        "GROUP BY a.k, b.t"
    ]
    for step in range(3, steps + 1):
        statements.append(
            f"CREATE OR REPLACE TEMP TABLE cjo_g AS SELECT h.*, b.t AS t{step} FROM cjo_g h "
            f"ASOF LEFT JOIN {_ROWS.format(bit=1 << (step - 1))} b "
            f"ON h.k = b.k AND h.t{step - 1} <= b.t"
        )
    return statements


def _pick_sql(steps: int) -> str:
    """`cjo_pick(k, level, lo, hi, t2..tN)`: each customer's group of the best level,
    the earliest of those (the smallest `lo`: the groups of a customer hold disjoint
    step-1 events, so no two have the same `lo` and the pick is one group).

    One aggregate with the key (-level, lo), rather than the best level per customer
    joined back to the groups and grouped again: on 10M events that join and second
    GROUP BY were a fifth of this stage."""
    levels = " ".join(f"WHEN t{step} - hi <= $window THEN {step}" for step in range(steps, 1, -1))
    level = f"CASE {levels} ELSE 1 END" if steps > 1 else "1"
    chain = "".join(f", t{step}" for step in range(2, steps + 1))
    return (
        "CREATE OR REPLACE TEMP TABLE cjo_pick AS "
        f"SELECT k, unnest(arg_min(struct_pack(level, lo, hi{chain}), "
        "struct_pack(a := -level, b := lo))) "
        f"FROM (SELECT *, {level} AS level FROM cjo_g) GROUP BY k"
    )


def _counted_sql(steps: int) -> str:
    """`cjo_att` from `cjo_pick`. The group's earliest start is usually within the
    window of the chain's last step; when it is not, the first start that is."""
    last = " ".join(f"WHEN {step} THEN p.t{step}" for step in range(2, steps + 1))
    threshold = f"CASE p.level {last} END - $window" if steps > 1 else "NULL::BIGINT"
    columns = "".join(
        f", CASE WHEN p.level >= {step} THEN p.t{step} END AS t{step}"
        for step in range(2, steps + 1)
    )
    return (
        "CREATE OR REPLACE TEMP TABLE cjo_att AS "
        f"WITH late AS (SELECT k, {threshold} AS thr, hi FROM cjo_pick p "
        f"WHERE p.level > 1 AND p.lo < {threshold}), "
        f"fix AS (SELECT s.k, min(s.t) AS t1 FROM {_ROWS.format(bit=1)} s "
        "JOIN late ON s.k = late.k AND s.t >= late.thr AND s.t <= late.hi GROUP BY s.k) "
        f"SELECT p.k, CAST(p.level AS INTEGER) AS level, coalesce(fix.t1, p.lo) AS t1{columns} "
        "FROM cjo_pick p LEFT JOIN fix ON fix.k = p.k"
    )


def ordered_sql(steps: int) -> list[str]:
    """The statements, run in turn (`$window` in microseconds); the last leaves `cjo_att`."""
    return [*_chain_sql(steps), _pick_sql(steps), _counted_sql(steps)]


def ordered_attempts(con: duckdb.DuckDBPyConnection, funnel: Funnel) -> None:
    """Create `cjo_att` for `funnel` from `cjo_fs`."""
    window = {"window": funnel.window.seconds * SECOND}
    for statement in ordered_sql(len(funnel.steps)):
        con.execute(statement, window if "$window" in statement else None)
    con.execute("DROP TABLE IF EXISTS cjo_g")
    con.execute("DROP TABLE IF EXISTS cjo_pick")
