"""The model built from valid documents: typed, frozen, faithful to what was written."""

from __future__ import annotations

import dataclasses
from datetime import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cjo_cli import model as m
from cjo_cli.spec.workspace import validate_files

CASES = Path(__file__).resolve().parent.parent / "cases" / "valid"


def workspace(name: str) -> m.Workspace:
    result = validate_files([CASES / name])
    assert result.findings == ()
    return result.workspace


def test_the_spec_journey_becomes_typed_steps() -> None:
    journey = workspace("spec_examples.yaml").journeys["cart_abandonment"]
    assert journey.name == "カゴ落ちリマインド"
    assert journey.persona == "lisa"
    assert journey.entry == m.Entry(m.EventFilter("cart_abandoned"))
    assert journey.re_entry == m.ReEntry("after", m.parse_duration("7d"))
    assert journey.goal == m.Goal((m.EventFilter("purchase"),), m.Duration(7 * 86400))
    assert journey.exit_on == (m.EventFilter("unsubscribe"),)
    assert journey.per_customer == m.SendLimit(3, m.Duration(86400))
    assert journey.quiet_hours == m.QuietHours(time(22, 0), time(8, 0), "Asia/Tokyo")
    assert journey.holdout_percent == 10.0
    assert journey.start == "wait_1h"
    steps = journey.steps
    assert steps["wait_1h"] == m.WaitStep(
        "wait_1h", "wait_1h", duration=m.Duration(3600), next="push"
    )
    assert steps["push"] == m.SendStep("push", "push", touchpoint="cart_push", next="wait_open")
    wait_open = steps["wait_open"]
    assert isinstance(wait_open, m.WaitForStep)
    assert (wait_open.event.event, wait_open.timeout.seconds) == ("push_click", 86400)
    assert (wait_open.next, wait_open.on_timeout) == ("done", "email")
    evening = steps["wait_evening"]
    assert isinstance(evening, m.WaitUntilStep)
    assert (evening.at, evening.tz) == (time(19, 0), "Asia/Tokyo")
    split = steps["split_value"]
    assert isinstance(split, m.SplitStep)
    assert split.branches[0].condition == m.PropertyCondition("cart_value", "gte", 10000)
    assert split.branches[1].is_else and split.branches[1].next == "done"
    assert isinstance(steps["done"], m.ExitStep)


def test_locations_point_at_the_source() -> None:
    journey = workspace("spec_examples.yaml").journeys["cart_abandonment"]
    assert journey.steps["push"].loc.line == 52
    assert journey.steps["push"].loc.col == 3
    assert journey.locs["persona"].line == 41


def test_persona_segment_is_a_condition_tree() -> None:
    lisa = workspace("spec_examples.yaml").personas["lisa"]
    assert lisa.segment == m.AllOf(
        (
            m.EventCondition(
                "product_view",
                (m.PropertyFilter("category", "eq", "skincare"),),
                count_min=3,
                within=m.Duration(30 * 86400),
            ),
            m.Not(m.EventCondition("purchase", within=m.Duration(90 * 86400))),
        )
    )
    assert lisa.profile["age"] == 28


def test_funnel() -> None:
    funnel = workspace("spec_examples.yaml").funnels["purchase_funnel"]
    assert [s.event.event for s in funnel.steps] == [
        "product_view",
        "add_to_cart",
        "checkout_start",
        "purchase",
    ]
    assert funnel.steps[0].name == "商品閲覧"
    assert funnel.steps[1].name == "add_to_cart"  # the event when no name is given
    assert funnel.steps[3].event.where == (m.PropertyFilter("amount", "gt", 0),)
    assert funnel.window == m.Duration(7 * 86400)
    assert funnel.order == "ordered"
    assert funnel.exclusions[0].event.event == "refund"
    assert (funnel.exclusions[0].first_step, funnel.exclusions[0].last_step) == (1, 4)
    assert funnel.breakdown == m.Breakdown(
        "property", property="channel", attribution="first_touch"
    )


def test_funnel_any_steps_and_step_attribution() -> None:
    funnel = workspace("funnel_any.yaml").funnels["signup"]
    first, second, third = funnel.steps
    assert first.alternatives == (
        m.EventFilter("landing_view"),
        m.EventFilter("search", (m.PropertyFilter("source", "eq", "ad"),)),
    )
    assert first.event == m.EventFilter("landing_view")
    # No name: the alternatives' distinct event names.
    assert first.name == first.event_label == "landing_view | search"
    assert (second.name, second.event_label) == ("登録", "signup")
    assert third.alternatives == (m.EventFilter("purchase"),)
    assert third.event_label == "purchase"
    assert funnel.breakdown == m.Breakdown("property", "channel", "step", step=2)


def test_map_and_policy() -> None:
    ws = workspace("spec_examples.yaml")
    lisa_map = ws.maps["lisa_map"]
    assert list(lisa_map.stages) == ["awareness", "acquisition"]
    awareness = lisa_map.stages["awareness"]
    assert awareness.emotion == m.Emotion(1, "期待")
    assert awareness.kpis == (m.KpiRef("purchase_funnel"),)
    assert lisa_map.stages["acquisition"].actions == ()
    policy = ws.policy()
    assert policy is not None
    assert policy.frequency_caps[1] == m.FrequencyCap("email", 1, m.Duration(86400))
    assert policy.priority == ("cart_abandonment",)


def test_labels_keep_their_source_text() -> None:
    ws = workspace("yaml_features.yaml")
    phases = ws.phases["stages"]
    assert phases.name == "1.10"
    assert [p.id for p in phases.phases] == ["no", "yes_phase"]
    assert phases.phases[0].name == "no"
    assert phases.phases[1].name == "2024"
    journey = ws.journeys["ab_test"]
    ab = journey.steps["assign"]
    assert isinstance(ab, m.AbStep)
    assert [(v.name, v.weight) for v in ab.variants] == [("a", 50.0), ("b", 50.0)]
    assert ab.seed == "2026-q4"
    assert journey.re_entry == m.ReEntry("always")
    assert journey.steps["send_b"] == m.SendStep("send_b", "B", touchpoint="mail", next="done")
    assert journey.entry.event.where == (
        m.PropertyFilter("page", "in", ("signup", "register")),
        m.PropertyFilter("layout", "exists", False),
    )


def test_model_objects_are_frozen() -> None:
    journey = workspace("spec_examples.yaml").journeys["cart_abandonment"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        journey.name = "x"  # type: ignore[misc]


UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(sorted(UNITS)))
def test_durations(amount: int, unit: str) -> None:
    duration = m.parse_duration(f"{amount}{unit}")
    assert duration.seconds == amount * UNITS[unit]
    assert str(duration) == f"{amount}{unit}"


@pytest.mark.parametrize("text", ["", "1", "h", "1.5h", "1 h", "-1h", "1y", "1H", "１h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        m.parse_duration(text)


@pytest.mark.parametrize(
    ("text", "expected"), [("00:00", time(0, 0)), ("19:05", time(19, 5)), ("23:59", time(23, 59))]
)
def test_times_of_day(text: str, expected: time) -> None:
    assert m.parse_time_of_day(text) == expected


@pytest.mark.parametrize("text", ["24:00", "7pm", "7:00", "19:60", "19:00:00"])
def test_bad_times_of_day(text: str) -> None:
    with pytest.raises(ValueError):
        m.parse_time_of_day(text)


@pytest.mark.parametrize(
    ("value", "expected"), [("10%", 10.0), ("2.5%", 2.5), (10, 10.0), (0.5, 0.5)]
)
def test_percentages(value: str | float, expected: float) -> None:
    assert m.parse_percent(value) == expected
