"""When a replayed send may go out: quiet hours and frequency caps (docs/replay.md).

- Message channels (email, sms, web_push, app_push) reach a customer who is not
  looking at us: quiet hours defer them and `channel: any` caps count them.
  Content shown in context (web, in_app, ad, store...) is neither deferred nor
  counted by `any`, as in Braze and SFMC.
- Quiet hours: `from` inclusive, `to` exclusive, a window across midnight wraps,
  from == to is empty. A send in a window waits for its end; when windows of the
  journey and the policy overlap, for the end of all of them.
- Caps count the customer's earlier sends (not capped ones) in the period before
  the send, the period's start excluded: the journey's `per_customer` its own
  sends, a policy cap every journey's sends on its channel.
- A touchpoint that names message events (`events: {delivered, opened, clicked}`)
  has them matched to its sends: each such event of the log, to the earliest
  send still waiting for that kind, within `OBSERVE_WITHIN` after the send, once.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cjo_cli.conditions.bits import Predicate
from cjo_cli.engine.replay_records import SendRecord
from cjo_cli.model import QuietHours
from cjo_cli.model.clock import HOUR, in_window, window_end

MESSAGE_CHANNELS = frozenset({"email", "sms", "web_push", "app_push"})

OBSERVE_WITHIN = 24 * HOUR
"""How long after a send its touchpoint's delivered/opened/clicked events are matched."""


@dataclass(frozen=True)
class PlanTouchpoint:
    id: str
    channel: str
    delivered: int = 0
    opened: int = 0
    clicked: int = 0
    """The filter bits of its message events (0: none named)."""
    requires: Predicate | None = field(default=None, compare=False)
    """Who can receive it (None: anyone)."""

    @property
    def observable(self) -> bool:
        return bool(self.delivered or self.opened or self.clicked)


@dataclass(frozen=True)
class Cap:
    channel: str
    max: int
    per: int
    """The period, in µs."""
    text: str = ""

    def counts(self, channel: str) -> bool:
        if self.channel == "any":
            return channel in MESSAGE_CHANNELS
        return channel == self.channel


@dataclass(frozen=True)
class JourneyLimit:
    """A journey's own `limits.per_customer`."""

    max: int
    per: int
    """µs."""
    text: str


def in_quiet_hours(us: int, quiet: QuietHours) -> bool:
    return in_window(us, quiet.start, quiet.end, quiet.tz)


def quiet_end(windows: Sequence[QuietHours], us: int) -> int:
    """The first instant at or after `us` outside every quiet window."""
    key = tuple((quiet.start, quiet.end, quiet.tz) for quiet in windows)
    stretches = _STRETCHES.get(key)
    if stretches is None:
        stretches = _STRETCHES[key] = QuietStretches()
    found = stretches.end(us)
    if found is not None:
        return found
    moment = us
    for _ in range(8):
        moved = False
        for quiet in windows:
            later = window_end(moment, quiet.start, quiet.end, quiet.tz)
            moved = moved or later != moment
            moment = later
        if not moved:
            if moment > us:
                stretches.add(us, moment)
            return moment
    return moment


class QuietStretches:
    """Stretches of time found quiet, for one set of windows: each [start, end) is
    inside some window all through and `end` outside all of them (what `quiet_end`
    found), so every instant of it has that end. Two stretches either share their end
    or do not meet. Sends of many customers fall in the same night: its end is worked
    out once, not with datetimes at each send."""

    __slots__ = ("ends", "starts")

    def __init__(self) -> None:
        self.ends: list[int] = []
        self.starts: list[int] = []
        """The earliest start found of the stretch of each end, in `ends` order."""

    def end(self, us: int) -> int | None:
        at = bisect_right(self.ends, us)
        if at < len(self.ends) and self.starts[at] <= us:
            return self.ends[at]
        return None

    def add(self, start: int, end: int) -> None:
        at = bisect_left(self.ends, end)
        if at < len(self.ends) and self.ends[at] == end:
            self.starts[at] = min(self.starts[at], start)
        else:
            self.ends.insert(at, end)
            self.starts.insert(at, start)


_STRETCHES: dict[tuple[tuple[dt.time, dt.time, str], ...], QuietStretches] = {}


class SendLog:
    """A customer's sends so far, as the caps count them."""

    __slots__ = ("sent",)

    def __init__(self) -> None:
        self.sent: list[tuple[int, str, str]] = []
        """(ts, journey, channel) of every send that went out."""

    def add(self, us: int, journey: str, channel: str) -> None:
        self.sent.append((us, journey, channel))

    def cap_reason(
        self,
        journey: str,
        limit: JourneyLimit | None,
        caps: Sequence[Cap],
        channel: str,
        us: int,
    ) -> str:
        """Why a send now would be over a cap ("" when it may go out)."""
        if limit is not None:
            since = us - limit.per
            count = sum(1 for t, j, _ in self.sent if j == journey and t > since)
            if count >= limit.max:
                return f"capped by the journey's limit ({limit.text})"
        for cap in caps:
            if not cap.counts(channel):
                continue
            since = us - cap.per
            count = sum(1 for t, _, c in self.sent if t > since and cap.counts(c))
            if count >= cap.max:
                return f"capped by the policy's {cap.channel} cap ({cap.text})"
        return ""


class MessageEvents:
    """Sends still waiting for their touchpoint's message events."""

    __slots__ = ("waiting",)

    def __init__(self) -> None:
        self.waiting: list[SendRecord] = []

    def __bool__(self) -> bool:
        return bool(self.waiting)

    def add(self, send: SendRecord) -> None:
        self.waiting.append(send)

    def observe(
        self, us: int, mask: int, touchpoints: Mapping[str, PlanTouchpoint]
    ) -> tuple[SendRecord, str] | None:
        """Match an event with these bits to a waiting send: (send, kind) or None."""
        self.waiting = [send for send in self.waiting if us - send.ts <= OBSERVE_WITHIN]
        for send in self.waiting:
            tp = touchpoints[send.touchpoint]
            for kind, bit in (
                ("delivered", tp.delivered),
                ("opened", tp.opened),
                ("clicked", tp.clicked),
            ):
                if bit and mask & bit and getattr(send, f"{kind}_ts") is None:
                    setattr(send, f"{kind}_ts", us)
                    return send, kind
        return None


class RateLimiter:
    """The journeys' send rates (`limits.rate`), shared by every customer of a replay.

    Windows are fixed, `per` long from the epoch (an hour's window starts on the hour).
    Sends claim a place in arrival order: the window they arrive in while it has room,
    else the first later window that has; a send placed in a later window waits for its
    start. The replay must then run every customer in one time order (`engine.replay`).
    """

    def __init__(self) -> None:
        self.used: dict[tuple[str, int], int] = {}

    def claim(self, journey: str, limit: JourneyLimit, us: int) -> int:
        """The instant the send may go: `us`, or the start of a later window."""
        window = us // limit.per
        while self.used.get((journey, window), 0) >= limit.max:
            window += 1
        self.used[(journey, window)] = self.used.get((journey, window), 0) + 1
        return max(us, window * limit.per)
