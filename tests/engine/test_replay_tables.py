"""The `--db` tables of a replay (`engine.replay_tables`): their rows are the replay's
records, column for column, however the rows are flushed.

The case: eight customers c8..c15 leave a cart at 00:00 on June 1 (UTC); the
journey's 50% holdout takes c9, c10, c14 and c15, an ab step assigns a variant; the
push at 00:00 goes out, the second push an hour later is over the journey's limit
(1 per 1d) and capped; push_delivered at 00:10 is joined to the first push; c8..c11
buy at 05:00 (a conversion); the log ends with `z`'s page view on June 2, so nobody
is censored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from cjo_cli.engine import replay_tables
from cjo_cli.engine.replay_plan import build_plan
from cjo_cli.engine.replay_records import CustomerReplay
from cjo_cli.engine.replay_tables import SCHEMAS
from cjo_cli.engine.simulate import Simulation, simulate
from tests.engine.replay_helpers import (
    event,
    journey,
    load_workspace,
    log_connection,
    replay_each,
)

JOURNEY = journey(
    "j",
    goal="{event: buy, within: 1d}",
    limits="{per_customer: {max: 1, per: 1d}}",
    holdout="50%",
    steps="""
        assign:
          ab:
            variants:
              a: {weight: 50, next: push}
              b: {weight: 50, next: push}
        push: {send: push, next: wait}
        wait: {wait: 1h, next: again}
        again: {send: push, next: done}
    """,
)

CUSTOMERS = [f"c{i}" for i in range(8, 16)]
EVENTS = [
    *(event(c, "cart", "2026-06-01T00:00:00Z") for c in CUSTOMERS),
    *(event(c, "push_delivered", "2026-06-01T00:10:00Z") for c in CUSTOMERS),
    *(event(c, "buy", "2026-06-01T05:00:00Z") for c in CUSTOMERS[:4]),
    event("z", "page_view", "2026-06-02T00:00:00Z"),
]


def replay(
    tmp_path: Path,
) -> tuple[duckdb.DuckDBPyConnection, dict[str, CustomerReplay], Simulation]:
    ws = load_workspace(tmp_path, JOURNEY)
    con = log_connection(tmp_path, EVENTS)
    plan = build_plan(ws, list(ws.journeys.values()))
    found, simulation = replay_each(con, plan, keep_tables=True)
    return con, found, simulation


def table(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple[Any, ...]]:
    """A table's rows with every TIMESTAMPTZ as µs since the epoch, sorted."""
    columns = [
        f'epoch_us("{n}")' if t == "TIMESTAMP WITH TIME ZONE" else f'"{n}"'
        for n, t, *_ in con.execute(f"DESCRIBE {name}").fetchall()
    ]
    return sorted(con.execute(f"SELECT {', '.join(columns)} FROM {name}").fetchall(), key=repr)


def expected(found: dict[str, CustomerReplay]) -> dict[str, list[tuple[Any, ...]]]:
    rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in SCHEMAS}
    for who, r in found.items():
        for e in r.entries:
            group = e.group or "simulated"
            rows["entries"].append(
                (who, e.journey, e.entry, e.ts, e.holdout, e.variant, e.converted_ts, group)
            )
            rows["exits"].append(
                (
                    who,
                    e.journey,
                    e.entry,
                    e.exit_ts,
                    e.exit_reason,
                    e.exit_step,
                    e.converted_ts is not None,
                    e.holdout,
                )
            )
        for v in r.visits:
            rows["visits"].append((who, v.journey, v.entry, v.step, v.ts, v.variant, v.holdout))
        for s in r.sends:
            rows["sends"].append(
                (
                    who,
                    s.journey,
                    s.entry,
                    s.step,
                    s.touchpoint,
                    s.channel,
                    s.ts,
                    s.status,
                    s.reason or None,
                    s.planned_ts,
                    s.delivered_ts,
                    s.opened_ts,
                    s.clicked_ts,
                )
            )
    return {name: sorted(found_rows, key=repr) for name, found_rows in rows.items()}


