"""The replay's rules at their boundaries: issue 22's minimal cases, each with the
numbers the documented rules give, derived in the comments."""

from __future__ import annotations

from pathlib import Path

from tests.engine.replay_helpers import event, exits, journey, policy, run, sends, visits

# Another customer's event sets the log's end where a case needs it.
LATER = "2026-06-03T08:00:00Z"
NIGHT_UTC = policy(quiet_hours='{from: "01:00", to: "12:00", tz: UTC}')


def test_an_answered_wait_for_event_does_not_cut_a_later_wait_short(tmp_path: Path) -> None:
    # s0 is answered by the click at 08:05; the click at 20:00 is awaited by nobody, so
    # the customer waits in s1 until 08:05 two days later, after the log's end (08:00):
    # censored at s1, never at s2.
    doc = journey(
        "j",
        """
        s0: {wait_for: {event: click}, timeout: 1d, next: s1, on_timeout: s1}
        s1: {wait: 2d, next: s2}
        s2: {exit: true}
        """,
    )
    log = [
        event("c", "cart", "2026-06-01T08:00:00Z"),
        event("c", "click", "2026-06-01T08:05:00Z"),
        event("c", "click", "2026-06-01T20:00:00Z"),
        event("other", "view", LATER),
    ]
    found, totals = run(tmp_path, [doc], log)
    assert [step for _, step in visits(found["c"], "j")] == ["s0", "s1"]
    assert exits(found["c"], "j") == [(LATER, "censored", "s1", False)]
    assert totals.journeys["j"].exits["end"] == 0


def _held_push(after_send: str) -> str:
    steps = [
        "s0: {wait_for: {event: click}, timeout: 1h, next: tell, on_timeout: done}",
        f"tell: {{send: push, next: {after_send}}}",
    ]
    if after_send == "rest":
        steps.append("rest: {wait: 6h, next: done}")
    return journey("j", "\n".join(steps))


def test_an_answered_wait_for_event_does_not_skip_a_send_held_by_quiet_hours(
    tmp_path: Path,
) -> None:
    # The click at 02:41 answers s0; the push is held until 12:00 (quiet 01:00-12:00).
    # The click at 08:00 is awaited by nobody and no goal or exit: the push goes out
    # at 12:00, one send, deferred.
    log = [
        event("c", "cart", "2026-06-01T02:40:00Z"),
        event("c", "click", "2026-06-01T02:41:00Z"),
        event("c", "click", "2026-06-01T08:00:00Z"),
        event("other", "view", LATER),
    ]
    for after_send in ("done", "rest"):  # the second one crashed (KeyError: '')
        found, totals = run(tmp_path, [_held_push(after_send), NIGHT_UTC], log)
        assert sends(found["c"]) == [("2026-06-01T12:00:00Z", "push", "sent")], after_send
        push = totals.journeys["j"].sends["push"]
        assert (push.sent, push.deferred, push.capped, push.not_sent) == (1, 1, 0, 0)
        end = "2026-06-01T12:00:00Z" if after_send == "done" else "2026-06-01T18:00:00Z"
        assert exits(found["c"], "j") == [(end, "end", "done", False)]


def test_a_goal_exactly_at_goal_within_converts_when_the_customer_leaves_then(
    tmp_path: Path,
) -> None:
    # Entry 08:00, wait 1h → exit at 09:00; the purchase at 09:00 is exactly within 1h:
    # the boundary is inclusive, so it converts (after the exit, as for holdout).
    doc = journey("j", "w: {wait: 1h, next: done}", goal="{event: purchase, within: 1h}")
    log = [
        event("c", "cart", "2026-06-01T08:00:00Z"),
        event("c", "purchase", "2026-06-01T09:00:00Z"),
    ]
    found, totals = run(tmp_path, [doc], log)
    assert exits(found["c"], "j") == [("2026-06-01T09:00:00Z", "end", "done", True)]
    assert totals.journeys["j"].treated.converted == 1
    # One second later it is outside the window.
    log[1] = event("c", "purchase", "2026-06-01T09:00:01Z")
    found, totals = run(tmp_path, [doc], log)
    assert totals.journeys["j"].treated.converted == 0


def test_a_goal_at_the_boundary_after_an_exit_event_in_the_same_second(tmp_path: Path) -> None:
    # The exit_on event and the goal both at exactly entry + 1d: the exit ends the entry,
    # and the goal, within 1d inclusive, still converts it.
    doc = journey(
        "j",
        "w: {wait: 2d, next: done}",
        goal="{event: signup, within: 1d}",
        exit_on="[{event: unsubscribe}]",
    )
    log = [
        event("c", "cart", "2026-06-01T08:00:00Z"),
        event("c", "unsubscribe", "2026-06-02T08:00:00Z"),
        event("c", "signup", "2026-06-02T08:00:00Z"),
    ]
    found, totals = run(tmp_path, [doc], log)
    assert exits(found["c"], "j") == [("2026-06-02T08:00:00Z", "exit_event", "w", True)]
    assert totals.journeys["j"].treated.converted == 1


def test_a_held_send_whose_entry_ends_first_is_not_sent_with_the_reason(tmp_path: Path) -> None:
    # Held from 02:40 until 12:00; the log ends at 05:00 (another customer): not sent,
    # past the log's end. Reached = sent + capped + not sent.
    doc = journey("j", "tell: {send: push, next: done}")
    log = [
        event("c", "cart", "2026-06-01T02:40:00Z"),
        event("other", "view", "2026-06-01T05:00:00Z"),
    ]
    found, totals = run(tmp_path, [doc, NIGHT_UTC], log)
    (record,) = found["c"].sends
    assert (record.status, record.reason) == (
        "not_sent",
        "held by quiet hours until 2026-06-01T12:00:00Z, after the log's end",
    )
    push = totals.journeys["j"].sends["push"]
    assert (push.sent, push.capped, push.not_sent) == (0, 0, 1)
    assert totals.journeys["j"].steps["tell"].total == 1


def test_priority_holds_between_an_entry_and_another_journeys_move(tmp_path: Path) -> None:
    # One push a day. At 10:00 the click enters `high` (first in priority), whose push
    # goes at once, and answers `low`'s wait_for, whose push would go then too. Journeys
    # act one at a time in priority order, each its moves and then its entry: `high`
    # takes the slot and `low`'s push is capped.
    caps = policy(frequency_caps="[{channel: any, max: 1, per: 1d}]", priority="[high, low]")
    low = journey(
        "low",
        "s0: {wait_for: {event: click}, timeout: 1d, next: tell, on_timeout: done}\n"
        "tell: {send: push, next: done}",
    )
    high = journey("high", "tell: {send: push, next: done}", entry="{event: click}")
    log = [event("c", "cart", "2026-06-01T09:00:00Z"), event("c", "click", "2026-06-01T10:00:00Z")]
    found, _ = run(tmp_path, [low, high, caps], log)
    assert sends(found["c"], "high") == [("2026-06-01T10:00:00Z", "push", "sent")]
    assert sends(found["c"], "low") == [("2026-06-01T10:00:00Z", "push", "capped")]
