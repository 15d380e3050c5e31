"""A `kind: test` document as the model holds it: events with their places, the
expectations with theirs, sends with or without times."""

from __future__ import annotations

from pathlib import Path

from cjo_cli.model.journey_tests import ExpectedSend
from cjo_cli.spec.build_tests import plain
from cjo_cli.spec.workspace import validate_files

TEXT = """\
kind: journey
id: j
entry: {event: e}
steps: {done: {exit: true}}
---
kind: touchpoint
id: mail
channel: email
---
kind: test
id: t
name: テスト
journey: j
journeys: all
customer: {tier: gold, vip: true}
group: holdout
until: +1d
events:
  - {at: "2026-06-01T10:00:00Z", event: e, properties: {n: 1, tags: [a, b]}}
  - {at: +1h, event: e}
expect:
  entered: true
  path: [done]
  sends: [mail, {touchpoint: mail, at: "2026-06-01T11:00:00Z"}]
  exit: exit_step
"""


def test_the_model_of_a_test(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(TEXT, encoding="utf-8")
    result = validate_files([path])
    assert result.findings == ()
    test = result.workspace.tests["t"]
    assert (test.name, test.journey, test.all_journeys, test.group) == (
        "テスト",
        "j",
        True,
        "holdout",
    )
    assert test.customer == {"tier": "gold", "vip": True}
    assert test.until == "+1d"
    assert [(e.at, e.event, dict(e.properties)) for e in test.events] == [
        ("2026-06-01T10:00:00Z", "e", {"n": 1, "tags": ["a", "b"]}),
        ("+1h", "e", {}),
    ]
    assert (test.events[1].at_loc.line, test.events[1].at_loc.col) == (20, 10)
    expect = test.expect
    assert (expect.entered, expect.path, expect.exit, expect.converted) == (
        True,
        ("done",),
        "exit_step",
        None,
    )
    assert expect.sends == (
        ExpectedSend("mail"),
        ExpectedSend("mail", "2026-06-01T11:00:00Z"),
    )
    assert expect.capped is None  # not set: not checked
    assert expect.locs["path"].line == 23 and expect.path_locs[0].col == 10


def test_plain_values() -> None:
    assert plain({"a": [1, {"b": None}]}) == {"a": [1, {"b": None}]}
