"""The set-based SQL path (`engine.funnel_sets`) for strict, unordered and repeated-step
funnels: which customers it answers and which it leaves to Python (`cjo_rest`), worked
cases for each shape, and hypothesis holding the whole `cjo_att` table and the final
`FunnelResult` equal to the all-Python path and to the reference.

Logs are built with `funnel_helpers.load`: times are seconds after its EPOCH; the tables
hold microseconds since 1970 (`us`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cjo_cli.engine import funnel_sql
from cjo_cli.engine.funnel_result import FunnelOptions, FunnelResult
from cjo_cli.engine.funnel_sets import STRICT_STEPS, WORK_TABLES, drop_set_tables, set_attempts
from cjo_cli.engine.funnels import run_funnel
from cjo_cli.model import Duration, EventFilter, Funnel, FunnelStep, PropertyFilter
from cjo_cli.model.clock import SECOND, to_us
from tests.conftest import examples
from tests.engine.funnel_helpers import (
    EPOCH,
    any_step,
    ev,
    funnel,
    load,
    set_funnels,
    set_logs,
)
from tests.engine.funnel_reference import LogEvent, counted_attempt, funnel_counts

BASE = to_us(EPOCH)
CART4 = ("view", "view", "cart", "buy")


def us(seconds: int) -> int:
    return BASE + seconds * SECOND


def _ids(con: duckdb.DuckDBPyConnection, key: str) -> str:
    customer_key = funnel_sql.key_sql(key, "customer_id")
    return f"(SELECT DISTINCT customer_id AS cid, {customer_key} AS k FROM events)"


def att_by_customer(con: duckdb.DuckDBPyConnection, steps: int, key: str = "hash") -> list[Any]:
    """`cjo_att` with the customer id in place of the key, every column, sorted."""
    columns = [row[0] for row in con.execute("DESCRIBE cjo_att").fetchall()]
    rest = ", ".join(f"x.{name}" for name in columns if name != "k")
    return con.execute(
        f"SELECT ids.cid, {rest} FROM cjo_att x JOIN {_ids(con, key)} ids USING (k) ORDER BY ALL"
    ).fetchall()


def split(f: Funnel, log: Sequence[LogEvent]) -> tuple[list[Any], list[str]]:
    """`set_attempts` alone on the log: (cjo_att rows by customer, customers left to Python)."""
    con = load(log)
    funnel_sql._steps_table(con, funnel_sql._steps_sql(f, None, FunnelOptions(), "hash", None))
    if f.order == "strict":
        funnel_sql._rank_rows(con, FunnelOptions(), "hash")
    set_attempts(con, f)
    rows = att_by_customer(con, len(f.steps))
    rest = con.execute(f"SELECT cid FROM cjo_rest JOIN {_ids(con, 'hash')} USING (k) ORDER BY 1")
    left = [cid for (cid,) in rest.fetchall()]
    drop_set_tables(con)
    return rows, left


def _all_python(con: duckdb.DuckDBPyConnection, f: Funnel) -> bool:
    """A stand-in for `set_attempts` that answers nobody: every customer goes to Python."""
    con.execute("CREATE OR REPLACE TEMP TABLE cjo_rest AS SELECT DISTINCT k FROM cjo_fs")
    times = ", ".join(f"NULL::BIGINT AS t{n}" for n in range(1, len(f.steps) + 1))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cjo_att AS "
        f"SELECT k, NULL::INTEGER AS level, {times} FROM cjo_fs LIMIT 0"
    )
    return True


@contextmanager
def python_only() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(funnel_sql, "set_attempts", _all_python)
        yield


def attempts_rows(f: Funnel, log: Sequence[LogEvent]) -> tuple[list[Any], str]:
    con = load(log)
    engine, key = funnel_sql.attempts(con, f, None, FunnelOptions(), None)
    assert engine == "exact"
    assert not {"cjo_set_c", "cjo_rest"} & {
        name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
    }
    return att_by_customer(con, len(f.steps), key), key


def result(f: Funnel, log: Sequence[LogEvent], **options: object) -> FunnelResult:
    return run_funnel(load(log), f, FunnelOptions(**options))  # type: ignore[arg-type]


def level_and_times(rows: list[Any]) -> dict[str, tuple[Any, ...]]:
    """customer -> (level, t1..tN in seconds, None past the level)."""
    found = {}
    for customer, level, *rest in rows:
        times = [t for t in rest if not isinstance(t, bool)]  # not `excluded`
        found[customer] = (level, *(None if t is None else (t - BASE) // SECOND for t in times))
    return found


# ---- worked cases, one per shape -------------------------------------------------------


def test_repeated_step_ordered_in_sql() -> None:
    # view → view → cart → buy, 10 s window. a: two views at one instant, cart, buy: all
    # four. b: view 0, view 3, view 4, cart 12: from 0 the cart is too late (level 2),
    # from 3 it is in time: level 3 from the view at 3. c: one view only: step 1.
    f = funnel(*CART4, window=10)
    log = [
        *(ev("a", name, t) for name, t in [("view", 0), ("view", 0), ("cart", 5), ("buy", 6)]),
        *(ev("b", "view", t) for t in (0, 3, 4)),
        ev("b", "cart", 12),
        ev("c", "view", 0),
    ]
    rows, left = split(f, log)
    assert left == []
    assert rows == [
        ("a", 4, us(0), us(0), us(5), us(6)),
        ("b", 3, us(3), us(4), us(12), None),
        ("c", 1, us(0), None, None, None),
    ]


def test_one_event_one_step_across_alternatives() -> None:
    # Step 1 any of view or cart, step 2 cart: c's single cart is step 1 only (mask 3
    # alone: classes hold); d's view (mask 1) and cart (mask 3) overlap: Python.
    f = Funnel(
        "f", "f", (any_step("view", "cart"), FunnelStep(EventFilter("cart"), "cart")), Duration(10)
    )
    rows, left = split(f, [ev("c", "cart", 0), ev("d", "view", 0), ev("d", "cart", 5)])
    assert (rows, left) == ([("c", 1, us(0), None)], ["d"])
    assert level_and_times(attempts_rows(f, [ev("d", "view", 0), ev("d", "cart", 5)])[0]) == {
        "d": (2, 0, 5)
    }


def test_unordered_in_sql() -> None:
    # view, cart, buy unordered, 5 s window (inclusive). a: buy 0, view 2, view 3, cart 5:
    # all three from 0, the earlier view counts (times ascending: 0, 2, 5). b: cart 0,
    # buy 6: no start has both within 5 s; the earliest (0) counts. c: all at one instant.
    f = funnel("view", "cart", "buy", window=5, order="unordered")
    log = [
        ev("a", "buy", 0),
        ev("a", "view", 2),
        ev("a", "view", 3),
        ev("a", "cart", 5),
        ev("b", "cart", 0),
        ev("b", "buy", 6),
        *(ev("c", name, 1) for name in ("buy", "cart", "view")),
    ]
    rows, left = split(f, log)
    assert left == []
    assert level_and_times(rows) == {"a": (3, 0, 2, 5), "b": (1, 0, None, None), "c": (3, 1, 1, 1)}


def test_unordered_repeated_step_counts_each_event_once() -> None:
    # view, view, buy unordered: a's two views and a buy fill all three; b's one view and
    # buy fill two; c has a tier-1 view matching both `view` steps and a tier-2 one
    # matching only the first: the masks overlap, so Python.
    f = Funnel(
        "f",
        "f",
        (
            FunnelStep(EventFilter("view"), "v"),
            FunnelStep(EventFilter("view", (PropertyFilter("tier", "eq", 1),)), "v1"),
            FunnelStep(EventFilter("buy"), "b"),
        ),
        Duration(10),
        "unordered",
    )
    log = [
        ev("a", "view", 0, tier=1),
        ev("a", "view", 1, tier=1),
        ev("a", "buy", 2),
        ev("b", "view", 0, tier=1),
        ev("b", "buy", 4),
        ev("c", "view", 0, tier=1),
        ev("c", "view", 1, tier=2),
    ]
    rows, left = split(f, log)
    assert left == ["c"]
    assert level_and_times(rows) == {"a": (3, 0, 1, 2), "b": (2, 0, 4, None)}
    assert level_and_times(attempts_rows(f, log)[0])["c"] == (2, 0, 1, None)


def test_strict_without_ties_in_sql() -> None:
    # view, cart, buy strict, 10 s window. a: view 0, page 1, view 2, cart 3, buy 4: the
    # page breaks the first view's chain; from 2 all three. b: view 0, cart 1 with a page
    # at 1 as well (same instant: no break), buy 12 past the window: level 2.
    f = funnel("view", "cart", "buy", window=10, order="strict")
    log = [
        ev("a", "view", 0),
        ev("a", "page", 1),
        ev("a", "view", 2),
        ev("a", "cart", 3),
        ev("a", "buy", 4),
        ev("b", "view", 0),
        ev("b", "cart", 1),
        ev("b", "page", 1),
        ev("b", "buy", 12),
    ]
    rows, left = split(f, log)
    assert left == []
    assert level_and_times(rows) == {"a": (3, 2, 3, 4), "b": (2, 0, 1, None)}


def test_strict_with_ties_searched_in_sql() -> None:
    # A@0, B@0, B@1, C@2: A,B@0 would need C at the next instant (1): none; the search
    # finds A@0, B@1, C@2. Then a → b → b → c on A, B, B at 0 and C at 1 (a page at 1
    # too, which does not break the chain): three steps at one instant, then the fourth.
    f = funnel("a", "b", "c", order="strict")
    log = [ev("x", "a", 0), ev("x", "b", 0), ev("x", "b", 1), ev("x", "c", 2), ev("y", "a", 0)]
    rows, left = split(f, log)
    assert (level_and_times(rows), left) == ({"x": (3, 0, 1, 2), "y": (1, 0, None, None)}, [])
    abbc = funnel("a", "b", "b", "c", order="strict")
    log = [*(ev("z", name, 0) for name in "abb"), ev("z", "c", 1), ev("z", "page", 1)]
    assert split(abbc, log) == ([("z", 4, us(0), us(0), us(0), us(1))], [])


def test_strict_ties_without_classes_go_to_python() -> None:
    # view → tier-1 view, strict: a tier-1 view (both steps) and a tier-2 view (step 1
    # only) at one instant: the masks overlap and the instant holds two: Python.
    tier1 = EventFilter("view", (PropertyFilter("tier", "eq", 1),))
    f = Funnel(
        "f",
        "f",
        (FunnelStep(EventFilter("view"), "v"), FunnelStep(tier1, "v1")),
        Duration(5),
        "strict",
    )
    log = [ev("a", "view", 0, tier=1), ev("a", "view", 0, tier=2), ev("b", "view", 0, tier=1)]
    assert split(f, log) == ([("b", 1, us(0), None)], ["a"])
    assert level_and_times(attempts_rows(f, log)[0]) == {"a": (2, 0, 0), "b": (1, 0, None)}


def test_long_strict_funnels_search_only_in_python() -> None:
    # Over STRICT_STEPS steps the layouts are too many for SQL: ties go to Python, and
    # customers with one matching event per instant keep the forced chain.
    names = [f"e{n}" for n in range(STRICT_STEPS + 1)]
    f = funnel(*names, order="strict")
    log = [*(ev("a", name, n) for n, name in enumerate(names)), ev("b", "e0", 0), ev("b", "e1", 0)]
    rows, left = split(f, log)
    assert left == ["b"]
    assert level_and_times(rows) == {"a": (len(names), *range(len(names)))}


def test_customers_without_step_one_are_left_out() -> None:
    # Ordered and strict: a customer with only step-2 events never enters (not in cjo_att,
    # not in cjo_rest); unordered: any step starts an attempt.
    log = [ev("a", "cart", 0), ev("a", "cart", 0)]
    for order, expected in (
        ("ordered", []),
        ("strict", []),
        ("unordered", [("a", 1, us(0), None, None)]),
    ):
        f = funnel("view", "view", "cart", order=order)
        assert split(f, log) == (expected, [])


def test_work_tables_are_dropped() -> None:
    con = load([ev("a", "view", 0)])
    funnel_sql.attempts(con, funnel("view", "view"), None, FunnelOptions(), None)
    tables = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert not tables & set(WORK_TABLES)
    assert not con.execute("SELECT * FROM duckdb_views() WHERE view_name = 'cjo_set_ok'").fetchall()


def test_keyed_on_ids_after_a_hash_collision() -> None:
    # After a collision the key is the customer id (VARCHAR): the same rows as by hash.
    log = [ev("a", "view", 0), ev("a", "view", 1), ev("a", "cart", 1), ev("b", "cart", 0)]
    for order in ("ordered", "strict", "unordered"):
        f = funnel("view", "view", "cart", window=5, order=order)
        by_hash, key = attempts_rows(f, log)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(funnel_sql, "_hash_collides", lambda con: True)
            by_id, id_key = attempts_rows(f, log)
        assert (key, id_key) == ("hash", "id")
        assert by_id == by_hash


# ---- hypothesis: equal to the Python path and to the reference --------------------------


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(set_logs, st.one_of(set_funnels(), set_funnels(mixed=True)))
def test_cjo_att_equals_the_python_path(log: list[LogEvent], f: Funnel) -> None:
    mine, key = attempts_rows(f, log)
    with python_only():
        theirs, python_key = attempts_rows(f, log)
    assert (mine, key) == (theirs, python_key)


@settings(max_examples=examples(20), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    set_logs,
    st.one_of(set_funnels(), set_funnels(mixed=True)),
    st.sampled_from([None, "tier", "tier:last_touch", "tier:all_steps"]),
)
def test_funnel_result_equals_the_python_path(
    log: list[LogEvent], f: Funnel, breakdown: str | None
) -> None:
    mine = result(f, log, breakdown=breakdown, interval="day")
    with python_only():
        theirs = result(f, log, breakdown=breakdown, interval="day")
    assert mine == theirs


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(set_logs, st.one_of(set_funnels(), set_funnels(mixed=True)))
def test_counted_attempts_equal_the_reference(log: list[LogEvent], f: Funnel) -> None:
    f = replace(f, exclusions=())  # the raw counted attempt
    rows, _ = attempts_rows(f, log)
    found = level_and_times(rows)
    customers = {e.customer_id for e in log}
    expected = {}
    for customer in customers:
        attempt = counted_attempt(f, [e for e in log if e.customer_id == customer])
        if attempt:
            times = [e.ts for e in attempt] + [None] * (len(f.steps) - len(attempt))
            expected[customer] = (len(attempt), *times)
    assert found == expected
    counts = [s.customers for s in result(f, log).total.steps]
    assert counts == [s.customers for s in funnel_counts(f, log)]
