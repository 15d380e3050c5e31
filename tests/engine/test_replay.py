"""Worked replay scenarios (docs/replay.md): each customer's expected path is written out
by hand, with the times worked out in the comments (Tokyo is UTC+9, no DST)."""

from __future__ import annotations

from pathlib import Path

from cjo_cli.engine.replay_records import CustomerReplay, in_holdout
from tests.engine.replay_helpers import event, exits, journey, policy, run, sends, visits

LISA = """
kind: persona
id: lisa
name: Lisa
segment:
  all:
    - {event: product_view, where: {category: skincare}, count: {min: 3}, within: 30d}
    - not: {event: purchase, within: 90d}
"""

CART = journey(
    "cart",
    name="cart abandonment",
    persona="lisa",
    entry="{event: cart_abandoned}",
    re_entry="{after: 7d}",
    goal="{event: purchase, within: 7d}",
    exit_on="[{event: unsubscribe}]",
    steps="""
        wait_1h: {wait: 1h, next: push}
        push: {send: push, next: wait_open}
        wait_open: {wait_for: {event: push_click}, timeout: 1d, next: done, on_timeout: email}
        email: {send: mail, next: wait_evening}
        wait_evening: {wait_until: "19:00", tz: Asia/Tokyo, next: split_value}
        split_value:
          split:
            - {if: {property: cart_value, op: gte, value: 10000}, next: ad}
            - {else: done}
        ad: {send: ad, next: done}
    """,
)

QUIET_POLICY = policy(quiet_hours='{from: "22:00", to: "08:00", tz: Asia/Tokyo}')


def lisa_views(customer: str = "lisa") -> list[dict[str, object]]:
    return [
        event(customer, "product_view", f"2026-06-0{day}T01:00:00Z", category="skincare")
        for day in (1, 2, 3)
    ]


def test_lisa_cart_abandonment_push_email_evening_ad(tmp_path: Path) -> None:
    # Cart left at 10:00 Tokyo (01:00Z) on June 3, value 12,000.
    log = [
        *lisa_views(),
        event("lisa", "cart_abandoned", "2026-06-03T01:00:00Z", cart_value=12000),
        event("other", "page_view", "2026-06-10T00:00:00Z"),  # the log runs to June 10
    ]
    found, totals = run(tmp_path, [LISA, CART, QUIET_POLICY], log)
    lisa = found["lisa"]
    assert visits(lisa, "cart") == [
        ("2026-06-03T01:00:00Z", "wait_1h"),
        ("2026-06-03T02:00:00Z", "push"),  # one hour later, 11:00 Tokyo: not quiet
        ("2026-06-03T02:00:00Z", "wait_open"),
        ("2026-06-04T02:00:00Z", "email"),  # no click within a day
        ("2026-06-04T02:00:00Z", "wait_evening"),
        ("2026-06-04T10:00:00Z", "split_value"),  # 19:00 Tokyo the same day
        ("2026-06-04T10:00:00Z", "ad"),  # 12,000 >= 10,000
        ("2026-06-04T10:00:00Z", "done"),
    ]
    assert sends(lisa) == [
        ("2026-06-03T02:00:00Z", "push", "sent"),
        ("2026-06-04T02:00:00Z", "mail", "sent"),
        ("2026-06-04T10:00:00Z", "ad", "sent"),
    ]
    assert exits(lisa, "cart") == [("2026-06-04T10:00:00Z", "end", "done", False)]
    assert totals.journeys["cart"].treated.entered == 1


def test_lisa_stops_on_purchase_during_the_wait(tmp_path: Path) -> None:
    log = [
        *lisa_views(),
        event("lisa", "cart_abandoned", "2026-06-03T01:00:00Z", cart_value=500),
        event("lisa", "purchase", "2026-06-03T05:00:00Z"),  # while waiting for the click
        event("other", "page_view", "2026-06-10T00:00:00Z"),
    ]
    found, totals = run(tmp_path, [LISA, CART, QUIET_POLICY], log)
    lisa = found["lisa"]
    assert sends(lisa) == [("2026-06-03T02:00:00Z", "push", "sent")]
    assert exits(lisa, "cart") == [("2026-06-03T05:00:00Z", "goal", "wait_open", True)]
    assert totals.journeys["cart"].treated.converted == 1


