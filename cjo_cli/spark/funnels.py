"""Funnels (SPEC §5) on Spark.

Spark filters the log to the funnel's events, brings each customer's rows
together (`repartition` by customer, sorted within the partition), and a Python
task computes each customer's counted attempt with `engine.funnel_customer` (the
same `funnel_exact` attempt functions the DuckDB engine uses). The attempts are a
DataFrame; Spark SQL adds them up per step and per breakdown group: counts,
exact medians (`percentile`, interpolated like DuckDB's `median`) and exact means
(sums of whole microseconds as DECIMAL).

Why not the DuckDB SQL translated: the counted attempt is an ordered search, and
one definition in one place keeps both engines equal by construction; the tests
hold them equal on every scenario and on random logs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cjo_cli.engine.funnel_customer import EventRow, FunnelProgram
from cjo_cli.engine.funnels import (
    NONE_LABEL,
    US,
    FunnelGroup,
    FunnelOptions,
    FunnelResult,
    group_from_values,
    parse_breakdown,
)
from cjo_cli.model import Funnel, Persona
from cjo_cli.spark.read import SparkLog

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

TOTAL = ""
"""The variant of the funnel's own persona (the others are persona breakdown groups)."""


def _us(text: str | None) -> int | None:
    if text is None:
        return None
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (moment - epoch) // dt.timedelta(microseconds=1)


def customer_groups(
    batches: Iterator[pa.RecordBatch],
) -> Iterator[tuple[str, list[tuple[int, str, str | None]]]]:
    """Rows sorted by customer → (customer, [(t, event, properties)]) one customer at a time."""
    current: str | None = None
    rows: list[tuple[int, str, str | None]] = []
    for batch in batches:
        ids = batch.column(0).to_pylist()
        times = batch.column(1).to_pylist()
        names = batch.column(2).to_pylist()
        props = batch.column(3).to_pylist()
        for who, t, name, p in zip(ids, times, names, props, strict=True):
            if who != current:
                if current is not None:
                    yield current, rows
                current, rows = who, []
            rows.append((t, name, p))
    if current is not None:
        yield current, rows


def sorted_by_customer(events: DataFrame, names: set[str] | None) -> DataFrame:
    """The rows of `names` (all rows when None), each customer's together in log order."""
    from pyspark.sql import functions as F

    if names is not None:
        events = events.where(F.col("event").isin(sorted(names)))
    partitions = int(events.sparkSession.conf.get("spark.sql.shuffle.partitions") or "8")
    return (
        events.repartition(partitions, "customer_id")
        .sortWithinPartitions("customer_id", "t", "file", "row")
        .select("customer_id", "t", "event", "properties")
    )


def _attempt_schema(steps: int) -> str:
    times = ", ".join(f"t{n} long" for n in range(1, steps + 1))
    return f"variant string, level int, {times}, excluded boolean, bv string"


def attempts(
    log: SparkLog,
    funnel: Funnel,
    variants: list[tuple[str, Persona | None]],
    options: FunnelOptions,
    traits: Mapping[str, Mapping[str, Any]],
) -> DataFrame:
    """Every customer's counted attempt, once per (variant, persona)."""
    breakdown = parse_breakdown(funnel, options)
    key = breakdown.key if breakdown is not None and breakdown.by == "property" else None
    attribution = breakdown.attribution if breakdown is not None else "first_touch"
    since, until = _us(options.since), _us(options.until)
    programs = [
        (label, FunnelProgram(funnel, persona, since, until, key, attribution))
        for label, persona in variants
    ]
    wanted: set[str] | None = set()
    for _, program in programs:
        names = program.event_names()
        wanted = None if names is None or wanted is None else wanted | names
    steps = len(funnel.steps)
    schema = _attempt_schema(steps)
    people = dict(traits)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        out: dict[str, list[Any]] = {
            name: [] for name in ["variant", "level", *(f"t{n}" for n in range(1, steps + 1))]
        }
        out["excluded"], out["bv"] = [], []
        for customer, rows in customer_groups(batches):
            events = [EventRow(t, name, p or "{}") for t, name, p in rows]
            for label, program in programs:
                found = program.attempt(events, people.get(customer))
                if found is None:
                    continue
                out["variant"].append(label)
                out["level"].append(found.level)
                for n, value in enumerate(found.times, 1):
                    out[f"t{n}"].append(value)
                out["excluded"].append(found.excluded)
                out["bv"].append(found.value)
        yield pa.RecordBatch.from_pydict(out, schema=_arrow(schema))

    return sorted_by_customer(log.events, wanted).mapInArrow(run, schema)


