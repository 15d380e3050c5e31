"""The counted attempt of strict, unordered and repeated-step funnels, set-based in DuckDB.

`funnel_sql.attempts` sends ordered funnels whose steps name distinct events to
`funnel_ordered`. Every other funnel comes here: `set_attempts` answers in SQL each
customer for whom a set-based formulation is provably the answer of `funnel_exact`,
leaves in `cjo_att` their rows (k, level, t1..tN, the values `funnel_exact` gives), and
in `cjo_rest(k)` the other customers, for `funnel_sql._attempts_exact` to stream
through `funnel_exact` and add. Which customers are answered here is decided per
customer from `cjo_fs` (one row per event that matches some step; `mask`: the steps it
matches), in `cjo_set_c`:

- *classes*: the customer's distinct masks are pairwise equal or disjoint (for each
  step, the masks with its bit have one union and one intersection). Steps then fall
  into classes (the steps of one mask) whose events are interchangeable: steps i..j
  fit at one instant iff, for every class, the instant has as many of its events as
  i..j has of its steps, and a set of events fits distinct steps iff no class has more
  events than steps. Funnels whose steps match disjoint events (every mask one bit,
  `view → view`, `any:` alternatives no other step names) have classes for every
  customer; a customer with a view matching `view` and `view where tier = 1` and a
  view matching only the first does not.
- *single*: no instant of the customer has two rows in `cjo_fs`.

What goes where:

- ordered (one event name in two steps, e.g. `view → view → cart → purchase`, also
  through `any:`): SQL for the customers with classes, Python for the others.
  `ordered_attempt` fills each step at the earliest instant it fits: with classes, the
  first event of the step's class at or after the previous step that the chain has not
  used; one chain per start instant (ASOF joins, `_ordered_sql`), then the earliest
  start of the customer's best level.
- unordered: SQL for the customers with classes, Python for the others. The matroid
  greedy of `unordered_attempt` takes from a start instant the first events of each
  class in the window, up to the class's number of steps: the level per start is a sum
  of window counts (`_unordered_sql`), the times those events', ascending.
- strict, up to STRICT_STEPS steps: SQL for the customers with classes or single,
  Python for the others; longer strict funnels: SQL for single customers only. A strict
  chain puts its steps in blocks on the instants right after each other in all of the
  customer's events (dense rank, `cjo_rank`); with classes, each layout of blocks is
  checked by class counts, best layout first (`_strict_sql`: the same longest, then
  earliest, chain as `_strict_from`'s search); a single customer's instants fill one
  step each, so the chain from each start is forced (`_forced_sql`).

For ordered and strict funnels, customers without a step-1 event never enter and are
in neither table. The only values in the SQL text are integers computed here (the
window in microseconds, step bits, offsets), never a value from the YAML or the log.
"""

from __future__ import annotations

import duckdb

from cjo_cli.model import Funnel
from cjo_cli.model.clock import SECOND

WORK_TABLES = ("cjo_set_c", "cjo_set_r", "cjo_set_i", "cjo_set_g", "cjo_rest")
"""What `set_attempts` leaves until `drop_set_tables` (`cjo_rest` is read by Python)."""


def set_attempts(con: duckdb.DuckDBPyConnection, funnel: Funnel) -> bool:
    """Create `cjo_att` for the customers answered in SQL and `cjo_rest(k)` for the others
    (strict funnels need `cjo_rank`); True when `cjo_rest` is not empty."""
    steps = len(funnel.steps)
    window = int(funnel.window.seconds * SECOND)
    _customers(con, steps, funnel.order == "strict")
    if funnel.order == "strict":
        search = steps <= STRICT_STEPS
        simple = "(single OR classes)" if search else "single"
        statements = _strict_sql(steps, window, search)
    elif funnel.order == "unordered":
        simple, statements = "classes", _unordered_sql(steps, window)
    else:
        simple, statements = "classes", _ordered_sql(steps, window)
    entered = "true" if funnel.order == "unordered" else "first"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cjo_rest AS "
        f"SELECT k FROM cjo_set_c WHERE {entered} AND NOT {simple}"
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW cjo_set_ok AS "
        f"SELECT k FROM cjo_set_c WHERE {entered} AND {simple}"
    )
    for statement in statements:
        con.execute(statement)
    ((rest,),) = con.execute("SELECT count(*) FROM cjo_rest").fetchall()
    return bool(rest)