def test_the_case_is_not_vacuous(tmp_path: Path) -> None:
    _, found, _ = replay(tmp_path)
    assert sorted(found) == sorted(CUSTOMERS)
    held = sorted(c for c, r in found.items() if r.entries[0].holdout)
    treated = sorted(c for c, r in found.items() if not r.entries[0].holdout)
    assert held == ["c10", "c14", "c15", "c9"]
    assert {r.entries[0].variant for r in found.values()} == {"a", "b"}
    for c in treated:
        assert [(s.status, s.delivered_ts is not None) for s in found[c].sends] == [
            ("sent", True),
            ("capped", False),
        ]
        assert found[c].sends[1].reason == "capped by the journey's limit (1 per 1d)"
    for c in held:
        assert found[c].sends == []
    converted = {c for c, r in found.items() if r.entries[0].converted_ts is not None}
    assert converted == set(CUSTOMERS[:4])


def test_the_tables_hold_the_records(tmp_path: Path) -> None:
    con, found, _ = replay(tmp_path)
    rows = expected(found)
    for name in SCHEMAS:
        assert table(con, name) == rows[name], name
    # Five steps visited per entry; two sends for each of the four treated customers.
    assert [len(rows[n]) for n in ("entries", "exits", "visits", "sends")] == [8, 8, 40, 8]


def test_the_columns(tmp_path: Path) -> None:
    con, _, _ = replay(tmp_path)
    for name, schema in SCHEMAS.items():
        described = con.execute(f"DESCRIBE {name}").fetchall()
        assert [row[0] for row in described] == schema.names
        types = {row[0]: row[1] for row in described}
        assert types["customer_id"] == "VARCHAR"
        assert types["ts"] == "TIMESTAMP WITH TIME ZONE"
        assert types["entry"] == "INTEGER"


def test_the_times_are_utc_instants(tmp_path: Path) -> None:
    con, _, _ = replay(tmp_path)
    con.execute("SET TimeZone = 'Asia/Tokyo'")
    # 01:00Z is 10:00 in Tokyo: the column is an instant, not a wall-clock time.
    rows = con.execute(
        "SELECT DISTINCT strftime(ts AT TIME ZONE 'UTC', '%H:%M') FROM sends "
        "WHERE status = 'capped'"
    ).fetchall()
    assert rows == [("01:00",)]


def test_step_stats_are_the_totals(tmp_path: Path) -> None:
    con, _, simulation = replay(tmp_path)
    rows = con.execute(
        'SELECT journey, step, "unique", total, goal, exit_event, "end", censored '
        "FROM step_stats ORDER BY ALL"
    ).fetchall()
    steps = simulation.totals.journeys["j"].steps
    assert rows == sorted(
        (
            "j",
            s.id,
            s.unique,
            s.total,
            s.left["goal"],
            s.left["exit_event"],
            s.left["end"],
            s.left["censored"],
        )
        for s in steps.values()
    )
    # Every entry ends at the exit step; the stats count the four treated customers.
    by_step = {row[1]: row for row in rows}
    assert by_step["done"][2:] == (4, 4, 0, 0, 4, 0)


@pytest.mark.parametrize("flush", [1, 3])
def test_flushing_in_small_batches_changes_nothing(
    tmp_path: Path, flush: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replay_tables, "FLUSH_ROWS", flush)
    con, found, _ = replay(tmp_path)
    rows = expected(found)
    for name in SCHEMAS:
        assert table(con, name) == rows[name], name


def test_a_second_replay_replaces_the_tables(tmp_path: Path) -> None:
    con, found, simulation = replay(tmp_path)
    simulate(con, simulation.plan, keep_tables=True)
    assert table(con, "entries") == expected(found)["entries"]
    assert con.execute("SELECT count(*) FROM step_stats").fetchall() == [(5,)]
