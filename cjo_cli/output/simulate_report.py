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
from cjo_cli.engine.replay_records import CustomerReplay
from cjo_cli.engine.replay_stats import (
    GroupTotals,
    JourneyTotals,
    Lift,
    ReplayTotals,
    channel_totals,
)
from cjo_cli.events.tables import LoadSummary
from cjo_cli.model.clock import HOUR, iso, utc_text
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
        "The measured effect of a journey is the conversion of treated minus holdout customers "
        "on the same log (with a 95% Newcombe interval); conversion is the goal within "
        "goal.within of entry, also after the customer left the journey.",
        "Journeys still open at the end of the log are closed as censored, not counted as drops.",
    ]
    if observable:
        found.append(
            "Sends are matched to their touchpoint's delivered/opened/clicked events in the log "
            f"within {OBSERVE_WITHIN // HOUR}h after the send; those counts are observed, "
            "not simulated."
        )
    if traits_missing:
        found.append(
            "No --customers file was given: attribute conditions saw no traits (ne holds, every "
            "other comparison fails)."
        )
    return found


def lift_text(found: Lift) -> str:
    """`treated − holdout +5.6 pt (95% CI -32.7 … +32.5)`."""
    return (
        f"treated − holdout {found.difference * 100:+.1f} pt "
        f"(95% CI {found.low * 100:+.1f} … {found.high * 100:+.1f})"
    )


def _rate(group: GroupTotals) -> float | None:
    return None if group.rate is None else round(group.rate, 6)


def _journey_json(journey: JourneyTotals, name: str) -> dict[str, Any]:
    found = journey.lift
    return {
        "id": journey.id,
        "name": name,
        "entered": journey.treated.entered,
        "converted": journey.treated.converted,
        "conversion_rate": _rate(journey.treated),
        "entries": journey.treated.entries,
        "holdout": {
            "entered": journey.holdout.entered,
            "converted": journey.holdout.converted,
            "conversion_rate": _rate(journey.holdout),
            "entries": journey.holdout.entries,
        },
        "lift": None
        if found is None
        else {
            "difference": round(found.difference, 6),
            "ci95": [round(found.low, 6), round(found.high, 6)],
        },
        "exits": dict(journey.exits),
        "sends": {tp: send.sent for tp, send in journey.sends.items()},
        "channels": channel_totals(list(journey.sends.values())),
        "send_details": [
            {
                "touchpoint": send.touchpoint,
                "channel": send.channel,
                "sent": send.sent,
                "capped": send.capped,
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
        "variants": {
            name: {"entries": group.entries, "converted": group.converted}
            for name, group in journey.variants.items()
        },
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


def to_json_data(
    totals: ReplayTotals, names: Mapping[str, str], log: Mapping[str, Any], notes: list[str]
) -> dict[str, Any]:
    return {
        "journeys": [
            _journey_json(journey, names.get(journey.id, ""))
            for journey in totals.journeys.values()
        ],
        "log": dict(log),
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


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _headline(journey: JourneyTotals) -> Text:
    # Exit reasons are a journey's exit events: workspace text.
    text = Text()
    text.append(f"entered {journey.treated.entered:,}")
    text.append(f", converted {journey.treated.converted:,} ({_percent(journey.treated.rate)})")
    if journey.treated.entries != journey.treated.entered:
        text.append(f", {journey.treated.entries:,} entries")
    if journey.holdout.entered:
        text.append(
            f"\nholdout: entered {journey.holdout.entered:,}, converted "
            f"{journey.holdout.converted:,} ({_percent(journey.holdout.rate)})"
        )
        found = journey.lift
        if found is not None:
            text.append(f"; {lift_text(found)}")
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
        console.print(_headline(journey), highlight=False)
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
            sends = plain_table(
                (
                    "Touchpoint",
                    "Channel",
                    "Sent",
                    "Capped",
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
                    f"{send.deferred:,}",
                    f"{send.not_sent:,}",
                    *observed,
                )
            console.print(sends)
        if journey.variants:
            console.print(
                rich_text(
                    "variants: "
                    + ", ".join(
                        f"{name} {group.converted:,}/{group.entries:,} entries converted"
                        for name, group in journey.variants.items()
                    )
                )
            )
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
    """One line per journey: entered, converted, the holdout and the measured effect."""
    table = numbers_table(
        ("Journey", "Entered", "Converted", "Holdout", "Effect, 95% CI", "Sent"),
        title="Journeys (replayed)",
        title_justify="left",
    )
    table.columns[0].ratio = 1
    for journey in totals.journeys.values():
        found = journey.lift
        effect = (
            "–"
            if found is None
            else f"{found.difference * 100:+.1f} pt, {found.low * 100:+.1f}…{found.high * 100:+.1f}"
        )
        holdout = (
            f"{_percent(journey.holdout.rate)} of {journey.holdout.entered:,}"
            if journey.holdout.entered
            else "–"
        )
        table.add_row(
            rich_text(journey.id),
            f"{journey.treated.entered:,}",
            f"{journey.treated.converted:,} ({_percent(journey.treated.rate)})",
            holdout,
            effect,
            f"{sum(send.sent for send in journey.sends.values()):,}",
        )
    return table
