"""A funnel broken down by a journey's A/B variant (`engine.funnel_variant`): the variant
of each customer's first entry that reached the ab step, from the replay; `(none)` for
the others; simulated (hashed) or recorded (`variant_from`), and said so."""

from __future__ import annotations

from pathlib import Path

import pytest

from cjo_cli.engine.funnel_result import RECORDED, SIMULATED, FunnelOptions, prepare_funnels
from cjo_cli.engine.funnel_variant import (
    assignment_note,
    replay_variants,
    variant_journey,
    with_variants,
)
from cjo_cli.engine.funnels import run_funnel
from cjo_cli.model import Workspace
from cjo_cli.spec.workspace import validate_files
from tests.engine.funnel_helpers import H, ev, load

JOURNEYS = """
kind: journey
id: ab_test
entry: {event: signup_view}
re_entry: never
goal: {event: signup, within: 1d}
steps:
  pick:
    ab:
      variants:
        a: {weight: 50, next: done}
        b: {weight: 50, next: done}
  done: {exit: true}
---
kind: journey
id: ab_recorded
entry: {event: signup_view}
re_entry: never
goal: {event: signup, within: 1d}
steps:
  pick:
    ab:
      variant_from: {property: layout}
      variants:
        a: {weight: 50, next: done}
        b: {weight: 50, next: done}
  done: {exit: true}
---
kind: funnel
id: signup
steps: [{event: landing}, {event: signup_view}, {event: signup}]
window: 1d
breakdown: {variant: ab_recorded}
"""

# c1 and c2 see the page (layouts a and b), c1 signs up; c3 only lands: never enters the
# journey, so no variant. c1 sees the page twice: its first entry's variant counts.
LOG = [
    ev("c1", "landing", 0),
    ev("c1", "signup_view", 60, layout="a"),
    ev("c1", "signup", 120),
    ev("c1", "signup_view", 2 * H, layout="b"),
    ev("c2", "landing", 0),
    ev("c2", "signup_view", 60, layout="b"),
    ev("c3", "landing", 0),
]


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    path = tmp_path / "ws.yaml"
    path.write_text(JOURNEYS, encoding="utf-8")
    result = validate_files([path])
    assert result.findings == ()
    return result.workspace


def test_recorded_variants(ws: Workspace) -> None:
    groups = replay_variants(load(LOG), ws, ws.journeys["ab_recorded"])
    assert (groups.journey, groups.assignment) == ("ab_recorded", RECORDED)
    assert dict(groups.variants) == {"c1": "a", "c2": "b"}


def test_simulated_variants_are_the_replays_hash(ws: Workspace) -> None:
    groups = replay_variants(load(LOG), ws, ws.journeys["ab_test"])
    assert groups.assignment == SIMULATED
    assert set(groups.variants) == {"c1", "c2"}
    assert set(groups.variants.values()) <= {"a", "b"}
    # The same on every run.
    assert replay_variants(load(LOG), ws, ws.journeys["ab_test"]) == groups


def test_the_funnels_own_variant_breakdown(ws: Workspace) -> None:
    con = load(LOG)
    funnel = ws.funnels["signup"]
    options = with_variants(con, ws, [funnel], FunnelOptions())
    assert set(options.variants) == {"ab_recorded"}
    # With the variants replayed, the breakdown is kept.
    assert prepare_funnels([funnel], options).funnels == (funnel,)
    result = run_funnel(con, funnel, options)
    assert result.breakdown_by == "variant of ab_recorded"
    assert result.assignment == RECORDED
    assert {g.label: [s.customers for s in g.steps] for g in result.groups} == {
        "(none)": [1, 0, 0],
        "a": [1, 1, 1],
        "b": [1, 1, 0],
    }
    note = assignment_note(result)
    assert note is not None and "recorded" in note


def test_by_variant_names_the_journey_or_finds_the_only_one(ws: Workspace) -> None:
    funnel = ws.funnels["signup"]
    # The funnel's own journey, or the one --by names.
    assert variant_journey(funnel, FunnelOptions(breakdown="variant"), ws) == "ab_recorded"
    by_test = FunnelOptions(breakdown="variant:ab_test")
    assert variant_journey(funnel, by_test, ws) == "ab_test"
    con = load(LOG)
    result = run_funnel(con, funnel, with_variants(con, ws, [funnel], by_test))
    assert (result.breakdown_by, result.assignment) == ("variant of ab_test", SIMULATED)
    assert sum(g.steps[0].customers for g in result.groups) == 3
    note = assignment_note(result)
    assert note is not None and "predictions" in note
    # Not a variant breakdown; a journey without an ab step; two journeys to choose from.
    assert variant_journey(funnel, FunnelOptions(breakdown="layout"), ws) is None
    with pytest.raises(ValueError, match="'nope' does not exist or has no ab step"):
        variant_journey(funnel, FunnelOptions(breakdown="variant:nope"), ws)
    plain = ws.funnels["signup"].__class__("p", "p", funnel.steps)
    with pytest.raises(ValueError, match="ab_recorded, ab_test"):
        variant_journey(plain, FunnelOptions(breakdown="variant"), ws)


def test_without_the_replay_the_breakdown_is_dropped(ws: Workspace) -> None:
    # Spark computes no replay for a report: the funnel is shown without the breakdown.
    prepared = prepare_funnels([ws.funnels["signup"]], FunnelOptions())
    assert prepared.funnels[0].breakdown is None
    assert prepared.notes