def test_not_in_the_persona_segment_does_not_enter(tmp_path: Path) -> None:
    log = [
        event("kim", "product_view", "2026-06-01T01:00:00Z", category="skincare"),
        event("kim", "cart_abandoned", "2026-06-03T01:00:00Z"),
        # the third view comes after the cart: the segment is judged as of the entry event
        event("kim", "product_view", "2026-06-03T02:00:00Z", category="skincare"),
        event("kim", "product_view", "2026-06-03T03:00:00Z", category="skincare"),
    ]
    found, totals = run(tmp_path, [LISA, CART], log)
    assert found["kim"].entries == []
    assert totals.journeys["cart"].treated.entered == 0


def test_click_received_after_the_push(tmp_path: Path) -> None:
    log = [
        *lisa_views(),
        event("lisa", "cart_abandoned", "2026-06-03T01:00:00Z"),
        event("lisa", "push_delivered", "2026-06-03T02:00:01Z"),
        event("lisa", "push_click", "2026-06-03T03:00:00Z"),
    ]
    found, totals = run(tmp_path, [LISA, CART], log)
    lisa = found["lisa"]
    assert exits(lisa, "cart") == [("2026-06-03T03:00:00Z", "end", "done", False)]
    (push,) = lisa.sends
    assert push.delivered_ts is not None and push.clicked_ts is not None
    details = totals.journeys["cart"].sends["push"]
    assert (details.sent, details.delivered, details.clicked) == (1, 1, 1)


WAIT_FOR = journey(
    "answer",
    name="wait for an answer",
    entry="{event: asked}",
    steps="""
        ask: {send: mail, next: wait}
        wait: {wait_for: {event: answered}, timeout: 1h, next: thanks, on_timeout: remind}
        thanks: {send: banner, next: done}
        remind: {send: push, next: done}
    """,
)


def test_wait_for_answered_one_second_before_and_after_the_timeout(tmp_path: Path) -> None:
    log = [
        event("early", "asked", "2026-06-01T00:00:00Z"),
        event("early", "answered", "2026-06-01T00:59:59Z"),
        event("late", "asked", "2026-06-01T00:00:00Z"),
        event("late", "answered", "2026-06-01T01:00:01Z"),
        # at exactly the timeout the timer fires first (timers due at or before an event)
        event("exact", "asked", "2026-06-01T00:00:00Z"),
        event("exact", "answered", "2026-06-01T01:00:00Z"),
    ]
    found, _ = run(tmp_path, [WAIT_FOR], log)
    assert sends(found["early"]) == [
        ("2026-06-01T00:00:00Z", "mail", "sent"),
        ("2026-06-01T00:59:59Z", "banner", "sent"),
    ]
    for late in ("late", "exact"):
        assert sends(found[late]) == [
            ("2026-06-01T00:00:00Z", "mail", "sent"),
            ("2026-06-01T01:00:00Z", "push", "sent"),
        ], late


NIGHT = journey(
    "night",
    name="night sender",
    entry="{event: signed_up}",
    re_entry="always",
    steps="""
        hello: {send: mail, next: shown}
        shown: {send: banner, next: done}
    """,
)


def test_quiet_hours_across_midnight_defer_messages_not_web_content(tmp_path: Path) -> None:
    log = [
        # 23:30 Tokyo: quiet until 08:00 the next morning (June 1 23:00Z)
        event("owl", "signed_up", "2026-06-01T14:30:00Z"),
        # 02:00 Tokyo, after midnight: still quiet, same end
        event("late", "signed_up", "2026-06-01T17:00:00Z"),
        # 08:00 Tokyo exactly: the window has ended (`to` is exclusive)
        event("early", "signed_up", "2026-06-01T23:00:00Z"),
        # 21:59 Tokyo: not yet quiet
        event("evening", "signed_up", "2026-06-01T12:59:00Z"),
    ]
    found, totals = run(tmp_path, [NIGHT, QUIET_POLICY], log)
    assert sends(found["owl"]) == [
        ("2026-06-01T23:00:00Z", "mail", "sent"),
        ("2026-06-01T23:00:00Z", "banner", "sent"),
    ]
    assert sends(found["late"])[0] == ("2026-06-01T23:00:00Z", "mail", "sent")
    assert sends(found["early"])[0] == ("2026-06-01T23:00:00Z", "mail", "sent")
    assert sends(found["evening"])[0] == ("2026-06-01T12:59:00Z", "mail", "sent")
    # the deferred send still counts the step visit when it was reached
    assert visits(found["owl"], "night")[0] == ("2026-06-01T14:30:00Z", "hello")
    assert totals.journeys["night"].sends["mail"].deferred == 2


