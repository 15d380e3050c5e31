"""The step graph rules: unreachable steps, steps that can never exit, and cycles in
which no time passes. The cases in tests/cases/invalid cover one finding of each; these
cover how the rules combine and what they leave to others."""

from __future__ import annotations

from pathlib import Path

import pytest

from cjo_cli.model import Journey
from cjo_cli.spec.rules.graph import can_exit, reachable
from cjo_cli.spec.workspace import ValidationResult, validate_files

TOUCHPOINT = "kind: touchpoint\nid: t\nchannel: email\n"
HEAD = "kind: journey\nid: j\nentry: {event: e}\n"  # steps: on line 4, steps from line 5


def validate(tmp_path: Path, steps: str, head: str = HEAD) -> ValidationResult:
    (tmp_path / "touchpoint.yaml").write_text(TOUCHPOINT, encoding="utf-8")
    (tmp_path / "journey.yaml").write_text(head + "steps:\n" + steps, encoding="utf-8")
    return validate_files([tmp_path / "touchpoint.yaml", tmp_path / "journey.yaml"])


def findings(tmp_path: Path, steps: str, head: str = HEAD) -> list[tuple[str, str]]:
    result = validate(tmp_path, steps, head)
    return [(f.rule, f"{f.line}:{f.col}") for f in result.findings]


def journey(tmp_path: Path, steps: str, head: str = HEAD) -> Journey:
    return validate(tmp_path, steps, head).workspace.journeys["j"]


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        pytest.param(
            "  s: {send: t, next: s}\n  done: {exit: true}\n",
            [("no-exit", "5:3"), ("wait-free-cycle", "5:3"), ("unreachable-step", "6:3")],
            id="send-to-itself",
        ),
        pytest.param(
            # A wait of 0s lets no time pass: the cycle is busy (and the 0s an error of its own).
            "  w: {wait: 0s, next: s}\n  s: {send: t, next: w}\n  done: {exit: true}\n",
            [
                ("no-exit", "5:3"),
                ("wait-free-cycle", "5:3"),
                ("zero-duration", "5:13"),
                ("no-exit", "6:3"),
                ("unreachable-step", "7:3"),
            ],
            id="zero-wait",
        ),
        pytest.param(
            "  u: {wait_until: '09:00', tz: UTC, next: s}\n"
            "  s: {send: t, next: f}\n"
            "  f: {wait_for: {event: c}, timeout: 1d, next: u, on_timeout: done}\n"
            "  done: {exit: true}\n",
            [],
            id="wait_until-and-wait_for-wait",
        ),
        pytest.param(
            "  r:\n"
            "    split:\n"
            "      - {if: {property: x, op: exists, value: true}, next: a}\n"
            "      - {else: b}\n"
            "  a: {send: t, next: r}\n"
            "  b:\n"
            "    ab:\n"
            "      variants:\n"
            "        x: {weight: 50, next: b}\n"
            "        y: {weight: 50, next: done}\n"
            "  done: {exit: true}\n",
            [("wait-free-cycle", "5:3"), ("wait-free-cycle", "10:3")],
            id="two-busy-cycles-each-once",
        ),
        pytest.param(
            "  a: {send: t, next: b}\n"
            "  b: {send: t, next: a}\n"
            "  w: {wait: 1h, next: a}\n"
            "  done: {exit: true}\n",
            [
                ("no-exit", "5:3"),
                ("wait-free-cycle", "5:3"),
                ("no-exit", "6:3"),
                ("unreachable-step", "7:3"),
                ("unreachable-step", "8:3"),
            ],
            id="cycle-found-once-from-any-entry",
        ),
        pytest.param(
            # Only reachable steps are held to reaching an exit.
            "  a: {wait: 1h, next: done}\n  b: {wait: 1h, next: b}\n  done: {exit: true}\n",
            [("unreachable-step", "6:3")],
            id="unreachable-loop-is-only-unreachable",
        ),
        pytest.param(
            # One way out is enough.
            "  f: {wait_for: {event: c}, timeout: 1d, next: f, on_timeout: done}\n"
            "  done: {exit: true}\n",
            [],
            id="one-branch-exits",
        ),
        pytest.param(
            "  a: {wait: 1h, next: nowhere}\n  done: {exit: true}\n",
            [("no-exit", "5:3"), ("unknown-reference", "5:23"), ("unreachable-step", "6:3")],
            id="unknown-target-leads-nowhere",
        ),
        pytest.param(
            "  done: {exit: true}\n",
            [],
            id="only-an-exit",
        ),
    ],
)
def test_graph_findings(tmp_path: Path, steps: str, expected: list[tuple[str, str]]) -> None:
    assert findings(tmp_path, steps) == expected


