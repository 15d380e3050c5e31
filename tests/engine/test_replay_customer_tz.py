"""`tz: customer`: quiet hours and `wait_until` in each customer's own zone (the
`timezone` attribute), the policy's `default_tz` for those without a valid one, and
the count of those. Worked by hand across Los Angeles's spring-forward (2026-03-08,
02:00 PST becomes 03:00 PDT).

All three put something in their cart at 2026-03-08 06:00 UTC. Quiet hours are
21:00-09:00 in the customer's zone, then the journey waits until 10:00 there.

- la (America/Los_Angeles): 06:00 UTC is 22:00 PST on March 7, quiet. The mail waits
  for 09:00 on March 8, which is PDT by then: 16:00 UTC (not 17:00). 10:00 PDT is
  17:00 UTC.
- nozone (no attribute) and bad (`PST`, no IANA zone): Tokyo, the default. 06:00 UTC is
  15:00 JST: the mail goes at once; 10:00 JST next day is 01:00 UTC on March 9.
"""

from __future__ import annotations

from pathlib import Path

from cjo_cli.engine.replay_plan import build_plan
from cjo_cli.events.customers import load_customers
from cjo_cli.output.simulate_report import to_json_data
from tests.engine.replay_helpers import (
    event,
    journey,
    load_workspace,
    log_connection,
    policy,
    replay_each,
    sends,
    visits,
)

CART = journey(
    "cart",
    entry="{event: cart}",
    limits='{quiet_hours: {from: "21:00", to: "09:00", tz: customer}}',
    steps="""
        mail: {send: mail, next: later}
        later: {wait_until: "10:00", tz: customer, next: done}
    """,
)
LOG = [
    *(event(c, "cart", "2026-03-08T06:00:00Z") for c in ("la", "nozone", "bad")),
    event("la", "page_view", "2026-03-10T00:00:00Z"),
]


def test_each_customer_in_its_own_zone(tmp_path: Path) -> None:
    ws = load_workspace(tmp_path, CART, policy(default_tz="Asia/Tokyo"))
    con = log_connection(tmp_path, LOG)
    people = tmp_path / "customers.csv"
    people.write_text("customer_id,timezone\nla,America/Los_Angeles\nbad,PST\n", encoding="utf-8")
    load_customers(con, people)
    found, simulation = replay_each(con, build_plan(ws, list(ws.journeys.values())))
    assert sends(found["la"]) == [("2026-03-08T16:00:00Z", "mail", "sent")]
    assert visits(found["la"], "cart")[-1] == ("2026-03-08T17:00:00Z", "done")
    for customer in ("nozone", "bad"):
        assert sends(found[customer]) == [("2026-03-08T06:00:00Z", "mail", "sent")]
        assert visits(found[customer], "cart")[-1] == ("2026-03-09T01:00:00Z", "done")
    data = to_json_data(simulation.totals, {}, {}, [])
    assert data["customer_tz"] == {
        "trait": "timezone",
        "default": "Asia/Tokyo",
        "customers_without": 2,
    }


def test_without_tz_customer_no_zone_is_read(tmp_path: Path) -> None:
    fixed = CART.replace("tz: customer", "tz: UTC")
    ws = load_workspace(tmp_path, fixed)
    con = log_connection(tmp_path, LOG)
    plan = build_plan(ws, list(ws.journeys.values()))
    assert plan.default_tz is None and not plan.reads_traits
    _, simulation = replay_each(con, plan)
    assert to_json_data(simulation.totals, {}, {}, [])["customer_tz"] is None


def test_an_audience_schedule_in_each_customers_zone(tmp_path: Path) -> None:
    # Every day at 09:00 in the customer's zone from March 8: for la that is 16:00 UTC
    # (PDT already), for nozone 00:00 UTC (09:00 JST).
    daily = journey(
        "daily",
        entry='{audience: {event: cart}, every: 1d, at: "09:00", tz: customer, start: 2026-03-08}',
        steps="mail: {send: mail, next: done}",
    )
    ws = load_workspace(tmp_path, daily, policy(default_tz="Asia/Tokyo"))
    con = log_connection(tmp_path, LOG)
    people = tmp_path / "customers.csv"
    people.write_text("customer_id,timezone\nla,America/Los_Angeles\n", encoding="utf-8")
    load_customers(con, people)
    found, _ = replay_each(con, build_plan(ws, list(ws.journeys.values())))
    assert sends(found["la"]) == [("2026-03-08T16:00:00Z", "mail", "sent")]
    # nozone carted at 06:00 UTC: after 09:00 JST (00:00 UTC) on March 8, so next day.
    assert sends(found["nozone"]) == [("2026-03-09T00:00:00Z", "mail", "sent")]