def test_a_goal_during_deferral_means_the_message_never_goes(tmp_path: Path) -> None:
    night = NIGHT.replace("re_entry: always", "goal: {event: purchase, within: 1d}")
    log = [
        event("owl", "signed_up", "2026-06-01T14:30:00Z"),
        event("owl", "purchase", "2026-06-01T20:00:00Z"),
    ]
    found, totals = run(tmp_path, [night, QUIET_POLICY], log)
    # Recorded as not sent, with why: a send step reached is sent, capped or not sent.
    assert sends(found["owl"]) == [("2026-06-01T20:00:00Z", "mail", "not_sent")]
    assert found["owl"].sends[0].reason == (
        "held by quiet hours until 2026-06-01T23:00:00Z; the entry ended first (goal)"
    )
    mail = totals.journeys["night"].sends["mail"]
    assert (mail.sent, mail.deferred, mail.capped, mail.not_sent) == (0, 0, 0, 1)
    assert exits(found["owl"], "night") == [("2026-06-01T20:00:00Z", "goal", "hello", True)]


DST = journey(
    "morning",
    name="morning in New York",
    entry="{event: signed_up}",
    re_entry="always",
    steps="""
        wait: {wait_until: "09:00", tz: America/New_York, next: hello}
        hello: {send: banner, next: gap}
        gap: {wait_until: "02:30", tz: America/New_York, next: again}
        again: {send: banner, next: done}
    """,
)


def new_york_sends(tmp_path: Path, morning: str, signed_up: str) -> list[tuple[str, str, str]]:
    """The sends of `ny`, who signs up at `signed_up`, in a log that runs to March 20."""
    log = [
        event("ny", "signed_up", signed_up),
        event("other", "page_view", "2026-03-20T00:00:00Z"),
    ]
    found, _ = run(tmp_path, [morning], log)
    return sends(found["ny"])


def test_wait_until_across_a_dst_change(tmp_path: Path) -> None:
    # New York springs forward on 2026-03-08 at 02:00 EST → 03:00 EDT.
    # March 7, 10:00 EST (15:00Z): the next 09:00 is March 8, now EDT (UTC-4) = 13:00Z
    assert new_york_sends(tmp_path, DST, "2026-03-07T15:00:00Z") == [
        ("2026-03-08T13:00:00Z", "banner", "sent"),
        # 02:30 on March 9 exists (EDT): 06:30Z
        ("2026-03-09T06:30:00Z", "banner", "sent"),
    ]


def test_wait_until_a_time_that_does_not_exist_that_day(tmp_path: Path) -> None:
    # From March 8 00:00 EST (05:00Z), 02:30 that day falls in the gap: it counts with the
    # offset before the change, 07:30Z (03:30 EDT), not a day later.
    midnight = DST.replace('"09:00"', '"00:00"')
    assert new_york_sends(tmp_path, midnight, "2026-03-08T05:00:00Z") == [
        ("2026-03-08T05:00:00Z", "banner", "sent"),
        ("2026-03-08T07:30:00Z", "banner", "sent"),
    ]


def test_re_entry_after_seven_days_counts_from_the_last_entry(tmp_path: Path) -> None:
    weekly = journey(
        "weekly",
        entry="{event: cart_abandoned}",
        re_entry="{after: 7d}",
        steps="hello: {send: banner, next: done}",
    )
    log = [
        event("c", "cart_abandoned", "2026-06-01T00:00:00Z"),
        event("c", "cart_abandoned", "2026-06-04T00:00:00Z"),  # 3 days: ignored
        event("c", "cart_abandoned", "2026-06-07T23:59:59Z"),  # 1 s short of 7 days
        event("c", "cart_abandoned", "2026-06-08T00:00:00Z"),  # exactly 7 days: enters
        event("c", "cart_abandoned", "2026-06-10T00:00:00Z"),  # 2 days after that: ignored
    ]
    found, totals = run(tmp_path, [weekly], log)
    assert [(e.entry, e.ts) for e in found["c"].entries] == [
        (1, 1780272000000000),
        (2, 1780876800000000),
    ]
    assert totals.journeys["weekly"].treated.entered == 1
    assert totals.journeys["weekly"].treated.entries == 2
    assert totals.journeys["weekly"].steps["hello"].total == 2
    assert totals.journeys["weekly"].steps["hello"].unique == 1


CAPS = policy(frequency_caps="[{channel: any, max: 2, per: 1d}]", priority="[second, first]")

