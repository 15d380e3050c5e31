"""Stage 2 of ordered funnels in SQL (`engine.funnel_ordered`): on `cjo_fs` tables of
random customers, `cjo_att` holds exactly the attempts of the reference per-customer
code (`funnel_exact.ordered_attempt`), ties, repeats and late starts included."""

from __future__ import annotations

import random
from collections import defaultdict

import duckdb
import pytest

from cjo_cli.engine.funnel_exact import Instant, ordered_attempt
from cjo_cli.engine.funnel_ordered import ordered_attempts, ordered_sql
from tests.engine.funnel_helpers import funnel

WINDOW_S = 100
SECOND = 1_000_000


def fs_table(rows: list[tuple[int, int, int]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TEMP TABLE cjo_fs (k UBIGINT, t BIGINT, mask INTEGER)")
    con.executemany("INSERT INTO cjo_fs VALUES (?, ?, ?)", rows)
    return con


def expected(rows: list[tuple[int, int, int]], steps: int) -> list[tuple[object, ...]]:
    by_customer: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for k, t, mask in rows:
        by_customer[k][t].append(mask)
    found = []
    for k, instants in sorted(by_customer.items()):
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


def test_the_window_is_a_parameter() -> None:
    assert all("$window" in s or "window" not in s.lower() for s in ordered_sql(3))
