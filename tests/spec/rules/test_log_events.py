"""`cjo validate --log`: every event the workspace names that never occurs in the log, and
every property read on an event that no such event carries; reported where they are
written, for the files being reported on. And what `report`, `simulate` and `map` check of
the documents they run: the events, and the customer attributes."""

from __future__ import annotations

from pathlib import Path

import pytest

from cjo_cli.findings import Finding, Level
from cjo_cli.model import Workspace
from cjo_cli.spec.rules import INPUT_RULES
from cjo_cli.spec.rules.log_events import (
    RULE,
    concerned,
    events_missing_from_log,
    trait_readers,
)
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
        ("journey.yaml", "5:10"),
        ("journey.yaml", "7:3"),
        ("journey.yaml", "12:8"),
    ]
    assert [f.message.split(" never occurs in the log")[0] for f in got] == [
        "funnel 'buying' step 1: event 'product_view'",
        "funnel 'buying' step 2: event 'add_to_cart'",
        "funnel 'buying' step 3: event 'purchase'",
        "journey 'cart' entry: event 'cart_abandoned'",
        "journey 'cart' goal: event 'purchase'",
        "journey 'cart' exit_on: event 'unsubscribe'",
        "journey 'cart' step 'w' wait_for: event 'email_open'",
        "journey 'plain' entry: event 'signup'",
    ]
    assert got[5].message.endswith("for an unsubscribe, a compliance risk)")
    assert got[6].message.endswith("(every customer waits for the timeout)")
    assert {(f.rule, f.level) for f in got} == {("event-not-in-log", Level.WARNING)}
    assert RULE == "event-not-in-log" and INPUT_RULES[RULE][0] is Level.WARNING


def test_events_in_the_log_are_fine_and_others_get_a_hint(
    workspace: tuple[Workspace, str, str],
) -> None:
    ws, funnel, journey = workspace
    seen = {"product_view", "add_to_kart", "purchase", "cart_abandoned", "signup"}
    seen |= {"unsubscribe", "email_open"}
    assert listed(events_missing_from_log(ws, seen, {funnel, journey})) == [
        (
            "funnel.yaml",
            5,
            5,
            "funnel 'buying' step 2: event 'add_to_cart' never occurs in the log; "
            "did you mean 'add_to_kart'?",
        ),
    ]


def test_exit_and_wait_for_events_are_watched(
    workspace: tuple[Workspace, str, str],
) -> None:
    # A renamed unsubscribe event means nobody leaves the journey: it is a finding.
    ws, funnel, journey = workspace
    seen = {"product_view", "add_to_cart", "purchase", "cart_abandoned", "signup"}
    got = events_missing_from_log(ws, seen | {"unsubscribed"}, {funnel, journey})
    assert [f.message.split(":")[0] for f in got] == [
        "journey 'cart' exit_on",
        "journey 'cart' step 'w' wait_for",
    ]
    assert got[0].message.endswith("did you mean 'unsubscribed'?")
    everything = seen | {"unsubscribe", "email_open"}
    assert events_missing_from_log(ws, everything, {funnel, journey}) == []


def test_properties_read_on_an_event_that_never_carries_them(
    workspace: tuple[Workspace, str, str],
) -> None:
    ws, funnel, journey = workspace
    seen = {"product_view", "add_to_cart", "purchase", "cart_abandoned", "signup"}
    seen |= {"unsubscribe", "email_open"}
    keys = {"add_to_cart": {"prices", "sku"}}
    got = events_missing_from_log(ws, seen, {funnel, journey}, keys)
    assert listed(got) == [
        (
            "funnel.yaml",
            5,
            5,
            "funnel 'buying' step 2: no 'add_to_cart' event in the log has the property "
            "'price'; did you mean 'prices'?",
        )
    ]
    assert got[0].rule == "property-not-in-log"
    assert events_missing_from_log(ws, seen, {funnel, journey}, {"add_to_cart": {"price"}}) == []


CONDITIONS = """\
kind: persona
id: vip
name: VIP
segment: {all: [{attribute: plan, op: eq, value: gold}, {event: purchase, count: {min: 3}}]}
---
kind: journey
id: tiered
persona: vip
entry: {event: cart_abandoned, if: {property: cart_value, op: gt, value: 100}}
steps:
  route:
    split:
      - {if: {event: coupon_view, where: {code: {exists: true}}}, next: done}
      - {if: {attribute: country, op: eq, value: JP}, next: done}
      - {else: done}
  done: {exit: true}
"""


def test_conditions_segments_and_the_documents_a_run_reads(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(CONDITIONS, encoding="utf-8")
    result = validate_files([path])
    assert result.findings == ()
    ws = result.workspace
    seen = {"cart_abandoned"}
    got = events_missing_from_log(ws, seen, None, {"cart_abandoned": set()})
    assert [f.message.split(" never")[0].split(" in the log")[0] for f in got] == [
        "journey 'tiered' entry: no 'cart_abandoned' event",
        "journey 'tiered' split 'route': event 'coupon_view'",
        "persona 'vip' segment: event 'purchase'",
    ]
    owners = concerned(ws, journeys=["tiered"])
    assert owners == {("journey", "tiered"), ("persona", "vip")}
    assert events_missing_from_log(ws, seen, owners={("funnel", "x")}) == []
    assert trait_readers(ws, owners) == [
        ("journey 'tiered'", ("country",)),
        ("persona 'vip' segment", ("plan",)),
    ]


def test_only_reported_files_get_findings(workspace: tuple[Workspace, str, str]) -> None:
    ws, _, journey = workspace
    got = events_missing_from_log(ws, {"purchase"}, {journey})
    assert [(Path(f.path).name, f.line) for f in got] == [
        ("journey.yaml", 3),
        ("journey.yaml", 5),
        ("journey.yaml", 7),
        ("journey.yaml", 12),
    ]
    assert events_missing_from_log(ws, set(), set()) == []


def test_an_empty_workspace_watches_nothing() -> None:
    assert events_missing_from_log(Workspace(), set(), {"anything.yaml"}) == []