FIRST = journey(
    "first",
    entry="{event: signed_up}",
    steps="""
        one: {send: mail, next: later}
        later: {wait: 2h, next: two}
        two: {send: push, next: done}
    """,
)

SECOND = journey("second", entry="{event: browsed}", steps="one: {send: mail, next: done}")

ONE_A_DAY = CAPS.replace("max: 2", "max: 1")


def statuses(replay: CustomerReplay) -> list[tuple[str, str]]:
    return [(s.journey, s.status) for s in replay.sends]


def test_a_cap_blocks_the_third_message_of_the_day_across_two_journeys(tmp_path: Path) -> None:
    log = [
        event("c", "signed_up", "2026-06-01T01:00:00Z"),  # first: mail at 01:00
        event("c", "browsed", "2026-06-01T02:00:00Z"),  # second: mail at 02:00
        # first's push at 03:00 would be the third message within a day: capped
        event("c", "page_view", "2026-06-03T00:00:00Z"),
    ]
    found, totals = run(tmp_path, [CAPS, FIRST, SECOND], log)
    assert sends(found["c"]) == [
        ("2026-06-01T01:00:00Z", "mail", "sent"),
        ("2026-06-01T02:00:00Z", "mail", "sent"),
        ("2026-06-01T03:00:00Z", "push", "capped"),
    ]
    capped = found["c"].sends[-1]
    assert "any" in capped.reason and "2 per 1d" in capped.reason
    # the capped customer still moves on and ends the journey
    assert exits(found["c"], "first") == [("2026-06-01T03:00:00Z", "end", "done", False)]
    assert totals.journeys["first"].sends["push"].capped == 1


def test_priority_decides_who_sends_at_the_same_instant(tmp_path: Path) -> None:
    log = [
        event("c", "signed_up", "2026-06-01T01:00:00Z"),
        event("c", "browsed", "2026-06-01T01:00:00Z"),
    ]
    # Two log events at the same instant are taken in row order (signed_up first), and
    # `first` sends at once on it; `second`'s send on the next row is over the cap. The
    # log ends at 01:00, so `first` is censored in its 2h wait.
    found, _ = run(tmp_path, [ONE_A_DAY, FIRST, SECOND], log)
    assert statuses(found["c"]) == [("first", "sent"), ("second", "capped")]


def test_priority_between_journeys_entered_by_one_event(tmp_path: Path) -> None:
    both = SECOND.replace("browsed", "signed_up")
    log = [event("c", "signed_up", "2026-06-01T01:00:00Z")]
    found, _ = run(tmp_path, [ONE_A_DAY, FIRST, both], log)
    # one event enters both; `second` ranks first in the policy's priority and sends first
    assert statuses(found["c"]) == [("second", "sent"), ("first", "capped")]


def test_priority_between_timers_due_at_the_same_instant(tmp_path: Path) -> None:
    steps = """
        wait: {wait: 1h, next: one}
        one: {send: mail, next: done}
    """
    first, second = (journey(j, steps, entry="{event: signed_up}") for j in ("first", "second"))
    log = [
        event("c", "signed_up", "2026-06-01T01:00:00Z"),
        event("c", "page_view", "2026-06-02T01:00:00Z"),
    ]
    found, _ = run(tmp_path, [ONE_A_DAY, first, second], log)
    # both timers fall due at 02:00; `second` ranks first in the policy's priority
    assert statuses(found["c"]) == [("second", "sent"), ("first", "capped")]


def test_censored_at_the_end_of_the_log(tmp_path: Path) -> None:
    slow = journey(
        "slow",
        entry="{event: signed_up}",
        steps="""
            hello: {send: banner, next: wait}
            wait: {wait: 7d, next: bye}
            bye: {send: banner, next: done}
        """,
    )
    log = [
        event("c", "signed_up", "2026-06-01T00:00:00Z"),
        event("d", "signed_up", "2026-05-20T00:00:00Z"),  # 7 days pass before the end
        event("other", "page_view", "2026-06-03T00:00:00Z"),  # the log ends here
    ]
    found, totals = run(tmp_path, [slow], log)
    assert exits(found["c"], "slow") == [("2026-06-03T00:00:00Z", "censored", "wait", False)]
    assert exits(found["d"], "slow") == [("2026-05-27T00:00:00Z", "end", "done", False)]
    assert totals.journeys["slow"].exits == {"goal": 0, "exit_event": 0, "end": 1, "censored": 1}


