"""What `cjo simulate` prints: the summary tables, the JSON contract, an explained path."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from cjo_cli.engine.delivery import OBSERVE_WITHIN
from cjo_cli.engine.effects import MIN_PER_ARM
from cjo_cli.engine.replay_records import CustomerReplay
from cjo_cli.engine.replay_stats import GroupTotals, JourneyTotals, ReplayTotals, channel_totals
from cjo_cli.events.tables import LoadSummary
from cjo_cli.model.clock import HOUR, TIMEZONE_TRAIT, iso, utc_text
from cjo_cli.output.effect_text import (
    effect_json,
    effect_line,
    overview_cell,
    plan_json,
    plan_line,
    variants_json,
    variants_line,
)
from cjo_cli.output.numbers import percent
from cjo_cli.output.tables import numbers_table, plain_table
from cjo_cli.output.text import rich_text, visible


def assumptions(totals: ReplayTotals, traits_missing: bool) -> list[str]:
    """What the replay had to assume, said in every output."""
    observable = any(
        send.observable for journey in totals.journeys.values() for send in journey.sends.values()
    )
    found = [
        "A replay cannot know how customers would have reacted to messages that were not "
        "really sent: every would-be send is recorded, and customers' later behaviour is the "
        "one in the log.",
        "Conversion is the goal within goal.within of entry, also after the customer left "
        "the journey.",
        "Journeys still open at the end of the log are closed as censored, not counted as drops.",
    ]
    if any(not journey.recorded for journey in totals.journeys.values()):
        found.append(
            "A journey without `assignment` did not run in this log: its entrants, sends and "
            "holdout are predictions, its conversion is the log's business as usual, and no "
            "effect is claimed. A holdout plan says how large a rise its holdout could detect "
            "once it runs (two-sided alpha 0.05, power 0.8)."
        )
    if any(journey.recorded for journey in totals.journeys.values()):
        found.append(
            "A journey with `assignment` is measured from the group the log records: treated "
            "minus holdout conversion with a 95% Newcombe interval; with fewer than "
            f"{MIN_PER_ARM} customers in an arm, too few to tell."
        )
    if observable:
        found.append(
            "Sends are matched to their touchpoint's delivered/opened/clicked events in the log "
            f"within {OBSERVE_WITHIN // HOUR}h after the send; those counts are observed, "
            "not simulated."
        )
    if totals.default_tz is not None:
        found.append(
            "Times written `tz: customer` are in each customer's `timezone` attribute; "
            f"{totals.without_zone:,} of {totals.customers:,} customers replayed had none (or "
            f"no valid zone) and got the policy's default_tz, {totals.default_tz}."
        )
    if traits_missing:
        found.append(
            "No --customers file was given: attribute conditions saw no traits (ne holds, every "
            "other comparison fails)."
        )
    return found


def _rate(group: GroupTotals) -> float | None:
    return None if group.rate is None else round(group.rate, 6)


def _not_sent(journey: JourneyTotals, rated: bool) -> dict[str, dict[str, int]]:
    """The would-be sends that did not go out, per touchpoint and why: a frequency or
    journey cap, a customer who cannot receive it (`requires`), quiet hours or the
    journey's rate past the entry's end (`rate_limited` only under a rate limit)."""
    return {
        tp: {
            "capped": send.capped,
            "unreachable": send.unreachable,
            "quiet_hours": send.not_sent,
            **({"rate_limited": send.rate_limited} if rated else {}),
        }
        for tp, send in journey.sends.items()
    }


def _journey_json(
    journey: JourneyTotals, name: str, span_us: int, rated: bool = False
) -> dict[str, Any]:
    recorded = journey.recorded
    return {
        "id": journey.id,
        "name": name,
        "assignment": journey.assignment,
        "entered": journey.treated.entered,
        "converted": journey.treated.converted,
        "conversion_rate": _rate(journey.treated),
        "entries": journey.treated.entries,
        "holdout": {
            "entered": journey.holdout.entered,
            "entries": journey.holdout.entries,
            # A simulated holdout is a random share of the same world: its conversion
            # would invite a comparison that measures nothing.
            "converted": journey.holdout.converted if recorded else None,
            "conversion_rate": _rate(journey.holdout) if recorded else None,
        },
        "unrecorded": journey.unrecorded.entered if recorded else None,
        "effect": effect_json(journey.effect()),
        "holdout_plan": plan_json(journey.holdout_plan(span_us)),
        "warnings": journey.warnings(),
        "revenue": _revenue_json(journey),
        "exits": dict(journey.exits),
        "sends": {tp: send.sent for tp, send in journey.sends.items()},
        "not_sent": _not_sent(journey, rated),
        "channels": channel_totals(list(journey.sends.values())),
        "send_details": [
            {
                "touchpoint": send.touchpoint,
                "channel": send.channel,
                "sent": send.sent,
                "capped": send.capped,
                "unreachable": send.unreachable,
                "deferred": send.deferred,
                "not_sent": send.not_sent,
                "observed": {
                    "delivered": send.delivered,
                    "opened": send.opened,
                    "clicked": send.clicked,
                }
                if send.observable
                else None,
            }
            for send in journey.sends.values()
        ],
        "variants": variants_json(journey),
        "variants_unrecorded": journey.variants_unrecorded,
        "steps": [
            {
                "id": step.id,
                "unique": step.unique,
                "total": step.total,
                "drop_off": step.drop_off,
                "left": dict(step.left),
            }
            for step in journey.steps.values()
        ],
    }


def _revenue_json(journey: JourneyTotals) -> dict[str, Any] | None:
    """The goal values of the converting entries; the holdout's only when recorded."""
    if not journey.revenue_property:
        return None
    per = journey.revenue_per_entrant()
    held = journey.revenue_per_entrant(holdout=True)
    return {
        "property": journey.revenue_property,
        "treated": round(journey.revenue, 2),
        "per_entrant": None if per is None else round(per, 2),
        "holdout": round(journey.holdout_revenue, 2) if journey.recorded else None,
        "holdout_per_entrant": None if held is None or not journey.recorded else round(held, 2),
    }


