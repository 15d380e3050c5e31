"""A seeded, realistic event log for the sample beauty store (journeys/).

Customers follow the behaviour of the sample personas — Lisa-like skincare
browsers who abandon carts, Kenji-like bargain hunters, Mika-like loyal repeat
buyers — and casual visitors, over 90 days: browsing, carts and abandonment,
purchases and deliveries, loyalty pages and sign-ups, newsletter and account
sign-ups (layouts A/B), app installs, reviews, referrals, message events,
refunds and unsubscribes. A small share of rows is messy on purpose, as real
exports are: naive and offset timestamps, unreadable timestamps, rows without a
customer, broken JSON, and rows out of time order.

The same seed always gives the same files.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

START = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
DAYS = 90
CATEGORIES = ["skincare", "makeup", "fragrance", "haircare"]
SOURCES = ["instagram", "google", "line", "newsletter", "direct"]


@dataclass(frozen=True)
class Event:
    customer_id: str
    event: str
    ts: dt.datetime
    properties: dict[str, Any]


@dataclass
class Customer:
    id: str
    kind: str
    age: int
    newsletter: bool
    sms_opt_in: bool
    loyalty_member: bool = False
    bought: int = 0


class _Story:
    """One customer's 90 days, built from sessions."""

    def __init__(self, customer: Customer, rng: random.Random) -> None:
        self.c = customer
        self.rng = rng
        self.events: list[Event] = []

    def add(self, name: str, at: dt.datetime, **props: Any) -> dt.datetime:
        self.events.append(Event(self.c.id, name, at, props))
        return at

    def later(self, at: dt.datetime, low: float, high: float) -> dt.datetime:
        return at + dt.timedelta(seconds=self.rng.uniform(low, high))

    def session(self, at: dt.datetime, category: str) -> None:
        rng = self.rng
        source = rng.choice(SOURCES)
        if source == "instagram" and rng.random() < 0.6:
            at = self.add("ad_impression", at, utm_source=source)
            at = self.add("ad_click", self.later(at, 2, 60), utm_source=source)
        at = self.add("page_view", self.later(at, 1, 5), page="home", utm_source=source)
        if self.c.kind == "bargain" and rng.random() < 0.7:
            at = self.add("coupon_view", self.later(at, 5, 60))
            at = self.add("page_view", self.later(at, 5, 60), page="sale")
        if self.c.bought == 0 and rng.random() < 0.5:
            at = self.add("hello_bar_view", self.later(at, 1, 10))
            if rng.random() < 0.3:
                at = self.add("hello_bar_click", self.later(at, 2, 30))
        views = rng.randint(1, 5 if self.c.kind == "skincare" else 3)
        for _ in range(views):
            at = self.add("product_view", self.later(at, 10, 180), category=category)
        if not self.c.newsletter and rng.random() < 0.08:
            at = self.add("newsletter_subscribe", self.later(at, 5, 60))
            self.c.newsletter = True
        buy_mood = {"skincare": 0.35, "bargain": 0.3, "loyal": 0.7, "casual": 0.12}[self.c.kind]
        if rng.random() < buy_mood:
            self.cart(at, category)
        elif rng.random() < 0.1:
            self.loyalty(at)

    def cart(self, at: dt.datetime, category: str) -> None:
        rng = self.rng
        value = rng.choice([2800, 4500, 6200, 9800, 12000, 15800, 23000])
        at = self.add("add_to_cart", self.later(at, 5, 120), category=category, cart_value=value)
        abandon = {"skincare": 0.6, "bargain": 0.5, "loyal": 0.15, "casual": 0.5}[self.c.kind]
        if rng.random() < abandon:
            at = self.add("cart_abandoned", self.later(at, 300, 1800), cart_value=value)
            if rng.random() < 0.5:
                at = self.add("push_delivered", self.later(at, 3600, 3700), campaign="cart")
                if rng.random() < 0.3:
                    at = self.add("push_click", self.later(at, 60, 20000), campaign="cart")
            if rng.random() < 0.45:  # comes back later and buys
                self.checkout(self.later(at, 3600, 6 * 86400), category, value)
            return
        self.checkout(self.later(at, 30, 600), category, value)

    def checkout(self, at: dt.datetime, category: str, value: int) -> None:
        rng = self.rng
        at = self.add("checkout_start", at, cart_value=value)
        if rng.random() < 0.15:
            return
        platform = "app" if rng.random() < 0.3 else "web"
        amount = value if rng.random() < 0.95 else 0
        at = self.add(
            "purchase", self.later(at, 30, 400), amount=amount, category=category, platform=platform
        )
        self.c.bought += 1
        if platform == "web" and rng.random() < 0.12:
            self.add("app_install", self.later(at, 60, 86400))
        delivered = self.add("order_delivered", self.later(at, 2 * 86400, 4 * 86400))
        if rng.random() < 0.05:
            self.add("refund", self.later(delivered, 86400, 5 * 86400), amount=amount)
            return
        if rng.random() < 0.3:
            rating = rng.choice([3, 4, 5, 5]) if self.c.kind != "casual" else rng.choice([2, 3, 4])
            review = self.add(
                "review_submitted", self.later(delivered, 86400, 6 * 86400), rating=rating
            )
            if rating >= 4 and rng.random() < (0.35 if self.c.kind == "loyal" else 0.12):
                sent = self.add("referral_sent", self.later(review, 3600, 5 * 86400))
                if rng.random() < 0.4:
                    self.add("referral_signup", self.later(sent, 3600, 7 * 86400))
        if rng.random() < 0.15:
            self.add("survey_completed", self.later(delivered, 7 * 86400, 10 * 86400))

    def loyalty(self, at: dt.datetime) -> None:
        rng = self.rng
        at = self.add("loyalty_page_view", self.later(at, 10, 120))
        if self.c.loyalty_member:
            return
        if rng.random() < 0.35:
            at = self.add("email_delivered", self.later(at, 86400, 90000), campaign="loyalty")
            if rng.random() < 0.4:
                at = self.add("email_open", self.later(at, 600, 40000), campaign="loyalty")
                if rng.random() < 0.5:
                    at = self.add("email_click", self.later(at, 5, 600), campaign="loyalty")
        if rng.random() < 0.3:
            self.add("loyalty_signup", self.later(at, 60, 3 * 86400))
            self.c.loyalty_member = True

    def signup(self, at: dt.datetime) -> None:
        layout = "a" if self.rng.random() < 0.5 else "b"
        at = self.add("account_signup_view", at, layout=layout)
        if self.rng.random() < (0.35 if layout == "a" else 0.45):
            self.add("account_signup", self.later(at, 30, 900), layout=layout)


