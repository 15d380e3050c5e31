"""The customers file (`--customers`): profile traits for `attribute` conditions.

    customers(customer_id VARCHAR PRIMARY KEY, traits JSON object)

Accepted shapes:
- CSV with a `customer_id` column; every other column is a trait. CSV has no
  types, so `true`/`false` become booleans, plain decimal numbers become
  numbers and empty cells are left out;
- JSON lines of `{"customer_id": ..., "traits": {...}}`, or flat records whose
  other keys are the traits;
- Segment/RudderStack identify calls (`userId`, else `anonymousId`, `traits`),
  merged in timestamp order; other Segment calls are not customers and skipped.

When a customer appears more than once, later traits override earlier ones,
key by key. Rows that cannot be read go to `rejects` like event rows.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from cjo_cli.events.compressed import plain_name
from cjo_cli.events.lines import Rejects, csv_records, numbered_lines
from cjo_cli.events.tables import CREATE_CUSTOMERS, EventLogError, connect
from cjo_cli.model.conditions import NUMBER


@dataclass(frozen=True)
class CustomersSummary:
    path: str
    customers: int
    rows: int
    rejected: int
    skipped: int = 0
    """Readable rows that describe no customer (Segment track/page calls)."""


def csv_value(text: str) -> Any:
    """A CSV cell as a trait value: booleans and numbers typed, the rest text."""
    lowered = text.strip().lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    if NUMBER.fullmatch(text.strip()):
        number = float(text)
        return (
            int(number)
            if number.is_integer() and "." not in text and "e" not in lowered
            else number
        )
    return text


def _from_csv(path: Path, rejects: Rejects) -> tuple[list[tuple[str, dict[str, Any]]], int]:
    found: list[tuple[str, dict[str, Any]]] = []
    before = len(rejects.rows)
    # The event reader's: undecodable lines, stray quotes and short records are rejects.
    try:
        header, batches = csv_records(path, rejects)
    except csv.Error as exc:
        raise EventLogError(f"{path}: the header line is not CSV ({exc})") from exc
    if not header:
        raise EventLogError(f"{path}: the customers file is empty")
    if "customer_id" not in header:
        raise EventLogError(f"{path}: no customer_id column (found {', '.join(header)})")
    key = header.index("customer_id")
    rows = 0
    for batch in batches:
        columns = [batch.column(f"c{index}").to_pylist() for index in range(len(header))]
        for number, record in zip(
            batch.column("row").to_pylist(), zip(*columns, strict=True), strict=True
        ):
            rows += 1
            customer = record[key].strip()
            if not customer:
                rejects.add(number, ",".join(record), "missing customer id")
                continue
            traits = {
                name: csv_value(value)
                for name, value in zip(header, record, strict=True)
                if name != "customer_id" and value.strip() != ""
            }
            found.append((customer, traits))
    rejected_by_reader = len(rejects.rows) - before - (rows - len(found))
    return found, rows + rejected_by_reader


def _from_json_lines(
    path: Path, rejects: Rejects
) -> tuple[list[tuple[str, dict[str, Any]]], int, int]:
    identified: list[tuple[str, int, str, dict[str, Any]]] = []
    rows = skipped = 0
    for batch in numbered_lines(path, rejects):
        for row, raw in zip(
            batch.column("row").to_pylist(), batch.column("raw").to_pylist(), strict=True
        ):
            rows += 1
            try:
                record = json.loads(raw)
            except json.JSONDecodeError:
                rejects.add(row, raw, "not valid JSON")
                continue
            if not isinstance(record, dict):
                rejects.add(row, raw, "not a JSON object")
                continue
            if "type" in record and ("userId" in record or "anonymousId" in record):
                if record.get("type") != "identify":
                    skipped += 1
                    continue
                customer = record.get("userId") or record.get("anonymousId")
                traits = record.get("traits") or {}
                when = str(record.get("timestamp") or "")
            else:
                customer = record.get("customer_id")
                nested = record.get("traits")
                traits = (
                    nested
                    if isinstance(nested, dict)
                    else {k: v for k, v in record.items() if k != "customer_id"}
                )
                when = ""
            if customer is None or str(customer).strip() == "":
                rejects.add(row, raw, "missing customer id")
                continue
            if not isinstance(traits, dict):
                rejects.add(row, raw, "traits is not a JSON object")
                continue
            identified.append((when, row, str(customer), traits))
    # Identify calls in time order (text order of ISO timestamps), then file order.
    identified.sort(key=lambda item: (item[0], item[1]))
    return [(customer, traits) for _, _, customer, traits in identified], rows, skipped


def load_customers(con: duckdb.DuckDBPyConnection, path: Path) -> CustomersSummary:
    """Read a customers file into the `customers` table (and bad rows into `rejects`)."""
    if not path.is_file():
        raise EventLogError(f"{path}: no such file")
    rejects = Rejects()
    skipped = 0
    if plain_name(path.name).lower().endswith(".csv"):
        found, rows = _from_csv(path, rejects)
    else:
        found, rows, skipped = _from_json_lines(path, rejects)
    merged: dict[str, dict[str, Any]] = {}
    for customer, traits in found:
        merged.setdefault(customer, {}).update(traits)
    con.execute(CREATE_CUSTOMERS)
    table = pa.table(
        {
            "customer_id": pa.array(list(merged), pa.string()),
            "traits": pa.array(
                [json.dumps(t, ensure_ascii=False) for t in merged.values()], pa.string()
            ),
        }
    )
    con.register("new_customers", table)
    con.execute(
        "INSERT OR REPLACE INTO customers "
        "SELECT n.customer_id, CASE WHEN c.traits IS NULL THEN n.traits::JSON "
        "ELSE json_merge_patch(c.traits, n.traits::JSON) END "
        "FROM new_customers n LEFT JOIN customers c USING (customer_id)"
    )
    con.unregister("new_customers")
    if rejects.rows:
        con.register("customer_rejects", rejects.table(str(path)))
        con.execute('INSERT INTO rejects SELECT file, "row", raw, reason FROM customer_rejects')
        con.unregister("customer_rejects")
    return CustomersSummary(str(path), len(merged), rows, len(rejects.rows), skipped)


def read_traits(path: Path) -> tuple[dict[str, dict[str, Any]], CustomersSummary]:
    """The traits of every customer in a customers file, for an executor without DuckDB
    tables (Spark): read by the same reader, into memory."""
    con = connect()
    try:
        summary = load_customers(con, path)
        traits: dict[str, dict[str, Any]] = {}
        for customer, text in con.execute("SELECT customer_id, traits FROM customers").fetchall():
            value = json.loads(text) if isinstance(text, str) else text
            traits[customer] = value if isinstance(value, dict) else {}
    finally:
        con.close()
    return traits, summary
