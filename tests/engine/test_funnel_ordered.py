"""Stage 2 of ordered funnels (`engine.funnel_ordered`): on `cjo_fs` tables of random
customers, `cjo_att` holds exactly the attempts of the reference per-customer code
(`funnel_exact.ordered_attempt`), ties, repeats, late starts, text keys and customers
cut across read batches included."""

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

from cjo_cli.engine import funnel_ordered
from cjo_cli.engine.funnel_exact import Instant, ordered_attempt
from cjo_cli.engine.funnel_ordered import ordered_attempts
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
    con.execute("UPDATE cjo_fs SET k2 = hash(k, 'cjo')")
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


def random_rows(rng: random.Random, steps: int, customers: int) -> list[tuple[int, int, int]]:
    rows = []
    for k in range(customers):
        # Few distinct times, so that ties and starts outside the window are common.
        for _ in range(rng.randint(1, 12)):
            t = rng.randint(0, 3 * WINDOW_S) * SECOND
            rows.append((k, t, 1 << rng.randrange(steps)))
    return rows


@pytest.mark.parametrize("steps", [1, 2, 3, 4])
@pytest.mark.parametrize("seed", range(4))
def test_the_counted_attempt_is_the_reference_one(steps: int, seed: int) -> None:
    rows = random_rows(random.Random(seed * 10 + steps), steps, 300)
    con = fs_table(rows)
    ordered_attempts(con, funnel(*[f"e{n}" for n in range(steps)], window=WINDOW_S))
    columns = ", ".join(f"t{n}" for n in range(1, steps + 1))
    got = con.execute(f"SELECT k, level, {columns} FROM cjo_att ORDER BY k").fetchall()
    assert got == expected(rows, steps)


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


@pytest.mark.parametrize("batch_rows", [1, 2, 3, 7, 64])
def test_customers_cut_across_read_batches(
    monkeypatch: pytest.MonkeyPatch, batch_rows: int
) -> None:
    # Batches smaller than a customer's rows: the rows held back must join the next batch.
    monkeypatch.setattr(funnel_ordered, "BATCH_ROWS", batch_rows)
    rows = random_rows(random.Random(batch_rows), 3, 40)
    con = fs_table(rows)
    ordered_attempts(con, funnel("a", "b", "c", window=WINDOW_S))
    assert counted(con, 3) == expected(rows, 3)


def test_text_keys_after_a_hash_collision() -> None:
    rows = [(f"c{k}", t, mask) for k, t, mask in random_rows(random.Random(7), 3, 200)]
    con = fs_table(rows, key="VARCHAR")
    ordered_attempts(con, funnel("a", "b", "c", window=WINDOW_S))
    assert counted(con, 3) == expected(rows, 3)
    assert con.execute("DESCRIBE cjo_att").fetchall()[0][1] == "VARCHAR"


def test_no_step_rows_leave_an_empty_cjo_att() -> None:
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


def test_two_ids_under_one_key_are_told() -> None:
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
    queries: list[str] = []
    spied = funnel_ordered._attempts

    def spy(con: duckdb.DuckDBPyConnection, query: str, *args: object, **kw: object) -> object:
        queries.append(query)
        return spied(con, query, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(funnel_ordered, "_attempts", spy)
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


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_the_same_attempts_on_any_number_of_threads(
    monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    monkeypatch.setattr(funnel_ordered, "BATCH_ROWS", 16)
    rows = random_rows(random.Random(13), 4, 200)
    con = fs_table(rows)
    con.execute(f"SET threads = {threads}")
    ordered_attempts(con, funnel("a", "b", "c", "d", window=WINDOW_S), candidates=True)
    assert counted(con, 4) == expected(rows, 4)