def drop_set_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP VIEW IF EXISTS cjo_set_ok")
    for table in WORK_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _customers(con: duckdb.DuckDBPyConnection, steps: int, strict: bool) -> None:
    """`cjo_set_c`: per customer, whether classes hold (for each step, the masks with its
    bit have the same union as intersection: they are one mask), whether some event
    matches step 1 (`first`), per step j the mask of its class (`m{j}`: the union of the
    masks with bit j; 0 when none) and, for strict funnels, whether no instant has two
    rows (`single`)."""
    masks = [f"FILTER (WHERE mask & {1 << j} <> 0)" for j in range(steps)]
    same = " AND ".join(f"coalesce(bit_or(mask) {f} = bit_and(mask) {f}, true)" for f in masks)
    union = "".join(f", coalesce(bit_or(mask) {f}, 0) AS m{j + 1}" for j, f in enumerate(masks))
    single = "count(*) = count(DISTINCT t)" if strict else "NULL::BOOLEAN"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cjo_set_c AS "
        f"SELECT k, {same} AS classes, {single} AS single, bool_or(mask & 1 <> 0) AS first"
        f"{union} FROM cjo_fs GROUP BY k"
    )


def _numbered_rows() -> str:
    """`cjo_set_r`: the answered customers' rows, numbered in time order within each mask
    (with classes, a mask is a class)."""
    return (
        "CREATE OR REPLACE TEMP TABLE cjo_set_r AS "
        "SELECT k, t, mask, row_number() OVER (PARTITION BY k, mask ORDER BY t) AS rn "
        "FROM cjo_fs WHERE k IN (SELECT k FROM cjo_set_ok)"
    )


def _level(steps: int, window: int, start: str = "t1") -> str:
    """The level of a chain whose step times t1..tN never go backwards: the last step
    within the window of `start` (a missing step compares as NULL, so never)."""
    cases = " ".join(f"WHEN t{j} - {start} <= {window} THEN {j}" for j in range(steps, 1, -1))
    return f"CASE {cases} ELSE 1 END" if steps > 1 else "1"


def _counted(steps: int, source: str) -> str:
    """`cjo_att` from `source` (k, level, t1..tN: one row per start): the earliest start
    of the customer's best level, its times past the level cleared."""
    times = "".join(
        f", CASE WHEN level >= {j} THEN t{j} END::BIGINT AS t{j}" for j in range(2, steps + 1)
    )
    return (
        "CREATE OR REPLACE TEMP TABLE cjo_att AS "
        f"SELECT k, level::INTEGER AS level, t1::BIGINT AS t1{times} FROM ({source}) "
        "QUALIFY row_number() OVER (PARTITION BY k ORDER BY level DESC, t1) = 1"
    )


SHIFT = 1 << 63
"""Row numbers are below 2^63 (BIGINT), so t * SHIFT + rn orders rows by (t, rn) as a
HUGEINT: a microsecond time times 2^63 stays far below its 2^127."""


def _ordered_sql(steps: int, window: int) -> list[str]:
    """Ordered funnels with classes. A chain per start instant (a step-1 event's): step j
    takes the first event of its class at or after t(j-1) that the chain has not used.
    The chain used the lowest numbers at each instant, and only at or before t(j-1), so
    that is the first event at or after (t(j-1), last number the chain used at t(j-1)
    in the class + 1): one ASOF join per step on the key (t, rn). No such event: the
    chain ends (NULL from there on)."""
    keyed = f"(SELECT k, t, mask, rn, t::HUGEINT * {SHIFT} + rn AS key FROM cjo_set_r)"
    statements = [
        _numbered_rows(),
        "CREATE OR REPLACE TEMP TABLE cjo_set_g AS "
        "SELECT k, t AS t1, mask AS m1, min(rn) AS r1 FROM cjo_set_r WHERE mask & 1 <> 0 "
        "GROUP BY k, t, mask",
    ]
    for j in range(2, steps + 1):
        bit = 1 << (j - 1)
        used = ", ".join(
            f"CASE WHEN m{i} & {bit} <> 0 AND t{i} = t{j - 1} THEN r{i} + 1 ELSE 0 END"
            for i in range(1, j)
        )
        statements.append(
            "CREATE OR REPLACE TEMP TABLE cjo_set_g AS "
            f"SELECT h.* EXCLUDE (probe), b.mask AS m{j}, b.rn AS r{j}, b.t AS t{j} FROM ("
            f"SELECT *, t{j - 1}::HUGEINT * {SHIFT} + greatest({used}) AS probe FROM cjo_set_g"
            f") h ASOF LEFT JOIN (SELECT * FROM {keyed} WHERE mask & {bit} <> 0) b "
            "ON h.k = b.k AND h.probe <= b.key"
        )
    times = "".join(f", t{j}" for j in range(1, steps + 1))
    statements.append(
        _counted(steps, f"SELECT k, {_level(steps, window)} AS level{times} FROM cjo_set_g")
    )
    return statements


