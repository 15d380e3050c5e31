"""Canonical Parquet logs read by Spark itself, the rejects found by cjo's own checks.

`spark.read` copies every file through cjo's Python reader; for the common Parquet
shape that copy is most of a report's time, so here the JVM reads the events
(`spark.read.parquet`, only the columns a query needs) and a Python task per file
runs only what must stay cjo's code: the embedded engine's in-place reader
(`events.parquet_view.scan_parquet`) on that file, which finds the rejects with
their reasons, `raw` texts and the file's counts. The events are the file's rows
less the rejected ones (an anti-join on (file, row), as the DuckDB view does), so
the log is the embedded engine's: the same rows, rejects and `FileSummary`s.

The native path takes a log (`native_plan`) whose files are all canonical Parquet
(`--log-format parquet`, or sniffed so) and all have the same columns, in the
same order and of the same types:

- customer_id and event (canonical or `--map`ped): VARCHAR;
- ts: TIMESTAMP or TIMESTAMP WITH TIME ZONE;
- properties, if there is one: VARCHAR;
- no other column (the embedded engine folds extras into properties), no
  `--map anonymous_id` (stitching), so neither identity links nor message ids;
- local paths of plain characters (letters, digits, `_./+=@-`), each file once,
  whose names do not start with `_` or `.` (Spark reads paths as globs, skips
  hidden names and escapes other characters in the file names it gives rows).

Everything else (CSV, JSON lines, vendor exports, other column types, extra
columns, schemas that differ between files, unreadable files) keeps `spark.read`'s
Python reader. A required column missing from a file is the embedded engine's
error, raised for the first such file before anything is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from cjo_cli.events.tables import (
    CANONICAL,
    FileSummary,
    LoadSummary,
    check_required,
    read_in_place,
)

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import Column, DataFrame, SparkSession

REJECT_SCHEMA = (
    "kind string, file string, row long, raw string, reason string, fmt string, "
    "read long, rejected long"
)
EVENT_COLUMNS = ("customer_id", "event", "t", "properties", "file", "row")
_TYPES = {
    "customer_id": ("VARCHAR",),
    "event": ("VARCHAR",),
    "ts": ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE"),
    "properties": ("VARCHAR",),
}
"""The DuckDB types of the canonical columns the native path reads."""
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_./+=@-]+")
_JSON_SPACE = " \t\n\r"
"""The characters JSON allows around a value (`tables.JSON_SPACE`)."""
MAP_FILES = 32
"""Up to this many files, a row's file name is looked up in a literal map."""
BROADCAST_REJECTS = 1_000_000
"""Up to this many rejects, the anti-join ships them to every task (no shuffle)."""


@dataclass(frozen=True)
class NativePlan:
    """Which columns of the (equally shaped) files are the canonical ones."""

    files: tuple[tuple[str, str], ...]
    """(absolute path, label as given) in the log's order."""
    columns: Mapping[str, str]
    """Canonical name → source column (properties only when the files have it)."""
    mapping: Mapping[str, str]
    check_properties: bool = True
    """Reject rows whose properties are not JSON objects (`scan_parquet`'s check, left
    out as on the embedded engine when nothing the run computes reads them)."""


def native_plan(
    files: Sequence[tuple[Path, str]], mapping: Mapping[str, str], check_properties: bool = True
) -> NativePlan | None:
    """The plan when every file has the shape the native path reads, else None; the
    embedded engine's MissingColumns when a file lacks a required column."""
    if not read_in_place((fmt for _, fmt in files), mapping):
        return None
    shapes = _shapes([path for path, _ in files], mapping)
    if shapes is None or any(shape != shapes[0] for shape in shapes):
        return None
    resolved = [path.resolve() for path, _ in files]
    if len(set(resolved)) != len(resolved) or not all(
        _PLAIN_PATH.fullmatch(str(path)) and not path.name.startswith(("_", "."))
        for path in resolved
    ):
        return None
    types = dict(shapes[0])
    wanted = {name: mapping.get(name, name) for name in CANONICAL}
    if len(types) != len(shapes[0]) or set(types) - set(wanted.values()):
        return None  # a column twice, or one the embedded engine folds into properties
    columns = {name: wanted[name] for name in CANONICAL if wanted[name] in types}
    if any(types[column] not in _TYPES[name] for name, column in columns.items()):
        return None
    labelled = tuple(
        (str(path), str(given)) for path, (given, _) in zip(resolved, files, strict=True)
    )
    return NativePlan(labelled, columns, dict(mapping), check_properties)


