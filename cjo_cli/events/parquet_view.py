"""Parquet logs read in place: `events` as a view over the files instead of a copy.

For a large export this is what keeps `cjo report` fast: each query reads only
the columns and row groups it needs. Rejects are found in one pass and kept in
`rejects` as usual, and the view leaves out exactly those rows, by the same rules
as the copying reader (`load._REASON`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import duckdb

from cjo_cli.events.tables import (
    CANONICAL,
    JSON_SPACE,
    REQUIRED,
    TS_END,
    TS_MIN,
    EventLogError,
    FileSummary,
    LoadSummary,
    check_required,
    check_types,
    quote_identifier,
    ts_reason,
)


# The same rules as _REASON, in forms DuckDB evaluates cheaply on every scan (the
# view re-checks each row whenever a query reads it): trim() only for values that
# start with a space, and the properties text checked as a valid JSON object.
# Checks that the files' statistics prove unnecessary are left out.
def _view_reason(ts_is_text: bool, skip: set[str]) -> str | None:
    branches = []
    if "customer_id" not in skip:
        branches.append(
            "WHEN customer_id IS NULL OR customer_id = '' OR (prefix(customer_id, ' ') "
            "AND trim(customer_id) = '') THEN 'missing customer id'"
        )
    if "event" not in skip:
        branches.append(
            "WHEN event IS NULL OR event = '' OR (prefix(event, ' ') AND trim(event) = '') "
            "THEN 'missing event name'"
        )
    if ts_is_text:
        branches.append("WHEN ts_text IS NULL OR trim(ts_text) = '' THEN 'missing timestamp'")
        branches.append("WHEN ts IS NULL THEN 'bad timestamp: ' || ts_text")
    elif "ts" not in skip:
        branches.append("WHEN ts IS NULL THEN 'missing timestamp'")
    if "ts range" not in skip:
        branches.append(ts_reason("ts", "ts_text" if ts_is_text else None))
    # A text that starts with `{` needs only json_valid: trim() with a set of
    # characters costs far more than the JSON check on long texts, so it is left to
    # the few texts that start otherwise (a CASE evaluates a branch only for its rows).
    if "properties" not in skip:
        branches.append(
            "WHEN props_text IS NOT NULL AND CASE WHEN prefix(props_text, '{') "
            "THEN NOT json_valid(props_text) "
            f"ELSE NOT ((prefix(ltrim(props_text, {JSON_SPACE}), '{{') "
            f"AND json_valid(props_text)) OR trim(props_text, {JSON_SPACE}) IN ('', 'null')) "
            "END THEN 'properties is not a JSON object'"
        )
    return "CASE " + " ".join(branches) + " END" if branches else None


def _proven_present(con: duckdb.DuckDBPyConnection, names: list[str], column: str) -> bool:
    """Do the Parquet statistics show `column` never null (and, for text, never empty
    or starting with a space: every row group's minimum sorts at or after "!")?"""
    rows = con.execute(
        "SELECT stats_null_count, stats_min_value, type FROM parquet_metadata(?) "
        "WHERE path_in_schema = ?",
        [names, column],
    ).fetchall()
    if not rows:
        return False
    for nulls, minimum, kind in rows:
        if nulls is None or int(nulls) != 0:
            return False
        if str(kind) == "BYTE_ARRAY" and (minimum is None or str(minimum) < "!"):
            return False
    return True


def _proven_in_range(con: duckdb.DuckDBPyConnection, names: list[str], ts: str) -> bool:
    """Are all the times `ts` (SQL over `read_parquet(names)`, a TIMESTAMP column) within
    the range cjo reads? DuckDB answers min and max from the files' statistics."""
    ((low, high),) = con.execute(
        f"SELECT min({ts}) >= TIMESTAMPTZ '{TS_MIN}', max({ts}) < TIMESTAMPTZ '{TS_END}' "
        "FROM read_parquet(?, union_by_name = true)",
        [names],
    ).fetchall()
    return bool(low) and bool(high)


def parquet_columns(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, str]:
    """A Parquet file's top-level columns and their types."""
    try:
        described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [name]).fetchall()
    except duckdb.Error as exc:
        raise EventLogError(f"{name}: not a readable Parquet file ({exc})") from exc
    return {str(row[0]): str(row[1]) for row in described}


