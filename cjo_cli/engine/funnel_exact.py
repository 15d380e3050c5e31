"""The counted attempt of one customer, for any funnel: the exact per-customer path.

This is the definition the SQL paths are held to. `funnel_ordered` covers ordered
funnels whose steps no event can match twice; `funnel_sets` answers in SQL the
customers of the other funnels (strict, unordered, `view → view`) for whom a
set-based answer is provably this module's. The rest go through this module, one
customer at a time, over the rows DuckDB has already reduced to the funnel's events.

Input per customer: *instants* (distinct timestamps, ascending), each with the
step masks of its events (bit i set: the event matches step i+1) and, for
strict funnels, the instant's rank among all of the customer's events (dense,
so that two instants are adjacent when no other event lies between them).

Definitions are those of docs/funnels.md as written out in the tests' reference
(`tests/engine/funnel_reference.py`); this module reaches the same answers in
polynomial time:

- ordered: from each start instant, fill at every later instant the longest run
  of next steps its events can take (one event per step). Filling more steps
  earlier never hurts later ones, so this greedy chain is the longest from that
  start and has the earliest time at every step. The counted attempt is the
  greedy chain of the earliest start that reaches the customer's best level.
- strict: the next step must come at the same instant or at the next one of
  the customer's events; here how many steps an instant takes does matter, so a
  small search over (step, instant) states finds the longest chain per start and
  then the earliest times.
- unordered: events that can be matched to distinct steps form a matroid, so
  taking events in time order whenever they still fit gives the largest set in
  the window with the earliest times.

When an exclusion removes that attempt, `clean_attempt` searches the attempts of the
same level, earliest first, for one with no excluded event inside (a memoised search
over the same states, with the deadlines the exclusions put on later steps).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import combinations


@dataclass(frozen=True)
class Instant:
    ts: int
    masks: tuple[int, ...]
    """One mask per event at this instant that matches at least one step."""
    rank: int = 0
    """Dense rank among all of the customer's event times (strict funnels only)."""


def _matchable(masks: Sequence[int], steps: Sequence[int]) -> bool:
    """Can each of `steps` (0-based) be given its own event from `masks`?"""
    owner: dict[int, int] = {}  # event index -> step it fills

    def place(step: int, seen: set[int]) -> bool:
        for index, mask in enumerate(masks):
            if mask >> step & 1 and index not in seen:
                seen.add(index)
                if index not in owner or place(owner[index], seen):
                    owner[index] = step
                    return True
        return False

    return all(place(step, set()) for step in steps)


def _fill(masks: Sequence[int], first: int, steps: int) -> int:
    """How many consecutive steps from `first` (0-based) the events can take."""
    taken = 0
    while first + taken < steps and _matchable(masks, range(first, first + taken + 1)):
        taken += 1
    return taken


def ordered_attempt(instants: Sequence[Instant], steps: int, window: int) -> tuple[int, ...]:
    """Times of the counted attempt, one per step reached (empty: never entered)."""
    best: tuple[int, ...] = ()
    for start_index, start in enumerate(instants):
        chain: list[int] = []
        for instant in instants[start_index:]:
            if instant.ts - start.ts > window or len(chain) == steps:
                break
            taken = _fill(instant.masks, len(chain), steps)
            if not chain and taken == 0:
                break  # step 1 must be at the start instant
            chain.extend([instant.ts] * taken)
        if len(chain) > len(best):
            best = tuple(chain)
            if len(best) == steps:
                break
    return best


def strict_attempt(instants: Sequence[Instant], steps: int, window: int) -> tuple[int, ...]:
    """As `ordered_attempt`, but each next step at the same or the adjacent instant."""
    best: tuple[int, ...] = ()
    for start_index, start in enumerate(instants):
        if not any(mask & 1 for mask in start.masks):
            continue
        chain = _strict_from(instants, start_index, steps, start.ts + window)
        if len(chain) > len(best):
            best = chain
            if len(best) == steps:
                break
    return best