def _shapes(
    paths: Sequence[Path], mapping: Mapping[str, str]
) -> list[list[tuple[str, str]]] | None:
    """Each file's (column, DuckDB type) list; None when DuckDB cannot read one (the
    Python reader then says why, as it always has). A file without a required column
    is MissingColumns, for the first such file, as `scan_parquet` checks them."""
    import duckdb

    con = duckdb.connect()
    try:
        shapes = []
        for path in paths:
            try:
                described = con.execute(
                    "DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]
                ).fetchall()
            except duckdb.Error:
                return None
            shape = [(str(row[0]), str(row[1])) for row in described]
            check_required(dict(shape), mapping, str(path))
            shapes.append(shape)
        return shapes
    finally:
        con.close()


def _find_rejects(plan: NativePlan, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The worker's side: each file's index becomes the file's rejects and one summary
    row (or one error row), by `scan_parquet` on that file alone (the files have the
    same columns, so alone they are checked as together)."""
    import pyarrow as pa

    from cjo_cli.errors import CjoError
    from cjo_cli.events.parquet_view import scan_parquet
    from cjo_cli.events.tables import connect

    schema = _arrow_schema()
    for batch in batches:
        for index in batch.column(0).to_pylist():
            path, label = plan.files[index]
            con = connect()
            try:
                try:
                    (summary,) = scan_parquet(
                        con, [Path(path)], plan.mapping, check_properties=plan.check_properties
                    ).files
                except CjoError as exc:
                    reason = str(exc).replace(path, label)
                    yield _row(
                        schema, kind="error", file=label, reason=reason, fmt=type(exc).__name__
                    )
                    continue
                found = con.sql(
                    "SELECT 'reject' AS kind, ? AS file, \"row\", raw, reason, "
                    "NULL::VARCHAR AS fmt, NULL::BIGINT AS read, NULL::BIGINT AS rejected "
                    'FROM rejects ORDER BY "row"',
                    params=[label],
                )
                for part in found.to_arrow_reader(65_536):
                    yield pa.RecordBatch.from_arrays(part.columns, schema=schema)
            finally:
                con.close()
            yield _row(
                schema,
                kind="file",
                file=label,
                fmt="parquet",
                read=summary.read,
                rejected=summary.rejected,
            )


def _arrow_schema() -> pa.Schema:
    import pyarrow as pa

    text, number = pa.string(), pa.int64()
    kinds = {"string": text, "long": number}
    return pa.schema(
        [(part.split()[0], kinds[part.split()[1]]) for part in REJECT_SCHEMA.split(", ")]
    )


def reader_error(name: str, reason: str) -> Exception:
    """A reader's error from a worker, as the class the DuckDB engine would raise (so
    the command line adds the same advice)."""
    from cjo_cli.events.load import MappingNotApplicable
    from cjo_cli.events.tables import EventLogError, MissingColumns, UnknownLogFormat

    kinds: dict[str, type[EventLogError]] = {
        "MissingColumns": MissingColumns,
        "MappingNotApplicable": MappingNotApplicable,
        "UnknownLogFormat": UnknownLogFormat,
    }
    return kinds.get(name, EventLogError)(reason)


def _row(schema: pa.Schema, **values: object) -> pa.RecordBatch:
    import pyarrow as pa

    row: dict[str, object] = dict.fromkeys(schema.names)
    row.update(values)
    return pa.RecordBatch.from_pylist([row], schema=schema)


def _events(spark: SparkSession, plan: NativePlan) -> DataFrame | None:
    """Every row of every file, in the canonical columns (rejects not yet removed); None
    when Spark sees the files otherwise than DuckDB does (names, types, paths)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, TimestampNTZType, TimestampType

    col = plan.columns
    # One scan of all the files: a plan per file would read each footer on the driver.
    # `file:` keeps a cluster's default file system (HDFS) from claiming a local path.
    frame = spark.read.parquet(*(f"file:{path}" for path, _ in plan.files))
    fields = {field.name: field.dataType for field in frame.schema.fields}
    text = [col[name] for name in ("customer_id", "event", "properties") if name in col]
    if any(not isinstance(fields.get(name), StringType) for name in text) or not isinstance(
        fields.get(col["ts"]), TimestampType | TimestampNTZType
    ):
        return None
    # A row's file is known by Spark's name for it, which is its path unless the path has
    # characters a URI escapes: then (seen in `inputFiles`) the log is not read here.
    if sorted(urlparse(seen).path for seen in frame.inputFiles()) != sorted(
        path for path, _ in plan.files
    ):
        return None
    rows = frame.select(
        F.col(_ref(col["customer_id"])).alias("customer_id"),
        F.col(_ref(col["event"])).alias("event"),
        F.unix_micros(F.col(_ref(col["ts"])).cast("timestamp")).alias("t"),
        _properties(F.col(_ref(col["properties"])) if "properties" in col else None),
        F.col("_metadata.file_path").alias("file_path"),
        (F.col("_metadata.row_index") + 1).alias("row"),
    )
    names = [(f"file:{path}", label) for path, label in plan.files]
    if len(names) <= MAP_FILES:
        # A projection, left out by the queries that do not need the file.
        labels = F.create_map(*(F.lit(item) for pair in names for item in pair))
        return rows.withColumn("file", labels[F.col("file_path")]).drop("file_path")
    # A map's lookup is a linear search: many files are a (broadcast) hash join.
    table = spark.createDataFrame(names, "file_path string, file string")
    return rows.join(F.broadcast(table), "file_path").drop("file_path")


