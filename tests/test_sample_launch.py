"""The store's own messages and its launched journey in the sample: messages reach only
who they can reach, and `first_purchase_incentive` runs as its YAML says — entry on the
first page view from the launch on of a customer who has not bought, the holdout drawn
at its planned share and sent nothing, the coupon only for the treated, within the goal
window, and the reminder email after quiet hours."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import cache

from cjo_cli.sample_launch import COUPON_DAYS, HOLDOUT, LAUNCH
from cjo_cli.sample_log import generate
from cjo_cli.sample_story import JST, Customer, Event, civil

JOURNEY_EVENTS = {"hello_bar_view", "hello_bar_click"}


@cache
def sample() -> tuple[dict[str, Customer], dict[str, list[Event]]]:
    events, people = generate(1000, seed=3)
    told: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        told[e.customer_id].append(e)
    return {p.id: p for p in people}, dict(told)


def entry(events: list[Event]) -> Event | None:
    return next((e for e in events if "journey_group" in e.properties), None)


def test_the_entry_is_the_first_page_view_from_launch_of_one_who_has_not_bought() -> None:
    _, told = sample()
    entered = 0
    for events in told.values():
        found = entry(events)
        recorded = [e for e in events if "journey_group" in e.properties]
        assert len(recorded) <= 1
        bought = next((e.ts for e in events if e.event == "purchase"), None)
        views = [e for e in events if e.event == "page_view" and e.ts >= LAUNCH]
        first = next((e for e in views if bought is None or e.ts < bought), None)
        assert found is first
        entered += found is not None
    assert entered > 500


def test_the_holdout_is_drawn_at_the_planned_share() -> None:
    _, told = sample()
    groups = [found.properties["journey_group"] for e in told.values() if (found := entry(e))]
    assert set(groups) == {"treated", "control"}
    share = groups.count("control") / len(groups)
    assert abs(share - HOLDOUT) < 3.29 * (HOLDOUT * (1 - HOLDOUT) / len(groups)) ** 0.5


def test_only_treated_customers_see_the_journey_and_only_while_it_lasts() -> None:
    _, told = sample()
    for events in told.values():
        found = entry(events)
        shown = [e for e in events if e.event in JOURNEY_EVENTS]
        mails = [e for e in events if e.properties.get("campaign") == "first_purchase"]
        coupons = [e for e in events if e.properties.get("coupon")]
        if found is None or found.properties["journey_group"] == "control":
            assert not shown and not mails and not coupons
            continue
        for e in shown + mails + coupons:
            assert found.ts <= e.ts <= found.ts + COUPON_DAYS + dt.timedelta(days=1), e


def test_treated_customers_buy_more_often_than_the_holdout() -> None:
    _, told = sample()
    bought: dict[str, list[bool]] = defaultdict(list)
    for events in told.values():
        if (found := entry(events)) is None:
            continue
        window = found.ts + COUPON_DAYS
        converted = any(e.event == "purchase" and found.ts <= e.ts <= window for e in events)
        bought[str(found.properties["journey_group"])].append(converted)
    treated = sum(bought["treated"]) / len(bought["treated"])
    control = sum(bought["control"]) / len(bought["control"])
    assert treated - control > 0.05


def test_the_coupon_email_waits_for_the_morning() -> None:
    _, told = sample()
    latency = dt.timedelta(minutes=2)  # from the send to the inbox
    delivered = [
        e.ts
        for events in told.values()
        for e in events
        if e.event == "email_delivered" and e.properties["campaign"] == "first_purchase"
    ]
    assert delivered and all(civil(at - latency) <= at for at in delivered)
    assert {at.astimezone(JST).hour for at in delivered} & {8}  # some did wait for 08:00


def test_messages_reach_only_who_they_can_reach() -> None:
    people, told = sample()
    for customer, events in told.items():
        person = people[customer]
        installed = min((e.ts for e in events if e.event == "app_install"), default=None)
        for e in events:
            if e.event in ("email_delivered", "sms_delivered", "push_delivered"):
                assert e.ts >= person.arrival
            if e.event == "sms_delivered":
                assert person.sms_opt_in
            if e.event == "push_delivered":
                assert person.push_opt_in
            if e.event == "app_push_delivered":
                assert person.has_app or (installed is not None and installed <= e.ts)
        opened = {e.properties.get("campaign") for e in events if e.event == "email_open"}
        clicked = {e.properties.get("campaign") for e in events if e.event == "email_click"}
        assert clicked <= opened
