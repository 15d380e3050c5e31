"""The per-customer replay state machine. Pure Python, no I/O, no printing.

`replay_customer` takes one customer's relevant events, already in (ts, row)
order with their filter bits (see `replay_plan`), and returns what happened:
entries (each with its one exit), step visits, sends, and, when asked, a trace
of every move with its reason. The rules, and the order they apply in, are those
of docs/replay.md: timers due at or before an event fire first (send-priority
order at one instant); conditions are judged as of the instant; at an event, one
journey at a time in priority order, its goal, exit or awaited event and then its
entry; a conversion is a goal within `goal.within` of entry, also after the exit;
quiet hours defer, caps skip; whatever is open at the log's end is censored.
Holdout and ab variants: `replay_records.assign` and `choose_variant`.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from itertools import compress
from typing import Any

from cjo_cli.conditions.bits import History
from cjo_cli.engine.delivery import RateLimiter
from cjo_cli.engine.replay_plan import WAIT_FOR, Plan, PlanJourney
from cjo_cli.engine.replay_records import (
    NEVER,
    CustomerReplay,
    EntryRecord,
    OpenEntry,
    assign,
    goal_value,
)
from cjo_cli.engine.replay_steps import CustomerState


class _Customer(CustomerState):
    """A customer's replay driven by its events, timers and audience checks."""

    def on_event(self, ts: int, mask: int, properties: Any, name: str | None) -> None:
        plan = self.plan
        if mask & plan.observe_bits and self.awaiting:
            self.observe(ts, mask, name)
        if self.watching:
            self.watch_goals(ts, mask, name, properties)
        # One journey at a time, in priority order, its moves and then its entry: so a
        # higher-priority journey's send, from an entry or a move, takes a capped slot first.
        entries = self.open
        for journey in plan.routes(mask)[0]:
            state = entries.get(journey.id)
            if state is not None:
                if mask & journey.goal_bit:
                    record = state.record
                    if journey.goal_within is None or ts <= record.ts + journey.goal_within:
                        record.converted_ts = ts
                        record.converted_value = goal_value(journey, properties)
                        if self.explain:
                            self.note(ts, journey.id, f"goal {name!r}: converted")
                    elif self.explain:
                        self.note(ts, journey.id, f"goal {name!r} after goal.within: no conversion")
                    self.finish(state, ts, "goal")
                elif mask & journey.exit_bits:
                    self.note(ts, journey.id, f"exit_on event {name!r}")  # rare: no guard
                    self.finish(state, ts, "exit_event")
                elif state.waiting_bit and mask & state.waiting_bit:
                    step = journey.steps[state.step]
                    if self.explain:
                        self.note(ts, journey.id, f"{step.id}: awaited event {name!r} came")
                    self.advance(state, step.answered(mask), ts)
            if mask & journey.entry_bit and journey.id not in entries:
                self.try_enter(journey, ts, properties, name)
        if self.dirty:
            self.refresh_due()

    def try_enter(self, journey: PlanJourney, ts: int, properties: Any, name: str | None) -> None:
        """Enter on the event `name`, or on the schedule (None), if allowed."""
        # Most calls end here, on every event of a busy entry: no text unless explaining.
        previous = self.last_entry.get(journey.id)
        if previous is not None:
            if journey.re_entry == "never":
                return
            if journey.re_entry == "after" and ts < previous + journey.re_entry_after:
                if self.explain:
                    text = f"re_entry after {journey.re_entry_text} of the last one"
                    self.note(ts, journey.id, f"{_cause(name)} ignored: {text}")
                return
        if journey.entry_checks:
            moment = self.moment(ts, properties)
            for label, check in journey.entry_checks:
                if not check(moment):
                    if self.explain:
                        self.note(
                            ts, journey.id, f"{_cause(name)}: no entry, {label} does not hold"
                        )
                    return
        number = self.entries.get(journey.id, 0) + 1
        self.entries[journey.id] = number
        self.last_entry[journey.id] = ts
        holdout, group = assign(journey, self.customer, properties, self.traits)
        record = EntryRecord(journey.id, number, ts, holdout, group=group)
        self.out.entries.append(record)
        state = OpenEntry(journey, record, properties if journey.entry_reads_properties else None)
        self.open[journey.id] = state
        if self.explain:
            self.note(
                ts,
                journey.id,
                f"entered on {_cause(name)} (entry {number}"
                + (f", recorded {group}" if group else "")
                + (", holdout: nothing is sent)" if holdout else ")"),
            )
        self.advance(state, journey.start, ts)

    def watch_goals(self, ts: int, mask: int, name: str | None, properties: Any) -> None:
        for journey, record in self.watching:  # at most events, none converts or expires
            if mask & journey.goal_bit or ts > record.ts + (journey.goal_within or 0):
                break
        else:
            return
        still = []
        for journey, record in self.watching:
            deadline = record.ts + (journey.goal_within or 0)
            if ts > deadline:
                continue
            if mask & journey.goal_bit:
                record.converted_ts = ts
                record.converted_value = goal_value(journey, properties)
                if self.explain:
                    self.note(
                        ts, journey.id, f"goal {name!r} within goal.within after exit: converted"
                    )
                continue
            still.append((journey, record))
        self.watching = still

    def observe(self, ts: int, mask: int, name: str | None) -> None:
        found = self.awaiting.observe(ts, mask, self.plan.touchpoints)
        if found is not None and self.explain:
            send, kind = found
            self.note(ts, send.journey, f"{send.touchpoint}: {kind} ({name!r} in the log)")

    # -- timers ----------------------------------------------------------------

    def fire_due(self, until: int) -> None:
        while self.next_due <= until:
            state: OpenEntry | None = None
            for entry in self.open.values():  # a few at most: a scan beats a heap
                if entry.due <= until and (
                    state is None
                    or (entry.due, entry.journey.rank) < (state.due, state.journey.rank)
                ):
                    state = entry
            check = self.agenda.first(until) if self.agenda.due <= until else None
            # An audience check is a timer too: the earliest first, then send priority; an
            # entry's own timer before its journey's check at one instant (it may end it).
            if check is not None and (state is None or check[:2] < (state.due, state.journey.rank)):
                ts, _, journey = check
                self.agenda.done(journey)
                if journey.id not in self.open:
                    self.try_enter(journey, ts, None, None)
                self.refresh_due()
                continue
            assert state is not None
            ts = state.due
            state.due = NEVER
            step = state.journey.steps[state.step]
            if state.deferred:
                state.deferred = False
                if not self.hold(state, step, ts):  # quiet hours, then the rate, may hold again
                    self.send(state, ts)
            elif step.kind == WAIT_FOR:
                state.waiting_bit = 0
                if self.explain:
                    self.note(ts, state.journey.id, f"{step.id}: timed out")
                self.advance(state, step.on_timeout, ts)
            else:
                if self.explain:
                    self.note(ts, state.journey.id, f"{step.id}: wait over")
                self.advance(state, step.next, ts)
            self.refresh_due()

    # -- steps -----------------------------------------------------------------

    def close(self) -> None:
        if self.next_due <= self.log_end:
            self.fire_due(self.log_end)
        # In priority order (the plan's journeys are in it).
        for state in sorted(self.open.values(), key=_rank):
            self.finish(state, self.log_end, "censored")