def to_json_data(
    totals: ReplayTotals, names: Mapping[str, str], log: Mapping[str, Any], notes: list[str]
) -> dict[str, Any]:
    return {
        "journeys": [
            _journey_json(
                journey,
                names.get(journey.id, ""),
                totals.span_us,
                journey.id in totals.rate_limited,
            )
            for journey in totals.journeys.values()
        ],
        "log": dict(log),
        "customer_tz": None
        if totals.default_tz is None
        else {
            "trait": TIMEZONE_TRAIT,
            "default": totals.default_tz,
            "customers_without": totals.without_zone,
        },
        "assumptions": notes,
    }


@dataclass(frozen=True)
class LogInfo:
    """What the JSON says of the log: what was read, who was replayed, its span."""

    summary: LoadSummary
    customers: int
    start: int | None
    end: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.summary.read,
            "rejected": self.summary.rejected,
            "customers_replayed": self.customers,
            "start": None if self.start is None else iso(self.start),
            "end": None if self.end is None else iso(self.end),
        }


def format_json(
    totals: ReplayTotals, names: Mapping[str, str], log: LogInfo, notes: list[str]
) -> str:
    document = to_json_data(totals, names, log.as_dict(), notes)
    return json.dumps(document, ensure_ascii=False, indent=2)


def _headline(journey: JourneyTotals, span_us: int) -> Text:
    # Exit reasons are a journey's exit events: workspace text.
    treated, holdout = journey.treated, journey.holdout
    text = Text()
    # A recorded run (of the journey, or of its A/B test) is in the log: not "without it".
    if journey.recorded or journey.recorded_variants:
        text.append(f"entered {treated.entered:,}")
        if holdout.entered:
            text.append(f" + {holdout.entered:,} holdout")
        text.append(f", converted {treated.converted:,} ({percent(treated.rate)})")
    else:
        text.append(f"would enter {treated.entered + holdout.entered:,}")
        if holdout.entered:
            text.append(f" ({holdout.entered:,} held out)")
        text.append(
            f"; converted {treated.converted:,} of {treated.entered:,} treated "
            f"({percent(treated.rate)}) without this journey"
        )
    if treated.entries != treated.entered:
        text.append(f", {treated.entries:,} entries")
    per = journey.revenue_per_entrant()
    if journey.revenue_property and per is not None:
        text.append(
            f"; revenue ({visible(journey.revenue_property)}) {journey.revenue:,.0f}, "
            f"{per:,.0f} per entrant"
        )
    effect = journey.effect()
    plan = journey.holdout_plan(span_us)
    if effect is not None:
        text.append(f"\n{effect_line(effect)}")
    elif plan is not None:
        text.append(f"\n{plan_line(plan, span_us)}")
    elif journey.recorded_variants:
        text.append("\nthe log records its A/B test's variants: measured per variant below")
    else:
        text.append("\nno holdout: add `holdout: 10%` to measure the journey once it runs")
    exits = ", ".join(f"{visible(reason)} {count:,}" for reason, count in journey.exits.items())
    text.append(f"\nexits: {exits}")
    return text


