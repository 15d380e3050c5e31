"""Event logs into a Spark DataFrame with cjo's own readers, one task per file.

(Canonical Parquet logs of the common shape are read by Spark itself, the rejects
by cjo's checks: `spark.parquet_read`, which says which shapes.)

Each task loads its file with `events.load.load_events`, the reader the DuckDB
engine uses, into an in-memory DuckDB on the worker, and hands back the accepted
rows and the rejects. So the rules (formats, vendor shapes, `--map`, timestamps,
what is rejected and why) are the same code on both engines, and the Spark log
has exactly the rows of the DuckDB one. Parallelism is by file: a large export
comes, as Spark and warehouse exports do, as many part files.

The rows: customer_id, event, t (µs since the epoch, UTC), properties (JSON text),
file, row. Workers must see the files at the given paths (a shared file system
on a cluster).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cjo_cli.events.tables import EventLogError, FileSummary, LoadSummary, read_in_place
from cjo_cli.spark.parquet_read import native_plan, read_native, reader_error

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

OUTPUT_SCHEMA = (
    "kind string, customer_id string, event string, t long, properties string, file string, "
    "row long, raw string, reason string, fmt string, read long, rejected long, not_events long"
)
EVENT_COLUMNS = ("customer_id", "event", "t", "properties", "file", "row")
BATCH_ROWS = 65_536


@dataclass
class SparkLog:
    events: DataFrame
    """customer_id, event, t, properties, file, row; cached, or (`parquet_read`) a scan
    of the Parquet files that each query reads anew (only the columns it needs)."""
    rejects: DataFrame
    """file, row, raw, reason."""
    summary: LoadSummary
    cached: tuple[DataFrame, ...] = ()
    """The frames the read cached, for `release`."""

    def release(self) -> None:
        """Free what the read cached: a session that outlives the command (one this
        process already ran) must get its memory back."""
        for frame in self.cached:
            frame.unpersist()

    def span(self) -> tuple[int | None, int | None]:
        """The first and last event times (µs), as `events.tables.log_span`."""
        from pyspark.sql import functions as F

        row = self.events.agg(F.min("t"), F.max("t")).collect()[0]
        return (None, None) if row[1] is None else (int(row[0]), int(row[1]))


def _load_files(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The worker's side: each (path, fmt, mapping) row becomes its events, rejects and
    one summary row."""
    import pyarrow as pa

    from cjo_cli.errors import CjoError
    from cjo_cli.events.load import load_events
    from cjo_cli.events.tables import connect

    names = OUTPUT_SCHEMA_NAMES
    for batch in batches:
        for path, label, fmt, mapping, source_tz, check in zip(
            batch.column(0).to_pylist(),
            batch.column(1).to_pylist(),
            batch.column(2).to_pylist(),
            batch.column(3).to_pylist(),
            batch.column(4).to_pylist(),
            batch.column(5).to_pylist(),
            strict=True,
        ):
            con = connect()
            try:
                try:
                    # Identities are stitched on the driver, across every file.
                    loaded = load_events(
                        con,
                        [(Path(path), fmt)],
                        json.loads(mapping),
                        across_files=False,
                        source_tz=source_tz,
                        check_properties=check,
                    )
                except CjoError as exc:
                    # Said on the driver as the DuckDB engine says it, not as a task failure.
                    reason = str(exc).replace(path, label)
                    yield _one_row(kind="error", file=label, reason=reason, fmt=type(exc).__name__)
                    continue
                summary = loaded.files[0]
                for query in (_EVENT_ROWS, _REJECT_ROWS, _LINK_ROWS, _MESSAGE_ROWS):
                    for part in con.sql(query, params=[label]).to_arrow_reader(BATCH_ROWS):
                        yield pa.RecordBatch.from_arrays(part.columns, names=names)
            finally:
                con.close()
            yield _one_row(
                kind="file",
                file=label,
                fmt=summary.format,
                read=summary.read,
                rejected=summary.rejected,
                not_events=summary.not_events,
            )


# The accepted rows and the rejects of a file, in the output's columns.
_EVENT_ROWS = (
    "SELECT 'event' AS kind, customer_id, event, epoch_us(ts) AS t, "
    'CAST(properties AS VARCHAR) AS properties, ? AS file, "row", '
    "NULL::VARCHAR AS raw, NULL::VARCHAR AS reason, NULL::VARCHAR AS fmt, "
    "NULL::BIGINT AS read, NULL::BIGINT AS rejected, NULL::BIGINT AS not_events "
    'FROM events ORDER BY "row"'
)
_REJECT_ROWS = (
    "SELECT 'reject' AS kind, NULL::VARCHAR, NULL::VARCHAR, NULL::BIGINT, "
    'NULL::VARCHAR, ? AS file, "row", raw, reason, NULL::VARCHAR, NULL::BIGINT, '
    'NULL::BIGINT, NULL::BIGINT FROM rejects ORDER BY "row"'
)


