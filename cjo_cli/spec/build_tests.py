"""The model of a `kind: test` document (see `model.journey_tests`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cjo_cli.model import journey_tests as t
from cjo_cli.spec.located import LMap, LSeq

if TYPE_CHECKING:  # the builder calls this module
    from cjo_cli.spec.build import Builder

SEND_LISTS = ("sends", "capped", "deferred", "not_sent")


def plain(value: Any) -> Any:
    """A YAML value as plain JSON-like Python (the properties of a story's event)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _sends(builder: Builder, seq: LSeq) -> tuple[t.ExpectedSend, ...]:
    found = []
    for item, loc in zip(seq, builder.item_locs(seq), strict=True):
        if isinstance(item, dict):
            at = item.get("at")
            found.append(t.ExpectedSend(item["touchpoint"], None if at is None else str(at), loc))
        else:
            found.append(t.ExpectedSend(str(item), None, loc))
    return tuple(found)


def build_test(builder: Builder, node: LMap) -> t.JourneyTest:
    expect_node: LMap = node["expect"]
    lists = {key: _sends(builder, expect_node[key]) for key in SEND_LISTS if key in expect_node}
    path = expect_node.get("path")
    expect = t.Expect(
        entered=expect_node.get("entered"),
        path=None if path is None else tuple(str(step) for step in path),
        converted=expect_node.get("converted"),
        exit=expect_node.get("exit"),
        loc=builder.loc(expect_node),
        locs=builder.locs(expect_node),
        path_locs=builder.item_locs(path),
        **lists,
    )
    events = tuple(
        t.StoryEvent(
            str(item["at"]),
            item["event"],
            plain(item.get("properties") or {}),
            builder.loc(item),
            builder.val_loc(item, "at"),
        )
        for item in node["events"]
    )
    until = node.get("until")
    return t.JourneyTest(
        journey=node["journey"],
        events=events,
        expect=expect,
        all_journeys=node.get("journeys") == "all",
        customer=plain(node.get("customer") or {}),
        group=node.get("group", "treated"),
        variant=node.get("variant"),
        until=None if until is None else str(until),
        **builder.header(node),
    )
