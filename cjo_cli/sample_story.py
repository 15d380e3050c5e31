"""How the sample beauty store's customers behave: each customer's 90 days, in time order.

Customers follow the sample personas — Lisa-like skincare browsers who leave carts,
Kenji-like bargain hunters, Mika-like loyal repeat buyers — and casual visitors. Some
were customers before the log starts; the others arrive during it. Each visit comes
from a source (Instagram, Google and LINE ads and posts, direct, the store's own
messages) and loses people where real stores do: ad clicks whose page never loads,
landing pages left at once, carts left, payments given up. Orders are delivered,
reviewed, refunded, supported and referred; skincare runs out and is bought again.

The store's business-as-usual messages (newsletters, a loyalty campaign, sale SMS and
web pushes, app pushes, the newsletter pop-up, the smart app banner) reach whoever they
reach on fixed days, with the opens and clicks that bring some back. The journeys of
journeys/ did not run, except one: `first_purchase_incentive` went live on LAUNCH
(sample_launch.py), and its entry page views record each customer's group.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

START = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
DAYS = 90
END = START + dt.timedelta(days=DAYS)
JST = dt.timezone(dt.timedelta(hours=9))
CATEGORIES = ["skincare", "makeup", "fragrance", "haircare"]
KINDS = {"skincare": 30, "bargain": 20, "loyal": 12, "casual": 38}
SESSIONS = {"skincare": 4.0, "bargain": 4.0, "loyal": 5.5, "casual": 1.3}
VIEWS = {"skincare": 4, "bargain": 3, "loyal": 2, "casual": 2}
BUY = {"skincare": 0.16, "bargain": 0.15, "loyal": 0.5, "casual": 0.05}
ABANDON = {"skincare": 0.7, "bargain": 0.6, "loyal": 0.15, "casual": 0.65}
COMES_BACK = {"skincare": 0.3, "bargain": 0.25, "loyal": 0.6, "casual": 0.15}
CART_VALUES = [1980, 2800, 3600, 4500, 6200, 9800, 12000, 15800]
HOUR_WEIGHTS = [
    2, 1, 0.5, 0.3, 0.3, 0.5, 1, 2.5, 3, 3, 3, 3.5,  # 00:00-11:00
    5, 4, 3, 3, 3, 3.5, 4, 5, 6.5, 7, 6, 4,  # 12:00-23:00
]  # fmt: skip
"""How busy each hour of the Tokyo day is (the evening peak, the quiet night)."""
SOURCES = {"instagram": 25, "google": 30, "line": 10, "direct": 35}
PAID = {"instagram": 0.5, "google": 0.3, "line": 0.4}
"""Of the visits from a source, the share that comes through an ad."""
CHANNEL = {
    "instagram": "social",
    "google": "search",
    "line": "line",
    "direct": "direct",
    "newsletter": "email",
    "sms": "sms",
    "web_push": "push",
    "app_push": "push",
}
"""The marketing channel a visit's source belongs to: what `purchase_funnel` breaks down by."""

Action = Callable[[dt.datetime], None]


def tokyo(day: int, hour: int) -> dt.datetime:
    """`hour`:00 Tokyo time on day `day` of the log (day 0 is 1 August)."""
    return dt.datetime(2026, 8, 1, hour, tzinfo=JST).astimezone(dt.UTC) + dt.timedelta(days=day)


def civil(at: dt.datetime) -> dt.datetime:
    """The first instant at or after `at` outside the policy's quiet hours (22:00-08:00
    Tokyo time): the store's own sends wait for the morning, as the policy says."""
    local = at.astimezone(JST)
    if 8 <= local.hour < 22:
        return at
    morning = local.replace(hour=8, minute=0, second=0, microsecond=0)
    if local.hour >= 22:
        morning += dt.timedelta(days=1)
    return morning.astimezone(dt.UTC)


@dataclass(frozen=True)
class Event:
    customer_id: str
    event: str
    ts: dt.datetime
    properties: dict[str, Any]


@dataclass
class Customer:
    """A customer's traits as the store's CRM holds them when the customer first visits:
    what changes later (subscribing, joining the loyalty programme) is in the log."""

    id: str
    kind: str
    age: int
    newsletter: bool
    sms_opt_in: bool
    loyalty_member: bool
    push_opt_in: bool
    has_app: bool
    arrival: dt.datetime
    """The first visit."""
    returning: bool
    """A customer from before the log (identified from the start), not a new visitor."""


