"""Load event logs into one canonical DuckDB table, and every unreadable row into `rejects`.

    events(customer_id, event, ts TIMESTAMPTZ (UTC), properties JSON, file, row)
    rejects(file, row, raw, reason)

For every file, `read + rejected` equals its rows (blank lines are not rows).
Values from the files never go into SQL text: column names are quoted
identifiers, key names are parameters, everything else is data.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from cjo_cli.errors import InputError, UsageError
from cjo_cli.events.formats import JSON_FORMATS, JsonFormat, sniff_json_keys
from cjo_cli.events.lines import Rejects, csv_records, numbered_lines

CANONICAL = ("customer_id", "event", "ts", "properties")

CREATE_TABLES = """
CREATE TABLE IF NOT EXISTS events (
    customer_id VARCHAR NOT NULL,
    event VARCHAR NOT NULL,
    ts TIMESTAMPTZ NOT NULL,
    properties JSON NOT NULL,
    file VARCHAR NOT NULL,
    "row" BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS rejects (file VARCHAR, "row" BIGINT, raw VARCHAR, reason VARCHAR);
"""

# Turns the extracted fields of `staged` into accepted events or rejects.
_REASON = """
coalesce(
    bad,
    CASE
        WHEN customer_id IS NULL OR trim(customer_id) = '' THEN 'missing customer id'
        WHEN event IS NULL OR trim(event) = '' THEN 'missing event name'
        WHEN ts_text IS NULL OR trim(ts_text) = '' THEN 'missing timestamp'
        WHEN ts IS NULL THEN 'bad timestamp: ' || ts_text
        WHEN props IS NOT NULL AND json_type(props) NOT IN ('OBJECT', 'NULL')
            THEN 'properties is not a JSON object'
    END
)
"""
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


# Rejects whose reason starts so are readable rows that are not events (a Segment
# identify call): kept in `rejects` so that nothing goes missing, but not held
# against --max-rejects.
NOT_AN_EVENT = "not an event: "


@dataclass(frozen=True)
class FileSummary:
    path: str
    format: str
    read: int
    rejected: int
    not_events: int = 0
    """Of the rejected rows, those that were readable but are not events."""


@dataclass(frozen=True)
class LoadSummary:
    files: tuple[FileSummary, ...]

    @property
    def read(self) -> int:
        return sum(f.read for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def unreadable(self) -> int:
        return sum(f.rejected - f.not_events for f in self.files)


class EventLogError(InputError):
    """An event log that cannot be read at all, or is mostly garbage."""


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Pin the session to UTC and create the canonical tables."""
    con.execute("SET TimeZone = 'UTC'")
    con.execute(CREATE_TABLES)


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory connection, prepared; commands use `database.open_database`."""
    con = duckdb.connect(":memory:")
    prepare(con)
    return con


def check_rejects(summary: LoadSummary, limit: str) -> None:
    """Fail loudly when more rows were rejected than `limit` ("1%" or a count) allows."""
    text = limit.strip()
    try:
        if text.endswith("%"):
            share = float(text[:-1]) / 100
            allowed = share * (summary.read + summary.rejected)
        else:
            allowed = float(int(text))
    except ValueError as exc:
        raise UsageError(f"bad --max-rejects {limit!r}: use a share such as 1% or a count") from exc
    if summary.unreadable > allowed:
        total = summary.read + summary.rejected
        raise EventLogError(
            f"could not read {summary.unreadable:,} of {total:,} rows, "
            f"more than --max-rejects {text}; "
            "the log is mostly unreadable or needs --log-format/--map (see the rejects table)"
        )


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def parse_mapping(items: Sequence[str]) -> dict[str, str]:
    """`--map customer_id=user_id` → {"customer_id": "user_id"}."""
    mapping: dict[str, str] = {}
    for item in items:
        target, sep, source = item.partition("=")
        if not sep or target not in CANONICAL or not source:
            raise UsageError(
                f"bad --map {item!r}: use CANONICAL=SOURCE with CANONICAL one of "
                + ", ".join(CANONICAL)
            )
        mapping[target] = source
    return mapping


def sniff(path: Path) -> str:
    """The format of a log file, from its name and its first record."""
    name = path.name.lower()
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".csv", ".tsv")):
        return "csv"
    try:
        with path.open("rb") as handle:
            for raw in handle:
                if raw.strip():
                    first = json.loads(raw.decode("utf-8-sig"))
                    break
            else:
                raise EventLogError(f"{path}: the file is empty")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EventLogError(
            f"{path}: cannot tell the format from the first line ({exc}); give --log-format"
        ) from exc
    if not isinstance(first, dict):
        raise EventLogError(f"{path}: the first line is not a JSON object; give --log-format")
    props = first.get("properties")
    found = sniff_json_keys(set(first), set(props) if isinstance(props, dict) else set())
    if found is None:
        raise EventLogError(
            f"{path}: the first record's keys ({', '.join(sorted(first)[:8])}) match no known "
            "export; give --log-format and --map"
        )
    return found


def load_events(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    log_format: str = "auto",
    mapping: Mapping[str, str] | None = None,
    on_file: Callable[[FileSummary], None] | None = None,
) -> LoadSummary:
    """Read every file into `events` and `rejects`; return what was read and rejected."""
    summaries = []
    for path in paths:
        if not path.is_file():
            raise EventLogError(f"{path}: no such file")
        fmt = sniff(path) if log_format == "auto" else log_format
        before = _counts(con)
        if fmt in JSON_FORMATS:
            _load_json(con, path, JSON_FORMATS[fmt], mapping or {})
        elif fmt == "csv":
            _load_csv(con, path, mapping or {})
        elif fmt == "parquet":
            _load_parquet(con, path, mapping or {})
        else:
            raise UsageError(f"unknown log format {fmt!r}")
        after = _counts(con)
        ((not_events,),) = con.execute(
            "SELECT count(*) FROM rejects WHERE file = ? AND starts_with(reason, ?)",
            [str(path), NOT_AN_EVENT],
        ).fetchall()
        summary = FileSummary(
            str(path), fmt, after[0] - before[0], after[1] - before[1], int(not_events)
        )
        summaries.append(summary)
        if on_file is not None:
            on_file(summary)
    return LoadSummary(tuple(summaries))


def _counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    ((read, rejected),) = con.execute(
        "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM rejects)"
    ).fetchall()
    return int(read), int(rejected)


def _stage(
    con: duckdb.DuckDBPyConnection, file: str, select: str, params: Sequence[Any] = ()
) -> None:
    """Run `select` (columns row, raw, bad, customer_id, event, ts_text, ts, props) into
    the accepted events and the rejects."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE staged AS SELECT *, {_REASON} AS reason FROM ({select})",
        list(params),
    )
    con.execute(INSERT_EVENTS, [file])
    con.execute(INSERT_REJECTS, [file])
    con.execute("DROP TABLE staged")


