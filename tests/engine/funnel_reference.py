"""The funnel semantics of docs/funnels.md, written as plainly as possible: the reference that the
DuckDB engine (and later the Spark one) must equal. Used only by the tests: it
enumerates every chain, so it is exponential and meant for small generated logs.

Definitions (one customer at a time):

- An event *matches* step i when its name is the step's event and the step's `where`
  holds on its properties.
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
- The *counted attempt* is, among the longest chains, the one whose timestamps, in
  step order (unordered: in time order), are smallest lexicographically. Times between
  steps and first/last-touch attribution come from it.
- An exclusion `{event, between: [i, j]}` removes the customer from the funnel when a
  matching event lies strictly after the counted attempt's step-i event and strictly
  before its step-j event, or before the window's end when step j was not reached.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cjo_cli.conditions.python import filters_match
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


def _matches(funnel: Funnel, event: LogEvent, step: int) -> bool:
    spec = funnel.steps[step].event
    return event.event == spec.event and filters_match(event.properties, spec.where)


def _ordered_chains(
    funnel: Funnel, events: Sequence[LogEvent], strict: bool
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
            if not _matches(funnel, candidate, step):
                continue
            if strict and any(last.ts < other.ts < candidate.ts for other in events):
                continue
            extend((*chain, index))

    for index, event in enumerate(events):
        if _matches(funnel, event, 0):
            extend((index,))
    return found


def _unordered_best(funnel: Funnel, events: Sequence[LogEvent]) -> tuple[int, ...]:
    """The longest set of distinct events matching distinct steps within the window,
    earliest first; returned as event indexes in time order."""
    window = funnel.window.seconds
    steps = range(len(funnel.steps))
    best: tuple[int, ...] = ()
    best_key: tuple[int, ...] = ()
    candidates = [i for i, e in enumerate(events) if any(_matches(funnel, e, s) for s in steps)]
    for size in range(len(funnel.steps), 0, -1):
        for chosen in itertools.combinations(candidates, size):
            times = sorted(events[i].ts for i in chosen)
            if times[-1] - times[0] > window:
                continue
            assignable = any(
                all(_matches(funnel, events[i], s) for i, s in zip(chosen, perm, strict=True))
                for perm in itertools.permutations(steps, size)
            )
            if not assignable:
                continue
            ordered = tuple(sorted(chosen, key=lambda i: events[i].ts))
            key = tuple(events[i].ts for i in ordered)
            if not best or key < best_key:
                best, best_key = ordered, key
        if best:
            return best
    return ()


def counted_attempt(funnel: Funnel, events: Sequence[LogEvent]) -> tuple[LogEvent, ...]:
    """The customer's counted attempt (empty when they never enter the funnel)."""
    if funnel.order == "unordered":
        return tuple(events[i] for i in _unordered_best(funnel, events))
    chains = _ordered_chains(funnel, events, strict=funnel.order == "strict")
    if not chains:
        return ()
    longest = max(len(chain) for chain in chains)
    best = min(
        (chain for chain in chains if len(chain) == longest),
        key=lambda chain: tuple(events[i].ts for i in chain),
    )
    return tuple(events[i] for i in best)


def _excluded(funnel: Funnel, events: Sequence[LogEvent], attempt: Sequence[LogEvent]) -> bool:
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


def funnel_counts(funnel: Funnel, log: Sequence[LogEvent]) -> list[StepResult]:
    """Customers per step, and median/mean seconds from the previous step."""
    by_customer: dict[str, list[LogEvent]] = {}
    for event in log:
        by_customer.setdefault(event.customer_id, []).append(event)
    reached = [0] * len(funnel.steps)
    gaps: list[list[int]] = [[] for _ in funnel.steps]
    for events in by_customer.values():
        attempt = counted_attempt(funnel, events)
        if not attempt or _excluded(funnel, events, attempt):
            continue
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