class Story:
    """One customer's events: visits, orders and messages, taken in time order from a
    queue, each of which may add later ones (a click brings a visit, an order a delivery)."""

    def __init__(self, customer: Customer, rng: random.Random) -> None:
        self.c = customer
        self.rng = rng
        self.tests = random.Random(rng.getrandbits(64))
        """The store's A/B test's own draws: its layouts and sign-ups leave the rest alone."""
        self.events: list[Event] = []
        self.queue: list[tuple[dt.datetime, int, Action]] = []
        self.subscribed = customer.newsletter
        self.member = customer.loyalty_member
        self.app = customer.has_app
        self.registered = customer.returning
        self.signup_seen = False
        self.bought = 0
        self.busy_until = START
        self.favourite = (
            "skincare" if customer.kind in {"skincare", "loyal"} else rng.choice(CATEGORIES)
        )
        self.boost = 0.0
        """Extra will to buy in the current visit (a coupon, a reminder, an empty bottle)."""
        self.planned = 0

    def add(self, name: str, at: dt.datetime, **props: Any) -> dt.datetime:
        self.events.append(Event(self.c.id, name, at, props))
        return at

    def later(self, at: dt.datetime, low: float, high: float) -> dt.datetime:
        return at + dt.timedelta(seconds=self.rng.uniform(low, high))

    def tested(self, at: dt.datetime, low: float, high: float) -> dt.datetime:
        return at + dt.timedelta(seconds=self.tests.uniform(low, high))

    def plan(self, at: dt.datetime, action: Action) -> None:
        self.planned += 1  # ties keep the order they were planned in
        heapq.heappush(self.queue, (at, self.planned, action))

    def moment(self, earliest: dt.datetime, latest: dt.datetime) -> dt.datetime:
        """A time between the two at an hour people shop (Tokyo time)."""
        span = max(0.0, (latest - earliest).total_seconds())
        day = (earliest + dt.timedelta(seconds=self.rng.uniform(0, span))).astimezone(JST)
        hour = self.rng.choices(range(24), HOUR_WEIGHTS)[0]
        at = day.replace(hour=hour, minute=self.rng.randrange(60), second=self.rng.randrange(60))
        return max(at.astimezone(dt.UTC), earliest)

    def run(self, visits: int) -> list[Event]:
        """Every event of the customer within the log's 90 days, in time order."""
        self.plan(self.c.arrival, self.visit)
        for _ in range(visits - 1):
            # People come back most in the days after they find the store.
            soon = self.c.arrival + dt.timedelta(days=self.rng.expovariate(1 / 4))
            latest = soon if self.rng.random() < 0.4 else END
            self.plan(self.moment(self.c.arrival, min(latest, END)), self.visit)
        if self.rng.random() < 0.04:
            self.plan(self.moment(self.c.arrival, END), self.unsubscribe)
        self.plan_messages()
        while self.queue:
            at, _, action = heapq.heappop(self.queue)
            if at >= END:
                break
            action(at)
        self.events.sort(key=lambda e: e.ts)
        return [e for e in self.events if START <= e.ts < END]

    # What the store does besides the site (sample_launch.py): its messages, and the
    # journey it launched. The plain story is a store without them.
    def plan_messages(self) -> None:
        return None

    def extra_boost(self, at: dt.datetime) -> float:
        return 0.0

    def hooked(self, at: dt.datetime) -> bool:
        """Whether something on the landing page keeps the visitor from leaving at once."""
        return False

    def entry_group(self, at: dt.datetime) -> dict[str, str]:
        return {}

    def on_landing(self, at: dt.datetime) -> dt.datetime:
        return at

    def visit(
        self, at: dt.datetime, source: str | None = None, boost: float = 0.0, wants: str = ""
    ) -> None:
        """One visit: from an ad, a post, a message or a bookmark, to a product, a cart;
        `wants` is a category the customer comes for."""
        rng = self.rng
        at = max(at, self.busy_until + dt.timedelta(seconds=rng.uniform(60, 900)))
        paid = False
        if source is None:
            source = rng.choices(list(SOURCES), list(SOURCES.values()))[0]
            paid = rng.random() < PAID.get(source, 0.0)
        channel = CHANNEL[source]
        tags = {} if source == "direct" else {"utm_source": source}
        if paid:
            for _ in range(rng.randint(0, 2)):  # the ad was seen before, and not clicked
                self.add("ad_impression", self.later(at, -3 * 86400, -600), **tags)
            at = self.add("ad_impression", at, **tags)
            at = self.add("ad_click", self.later(at, 2, 90), **tags)
            if rng.random() < 0.15:  # the landing page never loaded
                self.busy_until = at
                return
        at = self.landing(self.later(at, 1, 6), "home", tags)
        if rng.random() < (0.45 if paid else 0.3 if boost == 0 else 0.1) and not self.hooked(at):
            self.busy_until = at
            return
        self.boost = boost + self.extra_boost(at)
        if self.c.kind == "bargain" and rng.random() < 0.7:
            at = self.add("coupon_view", self.later(at, 5, 60))
            at = self.add("page_view", self.later(at, 5, 60), page="sale", **tags)
        category = wants or (self.favourite if rng.random() < 0.7 else rng.choice(CATEGORIES))
        for _ in range(rng.randint(1, VIEWS[self.c.kind])):
            at = self.add(
                "product_view", self.later(at, 10, 150), category=category, channel=channel
            )
        at = self.pop_ups(at)
        if not self.member and rng.random() < (0.2 if self.c.kind == "loyal" else 0.05):
            at = self.loyalty(at)
        elif not self.registered and not self.signup_seen and rng.random() < 0.2:
            at = self.signup(self.later(at, 10, 60))
        if rng.random() < BUY[self.c.kind] + self.boost:
            at = self.cart(at, category, channel)
        self.busy_until = at

    def landing(self, at: dt.datetime, page: str, tags: dict[str, str]) -> dt.datetime:
        """The first page view of a visit: the launched journey's entry event."""
        at = self.add("page_view", at, page=page, **tags, **self.entry_group(at))
        return self.on_landing(at)

    def pop_ups(self, at: dt.datetime) -> dt.datetime:
        """The site's newsletter pop-up and, on mobile web, its smart app banner."""
        rng = self.rng
        if not self.subscribed and rng.random() < 0.25:
            at = self.add("popup_view", self.later(at, 20, 90))
            if rng.random() < 0.1:
                at = self.add("newsletter_subscribe", self.later(at, 5, 60), source="popup")
                self.subscribed = True
        if not self.app and rng.random() < 0.2:
            at = self.add("banner_view", self.later(at, 1, 30))
            if rng.random() < 0.07:
                at = self.add("banner_click", self.later(at, 2, 40))
                if rng.random() < 0.6:
                    self.install(self.later(at, 30, 600))
        return at

    def install(self, at: dt.datetime) -> None:
        self.plan(at, self.installed)  # the app is there from then on, not before

    def installed(self, at: dt.datetime) -> None:
        if not self.app:
            self.add("app_install", at)
            self.app = True

    def loyalty(self, at: dt.datetime) -> dt.datetime:
        """The loyalty programme's page, and its long sign-up form."""
        at = self.add("loyalty_page_view", self.later(at, 10, 120))
        if self.member or self.rng.random() > 0.4 + self.boost:
            return at
        at = self.add("loyalty_form_start", self.later(at, 20, 300))
        if self.rng.random() < 0.4:
            at = self.add("loyalty_signup", self.later(at, 120, 600))
            self.member = True
        return at

    def signup(self, at: dt.datetime) -> dt.datetime:
        """The account sign-up page, in the layout the store's A/B test showed (recorded)."""
        self.signup_seen = True
        layout = "a" if self.tests.random() < 0.5 else "b"
        at = self.add("account_signup_view", at, layout=layout)
        if self.tests.random() < (0.32 if layout == "a" else 0.4):
            at = self.add("account_signup", self.tested(at, 40, 600), layout=layout)
            self.registered = True
        return at

    def cart(self, at: dt.datetime, category: str, channel: str) -> dt.datetime:
        rng = self.rng
        value = rng.choice(CART_VALUES)
        at = self.add(
            "add_to_cart", self.later(at, 5, 120), category=category, cart_value=value,
            channel=channel,
        )  # fmt: skip
        if rng.random() < ABANDON[self.c.kind] * max(0.0, 1 - 2 * self.boost):
            at = self.add("cart_abandoned", self.later(at, 600, 2400), cart_value=value)
            if rng.random() < COMES_BACK[self.c.kind]:
                back = self.moment(self.later(at, 3600, 3 * 3600), self.later(at, 86400, 5 * 86400))
                self.plan(back, lambda when: self.come_back(when, category, value))
            return at
        return self.checkout(self.later(at, 30, 600), category, value, channel)

    def come_back(self, at: dt.datetime, category: str, value: int) -> None:
        """Back for the cart left earlier: straight to it, and mostly on to pay."""
        at = max(at, self.busy_until + dt.timedelta(seconds=self.rng.uniform(60, 900)))
        at = self.landing(at, "cart", {})
        self.busy_until = self.checkout(self.later(at, 20, 300), category, value, "direct")

    def checkout(self, at: dt.datetime, category: str, value: int, channel: str) -> dt.datetime:
        rng = self.rng
        if not self.registered and not self.signup_seen and rng.random() < 0.3:
            at = self.signup(at)  # guests are offered an account before paying
        at = self.add("checkout_start", self.later(at, 5, 60), cart_value=value, channel=channel)
        if rng.random() < 0.12:  # gave up at the payment form
            return at
        platform = "app" if self.app and rng.random() < 0.6 else "web"
        props: dict[str, Any] = {"category": category, "platform": platform, "channel": channel}
        amount = value if rng.random() < 0.97 else 0  # paid in full with points
        paid = self.later(at, 30, 400)
        props.update(self.use_coupon(paid, amount))
        at = self.add("purchase", paid, **props)
        self.bought += 1
        if not self.subscribed and rng.random() < 0.15:
            self.add("newsletter_subscribe", self.later(at, 2, 20), source="checkout")
            self.subscribed = True
        if platform == "web" and rng.random() < 0.06:
            self.install(self.later(at, 600, 6 * 86400))
        self.after_order(at, category, props["amount"])
        return at

    def use_coupon(self, at: dt.datetime, amount: int) -> dict[str, Any]:
        """The purchase's amount (the launched journey's coupon lowers it)."""
        return {"amount": amount}

    def after_order(self, at: dt.datetime, category: str, amount: int) -> None:
        rng = self.rng
        delivered = self.add("order_delivered", self.later(at, 2 * 86400, 4 * 86400))
        if rng.random() < 0.06:
            ticket = self.add("support_ticket", self.later(delivered, 3600, 4 * 86400))
            if rng.random() < 0.4:
                self.add("refund", self.later(ticket, 86400, 3 * 86400), amount=amount)
                return
        elif rng.random() < 0.02:
            self.add("refund", self.later(delivered, 86400, 5 * 86400), amount=amount)
            return
        if rng.random() < 0.25:
            casual = self.c.kind == "casual"
            rating = rng.choice([2, 3, 4] if casual else [3, 4, 5, 5])
            review = self.add(
                "review_submitted", self.later(delivered, 86400, 6 * 86400), rating=rating
            )
            if rating >= 4 and rng.random() < (0.4 if self.c.kind == "loyal" else 0.1):
                sent = self.add("referral_sent", self.later(review, 3600, 5 * 86400))
                if rng.random() < 0.5:
                    self.add("referral_signup", self.later(sent, 3600, 7 * 86400))
        if rng.random() < 0.07:
            self.add("survey_completed", self.later(delivered, 86400, 12 * 86400))
        if category == "skincare":
            self.refill(at)

    def refill(self, bought: dt.datetime) -> None:
        """Skincare runs out after about a month: loyal customers come back for more, some
        start the subscription instead."""
        rng = self.rng
        if self.c.kind == "loyal" and rng.random() < 0.05:
            self.add("subscription_start", self.later(bought, 86400, 10 * 86400))
            return
        if rng.random() < {"loyal": 0.6, "skincare": 0.2}.get(self.c.kind, 0.05):
            empty = bought + dt.timedelta(days=max(14.0, rng.gauss(32, 6)))
            self.plan(self.moment(empty, empty + dt.timedelta(days=1)), self.refill_visit)

    def refill_visit(self, at: dt.datetime) -> None:
        self.visit(at, "direct", boost=0.35, wants="skincare")

    def unsubscribe(self, at: dt.datetime) -> None:
        if self.subscribed:
            self.add("unsubscribe", at)
            self.subscribed = False


