"""`bad-test-time`: a test's times resolve, in order, with `until` after the last."""

from __future__ import annotations

from pathlib import Path

from cjo_cli.spec.workspace import validate_files

JOURNEY = "kind: journey\nid: j\nentry: {event: e}\nsteps: {done: {exit: true}}\n---\n"


def findings(tmp_path: Path, events: str, until: str = "") -> list[tuple[str, int, int]]:
    path = tmp_path / "t.yaml"
    text = f"kind: test\nid: t\njourney: j\n{until}events:\n{events}expect: {{entered: true}}\n"
    path.write_text(JOURNEY + text, encoding="utf-8")
    return [(f.rule, f.line, f.col) for f in validate_files([path]).findings]


def test_good_times_pass(tmp_path: Path) -> None:
    events = '  - {at: "2026-06-01T10:00:00Z", event: e}\n  - {at: +1h, event: e}\n'
    assert findings(tmp_path, events, "until: +1d\n") == []


def test_each_bad_time_is_one_finding_at_its_place(tmp_path: Path) -> None:
    events = '  - {at: "2026-06-01T10:00:00Z", event: e}\n  - {at: yesterday, event: e}\n'
    assert findings(tmp_path, events) == [("bad-test-time", 11, 10)]
    events = '  - {at: "2026-06-01T10:00:00Z", event: e}\n'
    assert findings(tmp_path, events, 'until: "2020-01-01T00:00:00Z"\n') == [
        ("bad-test-time", 9, 8)
    ]
