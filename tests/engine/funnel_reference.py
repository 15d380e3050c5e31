"""The funnel semantics of docs/funnels.md, written as plainly as possible: the reference that the
DuckDB engine (and later the Spark one) must equal. Used only by the tests: it
enumerates every chain, so it is exponential and meant for small generated logs.

Definitions (one customer at a time):

- An event *matches* step i when its name is the step's event and the step's `where`
  holds on its properties; for a step written with `any`, when it so matches any one
  of the alternatives. Either way it is one event: it fills at most one step.
- A *chain* of length k is a sequence of k distinct events c1..ck with ci matching step
  i, timestamps non-decreasing (equal timestamps may fill consecutive steps, in step
  order) and ts(ck) - ts(c1) <= window (the window is inclusive). Row order never
  matters, so shuffling input rows changes nothing.
  - `ordered`: any chain.
  - `strict`: a chain with no other event of the customer strictly between two of its
    consecutive events (events at the same instant as a chain event do not break it).
  - `unordered`: k distinct events matching k distinct steps (any k of them), all
    within `window` of the earliest.
- The customer's *level* is the longest chain (0 when no event matches step 1, or, for
  unordered, any step). They count at every step up to their level.
- An attempt (a longest chain) is *excluded* by an exclusion `{event, between: [i, j]}`
  when a matching event lies strictly after its step-i event and strictly before its
  step-j event, or before the window's end when step j was not reached.
- The *counted attempt* is, among the longest chains that no exclusion excludes, the one
  whose timestamps, in step order (unordered: in time order), are smallest
  lexicographically. When every longest chain is excluded, the customer is removed from
  the funnel (PostHog: of the attempts that tie, one without an excluded event counts).
  Times between steps and the breakdown come from it.
- A breakdown by a property puts the customer's counted attempt in a group: the value
  on the first step event that has the property (`first_touch`), on the last one
  (`last_touch`) or on step N's event (`step_N`), `(none)` when there is none. At an
  instant where several events could fill the step, the smallest value. `all_steps`
  counts the funnel once per value, only the step events with that value filling steps.

Over time and time to convert, on the counted attempts of the customers not excluded:

- The *log end* is the latest event time of the whole log (any event, any customer).
- The *trend* puts each attempt in the period (UTC day, week from Monday, or calendar
  month) of its step-1 time: per period, `entered` attempts, `converted` ones (that
  reached the last step) and `open` ones: not converted, and step-1 time + window
  strictly after the log end (part of the window was never observed). Every period
  from the first to the last is listed, empty ones with zeros.
- The *time to step k* (k >= 2) of a customer at step k is its step-k time minus its
  step-(k-1) time (from previous) or minus its step-1 time (from start). Percentile p
  of n such times is the nearest rank: the ceil(n * p / 100)-th smallest. The
  histogram counts them per bin: <= 1m, 5m, 15m, 1h, 6h, 1d, 3d, 7d, 14d, 30d (each
  bound inclusive, in the first bin it fits), then more than 30 days.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cjo_cli.conditions.python import filters_match
from cjo_cli.engine.funnel_customer import json_text_value
from cjo_cli.model import Funnel


@dataclass(frozen=True)
class LogEvent:
    customer_id: str
    event: str
    ts: int
    """Seconds since any epoch (the reference needs no time zones)."""
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StepResult:
    customers: int
    median_seconds: float | None
    mean_seconds: float | None


Keep = Callable[[LogEvent], bool] | None
"""For `all_steps` breakdowns: which events may fill steps (None: all)."""


def _matches(funnel: Funnel, event: LogEvent, step: int, keep: Keep = None) -> bool:
    if keep is not None and not keep(event):
        return False
    return any(
        event.event == spec.event and filters_match(event.properties, spec.where)
        for spec in funnel.steps[step].alternatives
    )


def _ordered_chains(
    funnel: Funnel, events: Sequence[LogEvent], strict: bool, keep: Keep = None
) -> list[tuple[int, ...]]:
    """Every chain (as indexes into `events`), of every length >= 1."""
    window = funnel.window.seconds
    found: list[tuple[int, ...]] = []

    def extend(chain: tuple[int, ...]) -> None:
        found.append(chain)
        step = len(chain)
        if step == len(funnel.steps):
            return
        last = events[chain[-1]]
        first = events[chain[0]]
        for index, candidate in enumerate(events):
            if index in chain or candidate.ts < last.ts or candidate.ts - first.ts > window:
                continue
            if not _matches(funnel, candidate, step, keep):
                continue
            if strict and any(last.ts < other.ts < candidate.ts for other in events):
                continue
            extend((*chain, index))

    for index, event in enumerate(events):
        if _matches(funnel, event, 0, keep):
            extend((index,))
    return found


def _unordered_longest(
    funnel: Funnel, events: Sequence[LogEvent], keep: Keep = None
) -> list[tuple[int, ...]]:
    """Every largest set of distinct events matching distinct steps within the window, as
    event indexes in time order."""
    window = funnel.window.seconds
    steps = range(len(funnel.steps))
    candidates = [
        i for i, e in enumerate(events) if any(_matches(funnel, e, s, keep) for s in steps)
    ]
    for size in range(len(funnel.steps), 0, -1):
        found = []
        for chosen in itertools.combinations(candidates, size):
            times = sorted(events[i].ts for i in chosen)
            if times[-1] - times[0] > window:
                continue
            assignable = any(
                all(_matches(funnel, events[i], s) for i, s in zip(chosen, perm, strict=True))
                for perm in itertools.permutations(steps, size)
            )
            if assignable:
                found.append(tuple(sorted(chosen, key=lambda i: events[i].ts)))
        if found:
            return found
    return []


def longest_attempts(
    funnel: Funnel, events: Sequence[LogEvent], keep: Keep = None
) -> list[tuple[LogEvent, ...]]:
    """Every attempt that reaches the customer's level, earliest first (step times
    compared in step order; unordered: in time order)."""
    if funnel.order == "unordered":
        chains = _unordered_longest(funnel, events, keep)
    else:
        chains = _ordered_chains(funnel, events, funnel.order == "strict", keep)
    if not chains:
        return []
    longest = max(len(chain) for chain in chains)
    attempts = [tuple(events[i] for i in chain) for chain in chains if len(chain) == longest]
    return sorted(attempts, key=lambda attempt: tuple(e.ts for e in attempt))


def counted_attempt(
    funnel: Funnel, events: Sequence[LogEvent], keep: Keep = None
) -> tuple[LogEvent, ...]:
    """The customer's counted attempt (empty when they never enter the funnel): the
    earliest longest attempt with no excluded event inside, else the earliest longest
    (and the customer is excluded)."""
    attempts = longest_attempts(funnel, events, keep)
    clean = [attempt for attempt in attempts if not excluded(funnel, events, attempt)]
    return (clean or attempts or [()])[0]


def excluded(funnel: Funnel, events: Sequence[LogEvent], attempt: Sequence[LogEvent]) -> bool:
    if not attempt:
        return False
    window_end = attempt[0].ts + funnel.window.seconds
    for exclusion in funnel.exclusions:
        first, last = exclusion.first_step - 1, exclusion.last_step - 1
        if first >= len(attempt):
            continue
        start = attempt[first].ts
        end = attempt[last].ts if last < len(attempt) else window_end
        for event in events:
            spec = exclusion.event
            matches = event.event == spec.event and filters_match(event.properties, spec.where)
            if matches and start < event.ts < end:
                return True
    return False


def counted_attempts(funnel: Funnel, log: Sequence[LogEvent]) -> list[tuple[LogEvent, ...]]:
    """The counted attempt of every customer who entered and was not excluded."""
    by_customer: dict[str, list[LogEvent]] = {}
    for event in log:
        by_customer.setdefault(event.customer_id, []).append(event)
    found = []
    for events in by_customer.values():
        attempt = counted_attempt(funnel, events)
        if attempt and not excluded(funnel, events, attempt):
            found.append(attempt)
    return found


def funnel_counts(funnel: Funnel, log: Sequence[LogEvent]) -> list[StepResult]:
    """Customers per step, and median/mean seconds from the previous step."""
    reached = [0] * len(funnel.steps)
    gaps: list[list[int]] = [[] for _ in funnel.steps]
    for attempt in counted_attempts(funnel, log):
        for step in range(len(attempt)):
            reached[step] += 1
            if step:
                gaps[step].append(attempt[step].ts - attempt[step - 1].ts)
    return [
        StepResult(
            reached[step],
            float(statistics.median(gaps[step])) if gaps[step] else None,
            float(statistics.fmean(gaps[step])) if gaps[step] else None,
        )
        for step in range(len(funnel.steps))
    ]


NONE = "(none)"


def _label(event: LogEvent, key: str) -> str:
    """The breakdown label of an event: its property as text, `(none)` when absent or null."""
    value = json_text_value(event.properties.get(key))
    return NONE if value is None else value


def _step_value(
    funnel: Funnel, events: Sequence[LogEvent], attempt: Sequence[LogEvent], step: int, key: str
) -> str | None:
    """The property on the attempt's step `step` (0-based) event: of the customer's events
    at that instant that could fill the step (unordered: any step), the smallest value;
    None when none has it."""
    at = attempt[step].ts
    steps = range(len(funnel.steps)) if funnel.order == "unordered" else [step]
    values = [
        json_text_value(e.properties.get(key))
        for e in events
        if e.ts == at and any(_matches(funnel, e, s) for s in steps)
    ]
    present = [value for value in values if value is not None]
    return min(present) if present else None


def breakdown_value(
    funnel: Funnel,
    events: Sequence[LogEvent],
    attempt: Sequence[LogEvent],
    key: str,
    attribution: str,
) -> str:
    """The group of a customer's counted attempt: `first_touch` the first step event
    (in step order; unordered: in time order) that has the property, `last_touch` the last
    one, `step_N` step N's event; `(none)` when there is none (or step N is not reached)."""
    if attribution.startswith("step_"):
        step = int(attribution.removeprefix("step_")) - 1
        order = [step] if step < len(attempt) else []
    else:
        order = list(range(len(attempt)))
        if attribution == "last_touch":
            order.reverse()
    for step in order:
        value = _step_value(funnel, events, attempt, step, key)
        if value is not None:
            return value
    return NONE


