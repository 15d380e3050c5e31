"""The SQL stages of a funnel (docs/funnels.md) over the canonical `events` relation, in DuckDB.

1. `cjo_fs`: the customer's rows that match some step, reduced to a key, the time
   in microseconds and which steps they match (persona filter on step 1, as of
   that event; `since`/`until` slice). Values from the YAML go in as
   parameters, never into the SQL text.
2. `cjo_att`: each customer's counted attempt (level and the time of each step).
   Ordered funnels whose steps no single event can match twice are done by
   `funnel_ordered`, on arrays of the sorted step rows; strict, unordered and
   repeated-step funnels are done in SQL for every customer `funnel_sets` can answer
   exactly, and the others go through the per-customer code of `funnel_exact`, fed
   in Arrow batches.
3. Exclusions mark customers (docs/funnels.md: an excluded event between the given steps
   of the counted attempt, or before the window closes when the later step was
   not reached); `funnel_clean` then looks for another attempt of the same level
   that no exclusion removes.

The customer key is a 64-bit hash of the customer id (sorting and joining on it is
much faster than on text); if two ids in the log share a hash (a second hash of
the id, `k2`, tells) the funnel is computed again keyed on the ids themselves, so
results are exact either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import pyarrow as pa

from cjo_cli.conditions.sql import Sql, SqlScope, condition_sql, filters_sql, one_of_sql
from cjo_cli.engine.funnel_exact import ATTEMPTS, Instant
from cjo_cli.engine.funnel_ordered import SORTED_STEPS, ordered_attempts, sorts_hashed_keys
from cjo_cli.engine.funnel_result import NONE_LABEL, FunnelOptions, step_of
from cjo_cli.engine.funnel_sets import drop_set_tables, set_attempts
from cjo_cli.model import EventFilter, Funnel, FunnelStep, Persona
from cjo_cli.model.clock import SECOND

TEMP_TABLES = ("cjo_fs", "cjo_att", "cjo_cand", "cjo_rank")
"""What a funnel run leaves in the connection until `drop_temp_tables`."""


# ---- stage 1: the funnel's rows -----------------------------------------------


def match_sql(spec: EventFilter, alias: str = "e") -> Sql:
    where = filters_sql(f"{alias}.properties", spec.where)
    return Sql(f"({alias}.event = ? AND {where.text})", [spec.event, *where.params])


def _step_sql(step: FunnelStep) -> Sql:
    """An event fills the step when it matches any of the step's alternatives."""
    parts = [match_sql(spec) for spec in step.alternatives]
    return Sql(
        f"({' OR '.join(part.text for part in parts)})",
        [param for part in parts for param in part.params],
    )


def _persona_sql(persona: Persona | None) -> Sql:
    if persona is None or persona.segment is None:
        return Sql("true")
    scope = SqlScope(
        properties="e.properties",
        traits="(SELECT c.traits FROM customers c WHERE c.customer_id = e.customer_id)",
        customer="e.customer_id",
        now="e.ts",
        events="events",
    )
    return condition_sql(persona.segment, scope)


def takes_ordered_path(funnel: Funnel) -> bool:
    """Whether `attempts` counts `funnel` on `funnel_ordered`'s arrays (which can leave
    candidate chains in `cjo_cand`)."""
    return funnel.order == "ordered" and not _can_share_events(funnel)


def _can_share_events(funnel: Funnel) -> bool:
    """Could one event match two steps? (Only when two steps name the same event, in any
    of their alternatives.)"""
    names = [name for step in funnel.steps for name in _step_names(step)]
    return len(set(names)) != len(names)


def _step_names(step: FunnelStep) -> set[str]:
    return {spec.event for spec in step.alternatives}


def slice_sql(options: FunnelOptions, alias: str = "e") -> Sql:
    """`--since/--until` as a condition on `alias.ts`."""
    parts, params = [], []
    if options.since_us is not None:
        parts.append(f"{alias}.ts >= make_timestamptz(?)")
        params.append(options.since_us)
    if options.until_us is not None:
        parts.append(f"{alias}.ts < make_timestamptz(?)")
        params.append(options.until_us)
    return Sql(" AND ".join(parts) or "true", params)


def _steps_table(con: duckdb.DuckDBPyConnection, rows: Sql, in_order: bool = False) -> None:
    """Create `cjo_fs(k, k2, t, mask, bv)` from `rows` (`_steps_sql`); with `in_order`, in
    (k, t) order (sorted while it is made, not read again to sort)."""
    drop_steps(con)
    con.execute(
        f"CREATE TEMP TABLE cjo_fs AS {rows.text} {'ORDER BY k, t' if in_order else ''}",
        rows.params,
    )