def make_customers(count: int, rng: random.Random) -> list[Customer]:
    people = []
    for number in range(1, count + 1):
        kind = rng.choices(list(KINDS), list(KINDS.values()))[0]
        returning = kind == "loyal" or rng.random() < 0.35
        first = rng.uniform(0, 14 if kind == "loyal" else 45 if returning else 86)
        people.append(
            Customer(
                id=f"cust_{number:05d}",
                kind=kind,
                age=rng.randint(22, 34) if kind == "skincare" else rng.randint(18, 65),
                newsletter=rng.random() < (0.6 if kind == "loyal" else 0.3 if returning else 0.1),
                sms_opt_in=rng.random() < (0.4 if kind == "loyal" else 0.2),
                loyalty_member=kind == "loyal" and rng.random() < 0.6,
                push_opt_in=rng.random() < 0.3,
                has_app=rng.random() < (0.35 if kind == "loyal" else 0.08 if returning else 0.0),
                arrival=max(
                    START + dt.timedelta(seconds=rng.uniform(0, 3600)),
                    tokyo(int(first), rng.choices(range(24), HOUR_WEIGHTS)[0])
                    + dt.timedelta(seconds=rng.uniform(0, 3600)),
                ),
                returning=returning,
            )
        )
    return people


def visits(customer: Customer, rng: random.Random) -> int:
    mean = SESSIONS[customer.kind]
    return max(1, round(rng.gauss(mean, mean / 2)))
