"""The SQL stages of a funnel (`engine.funnel_sql`): the tables `attempts` leaves
(`cjo_fs`, `cjo_att`), the id-keyed path taken after a hash collision, parameters
instead of values in the SQL text, and the since/until slice.

Logs are built with `tests.engine.funnel_helpers.load`: times are seconds after its
EPOCH (2026-03-01 UTC); the tables hold microseconds since 1970 (`us`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pytest

from cjo_cli.engine import funnel_ordered, funnel_sql
from cjo_cli.engine.funnel_ordered import SORTED_STEPS
from cjo_cli.engine.funnel_result import FunnelOptions
from cjo_cli.engine.funnel_sql import (
    TEMP_TABLES,
    attempts,
    breakdown_values,
    drop_temp_tables,
    key_sql,
)
from cjo_cli.model import (
    Duration,
    EventCondition,
    EventFilter,
    Exclusion,
    Funnel,
    FunnelStep,
    Persona,
    PropertyFilter,
)
from cjo_cli.model.clock import SECOND, to_us
from tests.engine.funnel_helpers import EPOCH, ev, funnel, load
from tests.engine.funnel_reference import LogEvent

BASE = to_us(EPOCH)


def us(seconds: int) -> int:
    return BASE + seconds * SECOND


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()]


def temp_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The temporary tables and views (cjo_fs may be a view of sorted rows in memory,
    registered as SORTED_STEPS, which is left out: it goes with cjo_fs)."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary UNION ALL "
        "SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal"
    ).fetchall()
    names = {name for (name,) in rows}
    assert SORTED_STEPS not in names or "cjo_fs" in names
    return names - {SORTED_STEPS}


def by_customer(con: duckdb.DuckDBPyConnection, table: str, key: str, select: str) -> list[Any]:
    """Rows of a table keyed by `k`, with the customer id in place of the key."""
    ids = f"(SELECT DISTINCT customer_id AS cid, {key_sql(key, 'customer_id')} AS k FROM events)"
    return con.execute(
        f"SELECT ids.cid, {select} FROM {table} x JOIN {ids} ids ON ids.k = x.k ORDER BY ALL"
    ).fetchall()


def fs_rows(con: duckdb.DuckDBPyConnection, key: str = "hash") -> list[Any]:
    return by_customer(con, "cjo_fs", key, "x.t, x.mask, x.bv")


def att_rows(con: duckdb.DuckDBPyConnection, steps: int, key: str = "hash") -> list[Any]:
    times = ", ".join(f"x.t{n}" for n in range(1, steps + 1))
    return by_customer(con, "cjo_att", key, f"x.level, {times}, x.excluded")


CART_LOG = [
    ev("a", "view", 0, channel="web"),
    ev("a", "other", 5),
    ev("a", "cart", 10, channel="app"),
    ev("b", "cart", 0),
    ev("c", "view", 3, channel="app"),
]


def test_key_sql() -> None:
    assert key_sql("hash", "e.customer_id") == "hash(e.customer_id)"
    assert key_sql("id", "e.customer_id") == "e.customer_id"


def test_the_tables_of_the_sql_path() -> None:
    con = load(CART_LOG)
    f = funnel("view", "cart")
    assert attempts(con, f, None, FunnelOptions(), "/channel") == ("sql", "hash")
    assert columns(con, "cjo_fs") == ["k", "k2", "t", "mask", "bv"]
    # Only rows matching a step; the mask says which; bv is the breakdown property.
    assert fs_rows(con) == [
        ("a", us(0), 1, "web"),
        ("a", us(10), 2, "app"),
        ("b", us(0), 2, None),
        ("c", us(3), 1, "app"),
    ]
    assert columns(con, "cjo_att") == ["k", "level", "t1", "t2", "excluded"]
    # b never matches step 1: no attempt.
    assert att_rows(con, 2) == [("a", 2, us(0), us(10), False), ("c", 1, us(3), None, False)]
    # The intermediate tables of the SQL path are gone already.
    assert temp_tables(con) == {"cjo_fs", "cjo_att"}
    drop_temp_tables(con)
    assert temp_tables(con) == set()


@pytest.mark.parametrize(
    ("f", "engine"),
    [
        (funnel("view", "cart"), "sql"),
        (funnel("view", "cart", "buy"), "sql"),
        (funnel("view", "view"), "exact"),  # one event could fill both steps
        (funnel("view", "cart", order="strict"), "exact"),
        (funnel("view", "cart", order="unordered"), "exact"),
    ],
)
def test_engines_leave_the_same_columns(f: Funnel, engine: str) -> None:
    con = load(CART_LOG)
    assert attempts(con, f, None, FunnelOptions(), None) == (engine, "hash")
    steps = [f"t{n}" for n in range(1, len(f.steps) + 1)]
    assert columns(con, "cjo_att") == ["k", "level", *steps, "excluded"]
    assert set(TEMP_TABLES) >= temp_tables(con) >= {"cjo_fs", "cjo_att"}
    drop_temp_tables(con)
    assert temp_tables(con) == set()


def test_exact_path_masks_of_a_repeated_step() -> None:
    # view → view: each view matches both steps (mask 3); two views reach step 2.
    con = load([ev("a", "view", 0), ev("a", "view", 4), ev("b", "view", 1)])
    assert attempts(con, funnel("view", "view"), None, FunnelOptions(), None)[0] == "exact"
    assert fs_rows(con) == [("a", us(0), 3, None), ("a", us(4), 3, None), ("b", us(1), 3, None)]
    assert att_rows(con, 2) == [("a", 2, us(0), us(4), False), ("b", 1, us(1), None, False)]


def test_strict_path_ranks_every_event_of_the_customer() -> None:
    con = load(CART_LOG)
    attempts(con, funnel("view", "cart", order="strict"), None, FunnelOptions(), None)
    # a: view@0 (rank 1), other@5 (2), cart@10 (3): the other event breaks the attempt.
    assert by_customer(con, "cjo_rank", "hash", "x.t, x.r") == [
        ("a", us(0), 1),
        ("a", us(5), 2),
        ("a", us(10), 3),
        ("b", us(0), 1),
        ("c", us(3), 1),
    ]
    assert att_rows(con, 2) == [("a", 1, us(0), None, False), ("c", 1, us(3), None, False)]


def test_exclusions_mark_customers() -> None:
    # a: refund at 5 between view (0) and cart (10): excluded. c: no cart, refund at 8
    # within the window (1 day) of its view at 3: excluded. d: refund after its cart.
    log = [
        *CART_LOG,
        ev("a", "refund", 5),
        ev("c", "refund", 8),
        ev("d", "view", 0),
        ev("d", "cart", 1),
        ev("d", "refund", 2),
    ]
    f = funnel("view", "cart", exclusions=(Exclusion(EventFilter("refund"), 1, 2),))
    con = load(log)
    attempts(con, f, None, FunnelOptions(), None)
    assert att_rows(con, 2) == [
        ("a", 2, us(0), us(10), True),
        ("c", 1, us(3), None, True),
        ("d", 2, us(0), us(1), False),
    ]


# ---- the id-keyed path ------------------------------------------------------------

COLLIDE_LOG = [
    *CART_LOG,
    ev("a", "buy", 12),
    ev("d", "view", 0),
    ev("d", "view", 0),
    ev("d", "cart", 0),
    ev("d", "buy", 1),
    ev("e", "cart", 1),
    ev("e", "view", 2),
    ev("e", "refund", 3),
    ev("e", "buy", 4),
]

COLLIDE_FUNNELS = [
    funnel("view", "cart", "buy"),
    funnel("view", "view", "cart"),
    funnel("view", "cart", "buy", order="strict"),
    funnel("view", "cart", "buy", order="unordered"),
    funnel("view", "buy", exclusions=(Exclusion(EventFilter("refund"), 1, 2),)),
    funnel("view", "cart", window=5),
]


@pytest.mark.parametrize(
    "f", COLLIDE_FUNNELS, ids=["ordered", "repeated", "strict", "unordered", "exclusion", "window"]
)
def test_a_hash_collision_gives_the_same_attempts(
    f: Funnel, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = load(COLLIDE_LOG)
    engine, key = attempts(con, f, None, FunnelOptions(), "/channel")
    assert key == "hash"
    steps = len(f.steps)
    hashed = (fs_rows(con), att_rows(con, steps))
    assert hashed[1], "the case should have attempts"
    drop_temp_tables(con)
    monkeypatch.setattr(funnel_sql, "_hash_collides", lambda con: True)
    monkeypatch.setattr(funnel_ordered, "_keys_collide", lambda *args: True)
    # The compiled loop checks the second hashes itself: its answer is overridden too.
    compiled = funnel_ordered._attempts_compiled
    monkeypatch.setattr(
        funnel_ordered, "_attempts_compiled", lambda *args: (*compiled(*args)[:4], False)
    )
    assert attempts(con, f, None, FunnelOptions(), "/channel") == (engine, "id")
    # Keyed on the ids themselves.
    assert con.execute("SELECT DISTINCT typeof(k) FROM cjo_att").fetchall() == [("VARCHAR",)]
    assert (fs_rows(con, "id"), att_rows(con, steps, "id")) == hashed


def test_the_id_path_of_steps_table() -> None:
    con = load(CART_LOG)
    funnel_sql._steps_table(
        con, funnel_sql._steps_sql(funnel("view", "cart"), None, FunnelOptions(), "id", None)
    )
    rows = con.execute("SELECT k, t, mask FROM cjo_fs ORDER BY ALL").fetchall()
    assert rows == [("a", us(0), 1), ("a", us(10), 2), ("b", us(0), 2), ("c", us(3), 1)]
    assert not funnel_sql._hash_collides(con)


def test_a_collision_is_detected_by_the_second_hash() -> None:
    con = load(CART_LOG)
    funnel_sql._steps_table(
        con, funnel_sql._steps_sql(funnel("view", "cart"), None, FunnelOptions(), "hash", None)
    )
    assert not funnel_sql._hash_collides(con)
    # A row of another id (another k2) under a's key: the keys collide.
    con.execute(
        "INSERT INTO cjo_fs SELECT k, k2 + 1, t + 1, mask, bv FROM cjo_fs "
        "WHERE k = hash('a') LIMIT 1"
    )
    assert funnel_sql._hash_collides(con)


def test_the_second_hash_is_no_function_of_the_first() -> None:
    # A collision is two ids with one hash(id): a second hash computed from hash(id)
    # (as DuckDB's hash(id, 'cjo') is: hash(id) mixed, XORed with hash('cjo'); see
    # DuckDB's CombineHash) is then the same for both, and the check never fires.
    con = duckdb.connect()
    second = funnel_sql.second_hash_sql("id")
    rows = con.execute(
        f"SELECT hash(id), hash('cjo'), hash(id, 'cjo'), {second} "
        "FROM (SELECT 'cust' || range AS id FROM range(2000))"
    ).fetchall()
    mask = (1 << 64) - 1

    def combined(first: int, other: int) -> int:
        return (((first ^ (first >> 32)) * 0xD6E8FEB86659FD93) & mask) ^ other

    # The formula is DuckDB's (so the test would see the old second hash) ...
    assert all(combined(first, c) == old for first, c, old, _ in rows)
    # ... and the second hash in use is not it, nor the first hash itself.
    assert not any(new in (combined(first, c), first) for first, c, _, new in rows)
    assert len({new for *_, new in rows}) == len(rows)


# ---- values never go into the SQL text ----------------------------------------------


class Recorder:
    """A connection that keeps the text of every statement it runs."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.texts: list[str] = []

    def execute(self, query: str, parameters: Any = None) -> duckdb.DuckDBPyConnection:
        self.texts.append(query)
        if parameters is None:
            return self.con.execute(query)
        return self.con.execute(query, parameters)

    def sql(self, query: str, **kwargs: Any) -> duckdb.DuckDBPyRelation:
        self.texts.append(query)
        return self.con.sql(query, **kwargs)

    def register(self, name: str, value: Any) -> None:
        self.con.register(name, value)

    def unregister(self, name: str) -> None:
        self.con.unregister(name)


