"""Copy event logs into the canonical `events` table, every unreadable row into `rejects`.

Each format's reader hands DuckDB numbered rows (JSON lines and CSV through
`lines`, Parquet as a relation); one SQL statement per batch turns the extracted
fields into accepted events or rejects with a reason (`_REASON`). Values from the
files never go into SQL text: column names are quoted identifiers, key names are
parameters, everything else is data. (`parquet_view` reads Parquet in place
instead, when nothing needs a copy.)
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from cjo_cli.events.duplicates import CREATE_SEEN, mark_duplicates
from cjo_cli.events.formats import (
    JSON_FORMATS,
    JsonFormat,
    is_parquet,
    scalar_params,
    scalar_reason,
)
from cjo_cli.events.identity import CREATE_LINKS, INSERT_LINKS, Stitched, stitch
from cjo_cli.events.lines import Rejects, csv_records, numbered_lines
from cjo_cli.events.tables import (
    CANONICAL,
    DUPLICATE,
    JSON_SPACE,
    NOT_AN_EVENT,
    EventLogError,
    FileSummary,
    LoadSummary,
    MissingColumns,
    check_required,
    check_types,
    counts,
    quote_identifier,
    ts_reason,
)
from cjo_cli.json_pointer import key_pointer

# Turns the extracted fields of `staged` into accepted events or rejects.
_CHECKS = f"""
        WHEN customer_id IS NULL OR trim(customer_id) = '' THEN 'missing customer id'
        WHEN event IS NULL OR trim(event) = '' THEN 'missing event name'
        WHEN ts_text IS NULL OR trim(ts_text) = '' THEN 'missing timestamp'
        WHEN ts IS NULL THEN 'bad timestamp: ' || ts_text
        {ts_reason("ts", "ts_text")}"""
_PROPERTIES_CHECK = """
        WHEN props IS NOT NULL AND json_type(props) NOT IN ('OBJECT', 'NULL')
            THEN 'properties is not a JSON object'"""
_REASON = f"coalesce(bad, CASE {_CHECKS}{_PROPERTIES_CHECK}\n    END)"
_REASON_UNCHECKED = f"coalesce(bad, CASE {_CHECKS}\n    END)"
"""`_REASON` without the properties check (`load_events`'s `check_properties`)."""
INSERT_EVENTS = """
INSERT INTO events
SELECT customer_id, event, ts,
       CASE WHEN props IS NULL OR json_type(props) = 'NULL' THEN '{}'::JSON ELSE props END,
       ?, "row"
FROM staged WHERE reason IS NULL
"""
INSERT_REJECTS = (
    'INSERT INTO rejects SELECT ?, "row", raw, reason FROM staged WHERE reason IS NOT NULL'
)


class MappingNotApplicable(EventLogError):
    """A column mapping was given for a vendor format, whose shape is fixed."""


def load_events(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[tuple[Path, str]],
    mapping: Mapping[str, str] | None = None,
    on_file: Callable[[FileSummary], None] | None = None,
    stitch_identities: bool = True,
    across_files: bool = True,
    source_tz: str | None = None,
    check_properties: bool = True,
) -> LoadSummary:
    """Read every (file, format) into `events` and `rejects`; say what was read and
    rejected. The format is a name of `formats.FORMATS` other than auto (see `sniff`).
    Then anonymous ids linked to a known id become that customer (`identity`), unless
    `stitch_identities` is off. Without `across_files`, neither is done and the
    identity links and message ids found stay in `identity_links` and `seen_messages`
    for the caller (the Spark reader does that work across its workers' files).
    `source_tz` (an IANA zone, checked by the caller) is the zone of a Mixpanel
    export's local `time` (older projects export project-time, not UTC). Without
    `check_properties`, a Parquet file's rows whose properties are not a JSON object are
    kept, as `parquet_view.scan_parquet` keeps them (the Spark reader reads such logs
    in tasks with the check the embedded engine would have made)."""
    summaries = []
    con.execute(CREATE_LINKS)
    con.execute(CREATE_SEEN)
    for index, (path, fmt) in enumerate(files):
        if not path.is_file():
            raise EventLogError(f"{path}: no such file")
        before = counts(con)
        if fmt in JSON_FORMATS and is_parquet(path):
            _load_nested_parquet(con, path, JSON_FORMATS[fmt], mapping or {}, source_tz)
        elif fmt in JSON_FORMATS:
            _load_json(con, path, JSON_FORMATS[fmt], mapping or {}, source_tz)
        elif fmt == "csv":
            _load_csv(con, path, mapping or {})
        elif fmt == "parquet":
            _load_parquet(con, path, mapping or {}, check_properties)
        else:
            raise ValueError(f"unknown log format {fmt!r}")
        con.execute("UPDATE identity_links SET file_index = ? WHERE file_index IS NULL", [index])
        after = counts(con)
        ((not_events, duplicates),) = con.execute(
            "SELECT count(*) FILTER (WHERE starts_with(reason, ?)), "
            "count(*) FILTER (WHERE starts_with(reason, ?)) FROM rejects WHERE file = ?",
            [NOT_AN_EVENT, DUPLICATE, str(path)],
        ).fetchall()
        summary = FileSummary(
            str(path),
            fmt,
            after[0] - before[0],
            after[1] - before[1],
            int(not_events),
            int(duplicates),
        )
        summaries.append(summary)
        if on_file is not None:
            on_file(summary)
    if not across_files:
        return LoadSummary(tuple(summaries))
    con.execute("DROP TABLE seen_messages")
    stitched = stitch(con) if stitch_identities else Stitched()
    con.execute("DROP TABLE identity_links")
    return LoadSummary(tuple(summaries), stitched.merged, stitched.conflicts)


def _stage(
    con: duckdb.DuckDBPyConnection,
    file: str,
    select: str,
    params: Sequence[Any] = (),
    *,
    anonymous_ids: bool = False,
    message_ids: bool = False,
    check_properties: bool = True,
) -> None:
    """Run `select` (columns row, raw, bad, customer_id, event, ts_text, ts, props,
    known_id, anonymous_id, link_ids, message_id) into the accepted events, the rejects
    and the identity links. A source without anonymous or message ids skips looking for
    links or duplicates (a canonical log: every row of it)."""
    reason = _REASON if check_properties else _REASON_UNCHECKED
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE staged AS SELECT *, {reason} AS reason FROM ({select})",
        list(params),
    )
    if message_ids:
        mark_duplicates(con, file)
    con.execute(INSERT_EVENTS, [file])
    con.execute(INSERT_REJECTS, [file])
    if anonymous_ids:
        con.execute(INSERT_LINKS, [file, None])
    con.execute("DROP TABLE staged")


