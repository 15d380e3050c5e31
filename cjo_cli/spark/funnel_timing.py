"""Conversion over time and the time to each step (docs/funnels.md) on Spark, from the
counted attempts of `spark.funnels` keyed by group: the definitions of
`engine/funnel_timing.py`, in Spark SQL.

- Periods: `date_trunc` of t1 (the session time zone is pinned to UTC; `week` starts on
  Monday, as in DuckDB).
- Percentiles: `percentile_disc`, the nearest rank like DuckDB's `quantile_disc`
  (an observed µs value, so both engines give the same float once divided).
- Histogram bins: the same `HISTOGRAM_BOUNDS`, inclusive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cjo_cli.engine.funnel_result import (
    HISTOGRAM_BOUNDS,
    INTERVALS,
    PERCENTILES,
    FunnelOptions,
    StepTimes,
    TimeToStep,
    TrendPoint,
)
from cjo_cli.model import Funnel
from cjo_cli.model.clock import SECOND

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

KEYS = ("funnel", "variant", "kind", "grp")
"""What `spark.funnels` groups the attempts by (GroupKey)."""

Key = tuple[int, str, str, str | None]


def log_end(events: DataFrame, options: FunnelOptions) -> int | None:
    """The last event time (µs) of the log within --since/--until."""
    from pyspark.sql import functions as F

    if options.since_us is not None:
        events = events.where(F.col("t") >= options.since_us)
    if options.until_us is not None:
        events = events.where(F.col("t") < options.until_us)
    (row,) = events.agg(F.max("t").alias("end")).collect()
    return None if row["end"] is None else int(row["end"])


def _by_funnel(values: Sequence[int]) -> Any:
    """A column: the value of the attempt's funnel (by its index) in `values`."""
    from pyspark.sql import functions as F

    pairs = [item for index, value in enumerate(values) for item in (F.lit(index), F.lit(value))]
    return F.create_map(*pairs)[F.col("funnel")]


def trends(
    keyed: DataFrame, funnels: Sequence[Funnel], interval: str, end_us: int | None
) -> dict[Key, list[TrendPoint]]:
    """Per group, the trend points in time order."""
    from pyspark.sql import functions as F

    if interval not in INTERVALS:
        raise ValueError(f"unknown interval {interval!r}; use one of {', '.join(INTERVALS)}")
    steps = _by_funnel([len(funnel.steps) for funnel in funnels])
    window = _by_funnel([funnel.window.seconds * SECOND for funnel in funnels])
    end = end_us if end_us is not None else 0
    period = F.to_date(F.date_trunc(interval, F.timestamp_micros(F.col("t1"))))
    converted = F.col("level") >= steps
    still_open = ~converted & (F.col("t1") + window > F.lit(end))
    rows = (
        keyed.where(F.col("grp").isNotNull())
        .groupBy(*KEYS, period.alias("period"))
        .agg(
            F.count(F.lit(1)).alias("entered"),
            F.count(F.when(converted, 1)).alias("converted"),
            F.count(F.when(still_open, 1)).alias("open"),
        )
        .collect()
    )
    found: dict[Key, list[TrendPoint]] = {}
    for row in sorted(rows, key=lambda r: r["period"]):
        day: dt.date = row["period"]
        point = TrendPoint(
            day.isoformat(), int(row["entered"]), int(row["converted"]), int(row["open"])
        )
        found.setdefault(tuple(row[k] for k in KEYS), []).append(point)
    return found


def step_times(keyed: DataFrame, width: int) -> dict[Key, dict[int, StepTimes]]:
    """Per group, per step after the first that someone in the group reached: the times
    from the previous step and from step 1 (`engine.funnel_timing.step_times`)."""
    from pyspark.sql import functions as F

    if width < 2:
        return {}
    gaps = []
    for step in range(2, width + 1):
        gaps.append((step, "previous", F.col(f"t{step}") - F.col(f"t{step - 1}")))
        if step > 2:
            gaps.append((step, "start", F.col(f"t{step}") - F.col("t1")))
    rows_of = F.array(
        *(
            F.struct(F.lit(step).alias("step"), F.lit(measure).alias("measure"), gap.alias("gap"))
            for step, measure, gap in gaps
        )
    )
    gap = F.col("g.gap")
    bin_index = F.lit(len(HISTOGRAM_BOUNDS))
    for index, bound in reversed(list(enumerate(HISTOGRAM_BOUNDS))):
        bin_index = F.when(gap <= bound * SECOND, index).otherwise(bin_index)
    columns = [
        F.expr(f"percentile_disc({p / 100}) WITHIN GROUP (ORDER BY g.gap)").alias(f"p{p}")
        for p in PERCENTILES
    ]
    columns += [
        F.count(F.when(bin_index == index, 1)).alias(f"b{index}")
        for index in range(len(HISTOGRAM_BOUNDS) + 1)
    ]
    rows = (
        keyed.where(F.col("grp").isNotNull() & (F.col("level") >= 2))
        .select(*KEYS, F.explode(rows_of).alias("g"))
        .where(gap.isNotNull())
        .groupBy(*KEYS, F.col("g.step").alias("step"), F.col("g.measure").alias("measure"))
        .agg(*columns)
        .collect()
    )
    by_gap: dict[tuple[Key, int, str], TimeToStep] = {}
    for row in rows:
        percentiles = tuple(int(row[f"p{p}"]) / SECOND for p in PERCENTILES)
        histogram = tuple(int(row[f"b{i}"]) for i in range(len(HISTOGRAM_BOUNDS) + 1))
        key: Key = tuple(row[k] for k in KEYS)
        by_gap[(key, int(row["step"]), row["measure"])] = TimeToStep(percentiles, histogram)
    found: dict[Key, dict[int, StepTimes]] = {}
    for (key, step, measure), times in by_gap.items():
        if measure == "previous":
            start = by_gap.get((key, step, "start"), times)
            found.setdefault(key, {})[step] = (times, start)
    return found