QUOTED = "x'); DROP TABLE events; --"


@pytest.mark.parametrize("order", ["ordered", "strict", "unordered"])
def test_values_are_parameters(order: str) -> None:
    view, cart = f"view{QUOTED}", f"cart{QUOTED}"
    refund, signup = f"refund{QUOTED}", f"signup{QUOTED}"
    key, value = f"tier{QUOTED}", f"gold{QUOTED}"
    log = [
        ev("a", signup, 0),
        ev("a", view, 1, **{key: value, f"ch{QUOTED}": f"web{QUOTED}"}),
        ev("a", cart, 2),
        ev("b", signup, 0),
        ev("b", view, 1, **{key: "silver"}),
        ev("c", signup, 0),
        ev("c", view, 1, **{key: value}),
        ev("c", refund, 2),
    ]
    where = (PropertyFilter(key, "eq", value),)
    f = Funnel(
        "f",
        "f",
        (FunnelStep(EventFilter(view, where), "v"), FunnelStep(EventFilter(cart), "c")),
        Duration(86_400),
        order,  # type: ignore[arg-type]
        (Exclusion(EventFilter(refund), 1, 2),),
    )
    persona = Persona("p", "p", segment=EventCondition(signup, where=()))
    since, until = us(0) + 987_654, us(100) + 123_457
    options = FunnelOptions(since_us=since, until_us=until)
    con = load(log)
    recorder = Recorder(con)
    attempts(recorder, f, persona, options, f"/ch{QUOTED}")  # type: ignore[arg-type]
    breakdown_values(recorder, f, "first_touch")  # type: ignore[arg-type]
    text = "\n".join(recorder.texts)
    for needle in ("DROP TABLE events", "gold", "tier", "signup", "refund", "987654", "123457"):
        assert needle not in text
    # And the values did their work: a reaches the cart (signup at 0 is not in the
    # slice, but the persona's history is the whole log), b's tier does not match,
    # c is excluded by its refund.
    rows = by_customer(con, "cjo_att", "hash", "x.level, x.excluded, x.bv")
    assert rows == [("a", 2, False, f"web{QUOTED}"), ("c", 1, True, None)]
    assert con.execute("SELECT count(*) FROM events").fetchall() == [(8,)]


