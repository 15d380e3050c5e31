"""Funnels and logs for the funnel tests: the builders, a DuckDB `events` table of a log,
and the worked logs that the reference (test_funnel_reference.py) and the DuckDB engine
(test_funnels.py) are both held to. Times are seconds after EPOCH (2026-03-01 UTC)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import duckdb
from hypothesis import strategies as st

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


def any_step(*events: str, name: str = "any") -> FunnelStep:
    """A step that any of `events` fills."""
    alternatives = tuple(EventFilter(event) for event in events)
    return FunnelStep(alternatives[0], name, any_of=alternatives)


# Step 1 is a view or a search, step 2 a cart: a searched and carted (step 2); b only
# carted (never entered); c viewed (step 1).
BROWSE_THEN_CART = Funnel(
    "f", "f", (any_step("view", "search"), FunnelStep(EventFilter("cart"), "cart")), Duration(D)
)
BROWSE_LOG = [
    ev("a", "search", 0),
    ev("a", "cart", 10),
    ev("b", "cart", 0),
    ev("c", "view", 0),
]

# One event fills one step, also across alternatives: step 1 is a view or a cart, step 2
# a cart. c's single cart fills step 1 only; d (view, cart) and e (cart, cart) reach 2.
VIEW_OR_CART_THEN_CART = Funnel(
    "f", "f", (any_step("view", "cart"), FunnelStep(EventFilter("cart"), "cart")), Duration(D)
)
ONE_CART_LOG = [
    ev("c", "cart", 0),
    ev("d", "view", 0),
    ev("d", "cart", 5),
    ev("e", "cart", 0),
    ev("e", "cart", 5),
]


# PostHog's exclusion steps (https://posthog.com/docs/product-analytics/funnels, "Excluding
# steps"), in the three tie cases of its own test suite: PostHog/posthog,
# posthog/hogql_queries/insights/funnels/test/test_funnel.py,
# test_funnel_exclusion_multiple_possible_no_end_event1, 2 and 3. Funnel step one → step
# two, a 10 s window, `exclusion` between steps 1 and 2; nobody does step two, so each
# attempt's exclusion looks to the end of its window.
# - one: step one 0, exclusion 1, step one 31: the attempt from 0 is excluded, the one
#   from 31 is not: counted at step 1 (PostHog: 1, 0).
# - two: step one 0, step one 31, exclusion 32: the attempt from 0 is clean (PostHog: 1, 0).
# - three: step one 0, step one 1, exclusion 2: both are excluded (PostHog: no one).
POSTHOG_TIES = funnel(
    "step one", "step two", window=10, exclusions=(Exclusion(EventFilter("exclusion"), 1, 2),)
)
POSTHOG_TIES_LOG = [
    ev("one", "step one", 0),
    ev("one", "exclusion", 1),
    ev("one", "step one", 31),
    ev("two", "step one", 0),
    ev("two", "step one", 31),
    ev("two", "exclusion", 32),
    ev("three", "step one", 0),
    ev("three", "step one", 1),
    ev("three", "exclusion", 2),
]

# Of two attempts that reach the last step, the one without the excluded event inside
# counts, even though the other is earlier: view 0, cart 1, refund 2, cart 3, buy 4 with
# a refund between the cart and the buy: the cart at 3 gives a clean attempt.
CLEAN_LATER = funnel(
    "view", "cart", "buy", window=10, exclusions=(Exclusion(EventFilter("refund"), 2, 3),)
)
CLEAN_LATER_LOG = [
    ev("c", "view", 0),
    ev("c", "cart", 1),
    ev("c", "refund", 2),
    ev("c", "cart", 3),
    ev("c", "buy", 4),
]


# PostHog's attribution types (https://posthog.com/docs/product-analytics/funnels,
# "Attribution types"), its examples as logs. Funnel `$pageview` → `user signed up`:
# - chrome_then_firefox: a pageview with browser Chrome, a sign-up with Firefox: first
#   touch Chrome, last touch Firefox, step 2 Firefox;
# - no_browser_first: the pageview has no browser, the sign-up Firefox: first touch is
#   "the first property value seen in any of the steps", Firefox.
SIGNUP = funnel("$pageview", "user signed up")
ATTRIBUTION_LOG = [
    ev("chrome_then_firefox", "$pageview", 0, browser="Chrome"),
    ev("chrome_then_firefox", "user signed up", 10, browser="Firefox"),
    ev("no_browser_first", "$pageview", 0),
    ev("no_browser_first", "user signed up", 10, browser="Firefox"),
]
# "All steps": one person's pageview Chrome, pageview Firefox, sign-up Chrome, posted
# Chrome, posted Firefox, in the funnel `$pageview` → `user signed up` → `user posted`:
# in Chrome for all three steps, in Firefox for the pageview only.
POSTED = funnel("$pageview", "user signed up", "user posted")
ALL_STEPS_LOG = [
    ev("p", "$pageview", 0, browser="Chrome"),
    ev("p", "$pageview", 10, browser="Firefox"),
    ev("p", "user signed up", 20, browser="Chrome"),
    ev("p", "user posted", 30, browser="Chrome"),
    ev("p", "user posted", 40, browser="Firefox"),
]


# ---- strategies for the set-based path (test_funnel_sets.py) -------------------------

SET_NAMES = ("view", "cart", "buy", "other")


@st.composite
def set_funnels(draw: st.DrawFn, order: str | None = None, mixed: bool = False) -> Funnel:
    """Strict, unordered, or ordered funnels where one event name is in two steps (the
    funnels `funnel_sets` takes): 1-4 steps over three names (so repeats are common),
    some `where` filters, `any:` steps whose extra alternative may name any event, a
    window of 0-6 s and sometimes an exclusion. `mixed`: filters and `any:` on every
    other step, so that one event often matches steps another event only partly
    matches (customers `funnel_sets` leaves to Python)."""
    odds = 1 if mixed else 4
    order = order or draw(st.sampled_from(["ordered", "strict", "unordered"]))
    names = draw(st.lists(st.sampled_from(SET_NAMES[:3]), min_size=1, max_size=4))
    if order == "ordered":
        # Ordered funnels reach funnel_sets only when an event name is in two steps.
        names = [*names, draw(st.sampled_from(names))]
    steps = []
    for index, name in enumerate(names):
        where: tuple[PropertyFilter, ...] = ()
        if draw(st.integers(0, odds)) == 0:
            where = (PropertyFilter("tier", "eq", draw(st.sampled_from([1, 2]))),)
        spec = EventFilter(name, where)
        if draw(st.integers(0, odds - 1)):
            steps.append(FunnelStep(spec, f"s{index}"))
            continue
        tier = (PropertyFilter("tier", "eq", 2),) if draw(st.booleans()) else ()
        extra = EventFilter(draw(st.sampled_from(SET_NAMES)), tier)
        steps.append(FunnelStep(spec, f"s{index}", any_of=(spec, extra)))
    exclusions: tuple[Exclusion, ...] = ()
    if len(steps) >= 2 and draw(st.integers(0, 3)) == 0:
        first = draw(st.integers(1, len(steps) - 1))
        last = draw(st.integers(first + 1, len(steps)))
        exclusions = (Exclusion(EventFilter(draw(st.sampled_from(SET_NAMES))), first, last),)
    window = draw(st.integers(0, 6))
    return Funnel("f", "f", tuple(steps), Duration(window), order, exclusions)  # type: ignore[arg-type]


set_logs = st.lists(
    st.builds(
        ev,
        st.sampled_from(["a", "b", "c", "d"]),
        st.sampled_from(SET_NAMES),
        # Few instants, so that ties and events exactly at the window's end are common.
        st.integers(0, 8),
        tier=st.sampled_from([1, 2]),
    ),
    max_size=14,
)
