"""Conditions as the flow chart labels a split's branch (`condition_text`): the YAML's
names, values and durations, with symbols for the comparisons."""

from __future__ import annotations

import pytest

from cjo_cli.model import Duration
from cjo_cli.model import conditions as c
from cjo_cli.output.condition_text import condition_text, filter_text

DAY = Duration(86400, "1d")


@pytest.mark.parametrize(
    ("condition", "text"),
    [
        (c.PropertyCondition("cart_value", "gte", 10000), "cart_value ≥ 10000"),
        (c.PropertyCondition("category", "eq", "skincare"), "category = skincare"),
        (
            c.PropertyCondition("category", "in", ("makeup", "fragrance")),
            "category in (makeup, fragrance)",
        ),
        (c.AttributeCondition("newsletter", "eq", True), "newsletter = true"),
        (c.AttributeCondition("plan", "ne", None), "plan ≠ null"),
        (c.AttributeCondition("age", "between", (25, 34)), "age 25–34"),
        (c.AttributeCondition("score", "lt", 2.5), "score < 2.5"),
        (c.AttributeCondition("coupon", "exists", True), "coupon is set"),
        (c.AttributeCondition("coupon", "exists", False), "coupon is not set"),
        (c.PropertyCondition("title", "contains", "sale"), "title contains sale"),
        (c.EventCondition("app_install"), "app_install"),
        (c.EventCondition("loyalty_signup", within=DAY), "loyalty_signup within 1d"),
        (
            c.EventCondition(
                "review_submitted",
                (c.PropertyFilter("rating", "gte", 4),),
                within=Duration(7 * 86400, "7d"),
            ),
            "review_submitted with rating ≥ 4 within 7d",
        ),
        (c.EventCondition("app_open", count_min=3), "app_open ≥ 3 times"),
        (c.EventCondition("app_open", count_min=2, count_max=4), "app_open 2–4 times"),
        (c.EventCondition("app_open", count_min=1, count_max=1), "app_open once"),
        (
            c.EventCondition("purchase", count_min=0, count_max=0, within=DAY),
            "no purchase within 1d",
        ),
        (
            c.AllOf((c.AttributeCondition("vip", "eq", True), c.EventCondition("buy"))),
            "vip = true and buy",
        ),
        (
            c.AnyOf(
                (
                    c.AllOf(
                        (c.AttributeCondition("a", "eq", 1), c.AttributeCondition("b", "eq", 2))
                    ),
                    c.Not(c.EventCondition("buy")),
                )
            ),
            "(a = 1 and b = 2) or not (buy)",
        ),
    ],
)
def test_condition_text(condition: c.Condition, text: str) -> None:
    assert condition_text(condition) == text


def test_filter_text() -> None:
    assert filter_text(c.EventFilter("email_click")) == "email_click"
    assert (
        filter_text(
            c.EventFilter(
                "email_click",
                (c.PropertyFilter("campaign", "eq", "loyalty"), c.PropertyFilter("n", "gt", 1)),
            )
        )
        == "email_click with campaign = loyalty and n > 1"
    )