# ---- since / until -------------------------------------------------------------------

SLICE_LOG = [
    ev("a", "view", 0),
    ev("a", "view", 1),
    ev("a", "cart", 2),
    ev("a", "cart", 3),
    ev("b", "view", 1),
    ev("b", "refund", 5),
]


@pytest.mark.parametrize(
    ("since", "until", "fs", "att"),
    [
        (
            None,
            None,
            [("a", 0, 1), ("a", 1, 1), ("a", 2, 2), ("a", 3, 2), ("b", 1, 1)],
            [("a", 2, 0, 2, False), ("b", 1, 1, None, True)],
        ),
        # since is inclusive, until exclusive; b's refund (at 5) is outside the slice.
        (
            1,
            3,
            [("a", 1, 1), ("a", 2, 2), ("b", 1, 1)],
            [("a", 2, 1, 2, False), ("b", 1, 1, None, False)],
        ),
        # Until 2: a never reaches the cart.
        (
            None,
            2,
            [("a", 0, 1), ("a", 1, 1), ("b", 1, 1)],
            [("a", 1, 0, None, False), ("b", 1, 1, None, False)],
        ),
        # Since 2: nobody has a view.
        (2, None, [("a", 2, 2), ("a", 3, 2)], []),
        (4, 4, [], []),
    ],
)
def test_since_until_slice(
    since: int | None,
    until: int | None,
    fs: Sequence[tuple[str, int, int]],
    att: Sequence[tuple[Any, ...]],
) -> None:
    f = funnel("view", "cart", exclusions=(Exclusion(EventFilter("refund"), 1, 2),))
    options = FunnelOptions(
        since_us=None if since is None else us(since),
        until_us=None if until is None else us(until),
    )
    con = load(SLICE_LOG)
    attempts(con, f, None, options, None)
    assert fs_rows(con) == [(c, us(t), mask, None) for c, t, mask in fs]
    assert att_rows(con, 2) == [
        (c, level, us(t1), None if t2 is None else us(t2), excluded)
        for c, level, t1, t2, excluded in att
    ]


# ---- the persona holds as of step 1 ----------------------------------------------------


def test_persona_as_of_the_step_1_event() -> None:
    # a signs up before its view: in. b signs up after its only view: never enters, but
    # its cart row is kept (the persona filters step 1 only). c's second view, after
    # its signup, starts the attempt.
    log: list[LogEvent] = [
        ev("a", "signup", 0),
        ev("a", "view", 10),
        ev("a", "cart", 20),
        ev("b", "view", 0),
        ev("b", "signup", 5),
        ev("b", "cart", 20),
        ev("c", "view", 0),
        ev("c", "signup", 5),
        ev("c", "view", 6),
        ev("c", "cart", 20),
    ]
    persona = Persona("p", "p", segment=EventCondition("signup"))
    con = load(log)
    attempts(con, funnel("view", "cart"), persona, FunnelOptions(), None)
    assert fs_rows(con) == [
        ("a", us(10), 1, None),
        ("a", us(20), 2, None),
        ("b", us(20), 2, None),
        ("c", us(6), 1, None),
        ("c", us(20), 2, None),
    ]
    assert att_rows(con, 2) == [
        ("a", 2, us(10), us(20), False),
        ("c", 2, us(6), us(20), False),
    ]
