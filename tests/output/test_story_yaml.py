"""A test written from a replay reads back as the same story and expectations."""

from __future__ import annotations

from pathlib import Path

from cjo_cli.engine.replay_records import CustomerReplay, EntryRecord, SendRecord, VisitRecord
from cjo_cli.model.clock import SECOND, parse_instant
from cjo_cli.output.story_yaml import story_yaml
from cjo_cli.spec.workspace import validate_files

T0 = parse_instant("2026-06-01T10:00:00Z")
JOURNEY = (
    "kind: journey\nid: cart\nentry: {event: cart}\nsteps:\n"
    "  push: {send: push, next: pick}\n"
    "  pick: {ab: {variants: {a: {weight: 50, next: done}, b: {weight: 50, next: done}}}}\n"
    "  done: {exit: true}\n---\n"
    "kind: touchpoint\nid: push\nchannel: web_push\n"
)


def test_round_trip(tmp_path: Path) -> None:
    entry = EntryRecord("cart", 1, T0, True, "b", exit_ts=T0, exit_reason="end")
    replay = CustomerReplay(
        "cust 1",
        entries=[entry],
        visits=[VisitRecord("cart", 1, s, T0, True, "b") for s in ("push", "done")],
        sends=[SendRecord("cart", 1, "push", "push", "web_push", T0, "sent")],
    )
    events = [(T0, "cart", '{"note": "a \\"quoted\\" — 値"}'), (T0 + 1500, "buy", "{}")]
    text = story_yaml("cart_cust_1", "cart", "cust 1", events, {"vip": True}, replay, T0 + SECOND)
    (tmp_path / "ws.yaml").write_text(JOURNEY, encoding="utf-8")
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    result = validate_files([tmp_path / "ws.yaml", tmp_path / "t.yaml"])
    assert result.findings == ()
    test = result.workspace.tests["cart_cust_1"]
    assert (test.group, test.variant, dict(test.customer)) == ("holdout", "b", {"vip": True})
    assert test.events[0].properties == {"note": 'a "quoted" — 値'}
    assert test.events[1].at == "2026-06-01T10:00:00.001500Z"
    assert test.until == "2026-06-01T10:00:01Z"
    assert test.expect.path == ("push", "done")
    assert [s.touchpoint for s in test.expect.sends or ()] == ["push"]
    assert (test.expect.converted, test.expect.exit) == (False, "end")
