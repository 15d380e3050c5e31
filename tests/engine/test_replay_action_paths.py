"""Worked scenarios of `wait_any` (action paths): the first of several events moves the
customer on by its own path; `else` when the window ends first. Times are written out."""

from __future__ import annotations

from pathlib import Path

from tests.engine.replay_helpers import event, journey, run, sends, visits

PATHS = journey(
    "paths",
    entry="{event: asked}",
    re_entry="always",
    steps="""
        hello: {send: mail, next: listen}
        listen:
          wait_any:
            within: 1h
            paths:
              - {event: clicked, next: thanks}
              - {event: bought, where: {channel: app}, next: done}
              - {event: bought, next: upsell}
            else: remind
        thanks: {send: banner, next: done}
        upsell: {send: ad, next: done}
        remind: {send: push, next: done}
    """,
)


def test_the_first_event_takes_its_path(tmp_path: Path) -> None:
    log = [
        event("clicker", "asked", "2026-06-01T00:00:00Z"),
        event("clicker", "clicked", "2026-06-01T00:10:00Z"),  # first: its path
        event("clicker", "bought", "2026-06-01T00:20:00Z"),  # already moved on
        event("buyer", "asked", "2026-06-01T00:00:00Z"),
        event("buyer", "bought", "2026-06-01T00:30:00Z", channel="web"),  # third path
        event("app", "asked", "2026-06-01T00:00:00Z"),
        event("app", "bought", "2026-06-01T00:30:00Z", channel="app"),  # second path wins
    ]
    found, totals = run(tmp_path, [PATHS], log)
    assert visits(found["clicker"], "paths") == [
        ("2026-06-01T00:00:00Z", "hello"),
        ("2026-06-01T00:00:00Z", "listen"),
        ("2026-06-01T00:10:00Z", "thanks"),
        ("2026-06-01T00:10:00Z", "done"),
    ]
    assert sends(found["clicker"])[-1] == ("2026-06-01T00:10:00Z", "banner", "sent")
    assert sends(found["buyer"])[-1] == ("2026-06-01T00:30:00Z", "ad", "sent")
    assert [step for _, step in visits(found["app"], "paths")] == ["hello", "listen", "done"]
    steps = totals.journeys["paths"].steps
    assert (steps["thanks"].unique, steps["upsell"].unique, steps["remind"].unique) == (1, 1, 0)


def test_else_when_the_window_ends_first_even_at_the_same_second(tmp_path: Path) -> None:
    log = [
        # the window ends at 01:00:00; an event at that very second comes after the
        # timer (timers due at or before an event fire first): else
        event("exact", "asked", "2026-06-01T00:00:00Z"),
        event("exact", "clicked", "2026-06-01T01:00:00Z"),
        event("early", "asked", "2026-06-01T00:00:00Z"),
        event("early", "clicked", "2026-06-01T00:59:59Z"),
        event("silent", "asked", "2026-06-01T00:00:00Z"),
        event("silent", "other", "2026-06-01T05:00:00Z"),
    ]
    found, _ = run(tmp_path, [PATHS], log)
    assert sends(found["exact"])[-1] == ("2026-06-01T01:00:00Z", "push", "sent")
    assert sends(found["early"])[-1] == ("2026-06-01T00:59:59Z", "banner", "sent")
    assert sends(found["silent"])[-1] == ("2026-06-01T01:00:00Z", "push", "sent")


def test_an_answered_path_does_not_move_the_customer_again(tmp_path: Path) -> None:
    log = [
        event("twice", "asked", "2026-06-01T00:00:00Z"),
        event("twice", "clicked", "2026-06-01T00:10:00Z"),
        event("twice", "clicked", "2026-06-01T00:11:00Z"),
    ]
    found, _ = run(tmp_path, [PATHS], log)
    assert [tp for _, tp, _ in sends(found["twice"])] == ["mail", "banner"]