def _ref(name: str) -> str:
    """A column name as Spark's `col` takes it literally (dots and backticks quoted)."""
    return "`" + name.replace("`", "``") + "`"


def _properties(text: Column | None) -> Column:
    """An accepted row's properties text: an object's text as written; `{}` for a null,
    blank or `null` one (the only other texts that are not rejects)."""
    from pyspark.sql import functions as F

    if text is None:
        return F.lit("{}").alias("properties")
    empty = text.isNull() | F.btrim(text, F.lit(_JSON_SPACE)).isin("", "null")
    return (F.when(text.startswith("{"), text).when(empty, F.lit("{}")).otherwise(text)).alias(
        "properties"
    )


def read_native(
    spark: SparkSession, plan: NativePlan
) -> tuple[DataFrame, DataFrame, LoadSummary, DataFrame] | None:
    """The events, rejects and counts of `plan`: rejects and counts by the workers'
    checks, the events read by Spark; None when Spark reads the files' columns as other
    types than DuckDB does. Last, the cached frame of the checks' results (the caller
    unpersists it when done with the rejects)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    events = _events(spark, plan)
    if events is None:
        return None
    # One task per file, without the shuffle a repartition of a local table costs.
    jobs = spark.range(0, len(plan.files), 1, len(plan.files))
    checked = jobs.mapInArrow(partial(_find_rejects, plan), REJECT_SCHEMA).persist(
        StorageLevel.MEMORY_AND_DISK
    )
    summaries: dict[str, FileSummary] = {}
    errors: dict[str, tuple[str, str]] = {}
    for row in checked.where("kind IN ('file', 'error')").collect():
        if row["kind"] == "error":
            errors[row["file"]] = (row["fmt"], row["reason"])
        else:
            summaries[row["file"]] = FileSummary(
                row["file"], "parquet", int(row["read"]), int(row["rejected"])
            )
    labels = [label for _, label in plan.files]
    for label in labels:
        if label in errors:  # the first file's in the log's order, as the embedded engine
            checked.unpersist()
            raise reader_error(*errors[label])
    rejects = checked.where("kind = 'reject'").select("file", "row", "raw", "reason")
    rejected = sum(summary.rejected for summary in summaries.values())
    if rejected:
        keys = rejects.select("file", "row")
        if rejected <= BROADCAST_REJECTS:
            keys = F.broadcast(keys)
        events = events.join(keys, ["file", "row"], "left_anti")
    summary = LoadSummary(
        tuple(summaries[label] for label in labels), properties_checked=plan.check_properties
    )
    return events.select(*EVENT_COLUMNS), rejects, summary, checked
