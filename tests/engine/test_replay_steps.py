"""`CustomerState`: the moves of an open entry that take no input. An entry is opened by
hand here and moved through its steps; the event and timer driving is `test_replay.py`'s."""

from __future__ import annotations

from pathlib import Path

from cjo_cli.engine.replay_plan import build_plan
from cjo_cli.engine.replay_records import NEVER, EntryRecord, OpenEntry
from cjo_cli.engine.replay_steps import CustomerState, iso_text
from cjo_cli.model.clock import HOUR, parse_instant
from tests.engine.replay_helpers import journey, load_workspace

T0 = parse_instant("2026-06-01T10:00:00Z")
STEPS = """
    first: {send: mail, next: pause}
    pause: {wait: 2h, next: second}
    second: {send: push, next: done}
"""


def opened(tmp_path: Path, holdout: bool = False) -> tuple[CustomerState, OpenEntry]:
    ws = load_workspace(tmp_path, journey("j", STEPS))
    plan = build_plan(ws, list(ws.journeys.values()))
    state = CustomerState(plan, "c", {}, T0 + 10 * HOUR, True, T0)
    record = EntryRecord("j", 1, T0, holdout)
    entry = OpenEntry(plan.journeys[0], record, None)
    state.open["j"] = entry
    state.out.entries.append(record)
    return state, entry


def test_steps_without_time_run_through_to_the_wait(tmp_path: Path) -> None:
    state, entry = opened(tmp_path)
    state.advance(entry, 0, T0)
    assert [v.step for v in state.out.visits] == ["first", "pause"]
    assert [(s.touchpoint, s.status) for s in state.out.sends] == [("mail", "sent")]
    assert entry.due == T0 + 2 * HOUR
    assert state.dirty
    # The timer's end moves on to the second send and the exit, which ends the entry.
    state.advance(entry, entry.journey.steps[1].next, entry.due)
    assert [v.step for v in state.out.visits][-2:] == ["second", "done"]
    assert "j" not in state.open
    assert (entry.record.exit_reason, entry.record.exit_step) == ("end", "done")


def test_a_holdout_entry_sends_nothing(tmp_path: Path) -> None:
    state, entry = opened(tmp_path, holdout=True)
    state.advance(entry, 0, T0)
    assert state.out.sends == []
    assert any("not sent (holdout)" in line.text for line in state.out.trace)


def test_finish_at_the_logs_end_is_censored(tmp_path: Path) -> None:
    state, entry = opened(tmp_path)
    state.advance(entry, 0, T0)
    state.finish(entry, state.log_end, "censored")
    assert (entry.record.exit_reason, entry.record.exit_step) == ("censored", "pause")
    assert state.watching == []  # a censored entry is not watched for a late goal
    state.refresh_due()
    assert state.next_due == NEVER


def test_iso_text() -> None:
    assert iso_text(T0) == "2026-06-01T10:00:00Z"