def test_exit_on_and_conversion_after_the_journey_ended(tmp_path: Path) -> None:
    short = journey(
        "short",
        entry="{event: signed_up}",
        goal="{event: purchase, within: 3d}",
        exit_on="[{event: unsubscribe}]",
        steps="""
            wait: {wait: 1d, next: hello}
            hello: {send: banner, next: done}
        """,
    )
    log = [
        event("gone", "signed_up", "2026-06-01T00:00:00Z"),
        event("gone", "unsubscribe", "2026-06-01T05:00:00Z"),
        # ended by its exit step after 1 day; buys on day 2: converted (within 3d)
        event("buyer", "signed_up", "2026-06-01T00:00:00Z"),
        event("buyer", "purchase", "2026-06-03T00:00:00Z"),
        # buys after 3 days and 1 second: not a conversion
        event("slow", "signed_up", "2026-06-01T00:00:00Z"),
        event("slow", "purchase", "2026-06-04T00:00:01Z"),
    ]
    found, totals = run(tmp_path, [short], log)
    assert exits(found["gone"], "short") == [("2026-06-01T05:00:00Z", "exit_event", "wait", False)]
    assert exits(found["buyer"], "short") == [("2026-06-02T00:00:00Z", "end", "done", True)]
    assert exits(found["slow"], "short") == [("2026-06-02T00:00:00Z", "end", "done", False)]
    assert totals.journeys["short"].treated.converted == 1
    assert totals.journeys["short"].steps["wait"].drop_off == 1


def test_goal_after_its_window_ends_the_journey_without_converting(tmp_path: Path) -> None:
    long = journey(
        "long",
        entry="{event: signed_up}",
        goal="{event: purchase, within: 1d}",
        steps="wait: {wait: 5d, next: done}",
    )
    log = [
        event("c", "signed_up", "2026-06-01T00:00:00Z"),
        event("c", "purchase", "2026-06-03T00:00:00Z"),
        event("other", "page_view", "2026-06-10T00:00:00Z"),
    ]
    found, _ = run(tmp_path, [long], log)
    assert exits(found["c"], "long") == [("2026-06-03T00:00:00Z", "goal", "wait", False)]


def test_holdout_customers_walk_the_steps_and_get_nothing(tmp_path: Path) -> None:
    held_journey = journey(
        "held",
        entry="{event: signed_up}",
        goal="{event: purchase, within: 1d}",
        holdout="50%",
        steps="hello: {send: mail, next: done}",
    )
    customers = [f"c{n}" for n in range(40)]
    held = [c for c in customers if in_holdout("held", c, 50)]
    assert 5 < len(held) < 35
    log = [event(c, "signed_up", "2026-06-01T12:00:00Z") for c in customers]
    log += [event(c, "purchase", "2026-06-01T13:00:00Z") for c in customers[:10]]
    found, totals = run(tmp_path, [held_journey], log)
    for customer in customers:
        replay = found[customer]
        assert replay.entries[0].holdout == (customer in held)
        if customer in held:
            assert replay.sends == []
        else:
            assert sends(replay) == [("2026-06-01T12:00:00Z", "mail", "sent")]
    group = totals.journeys["held"]
    assert group.holdout.entered == len(held)
    assert group.treated.entered == 40 - len(held)
    assert group.treated.converted + group.holdout.converted == 10
    assert group.steps["hello"].total == 40 - len(held)


def test_split_reads_the_entry_event_and_ab_is_stable(tmp_path: Path) -> None:
    pick = journey(
        "pick",
        entry="{event: cart_abandoned}",
        steps="""
            value:
              split:
                - {if: {property: cart_value, op: gte, value: 10000}, next: test}
                - {else: done}
            test:
              ab:
                seed: s1
                variants:
                  a: {weight: 50, next: send_a}
                  b: {weight: 50, next: done}
            send_a: {send: ad, next: done}
        """,
    )
    log = [
        event(f"c{n}", "cart_abandoned", "2026-06-01T00:00:00Z", cart_value=n * 1000)
        for n in range(30)
    ]
    found, totals = run(tmp_path, [pick], log)
    big = [f"c{n}" for n in range(10, 30)]
    for n in range(30):
        record = found[f"c{n}"].entries[0]
        assert (record.variant is not None) == (f"c{n}" in big)
    first = {c: found[c].entries[0].variant for c in big}
    (tmp_path / "again").mkdir()
    again, _ = run(tmp_path / "again", [pick], log)
    assert {c: again[c].entries[0].variant for c in big} == first
    variants = totals.journeys["pick"].variants
    assert variants["a"].entries + variants["b"].entries == 20