def _customers(count: int, rng: random.Random) -> list[Customer]:
    kinds = ["skincare"] * 35 + ["bargain"] * 20 + ["loyal"] * 15 + ["casual"] * 30
    people = []
    for number in range(1, count + 1):
        kind = rng.choice(kinds)
        people.append(
            Customer(
                id=f"cust_{number:05d}",
                kind=kind,
                age=rng.randint(18, 65) if kind != "skincare" else rng.randint(22, 34),
                newsletter=rng.random() < (0.6 if kind == "loyal" else 0.25),
                sms_opt_in=rng.random() < 0.3,
                loyalty_member=kind == "loyal" and rng.random() < 0.6,
            )
        )
    return people


def generate(customers: int = 2000, seed: int = 7) -> tuple[list[Event], list[Customer]]:
    """Every customer's events over the 90 days (in time order per customer)."""
    rng = random.Random(seed)
    people = _customers(customers, rng)
    events: list[Event] = []
    for person in people:
        story = _Story(person, rng)
        sessions = {"skincare": 6, "bargain": 5, "loyal": 8, "casual": 2}[person.kind]
        favourite = "skincare" if person.kind in {"skincare", "loyal"} else rng.choice(CATEGORIES)
        for _ in range(max(1, int(rng.gauss(sessions, sessions / 2)))):
            at = START + dt.timedelta(seconds=rng.uniform(0, DAYS * 86400))
            category = favourite if rng.random() < 0.7 else rng.choice(CATEGORIES)
            story.session(at, category)
        if rng.random() < 0.2:
            story.signup(START + dt.timedelta(seconds=rng.uniform(0, DAYS * 86400)))
        if rng.random() < 0.03:
            story.add("unsubscribe", START + dt.timedelta(seconds=rng.uniform(0, DAYS * 86400)))
        end = START + dt.timedelta(days=DAYS)
        events.extend(e for e in story.events if e.ts < end)
    return events, people


