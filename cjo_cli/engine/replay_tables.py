"""The replay's rows as DuckDB tables (`--db`): entries, visits, sends, exits, attributes,
step_stats.

Rows are buffered per table and appended in Arrow batches, so memory stays flat
however many customers the log has. Times are TIMESTAMPTZ (UTC).
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pyarrow as pa

from cjo_cli.engine.replay_records import CustomerReplay
from cjo_cli.engine.replay_stats import ReplayTotals

FLUSH_ROWS = 100_000

_TS = pa.timestamp("us", tz="UTC")

SCHEMAS: dict[str, pa.Schema] = {
    "entries": pa.schema(
        [
            ("customer_id", pa.string()),
            ("journey", pa.string()),
            ("entry", pa.int32()),
            ("ts", _TS),
            ("holdout", pa.bool_()),
            ("variant", pa.string()),
            ("converted_ts", _TS),
            ("assignment", pa.string()),
        ]
    ),
    "visits": pa.schema(
        [
            ("customer_id", pa.string()),
            ("journey", pa.string()),
            ("entry", pa.int32()),
            ("step", pa.string()),
            ("ts", _TS),
            ("variant", pa.string()),
            ("holdout", pa.bool_()),
        ]
    ),
    "sends": pa.schema(
        [
            ("customer_id", pa.string()),
            ("journey", pa.string()),
            ("entry", pa.int32()),
            ("step", pa.string()),
            ("touchpoint", pa.string()),
            ("channel", pa.string()),
            ("ts", _TS),
            ("status", pa.string()),
            ("reason", pa.string()),
            ("planned_ts", _TS),
            ("delivered_ts", _TS),
            ("opened_ts", _TS),
            ("clicked_ts", _TS),
        ]
    ),
    "exits": pa.schema(
        [
            ("customer_id", pa.string()),
            ("journey", pa.string()),
            ("entry", pa.int32()),
            ("ts", _TS),
            ("reason", pa.string()),
            ("step", pa.string()),
            ("converted", pa.bool_()),
            ("holdout", pa.bool_()),
        ]
    ),
    "attributes": pa.schema(
        [
            ("customer_id", pa.string()),
            ("journey", pa.string()),
            ("entry", pa.int32()),
            ("step", pa.string()),
            ("ts", _TS),
            ("attribute", pa.string()),
            # JSON: a set step's value is text, a number, a boolean or null.
            ("value", pa.string()),
        ]
    ),
}


class ReplayTables:
    """Creates the tables and appends each customer's rows."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.buffers: dict[str, list[tuple[Any, ...]]] = {name: [] for name in SCHEMAS}
        for name, schema in SCHEMAS.items():
            empty = schema.empty_table()  # noqa: F841 - read by DuckDB's replacement scan
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM empty")

    def add(self, replay: CustomerReplay) -> None:
        who = replay.customer
        for e in replay.entries:
            self.buffers["entries"].append(
                (
                    who,
                    e.journey,
                    e.entry,
                    e.ts,
                    e.holdout,
                    e.variant,
                    e.converted_ts,
                    # recorded group, else simulated; variants say which via variant_recorded
                    e.group or "simulated",
                )
            )
            self.buffers["exits"].append(
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
        for v in replay.visits:
            self.buffers["visits"].append(
                (who, v.journey, v.entry, v.step, v.ts, v.variant, v.holdout)
            )
        for s in replay.sends:
            self.buffers["sends"].append(
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
        for a in replay.attributes:
            self.buffers["attributes"].append(
                (who, a.journey, a.entry, a.step, a.ts, a.attribute, json.dumps(a.value))
            )
        if any(len(rows) >= FLUSH_ROWS for rows in self.buffers.values()):
            self.flush()

    def flush(self) -> None:
        for name, rows in self.buffers.items():
            if not rows:
                continue
            schema = SCHEMAS[name]
            columns = list(zip(*rows, strict=True))
            batch = pa.table(  # noqa: F841 - read by DuckDB's replacement scan
                [
                    pa.array(column, type=field.type)
                    for column, field in zip(columns, schema, strict=True)
                ],
                schema=schema,
            )
            self.con.execute(f"INSERT INTO {name} SELECT * FROM batch")
            rows.clear()

    def finish(self, totals: ReplayTotals) -> None:
        self.flush()
        self.con.execute(
            """
            CREATE OR REPLACE TABLE step_stats (
                journey VARCHAR, step VARCHAR, "unique" BIGINT, total BIGINT,
                goal BIGINT, exit_event BIGINT, "end" BIGINT, censored BIGINT
            )
            """
        )
        rows = [
            (
                journey.id,
                step.id,
                step.unique,
                step.total,
                step.left["goal"],
                step.left["exit_event"],
                step.left["end"],
                step.left["censored"],
            )
            for journey in totals.journeys.values()
            for step in journey.steps.values()
        ]
        if rows:
            self.con.executemany("INSERT INTO step_stats VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