def _rank(state: OpenEntry) -> int:
    return state.journey.rank


def _cause(name: str | None) -> str:
    """What an entry is tried on, for the trace: the event's name, or the schedule."""
    return "the schedule" if name is None else repr(name)


def _remember(
    history: History, times: Sequence[int], masks: Sequence[int], first: int, kept: int
) -> int:
    """Put every row of the instant that starts at row `first` into the history (conditions
    count all events of an instant, whatever their row order), with its bits that
    conditions count (`kept`); the next instant's row."""
    ts, row, end = times[first], first, len(times)
    while row < end and times[row] == ts:
        counted = masks[row] & kept
        if counted:
            history.add(ts, counted)
        row += 1
    return row


def audience_after(plan: Plan, times: Sequence[int], masks: Sequence[int]) -> dict[str, int] | None:
    """Per audience journey with necessary events (`PlanJourney.needs`), the time up to
    which none of its checks can hold: the latest of the first events of each need
    (a check sees only the events before its instant). NEVER when one never comes.
    Skipping those checks changes nothing but the work; `--explain` still makes them."""
    found: dict[str, int] = {}
    for journey in plan.audiences:
        if not journey.needs:
            continue
        latest = 0
        for need in journey.needs:
            first = next(compress(times, map(need.__and__, masks)), NEVER)  # no Python loop
            latest = max(latest, first)
        found[journey.id] = latest
    return found or None


