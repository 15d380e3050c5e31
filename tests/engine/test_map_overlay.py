"""The measured overlay of a map (`cjo map --log`), on a hand-worked workspace and log.

Worked case (all customers in one day; the journey is the cart journey of the map's
`buy` stage, the funnel its KPI):

    c1: view, cart, purchase        funnel 3/3; enters the journey at cart, converts
    c2: view, cart                  funnel 2/3; enters, does not convert (censored)
    c3: view                        funnel 1/3
    c4: view, cart, unsubscribe     funnel 2/3; enters, leaves by the exit event at `wait`
    c5: page_view only              in no funnel, no journey: reached nowhere

    `buy` stage: reached = {c1..c4} = 4 (funnel step 1 ∪ journey entrants)
    KPI view_to_buy: started 4, completed 1
    journey cart: entered 3, converted 1
    funnel exits: view → cart loses 1 (c3) of 4; cart → purchase loses 2 of 3
    journey exits: step `wait` ended by the exit event: 1 of 3 visits
    top exit: the funnel's cart → purchase, 2 of 3
    `look` stage has neither KPI nor journey: reached is None (not measured)
"""

from __future__ import annotations

from pathlib import Path

from cjo_cli.engine.funnel_result import FunnelOptions
from cjo_cli.engine.measure import measure
from tests.engine.replay_helpers import event, journey, load_workspace, log_connection

DOCS = [
    """
kind: phases
id: life
phases: [{id: look, name: 見る}, {id: buy, name: 買う}]
""",
    """
kind: persona
id: p
name: P
""",
    """
kind: funnel
id: view_to_buy
name: 閲覧から購入
steps:
  - {event: product_view, name: 閲覧}
  - {event: add_to_cart, name: カート}
  - {event: purchase, name: 購入}
window: 1d
kpi: {name: 購入率, target: "30%"}
""",
    journey(
        "cart",
        name="カゴ落ち",
        entry="{event: add_to_cart}",
        goal="{event: purchase, within: 1d}",
        exit_on="[{event: unsubscribe}]",
        start="wait",
        steps="""
            wait: {wait: 2h, next: push}
            push: {send: push, next: done}
        """,
    ),
    """
kind: map
id: m
name: 地図
persona: p
phases: life
stages:
  look: {actions: [見る]}
  buy:
    kpis: [{funnel: view_to_buy}]
    journeys: [cart]
""",
]

EVENTS = [
    event("c1", "product_view", "2026-05-01T09:00:00Z"),
    event("c1", "add_to_cart", "2026-05-01T09:05:00Z"),
    event("c1", "purchase", "2026-05-01T10:00:00Z"),
    event("c2", "product_view", "2026-05-01T09:00:00Z"),
    event("c2", "add_to_cart", "2026-05-01T09:10:00Z"),
    event("c3", "product_view", "2026-05-01T09:00:00Z"),
    event("c4", "product_view", "2026-05-01T09:00:00Z"),
    event("c4", "add_to_cart", "2026-05-01T09:01:00Z"),
    event("c4", "unsubscribe", "2026-05-01T09:30:00Z"),
    event("c5", "page_view", "2026-05-01T09:00:00Z"),
    event("c5", "page_view", "2026-05-01T10:30:00Z"),
]


def test_the_overlay_of_the_worked_case(tmp_path: Path) -> None:
    ws = load_workspace(tmp_path, *DOCS)
    con = log_connection(tmp_path, EVENTS)
    measured = measure(con, ws, [], [], [ws.maps["m"]], FunnelOptions())
    overlay = measured.overlays["m"]
    assert overlay.customers == 5
    look, buy = overlay.phases["look"], overlay.phases["buy"]
    assert look.reached is None and look.biggest_exit is None
    assert buy.reached == 4
    (kpi,) = buy.kpis
    assert (kpi.started, kpi.completed, kpi.met) == (4, 1, False)  # 25% < 30%
    (journey,) = buy.journeys
    assert (journey.entered, journey.converted, journey.holdout_entered) == (3, 1, 0)
    assert buy.biggest_exit is not None
    assert (buy.biggest_exit.where, buy.biggest_exit.lost, buy.biggest_exit.of) == (
        "閲覧から購入: カート → 購入",
        2,
        3,
    )
    assert overlay.biggest_exit == ("buy", buy.biggest_exit)
    # The journey's own exit point is found too (and is smaller).
    totals = measured.simulation.totals if measured.simulation else None
    assert totals is not None and totals.journeys["cart"].steps["wait"].drop_off == 1


def test_a_journey_exit_can_be_the_top_exit(tmp_path: Path) -> None:
    """Without the KPI, the only exit point is the journey's `wait` step (1 of 3)."""
    docs = [*DOCS[:-1], DOCS[-1].replace("kpis: [{funnel: view_to_buy}]", "kpis: []")]
    ws = load_workspace(tmp_path, *docs)
    con = log_connection(tmp_path, EVENTS)
    overlay = measure(con, ws, [], [], [ws.maps["m"]], FunnelOptions()).overlays["m"]
    buy = overlay.phases["buy"]
    assert buy.reached == 3  # journey entrants only
    assert buy.biggest_exit is not None
    assert (buy.biggest_exit.where, buy.biggest_exit.lost, buy.biggest_exit.of) == (
        "カゴ落ち: step wait (exit event)",
        1,
        3,
    )