def _arrow(schema: str) -> pa.Schema:
    import pyarrow as pa

    types = {"string": pa.string(), "long": pa.int64(), "int": pa.int32(), "boolean": pa.bool_()}
    return pa.schema([(p.split()[0], types[p.split()[1]]) for p in schema.split(", ")])


def _group_values(
    found: DataFrame, funnel: Funnel, group: Any
) -> dict[str | None, tuple[list[Any], int]]:
    """Per group: the values `group_from_values` takes, and the excluded count."""
    from pyspark.sql import functions as F

    steps = len(funnel.steps)
    columns = [F.count(F.when(F.col("excluded"), 1)).alias("x")]
    for step in range(1, steps + 1):
        reached = F.col("level") >= step
        columns.append(F.count(F.when(reached, 1)).alias(f"c{step}"))
        if step > 1:
            gap = F.when(reached, F.col(f"t{step}") - F.col(f"t{step - 1}"))
            columns.append(F.percentile(gap, F.lit(0.5)).alias(f"m{step}"))
            columns.append(F.sum(gap.cast("decimal(38,0)")).alias(f"s{step}"))
    result: dict[str | None, tuple[list[Any], int]] = {}
    for row in found.withColumn("grp", group).groupBy("grp").agg(*columns).collect():
        values: list[Any] = []
        for step in range(1, steps + 1):
            count = int(row[f"c{step}"])
            values.append(count)
            if step > 1:
                median = row[f"m{step}"]
                total: Decimal | None = row[f"s{step}"]
                values.append(None if median is None else median / US)
                values.append(None if total is None or not count else float(total) / count / US)
        result[row["grp"]] = (values, int(row["x"]))
    return result


def run_funnel(
    log: SparkLog,
    funnel: Funnel,
    options: FunnelOptions = FunnelOptions(),
    traits: Mapping[str, Mapping[str, Any]] | None = None,
) -> FunnelResult:
    """One funnel on Spark, with the result type and semantics of `engine.funnels.run_funnel`."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    breakdown = parse_breakdown(funnel, options)
    if breakdown is not None and breakdown.by not in ("property", "persona"):
        raise ValueError(f"breakdown by {breakdown.by} needs the journey replay")
    own = options.personas.get(funnel.persona) if funnel.persona else None
    variants: list[tuple[str, Persona | None]] = [(TOTAL, own)]
    if breakdown is not None and breakdown.by == "persona":
        variants += sorted(options.personas.items())
    found = attempts(log, funnel, variants, options, traits or {}).persist(
        StorageLevel.MEMORY_AND_DISK
    )
    try:
        empty = group_from_values(funnel, [0, *[0, None, None] * (len(funnel.steps) - 1)], 0)
        mine = found.where(F.col("variant") == TOTAL)
        included = F.when(~F.col("excluded"), F.lit("all"))
        totals = _group_values(mine, funnel, included)
        excluded = sum(x for _, x in totals.values())
        total = FunnelGroup(
            None,
            group_from_values(funnel, totals["all"][0], 0).steps
            if "all" in totals
            else empty.steps,
            excluded,
        )
        if breakdown is None:
            return FunnelResult(funnel, total, engine="spark")
        groups: list[FunnelGroup] = []
        if breakdown.by == "property":
            value = F.when(~F.col("excluded"), F.coalesce(F.col("bv"), F.lit(NONE_LABEL)))
            by_value = _group_values(mine, funnel, value)
            for label in sorted(name for name in by_value if name is not None):
                steps = group_from_values(funnel, by_value[label][0], 0).steps
                groups.append(FunnelGroup(label, steps, 0))
            label = f"{breakdown.key} ({breakdown.attribution.replace('_', ' ')})"
        else:
            for persona_id, _ in variants[1:]:
                theirs = found.where(F.col("variant") == persona_id)
                per = _group_values(theirs, funnel, included)
                dropped = sum(x for _, x in per.values())
                steps = (
                    group_from_values(funnel, per["all"][0], 0).steps
                    if "all" in per
                    else empty.steps
                )
                groups.append(FunnelGroup(persona_id, steps, dropped))
            label = "persona"
        return FunnelResult(funnel, total, label, tuple(groups), "spark")
    finally:
        found.unpersist()
