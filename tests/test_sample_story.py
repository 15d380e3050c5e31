"""The sample store's customers: each story in time order within the 90 days, visits
that do not overlap, losses where real stores lose people, and the store's own messages
and launched journey absent from the plain story."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest

from cjo_cli.sample_story import (
    END,
    JST,
    KINDS,
    START,
    Customer,
    Event,
    Story,
    civil,
    make_customers,
    tokyo,
    visits,
)


def stories(count: int = 300, seed: int = 3) -> tuple[list[Customer], list[list[Event]]]:
    rng = random.Random(seed)
    people = make_customers(count, rng)
    return people, [Story(person, rng).run(visits(person, rng)) for person in people]


def test_tokyo_is_the_store_s_clock() -> None:
    assert tokyo(0, 9) == START  # 09:00 in Tokyo is midnight UTC
    assert tokyo(14, 10).astimezone(JST).isoformat() == "2026-08-15T10:00:00+09:00"


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("2026-08-10T12:00:00+09:00", "2026-08-10T12:00:00+09:00"),
        ("2026-08-10T21:59:59+09:00", "2026-08-10T21:59:59+09:00"),
        ("2026-08-10T22:00:00+09:00", "2026-08-11T08:00:00+09:00"),
        ("2026-08-11T07:59:00+09:00", "2026-08-11T08:00:00+09:00"),
        ("2026-08-11T08:00:00+09:00", "2026-08-11T08:00:00+09:00"),
    ],
)
def test_civil_waits_out_the_policy_s_quiet_hours(local: str, expected: str) -> None:
    found = civil(dt.datetime.fromisoformat(local).astimezone(dt.UTC))
    assert found == dt.datetime.fromisoformat(expected)


def test_the_same_rng_tells_the_same_stories() -> None:
    assert stories(40, seed=5) == stories(40, seed=5)
    assert stories(40, seed=5)[1] != stories(40, seed=6)[1]


def test_each_story_is_in_time_order_within_the_log() -> None:
    people, told = stories()
    for person, events in zip(people, told, strict=True):
        assert events, person.id  # everyone visits at least once
        assert all(e.customer_id == person.id for e in events)
        assert [e.ts for e in events] == sorted(e.ts for e in events)
        assert events[0].ts >= START and events[-1].ts < END
        assert events[0].ts >= person.arrival or events[0].event == "ad_impression"


def test_the_customer_mix_follows_the_personas() -> None:
    people = make_customers(2000, random.Random(1))
    kinds = Counter(p.kind for p in people)
    for kind, percent in KINDS.items():
        assert abs(kinds[kind] / 2000 - percent / 100) < 0.04, kind
    loyal = [p for p in people if p.kind == "loyal"]
    assert all(p.returning for p in loyal)
    assert 0.45 < sum(p.loyalty_member for p in loyal) / len(loyal) < 0.75
    assert not any(p.has_app for p in people if not p.returning)  # new visitors have no app yet


def test_visits_lose_people_along_the_way() -> None:
    _, told = stories(600)
    names = Counter(e.event for events in told for e in events)
    # Every ad click is not a page view, every page view not a product view, and so on.
    assert names["ad_click"] < names["ad_impression"]
    assert 0 < names["cart_abandoned"] < names["add_to_cart"]
    assert names["purchase"] < names["checkout_start"] <= names["add_to_cart"] + names["page_view"]
    assert names["loyalty_signup"] < names["loyalty_form_start"] < names["loyalty_page_view"]
    assert names["account_signup"] < names["account_signup_view"]
    assert names["refund"] < names["order_delivered"] <= names["purchase"]


def test_every_commerce_event_says_its_channel_and_ads_their_source() -> None:
    _, told = stories()
    for events in told:
        for e in events:
            if e.event in ("product_view", "add_to_cart", "checkout_start", "purchase"):
                assert e.properties["channel"], e
            if e.event in ("ad_impression", "ad_click"):
                assert e.properties["utm_source"] in ("instagram", "google", "line"), e


def test_a_sign_up_page_view_records_its_layout_once_per_customer() -> None:
    _, told = stories(600)
    for events in told:
        views = [e for e in events if e.event == "account_signup_view"]
        signups = [e for e in events if e.event == "account_signup"]
        assert len(views) <= 1 and len(signups) <= len(views)
        for signup in signups:
            assert signup.properties["layout"] == views[0].properties["layout"]
            assert views[0].ts < signup.ts <= views[0].ts + dt.timedelta(days=1)


def test_the_plain_story_has_no_store_messages_and_no_launched_journey() -> None:
    _, told = stories()
    names = {e.event for events in told for e in events}
    assert not names & {"email_delivered", "sms_delivered", "push_delivered", "hello_bar_view"}
    assert not any("journey_group" in e.properties for events in told for e in events)


def test_visits_of_one_customer_do_not_overlap() -> None:
    # A visit starts after the previous one ended: no page view lands between a checkout
    # and its payment, so "bought before this page view" in the log is what the story
    # knew when it drew that page view.
    _, told = stories(600)
    paid = 0
    for events in told:
        for index, event in enumerate(events):
            if event.event != "purchase":
                continue
            start = max(i for i in range(index) if events[i].event == "checkout_start")
            assert not [e for e in events[start:index] if e.event == "page_view"]
            paid += 1
    assert paid > 100
