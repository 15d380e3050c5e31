"""`cjo simulate`'s output: the JSON contract with the log facts, the assumptions every
output states, the lift text, the summary tables and one customer's explained path."""

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
    Lift,
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
    lift_text,
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
    "entered",
    "converted",
    "conversion_rate",
    "entries",
    "holdout",
    "lift",
    "exits",
    "sends",
    "channels",
    "send_details",
    "variants",
    "steps",
]


def journey_totals(
    journey_id: str = "cart",
    treated: tuple[int, int, int] = (3, 1, 4),
    holdout: tuple[int, int, int] = (0, 0, 0),
    observable: bool = False,
) -> JourneyTotals:
    totals = JourneyTotals(journey_id, GroupTotals(*treated), GroupTotals(*holdout))
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


def replay_totals(*journeys: JourneyTotals) -> ReplayTotals:
    totals = ReplayTotals(SimpleNamespace(journeys=(), touchpoints={}))  # type: ignore[arg-type]
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
    totals = replay_totals(journey_totals(holdout=(2, 0, 2), observable=True))
    document = json.loads(format_json(totals, {"cart": "カゴ落ち"}, log_info(), ["note 1"]))
    assert list(document) == ["journeys", "log", "assumptions"]
    assert document["log"] == log_info().as_dict()
    assert document["assumptions"] == ["note 1"]
    (journey,) = document["journeys"]
    assert list(journey) == JOURNEY_KEYS
    assert journey["id"] == "cart"
    assert journey["name"] == "カゴ落ち"
    assert (journey["entered"], journey["converted"], journey["entries"]) == (3, 1, 4)
    assert journey["conversion_rate"] == 0.333333
    assert journey["holdout"] == {
        "entered": 2,
        "converted": 0,
        "conversion_rate": 0.0,
        "entries": 2,
    }
    lift = journey["lift"]
    assert list(lift) == ["difference", "ci95"]
    assert lift["difference"] == 0.333333
    low, high = lift["ci95"]
    assert low < 0.333333 < high
    assert round(low, 6) == low and round(high, 6) == high
    assert journey["exits"] == {"goal": 1, "exit_event": 2, "end": 0, "censored": 1}
    assert journey["sends"] == {"mail": 2, "push": 3}
    assert journey["channels"] == {"email": 2, "web_push": 3}
    assert journey["send_details"] == [
        {
            "touchpoint": "mail",
            "channel": "email",
            "sent": 2,
            "capped": 1,
            "deferred": 1,
            "not_sent": 4,
            "observed": None,
        },
        {
            "touchpoint": "push",
            "channel": "web_push",
            "sent": 3,
            "capped": 0,
            "deferred": 0,
            "not_sent": 0,
            "observed": {"delivered": 3, "opened": 2, "clicked": 1},
        },
    ]
    assert journey["variants"] == {
        "a": {"entries": 2, "converted": 1},
        "b": {"entries": 2, "converted": 0},
    }
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
    assert journey["lift"] is None
    assert data["log"] == {"x": 1}


def test_format_json_keeps_unicode() -> None:
    text = format_json(replay_totals(journey_totals()), {"cart": "カゴ落ち"}, log_info(), [])
    assert '"name": "カゴ落ち"' in text


# ---- assumptions and lift -------------------------------------------------------------


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
    assert len(found) == 3 + len(extra)
    assert found[0].startswith("A replay cannot know how customers would have reacted")
    assert "95% Newcombe interval" in found[1]
    assert found[2] == (
        "Journeys still open at the end of the log are closed as censored, not counted as drops."
    )
    kinds = []
    for note in found[3:]:
        if note.startswith("Sends are matched"):
            assert "within 24h after the send" in note
            kinds.append("observed")
        elif note.startswith("No --customers file was given"):
            kinds.append("traits")
    assert kinds == extra


def test_assumptions_without_journeys() -> None:
    assert len(assumptions(replay_totals(), traits_missing=False)) == 3


@pytest.mark.parametrize(
    ("found", "text"),
    [
        (Lift(0.056, -0.327, 0.325), "treated − holdout +5.6 pt (95% CI -32.7 … +32.5)"),
        (Lift(-0.1, -0.25, 0.05), "treated − holdout -10.0 pt (95% CI -25.0 … +5.0)"),
        (Lift(0.0, 0.0, 0.0), "treated − holdout +0.0 pt (95% CI +0.0 … +0.0)"),
    ],
)
def test_lift_text(found: Lift, text: str) -> None:
    assert lift_text(found) == text


# ---- the summary ----------------------------------------------------------------------


def test_print_summary() -> None:
    totals = replay_totals(journey_totals(holdout=(2, 0, 2), observable=True))
    console = recorded()
    print_summary(totals, {"cart": "Cart [reminder]"}, ["first [red]note[/]", "second"], console)
    text = console.export_text()
    lines = text.splitlines()
    assert lines[0] == "cart  Cart [reminder]"
    assert lines[1] == "entered 3, converted 1 (33.3%), 4 entries"
    assert lines[2].startswith("holdout: entered 2, converted 0 (0.0%); treated − holdout +33.3 pt")
    assert lines[3] == "exits: goal 1, exit_event 2, end 0, censored 1"
    assert "variants: a 1/2 entries converted, b 0/2 entries converted" in text
    rows = {line.split()[0]: line.split()[1:] for line in lines if line.split()}
    assert rows["wait_open"] == ["3", "4", "1", "2", "1"]
    assert rows["remind"] == ["2", "2", "0", "0", "0"]
    assert rows["mail"] == ["email", "2", "1", "1", "4", "-", "-", "-"]
    assert rows["push"] == ["web_push", "3", "0", "0", "0", "3", "2", "1"]
    assert lines[-3:] == ["Assumptions", "- first [red]note[/]", "- second"]


def test_print_summary_without_holdout_or_repeats() -> None:
    totals = replay_totals(journey_totals(treated=(2, 0, 2)))
    console = recorded()
    print_summary(totals, {}, [], console)
    text = console.export_text()
    assert text.splitlines()[1] == "entered 2, converted 0 (0.0%)"
    assert "holdout" not in text


def test_overview_table() -> None:
    totals = replay_totals(
        journey_totals("cart", holdout=(2, 0, 2)), journey_totals("welcome", treated=(0, 0, 0))
    )
    console = recorded()
    console.print(overview_table(totals))
    text = console.export_text()
    cart = next(line for line in text.splitlines() if "cart" in line)
    assert "1 (33.3%)" in cart and "0.0% of 2" in cart and "+33.3 pt" in cart and " 5 " in cart
    welcome = next(line for line in text.splitlines() if "welcome" in line)
    assert "0 (-)" in welcome and "–" in welcome


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
