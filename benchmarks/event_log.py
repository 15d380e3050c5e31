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

Knobs for other shapes (`Shape`; the defaults give the log above, byte for byte):
`--customers` (default events / 20), `--step-share` (the share of all rows that are
the funnel's four step events, ~0.28 by default), `--sessions` (each customer's
events split into that many sessions a few days apart, each walking the funnel down
to the customer's depth again) and `--property-bytes` (each properties object padded
with a `note` to about that size; 0 writes `{}`).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
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

REPEATS = (180, 215, 225, 230)
"""Per mille of the slots after the walk: below each bound, the next funnel step is
drawn (views, carts, checkouts, purchases); at and above the last, noise."""

_CUSTOMERS = """
CREATE OR REPLACE TEMP TABLE customers AS
SELECT c,
       -- funnel depth 0..4: ~35% none, then view, cart, checkout, purchase
       CASE WHEN h % 100 < 35 THEN 0 WHEN h % 100 < 65 THEN 1 WHEN h % 100 < 82 THEN 2
            WHEN h % 100 < 90 THEN 3 ELSE 4 END AS depth,
       1 + (hash(c, $seed, 'n') % $span)::INTEGER AS n_events,
       TIMESTAMPTZ '2026-06-01 00:00:00+00'
           + to_seconds((hash(c, $seed, 'start') % (75 * 86400))::BIGINT) AS t0,
       -- days between sessions (used only with several)
       86400 + (hash(c, $seed, 'session') % (6 * 86400))::BIGINT AS session_gap
FROM (SELECT range AS c, hash(range, $seed) AS h FROM range($customers))
"""

_EVENTS = """
CREATE OR REPLACE TEMP TABLE events_gen AS
WITH slots AS (
    SELECT c, depth, n_events, t0, session_gap, unnest(range(n_events)) AS p FROM customers
),
drawn AS (
    SELECT c, depth, n_events, p,
           -- session s of $sessions, and q: the slot's place within its session
           p * $sessions // n_events AS s,
           p - (s * n_events + $sessions - 1) // $sessions AS q,
           t0 + to_seconds(s * session_gap) AS ts0,
           hash(c, p, $seed, 'kind') % 1000 AS r,
           hash(c, p, $seed, 'gap') % 1000 AS g
    FROM slots
)
SELECT
    'cust' || lpad(CAST(c AS VARCHAR), 7, '0') AS customer_id,
    CASE
        -- the first slots (of each session) walk the funnel down to the customer's depth
        WHEN q < depth THEN ['product_view', 'add_to_cart', 'checkout_start', 'purchase'][q + 1]
        -- later slots: more views and carts (repeats), and the rest is noise
        WHEN r < $r1 THEN 'product_view'
        WHEN r < $r2 THEN 'add_to_cart'
        WHEN r < $r3 THEN 'checkout_start'
        WHEN r < $r4 THEN 'purchase'
        ELSE $noise[1 + (r % 16)::INTEGER]
    END AS event,
    -- funnel slots are minutes-to-days apart (10% in the same second as the slot
    -- before), noise lands anywhere in the session's 14 days
    CASE
        WHEN q < depth THEN ts0 + to_seconds(CAST(q * (CASE WHEN g < 100 THEN 0
             WHEN g < 700 THEN 60 + g * 3 ELSE 3600 + g * 250 END) AS BIGINT))
        ELSE ts0 + to_seconds((hash(c, p, $seed, 'noise') % (14 * 86400))::BIGINT)
    END AS ts,
    CASE
        WHEN q < depth AND q = 3 THEN
            '{"amount": ' || CAST(CASE WHEN g < 30 THEN 0 ELSE 500 + g * 7 END AS VARCHAR)
            || ', "channel": "' || ['web', 'app', 'line', 'store'][1 + (g % 4)::INTEGER] || '"'
        ELSE '{"channel": "' || ['web', 'app', 'line', 'store'][1 + (r % 4)::INTEGER]
            || '", "category": "' || ['skincare', 'makeup', 'hair'][1 + (g % 3)::INTEGER] || '"'
    END AS body,
    hash(c, p, $seed, 'order') AS shuffle
FROM drawn
"""