def breakdown_counts(
    funnel: Funnel, log: Sequence[LogEvent], key: str, attribution: str
) -> dict[str, list[int]]:
    """Customers per step in each breakdown group. For `all_steps` (PostHog's "All steps"),
    each value of the property is a funnel of its own, on the step events that carry that
    value (`(none)`: those without it); a customer counts in every value's group they
    enter, and exclusions still read all their events."""
    by_customer: dict[str, list[LogEvent]] = {}
    for event in log:
        by_customer.setdefault(event.customer_id, []).append(event)
    groups: dict[str, list[int]] = {}

    def add(label: str, attempt: Sequence[LogEvent]) -> None:
        counts = groups.setdefault(label, [0] * len(funnel.steps))
        for step in range(len(attempt)):
            counts[step] += 1

    for events in by_customer.values():
        if attribution != "all_steps":
            attempt = counted_attempt(funnel, events)
            if attempt and not excluded(funnel, events, attempt):
                add(breakdown_value(funnel, events, attempt, key, attribution), attempt)
            continue
        values = {
            _label(e, key)
            for e in events
            if any(_matches(funnel, e, s) for s in range(len(funnel.steps)))
        }
        for value in values:
            attempt = counted_attempt(funnel, events, lambda e, v=value: _label(e, key) == v)
            if attempt and not excluded(funnel, events, attempt):
                add(value, attempt)
    return groups


