"""`cjo validate --log`: funnel steps, journey entries and goals whose event never occurs
in the log, reported where they are written, for the files being reported on."""

from __future__ import annotations

from pathlib import Path

import pytest

from cjo_cli.findings import Finding, Level
from cjo_cli.model import Workspace
from cjo_cli.spec.rules import INPUT_RULES
from cjo_cli.spec.rules.log_events import RULE, events_missing_from_log
from cjo_cli.spec.workspace import validate_files

FUNNEL = """\
kind: funnel
id: buying
steps:
  - {event: product_view}
  - {event: add_to_cart, where: {price: {gt: 0}}}
  - {event: purchase}
"""
JOURNEY = """\
kind: journey
id: cart
entry: {event: cart_abandoned}
goal: {event: purchase, within: 7d}
exit_on: [{event: unsubscribe}]
steps:
  w: {wait_for: {event: email_open}, timeout: 1d, next: done, on_timeout: done}
  done: {exit: true}
"""
NO_GOAL = "kind: journey\nid: plain\nentry: {event: signup}\nsteps:\n  done: {exit: true}\n"


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Workspace, str, str]:
    funnel, journey = tmp_path / "funnel.yaml", tmp_path / "journey.yaml"
    funnel.write_text(FUNNEL, encoding="utf-8")
    journey.write_text(JOURNEY + "---\n" + NO_GOAL, encoding="utf-8")
    result = validate_files([funnel, journey])
    assert result.findings == ()
    return result.workspace, str(funnel), str(journey)


def listed(findings: list[Finding]) -> list[tuple[str, int, int, str]]:
    return [(Path(f.path).name, f.line, f.col, f.message) for f in findings]


def test_every_watched_event_missing(workspace: tuple[Workspace, str, str]) -> None:
    ws, funnel, journey = workspace
    got = events_missing_from_log(ws, set(), {funnel, journey})
    assert [(Path(f.path).name, f"{f.line}:{f.col}") for f in got] == [
        ("funnel.yaml", "4:5"),
        ("funnel.yaml", "5:5"),
        ("funnel.yaml", "6:5"),
        ("journey.yaml", "3:8"),
        ("journey.yaml", "4:7"),
        ("journey.yaml", "12:8"),
    ]
    assert [f.message.removesuffix(" never occurs in the log") for f in got] == [
        "funnel 'buying' step 1: event 'product_view'",
        "funnel 'buying' step 2: event 'add_to_cart'",
        "funnel 'buying' step 3: event 'purchase'",
        "journey 'cart' entry: event 'cart_abandoned'",
        "journey 'cart' goal: event 'purchase'",
        "journey 'plain' entry: event 'signup'",
    ]
    assert all(f.message.endswith(" never occurs in the log") for f in got)
    assert {(f.rule, f.level) for f in got} == {("event-not-in-log", Level.WARNING)}
    assert RULE == "event-not-in-log" and INPUT_RULES[RULE][0] is Level.WARNING


def test_events_in_the_log_are_fine_and_others_get_a_hint(
    workspace: tuple[Workspace, str, str],
) -> None:
    ws, funnel, journey = workspace
    seen = {"product_view", "add_to_kart", "purchase", "cart_abandoned", "signup"}
    assert listed(events_missing_from_log(ws, seen, {funnel, journey})) == [
        (
            "funnel.yaml",
            5,
            5,
            "funnel 'buying' step 2: event 'add_to_cart' never occurs in the log; "
            "did you mean 'add_to_kart'?",
        ),
    ]


def test_only_entry_goal_and_funnel_steps_are_watched(
    workspace: tuple[Workspace, str, str],
) -> None:
    # exit_on and wait_for events may well be rare: they are not held against the log.
    ws, funnel, journey = workspace
    seen = {"product_view", "add_to_cart", "purchase", "cart_abandoned", "signup"}
    assert events_missing_from_log(ws, seen, {funnel, journey}) == []


def test_only_reported_files_get_findings(workspace: tuple[Workspace, str, str]) -> None:
    ws, _, journey = workspace
    got = events_missing_from_log(ws, {"purchase"}, {journey})
    assert [(Path(f.path).name, f.line) for f in got] == [("journey.yaml", 3), ("journey.yaml", 12)]
    assert events_missing_from_log(ws, set(), set()) == []


def test_an_empty_workspace_watches_nothing() -> None:
    assert events_missing_from_log(Workspace(), set(), {"anything.yaml"}) == []