def drop_steps(con: duckdb.DuckDBPyConnection) -> None:
    """Drop `cjo_fs`, a table or (`funnel_ordered.keep_sorted`) a view of sorted rows."""
    try:
        con.execute("DROP TABLE IF EXISTS cjo_fs")
    except duckdb.CatalogException:  # it is the view
        con.execute("DROP VIEW cjo_fs")
    con.unregister(SORTED_STEPS)


def _steps_sql(
    funnel: Funnel,
    persona: Persona | None,
    options: FunnelOptions,
    key: str,
    value_path: str | None,
    only_value: str | None = None,
) -> Sql:
    """`(k, k2, t, mask, bv)`: one row per event matching some step (k2: a second hash of
    the customer id, to detect two ids sharing the key k); with `only_value`, only the
    events whose breakdown label (`bv`, NONE_LABEL when absent) it is."""
    persona_sql = _persona_sql(persona)
    masks, params = [], []
    for index, step in enumerate(funnel.steps):
        match = _step_sql(step)
        text, step_params = match.text, list(match.params)
        # The persona holds as of the event that starts the attempt: step 1's, or any
        # step's in an unordered funnel.
        first = index == 0 or funnel.order == "unordered"
        if first and persona_sql.text != "true":
            text = f"({text} AND {persona_sql.text})"
            step_params += persona_sql.params
        masks.append(f"(CASE WHEN {text} THEN {1 << index} ELSE 0 END)")
        params += step_params
    names = one_of_sql("e.event", sorted(set().union(*(_step_names(s) for s in funnel.steps))))
    time_filter = slice_sql(options)
    value = "NULL::VARCHAR"
    value_params: list[Any] = []
    if value_path is not None:
        value, value_params = breakdown_label_sql("e.properties", value_path)
    customer_key = key_sql(key, "e.customer_id")
    return Sql(
        f"""
        SELECT k, k2, t, mask, bv FROM (
            SELECT {customer_key} AS k, {second_hash_sql("e.customer_id")} AS k2,
                   epoch_us(e.ts) AS t,
                   {" | ".join(masks)} AS mask, {value} AS bv
            FROM events e
            WHERE {names.text} AND {time_filter.text}
        ) WHERE mask <> 0 {"AND coalesce(bv, ?) = ?" if only_value is not None else ""}
        """,
        [
            *params,
            *value_params,
            *names.params,
            *time_filter.params,
            *((NONE_LABEL, only_value) if only_value is not None else ()),
        ],
    )


def breakdown_label_sql(column: str, pointer: str) -> tuple[str, list[Any]]:
    """The breakdown label of the property at `pointer`, as `funnel_customer.json_text_value`
    writes it: strings as they are, a double in its shortest form (`1e+16`, `0.5`), any
    other value as compact JSON; NULL when absent or null."""
    node = f"json_extract({column}, ?)"
    return (
        f"CASE WHEN json_type({node}) = 'DOUBLE' THEN CAST(CAST({node} AS DOUBLE) AS VARCHAR) "
        f"ELSE json_extract_string({column}, ?) END",
        [pointer, pointer, pointer],
    )


def second_hash_sql(column: str) -> str:
    """The second hash of the customer id in `column`, which tells two ids apart that
    share `hash(id)`. It hashes other bytes (a prefix changes the hash's state before the
    id is read): DuckDB's hash of several values, `hash(id, 'cjo')`, combines `hash(id)`
    with a constant, so it is the same for any two ids whose `hash(id)` is."""
    return f"hash('cjo~' || {column})"


def key_sql(key: str, column: str) -> str:
    """The customer key over `column`: its hash, or the id itself after a collision."""
    return f"hash({column})" if key == "hash" else column


def _hash_collides(con: duckdb.DuckDBPyConnection) -> bool:
    ((clashes,),) = con.execute(
        "SELECT count(*) FROM (SELECT k FROM cjo_fs GROUP BY k HAVING min(k2) <> max(k2))"
    ).fetchall()
    return bool(clashes)


# ---- stage 2: the counted attempt -------------------------------------------------