def _unordered_sql(steps: int, window: int) -> list[str]:
    """Unordered funnels with classes. From each instant, n{j}: the events of step j's class
    in the window (running counts per instant, `s{j}`, at the window's last instant, an
    ASOF join, less those before the start); step j counts when n{j} reaches its place
    among its class's steps. The best start's events: per class the first ones in its
    window, up to the class's number of steps."""
    bits = [1 << j for j in range(steps)]
    counts = ", ".join(
        f"count(*) FILTER (WHERE mask & {bit} <> 0) AS c{j}" for j, bit in enumerate(bits, 1)
    )
    running = ", ".join(
        f"sum(c{j}) OVER (PARTITION BY k ORDER BY t ROWS UNBOUNDED PRECEDING) AS s{j}"
        for j in range(1, steps + 1)
    )
    within = ", ".join(f"b.s{j} - a.s{j} + a.c{j} AS n{j}" for j in range(1, steps + 1))
    level = " + ".join(
        f"(n{j} > 0 AND n{j} >= bit_count(m{j} & {(1 << j) - 1}))::INTEGER"
        for j in range(1, steps + 1)
    )
    times = ", ".join(f"l[{j}] AS t{j}" for j in range(1, steps + 1))
    return [
        _numbered_rows(),
        "CREATE OR REPLACE TEMP TABLE cjo_set_i AS "
        f"SELECT *, t + {window} AS te, {running} FROM ("
        f"SELECT k, t, {counts} FROM cjo_set_r GROUP BY k, t)",
        "CREATE OR REPLACE TEMP TABLE cjo_set_g AS "
        f"SELECT k, t, {level} AS level FROM ("
        f"SELECT a.k, a.t, {within} FROM cjo_set_i a "
        "ASOF JOIN cjo_set_i b ON a.k = b.k AND a.te >= b.t"
        ") JOIN cjo_set_c USING (k) "
        "QUALIFY row_number() OVER (PARTITION BY k ORDER BY level DESC, t) = 1",
        "CREATE OR REPLACE TEMP TABLE cjo_att AS "
        f"SELECT k, level::INTEGER AS level, {times} FROM ("
        "SELECT k, any_value(level) AS level, list(t ORDER BY t) AS l FROM ("
        "SELECT g.k, g.level, r.t, r.mask, "
        "row_number() OVER (PARTITION BY g.k, r.mask ORDER BY r.t) AS p "
        f"FROM cjo_set_g g JOIN cjo_set_r r ON r.k = g.k AND r.t >= g.t AND r.t <= g.t + {window}"
        ") WHERE p <= bit_count(mask) GROUP BY k)",
    ]


STRICT_STEPS = 6
"""Strict funnels of at most this many steps are searched in SQL for customers with ties
(2^N - 1 ways to lay the steps on instants)."""


def _layouts(steps: int) -> list[tuple[int, ...]]:
    """Every way to put steps 1..L (L <= steps) on consecutive instants, as block sizes,
    best first: more steps, then more steps on earlier instants (earlier step times)."""
    found: list[tuple[int, ...]] = []

    def grow(sizes: tuple[int, ...], left: int) -> None:
        if sizes:
            found.append(sizes)
        for size in range(1, left + 1):
            grow((*sizes, size), left - size)

    grow((), steps)
    return sorted(found, key=lambda sizes: (-sum(sizes), [-size for size in sizes]))


