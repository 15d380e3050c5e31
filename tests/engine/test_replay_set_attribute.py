"""Set-attribute steps: the trait changes for the rest of the customer's replay, so a
later split (of this journey or another) sees it; a holdout entry sets nothing; the
`--db` table `attributes` records each change. Worked by hand.

`welcome` enters on signup, sets `tier: silver` and, a day later, splits on it: silver
customers get the mail. `upsell` enters on `visit` and sends the push only to silver
customers: a customer who visits after the welcome's set step gets it, one who visited
before does not.
"""

from __future__ import annotations

import json
from pathlib import Path

from cjo_cli.engine.replay_plan import build_plan
from cjo_cli.engine.replay_records import in_holdout
from cjo_cli.engine.simulate import simulate
from tests.engine.replay_helpers import (
    event,
    journey,
    load_workspace,
    log_connection,
    run,
    sends,
)

SILVER = "{attribute: tier, op: eq, value: silver}"
WELCOME = journey(
    "welcome",
    entry="{event: signup}",
    steps=f"""
        mark: {{set: {{attribute: tier, value: silver}}, next: pause}}
        pause: {{wait: 1d, next: pick}}
        pick:
          split:
            - {{if: {SILVER}, next: mail}}
            - {{else: done}}
        mail: {{send: mail, next: done}}
    """,
)
UPSELL = journey(
    "upsell",
    entry="{event: visit}",
    re_entry="always",
    steps=f"""
        pick:
          split:
            - {{if: {SILVER}, next: push}}
            - {{else: done}}
        push: {{send: push, next: done}}
    """,
)
LOG = [
    event("a", "visit", "2026-06-01T09:00:00Z"),  # before the set step: not silver yet
    event("a", "signup", "2026-06-01T10:00:00Z"),  # set at 10:00
    event("a", "visit", "2026-06-01T12:00:00Z"),  # silver now: the push
    event("a", "visit", "2026-06-03T00:00:00Z"),  # keeps the log open past the wait
]


def test_a_set_attribute_feeds_later_splits(tmp_path: Path) -> None:
    replays, _ = run(tmp_path, [WELCOME, UPSELL], LOG)
    assert sends(replays["a"]) == [
        ("2026-06-01T12:00:00Z", "push", "sent"),
        ("2026-06-02T10:00:00Z", "mail", "sent"),
        ("2026-06-03T00:00:00Z", "push", "sent"),
    ]
    (change,) = replays["a"].attributes
    assert (change.journey, change.step, change.attribute, change.value) == (
        "welcome",
        "mark",
        "tier",
        "silver",
    )


def test_null_clears_the_trait(tmp_path: Path) -> None:
    cleared = WELCOME.replace("{attribute: tier, value: silver}", "{attribute: tier, value: null}")
    replays, _ = run(tmp_path, [cleared, UPSELL], LOG)
    assert sends(replays["a"]) == []  # never silver
    assert replays["a"].attributes[0].value is None


def test_a_holdout_entry_sets_nothing(tmp_path: Path) -> None:
    # The first customer id the stable hash holds out of `welcome` at 50%.
    held = next(c for c in (f"c{n}" for n in range(100)) if in_holdout("welcome", c, 50))
    log = [{**row, "customer_id": held} for row in LOG]
    half = WELCOME.replace("entry: {event: signup}", "entry: {event: signup}\nholdout: 50%")
    replays, _ = run(tmp_path, [half, UPSELL], log)
    (welcome,) = [e for e in replays[held].entries if e.journey == "welcome"]
    assert welcome.holdout
    assert replays[held].attributes == []
    assert sends(replays[held]) == []  # the upsell never sees silver either


def test_the_db_table_records_each_change(tmp_path: Path) -> None:
    ws = load_workspace(tmp_path, WELCOME, UPSELL)
    con = log_connection(tmp_path, LOG)
    simulate(con, build_plan(ws, list(ws.journeys.values())), keep_tables=True)
    rows = con.execute(
        "SELECT customer_id, journey, entry, step, epoch_us(ts), attribute, value FROM attributes"
    ).fetchall()
    assert len(rows) == 1
    customer, journey_id, entry, step, _, attribute, value = rows[0]
    assert (customer, journey_id, entry, step, attribute) == ("a", "welcome", 1, "mark", "tier")
    assert json.loads(value) == "silver"