def _json_select(fmt: JsonFormat, mapping: Mapping[str, str]) -> tuple[str, list[str]]:
    if not mapping:
        return (
            'SELECT "row", raw, bad, '
            f"{fmt.customer_id} AS customer_id, {fmt.event} AS event, "
            f"{fmt.ts_text} AS ts_text, {fmt.ts} AS ts, {fmt.properties} AS props "
            f"FROM (SELECT *, coalesce({fmt.skip_reason or 'NULL'}, bad_json) AS bad FROM parsed)",
            [],
        )
    if fmt.name != "jsonl":
        raise UsageError("--map applies to the canonical csv, jsonl and parquet formats")
    keys = [mapping.get(name, name) for name in CANONICAL]
    return (
        'SELECT "row", raw, bad_json AS bad, json_extract_string(j, ?) AS customer_id, '
        "json_extract_string(j, ?) AS event, json_extract_string(j, ?) AS ts_text, "
        "try_cast(json_extract_string(j, ?) AS TIMESTAMPTZ) AS ts, json_extract(j, ?) AS props "
        "FROM parsed",
        ["$." + json.dumps(k) for k in (keys[0], keys[1], keys[2], keys[2], keys[3])],
    )


_PARSE_LINES = """
CREATE OR REPLACE TEMP VIEW parsed AS
SELECT "row", raw, j,
       CASE WHEN j IS NULL THEN 'not valid JSON'
            WHEN json_type(j) <> 'OBJECT' THEN 'not a JSON object' END AS bad_json
FROM (SELECT "row", raw, CASE WHEN json_valid(raw) THEN raw::JSON END AS j FROM lines)
"""


