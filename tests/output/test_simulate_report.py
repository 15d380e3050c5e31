"""`cjo simulate`'s output: the JSON contract with the log facts, the assumptions every
output states, the effect or holdout plan, the summary tables and one customer's
explained path."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace
from typing import Any

import pytest
from rich.console import Console

from cjo_cli.engine.replay_records import CustomerReplay, TraceLine
from cjo_cli.engine.replay_stats import (
    GroupTotals,
    JourneyTotals,
    ReplayTotals,
    SendTotals,
    StepTotals,
)
from cjo_cli.events.tables import FileSummary, LoadSummary
from cjo_cli.model.clock import parse_instant
from cjo_cli.output.simulate_report import (
    LogInfo,
    assumptions,
    explain_json,
    format_json,
    overview_table,
    print_explain,
    print_summary,
    to_json_data,
)

T0 = parse_instant("2026-06-01T10:00:00Z")
T1 = parse_instant("2026-06-03T08:30:15Z")

JOURNEY_KEYS = [
    "id",
    "name",
    "assignment",
    "entered",
    "converted",
    "conversion_rate",
    "entries",
    "holdout",
    "unrecorded",
    "effect",
    "holdout_plan",
    "warnings",
    "revenue",
    "exits",
    "sends",
    "not_sent",
    "channels",
    "send_details",
    "variants",
    "variants_unrecorded",
    "steps",
]


def journey_totals(
    journey_id: str = "cart",
    treated: tuple[int, int, int] = (3, 1, 4),
    holdout: tuple[int, int, int] = (0, 0, 0),
    observable: bool = False,
    holdout_percent: float = 0.0,
    recorded: bool = False,
) -> JourneyTotals:
    totals = JourneyTotals(
        journey_id,
        GroupTotals(*treated),
        GroupTotals(*holdout),
        holdout_percent=holdout_percent,
        recorded=recorded,
    )
    totals.exits.update(goal=1, exit_event=2, end=0, censored=1)
    wait = StepTotals("wait_open", unique=3, total=4)
    wait.left.update(goal=1, exit_event=2, censored=1)
    totals.steps = {"wait_open": wait, "remind": StepTotals("remind", unique=2, total=2)}
    totals.sends = {
        "mail": SendTotals("mail", "email", sent=2, capped=1, deferred=1, not_sent=4),
        "push": SendTotals(
            "push", "web_push", sent=3, delivered=3, opened=2, clicked=1, observable=observable
        ),
    }
    totals.variants = {"a": GroupTotals(0, 1, 2), "b": GroupTotals(0, 0, 2)}
    return totals


WEEK = 7 * 86_400 * 1_000_000


def replay_totals(*journeys: JourneyTotals, span_us: int = 4 * WEEK) -> ReplayTotals:
    plan = SimpleNamespace(journeys=(), touchpoints={}, default_tz=None)
    totals = ReplayTotals(plan, span_us)  # type: ignore[arg-type]
    for journey in journeys:
        totals.journeys[journey.id] = journey
    return totals


def log_info(start: int | None = T0, end: int | None = T1) -> LogInfo:
    summary = LoadSummary(
        (FileSummary("a.jsonl", "jsonl", 10, 2), FileSummary("b.csv", "csv", 5, 1, 1))
    )
    return LogInfo(summary, 7, start, end)


def recorded() -> Console:
    return Console(record=True, width=120, color_system=None, file=io.StringIO())


# ---- JSON -----------------------------------------------------------------------------


def test_log_info_as_dict() -> None:
    assert log_info().as_dict() == {
        "read": 15,
        "rejected": 3,
        "customers_replayed": 7,
        "start": "2026-06-01T10:00:00+00:00",
        "end": "2026-06-03T08:30:15+00:00",
    }
    empty = log_info(None, None).as_dict()
    assert (empty["start"], empty["end"]) == (None, None)


def test_format_json_contract() -> None:
    """A simulated journey: sizes and business-as-usual conversion, no holdout conversion,
    no effect, a holdout plan; simulated variants have sizes only."""
    totals = replay_totals(journey_totals(holdout=(2, 0, 2), observable=True, holdout_percent=10))
    document = json.loads(format_json(totals, {"cart": "カゴ落ち"}, log_info(), ["note 1"]))
    assert list(document) == ["journeys", "log", "customer_tz", "assumptions"]
    assert document["customer_tz"] is None  # no time says `tz: customer`
    assert document["log"] == log_info().as_dict()
    assert document["assumptions"] == ["note 1"]
    (journey,) = document["journeys"]
    assert list(journey) == JOURNEY_KEYS
    assert journey["id"] == "cart"
    assert journey["name"] == "カゴ落ち"
    assert journey["assignment"] == "simulated"
    assert (journey["entered"], journey["converted"], journey["entries"]) == (3, 1, 4)
    assert journey["conversion_rate"] == 0.333333
    assert journey["holdout"] == {
        "entered": 2,
        "entries": 2,
        "converted": None,
        "conversion_rate": None,
    }
    assert journey["unrecorded"] is None
    assert journey["effect"] is None
    plan = journey["holdout_plan"]
    assert list(plan) == [
        "holdout_percent",
        "entrants_per_week",
        "baseline_conversion",
        "mde_points",
        "weeks",
    ]
    # 3 + 2 would-be entrants over 4 weeks, 1 of them converted.
    assert (plan["holdout_percent"], plan["entrants_per_week"]) == (10, 1.2)
    assert plan["baseline_conversion"] == 20.0
    assert [week["weeks"] for week in plan["weeks"]] == [2, 4, 8]
    assert journey["warnings"] == []
    assert journey["exits"] == {"goal": 1, "exit_event": 2, "end": 0, "censored": 1}
    assert journey["sends"] == {"mail": 2, "push": 3}
    assert journey["channels"] == {"email": 2, "web_push": 3}
    assert journey["send_details"] == [
        {
            "touchpoint": "mail",
            "channel": "email",
            "sent": 2,
            "capped": 1,
            "unreachable": 0,
            "deferred": 1,
            "not_sent": 4,
            "observed": None,
        },
        {
            "touchpoint": "push",
            "channel": "web_push",
            "sent": 3,
            "capped": 0,
            "unreachable": 0,
            "deferred": 0,
            "not_sent": 0,
            "observed": {"delivered": 3, "opened": 2, "clicked": 1},
        },
    ]
    assert journey["variants"] == {
        "a": {"assignment": "simulated", "entries": 2},
        "b": {"assignment": "simulated", "entries": 2},
    }
    assert journey["variants_unrecorded"] == 0
    assert journey["steps"] == [
        {
            "id": "wait_open",
            "unique": 3,
            "total": 4,
            "drop_off": 2,
            "left": {"goal": 1, "exit_event": 2, "end": 0, "censored": 1},
        },
        {
            "id": "remind",
            "unique": 2,
            "total": 2,
            "drop_off": 0,
            "left": {"goal": 0, "exit_event": 0, "end": 0, "censored": 0},
        },
    ]


def test_json_nulls_without_customers_or_holdout() -> None:
    data = to_json_data(replay_totals(journey_totals(treated=(0, 0, 0))), {}, {"x": 1}, [])
    journey = data["journeys"][0]
    assert journey["name"] == ""
    assert journey["conversion_rate"] is None
    assert journey["holdout"]["conversion_rate"] is None
    assert journey["effect"] is None
    assert journey["holdout_plan"] is None  # no holdout: nothing to plan
    assert data["log"] == {"x": 1}


def recorded_journey(journey_id: str = "cart") -> JourneyTotals:
    """A journey whose run the log records: 400 treated (240 converted), 400 holdout
    (120 converted), and 5 entrants with no recorded group."""
    totals = journey_totals(
        journey_id,
        treated=(405, 241, 405),
        holdout=(400, 120, 400),
        holdout_percent=50,
        recorded=True,
    )
    totals.unrecorded = GroupTotals(5, 1, 5)
    totals.recorded_variants = ("a", "b")
    totals.variants = {"a": GroupTotals(0, 90, 200), "b": GroupTotals(0, 150, 200)}
    totals.variants_unrecorded = 3
    return totals


def test_json_of_a_recorded_run() -> None:
    data = to_json_data(replay_totals(recorded_journey()), {}, {}, [])
    journey = data["journeys"][0]
    assert journey["assignment"] == "recorded"
    assert journey["holdout"]["converted"] == 120
    assert journey["holdout"]["conversion_rate"] == 0.3
    assert journey["unrecorded"] == 5
    assert journey["holdout_plan"] is None
    effect = journey["effect"]
    assert list(effect) == [
        "treated",
        "holdout",
        "treated_converted",
        "holdout_converted",
        "treated_rate",
        "holdout_rate",
        "difference_points",
        "ci_low",
        "ci_high",
        "significant",
        "verdict",
    ]
    assert (effect["treated"], effect["holdout"]) == (400, 400)
    assert (effect["treated_rate"], effect["holdout_rate"]) == (60.0, 30.0)
    assert effect["difference_points"] == 30.0
    assert 20 < effect["ci_low"] < 30 < effect["ci_high"] < 40
    assert effect["significant"] is True and effect["verdict"] == "significant"
    a, b = journey["variants"]["a"], journey["variants"]["b"]
    assert (a["assignment"], a["conversion_rate"], a["vs_first"]) == ("recorded", 45.0, None)
    assert b["vs_first"]["variant"] == "a"
    assert b["vs_first"]["difference_points"] == 30.0
    assert b["vs_first"]["significant"] is True
    assert journey["variants_unrecorded"] == 3
    assert len(journey["warnings"]) == 2  # the unrecorded groups and variants


def test_format_json_keeps_unicode() -> None:
    text = format_json(replay_totals(journey_totals()), {"cart": "カゴ落ち"}, log_info(), [])
    assert '"name": "カゴ落ち"' in text


# ---- assumptions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("observable", "traits_missing", "extra"),
    [
        (False, False, []),
        (True, False, ["observed"]),
        (False, True, ["traits"]),
        (True, True, ["observed", "traits"]),
    ],
)
def test_assumptions(observable: bool, traits_missing: bool, extra: list[str]) -> None:
    found = assumptions(replay_totals(journey_totals(observable=observable)), traits_missing)
    assert len(found) == 4 + len(extra)
    assert found[0].startswith("A replay cannot know how customers would have reacted")
    assert found[1].startswith("Conversion is the goal within goal.within of entry")
    assert found[2] == (
        "Journeys still open at the end of the log are closed as censored, not counted as drops."
    )
    assert "no effect is claimed" in found[3] and "power 0.8" in found[3]
    kinds = []
    for note in found[4:]:
        if note.startswith("Sends are matched"):
            assert "within 24h after the send" in note
            kinds.append("observed")
        elif note.startswith("No --customers file was given"):
            kinds.append("traits")
    assert kinds == extra


def test_assumptions_of_a_recorded_run() -> None:
    found = assumptions(replay_totals(recorded_journey()), traits_missing=False)
    assert not any("no effect is claimed" in note for note in found)
    assert any("95% Newcombe interval" in note and "30 customers" in note for note in found)


def test_assumptions_without_journeys() -> None:
    assert len(assumptions(replay_totals(), traits_missing=False)) == 3


# ---- the summary ----------------------------------------------------------------------


def test_print_summary() -> None:
    totals = replay_totals(journey_totals(holdout=(2, 0, 2), observable=True, holdout_percent=10))
    console = recorded()
    print_summary(totals, {"cart": "Cart [reminder]"}, ["first [red]note[/]", "second"], console)
    text = console.export_text()
    lines = text.splitlines()
    assert lines[0] == "cart  Cart [reminder]"
    assert lines[1] == (
        "would enter 5 (2 held out); converted 1 of 3 treated (33.3%) without this journey, "
        "4 entries"
    )
    assert lines[2].startswith("holdout plan (a prediction, not a measured effect): 10% held")
    assert "treated − holdout" not in text and "95% CI" not in text
    assert "exits: goal 1, exit_event 2, end 0, censored 1" in lines
    assert "variants: a 2 entries (simulated); b 2 entries (simulated)" in text
    rows = {line.split()[0]: line.split()[1:] for line in lines if line.split()}
    assert rows["wait_open"] == ["3", "4", "1", "2", "1"]
    assert rows["remind"] == ["2", "2", "0", "0", "0"]
    assert rows["mail"] == ["email", "2", "1", "1", "4", "-", "-", "-"]
    assert rows["push"] == ["web_push", "3", "0", "0", "0", "3", "2", "1"]
    assert lines[-3:] == ["Assumptions", "- first [red]note[/]", "- second"]


def test_print_summary_of_a_recorded_run() -> None:
    console = recorded()
    print_summary(replay_totals(recorded_journey()), {}, [], console)
    text = console.export_text()
    lines = text.splitlines()
    assert lines[1] == "entered 405 + 400 holdout, converted 241 (59.5%)"
    assert lines[2].startswith(
        "measured effect (recorded run): treated 60.0% of 400, holdout 30.0% of 400: "
        "+30.0 pt (95% CI +23."
    )
    assert lines[2].endswith("), significant")
    assert "warning: 5 entrants have no recorded group" in text
    assert "b 150/200 converted (75.0%), +30.0 pt vs a" in text


def test_print_summary_without_holdout_or_repeats() -> None:
    totals = replay_totals(journey_totals(treated=(2, 0, 2)))
    console = recorded()
    print_summary(totals, {}, [], console)
    lines = console.export_text().splitlines()
    assert lines[1] == "would enter 2; converted 0 of 2 treated (0.0%) without this journey"
    assert lines[2] == "no holdout: add `holdout: 10%` to measure the journey once it runs"


def test_overview_table() -> None:
    totals = replay_totals(
        journey_totals("cart", holdout=(2, 0, 2), holdout_percent=10),
        journey_totals("welcome", treated=(0, 0, 0)),
        recorded_journey("paid"),
    )
    console = recorded()
    console.print(overview_table(totals))
    text = console.export_text()
    cart = next(line for line in text.splitlines() if "cart" in line)
    assert "1 (33.3%)" in cart and "plan: detects" in cart and " pt," not in cart
    welcome = next(line for line in text.splitlines() if "welcome" in line)
    assert "0 (-)" in welcome and "no holdout" in welcome
    paid = next(line for line in text.splitlines() if "paid" in line)
    assert "measured +30.0 pt" in paid


# ---- explain --------------------------------------------------------------------------


def explained() -> CustomerReplay:
    return CustomerReplay(
        "cust_1",
        trace=[
            TraceLine(T0, "cart", "entered on add_to_cart [sku=1]"),
            TraceLine(T1, "cart", "goal purchase: converted"),
        ],
    )


def test_print_explain() -> None:
    console = recorded()
    print_explain(explained(), console)
    lines = [line.rstrip() for line in console.export_text().splitlines()]
    assert lines[0].split() == ["Time", "(UTC)", "Journey", "What", "happened", "and", "why"]
    assert lines[1].split(maxsplit=3) == [
        "2026-06-01",
        "10:00:00Z",
        "cart",
        "entered on add_to_cart [sku=1]",
    ]
    assert lines[2].split(maxsplit=3)[1:] == ["08:30:15Z", "cart", "goal purchase: converted"]


def test_print_explain_of_a_customer_the_journeys_ignore() -> None:
    console = recorded()
    print_explain(CustomerReplay("[bold]x"), console)
    assert console.export_text() == ("[bold]x: no event of this customer concerns these journeys\n")


def test_explain_json() -> None:
    data: dict[str, Any] = json.loads(explain_json(explained()))
    assert data == {
        "customer_id": "cust_1",
        "path": [
            {
                "ts": "2026-06-01T10:00:00+00:00",
                "journey": "cart",
                "reason": "entered on add_to_cart [sku=1]",
            },
            {
                "ts": "2026-06-03T08:30:15+00:00",
                "journey": "cart",
                "reason": "goal purchase: converted",
            },
        ],
    }
    assert json.loads(explain_json(CustomerReplay("c"))) == {"customer_id": "c", "path": []}


def test_a_recorded_ab_test_is_not_called_a_journey_without_a_run() -> None:
    """The log records the A/B test's variants: it is measured, not "without this journey",
    and it needs no holdout advice."""
    totals = journey_totals("ab", treated=(400, 150, 400))
    totals.recorded_variants = ("a", "b")
    totals.variants = {"a": GroupTotals(0, 50, 200), "b": GroupTotals(0, 100, 200)}
    console = recorded()
    print_summary(replay_totals(totals), {}, [], console)
    lines = console.export_text().splitlines()
    assert lines[1] == "entered 400, converted 150 (37.5%)"
    assert lines[2] == "the log records its A/B test's variants: measured per variant below"
    console = recorded()
    console.print(overview_table(replay_totals(totals)))
    assert "A/B measured: b +25.0 pt*" in console.export_text()