MINUTE, HOUR, DAY = 60, 3600, 86400
BIN_BOUNDS = (
    MINUTE,
    5 * MINUTE,
    15 * MINUTE,
    HOUR,
    6 * HOUR,
    DAY,
    3 * DAY,
    7 * DAY,
    14 * DAY,
    30 * DAY,
)


@dataclass(frozen=True)
class Times:
    percentiles: tuple[int, int, int, int] | None
    """p25, p50, p75, p90 in seconds; None when nobody reached the step."""
    histogram: tuple[int, ...]
    """Customers per BIN_BOUNDS bin, then those above the last bound."""


def _times(gaps: Sequence[int]) -> Times:
    ranked = sorted(gaps)
    n = len(ranked)
    percentiles = None
    if n:
        # ceil(n * p / 100) in integers; the rank is 1-based.
        p25, p50, p75, p90 = (ranked[-(-n * p // 100) - 1] for p in (25, 50, 75, 90))
        percentiles = (p25, p50, p75, p90)
    histogram = [0] * (len(BIN_BOUNDS) + 1)
    for gap in gaps:
        fits = [index for index, bound in enumerate(BIN_BOUNDS) if gap <= bound]
        histogram[fits[0] if fits else len(BIN_BOUNDS)] += 1
    return Times(percentiles, tuple(histogram))


def time_to_steps(funnel: Funnel, log: Sequence[LogEvent]) -> list[tuple[Times, Times] | None]:
    """Per step: None for step 1, else (from the previous step, from step 1)."""
    attempts = counted_attempts(funnel, log)
    found: list[tuple[Times, Times] | None] = [None]
    for step in range(1, len(funnel.steps)):
        reached = [attempt for attempt in attempts if len(attempt) > step]
        previous = [attempt[step].ts - attempt[step - 1].ts for attempt in reached]
        start = [attempt[step].ts - attempt[0].ts for attempt in reached]
        found.append((_times(previous), _times(start)))
    return found


def period_of(day: dt.date, interval: str) -> dt.date:
    if interval == "day":
        return day
    if interval == "week":
        return day - dt.timedelta(days=day.weekday())  # Monday
    assert interval == "month"
    return day.replace(day=1)


def next_period(start: dt.date, interval: str) -> dt.date:
    if interval == "day":
        return start + dt.timedelta(days=1)
    if interval == "week":
        return start + dt.timedelta(days=7)
    return (start + dt.timedelta(days=31)).replace(day=1)  # from a 1st, always next month


def funnel_trend(
    funnel: Funnel, log: Sequence[LogEvent], interval: str, epoch: dt.datetime
) -> list[tuple[str, int, int, int]]:
    """(period start as ISO date, entered, converted, open), in time order; times are
    seconds after `epoch` (UTC)."""
    if not log:
        return []
    end = max(event.ts for event in log)
    steps, window = len(funnel.steps), funnel.window.seconds
    periods: dict[str, tuple[int, int, int]] = {}
    for attempt in counted_attempts(funnel, log):
        start = attempt[0].ts
        day = (epoch + dt.timedelta(seconds=start)).astimezone(dt.UTC).date()
        period = period_of(day, interval).isoformat()
        entered, converted, still_open = periods.get(period, (0, 0, 0))
        done = len(attempt) == steps
        periods[period] = (
            entered + 1,
            converted + done,
            still_open + (not done and start + window > end),
        )
    if not periods:
        return []
    # Every period from the first to the last, those in which nobody started too.
    day, last = dt.date.fromisoformat(min(periods)), dt.date.fromisoformat(max(periods))
    found = []
    while day <= last:
        found.append((day.isoformat(), *periods.get(day.isoformat(), (0, 0, 0))))
        day = next_period(day, interval)
    return found
