"""Funnels (docs/funnels.md) on Spark.

Ordered funnels of distinct plain steps are counted set-based in Spark SQL
(`spark.funnel_sql`, chosen by its `qualifies`). For every other funnel Spark
filters the log to the funnel's events, brings each customer's rows together
(`repartition` by customer, sorted within the partition), and a Python task
computes each customer's counted attempt with `engine.funnel_customer` (the same
`funnel_exact` attempt functions the DuckDB engine uses). The attempts of both
paths are one DataFrame; Spark SQL adds them up per step and per breakdown group:
counts, exact medians (`percentile`, interpolated like DuckDB's `median`) and exact
means (sums of whole microseconds as DECIMAL).

The trend and the times to each step come from the same attempts
(`spark.funnel_timing`).

Why the Python path stays for the rest: the counted attempt is an ordered search,
and one definition in one place keeps both engines equal by construction; the
tests hold both paths equal to DuckDB on every scenario and on random logs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cjo_cli.engine.funnel_customer import EventRow, FunnelProgram
from cjo_cli.engine.funnel_result import (
    NONE_LABEL,
    BreakdownChoice,
    FunnelGroup,
    FunnelOptions,
    FunnelResult,
    StepTimes,
    TrendPoint,
    empty_group,
    full_trend,
    group_from_values,
    parse_breakdown,
    with_times,
)
from cjo_cli.model import Funnel, Persona
from cjo_cli.model.clock import SECOND
from cjo_cli.spark.funnel_sql import attempts_sql, qualifies
from cjo_cli.spark.funnel_timing import log_end, step_times, trends
from cjo_cli.spark.read import SparkLog, arrow_schema

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

TOTAL = ""
"""The variant of the funnel's own persona (the others are persona breakdown groups)."""


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


def _attempt_schema(width: int) -> str:
    times = ", ".join(f"t{n} long" for n in range(1, width + 1))
    return f"funnel int, variant string, level int, {times}, excluded boolean, bv string"


Program = tuple[int, str, FunnelProgram]
"""(the funnel's index, its variant: TOTAL or a persona id, the per-customer program)."""


def attempts(
    log: SparkLog,
    programs: list[Program],
    width: int,
    traits: Mapping[str, Mapping[str, Any]],
) -> DataFrame:
    """Every customer's counted attempt in every (funnel, variant), in one pass over the
    log: one shuffle brings each customer's rows together for all the funnels."""
    wanted: set[str] | None = set()
    for _, _, program in programs:
        names = program.event_names()
        wanted = None if names is None or wanted is None else wanted | names
    schema = _attempt_schema(width)
    people = dict(traits)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        columns = [name.split()[0] for name in schema.split(", ")]
        out: dict[str, list[Any]] = {name: [] for name in columns}
        for customer, rows in customer_groups(batches):
            events = [EventRow(t, name, p or "{}") for t, name, p in rows]
            for index, label, program in programs:
                found = program.attempt(events, people.get(customer))
                if found is None:
                    continue
                out["funnel"].append(index)
                out["variant"].append(label)
                out["level"].append(found.level)
                for n in range(width):
                    out[f"t{n + 1}"].append(found.times[n] if n < len(found.times) else None)
                out["excluded"].append(found.excluded)
                out["bv"].append(found.value)
            if len(out["funnel"]) >= 65_536:
                yield pa.RecordBatch.from_pydict(out, schema=arrow_schema(schema))
                out = {name: [] for name in columns}
        yield pa.RecordBatch.from_pydict(out, schema=arrow_schema(schema))

    return sorted_by_customer(log.events, wanted).mapInArrow(run, schema)


GroupKey = tuple[int, str, str, str | None]
"""(funnel index, variant, 'total' or 'value', group label)."""


def _keyed(found: DataFrame, width: int, by_value: list[int]) -> DataFrame:
    """Every attempt with its GroupKey columns (funnel, variant, kind, grp): once for the
    funnel's totals, once more for a property breakdown's group; grp is null for an
    excluded attempt."""
    from pyspark.sql import functions as F

    keep = ["funnel", "variant", "level", "excluded", *(f"t{n}" for n in range(1, width + 1))]
    total = found.select(
        *keep, F.lit("total").alias("kind"), F.when(~F.col("excluded"), F.lit("all")).alias("grp")
    )
    value = found.where(F.col("funnel").isin(by_value) & (F.col("variant") == TOTAL)).select(
        *keep,
        F.lit("value").alias("kind"),
        F.when(~F.col("excluded"), F.coalesce(F.col("bv"), F.lit(NONE_LABEL))).alias("grp"),
    )
    return total.unionByName(value)


def _aggregate(keyed: DataFrame, width: int) -> dict[GroupKey, Any]:
    """One Spark aggregation for every funnel and group: per step the count, the median
    gap (µs) and the sum of gaps (µs, exact), and the excluded count."""
    from pyspark.sql import functions as F

    columns = [F.count(F.when(F.col("excluded"), 1)).alias("x")]
    for step in range(1, width + 1):
        reached = F.col("level") >= step
        columns.append(F.count(F.when(reached, 1)).alias(f"c{step}"))
        if step > 1:
            gap = F.when(reached, F.col(f"t{step}") - F.col(f"t{step - 1}"))
            columns.append(F.percentile(gap, F.lit(0.5)).alias(f"m{step}"))
            columns.append(F.sum(gap.cast("decimal(38,0)")).alias(f"s{step}"))
    rows = keyed.groupBy("funnel", "variant", "kind", "grp").agg(*columns)
    return {(r["funnel"], r["variant"], r["kind"], r["grp"]): r for r in rows.collect()}