def _json_select(
    fmt: JsonFormat, mapping: Mapping[str, str], source_tz: str | None = None
) -> tuple[str, list[str]]:
    if not mapping:
        ts = fmt.ts
        if source_tz is not None and fmt.name == "mixpanel":
            # The epoch number is the wall time in that zone: read it there.
            zone = source_tz.replace("'", "''")
            ts = f"timezone('{zone}', CAST({fmt.ts} AS TIMESTAMP))"
        labels = [label for label, _ in fmt.scalars]
        checks = ", ".join(
            [reason for reason in (fmt.skip_reason, fmt.shape_reason) if reason]
            + [scalar_reason(labels)]
        )
        return (
            'SELECT "row", raw, bad, '
            f"{fmt.customer_id} AS customer_id, {fmt.event} AS event, "
            f"{fmt.ts_text} AS ts_text, {ts} AS ts, {fmt.properties} AS props, "
            f"{fmt.known_id} AS known_id, {fmt.anonymous_id} AS anonymous_id, "
            f"[{', '.join(fmt.link_ids)}]::VARCHAR[] AS link_ids, {fmt.message_id} AS message_id "
            f"FROM (SELECT *, coalesce(bad_json, {checks}) AS bad FROM parsed)",
            scalar_params([path for _, path in fmt.scalars]),
        )
    if fmt.name != "jsonl":
        raise MappingNotApplicable(
            f"{fmt.title}: a column mapping applies to the canonical csv, jsonl and parquet "
            "formats only"
        )
    keys = [mapping.get(name, name) for name in CANONICAL]
    pointers = [key_pointer(k) for k in keys[:3]]
    # `--map anonymous_id=KEY`: the customer is the known id, else that key's value.
    anonymous = mapping.get("anonymous_id")
    anonymous_sql = "json_extract_string(j, ?)" if anonymous else "NULL::VARCHAR"
    anonymous_params = [key_pointer(anonymous)] * 2 if anonymous else []
    return (
        'SELECT "row", raw, bad, '
        f"coalesce(json_extract_string(j, ?), {anonymous_sql}) AS customer_id, "
        "json_extract_string(j, ?) AS event, json_extract_string(j, ?) AS ts_text, "
        "try_cast(json_extract_string(j, ?) AS TIMESTAMPTZ) AS ts, json_extract(j, ?) AS props, "
        f"json_extract_string(j, ?) AS known_id, {anonymous_sql} AS anonymous_id, "
        "[]::VARCHAR[] AS link_ids, NULL::VARCHAR AS message_id "
        f"FROM (SELECT *, coalesce(bad_json, {scalar_reason(CANONICAL[:3])}) AS bad FROM parsed)",
        [key_pointer(keys[0]), *anonymous_params[:1]]
        + [key_pointer(k) for k in (keys[1], keys[2], keys[2], keys[3], keys[0])]
        + anonymous_params[1:]
        + scalar_params(pointers),
    )


