"""A large, seeded, realistic event log for the report and simulate benchmarks.

Written by DuckDB from `range()` and `hash()`, so the same seed gives the same rows
whatever the thread count, in a few seconds for 10M events. Shape (canonical):
customer_id, event, ts (TIMESTAMPTZ), properties (JSON text).

What is in it, per customer (about 20 events on average):
- a depth drawn once: how far down the store funnel they get (view → cart →
  checkout → purchase), most stopping early, with repeats of each step
  (several views, a second cart) and sometimes a later second attempt;
- noise: ~16 other event names (page views, searches, app opens, message
  events, logins, loyalty pages, reviews...) at random times;
- ties: times are whole seconds and a share of the funnel steps happen in the
  same second as the step before; a few purchases have amount 0;
- rows written in hash order, not in time order.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

NOISE = (
    "page_view",
    "search",
    "app_open",
    "login",
    "email_open",
    "email_click",
    "push_open",
    "loyalty_page_view",
    "review_submit",
    "wishlist_add",
    "coupon_view",
    "signup",
    "store_visit",
    "survey_answer",
    "refund",
    "share",
)

_SQL = """
CREATE OR REPLACE TEMP TABLE customers AS
SELECT c,
       -- funnel depth 0..4: ~35% none, then view, cart, checkout, purchase
       CASE WHEN h % 100 < 35 THEN 0 WHEN h % 100 < 65 THEN 1 WHEN h % 100 < 82 THEN 2
            WHEN h % 100 < 90 THEN 3 ELSE 4 END AS depth,
       1 + (hash(c, $seed, 'n') % 39)::INTEGER AS n_events,
       TIMESTAMPTZ '2026-06-01 00:00:00+00'
           + to_seconds((hash(c, $seed, 'start') % (75 * 86400))::BIGINT) AS t0
FROM (SELECT range AS c, hash(range, $seed) AS h FROM range($customers));

CREATE OR REPLACE TEMP TABLE events_gen AS
WITH slots AS (
    SELECT c, depth, n_events, t0, unnest(range(n_events)) AS p FROM customers
),
drawn AS (
    SELECT c, depth, n_events, t0, p,
           hash(c, p, $seed, 'kind') % 1000 AS r,
           hash(c, p, $seed, 'gap') % 1000 AS g
    FROM slots
)
SELECT
    'cust' || lpad(CAST(c AS VARCHAR), 7, '0') AS customer_id,
    CASE
        -- the first slots walk the funnel down to the customer's depth
        WHEN p < depth THEN ['product_view', 'add_to_cart', 'checkout_start', 'purchase'][p + 1]
        -- later slots: more views and carts (repeats), and the rest is noise
        WHEN r < 180 THEN 'product_view'
        WHEN r < 215 THEN 'add_to_cart'
        WHEN r < 225 THEN 'checkout_start'
        WHEN r < 230 THEN 'purchase'
        ELSE $noise[1 + (r % 16)::INTEGER]
    END AS event,
    -- funnel slots are minutes-to-days apart (10% in the same second as the slot
    -- before), noise lands anywhere in the customer's 14 days
    CASE
        WHEN p < depth THEN t0 + to_seconds(CAST(p * (CASE WHEN g < 100 THEN 0
             WHEN g < 700 THEN 60 + g * 3 ELSE 3600 + g * 250 END) AS BIGINT))
        ELSE t0 + to_seconds((hash(c, p, $seed, 'noise') % (14 * 86400))::BIGINT)
    END AS ts,
    CASE
        WHEN p < depth AND p = 3 THEN
            '{"amount": ' || CAST(CASE WHEN g < 30 THEN 0 ELSE 500 + g * 7 END AS VARCHAR)
            || ', "channel": "' || ['web', 'app', 'line', 'store'][1 + (g % 4)::INTEGER] || '"}'
        ELSE '{"channel": "' || ['web', 'app', 'line', 'store'][1 + (r % 4)::INTEGER]
            || '", "category": "' || ['skincare', 'makeup', 'hair'][1 + (g % 3)::INTEGER] || '"}'
    END AS properties,
    hash(c, p, $seed, 'order') AS shuffle
FROM drawn;
"""


def generate(path: Path, events: int, seed: int = 11) -> int:
    """Write about `events` rows (20 per customer on average) to Parquet; return the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    params = {"seed": seed, "customers": max(1, events // 20), "noise": list(NOISE)}
    for statement in _SQL.split(";"):
        if statement.strip():
            used = {k: v for k, v in params.items() if f"${k}" in statement}
            con.execute(statement, used)
    relation = con.sql("SELECT customer_id, event, ts, properties FROM events_gen ORDER BY shuffle")
    relation.write_parquet(str(path), compression="zstd")
    ((count,),) = con.execute("SELECT count(*) FROM events_gen").fetchall()
    return int(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    print(f"{generate(args.out, args.events, args.seed):,} events → {args.out}")


if __name__ == "__main__":
    main()
