"""`cjo test`'s runner: each expectation kind passing and failing, at the line it is
written; the group and variant pinned; caps and priorities with `journeys: all`."""

from __future__ import annotations

from pathlib import Path

import pytest

from cjo_cli.engine.journey_test_run import run_test
from cjo_cli.model import Workspace
from cjo_cli.spec.workspace import validate_files

WORKSPACE = """\
kind: touchpoint
id: push
name: push
channel: web_push
---
kind: touchpoint
id: mail
name: mail
channel: email
---
kind: touchpoint
id: banner
name: banner
channel: web
---
kind: policy
id: default
frequency_caps: [{channel: any, max: 1, per: 1d}]
priority: [first, cart]
---
kind: journey
id: cart
entry: {event: cart}
goal: {event: buy, within: 1d}
exit_on: [{event: unsubscribe}]
limits:
  quiet_hours: {from: "22:00", to: "08:00", tz: UTC}
steps:
  wait_1h: {wait: 1h, next: push}
  push: {send: push, next: wait_click}
  wait_click:
    wait_for: {event: push_click}
    timeout: 1d
    next: done
    on_timeout: pick
  pick:
    ab:
      variants:
        a: {weight: 50, next: mail}
        b: {weight: 50, next: done}
  mail: {send: mail, next: done}
  done: {exit: true}
---
kind: journey
id: first
entry: {event: cart}
steps:
  hello: {send: banner, next: later}
  later: {wait: 1h, next: ping}
  ping: {send: push, next: done}
  done: {exit: true}
"""


def story(expect: str, events: str, extra: str = "") -> str:
    """A test of journey `cart`: its expectations start after the events, at line 10
    with three events."""
    return (
        "kind: test\nid: story\nname: a story\njourney: cart\n"
        + extra
        + f"events:\n{events}"
        + f"expect:\n{expect}"
    )


CLICK = """\
  - {at: "2026-06-01T10:00:00Z", event: cart}
  - {at: "+1h30m", event: push_click}
  - {at: "+10m", event: buy}
"""


def run(tmp_path: Path, text: str) -> tuple[list[tuple[str, int, str, str]], Workspace]:
    (tmp_path / "ws.yaml").write_text(WORKSPACE, encoding="utf-8")
    (tmp_path / "test.yaml").write_text(text, encoding="utf-8")
    result = validate_files([tmp_path / "ws.yaml", tmp_path / "test.yaml"])
    assert not [f for f in result.findings if f.level.value == "error"], result.findings
    (test,) = result.workspace.tests.values()
    found = run_test(result.workspace, test)
    return [(f.what, f.loc.line, f.expected, f.got) for f in found.failures], result.workspace


def test_every_expectation_holds(tmp_path: Path) -> None:
    expect = """\
  entered: true
  path: [wait_1h, push, wait_click, done]
  sends: [push]
  capped: []
  deferred: []
  not_sent: []
  converted: true
  exit: exit_step
"""
    failures, _ = run(tmp_path, story(expect, CLICK))
    assert failures == []


@pytest.mark.parametrize(
    ("expect", "failure"),
    [
        ("  entered: false\n", ("entered", 10, "false", "true")),
        (
            "  path: [wait_1h, push, done]\n",
            ("path", 10, "[wait_1h, push, done]", "[wait_1h, push, wait_click, done]"),
        ),
        ("  sends: [mail]\n", ("sends", 10, "mail", "push")),
        (
            '  sends: [{touchpoint: push, at: "2026-06-01T10:00:00Z"}]\n',
            ("sends", 10, "push at 2026-06-01T10:00:00Z", "push at 2026-06-01T11:00:00+00:00"),
        ),
        ("  converted: false\n", ("converted", 10, "false", "true")),
        ("  exit: goal\n", ("exit", 10, "goal", "end")),
    ],
)
def test_a_failing_expectation_says_where_what_and_what_happened(
    tmp_path: Path, expect: str, failure: tuple[str, int, str, str]
) -> None:
    failures, _ = run(tmp_path, story(expect, CLICK))
    assert failures == [failure]


def test_failures_come_in_the_order_written(tmp_path: Path) -> None:
    expect = "  converted: false\n  entered: false\n"
    failures, _ = run(tmp_path, story(expect, CLICK))
    assert [(what, line) for what, line, _, _ in failures] == [("entered", 11), ("converted", 10)]


def test_a_send_at_its_time_passes(tmp_path: Path) -> None:
    expect = '  sends: [{touchpoint: push, at: "2026-06-01T11:00:00Z"}]\n'
    assert run(tmp_path, story(expect, CLICK))[0] == []
    after_entry = "  sends: [{touchpoint: push, at: +1h}]\n"
    assert run(tmp_path, story(after_entry, CLICK))[0] == []
    late = "  sends: [{touchpoint: push, at: +2h}]\n"
    assert run(tmp_path, story(late, CLICK))[0] == [
        ("sends", 10, "push at +2h", "push at 2026-06-01T11:00:00+00:00")
    ]


def test_holdout_walks_the_steps_and_gets_nothing(tmp_path: Path) -> None:
    expect = "  path: [wait_1h, push, wait_click, done]\n  sends: []\n  converted: true\n"
    failures, _ = run(tmp_path, story(expect, CLICK, "group: holdout\n"))
    assert failures == []


@pytest.mark.parametrize(("variant", "sends"), [("a", "[push, mail]"), ("b", "[push]")])
def test_the_variant_is_pinned(tmp_path: Path, variant: str, sends: str) -> None:
    events = '  - {at: "2026-06-01T10:00:00Z", event: cart}\n'
    extra = f"variant: {variant}\nuntil: +3d\n"
    failures, _ = run(tmp_path, story(f"  sends: {sends}\n  exit: end\n", events, extra))
    assert failures == []


def test_without_until_the_story_ends_at_its_last_event(tmp_path: Path) -> None:
    events = '  - {at: "2026-06-01T10:00:00Z", event: cart}\n'
    failures, _ = run(tmp_path, story("  sends: []\n  exit: censored\n", events))
    assert failures == []


def test_quiet_hours_defer_and_not_sent(tmp_path: Path) -> None:
    late = '  - {at: "2026-06-01T21:30:00Z", event: cart}\n'
    expect = "  deferred: [push]\n  sends: [push]\n"
    assert run(tmp_path, story(expect, late, "until: +1d\n"))[0] == []
    bought = late + '  - {at: "2026-06-01T23:00:00Z", event: buy}\n'
    expect = "  not_sent: [push]\n  sends: []\n  exit: goal\n"
    assert run(tmp_path, story(expect, bought))[0] == []


def test_caps_and_priorities_with_every_journey(tmp_path: Path) -> None:
    """`first` has priority and takes the day's one send; cart's push is capped."""
    expect = "  capped: [push]\n  sends: []\n"
    assert run(tmp_path, story(expect, CLICK, "journeys: all\n"))[0] == []
    alone = "  capped: []\n  sends: [push]\n"
    assert run(tmp_path, story(alone, CLICK))[0] == []


def test_a_customer_who_never_enters(tmp_path: Path) -> None:
    events = '  - {at: "2026-06-01T10:00:00Z", event: buy}\n'
    failures, _ = run(tmp_path, story("  entered: true\n  exit: goal\n", events))
    assert failures == [
        ("entered", 8, "true", "false"),
        ("exit", 9, "goal", "not entered"),
    ]
