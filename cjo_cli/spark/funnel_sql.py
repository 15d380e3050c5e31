"""Ordered funnels of distinct plain steps in Spark SQL, without Python on the hot path.

The counted attempt (docs/funnels.md) of an ordered funnel whose steps each name a
different event, with no `where`, is what `engine.funnel_ordered.ordered_attempts`
computes on the embedded engine (on numpy arrays); this is the same rule with Spark's
set operations:

1. The funnel's rows (step events in the `--since/--until` slice) get their step
   number s. One window per customer, ordered by (t, s) descending with a running
   frame (linear, where a frame up to the partition's end is quadratic in Spark),
   gives each row `nx{j}`: the first step-j time at or after it. Events at the same
   instant may fill consecutive steps in step order, hence s in the order.
2. A step-1 row's chain takes t2 = nx2; the step-(j-1) rows, keyed by (customer, t),
   carry nx{j}, so equi-joins follow the chain. Step-1 rows
   sharing t2 share the chain: grouped as (lo, hi), the group's level is the one
   of hi (a later start only gains window).
3. Of the groups at the customer's best level the earliest counts; its start is lo,
   unless lo is outside the window of the chain's last step, then the first start
   that is within it.

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


def _chains(rows: DataFrame, steps: int, cached: list[DataFrame]) -> DataFrame:
    """(k, t2..tN, lo, hi): each group of step-1 rows and the chain it follows. The
    frame read several times is cached, and added to `cached` for the caller to free."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    later = (
        Window.partitionBy("k")
        .orderBy(F.col("t").desc(), F.col("s").desc())
        .rowsBetween(Window.unboundedPreceding, Window.currentRow)
    )
    nexts = rows.select(
        "k",
        "t",
        "s",
        *(
            F.min(F.when(F.col("s") == j, F.col("t"))).over(later).alias(f"nx{j}")
            for j in range(2, steps + 1)
        ),
    ).persist()
    cached.append(nexts)
    groups = (
        nexts.where(F.col("s") == 1)
        .groupBy("k", F.col("nx2").alias("t2"))
        .agg(F.min("t").alias("lo"), F.max("t").alias("hi"))
    )
    for j in range(3, steps + 1):
        hop = (
            nexts.where(F.col("s") == j - 1)
            .select("k", F.col("t").alias(f"t{j - 1}"), F.col(f"nx{j}").alias(f"t{j}"))
            .distinct()
        )
        groups = groups.join(hop, ["k", f"t{j - 1}"], "left")
    return groups


def attempts_sql(
    events: DataFrame,
    funnel: Funnel,
    index: int,
    variant: str,
    width: int,
    since_us: int | None = None,
    until_us: int | None = None,
    *,
    cached: list[DataFrame],
) -> DataFrame:
    """Every customer's counted attempt of a funnel that `qualifies`, in the schema of
    `spark.funnels.attempts` (funnel, variant, level, t1..t{width}, excluded, bv).
    The frames it caches are added to `cached`: the caller unpersists them once done
    with the result."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    steps = len(funnel.steps)
    window = funnel.window.seconds * SECOND
    names = [step.event.event for step in funnel.steps]
    rows = _step_rows(events, names, since_us, until_us)
    if steps == 1:
        picked = (
            rows.groupBy("k").agg(F.min("t").alias("t1")).select("k", F.lit(1).alias("level"), "t1")
        )
    else:
        groups = _chains(rows, steps, cached)
        level: Column = F.lit(1)
        for j in range(2, steps + 1):
            level = F.when(F.col(f"t{j}") - F.col("hi") <= F.lit(window), F.lit(j)).otherwise(level)
        leveled = groups.withColumn("level", level).withColumn(
            "best", F.max("level").over(Window.partitionBy("k"))
        )
        pick = (
            leveled.where(F.col("level") == F.col("best"))
            .groupBy("k", "level")
            .agg(
                F.min("lo").alias("lo"),
                F.min_by("hi", "lo").alias("hi"),
                *(F.min_by(f"t{j}", "lo").alias(f"t{j}") for j in range(2, steps + 1)),
            )
        )
        last: Column = F.lit(None)
        for j in range(2, steps + 1):
            last = F.when(F.col("level") == j, F.col(f"t{j}")).otherwise(last)
        pick = pick.withColumn("thr", last - F.lit(window))
        # The group's earliest start is usually within the window of the chain's last
        # step; when it is not, find the first start that is.
        late = pick.where((F.col("level") > 1) & (F.col("lo") < F.col("thr"))).select(
            "k", "thr", "hi"
        )
        starts = rows.where(F.col("s") == 1).select("k", F.col("t").alias("st"))
        fix = (
            starts.join(late, "k")
            .where((F.col("st") >= F.col("thr")) & (F.col("st") <= F.col("hi")))
            .groupBy("k")
            .agg(F.min("st").alias("fix"))
        )
        picked = pick.join(fix, "k", "left").select(
            "k",
            "level",
            F.coalesce(F.col("fix"), F.col("lo")).alias("t1"),
            *(
                F.when(F.col("level") >= j, F.col(f"t{j}")).alias(f"t{j}")
                for j in range(2, steps + 1)
            ),
        )
    return picked.select(
        F.lit(index).cast("int").alias("funnel"),
        F.lit(variant).alias("variant"),
        F.col("level").cast("int").alias("level"),
        *(
            (F.col(f"t{n}") if n <= steps else F.lit(None)).cast("long").alias(f"t{n}")
            for n in range(1, width + 1)
        ),
        F.lit(False).alias("excluded"),
        F.lit(None).cast("string").alias("bv"),
    )