def print_summary(
    totals: ReplayTotals,
    names: Mapping[str, str],
    notes: list[str],
    console: Console | None = None,
) -> None:
    """Per journey: the headline, steps, sends and variants; then the assumptions.
    Ids, names, touchpoints, channels and variants come from the workspace: rich_text."""
    console = console or Console()
    for journey in totals.journeys.values():
        name = names.get(journey.id, "")
        console.print(rich_text(journey.id, "bold") + "  " + rich_text(name), highlight=False)
        console.print(_headline(journey, totals.span_us), highlight=False)
        for warning in journey.warnings():
            console.print(rich_text(f"warning: {warning}", "yellow"), highlight=False)
        steps = plain_table(("Step", "Unique", "Total", "Goal", "Drop-off", "Censored"))
        for step in journey.steps.values():
            steps.add_row(
                rich_text(step.id),
                f"{step.unique:,}",
                f"{step.total:,}",
                f"{step.left['goal']:,}",
                f"{step.drop_off:,}",
                f"{step.left['censored']:,}",
            )
        console.print(steps)
        if journey.sends:
            # Only where a touchpoint says who can receive it and someone could not.
            unreachable = any(send.unreachable for send in journey.sends.values())
            sends = plain_table(
                (
                    "Touchpoint",
                    "Channel",
                    "Sent",
                    "Capped",
                    *(("Unreachable",) if unreachable else ()),
                    "Deferred",
                    "Not sent",
                    "Delivered",
                    "Opened",
                    "Clicked",
                ),
                left=2,
            )
            for send in journey.sends.values():
                observed = (
                    [f"{send.delivered:,}", f"{send.opened:,}", f"{send.clicked:,}"]
                    if send.observable
                    else ["-", "-", "-"]
                )
                sends.add_row(
                    rich_text(send.touchpoint),
                    rich_text(send.channel),
                    f"{send.sent:,}",
                    f"{send.capped:,}",
                    *((f"{send.unreachable:,}",) if unreachable else ()),
                    f"{send.deferred:,}",
                    f"{send.not_sent:,}",
                    *observed,
                )
            console.print(sends)
        if journey.variants:
            console.print(rich_text(variants_line(journey)), highlight=False)
        console.print()
    console.print("[bold]Assumptions[/]")
    for note in notes:
        console.print(rich_text(f"- {note}"))


def _time(us: int) -> str:
    return utc_text(us) + "Z"


def print_explain(replay: CustomerReplay, console: Console | None = None) -> None:
    """One customer's path through the journeys, with the reason for every move (which
    quotes event names and property values from the log)."""
    console = console or Console()
    if not replay.trace:
        console.print(
            rich_text(f"{replay.customer}: no event of this customer concerns these journeys")
        )
        return
    table = Table(box=None, pad_edge=False, padding=(0, 1))
    table.add_column("Time (UTC)", no_wrap=True)
    table.add_column("Journey", no_wrap=True)
    table.add_column("What happened and why")
    for line in replay.trace:
        table.add_row(_time(line.ts), rich_text(line.journey), rich_text(line.text))
    console.print(table)


def explain_json(replay: CustomerReplay) -> str:
    return json.dumps(
        {
            "customer_id": replay.customer,
            "path": [
                {
                    "ts": iso(line.ts),
                    "journey": line.journey,
                    "reason": line.text,
                }
                for line in replay.trace
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


def overview_table(totals: ReplayTotals) -> Table:
    """One line per journey: entered, converted, the holdout, and the effect: measured
    from a recorded run, else what the holdout could detect once the journey runs."""
    table = numbers_table(
        ("Journey", "Entered", "Converted", "Holdout", "Effect", "Sent"),
        title="Journeys (replayed)",
        title_justify="left",
    )
    table.columns[0].ratio = 1
    for journey in totals.journeys.values():
        table.add_row(
            rich_text(journey.id),
            f"{journey.treated.entered:,}",
            f"{journey.treated.converted:,} ({percent(journey.treated.rate)})",
            f"{journey.holdout.entered:,}" if journey.holdout.entered else "–",
            overview_cell(journey, totals.span_us),
            f"{sum(send.sent for send in journey.sends.values()):,}",
        )
    return table
