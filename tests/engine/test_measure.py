"""Funnels, journeys and maps measured together (`engine.measure.measure`) on a small
workspace: what a map needs is measured even when not asked, a map-only funnel loses
its breakdown, journeys replay in workspace order, and the log's span and customers.

Log (2026-05-01 UTC):

    c1: view (web) 09:00, cart 09:05, purchase 10:00
    c2: view (app) 09:00, cart 09:10
    c3: view (web) 09:00
    c4: page_view 08:00 and 11:30 (the log's first and last events)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from cjo_cli.engine.funnel_result import FunnelOptions
from cjo_cli.engine.measure import measure
from cjo_cli.model import Workspace
from cjo_cli.model.clock import parse_instant
from tests.engine.replay_helpers import event, journey, load_workspace, log_connection

DOCS = [
    """
kind: phases
id: life
phases: [{id: look, name: look}, {id: buy, name: buy}]
""",
    """
kind: persona
id: p
name: P
""",
    """
kind: funnel
id: view_to_buy
name: view to buy
steps:
  - {event: product_view}
  - {event: add_to_cart}
  - {event: purchase}
window: 1d
breakdown: {property: channel}
kpi: {name: buy rate, target: "30%"}
""",
    """
kind: funnel
id: by_variant
name: by variant
steps:
  - {event: product_view}
  - {event: purchase}
breakdown: {variant: zeta}
""",
    # Workspace order: zeta before alpha.
    journey(
        "zeta",
        entry="{event: product_view}",
        steps="""
            split:
              ab:
                variants:
                  a: {weight: 50, next: done}
                  b: {weight: 50, next: done}
        """,
    ),
    journey(
        "alpha",
        entry="{event: add_to_cart}",
        goal="{event: purchase, within: 1d}",
        steps="""
            wait: {wait: 2h, next: push}
            push: {send: push, next: done}
        """,
    ),
    """
kind: map
id: m
name: m
persona: p
phases: life
stages:
  buy:
    kpis: [{funnel: view_to_buy}]
    journeys: [alpha]
