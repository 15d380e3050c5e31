"""Quiet hours, frequency caps and message events (`engine.delivery`), held to the rules
of its docstring on hand-made instants. Times are worked out in the comments; UTC
unless a zone is named (America/New_York: EST is UTC-5, EDT UTC-4; in 2026 the
clocks spring forward on March 8 at 02:00 and fall back on November 1 at 02:00)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cjo_cli.engine import delivery
from cjo_cli.engine.delivery import (
    MESSAGE_CHANNELS,
    OBSERVE_WITHIN,
    Cap,
    JourneyLimit,
    MessageEvents,
    PlanTouchpoint,
    SendLog,
    in_quiet_hours,
    quiet_end,
)
from cjo_cli.engine.replay_records import SendRecord
from cjo_cli.model import QuietHours
from cjo_cli.model.clock import HOUR, SECOND, parse_instant
from tests.conftest import examples
from tests.engine.replay_helpers import event, journey, policy, run, sends

MINUTE = 60 * SECOND
DAY = 24 * HOUR


def at(text: str) -> int:
    return parse_instant(text)


def quiet(start: str, end: str, tz: str = "UTC") -> QuietHours:
    return QuietHours(dt.time.fromisoformat(start), dt.time.fromisoformat(end), tz)


# ---- quiet hours -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "moment", "expected"),
    [
        # A same-day window: `from` inclusive, `to` exclusive.
        (("12:00", "13:00"), "2026-06-01T11:59:59.999999+00:00", False),
        (("12:00", "13:00"), "2026-06-01T12:00:00+00:00", True),
        (("12:00", "13:00"), "2026-06-01T12:59:59.999999+00:00", True),
        (("12:00", "13:00"), "2026-06-01T13:00:00+00:00", False),
        # Across midnight it wraps.
        (("22:00", "08:00"), "2026-06-01T21:59:59+00:00", False),
        (("22:00", "08:00"), "2026-06-01T22:00:00+00:00", True),
        (("22:00", "08:00"), "2026-06-02T00:00:00+00:00", True),
        (("22:00", "08:00"), "2026-06-02T07:59:59+00:00", True),
        (("22:00", "08:00"), "2026-06-02T08:00:00+00:00", False),
        (("22:00", "08:00"), "2026-06-02T12:00:00+00:00", False),
        # from == to is empty, even at that very time.
        (("10:00", "10:00"), "2026-06-01T10:00:00+00:00", False),
        (("10:00", "10:00"), "2026-06-01T09:59:59+00:00", False),
        (("00:00", "00:00"), "2026-06-01T00:00:00+00:00", False),
    ],
)
def test_in_quiet_hours_edges(window: tuple[str, str], moment: str, expected: bool) -> None:
    assert in_quiet_hours(at(moment), quiet(*window)) is expected


def test_quiet_hours_are_read_in_their_zone() -> None:
    # 14:00Z is 23:00 in Tokyo (UTC+9): quiet there, not in UTC.
    moment = at("2026-06-01T14:00:00+00:00")
    assert in_quiet_hours(moment, quiet("22:00", "08:00", "Asia/Tokyo"))
    assert not in_quiet_hours(moment, quiet("22:00", "08:00"))


@pytest.mark.parametrize(
    ("windows", "moment", "expected"),
    [
        # Not quiet: the moment itself.
        ([("22:00", "08:00")], "2026-06-01T12:00:00+00:00", "2026-06-01T12:00:00+00:00"),
        # `to` is exclusive: at 08:00 the send goes at once.
        ([("22:00", "08:00")], "2026-06-02T08:00:00+00:00", "2026-06-02T08:00:00+00:00"),
        # Before midnight: the end is the next morning.
        ([("22:00", "08:00")], "2026-06-01T23:00:00+00:00", "2026-06-02T08:00:00+00:00"),
        # After midnight: the same morning.
        ([("22:00", "08:00")], "2026-06-02T03:00:00+00:00", "2026-06-02T08:00:00+00:00"),
        # An empty window defers nothing.
        ([("10:00", "10:00")], "2026-06-01T10:00:00+00:00", "2026-06-01T10:00:00+00:00"),
        # No window at all.
        ([], "2026-06-01T23:00:00+00:00", "2026-06-01T23:00:00+00:00"),
        # Overlapping windows: 22-08 ends at 08:00, inside 07-09: wait for 09:00, in
        # either order of the windows.
        (
            [("22:00", "08:00"), ("07:00", "09:00")],
            "2026-06-01T23:00:00+00:00",
            "2026-06-02T09:00:00+00:00",
        ),
        (
            [("07:00", "09:00"), ("22:00", "08:00")],
            "2026-06-01T23:00:00+00:00",
            "2026-06-02T09:00:00+00:00",
        ),
        # A chain of three: 22-08 → 07:30-09 → 08:30-10.
        (
            [("08:30", "10:00"), ("07:30", "09:00"), ("22:00", "08:00")],
            "2026-06-01T23:00:00+00:00",
            "2026-06-02T10:00:00+00:00",
        ),
        # Disjoint windows: only the one the moment is in counts.
        (
            [("22:00", "08:00"), ("12:00", "13:00")],
            "2026-06-01T23:00:00+00:00",
            "2026-06-02T08:00:00+00:00",
        ),
        # Windows in two zones: 23:00 Tokyo is 14:00Z; Tokyo's window ends at 08:00
        # Tokyo = 23:00Z, inside the UTC window 22:00-01:00, which ends at 01:00Z.
        (
            [("22:00", "08:00", "Asia/Tokyo"), ("22:00", "01:00")],
            "2026-06-01T14:00:00+00:00",
            "2026-06-02T01:00:00+00:00",
        ),
    ],
)
def test_quiet_end(windows: list[tuple[str, ...]], moment: str, expected: str) -> None:
    assert quiet_end([quiet(*w) for w in windows], at(moment)) == at(expected)


@pytest.mark.parametrize(
    ("moment", "quiet_now", "end"),
    [
        # Spring forward: 23:00 EST on March 7 (04:00Z March 8); the window ends at
        # 08:00 EDT = 12:00Z, an hour shorter night.
        ("2026-03-08T04:00:00+00:00", True, "2026-03-08T12:00:00+00:00"),
        # 12:30Z on March 8 is 08:30 EDT: no longer quiet (it would be 07:30 in EST).
        ("2026-03-08T12:30:00+00:00", False, "2026-03-08T12:30:00+00:00"),
        # Fall back: 23:00 EDT on October 31 (03:00Z November 1); the end is 08:00 EST
        # = 13:00Z, an hour longer night.
        ("2026-11-01T03:00:00+00:00", True, "2026-11-01T13:00:00+00:00"),
        # 12:30Z on November 1 is 07:30 EST: still quiet.
        ("2026-11-01T12:30:00+00:00", True, "2026-11-01T13:00:00+00:00"),
        # 06:30Z is 01:30 the second time (EST), in the repeated hour: quiet.
        ("2026-11-01T06:30:00+00:00", True, "2026-11-01T13:00:00+00:00"),
    ],
)
def test_quiet_hours_across_dst(moment: str, quiet_now: bool, end: str) -> None:
    window = quiet("22:00", "08:00", "America/New_York")
    assert in_quiet_hours(at(moment), window) is quiet_now
    assert quiet_end([window], at(moment)) == at(end)


_QUIET_ZONES = ["UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"]
_CHANGES = [
    at("2026-03-08T07:00:00+00:00"),
    at("2026-11-01T06:00:00+00:00"),
    at("2026-04-04T15:00:00+00:00"),
    at("2026-10-03T15:30:00+00:00"),
]
_wall = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 30, 45]))
_windows = st.lists(
    st.builds(quiet, _wall, _wall, st.sampled_from(_QUIET_ZONES)), min_size=1, max_size=3
)
_moments = st.lists(
    st.builds(
        lambda base, shift: base + shift,
        st.sampled_from(_CHANGES),
        st.integers(-30 * HOUR, 30 * HOUR),
    ),
    min_size=1,
    max_size=12,
)


@given(_windows, _moments)
@settings(max_examples=examples(200), deadline=None)
def test_quiet_end_from_the_stretches_it_remembers_is_the_one_worked_out(
    windows: list[QuietHours], moments: list[int]
) -> None:
    """Every answer of a quiet_end that remembers the stretches it found (in any order of
    asking) is the one worked out afresh, across daylight-saving changes and windows of
    several zones that overlap."""
    delivery._STRETCHES.clear()
    remembered = [quiet_end(windows, moment) for moment in moments]
    afresh = []
    for moment in moments:
        delivery._STRETCHES.clear()
        afresh.append(quiet_end(windows, moment))
    assert remembered == afresh


def test_a_window_ending_in_the_repeated_hour_first_time() -> None:
    # Quiet 00:00-01:30 New York on November 1: 05:00Z is 01:00 EDT (quiet), the window
    # ends at 01:30 EDT = 05:30Z.
    window = quiet("00:00", "01:30", "America/New_York")
    assert in_quiet_hours(at("2026-11-01T05:00:00+00:00"), window)
    assert quiet_end([window], at("2026-11-01T05:00:00+00:00")) == at("2026-11-01T05:30:00+00:00")
    # 05:30Z-06:00Z is 01:30-02:00 EDT: not quiet; 06:00Z is 01:00 EST: quiet again.
    assert not in_quiet_hours(at("2026-11-01T05:45:00+00:00"), window)
    assert in_quiet_hours(at("2026-11-01T06:00:00+00:00"), window)
    assert not in_quiet_hours(at("2026-11-01T06:30:00+00:00"), window)


def test_the_clocks_going_back_out_of_a_window_end_it() -> None:
    # Quiet from 01:30 to midnight, New York. 05:59:59Z on November 1 is 01:59:59 EDT
    # (quiet); at 06:00Z the clocks go back to 01:00 EST, before 01:30: not quiet. The
    # send goes then, not at midnight (05:00Z on November 2).
    window = quiet("01:30", "00:00", "America/New_York")
    assert in_quiet_hours(at("2026-11-01T05:59:59+00:00"), window)
    assert not in_quiet_hours(at("2026-11-01T06:00:00+00:00"), window)
    assert quiet_end([window], at("2026-11-01T05:59:59+00:00")) == at("2026-11-01T06:00:00+00:00")
    # Half an hour later (01:30 EST) the window begins again, until midnight.
    assert quiet_end([window], at("2026-11-01T06:30:00+00:00")) == at("2026-11-02T05:00:00+00:00")


def test_a_window_ending_in_the_repeated_hour_second_time() -> None:
    # 06:00Z is 01:00 EST, the second 01:00 of November 1: quiet until 01:30 EST =
    # 06:30Z, the first instant outside the window.
    window = quiet("00:00", "01:30", "America/New_York")
    assert quiet_end([window], at("2026-11-01T06:00:00+00:00")) == at("2026-11-01T06:30:00+00:00")


def test_a_window_ending_in_the_spring_gap() -> None:
    # Quiet 01:00-02:30 New York on March 8: at 01:30 EST (06:30Z) the clocks jump from
    # 02:00 EST to 03:00 EDT = 07:00Z, which is outside the window.
    window = quiet("01:00", "02:30", "America/New_York")
    assert in_quiet_hours(at("2026-03-08T06:30:00+00:00"), window)
    assert not in_quiet_hours(at("2026-03-08T07:00:00+00:00"), window)
    assert quiet_end([window], at("2026-03-08T06:30:00+00:00")) == at("2026-03-08T07:00:00+00:00")


# ---- caps ------------------------------------------------------------------------


def test_message_channels() -> None:
    assert frozenset({"email", "sms", "web_push", "app_push"}) == MESSAGE_CHANNELS


@pytest.mark.parametrize(
    ("cap_channel", "channel", "expected"),
    [
        ("any", "email", True),
        ("any", "sms", True),
        ("any", "web_push", True),
        ("any", "app_push", True),
        ("any", "web", False),
        ("any", "in_app", False),
        ("any", "ad", False),
        ("any", "store", False),
        ("email", "email", True),
        ("email", "sms", False),
        ("web", "web", True),
        ("web", "email", False),
    ],
)
def test_cap_counts(cap_channel: str, channel: str, expected: bool) -> None:
    assert Cap(cap_channel, 1, DAY).counts(channel) is expected


LIMIT = JourneyLimit(2, HOUR, "2 per 1h")
JOURNEY_REASON = "capped by the journey's limit (2 per 1h)"


@pytest.mark.parametrize(
    ("sent", "now", "expected"),
    [
        # Two sends in the hour before: the limit is reached.
        ([0, 30 * MINUTE], 59 * MINUTE, JOURNEY_REASON),
        # Exactly one period after the first send: its instant is the period's start,
        # excluded, so one send counts.
        ([0, 30 * MINUTE], HOUR, ""),
        ([0, 30 * MINUTE], HOUR - 1, JOURNEY_REASON),
        # One send: under the limit.
        ([0], 1, ""),
        # Another journey's sends do not count against this journey's limit.
        ([], 10 * MINUTE, ""),
    ],
)
def test_journey_limit(sent: list[int], now: int, expected: str) -> None:
    log = SendLog()
    for ts in sent:
        log.add(ts, "j", "email")
    log.add(5 * MINUTE, "other", "email")
    log.add(6 * MINUTE, "other", "email")
    assert log.cap_reason("j", LIMIT, (), "email", now) == expected


def test_journey_limit_counts_every_channel_of_its_journey() -> None:
    log = SendLog()
    log.add(0, "j", "web")
    log.add(1, "j", "ad")
    assert log.cap_reason("j", LIMIT, (), "email", 2) == JOURNEY_REASON


def test_policy_cap_counts_every_journeys_sends_on_its_channel() -> None:
    email = Cap("email", 2, DAY, "2 per 1d")
    log = SendLog()
    log.add(0, "a", "email")
    log.add(HOUR, "b", "email")
    log.add(2 * HOUR, "b", "sms")
    reason = "capped by the policy's email cap (2 per 1d)"
    assert log.cap_reason("c", None, (email,), "email", 3 * HOUR) == reason
    # An sms send is not counted by an email cap.
    assert log.cap_reason("c", None, (email,), "sms", 3 * HOUR) == ""
    # The start of the period is excluded: a day after the first send, one counts.
    assert log.cap_reason("c", None, (email,), "email", DAY) == ""
    assert log.cap_reason("c", None, (email,), "email", DAY - 1) == reason


def test_any_cap_counts_message_channels_only() -> None:
    cap = Cap("any", 2, DAY, "2 per 1d")
    log = SendLog()
    log.add(0, "a", "email")
    for ts in range(1, 6):
        log.add(ts, "a", "web")  # content shown in context: not counted
    log.add(10, "a", "ad")
    assert log.cap_reason("a", None, (cap,), "sms", 20) == ""
    log.add(11, "b", "web_push")
    reason = "capped by the policy's any cap (2 per 1d)"
    assert log.cap_reason("a", None, (cap,), "sms", 20) == reason
    # A web send is not capped by `any`, however many messages went out.
    assert log.cap_reason("a", None, (cap,), "web", 20) == ""


def test_journey_limit_and_policy_cap() -> None:
    limit = JourneyLimit(1, DAY, "1 per 1d")
    cap = Cap("email", 2, DAY, "2 per 1d")
    log = SendLog()
    log.add(0, "a", "email")
    log.add(HOUR, "b", "email")
    # Journey b's own limit is reached (its send at 1h) and so is the policy cap: the
    # journey's limit is the reason given.
    assert log.cap_reason("b", limit, (cap,), "email", 2 * HOUR) == (
        "capped by the journey's limit (1 per 1d)"
    )
    # Journey c has sent nothing (its limit holds) but the policy cap counts a's and
    # b's sends.
    assert log.cap_reason("c", limit, (cap,), "email", 2 * HOUR) == (
        "capped by the policy's email cap (2 per 1d)"
    )
    # The first of two caps that is reached is the reason.
    sms = Cap("sms", 5, DAY, "5 per 1d")
    anyone = Cap("any", 1, DAY, "1 per 1d")
    assert log.cap_reason("c", None, (sms, cap, anyone), "email", 2 * HOUR) == (
        "capped by the policy's email cap (2 per 1d)"
    )


def test_a_cap_of_zero_caps_every_send() -> None:
    log = SendLog()
    assert log.cap_reason("a", JourneyLimit(0, DAY, "0 per 1d"), (), "email", 0) != ""
    assert log.cap_reason("a", None, (Cap("email", 0, DAY, "0 per 1d"),), "email", 0) != ""


MAIL_THRICE = journey(
    "thrice",
    entry="{event: go}",
    steps="""
        first: {send: mail, next: wait_a}
        wait_a: {wait: 12h, next: second}
        second: {send: mail, next: wait_b}
        wait_b: {wait: 12h, next: third}
        third: {send: mail, next: done}
    """,
)

EMAIL_CAP = policy(frequency_caps="[{channel: email, max: 1, per: 1d}]")


def test_capped_sends_are_not_counted_by_later_caps(tmp_path: Path) -> None:
    # Sends at 00:00 (sent), 12:00 (capped: the first is within the day) and 00:00 the
    # next day: the first send is at the period's start (excluded) and the capped one
    # does not count, so the third goes out.
    log = [
        event("c", "go", "2026-06-01T00:00:00Z"),
        event("other", "go", "2026-06-03T00:00:00Z"),
    ]
    found, _ = run(tmp_path, [MAIL_THRICE, EMAIL_CAP], log)
    assert sends(found["c"]) == [
        ("2026-06-01T00:00:00Z", "mail", "sent"),
        ("2026-06-01T12:00:00Z", "mail", "capped"),
        ("2026-06-02T00:00:00Z", "mail", "sent"),
    ]
    assert found["c"].sends[1].reason == "capped by the policy's email cap (1 per 1d)"


# ---- message events ----------------------------------------------------------------

DELIVERED, OPENED, CLICKED, OTHER = 1, 2, 4, 8
TOUCHPOINTS = {
    "push": PlanTouchpoint("push", "web_push", delivered=DELIVERED, clicked=CLICKED),
    "mail": PlanTouchpoint("mail", "email", DELIVERED, OPENED, CLICKED),
    "plain": PlanTouchpoint("plain", "email"),
}


def send(ts: int, touchpoint: str = "push") -> SendRecord:
    channel = TOUCHPOINTS[touchpoint].channel
    return SendRecord("j", 1, "s", touchpoint, channel, ts, "sent", planned_ts=ts)


def test_observable() -> None:
    assert TOUCHPOINTS["push"].observable
    assert not TOUCHPOINTS["plain"].observable
    assert PlanTouchpoint("x", "email", opened=2).observable


def test_each_event_matches_the_earliest_waiting_send_once() -> None:
    first, second = send(0), send(HOUR)
    waiting = MessageEvents()
    assert not waiting
    waiting.add(first)
    waiting.add(second)
    assert waiting
    assert waiting.observe(2 * HOUR, DELIVERED, TOUCHPOINTS) == (first, "delivered")
    assert waiting.observe(3 * HOUR, DELIVERED, TOUCHPOINTS) == (second, "delivered")
    # Both are delivered: a third delivery has no send left.
    assert waiting.observe(4 * HOUR, DELIVERED, TOUCHPOINTS) is None
    # A click goes to the earliest send not yet clicked.
    assert waiting.observe(5 * HOUR, CLICKED, TOUCHPOINTS) == (first, "clicked")
    assert (first.delivered_ts, first.opened_ts, first.clicked_ts) == (2 * HOUR, None, 5 * HOUR)
    assert (second.delivered_ts, second.opened_ts, second.clicked_ts) == (3 * HOUR, None, None)


def test_an_event_with_several_kinds_is_matched_once() -> None:
    # One event whose bits are both the delivered and the clicked event: it is the
    # delivery only (the first kind still waiting).
    only = send(0)
    waiting = MessageEvents()
    waiting.add(only)
    assert waiting.observe(HOUR, DELIVERED | CLICKED, TOUCHPOINTS) == (only, "delivered")
    assert only.clicked_ts is None
    assert waiting.observe(2 * HOUR, DELIVERED | CLICKED, TOUCHPOINTS) == (only, "clicked")


def test_events_of_other_kinds_or_touchpoints_match_nothing() -> None:
    push = send(0)
    waiting = MessageEvents()
    waiting.add(push)
    # push names no opened event; OTHER is no message event of it.
    assert waiting.observe(HOUR, OPENED, TOUCHPOINTS) is None
    assert waiting.observe(HOUR, OTHER, TOUCHPOINTS) is None
    mail = send(2 * HOUR, "mail")
    waiting.add(mail)
    assert waiting.observe(3 * HOUR, OPENED, TOUCHPOINTS) == (mail, "opened")
    assert push.opened_ts is None


@pytest.mark.parametrize(
    ("delay", "matched"),
    [(0, True), (OBSERVE_WITHIN - 1, True), (OBSERVE_WITHIN, True), (OBSERVE_WITHIN + 1, False)],
)
def test_observe_within_is_inclusive(delay: int, matched: bool) -> None:
    assert OBSERVE_WITHIN == 24 * HOUR
    only = send(10 * HOUR)
    waiting = MessageEvents()
    waiting.add(only)
    found = waiting.observe(10 * HOUR + delay, DELIVERED, TOUCHPOINTS)
    assert found == ((only, "delivered") if matched else None)
    # An expired send is forgotten.
    assert bool(waiting) is matched


def test_an_expired_send_gives_way_to_a_later_one() -> None:
    # The send at 0 expires at 24h; an event at 25h goes to the send at 2h.
    early, late = send(0), send(2 * HOUR)
    waiting = MessageEvents()
    waiting.add(early)
    waiting.add(late)
    assert waiting.observe(25 * HOUR, DELIVERED, TOUCHPOINTS) == (late, "delivered")
    assert early.delivered_ts is None
    assert waiting.waiting == [late]