# A link: the anonymous id in `raw`, the known id in customer_id (`events.identity`).
_LINK_ROWS = (
    "SELECT 'link' AS kind, customer_id, NULL::VARCHAR, epoch_us(ts), NULL::VARCHAR, "
    '? AS file, "row", anonymous_id, NULL::VARCHAR, NULL::VARCHAR, NULL::BIGINT, '
    'NULL::BIGINT, NULL::BIGINT FROM identity_links ORDER BY "row"'
)


# A message id the file's accepted events carry, in `raw` (duplicates across files).
_MESSAGE_ROWS = (
    "SELECT 'message' AS kind, NULL::VARCHAR, NULL::VARCHAR, NULL::BIGINT, NULL::VARCHAR, "
    '? AS file, "row", message_id, NULL::VARCHAR, NULL::VARCHAR, NULL::BIGINT, '
    "NULL::BIGINT, NULL::BIGINT FROM seen_messages"
)


def _one_row(**values: Any) -> pa.RecordBatch:
    """A batch of one output row: the given columns, the others null."""
    import pyarrow as pa

    row: dict[str, Any] = dict.fromkeys(OUTPUT_SCHEMA_NAMES)
    row.update(values)
    return pa.RecordBatch.from_pylist([row], schema=_ARROW_SCHEMA)


OUTPUT_SCHEMA_NAMES = [part.split()[0] for part in OUTPUT_SCHEMA.split(", ")]


def arrow_schema(ddl: str) -> pa.Schema:
    """The Arrow schema of a Spark DDL string of simple columns (`name type, ...`)."""
    import pyarrow as pa

    types = {"string": pa.string(), "long": pa.int64(), "int": pa.int32(), "boolean": pa.bool_()}
    return pa.schema([(part.split()[0], types[part.split()[1]]) for part in ddl.split(", ")])


_ARROW_SCHEMA = arrow_schema(OUTPUT_SCHEMA)


def read_events(
    spark: SparkSession,
    files: Sequence[tuple[Path, str]],
    mapping: Mapping[str, str] | None = None,
    stitch_identities: bool = True,
    source_tz: str | None = None,
    check_properties: bool = True,
) -> SparkLog:
    """Every (file, format) read by cjo's reader on the workers; the events cached for
    the queries that follow. `check_properties`: as `cli.inputs.open_log`'s (a Parquet
    log with no anonymous ids; other logs are always checked, on both engines).
    Identities are stitched on the driver with the DuckDB engine's own SQL, from the
    links the workers found (few: one per login)."""
    from pyspark import StorageLevel

    for path, _ in files:
        if not path.is_file():
            raise EventLogError(f"{path}: no such file")
    plan = native_plan(files, mapping or {}, check_properties)
    native = read_native(spark, plan) if plan is not None else None
    if native is not None:
        events, rejects, summary, checked = native
        return SparkLog(events, rejects, summary, (checked,))
    # As the embedded engine: only a log it would read in place may go unchecked, also
    # when its files are of a shape the native path does not read.
    check_rows = check_properties or not read_in_place((fmt for _, fmt in files), mapping or {})
    rows = []
    for path, fmt in files:
        # Workers open the absolute path; rows keep the name as given, as in DuckDB.
        rows.append(
            (
                str(path.resolve()),
                str(path),
                fmt,
                json.dumps(dict(mapping or {})),
                source_tz,
                check_rows,
            )
        )
    jobs = spark.createDataFrame(
        rows,
        "path string, label string, fmt string, mapping string, source_tz string, check boolean",
    )
    jobs = jobs.repartition(max(len(rows), 1))
    loaded = jobs.mapInArrow(_load_files, OUTPUT_SCHEMA).persist(StorageLevel.MEMORY_AND_DISK)
    summaries = {}
    for row in loaded.where("kind IN ('file', 'error')").collect():
        if row["kind"] == "error":
            loaded.unpersist()
            raise reader_error(row["fmt"], row["reason"])
        summaries[row["file"]] = FileSummary(
            row["file"], row["fmt"], row["read"], row["rejected"], row["not_events"]
        )
    events = loaded.where("kind = 'event'").select(*EVENT_COLUMNS)
    rejects = loaded.where("kind = 'reject'").select("file", "row", "raw", "reason")
    labels = [str(path) for path, _ in files]
    events, rejects, summaries = _drop_duplicates(spark, files, loaded, events, rejects, summaries)
    merged = conflicts = 0
    if stitch_identities:
        events, merged, conflicts = _stitch(spark, events, loaded, labels)
    summary = LoadSummary(
        tuple(summaries[label] for label in labels),
        merged,
        conflicts,
        properties_checked=check_rows,
    )
    return SparkLog(events, rejects, summary, (loaded,))


