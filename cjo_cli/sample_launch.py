"""The sample store's own messages, and the one journey it really ran.

Business as usual, on fixed days: a fortnightly newsletter and a monthly loyalty
campaign to subscribers, sale SMS to those who opted in, sale web pushes, and app
pushes to app users; a share open and click, and a click brings a visit.

On LAUNCH the store switched on `first_purchase_incentive` (journeys/): a customer who
has not bought lands on a page and enters; 10% are held out (`journey_group: control`
on the entry page view, the others `treated`). Treated customers see the hello bar with
a first-purchase coupon on their visits of the next two weeks, and subscribers who have
not bought a week later get the coupon by email (after quiet hours, as the policy says).
The coupon makes them buy more often than the holdout: the effect `cjo simulate` measures.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from cjo_cli.sample_story import Story, civil, tokyo

LAUNCH = tokyo(14, 10)
"""When `first_purchase_incentive` went live: 10:00 on 15 August, Tokyo time."""
HOLDOUT = 0.1
"""The journey's `holdout: 10%`, as the store's assignment really drew it."""
COUPON_DAYS = dt.timedelta(days=14)
"""The journey's goal window: the coupon is valid as long."""
NEWSLETTER_DAYS = (3, 17, 31, 45, 59, 73, 87)
LOYALTY_DAYS = (10, 40, 70)
SMS_DAYS = (12, 42, 72)
WEB_PUSH_DAYS = (6, 27, 48, 69)
APP_PUSH_DAYS = tuple(range(2, 90, 10))


class Store(Story):
    """A customer's story with the store's messages and the launched journey in it."""

    entered: dt.datetime | None = None
    """When the customer entered `first_purchase_incentive` (its real run)."""
    treated = False
    coupon = False
    """Holds the first-purchase coupon (clicked the hello bar or the coupon email)."""

    def plan_messages(self) -> None:
        sends: list[tuple[tuple[int, ...], int, str]] = [
            (NEWSLETTER_DAYS, 12, "newsletter"),
            (LOYALTY_DAYS, 12, "loyalty"),
            (SMS_DAYS, 18, "sms"),
            (WEB_PUSH_DAYS, 20, "web_push"),
            (APP_PUSH_DAYS, 19, "app_push"),
        ]
        for days, hour, kind in sends:
            for day in days:
                at = tokyo(day, hour) + dt.timedelta(seconds=self.rng.uniform(0, 1800))
                self.plan(at, partial(self.message, kind=kind))

    def message(self, at: dt.datetime, kind: str) -> None:
        """One campaign send to this customer, if it reaches them, and what they do."""
        rng = self.rng
        if at < self.c.arrival:
            return
        if kind in ("newsletter", "loyalty"):
            if self.subscribed and not (kind == "loyalty" and self.member):
                self.email(at, kind, 0.25 if kind == "newsletter" else 0.3, 0.15)
            return
        if kind == "sms" and self.c.sms_opt_in:
            sent = self.add("sms_delivered", self.later(at, 1, 30), campaign="sale")
            if rng.random() < 0.07:
                self.clicked("sms_click", self.later(sent, 30, 3600), "sms", "sale", 0.1)
        elif kind == "web_push" and self.c.push_opt_in:
            sent = self.add("push_delivered", self.later(at, 1, 30), campaign="sale")
            if rng.random() < 0.05:
                self.clicked("push_click", self.later(sent, 10, 1800), "web_push", "sale", 0.1)
        elif kind == "app_push" and self.app:
            sent = self.add("app_push_delivered", self.later(at, 1, 30), campaign="new_arrivals")
            if rng.random() < 0.08:
                self.clicked("app_push_open", self.later(sent, 10, 1800), "app_push", "", 0.05)

    def email(self, at: dt.datetime, campaign: str, opens: float, clicks: float) -> None:
        rng = self.rng
        sent = self.add("email_delivered", self.later(at, 1, 120), campaign=campaign)
        if rng.random() >= opens:
            return
        opened = self.add("email_open", self.later(sent, 300, 30000), campaign=campaign)
        if rng.random() < 0.01:
            self.unsubscribe(self.later(opened, 5, 60))
        elif rng.random() < clicks:
            boost = 0.3 if campaign == "first_purchase" else 0.1
            self.clicked("email_click", self.later(opened, 3, 120), "newsletter", campaign, boost)

    def clicked(self, name: str, at: dt.datetime, source: str, campaign: str, boost: float) -> None:
        """A click on a message, and the visit it brings (to the loyalty page, for the
        loyalty campaign)."""
        self.add(name, at, **({"campaign": campaign} if campaign else {}))
        if campaign == "first_purchase":
            self.coupon = True
        landed = self.later(at, 1, 10)
        if campaign == "loyalty":
            self.plan(landed, lambda when: self.loyalty_visit(when))
        else:
            self.plan(landed, lambda when: self.visit(when, source, boost))

    def loyalty_visit(self, at: dt.datetime) -> None:
        at = max(at, self.busy_until + dt.timedelta(seconds=60))
        at = self.landing(at, "loyalty", {"utm_source": "newsletter"})
        self.boost = 0.15
        self.busy_until = self.loyalty(at)

    def in_coupon_window(self, at: dt.datetime) -> bool:
        return (
            self.treated
            and not self.bought
            and self.entered is not None
            and at - self.entered <= COUPON_DAYS
        )

    def entry_group(self, at: dt.datetime) -> dict[str, str]:
        """The journey's entry: the first page view from LAUNCH on of a customer who has not
        bought, with the group the store drew for them."""
        if self.entered is not None or self.bought or at < LAUNCH:
            return {}
        self.entered = at
        self.treated = self.rng.random() >= HOLDOUT
        if self.treated:
            self.plan(civil(at + dt.timedelta(days=7)), self.coupon_mail)
        return {"journey_group": "treated" if self.treated else "control"}

    def on_landing(self, at: dt.datetime) -> dt.datetime:
        """The hello bar with the coupon, on every page a treated customer lands on."""
        if not self.in_coupon_window(at):
            return at
        first = at == self.entered
        at = self.add("hello_bar_view", self.later(at, 1, 4))
        if not self.coupon and self.rng.random() < (0.25 if first else 0.08):
            at = self.add("hello_bar_click", self.later(at, 2, 30))
            self.coupon = True
            if self.rng.random() < 0.3:  # comes back to use it
                back = self.moment(self.later(at, 3600, 86400), self.later(at, 86400, 4 * 86400))
                self.plan(back, lambda when: self.visit(when, "direct"))
        return at

    def hooked(self, at: dt.datetime) -> bool:
        return self.coupon and self.in_coupon_window(at)

    def extra_boost(self, at: dt.datetime) -> float:
        return 0.2 if self.coupon and self.in_coupon_window(at) else 0.0

    def coupon_mail(self, at: dt.datetime) -> None:
        """The journey's reminder a week after entry: the coupon by email (cart_email)."""
        if self.bought or not self.subscribed:
            return
        self.email(at, "first_purchase", 0.45, 0.35)

    def use_coupon(self, at: dt.datetime, amount: int) -> dict[str, Any]:
        if not (self.coupon and self.in_coupon_window(at)) or not amount:
            return {"amount": amount}
        self.coupon = False
        return {"amount": round(amount * 0.9), "coupon": "WELCOME10"}
