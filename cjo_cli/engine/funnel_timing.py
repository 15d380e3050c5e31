"""Conversion over time and the time to each step (docs/funnels.md), in DuckDB.

Both come from the counted attempts that `funnel_sql` leaves in `cjo_att` (level, the
step times t1..tN in µs, excluded, bv), which the SQL and the exact path build alike,
so both paths give the same numbers by construction. `group_sql` is the breakdown
group of an attempt as `funnels._group_stats` takes it (an expression over `cjo_att a`,
NULL for an attempt that is not counted).

- Trend: per group and period of t1, the attempts, those that reached the last step,
  and the open ones (not converted, window past the log's end). Periods come from
  `date_trunc` on a TIMESTAMP made from the epoch µs, so they are UTC whatever the
  connection's time zone; `week` starts on Monday (ISO).
- Times to a step, from the previous step and from step 1: nearest-rank percentiles
  (`quantile_disc` with DECIMAL quantiles ranks in integers: exact) and customers per
  `HISTOGRAM_BOUNDS` bin.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from cjo_cli.engine.funnel_result import (
    HISTOGRAM_BOUNDS,
    INTERVALS,
    PERCENTILES,
    FunnelOptions,
    StepTimes,
    TimeToStep,
    TrendPoint,
)
from cjo_cli.engine.funnel_sql import slice_sql
from cjo_cli.model import Funnel
from cjo_cli.model.clock import SECOND

BINS = len(HISTOGRAM_BOUNDS) + 1
"""Bins per histogram; in the packed key below, digit BINS means "step not reached"."""

KEY_DIGITS = 16
"""Histograms packed into one BIGINT key per query (BINS + 1)^16 < 2^63."""


def log_end(
    con: duckdb.DuckDBPyConnection, options: FunnelOptions, floor: int | None
) -> int | None:
    """The last event time (µs) of the log within --since/--until. `floor` is a time the
    log is known to reach (the latest funnel row): only later events are read, which on
    a Parquet view skips the checks of nearly every row that a full scan would repeat."""
    window = slice_sql(options)
    after = "true" if floor is None else "e.ts > make_timestamptz(?)"
    params = [*window.params, *([] if floor is None else [floor])]
    ((end,),) = con.execute(
        f"SELECT epoch_us(max(e.ts)) FROM events e WHERE {window.text} AND {after}", params
    ).fetchall()
    return floor if end is None else int(end)


def _grouped(group_sql: str, where: str = "true") -> str:
    return f"(SELECT a.*, {group_sql} AS grp FROM cjo_att a WHERE {where}) g"


def trend(
    con: duckdb.DuckDBPyConnection,
    funnel: Funnel,
    group_sql: str,
    end_us: int | None,
    interval: str,
) -> dict[str | None, list[TrendPoint]]:
    """Per group, the trend points in time order."""
    if interval not in INTERVALS:
        raise ValueError(f"unknown interval {interval!r}; use one of {', '.join(INTERVALS)}")
    steps = len(funnel.steps)
    window = funnel.window.seconds * SECOND
    # An empty log has no attempts; any end then opens nothing.
    end = end_us if end_us is not None else 0
    rows = con.execute(
        f"""
        SELECT grp, CAST(date_trunc(?, make_timestamp(t1)) AS DATE) AS period, count(*),
               count(*) FILTER (WHERE level >= {steps}),
               count(*) FILTER (WHERE level < {steps} AND t1 + ? > ?)
        FROM {_grouped(group_sql)} WHERE grp IS NOT NULL
        GROUP BY grp, period ORDER BY grp, period
        """,
        [interval, window, end],
    ).fetchall()
    found: dict[str | None, list[TrendPoint]] = {}
    for label, period, entered, converted, still_open in rows:
        assert isinstance(period, dt.date)
        point = TrendPoint(period.isoformat(), int(entered), int(converted), int(still_open))
        found.setdefault(label, []).append(point)
    return found


def _gaps(steps: int) -> list[tuple[int, str, str]]:
    """(step, 'previous' or 'start', the SQL of the gap in µs) for every step after the
    first; step 2 has one gap, the same from both."""
    gaps = []
    for step in range(2, steps + 1):
        gaps.append((step, "previous", f"(t{step} - t{step - 1})"))
        if step > 2:
            gaps.append((step, "start", f"(t{step} - t1)"))
    return gaps


def _bin_sql(gap: str) -> str:
    whens = " ".join(
        f"WHEN {gap} <= {bound * SECOND} THEN {index}"
        for index, bound in enumerate(HISTOGRAM_BOUNDS)
    )
    return f"CASE WHEN {gap} IS NULL THEN {BINS} {whens} ELSE {BINS - 1} END"


def _histograms(
    con: duckdb.DuckDBPyConnection, gaps: list[tuple[int, str, str]], group_sql: str
) -> dict[tuple[str | None, int], list[int]]:
    """Per (group, index into `gaps`), the customers per bin.

    Counting every bin as its own filtered aggregate costs DuckDB far more than one
    GROUP BY: so each attempt's bins become the digits of one integer key, the attempts
    are counted per key (few distinct keys), and the small result is split into digits."""
    found: dict[tuple[str | None, int], list[int]] = {}
    base = BINS + 1
    for first in range(0, len(gaps), KEY_DIGITS):
        chunk = gaps[first : first + KEY_DIGITS]
        key = " + ".join(
            f"{_bin_sql(gap)}::BIGINT * {base**digit}" for digit, (_, _, gap) in enumerate(chunk)
        )
        weights = ", ".join(f"({digit}, {base**digit})" for digit in range(len(chunk)))
        rows = con.execute(
            f"""
            WITH k AS (
                SELECT grp, {key} AS key, count(*) AS n
                FROM {_grouped(group_sql, "level >= 2")} WHERE grp IS NOT NULL GROUP BY ALL
            ), d AS (
                SELECT grp, w.digit, (key // w.weight) % {base} AS bin, n
                FROM k, (VALUES {weights}) w(digit, weight)
            )
            SELECT grp, digit, bin, sum(n) FROM d WHERE bin < {BINS} GROUP BY ALL
            """
        ).fetchall()
        for label, digit, bin_index, count in rows:
            counts = found.setdefault((label, first + int(digit)), [0] * BINS)
            counts[int(bin_index)] = int(count)
    return found


def step_times(
    con: duckdb.DuckDBPyConnection, funnel: Funnel, group_sql: str
) -> dict[str | None, dict[int, StepTimes]]:
    """Per group, per step after the first: the times to it from the previous step and
    from step 1. Steps nobody in the group reached are left out."""
    gaps = _gaps(len(funnel.steps))
    if not gaps:
        return {}
    quantiles = ", ".join(str(p / 100) for p in PERCENTILES)
    columns = ", ".join(
        f"quantile_disc({gap}, [{quantiles}]::DECIMAL(4, 2)[])" for _, _, gap in gaps
    )
    rows = con.execute(
        f"SELECT grp, {columns} FROM {_grouped(group_sql, 'level >= 2')} "
        "WHERE grp IS NOT NULL GROUP BY grp"
    ).fetchall()
    histograms = _histograms(con, gaps, group_sql)
    found: dict[str | None, dict[int, StepTimes]] = {}
    for label, *percentiles in rows:
        by_gap: dict[tuple[int, str], TimeToStep] = {}
        for index, ((step, measure, _), values) in enumerate(zip(gaps, percentiles, strict=True)):
            if values is None:
                continue
            counts = histograms.get((label, index), [0] * BINS)
            by_gap[(step, measure)] = TimeToStep(_seconds(values), tuple(counts))
        times = found.setdefault(label, {})
        for step in range(2, len(funnel.steps) + 1):
            previous = by_gap.get((step, "previous"))
            if previous is not None:
                times[step] = (previous, by_gap.get((step, "start"), previous))
    return found


def _seconds(values: list[Any]) -> tuple[float, ...]:
    # Whole µs divided once: the same float on every engine.
    return tuple(int(value) / SECOND for value in values)