def _drop_duplicates(
    spark: SparkSession,
    files: Sequence[tuple[Path, str]],
    loaded: DataFrame,
    events: DataFrame,
    rejects: DataFrame,
    summaries: dict[str, FileSummary],
) -> tuple[DataFrame, DataFrame, dict[str, FileSummary]]:
    """Second deliveries of a message across files, as the DuckDB reader finds them
    (the first by file order, then row; each worker has done its own file): rejects
    with the row's text, read back from the file (they are few), and the counts."""
    from dataclasses import replace

    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from cjo_cli.events.lines import Rejects, numbered_lines
    from cjo_cli.events.tables import DUPLICATE

    order = spark.createDataFrame(
        [(str(path), index) for index, (path, _) in enumerate(files)], "file string, place int"
    )
    messages = loaded.where("kind = 'message'").select(
        F.col("raw").alias("message_id"), "file", "row"
    )
    window = Window.partitionBy("message_id").orderBy("place", "row")
    later = (
        messages.join(F.broadcast(order), "file")
        .withColumn("rank", F.row_number().over(window))
        .withColumn("first_file", F.first("file").over(window))
        .withColumn("first_row", F.first("row").over(window))
        .where("rank > 1")
        .collect()
    )
    summaries = dict(summaries)
    wanted: dict[str, dict[int, str]] = {}
    for item in later:
        wanted.setdefault(item["file"], {})[int(item["row"])] = (
            f"{DUPLICATE}{item['message_id']}, first read at {item['first_file']}:"
            f"{item['first_row']}"
        )
    if not wanted:
        return events, rejects, _with_duplicates(rejects, summaries)
    found = []
    for path, _ in files:
        reasons = wanted.get(str(path))
        if not reasons:
            continue
        for batch in numbered_lines(path, Rejects()):
            for row, raw in zip(
                batch.column("row").to_pylist(), batch.column("raw").to_pylist(), strict=True
            ):
                if row in reasons:
                    found.append((str(path), row, raw, reasons[row]))
        old = summaries[str(path)]
        count = len(reasons)
        summaries[str(path)] = replace(
            old,
            read=old.read - count,
            rejected=old.rejected + count,
            not_events=old.not_events + count,
        )
    duplicates = spark.createDataFrame(found, "file string, row long, raw string, reason string")
    events = events.join(
        F.broadcast(duplicates.select("file", "row")), ["file", "row"], "left_anti"
    )
    rejects = rejects.unionByName(duplicates)
    return events.select(*EVENT_COLUMNS), rejects, _with_duplicates(rejects, summaries)


def _with_duplicates(
    rejects: DataFrame, summaries: dict[str, FileSummary]
) -> dict[str, FileSummary]:
    """Each file's count of duplicates, from its rejects."""
    from dataclasses import replace

    from pyspark.sql import functions as F

    from cjo_cli.events.tables import DUPLICATE

    counted: dict[str, int] = dict(
        rejects.where(F.col("reason").startswith(DUPLICATE)).groupBy("file").count().collect()
    )
    return {
        name: replace(summary, duplicates=int(counted.get(name, 0)))
        for name, summary in summaries.items()
    }


def _stitch(
    spark: SparkSession, events: DataFrame, loaded: DataFrame, labels: list[str]
) -> tuple[DataFrame, int, int]:
    """The events with each linked anonymous id's rows given to its customer."""
    import pyarrow as pa
    from pyspark.sql import functions as F

    from cjo_cli.events.identity import CREATE_LINKS, resolve
    from cjo_cli.events.tables import connect

    links = loaded.where("kind = 'link'").select("raw", "customer_id", "t", "file", "row")
    rows = links.collect()
    if not rows:
        return events, 0, 0
    order = {label: index for index, label in enumerate(labels)}
    con = connect()
    try:
        con.execute(CREATE_LINKS)
        table = pa.table(
            {
                "anonymous_id": [r["raw"] for r in rows],
                "customer_id": [r["customer_id"] for r in rows],
                "t": pa.array([r["t"] for r in rows], pa.int64()),
                "file": [r["file"] for r in rows],
                "file_index": pa.array([order[r["file"]] for r in rows], pa.int32()),
                "row": pa.array([r["row"] for r in rows], pa.int64()),
            }
        )
        con.register("worker_links", table)
        con.execute(
            "INSERT INTO identity_links SELECT anonymous_id, customer_id, "
            'make_timestamp(t)::TIMESTAMPTZ, file, file_index, "row" FROM worker_links'
        )
        found = resolve(con)
        pairs = con.execute("SELECT anonymous_id, customer_id FROM identities").fetchall()
    finally:
        con.close()
    mapping = spark.createDataFrame(pairs, "anonymous_id string, stitched string")
    stitched = (
        events.join(F.broadcast(mapping), events["customer_id"] == mapping["anonymous_id"], "left")
        .withColumn("customer_id", F.coalesce("stitched", "customer_id"))
        .select(*EVENT_COLUMNS)
    )
    return stitched, found.merged, found.conflicts