def scan_parquet(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    mapping: Mapping[str, str] | None = None,
    on_file: Callable[[FileSummary], None] | None = None,
    check_properties: bool = True,
) -> LoadSummary:
    """Make `events` a view over Parquet files instead of a copy of them. Without
    `check_properties`, a row whose properties are not a JSON object is kept (for a run
    that never reads them: on long properties the check costs more than the rest)."""
    for path in paths:
        if not path.is_file():
            raise EventLogError(f"{path}: no such file")
    names = [str(path) for path in paths]
    # Every file must have the required columns: read together by name, a file without
    # one would give its rows NULLs there, which the statistics of the others hide. (One
    # file alone is checked below, on the union's columns.)
    if len(names) > 1:
        for name in names:
            check_required(parquet_columns(con, name), mapping or {}, name)
    try:
        described = con.execute(
            "DESCRIBE SELECT * FROM read_parquet(?, union_by_name = true)", [names]
        ).fetchall()
    except duckdb.Error as exc:
        raise EventLogError(f"{names[0]}: not a readable Parquet file ({exc})") from exc
    columns = [str(row[0]) for row in described]
    types = {str(row[0]): str(row[1]) for row in described}
    wanted = check_required(types, mapping or {}, names[0])
    col = {name: quote_identifier(wanted[name]) for name in CANONICAL if wanted[name] in types}
    check_types(types, wanted, names[0])
    ts_type = types[wanted["ts"]]
    ts = (
        f"CAST({col['ts']} AS TIMESTAMPTZ)"
        if "TIMESTAMP" in ts_type
        else f"try_cast(CAST({col['ts']} AS VARCHAR) AS TIMESTAMPTZ)"
    )
    ts_is_text = "TIMESTAMP" not in ts_type
    skip = {name for name in REQUIRED if _proven_present(con, names, wanted[name])}
    if not ts_is_text and _proven_in_range(con, names, ts):
        skip.add("ts range")
    if not check_properties:
        skip.add("properties")
    props_text = "NULL::VARCHAR"
    props = "'{}'::JSON"
    if "properties" in col:
        if types[wanted["properties"]] in ("VARCHAR", "JSON"):
            props_text = f"CAST({col['properties']} AS VARCHAR)"
            props = (
                # An object's text (starts with `{`) is neither blank nor null: no trim().
                f"CASE WHEN prefix({props_text}, '{{') THEN try_cast({props_text} AS JSON) "
                f"WHEN {props_text} IS NULL OR "
                f"trim({props_text}, {JSON_SPACE}) IN ('', 'null') THEN '{{}}'::JSON "
                # try_cast: whether the view filters before it projects is the
                # optimizer's choice, and a rejected row must not fail the query.
                f"ELSE try_cast({props_text} AS JSON) END"
            )
        elif types[wanted["properties"]].startswith(("STRUCT", "MAP")):
            props = f"coalesce(to_json({col['properties']}), '{{}}'::JSON)"
        else:
            # A list or a number is no object: checked as text, like the copying reader.
            props_text = f"CAST(to_json({col['properties']}) AS VARCHAR)"
            props = f"coalesce(to_json({col['properties']}), '{{}}'::JSON)"
    used = {wanted[name] for name in CANONICAL} | {"filename", "file_row_number"}
    extras = [name for name in columns if name not in used]
    if extras:
        # Views take no parameters: the column names go in as SQL string literals.
        pairs = ", ".join(f"{_literal(name)}, {quote_identifier(name)}" for name in extras)
        props = f"json_merge_patch(json_object({pairs}), {props})"
    # One call, not a chain of `||`, which passes DuckDB's expression depth limit.
    raw = (
        "concat_ws(',', "
        + ", ".join(
            f"coalesce(CAST(cjo_raw_{index} AS VARCHAR), '')" for index in range(len(columns))
        )
        + ")"
    )
    originals = ", ".join(
        f"src.{quote_identifier(name)} AS cjo_raw_{index}" for index, name in enumerate(columns)
    )
    # A relation, not SQL text, carries the file names into the view.
    con.read_parquet(names, filename=True, file_row_number=True, union_by_name=True).create_view(
        "cjo_parquet", replace=True
    )
    ts_text = f"CAST({col['ts']} AS VARCHAR)" if ts_is_text else "NULL::VARCHAR"
    rows = (
        f"SELECT CAST({col['customer_id']} AS VARCHAR) AS customer_id, "
        f"CAST({col['event']} AS VARCHAR) AS event, {ts_text} AS ts_text, "
        f"{ts} AS ts, {props_text} AS props_text, {props} AS properties, "
        f'filename AS file, file_row_number + 1 AS "row", {originals} FROM cjo_parquet src'
    )
    con.execute("DROP TABLE IF EXISTS events")
    con.execute("DROP VIEW IF EXISTS events")
    con.execute(f"CREATE OR REPLACE TEMP VIEW cjo_parquet_rows AS {rows}")
    # Two passes: the rows' reasons first, reading only the columns the checks need
    # (reading every column for `raw` cost as much as the rest of a report); then
    # `raw` (every column as text) for the rejected rows only.
    reason = _view_reason(ts_is_text, skip)
    rejects = (
        f'SELECT file, "row", reason FROM (SELECT file, "row", {reason} AS reason '
        "FROM cjo_parquet_rows) WHERE reason IS NOT NULL"
        if reason is not None
        # Every check proven unneeded: no pass over the rows at all.
        else 'SELECT NULL::VARCHAR AS file, NULL::BIGINT AS "row", NULL::VARCHAR AS reason LIMIT 0'
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE cjo_parquet_rejects AS {rejects}")
    ((rejected_rows,),) = con.execute("SELECT count(*) FROM cjo_parquet_rejects").fetchall()
    if rejected_rows:
        con.execute(
            f'INSERT INTO rejects SELECT r.file, r."row", {raw}, r.reason '
            "FROM cjo_parquet_rejects r JOIN cjo_parquet_rows s "
            'ON s.file = r.file AND s."row" = r."row"'
        )
    # The rows were checked once, just above: the view leaves out the rejected ones by
    # their (file, row) rather than checking every row again on each query (the JSON
    # check of each properties text, on every query, cost more than the funnel's scan).
    kept = (
        ""
        if not rejected_rows
        else "WHERE NOT EXISTS (SELECT 1 FROM cjo_parquet_rejects r "
        'WHERE r.file = s.file AND r."row" = s."row")'
    )
    con.execute(
        'CREATE VIEW events AS SELECT customer_id, event, ts, properties, file, "row" '
        f"FROM cjo_parquet_rows s {kept}"
    )
    totals = dict(
        con.execute(
            "SELECT file_name, sum(num_rows) FROM parquet_file_metadata(?) GROUP BY file_name",
            [names],
        ).fetchall()
    )
    rejected = dict(con.execute("SELECT file, count(*) FROM rejects GROUP BY file").fetchall())
    summaries = []
    for name in names:
        total, bad = int(totals.get(name, 0)), int(rejected.get(name, 0))
        summary = FileSummary(name, "parquet", total - bad, bad)
        summaries.append(summary)
        if on_file is not None:
            on_file(summary)
    return LoadSummary(tuple(summaries), properties_checked=check_properties)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
