"""`property-without-event`: an audience journey (entry on a schedule) reads no event, so
its `property` conditions (audience, persona segment, splits) are flagged; the same
conditions in an event-triggered journey are not."""

from __future__ import annotations

from pathlib import Path

from cjo_cli.spec.workspace import validate_files

PERSONA = """kind: persona
id: app_users
name: App users
segment: {property: platform, op: eq, value: app}
---
"""


def findings(tmp_path: Path, entry: str) -> list[tuple[str, int, int]]:
    path = tmp_path / "j.yaml"
    path.write_text(
        PERSONA + f"kind: journey\nid: j\npersona: app_users\nentry: {entry}\n"
        "steps: {done: {exit: true}}\n",
        encoding="utf-8",
    )
    return [(f.rule, f.line, f.col) for f in validate_files([path]).findings]


def test_a_segment_reading_a_property_is_flagged_on_a_schedule(tmp_path: Path) -> None:
    audience = "{audience: {attribute: vip, op: eq, value: true}, every: 1d}"
    assert findings(tmp_path, audience) == [("property-without-event", 8, 10)]


def test_the_same_journey_on_an_event_is_fine(tmp_path: Path) -> None:
    assert findings(tmp_path, "{event: app_open}") == []
