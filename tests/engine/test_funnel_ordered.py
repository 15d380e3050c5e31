"""Stage 2 of ordered funnels (`engine.funnel_ordered`): on `cjo_fs` tables of random
customers, `cjo_att` holds exactly the attempts of the reference per-customer code
(`funnel_exact.ordered_attempt`), ties, repeats, late starts, text keys and customers
cut across read batches included; on each of its three ways to the sorted rows (the
compiled sort in memory, DuckDB's ORDER BY, rows made in order) and with the numpy
chains as well as the compiled ones (tests/engine/test_funnel_kernels.py holds the two
kernels to their numpy equals on their own)."""

from __future__ import annotations

import random
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from cjo_cli.conditions.sql import Sql
from cjo_cli.engine import funnel_ordered
from cjo_cli.engine.funnel_exact import Instant, ordered_attempt
from cjo_cli.engine.funnel_ordered import ordered_attempts
from cjo_cli.engine.funnel_sql import drop_temp_tables, second_hash_sql
from tests.engine.funnel_helpers import funnel

WINDOW_S = 100
ROOT = Path(__file__).resolve().parents[2]
SECOND = 1_000_000


def fs_table(
    rows: list[tuple[object, int, int]], key: str = "UBIGINT"
) -> duckdb.DuckDBPyConnection:
    """`cjo_fs` as `funnel_sql` makes it: k2 is a second hash of the customer."""
    con = duckdb.connect()
    con.execute(f"CREATE TEMP TABLE cjo_fs (k {key}, k2 UBIGINT, t BIGINT, mask INTEGER)")
    if rows:
        con.executemany("INSERT INTO cjo_fs (k, t, mask) VALUES (?, ?, ?)", rows)
    con.execute(f"UPDATE cjo_fs SET k2 = {second_hash_sql('k')}")
    return con


