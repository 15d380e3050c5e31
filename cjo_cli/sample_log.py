"""The seeded event log of the sample beauty store (journeys/), as exports write it.

The customers and what they do come from sample_story.py (the site) and
sample_launch.py (the store's messages and the one journey it ran); this module writes
them: canonical JSON lines, the same history as Segment calls, and the customers file.
A small share of canonical rows is messy on purpose, as real exports are: naive and
offset timestamps, unreadable timestamps, rows without a customer, broken JSON, and
rows out of time order. In the Segment copy, new visitors are anonymous (an
`anonymousId` only) until they give themselves away (sign up, subscribe, check out),
when an identify call links the two ids; those who never do stay anonymous.

The same seed always gives the same files.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cjo_cli.sample_launch import Store
from cjo_cli.sample_story import START, Customer, Event, make_customers, visits

IDENTIFYING = frozenset(
    {"account_signup", "newsletter_subscribe", "checkout_start", "loyalty_form_start"}
)
"""Events only a visitor who has given an email or logged in can do."""
SERVER_SIDE = frozenset(
    {"email_delivered", "sms_delivered", "push_delivered", "app_push_delivered", "order_delivered"}
)
"""Events the store's systems send about a known customer."""


def generate(customers: int = 2000, seed: int = 7) -> tuple[list[Event], list[Customer]]:
    """Every customer's events over the 90 days (in time order per customer)."""
    rng = random.Random(seed)
    people = make_customers(customers, rng)
    events: list[Event] = []
    for person in people:
        events.extend(Store(person, rng).run(visits(person, rng)))
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


def _identified_at(person: Customer, events: list[Event]) -> dt.datetime | None:
    """When a new visitor becomes known: their first event that needs an identity
    (None: never); a returning customer is known from the start."""
    if person.returning:
        return START
    return next((e.ts for e in events if e.event in IDENTIFYING | SERVER_SIDE), None)


def _iso(ts: dt.datetime) -> str:
    return ts.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def write_segment(path: Path, events: list[Event], people: list[Customer], seed: int = 7) -> int:
    """The same history as Segment track/page calls, with the identify calls (traits) that
    link each visitor's anonymous id to the customer once the customer is known."""
    rng = random.Random(seed + 2)
    anonymous = {p.id: str(uuid.UUID(int=rng.getrandbits(128), version=4)) for p in people}
    per_customer: dict[str, list[Event]] = {}
    for e in sorted(events, key=lambda e: (e.ts, e.customer_id)):
        per_customer.setdefault(e.customer_id, []).append(e)
    known = {p.id: _identified_at(p, per_customer.get(p.id, [])) for p in people}
    calls: list[tuple[dt.datetime, str, int, dict[str, Any]]] = []
    for person in people:
        at = known[person.id]
        if at is not None:
            identify = {
                "type": "identify",
                "userId": person.id,
                "anonymousId": anonymous[person.id],
                "traits": {"age": person.age, "newsletter": person.newsletter},
                "timestamp": _iso(at),
                "messageId": f"id-{person.id}",
            }
            calls.append((at, person.id, 0, identify))
    for number, e in enumerate(sorted(events, key=lambda e: (e.ts, e.customer_id))):
        call: dict[str, Any] = {"messageId": f"m{number}", "timestamp": _iso(e.ts)}
        call["properties"] = e.properties
        if e.event == "page_view":
            call.update(type="page", name=e.properties.get("page", ""))
        else:
            call.update(type="track", event=e.event)
        at = known[e.customer_id]
        if at is not None and e.ts >= at:
            call["userId"] = e.customer_id
        else:
            call["anonymousId"] = anonymous[e.customer_id]
        calls.append((e.ts, e.customer_id, 1, call))
    calls.sort(key=lambda c: c[:3])
    with path.open("w", encoding="utf-8") as out:
        for *_, call in calls:
            out.write(json.dumps(call, ensure_ascii=False) + "\n")
    return len(calls)


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


DEMO_CUSTOMERS = 2000
DEMO_SEED = 7
"""The committed samples/ (samples/generate.py's defaults): what `cjo demo` reads."""


def write_demo_log(directory: Path) -> tuple[Path, Path]:
    """The demo's log and customers file, byte for byte the committed samples/events.jsonl
    and samples/customers.csv: an installed cjo has no checkout to read them from, and
    writing them (about a second) ships nothing twice."""
    directory.mkdir(parents=True, exist_ok=True)
    events, people = generate(DEMO_CUSTOMERS, DEMO_SEED)
    log, customers = directory / "events.jsonl", directory / "customers.csv"
    write_canonical(log, events, DEMO_SEED)
    write_customers(customers, people)
    return log, customers