def _load_json(
    con: duckdb.DuckDBPyConnection, path: Path, fmt: JsonFormat, mapping: Mapping[str, str]
) -> None:
    rejects = Rejects()
    select, params = _json_select(fmt, mapping)
    for batch in numbered_lines(path, rejects):
        con.register("lines", batch)
        con.execute(_PARSE_LINES)
        _stage(con, str(path), select, params)
        con.execute("DROP VIEW parsed")
        con.unregister("lines")
    _insert_rejects(con, str(path), rejects)


def _insert_rejects(con: duckdb.DuckDBPyConnection, file: str, rejects: Rejects) -> None:
    if rejects.rows:
        con.register("reader_rejects", rejects.table(file))
        con.execute('INSERT INTO rejects SELECT file, "row", raw, reason FROM reader_rejects')
        con.unregister("reader_rejects")


def _tabular_select(
    columns: Mapping[str, str], types: Mapping[str, str], mapping: Mapping[str, str], file: str
) -> tuple[str, list[Any]]:
    """SQL over `src` for a table whose header names map to column identifiers."""
    wanted = {name: mapping.get(name, name) for name in CANONICAL}
    missing = [
        f"{name} (column {wanted[name]!r})" for name in CANONICAL[:3] if wanted[name] not in columns
    ]
    if missing:
        raise EventLogError(
            f"{file}: missing column(s) {', '.join(missing)}; found {', '.join(columns)}; "
            "use --map CANONICAL=COLUMN"
        )
    col = {name: columns[wanted[name]] for name in CANONICAL if wanted[name] in columns}
    ts_type = types.get(wanted["ts"], "VARCHAR")
    ts_text = f"CAST({col['ts']} AS VARCHAR)"
    if "TIMESTAMP" in ts_type:
        ts = f"CAST({col['ts']} AS TIMESTAMPTZ)"
    else:
        ts = f"try_cast({ts_text} AS TIMESTAMPTZ)"
    used = {wanted[name] for name in CANONICAL}
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
            f"WHEN trim({col['properties']}) = '' THEN NULL ELSE to_json({col['properties']}) END"
            if ptype == "VARCHAR"
            else f"to_json({col['properties']})"
        )
        props = (
            given
            if extra_json == "NULL"
            else f"json_merge_patch({extra_json}, coalesce({given}, '{{}}'::JSON))"
        )
    else:
        props = extra_json
    raw = " || ',' || ".join(f"coalesce(CAST({c} AS VARCHAR), '')" for c in columns.values())
    select = (
        f'SELECT "row", {raw} AS raw, NULL AS bad, '
        f"CAST({col['customer_id']} AS VARCHAR) AS customer_id, "
        f"CAST({col['event']} AS VARCHAR) AS event, {ts_text} AS ts_text, {ts} AS ts, "
        f"{props} AS props "
        "FROM src"
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
        _stage(con, str(path), select, params)
        con.unregister("src")
    _insert_rejects(con, str(path), rejects)


def _load_parquet(con: duckdb.DuckDBPyConnection, path: Path, mapping: Mapping[str, str]) -> None:
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
    _stage(con, str(path), select, params)
    con.execute("DROP VIEW src")
    con.execute("DROP VIEW parquet_file")


# ---- Parquet without copying: `events` as a view ---------------------------------------


# The same rules as _REASON, in forms DuckDB evaluates cheaply on every scan (the
# view re-checks each row whenever a query reads it): trim() only for values that
# start with a space, and the properties text checked as a valid JSON object.
# Checks that the files' statistics prove unnecessary are left out.
def _view_reason(ts_is_text: bool, skip: set[str]) -> str:
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
    branches.append(
        "WHEN props_text IS NOT NULL AND NOT ((prefix(ltrim(props_text), '{') "
        "AND json_valid(props_text)) OR trim(props_text) IN ('', 'null')) "
        "THEN 'properties is not a JSON object'"
    )
    return "CASE " + " ".join(branches) + " END"


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


def scan_parquet(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    mapping: Mapping[str, str] | None = None,
    on_file: Callable[[FileSummary], None] | None = None,
) -> LoadSummary:
    """Make `events` a view over Parquet files instead of a copy of them.

    For a large export this is what keeps `cjo report` fast: each query reads only
    the columns and row groups it needs. Rejects are found in one pass and kept
    in `rejects` as usual, and the view leaves out exactly those rows.
    """
    for path in paths:
        if not path.is_file():
            raise EventLogError(f"{path}: no such file")
    names = [str(path) for path in paths]
    try:
        described = con.execute(
            "DESCRIBE SELECT * FROM read_parquet(?, union_by_name = true)", [names]
        ).fetchall()
    except duckdb.Error as exc:
        raise EventLogError(f"{names[0]}: not a readable Parquet file ({exc})") from exc
    columns = [str(row[0]) for row in described]
    types = {str(row[0]): str(row[1]) for row in described}
    wanted = {name: (mapping or {}).get(name, name) for name in CANONICAL}
    missing = [f"{n} (column {wanted[n]!r})" for n in CANONICAL[:3] if wanted[n] not in types]
    if missing:
        raise EventLogError(
            f"{names[0]}: missing column(s) {', '.join(missing)}; found {', '.join(columns)}; "
            "use --map CANONICAL=COLUMN"
        )
    col = {name: quote_identifier(wanted[name]) for name in CANONICAL if wanted[name] in types}
    ts_type = types[wanted["ts"]]
    ts = (
        f"CAST({col['ts']} AS TIMESTAMPTZ)"
        if "TIMESTAMP" in ts_type
        else f"try_cast(CAST({col['ts']} AS VARCHAR) AS TIMESTAMPTZ)"
    )
    ts_is_text = "TIMESTAMP" not in ts_type
    skip = {name for name in CANONICAL[:3] if _proven_present(con, names, wanted[name])}
    props_text = "NULL::VARCHAR"
    props = "'{}'::JSON"
    if "properties" in col:
        if types[wanted["properties"]] in ("VARCHAR", "JSON"):
            props_text = f"CAST({col['properties']} AS VARCHAR)"
            props = (
                f"CASE WHEN {props_text} IS NULL OR trim({props_text}) IN ('', 'null') "
                f"THEN '{{}}'::JSON ELSE CAST({props_text} AS JSON) END"
            )
        else:
            props = f"coalesce(to_json({col['properties']}), '{{}}'::JSON)"
    used = {wanted[name] for name in CANONICAL} | {"filename", "file_row_number"}
    extras = [name for name in columns if name not in used]
    if extras:
        # Views take no parameters: the column names go in as SQL string literals.
        pairs = ", ".join(f"{_literal(name)}, {quote_identifier(name)}" for name in extras)
        props = f"json_merge_patch(json_object({pairs}), {props})"
    raw = " || ',' || ".join(
        f"coalesce(CAST(cjo_raw_{index} AS VARCHAR), '')" for index in range(len(columns))
    )
    originals = ", ".join(
        f"src.{quote_identifier(name)} AS cjo_raw_{index}" for index, name in enumerate(columns)
    )
    # A relation, not SQL text, carries the file names into the view.
    con.read_parquet(names, filename=True, file_row_number=True, union_by_name=True).create_view(
        "cjo_parquet", replace=True
    )
    ts_text = f"CAST({col['ts']} AS VARCHAR)" if ts_is_text else "NULL::VARCHAR"
    staged = (
        f"SELECT *, {_view_reason(ts_is_text, skip)} AS reason FROM ("
        f"SELECT CAST({col['customer_id']} AS VARCHAR) AS customer_id, "
        f"CAST({col['event']} AS VARCHAR) AS event, {ts_text} AS ts_text, "
        f"{ts} AS ts, {props_text} AS props_text, {props} AS properties, "
        f'filename AS file, file_row_number + 1 AS "row", {originals} FROM cjo_parquet src)'
    )
    con.execute("DROP TABLE IF EXISTS events")
    con.execute("DROP VIEW IF EXISTS events")
    con.execute(f"CREATE OR REPLACE TEMP VIEW cjo_parquet_staged AS {staged}")
    con.execute(
        'CREATE VIEW events AS SELECT customer_id, event, ts, properties, file, "row" '
        "FROM cjo_parquet_staged WHERE reason IS NULL"
    )
    # `raw` (every column as text) only for the rejected rows.
    con.execute(
        f'INSERT INTO rejects SELECT file, "row", {raw}, reason FROM cjo_parquet_staged '
        "WHERE reason IS NOT NULL"
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
    return LoadSummary(tuple(summaries))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
