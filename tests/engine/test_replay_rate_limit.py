"""Rate limits (`limits.rate: {max, per}`): at most `max` sends of the journey per window
of `per` (fixed windows from the epoch), all customers together; a send over it waits
for the next window with room, in arrival order, and one whose entry ends first is
`rate_limited`. Worked by hand; and the one-time-order replay equals the per-customer
one on a plan without rates.

At most 2 mails per hour. Carts at 10:00 (a, b, c, in that order of customer id at
one instant), 10:20 (d) and 11:10 (e):
- a and b take the 10:00-11:00 window's two places and go at 10:00.
- c waits for the 11:00 window: it goes at 11:00. d (10:20) takes 11:00's second place.
- e (11:10) finds 11:00-12:00 full: it waits for 12:00, and buys at 11:30 first: the
  goal ends its entry, so its mail is rate_limited, never sent.
"""

from __future__ import annotations

from pathlib import Path

from cjo_cli.engine.replay import replay_customer, replay_together
from cjo_cli.engine.replay_feed import customer_rows
from cjo_cli.engine.replay_plan import build_plan
from cjo_cli.output.simulate_report import to_json_data
from tests.engine.replay_helpers import event, journey, load_workspace, log_connection, run, sends
from tests.engine.test_replay_set_attribute import LOG as SET_LOG
from tests.engine.test_replay_set_attribute import UPSELL, WELCOME

CART = journey(
    "cart",
    entry="{event: cart}",
    goal="{event: buy, within: 1d}",
    limits="{rate: {max: 2, per: 1h}}",
    steps="""
        mail: {send: ad, next: pause}
        pause: {wait: 1d, next: done}
    """,
)
LOG = [
    *(event(c, "cart", "2026-06-01T10:00:00Z") for c in "abc"),
    event("d", "cart", "2026-06-01T10:20:00Z"),
    event("e", "cart", "2026-06-01T11:10:00Z"),
    event("e", "buy", "2026-06-01T11:30:00Z"),
    event("z", "page_view", "2026-06-03T00:00:00Z"),
]


def test_sends_over_the_rate_wait_in_arrival_order(tmp_path: Path) -> None:
    replays, totals = run(tmp_path, [CART], LOG)
    at = {c: sends(replays[c]) for c in "abcde"}
    assert at["a"] == at["b"] == [("2026-06-01T10:00:00Z", "ad", "sent")]
    assert at["c"] == [("2026-06-01T11:00:00Z", "ad", "sent")]
    assert at["d"] == [("2026-06-01T11:00:00Z", "ad", "sent")]
    assert at["e"] == [("2026-06-01T11:30:00Z", "ad", "rate_limited")]
    assert "the journey's rate" in replays["e"].sends[0].reason
    (cart,) = to_json_data(totals, {}, {}, [])["journeys"]
    assert cart["not_sent"]["ad"]["rate_limited"] == 1
    (details,) = cart["send_details"]
    assert (details["sent"], details["deferred"]) == (4, 2)


def test_without_a_rate_no_such_count(tmp_path: Path) -> None:
    plain = CART.replace("limits: {rate: {max: 2, per: 1h}}\n", "")
    replays, totals = run(tmp_path, [plain], LOG)
    assert all(sends(replays[c])[0][2] == "sent" for c in "abcde")
    (cart,) = to_json_data(totals, {}, {}, [])["journeys"]
    assert "rate_limited" not in cart["not_sent"]["ad"]


def test_one_time_order_equals_each_customer_alone_without_a_rate(tmp_path: Path) -> None:
    plain = CART.replace("limits: {rate: {max: 2, per: 1h}}\n", "")
    ws = load_workspace(tmp_path, plain, WELCOME, UPSELL)
    plan = build_plan(ws, list(ws.journeys.values()))
    con = log_connection(tmp_path, [*LOG, *SET_LOG])
    ((end,),) = con.execute("SELECT epoch_us(max(ts)) FROM events").fetchall()
    rows = list(customer_rows(con, plan))
    together = replay_together(
        plan,
        [(r.customer, r.times, r.masks, r.properties, r.names(plan)) for r in rows],
        end,
        {},
        "a",
    )
    alone = [
        replay_customer(
            plan,
            r.customer,
            r.times,
            r.masks,
            r.properties,
            r.names(plan),
            end,
            {},
            r.customer == "a",
        )
        for r in rows
    ]
    assert together == alone