def _values(row: Any, steps: int) -> list[Any]:
    """The values `group_from_values` takes, from one aggregated row."""
    values: list[Any] = []
    for step in range(1, steps + 1):
        count = int(row[f"c{step}"])
        values.append(count)
        if step > 1:
            median = row[f"m{step}"]
            total: Decimal | None = row[f"s{step}"]
            values.append(None if median is None else median / SECOND)
            values.append(None if total is None or not count else float(total) / count / SECOND)
    return values


def run_funnels(
    log: SparkLog,
    funnels: Sequence[Funnel],
    options: FunnelOptions = FunnelOptions(),
    traits: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[FunnelResult]:
    """The funnels on Spark, with the result type and semantics of
    `engine.funnels.run_funnel`, in one pass over the log."""
    from pyspark import StorageLevel

    since, until = options.since_us, options.until_us
    programs: list[Program] = []
    fast: list[tuple[int, str]] = []
    breakdowns = []
    for index, funnel in enumerate(funnels):
        breakdown = parse_breakdown(funnel, options)
        if breakdown is not None and breakdown.by not in ("property", "persona"):
            raise ValueError(f"breakdown by {breakdown.by} needs the journey replay")
        breakdowns.append(breakdown)
        key = breakdown.key if breakdown is not None and breakdown.by == "property" else None
        attribution = breakdown.attribution if breakdown is not None else "first_touch"
        own = options.personas.get(funnel.persona) if funnel.persona else None
        variants: list[tuple[str, Persona | None]] = [(TOTAL, own)]
        if breakdown is not None and breakdown.by == "persona":
            variants += sorted(options.personas.items())
        for label, persona in variants:
            if qualifies(funnel, persona, key):
                fast.append((index, label))
                continue
            program = FunnelProgram(funnel, persona, since, until, key, attribution)
            programs.append((index, label, program))
    if not funnels:
        return []
    width = max(len(funnel.steps) for funnel in funnels)
    by_value = [i for i, b in enumerate(breakdowns) if b is not None and b.by == "property"]
    parts = [
        attempts_sql(log.events, funnels[index], index, label, width, since, until)
        for index, label in fast
    ]
    if programs or not parts:
        parts.append(attempts(log, programs, width, traits or {}))
    found = parts[0]
    for part in parts[1:]:
        found = found.unionByName(part)
    found = found.persist(StorageLevel.MEMORY_AND_DISK)
    end_us = log_end(log.events, options)
    try:
        keyed = _keyed(found, width, by_value)
        groups = _aggregate(keyed, width)
        timing = Timing(
            step_times(keyed, width),
            trends(keyed, funnels, options.interval, end_us),
            options.interval,
        )
    finally:
        found.unpersist()
    return [
        replace(
            _result(index, funnel, breakdowns[index], options, groups, timing),
            interval=options.interval,
            log_end_us=end_us,
        )
        for index, funnel in enumerate(funnels)
    ]


@dataclass(frozen=True)
class Timing:
    """The times to each step and the trends of every group (`spark.funnel_timing`)."""

    times: Mapping[GroupKey, Mapping[int, StepTimes]]
    trends: Mapping[GroupKey, Sequence[TrendPoint]]
    interval: str

    def apply(self, group: FunnelGroup, key: GroupKey) -> FunnelGroup:
        trend = full_trend(self.trends.get(key, ()), self.interval)
        return with_times(group, self.times.get(key, {}), trend)


def _result(
    index: int,
    funnel: Funnel,
    breakdown: BreakdownChoice | None,
    options: FunnelOptions,
    groups: Mapping[GroupKey, Any],
    timing: Timing,
) -> FunnelResult:
    steps = len(funnel.steps)
    empty = empty_group(funnel).steps

    def stats(variant: str) -> FunnelGroup:
        row = groups.get((index, variant, "total", "all"))
        excluded = sum(
            int(r["x"])
            for (f, v, kind, _), r in groups.items()
            if f == index and v == variant and kind == "total"
        )
        shown = group_from_values(funnel, _values(row, steps), 0).steps if row else empty
        group = FunnelGroup(variant or None, shown, excluded)
        return timing.apply(group, (index, variant, "total", "all"))

    total = stats(TOTAL)
    total = replace(total, label=None)
    if breakdown is None:
        return FunnelResult(funnel, total, engine="spark")
    found: list[FunnelGroup] = []
    if breakdown.by == "property":
        labels = sorted(
            str(g) for (f, v, kind, g) in groups if f == index and kind == "value" and g is not None
        )
        for label in labels:
            row = groups[(index, TOTAL, "value", label)]
            group = FunnelGroup(label, group_from_values(funnel, _values(row, steps), 0).steps)
            found.append(timing.apply(group, (index, TOTAL, "value", label)))
    else:
        found = [stats(persona_id) for persona_id in sorted(options.personas)]
    return FunnelResult(funnel, total, breakdown.label, tuple(found), "spark")


def run_funnel(
    log: SparkLog,
    funnel: Funnel,
    options: FunnelOptions = FunnelOptions(),
    traits: Mapping[str, Mapping[str, Any]] | None = None,
) -> FunnelResult:
    """One funnel on Spark (see `run_funnels`)."""
    return run_funnels(log, [funnel], options, traits)[0]