_PARSE_LINES = """
CREATE OR REPLACE TEMP VIEW parsed AS
SELECT "row", raw, j,
       CASE WHEN j IS NULL THEN 'not valid JSON'
            WHEN json_type(j) <> 'OBJECT' THEN 'not a JSON object' END AS bad_json
FROM (SELECT "row", raw, CASE WHEN json_valid(raw) THEN raw::JSON END AS j FROM lines)
"""


def _load_json(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    fmt: JsonFormat,
    mapping: Mapping[str, str],
    source_tz: str | None = None,
) -> None:
    rejects = Rejects()
    select, params = _json_select(fmt, mapping, source_tz)
    for batch in numbered_lines(path, rejects):
        con.register("lines", batch)
        con.execute(_PARSE_LINES)
        _stage(con, str(path), select, params, **_ids(fmt, mapping))
        con.execute("DROP VIEW parsed")
        con.unregister("lines")
    _insert_rejects(con, str(path), rejects)


def _ids(fmt: JsonFormat, mapping: Mapping[str, str]) -> dict[str, bool]:
    """Which ids the rows of a JSON format carry (with a mapping: the canonical keys)."""
    if mapping:
        return {"anonymous_ids": "anonymous_id" in mapping, "message_ids": False}
    return {"anonymous_ids": fmt.has_anonymous_ids, "message_ids": fmt.has_message_ids}


def _load_nested_parquet(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    fmt: JsonFormat,
    mapping: Mapping[str, str],
    source_tz: str | None = None,
) -> None:
    """A vendor's Parquet export (GA4's BigQuery schema): each row as the JSON object
    its JSON-lines export would hold, read by the same SQL, so both give the same events."""
    select, params = _json_select(fmt, mapping, source_tz)
    try:
        relation = con.read_parquet(str(path), file_row_number=True)
    except duckdb.Error as exc:
        raise EventLogError(f"{path}: not a readable Parquet file ({exc})") from exc
    relation.create_view("vendor_parquet", replace=True)
    con.execute(
        'CREATE OR REPLACE TEMP VIEW parsed AS SELECT "row", CAST(j AS VARCHAR) AS raw, j, '
        'NULL::VARCHAR AS bad_json FROM (SELECT file_row_number + 1 AS "row", '
        "to_json(struct_pack(*COLUMNS(lambda c: c <> 'file_row_number'))) AS j FROM vendor_parquet)"
    )
    _stage(con, str(path), select, params, **_ids(fmt, mapping))
    con.execute("DROP VIEW parsed")
    con.execute("DROP VIEW vendor_parquet")


def _insert_rejects(con: duckdb.DuckDBPyConnection, file: str, rejects: Rejects) -> None:
    if rejects.rows:
        con.register("reader_rejects", rejects.table(file))
        con.execute('INSERT INTO rejects SELECT file, "row", raw, reason FROM reader_rejects')
        con.unregister("reader_rejects")