""",
]

EVENTS = [
    event("c4", "page_view", "2026-05-01T08:00:00Z"),
    event("c1", "product_view", "2026-05-01T09:00:00Z", channel="web"),
    event("c1", "add_to_cart", "2026-05-01T09:05:00Z"),
    event("c1", "purchase", "2026-05-01T10:00:00Z"),
    event("c2", "product_view", "2026-05-01T09:00:00Z", channel="app"),
    event("c2", "add_to_cart", "2026-05-01T09:10:00Z"),
    event("c3", "product_view", "2026-05-01T09:00:00Z", channel="web"),
    event("c4", "page_view", "2026-05-01T11:30:00Z"),
]

START, END = parse_instant("2026-05-01T08:00:00Z"), parse_instant("2026-05-01T11:30:00Z")


def setup(
    tmp_path: Path, events: list[dict[str, Any]] = EVENTS
) -> tuple[duckdb.DuckDBPyConnection, Workspace]:
    return log_connection(tmp_path, events), load_workspace(tmp_path, *DOCS)


def counts(result: Any) -> list[int]:
    return [s.customers for s in result.total.steps]


def test_a_map_measures_its_kpi_funnel_and_journeys(tmp_path: Path) -> None:
    con, ws = setup(tmp_path)
    measured = measure(con, ws, [], [], [ws.maps["m"]], FunnelOptions())
    # The KPI funnel is measured though not asked, without its breakdown.
    assert list(measured.funnels) == ["view_to_buy"]
    kpi = measured.funnels["view_to_buy"]
    assert counts(kpi) == [3, 2, 1]
    assert (kpi.breakdown_by, kpi.groups) == (None, ())
    # The stage's journey is replayed: c1 and c2 enter at their cart.
    assert measured.simulation is not None
    assert [j.id for j in measured.simulation.plan.journeys] == ["alpha"]
    assert measured.simulation.totals.journeys["alpha"].treated.entered == 2
    assert measured.simulation.totals.journeys["alpha"].treated.converted == 1
    assert (measured.log_start, measured.log_end) == (START, END)
    assert measured.customers == 4
    assert measured.notes == ()
    overlay = measured.overlays["m"]
    assert overlay.customers == 4
    assert overlay.phases["buy"].reached == 3  # funnel step 1: c1, c2, c3
    (measured_kpi,) = overlay.phases["buy"].kpis
    assert (measured_kpi.started, measured_kpi.completed) == (3, 1)


def test_an_asked_funnel_keeps_its_breakdown(tmp_path: Path) -> None:
    con, ws = setup(tmp_path)
    funnel = ws.funnels["view_to_buy"]
    measured = measure(con, ws, [funnel], [], [ws.maps["m"]], FunnelOptions())
    result = measured.funnels["view_to_buy"]
    assert result.breakdown_by == "channel (first touch)"
    # c1 (web) reached 3 steps, c3 (web) 1; c2 (app) 2.
    assert {g.label: [s.customers for s in g.steps] for g in result.groups} == {
        "app": [1, 1, 0],
        "web": [2, 1, 1],
    }


def test_journeys_replay_in_workspace_order(tmp_path: Path) -> None:
    con, ws = setup(tmp_path)
    asked = [ws.journeys["alpha"], ws.journeys["zeta"]]
    measured = measure(con, ws, [], asked, [], FunnelOptions())
    assert measured.simulation is not None
    assert [j.id for j in measured.simulation.plan.journeys] == ["zeta", "alpha"]
    assert list(measured.simulation.totals.journeys) == ["zeta", "alpha"]
    # zeta: every viewer enters and leaves by its exit step at once.
    zeta = measured.simulation.totals.journeys["zeta"]
    assert (zeta.treated.entered, zeta.exits["end"]) == (3, 3)
    assert measured.funnels == {}
    assert measured.overlays == {}
    assert (measured.log_start, measured.log_end, measured.customers) == (START, END, 4)


def test_a_map_journey_asked_twice_is_replayed_once(tmp_path: Path) -> None:
    con, ws = setup(tmp_path)
    measured = measure(con, ws, [], [ws.journeys["alpha"]], [ws.maps["m"]], FunnelOptions())
    assert measured.simulation is not None
    assert [j.id for j in measured.simulation.plan.journeys] == ["alpha"]


def test_a_variant_breakdown_is_dropped_with_a_note(tmp_path: Path) -> None:
    con, ws = setup(tmp_path)
    measured = measure(con, ws, [ws.funnels["by_variant"]], [], [], FunnelOptions())
    result = measured.funnels["by_variant"]
    # c1 viewed and bought; c2, c3 only viewed.
    assert counts(result) == [3, 1]
    assert (result.breakdown_by, result.groups) == (None, ())
    assert len(measured.notes) == 1
    assert measured.notes[0].startswith("by_variant: a breakdown by A/B variant")
    # Without journeys the log's span still comes from the log.
    assert measured.simulation is None
    assert (measured.log_start, measured.log_end, measured.customers) == (START, END, 4)


def test_by_overrides_the_variant_breakdown(tmp_path: Path) -> None:
    con, ws = setup(tmp_path)
    options = FunnelOptions(breakdown="channel")
    measured = measure(con, ws, [ws.funnels["by_variant"]], [], [], options)
    assert measured.notes == ()
    assert [g.label for g in measured.funnels["by_variant"].groups] == ["app", "web"]


def test_an_empty_log(tmp_path: Path) -> None:
    con, ws = setup(tmp_path, [])
    measured = measure(con, ws, [], [ws.journeys["zeta"]], [ws.maps["m"]], FunnelOptions())
    assert (measured.log_start, measured.log_end, measured.customers) == (None, None, 0)
    assert counts(measured.funnels["view_to_buy"]) == [0, 0, 0]
    assert measured.simulation is not None
    assert measured.simulation.totals.customers == 0
    assert measured.overlays["m"].customers == 0