@dataclass(frozen=True)
class Shape:
    """What the log looks like beyond its size; every field None or 1 is the default."""

    customers: int | None = None
    step_share: float | None = None
    sessions: int = 1
    property_bytes: int | None = None

    def label(self) -> str:
        parts = []
        if self.customers is not None:
            parts.append(f"c{self.customers}")
        if self.step_share is not None:
            parts.append(f"s{round(self.step_share * 100)}")
        if self.sessions != 1:
            parts.append(f"x{self.sessions}")
        if self.property_bytes is not None:
            parts.append(f"p{self.property_bytes}")
        return "_".join(parts)


def log_path(out: Path, events: int, shape: Shape = Shape()) -> Path:
    """benchmarks/out/events_{N}.parquet for the default shape (the existing files),
    events_{N}_{label}.parquet for any other."""
    label = shape.label()
    return out / (f"events_{events}_{label}.parquet" if label else f"events_{events}.parquet")


def ensure_log(out: Path, events: int, shape: Shape = Shape()) -> Path:
    """The seeded log of `events` events of this shape in `out`, generated once."""
    log = log_path(out, events, shape)
    if not log.exists():
        print(f"generating {log} ...", file=sys.stderr)
        generate(log, events, shape=shape)
    return log


def _repeats(con: duckdb.DuckDBPyConnection, step_share: float | None, sessions: int) -> list[int]:
    """The per-mille bounds of REPEATS scaled so that the funnel steps make about
    `step_share` of all rows (the walks down each session's depth included)."""
    if step_share is None:
        return list(REPEATS)
    ((walked, total),) = con.execute(
        "SELECT sum(least(depth * ?, n_events)), sum(n_events) FROM customers", [sessions]
    ).fetchall()
    walk = float(walked) / float(total)
    later = min(1.0, max(0.0, (step_share - walk) / (1.0 - walk))) if walk < 1 else 0.0
    scale = later * 1000 / REPEATS[-1]
    return [round(bound * scale) for bound in REPEATS]


def _properties(property_bytes: int | None) -> tuple[str, list[int]]:
    """SQL for the properties text from the generated `body` (an object left open)."""
    if property_bytes is None:
        return "body || '}'", []
    if property_bytes <= 2:
        return "'{}'", []
    # A note of hex digits (hashes, not one repeated byte, which Parquet would squeeze
    # to nothing) up to about `property_bytes` in all.
    pad = (
        "left(repeat(md5(CAST(shuffle AS VARCHAR)), ? // 32 + 1), "
        "greatest(0, ? - length(body) - 12))"
    )
    return f"body || ', \"note\": \"' || {pad} || '\"}}'", [property_bytes, property_bytes]


def generate(path: Path, events: int, seed: int = 11, shape: Shape = Shape()) -> int:
    """Write about `events` rows (20 per customer on average, unless `shape.customers`
    says otherwise) to Parquet; return the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    customers = shape.customers if shape.customers is not None else max(1, events // 20)
    per_customer = max(1, round(events / customers))
    # n_events is uniform on 1 .. 2 * per_customer - 1: mean per_customer (39 by default).
    con.execute(_CUSTOMERS, {"seed": seed, "customers": customers, "span": 2 * per_customer - 1})
    r1, r2, r3, r4 = _repeats(con, shape.step_share, shape.sessions)
    con.execute(
        _EVENTS,
        {
            "seed": seed,
            "noise": list(NOISE),
            "sessions": shape.sessions,
            "r1": r1,
            "r2": r2,
            "r3": r3,
            "r4": r4,
        },
    )
    properties, params = _properties(shape.property_bytes)
    relation = con.sql(
        f"SELECT customer_id, event, ts, {properties} AS properties "
        "FROM events_gen ORDER BY shuffle",
        params=params,
    )
    relation.write_parquet(str(path), compression="zstd")
    ((count,),) = con.execute("SELECT count(*) FROM events_gen").fetchall()
    return int(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--customers", type=int, help="default: events / 20")
    parser.add_argument("--step-share", type=float, help="share of rows that are funnel steps")
    parser.add_argument("--sessions", type=int, default=1, help="sessions per customer")
    parser.add_argument("--property-bytes", type=int, help="size of each properties object")
    args = parser.parse_args()
    shape = Shape(args.customers, args.step_share, args.sessions, args.property_bytes)
    print(f"{generate(args.out, args.events, args.seed, shape):,} events → {args.out}")


if __name__ == "__main__":
    main()