def replay_customer(
    plan: Plan,
    customer: str,
    times: Sequence[int],
    masks: Sequence[int],
    properties: Sequence[Any],
    names: Sequence[str | None],
    log_end: int,
    traits: dict[str, Any] | None = None,
    explain: bool = False,
    known: int | None = None,
) -> CustomerReplay:
    """Replay one customer's events (in order) through the plan's journeys. Audience
    checks start from the customer's first row (the feed gives every known customer a
    first row, of no events, when some journey enters on a schedule), else `known`.
    `names` (each row's event, for the trace) is read only when explaining."""
    known_from = known if known is not None else times[0] if times else log_end
    after = None if explain or not plan.audiences else audience_after(plan, times, masks)
    state = _Customer(plan, customer, traits or {}, log_end, explain, known_from, after)
    history, kept = state.history, plan.history_bits
    remembered = 0  # rows before this one are in the history
    for index, ts in enumerate(times):
        if state.next_due <= ts:
            state.fire_due(ts)
        if remembered == index:  # the first row of an instant: all of its rows count
            remembered = _remember(history, times, masks, index, kept)
        state.on_event(ts, masks[index], properties[index], names[index] if explain else None)
    state.close()
    return state.out


def replay_together(
    plan: Plan,
    customers: Sequence[
        tuple[str, Sequence[int], Sequence[int], Sequence[Any], Sequence[str | None]]
    ],
    log_end: int,
    traits: Mapping[str, dict[str, Any]] | None = None,
    explain: str | None = None,
) -> list[CustomerReplay]:
    """Replay customers (id, times, masks, properties, names) in one time order, for a
    plan whose journeys limit their send rate across customers: at each instant, the
    customers due then in id order, each its timers and then its events of that instant,
    exactly as `replay_customer` orders one customer's. `explain`: the customer to trace.
    Every customer's rows are held at once: a rate couples them all."""
    limiter = RateLimiter()
    states: list[_Customer] = []
    cursors: list[int] = []
    remembered: list[int] = []
    for customer, times, masks, *_ in customers:
        known_from = times[0] if times else log_end
        traced = customer == explain
        state = _Customer(
            plan,
            customer,
            (traits or {}).get(customer) or {},
            log_end,
            traced,
            known_from,
            None if traced or not plan.audiences else audience_after(plan, times, masks),
        )
        state.limiter = limiter
        states.append(state)
        cursors.append(0)
        remembered.append(0)

    def wake(number: int) -> int | None:
        times = customers[number][1]
        due = states[number].next_due
        event = times[cursors[number]] if cursors[number] < len(times) else NEVER
        when = min(due, event)
        return when if when <= log_end else None

    heap = [(when, customers[n][0], n) for n in range(len(states)) if (when := wake(n)) is not None]
    heapq.heapify(heap)
    kept = plan.history_bits
    while heap:
        ts, _, number = heapq.heappop(heap)
        state = states[number]
        _, times, masks, properties, names = customers[number]
        if state.next_due <= ts:
            state.fire_due(ts)
        index = cursors[number]
        while index < len(times) and times[index] == ts:
            if state.next_due <= ts:
                state.fire_due(ts)
            if remembered[number] == index:
                remembered[number] = _remember(state.history, times, masks, index, kept)
            name = names[index] if state.explain else None
            state.on_event(ts, masks[index], properties[index], name)
            index += 1
        cursors[number] = index
        when = wake(number)
        if when is not None:
            heapq.heappush(heap, (when, customers[number][0], number))
    for state in states:
        state.close()
    return [state.out for state in states]