def _ts_text(ts: dt.datetime, rng: random.Random) -> str:
    """Timestamps as exports write them: mostly Z, some naive (UTC), some +09:00."""
    roll = rng.random()
    if roll < 0.1:
        return ts.astimezone(dt.timezone(dt.timedelta(hours=9))).isoformat(timespec="milliseconds")
    if roll < 0.2:
        return ts.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
    return ts.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _messy_lines(events: list[Event], rng: random.Random) -> Iterator[str]:
    """Canonical JSON lines, with a few broken rows and rows out of time order."""
    rows = [
        json.dumps(
            {
                "customer_id": e.customer_id,
                "event": e.event,
                "ts": _ts_text(e.ts, rng),
                "properties": e.properties,
            },
            ensure_ascii=False,
        )
        for e in sorted(events, key=lambda e: (e.ts, e.customer_id))
    ]
    for index in range(0, len(rows) - 1, 97):  # exports are rarely in perfect order
        rows[index], rows[index + 1] = rows[index + 1], rows[index]
    broken = [
        '{"customer_id": "cust_00001", "event": "page_view", "ts": "2026-13-45T99:00:00Z"}',
        '{"customer_id": "", "event": "page_view", "ts": "2026-08-02T10:00:00Z"}',
        '{"customer_id": "cust_00002", "ts": "2026-08-02T10:00:00Z"}',
        '{"customer_id": "cust_00003", "event": "purchase", "ts": "2026-08-03T10:00:00Z", '
        '"properties": "amount=5"}',
        '{"customer_id": "cust_00004", "event": "page_view", "ts": ',
        "<html><body>502 Bad Gateway</body></html>",
    ]
    for line in broken:
        rows.insert(rng.randrange(len(rows)), line)
    yield from rows


def write_canonical(path: Path, events: list[Event], seed: int = 7) -> int:
    rng = random.Random(seed + 1)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for line in _messy_lines(events, rng):
            out.write(line + "\n")
            count += 1
    return count


def write_segment(path: Path, events: list[Event], people: list[Customer], seed: int = 7) -> int:
    """The same history as Segment track/page calls, plus identify calls (traits)."""
    rng = random.Random(seed + 2)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for person in people:
            identify = {
                "type": "identify",
                "userId": person.id,
                "traits": {"age": person.age, "newsletter": person.newsletter},
                "timestamp": START.isoformat().replace("+00:00", "Z"),
                "messageId": f"id-{person.id}",
            }
            out.write(json.dumps(identify) + "\n")
            count += 1
        for number, e in enumerate(sorted(events, key=lambda e: (e.ts, e.customer_id))):
            call: dict[str, Any] = {
                "messageId": f"m{number}",
                "timestamp": e.ts.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "properties": e.properties,
            }
            if e.event == "page_view":
                call.update(type="page", name=e.properties.get("page", ""))
            else:
                call.update(type="track", event=e.event)
            key = "userId" if rng.random() < 0.8 else "anonymousId"
            call[key] = e.customer_id
            out.write(json.dumps(call, ensure_ascii=False) + "\n")
            count += 1
    return count


def write_customers(path: Path, people: list[Customer]) -> int:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["customer_id", "age", "newsletter", "sms_opt_in", "loyalty_member"])
        for p in people:
            writer.writerow(
                [
                    p.id,
                    p.age,
                    str(p.newsletter).lower(),
                    str(p.sms_opt_in).lower(),
                    str(p.loyalty_member).lower(),
                ]
            )
    return len(people)


def write_sample(directory: Path, customers: int = 2000, seed: int = 7) -> dict[str, int]:
    """Write events.jsonl (canonical), segment.jsonl and customers.csv; return their row counts."""
    directory.mkdir(parents=True, exist_ok=True)
    events, people = generate(customers, seed)
    return {
        "events.jsonl": write_canonical(directory / "events.jsonl", events, seed),
        "segment.jsonl": write_segment(directory / "segment.jsonl", events, people, seed),
        "customers.csv": write_customers(directory / "customers.csv", people),
    }


DEMO_CUSTOMERS = 400
DEMO_SEED = 7
"""The committed samples/ (samples/generate.py's defaults): what `cjo demo` reads."""


def write_demo_log(directory: Path) -> tuple[Path, Path]:
    """The demo's log and customers file, byte for byte the committed samples/events.jsonl
    and samples/customers.csv: an installed cjo has no checkout to read them from, and
    writing them (well under a second) ships nothing twice."""
    directory.mkdir(parents=True, exist_ok=True)
    events, people = generate(DEMO_CUSTOMERS, DEMO_SEED)
    log, customers = directory / "events.jsonl", directory / "customers.csv"
    write_canonical(log, events, DEMO_SEED)
    write_customers(customers, people)
    return log, customers
