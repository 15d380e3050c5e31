"""The steps of a customer's open entries: moving through them, sending, and ending.

`CustomerState` holds one customer's replay state and the moves that take no
input (a step entered, a send made or skipped, an entry ended); `engine.replay`
drives it with the customer's events and timers. The rules are docs/replay.md's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cjo_cli.conditions.bits import BitMoment, History, parse_properties
from cjo_cli.engine.delivery import (
    MESSAGE_CHANNELS,
    MessageEvents,
    RateLimiter,
    SendLog,
    quiet_end,
)
from cjo_cli.engine.replay_agenda import Agenda
from cjo_cli.engine.replay_plan import (
    AB,
    EXIT,
    SEND,
    SET,
    SPLIT,
    WAIT,
    WAIT_FOR,
    WAIT_UNTIL,
    Plan,
    PlanJourney,
    PlanStep,
)
from cjo_cli.engine.replay_records import (
    NEVER,
    AttributeRecord,
    CustomerReplay,
    EntryRecord,
    OpenEntry,
    ReplayError,
    SendRecord,
    TraceLine,
    VisitRecord,
    choose_variant,
)
from cjo_cli.model import QuietHours
from cjo_cli.model.clock import CUSTOMER_TZ, TIMEZONE_TRAIT, known_zone, next_wall_time, utc_text


class CustomerState:
    """One customer's replay: its open entries, history, sends and what it records."""

    def __init__(
        self,
        plan: Plan,
        customer: str,
        traits: dict[str, Any],
        log_end: int,
        explain: bool,
        known_from: int,
        audience_after: Mapping[str, int] | None = None,
    ) -> None:
        self.plan = plan
        self.customer = customer
        self.traits = traits
        self.own_traits = False
        """Whether `traits` is this replay's own copy (a set step changed it)."""
        self.limiter: RateLimiter | None = None
        """The journeys' send rates, shared by all customers (a rate-limited plan only)."""
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
        self.zone = self.customer_zone()
        self.agenda = Agenda(
            [(j, plan.instants(j, self.zone)) for j in plan.audiences], known_from, audience_after
        )
        self.next_due = self.agenda.due
        self.dirty = False
        """An entry started, moved or ended: the next due time must be looked up again."""

    # -- bookkeeping -----------------------------------------------------------

    def customer_zone(self) -> str | None:
        """The customer's zone for `tz: customer`: its `timezone` trait when that is a zone,
        else the policy's `default_tz` (the replay records that it fell back)."""
        if self.plan.default_tz is None:
            return None
        own = self.traits.get(TIMEZONE_TRAIT)
        if isinstance(own, str) and own != CUSTOMER_TZ and known_zone(own):
            return own
        self.out.zone_fallback = True
        return self.plan.default_tz

    def tz(self, name: str) -> str:
        """A time's zone as written, the customer's own for `customer`."""
        return (self.zone or "UTC") if name == CUSTOMER_TZ else name

    def quiet_hours(self, journey: PlanJourney) -> tuple[QuietHours, ...]:
        if self.zone is None:
            return journey.quiet_hours
        return tuple(
            replace(q, tz=self.zone) if q.tz == CUSTOMER_TZ else q for q in journey.quiet_hours
        )

    def note(self, ts: int, journey: str, text: str) -> None:
        if self.explain:
            self.out.trace.append(TraceLine(ts, journey, text))

    def moment(self, now: int, properties: Any) -> BitMoment:
        return BitMoment(now, lambda: parse_properties(properties), self.traits, self.history)

    def refresh_due(self) -> None:
        self.dirty = False
        due = self.agenda.due
        for state in self.open.values():
            if state.due < due:
                due = state.due
        self.next_due = due

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

    def advance(self, state: OpenEntry, to: int, ts: int) -> None:
        self.dirty = True
        # Leaving a step ends what it waited for: an answered wait_for's event, a held
        # send, a timer. Only the step moved to may set them again.
        state.waiting_bit = 0
        state.deferred = False
        state.due = NEVER
        journey, record, visits = state.journey, state.record, self.out.visits
        steps = journey.steps
        moves = 0
        while True:
            moves += 1
            if moves > len(steps) + 1:
                raise ReplayError(
                    f"journey {journey.id}: steps loop without waiting (from {steps[to].id})"
                )
            state.step = to
            step = steps[to]
            visits.append(
                VisitRecord(journey.id, record.entry, step.id, ts, record.holdout, record.variant)
            )
            kind = step.kind
            if kind == WAIT:
                state.due = ts + step.seconds
                if self.explain:
                    self.note(ts, journey.id, f"{step.id}: wait until {iso_text(state.due)}")
                return
            if kind == WAIT_UNTIL:
                assert step.at is not None
                state.due = next_wall_time(ts, step.at, self.tz(step.tz))
                if self.explain:
                    self.note(
                        ts,
                        journey.id,
                        f"{step.id}: wait until {step.at:%H:%M} {self.tz(step.tz)} "
                        f"({iso_text(state.due)})",
                    )
                return
            if kind == WAIT_FOR:
                state.waiting_bit = step.bit
                state.due = ts + step.seconds
                if self.explain:
                    self.note(
                        ts,
                        journey.id,
                        f"{step.id}: waiting for the event until {iso_text(state.due)}",
                    )
                return
            if kind == SEND:
                state.planned = ts
                state.rate_slot = False
                if record.holdout:
                    if self.explain:
                        self.note(
                            ts, journey.id, f"{step.id}: {step.touchpoint} not sent (holdout)"
                        )
                elif self.hold(state, step, ts):
                    return
                else:
                    self.send(state, ts, move=False)
                to = step.next
                continue
            if kind == SET:
                self.set_attribute(state, step, ts)
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

    def set_attribute(self, state: OpenEntry, step: PlanStep, ts: int) -> None:
        """A set step: the trait changes for the rest of this customer's replay (every
        journey's later conditions see it). A holdout entry gets nothing from the journey,
        so nothing is set."""
        journey, record = state.journey, state.record
        if record.holdout:
            if self.explain:
                self.note(ts, journey.id, f"{step.id}: {step.attribute} not set (holdout)")
            return
        if not self.own_traits:  # the traits file's dict is shared: copy before changing
            self.traits = dict(self.traits)
            self.own_traits = True
        if step.value is None:
            self.traits.pop(step.attribute, None)
        else:
            self.traits[step.attribute] = step.value
        self.out.attributes.append(
            AttributeRecord(journey.id, record.entry, step.id, ts, step.attribute, step.value)
        )
        if self.explain:
            self.note(ts, journey.id, f"{step.id}: set {step.attribute} = {step.value!r}")

    def hold(self, state: OpenEntry, step: PlanStep, ts: int) -> bool:
        """Whether a send due now must wait: for the end of quiet hours (messages), then for
        a window of the journey's rate with room. True: `state` waits until `due`."""
        journey = state.journey
        if step.channel in MESSAGE_CHANNELS:
            end = quiet_end(self.quiet_hours(journey), ts)
            if end > ts:
                state.deferred, state.due, state.held_by = True, end, "quiet_hours"
                if self.explain:
                    self.note(
                        ts,
                        journey.id,
                        f"{step.id}: quiet hours, {step.touchpoint} deferred to {iso_text(end)}",
                    )
                return True
        if journey.rate is None or state.rate_slot or self.limiter is None:
            return False
        if self.skipped(state, step, ts)[0] != "sent":
            return False  # a send that will not go out takes no place under the rate
        state.rate_slot = True
        slot = self.limiter.claim(journey.id, journey.rate, ts)
        if slot == ts:
            return False
        state.deferred, state.due, state.held_by = True, slot, "rate"
        if self.explain:
            self.note(
                ts,
                journey.id,
                f"{step.id}: rate {journey.rate.text} reached, {step.touchpoint} deferred to "
                f"{iso_text(slot)}",
            )
        return True

    def skipped(self, state: OpenEntry, step: PlanStep, ts: int) -> tuple[str, str]:
        """(`sent`, "") for a send that goes out now, else its status and reason."""
        journey = state.journey
        requires = self.plan.touchpoints[step.touchpoint].requires
        if requires is not None and not requires(self.moment(ts, state.properties)):
            return "unreachable", "the customer cannot receive it (`requires`)"
        reason = self.sent.cap_reason(journey.id, journey.limit, self.plan.caps, step.channel, ts)
        return ("capped", reason) if reason else ("sent", "")

    def send(self, state: OpenEntry, ts: int, move: bool = True) -> None:
        journey = state.journey
        step = journey.steps[state.step]
        status, reason = self.skipped(state, step, ts)
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
        """A send held (quiet hours, or the rate) whose entry ended before it could go."""
        held = "quiet hours" if state.held_by == "quiet_hours" else "the journey's rate"
        why = f"held by {held} until {iso_text(state.due)}" + (
            ", after the log's end"
            if reason == "censored"
            else f"; the entry ended first ({reason})"
        )
        status = "not_sent" if state.held_by == "quiet_hours" else "rate_limited"
        self.record_send(state, ts, status, why)

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


def iso_text(us: int) -> str:
    return utc_text(us, "%Y-%m-%dT%H:%M:%SZ")