def test_an_explicit_start_leaves_earlier_steps_unreachable(tmp_path: Path) -> None:
    steps = "  a: {wait: 1h, next: b}\n  b: {wait: 1h, next: done}\n  done: {exit: true}\n"
    head = HEAD + "start: b\n"
    assert findings(tmp_path, steps, head) == [("unreachable-step", "6:3")]
    assert reachable(journey(tmp_path, steps, head)) == {"b", "done"}


def test_an_unknown_start_is_only_an_unknown_reference(tmp_path: Path) -> None:
    steps = "  a: {send: t, next: a}\n  done: {exit: true}\n"
    head = HEAD + "start: missing\n"
    # Nothing is reachable from an unknown start: no unreachable or no-exit findings, but
    # the busy cycle is still one.
    assert findings(tmp_path, steps, head) == [
        ("unknown-reference", "4:8"),
        ("wait-free-cycle", "6:3"),
    ]
    assert reachable(journey(tmp_path, steps, head)) == set()


def test_messages(tmp_path: Path) -> None:
    steps = (
        "  a: {send: t, next: b}\n"
        "  b: {send: t, next: a}\n"
        "  orphan: {wait: 1h, next: done}\n"
        "  done: {exit: true}\n"
    )
    messages = {(f.rule, f.message) for f in validate(tmp_path, steps).findings}
    assert messages == {
        ("no-exit", "step 'a' of journey 'j' can never reach an exit step"),
        ("no-exit", "step 'b' of journey 'j' can never reach an exit step"),
        (
            "wait-free-cycle",
            "journey 'j' loops without waiting: a → b → a; "
            "put a wait, wait_until or wait_for in the cycle",
        ),
        ("unreachable-step", "step 'orphan' of journey 'j' is unreachable from 'a'"),
        ("unreachable-step", "step 'done' of journey 'j' is unreachable from 'a'"),
    }


def test_levels(tmp_path: Path) -> None:
    steps = "  a: {send: t, next: a}\n  done: {exit: true}\n"
    levels = {f.rule: f.level.value for f in validate(tmp_path, steps).findings}
    assert levels == {"no-exit": "error", "wait-free-cycle": "error", "unreachable-step": "warning"}


def test_reachable_and_can_exit(tmp_path: Path) -> None:
    steps = (
        "  a: {wait: 1h, next: split}\n"
        "  split:\n"
        "    split:\n"
        "      - {if: {property: x, op: exists, value: true}, next: loop}\n"
        "      - {else: done}\n"
        "  loop: {wait: 1h, next: loop}\n"
        "  island: {wait: 1h, next: done}\n"
        "  stuck: {wait: 1h, next: nowhere}\n"
        "  done: {exit: true}\n"
    )
    model = journey(tmp_path, steps)
    assert reachable(model) == {"a", "split", "loop", "done"}
    assert can_exit(model) == {"a", "split", "island", "done"}


def test_journeys_are_checked_each_on_its_own(tmp_path: Path) -> None:
    other = "---\n" + HEAD.replace("id: j", "id: k") + "steps:\n  x: {send: t, next: x}\n"
    steps = "  done: {exit: true}\n" + other
    assert findings(tmp_path, steps) == [("no-exit", "11:3"), ("wait-free-cycle", "11:3")]