def _strict_from(
    instants: Sequence[Instant], start_index: int, steps: int, deadline: int
) -> tuple[int, ...]:
    """The longest, then earliest, strict chain whose step 1 is at `start_index`."""

    @cache
    def longest(position: int, block_start: int, filled: int) -> tuple[int, ...]:
        """The best continuation (times of the steps after `filled`) when steps
        [block_start, filled) sit at instant `position`."""
        here = instants[position]
        options: list[tuple[int, ...]] = [()]
        if filled < steps and _matchable(here.masks, range(block_start, filled + 1)):
            options.append((here.ts, *longest(position, block_start, filled + 1)))
        following = position + 1
        if (
            filled < steps
            and following < len(instants)
            and instants[following].rank == here.rank + 1
            and instants[following].ts <= deadline
            and _matchable(instants[following].masks, [filled])
        ):
            options.append((instants[following].ts, *longest(following, filled, filled + 1)))
        # Longest first, then earliest times.
        return min(options, key=lambda option: (-len(option), option))

    return (instants[start_index].ts, *longest(start_index, 0, 1))


def unordered_attempt(instants: Sequence[Instant], steps: int, window: int) -> tuple[int, ...]:
    """Times (ascending) of the largest set of events matching distinct steps within
    the window, earliest start first, then earliest times."""
    best: tuple[int, ...] = ()
    for start_index, start in enumerate(instants):
        chosen_masks: list[int] = []
        times: list[int] = []
        for instant in instants[start_index:]:
            if instant.ts - start.ts > window or len(chosen_masks) == steps:
                break
            for mask in instant.masks:
                if len(chosen_masks) < steps and _fits(chosen_masks, mask, steps):
                    chosen_masks.append(mask)
                    times.append(instant.ts)
        if len(times) > len(best):
            best = tuple(times)
            if len(best) == steps:
                break
    return best


def _fits(chosen: Sequence[int], mask: int, steps: int) -> bool:
    """Can the events `chosen` plus one with `mask` fill distinct steps?"""
    events = [*chosen, mask]
    return _distinct_steps(events, steps) == len(events)


def _distinct_steps(masks: Sequence[int], steps: int) -> int:
    """Size of a largest matching of events to distinct steps."""
    owner: dict[int, int] = {}  # step -> event index

    def place(index: int, seen: set[int]) -> bool:
        for step in range(steps):
            if masks[index] >> step & 1 and step not in seen:
                seen.add(step)
                if step not in owner or place(owner[step], seen):
                    owner[step] = index
                    return True
        return False

    return sum(1 for index in range(len(masks)) if place(index, set()))


ATTEMPTS = {"ordered": ordered_attempt, "strict": strict_attempt, "unordered": unordered_attempt}


# ---- the attempt an exclusion does not remove ------------------------------------------


@dataclass(frozen=True)
class Barrier:
    """One exclusion of the funnel, with the times of the customer's events it matches."""

    first: int
    """1-based step after which its events exclude."""
    last: int
    times: tuple[int, ...]
    """Ascending."""


def _any_between(times: Sequence[int], low: int, high: int) -> bool:
    """Is some time strictly between `low` and `high`?"""
    index = bisect_right(times, low)
    return index < len(times) and times[index] < high


def _next_after(times: Sequence[int], low: int) -> int | None:
    index = bisect_right(times, low)
    return times[index] if index < len(times) else None


class _Placer:
    """Checks the exclusions as an attempt's steps are placed one by one: `limits` holds,
    per barrier whose first step is placed and last not yet, the latest time its last
    step may take (its first excluded event after the first step; None: no limit)."""

    def __init__(self, barriers: Sequence[Barrier], level: int, window_end: int) -> None:
        self.barriers = barriers
        self.level = level
        self.window_end = window_end

    def place(
        self, step: int, ts: int, limits: tuple[int | None, ...]
    ) -> tuple[int | None, ...] | None:
        """`limits` after step `step` (0-based) is placed at `ts`; None when that puts an
        excluded event inside the attempt."""
        new = list(limits)
        for index, barrier in enumerate(self.barriers):
            if barrier.last - 1 == step:
                limit = new[index]
                if limit is not None and ts > limit:
                    return None
                new[index] = None
            if barrier.first - 1 == step:
                if barrier.last > self.level:
                    # The attempt stops before the barrier's last step: its events count up
                    # to the end of the window.
                    if _any_between(barrier.times, ts, self.window_end):
                        return None
                else:
                    new[index] = _next_after(barrier.times, ts)
        return tuple(new)