def _rank_rows(con: duckdb.DuckDBPyConnection, options: FunnelOptions, key: str) -> str:
    """For strict funnels: each instant's dense rank among all the customer's events."""
    time_filter = slice_sql(options)
    customer_key = key_sql(key, "e.customer_id")
    con.execute("DROP TABLE IF EXISTS cjo_rank")
    con.execute(
        f"""
        CREATE TEMP TABLE cjo_rank AS
        SELECT k, t, dense_rank() OVER (PARTITION BY k ORDER BY t) AS r FROM (
            SELECT DISTINCT {customer_key} AS k, epoch_us(e.ts) AS t FROM events e
            WHERE {time_filter.text} AND {customer_key} IN (SELECT k FROM cjo_fs)
        )
        """,
        time_filter.params,
    )
    return "cjo_rank"


def customer_instants(
    reader: pa.RecordBatchReader,
) -> Iterator[tuple[Any, list[Instant]]]:
    """Rows ordered by (k, t) → (key, instants) per customer."""
    current: Any = None
    instants: list[Instant] = []
    masks: list[int] = []
    instant_ts: int | None = None
    rank = 0
    for batch in reader:
        columns = batch.to_pydict()
        for k, t, mask, r in zip(
            columns["k"], columns["t"], columns["mask"], columns["r"], strict=True
        ):
            if k != current:
                if instant_ts is not None:
                    instants.append(Instant(instant_ts, tuple(masks), rank))
                if current is not None:
                    yield current, instants
                current, instants, masks, instant_ts = k, [], [], None
            if t != instant_ts:
                if instant_ts is not None:
                    instants.append(Instant(instant_ts, tuple(masks), rank))
                masks, instant_ts = [], t
            masks.append(mask)
            rank = r
    if instant_ts is not None:
        instants.append(Instant(instant_ts, tuple(masks), rank))
    if current is not None:
        yield current, instants


def _attempts_exact(
    con: duckdb.DuckDBPyConnection, funnel: Funnel, options: FunnelOptions, key: str
) -> None:
    """The counted attempts of the customers in `cjo_rest`, by `funnel_exact`, added to the
    `cjo_att` that `funnel_sets.set_attempts` made."""
    steps = len(funnel.steps)
    attempt = ATTEMPTS[funnel.order]
    window = funnel.window.seconds * SECOND
    if funnel.order == "strict":
        source = "SELECT f.k, f.t, f.mask, r.r FROM cjo_fs f JOIN cjo_rank r USING (k, t)"
    else:
        source = "SELECT k, t, mask, 0 AS r FROM cjo_fs"
    # Only the customers funnel_sets left to Python (who can enter); the others are done.
    source += " WHERE k IN (SELECT k FROM cjo_rest)"
    reader = con.sql(f"SELECT * FROM ({source}) ORDER BY k, t, mask").to_arrow_reader(65_536)
    key_type = reader.schema.field("k").type
    keys: list[Any] = []
    levels: list[int] = []
    times: list[list[int | None]] = [[] for _ in range(steps)]
    for customer, instants in customer_instants(reader):
        found = attempt(instants, steps, window)
        if not found:
            continue
        keys.append(customer)
        levels.append(len(found))
        for index in range(steps):
            times[index].append(found[index] if index < len(found) else None)
    table = pa.table(
        {
            "k": pa.array(keys, key_type),
            "level": pa.array(levels, pa.int32()),
            **{f"t{i + 1}": pa.array(times[i], pa.int64()) for i in range(steps)},
        }
    )
    con.register("cjo_att_arrow", table)
    con.execute("INSERT INTO cjo_att SELECT * FROM cjo_att_arrow")
    con.unregister("cjo_att_arrow")


# ---- stage 3: exclusions -----------------------------------------------------------


def _apply_exclusions(
    con: duckdb.DuckDBPyConnection, funnel: Funnel, options: FunnelOptions, key: str
) -> None:
    """Add `excluded` to `cjo_att`."""
    con.execute("ALTER TABLE cjo_att ADD COLUMN excluded BOOLEAN DEFAULT false")
    customer_key = key_sql(key, "e.customer_id")
    window = funnel.window.seconds * SECOND
    time_filter = slice_sql(options)
    for exclusion in funnel.exclusions:
        match = match_sql(exclusion.event)
        first, last = exclusion.first_step, exclusion.last_step
        con.execute(
            f"""
            UPDATE cjo_att SET excluded = true WHERE level >= ? AND k IN (
                SELECT a.k FROM cjo_att a JOIN (
                    SELECT {customer_key} AS k, epoch_us(e.ts) AS t FROM events e
                    WHERE {match.text} AND {time_filter.text}
                ) x ON x.k = a.k
                WHERE a.level >= ? AND x.t > a.t{first}
                  AND x.t < CASE WHEN a.level >= ? THEN a.t{last} ELSE a.t1 + ? END
            )
            """,
            [first, *match.params, *time_filter.params, first, last, window],
        )


