"""A journey test written from a real customer's replay (`cjo simulate --explain
CUSTOMER --save-test FILE`): the events the journey reads and the path taken, so a
surprise found in a replay becomes a regression test.

Values are written as JSON, which YAML reads as flow scalars and mappings: exact
for any id, name or property, whatever characters it holds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from cjo_cli.engine.replay_records import CustomerReplay
from cjo_cli.model.clock import utc_text


def _q(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _at(us: int) -> str:
    text = utc_text(us, "%Y-%m-%dT%H:%M:%S")
    micros = us % 1_000_000
    return f"{text}.{micros:06d}Z" if micros else f"{text}Z"


def story_yaml(
    test_id: str,
    journey: str,
    customer: str,
    events: Sequence[tuple[int, str, str]],
    traits: Mapping[str, Any] | None,
    replay: CustomerReplay,
    log_end: int,
) -> str:
    """The test document: this customer's events, and what the replay did with them."""
    entries = [e for e in replay.entries if e.journey == journey]
    sends = [s for s in replay.sends if s.journey == journey]
    lines = [
        "# Written by `cjo simulate --explain --save-test` from a replay of a real log:",
        f"# customer {customer}. Edit the expectations to what should happen.",
        "kind: test",
        f"id: {test_id}",
        f"name: {_q(f'{customer} through {journey}')}",
        f"journey: {journey}",
    ]
    if entries and entries[0].holdout:
        lines.append("group: holdout")
    if entries and entries[0].variant is not None:
        lines.append(f"variant: {entries[0].variant}")
    if traits:
        lines.append(f"customer: {_q(dict(traits))}")
    lines.append(f"until: {_q(_at(log_end))}")
    lines.append("events:")
    for ts, event, properties in events:
        props = json.loads(properties)
        extra = f", properties: {_q(props)}" if isinstance(props, dict) and props else ""
        lines.append(f"  - {{at: {_q(_at(ts))}, event: {_q(event)}{extra}}}")
    lines.append("expect:")
    lines.append(f"  entered: {'true' if entries else 'false'}")
    if entries:
        path = [v.step for v in replay.visits if v.journey == journey]
        lines.append(f"  path: [{', '.join(path)}]")
        for key, status in (("sends", "sent"), ("capped", "capped"), ("not_sent", "not_sent")):
            found = [s.touchpoint for s in sends if s.status == status]
            if found or key == "sends":
                lines.append(f"  {key}: [{', '.join(found)}]")
        converted = any(e.converted_ts is not None for e in entries)
        lines.append(f"  converted: {'true' if converted else 'false'}")
        lines.append(f"  exit: {entries[-1].exit_reason}")
    return "\n".join(lines) + "\n"