def clean_attempt(
    instants: Sequence[Instant],
    steps: int,
    window: int,
    order: str,
    level: int,
    barriers: Sequence[Barrier],
) -> tuple[int, ...] | None:
    """Of the attempts that reach `level` (the customer's level), the earliest (step times
    compared in step order; unordered: in time order) with no excluded event inside;
    None when each has one. Only asked for a customer whose counted attempt an exclusion
    removes, so a search that may try many attempts is affordable."""
    relevant = [barrier for barrier in barriers if barrier.first <= level]
    search = _unordered_clean if order == "unordered" else _ordered_clean
    for start_index, start in enumerate(instants):
        placer = _Placer(relevant, level, start.ts + window)
        found = search(instants, start_index, steps, start.ts + window, order, level, placer)
        if found is not None:
            return found
    return None


def _ordered_clean(
    instants: Sequence[Instant],
    start_index: int,
    steps: int,
    deadline: int,
    order: str,
    level: int,
    placer: _Placer,
) -> tuple[int, ...] | None:
    """The earliest clean attempt of `level` steps whose step 1 is at `start_index`."""
    start = instants[start_index]
    if not any(mask & 1 for mask in start.masks):
        return None
    first = placer.place(0, start.ts, (None,) * len(placer.barriers))
    if first is None:
        return None

    @cache
    def solve(
        position: int, block_start: int, filled: int, limits: tuple[int | None, ...]
    ) -> tuple[int, ...] | None:
        """The earliest clean times of steps filled+1..level when steps
        [block_start, filled) sit at instant `position`. Options are tried in time order,
        so the first that completes is the earliest."""
        if filled == level:
            return ()
        here = instants[position]
        if _matchable(here.masks, range(block_start, filled + 1)):
            placed = placer.place(filled, here.ts, limits)
            rest = None if placed is None else solve(position, block_start, filled + 1, placed)
            if rest is not None:
                return (here.ts, *rest)
        following = position + 1
        while following < len(instants) and instants[following].ts <= deadline:
            there = instants[following]
            if order == "strict" and there.rank != here.rank + 1:
                break
            if _matchable(there.masks, [filled]):
                placed = placer.place(filled, there.ts, limits)
                rest = None if placed is None else solve(following, filled, filled + 1, placed)
                if rest is not None:
                    return (there.ts, *rest)
            if order == "strict":
                break
            following += 1
        return None

    rest = solve(start_index, 0, 1, first)
    return None if rest is None else (start.ts, *rest)


def _unordered_clean(
    instants: Sequence[Instant],
    start_index: int,
    steps: int,
    deadline: int,
    order: str,
    level: int,
    placer: _Placer,
) -> tuple[int, ...] | None:
    """The earliest clean set of `level` events (times ascending) whose earliest is at
    `start_index`."""

    @cache
    def taking(
        position: int, chosen: tuple[int, ...], limits: tuple[int | None, ...]
    ) -> tuple[int, ...] | None:
        """The earliest clean completion that takes events at instant `position` first.
        More events there is always earlier; of the ways to take as many, the earliest
        completion counts."""
        here = instants[position]
        for size in range(min(level - len(chosen), len(here.masks)), 0, -1):
            best: tuple[int, ...] | None = None
            for taken in sorted(set(combinations(sorted(here.masks), size))):
                masks = (*chosen, *taken)
                if _distinct_steps(masks, steps) != len(masks):
                    continue
                placed: tuple[int | None, ...] | None = limits
                for offset in range(size):
                    if placed is not None:
                        placed = placer.place(len(chosen) + offset, here.ts, placed)
                if placed is None:
                    continue
                rest = after(position + 1, tuple(sorted(masks)), placed)
                if rest is not None:
                    option = (*([here.ts] * size), *rest)
                    best = option if best is None or option < best else best
            if best is not None:
                return best
        return None

    def after(
        position: int, chosen: tuple[int, ...], limits: tuple[int | None, ...]
    ) -> tuple[int, ...] | None:
        """The earliest clean completion from instant `position` on. The first instant
        that starts one gives the earliest next time; a loop, not a recursion per
        instant skipped, so the depth stays at most the level."""
        if len(chosen) == level:
            return ()
        for following in range(position, len(instants)):
            if instants[following].ts > deadline:
                break
            found = taking(following, chosen, limits)
            if found is not None:
                return found
        return None

    return taking(start_index, (), (None,) * len(placer.barriers))