def _strict_sql(steps: int, window: int, search: bool) -> list[str]:
    """Strict funnels. The chain from a step-1 instant lays its steps in blocks on the next
    instants of the customer's events (dense ranks r, r+1, ...), at most one block per
    instant: the instant at offset i from the start holds the block of steps b..e when
    it is at rank r + i, within the window, and, with classes, has for each step j in the
    block at least as many events of j's class as the block has steps of it up to j.
    `_layouts` lists the layouts best first, so the first that fits is the answer of
    `_strict_from`'s search. With `search`, customers with classes are searched so;
    the others (all, without it) have one matching event per instant: `_forced_sql`."""
    if not search:
        return [_counted(steps, _forced_sql(steps, window, "true"))]
    offsets = range(steps)
    leads = "".join(
        f", lead({column}, {i}) OVER w AS {column}_{i}" for i in offsets[1:] for column in "trc"
    )
    # The instant's events per step, 3 bits each (capped at 7: no block needs more than
    # STRICT_STEPS), in one BIGINT `c`, so that a window pass moves 3 columns, not N + 2.
    counts = " + ".join(
        f"(least(count(*) FILTER (WHERE f.mask & {1 << (j - 1)} <> 0), 7) << {3 * (j - 1)})"
        for j in range(1, steps + 1)
    )

    def fits(offset: int, first: int, last: int) -> str:
        parts = [f"r_{offset} = r_0 + {offset} AND t_{offset} - t_0 <= {window}"] if offset else []
        for j in range(first, last + 1):
            span = (1 << j) - (1 << (first - 1))  # steps first..j
            parts.append(
                f"(c_{offset} >> {3 * (j - 1)}) & 7 >= bit_count((m{j} | {1 << (j - 1)}) & {span})"
            )
        return "(" + " AND ".join(parts) + ")"

    cases = []
    for sizes in _layouts(steps):
        blocks, placed, first = [], [], 1
        for offset, size in enumerate(sizes):
            blocks.append(fits(offset, first, first + size - 1))
            placed += [offset] * size
            first += size
        cases.append(f"WHEN {' AND '.join(blocks)} THEN {placed}")
    instants = ", ".join(f"t_{i}" for i in offsets)
    times = "".join(f", [{instants}][layout[{j}] + 1] AS t{j}" for j in range(2, steps + 1))
    searched = (
        f"SELECT k, len(layout) AS level, t_0 AS t1{times} FROM ("
        f"SELECT *, CASE {' '.join(cases)} END AS layout FROM ("
        f"SELECT k, t AS t_0, r AS r_0, c AS c_0{leads} FROM ("
        f"SELECT f.k, f.t, any_value(r.r) AS r, {counts} AS c FROM cjo_fs f "
        "JOIN cjo_rank r USING (k, t) WHERE f.k IN (SELECT k FROM cjo_set_ok) "
        "AND f.k IN (SELECT k FROM cjo_set_c WHERE classes) GROUP BY f.k, f.t"
        ") WINDOW w AS (PARTITION BY k ORDER BY t)"
        ") JOIN cjo_set_c USING (k) WHERE c_0 & 7 > 0)"
    )
    forced = _forced_sql(steps, window, "NOT classes")
    return [_counted(steps, f"{searched} UNION ALL {forced}")]


def _forced_sql(steps: int, window: int, which: str) -> str:
    """The forced chains of the customers (of those `which` picks in `cjo_set_c`) whose
    instants hold one matching event each: from each step-1 event, the next events (LEAD) fill steps
    2, 3, ... while each is at the next rank, matches its step and is in the window."""
    leads = "".join(
        f", lead(f.t, {i}) OVER w AS t{i + 1}, lead(r.r, {i}) OVER w AS q{i + 1}, "
        f"lead(f.mask, {i}) OVER w AS b{i + 1}"
        for i in range(1, steps)
    )
    fits = [
        f"q{j} = r + {j - 1} AND b{j} & {1 << (j - 1)} <> 0 AND t{j} - t1 <= {window}"
        for j in range(2, steps + 1)
    ]
    cases = " ".join(f"WHEN {' AND '.join(fits[: j - 1])} THEN {j}" for j in range(steps, 1, -1))
    level = f"CASE {cases} ELSE 1 END" if steps > 1 else "1"
    times = "".join(f", t{j}" for j in range(1, steps + 1))
    return (
        f"SELECT k, {level} AS level{times} FROM ("
        f"SELECT f.k, f.t AS t1, f.mask, r.r{leads} FROM cjo_fs f "
        "JOIN cjo_rank r USING (k, t) WHERE f.k IN (SELECT k FROM cjo_set_ok) "
        f"AND f.k IN (SELECT k FROM cjo_set_c WHERE {which}) "
        "WINDOW w AS (PARTITION BY f.k ORDER BY f.t)"
        ") WHERE mask & 1 <> 0"
    )
