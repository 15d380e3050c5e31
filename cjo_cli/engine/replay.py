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

from collections.abc import Sequence
from typing import Any

from cjo_cli.conditions.bits import BitMoment, History, parse_properties
from cjo_cli.engine.delivery import MESSAGE_CHANNELS, MessageEvents, SendLog, quiet_end
from cjo_cli.engine.replay_plan import (
    AB,
    EXIT,
    SEND,
    SPLIT,
    WAIT,
    WAIT_FOR,
    WAIT_UNTIL,
    Plan,
    PlanJourney,
)
from cjo_cli.engine.replay_records import (
    NEVER,
    CustomerReplay,
    EntryRecord,
    OpenEntry,
    ReplayError,
    SendRecord,
    TraceLine,
    VisitRecord,
    assign,
    choose_variant,
    goal_value,
)
from cjo_cli.model.clock import next_wall_time, utc_text


class _Customer:
    def __init__(
        self, plan: Plan, customer: str, traits: dict[str, Any], log_end: int, explain: bool
    ) -> None:
        self.plan = plan
        self.customer = customer
        self.traits = traits
        self.log_end = log_end
        self.explain = explain
        self.out = CustomerReplay(customer)
        self.history = History()
        self.open: dict[str, OpenEntry] = {}
        self.entries: dict[str, int] = {}
        self.last_entry: dict[str, int] = {}
        self.watching: list[tuple[PlanJourney, EntryRecord]] = []
        """Entries that left before their conversion window closed."""
        self.sent = SendLog()
        self.awaiting = MessageEvents()
        self.next_due = NEVER
        self.dirty = False
        """An entry started, moved or ended: the next due time must be looked up again."""

    # -- bookkeeping -----------------------------------------------------------

    def note(self, ts: int, journey: str, text: str) -> None:
        if self.explain:
            self.out.trace.append(TraceLine(ts, journey, text))

    def moment(self, now: int, properties: Any) -> BitMoment:
        return BitMoment(now, lambda: parse_properties(properties), self.traits, self.history)

    def refresh_due(self) -> None:
        self.dirty = False
        self.next_due = min((s.due for s in self.open.values()), default=NEVER)

    def finish(self, state: OpenEntry, ts: int, reason: str) -> None:
        self.dirty = True
        record = state.record
        if state.deferred:
            self.not_sent(state, ts, reason)
        record.exit_ts = ts
        record.exit_reason = reason
        record.exit_step = state.journey.steps[state.step].id if state.step >= 0 else ""
        del self.open[state.journey.id]
        journey = state.journey
        if (
            record.converted_ts is None
            and journey.goal_bit
            and journey.goal_within is not None
            and reason != "censored"
            and ts <= record.ts + journey.goal_within
        ):
            self.watching.append((journey, record))
        if self.explain:
            self.note(ts, journey.id, f"exit: {reason} at step {record.exit_step or '-'}")

    # -- events ----------------------------------------------------------------

    def on_event(self, ts: int, mask: int, properties: Any, name: str) -> None:
        plan = self.plan
        if mask & plan.observe_bits and self.awaiting:
            self.observe(ts, mask, name)
        if self.watching:
            self.watch_goals(ts, mask, name, properties)
        # One journey at a time, in priority order, its moves and then its entry: so a
        # higher-priority journey's send, from an entry or a move, takes a capped slot first.
        touched, _ = plan.routes(mask)
        for journey in touched:
            state = self.open.get(journey.id)
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
            if mask & journey.entry_bit and journey.id not in self.open:
                self.try_enter(journey, ts, properties, name)
        if self.dirty:
            self.refresh_due()

    def try_enter(self, journey: PlanJourney, ts: int, properties: Any, name: str) -> None:
        previous = self.last_entry.get(journey.id)
        if previous is not None:
            if journey.re_entry == "never":
                return
            if journey.re_entry == "after" and ts < previous + journey.re_entry_after:
                text = f"re_entry after {journey.re_entry_text} of the last one"
                self.note(ts, journey.id, f"{name!r} ignored: {text}")
                return
        if journey.entry_checks:
            moment = self.moment(ts, properties)
            for label, check in journey.entry_checks:
                if not check(moment):
                    if self.explain:
                        self.note(ts, journey.id, f"{name!r} did not enter: {label} does not hold")
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
                f"entered on {name!r} (entry {number}"
                + (f", recorded {group}" if group else "")
                + (", holdout: nothing is sent)" if holdout else ")"),
            )
        self.advance(state, journey.start, ts)

    def watch_goals(self, ts: int, mask: int, name: str, properties: Any) -> None:
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

    def observe(self, ts: int, mask: int, name: str) -> None:
        found = self.awaiting.observe(ts, mask, self.plan.touchpoints)
        if found is not None and self.explain:
            send, kind = found
            self.note(ts, send.journey, f"{send.touchpoint}: {kind} ({name!r} in the log)")

    # -- timers ----------------------------------------------------------------

    def fire_due(self, until: int) -> None:
        while self.next_due <= until:
            state = min(
                (s for s in self.open.values() if s.due <= until),
                key=lambda s: (s.due, s.journey.rank),
            )
            ts = state.due
            state.due = NEVER
            step = state.journey.steps[state.step]
            if state.deferred:
                state.deferred = False
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

    def advance(self, state: OpenEntry, to: int, ts: int) -> None:
        self.dirty = True
        # Leaving a step ends what it waited for: an answered wait_for's event, a held
        # send, a timer. Only the step moved to may set them again.
        state.waiting_bit = 0
        state.deferred = False
        state.due = NEVER
        journey = state.journey
        moves = 0
        while True:
            moves += 1
            if moves > len(journey.steps) + 1:
                raise ReplayError(
                    f"journey {journey.id}: steps loop without waiting "
                    f"(from {journey.steps[to].id})"
                )
            state.step = to
            step = journey.steps[to]
            record = state.record
            self.out.visits.append(
                VisitRecord(journey.id, record.entry, step.id, ts, record.holdout, record.variant)
            )
            kind = step.kind
            if kind == WAIT:
                state.due = ts + step.seconds
                if self.explain:
                    self.note(ts, journey.id, f"{step.id}: wait until {_iso(state.due)}")
                return
            if kind == WAIT_UNTIL:
                assert step.at is not None
                state.due = next_wall_time(ts, step.at, step.tz)
                if self.explain:
                    self.note(
                        ts,
                        journey.id,
                        f"{step.id}: wait until {step.at:%H:%M} {step.tz} ({_iso(state.due)})",
                    )
                return
            if kind == WAIT_FOR:
                state.waiting_bit = step.bit
                state.due = ts + step.seconds
                if self.explain:
                    self.note(
                        ts, journey.id, f"{step.id}: waiting for the event until {_iso(state.due)}"
                    )
                return
            if kind == SEND:
                state.planned = ts
                if record.holdout:
                    if self.explain:
                        self.note(
                            ts, journey.id, f"{step.id}: {step.touchpoint} not sent (holdout)"
                        )
                elif step.channel in MESSAGE_CHANNELS:
                    end = quiet_end(journey.quiet_hours, ts)
                    if end > ts:
                        state.deferred = True
                        state.due = end
                        if self.explain:
                            self.note(
                                ts,
                                journey.id,
                                f"{step.id}: quiet hours, {step.touchpoint} deferred to "
                                f"{_iso(end)}",
                            )
                        return
                    self.send(state, ts, move=False)
                else:
                    self.send(state, ts, move=False)
                to = step.next
                continue
            if kind == SPLIT:
                number, is_else, to = step.branch(self.moment(ts, state.properties))
                if self.explain:
                    which = "else" if is_else else "if"
                    self.note(
                        ts,
                        journey.id,
                        f"{step.id}: branch {number} ({which}) → {journey.steps[to].id}",
                    )
                continue
            if kind == AB:
                name, to, record.variant_recorded, how = choose_variant(
                    step, journey.id, self.customer, state.properties, self.traits
                )
                record.variant = name
                if self.explain:
                    self.note(ts, journey.id, f"{step.id}: variant {name}{how}")
                continue
            assert kind == EXIT
            self.finish(state, ts, "end")
            return

    def send(self, state: OpenEntry, ts: int, move: bool = True) -> None:
        journey = state.journey
        step = journey.steps[state.step]
        requires = self.plan.touchpoints[step.touchpoint].requires
        if requires is not None and not requires(self.moment(ts, state.properties)):
            status, reason = "unreachable", "the customer cannot receive it (`requires`)"
        else:
            reason = self.sent.cap_reason(
                journey.id, journey.limit, self.plan.caps, step.channel, ts
            )
            status = "capped" if reason else "sent"
        send = self.record_send(state, ts, status, reason)
        if status == "sent":
            self.sent.add(ts, journey.id, step.channel)
            if self.explain:
                self.note(ts, journey.id, f"{step.id}: sent {step.touchpoint} ({step.channel})")
            if self.plan.touchpoints[step.touchpoint].observable:
                self.awaiting.add(send)
        if move:
            self.advance(state, step.next, ts)

    def not_sent(self, state: OpenEntry, ts: int, reason: str) -> None:
        """A send held by quiet hours whose entry ended before the window did."""
        why = f"held by quiet hours until {_iso(state.due)}" + (
            ", after the log's end"
            if reason == "censored"
            else f"; the entry ended first ({reason})"
        )
        self.record_send(state, ts, "not_sent", why)

    def record_send(self, state: OpenEntry, ts: int, status: str, reason: str) -> SendRecord:
        step = state.journey.steps[state.step]
        send = SendRecord(
            state.journey.id,
            state.record.entry,
            step.id,
            step.touchpoint,
            step.channel,
            ts,
            status,
            reason,
            state.planned,
        )
        self.out.sends.append(send)
        if reason and self.explain:
            self.note(ts, state.journey.id, f"{step.id}: {step.touchpoint} not sent: {reason}")
        return send

    # -- end of log --------------------------------------------------------------

    def close(self) -> None:
        self.fire_due(self.log_end)
        for journey in self.plan.journeys:
            state = self.open.get(journey.id)
            if state is not None:
                self.finish(state, self.log_end, "censored")


def _iso(us: int) -> str:
    return utc_text(us, "%Y-%m-%dT%H:%M:%SZ")


def replay_customer(
    plan: Plan,
    customer: str,
    times: Sequence[int],
    masks: Sequence[int],
    properties: Sequence[Any],
    names: Sequence[str],
    log_end: int,
    traits: dict[str, Any] | None = None,
    explain: bool = False,
) -> CustomerReplay:
    """Replay one customer's events (in order) through the plan's journeys."""
    state = _Customer(plan, customer, traits or {}, log_end, explain)
    history, counted, kept = state.history, plan.counted, plan.history_bits
    count = len(times)
    remembered = 0  # rows before this one are in the history
    for index, ts in enumerate(times):
        if state.next_due <= ts:
            state.fire_due(ts)
        if remembered == index:  # the first row of an instant: all of its rows count
            while remembered < count and times[remembered] == ts:
                if masks[remembered] & kept:
                    history.add(ts, masks[remembered], counted)
                remembered += 1
        state.on_event(ts, masks[index], properties[index], names[index])
    state.close()
    return state.out