def _tabular_select(
    columns: Mapping[str, str], types: Mapping[str, str], mapping: Mapping[str, str], file: str
) -> tuple[str, list[Any]]:
    """SQL over `src` for a table whose header names map to column identifiers."""
    wanted = check_required(columns, mapping, file)
    check_types(types, wanted, file)
    col = {name: columns[wanted[name]] for name in CANONICAL if wanted[name] in columns}
    ts_type = types.get(wanted["ts"], "VARCHAR")
    ts_text = f"CAST({col['ts']} AS VARCHAR)"
    if "TIMESTAMP" in ts_type:
        ts = f"CAST({col['ts']} AS TIMESTAMPTZ)"
        ts_text = f"CAST({ts} AS VARCHAR)"  # shown in UTC, as the in-place reader shows it
    else:
        ts = f"try_cast({ts_text} AS TIMESTAMPTZ)"
    anonymous = mapping.get("anonymous_id")
    if anonymous is not None and anonymous not in columns:
        raise MissingColumns(
            f"{file}: missing column anonymous_id (column {anonymous!r}); "
            f"found {', '.join(columns)}"
        )
    # `--map anonymous_id=COLUMN`: the customer is the known id, else that column's value.
    anonymous_sql = f"CAST({columns[anonymous]} AS VARCHAR)" if anonymous else "NULL::VARCHAR"
    known = f"CAST({col['customer_id']} AS VARCHAR)"
    if anonymous:  # a CSV cell is never null: an empty known id is no known id
        known = f"CASE WHEN trim({known}) <> '' THEN {known} END"
    used = {wanted[name] for name in CANONICAL} | {anonymous}
    extras = [name for name in columns if name not in used]
    params: list[Any] = []
    extra_json = "NULL"
    if extras:
        pairs = []
        for name in extras:
            pairs.append(f"?, {columns[name]}")
            params.append(name)
        extra_json = f"json_object({', '.join(pairs)})"
    if "properties" in col:
        ptype = types.get(wanted["properties"], "VARCHAR")
        given = (
            f"CASE WHEN json_valid({col['properties']}) THEN CAST({col['properties']} AS JSON) "
            f"WHEN trim({col['properties']}, {JSON_SPACE}) = '' THEN NULL "
            f"ELSE to_json({col['properties']}) END"
            if ptype == "VARCHAR"
            else f"to_json({col['properties']})"
        )
        props = (
            given
            if extra_json == "NULL"
            # A null `properties` still takes the extra columns (merging into null is null).
            else f"json_merge_patch({extra_json}, CASE WHEN {given} IS NULL OR "
            f"json_type({given}) = 'NULL' THEN '{{}}'::JSON ELSE {given} END)"
        )
    else:
        props = extra_json
    # One call, not a chain of `||`: a chain over hundreds of columns passes DuckDB's
    # expression depth limit.
    raw = (
        "concat_ws(',', "
        + ", ".join(f"coalesce(CAST({c} AS VARCHAR), '')" for c in columns.values())
        + ")"
    )
    select = (
        f'SELECT "row", {raw} AS raw, NULL AS bad, '
        f"coalesce({known}, {anonymous_sql}) AS customer_id, "
        f"CAST({col['event']} AS VARCHAR) AS event, {ts_text} AS ts_text, {ts} AS ts, "
        f"{props} AS props, {known} AS known_id, "
        f"{anonymous_sql} AS anonymous_id, []::VARCHAR[] AS link_ids, "
        "NULL::VARCHAR AS message_id FROM src"
    )
    return select, params


def _load_csv(con: duckdb.DuckDBPyConnection, path: Path, mapping: Mapping[str, str]) -> None:
    rejects = Rejects()
    try:
        header, batches = csv_records(path, rejects)
    except csv.Error as exc:
        raise EventLogError(f"{path}: the header line is not CSV ({exc})") from exc
    if not header:
        raise EventLogError(f"{path}: the file is empty")
    columns = {name: f"c{index}" for index, name in enumerate(header)}
    if len(columns) != len(header):
        raise EventLogError(f"{path}: the header names a column twice")
    select, params = _tabular_select(columns, {}, mapping, str(path))
    for batch in batches:
        con.register("src", batch)
        _stage(con, str(path), select, params, anonymous_ids="anonymous_id" in mapping)
        con.unregister("src")
    _insert_rejects(con, str(path), rejects)


def _load_parquet(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    mapping: Mapping[str, str],
    check_properties: bool = True,
) -> None:
    try:
        described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    except duckdb.Error as exc:
        raise EventLogError(f"{path}: not a readable Parquet file ({exc})") from exc
    names = [str(row[0]) for row in described]
    types = {str(row[0]): str(row[1]) for row in described}
    columns = {name: quote_identifier(name) for name in names}
    select, params = _tabular_select(columns, types, mapping, str(path))
    # A relation, not SQL text, carries the file name into the query.
    con.read_parquet(str(path), file_row_number=True).create_view("parquet_file", replace=True)
    con.execute(
        "CREATE OR REPLACE TEMP VIEW src AS "
        'SELECT *, file_row_number + 1 AS "row" FROM parquet_file'
    )
    anonymous = "anonymous_id" in mapping
    _stage(
        con, str(path), select, params, anonymous_ids=anonymous, check_properties=check_properties
    )
    con.execute("DROP VIEW src")
    con.execute("DROP VIEW parquet_file")
