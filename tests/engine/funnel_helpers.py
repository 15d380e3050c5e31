"""Funnels and logs for the funnel tests: the builders, a DuckDB `events` table of a log,
and the worked logs that the reference (test_funnel_reference.py) and the DuckDB engine
(test_funnels.py) are both held to. Times are seconds after EPOCH (2026-03-01 UTC)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import duckdb

from cjo_cli.events.tables import connect
from cjo_cli.model import Duration, EventFilter, Exclusion, Funnel, FunnelStep, PropertyFilter
from tests.engine.funnel_reference import LogEvent

H, D = 3600, 86400
EPOCH = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def funnel(*events: str, window: int = 7 * D, order: str = "ordered", **extra: object) -> Funnel:
    steps = tuple(FunnelStep(EventFilter(name), name) for name in events)
    return Funnel("f", "f", steps, Duration(window), order, **extra)  # type: ignore[arg-type]


def ev(customer: str, name: str, ts: int, **props: object) -> LogEvent:
    return LogEvent(customer, name, ts, dict(props))


def load(log: Sequence[LogEvent]) -> duckdb.DuckDBPyConnection:
    """A connection whose `events` table holds the log, in its row order."""
    con = connect()
    rows = [
        (e.customer_id, e.event, EPOCH + dt.timedelta(seconds=e.ts), json.dumps(e.properties), i)
        for i, e in enumerate(log)
    ]
    if rows:
        con.executemany("INSERT INTO events VALUES (?, ?, ?, ?, 'log', ?)", rows)
    return con


# ---- the worked cases ------------------------------------------------------------------

CART_STEPS = ("product_view", "add_to_cart", "checkout_start", "purchase")
CART = funnel(*CART_STEPS)

# lisa: view, cart, abandons (no checkout); kenji: all four within a day; mika buys
# without a product_view. Times to the cart: 60 s and 10 s.
CART_EXAMPLES = [
    ev("lisa", "product_view", 0),
    ev("lisa", "add_to_cart", 60),
    ev("kenji", "product_view", 0),
    ev("kenji", "add_to_cart", 10),
    ev("kenji", "checkout_start", 20),
    ev("kenji", "purchase", 30),
    ev("mika", "add_to_cart", 0),
    ev("mika", "purchase", 10),
]

# The four cart steps at one instant, in reverse row order.
SAME_INSTANT = [ev("c", name, 100) for name in reversed(CART_STEPS)]

# For a 1-day window: a view that expires, then a view at 3 days and a cart 1 h later.
TWO_ATTEMPTS = [
    ev("c", "product_view", 0),
    ev("c", "product_view", 3 * D),
    ev("c", "add_to_cart", 3 * D + H),
]

# view, cart: a page_view in between, and one at the same instant as the view.
INTERLEAVED = [ev("c", "product_view", 0), ev("c", "page_view", 5), ev("c", "add_to_cart", 10)]
SIMULTANEOUS = [ev("c", "product_view", 0), ev("c", "page_view", 0), ev("c", "add_to_cart", 10)]

# The purchase before the view.
PURCHASE_FIRST = [ev("c", "purchase", 0), ev("c", "product_view", 10)]

# A refund between the cart (step 2) and the purchase (step 4) excludes.
NO_REFUND = funnel(*CART_STEPS, exclusions=(Exclusion(EventFilter("refund"), 2, 4),))
# c1 and c2 take the cart steps at 0, 10, 20 and 30; c1's refund comes at 15, after its
# cart; c2's at 100, after its purchase.
REFUNDS = [
    *(ev("c1", name, t * 10) for t, name in enumerate(CART_STEPS)),
    ev("c1", "refund", 15),
    *(ev("c2", name, t * 10) for t, name in enumerate(CART_STEPS)),
    ev("c2", "refund", 100),
]

# Step 2 takes only purchases with amount > 0.
PAID = Funnel(
    "f",
    "f",
    (
        FunnelStep(EventFilter("add_to_cart"), "cart"),
        FunnelStep(EventFilter("purchase", (PropertyFilter("amount", "gt", 0),)), "paid"),
    ),
    Duration(D),
)
PAID_LOG = [
    ev("a", "add_to_cart", 0),
    ev("a", "purchase", 5, amount=0),
    ev("b", "add_to_cart", 0),
    ev("b", "purchase", 5, amount="1200"),
]

# For view, cart, buy in 10 s: the attempt from the view at 0 reaches only the cart (the
# buy at 15 is too late); the one from the view at 9 reaches all three.
LATE_BEST_ATTEMPT = [
    ev("c", "view", 0),
    ev("c", "cart", 8),
    ev("c", "view", 9),
    ev("c", "cart", 12),
    ev("c", "buy", 15),
]