def breakdown_values(con: duckdb.DuckDBPyConnection, funnel: Funnel, attribution: str) -> None:
    """Add `bv` to `cjo_att`: the property on the counted attempt's step events, as
    `attribution` picks it (docs/funnels.md): the first step event that has it
    (first_touch), the last (last_touch), or step N's (step_N)."""
    con.execute("ALTER TABLE cjo_att ADD COLUMN bv VARCHAR")
    steps = len(funnel.steps)
    chosen = step_of(attribution)
    numbers = [chosen] if chosen is not None else list(range(1, steps + 1))
    # Per step reached, the value on its event; several events at that instant could
    # fill the step: the smallest value counts, so the result does not depend on row order.
    parts = []
    for n in numbers:
        condition = f"f.t = a.t{n}"
        if funnel.order != "unordered":
            condition += f" AND f.mask & {1 << (n - 1)} <> 0"
        parts.append(
            f"SELECT a.k, {n} AS n, min(f.bv) AS bv FROM cjo_att a "
            f"JOIN cjo_fs f ON f.k = a.k AND {condition} "
            f"WHERE a.level >= {n} AND f.bv IS NOT NULL GROUP BY a.k"
        )
    pick = "arg_max(bv, n)" if attribution == "last_touch" else "arg_min(bv, n)"
    con.execute(
        f"""
        UPDATE cjo_att SET bv = v.bv FROM (
            SELECT k, {pick} AS bv FROM ({" UNION ALL ".join(parts)}) GROUP BY k
        ) v WHERE cjo_att.k = v.k
        """
    )


def drop_temp_tables(con: duckdb.DuckDBPyConnection) -> None:
    drop_steps(con)
    for table in TEMP_TABLES:
        if table != "cjo_fs":
            con.execute(f"DROP TABLE IF EXISTS {table}")


def attempts(
    con: duckdb.DuckDBPyConnection,
    funnel: Funnel,
    persona: Persona | None,
    options: FunnelOptions,
    value_path: str | None,
    only_value: str | None = None,
    candidates: bool = False,
) -> tuple[str, str]:
    """Build cjo_fs and cjo_att (with `excluded`); return (engine, key kind). With
    `only_value`, steps are filled only by events of that breakdown label (`all_steps`).
    With `candidates`, ordered funnels on the set-based path also leave `cjo_cand`
    (`funnel_ordered.ordered_attempts`)."""
    key = "hash"
    steps = _steps_sql(funnel, persona, options, key, value_path, only_value)
    if takes_ordered_path(funnel):
        # The ordered path sees the second hashes in its sorted rows: no separate check.
        if sorts_hashed_keys() and value_path is None:
            # Rows keyed on hashes are sorted by funnel_ordered's compiled sort as they
            # come from the log, and kept as cjo_fs: with no breakdown value to read
            # back, they need not be written to a table first.
            drop_steps(con)
            distinct = ordered_attempts(con, funnel, candidates, source=steps)
        else:
            # Where the sort was not built, they are sorted as cjo_fs is made (as are
            # the ids after a collision).
            in_order = not sorts_hashed_keys()
            _steps_table(con, steps, in_order)
            distinct = ordered_attempts(con, funnel, candidates, presorted=in_order)
        if not distinct:
            key = "id"
            by_id = _steps_sql(funnel, persona, options, key, value_path, only_value)
            _steps_table(con, by_id, in_order=True)
            ordered_attempts(con, funnel, candidates, presorted=True)
        engine = "sql"
    else:
        _steps_table(con, steps)
        if _hash_collides(con):
            key = "id"
            _steps_table(con, _steps_sql(funnel, persona, options, key, value_path, only_value))
        # Exact semantics (funnel_exact): SQL for the customers funnel_sets can answer.
        if funnel.order == "strict":
            _rank_rows(con, options, key)
        try:
            if set_attempts(con, funnel):
                _attempts_exact(con, funnel, options, key)
        finally:
            drop_set_tables(con)
        engine = "exact"
    _apply_exclusions(con, funnel, options, key)
    return engine, key