def expected(rows: list[tuple[object, int, int]], steps: int) -> list[tuple[object, ...]]:
    by_customer: dict[object, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for k, t, mask in rows:
        by_customer[k][t].append(mask)
    found = []
    for k, instants in sorted(by_customer.items()):  # type: ignore[type-var]
        chain = ordered_attempt(
            [Instant(t, tuple(masks)) for t, masks in sorted(instants.items())],
            steps,
            WINDOW_S * SECOND,
        )
        if chain:
            found.append((k, len(chain), *chain, *([None] * (steps - len(chain)))))
    return found


def hash_key(k: int) -> int:
    return (k * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % (1 << 64)


def random_rows(rng: random.Random, steps: int, customers: int) -> list[tuple[int, int, int]]:
    rows = []
    for k in range(customers):
        # Few distinct times, so that ties and starts outside the window are common.
        for _ in range(rng.randint(1, 12)):
            t = rng.randint(0, 3 * WINDOW_S) * SECOND
            rows.append((k, t, 1 << rng.randrange(steps)))
    return rows


PATHS = ["compiled", "numpy", "order by"]


def take_path(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    """Make ordered_attempts take `path` to the sorted rows and the chains."""
    if path == "numpy":
        monkeypatch.setattr(funnel_ordered, "_funnel_kernels", None)
    elif path == "order by":
        monkeypatch.setattr(funnel_ordered, "IN_MEMORY_ROWS", -1)
    elif funnel_ordered._funnel_kernels is None:
        pytest.skip("the compiled kernels were not built here (no C compiler)")


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("hashed", [False, True])
@pytest.mark.parametrize("steps", [1, 2, 3, 4])
@pytest.mark.parametrize("seed", range(3))
def test_the_counted_attempt_is_the_reference_one(
    monkeypatch: pytest.MonkeyPatch, path: str, hashed: bool, steps: int, seed: int
) -> None:
    take_path(monkeypatch, path)
    rows = random_rows(random.Random(seed * 10 + steps), steps, 300)
    if hashed:
        # Keys over all 64 bits, as hash() gives them: the compiled sort's buckets.
        rows = [(hash_key(k), t, mask) for k, t, mask in rows]
    con = fs_table(rows)
    ordered_attempts(con, funnel(*[f"e{n}" for n in range(steps)], window=WINDOW_S))
    columns = ", ".join(f"t{n}" for n in range(1, steps + 1))
    got = con.execute(f"SELECT k, level, {columns} FROM cjo_att ORDER BY k").fetchall()
    assert got == expected(rows, steps)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("seed", range(2))
def test_rows_read_from_their_query_are_kept_as_cjo_fs(
    monkeypatch: pytest.MonkeyPatch, path: str, seed: int
) -> None:
    # funnel_sql's way where the kernel was built: the step rows come from their query,
    # not a table. They are left as cjo_fs: sorted in memory (a view), or else a table
    # made from the query for DuckDB to sort (too many rows, or no kernel).
    take_path(monkeypatch, path)
    rows = [(hash_key(k), t, mask) for k, t, mask in random_rows(random.Random(seed), 3, 200)]
    con = fs_table(rows)
    con.execute("ALTER TABLE cjo_fs RENAME TO steps_given")
    source = Sql("SELECT k, k2, t, mask, NULL::VARCHAR AS bv FROM steps_given WHERE t >= ?", [0])
    ordered_attempts(con, funnel("e0", "e1", "e2", window=WINDOW_S), source=source)
    got = con.execute("SELECT k, level, t1, t2, t3 FROM cjo_att ORDER BY k").fetchall()
    assert got == expected(rows, 3)
    kept = con.execute("SELECT k, k2, t, mask, bv FROM cjo_fs").fetchall()
    given = con.execute("SELECT k, k2, t, mask, NULL FROM steps_given").fetchall()
    assert sorted(kept) == sorted(given)
    views = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    assert (("cjo_fs",) in views) == (path == "compiled")
    if path == "compiled":
        assert [k for k, *_ in kept] == sorted(k for k, *_ in kept)
    drop_temp_tables(con)
    assert not con.execute(
        "SELECT 1 FROM duckdb_views() WHERE NOT internal UNION ALL "
        "SELECT 1 FROM duckdb_tables() WHERE table_name LIKE 'cjo%'"
    ).fetchall()


def test_a_late_start_within_the_group() -> None:
    # Starts at 0 and 150 share the cart at 160; the purchase at 240 is beyond the
    # window of 0 but within that of 150: the counted start is 150, not the group's lo.
    rows = [(1, 0, 1), (1, 150 * SECOND, 1), (1, 160 * SECOND, 2), (1, 240 * SECOND, 4)]
    con = fs_table(rows)
    ordered_attempts(con, funnel("view", "cart", "buy", window=WINDOW_S))
    assert con.execute("SELECT k, level, t1, t2, t3 FROM cjo_att").fetchall() == [
        (1, 3, 150 * SECOND, 160 * SECOND, 240 * SECOND)
    ]


def test_only_cjo_att_is_left() -> None:
    con = fs_table([(1, 0, 1), (1, SECOND, 2)])
    ordered_attempts(con, funnel("view", "cart"))
    tables = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert tables == {"cjo_fs", "cjo_att"}
    described = con.execute("DESCRIBE cjo_att").fetchall()
    assert [(row[0], row[1]) for row in described] == [
        ("k", "UBIGINT"),
        ("level", "INTEGER"),
        ("t1", "BIGINT"),
        ("t2", "BIGINT"),
    ]


def counted(con: duckdb.DuckDBPyConnection, steps: int) -> list[tuple[object, ...]]:
    columns = ", ".join(f"t{n}" for n in range(1, steps + 1))
    return con.execute(f"SELECT k, level, {columns} FROM cjo_att ORDER BY k").fetchall()


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("batch_rows", [1, 2, 3, 7, 64])
def test_customers_cut_across_read_batches(
    monkeypatch: pytest.MonkeyPatch, path: str, batch_rows: int
) -> None:
    # Batches smaller than a customer's rows: the rows held back must join the next
    # batch, and the sorted rows are cut where a customer begins.
    take_path(monkeypatch, path)
    monkeypatch.setattr(funnel_ordered, "BATCH_ROWS", batch_rows)
    rows = random_rows(random.Random(batch_rows), 3, 40)
    con = fs_table(rows)
    ordered_attempts(con, funnel("a", "b", "c", window=WINDOW_S))
    assert counted(con, 3) == expected(rows, 3)


@pytest.mark.parametrize("path", PATHS)
def test_text_keys_after_a_hash_collision(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    take_path(monkeypatch, path)
    rows = [(f"c{k}", t, mask) for k, t, mask in random_rows(random.Random(7), 3, 200)]
    con = fs_table(rows, key="VARCHAR")
    ordered_attempts(con, funnel("a", "b", "c", window=WINDOW_S))
    assert counted(con, 3) == expected(rows, 3)
    assert con.execute("DESCRIBE cjo_att").fetchall()[0][1] == "VARCHAR"


@pytest.mark.parametrize("path", PATHS)
def test_no_step_rows_leave_an_empty_cjo_att(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    take_path(monkeypatch, path)
    con = fs_table([])
    ordered_attempts(con, funnel("a", "b", window=WINDOW_S))
    assert counted(con, 2) == []
    assert [row[1] for row in con.execute("DESCRIBE cjo_att").fetchall()] == [
        "UBIGINT",
        "INTEGER",
        "BIGINT",
        "BIGINT",
    ]


def test_customers_without_a_first_step_have_no_attempt() -> None:
    # Step 2 and 3 events alone, and a step-3 event before the customer's step 1.
    rows = [(1, 0, 2), (1, SECOND, 4), (2, 0, 4), (2, SECOND, 1), (2, 2 * SECOND, 2)]
    con = fs_table(rows)
    ordered_attempts(con, funnel("a", "b", "c", window=WINDOW_S))
    assert counted(con, 3) == [(2, 2, SECOND, 2 * SECOND, None)]


@pytest.mark.parametrize("path", PATHS)
def test_two_ids_under_one_key_are_told(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    take_path(monkeypatch, path)
    rows = [(1, 0, 1), (1, SECOND, 2), (2, 0, 1)]
    con = fs_table(rows)
    assert ordered_attempts(con, funnel("a", "b", window=WINDOW_S))
    # A row of another id (another second hash) under the key of customer 1.
    con.execute("INSERT INTO cjo_fs VALUES (1, 42, 5, 2)")
    assert not ordered_attempts(con, funnel("a", "b", window=WINDOW_S))


def test_the_window_edge_is_inside() -> None:
    # A step exactly one window after the start counts; one microsecond later does not.
    window = WINDOW_S * SECOND
    rows = [(1, 0, 1), (1, window, 2), (2, 0, 1), (2, window + 1, 2)]
    con = fs_table(rows)
    ordered_attempts(con, funnel("a", "b", window=WINDOW_S))
    assert counted(con, 2) == [(1, 2, 0, window), (2, 1, 0, None)]


def test_numbers_are_read_from_sliced_columns_and_text_as_strings() -> None:
    table = pa.table(
        {"k": pa.array([5, 6, 7, 8], pa.uint64()), "name": ["a", "b", "c", "d"]}
    ).slice(1, 2)
    assert funnel_ordered._values(table.column("k")).tolist() == [6, 7]
    assert funnel_ordered._values(table.column("name")).tolist() == ["b", "c"]


def test_no_pandas_is_imported() -> None:
    # pyarrow's own numpy conversions import pandas where it is installed (~0.4 s).
    code = (
        "import sys, duckdb\n"
        "from cjo_cli.engine.funnel_ordered import ordered_attempts\n"
        "from tests.engine.funnel_helpers import funnel\n"
        "from tests.engine.test_funnel_ordered import fs_table\n"
        "con = fs_table([(1, 0, 1), (1, 1, 2), (2, 5, 1)])\n"
        "assert ordered_attempts(con, funnel('a', 'b', window=100))\n"
        "print('pandas' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "False"


def spy_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The queries ordered_attempts reads its rows by (`_read`), as they are made."""
    queries: list[str] = []
    spied = funnel_ordered._read

    def spy(con: duckdb.DuckDBPyConnection, query: str, check_order: bool) -> object:
        queries.append(query)
        return spied(con, query, check_order)

    monkeypatch.setattr(funnel_ordered, "_read", spy)
    return queries


@pytest.mark.parametrize("batch_rows", [2, 7, 1 << 18])
@pytest.mark.parametrize(
    ("order", "reads"),
    [
        # funnel_sql creates cjo_fs sorted for this path; the plain scan keeps that order.
        ("ORDER BY k, t", [False]),
        # Customers interleaved, as inserted: the order check must notice, whichever
        # batch, and read the rows again sorted.
        ("ORDER BY t, k", [False, True]),
    ],
)
def test_rows_said_sorted_are_read_as_they_are_unless_they_are_not(
    monkeypatch: pytest.MonkeyPatch, batch_rows: int, order: str, reads: list[bool]
) -> None:
    monkeypatch.setattr(funnel_ordered, "BATCH_ROWS", batch_rows)
    rows = random_rows(random.Random(11), 3, 60)
    con = fs_table(rows)
    con.execute(f"CREATE OR REPLACE TEMP TABLE cjo_fs AS SELECT * FROM cjo_fs {order}")
    queries = spy_reads(monkeypatch)
    ordered_attempts(con, funnel("a", "b", "c", window=WINDOW_S), presorted=True)
    assert counted(con, 3) == expected(rows, 3)
    assert [("ORDER BY" in query) for query in queries] == reads
    # The connection is usable: the first reader was closed.
    assert con.execute("SELECT count(*) FROM cjo_fs").fetchall() == [(len(rows),)]


def test_out_of_order_times_of_one_customer_are_noticed() -> None:
    assert funnel_ordered._in_order(np.array([1, 1, 2]), np.array([5, 6, 1]))
    assert not funnel_ordered._in_order(np.array([1, 1, 2]), np.array([6, 5, 1]))
    assert not funnel_ordered._in_order(np.array([2, 1]), np.array([0, 9]))
    assert funnel_ordered._in_order(np.array(["a", "b"], dtype=object), np.array([9, 0]))


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_the_same_attempts_on_any_number_of_threads(
    monkeypatch: pytest.MonkeyPatch, path: str, threads: int
) -> None:
    take_path(monkeypatch, path)
    monkeypatch.setattr(funnel_ordered, "BATCH_ROWS", 16)
    rows = random_rows(random.Random(13), 4, 200)
    con = fs_table(rows)
    con.execute(f"SET threads = {threads}")
    ordered_attempts(con, funnel("a", "b", "c", "d", window=WINDOW_S), candidates=True)
    assert counted(con, 4) == expected(rows, 4)


@pytest.mark.parametrize(
    ("path", "sorted_by"),
    [("compiled", "the compiled sort"), ("numpy", "ORDER BY"), ("order by", "ORDER BY")],
)
def test_rows_not_made_in_order_are_sorted_in_memory_where_it_can(
    monkeypatch: pytest.MonkeyPatch, path: str, sorted_by: str
) -> None:
    # Without the compiled sort, or with more rows than IN_MEMORY_ROWS, DuckDB sorts.
    take_path(monkeypatch, path)
    queries = spy_reads(monkeypatch)
    rows = [(hash_key(k), t, mask) for k, t, mask in random_rows(random.Random(5), 3, 80)]
    con = fs_table(rows)
    ordered_attempts(con, funnel("a", "b", "c", window=WINDOW_S))
    assert counted(con, 3) == expected(rows, 3)
    assert bool(queries) == (sorted_by == "ORDER BY")


def test_cjo_fs_is_made_in_order_only_without_the_compiled_sort(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert funnel_ordered.sorts_hashed_keys() is (funnel_ordered._funnel_kernels is not None)
    monkeypatch.setattr(funnel_ordered, "_funnel_kernels", None)
    assert not funnel_ordered.sorts_hashed_keys()


def test_a_customer_with_many_rows_at_few_instants() -> None:
    # One customer with more rows than the compiled sort sorts by insertion, in reverse
    # time order, with ties: the sort falls back to qsort within the customer.
    rows = [(hash_key(1), (600 - n) // 3 * SECOND, 1 << (n % 3)) for n in range(600)]
    rows += [(hash_key(2), 0, 1), (hash_key(2), SECOND, 2)]
    con = fs_table(rows)
    ordered_attempts(con, funnel("a", "b", "c", window=WINDOW_S))
    assert counted(con, 3) == expected(rows, 3)
