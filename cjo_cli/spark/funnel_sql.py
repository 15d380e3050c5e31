"""Ordered funnels of distinct plain steps in Spark SQL, without Python on the hot path.

The counted attempt (docs/funnels.md) of an ordered funnel whose steps each name a
different event, with no `where`, is what `engine.funnel_ordered.ordered_attempts`
computes on the embedded engine (on numpy arrays); this is the same rule with Spark's
window functions and one aggregate, over one shuffle of the step rows by customer:

1. The funnel's rows (step events in the `--since/--until` slice) get their step
   number s. One window per customer, ordered by (t, s) descending with a running
   frame (linear, where a frame up to the partition's end is quadratic in Spark),
   sees from each row every row at or after it; events at the same instant may fill
   consecutive steps in step order, hence s in the order.
2. From the last step back, a step-j row's chain is the struct (t_j, t_{j+1}, ..,
   t_N): its own time, then the chain of the earliest step-(j+1) row in its frame
   (the minimum of those structs, whose first field is that row's time). So each
   step-1 row carries its start's whole earliest chain, as `ordered_attempt` follows
   it. The windows share one partitioning and order: Spark sorts once.
3. A start's level is 1 plus the chain's steps within the window of t1 (the times
   only grow along a chain); the customer's counted attempt is the minimum of
   (-level, t1, ..): the best level, then the earliest start. The aggregate groups
   by the window's own partitioning, so it needs no second shuffle.

`qualifies` is deliberately narrow: anything else (strict, unordered, repeated
events, step or exclusion filters, exclusions at all, since a clean attempt is
preferred to an excluded one, personas, breakdowns, and step or funnel kinds it
does not know) goes through the per-customer Python path of `spark.funnels`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cjo_cli.model import Funnel, FunnelStep, Persona
from cjo_cli.model.clock import SECOND

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

# The fields whose meaning this module knows; a field added to the model later, set
# to anything but its default, sends the funnel to the Python path.
KNOWN_FUNNEL_FIELDS = frozenset(
    {"id", "name", "steps", "window", "order", "exclusions", "breakdown", "persona"}
    | {"phase", "kpi", "description", "loc", "locs"}
)
KNOWN_STEP_FIELDS = frozenset({"event", "name", "loc", "any_of"})


def _unknown_fields_set(value: Any, known: frozenset[str]) -> bool:
    for field in dataclasses.fields(value):
        if field.name in known:
            continue
        if field.default is not dataclasses.MISSING:
            default: Any = field.default
        elif field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        else:
            return True
        if getattr(value, field.name) != default:
            return True
    return False


def _plain_step(step: Any) -> bool:
    if type(step) is not FunnelStep or _unknown_fields_set(step, KNOWN_STEP_FIELDS):
        return False
    if step.any_of not in ((), (step.event,)):
        return False
    return not step.event.where


def qualifies(funnel: Funnel, persona: Persona | None, breakdown_key: str | None) -> bool:
    """Can this (funnel, persona, property breakdown) be counted by `attempts_sql`?"""
    if type(funnel) is not Funnel or _unknown_fields_set(funnel, KNOWN_FUNNEL_FIELDS):
        return False
    if funnel.order != "ordered" or funnel.exclusions or breakdown_key is not None:
        return False
    if persona is not None and persona.segment is not None:
        return False
    if not funnel.steps or not all(_plain_step(step) for step in funnel.steps):
        return False
    names = [step.event.event for step in funnel.steps]
    return len(set(names)) == len(names)


def _step_rows(
    events: DataFrame, names: Sequence[str], since_us: int | None, until_us: int | None
) -> DataFrame:
    """(k, t, s): the rows of the funnel's step events in the slice, with their step."""
    from pyspark.sql import functions as F

    rows = events.where(F.col("event").isin(list(names)))
    if since_us is not None:
        rows = rows.where(F.col("t") >= F.lit(since_us))
    if until_us is not None:
        rows = rows.where(F.col("t") < F.lit(until_us))
    step: Column = F.lit(None)
    for number, name in enumerate(names, 1):
        step = F.when(F.col("event") == name, F.lit(number)).otherwise(step)
    return rows.select(F.col("customer_id").alias("k"), "t", step.cast("int").alias("s"))


def _starts(rows: DataFrame, steps: int) -> DataFrame:
    """(k, t1..tN): every step-1 row and the earliest chain from it (tj null where the
    chain ends before step j)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    later = (
        Window.partitionBy("k")
        .orderBy(F.col("t").desc(), F.col("s").desc())
        .rowsBetween(Window.unboundedPreceding, Window.currentRow)
    )
    chain: Column | None = None
    for j in range(steps, 0, -1):
        fields = [F.col("t").alias(f"t{j}")]
        if chain is not None:
            following = F.min(chain).over(later)
            fields += [following[f"t{i}"].alias(f"t{i}") for i in range(j + 1, steps + 1)]
        rows = rows.withColumn(f"c{j}", F.when(F.col("s") == j, F.struct(*fields)))
        chain = F.col(f"c{j}")
    times = [F.col("c1")[f"t{i}"].alias(f"t{i}") for i in range(1, steps + 1)]
    return rows.where(F.col("s") == 1).select("k", *times)


def attempts_sql(
    events: DataFrame,
    funnel: Funnel,
    index: int,
    variant: str,
    width: int,
    since_us: int | None = None,
    until_us: int | None = None,
) -> DataFrame:
    """Every customer's counted attempt of a funnel that `qualifies`, in the schema of
    `spark.funnels.attempts` (funnel, variant, level, t1..t{width}, excluded, bv)."""
    from pyspark.sql import functions as F

    steps = len(funnel.steps)
    window = funnel.window.seconds * SECOND
    names = [step.event.event for step in funnel.steps]
    starts = _starts(_step_rows(events, names, since_us, until_us), steps)
    level: Column = F.lit(1)
    for j in range(2, steps + 1):
        within = F.col(f"t{j}") - F.col("t1") <= F.lit(window)
        level = level + F.when(within, F.lit(1)).otherwise(F.lit(0))
    best = F.struct(
        (-level).alias("rank"), *(F.col(f"t{j}").alias(f"t{j}") for j in range(1, steps + 1))
    )
    picked = starts.groupBy("k").agg(F.min(best).alias("b"))
    reached = -F.col("b.rank")
    return picked.select(
        F.lit(index).cast("int").alias("funnel"),
        F.lit(variant).alias("variant"),
        reached.cast("int").alias("level"),
        *(
            (F.when(reached >= n, F.col(f"b.t{n}")) if n <= steps else F.lit(None))
            .cast("long")
            .alias(f"t{n}")
            for n in range(1, width + 1)
        ),
        F.lit(False).alias("excluded"),
        F.lit(None).cast("string").alias("bv"),
    )
